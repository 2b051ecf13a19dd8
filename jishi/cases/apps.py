from typing import Any

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "jishi.cases"
    label = "cases"
    verbose_name = "工作台账"

    def ready(self) -> None:
        from jishi.cases.router import category_names
        from jishi.routing import lexicon
        from jishi.workdays.signals import calendar_changed

        # Category names join the segmenter's user dictionary (routing knows no category).
        lexicon.register_source(category_names)

        calendar_changed.connect(_recompute_deadlines, dispatch_uid="cases-recompute-deadlines")


def _recompute_deadlines(sender: Any, years: set[int], **kwargs: Any) -> int:
    # Sent on commit of the calendar change, so the new calendar is what we count with.
    # The count of cases moved goes back to whoever entered the change, to tell the admin.
    from jishi.cases.services import deadlines_recompute

    return deadlines_recompute(years=years)
