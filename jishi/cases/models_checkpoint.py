"""Checkpoints of the whole ledger (台账存证): what proves no case was removed.

Each case's events form their own hash chain, which proves a case's history was not edited
or cut short, but not that a whole case — row, events and all — was not deleted. A
checkpoint records one digest over the head of every case's chain as of a moment; the
checkpoints are chained to each other, and the latest chain value is printed for the county
to publish (in the monthly bulletin, say) where no database password reaches it.
"""

from __future__ import annotations

from django.db import models
from django.utils.timezone import localtime


class LedgerCheckpoint(models.Model):
    """The ledger as of ``covers_until``: ``digest`` over every case's last event hash."""

    seq = models.PositiveIntegerField("序号", unique=True)
    covers_until = models.DateTimeField("截至")
    cases = models.PositiveIntegerField("事项数")
    events = models.PositiveIntegerField("记录数")
    digest = models.CharField("台账摘要", max_length=64)
    prev_chain = models.CharField("上一存证值", max_length=64)
    chain = models.CharField("存证值", max_length=64)
    created_at = models.DateTimeField("生成时间")

    class Meta:
        verbose_name = "台账存证"
        verbose_name_plural = "台账存证"
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {localtime(self.covers_until):%Y-%m-%d %H:%M} {self.chain[:12]}"
