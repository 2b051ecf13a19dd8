"""The daily figures (``aggregates``) against the events they are a projection of: over made-up
histories played through the real services, refreshed at made-up moments (so cases change
after they were counted: re-dispatched, reopened, closed again), every figure the reports ask
for equals the direct count, and a rebuild from the events reproduces the rows exactly."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jishi.cases import services
from jishi.cases.models import Case, CaseKind, Channel
from jishi.common import clock
from jishi.orgs.models import Unit, User
from jishi.reports import aggregates, dashboard, metrics, selectors
from jishi.reports.models import CaseFigures, DailyFigure, FigureRepeat, FigureState
from jishi.reports.tests.test_metrics import START, expected, play, specs, world
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db


def nonzero(rows: dict) -> dict:
    """The groups with any figure (the events' count and the rows' may differ in empty ones)."""
    return {k: r.counts for k, r in rows.items() if any((r.counts or {}).values())}


def day_period(first: dt.date, days: int) -> metrics.Period:
    return selectors.DateRange(first, first + dt.timedelta(days=days - 1)).period


@override_settings(JISHI_MAX_REOPENS=1)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=st.lists(specs, min_size=1, max_size=6),
    refresh_at=st.sets(st.integers(0, 5)),
    first_day=st.integers(0, 12),
    days=st.integers(1, 400),
)
def test_daily_figures_equal_the_event_count_and_a_rebuild(
    history: list, refresh_at: set[int], first_day: int, days: int, county: County
) -> None:
    w = world(county)
    with transaction.atomic():
        facts = play(history, w, after=lambda i: aggregates.refresh() if i in refresh_at else 0)
        assert aggregates.refresh() >= 0
        assert not aggregates.waiting().exists()
        kept = aggregates.recount_everything()

        period = day_period(START.date() + dt.timedelta(days=first_day), days)
        events = metrics.events_visible_to(w.dispatcher)
        total = aggregates.counts(period)
        assert total is not None
        assert total[None].counts == expected(facts, period)
        by_unit = aggregates.counts(period, by="unit")
        assert by_unit is not None
        for unit in w.units:
            row = by_unit.get(unit.pk, metrics.Row(key=unit.pk))
            assert row.counts == expected(facts, period, unit.pk), unit.name
        # Every breakdown, with the filters the rows can answer, against the events.
        u0, u1 = w.units[0].pk, w.units[1].pk
        for by in (None, "unit", "township", "channel", "kind", "category"):
            for filters in (
                {},
                {"unit": u0},
                {"unit": u1},
                {"channel": Channel.PORTAL},
                {"channel": Channel.HOTLINE, "unit": u0},
                {"kind": CaseKind.REQUEST},
                {"township": county.chengguan.pk, "unit": u1},
            ):
                kept_rows = aggregates.counts(period, by=by, filters=filters)
                other = set(filters) - {"unit"}
                if other and by not in (None, "unit", *other):
                    assert kept_rows is None  # one dimension at a time: the events answer
                    continue
                raw = metrics.counts(events, period, by=by, filters=filters)
                assert kept_rows is not None
                assert nonzero(kept_rows) == nonzero(raw), (by, filters)
        # The trend's stretches (weeks straddling the period's ends included).
        dates = selectors.DateRange(
            START.date() + dt.timedelta(days=first_day),
            START.date() + dt.timedelta(days=first_day + days - 1),
        )
        for by in ("month", "week"):
            kept_chart = dashboard.trend(w.dispatcher, dates, by)
            with override_settings(JISHI_AGGREGATE_CATCH_UP=-1):
                raw_chart = dashboard.trend(w.dispatcher, dates, by)
            assert kept_chart.as_json() == raw_chart.as_json(), by

        aggregates.rebuild()
        assert aggregates.recount_everything() == kept
        transaction.set_rollback(True)


def _case(dispatcher: User, unit: Unit, when: dt.datetime) -> Case:
    with clock.travel_to(when):
        case = services.case_accept(
            actor=services.Citizen(),
            kind=CaseKind.REQUEST,
            channel=Channel.PORTAL,
            title="路灯不亮",
            text="东街路灯坏了",
        )
        return services.case_dispatch(actor=dispatcher, case=case, lead_unit=unit)


def test_a_redispatch_moves_the_counted_case_to_the_new_unit(
    county: County, dispatcher: User, dept_handler: User
) -> None:
    case = _case(dispatcher, county.housing, START)
    period = day_period(START.date(), 1)
    assert aggregates.refresh() == 1
    rows = aggregates.counts(period, by="unit")
    assert rows is not None and rows[county.housing.pk].count("received") == 1
    with clock.travel_to(START + dt.timedelta(hours=1)):
        case = services.case_return(actor=dept_handler, case=case, reason="不属本单位")
        services.case_dispatch(actor=dispatcher, case=case, lead_unit=county.chengguan)
    rows = aggregates.counts(period, by="unit")  # caught up inside the read
    assert rows is not None
    assert county.housing.pk not in rows or rows[county.housing.pk].count("received") == 0
    assert rows[county.chengguan.pk].count("received") == 1
    # Dispatched twice in a day, to two units: once for each unit, once in the county.
    assert rows[county.housing.pk].count("dispatched") == 1
    assert rows[county.chengguan.pk].count("dispatched") == 1
    total = aggregates.counts(period)
    assert total is not None and total[None].count("dispatched") == 1
    assert CaseFigures.objects.get(case=case).version == Case.objects.get(pk=case.pk).version


def test_refresh_counts_only_what_changed_and_is_idempotent(
    county: County, dispatcher: User
) -> None:
    for i in range(3):
        _case(dispatcher, county.housing, START + dt.timedelta(days=i))
    assert aggregates.refresh() == 3
    rows = aggregates.recount_everything()
    assert aggregates.refresh() == 0
    # Counting a case again at the same version changes nothing.
    Case.objects.update(figures_version=0)
    assert aggregates.refresh() == 3
    assert aggregates.recount_everything() == rows
    assert DailyFigure.objects.filter(n__lte=0).count() == 0


def test_a_long_backlog_or_a_rebuild_sends_the_reports_to_the_events(
    county: County, dispatcher: User
) -> None:
    for i in range(3):
        _case(dispatcher, county.housing, START + dt.timedelta(days=i))
    period = day_period(START.date(), 3)
    with override_settings(JISHI_AGGREGATE_CATCH_UP=2):
        assert aggregates.counts(period) is None  # three waiting: more than a request absorbs
        # The reports still answer, from the events.
        assert selectors.figure_rows(None, period)[None].count("received") == 3
    assert aggregates.counts(period) is not None
    FigureState.objects.filter(pk=1).update(rebuilding=True)
    assert aggregates.counts(period) is None
    assert selectors.figure_rows(None, period)[None].count("received") == 3
    FigureState.objects.filter(pk=1).update(rebuilding=False)
    # A period not of whole days, or a filter the daily rows do not keep: the events answer.
    assert aggregates.counts((period[0] + dt.timedelta(hours=1), period[1])) is None
    assert aggregates.counts(period, filters={"channel": "portal", "kind": "request"}) is None
    assert aggregates.counts(period, by="kind", filters={"channel": "portal"}) is None
    found = aggregates.counts(period, by="unit", filters={"channel": "portal"})
    assert found is not None and found[county.housing.pk].count("received") == 3


def test_the_commands_refresh_and_rebuild_to_the_same_rows(
    county: County, dispatcher: User, dept_handler: User, capsys: pytest.CaptureFixture[str]
) -> None:
    case = _case(dispatcher, county.housing, START)
    with clock.travel_to(START + dt.timedelta(days=2)):
        case = services.case_return(actor=dept_handler, case=case, reason="不属本单位")
        services.case_dispatch(actor=dispatcher, case=case, lead_unit=county.chengguan)
    call_command("refresh_aggregates")
    assert "已统计 1 件" in capsys.readouterr().out
    assert FigureRepeat.objects.filter(metric="dispatched").count() == 1
    call_command("rebuild_aggregates", "--check")
    out = capsys.readouterr().out
    assert "重算结果与原有日统计一致" in out
    # A kept row tampered with: the check names the difference.
    DailyFigure.objects.filter(metric="received").update(n=7)
    with pytest.raises(SystemExit):
        call_command("rebuild_aggregates", "--check")
    assert "不一致" in capsys.readouterr().err
    # …and the rebuild put it right.
    period = day_period(START.date(), 5)
    total = aggregates.counts(period)
    assert total is not None and total[None].count("received") == 1


def test_weights_naming_no_rate_stop_the_deploy() -> None:
    from jishi.reports.checks import check_report_weights

    assert check_report_weights() == []
    with override_settings(JISHI_REPORT_WEIGHTS={"speed": 100}):
        [error] = check_report_weights()
        assert error.id == "reports.E001" and "speed" in error.msg
    with override_settings(JISHI_REPORT_WEIGHTS={"response_rate": 0}):
        [error] = check_report_weights()
        assert error.id == "reports.E002"


@pytest.mark.django_db(transaction=True)
def test_refresh_skips_a_case_a_step_holds_and_counts_it_next_time(
    county: County, dispatcher: User
) -> None:
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("row locks: SQLite has one writer, nothing to skip")
    held_case = _case(dispatcher, county.housing, START)
    _case(dispatcher, county.housing, START)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                Case.objects.select_for_update().get(pk=held_case.pk)
                held.set()
                release.wait(20)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(20)
    try:
        assert aggregates.refresh() == 1  # the other case; no wait on the held one
        assert list(aggregates.waiting().values_list("pk", flat=True)) == [held_case.pk]
    finally:
        release.set()
        holder.join()
    assert aggregates.refresh() == 1
    assert not aggregates.waiting().exists()
