"""Bulletins (一月一通报): a draft computed from the ledger's events, and the versions issued
from it. An issued version is frozen: its content is stored with its SHA-256 hash and never
changed; a correction is a new version with a reason, and old versions stay readable."""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models

from jishi.orgs.models import User


class Bulletin(models.Model):
    """The bulletin of one period (a month, or any range asked for)."""

    first = models.DateField("统计起始日")
    last = models.DateField("统计截止日")
    title = models.CharField("标题", max_length=100)
    # The draft: computed again on demand until issued, and again for a correction.
    content = models.JSONField("草稿内容", default=dict)
    generated_at = models.DateTimeField("生成时间")
    # Written by the supervision office before issuing.
    next_steps = models.TextField("下一步工作", blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "通报"
        verbose_name_plural = "通报"
        ordering = ["-first", "-last"]
        constraints = [
            models.UniqueConstraint(fields=["first", "last"], name="bulletin_unique_period")
        ]

    def __str__(self) -> str:
        return self.title


class FrozenQuerySet(models.QuerySet["BulletinVersion"]):
    def update(self, **kwargs: Any) -> int:
        raise FrozenVersionError("已发布的通报不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise FrozenVersionError("已发布的通报不能删除")


class FrozenVersionError(Exception):
    pass


class BulletinVersion(models.Model):
    """One issued version: the content as issued and its hash. Append-only."""

    bulletin = models.ForeignKey(Bulletin, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本")
    content = models.JSONField("内容")
    sha256 = models.CharField("SHA-256", max_length=64)
    reason = models.TextField("更正理由", blank=True)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField("发布时间")

    objects: ClassVar[models.Manager[BulletinVersion]] = FrozenQuerySet.as_manager()

    class Meta:
        verbose_name = "通报版本"
        verbose_name_plural = "通报版本"
        ordering = ["bulletin", "number"]
        constraints = [
            models.UniqueConstraint(fields=["bulletin", "number"], name="bulletin_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.bulletin} 第{self.number}版"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise FrozenVersionError("已发布的通报不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise FrozenVersionError("已发布的通报不能删除")


# --- the daily figures: a projection of the case events (``reports.aggregates``) -------------
# Never the source of truth: ``manage.py rebuild_aggregates`` recomputes all of it from the
# events, and the reports fall back to counting the events whenever it is not caught up.


class CaseFigures(models.Model):
    """What one case adds to the daily figures, as last computed: taken back and replaced
    when the case moves on (a re-dispatch moves every figure to the new lead unit)."""

    case = models.OneToOneField(
        "cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    version = models.PositiveIntegerField()
    # {"dims": [township, category, channel, kind], "scopes": [unit, …], "facts": [[metric, day,
    # unit, prev_day, prev_unit_day], …]}: one fact per figure, case, day and attributed unit;
    # the scopes are the units whose posts see the case.
    facts = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"事项 {self.case_id} 的统计（第 {self.version} 版）"


class DailyFigure(models.Model):
    """How many facts of a figure fall on a day (or in a month), for a unit (or all units) and
    one value of one dimension.

    Every fact is counted once under each dimension (``aggregates.SLICES``), so a unit's total
    of a day is the sum over any one dimension's values. ``unit`` is a plain number (0: none,
    -1: all units): a projection keeps no foreign keys that could refuse a rebuild.

    ``scope`` is whose cases are counted: 0 the whole county, else a unit, counting the cases
    its posts see (led, placed in or assisted by it or a unit below it), so a township's or a
    department's reports add up rows as the county's do."""

    scope = models.BigIntegerField(default=0)
    # "d": the row of one day; "m": of a whole month, ``day`` being its first.
    grain = models.CharField(max_length=1)
    dimension = models.CharField(max_length=16)
    unit = models.BigIntegerField()
    metric = models.CharField(max_length=32)
    day = models.DateField()
    value = models.CharField(max_length=32)
    n = models.IntegerField()

    class Meta:
        constraints = [
            # Also the index every report reads by: scope, grain, dimension and unit are
            # equalities, the metrics a short list, the days a range.
            models.UniqueConstraint(
                fields=["scope", "grain", "dimension", "unit", "metric", "day", "value"],
                name="dailyfigure_scoped_key",
            )
        ]
        indexes = [
            # By unit: every unit's rows of the days asked for (the key above would walk every
            # unit's rows of every day).
            models.Index(
                fields=["scope", "grain", "dimension", "metric", "day"],
                name="dailyfigure_scoped_by_day",
            )
        ]

    def __str__(self) -> str:
        return f"{self.grain}{self.day} {self.metric} {self.dimension}={self.value}: {self.n}"


class FigureRepeat(models.Model):
    """A fact of a figure for a case that has an earlier fact of the same figure: what a sum of
    days must take back to count the case once in a period (``aggregates`` explains)."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    metric = models.CharField(max_length=32)
    day = models.DateField()
    unit = models.BigIntegerField()
    prev_day = models.DateField()
    prev_unit_day = models.DateField(null=True)
    township = models.BigIntegerField(null=True)
    category = models.BigIntegerField(null=True)
    channel = models.CharField(max_length=16)
    kind = models.CharField(max_length=16)

    class Meta:
        indexes = [models.Index(fields=["metric", "day"], name="figurerepeat_metric_day")]

    def __str__(self) -> str:
        return f"事项 {self.case_id} {self.metric} {self.day}（前次 {self.prev_day}）"


class FigureState(models.Model):
    """One row: the lock every refresh of the daily figures takes, and whether a rebuild is
    under way (the reports count the events meanwhile)."""

    rebuilding = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return "统计刷新状态"
