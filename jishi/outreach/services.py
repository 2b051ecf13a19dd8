"""Every write of outreach: sites, series, talks, check-in, head counts, questions → cases.

Cases are made through ``jishi.cases.services`` only (channel ``outreach``); the
``TalkQuestion`` row links each to its talk in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from jishi.cases import services as cases
from jishi.cases.models import CaseKind, Channel
from jishi.cases.router import route_for_intake
from jishi.common import clock, ratelimit
from jishi.common.errors import InvalidInput, NotFound, PermissionDenied
from jishi.common.ratelimit import Rate
from jishi.common.text import fold, search_key, strip_invisible
from jishi.orgs.access import is_county_wide, posted_within
from jishi.orgs.models import Unit, UnitKind, User
from jishi.orgs.selectors import people_in
from jishi.outreach import tokens
from jishi.outreach.identity import NAME_MAX, name_key, person_key, unit_key
from jishi.outreach.models import (
    Branch,
    BranchMember,
    CheckIn,
    CheckInChannel,
    HeadCount,
    Series,
    Setting,
    Site,
    SiteKind,
    SitePhoto,
    SiteVisit,
    Talk,
    TalkQuestion,
)

UNIT_TEXT_MAX = 64
TITLE_MAX = 120
SPEAKER_MAX = 64
THEME_MAX = 100
PLACE_MAX = 200
AUDIENCE_MAX = 100
MATERIALS_MAX = 5000
QUESTION_MAX = 2000
HEAD_COUNT_MAX = 100_000
HEAD_NOTE_MAX = 200
# A talk longer than this is a typo in the end time.
TALK_MAX_HOURS = 24
# A hall's guests share one wireless network (or one carrier's NAT): every phone in the room
# may come from one address. The brake per address is therefore counted per talk and grows
# with the talk: three times its expected size or its site's capacity, and never below a floor
# no single hall without either reaches in an hour. It stops a script, not a crowd; a prank
# that gets through is struck out by the organiser (``checkin_strike``).
PER_ADDRESS_FLOOR = 1000
PER_ADDRESS_PER_SEAT = 3
# One phone may check in a few family members, not a crowd.
PER_DEVICE = Rate("outreach.checkin.device", limit=10, window=3600)


class TooFrequent(InvalidInput):
    """Refused by a rate limit (429)."""

    status = 429

    def __init__(self, message: str) -> None:
        super().__init__(message, errors={"__all__": [message]})


class OutsideWindow(InvalidInput):
    """A check-in before its window opens or after it closes (409): nothing is stored."""

    status = 409

    def __init__(self, message: str) -> None:
        super().__init__(message, errors={"__all__": [message]})


def clean(value: Any) -> str:
    """What people typed, as typed, without invisible and control characters."""
    return strip_invisible(str(value or "")).replace("\x00", "").strip()


def _local(at: dt.datetime) -> str:
    return f"{timezone.localtime(at):%m月%d日 %H:%M}"


def may_manage(user: User, unit: Unit | None) -> bool:
    """Who keeps a unit's talks: its own handlers and leads, and county-wide posts."""
    if not user.is_authenticated:
        return False
    if is_county_wide(user):
        return True
    return unit is not None and posted_within(user, unit)


def _check_len(
    errors: dict[str, list[str]], field: str, label: str, value: str, limit: int
) -> None:
    if len(value) > limit:
        errors[field] = [f"{label}最多 {limit} 字，现有 {len(value)} 字"]


# --- talks ---------------------------------------------------------------------------------


@dataclass
class TalkInput:
    title: str
    speaker: str
    setting: str
    organiser: Unit | None
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    series: Series | None = None
    theme: str = ""
    site: Site | None = None
    place: str = ""
    township: Unit | None = None
    audience: str = ""
    expected_size: int | None = None
    materials: str = ""
    recording_url: str = ""
    remote: bool = False
    remote_opens_at: dt.datetime | None = None
    remote_closes_at: dt.datetime | None = None


def talk_check(data: TalkInput) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Validate a talk's fields: (cleaned values, errors by field). Used by the form and the
    import alike, so a row of a schedule is judged exactly like the form."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for field, label, limit, required in (
        ("title", "题目", TITLE_MAX, True),
        ("speaker", "宣讲人", SPEAKER_MAX, True),
        ("theme", "主题", THEME_MAX, False),
        ("place", "地点", PLACE_MAX, False),
        ("audience", "对象", AUDIENCE_MAX, False),
        ("materials", "宣讲材料", MATERIALS_MAX, False),
    ):
        value = clean(getattr(data, field))
        if required and not value:
            errors[field] = [f"请填写{label}"]
        _check_len(errors, field, label, value, limit)
        values[field] = value
    if data.setting not in Setting.values:
        errors["setting"] = ["请选择六进场景"]
    values["setting"] = data.setting
    if data.organiser is None:
        errors["organiser"] = ["请选择主办单位"]
    values["organiser"] = data.organiser
    starts, ends = data.starts_at, data.ends_at
    if not isinstance(starts, dt.datetime):
        errors["starts_at"] = ["请填写开始时间"]
    if not isinstance(ends, dt.datetime):
        errors["ends_at"] = ["请填写结束时间"]
    if isinstance(starts, dt.datetime) and isinstance(ends, dt.datetime):
        if ends <= starts:
            errors["ends_at"] = ["结束时间应晚于开始时间"]
        elif ends - starts > dt.timedelta(hours=TALK_MAX_HOURS):
            errors["ends_at"] = [f"一场宣讲不超过 {TALK_MAX_HOURS} 小时，请核对结束时间"]
    values["starts_at"], values["ends_at"] = starts, ends
    if data.site is None and not values["place"]:
        errors["place"] = ["请选择宣讲阵地，或填写地点"]
    values["site"] = data.site
    township = data.township
    if township is None and data.site is not None:
        township = data.site.township
    if township is not None and township.kind != UnitKind.TOWNSHIP:
        errors["township"] = ["请选择乡镇"]
    values["township"] = township
    themes = data.series.themes if data.series is not None else []
    if values["theme"] and themes and values["theme"] not in themes:
        errors["theme"] = ["主题不在该系列的主题中：" + "、".join(themes)]
    values["series"] = data.series
    size = data.expected_size
    if size is not None and (not isinstance(size, int) or size < 1 or size > HEAD_COUNT_MAX):
        errors["expected_size"] = [f"预计人数应为 1 到 {HEAD_COUNT_MAX} 之间的整数"]
    values["expected_size"] = size
    url = clean(data.recording_url)
    if url and not (url.startswith(("https://", "http://")) and len(url) <= 500 and " " not in url):
        errors["recording_url"] = ["录像链接应为 http:// 或 https:// 开头的网址"]
    values["recording_url"] = url
    values["remote_opens_at"] = values["remote_closes_at"] = None
    if data.remote:
        opens = data.remote_opens_at or starts
        closes = data.remote_closes_at or (
            ends + dt.timedelta(days=7) if isinstance(ends, dt.datetime) else None
        )
        if isinstance(opens, dt.datetime) and isinstance(closes, dt.datetime):
            if closes <= opens:
                errors["remote_closes_at"] = ["远程签到截止时间应晚于开始时间"]
            elif closes - opens > dt.timedelta(days=60):
                errors["remote_closes_at"] = ["远程签到最长 60 天"]
        values["remote_opens_at"], values["remote_closes_at"] = opens, closes
    return values, errors


def talk_create(*, actor: User, data: TalkInput) -> Talk:
    """Schedule a talk; it gets its check-in code (and a remote link when asked)."""
    values, errors = talk_check(data)
    if not errors and not may_manage(actor, values["organiser"]):
        errors["organiser"] = ["只能为本单位（或下级单位）安排宣讲"]
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)
    return Talk.objects.create(
        **values,
        checkin_key=tokens.new_key(),
        remote_key=tokens.new_key() if data.remote else "",
        created_by=actor,
    )


def talk_update(*, actor: User, talk: Talk, data: TalkInput) -> Talk:
    """Change a talk's details; the codes stay (posters already printed keep working)."""
    if not may_manage(actor, talk.organiser):
        raise PermissionDenied("只有主办单位可以修改这场宣讲")
    values, errors = talk_check(data)
    if not errors and not may_manage(actor, values["organiser"]):
        errors["organiser"] = ["只能为本单位（或下级单位）安排宣讲"]
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)
    with transaction.atomic():
        locked = Talk.objects.select_for_update().get(pk=talk.pk)
        for name, value in values.items():
            setattr(locked, name, value)
        if data.remote and not locked.remote_key:
            locked.remote_key = tokens.new_key()
        if not data.remote:
            locked.remote_key = ""
        locked.save()
    return locked


def talk_code_reissue(*, actor: User, talk: Talk, remote: bool = False) -> Talk:
    """Retire the talk's code (or its remote link): printed posters stop working at once."""
    if not may_manage(actor, talk.organiser):
        raise PermissionDenied("只有主办单位可以更换签到码")
    with transaction.atomic():
        locked = Talk.objects.select_for_update().get(pk=talk.pk)
        if remote:
            if not locked.remote_key:
                raise InvalidInput("这场宣讲没有开通远程签到")
            locked.remote_key = tokens.new_key()
            locked.save(update_fields=["remote_key"])
        else:
            locked.checkin_key = tokens.new_key()
            locked.save(update_fields=["checkin_key"])
    return locked


STRIKE_REASON_MAX = 200


def checkin_strike(*, actor: User, checkin: CheckIn, reason: Any) -> CheckIn:
    """划除: the organiser strikes out a bogus check-in (a prank name, a test scan). The row
    stays, with who struck it, when and why; it no longer counts anywhere (figures, the
    talk's attendance, learning records)."""
    talk = checkin.talk
    if not may_manage(actor, talk.organiser):
        raise PermissionDenied("只有主办单位可以划除签到")
    reason = clean(reason)
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["请写明划除的原因，如：恶作剧、测试扫码"]
    _check_len(errors, "reason", "原因", reason, STRIKE_REASON_MAX)
    if errors:
        raise InvalidInput("划除的内容有误，请按提示修改", errors=errors)
    with transaction.atomic():
        locked = CheckIn.objects.select_for_update().get(pk=checkin.pk)
        if locked.struck_at is not None:
            return locked  # struck once is enough; the first reason stands
        locked.struck_at, locked.struck_by, locked.struck_reason = clock.now(), actor, reason
        locked.save(update_fields=["struck_at", "struck_by", "struck_reason"])
        return locked


def talk_cancel(*, actor: User, talk: Talk) -> Talk:
    if not may_manage(actor, talk.organiser):
        raise PermissionDenied("只有主办单位可以取消这场宣讲")
    with transaction.atomic():
        locked = Talk.objects.select_for_update().get(pk=talk.pk)
        if locked.cancelled:
            return locked
        if locked.checkins.counted().exists():  # struck-out pranks do not hold a talk
            raise InvalidInput("已有人签到的宣讲不能取消")
        locked.cancelled = True
        locked.save(update_fields=["cancelled"])
    return locked


def _signed_entry(
    errors: dict[str, list[str]],
    count: Any,
    note: str,
    *,
    limit: int,
    note_field: tuple[str, str, int],
) -> int | None:
    """The count of an added-only entry (a head count, a site's visitors): a whole number
    from 1 to ``limit``, or a negative one that corrects a count too high and then says why
    in its note. Problems go into ``errors``; ``None`` when the count is unusable. The note
    is checked as ``note_field`` (field name, label, most characters)."""
    try:
        value: int | None = int(fold(str(count if count is not None else "")).strip())
    except (TypeError, ValueError):
        value = None
    if value is None or value == 0 or abs(value) > limit:
        errors["count"] = [f"请填写 1 到 {limit} 之间的整数；更正多报的人数请填负数，如 -3"]
    field, label, most = note_field
    _check_len(errors, field, label, note, most)
    if value is not None and value < 0 and not note:
        errors[field] = ["减少人数是更正，请写明原因"]
    return value


def _refuse_below_zero(after: int, message: str) -> None:
    """Refuse an entry that would take a sum below zero (called under the lock that keeps
    two corrections at once from both passing)."""
    if after < 0:
        raise InvalidInput(message, errors={"count": [message]})


def head_total(talk: Talk) -> int:
    """The talk's head count: the sum of its entries."""
    return int(talk.head_counts.aggregate(n=Sum("count"))["n"] or 0)


def head_count_add(*, actor: User, talk: Talk, count: Any, note: Any = "") -> HeadCount:
    """现场补录: one more entry in the organiser's count of attendees without phones, added to
    the entries before it (a second group counted later is a second entry). A count that was
    too high is corrected by a negative entry that says why; the sum never falls below zero.
    Nothing is overwritten, so the list shows who counted what, and when."""
    if not may_manage(actor, talk.organiser):
        raise PermissionDenied("只有主办单位可以补录人数")
    errors: dict[str, list[str]] = {}
    note = clean(note)
    value = _signed_entry(
        errors, count, note, limit=HEAD_COUNT_MAX, note_field=("note", "说明", HEAD_NOTE_MAX)
    )
    if talk.cancelled:
        errors["count"] = ["这场宣讲已取消"]
    elif clock.now() < talk.starts_at - dt.timedelta(hours=1):
        errors["count"] = ["宣讲开始后才能补录人数"]
    if errors or value is None:
        raise InvalidInput("补录的内容有误，请按提示修改", errors=errors)
    with transaction.atomic():
        # The talk's row is the lock: two organisers correcting at once cannot both take the
        # same total below zero.
        locked = Talk.objects.select_for_update().get(pk=talk.pk)
        total = head_total(locked)
        _refuse_below_zero(total + value, f"更正后人数不能少于 0：目前补录共 {total} 人")
        return HeadCount.objects.create(
            talk=locked, count=value, note=note, recorded_by=actor, created_at=clock.now()
        )


# --- check-in ------------------------------------------------------------------------------


def talk_for_code(token: str, *, remote: bool = False) -> Talk:
    """The talk a code names, or ``BadCode`` (``revoked`` when its key was reissued)."""
    read = tokens.read_remote_token if remote else tokens.read_checkin_token
    talk_id, key = read(token)
    talk = Talk.objects.select_related("site", "series", "organiser").filter(pk=talk_id).first()
    if talk is None:
        raise tokens.BadCode(revoked=False)
    current = talk.remote_key if remote else talk.checkin_key
    if not current or key != current or talk.cancelled:
        raise tokens.BadCode(revoked=True)
    return talk


def window_of(talk: Talk, channel: str) -> tuple[dt.datetime, dt.datetime]:
    if channel == CheckInChannel.REMOTE:
        opens = talk.remote_opens_at or talk.starts_at
        closes = talk.remote_closes_at or talk.ends_at
        return opens, closes
    return talk.opens_at, talk.closes_at


def window_refusal(talk: Talk, channel: str) -> str:
    """Why a check-in now would be refused ('' when it is open)."""
    opens, closes = window_of(talk, channel)
    now = clock.now()
    if now < opens:
        return f"签到尚未开始：本场宣讲 {_local(opens)} 起可以签到。"
    if now > closes:
        return f"签到已结束：本场宣讲的签到已于 {_local(closes)} 截止，未记录本次签到。"
    return ""


def _match_member(talk: Talk, name: str, unit_text: str) -> BranchMember | None:
    """The branch member this check-in is, when it can be told: the branch named, else the
    only member of that name in the talk's township."""
    key = name_key(name)
    members = BranchMember.objects.filter(name_key=key, active=True, branch__active=True)
    if unit_text:
        branch_key = unit_key(unit_text)
        named = [
            m for m in members.select_related("branch") if unit_key(m.branch.name) == branch_key
        ]
        if len(named) == 1:
            return named[0]
    if talk.township_id:
        township = talk.township
        local = [
            m
            for m in members.select_related("branch__unit")
            if township is not None and m.branch.unit.is_within(township)
        ]
        if len(local) == 1:
            return local[0]
    return None


def per_address_limit(talk: Talk) -> int:
    """How many check-ins one address may make at one talk in an hour (see the floor)."""
    capacity = talk.site.capacity if talk.site_id and talk.site is not None else None
    size = max(talk.expected_size or 0, capacity or 0)
    return max(PER_ADDRESS_FLOOR, PER_ADDRESS_PER_SEAT * size)


@dataclass(frozen=True)
class CheckInResult:
    checkin: CheckIn
    created: bool


def checkin_record(
    *,
    talk: Talk,
    channel: str = CheckInChannel.ONSITE,
    name: str = "",
    unit_text: str = "",
    anonymous: bool = False,
    device_key: str = "",
    address: str = "",
) -> CheckInResult:
    """签到: one person (or one anonymous phone) at one talk, within the window. A second
    check-in of the same person (the same name with the same unit text, or the same name from
    the same phone whatever unit text it gives) or of the same anonymous phone answers with
    the first and counts nothing. Refused outside the window, or by the rate limits, with
    nothing stored."""
    if channel not in CheckInChannel.values:
        raise InvalidInput("签到方式无效")
    if talk.cancelled:
        raise OutsideWindow("这场宣讲已取消，不能签到。")
    refusal = window_refusal(talk, channel)
    if refusal:
        raise OutsideWindow(refusal)
    name, unit_text = clean(name), clean(unit_text)
    errors: dict[str, list[str]] = {}
    if anonymous:
        name = unit_text = ""
        if not device_key:
            errors["__all__"] = ["无法识别这部手机，请允许浏览器保存 Cookie 后重试。"]
    elif not name:
        errors["name"] = ["请填写姓名，或选择“匿名签到”"]
    _check_len(errors, "name", "姓名", name, NAME_MAX)
    _check_len(errors, "unit_text", "单位或支部", unit_text, UNIT_TEXT_MAX)
    if name and not name_key(name):
        errors["name"] = ["请填写姓名"]
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)
    per_address = Rate("outreach.checkin.ip", limit=per_address_limit(talk), window=3600)
    if address and not ratelimit.allow(per_address, str(talk.pk), address):
        raise TooFrequent("签到过于频繁，请稍后再试。")
    if device_key and not ratelimit.allow(PER_DEVICE, str(talk.pk), device_key):
        raise TooFrequent("这部手机签到次数过多，请稍后再试。")
    key = person_key(name, unit_text, device_key)
    nkey = name_key(name) if name else ""
    member = _match_member(talk, name, unit_text) if name else None
    same = Q(person_key=key)
    if nkey and device_key:
        same |= Q(name_key=nkey, device_key=device_key)
    # Asked first so that the usual second scan answers without a failed insert; the unique
    # constraints decide when two requests race. Only counted check-ins are compared (as the
    # constraints do): a struck prank in this person's name must not stand in for them.
    counted = CheckIn.objects.counted().filter(same, talk=talk).order_by("created_at", "id")
    existing = counted.first()
    if existing is not None:
        return CheckInResult(existing, created=False)
    try:
        with transaction.atomic():
            checkin = CheckIn.objects.create(
                talk=talk,
                channel=channel,
                person_key=key,
                name_key=nkey,
                name=name,
                unit_text=unit_text,
                member=member,
                device_key=device_key,
                created_at=clock.now(),
            )
    except IntegrityError:
        existing = counted.first()
        if existing is None:
            raise
        return CheckInResult(existing, created=False)
    return CheckInResult(checkin, created=True)


# --- questions raised at a talk ------------------------------------------------------------


def question_record(
    *,
    actor: User,
    talk: Talk,
    kind: str,
    text: str,
    citizen_name: str = "",
    citizen_phone: str = "",
    village: Unit | None = None,
) -> TalkQuestion:
    """A question or problem raised at a talk becomes a case (channel ``outreach``), placed in
    the talk's township (and village), routed like any other case."""
    if not may_manage(actor, talk.organiser):
        raise PermissionDenied("只有主办单位可以登记宣讲现场的问题")
    errors: dict[str, list[str]] = {}
    text = clean(text)
    if kind not in CaseKind.values:
        errors["kind"] = ["请选择类型"]
    if not text:
        errors["text"] = ["请填写群众提出的问题"]
    _check_len(errors, "text", "内容", text, QUESTION_MAX)
    township = talk.township
    if village is not None:
        if village.kind != UnitKind.VILLAGE or (
            township is not None and village.parent_id != township.pk
        ):
            errors["village"] = ["请选择本乡镇的村(社区)"]
        elif township is None:
            township = village.parent
    elif talk.site_id and talk.site is not None and talk.site.village_id:
        village = talk.site.village
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)
    first_line = text.splitlines()[0].strip() if text else ""
    title = (first_line or text)[:30]
    # A confident router dispatches at intake, as for the portal; otherwise the case waits
    # in the dispatch centre's queue like any other.
    route = route_for_intake(
        title=title, text=text, township_name=township.name if township is not None else None
    )
    with transaction.atomic():
        case = cases.case_accept(
            actor=actor,
            kind=kind,
            channel=Channel.OUTREACH,
            title=title,
            text=text,
            township=township,
            village=village,
            address=talk.where,
            citizen_name=citizen_name,
            citizen_phone=citizen_phone,
            route=route,
        )
        return TalkQuestion.objects.create(
            talk=talk, case=case, recorded_by=actor, created_at=clock.now()
        )


# --- sites, series, branches ---------------------------------------------------------------


def site_may_edit(user: User, site: Site) -> bool:
    """Who keeps a site: county-wide posts, and the posts of the township it belongs to now
    (a site without a township is the county's)."""
    return may_manage(user, site.township)


def site_save(*, actor: User, site: Site | None = None, **fields: Any) -> Site:
    """Create or change a site (宣讲阵地), with one new photo if given; county-wide posts and
    the township's own posts. A refused photo refuses the whole change."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for field, label, limit, required in (
        ("name", "名称", 100, True),
        ("address", "地址", 200, False),
        ("description", "简介", 5000, False),
        ("opening_hours", "开放时间", 100, False),
    ):
        value = clean(fields.get(field, ""))
        if required and not value:
            errors[field] = [f"请填写{label}"]
        _check_len(errors, field, label, value, limit)
        values[field] = value
    kind = fields.get("kind", "")
    if kind not in SiteKind.values:
        errors["kind"] = ["请选择类型"]
    values["kind"] = kind
    township, village = fields.get("township"), fields.get("village")
    if township is not None and township.kind != UnitKind.TOWNSHIP:
        errors["township"] = ["请选择乡镇"]
    if village is not None:
        if village.kind != UnitKind.VILLAGE:
            errors["village"] = ["请选择村(社区)"]
        elif township is None:
            township = village.parent
        elif village.parent_id != township.pk:
            errors["village"] = ["该村(社区)不属于所选乡镇"]
    values["township"], values["village"] = township, village
    capacity = fields.get("capacity")
    if capacity is not None and (not isinstance(capacity, int) or not 1 <= capacity <= 100_000):
        errors["capacity"] = ["可容纳人数应为 1 到 100000 之间的整数"]
    values["capacity"] = capacity
    values["active"] = bool(fields.get("active", True))
    photo: UploadedFile | None = fields.get("photo")
    kept: cases.StoredImage | None = None
    if photo is not None:
        problem = photo_problem(photo)
        if problem:
            errors["photo"] = [problem]
        else:
            try:
                kept = cases.check_image(cases.Upload.of(photo))
            except InvalidInput as exc:
                errors["photo"] = exc.errors.get("attachments", [str(exc)])
    # Both townships are asked: the one the site belongs to now (else a township could take
    # another's site by typing its own name into the form) and the one it is given.
    if (site is not None and not site_may_edit(actor, site)) or not may_manage(actor, township):
        raise PermissionDenied("只有县级岗位或所在乡镇可以维护宣讲阵地")
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)
    with transaction.atomic():
        if site is None:
            locked = Site.objects.create(**values)
        else:
            locked = Site.objects.select_for_update().get(pk=site.pk)
            for name, value in values.items():
                setattr(locked, name, value)
            locked.save()
        if kept is not None:
            _photo_add(locked, kept)
        return locked


VISIT_MAX = 100_000
VISIT_NOTE_MAX = 200


def _month_low(site: Site, day: dt.date) -> int:
    """The most a correction dated ``day`` may take off: the lowest running sum of the site's
    visitors within ``day``'s month, from ``day`` to the month's end.

    Visitor figures are given by month and by periods made of months (a quarter, a year), so
    a correction may only undo visitors dated earlier in its own month, on or before its
    own date: a −50 dated in March cannot cancel +50 dated in February (March would show
    −50), nor one dated the 3rd cancel visitors of the 8th. Checking every later day of the
    month also keeps earlier corrections that are already there from being overdrawn."""
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    by_day = list(
        site.visits.filter(visited_on__gte=first, visited_on__lt=following)
        .values_list("visited_on")
        .annotate(n=Sum("count"))
        .order_by("visited_on")
    )
    running = sum(n for visited_on, n in by_day if visited_on <= day)
    low = running
    for visited_on, n in by_day:
        if visited_on > day:
            running += n
            low = min(low, running)
    return low


def site_visit_add(
    *, actor: User, site: Site, visited_on: Any, count: Any, group: Any = ""
) -> SiteVisit:
    """参观接待: visitors to a site outside talks, entered by the site's township (or the
    county). Added to the entries before; a count that was too high is corrected by a
    negative entry that says why. A correction corrects its own month up to its own date
    (see ``_month_low``), so no month's figure, and no day's running sum, falls below zero."""
    if not site_may_edit(actor, site):
        raise PermissionDenied("只有县级岗位或阵地所在乡镇可以登记参观人数")
    errors: dict[str, list[str]] = {}
    group = clean(group)
    value = _signed_entry(
        errors, count, group, limit=VISIT_MAX, note_field=("group", "团体或说明", VISIT_NOTE_MAX)
    )
    today = timezone.localdate(clock.now())
    if not isinstance(visited_on, dt.date):
        errors["visited_on"] = ["请填写日期"]
    elif visited_on > today:
        errors["visited_on"] = ["参观日期不能晚于今天"]
    elif visited_on.year < 2000:
        errors["visited_on"] = ["年份应在 2000 到 2100 之间"]
    if errors or value is None or not isinstance(visited_on, dt.date):
        raise InvalidInput("登记的内容有误，请按提示修改", errors=errors)
    with transaction.atomic():
        # The site's row is the lock: two corrections at once cannot both go below zero.
        locked = Site.objects.select_for_update().get(pk=site.pk)
        if value < 0:
            low = _month_low(locked, visited_on)
            _refuse_below_zero(
                low + value,
                f"更正后人数不能少于 0：更正只能减去同月内、不晚于所填日期登记的人数，"
                f"{visited_on.month} 月 {visited_on.day} 日最多可减 {max(low, 0)} 人次",
            )
        return SiteVisit.objects.create(
            site=locked,
            visited_on=visited_on,
            count=value,
            group=group,
            recorded_by=actor,
            created_at=clock.now(),
        )


PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000
PHOTOS_PER_SITE = 12


def photo_problem(upload: UploadedFile) -> str:
    """Why an uploaded photo is refused ('' when it is a picture of a sane size)."""
    if upload.size is None or upload.size > PHOTO_MAX_BYTES:
        return "照片不超过 5 MB"
    error = ""
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            width, height = image.size
            if width * height > PHOTO_MAX_PIXELS:
                error = "照片像素过大"
            elif image.format not in ("JPEG", "PNG", "WEBP"):
                error = "照片应为 JPG、PNG 或 WebP 格式"
            else:
                image.verify()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        error = "无法识别这张照片，请换一张"
    upload.seek(0)
    return error


def _photo_add(site: Site, image: cases.StoredImage, caption: str = "") -> SitePhoto:
    """The site's photo as the public page shows it: the re-encoded copy (no EXIF: neither the
    phone's position nor its make) under a generated name, never the upload as it came."""
    if site.photos.count() >= PHOTOS_PER_SITE:
        message = f"每个阵地最多 {PHOTOS_PER_SITE} 张照片"
        raise InvalidInput(message, errors={"photo": [message]})
    extension = "png" if image.format == "PNG" else "jpg"
    return SitePhoto.objects.create(
        site=site,
        image=ContentFile(image.data, name=f"{uuid.uuid4().hex}.{extension}"),
        caption=clean(caption)[:100],
        position=site.photos.count(),
    )


def series_save(*, actor: User, series: Series | None = None, **fields: Any) -> Series:
    """Create or change a series and its themes (one per line); county-wide posts only."""
    if not is_county_wide(actor):
        raise PermissionDenied("只有县级岗位可以维护宣讲系列")
    errors: dict[str, list[str]] = {}
    name = clean(fields.get("name", ""))
    description = clean(fields.get("description", ""))
    if not name:
        errors["name"] = ["请填写名称"]
    _check_len(errors, "name", "名称", name, 100)
    _check_len(errors, "description", "说明", description, 5000)
    themes: list[str] = []
    for line in fields.get("themes", []):
        theme = clean(line)
        if theme and theme not in themes:
            if len(theme) > THEME_MAX:
                errors["themes"] = [f"每个主题最多 {THEME_MAX} 字"]
            themes.append(theme)
    if len(themes) > 50:
        errors["themes"] = ["主题最多 50 个"]
    clash = Series.objects.filter(name=name)
    if series is not None:
        clash = clash.exclude(pk=series.pk)
    if name and clash.exists():
        errors["name"] = ["已有同名系列"]
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)
    values = {
        "name": name,
        "description": description,
        "themes": themes,
        "active": bool(fields.get("active", True)),
    }
    with transaction.atomic():
        if series is None:
            return Series.objects.create(**values)
        locked = Series.objects.select_for_update().get(pk=series.pk)
        for key, value in values.items():
            setattr(locked, key, value)
        locked.save()
        return locked


def talk_get(pk: int) -> Talk:
    talk = Talk.objects.filter(pk=pk).first()
    if talk is None:
        raise NotFound("没有这场宣讲")
    return talk


def branch_member_add(
    *,
    actor: User,
    branch: Branch,
    name: str,
    hardship: bool = False,
    remote: bool = False,
    note: str = "",
) -> BranchMember:
    if not may_keep_members(actor, branch):
        raise PermissionDenied("只有支部书记或所在单位可以维护党员名单")
    errors: dict[str, list[str]] = {}
    name, note = clean(name), clean(note)
    if not name or not name_key(name):
        errors["name"] = ["请填写姓名"]
    _check_len(errors, "name", "姓名", name, NAME_MAX)
    _check_len(errors, "note", "备注", note, 100)
    if name and BranchMember.objects.filter(branch=branch, name_key=name_key(name)).exists():
        errors["name"] = ["本支部已有同名党员"]
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)
    return BranchMember.objects.create(
        branch=branch,
        name=name,
        name_key=name_key(name),
        hardship=hardship,
        remote=remote,
        note=note,
    )


def secretary_candidates(units: Iterable[Unit]) -> QuerySet[User]:
    """Who may be the secretary of a branch of one of ``units``: people with an active post
    in those units or below (``people_in``), and the secretaries of the branches there (who
    need no post of their own): a village's branch is led by someone of that village, not by
    anyone in the county. The create and edit forms offer these, and the services check
    against them."""
    units = list(units)
    there = Q()
    for unit in units:
        there |= Q(unit__path__startswith=unit.path)
    secretaries = Branch.objects.filter(there).values("secretary_id") if units else []
    return User.objects.filter(
        Q(pk__in=people_in(units).values("pk")) | Q(pk__in=secretaries), is_active=True
    ).order_by("full_name", "username")


def _check_secretary(
    errors: dict[str, list[str]], unit: Unit | None, secretary: User | None, keep: int | None
) -> None:
    if secretary is None or unit is None or secretary.pk == keep:
        return  # the secretary already in place stays, even if their post has since moved
    if not secretary_candidates([unit]).filter(pk=secretary.pk).exists():
        errors["secretary"] = ["支部书记应为所在单位（或下级单位）在岗的人员"]


def may_keep_branch(user: User, branch: Branch) -> bool:
    """Who registers, renames and closes a branch and names its secretary: the posts of its
    unit or above (the same who may register one), not the secretary themself."""
    return may_manage(user, branch.unit)


def may_keep_members(user: User, branch: Branch) -> bool:
    """Who keeps a branch's list of members: its secretary and the posts of its unit."""
    return may_manage(user, branch.unit) or (
        user.is_authenticated and branch.secretary_id == user.pk
    )


def branch_save(
    *, actor: User, name: str, unit: Unit | None, secretary: User | None = None
) -> Branch:
    """Register a party branch of a unit, with its secretary (who then sees its lists)."""
    errors: dict[str, list[str]] = {}
    name = clean(name)
    if not name:
        errors["name"] = ["请填写支部名称"]
    _check_len(errors, "name", "支部名称", name, 100)
    if unit is None:
        errors["unit"] = ["请选择所在单位"]
    elif not may_manage(actor, unit):
        raise PermissionDenied("只能为本单位（或下级单位）登记支部")
    if name and Branch.objects.filter(name=name).exists():
        errors["name"] = ["已有同名支部"]
    _check_secretary(errors, unit, secretary, None)
    if errors or unit is None:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)
    return Branch.objects.create(name=name, unit=unit, secretary=secretary)


def branch_update(
    *, actor: User, branch: Branch, name: str, secretary: User | None, active: bool
) -> Branch:
    """Rename a branch, change its secretary, or close it (a closed branch keeps its members
    and records, and leaves the lists)."""
    if not may_keep_branch(actor, branch):
        raise PermissionDenied("只有支部所在单位（或上级单位）可以修改支部")
    errors: dict[str, list[str]] = {}
    name = clean(name)
    if not name:
        errors["name"] = ["请填写支部名称"]
    _check_len(errors, "name", "支部名称", name, 100)
    if name and Branch.objects.filter(name=name).exclude(pk=branch.pk).exists():
        errors["name"] = ["已有同名支部"]
    _check_secretary(errors, branch.unit, secretary, branch.secretary_id)
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)
    with transaction.atomic():
        locked = Branch.objects.select_for_update().get(pk=branch.pk)
        values = {"name": name, "secretary_id": secretary.pk if secretary else None}
        values["active"] = bool(active)
        changed = [k for k, v in values.items() if getattr(locked, k) != v]
        if not changed:
            return locked
        for key in changed:
            setattr(locked, key, values[key])
        locked.save(update_fields=[k.removesuffix("_id") for k in changed])
        return locked


def branch_member_update(
    *,
    actor: User,
    member: BranchMember,
    name: str,
    hardship: bool,
    remote: bool,
    note: str = "",
    active: bool = True,
) -> BranchMember:
    """Correct a member's name or flags, or retire them (moved away, died): a retired member
    leaves the absentee list and keeps their learning record."""
    branch = member.branch
    if not may_keep_members(actor, branch):
        raise PermissionDenied("只有支部书记或所在单位可以维护党员名单")
    errors: dict[str, list[str]] = {}
    name, note = clean(name), clean(note)
    if not name or not name_key(name):
        errors["name"] = ["请填写姓名"]
    _check_len(errors, "name", "姓名", name, NAME_MAX)
    _check_len(errors, "note", "备注", note, 100)
    key = name_key(name)
    clash = BranchMember.objects.filter(branch=branch, name_key=key).exclude(pk=member.pk)
    if key and clash.exists():
        errors["name"] = ["本支部已有同名党员"]
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)
    with transaction.atomic():
        locked = BranchMember.objects.select_for_update().get(pk=member.pk)
        values = {
            "name": name,
            "name_key": key,
            "hardship": bool(hardship),
            "remote": bool(remote),
            "note": note,
            "active": bool(active),
        }
        changed = [k for k, v in values.items() if getattr(locked, k) != v]
        if not changed:
            return locked
        for k in changed:
            setattr(locked, k, values[k])
        locked.save(update_fields=changed)
        return locked


MARK_NOTE_MAX = 200


def may_mark_attended(user: User, member: BranchMember, talk: Talk) -> bool:
    """The member's branch secretary, its unit's posts, and the talk's organiser."""
    return may_keep_members(user, member.branch) or may_manage(user, talk.organiser)


def _names_branch(unit_text: str, branch: Branch) -> bool:
    """Whether a check-in's unit text may be this branch's: empty, or (folded as identity
    folds it) a part of the branch's or its unit's name, or containing the unit's name
    (东街, 东街社区, 城关镇东街社区 for 东街社区党支部). 王芳 of 交通局 is someone else, and
    linking her would put her learning record under the wrong branch."""
    typed = unit_key(unit_text)
    if not typed:
        return True
    names = (unit_key(branch.name), unit_key(branch.unit.name))
    return any(typed in name or (name and name in typed) for name in names)


def attendance_mark(*, actor: User, member: BranchMember, talk: Talk, note: Any) -> CheckIn:
    """补记参学: a member attended a talk without a check-in that names them: taught at home
    (送学上门), or their name was typed differently, or they joined the branch later.

    Counted once: when the member's check-in is already there, nothing changes; when the
    talk has exactly one unmatched check-in of the member's name whose unit text may be
    their branch, that one is theirs and is linked; otherwise a check-in of channel
    ``marked`` is recorded (also when the only one of theirs was struck out). Either way who
    marked it and why stays on the row."""
    if not may_mark_attended(actor, member, talk):
        raise PermissionDenied("只有支部书记、支部所在单位或宣讲主办单位可以补记参学")
    errors: dict[str, list[str]] = {}
    note = clean(note)
    if not note:
        errors["note"] = ["请写明补记的原因，如：送学上门"]
    _check_len(errors, "note", "说明", note, MARK_NOTE_MAX)
    if talk.cancelled:
        errors["talk"] = ["这场宣讲已取消"]
    elif talk.starts_at > clock.now():
        errors["talk"] = ["宣讲开始后才能补记参学"]
    if not member.active:
        errors["__all__"] = ["该党员已不在册"]
    if errors:
        raise InvalidInput("补记的内容有误，请按提示修改", errors=errors)
    with transaction.atomic():
        # The talk's row is the lock, as for check-ins by hand: two secretaries marking the
        # same member at once record one check-in.
        Talk.objects.select_for_update().get(pk=talk.pk)
        mine = CheckIn.objects.counted().filter(talk=talk, member=member).first()
        if mine is not None:
            return mine
        # The key a check-in with the member's name and branch would have had, so the member
        # is one person with their own scans at other talks that named the branch.
        key = person_key(member.name, member.branch.name, "")
        unmatched = CheckIn.objects.counted().filter(talk=talk, member=None)
        found = unmatched.filter(person_key=key).first()
        if found is None:
            same_name = [
                c
                for c in unmatched.filter(name_key=member.name_key)
                if _names_branch(c.unit_text, member.branch)
            ]
            found = same_name[0] if len(same_name) == 1 else None
        if found is not None:
            found.member, found.marked_by, found.note = member, actor, note
            found.save(update_fields=["member", "marked_by", "note"])
            return found
        # A struck check-in with the same key does not stand in the way: the constraints
        # only hold counted ones, so the member is recorded afresh.
        return CheckIn.objects.create(
            talk=talk,
            channel=CheckInChannel.MARKED,
            person_key=key,
            name_key=member.name_key,
            name=member.name,
            unit_text=member.branch.name,
            member=member,
            marked_by=actor,
            note=note,
            created_at=clock.now(),
        )


def _flag(text: str) -> bool | None:
    value = search_key(clean(text))
    if value in ("", "否", "no", "n", "0", "false", "×", "x"):
        return False
    if value in ("是", "yes", "y", "1", "true", "√", "✓"):
        return True
    return None


MEMBER_FLAG_WORDS = "填写“是”或“否”（或留空）"


def members_check(
    branch: Branch, rows: list[tuple[int, dict[str, str]]]
) -> tuple[list[dict[str, Any]], list[tuple[int, str, str]]]:
    """Check member rows of an import: (good rows, errors as (row, column, message))."""
    existing = set(branch.members.values_list("name_key", flat=True))
    seen: dict[str, int] = {}
    good: list[dict[str, Any]] = []
    errors: list[tuple[int, str, str]] = []
    for number, values in rows:
        before = len(errors)
        name, note = clean(values.get("name", "")), clean(values.get("note", ""))
        key = name_key(name)
        if not key:
            errors.append((number, "姓名", "不能为空"))
        elif len(name) > NAME_MAX:
            errors.append((number, "姓名", f"最多 {NAME_MAX} 字"))
        elif key in seen:
            errors.append((number, "姓名", f"与第{seen[key]}行重复"))
        elif key in existing:
            errors.append((number, "姓名", "本支部已有此人"))
        else:
            seen[key] = number
        flags = {}
        for column, label in (("hardship", "困难党员"), ("remote", "流动党员")):
            flag = _flag(values.get(column, ""))
            if flag is None:
                errors.append((number, label, MEMBER_FLAG_WORDS))
            flags[column] = bool(flag)
        if len(note) > 100:
            errors.append((number, "备注", "最多 100 字"))
        if len(errors) == before:
            good.append({"name": name, "name_key": key, "note": note, **flags})
    return good, errors


def members_write(*, actor: User, branch: Branch, good: list[dict[str, Any]]) -> int:
    if not may_keep_members(actor, branch):
        raise PermissionDenied("只有支部书记或所在单位可以维护党员名单")
    with transaction.atomic():
        BranchMember.objects.bulk_create([BranchMember(branch=branch, **row) for row in good])
    return len(good)
