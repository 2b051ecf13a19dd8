"""How a case looks wherever it is read: the words for its state, kind, channel and the
citizen's satisfaction, the colour of its state badge, its names in the reader's script, and
the rule that lights its deadline green, yellow or red.

The 台账 rows, the case page, my work, the dispatch queue, the portal and the Excel export all
ask this module, so no two of them can call the same case by different words or light the
same deadline differently. The words themselves are the models' choice labels, which are
translatable: a label is written once, in ``models.py``, and translated once, in the
catalogues. The console's template filters (``console_ui``) are thin wrappers of these
functions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from jishi.cases.models import CaseKind, Channel, ClockKind, Satisfaction, State
from jishi.common.templatetags.jishi_ui import LIGHT_LABELS, in_script
from jishi.common.text import is_traditional, name_in_script
from jishi.orgs.display import unit_name

if TYPE_CHECKING:
    from jishi.cases.models import Case, Category
    from jishi.orgs.models import Unit
    from jishi.workdays.calendar import Calendar

__all__ = [
    "GREEN",
    "RED",
    "STATE_BADGES",
    "YELLOW",
    "category_name",
    "channel_label",
    "channel_labels",
    "clock_label",
    "current_deadline",
    "in_script",
    "kind_label",
    "kind_labels",
    "ledger_deadline",
    "light_colour",
    "light_word",
    "name_in_script",
    "satisfaction_label",
    "state_badge",
    "state_label",
    "state_labels",
    "unit_name",
    "unit_namer",
]

# --- words --------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _labels(choices: type[models.Choices], language: str | None) -> dict[Any, str]:
    # Catalogues do not change while a process runs: one dict per language and choice set,
    # so a list of a hundred rows translates nothing per row.
    return {value: str(label) for value, label in choices.choices}


def _label_of(choices: type[models.Choices], value: Any) -> str:
    if value is None or value == "":
        return ""
    return _labels(choices, get_language()).get(value, str(value))


def state_labels() -> dict[str, str]:
    """Every state's word in the reader's language (for lists: look up once per page)."""
    return _labels(State, get_language())


def kind_labels() -> dict[str, str]:
    return _labels(CaseKind, get_language())


def channel_labels() -> dict[str, str]:
    return _labels(Channel, get_language())


def state_label(state: str) -> str:
    """What staff call a case's state: 待签收 / 待簽收 / To acknowledge for ``dispatched``."""
    return _label_of(State, state)


def kind_label(kind: str) -> str:
    return _label_of(CaseKind, kind)


def channel_label(channel: str) -> str:
    return _label_of(Channel, channel)


def satisfaction_label(level: int | str | None) -> str:
    """One of the five national levels (5 非常满意 … 1 非常不满意); empty for none."""
    if level in (None, ""):
        return ""
    try:
        number = int(level)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(level)
    return _label_of(Satisfaction, number)


# Which colour a state's badge wears. Every state that waits for someone to act (dispatch,
# acknowledge, call back) is a warning; a returned case is trouble; work under way is
# information; the finished states are success or muted.
STATE_BADGES: dict[str, str] = {
    State.ACCEPTED: "badge-warning",
    State.DISPATCHED: "badge-warning",
    State.RETURNED: "badge-danger",
    State.IN_PROGRESS: "badge-info",
    State.REPLIED: "badge-warning",
    State.CLOSED: "badge-success",
    State.REJECTED: "badge-muted",
    State.MERGED: "badge-muted",
}


def state_badge(state: str) -> str:
    return STATE_BADGES.get(state, "badge-muted")


# A deadline's name: what the clock asks for and by when (a clock kind's model label is the
# rule's name, 签收时限; a running deadline reads 签收期限).
CLOCK_LABELS: dict[str, Any] = {
    ClockKind.RESPONSE: gettext_lazy("签收期限"),
    ClockKind.HANDLING: gettext_lazy("办理期限"),
    ClockKind.SUPERVISION: gettext_lazy("督办期限"),
}


def clock_label(kind: str) -> str:
    return str(CLOCK_LABELS.get(kind, kind))


# --- names ----------------------------------------------------------------------------------


def unit_namer() -> Callable[[Unit | None], str]:
    """``unit_name`` with the reader's script looked up once, for a list of rows."""
    if is_traditional():
        return lambda u: (u.name_traditional or u.name) if u is not None else ""
    return lambda u: u.name if u is not None else ""


def category_name(category: Category | None) -> str:
    """A category's name in the reader's script (categories are named in Simplified Chinese;
    English readers see it as named, like units)."""
    return name_in_script(category.name) if category is not None else ""


# --- deadline lights ------------------------------------------------------------------------

GREEN, YELLOW, RED = "green", "yellow", "red"


def light_colour(due: datetime, *, now: datetime, remaining: int, per_day: int) -> str:
    """The rule, everywhere a deadline is lit.

    Red once the due instant has passed — a clock stopped at its due instant is on time, as
    the met/late outcome and the overdue filter count it, and a deadline passed outside
    working hours is red although no working time has gone by since. Yellow when at most one
    working day is left (exactly one working day left is yellow). Green otherwise.
    ``remaining`` is ``calendar.working_seconds_between(now, due)``.
    """
    if due < now:
        return RED
    if remaining <= per_day:
        return YELLOW
    return GREEN


def light_word(colour: str) -> str:
    """The word beside a light's dot (正常 / 预警 / 超期): colour is never the only signal."""
    return str(LIGHT_LABELS[colour]) if colour in LIGHT_LABELS else ""


def current_deadline(case: Case) -> tuple[datetime | None, str]:
    """The deadline that matters now and its clock: acknowledging while dispatched (handling
    when no response clock runs), handling while in progress; none in any other state."""
    if case.state == State.DISPATCHED:
        if case.response_due:
            return case.response_due, ClockKind.RESPONSE
        return case.handling_due, ClockKind.HANDLING
    if case.state == State.IN_PROGRESS:
        return case.handling_due, ClockKind.HANDLING
    return None, ""


def ledger_deadline(
    case: Case, now: datetime, calendar: Calendar
) -> tuple[datetime | None, str | None, str]:
    """The deadline a ledger row shows, its light and the light's word.

    An open case shows its current deadline (``current_deadline``) lit by ``light_colour``;
    an answered one is red only if it was late — the services clear the due time on reply,
    so lateness comes from the stopped clocks (``answered_late``, annotated by the ledger).
    """
    if case.state in (State.REPLIED, State.CLOSED):
        if getattr(case, "answered_late", False):
            word = _("超期办结") if case.state == State.CLOSED else _("超期答复")
            return case.handling_due, RED, word
        return case.handling_due, None, ""
    due, _kind = current_deadline(case)
    if due is None:
        return case.handling_due, None, ""
    remaining = calendar.working_seconds_between(now, due)
    colour = light_colour(due, now=now, remaining=remaining, per_day=calendar.hours.seconds_per_day)
    return due, colour, light_word(colour)
