"""Background work of the projects app (run by ``manage.py db_worker``, or the same work by
``manage.py projects_tick`` from cron)."""

from __future__ import annotations

from django_tasks import task

from jishi.projects import rounds


@task()
def projects_tick() -> list[str]:
    """The daily run of the monthly round: open, remind, assess, walk the order ladder."""
    return rounds.tick().lines()
