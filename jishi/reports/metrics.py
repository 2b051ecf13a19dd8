"""Every figure of the reports, defined once (DESIGN.md rule 2: figures come from events).

A *count* is the number of distinct cases with at least one event of the named kinds (and
payload condition) whose time falls in the period ``[start, end)``. A *rate* is one count over
another. The same definition gives the figure (``counts``), the cases behind it
(``cases_behind``, which the ledger uses for its links) and the text of the definitions page,
so the three can never disagree.

The unit a count is attributed to is the case's lead unit, except where the event names the
unit itself: a dispatch counts for the unit it sent the case to, a return for the unit that
sent it back.

**Solved means the citizen said so.** A case closed without a callback answer counts as
closed, never as solved or satisfied; its share is a figure of its own.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from jishi.cases.models import OPEN_STATES, Case, CaseEvent
from jishi.cases.selectors import cases_visible_to
from jishi.common import clock
from jishi.orgs.models import User
from jishi.orgs.selectors import scope_of

Period = tuple[dt.datetime, dt.datetime]

# The lowest callback level that counts as satisfied (基本满意 and better, as the callback
# that closes a case).
SATISFIED_FLOOR = 3

# Dimensions a figure may be broken down by → the path from an event to the grouping value.
# "unit" depends on the figure (``Metric.unit_path``).
DIMENSIONS: dict[str, Any] = {
    "unit": _("责任单位"),
    "township": _("乡镇"),
    "category": _("分类"),
    "channel": _("渠道"),
    "kind": _("类型"),
}
# The case's own fields for the other dimensions (the ledger filters on the same).
CASE_FIELDS = {
    "township": "township_id",
    "category": "category_id",
    "channel": "channel",
    "kind": "kind",
}
_CASE_PATHS = {dimension: f"case__{field}" for dimension, field in CASE_FIELDS.items()}
# Figures of the moment, not of a period (no event time to count by).
SNAPSHOTS: dict[str, Any] = {"overdue_now": _("当前超期")}


def _earlier(kinds: Iterable[str]) -> Exists:
    return Exists(
        CaseEvent.objects.filter(
            case_id=OuterRef("case_id"), kind__in=list(kinds), seq__lt=OuterRef("seq")
        )
    )


def _later(kinds: Iterable[str]) -> Exists:
    return Exists(
        CaseEvent.objects.filter(
            case_id=OuterRef("case_id"), kind__in=list(kinds), seq__gt=OuterRef("seq")
        )
    )


def _late_reply_before() -> Exists:
    return Exists(
        CaseEvent.objects.filter(
            case_id=OuterRef("case_id"),
            kind="reply",
            seq__lt=OuterRef("seq"),
            payload__clocks__handling="late",
        )
    )


_CLOSING = ("close", "resolve_on_the_spot")


# --- the same conditions over one case's events in memory (the daily aggregates) ------------
# Each ORM condition above has its twin here, side by side in the metric's declaration; the
# property test over made-up histories holds the two to the same counts.


@dataclass(frozen=True)
class Ev:
    """An event as the daily aggregates replay it: a case's events, in order, in memory."""

    seq: int
    kind: str
    payload: Any
    created_at: dt.datetime


def json_at(payload: Any, *path: str) -> Any:
    """``payload[path0][path1]…`` as a JSON key lookup reads it: None where a step is missing."""
    value = payload
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def _py_earlier(kinds: Iterable[str]) -> Callable[[Ev, list[Ev]], bool]:
    kinds = frozenset(kinds)
    return lambda e, history: any(x.seq < e.seq and x.kind in kinds for x in history)


def _py_later(kinds: Iterable[str]) -> Callable[[Ev, list[Ev]], bool]:
    kinds = frozenset(kinds)
    return lambda e, history: any(x.seq > e.seq and x.kind in kinds for x in history)


def _py_late_reply_before(e: Ev, history: list[Ev]) -> bool:
    return any(
        x.seq < e.seq and x.kind == "reply" and json_at(x.payload, "clocks", "handling") == "late"
        for x in history
    )


@dataclass(frozen=True)
class Metric:
    """A count of cases: which events, on what condition, attributed to which unit."""

    key: str
    name: Any
    events: tuple[str, ...]
    condition: Any  # the payload condition in words, for the definitions page
    where: Callable[[], Any] | None = None
    unit_path: str = "case__lead_unit_id"
    # ``where`` over one case's events in memory: (the event, all the case's events) → counts.
    holds: Callable[[Ev, list[Ev]], bool] | None = None

    @property
    def unit_from_case(self) -> bool:
        return self.unit_path == "case__lead_unit_id"

    def event_unit(self, payload: Any) -> Any:
        """The unit an event names (``unit_path`` into its payload), when not the case's."""
        return json_at(payload, *self.unit_path.split("__")[1:])

    def event_filter(self, period: Period | None) -> Q:
        q = Q(kind__in=list(self.events))
        if self.where is not None:
            q &= self.where()
        if period is not None:
            q &= Q(created_at__gte=period[0], created_at__lt=period[1])
        return q

    def path(self, dimension: str) -> str:
        return self.unit_path if dimension == "unit" else _CASE_PATHS[dimension]


@dataclass(frozen=True)
class Rate:
    key: str
    name: Any
    numerator: str
    denominator: str
    note: Any = ""

    @property
    def formula(self) -> str:
        return f"{METRICS[self.numerator].name} ÷ {METRICS[self.denominator].name} × 100%"


def _level(value: Any) -> int | None:
    """A satisfaction level as the JSON ``IN (3, 4, 5)`` compares it: a number, never a flag."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


_METRICS = [
    Metric("received", _("受理"), ("accept",), _("受理即计")),
    Metric(
        "dispatched",
        _("派单"),
        ("dispatch", "arbitrate"),
        _("派单或裁定，计入派往的主办单位"),
        unit_path="payload__lead_unit__id",
    ),
    Metric(
        "first_dispatched",
        _("首次派单"),
        ("dispatch",),
        _("此前没有派单或裁定的派单，计入派往的主办单位"),
        where=lambda: ~_earlier(("dispatch", "arbitrate")),
        holds=lambda e, h: not _py_earlier(("dispatch", "arbitrate"))(e, h),
        unit_path="payload__lead_unit__id",
    ),
    Metric(
        "first_dispatch_accurate",
        _("首派准确"),
        ("dispatch",),
        _("首次派单，且此后没有退单"),
        where=lambda: ~_earlier(("dispatch", "arbitrate")) & ~_later(("return",)),
        holds=lambda e, h: (
            not _py_earlier(("dispatch", "arbitrate"))(e, h) and not _py_later(("return",))(e, h)
        ),
        unit_path="payload__lead_unit__id",
    ),
    Metric("acknowledged", _("签收"), ("acknowledge",), _("签收即计")),
    Metric(
        "acknowledged_in_time",
        _("按时签收"),
        ("acknowledge",),
        _("签收记录的签收时限结果为「按时」"),
        where=lambda: Q(payload__clocks__response="met"),
        holds=lambda e, h: json_at(e.payload, "clocks", "response") == "met",
    ),
    Metric(
        "returned",
        _("退单"),
        ("return",),
        _("退单即计，计入退单的单位"),
        unit_path="payload__unit__id",
    ),
    Metric("extended", _("延期"), ("approve_extension",), _("延期申请获批准")),
    Metric("supervised", _("督办"), ("supervise",), _("督办即计")),
    Metric("called_back", _("回访"), ("callback",), _("群众回访答复（电话、门户）")),
    Metric("reopened", _("重办"), ("reopen",), _("回访不满意或督查要求重办")),
    Metric("closed", _("办结"), _CLOSING, _("办结或当场解决")),
    Metric(
        "closed_on_time",
        _("按时办结"),
        _CLOSING,
        _("办结，且此前每次答复都在办理时限内"),
        where=lambda: ~_late_reply_before(),
        holds=lambda e, h: not _py_late_reply_before(e, h),
    ),
    Metric(
        "solved",
        _("已解决"),
        ("close",),
        _("回访后办结，且群众回答「已解决」"),
        where=lambda: Q(payload__after_callback=True, payload__resolved=True),
        holds=lambda e, h: (
            json_at(e.payload, "after_callback") is True and json_at(e.payload, "resolved") is True
        ),
    ),
    Metric(
        "satisfied",
        _("满意"),
        ("close",),
        _("回访后办结，且群众评价为基本满意及以上"),
        where=lambda: Q(
            payload__after_callback=True,
            payload__satisfaction__in=list(range(SATISFIED_FLOOR, 6)),
        ),
        holds=lambda e, h: (
            json_at(e.payload, "after_callback") is True
            and _level(json_at(e.payload, "satisfaction")) in range(SATISFIED_FLOOR, 6)
        ),
    ),
    Metric(
        "closed_without_callback",
        _("未经回访办结"),
        _CLOSING,
        _("未取得回访答复即办结（含当场解决）：计为办结，不计为解决或满意"),
        where=lambda: Q(kind="resolve_on_the_spot") | Q(payload__after_callback=False),
        holds=lambda e, h: (
            e.kind == "resolve_on_the_spot" or json_at(e.payload, "after_callback") is False
        ),
    ),
]
METRICS: dict[str, Metric] = {m.key: m for m in _METRICS}
# Every metric without its own condition counts each event of its kinds.
assert all(m.holds is not None or m.where is None for m in _METRICS)

_RATES = [
    Rate(
        "response_rate",
        _("响应率"),
        "acknowledged_in_time",
        "acknowledged",
        _("尚未签收的事项在签收时按签收时限结果计入；仍未签收而已超期的见「当前超期」"),
    ),
    Rate("on_time_rate", _("按时办结率"), "closed_on_time", "closed"),
    Rate(
        "solved_rate",
        _("解决率"),
        "solved",
        "closed",
        _("未经回访办结的事项在分母中，不在分子中"),
    ),
    Rate(
        "satisfied_rate",
        _("满意率"),
        "satisfied",
        "closed",
        _("未经回访办结的事项在分母中，不在分子中"),
    ),
    Rate("no_callback_share", _("未回访办结占比"), "closed_without_callback", "closed"),
    Rate("return_rate", _("回退率"), "returned", "dispatched"),
    Rate("reopen_rate", _("重办率"), "reopened", "closed"),
    Rate("first_dispatch_accuracy", _("首派准确率"), "first_dispatch_accurate", "first_dispatched"),
]
RATES: dict[str, Rate] = {r.key: r for r in _RATES}

PERIOD_RULE = _(
    "一个事项在统计期内有一条符合条件的记录即计一次（同一事项在同一统计期内只计一次），"
    "记录时间在统计期起点（含）与终点（不含）之间。"
)


# --- scope -----------------------------------------------------------------------------------


def events_visible_to(user: User | AnonymousUser) -> QuerySet[CaseEvent]:
    """Events of the cases the user may see: a unit's figures are its own cases'."""
    if scope_of(user).county_wide:
        return CaseEvent.objects.all()
    return CaseEvent.objects.filter(case_id__in=Subquery(cases_visible_to(user).values("pk")))


def metric_events(
    events: QuerySet[CaseEvent],
    key: str,
    period: Period | None,
    filters: dict[str, Any] | None = None,
) -> QuerySet[CaseEvent]:
    """The events that make ``key`` in ``period``, within ``filters`` (dimension → value)."""
    metric = METRICS[key]
    qs = events.filter(metric.event_filter(period))
    for dimension, value in (filters or {}).items():
        qs = qs.filter(**{metric.path(dimension): value})
    return qs


def cases_behind(
    cases: QuerySet[Case], key: str, period: Period | None, filters: dict[str, Any] | None = None
) -> QuerySet[Case]:
    """The cases a figure counts: what the ledger lists when a figure's link is followed."""
    inner = metric_events(CaseEvent.objects.all(), key, period, filters)
    return cases.filter(Exists(inner.filter(case_id=OuterRef("pk"))))


# --- figures ---------------------------------------------------------------------------------


@dataclass
class Row:
    """The figures of one group (a unit, a township, a category, a channel, a kind)."""

    key: Any
    label: str = ""
    counts: dict[str, int] | None = None
    score: float | None = None
    rank: int | None = None
    ranked: bool = False

    def __post_init__(self) -> None:
        if self.counts is None:
            self.counts = dict.fromkeys(METRICS, 0)

    def count(self, key: str) -> int:
        assert self.counts is not None
        return self.counts.get(key, 0)

    def rate(self, key: str) -> float | None:
        rate = RATES[key]
        whole = self.count(rate.denominator)
        return self.count(rate.numerator) / whole if whole else None

    @property
    def rates(self) -> dict[str, float | None]:
        return {key: self.rate(key) for key in RATES}


def counts(
    events: QuerySet[CaseEvent],
    period: Period | None,
    *,
    by: str | None = None,
    keys: Iterable[str] | None = None,
    filters: dict[str, Any] | None = None,
) -> dict[Any, Row]:
    """Every count (or those in ``keys``) in ``period``, by ``by`` (a ``DIMENSIONS`` key) or as
    one total under the key ``None``.

    One grouped query per figure: ``COUNT(DISTINCT case)`` over the events of its kinds in the
    period (the ``kind, created_at`` index), filtered by its own definition
    (``Metric.event_filter``), so the counts are those of ``metric_events`` and
    ``cases_behind``. (Measured: folding several figures into one scan with ``FILTER`` is
    slower on PostgreSQL, which sorts once per distinct aggregate.)"""
    rows: dict[Any, Row] = {}

    def at(key: Any) -> Row:
        if key not in rows:
            rows[key] = Row(key=key)
        return rows[key]

    for key in keys or METRICS:
        qs = metric_events(events, key, period, filters)
        if by is None:
            n = qs.aggregate(n=Count("case_id", distinct=True))["n"]
            at(None).counts[key] = n  # type: ignore[index]
            continue
        path = METRICS[key].path(by)
        for value, n in qs.values_list(path).annotate(n=Count("case_id", distinct=True)).order_by():
            at(value).counts[key] = n  # type: ignore[index]
    if by is None:
        at(None)
    return rows


# --- now: overdue and ageing -------------------------------------------------------------------

AGEING = ((1, 3), (4, 7), (8, 15), (16, None))


def overdue_cases(cases: QuerySet[Case], now: dt.datetime | None = None) -> QuerySet[Case]:
    """Open cases past their handling deadline now (the running handling clock's due time)."""
    return cases.filter(state__in=list(OPEN_STATES), handling_due__lt=now or clock.now())


def days_overdue(due: dt.datetime, now: dt.datetime) -> int:
    """Whole days past the deadline, a part day counting as one (the ageing buckets)."""
    return max(1, math.ceil((now - due) / dt.timedelta(days=1)))


def ageing_bucket(days: int) -> int:
    for i, (low, high) in enumerate(AGEING):
        if days >= low and (high is None or days <= high):
            return i
    return 0


def ageing_label(i: int) -> str:
    low, high = AGEING[i]
    return f"{low}–{high} 天" if high is not None else f"{low} 天以上"


# --- the composite score -------------------------------------------------------------------------


def weights() -> dict[str, float]:
    """The composite score's weights by rate key (settings: ``JISHI_REPORT_WEIGHTS``)."""
    return dict(
        getattr(
            settings,
            "JISHI_REPORT_WEIGHTS",
            {"response_rate": 30, "solved_rate": 35, "satisfied_rate": 35},
        )
    )


def min_cases() -> int:
    """Units with fewer dispatched cases in the period are listed, not ranked."""
    return int(getattr(settings, "JISHI_REPORT_MIN_CASES", 5))


def score(row: Row, weighting: dict[str, float] | None = None) -> float | None:
    """The weighted mean of the rates in ``weighting`` (0–100); None when one is undefined."""
    weighting = weighting or weights()
    total = sum(weighting.values())
    if not total:
        return None
    out = 0.0
    for key, weight in weighting.items():
        value = row.rate(key)
        if value is None:
            return None
        out += weight * value
    return round(100 * out / total, 2)


def rank(
    rows: Iterable[Row], weighting: dict[str, float] | None = None, minimum: int | None = None
) -> list[Row]:
    """Score every row; rank those with at least ``minimum`` dispatched cases and a score
    (1 = best, ties share a rank); the rest follow, listed but not ranked."""
    minimum = min_cases() if minimum is None else minimum
    ranked: list[Row] = []
    listed: list[Row] = []
    for row in rows:
        row.score = score(row, weighting)
        row.ranked = row.score is not None and row.count("dispatched") >= minimum
        (ranked if row.ranked else listed).append(row)
    ranked.sort(key=lambda r: (-(r.score or 0), r.label))
    previous: float | None = None
    for i, row in enumerate(ranked, start=1):
        row.rank = ranked[i - 2].rank if previous is not None and row.score == previous else i
        previous = row.score
    listed.sort(key=lambda r: r.label)
    for row in listed:
        row.rank = None
    return ranked + listed
