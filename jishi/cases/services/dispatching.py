"""Where a case goes: its category (classify), its lead and assisting units (dispatch, and
arbitrate after a disputed return), or nowhere (merge into another case, reject)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from jishi.cases.models import Case, Category, State
from jishi.cases.services.clocks import _dispatch_clocks, _start_clocks
from jishi.cases.services.engine import (
    REASON_MAX,
    Acting,
    Actor,
    _clean_text,
    _transition,
    _unit_ref,
)
from jishi.cases.timelimits import limits_for
from jishi.common.errors import InvalidInput
from jishi.orgs.models import Unit


def _assisting(lead_unit: Unit, units: Sequence[Unit]) -> list[Unit]:
    return [u for u in dict.fromkeys(units) if u.pk != lead_unit.pk]


def _check_units(lead_unit: Unit, assisting_units: Sequence[Unit]) -> None:
    if not lead_unit.active:
        raise InvalidInput("主办单位已停用", errors={"lead_unit": [f"{lead_unit.name}已停用"]})
    for unit in assisting_units:
        if not unit.active:
            raise InvalidInput("协办单位已停用", errors={"assisting_units": [f"{unit.name}已停用"]})


def case_classify(
    *,
    actor: Actor,
    case: Case | int,
    category: Category,
    expected_version: int | None = None,
    source: str = "dispatcher",
    confidence: float | None = None,
    model_version: str = "",
    suggested: str | None = None,
) -> Case:
    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        previous = case.category.code if case.category else None
        case.category = category
        payload: dict[str, Any] = {
            "category": category.code,
            "previous": previous,
            "source": source,
        }
        if confidence is not None:
            payload["confidence"] = f"{confidence:.4f}"
            payload["model_version"] = model_version
        if suggested is not None:
            # The router's top suggestion shown to the dispatcher: agreement is a figure.
            payload["suggested"] = suggested
        return payload

    return _transition(
        actor=actor,
        case=case,
        name="classify",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["category"],
    )


def _dispatch_apply(
    *,
    lead_unit: Unit,
    assisting_units: Sequence[Unit],
    category: Category | None,
    note: str,
) -> Callable[[Case, Acting, datetime, int], dict[str, Any]]:
    _check_units(lead_unit, assisting_units)
    assisting = _assisting(lead_unit, assisting_units)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        if category is not None:
            case.category = category
        limits = limits_for(case.category, case.kind)
        case.lead_unit = lead_unit
        case.dispatched_at = at
        if assisting or case.state == State.RETURNED:
            case.assisting_units.set(assisting)
        clocks = _start_clocks(case, at, seq, _dispatch_clocks(limits), fresh=True)
        return {
            "lead_unit": _unit_ref(lead_unit),
            "assisting_units": [_unit_ref(u) for u in assisting],
            "category": case.category.code if case.category else None,
            "note": note,
            "clocks": clocks,
        }

    return apply


_DISPATCH_FIELDS = [
    "category",
    "lead_unit",
    "dispatched_at",
    "response_due",
    "handling_due",
    "due_estimated",
]


def case_dispatch(
    *,
    actor: Actor,
    case: Case | int,
    lead_unit: Unit,
    assisting_units: Sequence[Unit] = (),
    category: Category | None = None,
    note: str = "",
    expected_version: int | None = None,
    suggested: str | None = None,
) -> Case:
    """Send the case to its lead unit (主办) and any assisting units (协办); starts the clocks.
    Sending it back to the unit that just returned it is an arbitration, not a re-dispatch."""
    note = _clean_text(note, field="note", label="说明", required=False, limit=REASON_MAX)
    apply = _dispatch_apply(
        lead_unit=lead_unit, assisting_units=assisting_units, category=category, note=note
    )

    def guarded(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        if case.state == State.RETURNED and case.lead_unit_id == lead_unit.pk:
            raise InvalidInput(
                "不能派回退单单位",
                errors={
                    "lead_unit": [f"{lead_unit.name}刚退回此事项；如确属其职责，请使用「裁定」"]
                },
            )
        payload = apply(case, acting, at, seq)
        if suggested is not None:
            payload["suggested"] = suggested
        return payload

    return _transition(
        actor=actor,
        case=case,
        name="dispatch",
        expected_version=expected_version,
        apply=guarded,
        extra_fields=_DISPATCH_FIELDS,
    )


def case_arbitrate(
    *,
    actor: Actor,
    case: Case | int,
    lead_unit: Unit,
    reason: str,
    assisting_units: Sequence[Unit] = (),
    expected_version: int | None = None,
) -> Case:
    """Rule on a disputed return: the named unit owns the case and may not return it again."""
    reason = _clean_text(reason, field="reason", label="裁定理由", required=True, limit=REASON_MAX)
    apply = _dispatch_apply(
        lead_unit=lead_unit, assisting_units=assisting_units, category=None, note=reason
    )

    def arbitrate(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        case.arbitrated = True
        return {**apply(case, acting, at, seq), "reason": reason}

    return _transition(
        actor=actor,
        case=case,
        name="arbitrate",
        expected_version=expected_version,
        apply=arbitrate,
        extra_fields=[*_DISPATCH_FIELDS, "arbitrated"],
    )


def case_merge(
    *,
    actor: Actor,
    case: Case | int,
    into: Case,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """Fold a duplicate into another open case; its citizen follows the surviving one."""
    note = _clean_text(note, field="note", label="合并说明", required=False, limit=REASON_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        target = Case.objects.get(pk=into.pk)
        if target.pk == case.pk:
            raise InvalidInput("不能合并到自身", errors={"into": ["请选择另一个事项"]})
        if not target.is_open:
            raise InvalidInput(
                "目标事项已结束", errors={"into": [f"{target.code} 已结束，不能合并"]}
            )
        if target.merged_into_id is not None:
            raise InvalidInput("目标事项已被合并", errors={"into": [f"{target.code} 已被合并"]})
        case.merged_into = target
        case.closed_at = at
        return {"into": target.code, "note": note}

    case = _transition(
        actor=actor,
        case=case,
        name="merge",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["merged_into", "closed_at"],
    )
    return case


def case_reject(
    *, actor: Actor, case: Case | int, reason: str, expected_version: int | None = None
) -> Case:
    reason = _clean_text(
        reason, field="reason", label="不予受理理由", required=True, limit=REASON_MAX
    )

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        case.closed_at = at
        return {"reason": reason}

    return _transition(
        actor=actor,
        case=case,
        name="reject",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["closed_at"],
    )
