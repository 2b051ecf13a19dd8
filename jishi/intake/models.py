"""Field and hall intake: door-to-door visits (百名书记访万家), the service hall's director on
duty (局长进政务大厅) and survey campaigns (大调研、广纳谏).

Every problem raised through these tools is an ordinary case in the ledger; the rows here only
remember where it came from (which visit, which shift, which campaign), so the tools can
count their own results without touching ``cases.Case``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jishi.cases.models import Case
from jishi.common import clock
from jishi.orgs.models import Unit, User


class Visit(models.Model):
    """One household visited by a village (or township) secretary on one day."""

    secretary = models.ForeignKey(
        User, verbose_name="走访人", on_delete=models.PROTECT, related_name="intake_visits"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="所在村(社区)/乡镇", on_delete=models.PROTECT, related_name="+"
    )
    household = models.CharField("走访户", max_length=100)
    # The household as a search key (half-width, Simplified, spaces folded), so "东街１２号"
    # and "东街 12 号" count as one household while ``household`` keeps what was written.
    household_key = models.CharField(max_length=100, blank=True, editable=False)
    visited_on = models.DateField("走访日期")
    # The ledger's clock, not the wall clock: a replayed history is registered when it
    # happened in the story.
    created_at = models.DateTimeField("登记时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "走访记录"
        verbose_name_plural = "走访记录"
        ordering = ["-visited_on", "-id"]
        indexes = [
            models.Index(fields=["unit", "visited_on"], name="visit_unit_day"),
            models.Index(fields=["secretary", "visited_on"], name="visit_secretary_day"),
        ]

    def __str__(self) -> str:
        return f"{self.household} · {self.visited_on}"


class VisitItem(models.Model):
    """One thing raised during a visit; it is a case, possibly closed there and then."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="items")
    case = models.OneToOneField(
        Case, verbose_name="事项", on_delete=models.PROTECT, related_name="visit_item"
    )
    position = models.PositiveSmallIntegerField("序号", default=0)
    resolved_on_the_spot = models.BooleanField("当场解决", default=False)

    class Meta:
        verbose_name = "走访事项"
        verbose_name_plural = "走访事项"
        ordering = ["visit", "position"]

    def __str__(self) -> str:
        return f"{self.visit_id} #{self.position}"


class Period(models.TextChoices):
    MORNING = "am", _("上午")
    AFTERNOON = "pm", _("下午")


class DutyShift(models.Model):
    """Half a day of a director's duty at the service hall (局长进政务大厅)."""

    director = models.ForeignKey(
        User, verbose_name="值班局长", on_delete=models.PROTECT, related_name="duty_shifts"
    )
    hall = models.ForeignKey(
        Unit,
        verbose_name="政务大厅",
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "hall"},
    )
    date = models.DateField("日期")
    period = models.CharField("时段", max_length=2, choices=Period.choices)

    class Meta:
        verbose_name = "大厅值班"
        verbose_name_plural = "大厅值班"
        ordering = ["date", "period"]
        constraints = [
            models.UniqueConstraint(fields=["hall", "date", "period"], name="duty_one_per_slot")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_period_display()} · {self.director}"


class HallOutcome(models.TextChoices):
    RESOLVED = "resolved", _("当场解决")
    DISPATCHED = "dispatched", _("已派单")
    SUBMITTED = "submitted", _("已提交派单中心")


class HallProblem(models.Model):
    """A problem raised in person at the hall desk, and what the director did with it."""

    hall = models.ForeignKey(
        Unit, verbose_name="政务大厅", on_delete=models.PROTECT, related_name="+"
    )
    case = models.OneToOneField(
        Case, verbose_name="事项", on_delete=models.PROTECT, related_name="hall_problem"
    )
    recorded_by = models.ForeignKey(
        User, verbose_name="登记人", on_delete=models.PROTECT, related_name="+"
    )
    shift = models.ForeignKey(
        DutyShift,
        verbose_name="值班",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="problems",
    )
    outcome = models.CharField("处理方式", max_length=16, choices=HallOutcome.choices)
    # The unit the director named; for a submitted problem the dispatcher still decides.
    suggested_unit = models.ForeignKey(
        Unit,
        verbose_name="建议承办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "大厅问题"
        verbose_name_plural = "大厅问题"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.hall_id} · {self.case_id}"


class Campaign(models.Model):
    """A survey campaign (大调研、广纳谏): suggestions gathered over a period."""

    name = models.CharField("名称", max_length=100)
    description = models.TextField("说明", blank=True)
    starts_on = models.DateField("开始日期")
    ends_on = models.DateField("结束日期")
    unit = models.ForeignKey(
        Unit, verbose_name="牵头单位", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "调研活动"
        verbose_name_plural = "调研活动"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_period_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CampaignSuggestion(models.Model):
    """A suggestion gathered in a campaign; ``adopted`` once the owning unit takes it up."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="suggestions")
    case = models.OneToOneField(
        Case, verbose_name="事项", on_delete=models.PROTECT, related_name="campaign_link"
    )
    adopted = models.BooleanField("已采纳", default=False)
    adopted_at = models.DateTimeField("采纳时间", null=True, blank=True)
    adopted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", default=clock.now, editable=False)

    class Meta:
        verbose_name = "调研建议"
        verbose_name_plural = "调研建议"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.campaign_id} · {self.case_id}"
