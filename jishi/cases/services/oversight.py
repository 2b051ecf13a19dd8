"""Deadlines and pressure from above: the lead unit's request for more time and its
decision, reminders (催办) and supervision orders (督办) with their own deadline."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jishi.cases.models import Case, ClockKind, LimitUnit
from jishi.cases.services.clocks import ClockSpec, _start_clocks
from jishi.cases.services.engine import (
    REASON_MAX,
    Acting,
    Actor,
    _clean_text,
    _refuse_if_blocked,
    _running_clocks,
    _transition,
    _update,
)
from jishi.common.errors import InvalidInput, InvalidTransition
from jishi.workdays.selectors import get_calendar


def case_request_extension(
    *, actor: Actor, case: Case | int, days: int, reason: str, expected_version: int | None = None
) -> Case:
    if not isinstance(days, int) or not 1 <= days <= 60:
        raise InvalidInput("延期天数无效", errors={"days": ["延期须为 1–60 个工作日"]})
    reason = _clean_text(reason, field="reason", label="延期理由", required=True, limit=REASON_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        _refuse_if_blocked("request_extension", case)
        case.extension_pending = True
        return {"days": days, "reason": reason}

    return _transition(
        actor=actor,
        case=case,
        name="request_extension",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["extension_pending"],
    )


def case_decide_extension(
    *,
    actor: Actor,
    case: Case | int,
    approve: bool,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """Approve (the handling deadline moves by the requested working days) or deny."""
    note = _clean_text(note, field="note", label="审批意见", required=not approve, limit=REASON_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        _refuse_if_blocked("approve_extension" if approve else "deny_extension", case)
        request = case.events.filter(kind="request_extension").order_by("-seq").first()
        days = int(request.payload["days"]) if request else 0
        case.extension_pending = False
        payload: dict[str, Any] = {"approve": approve, "days": days, "note": note}
        if approve:
            running = next((c for c in _running_clocks(case) if c.kind == ClockKind.HANDLING), None)
            if running is None:
                raise InvalidTransition("办理时限未在计时，无法延期")
            deadline = get_calendar().add_workdays(running.due_at, days)
            running.extension_days += days
            running.due_at, running.estimated = (
                deadline.due,
                running.estimated or deadline.estimated,
            )
            running.rule = f"{running.rule}；延期 {days} 个工作日"[:200]
            _update(running, ["extension_days", "due_at", "estimated", "rule"])
            case.handling_due = deadline.due
            case.due_estimated = case.due_estimated or deadline.estimated
            payload["clocks"] = {
                "handling": {
                    "due": deadline.due.isoformat(),
                    "rule": running.rule,
                    "estimated": running.estimated,
                }
            }
        return payload

    name = "approve_extension" if approve else "deny_extension"
    return _transition(
        actor=actor,
        case=case,
        name=name,
        expected_version=expected_version,
        apply=apply,
        extra_fields=["extension_pending", "handling_due", "due_estimated"],
    )


def case_remind(
    *, actor: Actor, case: Case | int, note: str = "", expected_version: int | None = None
) -> Case:
    note = _clean_text(note, field="note", label="催办说明", required=False, limit=REASON_MAX)
    return _transition(
        actor=actor,
        case=case,
        name="remind",
        expected_version=expected_version,
        apply=lambda case, acting, at, seq: {"note": note},
    )


def case_supervise(
    *, actor: Actor, case: Case | int, days: int, note: str, expected_version: int | None = None
) -> Case:
    """A supervision order (督办) with its own deadline in working days."""
    if not isinstance(days, int) or not 1 <= days <= 60:
        raise InvalidInput("督办时限无效", errors={"days": ["督办时限须为 1–60 个工作日"]})
    note = _clean_text(note, field="note", label="督办要求", required=True, limit=REASON_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        case.supervised = True
        clocks = _start_clocks(
            case,
            at,
            seq,
            [ClockSpec(ClockKind.SUPERVISION, days, LimitUnit.WORKDAY, f"督办：{days}个工作日")],
            fresh=False,
        )
        return {"note": note, "days": days, "clocks": clocks}

    return _transition(
        actor=actor,
        case=case,
        name="supervise",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["supervised", "due_estimated"],
    )
