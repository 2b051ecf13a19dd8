"""What the demo seed remembers about itself: how far a run got.

A seed writes its county in many transactions (one per run of cases), so a run killed
halfway leaves units and some cases behind. This row, written with the units and marked
finished with the last case, lets ``seed_demo --if-empty`` tell a finished demo county from a
half-built one instead of silently accepting the latter.
"""

from __future__ import annotations

from django.db import models


class SeedRun(models.Model):
    """One ``seed_demo`` run: its parameters, progress and whether it finished."""

    size = models.PositiveIntegerField("事项数")
    seed = models.IntegerField("随机种子")
    months = models.PositiveSmallIntegerField("历史月数")
    cases_done = models.PositiveIntegerField("已生成事项", default=0)
    started_at = models.DateTimeField("开始时间")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "演示数据生成"
        verbose_name_plural = "演示数据生成"

    def __str__(self) -> str:
        return f"{self.cases_done}/{self.size}"
