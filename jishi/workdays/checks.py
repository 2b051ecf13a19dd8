"""Start-up check: a malformed ``JISHI_WORKING_HOURS`` must stop the deploy, not intake."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from jishi.workdays.calendar import WorkingHours, WorkingHoursError


@register()
def check_working_hours(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        WorkingHours.from_settings()
    except WorkingHoursError as exc:
        return [
            Error(
                f"JISHI_WORKING_HOURS 无效：{exc}",
                hint="格式如 08:30-12:00,14:30-17:30",
                id="workdays.E001",
            )
        ]
    return []
