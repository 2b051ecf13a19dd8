"""Background work of the reviews app (run by ``manage.py db_worker``)."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django_tasks import task

from jishi.common import clock
from jishi.common.background import pending_since
from jishi.reviews import selectors
from jishi.reviews.models import Disclosure

# A visitor sees figures at most this old; past it, the page asks for a recount.
DISCLOSURE_FRESH = timedelta(minutes=5)


def disclosure_refresh_now(month: dt.date) -> Disclosure:
    """Count the month again and store it (the first visit of a month waits for this)."""
    at = clock.now()
    total, rows = selectors.disclosure_figures(month)
    payload = {
        "total": selectors.figures_to_json(total),
        "rows": [selectors.figures_to_json(r) for r in rows],
    }
    found, _ = Disclosure.objects.update_or_create(
        month=month, defaults={"payload": payload, "computed_at": at}
    )
    return found


@task()
def refresh_disclosure(month: str) -> str:
    disclosure_refresh_now(dt.date.fromisoformat(month))
    return month


def disclosure_for(month: dt.date) -> Disclosure:
    """The stored figures of the month; stale ones are served while a recount is queued."""
    found = Disclosure.objects.filter(month=month).first()
    if found is None:
        return disclosure_refresh_now(month)
    if clock.now() - found.computed_at > DISCLOSURE_FRESH and (
        pending_since(refresh_disclosure, within=timedelta(minutes=30)) is None
    ):
        refresh_disclosure.enqueue(month.isoformat())
    return found
