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
