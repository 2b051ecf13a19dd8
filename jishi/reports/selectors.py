"""Reads for the report pages: figures scoped to the user, labelled, ranked, each with the
link to the ledger rows behind it (``metrics`` holds the definitions)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone

from jishi.cases.models import Case, CaseEvent, CaseKind, Category, Channel
from jishi.cases.selectors import cases_visible_to, seen_through_units
from jishi.common import clock
from jishi.orgs.models import Unit, User
from jishi.orgs.selectors import scope_of
from jishi.reports import aggregates, metrics

# --- periods ---------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class DateRange:
    """Whole local days ``first``–``last`` (inclusive): the period of a report and of the
    ledger's figure filter, so a link names the same rows the figure counts."""

    first: dt.date
    last: dt.date

    @property
    def period(self) -> metrics.Period:
        return local_midnight(self.first), local_midnight(self.last + dt.timedelta(days=1))

    @property
    def label(self) -> str:
        if self.first.day == 1 and add_months(self.first, 1) - dt.timedelta(days=1) == self.last:
            return f"{self.first.year}年{self.first.month}月"
        return f"{self.first:%Y-%m-%d} 至 {self.last:%Y-%m-%d}"

    @classmethod
    def month(cls, month: dt.date) -> DateRange:
        first = month_start(month)
        return cls(first, add_months(first, 1) - dt.timedelta(days=1))

    @classmethod
    def year(cls, year: int) -> DateRange:
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    def shifted_months(self, n: int) -> DateRange:
        """The same stretch ``n`` months away (a month stays a whole month)."""
        if self.first.day == 1 and add_months(self.first, 1) - dt.timedelta(days=1) == self.last:
            return DateRange.month(add_months(self.first, n))
        return DateRange(add_months(self.first, n), add_months(self.last, n))


def today() -> dt.date:
    return timezone.localtime(clock.now()).date()


def parse_range(params: Any, default: DateRange) -> DateRange:
    """``month=YYYY-MM``, or ``from``/``to`` dates; anything unreadable gives ``default``."""
    month = params.get("month")
    if month:
        try:
            year, mon = (int(p) for p in str(month).split("-")[:2])
            return DateRange.month(dt.date(year, mon, 1))
        except (ValueError, TypeError):
            return default
    start, end = params.get("from"), params.get("to")
    if start and end:
        try:
            first, last = dt.date.fromisoformat(str(start)), dt.date.fromisoformat(str(end))
        except ValueError:
            return default
        if first <= last and dt.date(1990, 1, 1) <= first and last <= dt.date(2099, 12, 31):
            return DateRange(first, last)
    return default


# --- labels and links ------------------------------------------------------------------------


def labels(by: str, keys: list[Any]) -> dict[Any, str]:
    if by in ("unit", "township"):
        return dict(Unit.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name"))
    if by == "category":
        return dict(
            Category.objects.filter(pk__in=[k for k in keys if k]).values_list("pk", "name")
        )
    if by == "channel":
        return {k: str(Channel(k).label) for k in keys if k in Channel.values}
    if by == "kind":
        return {k: str(CaseKind(k).label) for k in keys if k in CaseKind.values}
    return {}


def ledger_link(key: str, dates: DateRange | None, filters: dict[str, Any] | None = None) -> str:
    """The ledger filtered to the cases behind a figure (``figure`` + its period + group)."""
    params: dict[str, Any] = {"figure": key}
    if dates is not None:
        params["figure_from"] = f"{dates.first:%Y-%m-%d}"
        params["figure_to"] = f"{dates.last:%Y-%m-%d}"
    for dimension, value in (filters or {}).items():
        params[f"figure_{dimension}"] = "none" if value is None else value
    return f"{reverse('console:ledger')}?{urlencode(params)}"


def cases_for_figure(
    user: User | AnonymousUser,
    key: str,
    dates: DateRange | None,
    filters: dict[str, Any] | None = None,
) -> QuerySet[Case]:
    """What the ledger lists for a figure's link: the user's cases behind it."""
    return figure_cases(cases_visible_to(user), key, dates, filters)


def figure_cases(
    cases: QuerySet[Case], key: str, dates: DateRange | None, filters: dict[str, Any] | None
) -> QuerySet[Case]:
    if key == "overdue_now":
        qs = metrics.overdue_cases(cases)
        for dimension, value in (filters or {}).items():
            path = "lead_unit_id" if dimension == "unit" else metrics.CASE_FIELDS[dimension]
            qs = qs.filter(**{path: value})
        return qs
    return metrics.cases_behind(cases, key, dates.period if dates else None, filters)


# --- tables ------------------------------------------------------------------------------------


@dataclass
class Table:
    by: str | None
    dates: DateRange
    rows: list[metrics.Row]
    total: metrics.Row
    overdue: dict[Any, int]

    def link(self, row: metrics.Row | None, key: str) -> str:
        filters = {} if row is None or self.by is None else {self.by: row.key}
        dates = None if key == "overdue_now" else self.dates
        return ledger_link(key, dates, filters)


def overdue_counts(user: User | AnonymousUser | None, by: str | None) -> dict[Any, int]:
    cases = metrics.overdue_cases(Case.objects.all() if user is None else cases_visible_to(user))
    if by is None:
        return {None: cases.count()}
    path = "lead_unit_id" if by == "unit" else metrics.CASE_FIELDS[by]
    return dict(cases.values_list(path).annotate(n=Count("id")).order_by())


def events_for(user: User | AnonymousUser | None) -> QuerySet[CaseEvent]:
    """The user's events; ``None``: the whole county (a bulletin, the public page)."""
    return CaseEvent.objects.all() if user is None else metrics.events_visible_to(user)


@dataclass(frozen=True)
class FigureScope:
    """Where the daily figures answer for a user: the rows of ``unit`` (``aggregates.COUNTY``:
    the whole county), plus the cases the user took in that the unit's posts do not see, whose
    few events are counted directly (``taken_in``; None when there are none)."""

    unit: int
    taken_in: QuerySet[Case] | None = None


def figure_scope(user: User | AnonymousUser | None) -> FigureScope | None:
    """The daily figures' scope matching what the user sees (``cases_visible_to``); None when
    no scope does: posts in two separate branches (a case seen from both would be counted
    twice), at the county's own unit, or at no unit at all."""
    if user is None or scope_of(user).county_wide:
        return FigureScope(aggregates.COUNTY)
    if not user.is_authenticated:
        return None
    # Asked for by every chart of a page: worked out once per user object (a request).
    if not hasattr(user, "_jishi_figure_scope"):
        setattr(user, "_jishi_figure_scope", _figure_scope(user))  # noqa: B010
    found: FigureScope | None = getattr(user, "_jishi_figure_scope")  # noqa: B009
    return found


def _figure_scope(user: User) -> FigureScope | None:
    scope = scope_of(user)
    if scope.empty:
        return None
    units = {post.unit_id: post.unit for post in scope.posts if post.unit_id in scope.unit_ids}
    tops = [
        u
        for u in units.values()
        if not any(u.pk != o.pk and u.is_within(o) for o in units.values())
    ]
    if len(tops) != 1 or tops[0].parent_id is None:
        return None  # two branches; or the county's own unit, whose rows are not kept
    beyond = Case.objects.filter(created_by_id=user.pk).exclude(seen_through_units(scope.unit_ids))
    return FigureScope(tops[0].pk, beyond if beyond.exists() else None)


def _add_rows(rows: dict[Any, metrics.Row], more: dict[Any, metrics.Row]) -> None:
    for key, row in more.items():
        into = rows.setdefault(key, metrics.Row(key=key))
        assert into.counts is not None and row.counts is not None
        for metric, n in row.counts.items():
            into.counts[metric] = into.counts.get(metric, 0) + n


def figure_rows(
    user: User | AnonymousUser | None,
    period: metrics.Period,
    *,
    by: str | None = None,
    keys: Iterable[str] | None = None,
    filters: dict[str, Any] | None = None,
) -> dict[Any, metrics.Row]:
    """``metrics.counts`` for the user, from the daily figures of the user's scope when they
    can answer (``aggregates``), otherwise — posts in two branches, an odd period — from the
    events."""
    where = figure_scope(user)
    if where is not None:
        found = aggregates.counts(period, by=by, keys=keys, filters=filters, scope=where.unit)
        if found is not None:
            if where.taken_in is not None:
                events = CaseEvent.objects.filter(case_id__in=where.taken_in.values("pk"))
                _add_rows(found, metrics.counts(events, period, by=by, keys=keys, filters=filters))
            return found
    return metrics.counts(events_for(user), period, by=by, keys=keys, filters=filters)


def table(
    user: User | AnonymousUser | None,
    dates: DateRange,
    by: str | None,
    *,
    weighting: dict[str, float] | None = None,
    minimum: int | None = None,
) -> Table:
    """The figures of ``dates`` by ``by`` (units ranked by the composite score), with the
    total and the cases overdue now."""
    total = figure_rows(user, dates.period)[None]
    overdue = overdue_counts(user, by)
    total_overdue = sum(overdue.values()) if by else overdue.get(None, 0)
    assert total.counts is not None
    total.counts["overdue_now"] = total_overdue
    rows: list[metrics.Row] = []
    if by is not None:
        grouped = figure_rows(user, dates.period, by=by)
        for key, n in overdue.items():
            grouped.setdefault(key, metrics.Row(key=key))
            grouped[key].counts["overdue_now"] = n  # type: ignore[index]
        names = labels(by, list(grouped))
        for key, row in grouped.items():
            row.label = names.get(key, "—") if key is not None else "（未派单）"
        rows = list(grouped.values())
        if by == "unit":
            rows = metrics.rank([r for r in rows if r.key is not None], weighting, minimum) + [
                r for r in rows if r.key is None
            ]
        else:
            rows.sort(key=lambda r: (-r.count("received"), r.label))
    return Table(by=by, dates=dates, rows=rows, total=total, overdue=overdue)


def may_see_all(user: User | AnonymousUser) -> bool:
    return scope_of(user).county_wide
