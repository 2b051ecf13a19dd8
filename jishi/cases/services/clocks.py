"""The SLA clocks a step starts (respond, handle, supervise) and their deadlines in working
days or hours; the deadlines moved when the calendar changes.

A clock is stopped by the step the workflow table says (``engine._stop_clocks``, with every
transition); the steps that start one ask here for the rows and the event's payload."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from jishi.cases.models import Case, CaseClock, ClockKind, LimitUnit
from jishi.cases.services.engine import (
    _STOP_FIELDS,
    Acting,
    System,
    _insert,
    _running_clocks,
    _set_running_clocks,
    _transition,
    _update,
)
from jishi.cases.timelimits import Limits
from jishi.workdays.selectors import get_calendar


@dataclass(frozen=True)
class ClockSpec:
    kind: str
    amount: int
    unit: str
    rule: str


def _dispatch_clocks(limits: Limits) -> list[ClockSpec]:
    """The two clocks a dispatch starts: respond (acknowledge) and handle (reply)."""
    return [
        ClockSpec(
            ClockKind.RESPONSE, limits.response_amount, limits.response_unit, limits.response_rule
        ),
        ClockSpec(
            ClockKind.HANDLING, limits.handling_days, LimitUnit.WORKDAY, limits.handling_rule
        ),
    ]


def _start_clocks(
    case: Case, at: datetime, seq: int, specs: Sequence[ClockSpec], *, fresh: bool
) -> dict[str, Any]:
    """Start SLA clocks at ``at``; returns their deadlines for the event's payload.

    ``fresh`` says no clock is running on the case (the workflow stopped them all, as after
    intake, a return or a reply), which spares reading the running clocks to replace them.
    """
    planned, out = _plan_clocks(case, at, seq, specs)
    kinds = {spec.kind for spec in specs}
    estimated = any(row.estimated for row in planned)
    running: list[CaseClock] = []
    if not fresh:
        running = _running_clocks(case)
        replaced = [c for c in running if c.kind in kinds]
        if replaced:
            for c in replaced:
                c.stopped_at, c.stopped_seq, c.outcome = at, seq, "replaced"
                _update(c, _STOP_FIELDS)
        running = [c for c in running if c.kind not in kinds]
        estimated = estimated or any(c.estimated for c in running)
    _insert(planned)
    _set_running_clocks(case, running + planned)
    case.due_estimated = estimated
    return out


def _plan_clocks(
    case: Case, at: datetime, seq: int, specs: Sequence[ClockSpec]
) -> tuple[list[CaseClock], dict[str, Any]]:
    """Clock rows (unsaved) and their payload; sets the case's due fields."""
    calendar = get_calendar()
    built, out = [], {}
    for spec in specs:
        if spec.unit == LimitUnit.WORKHOUR:
            deadline = calendar.add_working_hours(at, spec.amount)
        else:
            deadline = calendar.add_workdays(at, spec.amount)
        built.append(
            CaseClock(
                case_id=case.pk,  # None at intake, set once the case is inserted
                kind=spec.kind,
                started_at=at,
                started_seq=seq,
                limit_amount=spec.amount,
                limit_unit=spec.unit,
                due_at=deadline.due,
                estimated=deadline.estimated,
                rule=spec.rule,
            )
        )
        if spec.kind == ClockKind.RESPONSE:
            case.response_due = deadline.due
        elif spec.kind == ClockKind.HANDLING:
            case.handling_due = deadline.due
        out[spec.kind] = {
            "due": deadline.due.isoformat(),
            "rule": spec.rule,
            "estimated": deadline.estimated,
        }
    return built, out


def _clock_outcomes(case: Case, kinds: Iterable[str], at: datetime) -> dict[str, str]:
    """What stopping these clocks now would say: recorded in the event, so figures such as
    the on-time rate come from events alone."""
    kinds = list(kinds)
    return {
        c.kind: ("met" if at <= c.due_at else "late")
        for c in _running_clocks(case)
        if c.kind in kinds
    }


# --- deadlines after a calendar change ---------------------------------------------------------


def _recomputed(calendar: Any, running: CaseClock) -> Any:
    if running.limit_unit == LimitUnit.WORKHOUR:
        return calendar.add_working_hours(running.started_at, running.limit_amount)
    deadline = calendar.add_workdays(running.started_at, running.limit_amount)
    if running.extension_days:
        extended = calendar.add_workdays(deadline.due, running.extension_days)
        deadline = dataclasses.replace(extended, estimated=deadline.estimated or extended.estimated)
    return deadline


def deadlines_recompute(*, years: Iterable[int]) -> int:
    """After the calendar of ``years`` changed (a year's schedule entered, a holiday
    corrected), recompute every running clock whose span touches those years. Each case
    whose deadline actually moves (or stops being estimated) gets a ``recompute_deadline``
    event, so the change is on the record. Returns the number of cases changed."""
    years = set(years)
    if not years:
        return 0
    calendar = get_calendar()
    touched: dict[int, list[CaseClock]] = {}
    for running in CaseClock.objects.filter(stopped_at__isnull=True).order_by("case_id", "id"):
        span = set(range(running.started_at.year, running.due_at.year + 2))
        if span & years:
            touched.setdefault(running.case_id, []).append(running)
    changed = 0
    for case_id, clocks in touched.items():
        fresh = {c.pk: _recomputed(calendar, c) for c in clocks}
        if all(
            fresh[c.pk].due == c.due_at and fresh[c.pk].estimated == c.estimated for c in clocks
        ):
            continue

        def apply(
            case: Case,
            acting: Acting,
            at: datetime,
            seq: int,
            clocks: list[CaseClock] = clocks,
            fresh: dict[int, Any] = fresh,
        ) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for c in clocks:
                deadline = fresh[c.pk]
                out[c.kind] = {
                    "from": c.due_at.isoformat(),
                    "due": deadline.due.isoformat(),
                    "estimated": deadline.estimated,
                }
                c.due_at, c.estimated = deadline.due, deadline.estimated
                c.save(update_fields=["due_at", "estimated"])
                if c.kind == ClockKind.RESPONSE:
                    case.response_due = deadline.due
                elif c.kind == ClockKind.HANDLING:
                    case.handling_due = deadline.due
            case.due_estimated = CaseClock.objects.filter(
                case=case, stopped_at__isnull=True, estimated=True
            ).exists()
            return {"clocks": out, "years": sorted(years)}

        _transition(
            actor=System(),
            case=case_id,
            name="recompute_deadline",
            expected_version=None,
            apply=apply,
            extra_fields=["response_due", "handling_due", "due_estimated"],
        )
        changed += 1
    return changed
