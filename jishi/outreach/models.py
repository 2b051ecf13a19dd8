"""Outreach (宣讲 · 学习教育): sites, series of talks, talks, QR check-in, party branches.

A ``Talk`` is one session of a ``Series`` (六讲六进 …) held at a ``Site`` or another place,
in one of the six settings (进机关 … 进军营). Its QR code carries a signed token naming the
talk and its ``checkin_key``; reissuing the key retires every printed poster. Remote members
(流动党员) check in through a second link with its own key and its own window.

A ``CheckIn`` is one person (or one anonymous phone) at one talk. Two named check-ins are the
same person when their names match (as ``name_key`` folds them) and they gave the same unit
text (``person_key``) or came from the same phone (``device_key``); each of the two rules is a
unique constraint per talk, so a person checking in twice is counted once, however the two
requests race and however differently they spelt their unit the second time.

The organiser's count of people without phones (现场补录) is a list of ``HeadCount`` entries
that only ever grows: the talk's head count is their sum, and a correction is one more entry
(negative, with its reason), never an overwrite. A question raised at a talk becomes a case
(channel ``outreach``) and a ``TalkQuestion`` keeps the link.

A ``Branch`` (党支部) lists its members (``BranchMember``, flags 困难党员 / 流动党员); a check-in
matched to a member is their learning record.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jishi.cases.models import Case
from jishi.orgs.models import Unit, User

# How long before a talk starts and after it ends its on-site code is accepted.
CHECKIN_EARLY = timedelta(minutes=30)
CHECKIN_LATE = timedelta(minutes=30)


class SiteKind(models.TextChoices):
    HERITAGE = "heritage", _("红色遗址")
    CLASSROOM = "classroom", _("课堂教室")
    VILLAGE_HALL = "village_hall", _("村(社区)活动室")
    OTHER = "other", _("其他场所")


class Setting(models.TextChoices):
    """The six target settings of 六讲六进."""

    OFFICE = "office", _("进机关")
    VILLAGE = "village", _("进农村")
    COMMUNITY = "community", _("进社区")
    ENTERPRISE = "enterprise", _("进企业")
    SCHOOL = "school", _("进学校")
    BARRACKS = "barracks", _("进军营")


class CheckInChannel(models.TextChoices):
    ONSITE = "onsite", _("现场扫码")
    REMOTE = "remote", _("流动党员远程")
    # Recorded by the branch secretary or the organiser for a member who attended without a
    # matching check-in: taught at home (送学上门), or added to the branch after the talk.
    MARKED = "marked", _("补记参学")


class Site(models.Model):
    """A place where talks are held: a heritage site, a classroom, a village hall."""

    name = models.CharField("名称", max_length=100)
    kind = models.CharField("类型", max_length=16, choices=SiteKind.choices)
    township = models.ForeignKey(
        Unit, verbose_name="乡镇", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
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
    description = models.TextField("简介", blank=True)
    capacity = models.PositiveIntegerField("可容纳人数", null=True, blank=True)
    opening_hours = models.CharField("开放时间", max_length=100, blank=True)
    active = models.BooleanField("开放", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "宣讲阵地"
        verbose_name_plural = "宣讲阵地"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class SitePhoto(models.Model):
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField("照片", upload_to="outreach/sites/%Y/%m/")
    caption = models.CharField("说明", max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = "阵地照片"
        verbose_name_plural = "阵地照片"
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class Series(models.Model):
    """A campaign of talks (六讲六进 …) with its themes; talks name one of them."""

    name = models.CharField("名称", max_length=100, unique=True)
    description = models.TextField("说明", blank=True)
    themes = models.JSONField("主题", default=list, blank=True)
    active = models.BooleanField("进行中", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "宣讲系列"
        verbose_name_plural = "宣讲系列"
        ordering = ["-active", "name"]

    def __str__(self) -> str:
        return self.name


class Talk(models.Model):
    """One outreach session (宣讲)."""

    series = models.ForeignKey(
        Series,
        verbose_name="系列",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="talks",
    )
    title = models.CharField("题目", max_length=120)
    theme = models.CharField("主题", max_length=100, blank=True)
    speaker = models.CharField("宣讲人", max_length=64)
    setting = models.CharField("六进场景", max_length=16, choices=Setting.choices)
    organiser = models.ForeignKey(
        Unit, verbose_name="主办单位", on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        Site,
        verbose_name="阵地",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="talks",
    )
    place = models.CharField("地点", max_length=200, blank=True)
    township = models.ForeignKey(
        Unit, verbose_name="乡镇", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField("开始时间", db_index=True)
    ends_at = models.DateTimeField("结束时间")
    audience = models.CharField("对象", max_length=100, blank=True)
    expected_size = models.PositiveIntegerField("预计人数", null=True, blank=True)
    materials = models.TextField("宣讲材料", blank=True)
    recording_url = models.URLField("录像链接", max_length=500, blank=True)
    checkin_key = models.CharField(max_length=16)
    remote_key = models.CharField(max_length=16, blank=True)
    remote_opens_at = models.DateTimeField("远程签到开始", null=True, blank=True)
    remote_closes_at = models.DateTimeField("远程签到截止", null=True, blank=True)
    cancelled = models.BooleanField("已取消", default=False)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "宣讲"
        verbose_name_plural = "宣讲"
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="talk_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["organiser", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def opens_at(self) -> datetime:
        return self.starts_at - CHECKIN_EARLY

    @property
    def closes_at(self) -> datetime:
        return self.ends_at + CHECKIN_LATE

    @property
    def where(self) -> str:
        return self.site.name if self.site_id and self.site is not None else self.place


class Branch(models.Model):
    """A party branch (党支部) of a unit; its secretary sees who has attended nothing."""

    name = models.CharField("名称", max_length=100, unique=True)
    unit = models.ForeignKey(
        Unit, verbose_name="所在单位", on_delete=models.PROTECT, related_name="+"
    )
    secretary = models.ForeignKey(
        User,
        verbose_name="支部书记",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "党支部"
        verbose_name_plural = "党支部"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BranchMember(models.Model):
    """A member of a branch. ``name_key`` is the name as check-ins are matched against it."""

    branch = models.ForeignKey(
        Branch, verbose_name="支部", on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField("姓名", max_length=32)
    name_key = models.CharField(max_length=32, editable=False, db_index=True)
    hardship = models.BooleanField("困难党员", default=False)
    remote = models.BooleanField("流动党员", default=False)
    note = models.CharField("备注", max_length=100, blank=True)
    active = models.BooleanField("在册", default=True)

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        ordering = ["branch", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["branch", "name_key"], name="member_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class CheckInQuerySet(models.QuerySet["CheckIn"]):
    def counted(self) -> CheckInQuerySet:
        """The check-ins that count: all but those the organiser struck out as bogus."""
        return self.filter(struck_at__isnull=True)


class CheckIn(models.Model):
    """One person, or one anonymous phone, at one talk (签到).

    A member marked as attended by hand (channel ``marked``) is a check-in too, with who
    marked it and why. A bogus check-in is never deleted: the organiser strikes it out
    (``struck_at``, by whom, why) and it stops counting.
    """

    talk = models.ForeignKey(Talk, on_delete=models.PROTECT, related_name="checkins")
    channel = models.CharField(max_length=8, choices=CheckInChannel.choices)
    # "n:<hash of name and unit>" or "d:<device key>": unique per talk, so twice is once.
    person_key = models.CharField(max_length=48)
    # The name as identity compares it (folded, Simplified, no spaces); "" when anonymous.
    # With ``device_key`` unique per talk: the same name from the same phone is one person,
    # whatever unit text came with it.
    name_key = models.CharField(max_length=32, blank=True, default="", editable=False)
    name = models.CharField("姓名", max_length=32, blank=True)
    unit_text = models.CharField("单位或支部", max_length=64, blank=True)
    member = models.ForeignKey(
        BranchMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="checkins"
    )
    device_key = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()
    marked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    struck_at = models.DateTimeField("划除时间", null=True, blank=True)
    struck_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    struck_reason = models.CharField("划除原因", max_length=200, blank=True)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        verbose_name = "签到"
        verbose_name_plural = "签到"
        ordering = ["created_at", "id"]
        # Only counted check-ins are unique: a struck prank in a real member's name must not
        # take that member's place when they scan for themselves.
        constraints = [
            models.UniqueConstraint(
                fields=["talk", "person_key"],
                condition=Q(struck_at__isnull=True),
                name="checkin_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["talk", "name_key", "device_key"],
                condition=~Q(name_key="") & ~Q(device_key="") & Q(struck_at__isnull=True),
                name="checkin_once_per_name_and_phone",
            ),
        ]

    def __str__(self) -> str:
        return self.name or "匿名"

    @property
    def anonymous(self) -> bool:
        return not self.name


class HeadCount(models.Model):
    """One entry of the organiser's count of attendees without phones (现场补录).

    Entries are only added: the talk's head count is their sum. A correction is a further
    entry, negative when the count was too high, and says why in ``note``; nothing is
    overwritten, so the list shows who counted what and when.
    """

    talk = models.ForeignKey(Talk, on_delete=models.PROTECT, related_name="head_counts")
    count = models.IntegerField("人数")
    note = models.CharField("说明", max_length=200, blank=True)
    # Empty only for the counts carried over from before entries were kept.
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "现场补录"
        verbose_name_plural = "现场补录"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(count=0), name="head_count_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.talk_id}: {self.count:+d}"


class TalkQuestion(models.Model):
    """A question or problem raised at a talk, recorded on the spot as a case."""

    talk = models.ForeignKey(Talk, on_delete=models.PROTECT, related_name="questions")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="talk_question")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "宣讲现场问题"
        verbose_name_plural = "宣讲现场问题"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.case.code


class SiteVisit(models.Model):
    """Visitors to a site outside talks (参观接待): a school class, a work unit's day out, the
    walk-ins of a day. Entries are only added, like head counts: the site's visitors are
    their sum, and a count that was too high is corrected by a negative entry with its
    reason."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="visits")
    visited_on = models.DateField("日期", db_index=True)
    count = models.IntegerField("人数")
    group = models.CharField("团体或说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "阵地参观"
        verbose_name_plural = "阵地参观"
        ordering = ["-visited_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(count=0), name="site_visit_not_zero"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.visited_on}: {self.count:+d}"
