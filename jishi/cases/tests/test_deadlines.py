"""Deadlines: which limit applies, working-day arithmetic at dispatch, and recomputation
when the calendar for an unknown year is entered."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jishi.cases import services
from jishi.cases.models import CaseClock, CaseEvent, CaseKind, Category, ClockKind, TimeLimit
from jishi.cases.tests import builders
from jishi.cases.timelimits import limits_for
from jishi.common import clock
from jishi.testing.fixtures import County
from jishi.workdays import services as workdays

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def test_most_specific_limit_wins(county: County) -> None:
    roads = Category.objects.create(code="roads", name="道路维修", owning_unit=county.transport)
    assert limits_for(roads, CaseKind.INQUIRY).handling_days == 3  # built-in default
    TimeLimit.objects.create(category=None, kind="", response_amount=2, handling_days=12)
    assert limits_for(roads, CaseKind.INQUIRY).handling_days == 12
    TimeLimit.objects.create(category=None, kind=CaseKind.INQUIRY, handling_days=4)
    assert limits_for(roads, CaseKind.INQUIRY).handling_days == 4
    TimeLimit.objects.create(category=roads, kind="", handling_days=10)
    assert limits_for(roads, CaseKind.INQUIRY).handling_days == 10
    TimeLimit.objects.create(
        category=roads,
        kind=CaseKind.INQUIRY,
        response_amount=4,
        response_unit="workhour",
        handling_days=2,
    )
    limits = limits_for(roads, CaseKind.INQUIRY)
    assert (limits.handling_days, limits.response_amount, limits.response_unit) == (
        2,
        4,
        "workhour",
    )
    assert limits.handling_rule == "办理 2个工作日（道路维修、咨询）"
    assert limits_for(None, CaseKind.REQUEST).handling_days == 12


def test_dispatch_counts_statutory_working_days(county: County, dispatcher) -> None:
    # Dispatched on Friday 26 Sep 2025: Sunday 28 Sep is a make-up working day, 1–8 Oct is
    # the National Day holiday, Saturday 11 Oct is a make-up working day.
    with clock.travel_to(at(2025, 9, 26, 10, 0)):
        inquiry = builders.accepted(county, kind=CaseKind.INQUIRY)
        inquiry = services.case_dispatch(actor=dispatcher, case=inquiry, lead_unit=county.chengguan)
        complaint = builders.accepted(county, kind=CaseKind.COMPLAINT)
        complaint = services.case_dispatch(
            actor=dispatcher, case=complaint, lead_unit=county.chengguan
        )
    assert inquiry.response_due is not None and inquiry.handling_due is not None
    # The start day does not count. 1 working day after Fri 26 Sep is Sun 28 Sep (调休上班);
    # 3 working days end on Tue 30 Sep.
    assert inquiry.response_due.astimezone(SHANGHAI) == at(2025, 9, 28, 17, 30)
    assert inquiry.handling_due.astimezone(SHANGHAI).date() == dt.date(2025, 9, 30)
    # 15 working days: 28, 29, 30 Sep; (1–8 Oct off) 9, 10, 11 (Sat, 调休), 13–17, 20–23 Oct.
    assert complaint.handling_due is not None
    assert complaint.handling_due.astimezone(SHANGHAI).date() == dt.date(2025, 10, 23)
    assert not inquiry.due_estimated
    event = CaseEvent.objects.get(case=inquiry, kind="dispatch")
    assert event.payload["clocks"]["handling"]["rule"] == "办理 3个工作日（咨询默认）"


def test_late_acknowledgement_is_recorded_late(county: County, dispatcher, township_handler):
    with clock.travel_to(at(2026, 3, 2, 9, 0)):
        case = builders.dispatched(county, dispatcher)
    with clock.travel_to(at(2026, 3, 5, 9, 0)):
        services.case_acknowledge(actor=township_handler, case=case)
    event = CaseEvent.objects.get(case=case, kind="acknowledge")
    assert event.payload["clocks"] == {"response": "late"}
    assert CaseClock.objects.get(case=case, kind=ClockKind.RESPONSE).outcome == "late"


def test_unknown_year_is_estimated_until_entered(
    county: County, dispatcher, django_capture_on_commit_callbacks
) -> None:
    with clock.travel_to(at(2026, 12, 24, 10, 0)):
        case = builders.dispatched(county, dispatcher)  # 15 working days: into 2027
    assert case.due_estimated
    estimated_due = case.handling_due
    # The county enters 2027's schedule: 1 Jan and 4–5 Jan off (say), and marks it complete.
    with django_capture_on_commit_callbacks(execute=True):
        workdays.override_set(actor=None, date=dt.date(2027, 1, 1), is_workday=False, name="元旦")
        workdays.override_set(actor=None, date=dt.date(2027, 1, 4), is_workday=False, name="元旦")
        workdays.calendar_year_mark_complete(actor=None, year=2027, complete=True)
    case.refresh_from_db()
    assert not case.due_estimated
    assert case.handling_due is not None and estimated_due is not None
    assert case.handling_due > estimated_due
    recompute = CaseEvent.objects.filter(case=case, kind="recompute_deadline").last()
    assert recompute is not None and recompute.actor_role == "system"
    assert recompute.payload["clocks"]["handling"]["estimated"] is False


def test_one_limit_row_per_category_and_kind(county: County) -> None:
    from django.db import IntegrityError, transaction

    roads = Category.objects.create(code="roads", name="道路维修", owning_unit=county.transport)
    TimeLimit.objects.create(category=None, kind=CaseKind.INQUIRY, handling_days=4)
    TimeLimit.objects.create(category=roads, kind=CaseKind.INQUIRY, handling_days=2)
    for category in (None, roads):
        with pytest.raises(IntegrityError), transaction.atomic():
            TimeLimit.objects.create(category=category, kind=CaseKind.INQUIRY, handling_days=9)


# A 2027 schedule in the notice's form (the real one is not published yet): Spring Festival
# off Friday 5 – Thursday 11 February, Saturday 20 February a make-up working day.
NOTICE_2027 = """\
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至11日（农历正月初六、周四）放假调休，共7天。2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）上班。
五、端午节：6月9日（周三）放假，共1天。
六、中秋节：9月15日（周三）放假，共1天。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
"""


def _ten_day_limit() -> None:
    TimeLimit.objects.create(category=None, kind=CaseKind.REQUEST, handling_days=10)


def test_estimated_2027_keeps_deadlines_out_of_spring_festival(county: County, dispatcher) -> None:
    _ten_day_limit()
    with clock.travel_to(at(2027, 1, 25, 10, 0)):  # Monday, before the estimated holiday
        case = builders.dispatched(county, dispatcher)
    assert case.due_estimated and case.handling_due is not None
    due = case.handling_due.astimezone(SHANGHAI)
    # 26–29 Jan, 1–4 Feb (8 days); the eve and days 1–3 (5–8 Feb) and the two weekdays
    # given for the festival's weekend days (9–10 Feb) are off; then 11 and 12 Feb.
    assert due == at(2027, 2, 12, 17, 30)
    assert not dt.date(2027, 2, 5) <= due.date() <= dt.date(2027, 2, 10)
    event = CaseEvent.objects.get(case=case, kind="dispatch")
    assert event.payload["clocks"]["handling"]["estimated"] is True


def test_entering_the_2027_notice_recomputes_open_cases_once(
    county: County, dispatcher, township_handler, django_capture_on_commit_callbacks
) -> None:
    _ten_day_limit()
    with clock.travel_to(at(2027, 1, 25, 10, 0)):
        open_case = builders.dispatched(county, dispatcher)
        done = builders.closed(county, dispatcher, township_handler)
    assert open_case.handling_due is not None
    estimated_due = open_case.handling_due
    with (
        clock.travel_to(at(2027, 1, 26, 9, 0)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = workdays.calendar_year_enter_schedule(
            actor=None, year=2027, text=NOTICE_2027, note="国办通知"
        )
    assert result.recomputed == 1
    open_case.refresh_from_db()
    assert not open_case.due_estimated
    assert open_case.handling_due is not None
    # Officially 5–11 Feb are off: 26 Jan – 4 Feb is 8 days, then 12 and 15 Feb.
    assert open_case.handling_due.astimezone(SHANGHAI) == at(2027, 2, 15, 17, 30)
    assert open_case.handling_due > estimated_due
    events = CaseEvent.objects.filter(case=open_case, kind="recompute_deadline")
    assert events.count() == 1
    event = events.get()
    assert event.actor_role == "system" and event.payload["years"] == [2027]
    assert event.payload["clocks"]["handling"]["estimated"] is False
    assert event.payload["clocks"]["handling"]["due"].startswith("2027-02-15T17:30")
    # A closed case keeps its history as it was.
    assert not CaseEvent.objects.filter(case=done, kind="recompute_deadline").exists()
    # Entering the same notice again moves nothing and writes no event.
    with django_capture_on_commit_callbacks(execute=True):
        again = workdays.calendar_year_enter_schedule(
            actor=None, year=2027, text=NOTICE_2027, note="国办通知"
        )
    assert not again.changed
    assert CaseEvent.objects.filter(kind="recompute_deadline").count() == 1


def test_a_bad_2027_table_leaves_open_deadlines_alone(
    county: County, dispatcher, django_capture_on_commit_callbacks
) -> None:
    from jishi.common.errors import InvalidInput

    _ten_day_limit()
    with clock.travel_to(at(2027, 1, 25, 10, 0)):
        case = builders.dispatched(county, dispatcher)
    before = (case.handling_due, case.due_estimated, case.version)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidInput):
        workdays.calendar_year_enter_schedule(
            actor=None, year=2027, text=NOTICE_2027 + "2月9日（周二）上班。\n"
        )
    case.refresh_from_db()
    assert (case.handling_due, case.due_estimated, case.version) == before
    assert not CaseEvent.objects.filter(case=case, kind="recompute_deadline").exists()


def test_deadlines_stored_before_the_estimate_are_recounted_on_request(
    county: County, dispatcher
) -> None:
    from io import StringIO

    from django.core.management import call_command

    _ten_day_limit()
    with clock.travel_to(at(2027, 1, 25, 10, 0)):
        case = builders.dispatched(county, dispatcher)
    # As an earlier release stored it: bare Monday–Friday, due on 8 February (春节).
    CaseClock.objects.filter(case=case, kind=ClockKind.HANDLING).update(
        due_at=at(2027, 2, 8, 17, 30)
    )
    out = StringIO()
    with clock.travel_to(at(2027, 1, 26, 9, 0)):
        call_command("workdays_recompute", "2027", stdout=out)
    assert "已重新计算期限的事项：1 件" in out.getvalue()
    clock_row = CaseClock.objects.get(case=case, kind=ClockKind.HANDLING)
    assert clock_row.due_at == at(2027, 2, 12, 17, 30) and clock_row.estimated
    event = CaseEvent.objects.get(case=case, kind="recompute_deadline")
    assert event.payload["clocks"]["handling"]["from"].startswith("2027-02-08")
    # Nothing else moves, so a second run writes nothing.
    call_command("workdays_recompute", "2027", stdout=out)
    assert CaseEvent.objects.filter(case=case, kind="recompute_deadline").count() == 1
