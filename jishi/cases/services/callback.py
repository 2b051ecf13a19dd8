"""After the reply: the citizen's answer (回访), which closes the case or reopens it (重办),
and closing without one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from jishi.cases.models import Case, CaseEvent, ClockKind, LimitUnit, Satisfaction
from jishi.cases.services.clocks import ClockSpec, _start_clocks
from jishi.cases.services.engine import (
    REASON_MAX,
    Acting,
    Actor,
    _clean_text,
    _savepoints,
    _transition,
)
from jishi.cases.timelimits import limits_for
from jishi.common.errors import InvalidInput, InvalidTransition

# A set: ``TextChoices.values`` builds a new list at every access.
_SATISFACTIONS = frozenset(Satisfaction.values)


def case_callback(
    *,
    actor: Actor,
    case: Case | int,
    resolved: bool,
    satisfaction: int,
    comment: str = "",
    expected_version: int | None = None,
) -> Case:
    """Record the citizen's answer (回访). Satisfied (resolved, 基本满意 or better) closes the
    case; otherwise it is reopened (重办) — unless it has been reopened the maximum number of
    times, when it closes and counts as unresolved."""
    if satisfaction not in _SATISFACTIONS:
        raise InvalidInput("请选择满意度", errors={"satisfaction": ["满意度须为 1–5 的五级评价"]})
    comment = _clean_text(comment, field="comment", label="意见", required=False, limit=REASON_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        case.resolved, case.satisfaction = resolved, satisfaction
        return {"resolved": resolved, "satisfaction": satisfaction, "comment": comment}

    with transaction.atomic(savepoint=_savepoints()):
        case = _transition(
            actor=actor,
            case=case,
            name="callback",
            expected_version=expected_version,
            apply=apply,
            extra_fields=["resolved", "satisfaction"],
        )
        satisfied = resolved and satisfaction >= Satisfaction.BASICALLY_SATISFIED
        if satisfied:
            return case_close(actor=actor, case=case, reason="回访满意", after_callback=True)
        if case.reopen_count >= settings.JISHI_MAX_REOPENS:
            return case_close(
                actor=actor,
                case=case,
                after_callback=True,
                reason=f"已重办 {case.reopen_count} 次，回访仍不满意，按未解决办结",
            )
        return case_reopen(actor=actor, case=case, reason=comment or "回访不满意")


def case_reopen(
    *, actor: Actor, case: Case | int, reason: str, expected_version: int | None = None
) -> Case:
    reason = _clean_text(reason, field="reason", label="重办理由", required=True, limit=REASON_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        if case.lead_unit is None:
            raise InvalidTransition("此事项没有主办单位，不能重办")
        case.reopen_count += 1
        case.closed_at = None
        case.replied_at = None
        limits = limits_for(case.category, case.kind)
        clocks = _start_clocks(
            case,
            at,
            seq,
            [
                ClockSpec(
                    ClockKind.HANDLING,
                    limits.handling_days,
                    LimitUnit.WORKDAY,
                    f"重办：{limits.handling_rule}",
                )
            ],
            fresh=False,
        )
        return {
            "reason": reason,
            "reopen_count": case.reopen_count,
            "clocks": clocks,
        }

    return _transition(
        actor=actor,
        case=case,
        name="reopen",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["reopen_count", "closed_at", "replied_at", "handling_due", "due_estimated"],
    )


def case_callback_attempt(
    *, actor: Actor, case: Case | int, note: str = "", expected_version: int | None = None
) -> Case:
    """Record a callback that reached nobody (回访未接通): the case stays waiting for its
    callback, and the attempt counts towards closing without one."""
    note = _clean_text(note, field="note", label="说明", required=False, limit=REASON_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        return {"note": note, "attempt": _attempts_since_reply(case) + 1}

    return _transition(
        actor=actor,
        case=case,
        name="callback_attempt",
        expected_version=expected_version,
        apply=apply,
    )


def _attempts_since_reply(case: Case) -> int:
    events = CaseEvent.objects.filter(case_id=case.pk, kind="callback_attempt")
    if case.replied_at is not None:
        events = events.filter(created_at__gte=case.replied_at)
    return events.count()


def case_close(
    *,
    actor: Actor,
    case: Case | int,
    reason: str = "",
    after_callback: bool = False,
    expected_version: int | None = None,
) -> Case:
    """Close a replied case. Without a callback a reason is required (e.g. 无法联系); a case
    that must be called back needs ``JISHI_CALLBACK_ATTEMPTS`` failed attempts first."""
    reason = _clean_text(
        reason, field="reason", label="办结说明", required=not after_callback, limit=REASON_MAX
    )

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        if not after_callback and case.callback_required:
            needed, made = settings.JISHI_CALLBACK_ATTEMPTS, _attempts_since_reply(case)
            if made < needed:
                raise InvalidTransition(
                    f"此事项须回访当事人后办结：已记录回访未接通 {made} 次，"
                    f"满 {needed} 次后方可不经回访办结"
                )
        if not after_callback:
            case.resolved = None
        case.closed_at = at
        return {
            "reason": reason,
            "after_callback": after_callback,
            "resolved": case.resolved,
            "satisfaction": case.satisfaction if after_callback else None,
        }

    return _transition(
        actor=actor,
        case=case,
        name="close",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["closed_at", "resolved"],
    )
