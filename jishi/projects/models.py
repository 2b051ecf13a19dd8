"""Supervised projects (重点项目): lists, projects, milestones, monthly rounds, lights,
supervision orders, dispatch meetings, inspections and accountability.

A ``ProjectList`` (清单) is a year's published list of one kind and level; a ``Project`` on it
is led by a named leading cadre (领衔领导) and a lead unit (牵头单位), has weighted
``Milestone`` rows (a tree: a milestone may have sub-milestones) and reports progress every
month (``ProgressRound`` / ``ProgressReport``, 每月一调度). Every change to a project is a
``ProjectEvent``, hash-chained per project exactly like a case's events
(``cases/chain.py``), append-only in the model, the queryset and the database, and verified
by ``verify_ledger`` beside the cases. ``Project.last_hash`` and ``version`` pin the head.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jishi.cases.models import Case
from jishi.common import clock
from jishi.orgs.models import Unit, User


class ListKind(models.TextChoices):
    LIVELIHOOD = "livelihood", _("民生实事")
    REFORM = "reform", _("改革")
    PRACTICAL = "practical", _("办实事")
    OTHER = "other", _("其他")


class ListLevel(models.TextChoices):
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡镇级")


class Source(models.TextChoices):
    ASSIGNED = "assigned", _("上级部署")
    MEETING = "meeting", _("会议议定")
    INSTRUCTION = "instruction", _("领导批示")
    WORK_REPORT = "work_report", _("政府工作报告")
    SUGGESTION = "suggestion", _("群众建议")
    CASE = "case", _("事项转办")


class Status(models.TextChoices):
    ACTIVE = "active", _("推进中")
    COMPLETED = "completed", _("已完成")
    CLOSED = "closed", _("已销号")


class Light(models.TextChoices):
    NONE = "", _("未亮灯")
    GREEN = "green", _("绿灯")
    YELLOW = "yellow", _("黄灯")
    RED = "red", _("红灯")


class ProjectList(models.Model):
    """A year's published list of one kind and level (清单)."""

    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("类别", max_length=16, choices=ListKind.choices)
    level = models.CharField("层级", max_length=16, choices=ListLevel.choices)
    title = models.CharField("名称", max_length=100)
    township = models.ForeignKey(
        Unit,
        verbose_name="乡镇（乡镇级清单）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    budget_required = models.BooleanField("须填预算", default=False)
    public = models.BooleanField("公开", default=True)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = "项目清单"
        verbose_name_plural = "项目清单"
        ordering = ["-year", "level", "kind", "pk"]

    def __str__(self) -> str:
        return self.title


class ListChange(models.Model):
    """A change to a list (清单), with who made it and its values before and after: the
    public flag shows or hides every project of the list on the portal, and the year decides
    which rounds ask them to report, so a change must be explainable. One row per change
    (not an event on each of its hundreds of projects). Written by ``services.list_update``
    only; never edited."""

    project_list = models.ForeignKey(
        ProjectList, verbose_name="清单", on_delete=models.PROTECT, related_name="changes"
    )
    actor = models.ForeignKey(
        User, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    before = models.JSONField("修改前", default=dict)
    after = models.JSONField("修改后", default=dict)
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "清单变更记录"
        verbose_name_plural = "清单变更记录"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project_list_id} {self.created_at:%Y-%m-%d %H:%M}"


class Project(models.Model):
    """One project on a list. A projection of its events: ``status``, ``light``,
    ``progress`` and the rest are what the events say, kept for fast queries."""

    code = models.CharField("编号", max_length=32, unique=True)
    # Four foreign keys go without their own index: each leads one of the composite indexes
    # below, which serve the same lookups. At a province's size every index is written on
    # each changed light (a round moves tens of thousands of rows), so duplicates cost.
    project_list = models.ForeignKey(
        ProjectList,
        verbose_name="清单",
        on_delete=models.PROTECT,
        related_name="projects",
        db_index=False,
    )
    number = models.CharField("序号", max_length=16, blank=True)
    title = models.CharField("项目名称", max_length=200)
    goal = models.TextField("建设内容及目标", blank=True)
    lead_cadre = models.ForeignKey(
        User,
        verbose_name="领衔领导",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_projects",
        db_index=False,
    )
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name="牵头单位",
        on_delete=models.PROTECT,
        related_name="led_projects",
        db_index=False,
    )
    cooperating_units = models.ManyToManyField(
        Unit, verbose_name="配合单位", blank=True, related_name="cooperating_projects"
    )
    person_responsible = models.CharField("责任人", max_length=64, blank=True)
    contact = models.CharField("联系电话", max_length=32, blank=True)
    budget = models.DecimalField(
        "预算（万元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    funds_paid = models.DecimalField(
        "已拨付（万元）", max_digits=14, decimal_places=2, default=Decimal("0")
    )
    start_date = models.DateField("开始日期", null=True, blank=True)
    end_date = models.DateField("完成时限", null=True, blank=True)
    township = models.ForeignKey(
        Unit,
        verbose_name="所在乡镇",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    village = models.ForeignKey(
        Unit,
        verbose_name="所在村(社区)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    source = models.CharField("来源", max_length=16, choices=Source.choices, blank=True)
    source_case = models.ForeignKey(
        Case, verbose_name="来源事项", null=True, blank=True, on_delete=models.PROTECT
    )
    remarks = models.CharField("备注", max_length=200, blank=True)
    # Planned progress entered by month ("2026-05": 40), where the county fixes it by hand;
    # months absent are derived from the milestones.
    planned_by_month = models.JSONField("序时进度（按月录入）", default=dict, blank=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.ACTIVE)
    progress = models.DecimalField(
        "完成进度（%）", max_digits=5, decimal_places=1, default=Decimal("0")
    )
    last_report_on = models.DateField("最近报送", null=True, blank=True)
    light = models.CharField(
        "亮灯", max_length=8, choices=Light.choices, default=Light.NONE, blank=True
    )
    light_reason = models.CharField("亮灯原因", max_length=200, blank=True)
    publicly_named = models.BooleanField("挂牌督办", default=False)
    completion_evidence = models.TextField("完成佐证", blank=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    closed_at = models.DateTimeField("销号时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间")
    version = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = "重点项目"
        verbose_name_plural = "重点项目"
        ordering = ["project_list_id", "pk"]
        indexes = [
            models.Index(fields=["project_list", "light"], name="project_list_light"),
            models.Index(fields=["lead_unit", "status"], name="project_unit_status"),
            models.Index(fields=["lead_cadre", "status"], name="project_cadre_status"),
            models.Index(fields=["township"], name="project_township"),
            # The public list page: a list's projects in code order, a page deep (OFFSET), or
            # one township's, walked in the index's order instead of sorted.
            models.Index(fields=["project_list", "code"], name="project_list_code"),
            models.Index(
                fields=["project_list", "township", "code"], name="project_list_town_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Milestone(models.Model):
    """A dated, weighted step (节点). ``parent`` makes a tree: a milestone with children
    takes its progress from them, weighted."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    title = models.CharField("节点", max_length=100)
    planned_date = models.DateField("计划完成日期")
    weight = models.PositiveIntegerField("权重", default=1)
    progress = models.DecimalField(
        "完成进度（%）", max_digits=5, decimal_places=1, default=Decimal("0")
    )
    done_on = models.DateField("完成日期", null=True, blank=True)
    sort_order = models.IntegerField("排序", default=0)

    class Meta:
        verbose_name = "节点"
        verbose_name_plural = "节点"
        ordering = ["project_id", "sort_order", "planned_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=1), name="milestone_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class ImmutableEventQuerySet(models.QuerySet["ProjectEvent"]):
    """Events can be added and read, never changed: bulk update and delete refuse too."""

    def update(self, **kwargs: Any) -> int:
        raise ImmutableProjectEventError("项目记录只能追加，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableProjectEventError("项目记录只能追加，不能删除")


class ImmutableProjectEventError(Exception):
    pass


class ProjectEvent(models.Model):
    """One change to a project, hash-chained per project with ``cases.chain.event_hash``
    (the project's code in place of a case's): created, lead changed, milestone moved,
    progress reported, light changed, order issued, completed, closed …"""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=32)
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=64, blank=True)
    actor_role = models.CharField(max_length=16)
    actor_unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects: ClassVar[models.Manager[ProjectEvent]] = ImmutableEventQuerySet.as_manager()

    class Meta:
        verbose_name = "项目记录"
        verbose_name_plural = "项目记录"
        ordering = ["project_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["project", "seq"], name="projectevent_unique_seq"),
        ]
        indexes = [models.Index(fields=["kind", "created_at"], name="projectevent_kind_at")]

    def __str__(self) -> str:
        return f"{self.project_id}#{self.seq} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableProjectEventError("项目记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableProjectEventError("项目记录只能追加，不能删除")


class Policy(models.Model):
    """The county's settings for rounds and lights: one row (the first); absent, defaults."""

    due_day = models.PositiveSmallIntegerField("每月报送截止日", default=25)
    remind_days_before = models.PositiveSmallIntegerField("提前几天提醒", default=3)
    yellow_behind = models.PositiveSmallIntegerField("落后多少个百分点亮黄灯", default=10)
    red_behind = models.PositiveSmallIntegerField("落后超过多少个百分点亮红灯", default=30)
    not_started_months = models.PositiveSmallIntegerField("开始后几个月未动工亮红灯", default=3)
    order_workdays = models.PositiveSmallIntegerField("督办单办理时限（工作日）", default=10)

    class Meta:
        verbose_name = "调度设置"
        verbose_name_plural = "调度设置"

    def __str__(self) -> str:
        return "调度设置"


class PolicyChange(models.Model):
    """A change to the round and light settings (``Policy``), with who made it and the values
    before and after: lights and deadlines follow these numbers, so a change must be
    explainable. Written by ``policy.policy_update`` only; never edited."""

    actor = models.ForeignKey(
        User, verbose_name="操作人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    before = models.JSONField("修改前", default=dict)
    after = models.JSONField("修改后", default=dict)
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "调度设置变更记录"
        verbose_name_plural = "调度设置变更记录"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"调度设置变更 {self.created_at:%Y-%m-%d %H:%M}"


class RoundState(models.TextChoices):
    OPEN = "open", _("报送中")
    ASSESSED = "assessed", _("已评灯")


class ProgressRound(models.Model):
    """The monthly round (每月一调度): opened by ``projects_tick``, reports due on ``due_on``."""

    month = models.DateField("月份", unique=True)  # the first day of the month
    due_on = models.DateField("报送截止日")
    state = models.CharField(
        "状态", max_length=16, choices=RoundState.choices, default=RoundState.OPEN
    )
    opened_at = models.DateTimeField("开启时间")
    assessed_at = models.DateTimeField("评灯时间", null=True, blank=True)
    reminded_on = models.DateField("提醒日期", null=True, blank=True)

    class Meta:
        verbose_name = "月度调度"
        verbose_name_plural = "月度调度"
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class ProgressReport(models.Model):
    """One project's report in one round: progress per milestone, what was done, problems,
    help needed, next month's plan, funds paid; signed off by the lead cadre."""

    round = models.ForeignKey(ProgressRound, on_delete=models.PROTECT, related_name="reports")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="reports")
    reporter = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    milestones = models.JSONField("节点进度", default=dict)  # milestone id → percent
    progress = models.DecimalField("总体进度（%）", max_digits=5, decimal_places=1)
    work_done = models.TextField("本月完成工作")
    problems = models.TextField("存在问题", blank=True)
    help_needed = models.TextField("需协调事项", blank=True)
    next_plan = models.TextField("下月计划", blank=True)
    funds_paid = models.DecimalField(
        "累计拨付（万元）", max_digits=14, decimal_places=2, null=True, blank=True
    )
    submitted_at = models.DateTimeField("报送时间")
    late = models.BooleanField("逾期报送", default=False)
    signed_off_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField("领导审签时间", null=True, blank=True)

    class Meta:
        verbose_name = "进度报送"
        verbose_name_plural = "进度报送"
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(fields=["round", "project"], name="report_one_per_round"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.round}"


def photo_path(instance: Photo, filename: str) -> str:
    """Where a photo is kept. A progress or completion photo of a project goes to the public
    folder (``common.media`` serves it to the public list) under its own name. A finding's
    photo is evidence against a unit, seen only by those who may see the finding: it goes
    outside the public folders under a generated name, and ``views.finding_photo`` serves it.
    It holds the bytes its case keeps, re-encoded without metadata (``oversight``)."""
    now = clock.now()
    if instance.finding_id is not None:
        ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
        ext = ext if re.fullmatch(r"[a-z0-9]{1,5}", ext) else "bin"
        return f"{FINDING_PHOTOS}/{now:%Y/%m}/{uuid.uuid4().hex}.{ext}"
    return f"projects/photos/{now:%Y/%m}/{filename}"


# Not one of ``common.media.PUBLIC_FOLDERS``: nothing serves it without asking who it is.
FINDING_PHOTOS = "findings"


class Photo(models.Model):
    """A photo of a report, a completion or a finding."""

    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    report = models.ForeignKey(
        ProgressReport, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    finding = models.ForeignKey(
        "Finding", null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    image = models.FileField("照片", upload_to=photo_path)
    caption = models.CharField("说明", max_length=100, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "照片"
        verbose_name_plural = "照片"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class RoundLight(models.Model):
    """A project's light as a round assessed it: the light history, and what the meeting
    page compares month to month."""

    round = models.ForeignKey(ProgressRound, on_delete=models.CASCADE, related_name="lights")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="round_lights")
    light = models.CharField(max_length=8, choices=Light.choices)
    reason = models.CharField(max_length=200)
    planned = models.DecimalField(max_digits=5, decimal_places=1)
    reported = models.DecimalField(max_digits=5, decimal_places=1)
    missing = models.BooleanField(default=False)

    class Meta:
        verbose_name = "亮灯记录"
        verbose_name_plural = "亮灯记录"
        constraints = [
            models.UniqueConstraint(fields=["round", "project"], name="roundlight_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.round_id} {self.light}"


class OrderLevel(models.TextChoices):
    BLUE = "blue", _("蓝色督办单")
    YELLOW = "yellow", _("黄色督办单")
    RED = "red", _("红色督办单")
    INTERVIEW = "interview", _("约谈")
    PUBLIC_NAMING = "public_naming", _("挂牌督办")


LADDER = [
    OrderLevel.BLUE,
    OrderLevel.YELLOW,
    OrderLevel.RED,
    OrderLevel.INTERVIEW,
    OrderLevel.PUBLIC_NAMING,
]


class OrderState(models.TextChoices):
    OPEN = "open", _("办理中")
    RESPONDED = "responded", _("已反馈")
    RESOLVED = "resolved", _("已见效")
    ESCALATED = "escalated", _("已升级")


class SupervisionOrder(models.Model):
    """One step of the escalation ladder (三色督办单 → 约谈 → 挂牌督办), numbered per year."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="orders")
    level = models.CharField("级别", max_length=16, choices=OrderLevel.choices)
    number = models.CharField("编号", max_length=32, unique=True)
    year = models.PositiveSmallIntegerField()
    seq = models.PositiveIntegerField()
    text = models.TextField("督办内容")
    issued_at = models.DateTimeField("签发时间")
    due_at = models.DateTimeField("办理时限")
    progress_at_issue = models.DecimalField(max_digits=5, decimal_places=1)
    state = models.CharField(
        "状态", max_length=16, choices=OrderState.choices, default=OrderState.OPEN
    )
    response = models.TextField("反馈", blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "督办单"
        verbose_name_plural = "督办单"
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "seq"], name="order_unique_seq"),
        ]

    def __str__(self) -> str:
        return self.number


class ProgressMeeting(models.Model):
    """The monthly dispatch meeting (调度会) on a round."""

    round = models.OneToOneField(ProgressRound, on_delete=models.PROTECT, related_name="meeting")
    held_on = models.DateField("会议日期")
    notes = models.TextField("会议纪要", blank=True)

    class Meta:
        verbose_name = "调度会"
        verbose_name_plural = "调度会"
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"调度会 {self.held_on}"


class DecisionState(models.TextChoices):
    OPEN = "open", _("落实中")
    DONE = "done", _("已落实")
    NOT_DONE = "not_done", _("未落实")


class MeetingDecision(models.Model):
    """A decision of a meeting, as a task with an owner and a deadline, reviewed first at
    the next meeting (回头看)."""

    meeting = models.ForeignKey(ProgressMeeting, on_delete=models.PROTECT, related_name="decisions")
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    text = models.TextField("议定事项")
    owner_unit = models.ForeignKey(
        Unit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField("完成时限")
    state = models.CharField(
        "状态", max_length=16, choices=DecisionState.choices, default=DecisionState.OPEN
    )
    review_note = models.CharField("回头看情况", max_length=200, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "议定事项"
        verbose_name_plural = "议定事项"
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.text[:40]


class InspectionGroup(models.Model):
    """A roving inspection group (巡回指导组): members, period, area."""

    name = models.CharField("名称", max_length=100)
    members = models.ManyToManyField(User, verbose_name="成员", related_name="+")
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    area = models.ManyToManyField(Unit, verbose_name="负责区域", blank=True, related_name="+")

    class Meta:
        verbose_name = "巡回指导组"
        verbose_name_plural = "巡回指导组"
        ordering = ["-starts_on", "pk"]

    def __str__(self) -> str:
        return self.name


class VisitMode(models.TextChoices):
    OPEN = "open", _("明察")
    UNANNOUNCED = "unannounced", _("暗访")


class InspectionVisit(models.Model):
    group = models.ForeignKey(InspectionGroup, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField("日期")
    mode = models.CharField("方式", max_length=16, choices=VisitMode.choices)
    units = models.ManyToManyField(Unit, verbose_name="检查单位", blank=True, related_name="+")
    projects = models.ManyToManyField(
        Project, verbose_name="检查项目", blank=True, related_name="visits"
    )
    notes = models.TextField("情况", blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "督查走访"
        verbose_name_plural = "督查走访"
        ordering = ["-visited_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.group_id} {self.visited_on}"


class Severity(models.TextChoices):
    MINOR = "minor", _("一般")
    SERIOUS = "serious", _("较重")
    GRAVE = "grave", _("严重")


class RecheckResult(models.TextChoices):
    PENDING = "", _("待回头看")
    RECTIFIED = "rectified", _("已整改")
    NOT_RECTIFIED = "not_rectified", _("未整改到位")


class Finding(models.Model):
    """What a visit found; becomes a case (channel ``inspection``) for the responsible unit,
    and is checked on a return visit (回头看)."""

    visit = models.ForeignKey(InspectionVisit, on_delete=models.PROTECT, related_name="findings")
    text = models.TextField("发现问题")
    severity = models.CharField("严重程度", max_length=16, choices=Severity.choices)
    unit = models.ForeignKey(
        Unit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="findings"
    )
    case = models.OneToOneField(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recheck = models.CharField(
        "回头看", max_length=16, choices=RecheckResult.choices, default="", blank=True
    )
    recheck_note = models.CharField("回头看情况", max_length=200, blank=True)
    rechecked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "发现问题"
        verbose_name_plural = "发现问题"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.text[:40]


class Measure(models.TextChoices):
    REMINDER_TALK = "reminder_talk", _("提醒谈话")
    CRITICISM = "criticism", _("批评教育")
    NOTICE = "notice", _("通报批评")
    ADMONISHMENT = "admonishment", _("诫勉")
    ORGANISATIONAL = "organisational", _("组织处理")
    DISCIPLINARY = "disciplinary", _("党纪政务处分")


class AccountabilityRecord(models.Model):
    """A finding of accountability (追责问责) against a unit or a person; visible to the
    supervision office (inspector posts) and county leads only."""

    unit = models.ForeignKey(
        Unit, verbose_name="问责单位", null=True, blank=True, on_delete=models.PROTECT
    )
    person = models.ForeignKey(
        User,
        verbose_name="问责对象",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person_name = models.CharField("问责对象姓名", max_length=64, blank=True)
    case = models.ForeignKey(
        Case, verbose_name="来源事项", null=True, blank=True, on_delete=models.PROTECT
    )
    finding = models.ForeignKey(
        Finding, verbose_name="来源问题", null=True, blank=True, on_delete=models.PROTECT
    )
    project = models.ForeignKey(
        Project, verbose_name="来源项目", null=True, blank=True, on_delete=models.PROTECT
    )
    measure = models.CharField("问责方式", max_length=16, choices=Measure.choices)
    decided_on = models.DateField("决定日期")
    deciding_body = models.CharField("决定机关", max_length=100)
    reason = models.TextField("事由")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "追责问责"
        verbose_name_plural = "追责问责"
        ordering = ["-decided_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit__isnull=False) | Q(person__isnull=False) | ~Q(person_name=""),
                name="accountability_has_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_measure_display()} {self.decided_on}"
