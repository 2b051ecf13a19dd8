"""Hotspots (热点) of a period, as last computed from the ledger by ``hotspots_refresh``
(:mod:`jishi.cases.hotspots`)."""

from __future__ import annotations

from django.db import models


class Hotspot(models.Model):
    """One topic many citizens wrote about in a period. Rows of a period are replaced as a
    whole at each refresh, so a list never mixes two computations."""

    period_start = models.DateTimeField("统计起始")
    period_end = models.DateTimeField("统计截止")
    rank = models.PositiveSmallIntegerField("排名")
    title = models.CharField("热点标题", max_length=80)
    keywords = models.JSONField("关键词", default=list)
    score = models.FloatField("热度")
    size = models.PositiveIntegerField("事项数")
    citizens = models.PositiveIntegerField("群众人数")
    likes = models.PositiveIntegerField("附议数", default=0)
    growth = models.FloatField("环比增长", null=True, blank=True)
    places = models.JSONField("涉及地点", default=list)
    first_at = models.DateTimeField("最早", null=True, blank=True)
    last_at = models.DateTimeField("最晚", null=True, blank=True)
    cases = models.ManyToManyField("cases.Case", verbose_name="事项", related_name="hotspots")
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "热点"
        verbose_name_plural = "热点"
        ordering = ["-period_end", "rank"]
        indexes = [models.Index(fields=["-period_end", "rank"], name="hotspot_period_rank")]

    def __str__(self) -> str:
        return f"{self.rank}. {self.title}"
