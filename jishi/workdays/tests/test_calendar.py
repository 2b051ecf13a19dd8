"""Deadline arithmetic against the real statutory calendar (no database, no mocks)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from jishi.workdays.calendar import (
    Calendar,
    Deadline,
    WorkingHours,
    WorkingHoursError,
    chinese_calendar_covers,
    chinese_calendar_day_name,
    default_is_workday,
)

SH = ZoneInfo("Asia/Shanghai")
HOURS = WorkingHours.parse("08:30-12:00,14:30-17:30")


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def close(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 17, 30, tzinfo=SH)


@pytest.fixture
def cal() -> Calendar:
    return Calendar({}, HOURS, SH)


# --- working hours ---------------------------------------------------------------------------


class TestWorkingHours:
    def test_default_setting(self, settings) -> None:
        settings.JISHI_WORKING_HOURS = "08:30-12:00,14:30-17:30"
        hours = WorkingHours.from_settings()
        assert hours.periods == ((time(8, 30), time(12)), (time(14, 30), time(17, 30)))
        assert hours.seconds_per_day == int(6.5 * 3600)
        assert str(hours) == "08:30-12:00,14:30-17:30"

    def test_unsorted_periods_full_width_comma_and_spaces(self) -> None:
        hours = WorkingHours.parse(" 14:00 - 18:00，9:00-12:00 ")
        assert str(hours) == "09:00-12:00,14:00-18:00"

    def test_adjacent_periods_are_allowed(self) -> None:
        assert WorkingHours.parse("08:00-12:00,12:00-13:00").seconds_per_day == 5 * 3600

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("", "不能为空"),
            (" , ", "不能为空"),
            ("08:30", "格式有误"),
            ("08:30-12:00;14:30-17:30", "格式有误"),
            ("8.30-12", "格式有误"),
            ("08:30-24:00", "时间无效"),
            ("08:60-12:00", "时间无效"),
            ("12:00-08:30", "开始时间须早于结束时间"),
            ("09:00-09:00", "开始时间须早于结束时间"),
            ("08:00-12:00,11:30-13:00", "重叠"),
            ("08:00-18:00,09:00-10:00", "重叠"),
        ],
    )
    def test_malformed(self, text: str, message: str) -> None:
        with pytest.raises(WorkingHoursError, match=message):
            WorkingHours.parse(text)

    def test_malformed_setting_fails_the_system_check(self, settings) -> None:
        from jishi.workdays.checks import check_working_hours

        settings.JISHI_WORKING_HOURS = "08:30-12:00,11:00-17:30"
        [error] = check_working_hours()
        assert error.id == "workdays.E001"
        assert "重叠" in error.msg


# --- days ------------------------------------------------------------------------------------


class TestDays:
    def test_every_covered_day_agrees_with_the_package(self, cal: Calendar) -> None:
        import chinese_calendar

        day = date(2004, 1, 1)
        while chinese_calendar_covers(day.year):
            assert cal.is_workday(day) == chinese_calendar.is_workday(day), day
            assert default_is_workday(day) == chinese_calendar.is_workday(day), day
            day += timedelta(days=1)
        assert day == date(2027, 1, 1)

    def test_package_range(self) -> None:
        assert chinese_calendar_covers(2004) and chinese_calendar_covers(2026)
        assert not chinese_calendar_covers(2003) and not chinese_calendar_covers(2027)

    def test_national_day_2025(self, cal: Calendar) -> None:
        for day in range(1, 9):
            assert not cal.is_workday(date(2025, 10, day)), day
        assert cal.is_workday(date(2025, 9, 28))  # Sunday, make-up working day
        assert cal.is_workday(date(2025, 10, 11))  # Saturday, make-up working day
        assert cal.is_workday(date(2025, 10, 9))
        assert not cal.is_workday(date(2025, 10, 12))
        assert chinese_calendar_day_name(date(2025, 10, 1)) == "国庆节"
        assert chinese_calendar_day_name(date(2025, 10, 11)) == "国庆节"
        assert chinese_calendar_day_name(date(2025, 10, 13)) is None

    def test_spring_festival_2026(self, cal: Calendar) -> None:
        # 2026: off Sun 15 Feb – Mon 23 Feb; Saturdays 14 Feb and 28 Feb are working days.
        for day in range(15, 24):
            assert not cal.is_workday(date(2026, 2, day)), day
        assert cal.is_workday(date(2026, 2, 14))
        assert cal.is_workday(date(2026, 2, 28))
        assert cal.is_workday(date(2026, 2, 24))
        assert chinese_calendar_day_name(date(2026, 2, 17)) == "春节"

    def test_unknown_year_falls_back_to_monday_to_friday(self, cal: Calendar) -> None:
        assert cal.is_known(date(2026, 12, 31))
        assert not cal.is_known(date(2027, 1, 1))
        assert not cal.is_known(date(2003, 12, 31))
        # Not known, but estimated: Friday 1 January is New Year's Day by statute.
        assert not cal.is_workday(date(2027, 1, 1))
        assert cal.is_workday(date(2027, 1, 4))
        assert not cal.is_workday(date(2027, 1, 2))
        assert not default_is_workday(date(2027, 1, 1))
        # A year the county marked complete takes no day off that its table does not list.
        assert default_is_workday(date(2027, 1, 1), complete=True)
        assert not default_is_workday(date(2025, 10, 1))

    def test_overrides_win_and_complete_years_are_known(self) -> None:
        overrides = {date(2027, 1, 1): False, date(2027, 1, 2): True, date(2025, 10, 9): False}
        cal = Calendar(overrides, HOURS, SH)
        assert not cal.is_workday(date(2027, 1, 1))
        assert cal.is_workday(date(2027, 1, 2))
        assert not cal.is_workday(date(2025, 10, 9))  # a correction in a known year
        assert not cal.is_known(date(2027, 6, 1))
        assert Calendar(overrides, HOURS, SH, known_years={2027}).is_known(date(2027, 6, 1))

    def test_overrides_are_snapshotted(self) -> None:
        overrides = {date(2027, 1, 1): False}
        cal = Calendar(overrides, HOURS, "Asia/Shanghai")
        overrides[date(2027, 1, 1)] = True
        assert not cal.is_workday(date(2027, 1, 1))

    def test_aware_datetime_counts_by_local_date(self, cal: Calendar) -> None:
        # 30 Sep 17:00 UTC is 1 Oct 01:00 in Shanghai: a holiday.
        assert not cal.is_workday(datetime(2025, 9, 30, 17, tzinfo=UTC))
        assert cal.is_workday(datetime(2025, 9, 30, 15, tzinfo=UTC))

    def test_workdays_between(self, cal: Calendar) -> None:
        assert cal.workdays_between(date(2025, 9, 30), date(2025, 9, 30)) == 0
        assert cal.workdays_between(date(2025, 9, 30), date(2025, 10, 8)) == 0
        assert cal.workdays_between(date(2025, 9, 30), date(2025, 10, 9)) == 1
        assert cal.workdays_between(date(2025, 9, 30), date(2025, 10, 11)) == 3
        assert cal.workdays_between(date(2025, 10, 11), date(2025, 9, 30)) == -3
        assert cal.workdays_between(date(2025, 9, 27), date(2025, 9, 28)) == 1
        # Across a year boundary into the estimated year: Thu 31 Dec 2026 → Mon 4 Jan 2027
        # (Friday 1 January is New Year's Day).
        assert cal.workdays_between(date(2026, 12, 30), date(2027, 1, 4)) == 2
        # A full year of the package's data (2025 has 248 working days).
        assert cal.workdays_between(date(2024, 12, 31), date(2025, 12, 31)) == 248


# --- day-based deadlines ----------------------------------------------------------------------


class TestAddWorkdays:
    def test_across_national_day_2025(self, cal: Calendar) -> None:
        start = at(2025, 9, 30)
        assert cal.add_workdays(start, 1).due == close(2025, 10, 9)
        assert cal.add_workdays(start, 2).due == close(2025, 10, 10)
        assert cal.add_workdays(start, 3).due == close(2025, 10, 11)  # make-up Saturday
        assert cal.add_workdays(start, 4).due == close(2025, 10, 13)

    def test_start_day_is_not_counted_whatever_the_hour(self, cal: Calendar) -> None:
        for hh, mm in [(0, 1), (8, 0), (17, 29), (23, 59)]:
            assert cal.add_workdays(at(2025, 9, 23, hh, mm), 1).due == close(2025, 9, 24)

    def test_saturday_start_reaches_the_make_up_sunday(self, cal: Calendar) -> None:
        assert cal.add_workdays(at(2025, 9, 27), 1).due == close(2025, 9, 28)

    def test_holiday_start(self, cal: Calendar) -> None:
        assert cal.add_workdays(at(2025, 10, 3), 1).due == close(2025, 10, 9)

    def test_zero_days(self, cal: Calendar) -> None:
        assert cal.add_workdays(at(2025, 9, 30, 9), 0).due == close(2025, 9, 30)
        assert cal.add_workdays(at(2025, 10, 3), 0).due == close(2025, 10, 9)
        # After hours the same-day close is already past: documented, the caller decides.
        late = at(2025, 9, 30, 20)
        assert cal.add_workdays(late, 0).due < late
        assert cal.add_workdays(cal.next_working_instant(late), 0).due == close(2025, 10, 9)

    def test_spring_festival_2026(self, cal: Calendar) -> None:
        start = at(2026, 2, 13, 16)  # Friday before the holiday
        assert cal.add_workdays(start, 1).due == close(2026, 2, 14)  # make-up Saturday
        assert cal.add_workdays(start, 2).due == close(2026, 2, 24)
        assert cal.add_workdays(start, 6).due == close(2026, 2, 28)  # make-up Saturday
        assert cal.add_workdays(start, 7).due == close(2026, 3, 2)
        deadline = cal.add_workdays(at(2026, 2, 10), 15)
        assert deadline == Deadline(due=close(2026, 3, 9), estimated=False, rule="15个工作日")

    def test_start_in_another_time_zone_counts_from_the_local_date(self, cal: Calendar) -> None:
        # Fri 10 Oct 17:00 UTC is Sat 11 Oct 01:00 in Shanghai, a make-up working day, which
        # is then the (uncounted) start day.
        deadline = cal.add_workdays(datetime(2025, 10, 10, 17, tzinfo=UTC), 1)
        assert deadline.due == close(2025, 10, 13)
        assert deadline.due.tzinfo == SH

    def test_year_boundary_into_unknown_year_is_estimated(self, cal: Calendar) -> None:
        last_known = cal.add_workdays(at(2026, 12, 30), 1)
        assert last_known.due == close(2026, 12, 31)
        assert not last_known.estimated
        into_2027 = cal.add_workdays(at(2026, 12, 31), 1)
        assert into_2027.due == close(2027, 1, 4)  # the estimate keeps 1 January off
        assert into_2027.estimated
        assert cal.add_workdays(at(2026, 12, 31), 2).due == close(2027, 1, 5)

    def test_override_changes_result_and_complete_year_ends_estimate(self) -> None:
        overrides = {date(2027, 1, 1): False}
        entered = Calendar(overrides, HOURS, SH)
        deadline = entered.add_workdays(at(2026, 12, 31), 1)
        assert deadline.due == close(2027, 1, 4)
        assert deadline.estimated
        complete = Calendar(overrides, HOURS, SH, known_years={2027})
        deadline = complete.add_workdays(at(2026, 12, 31), 1)
        assert deadline.due == close(2027, 1, 4)
        assert not deadline.estimated
        # A complete year counts only what its table lists: 1 January off, 4 January on,
        # whatever the estimate said.
        assert complete.is_workday(date(2027, 2, 9)) and not entered.is_workday(date(2027, 2, 9))
        # And a make-up Saturday entered for 2027 pulls the deadline earlier.
        weekend_on = Calendar({**overrides, date(2027, 1, 2): True}, HOURS, SH)
        assert weekend_on.add_workdays(at(2026, 12, 31), 1).due == close(2027, 1, 2)

    def test_correction_in_a_known_year(self) -> None:
        cal = Calendar({date(2025, 10, 9): False}, HOURS, SH)
        deadline = cal.add_workdays(at(2025, 9, 30), 1)
        assert deadline.due == close(2025, 10, 10)
        assert not deadline.estimated

    def test_close_follows_working_hours(self) -> None:
        cal = Calendar({}, WorkingHours.parse("09:00-12:00,13:00-18:00"), SH)
        assert cal.add_workdays(at(2025, 9, 30), 1).due == datetime(2025, 10, 9, 18, tzinfo=SH)

    def test_rejects_bad_input(self, cal: Calendar) -> None:
        with pytest.raises(ValueError, match="不能为负数"):
            cal.add_workdays(at(2025, 9, 30), -1)
        with pytest.raises(TypeError):
            cal.add_workdays(at(2025, 9, 30), True)
        with pytest.raises(ValueError, match="时区"):
            cal.add_workdays(datetime(2025, 9, 30, 10), 1)

    def test_memoised_answers_are_equal_to_fresh_ones(self, cal: Calendar) -> None:
        first = cal.add_workdays(at(2025, 9, 30, 9), 5)
        again = cal.add_workdays(at(2025, 9, 30, 16), 5)
        assert again == first == Calendar({}, HOURS, SH).add_workdays(at(2025, 9, 30), 5)


# --- hour-based deadlines ----------------------------------------------------------------------


class TestAddWorkingHours:
    def test_across_lunch_break(self, cal: Calendar) -> None:
        assert cal.add_working_hours(at(2025, 9, 23, 11), 2).due == at(2025, 9, 23, 15, 30)

    def test_ending_exactly_at_a_break_stays_there(self, cal: Calendar) -> None:
        assert cal.add_working_hours(at(2025, 9, 23, 10), 2).due == at(2025, 9, 23, 12)
        assert cal.add_working_hours(at(2025, 9, 23, 8, 30), 6.5).due == close(2025, 9, 23)

    def test_start_during_lunch(self, cal: Calendar) -> None:
        assert cal.add_working_hours(at(2025, 9, 23, 12, 30), 1).due == at(2025, 9, 23, 15, 30)

    def test_across_the_evening(self, cal: Calendar) -> None:
        assert cal.add_working_hours(at(2025, 9, 23, 16, 30), 2).due == at(2025, 9, 24, 9, 30)

    def test_start_in_the_evening(self, cal: Calendar) -> None:
        assert cal.add_working_hours(at(2025, 9, 23, 20), 1).due == at(2025, 9, 24, 9, 30)

    def test_across_a_weekend(self, cal: Calendar) -> None:
        assert cal.add_working_hours(at(2025, 9, 19, 17), 1).due == at(2025, 9, 22, 9)

    def test_make_up_sunday_counts(self, cal: Calendar) -> None:
        assert cal.add_working_hours(at(2025, 9, 26, 17), 1).due == at(2025, 9, 28, 9)

    def test_across_a_holiday(self, cal: Calendar) -> None:
        deadline = cal.add_working_hours(at(2025, 9, 30, 16), 3)
        assert deadline == Deadline(due=at(2025, 10, 9, 10), estimated=False, rule="3个工作小时")

    def test_more_than_a_day(self, cal: Calendar) -> None:
        assert cal.add_working_hours(at(2025, 9, 22, 8, 30), 8).due == at(2025, 9, 23, 10)
        # 24 working hours from Monday morning: 6.5 × 3 = 19.5, then 4.5 on Thursday.
        assert cal.add_working_hours(at(2025, 9, 22, 8, 30), 24).due == at(2025, 9, 25, 15, 30)

    def test_zero_hours(self, cal: Calendar) -> None:
        assert cal.add_working_hours(at(2025, 9, 23, 10), 0).due == at(2025, 9, 23, 10)
        assert cal.add_working_hours(at(2025, 9, 23, 18), 0).due == at(2025, 9, 24, 8, 30)

    def test_fractions_and_rule_text(self, cal: Calendar) -> None:
        start = at(2025, 9, 23, 9)
        assert cal.add_working_hours(start, Decimal("1.5")).rule == "1.5个工作小时"
        assert cal.add_working_hours(start, 0.5).due == at(2025, 9, 23, 9, 30)
        assert cal.add_working_hours(start, 8.0).rule == "8个工作小时"
        assert cal.add_working_hours(start, Decimal("2.50")).rule == "2.5个工作小时"
        assert cal.add_working_hours(start, 0.1).due == start + timedelta(minutes=6)

    def test_microseconds_are_kept(self, cal: Calendar) -> None:
        start = datetime(2025, 9, 23, 9, 0, 0, 500_000, tzinfo=SH)
        assert cal.add_working_hours(start, 1).due == start + timedelta(hours=1)

    def test_into_unknown_year_is_estimated(self, cal: Calendar) -> None:
        assert not cal.add_working_hours(at(2026, 12, 31, 9), 2).estimated
        deadline = cal.add_working_hours(at(2026, 12, 31, 16), 8)
        assert deadline.estimated
        assert deadline.due == close(2027, 1, 4)  # 1.5 h on 31 Dec, 6.5 h on Mon 4 Jan

    def test_rejects_bad_input(self, cal: Calendar) -> None:
        for bad in (-1, float("nan"), float("inf"), Decimal("-0.5")):
            with pytest.raises(ValueError):
                cal.add_working_hours(at(2025, 9, 23), bad)


class TestInstants:
    def test_next_working_instant(self, cal: Calendar) -> None:
        assert cal.next_working_instant(at(2025, 9, 23, 10)) == at(2025, 9, 23, 10)
        assert cal.next_working_instant(at(2025, 9, 23, 7)) == at(2025, 9, 23, 8, 30)
        assert cal.next_working_instant(at(2025, 9, 23, 12)) == at(2025, 9, 23, 12)
        assert cal.next_working_instant(at(2025, 9, 23, 12, 1)) == at(2025, 9, 23, 14, 30)
        assert cal.next_working_instant(at(2025, 9, 23, 17, 31)) == at(2025, 9, 24, 8, 30)
        assert cal.next_working_instant(at(2025, 9, 30, 18)) == at(2025, 10, 9, 8, 30)
        utc = cal.next_working_instant(datetime(2025, 9, 23, 2, tzinfo=UTC))
        assert utc == at(2025, 9, 23, 10) and utc.tzinfo == SH

    def test_working_seconds_between(self, cal: Calendar) -> None:
        assert cal.working_seconds_between(at(2025, 9, 23, 11), at(2025, 9, 23, 15)) == 5400
        assert cal.working_seconds_between(at(2025, 9, 23, 12), at(2025, 9, 23, 14, 30)) == 0
        assert cal.working_seconds_between(at(2025, 9, 30, 16), at(2025, 10, 9, 10)) == 3 * 3600
        assert cal.working_seconds_between(at(2025, 10, 9, 10), at(2025, 9, 30, 16)) == -3 * 3600
        week = cal.working_seconds_between(at(2025, 9, 22, 0), at(2025, 9, 29, 0))
        assert week == 6 * 23400  # Mon–Fri plus the make-up Sunday
        assert cal.working_seconds_between(at(2025, 10, 2), at(2025, 10, 5)) == 0


# --- properties --------------------------------------------------------------------------------

_HOURS_CHOICES = [HOURS, WorkingHours.parse("09:00-17:00"), WorkingHours.parse("00:00-23:59")]
_OVERRIDES = {date(2027, 1, 1): False, date(2027, 2, 6): True, date(2025, 10, 9): False}
_TZS = [SH, UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")]

# Built once and shared, so examples exercise warm per-year caches like production does.
calendars = st.sampled_from(
    [
        Calendar(overrides, hours, SH, known_years=known)
        for overrides in ({}, _OVERRIDES)
        for hours in _HOURS_CHOICES
        for known in ((), (2027,))
    ]
)
starts = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(2004, 1, 2), max_value=datetime(2028, 12, 30)),
    st.sampled_from(_TZS),
)
# Quarter-minute steps up to ~60 working days: exact in seconds, and crossing many days.
hour_amounts = st.integers(min_value=0, max_value=60 * 8 * 240).map(lambda q: Decimal(q) / 240)

prop = settings(max_examples=200, deadline=None)


@prop
@given(cal=calendars, start=starts, n=st.integers(min_value=1, max_value=400))
def test_adding_then_counting_back_round_trips(cal: Calendar, start: datetime, n: int) -> None:
    due = cal.add_workdays(start, n).due
    assert cal.workdays_between(start.astimezone(SH).date(), due.date()) == n
    assert cal.workdays_between(start, due) == n


@prop
@given(cal=calendars, start=starts)
def test_zero_days_counts_back_to_zero_on_a_working_day(cal: Calendar, start: datetime) -> None:
    local_day = start.astimezone(SH).date()
    due = cal.add_workdays(start, 0).due
    expected = 0 if cal.is_workday(local_day) else 1
    assert cal.workdays_between(local_day, due.date()) == expected


@prop
@given(
    cal=calendars,
    start=starts,
    n=st.integers(min_value=0, max_value=300),
    k=st.integers(min_value=0, max_value=300),
)
def test_day_deadlines_never_move_backwards(cal: Calendar, start: datetime, n: int, k: int) -> None:
    earlier, later = cal.add_workdays(start, n).due, cal.add_workdays(start, n + k).due
    assert earlier <= later
    if n >= 1 and k >= 1:
        assert earlier < later


@prop
@given(cal=calendars, start=starts, a=hour_amounts, b=hour_amounts)
def test_hour_deadlines_never_move_backwards(
    cal: Calendar, start: datetime, a: Decimal, b: Decimal
) -> None:
    low, high = sorted([a, b])
    assert cal.add_working_hours(start, low).due <= cal.add_working_hours(start, high).due


@prop
@given(cal=calendars, first=starts, second=starts, amount=hour_amounts)
def test_later_start_never_gives_earlier_deadline(
    cal: Calendar, first: datetime, second: datetime, amount: Decimal
) -> None:
    early, late = sorted([first, second])
    assert cal.add_working_hours(early, amount).due <= cal.add_working_hours(late, amount).due
    assert cal.add_workdays(early, 3).due <= cal.add_workdays(late, 3).due


@prop
@given(cal=calendars, start=starts, n=st.integers(min_value=0, max_value=300), h=hour_amounts)
def test_deadline_is_always_a_working_instant(
    cal: Calendar, start: datetime, n: int, h: Decimal
) -> None:
    by_days = cal.add_workdays(start, n).due
    by_hours = cal.add_working_hours(start, h).due
    assert cal.is_working_instant(by_days)
    assert cal.is_working_instant(by_hours)
    assert by_days.tzinfo == SH and by_hours.tzinfo == SH


@prop
@given(cal=calendars, start=starts, h=hour_amounts)
def test_working_time_to_the_deadline_is_the_limit(
    cal: Calendar, start: datetime, h: Decimal
) -> None:
    due = cal.add_working_hours(start, h).due
    seconds = int((h * 3600).to_integral_value())
    assert cal.working_seconds_between(start, due) == seconds
    assert cal.working_seconds_between(due, start) == -seconds


@prop
@given(cal=calendars, t=starts)
def test_next_working_instant_is_the_nearest(cal: Calendar, t: datetime) -> None:
    nxt = cal.next_working_instant(t)
    assert nxt >= t
    assert cal.is_working_instant(nxt)
    assert cal.working_seconds_between(t, nxt) == 0
    if cal.is_working_instant(t):
        assert nxt == t


@prop
@given(cal=calendars, start=starts, n=st.integers(min_value=0, max_value=300))
def test_estimated_exactly_when_an_unknown_year_is_touched(
    cal: Calendar, start: datetime, n: int
) -> None:
    deadline = cal.add_workdays(start, n)
    first = start.astimezone(SH).date() + timedelta(days=1 if n else 0)
    years = range(first.year, deadline.due.year + 1)
    assume(first <= deadline.due.date())
    assert deadline.estimated == any(not cal.is_known(date(y, 6, 1)) for y in years)
