"""Every write to the calendar tables.

Each service runs in one transaction, locks the row it changes, returns early when nothing
changes, leaves a ``CalendarChange`` and, when the working status of some date (or whether
a year is known) really changed, sends ``calendar_changed`` once the transaction commits,
so that the cases app recomputes open deadlines in those years.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction

from jishi.common.errors import InvalidInput
from jishi.orgs.models import User
from jishi.workdays.calendar import (
    chinese_calendar_covers,
    default_is_workday,
    statutory_holidays,
)
from jishi.workdays.models import CalendarChange, CalendarYear, HolidayOverride
from jishi.workdays.notice import parse_schedule
from jishi.workdays.selectors import invalidate_calendar
from jishi.workdays.signals import calendar_changed

logger = logging.getLogger(__name__)

_NAME_MAX = HolidayOverride._meta.get_field("name").max_length or 32
_NOTE_MAX = HolidayOverride._meta.get_field("note").max_length or 200


def _send_calendar_changed(sender: type, years: set[int]) -> int:
    """Tell the receivers; returns the sum of what they answered as counts (cases moved)."""
    # Receivers must see the committed rows, whatever order on-commit hooks run in.
    invalidate_calendar()
    # The change is committed whatever a receiver does; a failing receiver is logged
    # rather than turning a saved change into an error page.
    moved = 0
    for receiver, result in calendar_changed.send_robust(sender=sender, years=years):
        if isinstance(result, Exception):
            logger.error(
                "calendar_changed receiver %r failed for years %s",
                receiver,
                sorted(years),
                exc_info=result,
            )
        elif isinstance(result, int) and not isinstance(result, bool):
            moved += result
    return moved


def _announce(sender: type, years: set[int]) -> None:
    transaction.on_commit(partial(_send_calendar_changed, sender, set(years)))


def _base_is_workday(date: dt.date) -> bool:
    """``date``'s working status without its override row, as the calendar would count it."""
    complete = CalendarYear.objects.filter(year=date.year, complete=True).exists()
    return default_is_workday(date, complete=complete)


def _override_snapshot(row: HolidayOverride | None) -> dict[str, object]:
    if row is None:
        return {}
    return {"is_workday": row.is_workday, "name": row.name, "note": row.note}


def validate_override(*, date: object, name: str, note: str) -> dict[str, list[str]]:
    """Field errors for an override, in Chinese; shared with the admin form."""
    errors: dict[str, list[str]] = {}
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        errors["date"] = ["请填写日期"]
    if not name.strip():
        errors["name"] = ["请填写名称，如“春节”或“调休上班”"]
    elif len(name.strip()) > _NAME_MAX:
        errors["name"] = [f"名称不能超过 {_NAME_MAX} 个字"]
    if len(note.strip()) > _NOTE_MAX:
        errors["note"] = [f"备注不能超过 {_NOTE_MAX} 个字"]
    return errors


@transaction.atomic
def override_set(
    *,
    actor: User | None,
    date: dt.date,
    is_workday: bool,
    name: str,
    note: str = "",
) -> HolidayOverride:
    """Make ``date`` a working day or a day off, whatever the package says.

    Renaming or re-noting an entry is recorded but announces nothing: only a change in the
    date's effective working status sends ``calendar_changed``.
    """
    errors = validate_override(date=date, name=name, note=note)
    if errors:
        raise InvalidInput("节假日调整信息有误", errors=errors)
    name, note, is_workday = name.strip(), note.strip(), bool(is_workday)
    row = HolidayOverride.objects.select_for_update().filter(date=date).first()
    before = _override_snapshot(row)
    was_workday = row.is_workday if row is not None else _base_is_workday(date)
    if row is None:
        row = HolidayOverride(
            date=date,
            is_workday=is_workday,
            name=name,
            note=note,
            created_by=actor,
            updated_by=actor,
        )
        row.save()
    else:
        if (row.is_workday, row.name, row.note) == (is_workday, name, note):
            return row
        row.is_workday, row.name, row.note, row.updated_by = is_workday, name, note, actor
        row.save(update_fields=["is_workday", "name", "note", "updated_by", "updated_at"])
    CalendarChange.objects.create(
        actor=actor,
        action=CalendarChange.Action.OVERRIDE_SET,
        year=date.year,
        date=date,
        before=before,
        after=_override_snapshot(row),
    )
    if was_workday != is_workday:
        _announce(HolidayOverride, {date.year})
    return row


@transaction.atomic
def override_remove(*, actor: User | None, date: dt.date) -> bool:
    """Drop the county's entry for ``date``, so the package (or Monday–Friday) decides again.

    Returns whether there was an entry to remove.
    """
    row = HolidayOverride.objects.select_for_update().filter(date=date).first()
    if row is None:
        return False
    before = _override_snapshot(row)
    row.delete()
    CalendarChange.objects.create(
        actor=actor,
        action=CalendarChange.Action.OVERRIDE_REMOVE,
        year=date.year,
        date=date,
        before=before,
        after={},
    )
    if before["is_workday"] != _base_is_workday(date):
        _announce(HolidayOverride, {date.year})
    return True


def validate_year_complete(*, year: int, complete: bool) -> dict[str, list[str]]:
    """Field errors for marking ``year`` complete; shared with the admin form.

    Every real year has weekday holidays (春节 at least), so a year outside the package's
    range with no entries at all is almost certainly ticked by mistake: ticking it would
    silently turn Monday–Friday guesses into "official" deadlines.
    """
    errors: dict[str, list[str]] = {}
    if not 1900 <= year <= 2200:
        errors["year"] = ["年份应在 1900–2200 之间"]
    elif (
        complete
        and not chinese_calendar_covers(year)
        and not HolidayOverride.objects.filter(date__year=year, is_workday=False).exists()
    ):
        errors["complete"] = [
            f"{year}年还没有录入任何放假日期，不能标记为已完整录入；"
            "请先按国务院办公厅的放假通知录入节假日和调休上班日"
        ]
    return errors


@transaction.atomic
def calendar_year_mark_complete(
    *,
    actor: User | None,
    year: int,
    complete: bool,
    note: str | None = None,
) -> CalendarYear:
    """Record that ``year``'s official schedule is (or is no longer) fully entered.

    ``note=None`` leaves the note as it is. A year without a row gets one even when it is
    left incomplete (it records that someone is entering that year); only ticking or
    unticking ``complete`` announces a change.
    """
    errors = validate_year_complete(year=year, complete=complete)
    if errors:
        raise InvalidInput("日历年份信息有误", errors=errors)
    complete = bool(complete)
    row = CalendarYear.objects.select_for_update().filter(year=year).first()
    new_note = None if note is None else note.strip()
    if row is None:
        before: dict[str, object] = {}
        row = CalendarYear(year=year, complete=complete, note=new_note or "", updated_by=actor)
        row.save()
        was_complete = False
    else:
        if row.complete == complete and (new_note is None or new_note == row.note):
            return row
        before = {"complete": row.complete, "note": row.note}
        was_complete = row.complete
        row.complete = complete
        if new_note is not None:
            row.note = new_note
        row.updated_by = actor
        row.save(update_fields=["complete", "note", "updated_by", "updated_at"])
    CalendarChange.objects.create(
        actor=actor,
        action=CalendarChange.Action.YEAR_COMPLETE,
        year=year,
        before=before,
        after={"complete": row.complete, "note": row.note},
    )
    # For years the package covers the flag changes nothing: they are known either way.
    if was_complete != complete and not chinese_calendar_covers(year):
        _announce(CalendarYear, {year})
    return row


@dataclass
class ScheduleEntered:
    """What ``calendar_year_enter_schedule`` did to one year."""

    year: int
    days_off: int
    days_on: int
    added: list[dt.date] = field(default_factory=list)
    updated: list[dt.date] = field(default_factory=list)
    removed: list[dt.date] = field(default_factory=list)
    changed: bool = False
    # Cases whose deadline moved; filled in when the change commits (None until then).
    recomputed: int | None = None


def validate_schedule_year(year: int) -> dict[str, list[str]]:
    """Field errors for entering ``year``'s schedule in one step; shared with the page."""
    if not 1900 <= year <= 2200:
        return {"year": ["年份应在 1900–2200 之间"]}
    if chinese_calendar_covers(year):
        return {
            "year": [
                f"{year}年的官方放假安排已内置，无需录入；"
                "如需更正个别日期，请在后台“节假日调整”中修改"
            ]
        }
    return {}


@transaction.atomic
def calendar_year_enter_schedule(
    *, actor: User | None, year: int, text: str, note: str = ""
) -> ScheduleEntered:
    """Enter ``year``'s official schedule (holidays and make-up working days) in one step.

    ``text`` is the notice's table as ``notice.parse_schedule`` reads it. The year's
    override rows become exactly the table (rows it does not list are removed: a schedule
    marked complete must not keep a stale guess) and the year is marked complete. Every
    row written or removed leaves a ``CalendarChange``; ``calendar_changed`` is sent once,
    on commit, so each open deadline in the year is recomputed once, as one event. Any
    error in the table raises ``InvalidInput`` before anything is written.
    """
    errors = validate_schedule_year(year)
    if errors:
        raise InvalidInput("年份有误，未作任何修改", errors=errors)
    note = (note or "").strip()
    if len(note) > _NOTE_MAX:
        raise InvalidInput("备注过长", errors={"note": [f"备注不能超过 {_NOTE_MAX} 个字"]})
    days = parse_schedule(text, year=year)
    # A year marked complete must hold the whole notice: a table that leaves out a statutory
    # day (a line lost when pasting) would make that day a working day for good.
    off = {day.date for day in days if not day.is_workday}
    missing = [
        f"{d.month}月{d.day}日（{name}）"
        for d, name in sorted(statutory_holidays(year).items())
        if d not in off
    ]
    if missing:
        raise InvalidInput(
            f"{year}年放假安排不完整，未作任何修改",
            errors={
                "table": [
                    f"表中缺少法定节假日：{'、'.join(missing)}；"
                    "请粘贴完整的放假通知（各项安排都要有）"
                ]
            },
        )

    # The year row is the lock two admins entering the same year queue on.
    year_row = CalendarYear.objects.select_for_update().filter(year=year).first()
    existing = {
        row.date: row for row in HolidayOverride.objects.select_for_update().filter(date__year=year)
    }
    result = ScheduleEntered(
        year=year,
        days_off=sum(not day.is_workday for day in days),
        days_on=sum(day.is_workday for day in days),
    )
    wanted = {day.date for day in days}
    for day in days:
        row = existing.get(day.date)
        if row is not None and (row.is_workday, row.name, row.note) == (
            day.is_workday,
            day.name,
            note,
        ):
            continue
        before = _override_snapshot(row)
        if row is None:
            row = HolidayOverride(
                date=day.date,
                is_workday=day.is_workday,
                name=day.name,
                note=note,
                created_by=actor,
                updated_by=actor,
            )
            row.save()
            result.added.append(day.date)
        else:
            row.is_workday, row.name, row.note, row.updated_by = (
                day.is_workday,
                day.name,
                note,
                actor,
            )
            row.save(update_fields=["is_workday", "name", "note", "updated_by", "updated_at"])
            result.updated.append(day.date)
        CalendarChange.objects.create(
            actor=actor,
            action=CalendarChange.Action.OVERRIDE_SET,
            year=year,
            date=day.date,
            before=before,
            after=_override_snapshot(row),
        )
    for day_date, row in sorted(existing.items()):
        if day_date in wanted:
            continue
        before = _override_snapshot(row)
        row.delete()
        CalendarChange.objects.create(
            actor=actor,
            action=CalendarChange.Action.OVERRIDE_REMOVE,
            year=year,
            date=day_date,
            before=before,
            after={},
        )
        result.removed.append(day_date)

    year_note = note or "按放假通知录入"
    if year_row is None or not year_row.complete or year_row.note != year_note:
        before_year: dict[str, object] = (
            {} if year_row is None else {"complete": year_row.complete, "note": year_row.note}
        )
        if year_row is None:
            year_row = CalendarYear(year=year, complete=True, note=year_note, updated_by=actor)
            year_row.save()
        else:
            year_row.complete, year_row.note, year_row.updated_by = True, year_note, actor
            year_row.save(update_fields=["complete", "note", "updated_by", "updated_at"])
        CalendarChange.objects.create(
            actor=actor,
            action=CalendarChange.Action.YEAR_COMPLETE,
            year=year,
            before=before_year,
            after={"complete": True, "note": year_note},
        )
        result.changed = True
    result.changed = result.changed or bool(result.added or result.updated or result.removed)
    if result.changed:

        def recompute() -> None:
            result.recomputed = _send_calendar_changed(CalendarYear, {year})

        transaction.on_commit(recompute)
    return result


def calendar_recompute(*, years: set[int]) -> int:
    """Recompute the open deadlines touching ``years`` without changing the tables.

    For when the rules under the tables change: after an upgrade of ``chinesecalendar`` that
    brings a year's official schedule, or of the estimate, deadlines stored earlier still
    hold the old count until this runs. Returns the number of cases whose deadline moved.
    """
    return _send_calendar_changed(CalendarYear, set(years))
