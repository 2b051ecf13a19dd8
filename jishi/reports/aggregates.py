"""The daily figures: every count of ``metrics`` kept per day, so a report over a month of a
million-case ledger adds up a few thousand rows instead of counting the events again.

**A projection, never the source of truth.** The figures are defined by ``metrics`` over the
events; this module replays each case's events through the same definitions (``Metric.holds``,
the in-memory twin of each condition) and keeps the result. ``rebuild_aggregates`` recomputes
all of it from the events, and the reports count the events directly whenever the projection
is not caught up (a rebuild under way, or more cases waiting than a request should absorb).

**Kept up after the fact, not in the writing transaction.** A step already writes the case's
``version``; a case whose ``figures_version`` lags it is waiting to be counted (a partial index
holds just those). ``refresh`` counts the waiting cases in batches: before any report reads the
figures (so a report is never behind the ledger), from ``manage.py refresh_aggregates`` (cron,
every minute); the demo rebuilds them once seeded. Intake and the steps pay no statement for it;
``bench/reports.py`` measures that beside doing the same work inside each intake.

**Counting a case once per period from sums of days.** A figure counts *distinct cases* with a
qualifying event in the period; a case dispatched on the 3rd and again on the 10th counts once
in the month. Each case contributes one *fact* per figure, day and attributed unit; a fact that
has an earlier fact of the same figure for the same case records that day (``prev_day``, and
``prev_unit_day`` for the same unit). Over ``[a, b]``, the distinct cases are the facts in
``[a, b]`` less those whose previous fact also falls on or after ``a`` — every fact after a
case's first one in the period has one. The daily rows hold the sums; the few facts with a
previous one (re-dispatches, reopened and re-closed cases) are ``FigureRepeat`` rows.

Each fact is added to the daily rows once per dimension (``SLICES``): a unit's figure of a day
by township, category, channel or kind, and its total as the sum over the kinds.

**Scopes: a township's or a department's own figures.** A post at a unit sees the cases led by,
placed in (township, village) or assisted by that unit or one below it. Turned round, a case is
seen from every unit on the paths up from those units: its *scopes* (the county's own unit left
out: a post there reads the events). Each fact is added once for the whole county (scope 0) and
once for each of the case's scopes, so a post's reports add up its unit's rows as the county's
add up scope 0. The rows a scope keeps are fewer: by day and month under "kind" (its totals, its
figures by unit, the trend), and by month alone under the other dimensions — a township's cases
by category and day were mostly rows of one (measured at 100,000 cases: 15 M scope rows with
every split, 8× the county's; the rebuild ran at 399 events/s). Its breakdowns by township,
category or channel add up whole months from the rows (the current month counts whole up to
the last day with a fact); the days of a month the period cuts are counted from the events of
the scope's cases, and their distinct cases turned into facts (one per case and day) by adding
back those days' repeats: in ``[c, d]``, facts = distinct cases + repeats of ``[c, d]`` whose
previous fact falls in it. The repeats need no copy: they are few, and a scope's are those of
the cases it sees.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, QuerySet, Sum
from django.utils import timezone

from jishi.cases.models import Case, CaseEvent
from jishi.cases.selectors import seen_through_units
from jishi.common import clock
from jishi.orgs.models import Unit, UnitChange
from jishi.orgs.selectors import units_under
from jishi.reports.metrics import DIMENSIONS, METRICS, Ev, Metric, Period, Row
from jishi.reports.metrics import counts as count_events
from jishi.reports.models import CaseFigures, DailyFigure, FigureRepeat, FigureState

# The dimensions every fact is added under; "kind" (four values) also gives the totals.
SLICES = ("township", "category", "channel", "kind")
TOTAL_SLICE = "kind"
# Rows for one day, and rows for a whole month (the first of the month as its day): a year's
# figures add twelve months of rows, not 365 days of them.
DAY, MONTH = "d", "m"
# The unit of the rows that count every unit together (0 is "no unit").
ALL_UNITS = -1
# The scope of the whole county's rows.
COUNTY = 0
_INT_DIMENSIONS = ("township", "category")

_BY_KIND: dict[str, list[Metric]] = defaultdict(list)
for _metric in METRICS.values():
    for _kind in _metric.events:
        _BY_KIND[_kind].append(_metric)


# A rebuild reads cases in id order, that is in time order: a larger batch shares more of its
# daily rows between its cases (measured: 10,000 writes about half the rows of 2,000 at 20k
# cases a year).
REBUILD_BATCH = 10000


def batch_size() -> int:
    """Cases counted per transaction. Small, as SQLite's one writer makes every step wait for
    it; the size hardly changes the cost (3,000 cases on SQLite: 3.2 s in batches of 2,000,
    3.3 s in batches of 500)."""
    return int(getattr(settings, "JISHI_AGGREGATE_BATCH", 500))


def catch_up_limit() -> int:
    """At most this many waiting cases are counted inside a report's request; with more, the
    report counts the events and the background refresh catches up."""
    return int(getattr(settings, "JISHI_AGGREGATE_CATCH_UP", 1000))


# --- one case's facts -------------------------------------------------------------------------


def local_day(at: dt.datetime, zone: dt.tzinfo | None = None) -> dt.date:
    return at.astimezone(zone or timezone.get_current_timezone()).date()


def _unit(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def scopes_of(units: Iterable[int | None], paths: dict[int, str]) -> list[int]:
    """The units whose posts see a case with these lead, place and assisting units: each of
    them and every unit above it but the root (``paths``: each unit's path, ``/1/5/23/``)."""
    found: set[int] = set()
    for pk in units:
        if pk and pk not in found:
            path = [int(part) for part in paths.get(pk, "").split("/") if part.isdigit()]
            found.update(path[1:])
    return sorted(found)


def snapshot(
    events: Sequence[Ev], lead_unit: int | None, dims: Sequence[Any], scopes: Sequence[int] = ()
) -> dict[str, Any]:
    """What one case adds to the daily figures: its dimensions, its scopes and its facts, each
    ``[metric, day, unit, prev_day, prev_unit_day]`` (unit 0: none; days as ISO dates)."""
    history = list(events)
    zone = timezone.get_current_timezone()  # once, not per event: a rebuild reads millions
    found: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for e in history:
        for metric in _BY_KIND.get(e.kind, ()):
            if metric.holds is not None and not metric.holds(e, history):
                continue
            unit = lead_unit if metric.unit_from_case else metric.event_unit(e.payload)
            found[metric.key].add((local_day(e.created_at, zone).isoformat(), _unit(unit)))
    facts: list[list[Any]] = []
    for key in sorted(found):
        previous: str | None = None
        previous_of_unit: dict[int, str] = {}
        for day, unit in sorted(found[key]):
            facts.append([key, day, unit, previous, previous_of_unit.get(unit)])
            previous = previous_of_unit[unit] = day
    return {"dims": list(dims), "scopes": list(scopes), "facts": facts}


def _slice_value(dimension: str, dims: Sequence[Any]) -> str:
    value = dims[SLICES.index(dimension)]
    return "" if value is None else str(value)


Key = tuple[int, str, str, int, str, str, str]  # scope, grain, dimension, unit, metric, day, value


def _contributions(snap: dict[str, Any] | None) -> Iterable[Key]:
    """The daily and monthly row keys a snapshot adds one to: each fact under each dimension's
    value, for its unit and for all units (``ALL_UNITS``), on its day and in its month, for the
    county and for each of its scopes."""
    if not snap:
        return
    dims = snap["dims"]
    values = [(dimension, _slice_value(dimension, dims)) for dimension in SLICES]
    kind = _slice_value(TOTAL_SLICE, dims)
    scopes = snap.get("scopes", ())
    for metric, day, unit, _prev, _prev_unit in snap["facts"]:
        month = day[:8] + "01"
        for dimension, value in values:
            for owner in (unit, ALL_UNITS):
                yield COUNTY, DAY, dimension, owner, metric, day, value
                yield COUNTY, MONTH, dimension, owner, metric, month, value
        for scope in scopes:
            for owner in (unit, ALL_UNITS):
                yield scope, DAY, TOTAL_SLICE, owner, metric, day, kind
                yield scope, MONTH, TOTAL_SLICE, owner, metric, month, kind
            for dimension, value in values:
                if dimension != TOTAL_SLICE:
                    yield scope, MONTH, dimension, ALL_UNITS, metric, month, value


def _repeats(case_id: int, snap: dict[str, Any]) -> list[FigureRepeat]:
    township, category, channel, kind = snap["dims"]
    return [
        FigureRepeat(
            case_id=case_id,
            metric=metric,
            day=dt.date.fromisoformat(day),
            unit=unit,
            prev_day=dt.date.fromisoformat(prev),
            prev_unit_day=dt.date.fromisoformat(prev_unit) if prev_unit else None,
            township=township,
            category=category,
            channel=channel or "",
            kind=kind or "",
        )
        for metric, day, unit, prev, prev_unit in snap["facts"]
        if prev is not None
    ]


# --- keeping up -------------------------------------------------------------------------------

_CASE_COLUMNS = (
    "id",
    "version",
    "lead_unit_id",
    "township_id",
    "category_id",
    "channel",
    "kind",
    "village_id",
)


def waiting() -> QuerySet[Case]:
    """The cases whose figures lag their events (the ``case_figures_waiting`` partial index)."""
    return Case.objects.filter(figures_waiting=True)


def _state() -> FigureState:
    """The one state row, locked until the transaction ends: refreshes run one at a time."""
    state = FigureState.objects.select_for_update().filter(pk=1).first()
    if state is None:
        state, _ = FigureState.objects.get_or_create(pk=1)
        state = FigureState.objects.select_for_update().get(pk=1)
    return state


def _process(rows: Sequence[tuple[Any, ...]], *, staging: _Staging | None = None) -> int:
    """Count the cases in ``rows`` (``_CASE_COLUMNS``) at the version read: take back what each
    added before, add what it adds now. With ``staging`` (a rebuild) nothing of theirs is
    counted yet, and their rows go there to be added up once at the end. Returns the number of
    events read."""
    fresh = staging is not None
    versions = {row[0]: row[1] for row in rows}
    history: dict[int, list[Ev]] = defaultdict(list)
    read = 0
    for case_id, seq, kind, payload, created_at in (
        CaseEvent.objects.filter(case_id__in=list(versions))
        .order_by()
        .values_list("case_id", "seq", "kind", "payload", "created_at")
        .iterator(chunk_size=10000)
    ):
        read += 1
        if seq <= versions[case_id]:  # a step committed after the version was read waits
            history[case_id].append(Ev(seq, kind, payload, created_at))
    old: dict[int, dict[str, Any]] = {}
    if not fresh:
        old = dict(
            CaseFigures.objects.filter(case_id__in=list(versions)).values_list("case_id", "facts")
        )
    assisting: dict[int, list[int]] = defaultdict(list)
    for case_id, unit_id in (
        Case.assisting_units.through.objects.filter(case_id__in=list(versions))
        .order_by()
        .values_list("case_id", "unit_id")
    ):
        assisting[case_id].append(unit_id)
    # Read here, not from the in-memory unit table, which may lag a unit just moved.
    involved = {pk for row in rows for pk in (row[2], row[3], row[7]) if pk}
    involved.update(pk for units in assisting.values() for pk in units)
    paths = dict(Unit.objects.filter(pk__in=involved).values_list("pk", "path"))
    delta: Counter[Key] = Counter()
    changed: dict[int, dict[str, Any]] = {}
    for case_id, _version, lead_unit, township, category, channel, kind, village in rows:
        events = sorted(history.get(case_id, ()), key=lambda e: e.seq)
        scopes = scopes_of([lead_unit, township, village, *assisting.get(case_id, ())], paths)
        snap = snapshot(events, lead_unit, [township, category, channel, kind], scopes)
        before = old.get(case_id)
        if snap == before:
            continue
        changed[case_id] = snap
        delta.subtract(_contributions(before))
        delta.update(_contributions(snap))
    if changed:
        if not fresh:
            FigureRepeat.objects.filter(case_id__in=list(changed)).delete()
        FigureRepeat.objects.bulk_create(
            [r for case_id, snap in changed.items() for r in _repeats(case_id, snap)],
            batch_size=1000,
        )
        kept = [
            CaseFigures(case_id=case_id, version=versions[case_id], facts=snap)
            for case_id, snap in changed.items()
        ]
        if fresh:
            CaseFigures.objects.bulk_create(kept, batch_size=1000)
        else:
            CaseFigures.objects.bulk_create(
                kept,
                batch_size=1000,
                update_conflicts=True,
                unique_fields=["case"],
                update_fields=["version", "facts"],
            )
        if staging is not None:
            staging.add(delta)
        else:
            _apply(delta)
    _mark_counted(versions)
    return read


def _mark_counted(versions: dict[int, int]) -> None:
    """Each case counted at the version read (a step since then leaves it waiting). A case
    already marked at that version is not written again: a rebuild finds most of them so, and
    rewriting a million case rows was most of its time on PostgreSQL."""
    table = connection.ops.quote_name(Case._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS c SET figures_version = v.version "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(id, version) "
                "WHERE c.id = v.id AND c.figures_version <> v.version",
                [list(versions), list(versions.values())],
            )
            return
        cursor.executemany(
            f"UPDATE {table} SET figures_version = %s "  # noqa: S608
            "WHERE id = %s AND figures_version <> %s",
            [(version, case_id, version) for case_id, version in versions.items()],
        )


_ROW_COLUMNS = ("scope", "grain", "dimension", "unit", "metric", "day", "value")


class _Staging:
    """A rebuild's rows on their way to ``DailyFigure``: each batch's sums appended to a
    temporary table with no index (``COPY`` on PostgreSQL), added up and written once at the
    end. Upserting each batch into the indexed table instead wrote most rows many times over
    (a month's rows once per batch) and checked both indexes on every one; it was most of the
    rebuild's time (measured: 63% of it on SQLite at 30,000 cases)."""

    TABLE = "reports_figure_staging"

    def __init__(self) -> None:
        q = connection.ops.quote_name
        self.names = ", ".join(q(c) for c in _ROW_COLUMNS)
        self.postgres = connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.TABLE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.TABLE} ("
                "scope bigint, grain varchar(1), dimension varchar(16), unit bigint, "
                "metric varchar(32), day date, value varchar(32), n integer)"
            )

    def add(self, delta: Counter[Key]) -> None:
        # The days stay ISO strings: both databases read them as dates.
        rows = [(*key, n) for key, n in delta.items() if n]
        with connection.cursor() as cursor:
            if self.postgres:
                raw = cursor.cursor  # psycopg's own cursor, for COPY
                with raw.copy(f"COPY {self.TABLE} ({self.names}, n) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(
                    f"INSERT INTO {self.TABLE} VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",  # noqa: S608
                    rows,
                )

    def finish(self) -> None:
        """Writes the sums (in key order, as the unique index wants them) and drops the
        table."""
        table = connection.ops.quote_name(DailyFigure._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({self.names}, n) "  # noqa: S608
                f"SELECT {self.names}, SUM(n) FROM {self.TABLE} "
                f"GROUP BY {self.names} HAVING SUM(n) <> 0 ORDER BY {self.names}"
            )
            cursor.execute(f"DROP TABLE {self.TABLE}")


def _row_key(key: Key) -> tuple[int, str, str, int, str, dt.date, str]:
    scope, grain, dimension, unit, metric, day, value = key
    return scope, grain, dimension, unit, metric, dt.date.fromisoformat(day), value


def _apply(delta: Counter[Key]) -> None:
    """Add ``delta`` to the rows in place (one upsert per 500 keys, no read back); rows it
    brings to zero go. Only the refresh, under its lock, writes these rows."""
    wanted = [(key, n) for key, n in delta.items() if n]
    if not wanted:
        return
    q = connection.ops.quote_name
    table = q(DailyFigure._meta.db_table)
    columns = _ROW_COLUMNS
    names = ", ".join(q(c) for c in columns)
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            cursor.execute(
                f"INSERT INTO {table} ({names}, n) "  # noqa: S608
                f"VALUES {', '.join(['(%s, %s, %s, %s, %s, %s, %s, %s)'] * len(chunk))} "
                f"ON CONFLICT ({names}) DO UPDATE SET n = {table}.n + excluded.n",
                [v for key, n in chunk for v in (*_row_key(key), n)],
            )
        emptied = [_row_key(key) for key, n in wanted if n < 0]
        if emptied:
            where = " AND ".join(f"{q(c)} = %s" for c in columns)
            cursor.executemany(
                f"DELETE FROM {table} WHERE {where} AND n = 0",  # noqa: S608
                emptied,
            )


def refresh(limit: int | None = None) -> int:
    """Count the waiting cases, a batch per transaction; at most ``limit`` of them (None: all).
    Returns how many were counted. Idempotent, and safe beside the steps and other refreshes."""
    done = 0
    while limit is None or done < limit:
        size = batch_size() if limit is None else min(batch_size(), limit - done)
        with transaction.atomic():
            state = _state()
            if state.rebuilding:
                return done
            # Locked first, skipping any a step holds (counted next time): the refresh then
            # never waits on a case while holding others, so it cannot deadlock with a batch
            # of steps (an import) that holds cases and wants one of these.
            rows = list(
                waiting()
                .order_by("id")
                .select_for_update(skip_locked=True, of=("self",))
                .values_list(*_CASE_COLUMNS)[:size]
            )
            if not rows:
                return done
            _process(rows)
            state.refreshed_at = clock.now()
            state.save(update_fields=["refreshed_at"])
        done += len(rows)
    return done


def rebuild(progress: Any = None) -> tuple[int, int]:
    """Recompute every daily figure from the events. Returns (cases, events) read.

    The reports count the events while it runs (``rebuilding``); a step taken meanwhile is
    picked up by the next refresh. The rows are written at the end, in the transaction that
    ends the rebuild; should it fail before, every case is left waiting, so the refresh counts
    them all again rather than the reports reading figures that miss some."""
    with transaction.atomic():
        state = _state()
        state.rebuilding = True
        state.save(update_fields=["rebuilding"])
        _forget_figures()
    cases = events = 0
    last = 0
    try:
        staging = _Staging()
        while True:
            with transaction.atomic():
                _state()
                rows = list(
                    Case.objects.filter(pk__gt=last)
                    .order_by("id")
                    .values_list(*_CASE_COLUMNS)[:REBUILD_BATCH]
                )
                if not rows:
                    break
                events += _process(rows, staging=staging)
            cases += len(rows)
            last = rows[-1][0]
            if progress is not None:
                progress(cases, events)
        with transaction.atomic():
            state = _state()
            staging.finish()
            _end_rebuild(state)
    except BaseException:
        with transaction.atomic():
            state = _state()
            _forget_figures()
            Case.objects.update(figures_version=0)
            _end_rebuild(state)
        raise
    return cases, events


def _forget_figures() -> None:
    DailyFigure.objects.all().delete()
    FigureRepeat.objects.all().delete()
    CaseFigures.objects.all().delete()


def _end_rebuild(state: FigureState) -> None:
    state.rebuilding = False
    state.refreshed_at = clock.now()
    state.save(update_fields=["rebuilding", "refreshed_at"])


def caught_up() -> bool:
    """Whether the daily figures may answer now: counts the waiting cases first when they are
    few enough for a request; False during a rebuild or with a longer backlog."""
    state = FigureState.objects.filter(pk=1).values_list("rebuilding", flat=True).first()
    if state:
        return False
    backlog = waiting().order_by().values_list("pk", flat=True)[: catch_up_limit() + 1]
    count = len(backlog)
    if count > catch_up_limit():
        return False
    if count:
        refresh(limit=catch_up_limit())
    return not waiting().order_by().exists()


# --- reading ------------------------------------------------------------------------------------


def day_span(period: Period) -> tuple[dt.date, dt.date] | None:
    """The local days ``[first, last]`` a period covers, when it starts and ends at local
    midnight (every report period does); None otherwise."""
    start, end = timezone.localtime(period[0]), timezone.localtime(period[1])
    if start.time() != dt.time.min or end.time() != dt.time.min or end <= start:
        return None
    return start.date(), end.date() - dt.timedelta(days=1)


def _answerable(by: str | None, filters: dict[str, Any], scope: int = COUNTY) -> bool:
    """The rows hold one dimension at a time, for a unit or all: at most one filter besides the
    unit, and a breakdown by that same dimension or by unit; a scope's rows split by unit under
    "kind" only."""
    if by is not None and by not in DIMENSIONS:
        return False
    other = set(filters) - {"unit"}
    if not other:
        dimension = by if by in SLICES else TOTAL_SLICE
    elif len(other) == 1 and by in (None, "unit", *other):
        dimension = other.pop()
    else:
        return False
    if dimension not in SLICES:
        return False
    by_unit = by == "unit" or "unit" in filters
    return scope == COUNTY or not by_unit or dimension == TOTAL_SLICE


def _dimension(by: str | None, filters: dict[str, Any]) -> str:
    """The dimension whose rows answer: the filter's, else the breakdown's, else kind."""
    chosen = next((d for d in filters if d != "unit"), None)
    return chosen or (by if by in SLICES else TOTAL_SLICE)


def _group_value(dimension: str | None, value: Any) -> Any:
    """A daily row's or a repeat's group value as the event count names it."""
    if dimension is None:
        return None
    if value in (0, "", None):
        return None
    if dimension in _INT_DIMENSIONS and isinstance(value, str):
        return int(value)
    return value


def _latest(keys: list[str]) -> dt.date | None:
    """The last day with a fact of these figures: a month cut after it is whole."""
    found = DailyFigure.objects.filter(
        scope=COUNTY, grain=DAY, dimension=TOTAL_SLICE, unit=ALL_UNITS, metric__in=keys
    ).aggregate(last=Max("day"))
    return found["last"]


def _cover(
    first: dt.date, last: dt.date, latest: dt.date | None
) -> tuple[list[dt.date], list[tuple[dt.date, dt.date]]]:
    """What adds up ``[first, last]``: the whole months (their monthly rows) and the stretches
    of the months cut by either end (their daily rows). A month cut only after ``latest`` (no
    fact there yet: this month) counts as whole."""
    months: list[dt.date] = []
    cut: list[tuple[dt.date, dt.date]] = []
    month = first.replace(day=1)
    while month <= last:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        end = following - dt.timedelta(days=1)
        if first <= month and (end <= last or (latest is not None and latest <= last)):
            months.append(month)
        else:
            cut.append((max(first, month), min(last, end)))
        month = following
    return months, cut


class _Sources(NamedTuple):
    # The rows to add up, a query per stretch: one for the whole months, one per cut month.
    # (Asked as one query with OR, SQLite seeks the scope alone and reads all its rows:
    # measured 0.6 s a query at 1M cases, against milliseconds apart.)
    sums: list[QuerySet[DailyFigure]]
    repeats: QuerySet[FigureRepeat]
    sum_group: str | None
    # Stretches no kept row adds up (a scope's months cut by the period, under a dimension it
    # keeps by month only): counted from the events.
    cut: list[tuple[dt.date, dt.date]]


def _sources(
    first: dt.date,
    last: dt.date,
    keys: list[str],
    by: str | None,
    filters: dict[str, Any],
    scope: int,
    grain: str | None = None,
) -> _Sources | None:
    """The rows to add up and the repeats to take back; ``grain=DAY``: daily rows only. None
    when a scope would need daily rows it does not keep."""
    chosen = next((d for d in filters if d != "unit"), None)
    dimension = _dimension(by, filters)
    sums = DailyFigure.objects.filter(scope=scope, dimension=dimension, metric__in=keys)
    repeats = FigureRepeat.objects.filter(metric__in=keys)
    if scope != COUNTY:
        repeats = repeats.filter(case_id__in=_seen(scope).values("pk"))
    if chosen is not None:
        value = filters[chosen]
        sums = sums.filter(value="" if value is None else str(value))
        if chosen in _INT_DIMENSIONS:
            repeats = repeats.filter(**{chosen: value})
        else:
            repeats = repeats.filter(**{chosen: value or ""})
    if "unit" in filters:
        unit = filters["unit"] or 0
        sums, repeats = sums.filter(unit=unit), repeats.filter(unit=unit)
    elif by == "unit":
        sums = sums.exclude(unit=ALL_UNITS)
    else:
        sums = sums.filter(unit=ALL_UNITS)
    sum_group = None if by is None else "unit" if by == "unit" else "value"
    monthly_only = scope != COUNTY and dimension != TOTAL_SLICE
    if grain == DAY:
        if monthly_only:
            return None
        parts = [sums.filter(grain=DAY, day__gte=first, day__lte=last)]
        return _Sources(parts, repeats, sum_group, [])
    months, cut = _cover(first, last, _latest(keys))
    parts = [sums.filter(grain=MONTH, day__in=months)] if months else []
    if monthly_only:
        return _Sources(parts, repeats, sum_group, cut)
    parts += [sums.filter(grain=DAY, day__gte=a, day__lte=b) for a, b in cut]
    return _Sources(parts, repeats, sum_group, [])


def _seen(scope: int) -> QuerySet[Case]:
    """The cases a scope's rows count."""
    return Case.objects.filter(seen_through_units(_subtree(scope)))


def _subtree(scope: int) -> list[int]:
    top = Unit.objects.filter(pk=scope).first()
    return [] if top is None else list(units_under(top).values_list("pk", flat=True))


def on_unit_change(sender: Any, instance: UnitChange, created: bool, **kwargs: Any) -> None:
    if created and instance.action == "move":
        recount_moved(instance.unit)


def recount_moved(unit: Unit) -> int:
    """After ``unit`` moved in the tree: leave waiting every case seen through it or a unit
    below it (their scopes changed), so the next refresh counts them again. Returns how many."""
    below = units_under(unit).values_list("pk", flat=True)
    return Case.objects.filter(seen_through_units(list(below))).update(figures_version=0)


def counts(
    period: Period,
    *,
    by: str | None = None,
    keys: Iterable[str] | None = None,
    filters: dict[str, Any] | None = None,
    scope: int = COUNTY,
) -> dict[Any, Row] | None:
    """``metrics.counts`` over the whole county (or the cases a unit's posts see: ``scope``),
    from the daily figures; None when they cannot answer (a period not of whole days, two
    filters besides the unit, not caught up)."""
    filters = dict(filters or {})
    span = day_span(period)
    if span is None or not _answerable(by, filters, scope) or not caught_up():
        return None
    first, last = span
    keys = list(keys or METRICS)
    sources = _sources(first, last, keys, by, filters, scope)
    if sources is None:
        return None
    sums, repeats, sum_group, cut = sources
    by_unit = by == "unit" or "unit" in filters
    prev = "prev_unit_day" if by_unit else "prev_day"
    rows: dict[Any, Row] = {}

    def at(key: Any) -> Row:
        if key not in rows:
            rows[key] = Row(key=key)
        return rows[key]

    def add(found: Iterable[tuple[Any, ...]], grouped: bool, sign: int = 1) -> None:
        for metric, *group, n in found:
            row = at(_group_value(by, group[0]) if grouped else None)
            row.counts[metric] = row.count(metric) + sign * n  # type: ignore[index]

    def repeated(a: dt.date, b: dt.date) -> Iterable[tuple[Any, ...]]:
        """Facts in ``[a, b]`` after a case's first one there: counted per day, once per case
        in the stretch."""
        found = repeats.filter(day__gte=a, day__lte=b, **{f"{prev}__gte": a})
        fields = ["metric", *([by] if by else [])]
        return found.values_list(*fields).annotate(n=Count("id")).order_by()

    sum_fields = ["metric", *([sum_group] if sum_group else [])]
    for part in sums:
        add(part.values_list(*sum_fields).annotate(n=Sum("n")).order_by(), bool(sum_group))
    add(repeated(first, last), bool(by), sign=-1)
    # A cut stretch no row adds up: its distinct cases from the events, turned into the facts
    # the rows would have held (one per case and day) by adding back its own repeats.
    events = CaseEvent.objects.filter(seen_through_units(_subtree(scope), via="case"))
    for a, b in cut:
        stretch = (_midnight(a), _midnight(b + dt.timedelta(days=1)))
        counted = count_events(events, stretch, by=by, keys=keys, filters=filters)
        add(
            ((m, key, n) for key, row in counted.items() for m, n in (row.counts or {}).items()),
            True,
        )
        add(repeated(a, b), bool(by))
    if by is None:
        at(None)
    return rows


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def daily(
    period: Period,
    keys: Iterable[str],
    filters: dict[str, Any] | None = None,
    scope: int = COUNTY,
) -> tuple[dict[tuple[str, dt.date], int], list[tuple[str, dt.date, dt.date]]] | None:
    """The day sums and the repeats ``(metric, day, prev_day)`` of a period, for series split
    into stretches (``stretch_counts``); None when the daily figures cannot answer."""
    filters = dict(filters or {})
    span = day_span(period)
    if span is None or not _answerable(None, filters, scope) or not caught_up():
        return None
    first, last = span
    keys = list(keys)
    sources = _sources(first, last, keys, None, filters, scope, grain=DAY)
    if sources is None:
        return None
    (sums,), repeats, _, _ = sources
    repeats = repeats.filter(day__gte=first, day__lte=last)
    prev = "prev_unit_day" if "unit" in filters else "prev_day"
    totals: dict[tuple[str, dt.date], int] = {}
    for metric, day, n in sums.values_list("metric", "day").annotate(n=Sum("n")).order_by():
        totals[(metric, day)] = n
    found = list(
        repeats.filter(**{f"{prev}__gte": first}).values_list("metric", "day", prev).order_by()
    )
    return totals, found


def stretch_counts(
    data: tuple[dict[tuple[str, dt.date], int], list[tuple[str, dt.date, dt.date]]],
    metric: str,
    first: dt.date,
    last: dt.date,
) -> int:
    """Distinct cases of ``metric`` in ``[first, last]`` from ``daily``'s answer."""
    totals, repeats = data
    n = sum(v for (m, day), v in totals.items() if m == metric and first <= day <= last)
    n -= sum(
        1 for m, day, prev in repeats if m == metric and first <= day <= last and prev >= first
    )
    return n


def recount_everything() -> list[tuple[Any, ...]]:
    """The daily rows and repeats as sorted tuples: what a rebuild must reproduce."""
    sums = sorted(
        DailyFigure.objects.values_list(
            "scope", "grain", "dimension", "unit", "metric", "day", "value", "n"
        )
    )
    repeats = sorted(
        FigureRepeat.objects.values_list(
            "case_id", "metric", "day", "unit", "prev_day", "prev_unit_day"
        )
    )
    return [*sums, ("--",), *repeats]
