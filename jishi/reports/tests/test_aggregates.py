"""The daily figures (``aggregates``) against the events they are a projection of: over made-up
histories played through the real services, refreshed at made-up moments (so cases change
after they were counted: re-dispatched, reopened, closed again), every figure the reports ask
for equals the direct count, and a rebuild from the events reproduces the rows exactly."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import OperationalError, transaction
from django.db.models import QuerySet
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jishi.cases import services
from jishi.cases.models import Case, CaseKind, Channel
from jishi.common import clock
from jishi.orgs import services as orgs_services
from jishi.orgs.models import Post, Role, Unit, User
from jishi.reports import aggregates, dashboard, metrics, selectors
from jishi.reports.models import CaseFigures, DailyFigure, FigureRepeat, FigureState
from jishi.reports.tests.test_metrics import START, _person, expected, play, specs, world
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db


def nonzero(rows: dict) -> dict:
    """The groups with any figure (the events' count and the rows' may differ in empty ones)."""
    return {k: r.counts for k, r in rows.items() if any((r.counts or {}).values())}


def day_period(first: dt.date, days: int) -> metrics.Period:
    return selectors.DateRange(first, first + dt.timedelta(days=days - 1)).period


def scoped_people(county: County) -> list[User]:
    """Posts whose reports add up their unit's rows: a department, a township, a village, an
    assisting department; made outside the rolled-back examples."""
    return [
        _person("s-housing", county.housing, Role.HANDLER),
        _person("s-chengguan", county.chengguan, Role.UNIT_LEAD),
        _person("s-dongjie", county.dongjie, Role.HANDLER),
        _person("s-shiqiao", county.shiqiao, Role.HANDLER),
        _person("s-transport", county.transport, Role.HANDLER),
    ]


def check_scope(
    person: User,
    scope: int,
    seen: QuerySet,
    period: metrics.Period,
    by: str | None,
    filters: dict[str, object],
) -> None:
    """What the post is shown, and its scope's rows where they answer, against its events."""
    raw = metrics.counts(seen, period, by=by, filters=filters)
    shown = selectors.figure_rows(person, period, by=by, filters=filters)
    assert nonzero(shown) == nonzero(raw), (person.username, by, filters)
    scoped = aggregates.counts(period, by=by, filters=filters, scope=scope)
    other = set(filters) - {"unit"}
    dimension = next(iter(other), by if by not in (None, "unit") else "kind")
    split = by == "unit" or "unit" in filters
    if (other and by not in (None, "unit", *other)) or (split and dimension != "kind"):
        assert scoped is None, (by, filters)  # one dimension at a time; units under kind only
        return
    # Other dimensions are kept by month: a cut month's days are counted from the events.
    assert scoped is not None, (by, filters)
    assert nonzero(scoped) == nonzero(raw), (person.username, by, filters)


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
    scope_checks=st.lists(
        st.tuples(
            st.sampled_from([None, "unit", "township", "category", "channel", "kind"]),
            st.sampled_from(["", "unit", "kind", "channel"]),
        ),
        min_size=3,
        max_size=3,
        unique=True,
    ),
)
def test_daily_figures_equal_the_event_count_and_a_rebuild(
    history: list,
    refresh_at: set[int],
    first_day: int,
    days: int,
    scope_checks: list[tuple[str | None, str]],
    county: County,
) -> None:
    w = world(county)
    people = scoped_people(county)
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
        # A unit's posts: their scope's rows against the events of the cases they see, over
        # the drawn period and over a whole month (a scope keeps most breakdowns by month).
        month = selectors.DateRange.month(START.date() + dt.timedelta(days=first_day)).period
        # Breakdowns and filters drawn three pairs at a time (the examples between them meet
        # most of the 24).
        scope_filters: dict[str, dict[str, object]] = {
            "": {},
            "unit": {"unit": u1},
            "kind": {"kind": CaseKind.REQUEST},
            "channel": {"channel": Channel.PORTAL},
        }
        for person in people:
            where = selectors.figure_scope(person)
            assert where is not None and where.taken_in is None, person
            seen = metrics.events_visible_to(person)
            for span in (period, month):
                for by, name in scope_checks:
                    check_scope(person, where.unit, seen, span, by, scope_filters[name])
        # The trend's stretches (weeks straddling the period's ends included).
        dates = selectors.DateRange(
            START.date() + dt.timedelta(days=first_day),
            START.date() + dt.timedelta(days=first_day + days - 1),
        )
        for by in ("month", "week"):
            for person in (w.dispatcher, people[0], people[2]):
                kept_chart = dashboard.trend(person, dates, by)
                with override_settings(JISHI_AGGREGATE_CATCH_UP=-1):
                    raw_chart = dashboard.trend(person, dates, by)
                assert kept_chart.as_json() == raw_chart.as_json(), (by, person.username)

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


def test_a_rebuild_that_fails_leaves_every_case_to_be_counted_again(
    county: County, dispatcher: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(3):
        _case(dispatcher, county.housing, START + dt.timedelta(days=i))
    aggregates.refresh()
    rows = aggregates.recount_everything()

    def gone(self: object) -> None:
        raise OperationalError("server closed the connection unexpectedly")

    # The database goes away as the rebuild writes its rows: the cases it had read are not
    # left marked counted with none of their rows kept.
    monkeypatch.setattr(aggregates._Staging, "finish", gone)
    with pytest.raises(OperationalError):
        aggregates.rebuild()
    assert not FigureState.objects.get(pk=1).rebuilding
    assert not DailyFigure.objects.exists()
    assert aggregates.waiting().count() == 3
    monkeypatch.undo()
    assert aggregates.refresh() == 3
    assert aggregates.recount_everything() == rows


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


def test_a_post_adds_its_units_rows_and_the_cases_it_took_in_elsewhere(
    county: County, dispatcher: User
) -> None:
    """A village secretary sees the cases of their village (from its rows) and the ones they
    took in for somewhere else (counted from those cases' events): together, once each."""
    secretary = _person("xj-secretary", county.xijie, Role.HANDLER)
    with clock.travel_to(START):
        own = services.case_accept(
            actor=secretary,
            kind=CaseKind.REQUEST,
            channel=Channel.FIELD_VISIT,
            title="巷口积水",
            text="西街巷口下雨积水",
            township=county.chengguan,
            village=county.xijie,
        )
        services.case_dispatch(actor=dispatcher, case=own, lead_unit=county.xijie)
        elsewhere = services.case_accept(
            actor=secretary,
            kind=CaseKind.COMPLAINT,
            channel=Channel.FIELD_VISIT,
            title="石桥村道路破损",
            text="走访中群众反映石桥村道路破损",
            township=county.shiqiao,
        )
        services.case_dispatch(actor=dispatcher, case=elsewhere, lead_unit=county.transport)
    where = selectors.figure_scope(secretary)
    assert where is not None and where.unit == county.xijie.pk
    assert where.taken_in is not None and list(where.taken_in) == [elsewhere]
    period = day_period(START.date(), 1)
    seen = metrics.events_visible_to(secretary)
    for by in (None, "unit", "kind"):
        kept = selectors.figure_rows(secretary, period, by=by)
        assert nonzero(kept) == nonzero(metrics.counts(seen, period, by=by)), by
    assert selectors.figure_rows(secretary, period)[None].count("received") == 2
    # The village's rows alone hold its own case only.
    rows = aggregates.counts(period, scope=county.xijie.pk)
    assert rows is not None and rows[None].count("received") == 1
    # The trend counts the events for such a post, and agrees.
    dates = selectors.DateRange(START.date(), START.date())
    assert dashboard.trend(secretary, dates, "month").series[0]["data"] == [2]


def test_posts_in_two_branches_are_counted_from_the_events(
    county: County, dispatcher: User
) -> None:
    """A case seen from both branches would be added twice from the rows: the events answer."""
    both = _person("two-posts", county.housing, Role.HANDLER)
    Post.objects.create(user=both, unit=county.chengguan, role=Role.HANDLER)
    _case(dispatcher, county.housing, START)
    _case(dispatcher, county.chengguan, START)
    _case(dispatcher, county.transport, START)
    assert selectors.figure_scope(both) is None
    total = selectors.figure_rows(both, day_period(START.date(), 1))[None]
    assert total.count("received") == 2


def test_a_unit_nested_in_another_post_adds_nothing(county: County, dispatcher: User) -> None:
    """Posts at a township and at one of its villages see the township's cases: its rows."""
    person = _person("nested-posts", county.chengguan, Role.HANDLER)
    Post.objects.create(user=person, unit=county.dongjie, role=Role.HANDLER)
    _case(dispatcher, county.dongjie, START)
    _case(dispatcher, county.housing, START)
    where = selectors.figure_scope(person)
    assert where is not None and where.unit == county.chengguan.pk and where.taken_in is None
    assert selectors.figure_rows(person, day_period(START.date(), 1))[None].count("received") == 1


def test_a_moved_unit_takes_its_cases_to_its_new_township(county: County, dispatcher: User) -> None:
    """东街社区 moves from 城关镇 to 石桥镇: its case leaves 城关镇's rows for 石桥镇's."""
    _case(dispatcher, county.dongjie, START)
    period = day_period(START.date(), 1)

    def received(scope: Unit) -> int:
        rows = aggregates.counts(period, scope=scope.pk)
        assert rows is not None
        return rows[None].count("received")

    assert (received(county.chengguan), received(county.shiqiao)) == (1, 0)
    orgs_services.unit_update(actor=None, unit=county.dongjie, parent=county.shiqiao)
    assert aggregates.waiting().count() == 1
    assert (received(county.chengguan), received(county.shiqiao)) == (0, 1)
    # A rename is not a move: nothing to count again.
    orgs_services.unit_update(actor=None, unit=county.shiqiao, name="石桥乡")
    assert not aggregates.waiting().exists()
