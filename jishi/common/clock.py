"""The one place services ask for the current time.

Services never call ``timezone.now()`` directly, so that the demo seeder and historical
imports can replay a year of work through the *same* services at the times it happened
(``travel_to``), and tests can pin time without patching.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import date, datetime

from django.utils import timezone

_local = threading.local()


def now() -> datetime:
    frozen: datetime | None = getattr(_local, "at", None)
    return frozen if frozen is not None else timezone.now()


def today() -> date:
    """The local date of ``now()``."""
    return timezone.localdate(now())


@contextlib.contextmanager
def travel_to(at: datetime) -> Iterator[None]:
    """Make ``now()`` return ``at`` in this thread until the block ends."""
    if timezone.is_naive(at):
        raise ValueError("travel_to needs an aware datetime")
    previous = getattr(_local, "at", None)
    _local.at = at
    try:
        yield
    finally:
        _local.at = previous


def set_now(at: datetime | None) -> None:
    """Move this thread's clock (used by the seeder between steps of one case)."""
    _local.at = at
