"""Statutory working days and working hours, as pure arithmetic (no database).

A ``Calendar`` answers "is this a working day" from three sources, in order: the county's
override table (admin-entered holidays and make-up days), the ``chinese_calendar`` package
(official schedules 2004–2026 in the pinned version), and an estimate for any year neither
knows: Monday–Friday less the statutory holidays, whose dates follow from the lunar calendar
(``estimated_holidays``). Deadlines that touch an estimated year are marked *estimated*, so
the cases app can recompute them once the year's official schedule is entered.

Counting follows the Civil Code (民法典 art. 201): the day on which the clock starts is not
counted, and a deadline ends at the close of its last working day (the end of the last
working period, e.g. 17:30). Hour-based limits walk the working periods of working days.

Internally a day is an ordinal (``date.toordinal()``) and a time of day is microseconds
since local midnight, so the hot path is integer arithmetic and ``bisect`` on one sorted
list of working-day ordinals per year, built once per year and kept on the instance.
"""

from __future__ import annotations

import operator
import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, cached_property, lru_cache
from itertools import pairwise
from typing import NamedTuple
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings

__all__ = [
    "Calendar",
    "Deadline",
    "WorkingHours",
    "WorkingHoursError",
    "chinese_calendar_covers",
    "chinese_calendar_day_name",
    "default_is_workday",
    "estimated_holidays",
    "statutory_holidays",
]

_US_PER_SECOND = 1_000_000
_US_PER_MINUTE = 60 * _US_PER_SECOND
_US_PER_HOUR = 60 * _US_PER_MINUTE
_MAX_YEAR = date.max.year
# Per-day flags in ``Calendar._days``.
_WORKDAY = 1
_KNOWN = 2
# Bound on memoised day-based deadlines per calendar (a few MB at most).
_MEMO_LIMIT = 50_000

# chinese_calendar names its holidays in English; the county reads them in Chinese.
_HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


@cache
def chinese_calendar_covers(year: int) -> bool:
    """True when the installed ``chinese_calendar`` has the official schedule of ``year``.

    Asked of the package itself rather than hard-coded, so upgrading the pin extends the
    known range without a code change.
    """
    if not 1 <= year <= _MAX_YEAR:
        return False
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def chinese_calendar_day_name(d: date) -> str | None:
    """The Chinese name of the holiday or make-up day ``d`` belongs to, per the package."""
    if not chinese_calendar_covers(d.year):
        return None
    _, name = chinese_calendar.get_holiday_detail(d)
    if name is None:
        return None
    return _HOLIDAY_NAMES_ZH.get(str(name), str(name))


def _package_is_workday(d: date) -> bool:
    # chinese_calendar.is_workday's own rule, read from the tables it exports: the function
    # re-validates the year range on every call (~100 µs), which made building one year of
    # the calendar take ~40 ms. Callers check chinese_calendar_covers() first; a test
    # compares this with the function for every covered day, so an upgrade cannot drift.
    return d in chinese_calendar.workdays or (
        d.weekday() < 5 and d not in chinese_calendar.holidays
    )


# The ``holidays`` package's English names (its Chinese ones cost ~0.5 s of gettext loading
# per process), most specific first: "Chinese New Year's Eve" must not read as 元旦.
_ESTIMATED_NAMES_ZH = (
    ("Chinese New Year", "春节"),
    ("New Year's Day", "元旦"),
    ("Tomb-Sweeping", "清明节"),
    ("Labor Day", "劳动节"),
    ("Dragon Boat", "端午节"),
    ("Mid-Autumn", "中秋节"),
    ("National Day", "国庆节"),
)


def _estimated_name_zh(name: str) -> str:
    first = name.split(";")[0].strip()
    for english, chinese in _ESTIMATED_NAMES_ZH:
        if english in first:
            return f"{chinese}补假" if "(observed" in first else chinese
    return first


@cache
def estimated_holidays(year: int) -> Mapping[date, str]:
    """The days off a year's official schedule will certainly contain, before it is published.

    The statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision, in force since 2025:
    13 days — 元旦 1, 春节 4 from the eve, 清明 1, 劳动节 2, 端午 1, 中秋 1, 国庆 3), dated from
    the lunar calendar by the ``holidays`` package, plus the substitute weekday off that the
    same rules (art. 6) give for a holiday falling on a Saturday or Sunday (named “…补假”).
    Make-up working days (调休) cannot be foreseen and are left out, so an estimated year has
    the right number of working days with some of them possibly on the wrong side of a holiday.
    """
    if not 1 <= year <= _MAX_YEAR:
        return {}
    # Imported here: only years beyond chinese_calendar need it, and it takes ~0.3 s.
    from holidays.countries.china import China  # noqa: PLC0415

    return {day: _estimated_name_zh(str(name)) for day, name in China(years=year).items()}


def statutory_holidays(year: int) -> Mapping[date, str]:
    """The statutory days alone (no substitutes): every official schedule gives them off."""
    return {d: name for d, name in estimated_holidays(year).items() if not name.endswith("补假")}


def _estimated_is_workday(d: date) -> bool:
    return d.weekday() < 5 and d not in estimated_holidays(d.year)


def default_is_workday(d: date, *, complete: bool = False) -> bool:
    """Whether ``d`` is a working day before any county override: the package's answer for
    the years it covers; for other years Monday–Friday, less the statutory holidays unless
    the county marked the year ``complete`` (its override table then holds every day off)."""
    if chinese_calendar_covers(d.year):
        return _package_is_workday(d)
    if complete:
        return d.weekday() < 5
    return _estimated_is_workday(d)


class WorkingHoursError(ValueError):
    """``JISHI_WORKING_HOURS`` (or another working-hours string) cannot be used."""


_PERIOD_RE = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def _us_of(t: time) -> int:
    return (t.hour * 60 + t.minute) * _US_PER_MINUTE + t.second * _US_PER_SECOND + t.microsecond


@dataclass(frozen=True)
class WorkingHours:
    """The working periods of every working day, e.g. 08:30–12:00 and 14:30–17:30.

    Periods are closed intervals: 12:00 and 17:30 are still working instants, so a limit
    that runs out exactly at the lunch break or the close of day ends there rather than at
    the start of the next period.
    """

    periods: tuple[tuple[time, time], ...]

    def __post_init__(self) -> None:
        if not self.periods:
            raise WorkingHoursError("工作时间不能为空，至少需要一个时间段，例如 08:30-17:30")
        for start, end in self.periods:
            if start >= end:
                raise WorkingHoursError(
                    f"工作时间段 {start:%H:%M}-{end:%H:%M} 的开始时间须早于结束时间"
                )
        ordered = sorted(self.periods)
        for (s1, e1), (s2, e2) in pairwise(ordered):
            if s2 < e1:
                raise WorkingHoursError(
                    f"工作时间段 {s1:%H:%M}-{e1:%H:%M} 与 {s2:%H:%M}-{e2:%H:%M} 重叠"
                )
        # Sorted once here so every walk over the periods can assume order.
        object.__setattr__(self, "periods", tuple(ordered))

    @classmethod
    def parse(cls, text: str) -> WorkingHours:
        """Parse ``"08:30-12:00,14:30-17:30"`` (full-width commas are accepted too)."""
        parts = [p.strip() for p in re.split(r"[,，]", text or "")]
        parts = [p for p in parts if p]
        if not parts:
            raise WorkingHoursError("工作时间不能为空，格式如 08:30-12:00,14:30-17:30")
        periods = []
        for part in parts:
            match = _PERIOD_RE.match(part)
            if not match:
                raise WorkingHoursError(
                    f"工作时间段“{part}”格式有误，应为 HH:MM-HH:MM，例如 08:30-12:00"
                )
            h1, m1, h2, m2 = (int(g) for g in match.groups())
            if not (0 <= h1 <= 23 and 0 <= h2 <= 23 and 0 <= m1 <= 59 and 0 <= m2 <= 59):
                raise WorkingHoursError(f"工作时间段“{part}”中的时间无效（小时 00–23，分钟 00–59）")
            periods.append((time(h1, m1), time(h2, m2)))
        return cls(tuple(periods))

    @classmethod
    def from_settings(cls) -> WorkingHours:
        """The county's working hours from ``settings.JISHI_WORKING_HOURS``."""
        return cls.parse(getattr(settings, "JISHI_WORKING_HOURS", "08:30-12:00,14:30-17:30"))

    @cached_property
    def spans(self) -> tuple[tuple[int, int], ...]:
        """The periods as (start, end) microseconds since local midnight."""
        return tuple((_us_of(s), _us_of(e)) for s, e in self.periods)

    @cached_property
    def seconds_per_day(self) -> int:
        return sum(e - s for s, e in self.spans) // _US_PER_SECOND

    def __str__(self) -> str:
        return ",".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in self.periods)


@dataclass(frozen=True)
class Deadline:
    """When a limit runs out.

    ``due`` is aware, in the calendar's time zone. ``estimated`` is True when any day the
    computation looked at lies in a year whose official schedule is unknown (counted
    Monday–Friday less the statutory holidays instead). ``rule`` says in Chinese how it was
    counted, e.g. "15个工作日";
    callers may prepend their own text with ``dataclasses.replace``.
    """

    due: datetime
    estimated: bool
    rule: str


class _Year(NamedTuple):
    workdays: list[int]  # sorted ordinals of the year's working days
    known: bool


@lru_cache(maxsize=1024)
def _hours_to_us(hours: float | Decimal | int) -> int:
    # Cached: callers use a handful of limits (2, 4, 8, 24 h …) over and over.
    if isinstance(hours, bool):
        raise TypeError("工作小时数必须是数字")
    # str() first so that 0.1 h is 360 s exactly, not 359.999… s.
    amount = Decimal(str(hours)) if isinstance(hours, float) else Decimal(hours)
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"工作小时数必须是非负的有限数，收到：{hours}")
    return int((amount * _US_PER_HOUR).to_integral_value(rounding=ROUND_HALF_UP))


@lru_cache(maxsize=1024)
def _format_hours(hours: float | Decimal | int) -> str:
    amount = Decimal(str(hours)) if isinstance(hours, float) else Decimal(hours)
    return format(amount.normalize(), "f")


class Calendar:
    """Working days and working instants of one county, from an immutable snapshot.

    ``overrides`` maps dates to "is a working day" and wins over everything else;
    ``known_years`` are years whose official schedule the override table holds completely
    (an admin ticked ``CalendarYear.complete``). A year is *known* if ``chinese_calendar``
    covers it or it is in ``known_years``; any other year falls back to Monday–Friday less
    its statutory holidays (plus whatever single overrides exist) and makes deadlines that
    touch it *estimated*.

    Instances are safe to share between threads: the only mutable state is caches that are
    filled idempotently with complete values.
    """

    def __init__(
        self,
        overrides: Mapping[date, bool],
        hours: WorkingHours,
        tz: tzinfo | str,
        *,
        known_years: Iterable[int] = (),
    ) -> None:
        # Copied so that a caller mutating its dict cannot desynchronise the year cache.
        self._overrides: dict[date, bool] = {
            (d.date() if isinstance(d, datetime) else d): bool(v) for d, v in overrides.items()
        }
        self.hours = hours
        self.tz: tzinfo = ZoneInfo(tz) if isinstance(tz, str) else tz
        self.known_years: frozenset[int] = frozenset(known_years)
        self._years: dict[int, _Year] = {}
        # ordinal -> _WORKDAY | _KNOWN bits: the per-date cache the hot path reads.
        self._days: dict[int, int] = {}
        self._by_day: dict[tuple[int, int], Deadline] = {}
        self._spans = hours.spans
        self._day_us = sum(e - s for s, e in self._spans)
        self._day_end_us = self._spans[-1][1]

    @classmethod
    def from_settings(
        cls, overrides: Mapping[date, bool] | None = None, *, known_years: Iterable[int] = ()
    ) -> Calendar:
        """A calendar with the configured working hours and time zone."""
        return cls(
            overrides or {},
            WorkingHours.from_settings(),
            ZoneInfo(settings.TIME_ZONE),
            known_years=known_years,
        )

    def __repr__(self) -> str:
        return (
            f"<Calendar {self.hours} {self.tz} overrides={len(self._overrides)}"
            f" known_years={sorted(self.known_years)}>"
        )

    @property
    def overrides(self) -> Mapping[date, bool]:
        return dict(self._overrides)

    # --- days -----------------------------------------------------------------------------

    def _year(self, year: int) -> _Year:
        cached = self._years.get(year)
        if cached is not None:
            return cached
        by_package = chinese_calendar_covers(year)
        known = by_package or year in self.known_years
        base = _KNOWN if known else 0
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        workdays = []
        flags = {}
        for ordinal in range(first, last + 1):
            d = date.fromordinal(ordinal)
            working = self._overrides.get(d)
            if working is None:
                if by_package:
                    working = _package_is_workday(d)
                elif known:
                    # The county entered the whole schedule: no guess may add to it.
                    working = d.weekday() < 5
                else:
                    working = _estimated_is_workday(d)
            if working:
                workdays.append(ordinal)
            flags[ordinal] = (base | _WORKDAY) if working else base
        built = _Year(workdays, known)
        # Published only when complete (one update, then the year), so a thread reading
        # concurrently sees either nothing (and builds the year itself) or final values.
        self._days.update(flags)
        self._years[year] = built
        return built

    def _flags(self, ordinal: int) -> int:
        flags = self._days.get(ordinal)
        if flags is None:
            self._year(date.fromordinal(ordinal).year)
            flags = self._days[ordinal]
        return flags

    def is_workday(self, d: date) -> bool:
        """Whether ``d`` is a statutory working day (an aware datetime counts by local date)."""
        if isinstance(d, datetime):
            d = self._local(d).date()
        return bool(self._flags(d.toordinal()) & _WORKDAY)

    def is_known(self, d: date) -> bool:
        """False when ``d``'s year is known neither to the package nor as complete in the
        override table, i.e. ``is_workday`` is an estimate there."""
        if isinstance(d, datetime):
            d = self._local(d).date()
        return chinese_calendar_covers(d.year) or d.year in self.known_years

    def _is_workday_o(self, ordinal: int) -> bool:
        return bool(self._flags(ordinal) & _WORKDAY)

    def _nth_workday_after(self, ordinal: int, n: int) -> int:
        """The ordinal of the ``n``-th (n ≥ 1) working day strictly after ``ordinal``."""
        year = date.fromordinal(ordinal).year
        while True:
            workdays = self._year(year).workdays
            i = bisect_right(workdays, ordinal)
            available = len(workdays) - i
            if n <= available:
                return workdays[i + n - 1]
            n -= available
            year += 1
            if year > _MAX_YEAR:
                raise OverflowError("期限超出可计算的日期范围")

    def _count_workdays(self, after: int, upto: int) -> int:
        """Working days in (after, upto], ordinals, ``after <= upto``."""
        total = 0
        for year in range(date.fromordinal(after).year, date.fromordinal(upto).year + 1):
            workdays = self._year(year).workdays
            total += bisect_right(workdays, upto) - bisect_right(workdays, after)
        return total

    def _estimated(self, first: int, last: int) -> bool:
        """Whether any day in [first, last] lies in an unknown year."""
        if last - first < 366:
            # At most two calendar years are spanned, and each end lies in one of them.
            return not (self._flags(first) & self._flags(last) & _KNOWN)
        return any(
            not self._year(year).known
            for year in range(date.fromordinal(first).year, date.fromordinal(last).year + 1)
        )

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; negative (−count in (b, a]) when b is before a.

        This is the inverse of ``add_workdays`` for n ≥ 1:
        ``workdays_between(start_local_date, add_workdays(start, n).due.date()) == n``.
        Aware datetimes are taken by their local date.
        """
        if isinstance(a, datetime):
            a = self._local(a).date()
        if isinstance(b, datetime):
            b = self._local(b).date()
        oa, ob = a.toordinal(), b.toordinal()
        if ob < oa:
            return -self._count_workdays(ob, oa)
        return self._count_workdays(oa, ob)

    # --- instants -------------------------------------------------------------------------

    def _local(self, t: datetime) -> datetime:
        if not isinstance(t, datetime):
            raise TypeError(f"需要 datetime，收到 {type(t).__name__}")
        if t.tzinfo is None or t.utcoffset() is None:
            raise ValueError("时间必须带时区（aware datetime），不能使用无时区的时间")
        return t.astimezone(self.tz)

    @staticmethod
    def _split(local: datetime) -> tuple[int, int]:
        return local.toordinal(), (
            (local.hour * 60 + local.minute) * _US_PER_MINUTE
            + local.second * _US_PER_SECOND
            + local.microsecond
        )

    def _at(self, ordinal: int, us: int) -> datetime:
        d = date.fromordinal(ordinal)
        seconds, micro = divmod(us, _US_PER_SECOND)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        return datetime(d.year, d.month, d.day, hour, minute, second, micro, tzinfo=self.tz)

    def _worked_before(self, ordinal: int, us: int) -> int:
        """Working microseconds of day ``ordinal`` before time-of-day ``us``."""
        if not self._is_workday_o(ordinal):
            return 0
        total = 0
        for s, e in self._spans:
            if us <= s:
                break
            total += min(us, e) - s
        return total

    def _next_working(self, ordinal: int, us: int) -> tuple[int, int]:
        if self._is_workday_o(ordinal):
            for s, e in self._spans:
                if us <= e:
                    return ordinal, max(us, s)
        return self._nth_workday_after(ordinal, 1), self._spans[0][0]

    def is_working_instant(self, t: datetime) -> bool:
        """Whether ``t`` lies inside a working period (ends included) of a working day."""
        ordinal, us = self._split(self._local(t))
        return self._is_workday_o(ordinal) and any(s <= us <= e for s, e in self._spans)

    def next_working_instant(self, t: datetime) -> datetime:
        """``t`` itself if it is a working instant, else the start of the next working period.

        Returned in the calendar's time zone.
        """
        local = self._local(t)
        ordinal, us = self._split(local)
        next_ordinal, next_us = self._next_working(ordinal, us)
        if (next_ordinal, next_us) == (ordinal, us):
            return local
        return self._at(next_ordinal, next_us)

    def add_workdays(self, start: datetime, n: int) -> Deadline:
        """The close of the ``n``-th working day strictly after ``start``'s local date.

        The start day is never counted (民法典 art. 201), whatever the hour and whether or
        not it is a working day. ``n == 0`` means "the same working day": the close of the
        start day if it is a working day, else of the next working day. That close can be
        earlier than ``start`` when the clock starts after hours; a caller that wants
        after-hours intake to count from the next working day passes
        ``next_working_instant(start)`` instead.
        """
        start_ordinal = self._local(start).toordinal()
        # The result depends only on the local start date and n, and intake asks the same
        # few questions all day long, so answers are memoised per (date, n).
        key = (start_ordinal, n)
        cached = self._by_day.get(key)
        if cached is not None:
            return cached
        if isinstance(n, bool):
            raise TypeError("工作日数必须是整数")
        n = operator.index(n)
        if n < 0:
            raise ValueError(f"工作日数不能为负数，收到：{n}")
        if n == 0:
            first = start_ordinal
            due = (
                start_ordinal
                if self._is_workday_o(start_ordinal)
                else self._nth_workday_after(start_ordinal, 1)
            )
        else:
            first = start_ordinal + 1
            due = self._nth_workday_after(start_ordinal, n)
        deadline = Deadline(
            due=self._at(due, self._day_end_us),
            estimated=self._estimated(first, due),
            rule=f"{n}个工作日",
        )
        if len(self._by_day) >= _MEMO_LIMIT:
            self._by_day.clear()
        self._by_day[key] = deadline
        return deadline

    def add_working_hours(self, start: datetime, hours: float | Decimal | int) -> Deadline:
        """The instant by which ``hours`` of working time have passed since ``start``.

        A start outside working time begins at the next working instant. Time runs only
        inside working periods of working days, so 2 hours from 11:00 on a working day is
        15:30 (the lunch break does not count). A limit that runs out exactly at the end of
        a period ends there (e.g. 17:30), not at the start of the next one.
        """
        amount = _hours_to_us(hours)
        start_ordinal, start_us = self._split(self._local(start))
        ordinal, us = self._next_working(start_ordinal, start_us)
        remaining = amount
        due: tuple[int, int] | None = (ordinal, us) if remaining == 0 else None
        if due is None:
            for s, e in self._spans:
                if us > e:
                    continue
                begin = max(us, s)
                if remaining <= e - begin:
                    due = (ordinal, begin + remaining)
                    break
                remaining -= e - begin
        if due is None:
            # Whole working days are skipped with one bisect; the last day takes between
            # one microsecond and a full day, so a limit ending at a close stays on that day.
            whole_days = (remaining - 1) // self._day_us
            remaining -= whole_days * self._day_us
            ordinal = self._nth_workday_after(ordinal, whole_days + 1)
            for s, e in self._spans:
                if remaining <= e - s:
                    due = (ordinal, s + remaining)
                    break
                remaining -= e - s
        assert due is not None  # the last day's periods always absorb the remainder
        return Deadline(
            due=self._at(*due),
            estimated=self._estimated(start_ordinal, due[0]),
            rule=f"{_format_hours(hours)}个工作小时",
        )

    def working_seconds_between(self, a: datetime, b: datetime) -> int:
        """Working seconds from ``a`` to ``b`` (whole seconds, truncated).

        Negative when ``b`` is before ``a``, so ``working_seconds_between(now, due)`` reads
        directly as "remaining working time" and goes below zero once a case is overdue.
        """
        la, lb = self._local(a), self._local(b)
        if lb < la:
            return -self.working_seconds_between(b, a)
        oa, ua = self._split(la)
        ob, ub = self._split(lb)
        if oa == ob:
            us = self._worked_before(ob, ub) - self._worked_before(oa, ua)
        else:
            first_day = self._day_us - self._worked_before(oa, ua) if self._is_workday_o(oa) else 0
            between = self._count_workdays(oa, ob - 1) * self._day_us
            us = first_day + between + self._worked_before(ob, ub)
        return us // _US_PER_SECOND
