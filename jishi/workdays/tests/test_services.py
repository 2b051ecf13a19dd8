"""Writes to the calendar tables: validation, no-op detection, audit trail, announcements."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from jishi.common.errors import InvalidInput
from jishi.orgs.models import User
from jishi.testing.fixtures import make_person
from jishi.workdays.models import CalendarChange, CalendarYear, HolidayOverride
from jishi.workdays.selectors import get_calendar
from jishi.workdays.services import (
    calendar_year_mark_complete,
    override_remove,
    override_set,
)
from jishi.workdays.signals import calendar_changed

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
# A Monday: the package does not know 2027, and its estimate (which already takes 1 January
# off) counts this day as a working day.
DAY_2027 = date(2027, 1, 4)


@pytest.fixture
def admin_user(db: None) -> User:
    return make_person("calendar_admin")


@pytest.fixture
def announced() -> Iterator[list[tuple[Any, set[int]]]]:
    seen: list[tuple[Any, set[int]]] = []

    def receiver(sender: Any, years: set[int], **kwargs: Any) -> None:
        seen.append((sender, years))

    calendar_changed.connect(receiver, dispatch_uid="test-workdays-announced")
    yield seen
    calendar_changed.disconnect(dispatch_uid="test-workdays-announced")


Committing = Callable[..., Any]


class TestOverrideSet:
    def test_creates_records_and_announces_on_commit(
        self, admin_user: User, announced: list, django_capture_on_commit_callbacks: Committing
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            row = override_set(
                actor=admin_user, date=DAY_2027, is_workday=False, name=" 元旦 ", note="x"
            )
            assert announced == []  # nothing before the commit
        assert (row.date, row.is_workday, row.name, row.note) == (DAY_2027, False, "元旦", "x")
        assert row.created_by == admin_user and row.updated_by == admin_user
        assert announced == [(HolidayOverride, {2027})]
        change = CalendarChange.objects.get()
        assert change.action == CalendarChange.Action.OVERRIDE_SET
        assert (change.actor, change.year, change.date) == (admin_user, 2027, DAY_2027)
        assert change.before == {}
        assert change.after == {"is_workday": False, "name": "元旦", "note": "x"}

    def test_same_values_change_nothing(
        self, admin_user: User, announced: list, django_capture_on_commit_callbacks: Committing
    ) -> None:
        first = override_set(actor=admin_user, date=DAY_2027, is_workday=False, name="元旦")
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            again = override_set(actor=None, date=DAY_2027, is_workday=False, name="元旦")
        assert again.pk == first.pk and again.updated_by == admin_user
        assert callbacks == [] and announced == []
        assert CalendarChange.objects.count() == 1

    def test_renaming_is_recorded_but_not_announced(
        self, admin_user: User, announced: list, django_capture_on_commit_callbacks: Committing
    ) -> None:
        override_set(actor=admin_user, date=DAY_2027, is_workday=False, name="元旦")
        with django_capture_on_commit_callbacks(execute=True):
            row = override_set(actor=admin_user, date=DAY_2027, is_workday=False, name="元旦节")
        assert row.name == "元旦节"
        assert announced == []
        latest = CalendarChange.objects.first()
        assert latest is not None and latest.before["name"] == "元旦"

    def test_flipping_is_announced(
        self, admin_user: User, announced: list, django_capture_on_commit_callbacks: Committing
    ) -> None:
        override_set(actor=admin_user, date=date(2027, 2, 6), is_workday=True, name="调休上班")
        with django_capture_on_commit_callbacks(execute=True):
            override_set(actor=admin_user, date=date(2027, 2, 6), is_workday=False, name="春节")
        assert announced == [(HolidayOverride, {2027})]
        assert not HolidayOverride.objects.get(date=date(2027, 2, 6)).is_workday

    def test_entry_equal_to_the_default_is_kept_but_not_announced(
        self, admin_user: User, announced: list, django_capture_on_commit_callbacks: Committing
    ) -> None:
        # 1 Oct 2025 is already a holiday in the package; a Saturday in 2027 already off.
        with django_capture_on_commit_callbacks(execute=True):
            override_set(actor=admin_user, date=date(2025, 10, 1), is_workday=False, name="国庆节")
            override_set(actor=admin_user, date=date(2027, 1, 2), is_workday=False, name="元旦")
        assert HolidayOverride.objects.count() == 2
        assert announced == []

    def test_correction_in_a_known_year_is_announced(
        self, admin_user: User, announced: list, django_capture_on_commit_callbacks: Committing
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            override_set(actor=admin_user, date=date(2025, 10, 9), is_workday=False, name="更正")
        assert announced == [(HolidayOverride, {2025})]
        start = datetime(2025, 9, 30, 10, tzinfo=SH)
        assert get_calendar().add_workdays(start, 1).due == datetime(
            2025, 10, 10, 17, 30, tzinfo=SH
        )

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [
            ({"name": "  "}, "name"),
            ({"name": "节" * 33}, "name"),
            ({"note": "备" * 201}, "note"),
            ({"date": datetime(2027, 1, 1, tzinfo=SH)}, "date"),
        ],
    )
    def test_invalid_input(self, admin_user: User, kwargs: dict, field: str) -> None:
        arguments = {"date": DAY_2027, "is_workday": False, "name": "元旦", **kwargs}
        with pytest.raises(InvalidInput) as raised:
            override_set(actor=admin_user, **arguments)
        assert field in raised.value.errors
        assert HolidayOverride.objects.count() == 0


class TestOverrideRemove:
    def test_removes_records_and_announces(
        self, admin_user: User, announced: list, django_capture_on_commit_callbacks: Committing
    ) -> None:
        override_set(actor=admin_user, date=DAY_2027, is_workday=False, name="元旦")
        with django_capture_on_commit_callbacks(execute=True):
            assert override_remove(actor=admin_user, date=DAY_2027) is True
        assert not HolidayOverride.objects.exists()
        assert announced == [(HolidayOverride, {2027})]
        latest = CalendarChange.objects.first()
        assert latest is not None and latest.action == CalendarChange.Action.OVERRIDE_REMOVE
        assert latest.before == {"is_workday": False, "name": "元旦", "note": ""}

    def test_missing_entry_changes_nothing(
        self, admin_user: User, announced: list, django_capture_on_commit_callbacks: Committing
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            assert override_remove(actor=admin_user, date=DAY_2027) is False
        assert callbacks == [] and announced == []
        assert not CalendarChange.objects.exists()


class TestCalendarYearMarkComplete:
    def test_refuses_an_empty_unknown_year(self, admin_user: User) -> None:
        with pytest.raises(InvalidInput) as raised:
            calendar_year_mark_complete(actor=admin_user, year=2027, complete=True)
        assert "complete" in raised.value.errors
        assert "2027年" in raised.value.errors["complete"][0]
        assert not CalendarYear.objects.exists()

    def test_refuses_out_of_range_year(self, admin_user: User) -> None:
        with pytest.raises(InvalidInput) as raised:
            calendar_year_mark_complete(actor=admin_user, year=1800, complete=False)
        assert "year" in raised.value.errors

    def test_entering_a_year_end_to_end(
        self, admin_user: User, announced: list, django_capture_on_commit_callbacks: Committing
    ) -> None:
        """The admin's path for a new year: enter the days, then tick the year complete."""
        start = datetime(2026, 12, 31, 10, tzinfo=SH)
        before = get_calendar().add_workdays(start, 1)
        # The estimate already takes New Year's Day (Friday 1 January) off.
        assert before.due == datetime(2027, 1, 4, 17, 30, tzinfo=SH) and before.estimated

        with django_capture_on_commit_callbacks(execute=True):
            override_set(actor=admin_user, date=DAY_2027, is_workday=False, name="元旦")
            # Already off in the estimate, so not announced; but a complete year needs it.
            override_set(actor=admin_user, date=date(2027, 1, 1), is_workday=False, name="元旦")
        entered = get_calendar().add_workdays(start, 1)
        assert entered.due == datetime(2027, 1, 5, 17, 30, tzinfo=SH) and entered.estimated

        with django_capture_on_commit_callbacks(execute=True):
            row = calendar_year_mark_complete(
                actor=admin_user, year=2027, complete=True, note="国办发明电〔2026〕X号"
            )
        assert row.complete and row.note == "国办发明电〔2026〕X号" and row.updated_by == admin_user
        known = get_calendar().add_workdays(start, 1)
        assert known.due == datetime(2027, 1, 5, 17, 30, tzinfo=SH)
        assert not known.estimated
        assert announced == [(HolidayOverride, {2027}), (CalendarYear, {2027})]
        change = CalendarChange.objects.first()
        assert change is not None and change.action == CalendarChange.Action.YEAR_COMPLETE

        # Ticking again changes nothing; unticking brings the estimate back.
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            calendar_year_mark_complete(actor=admin_user, year=2027, complete=True)
        assert callbacks == []
        with django_capture_on_commit_callbacks(execute=True):
            calendar_year_mark_complete(actor=admin_user, year=2027, complete=False)
        assert announced[-1] == (CalendarYear, {2027})
        assert get_calendar().add_workdays(start, 1).estimated

    def test_note_only_is_recorded_not_announced(
        self, admin_user: User, announced: list, django_capture_on_commit_callbacks: Committing
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            row = calendar_year_mark_complete(
                actor=admin_user, year=2028, complete=False, note="等待通知"
            )
            row = calendar_year_mark_complete(
                actor=admin_user, year=2028, complete=False, note="已发通知"
            )
        assert (row.complete, row.note) == (False, "已发通知")
        assert announced == []
        assert CalendarChange.objects.filter(year=2028).count() == 2

    def test_package_years_are_known_either_way(
        self, admin_user: User, announced: list, django_capture_on_commit_callbacks: Committing
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            row = calendar_year_mark_complete(actor=admin_user, year=2025, complete=True)
        assert row.complete
        assert announced == []

    def test_receiver_failure_does_not_undo_the_change(
        self,
        admin_user: User,
        django_capture_on_commit_callbacks: Committing,
        caplog: pytest.LogCaptureFixture,
    ) -> None:
        def broken(**kwargs: Any) -> None:
            raise RuntimeError("boom")

        calendar_changed.connect(broken, dispatch_uid="test-workdays-broken")
        try:
            with django_capture_on_commit_callbacks(execute=True):
                override_set(actor=admin_user, date=DAY_2027, is_workday=False, name="元旦")
        finally:
            calendar_changed.disconnect(dispatch_uid="test-workdays-broken")
        assert HolidayOverride.objects.filter(date=DAY_2027).exists()
        assert "calendar_changed receiver" in caplog.text
