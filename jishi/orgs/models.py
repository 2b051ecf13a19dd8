"""The unit tree, people and their posts.

A ``Unit`` is any node of the county's organisation; ``path`` (materialised, e.g.
``/1/7/42/``) makes "this unit and everything under it" one indexed prefix query, which is
what every scoping selector needs. People are users; a ``Post`` gives a person a role in one
unit, and one person may hold several.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jishi.common.text import to_traditional


class User(AbstractUser):
    """A member of staff (citizens do not log in; they hold tracking codes)."""

    full_name = models.CharField("姓名", max_length=64, blank=True)
    phone = models.CharField("办公电话", max_length=32, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username


class UnitKind(models.TextChoices):
    COUNTY = "county", _("县")
    DEPARTMENT = "department", _("部门")
    TOWNSHIP = "township", _("乡镇")
    VILLAGE = "village", _("村(社区)")
    HALL = "hall", _("政务大厅")
    WINDOW = "window", _("窗口")
    OTHER = "other", _("其他")


class Unit(models.Model):
    """One node of the organisation tree: county, department, township, village, hall, window."""

    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    name_traditional = models.CharField("繁体名称", max_length=100, blank=True, editable=False)
    short_name = models.CharField("简称", max_length=32, blank=True)
    kind = models.CharField("类型", max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, editable=False, db_index=True)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    active = models.BooleanField("启用", default=True)
    sort_order = models.IntegerField("排序", default=0)

    class Meta:
        verbose_name = "单位"
        verbose_name_plural = "单位"
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(parent__isnull=False) | Q(kind="county"), name="unit_root_is_county"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Traditional is derived, never typed twice; path needs the id, hence two steps.
        self.name_traditional = to_traditional(self.name)
        super().save(*args, **kwargs)
        path = f"{self.parent.path if self.parent else '/'}{self.pk}/"
        if path != self.path:
            self.path = path
            self.depth = path.count("/") - 2
            Unit.objects.filter(pk=self.pk).update(path=self.path, depth=self.depth)

    def is_within(self, other: Unit) -> bool:
        """True when this unit is ``other`` or below it."""
        return self.path.startswith(other.path)

    def township(self) -> Unit | None:
        """The township this unit belongs to (itself if it is one)."""
        if self.kind == UnitKind.TOWNSHIP:
            return self
        if self.parent_id and self.parent is not None:
            return self.parent.township()
        return None


class UnitChange(models.Model):
    """What happened to a unit: created, renamed, moved, deactivated. Cases keep their
    events pointing at the unit id and a snapshot of its name, so history reads as it was."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="changes")
    actor = models.ForeignKey(
        "orgs.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=16)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "单位变更记录"
        verbose_name_plural = "单位变更记录"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.action}"


class Role(models.TextChoices):
    HANDLER = "handler", _("承办人")
    DISPATCHER = "dispatcher", _("派单员")
    UNIT_LEAD = "unit_lead", _("单位负责人")
    COUNTY_LEAD = "county_lead", _("县领导")
    INSPECTOR = "inspector", _("督查员")
    ADMIN = "admin", _("管理员")


# Roles whose scope is the whole county, wherever their unit sits in the tree.
COUNTY_WIDE_ROLES = frozenset({Role.DISPATCHER, Role.COUNTY_LEAD, Role.INSPECTOR, Role.ADMIN})


class Post(models.Model):
    """A person's role in one unit. Ending a post keeps the row, so events stay explained."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="posts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="posts")
    role = models.CharField("岗位", max_length=16, choices=Role.choices)
    title = models.CharField("职务", max_length=64, blank=True)
    active = models.BooleanField("在岗", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "岗位"
        verbose_name_plural = "岗位"
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="post_unique_role"),
        ]
        indexes = [models.Index(fields=["user", "active"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"
