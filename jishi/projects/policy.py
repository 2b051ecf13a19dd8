"""Writes of the round and light settings (调度设置): the due day, the reminder's lead time,
the yellow and red thresholds, the months a project may stay unstarted and a supervision
order's deadline. One row (``Policy``, the first); each change is a ``PolicyChange`` row with
the values before and after, like the calendar's ``CalendarChange``."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from jishi.common import clock
from jishi.common.errors import InvalidInput, PermissionDenied
from jishi.orgs.models import User
from jishi.projects import selectors
from jishi.projects.models import Policy, PolicyChange

# field: (label, lowest, highest). The due day stops at 28 so that every month has it.
LIMITS: dict[str, tuple[str, int, int]] = {
    "due_day": ("每月报送截止日", 1, 28),
    "remind_days_before": ("提前几天提醒", 0, 27),
    "yellow_behind": ("黄灯：落后百分点", 1, 100),
    "red_behind": ("红灯：落后超过百分点", 1, 100),
    "not_started_months": ("开始后几个月未动工亮红灯", 1, 24),
    "order_workdays": ("督办单办理时限（工作日）", 1, 60),
}


def policy_values(policy: Policy) -> dict[str, int]:
    return {name: int(getattr(policy, name)) for name in LIMITS}


def check_policy(values: dict[str, Any]) -> dict[str, list[str]]:
    """Field errors of a set of settings (empty when they can be saved)."""
    errors: dict[str, list[str]] = {}
    for name, (label, low, high) in LIMITS.items():
        value = values.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            errors[name] = [f"请填写{label}（整数）"]
        elif not low <= value <= high:
            errors[name] = [f"{label}应在 {low} 到 {high} 之间"]
    if errors:
        return errors
    if values["yellow_behind"] >= values["red_behind"]:
        errors["red_behind"] = ["亮红灯的落后百分点须大于亮黄灯的"]
    if values["remind_days_before"] >= values["due_day"]:
        errors["remind_days_before"] = ["提醒须在当月截止日之前（提前天数须小于截止日）"]
    return errors


def policy_update(*, actor: User, **values: Any) -> Policy:
    """Save the settings (the supervision office and administrators): all or nothing, a
    change row with before and after, nothing written when nothing changed. Rounds already
    open keep their due date; the next assessment uses the new thresholds."""
    if not selectors.may_supervise(actor):
        raise PermissionDenied("只有督查室或管理员可以修改调度设置")
    unknown = set(values) - set(LIMITS)
    if unknown:
        raise InvalidInput("调度设置有误", errors={"__all__": ["未知的设置项"]})
    errors = check_policy(values)
    if errors:
        raise InvalidInput("调度设置有误", errors=errors)
    with transaction.atomic():
        policy = Policy.objects.select_for_update().order_by("pk").first() or Policy()
        before = policy_values(policy)
        if before == values and policy.pk is not None:
            return policy
        for name, value in values.items():
            setattr(policy, name, value)
        policy.save()
        PolicyChange.objects.create(
            actor=actor, before=before, after=policy_values(policy), created_at=clock.now()
        )
    return policy
