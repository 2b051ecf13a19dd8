"""What a citizen may read about their own case.

The ledger records everything staff do, including things a citizen must never see: internal
notes, who handled the case, why a unit sent it back, reminders between units. This module
is the one place that decides what is public. It works by *allow-list*: an event kind not in
``PUBLIC_EVENTS`` is not shown, and of the kinds that are shown only the payload fields named
there are read. Actor names, roles and units are never read at all.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jishi.cases import display
from jishi.cases.models import Case, CaseEvent, Satisfaction, State
from jishi.common import clock
from jishi.common.text import fold
from jishi.orgs.models import Unit, UnitKind


@dataclass(frozen=True)
class PublicKind:
    label: Any  # a lazy translation
    # The payload field whose text is shown to the citizen, if any. Only texts written *for*
    # the citizen qualify: the unit's reply, its interim reply, the reason a case was refused.
    text_field: str | None = None


PUBLIC_EVENTS: dict[str, PublicKind] = {
    "accept": PublicKind(_("已受理")),
    "dispatch": PublicKind(_("已转交承办单位")),
    "acknowledge": PublicKind(_("承办单位已签收，正在办理")),
    "interim_reply": PublicKind(_("阶段性答复"), "text"),
    "approve_extension": PublicKind(_("办理期限已延长")),
    "reply": PublicKind(_("已答复"), "text"),
    "resolve_on_the_spot": PublicKind(_("已现场解决"), "resolution"),
    "callback": PublicKind(_("您已评价")),
    "reopen": PublicKind(_("重新办理")),
    "close": PublicKind(_("已办结")),
    "reject": PublicKind(pgettext_lazy("citizen", "不予受理"), "reason"),
    "merge": PublicKind(_("已与相同诉求合并办理")),
}
# Deliberately absent: classify, arbitrate, return (the reason is between units), note,
# remind, supervise, request/deny_extension, reveal_contact, attach, recompute_deadline.
# A ``reopen`` or ``close`` reason may be written by staff for staff, so it is not shown.

# The citizen sees fewer states than staff: a case sent back between units is still simply
# "being passed to the right unit".
PUBLIC_STATES: dict[str, Any] = {
    State.ACCEPTED: _("已受理，正在转交"),
    State.DISPATCHED: _("已转交承办单位"),
    State.RETURNED: _("已受理，正在转交"),
    State.IN_PROGRESS: _("办理中"),
    State.REPLIED: _("已答复，请您评价"),
    State.CLOSED: _("已办结"),
    State.REJECTED: pgettext_lazy("citizen", "不予受理"),
    State.MERGED: _("已合并办理"),
}


def public_status(state: str) -> str:
    """A case's state as its citizen is told it."""
    label = PUBLIC_STATES.get(state)
    return str(label) if label is not None else display.state_label(state)


@dataclass(frozen=True)
class PublicEvent:
    kind: str
    label: str
    at: datetime
    text: str = ""
    is_reply: bool = False


@dataclass(frozen=True)
class PublicCase:
    """A case as its citizen sees it."""

    case: Case
    status: str
    events: list[PublicEvent]
    replies: list[PublicEvent]

    @property
    def awaiting_callback(self) -> bool:
        return self.case.state == State.REPLIED


def normalize_code(raw: str) -> str:
    """A tracking code as typed on a phone: full-width letters and digits, lower case, spaces,
    a missing or odd hyphen — all accepted."""
    code = fold(raw or "").upper()
    code = "".join(ch for ch in code if ch.isascii() and (ch.isalnum() or ch == "-"))
    stem = len(settings.JISHI_CODE_PREFIX) + 4  # prefix + yymm
    if "-" not in code and len(code) > stem:
        code = f"{code[:stem]}-{code[stem:]}"
    return code[:16]


def normalize_last4(raw: str) -> str:
    return "".join(ch for ch in fold(raw or "") if ch.isdigit())


PIN_LENGTH = 6


def new_tracking_pin() -> str:
    """The six-digit PIN printed on a receipt."""
    return f"{secrets.randbelow(10**PIN_LENGTH):0{PIN_LENGTH}d}"


def case_for_citizen(code: str, secret: str) -> Case | None:
    """The case this code and this secret prove, or None — one answer for every kind of
    wrong, so nobody learns whether a code exists.

    The secret is what only the case's citizen holds: the last four digits of the phone they
    left, or the PIN printed on their receipt. A code alone opens nothing, whether or not the
    case has a phone (a code is printed, read aloud and photographed; it is not a secret).
    """
    digits = normalize_last4(secret)
    if len(digits) not in (4, PIN_LENGTH):
        return None
    case = (
        Case.objects.select_related("township", "village", "lead_unit")
        .filter(code=normalize_code(code))
        .first()
    )
    if case is None:
        return None
    if len(digits) == 4:
        expected = case.citizen_phone[-4:] if len(case.citizen_phone) >= 4 else ""
    else:
        expected = case.tracking_pin
    if expected and hmac.compare_digest(expected.encode(), digits.encode()):
        return case
    return None


def public_case(case: Case) -> PublicCase:
    """The status, the public replies and the citizen-facing timeline of ``case``."""
    rows = (
        CaseEvent.objects.filter(case=case, kind__in=PUBLIC_EVENTS.keys())
        .only("kind", "payload", "created_at", "seq")
        .order_by("seq")
    )
    events = []
    for row in rows:
        spec = PUBLIC_EVENTS[row.kind]
        text = ""
        if spec.text_field:
            text = str(row.payload.get(spec.text_field) or "")
        label = str(spec.label)
        if row.kind == "callback":
            level = row.payload.get("satisfaction")
            if level in Satisfaction.values:
                label = f"{label}：{display.satisfaction_label(level)}"
        events.append(
            PublicEvent(
                kind=row.kind,
                label=label,
                at=row.created_at,
                text=text,
                is_reply=row.kind in ("reply", "interim_reply") and bool(text),
            )
        )
    return PublicCase(
        case=case,
        status=public_status(case.state),
        events=events,
        replies=[e for e in events if e.is_reply],
    )


def townships() -> list[Unit]:
    return list(
        Unit.objects.filter(kind=UnitKind.TOWNSHIP, active=True).order_by("sort_order", "code")
    )


def villages_of(township_id: object) -> list[Unit]:
    """The active villages of a township; nothing for a missing or malformed id."""
    try:
        pk = int(str(township_id))
    except (TypeError, ValueError):
        return []
    return list(
        Unit.objects.filter(kind=UnitKind.VILLAGE, active=True, parent_id=pk).order_by(
            "sort_order", "code"
        )
    )


def window_unit(code: str) -> Unit | None:
    """The service window a 码上监督 poster names, with its hall."""
    if not code:
        return None
    return (
        Unit.objects.select_related("parent")
        .filter(kind=UnitKind.WINDOW, active=True, code=code.strip()[:32])
        .first()
    )


def _int_or_none(raw: object) -> int | None:
    try:
        return int(str(raw))
    except (TypeError, ValueError):
        return None


def township_or_none(raw: object) -> Unit | None:
    """The active township named by a form value; None for anything else."""
    pk = _int_or_none(raw)
    if pk is None:
        return None
    return Unit.objects.filter(kind=UnitKind.TOWNSHIP, active=True, pk=pk).first()


def village_in(township: Unit, raw: object) -> Unit | None:
    """The active village named by a form value, if it lies in ``township``."""
    pk = _int_or_none(raw)
    if pk is None:
        return None
    return Unit.objects.filter(
        kind=UnitKind.VILLAGE, active=True, pk=pk, parent_id=township.pk
    ).first()


MERGE_HOPS = 3


def merged_into_codes(codes: list[str]) -> set[str]:
    """The codes of the cases that ``codes`` were merged into, following a merged case's
    target if that was merged in turn (a few hops at most)."""
    found: set[str] = set()
    frontier = list(codes)
    for _hop in range(MERGE_HOPS):
        if not frontier:
            break
        targets = set(
            Case.objects.filter(code__in=frontier, merged_into__isnull=False).values_list(
                "merged_into__code", flat=True
            )
        )
        frontier = list(targets - found - set(codes))
        found |= targets
    return found


# How long a second, identical submission from the same browser is taken for the first.
RESUBMIT_WINDOW = timedelta(minutes=10)


def same_recent_submission(codes: list[str], text: str) -> str | None:
    """The code of a case this browser submitted in the last few minutes with this very
    text, if any (``codes``: the browser's remembered cases, newest first)."""
    if not codes:
        return None
    return (
        Case.objects.filter(
            code__in=codes[:5],
            text=text,
            accepted_at__gte=clock.now() - RESUBMIT_WINDOW,
        )
        .values_list("code", flat=True)
        .first()
    )
