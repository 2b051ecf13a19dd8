"""Rate limits shared by every server process: how many times something may be tried.

One mechanism for the whole site (the portal's tracking and "similar reports" now, the rating
and check-in pages next). A :class:`Rate` names what is counted, how many attempts a window
allows and how long the window lasts; the parts given with it (an address, a tracking code)
are hashed into the key, so the table holds no address or code in the clear.

Counts live in :class:`~jishi.common.models.RateCounter`, in the database every worker
already shares — no cache server to run, and on SQLite as on PostgreSQL each attempt is one
``INSERT … ON CONFLICT DO UPDATE … RETURNING`` statement, so two workers counting at the
same moment can neither lose an attempt nor both slip under the limit.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.http import HttpRequest

from jishi.common import clock
from jishi.common.models import RateCounter

# One attempt in this many also deletes windows that ended long ago, so the table stays the
# size of the last hour's attempts without a scheduled job.
PURGE_ONE_IN = 500
PURGE_AFTER = timedelta(hours=1)


@dataclass(frozen=True)
class Rate:
    """``limit`` attempts per ``window`` seconds, counted under ``scope`` (a dotted name)."""

    scope: str
    limit: int
    window: int


def key_for(rate: Rate, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]
    return f"{rate.scope}:{digest}"[:80]


def hit(rate: Rate, *parts: str) -> int:
    """Count one attempt; returns the attempts in the current window, this one included."""
    now = clock.now()
    table = connection.ops.quote_name(RateCounter._meta.db_table)
    at = connection.ops.adapt_datetimefield_value(now)
    ends = connection.ops.adapt_datetimefield_value(now + timedelta(seconds=rate.window))
    # A window that has ended starts again at one; otherwise the count goes up and the end
    # of the window stays (a steady trickle of attempts never extends it).
    q = connection.ops.quote_name
    key, n, ends_col = q("key"), q("count"), q("expires_at")
    sql = (
        f"INSERT INTO {table} ({key}, {n}, {ends_col}) VALUES (%s, 1, %s) "  # noqa: S608
        f"ON CONFLICT ({key}) DO UPDATE SET "
        f"{n} = CASE WHEN {table}.{ends_col} <= %s THEN 1 ELSE {table}.{n} + 1 END, "
        f"{ends_col} = CASE WHEN {table}.{ends_col} <= %s "
        f"THEN excluded.{ends_col} ELSE {table}.{ends_col} END "
        f"RETURNING {n}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [key_for(rate, *parts), ends, at, at])
        row = cursor.fetchone()
    if random.randrange(PURGE_ONE_IN) == 0:  # noqa: S311 (when to tidy up, not a secret)
        purge()
    return int(row[0])


def count(rate: Rate, *parts: str) -> int:
    """Attempts in the current window (0 when none, or when the window has ended)."""
    found = (
        RateCounter.objects.filter(key=key_for(rate, *parts), expires_at__gt=clock.now())
        .values_list("count", flat=True)
        .first()
    )
    return int(found or 0)


def exceeded(rate: Rate, *parts: str) -> bool:
    """Whether the window's attempts have reached the limit (counts nothing)."""
    return count(rate, *parts) >= rate.limit


def allow(rate: Rate, *parts: str) -> bool:
    """Count this attempt and say whether it is within the limit."""
    return hit(rate, *parts) <= rate.limit


def reset(rate: Rate, *parts: str) -> None:
    RateCounter.objects.filter(key=key_for(rate, *parts)).delete()


def purge() -> int:
    """Delete windows that ended more than an hour ago; returns how many."""
    deleted, _ = RateCounter.objects.filter(expires_at__lt=clock.now() - PURGE_AFTER).delete()
    return deleted


def client_ip(request: HttpRequest) -> str:
    """The address limits are counted against. ``REMOTE_ADDR`` only: X-Forwarded-For is
    forgeable unless a trusted proxy rewrites it, and the deployment's proxy sets
    ``REMOTE_ADDR`` for us."""
    return str(request.META.get("REMOTE_ADDR") or "")
