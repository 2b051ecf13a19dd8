"""The seeded demo county: every state, channel and kind; overdue, reopened, extended and
merged cases; an unbroken ledger; a second ``--if-empty`` run that changes nothing; and
logins that work. One small ledger is seeded once and examined from every side, because
seeding is the slow part."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from io import StringIO
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.test import Client
from django.utils import timezone

from jishi.cases.models import (
    OPEN_STATES,
    Case,
    CaseClock,
    CaseEvent,
    CaseKind,
    Category,
    Channel,
    State,
    TimeLimit,
)
from jishi.cases.verify import verify_ledger
from jishi.common import clock
from jishi.common.errors import Conflict
from jishi.common.text import to_simplified
from jishi.demo.models import SeedRun
from jishi.demo.orgdata import CATEGORIES, DEMO_PASSWORD, build_demo_org, plan_demo_org
from jishi.demo.reviews import FRESH, seed_reviews
from jishi.demo.seed import seed_demo, seed_state
from jishi.intake import services as intake
from jishi.intake.models import CampaignSuggestion, DutyShift, HallProblem, VisitItem
from jishi.orgs.models import Unit
from jishi.reviews.models import Rating
from jishi.workdays.selectors import get_calendar

SIZE = 300


@pytest.mark.django_db
def test_the_seeded_county_tells_every_kind_of_story() -> None:
    # The history is laid out backwards from "now"; a fixed now makes it the same story on
    # every day of the year (which stories fit in a small ledger depends on the calendar).
    with clock.travel_to(STORY_NOW):
        _the_seeded_county_tells_every_kind_of_story()


STORY_NOW = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _the_seeded_county_tells_every_kind_of_story() -> None:
    out = StringIO()
    call_command("seed_demo", "--size", str(SIZE), "--months", "2", "--seed", "11", stdout=out)
    printed = out.getvalue()

    assert Case.objects.count() == SIZE
    states = set(Case.objects.values_list("state", flat=True))
    assert states == set(State.values), f"missing: {set(State.values) - states}"
    # Misconduct reports come from the reviews app alone (seed_demo_reviews), questions
    # raised at talks from the outreach app's talks.
    assert set(Case.objects.values_list("channel", flat=True)) == set(Channel.values) - {
        Channel.MISCONDUCT,
        Channel.OUTREACH,
    }
    assert set(Case.objects.values_list("kind", flat=True)) == set(CaseKind.values)

    # The stories a bulletin needs: late, sent back, reopened, extended, supervised, merged,
    # solved on the spot.
    now = clock.now()
    assert CaseClock.objects.filter(stopped_at__isnull=True, due_at__lt=now).exists()
    assert CaseClock.objects.filter(outcome="late").exists()
    assert Case.objects.filter(reopen_count__gt=0).exists()
    assert Case.objects.filter(return_count__gt=0).exists()
    kinds = set(CaseEvent.objects.values_list("kind", flat=True))
    for kind in (
        "resolve_on_the_spot",
        "approve_extension",
        "supervise",
        "remind",
        "reopen",
        "merge",
        "reject",
        "callback",
        "interim_reply",
        "classify",
    ):
        assert kind in kinds, kind
    assert (
        Case.objects.filter(merged_into__isnull=False).count()
        == Case.objects.filter(state=State.MERGED).count()
    )
    # Satisfaction mostly 4–5, a few 1–2.
    scores = [s for s in Case.objects.values_list("satisfaction", flat=True) if s is not None]
    assert sum(s >= 4 for s in scores) > 0.75 * len(scores)
    assert any(s <= 2 for s in scores)
    # Old cases are settled; the last days are mostly still open.
    recent = Case.objects.filter(accepted_at__gte=now - timedelta(days=5))
    assert recent.exists()
    assert recent.filter(state__in=[State.CLOSED, State.REJECTED, State.MERGED]).count() < (
        recent.count() / 2
    )
    # Events happened in order, in the past, within each case.
    last = CaseEvent.objects.order_by("-created_at").first()
    assert last is not None and last.created_at <= now
    assert not any(
        e.created_at < p.created_at
        for p, e in _consecutive(CaseEvent.objects.order_by("case_id", "seq"))
    )

    # The county's rules and places came from the org.
    assert Category.objects.count() == len(CATEGORIES)
    assert Category.objects.filter(parent__isnull=True, owning_unit__code="D08").exists()
    assert TimeLimit.objects.exists()
    # Hall and survey cases name no village; every case that does names one in its township.
    assert not Case.objects.filter(village__isnull=False).exclude(village__parent=F("township"))

    # Every field channel's case traces back to where it came from, through intake's rows.
    _assert_field_channels_trace_back()

    result = verify_ledger(case_code=None, stop_at_first=False)
    assert result.breaks == [] and result.cases == SIZE
    call_command("verify_ledger", stdout=StringIO())

    assert "http://127.0.0.1:8000/" in printed
    for login in plan_demo_org().logins:
        assert login.username in printed
        assert Client().login(username=login.username, password=DEMO_PASSWORD), login.username

    # ./dev demo runs it again at every start: it must only print the logins.
    units, events = Unit.objects.count(), CaseEvent.objects.count()
    again = StringIO()
    call_command("seed_demo", "--if-empty", stdout=again)
    assert (Unit.objects.count(), CaseEvent.objects.count()) == (units, events)
    assert "dispatcher" in again.getvalue() and "http://127.0.0.1:8000/" in again.getvalue()


def _assert_field_channels_trace_back() -> None:
    survey = Case.objects.filter(channel=Channel.SURVEY)
    assert survey.exists() and not survey.filter(campaign_link__isnull=True).exists()
    visits = Case.objects.filter(channel=Channel.FIELD_VISIT)
    assert visits.exists() and not visits.filter(visit_item__isnull=True).exists()
    hall = Case.objects.filter(channel=Channel.HALL_DESK)
    assert hall.exists() and not hall.filter(hall_problem__isnull=True).exists()
    for link in CampaignSuggestion.objects.select_related("campaign", "case"):
        day = timezone.localdate(link.case.accepted_at)
        assert link.campaign.starts_on <= day <= link.campaign.ends_on
        assert link.created_at == link.case.accepted_at  # registered when it happened
    for problem in HallProblem.objects.select_related("case", "shift"):
        assert problem.shift is not None and problem.shift.director_id == problem.recorded_by_id
        assert problem.shift.date == timezone.localdate(problem.case.accepted_at)
    for item in VisitItem.objects.select_related("visit", "case"):
        assert item.visit.visited_on == timezone.localdate(item.case.accepted_at)
        assert item.visit.secretary_id == item.case.created_by_id
    # Visits keep a contact for the callback, masked like the portal's.
    assert visits.exclude(citizen_phone="").exists()
    # The hall's roster: every working day, and the coming days too.
    today = timezone.localdate()
    assert DutyShift.objects.filter(date__gt=today).exists()
    assert DutyShift.objects.filter(date__lt=today).count() > 20
    assert CampaignSuggestion.objects.filter(adopted=True).exists()


def _consecutive(events: Iterable[CaseEvent]) -> Iterator[tuple[CaseEvent, CaseEvent]]:
    previous = None
    for event in events:
        if previous is not None and previous.case_id == event.case_id:
            yield previous, event
        previous = event


@pytest.mark.django_db
def test_it_refuses_a_database_that_already_has_units() -> None:
    build_demo_org(seed=3)
    with pytest.raises(Conflict):
        seed_demo(size=10, seed=1, months=1)
    with pytest.raises(CommandError):
        call_command("seed_demo", "--size", "10", stdout=StringIO())
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_the_report_counts_what_was_seeded() -> None:
    seen: list[int] = []
    report = seed_demo(size=60, seed=5, months=1, progress=lambda done, total, s: seen.append(done))
    assert report.cases == 60 == sum(report.by_channel.values()) == sum(report.by_kind.values())
    assert report.events == CaseEvent.objects.count() > 60
    assert report.by_state == {
        state: Case.objects.filter(state=state).count()
        for state in Case.objects.values_list("state", flat=True).distinct()
    }
    assert seen == [60] and report.elapsed > 0


def _told(seed: int) -> list[Any]:
    """Seed a small county at a pinned moment, read back its stories, and undo it all."""
    with transaction.atomic():
        with clock.travel_to(datetime(2025, 6, 18, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
            seed_demo(size=80, seed=seed, months=1)
        cases = list(
            Case.objects.order_by("accepted_at", "id").values_list(
                "accepted_at",
                "kind",
                "channel",
                "state",
                "title",
                "category__code",
                "lead_unit__code",
                "handling_due",
                "satisfaction",
                "reopen_count",
            )
        )
        events = list(
            CaseEvent.objects.order_by("case__accepted_at", "case_id", "seq").values_list(
                "kind", "created_at", "actor__username", "actor_unit__code", "to_state"
            )
        )
        transaction.set_rollback(True)
    return [cases, events]


@pytest.mark.django_db
def test_the_same_seed_tells_the_same_stories() -> None:
    first = _told(seed=9)
    assert len(first[0]) == 80 and len(first[1]) > 80
    assert _told(seed=9) == first
    assert _told(seed=10) != first


@pytest.mark.django_db
def test_a_year_of_history_looks_like_the_county() -> None:
    """About 99.7% of a year's items closed; the few overdue cases are recent; a case's title
    agrees with its kind; the hall desk has a roster and its directors."""
    seed_demo(size=1500, seed=4, months=13)
    now = clock.now()
    first = Case.objects.order_by("accepted_at").values_list("accepted_at", flat=True)[0]
    year = Case.objects.filter(accepted_at__lt=first + timedelta(days=365))
    unsettled = year.filter(state__in=list(OPEN_STATES)).count()
    assert unsettled / year.count() <= 0.01, unsettled

    late = CaseClock.objects.filter(
        stopped_at__isnull=True, due_at__lt=now, case__state__in=list(OPEN_STATES)
    )
    assert late.exists()  # a few, for the overdue pages to show
    assert late.values("case").distinct().count() <= 0.01 * Case.objects.count()
    oldest = late.order_by("due_at").values_list("due_at", flat=True)[0]
    calendar = get_calendar()
    behind = sum(
        calendar.is_workday(timezone.localdate(oldest) + timedelta(days=d))
        for d in range((now - oldest).days + 1)
    )
    assert behind <= 30, behind  # weeks, not the 200+ working days of a year-old case

    # Only a complaint's title reads "投诉…"; a praise thanks, a suggestion suggests.
    assert not Case.objects.exclude(kind=CaseKind.COMPLAINT).filter(title__startswith="投诉")
    assert Case.objects.filter(kind=CaseKind.COMPLAINT, title__startswith="投诉").exists()
    for case in Case.objects.filter(kind=CaseKind.PRAISE, channel=Channel.PORTAL)[:20]:
        assert any(w in to_simplified(case.title) for w in ("表扬", "感谢", "点赞")), case.title

    assert DutyShift.objects.exists()
    assert Case.objects.filter(channel=Channel.SURVEY).count() > 0.03 * Case.objects.count()
    _assert_field_channels_trace_back()


class Stop(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_seed_stopped_halfway_is_refused_with_what_to_do() -> None:
    def kill(done: int, total: int, seconds: float) -> None:
        raise Stop  # as if the process died after the first run of cases was committed

    with pytest.raises(Stop):
        seed_demo(size=450, seed=6, months=2, progress=kill)
    assert seed_state() == "unfinished"
    run = SeedRun.objects.get()
    assert run.cases_done == Case.objects.count() == 200 and run.finished_at is None

    units, events = Unit.objects.count(), CaseEvent.objects.count()
    for args in (("--if-empty",), ()):
        with pytest.raises(CommandError) as exc:
            call_command("seed_demo", *args, stdout=StringIO())
        message = str(exc.value)
        assert "中途停止" in message and "200 / 450" in message
        assert "删除" in message and "./dev demo" in message
    assert (Unit.objects.count(), CaseEvent.objects.count()) == (units, events)


@pytest.mark.django_db(transaction=True)
def test_a_seed_stopped_before_its_first_case_leaves_the_database_empty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def die(**kwargs: Any) -> Any:
        raise Stop  # the process dies while the county's set-up is still being written

    with monkeypatch.context() as patch:
        patch.setattr(intake, "campaign_create", die)
        with pytest.raises(Stop):
            seed_demo(size=50, seed=6, months=2)
    assert seed_state() == "empty"
    assert not SeedRun.objects.exists() and not Unit.objects.exists()
    out = StringIO()
    call_command("seed_demo", "--if-empty", "--size", "30", "--months", "1", stdout=out)
    assert Case.objects.count() == 30 and seed_state() == "finished"


@pytest.mark.django_db
def test_the_demo_hall_answers_its_bad_ratings() -> None:
    build_demo_org(seed=7)
    with clock.travel_to(STORY_NOW):
        assert seed_reviews(seed=3, per_window=12) > 0
    bad = Rating.objects.filter(level__lte=2, follows__isnull=True).select_related("rectification")
    states = {r.rectification.state for r in bad if r.rectification}
    # Most are put right and confirmed; a few are still being worked on.
    assert State.CLOSED in states
    assert Rating.objects.filter(follows__isnull=False).exists()
    # Only the last few days' rectifications still wait for the window.
    waiting = [r for r in bad if r.rectification and r.rectification.state == State.DISPATCHED]
    assert all(STORY_NOW - r.created_at <= FRESH for r in waiting)
    # Nothing happened after "now".
    assert not CaseEvent.objects.filter(created_at__gt=STORY_NOW).exists()
    assert not Rating.objects.filter(created_at__gt=STORY_NOW).exists()
    assert verify_ledger(stop_at_first=False).breaks == []
