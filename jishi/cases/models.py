"""The ledger (台账): cases, their append-only hash-chained events, clocks and attachments.

A ``Case`` row is a *projection*: its state, deadlines and counters are what its events say.
The events are the record (DESIGN.md rules 1 and 2); ``verify_ledger`` proves they were not
rewritten, and every figure in a bulletin can be recomputed from them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.db import models
from django.db.models import ExpressionWrapper, F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jishi.common import crypto, masking
from jishi.orgs.models import Unit, User


class CaseKind(models.TextChoices):
    REQUEST = "request", _("诉求")
    COMPLAINT = "complaint", _("投诉")
    SUGGESTION = "suggestion", _("意见建议")
    INQUIRY = "inquiry", _("咨询")
    PRAISE = "praise", _("表扬")


class Channel(models.TextChoices):
    PORTAL = "portal", _("群众门户")
    WINDOW_QR = "window_qr", _("码上监督")
    # A misconduct report (码上监督 举报): confidential, routed to the supervision office only.
    MISCONDUCT = "misconduct", _("码上监督举报")
    FIELD_VISIT = "field_visit", _("百名书记访万家")
    HALL_DESK = "hall_desk", _("局长进政务大厅")
    HOTLINE = "hotline", _("热线")
    SURVEY = "survey", _("大调研")
    INSPECTION = "inspection", _("督查")
    # A question or problem raised at a talk (六讲六进: "learn and do").
    OUTREACH = "outreach", _("宣讲")
    IMPORT = "import", _("导入")
    API = "api", _("接口")


class State(models.TextChoices):
    ACCEPTED = "accepted", _("待派单")
    DISPATCHED = "dispatched", _("待签收")
    RETURNED = "returned", _("已退单")
    IN_PROGRESS = "in_progress", _("办理中")
    REPLIED = "replied", _("待回访")
    CLOSED = "closed", _("已办结")
    # The state, not the button that rejects ("Rejected", not "Reject").
    REJECTED = "rejected", pgettext_lazy("case state", "不予受理")
    MERGED = "merged", _("已合并")


OPEN_STATES = frozenset(
    {State.ACCEPTED, State.DISPATCHED, State.RETURNED, State.IN_PROGRESS, State.REPLIED}
)
FINAL_STATES = frozenset({State.CLOSED, State.REJECTED, State.MERGED})


class Satisfaction(models.IntegerChoices):
    """The five national levels of 好差评 / 回访."""

    VERY_SATISFIED = 5, _("非常满意")
    SATISFIED = 4, _("满意")
    BASICALLY_SATISFIED = 3, _("基本满意")
    UNSATISFIED = 2, _("不满意")
    VERY_UNSATISFIED = 1, _("非常不满意")


class Category(models.Model):
    """A node of the case category tree; the owning unit is where routing sends it."""

    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=64)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    owning_unit = models.ForeignKey(
        Unit,
        verbose_name="归口单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_categories",
    )
    active = models.BooleanField("启用", default=True)
    sort_order = models.IntegerField("排序", default=0)

    class Meta:
        verbose_name = "事项分类"
        verbose_name_plural = "事项分类"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class LimitUnit(models.TextChoices):
    WORKDAY = "workday", _("工作日")
    WORKHOUR = "workhour", _("工作小时")


class TimeLimit(models.Model):
    """Response and handling limits for a category and/or kind; the most specific row wins
    (category + kind, then category, then kind, then the county default row with neither)."""

    category = models.ForeignKey(
        Category,
        verbose_name="分类",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="time_limits",
    )
    kind = models.CharField("类型", max_length=16, choices=CaseKind.choices, blank=True)
    response_amount = models.PositiveIntegerField("签收时限", default=1)
    response_unit = models.CharField(
        "签收时限单位", max_length=8, choices=LimitUnit.choices, default=LimitUnit.WORKDAY
    )
    handling_days = models.PositiveIntegerField("办理时限（工作日）")

    class Meta:
        verbose_name = "办理时限"
        verbose_name_plural = "办理时限"
        # One row per (category, kind), where a missing category means "all categories".
        # Two partial constraints rather than nulls_distinct=False, which SQLite lacks.
        constraints = [
            models.UniqueConstraint(
                fields=["category", "kind"],
                condition=Q(category__isnull=False),
                name="timelimit_unique",
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(category__isnull=True),
                name="timelimit_unique_default",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or '全部分类'} · {self.get_kind_display() or '全部类型'}"


class EncryptedTextField(models.TextField[str, str]):
    """Stores a Fernet token; Python code sees the plain value. Never filter on it: use the
    ``*_index`` blind index beside it."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str:
        return crypto.decrypt(value) if value else ""

    def get_prep_value(self, value: Any) -> str:
        value = super().get_prep_value(value)
        return crypto.encrypt(value) if value else ""


class Case(models.Model):
    """One request, complaint, suggestion, inquiry or praise, from intake to closure."""

    code = models.CharField("受理编号", max_length=16, unique=True)
    kind = models.CharField("类型", max_length=16, choices=CaseKind.choices)
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    category = models.ForeignKey(
        Category,
        verbose_name="分类",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    title = models.CharField("标题", max_length=120)
    text = models.TextField("内容")
    # Title and text in Simplified characters, lower-cased: what search matches against, so a
    # Traditional query finds Simplified text and the other way round.
    search_text = models.TextField(blank=True, editable=False)
    township = models.ForeignKey(
        Unit,
        verbose_name="乡镇",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    village = models.ForeignKey(
        Unit,
        verbose_name="村(社区)",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField("地址", max_length=200, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)

    anonymous = models.BooleanField("匿名", default=False)
    citizen_name = models.CharField("群众姓名", max_length=64, blank=True)
    citizen_phone = EncryptedTextField("联系电话", blank=True)
    citizen_phone_index = models.CharField(max_length=32, blank=True, db_index=True, editable=False)
    citizen_id_number = EncryptedTextField("身份证号", blank=True)
    # The secret printed on the citizen's receipt: with the tracking code it opens the case
    # on any device, for cases with no phone too. Encrypted, so the receipt can be shown
    # again to the browser that submitted it.
    tracking_pin = EncryptedTextField("查询密码", blank=True)
    # The portal form's one-time token: a client that lost the answer and sends the form
    # again gets the case its first sending made (unique where given).
    submission_key = models.CharField(max_length=64, blank=True, editable=False)

    lead_unit = models.ForeignKey(
        Unit,
        verbose_name="主办单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    assisting_units = models.ManyToManyField(
        Unit, verbose_name="协办单位", blank=True, related_name="assisted_cases"
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name="合并至",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_cases",
    )
    external_ref = models.CharField("外部编号", max_length=64, blank=True)

    state = models.CharField("状态", max_length=16, choices=State.choices)
    accepted_at = models.DateTimeField("受理时间")
    dispatched_at = models.DateTimeField("派单时间", null=True, blank=True)
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    response_due = models.DateTimeField("签收期限", null=True, blank=True)
    handling_due = models.DateTimeField("办理期限", null=True, blank=True)
    due_estimated = models.BooleanField("期限为估算", default=False)

    extension_pending = models.BooleanField("延期待审批", default=False)
    arbitrated = models.BooleanField("已裁定", default=False)
    supervised = models.BooleanField("督办中", default=False)
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    return_count = models.PositiveSmallIntegerField("退单次数", default=0)
    # The citizen must be called back before the case may close (a bad rating's rectification
    # where the rater left a phone): closing without a callback answer is refused until
    # enough failed attempts are on record (``JISHI_CALLBACK_ATTEMPTS``).
    callback_required = models.BooleanField("须回访", default=False)
    resolved = models.BooleanField("已解决（回访）", null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        "满意度（回访）", choices=Satisfaction.choices, null=True, blank=True
    )

    version = models.PositiveIntegerField("版本", default=0)
    # The version the reports' daily figures were last computed from (``reports.aggregates``):
    # a case whose version has moved on is waiting to be counted. Kept here, beside the
    # version every step already writes, so intake and the steps pay no extra statement.
    figures_version = models.PositiveIntegerField(default=0, editable=False)
    # Computed by the database on every write: a plain column the planner keeps statistics
    # on, so "the few waiting cases" is always read from the partial index below (a
    # comparison of two columns is guessed to hold for nearly every row, and PostgreSQL then
    # scans the table for the first one).
    figures_waiting = models.GeneratedField(
        expression=ExpressionWrapper(
            ~Q(version=F("figures_version")), output_field=models.BooleanField()
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    last_hash = models.CharField(max_length=64, editable=False)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "事项"
        verbose_name_plural = "事项"
        ordering = ["-accepted_at", "-id"]
        indexes = [
            # My work lists a state's cases by deadline, the id breaking ties: with the id in
            # the index the first twenty come straight off it, not from sorting a backlog.
            # The report dimensions ride along (PostgreSQL) so the reports' overdue counts per
            # unit, township, category, channel or kind are read from the index alone.
            models.Index(
                fields=["state", "handling_due", "id"],
                include=["lead_unit", "township", "category", "channel", "kind"],
                name="case_state_due_id",
            ),
            models.Index(fields=["state", "response_due", "id"], name="case_state_response_due_id"),
            # Reopened cases back in handling are few; without their own index the "returned
            # to me" group walks every case in handling to find none.
            models.Index(
                fields=["handling_due", "id"],
                condition=Q(state="in_progress", reopen_count__gt=0),
                name="case_redo_due",
            ),
            # The dispatch queue: the cases waiting for routing, in order of arrival, are few
            # among a million; a partial index holds just them.
            models.Index(
                fields=["accepted_at", "id"],
                condition=Q(state__in=["accepted", "returned"]),
                name="case_waiting",
            ),
            models.Index(fields=["lead_unit", "state"], name="case_lead_state"),
            models.Index(fields=["township", "state"], name="case_township_state"),
            models.Index(fields=["village", "state"], name="case_village_state"),
            models.Index(fields=["-accepted_at", "-id"], name="case_accepted"),
            models.Index(fields=["category", "state"], name="case_category_state"),
            models.Index(fields=["channel", "accepted_at"], name="case_channel_accepted"),
            # The cases the daily figures have yet to count: few among a million.
            models.Index(
                fields=["id"], condition=Q(figures_waiting=True), name="case_figures_waiting"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="case_satisfaction_range",
            ),
            models.CheckConstraint(
                condition=~Q(state="merged") | Q(merged_into__isnull=False),
                name="case_merged_has_target",
            ),
            models.UniqueConstraint(
                fields=["submission_key"],
                condition=~Q(submission_key=""),
                name="case_unique_submission_key",
            ),
        ]

    def __str__(self) -> str:
        # Shown in the admin, in pickers and in logs: never a number the citizen typed.
        return f"{self.code} {masking.mask_personal_numbers(self.title)}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def phone_masked(self) -> str:
        return crypto.mask_phone(self.citizen_phone)

    @property
    def id_number_masked(self) -> str:
        return crypto.mask_id_number(self.citizen_id_number)


class ImmutableQuerySet(models.QuerySet["CaseEvent"]):
    """Events can be added and read, never changed: bulk update and delete refuse too."""

    def update(self, **kwargs: Any) -> int:
        raise ImmutableEventError("事项记录只能追加，不能修改")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableEventError("事项记录只能追加，不能删除")


class ImmutableEventError(Exception):
    pass


class CaseEvent(models.Model):
    """One step in a case's history. ``hash = sha256(prev_hash + canonical JSON)``; the
    chain is per case, so intake in different cases never waits on one global lock, while
    ``Case.last_hash`` and ``Case.version`` pin the head so a dropped tail is noticed too."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
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
    actor_unit_name = models.CharField(max_length=100, blank=True)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects: ClassVar[models.Manager[CaseEvent]] = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = "事项记录"
        verbose_name_plural = "事项记录"
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="caseevent_unique_seq"),
        ]
        indexes = [
            models.Index(fields=["kind", "created_at"], name="caseevent_kind_at"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableEventError("事项记录只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableEventError("事项记录只能追加，不能删除")


class ClockKind(models.TextChoices):
    RESPONSE = "response", _("签收时限")
    HANDLING = "handling", _("办理时限")
    SUPERVISION = "supervision", _("督办时限")


class CaseClock(models.Model):
    """An SLA clock: started by one event, stopped by another, with the rule that set it.

    A projection of events (every start and stop is in an event's payload); kept as rows so
    "what is due soon" is an indexed query rather than a replay.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(max_length=16, choices=ClockKind.choices)
    started_at = models.DateTimeField()
    started_seq = models.PositiveIntegerField()
    limit_amount = models.PositiveIntegerField()
    limit_unit = models.CharField(max_length=8, choices=LimitUnit.choices)
    extension_days = models.PositiveIntegerField(default=0)
    due_at = models.DateTimeField()
    estimated = models.BooleanField(default=False)
    rule = models.CharField(max_length=200)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_seq = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = "时限"
        verbose_name_plural = "时限"
        indexes = [
            models.Index(
                fields=["due_at"], name="clock_running_due", condition=Q(stopped_at__isnull=True)
            ),
            # "Answered late" on every ledger row and the overdue filter: a small index, so
            # the planner looks clocks up by case instead of scanning them all.
            models.Index(fields=["case"], name="clock_late_case", condition=Q(outcome="late")),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} → {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def running(self) -> bool:
        return self.stopped_at is None


def attachment_path(instance: Attachment, filename: str) -> str:
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"attachments/{instance.sha256[:2]}/{instance.sha256}.{ext}"


class Attachment(models.Model):
    """A photo attached to a case, checked to be a real image of an accepted format."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    event_seq = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField()

    class Meta:
        verbose_name = "附件"
        verbose_name_plural = "附件"
        constraints = [
            models.UniqueConstraint(fields=["case", "sha256"], name="attachment_unique_per_case")
        ]

    def __str__(self) -> str:
        return self.original_name


from jishi.cases.models_checkpoint import LedgerCheckpoint  # noqa: F401,E402
from jishi.cases.models_export import LedgerExport  # noqa: F401,E402
from jishi.cases.models_hotspots import Hotspot  # noqa: F401,E402
