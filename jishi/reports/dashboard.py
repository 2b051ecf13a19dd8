"""The dashboards' data: trends, breakdowns, the township treemap, overdue ageing, hotspots and
ratings — every figure from ``metrics`` (so it is the figure the bulletin and the ledger
show), scoped to the user, and for the public page with small numbers suppressed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone

from jishi.cases.models import Case, Hotspot
from jishi.cases.selectors import cases_visible_to
from jishi.common import clock
from jishi.reports import aggregates, metrics, selectors
from jishi.reviews import selectors as review_selectors
from jishi.reviews.models import Rating

# The public page shows "<5" for any count below this (no one recognisable by a count).
SUPPRESS_BELOW = 5
TREND_KEYS = ("received", "closed")


@dataclass
class Chart:
    """One chart: its kind, its categories and series, and the same data as a table."""

    key: str
    title: str
    kind: str  # "line", "bar", "pie", "treemap"
    categories: list[str] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)  # {"name", "data": [..]}
    links: list[str] = field(default_factory=list)  # per category: the ledger link

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "kind": self.kind,
            "categories": self.categories,
            "series": self.series,
        }

    @property
    def table(self) -> list[list[Any]]:
        rows = []
        for i, name in enumerate(self.categories):
            rows.append([name, *(s["data"][i] for s in self.series)])
        return rows


def _bucket_label(value: Any, by: str) -> str:
    local = timezone.localtime(value) if isinstance(value, dt.datetime) else value
    return f"{local:%Y-%m}" if by == "month" else f"{local:%m-%d}"


def trend(
    user: Any, dates: selectors.DateRange, by: str, filters: dict[str, Any] | None = None
) -> Chart:
    """Received and closed per month or week (the week starting on Monday)."""
    where = selectors.figure_scope(user)
    if where is not None and where.taken_in is None:
        data = aggregates.daily(dates.period, TREND_KEYS, filters, scope=where.unit)
        if data is not None:
            return _trend_chart(by, _stretch_values(data, dates, by))
    events = selectors.events_for(user)
    trunc = TruncMonth if by == "month" else TruncWeek
    values: dict[str, dict[str, int]] = {}
    for key in TREND_KEYS:
        qs = metrics.metric_events(events, key, dates.period, filters)
        rows = (
            qs.annotate(b=trunc("created_at"))
            .values_list("b")
            .annotate(n=Count("case_id", distinct=True))
            .order_by("b")
        )
        for bucket, n in rows:
            values.setdefault(_bucket_label(bucket, by), {})[key] = n
    return _trend_chart(by, values)


def _stretches(dates: selectors.DateRange, by: str) -> list[tuple[dt.date, dt.date, dt.date]]:
    """The months or weeks (Monday first) that ``dates`` touches: (bucket start, first and
    last day inside ``dates``), as ``TruncMonth`` / ``TruncWeek`` bucket the events."""
    out = []
    start = (
        dates.first.replace(day=1)
        if by == "month"
        else dates.first - dt.timedelta(days=dates.first.weekday())
    )
    while start <= dates.last:
        after = selectors.add_months(start, 1) if by == "month" else start + dt.timedelta(days=7)
        out.append((start, max(start, dates.first), min(after - dt.timedelta(days=1), dates.last)))
        start = after
    return out


def _stretch_values(data: Any, dates: selectors.DateRange, by: str) -> dict[str, dict[str, int]]:
    values: dict[str, dict[str, int]] = {}
    for start, first, last in _stretches(dates, by):
        found = {key: aggregates.stretch_counts(data, key, first, last) for key in TREND_KEYS}
        if any(found.values()):
            values[_bucket_label(start, by)] = found
    return values


def _trend_chart(by: str, values: dict[str, dict[str, int]]) -> Chart:
    labels = sorted(values)
    return Chart(
        key=f"trend_{by}",
        title="受理与办结趋势（按月）" if by == "month" else "受理与办结趋势（按周）",
        kind="line",
        categories=labels,
        series=[
            {"name": "受理", "data": [values[b].get("received", 0) for b in labels]},
            {"name": "办结", "data": [values[b].get("closed", 0) for b in labels]},
        ],
    )


def breakdown(
    user: Any,
    dates: selectors.DateRange,
    by: str,
    filters: dict[str, Any] | None = None,
    kind: str = "bar",
    limit: int = 15,
) -> Chart:
    """Received and closed by ``by``, the ``limit`` largest groups."""
    rows = selectors.figure_rows(
        user, dates.period, by=by, keys=["received", "closed"], filters=filters
    )
    names = selectors.labels(by, list(rows))
    ordered = sorted(rows.values(), key=lambda r: -r.count("received"))[:limit]
    chart = Chart(
        key=f"by_{by}",
        title=f"按{metrics.DIMENSIONS[by]}",
        kind=kind,
        categories=[names.get(r.key, "未填") if r.key is not None else "未填" for r in ordered],
        series=[
            {"name": "受理", "data": [r.count("received") for r in ordered]},
            {"name": "办结", "data": [r.count("closed") for r in ordered]},
        ],
    )
    chart.links = [
        selectors.ledger_link("received", dates, {**(filters or {}), by: r.key}) for r in ordered
    ]
    return chart


def ageing(user: Any, filters: dict[str, Any] | None = None) -> Chart:
    now = clock.now()
    cases = metrics.overdue_cases(cases_visible_to(user) if user else Case.objects.all(), now)
    if filters and "unit" in filters:
        cases = cases.filter(lead_unit_id=filters["unit"])
    # One pass in the database, however many are overdue: a bucket of days overdue is a
    # stretch of deadlines (``days_overdue`` rounds a part day up).
    found = cases.aggregate(
        **{
            f"b{i}": Count(
                "id",
                filter=Q(handling_due__lt=now - dt.timedelta(days=low - 1))
                & (Q() if high is None else Q(handling_due__gte=now - dt.timedelta(days=high))),
            )
            for i, (low, high) in enumerate(metrics.AGEING)
        }
    )
    counts = [found[f"b{i}"] for i in range(len(metrics.AGEING))]
    return Chart(
        key="ageing",
        title="当前超期事项账龄",
        kind="bar",
        categories=[metrics.ageing_label(i) for i in range(len(metrics.AGEING))],
        series=[{"name": "超期事项", "data": counts}],
    )


def hotspots(limit: int = 10) -> Chart:
    latest = Hotspot.objects.order_by("-period_end").values_list("period_end", flat=True).first()
    spots = (
        list(Hotspot.objects.filter(period_end=latest).order_by("rank")[:limit]) if latest else []
    )
    return Chart(
        key="hotspots",
        title="热点",
        kind="bar",
        categories=[s.title for s in spots],
        series=[{"name": "事项数", "data": [s.size for s in spots]}],
    )


def ratings(dates: selectors.DateRange) -> Chart:
    [total] = review_selectors.figures(Rating.objects.all(), period=dates.period) or [
        review_selectors.Figures(key=None)
    ]
    names = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
    return Chart(
        key="ratings",
        title="好差评",
        kind="pie",
        categories=[names[n] for n in (5, 4, 3, 2, 1)],
        series=[{"name": "评价数", "data": [total.levels[n] for n in (5, 4, 3, 2, 1)]}],
    )


def suppressed(value: int) -> int | str:
    return value if value >= SUPPRESS_BELOW or value == 0 else f"<{SUPPRESS_BELOW}"


def public_figures(dates: selectors.DateRange) -> dict[str, Any]:
    """The citizens' statistics page: county-wide counts and rates, no case, no person, and
    any count below ``SUPPRESS_BELOW`` shown as such."""
    total = selectors.figure_rows(None, dates.period)[None]
    rates = {}
    for key in ("response_rate", "on_time_rate", "solved_rate", "satisfied_rate"):
        rate = metrics.RATES[key]
        whole = total.count(rate.denominator)
        value = total.rate(key)
        rates[str(rate.name)] = (
            "—" if value is None or whole < SUPPRESS_BELOW else f"{100 * value:.1f}%"
        )
    tables = {}
    for by in ("channel", "kind", "township"):
        rows = selectors.figure_rows(None, dates.period, by=by, keys=["received", "closed"])
        names = selectors.labels(by, list(rows))
        tables[str(metrics.DIMENSIONS[by])] = [
            (
                names.get(r.key, "其他") if r.key is not None else "其他",
                suppressed(r.count("received")),
                suppressed(r.count("closed")),
            )
            for r in sorted(rows.values(), key=lambda r: -r.count("received"))
        ]
    return {
        "received": suppressed(total.count("received")),
        "closed": suppressed(total.count("closed")),
        "no_callback": suppressed(total.count("closed_without_callback")),
        "rates": rates,
        "tables": tables,
    }
