"""What the lead unit does with a case: acknowledge it or return it, answer in stages and
in the end; and the internal notes any staff who can see a case may add to it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from jishi.cases.models import Case, ClockKind
from jishi.cases.services.clocks import _clock_outcomes
from jishi.cases.services.engine import (
    REASON_MAX,
    TEXT_MAX,
    Acting,
    Actor,
    _clean_text,
    _refuse_if_blocked,
    _transition,
    _unit_ref,
)


def case_acknowledge(
    *, actor: Actor, case: Case | int, expected_version: int | None = None
) -> Case:
    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        case.acknowledged_at = at
        return {"clocks": _clock_outcomes(case, [ClockKind.RESPONSE], at)}

    return _transition(
        actor=actor,
        case=case,
        name="acknowledge",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["acknowledged_at"],
    )


def case_return(
    *, actor: Actor, case: Case | int, reason: str, expected_version: int | None = None
) -> Case:
    reason = _clean_text(reason, field="reason", label="退单理由", required=True, limit=REASON_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        _refuse_if_blocked("return", case)
        case.return_count += 1
        case.acknowledged_at = None
        case.extension_pending = False
        case.supervised = False
        return {"reason": reason, "unit": _unit_ref(case.lead_unit)}

    return _transition(
        actor=actor,
        case=case,
        name="return",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["return_count", "acknowledged_at", "extension_pending", "supervised"],
    )


def case_interim_reply(
    *, actor: Actor, case: Case | int, text: str, expected_version: int | None = None
) -> Case:
    text = _clean_text(text, field="text", label="阶段性答复", required=True, limit=TEXT_MAX)
    return _transition(
        actor=actor,
        case=case,
        name="interim_reply",
        expected_version=expected_version,
        apply=lambda case, acting, at, seq: {"text": text},
    )


def case_reply(
    *,
    actor: Actor,
    case: Case | int,
    text: str,
    quality: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> Case:
    """The unit's answer to the citizen; stops the handling clock and awaits the callback.

    ``quality``: the reply check's scores (``ReplyScore.as_payload``), kept on the event so
    the bulletin can rank units by how well they answer.
    """
    text = _clean_text(text, field="text", label="答复内容", required=True, limit=TEXT_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        case.replied_at = at
        case.supervised = False
        outcomes = _clock_outcomes(case, [ClockKind.HANDLING, ClockKind.SUPERVISION], at)
        payload: dict[str, Any] = {"text": text, "clocks": outcomes}
        if quality:
            payload["quality"] = dict(quality)
        return payload

    return _transition(
        actor=actor,
        case=case,
        name="reply",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["replied_at", "supervised"],
    )


def case_add_note(
    *, actor: Actor, case: Case | int, text: str, expected_version: int | None = None
) -> Case:
    text = _clean_text(text, field="text", label="备注", required=True, limit=REASON_MAX)
    return _transition(
        actor=actor,
        case=case,
        name="note",
        expected_version=expected_version,
        apply=lambda case, acting, at, seq: {"text": text},
    )
