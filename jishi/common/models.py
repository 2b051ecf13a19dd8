"""The ground's own table: attempt counters that every server process shares."""

from __future__ import annotations

from django.db import models


class RateCounter(models.Model):
    """Attempts counted under one key in a fixed window (see ``common.ratelimit``).

    In the database rather than a per-process cache, so two gunicorn workers count together;
    one row per key, incremented by a single upsert, so concurrent attempts are never lost.
    """

    key = models.CharField(max_length=80, primary_key=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "尝试计数"
        verbose_name_plural = "尝试计数"

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
