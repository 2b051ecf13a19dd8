"""The county's own corrections to the statutory calendar.

``chinese_calendar`` knows the official schedules it was released with (2004–2026 in the
pinned version). For later years, and for any correction, an admin enters single dates in
``HolidayOverride`` and, once a year's official schedule (国务院办公厅关于部分节假日安排的
通知) is fully entered, ticks ``CalendarYear.complete`` so deadlines in that year stop being
marked as estimated.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarYear(models.Model):
    """Whether the override table holds a year's complete official schedule.

    Only meaningful for years ``chinese_calendar`` does not cover; for those, an unticked
    (or missing) row means deadlines touching the year are estimated: Monday–Friday less
    the statutory holidays (``calendar.estimated_holidays``).
    """

    year = models.PositiveSmallIntegerField(
        "年份", unique=True, validators=[MinValueValidator(1900), MaxValueValidator(2200)]
    )
    complete = models.BooleanField(
        "已完整录入",
        default=False,
        help_text=(
            "该年全部法定节假日和调休上班日都已录入后勾选；"
            "勾选前该年的期限按周一至周五扣除法定节假日估算。"
        ),
    )
    note = models.CharField("备注", max_length=200, blank=True)
    updated_by = models.ForeignKey(
        "orgs.User",
        verbose_name="最后修改人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    updated_at = models.DateTimeField("最后修改时间", auto_now=True)

    class Meta:
        verbose_name = "日历年份"
        verbose_name_plural = "日历年份"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年（{'已完整录入' if self.complete else '未完整录入'}）"


class HolidayOverride(models.Model):
    """One date whose working status is set by the county, overriding the package.

    ``is_workday=False`` is a day off (e.g. 春节 on a Wednesday), ``True`` a working day
    (e.g. 调休上班 on a Sunday). Entries in years the package covers are corrections.
    """

    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField(
        "上班", help_text="勾选：当天上班（如调休上班）；不勾选：当天放假。"
    )
    name = models.CharField("名称", max_length=32, help_text="如“春节”“国庆节”“调休上班”。")
    note = models.CharField("备注", max_length=200, blank=True)
    created_by = models.ForeignKey(
        "orgs.User",
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_by = models.ForeignKey(
        "orgs.User",
        verbose_name="最后修改人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    updated_at = models.DateTimeField("最后修改时间", auto_now=True)

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整"
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}（{'上班' if self.is_workday else '放假'}）"


class CalendarChange(models.Model):
    """What an admin changed in the calendar, and when: the audit trail behind deadlines
    that moved. Written by the services only; never edited."""

    class Action(models.TextChoices):
        OVERRIDE_SET = "override_set", _("设置日期")
        OVERRIDE_REMOVE = "override_remove", _("删除日期")
        YEAR_COMPLETE = "year_complete", _("标记年份")

    actor = models.ForeignKey(
        "orgs.User",
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    year = models.PositiveSmallIntegerField("年份", db_index=True)
    date = models.DateField("日期", null=True, blank=True)
    before = models.JSONField("修改前", default=dict)
    after = models.JSONField("修改后", default=dict)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "日历变更记录"
        verbose_name_plural = "日历变更记录"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.date or self.year}"


class CalendarRevision(models.Model):
    """A single row whose ``number`` goes up with every change to the two tables above.

    Each process keeps its ``Calendar`` in memory and compares this one integer every few
    seconds to learn that another process changed the calendar (see ``selectors``). It is
    bumped under the row lock inside the writing transaction, so revisions commit in order
    and a reader can never see a new number with old data.
    """

    number = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "日历版本"
        verbose_name_plural = "日历版本"

    def __str__(self) -> str:
        return f"日历版本 {self.number}"
