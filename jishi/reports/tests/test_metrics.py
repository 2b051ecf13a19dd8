"""The figures against a direct count, over case histories hypothesis makes up and plays
through the real case services: dispatched, returned and re-dispatched, acknowledged in time
or late, supervised, extended, replied in time or late, called back (solved or not, satisfied
or not), reopened, closed after a callback or without one, resolved on the spot, or left open.

The expected figures are counted from the histories themselves (what was done, when and by
whom), not from the events, so a wrong definition fails."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jishi.cases import services
from jishi.cases.models import Case, CaseKind, Channel
from jishi.common import clock
from jishi.orgs.models import Role, Unit, User
from jishi.reports import metrics
from jishi.testing.fixtures import County, make_person

pytestmark = pytest.mark.django_db

START = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Spec:
    spot: bool  # resolved on the spot at intake (closed, no callback)
    channel: str
    unit: int  # 0: 县住建局, 1: 城关镇
    returned: bool  # the first unit returns it; re-dispatched to the other
    ack: str  # "none", "met", "late"
    supervise: bool
    extension: str  # "", "approve", "deny"
    reply: str  # "none", "met", "late"
    end: tuple[Any, ...]  # ("open",) | ("close",) | ("callback", resolved, level)
    end2: tuple[Any, ...]  # after a reopen: ("reply", met, then) as end
    place: int = 0  # 0: 城关镇, 1: its 东街社区, 2: 石桥镇, 3: none given
    assisted: bool = False  # dispatched with 县交通运输局 assisting


endings = st.one_of(
    st.just(("open",)),
    st.just(("close",)),
    st.tuples(st.just("callback"), st.booleans(), st.integers(1, 5)),
)
specs = st.builds(
    Spec,
    spot=st.booleans(),
    channel=st.sampled_from([Channel.PORTAL, Channel.HOTLINE]),
    unit=st.integers(0, 1),
    returned=st.booleans(),
    ack=st.sampled_from(["none", "met", "late"]),
    supervise=st.booleans(),
    extension=st.sampled_from(["", "approve", "deny"]),
    reply=st.sampled_from(["none", "met", "late"]),
    end=endings,
    end2=st.tuples(st.booleans(), endings),
    place=st.integers(0, 3),
    assisted=st.booleans(),
)


@dataclass
class World:
    county: County
    units: list[Unit]
    handlers: list[User]
    dispatcher: User
    inspector: User


def _person(username: str, unit: Unit, role: str) -> User:
    found = User.objects.filter(username=username).first()
    return found or make_person(username, unit, role)


def world(county: County) -> World:
    """Made outside the rolled-back examples, so in-memory tables of units stay true."""
    return World(
        county=county,
        units=[county.housing, county.chengguan],
        handlers=[
            _person("h-housing", county.housing, Role.HANDLER),
            _person("h-chengguan", county.chengguan, Role.HANDLER),
        ],
        dispatcher=_person("w-dispatcher", county.county, Role.DISPATCHER),
        inspector=_person("w-inspector", county.county, Role.INSPECTOR),
    )


Facts = dict[str, list[tuple[int, dt.datetime, int | None]]]  # figure → (case, when, unit)


def _place(spec: Spec, county: County) -> tuple[Unit | None, Unit | None]:
    """The township and village a case is placed in."""
    return [
        (county.chengguan, None),
        (county.chengguan, county.dongjie),
        (county.shiqiao, None),
        (None, None),
    ][spec.place]


def play(history: list[Spec], w: World, after: Callable[[int], object] | None = None) -> Facts:
    """Play each history through the services; return what happened, written down as it
    happens: figure → [(case index, time, unit id)]. ``after(i)`` runs before history i."""
    facts: Facts = defaultdict(list)
    for i, spec in enumerate(history):
        if after is not None:
            after(i)
        t = START + dt.timedelta(days=2 * i)

        def step(minutes: float, at_least: dt.datetime | None = None) -> dt.datetime:
            nonlocal t
            t = max(t, at_least or t) + dt.timedelta(minutes=minutes)
            return t

        def note(figure: str, unit: Unit | None, when: dt.datetime, case_no: int = i) -> None:
            facts[figure].append((case_no, when, unit.pk if unit else None))

        township, village = _place(spec, w.county)
        if spec.spot:
            unit, handler = w.units[1], w.handlers[1]
            with clock.travel_to(step(0)):
                services.case_accept(
                    actor=handler,
                    kind=CaseKind.REQUEST,
                    channel=Channel.FIELD_VISIT,
                    title="路灯不亮",
                    text="东街路灯坏了，请修复。",
                    resolve_on_the_spot="当场联系电工修复",
                    township=township,
                    village=village,
                )
            for figure in ("received", "closed", "closed_on_time", "closed_without_callback"):
                note(figure, unit, t)
            continue
        with clock.travel_to(step(0)):
            case = services.case_accept(
                actor=services.Citizen(),
                kind=CaseKind.REQUEST,
                channel=spec.channel,
                title="路灯不亮",
                text="东街路灯坏了，请修复。",
                township=township,
                village=village,
            )
        accepted_at = t
        assisting = [w.county.transport] if spec.assisted else []
        first, second = spec.unit, 1 - spec.unit
        with clock.travel_to(step(5)):
            case = services.case_dispatch(
                actor=w.dispatcher, case=case, lead_unit=w.units[first], assisting_units=assisting
            )
        note("dispatched", w.units[first], t)
        note("first_dispatched", w.units[first], t)
        if spec.returned:
            with clock.travel_to(step(5)):
                case = services.case_return(actor=w.handlers[first], case=case, reason="不属本单位")
            note("returned", w.units[first], t)
            with clock.travel_to(step(5)):
                case = services.case_dispatch(
                    actor=w.dispatcher, case=case, lead_unit=w.units[second]
                )
            note("dispatched", w.units[second], t)
            lead = second
        else:
            note("first_dispatch_accurate", w.units[first], t)
            lead = first
        unit, handler = w.units[lead], w.handlers[lead]
        note("received", unit, accepted_at)
        if spec.ack == "none":
            continue
        with clock.travel_to(step(30 * 24 * 60 if spec.ack == "late" else 5)):
            case = services.case_acknowledge(actor=handler, case=case)
        note("acknowledged", unit, t)
        if spec.ack == "met":
            note("acknowledged_in_time", unit, t)
        if spec.supervise:
            with clock.travel_to(step(5)):
                case = services.case_supervise(actor=w.inspector, case=case, note="请加快", days=5)
            note("supervised", unit, t)
        if spec.extension:
            with clock.travel_to(step(5)):
                case = services.case_request_extension(
                    actor=handler, case=case, days=3, reason="需协调"
                )
            with clock.travel_to(step(5)):
                case = services.case_decide_extension(
                    actor=w.inspector,
                    case=case,
                    approve=spec.extension == "approve",
                    note="" if spec.extension == "approve" else "不同意",
                )
            if spec.extension == "approve":
                note("extended", unit, t)
        if spec.reply == "none":
            continue
        late = spec.reply == "late"
        # Late: long after every deadline (supervision and an extension included).
        assert case.handling_due is not None
        due = case.handling_due
        with clock.travel_to(step(5, due + 90 * DAY if late else None)):
            case = services.case_reply(actor=handler, case=case, text="已修复。")
        late = late or t > due  # a late acknowledgement can leave no time to reply in time
        any_late = late
        rounds: list[tuple[Any, ...]] = [spec.end, spec.end2[1]]
        for round_no, end in enumerate(rounds):
            if end[0] == "open":
                break
            if end[0] == "close":
                with clock.travel_to(step(5)):
                    services.case_close(actor=w.dispatcher, case=case, reason="无法联系")
                note("closed", unit, t)
                note("closed_without_callback", unit, t)
                if not any_late:
                    note("closed_on_time", unit, t)
                break
            _, resolved, level = end
            with clock.travel_to(step(5)):
                case = services.case_callback(
                    actor=w.dispatcher, case=case, resolved=bool(resolved), satisfaction=int(level)
                )
            note("called_back", unit, t)
            satisfied = bool(resolved) and int(level) >= 3
            if satisfied or round_no == 1:  # the second unsatisfied answer closes (max 1 reopen)
                note("closed", unit, t)
                if not any_late:
                    note("closed_on_time", unit, t)
                if resolved:
                    note("solved", unit, t)
                if int(level) >= metrics.SATISFIED_FLOOR:
                    note("satisfied", unit, t)
                break
            note("reopened", unit, t)
            late2 = spec.end2[0] is False
            assert case.handling_due is not None
            due = case.handling_due
            with clock.travel_to(step(5, due + 90 * DAY if late2 else None)):
                case = services.case_reply(actor=handler, case=case, text="再次处理。")
            late2 = late2 or t > due
            any_late = any_late or late2
    return facts


def expected(facts: Facts, period: metrics.Period, unit: int | None = None) -> dict[str, int]:
    out = {}
    for key in metrics.METRICS:
        out[key] = len(
            {
                case_no
                for case_no, when, unit_id in facts.get(key, [])
                if period[0] <= when < period[1] and (unit is None or unit_id == unit)
            }
        )
    return out


@override_settings(JISHI_MAX_REOPENS=1)
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=st.lists(specs, min_size=1, max_size=6),
    first_day=st.integers(0, 12),
    days=st.integers(1, 400),
)
def test_figures_equal_a_direct_count(
    history: list[Spec], first_day: int, days: int, county: County
) -> None:
    w = world(county)
    with transaction.atomic():
        facts = play(history, w)
        period = (START + first_day * DAY - MINUTE, START + (first_day + days) * DAY)
        events = metrics.events_visible_to(w.dispatcher)
        total = metrics.counts(events, period)[None]
        assert total.counts == expected(facts, period)
        by_unit = metrics.counts(events, period, by="unit")
        for unit in w.units:
            row = by_unit.get(unit.pk, metrics.Row(key=unit.pk))
            assert row.counts == expected(facts, period, unit.pk), unit.name
        # The cases behind a figure are as many as the figure says.
        for key in ("closed", "solved", "returned", "acknowledged_in_time"):
            for unit in w.units:
                behind = metrics.cases_behind(Case.objects.all(), key, period, {"unit": unit.pk})
                assert behind.count() == expected(facts, period, unit.pk)[key]
        transaction.set_rollback(True)


def test_closed_without_callback_is_never_solved(county: County, dispatcher: User) -> None:
    handler = make_person("h", county.chengguan, Role.HANDLER)
    with clock.travel_to(START):
        case = services.case_accept(
            actor=services.Citizen(),
            kind=CaseKind.REQUEST,
            channel=Channel.PORTAL,
            title="路灯",
            text="路灯坏了",
            township=county.chengguan,
        )
        case = services.case_dispatch(actor=dispatcher, case=case, lead_unit=county.chengguan)
        case = services.case_acknowledge(actor=handler, case=case)
        case = services.case_reply(actor=handler, case=case, text="已修")
        services.case_close(actor=dispatcher, case=case, reason="电话无人接听")
    row = metrics.counts(metrics.events_visible_to(dispatcher), (START, START + DAY))[None]
    assert row.count("closed") == 1
    assert row.count("solved") == row.count("satisfied") == 0
    assert row.rate("solved_rate") == 0
    assert row.rate("no_callback_share") == 1


def test_a_unit_sees_its_own_figures_only(
    county: County, dispatcher: User, dept_handler: User, township_handler: User
) -> None:
    for unit in (county.housing, county.chengguan, county.chengguan):
        with clock.travel_to(START):
            case = services.case_accept(
                actor=services.Citizen(),
                kind=CaseKind.REQUEST,
                channel=Channel.PORTAL,
                title="路灯",
                text="路灯坏了",
            )
            services.case_dispatch(actor=dispatcher, case=case, lead_unit=unit)
    period = (START, START + DAY)
    assert (
        metrics.counts(metrics.events_visible_to(dispatcher), period)[None].count("received") == 3
    )
    assert (
        metrics.counts(metrics.events_visible_to(dept_handler), period)[None].count("received") == 1
    )
    assert (
        metrics.counts(metrics.events_visible_to(township_handler), period)[None].count(
            "dispatched"
        )
        == 2
    )


def test_rank_lists_small_units_without_ranking_them() -> None:
    def row(
        label: str, dispatched: int, ack: int, ack_ok: int, closed: int, ok: int
    ) -> metrics.Row:
        r = metrics.Row(key=label, label=label)
        assert r.counts is not None
        r.counts.update(
            dispatched=dispatched,
            acknowledged=ack,
            acknowledged_in_time=ack_ok,
            closed=closed,
            solved=ok,
            satisfied=ok,
        )
        return r

    rows = metrics.rank(
        [row("甲", 10, 10, 10, 10, 10), row("乙", 10, 10, 5, 10, 5), row("丙", 2, 2, 2, 2, 2)],
        minimum=5,
    )
    assert [(r.label, r.rank) for r in rows] == [("甲", 1), ("乙", 2), ("丙", None)]
    assert rows[0].score == 100.0
    assert rows[1].score == 50.0
    assert rows[2].score == 100.0 and not rows[2].ranked
