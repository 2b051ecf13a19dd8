"""Background work of the reports app (run by ``manage.py db_worker``): the monthly bulletin's
draft on the first working day of the month (``manage.py monthly_bulletin``, run daily from
cron, asks for it)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from jishi.reports import services
from jishi.reports.models import Bulletin
from jishi.reports.selectors import DateRange, add_months, today
from jishi.workdays.selectors import get_calendar


def first_workday(month: dt.date) -> dt.date:
    """The first working day of ``month`` by the county's calendar (holidays included)."""
    calendar = get_calendar()
    day = month.replace(day=1)
    while not calendar.is_workday(day):
        day += dt.timedelta(days=1)
    return day


def bulletin_due(day: dt.date) -> DateRange | None:
    """Last month's period when ``day`` is the first working day of its month."""
    if day != first_workday(day):
        return None
    return DateRange.month(add_months(day.replace(day=1), -1))


@task()
def generate_bulletin(first: str, last: str) -> int:
    """Compute the draft of the bulletin of [first, last]; returns its id."""
    dates = DateRange(dt.date.fromisoformat(first), dt.date.fromisoformat(last))
    return services.bulletin_generate(actor=None, dates=dates).pk


def monthly_bulletin_if_due(day: dt.date | None = None) -> bool:
    """Ask for last month's draft on the first working day, once. Returns whether asked."""
    dates = bulletin_due(day or today())
    if dates is None or Bulletin.objects.filter(first=dates.first, last=dates.last).exists():
        return False
    generate_bulletin.enqueue(dates.first.isoformat(), dates.last.isoformat())
    return True
