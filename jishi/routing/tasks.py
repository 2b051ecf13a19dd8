"""Background work of the routing app (run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from jishi.routing import hotspots


@task()
def refresh_hotspots(days: int = hotspots.DEFAULT_DAYS, top: int = 10) -> int:
    """Recompute the hotspots of the last ``days`` days; returns how many were stored."""
    return hotspots.refresh_hotspots(days=days, top=top)
