"""The county's calendar, built from the database once and shared by the whole process.

Deadline arithmetic sits on the intake hot path, so ``get_calendar()`` must not query the
override table each time. The process keeps one ``Calendar`` and learns about changes in
two ways:

* in this process, the ``post_save``/``post_delete`` receivers below drop it at once (and
  again when the transaction commits);
* from other processes (other web workers, the task worker), through ``CalendarRevision``:
  every change bumps that one integer in the same transaction, and a process compares it
  with the number its calendar was built from at most every ``RECHECK_SECONDS``. A counter
  bumped under a row lock commits in order, unlike ``max(updated_at)`` (clock skew between
  machines) or ``max(id)`` (ids are handed out before commit, so a lower id can commit
  later); and it sees deletions, which neither of those does.

A calendar built while this thread's own uncommitted calendar writes are pending is used
but never cached: if that transaction rolls back, nobody else may see what it wrote.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from jishi.orgs.access import has_role
from jishi.orgs.models import Role, User
from jishi.workdays.calendar import (
    Calendar,
    WorkingHours,
    chinese_calendar_covers,
    chinese_calendar_day_name,
    estimated_holidays,
)
from jishi.workdays.models import CalendarRevision, CalendarYear, HolidayOverride

# How stale another process's change may be here. Short enough that an admin who enters a
# holiday sees every worker agree within moments; long enough that the check (one primary-key
# read) is negligible next to the requests it serves.
RECHECK_SECONDS = 5.0


@dataclass
class _Cached:
    calendar: Calendar
    revision: int
    checked_at: float


_lock = threading.Lock()
_cached: _Cached | None = None
_local = threading.local()


def _current_revision() -> int:
    number = CalendarRevision.objects.filter(pk=1).values_list("number", flat=True).first()
    return number or 0


def _build() -> Calendar:
    overrides = dict(HolidayOverride.objects.values_list("date", "is_workday"))
    known_years = CalendarYear.objects.filter(complete=True).values_list("year", flat=True)
    return Calendar(
        overrides,
        WorkingHours.from_settings(),
        ZoneInfo(settings.TIME_ZONE),
        known_years=known_years,
    )


def _pending_own_write() -> bool:
    """True while this thread has calendar writes in a transaction that is still open."""
    pending = getattr(_local, "pending", None)
    if pending is None:
        return False
    using, outermost = pending
    connection = connections[using]
    if connection.in_atomic_block and connection.atomic_blocks[0] is outermost:
        return True
    # The transaction ended without running our on-commit hook, so it rolled back; what
    # was built meanwhile may hold rows that never existed.
    _local.pending = None
    invalidate_calendar()
    return False


def get_calendar() -> Calendar:
    """The county's calendar: package data, overrides and complete years, working hours.

    Cheap: a dictionary read almost always, one primary-key query every few seconds.
    """
    global _cached
    if _pending_own_write():
        return _build()
    cached = _cached
    now = time.monotonic()
    if cached is not None and now - cached.checked_at < RECHECK_SECONDS:
        return cached.calendar
    with _lock:
        # The revision is read *before* the rows: a change committing in between leaves a
        # calendar with new rows under an old number, which the next check rebuilds. The
        # other order could cache old rows under the new number for good.
        revision = _current_revision()
        cached = _cached
        if cached is not None and cached.revision == revision:
            cached.checked_at = now
            return cached.calendar
        calendar = _build()
        _cached = _Cached(calendar, revision, now)
        return calendar


def invalidate_calendar() -> None:
    """Forget this process's calendar; the next ``get_calendar()`` rebuilds it."""
    global _cached
    _cached = None


def _committed() -> None:
    _local.pending = None
    invalidate_calendar()


def _bump_revision(using: str) -> None:
    revisions = CalendarRevision.objects.using(using)
    if not revisions.filter(pk=1).update(number=F("number") + 1):
        # First change ever (or a flushed test database): get_or_create copes with a
        # concurrent first change by falling back to a read.
        revisions.get_or_create(pk=1)
        revisions.filter(pk=1).update(number=F("number") + 1)


def _calendar_rows_changed(sender: Any, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    _bump_revision(using)
    connection = connections[using]
    if connection.in_atomic_block:
        _local.pending = (using, connection.atomic_blocks[0])
        transaction.on_commit(_committed, using=using)
    invalidate_calendar()


for _model in (HolidayOverride, CalendarYear):
    post_save.connect(_calendar_rows_changed, sender=_model, dispatch_uid=f"workdays-{_model}")
    post_delete.connect(
        _calendar_rows_changed, sender=_model, dispatch_uid=f"workdays-del-{_model}"
    )


@receiver(setting_changed, dispatch_uid="workdays-setting-changed")
def _settings_changed(setting: str, **kwargs: Any) -> None:
    if setting in {"JISHI_WORKING_HOURS", "TIME_ZONE"}:
        invalidate_calendar()


def may_administer_calendar(user: User | Any) -> bool:
    """Who may enter a year's schedule on the console: superusers and active admin posts."""
    return has_role(user, Role.ADMIN)


@dataclass(frozen=True)
class YearStatus:
    """Where a year's working days come from, for the calendar page."""

    year: int
    source: str  # "package" | "entered" | "estimated"
    days_off: int  # override rows that are days off
    days_on: int  # override rows that are working days


def calendar_year_status(year: int) -> YearStatus:
    if chinese_calendar_covers(year):
        source = "package"
    elif CalendarYear.objects.filter(year=year, complete=True).exists():
        source = "entered"
    else:
        source = "estimated"
    rows = HolidayOverride.objects.filter(date__year=year)
    return YearStatus(
        year=year,
        source=source,
        days_off=rows.filter(is_workday=False).count(),
        days_on=rows.filter(is_workday=True).count(),
    )


def calendar_year_days(year: int) -> list[tuple[date, bool, str, str]]:
    """The days of ``year`` off on a weekday or on at a weekend, with their name and source
    ("package", "table" or "estimate"), as the calendar now counts them."""
    calendar = get_calendar()
    overrides = {row.date: row for row in HolidayOverride.objects.filter(date__year=year)}
    first = date(year, 1, 1)
    estimate = {} if calendar.is_known(first) else estimated_holidays(year)
    out = []
    day = first
    while day.year == year:
        working = calendar.is_workday(day)
        if working != (day.weekday() < 5):
            row = overrides.get(day)
            if row is not None:
                out.append((day, working, row.name, "table"))
            elif day in estimate:
                out.append((day, working, estimate[day], "estimate"))
            else:
                out.append((day, working, chinese_calendar_day_name(day) or "", "package"))
        day += timedelta(days=1)
    return out
