from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "jishi.reports"
    label = "reports"
    verbose_name = "统计与通报"

    def ready(self) -> None:
        # The field apps' sections and sentences (projects, accountability, outreach).
        from jishi.reports import checks, sources_apps  # noqa: F401

        sources_apps.register_all()
