"""Background Excel exports of the ledger: who asked, for which filters, and how far along.

Kept apart from ``models.py`` (the ledger itself): an export is a convenience file, not part
of the record, and may be deleted at any time.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jishi.common import clock
from jishi.orgs.models import User


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class LedgerExport(models.Model):
    """One requested .xlsx of the ledger. ``filters`` are the ledger page's query parameters
    (name → list of values), so the worker rebuilds exactly the rows the page showed."""

    user = models.ForeignKey(
        User, verbose_name="申请人", on_delete=models.CASCADE, related_name="ledger_exports"
    )
    filters = models.JSONField("筛选条件", default=dict)
    row_count = models.PositiveIntegerField("总行数", default=0)
    rows_done = models.PositiveIntegerField("已写行数", default=0)
    status = models.CharField(
        "状态", max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    file = models.FileField("文件", upload_to="exports/", blank=True)
    error = models.CharField("错误", max_length=200, blank=True)
    created_at = models.DateTimeField("申请时间", default=clock.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        app_label = "cases"
        verbose_name = "台账导出"
        verbose_name_plural = "台账导出"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d %H:%M} {self.status}"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.row_count:
            return 0
        return min(100, self.rows_done * 100 // self.row_count)

    @property
    def finished(self) -> bool:
        return self.status in {ExportStatus.DONE, ExportStatus.FAILED}
