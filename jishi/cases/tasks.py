"""Background work of the cases app (run by ``manage.py db_worker``): the ledger's hotspots
and the router trained on the ledger."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.cache import cache
from django_tasks import task

from jishi.cases import hotspots, router
from jishi.common import clock
from jishi.common.background import pending_since
from jishi.routing.models import RouterTarget
from jishi.routing.selectors import active_model

# Longer than a training or a hotspot refresh takes on a county's year, so a run that a
# killed worker left "running" stops counting as under way after this.
TRAINING_WINDOW = timedelta(hours=1)
HOTSPOTS_WINDOW = timedelta(hours=1)


@task()
def refresh_hotspots(days: int = hotspots.DEFAULT_DAYS, top: int = 10) -> int:
    """Recompute the hotspots of the last ``days`` days; returns how many were stored."""
    return hotspots.refresh_hotspots(days=days, top=top)


@task()
def train_router_from_ledger() -> str:
    """Train a category model on the ledger's closed cases and make it the active one;
    returns its version."""
    model = router.router_train_from_ledger(actor=None, activate=True)
    return model.version


def hotspots_pending() -> datetime | None:
    """When the hotspot refresh now waiting or running was asked for, or None."""
    return pending_since(refresh_hotspots, within=HOTSPOTS_WINDOW)


def training_pending() -> datetime | None:
    """When the ledger training now waiting or running was asked for, or None."""
    return pending_since(train_router_from_ledger, within=TRAINING_WINDOW)


def request_ledger_training() -> bool:
    """Ask the background worker for a category model trained on the ledger, unless one is
    active or already being trained. Returns whether it was asked."""
    if active_model(RouterTarget.CATEGORY) is not None or training_pending() is not None:
        return False
    train_router_from_ledger.enqueue()
    return True


# How old the stored hotspots may get before a visit to the page asks for a refresh; and the
# pause after such a request, so a busy page asks once, not on every view.
MAX_AGE = timedelta(hours=1)
REQUEST_PAUSE_SECONDS = 600


def refresh_if_stale(latest_end: datetime | None, now: datetime | None = None) -> bool:
    """Ask the background worker for a refresh when the stored hotspots are older than
    ``MAX_AGE`` (or there are none). Returns whether a refresh was requested.

    This is the schedule: hotspots are recomputed when someone is looking and they are
    stale, and a county that wants them fresh regardless runs ``hotspots_refresh --enqueue``
    from cron. Another request is not made for ``REQUEST_PAUSE_SECONDS`` in this process.
    """
    now = now or clock.now()
    if latest_end is not None and now - latest_end < MAX_AGE:
        return False
    if not cache.add("jishi:hotspots:refresh-requested", 1, REQUEST_PAUSE_SECONDS):
        return False
    refresh_hotspots.enqueue()
    return True
