from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "jishi.reports"
    label = "reports"
    verbose_name = "统计与通报"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from jishi.orgs.models import UnitChange

        # The field apps' sections and sentences (projects, accountability, outreach).
        from jishi.reports import aggregates, checks, sources_apps  # noqa: F401

        sources_apps.register_all()
        # A unit moved in the tree changes whose posts see its cases: count them again.
        post_save.connect(
            aggregates.on_unit_change, sender=UnitChange, dispatch_uid="reports-unit-moved"
        )
