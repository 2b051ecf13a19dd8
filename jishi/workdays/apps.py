from django.apps import AppConfig


class WorkdaysConfig(AppConfig):
    name = "jishi.workdays"
    label = "workdays"
    verbose_name = "工作日"

    def ready(self) -> None:
        # Imported for their side effects: the calendar cache's receivers and the check
        # that JISHI_WORKING_HOURS parses, so a typo fails at start-up, not at intake.
        from jishi.workdays import checks, selectors  # noqa: F401
