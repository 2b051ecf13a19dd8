"""Service reviews and QR supervision (好差评 · 码上监督).

A ``ServicePoint`` is a window (a ``Unit`` of kind window) that can be rated; its QR code
carries a signed token with the point's ``qr_key``, so reissuing the key retires every
poster printed before. A ``Rating`` is one rating of one service (一次一评): a bad one (1 or
2) opens a rectification case through the case services, linked here; the rater's one
follow-up rating (追评) is a ``Rating`` pointing at it. A misconduct report (码上监督 举报) is
a confidential case routed to the supervision office; the reporter's identity is kept here,
never on the case. ``ReviewEvent`` rows record what happened to ratings, appeals and reports
and, like the ledger's events, are never changed or deleted.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jishi.cases.models import Case, EncryptedTextField, Satisfaction
from jishi.common import clock, crypto
from jishi.orgs.models import Unit, User

# The national five levels (GB/T 39734): the same words as a case's callback.
Level = Satisfaction


class BadReason(models.TextChoices):
    """Reason tags a bad rating must carry at least one of."""

    ATTITUDE = "attitude", _("态度不好")
    SLOW = "slow", _("办理慢、等候久")
    COME_BACK = "come_back", _("让我多跑腿")
    UNCLEAR = "unclear", _("指引不清楚")
    FEES = "fees", _("索要费用或好处")
    SYSTEM_DOWN = "system_down", _("系统故障")
    OTHER = "other", _("其他")


class RatingChannel(models.TextChoices):
    QR = "qr", _("扫码评价")
    KIOSK = "kiosk", _("评价器")
    PORTAL = "portal", _("网上评价")


class AppealState(models.TextChoices):
    NONE = "", _("无申诉")
    PENDING = "pending", _("申诉待复核")
    UPHELD = "upheld", _("申诉成立")
    REJECTED = "rejected", _("申诉不成立")


class ReviewPolicy(models.Model):
    """The county's settings for reviews: one row (the first); absent, the defaults apply."""

    supervision_unit = models.ForeignKey(
        Unit,
        verbose_name="监督单位（受理码上监督举报）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="留空时为督查员岗位所在单位",
    )
    good_includes_basic = models.BooleanField("“基本满意”计入好评", default=False)
    occasion_minutes = models.PositiveSmallIntegerField(
        "同一设备对同一窗口再次评价的间隔（分钟）", default=30
    )
    rectification_days = models.PositiveSmallIntegerField("差评整改时限（工作日）", default=5)
    flag_threshold = models.PositiveSmallIntegerField(
        "窗口当月差评达到此数时提请监督单位关注", default=3
    )
    min_ratings_ranked = models.PositiveIntegerField("参与公开排名的最少评价数", default=10)
    ratings_per_address_hour = models.PositiveIntegerField(
        "同一网络地址每小时最多评价次数",
        default=300,
        help_text="政务大厅的公共无线网络共用一个地址，不宜过低",
    )

    class Meta:
        verbose_name = "好差评设置"
        verbose_name_plural = "好差评设置"

    def __str__(self) -> str:
        return "好差评设置"


class RectificationLimit(models.Model):
    """A rectification deadline for one unit and/or one reason; the most specific wins."""

    unit = models.ForeignKey(
        Unit, verbose_name="单位", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField("差评原因", max_length=16, choices=BadReason.choices, blank=True)
    days = models.PositiveSmallIntegerField("整改时限（工作日）")

    class Meta:
        verbose_name = "整改时限"
        verbose_name_plural = "整改时限"
        constraints = [
            models.UniqueConstraint(fields=["unit", "reason"], name="rectlimit_unique"),
            models.CheckConstraint(condition=Q(days__gte=1, days__lte=60), name="rectlimit_days"),
        ]

    def __str__(self) -> str:
        return f"{self.unit or '全部单位'} · {self.get_reason_display() or '全部原因'}"


class ServiceItem(models.Model):
    """An entry of the county's service catalogue (服务事项)."""

    code = models.CharField("事项编码", max_length=64, unique=True)
    name = models.CharField("事项名称", max_length=200)
    owning_unit = models.ForeignKey(
        Unit, verbose_name="主管单位", on_delete=models.PROTECT, related_name="service_items"
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "服务事项"
        verbose_name_plural = "服务事项"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ServicePoint(models.Model):
    """A window or service counter that can be rated, with its QR code."""

    unit = models.OneToOneField(
        Unit,
        verbose_name="窗口",
        on_delete=models.PROTECT,
        related_name="service_point",
        limit_choices_to={"kind": "window"},
    )
    # The unit answerable for the window (a department's window in the hall, or the hall or
    # township centre itself): bad ratings are counted against it and it assists in fixing.
    owner = models.ForeignKey(
        Unit, verbose_name="责任单位", on_delete=models.PROTECT, related_name="+"
    )
    items = models.ManyToManyField(
        ServiceItem, verbose_name="服务事项", blank=True, related_name="points"
    )
    qr_key = models.CharField(max_length=16, editable=False)
    qr_issued_at = models.DateTimeField("二维码签发时间", default=clock.now)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "服务窗口"
        verbose_name_plural = "服务窗口"
        ordering = ["unit__path"]

    def __str__(self) -> str:
        return str(self.unit)

    @property
    def name(self) -> str:
        return self.unit.name


class Shift(models.Model):
    """Who served at which window when (排班 / 上岗): ratings go to whoever is on duty."""

    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="shifts")
    user = models.ForeignKey(
        User, verbose_name="工作人员", on_delete=models.PROTECT, related_name="review_shifts"
    )
    started_at = models.DateTimeField("上岗时间", default=clock.now)
    ended_at = models.DateTimeField("离岗时间", null=True, blank=True)
    # From an imported roster (排班表): on duty from start to end without signing in. A
    # console sign-in at the window outranks it while open.
    rostered = models.BooleanField("排班导入", default=False)

    class Meta:
        verbose_name = "窗口值守"
        verbose_name_plural = "窗口值守"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["point", "started_at"], name="shift_point_start")]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(ended_at__isnull=True), name="shift_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.point} · {self.user}"


class KioskDevice(models.Model):
    """A rating tablet (评价器) locked to one window by its device token (kept hashed)."""

    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="kiosks")
    name = models.CharField("名称", max_length=64)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = "评价器"
        verbose_name_plural = "评价器"

    def __str__(self) -> str:
        return f"{self.point} · {self.name}"


class ServiceOccasion(models.Model):
    """One service given at a window (staff pressed "done"): a kiosk rating is tied to it,
    and rated ÷ recorded occasions is the active-rating rate."""

    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="occasions")
    staff = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    item = models.ForeignKey(
        ServiceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    kiosk = models.ForeignKey(
        KioskDevice, null=True, blank=True, on_delete=models.PROTECT, related_name="occasions"
    )
    at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = "服务记录"
        verbose_name_plural = "服务记录"
        indexes = [models.Index(fields=["point", "at"], name="occasion_point_at")]

    def __str__(self) -> str:
        return f"{self.point} · {self.at:%Y-%m-%d %H:%M}"


class Rating(models.Model):
    """One rating of one service (好差评). Never deleted: an upheld appeal only takes it out
    of the figures (``appeal_state``)."""

    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="ratings")
    # The window's responsible unit when rated: a later change of owner does not move it.
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="ratings_received"
    )
    item = models.ForeignKey(
        ServiceItem, null=True, blank=True, on_delete=models.PROTECT, related_name="ratings"
    )
    channel = models.CharField("评价方式", max_length=8, choices=RatingChannel.choices)
    level = models.PositiveSmallIntegerField("评价", choices=Level.choices)
    reasons = models.JSONField("差评原因", default=list, blank=True)
    comment = models.TextField("意见", blank=True)
    # A keyed hash of the rater's device cookie: one rating per device per window per
    # service occasion, without keeping anything that identifies the phone.
    device_key = models.CharField(max_length=40, blank=True, editable=False)
    submission_key = models.CharField(max_length=64, blank=True, editable=False)
    occasion = models.OneToOneField(
        ServiceOccasion, null=True, blank=True, on_delete=models.PROTECT, related_name="rating"
    )
    follows = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="follow_up"
    )
    rectification = models.OneToOneField(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="rating"
    )
    appeal_state = models.CharField(
        max_length=10, choices=AppealState.choices, blank=True, default=""
    )
    created_at = models.DateTimeField("评价时间", default=clock.now)

    class Meta:
        verbose_name = "评价"
        verbose_name_plural = "评价"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The disclosure page and figures read one month, grouped by unit and level.
            models.Index(fields=["created_at", "unit", "level"], name="rating_month_unit"),
            models.Index(fields=["point", "created_at"], name="rating_point_at"),
            models.Index(fields=["point", "device_key", "created_at"], name="rating_device"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="rating_level"),
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=~Q(submission_key=""),
                name="rating_unique_submission_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.point_id} · {self.level} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def bad(self) -> bool:
        return self.level <= 2


class Appeal(models.Model):
    """A unit contests a bad rating (申诉复核); the supervision office decides."""

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="appeal")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("申诉理由")
    evidence = models.TextField("证据说明", blank=True)
    state = models.CharField(max_length=10, choices=AppealState.choices)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_reason = models.TextField("复核意见", blank=True)
    created_at = models.DateTimeField(default=clock.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "申诉"
        verbose_name_plural = "申诉"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.rating_id} · {self.get_state_display()}"


class MisconductReport(models.Model):
    """A 码上监督 report. Its case goes to the supervision office only; who reported is kept
    here, encrypted, and shown to the supervision office's posts alone."""

    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="reports")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="misconduct_report")
    # Who was on duty when it was reported: what the report is most likely about.
    staff_on_duty = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reporter_name = EncryptedTextField("举报人", blank=True)
    reporter_phone = EncryptedTextField("举报人电话", blank=True)
    device_key = models.CharField(max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = "码上监督举报"
        verbose_name_plural = "码上监督举报"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.point_id} · {self.case_id}"

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.reporter_phone)


class WindowFlag(models.Model):
    """A window whose bad ratings reached the month's threshold, for the supervision office."""

    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="flags")
    month = models.DateField("月份")
    bad_count = models.PositiveIntegerField("差评数")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = "差评预警"
        verbose_name_plural = "差评预警"
        ordering = ["-month", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["point", "month"], name="flag_one_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.point_id} · {self.month:%Y-%m}"


class ImmutableEventError(Exception):
    pass


class _EventQuerySet(models.QuerySet["ReviewEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableEventError("评价记录只能追加，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableEventError("评价记录只能追加，不能删除")


class ReviewEvent(models.Model):
    """What happened to a rating, an appeal or a report: rated, appealed, decided, followed
    up, flagged, reporter revealed. Added, never changed."""

    kind = models.CharField(max_length=32)
    rating = models.ForeignKey(
        Rating, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    appeal = models.ForeignKey(
        Appeal, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    report = models.ForeignKey(
        MisconductReport, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    point = models.ForeignKey(ServicePoint, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_name = models.CharField(max_length=64, blank=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=clock.now)

    objects: ClassVar[models.Manager[ReviewEvent]] = _EventQuerySet.as_manager()

    class Meta:
        verbose_name = "评价记录"
        verbose_name_plural = "评价记录"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} · {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableEventError("评价记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableEventError("评价记录只能追加，不能删除")


class Disclosure(models.Model):
    """The public page's figures of one month, as last computed: the page reads this row and
    asks the background worker for a fresh one when it is older than a few minutes, so a
    month of a million ratings is counted once per refresh, not once per visitor."""

    month = models.DateField("月份", unique=True)
    payload = models.JSONField(default=dict)
    computed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "好差评公开数据"
        verbose_name_plural = "好差评公开数据"

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
