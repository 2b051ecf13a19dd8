"""The process-wide calendar cache: built once, dropped on change, never poisoned by rollbacks.

These tests commit for real (``transaction=True``) where the difference between "written"
and "committed" is the point.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import F

from jishi.workdays import selectors
from jishi.workdays.models import CalendarRevision, CalendarYear, HolidayOverride
from jishi.workdays.selectors import get_calendar, invalidate_calendar
from jishi.workdays.services import calendar_year_mark_complete, override_set

SH = ZoneInfo("Asia/Shanghai")
# A Monday that the 2027 estimate counts as a working day (1 January is off already).
DAY_2027 = date(2027, 1, 4)


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    invalidate_calendar()
    yield
    invalidate_calendar()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    """Move this process's monotonic clock forward, as if seconds had passed."""
    now = [1_000_000.0]
    monkeypatch.setattr(selectors.time, "monotonic", lambda: now[0])

    def advance(seconds: float) -> None:
        now[0] += seconds

    return advance


def another_process_enters(day: date, *, is_workday: bool) -> None:
    """What another worker's commit looks like from here: rows and a bumped revision,
    without any of this process's signal receivers running."""
    HolidayOverride.objects.bulk_create(
        [HolidayOverride(date=day, is_workday=is_workday, name="x")]
    )
    updated = CalendarRevision.objects.filter(pk=1).update(number=F("number") + 1)
    if not updated:
        CalendarRevision.objects.create(pk=1, number=1)


@pytest.mark.django_db
class TestCache:
    def test_built_from_the_database(self) -> None:
        HolidayOverride.objects.create(date=DAY_2027, is_workday=False, name="元旦")
        CalendarYear.objects.create(year=2027, complete=True)
        HolidayOverride.objects.create(date=date(2028, 1, 3), is_workday=False, name="元旦")
        CalendarYear.objects.create(year=2028, complete=False)
        calendar = get_calendar()
        assert not calendar.is_workday(DAY_2027)
        assert calendar.is_known(DAY_2027)
        assert not calendar.is_workday(date(2028, 1, 3))
        assert not calendar.is_known(date(2028, 1, 3))
        assert calendar.tz == SH
        assert str(calendar.hours) == "08:30-12:00,14:30-17:30"

    def test_cached_without_queries(self, django_assert_num_queries: Any) -> None:
        first = get_calendar()
        with django_assert_num_queries(0):
            assert get_calendar() is first

    def test_rechecks_with_one_query_and_keeps_an_unchanged_calendar(
        self, clock: Callable[[float], None], django_assert_num_queries: Any
    ) -> None:
        first = get_calendar()
        clock(selectors.RECHECK_SECONDS + 0.1)
        with django_assert_num_queries(1):
            assert get_calendar() is first

    def test_setting_change_invalidates(self, settings: Any) -> None:
        first = get_calendar()
        settings.JISHI_WORKING_HOURS = "09:00-17:00"
        second = get_calendar()
        assert second is not first
        assert str(second.hours) == "09:00-17:00"


@pytest.mark.django_db(transaction=True)
class TestInvalidation:
    def test_a_service_change_is_seen_at_once(self) -> None:
        stale = get_calendar()
        assert stale.is_workday(DAY_2027)
        override_set(actor=None, date=DAY_2027, is_workday=False, name="元旦")
        fresh = get_calendar()
        assert fresh is not stale
        assert not fresh.is_workday(DAY_2027)
        assert get_calendar() is fresh  # and cached again after the commit

    def test_plain_orm_saves_and_deletes_are_seen_too(self) -> None:
        assert get_calendar().is_workday(DAY_2027)
        row = HolidayOverride.objects.create(date=DAY_2027, is_workday=False, name="元旦")
        assert not get_calendar().is_workday(DAY_2027)
        row.delete()
        assert get_calendar().is_workday(DAY_2027)
        year = CalendarYear.objects.create(year=2027, complete=True)
        assert get_calendar().is_known(DAY_2027)
        year.complete = False
        year.save()
        assert not get_calendar().is_known(DAY_2027)

    def test_each_change_bumps_the_revision(self) -> None:
        override_set(actor=None, date=DAY_2027, is_workday=False, name="元旦")
        override_set(actor=None, date=date(2027, 2, 6), is_workday=True, name="调休上班")
        calendar_year_mark_complete(actor=None, year=2027, complete=True)
        assert CalendarRevision.objects.get(pk=1).number == 3

    def test_another_process_is_seen_after_the_recheck_interval(
        self, clock: Callable[[float], None]
    ) -> None:
        stale = get_calendar()
        another_process_enters(DAY_2027, is_workday=False)
        # Within the interval this process may still answer from its copy …
        assert get_calendar() is stale
        clock(selectors.RECHECK_SECONDS + 0.1)
        # … and after it, the revision tells it to rebuild.
        fresh = get_calendar()
        assert fresh is not stale
        assert not fresh.is_workday(DAY_2027)

    def test_rolled_back_writes_are_never_cached(self) -> None:
        assert get_calendar().is_workday(DAY_2027)
        with transaction.atomic():
            override_set(actor=None, date=DAY_2027, is_workday=False, name="元旦")
            inside = get_calendar()
            # The writing transaction sees its own change …
            assert not inside.is_workday(DAY_2027)
            transaction.set_rollback(True)
        # … but nobody sees it once it rolled back, not even within the recheck interval.
        after = get_calendar()
        assert after is not inside
        assert after.is_workday(DAY_2027)
        assert get_calendar() is after

    def test_failed_transaction_leaves_no_trace(self) -> None:
        get_calendar()
        with pytest.raises(RuntimeError), transaction.atomic():
            override_set(actor=None, date=DAY_2027, is_workday=False, name="元旦")
            assert not get_calendar().is_workday(DAY_2027)
            raise RuntimeError("a later step failed")
        assert not HolidayOverride.objects.exists()
        assert get_calendar().is_workday(DAY_2027)

    def test_deadline_on_the_hot_path_reflects_the_table(self) -> None:
        start = datetime(2026, 12, 31, 10, tzinfo=SH)
        assert get_calendar().add_workdays(start, 1).due.date() == DAY_2027
        override_set(actor=None, date=DAY_2027, is_workday=False, name="元旦")
        assert get_calendar().add_workdays(start, 1).due.date() == date(2027, 1, 5)
