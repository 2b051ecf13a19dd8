"""Whether background work (``manage.py db_worker``) is waiting or running, so a page can
say "being computed" instead of showing an empty result as if it were the answer."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Min
from django.utils import timezone
from django_tasks.base import Task, TaskResultStatus
from django_tasks_db.models import DBTaskResult

UNFINISHED = (TaskResultStatus.READY, TaskResultStatus.RUNNING)


def pending_since(task: Task[Any, Any], *, within: timedelta) -> datetime | None:
    """When the oldest unfinished run of ``task`` was enqueued, or None when none is.

    Only runs enqueued in the last ``within`` count: a worker killed mid-task leaves its row
    "running" for ever, and a page must not say "computing" about it days later. Backends
    that keep no queue (the immediate backend of the tests) never have anything pending.
    """
    # Real time, not the movable clock: the queue stamps runs with the wall clock.
    since = timezone.now() - within  # noqa: TID251
    found: datetime | None = DBTaskResult.objects.filter(
        task_path=task.module_path, status__in=UNFINISHED, enqueued_at__gte=since
    ).aggregate(first=Min("enqueued_at"))["first"]
    return found
