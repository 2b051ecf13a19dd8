"""Every write of the reviews app. Cases are made and moved through ``jishi.cases.services``
only: a bad rating's rectification case, a misconduct report's confidential case, the
rater's follow-up as the case's callback.

A refused rating (too soon from the same device, too many from one address, staff rating
their own window, bad input) raises ``InvalidInput`` with a polite Chinese message and
stores nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from jishi.cases import services as case_services
from jishi.cases.models import Case, CaseKind, Category, Channel, State, TimeLimit
from jishi.cases.selectors import can_see, category_by_code
from jishi.common import clock, crypto, ratelimit
from jishi.common.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from jishi.common.ratelimit import Rate
from jishi.common.text import source_text, strip_invisible
from jishi.orgs.access import is_dispatcher, posted_within
from jishi.orgs.models import Role, Unit, UnitKind, User
from jishi.orgs.selectors import active_posts
from jishi.reviews import policy, tokens
from jishi.reviews.models import (
    Appeal,
    AppealState,
    BadReason,
    KioskDevice,
    Level,
    MisconductReport,
    Rating,
    RatingChannel,
    ReviewEvent,
    ServiceItem,
    ServiceOccasion,
    ServicePoint,
    Shift,
    WindowFlag,
)

COMMENT_MAX = 500
REPORT_TEXT_MAX = 2000
REASON_MAX = 2000
NAME_MAX = 64
RECTIFICATION_CATEGORY = ("reviews-rectification", "差评整改")
MISCONDUCT_CATEGORY = ("reviews-misconduct", "码上监督举报")
# A kiosk occasion is rated while the citizen is still at the window.
KIOSK_OCCASION_MINUTES = 15
REPORTS_PER_ADDRESS = Rate("reviews.report.ip", limit=10, window=3600)


def _clean(value: str) -> str:
    return strip_invisible(value or "").replace("\x00", "").strip()


def _record(
    kind: str,
    *,
    point: ServicePoint,
    actor: User | None = None,
    rating: Rating | None = None,
    appeal: Appeal | None = None,
    report: MisconductReport | None = None,
    **payload: Any,
) -> ReviewEvent:
    return ReviewEvent.objects.create(
        kind=kind,
        point=point,
        actor=actor,
        actor_name=str(actor)[:64] if actor is not None else "",
        rating=rating,
        appeal=appeal,
        report=report,
        payload=payload,
    )


def month_start(at: dt.datetime) -> dt.date:
    return timezone.localtime(at).date().replace(day=1)


# --- who may do what -------------------------------------------------------------------------


def works_at(user: User, point: ServicePoint) -> bool:
    """A unit-bound post at or above the window, or in its responsible unit."""
    return posted_within(user, point.unit) or posted_within(user, point.owner)


def may_manage(user: User, point: ServicePoint) -> bool:
    """Reissue the QR code, register kiosks: dispatchers and administrators, or a unit
    lead of the window or its responsible unit."""
    if is_dispatcher(user):
        return True
    return any(
        p.role == Role.UNIT_LEAD and (point.unit.is_within(p.unit) or point.owner.is_within(p.unit))
        for p in active_posts(user)
    )


def _on_duty_now(at: dt.datetime) -> Q:
    """Signed in at the window and not yet left, or rostered for this moment."""
    return Q(ended_at__isnull=True, rostered=False) | Q(
        rostered=True, started_at__lte=at, ended_at__gt=at
    )


def on_duty(point: ServicePoint, at: dt.datetime | None = None) -> Shift | None:
    """Who serves at the window now: whoever signed in there, else the roster's person."""
    return (
        Shift.objects.filter(_on_duty_now(at or clock.now()), point=point)
        .select_related("user")
        .order_by("rostered", "-started_at", "-id")
        .first()
    )


# --- service points, QR codes, kiosks --------------------------------------------------------


def point_create(
    *, actor: User, unit: Unit, owner: Unit | None = None, items: Sequence[ServiceItem] = ()
) -> ServicePoint:
    if not (is_dispatcher(actor) or (owner is not None and posted_within(actor, owner))):
        raise PermissionDenied("只有派单中心、管理员或责任单位可以设置服务窗口")
    if unit.kind != UnitKind.WINDOW:
        raise InvalidInput("请选择窗口", errors={"unit": ["只有“窗口”类单位可以设置为服务窗口"]})
    owner = owner or unit.parent or unit
    with transaction.atomic():
        if ServicePoint.objects.filter(unit=unit).exists():
            raise InvalidInput("已设置", errors={"unit": [f"{unit.name}已经是服务窗口"]})
        point = ServicePoint.objects.create(unit=unit, owner=owner, qr_key=tokens.new_key())
        if items:
            point.items.set(items)
        _record("point_created", point=point, actor=actor, owner=owner.pk)
    return point


def point_reissue_code(*, actor: User, point: ServicePoint) -> ServicePoint:
    """A new QR code: every poster printed before stops working at once."""
    if not may_manage(actor, point):
        raise PermissionDenied("只有窗口负责人、派单中心或管理员可以重新生成二维码")
    with transaction.atomic():
        locked = ServicePoint.objects.select_for_update().get(pk=point.pk)
        locked.qr_key = tokens.new_key()
        locked.qr_issued_at = clock.now()
        locked.save(update_fields=["qr_key", "qr_issued_at"])
        _record("code_reissued", point=locked, actor=actor)
    return locked


def point_for_token(token: str) -> ServicePoint:
    """The point a QR token names; ``BadCode(revoked=True)`` for a retired or disabled code."""
    point_id, key = tokens.read_qr_token(token)
    point = (
        ServicePoint.objects.select_related("unit", "unit__parent", "owner")
        .filter(pk=point_id)
        .first()
    )
    if point is None:
        raise tokens.BadCode(revoked=False)
    if point.qr_key != key or not point.active or not point.unit.active:
        raise tokens.BadCode(revoked=True)
    return point


def kiosk_register(*, actor: User, point: ServicePoint, name: str) -> tuple[KioskDevice, str]:
    """A rating tablet for the window; returns the device and its token (shown once)."""
    if not may_manage(actor, point):
        raise PermissionDenied("只有窗口负责人、派单中心或管理员可以登记评价器")
    name = _clean(name)[:NAME_MAX] or "评价器"
    token = tokens.kiosk_token()
    with transaction.atomic():
        device = KioskDevice.objects.create(
            point=point, name=name, token_hash=tokens.kiosk_hash(token), created_by=actor
        )
        _record("kiosk_registered", point=point, actor=actor, kiosk=device.pk)
    return device, token


def kiosk_revoke(*, actor: User, device: KioskDevice) -> None:
    if not may_manage(actor, device.point):
        raise PermissionDenied("只有窗口负责人、派单中心或管理员可以停用评价器")
    with transaction.atomic():
        locked = KioskDevice.objects.select_for_update().get(pk=device.pk)
        if not locked.active:
            return
        locked.active = False
        locked.save(update_fields=["active"])
        _record("kiosk_revoked", point=locked.point, actor=actor, kiosk=locked.pk)


def kiosk_for_token(token: str) -> KioskDevice:
    device = (
        KioskDevice.objects.select_related("point", "point__unit", "point__owner")
        .filter(token_hash=tokens.kiosk_hash(token))
        .first()
    )
    if device is None or not device.active or not device.point.active:
        raise NotFound("评价器未登记或已停用")
    return device


# --- the roster and service occasions --------------------------------------------------------


def shift_start(*, actor: User, point: ServicePoint) -> Shift:
    """A staff member takes their seat at the window (上岗); a seat held elsewhere ends."""
    if not works_at(actor, point):
        raise PermissionDenied(f"您不在{point.name}所属单位任职，不能在此上岗")
    with transaction.atomic():
        now = clock.now()
        open_shift = Shift.objects.select_for_update().filter(
            user=actor, ended_at__isnull=True, rostered=False
        )
        current = open_shift.first()
        if current is not None and current.point_id == point.pk:
            return current
        open_shift.update(ended_at=now)
        shift = Shift.objects.create(point=point, user=actor, started_at=now)
        _record("shift_started", point=point, actor=actor)
    return shift


def shift_end(*, actor: User) -> None:
    with transaction.atomic():
        current = (
            Shift.objects.select_for_update()
            .filter(user=actor, ended_at__isnull=True, rostered=False)
            .first()
        )
        if current is None:
            return
        current.ended_at = clock.now()
        current.save(update_fields=["ended_at"])
        _record("shift_ended", point=current.point, actor=actor)


def occasion_record(
    *,
    point: ServicePoint,
    actor: User | None = None,
    kiosk: KioskDevice | None = None,
    item: ServiceItem | None = None,
) -> ServiceOccasion:
    """One service done (staff press "done" in the console, or on the kiosk itself)."""
    if actor is not None and not works_at(actor, point):
        raise PermissionDenied(f"您不在{point.name}所属单位任职")
    if kiosk is not None and kiosk.point_id != point.pk:
        raise PermissionDenied("评价器不属于该窗口")
    if item is not None and not point.items.filter(pk=item.pk).exists():
        raise InvalidInput("事项不属于该窗口", errors={"item": ["请选择本窗口的服务事项"]})
    shift = on_duty(point)
    staff = actor if actor is not None else (shift.user if shift is not None else None)
    return ServiceOccasion.objects.create(
        point=point, staff=staff, item=item, unit=point.owner, kiosk=kiosk
    )


def pending_occasion(kiosk: KioskDevice) -> ServiceOccasion | None:
    """The kiosk's latest unrated occasion still worth asking about."""
    since = clock.now() - dt.timedelta(minutes=KIOSK_OCCASION_MINUTES)
    return (
        ServiceOccasion.objects.filter(point=kiosk.point, at__gte=since, rating__isnull=True)
        .filter(Q(kiosk=kiosk) | Q(kiosk__isnull=True))
        .order_by("-at", "-id")
        .first()
    )


# --- ratings ---------------------------------------------------------------------------------


class AlreadyRated(Conflict):
    """The form was sent before: ``rating`` is what its first sending made. Shaped like every
    ``JishiError`` (message first), so the error middleware can answer it anywhere."""

    def __init__(
        self, message: str = "这次评价已经提交过了", *, rating: Rating | None = None
    ) -> None:
        super().__init__(message)
        self.rating = rating


def _refuse(message: str, field: str = "__all__") -> InvalidInput:
    return InvalidInput(message, errors={field: [message]})


class TooFrequent(InvalidInput):
    """Refused by a rate limit: the form's errors as for any refusal, answered with 429."""

    status = 429

    def __init__(self, message: str) -> None:
        super().__init__(message, errors={"__all__": [message]})


def _check_rating(
    point: ServicePoint,
    level: Any,
    reasons: Sequence[str],
    comment: str,
    phone: str,
    item: ServiceItem | None,
) -> tuple[int, list[str], str, str]:
    errors: dict[str, list[str]] = {}
    if level not in Level.values:
        errors["level"] = ["请选择评价等级"]
    reasons = list(dict.fromkeys(r for r in reasons if r))
    comment = _clean(comment)
    bad = level in (1, 2)
    if any(r not in BadReason.values for r in reasons):
        errors["reasons"] = ["请从列出的原因中选择"]
    elif bad and not reasons:
        errors["reasons"] = ["请选择至少一个不满意的原因"]
    if bad and not comment:
        errors["comment"] = ["请简要写下遇到的问题，便于整改"]
    elif len(comment) > COMMENT_MAX:
        errors["comment"] = [f"意见最多 {COMMENT_MAX} 字，现有 {len(comment)} 字"]
    if problem := crypto.phone_problem(phone):
        errors["phone"] = [problem]
    if item is not None and not point.items.filter(pk=item.pk).exists():
        errors["item"] = ["请选择本窗口的服务事项"]
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)
    return int(level), reasons if bad else [], comment, crypto.normalize_phone(phone)


def _category(code_name: tuple[str, str]) -> Category:
    code, name = code_name
    category = category_by_code(code)
    if category is None:
        category, _ = Category.objects.get_or_create(
            code=code, defaults={"name": name, "sort_order": 900}
        )
        if code_name == RECTIFICATION_CATEGORY:
            # A reopened rectification gets the same default limit as the first round.
            TimeLimit.objects.get_or_create(
                category=category,
                kind=CaseKind.COMPLAINT,
                defaults={"handling_days": policy.current().rectification_days},
            )
    return category


def _rectification_case(rating: Rating, point: ServicePoint, phone: str) -> Case:
    level = source_text(Level(rating.level).label)
    reasons = "、".join(source_text(BadReason(r).label) for r in rating.reasons)
    units = [point.unit, *([point.owner] if point.owner_id != point.unit_id else [])]
    parent = point.unit.parent
    if parent is not None and parent.pk != point.owner_id:
        units.append(parent)
    days, source = policy.rectification_limit(units, rating.reasons)
    assisting = [point.owner] if point.owner_id != point.unit_id else []
    text = (
        f"{point.unit.parent.name + ' ' if point.unit.parent else ''}{point.name}收到"
        f"“{level}”评价。原因：{reasons}。\n群众意见：{rating.comment}"
    )
    if rating.staff_id:
        text += f"\n评价时在岗：{rating.staff}"
    return case_services.case_accept(
        actor=case_services.Citizen("评价人"),
        kind=CaseKind.COMPLAINT,
        channel=Channel.WINDOW_QR,
        title=f"差评整改：{point.name}"[:120],
        text=text,
        address=f"{point.unit.parent.name if point.unit.parent else ''} {point.name}".strip(),
        citizen_phone=phone,
        # The national rules: a bad rating is called back; with a phone left, the case may
        # not close without that callback (or the failed attempts that excuse it).
        callback_required=True,
        external_ref=f"rating:{rating.pk}",
        route=case_services.Route(
            actor=case_services.System(),
            category=_category(RECTIFICATION_CATEGORY),
            lead_unit=point.unit,
            assisting_units=assisting,
            handling_days=days,
            limit_source=source,
        ),
    )


def _flag_if_due(point: ServicePoint, at: dt.datetime) -> None:
    threshold = policy.current().flag_threshold
    if threshold <= 0:
        return
    month = month_start(at)
    start = dt.datetime(month.year, month.month, 1, tzinfo=timezone.get_current_timezone())
    bad = Rating.objects.filter(
        point=point, level__lte=2, follows__isnull=True, created_at__gte=start
    ).exclude(appeal_state=AppealState.UPHELD)
    count = bad.count()
    if count >= threshold and not WindowFlag.objects.filter(point=point, month=month).exists():
        flag = WindowFlag.objects.create(point=point, month=month, bad_count=count)
        _record("flagged", point=point, month=f"{month:%Y-%m}", bad_count=count, flag=flag.pk)


def rating_submit(
    *,
    point: ServicePoint,
    level: Any,
    reasons: Sequence[str] = (),
    comment: str = "",
    phone: str = "",
    item: ServiceItem | None = None,
    channel: str = RatingChannel.QR,
    device_key: str = "",
    address: str = "",
    submission_key: str = "",
    rater: User | None = None,
    occasion: ServiceOccasion | None = None,
) -> Rating:
    """Rate one service. A bad rating (不满意, 非常不满意) needs reasons and a comment, and
    opens a rectification case for the window (the phone, when left, is the case's contact,
    encrypted, for the callback)."""
    if channel not in RatingChannel.values:
        raise _refuse("评价方式无效")
    submission_key = submission_key[:64]
    if rater is not None and rater.is_authenticated:
        if Shift.objects.filter(_on_duty_now(clock.now()), point=point, user=rater).exists():
            raise _refuse("您正在本窗口值守，不能为本窗口评价。")
        if works_at(rater, point):
            raise _refuse("您是本窗口所属单位的工作人员，不能为本窗口评价。")
    level, reasons, comment, phone = _check_rating(point, level, reasons, comment, phone, item)
    current = policy.current()
    if channel == RatingChannel.KIOSK:
        if occasion is None or occasion.point_id != point.pk:
            raise _refuse("请等待工作人员办理完成后再评价。")
    elif not device_key:
        raise _refuse("页面已过期，请重新扫码后评价。")
    if address:
        per_hour = Rate("reviews.rate.ip", limit=current.ratings_per_address_hour, window=3600)
        if not ratelimit.allow(per_hour, address):
            raise TooFrequent("评价过于频繁，请稍后再试。")

    # Read before the write transaction: on SQLite it holds the database's one write lock.
    shift = on_duty(point)
    try:
        rating = _rating_insert(
            point=point,
            level=level,
            reasons=reasons,
            comment=comment,
            phone=phone,
            item=item,
            channel=channel,
            device_key=device_key,
            submission_key=submission_key,
            occasion=occasion,
            shift=shift,
            occasion_minutes=current.occasion_minutes,
        )
    except (IntegrityError, InvalidInput):
        # The same form sent again (a lost answer, a double tap): the unique index on the
        # form's key, or the device rule, refused it; answer with the first rating.
        earlier = (
            Rating.objects.filter(submission_key=submission_key).first() if submission_key else None
        )
        if earlier is not None:
            raise AlreadyRated(rating=earlier) from None
        raise
    return rating


def _rating_insert(
    *,
    point: ServicePoint,
    level: int,
    reasons: list[str],
    comment: str,
    phone: str,
    item: ServiceItem | None,
    channel: str,
    device_key: str,
    submission_key: str,
    occasion: ServiceOccasion | None,
    shift: Shift | None,
    occasion_minutes: int,
) -> Rating:
    with transaction.atomic():
        if connection.features.has_select_for_update:
            # One rater at a time per window, so the device check below cannot race itself.
            # (SQLite's IMMEDIATE transactions already run one writer at a time.)
            ServicePoint.objects.select_for_update().filter(pk=point.pk).exists()
        now = clock.now()
        if channel == RatingChannel.KIOSK:
            assert occasion is not None
            if Rating.objects.filter(occasion=occasion).exists():
                raise _refuse("这次服务已经评价过了，谢谢！")
            if occasion.at < now - dt.timedelta(minutes=KIOSK_OCCASION_MINUTES):
                raise _refuse("这次服务的评价时间已过。")
        else:
            since = now - dt.timedelta(minutes=occasion_minutes)
            if Rating.objects.filter(
                point=point, device_key=device_key, follows__isnull=True, created_at__gte=since
            ).exists():
                raise _refuse(
                    f"您刚刚已经评价过本窗口。同一次服务只评价一次，{occasion_minutes}"
                    " 分钟后可再次评价。"
                )
        staff = occasion.staff if occasion is not None and occasion.staff_id else None
        if staff is None and shift is not None:
            staff = shift.user
        rating = Rating(
            point=point,
            unit_id=point.owner_id,
            staff=staff,
            item=item or (occasion.item if occasion is not None else None),
            channel=channel,
            level=level,
            reasons=reasons,
            comment=comment,
            device_key=device_key,
            submission_key=submission_key,
            occasion=occasion,
            created_at=now,
        )
        rating.save(force_insert=True)
        if rating.bad:
            # The rating row is its own record; a bad one's event names the case it opened.
            rating.rectification = _rectification_case(rating, point, phone)
            rating.save(update_fields=["rectification"])
            _record(
                "rated",
                point=point,
                rating=rating,
                level=level,
                channel=channel,
                reasons=reasons,
                has_phone=bool(phone),
                case=rating.rectification.code,
            )
            _flag_if_due(point, now)
    return rating


def follow_up_submit(*, rating: Rating, level: Any, comment: str = "") -> Rating:
    """The rater's one follow-up rating (追评) after the rectification. While the case
    waits for its callback, this is the callback: satisfied closes it, otherwise the unit
    fixes it again."""
    if rating.follows_id is not None or rating.rectification_id is None:
        raise _refuse("这条评价不能追评。")
    if level not in Level.values:
        raise InvalidInput("请选择评价", errors={"level": ["请选择评价等级"]})
    comment = _clean(comment)
    if len(comment) > COMMENT_MAX:
        raise InvalidInput(
            "意见过长", errors={"comment": [f"意见最多 {COMMENT_MAX} 字，现有 {len(comment)} 字"]}
        )
    with transaction.atomic():
        locked = (
            Rating.objects.select_for_update(of=("self",))
            .select_related("point", "rectification")
            .get(pk=rating.pk)
        )
        if Rating.objects.filter(follows=locked).exists():
            raise _refuse("您已经追评过了，谢谢！")
        case = locked.rectification
        assert case is not None
        if case.state not in (State.REPLIED, State.CLOSED):
            raise _refuse("整改单位尚未答复，答复后即可追评。")
        follow_up = Rating.objects.create(
            point=locked.point,
            unit_id=locked.unit_id,
            staff_id=locked.staff_id,
            item_id=locked.item_id,
            channel=locked.channel,
            level=int(level),
            comment=comment,
            follows=locked,
        )
        if case.state == State.REPLIED:
            # Answered by a phone callback in the meantime: the follow-up still counts.
            with contextlib.suppress(Conflict, InvalidTransition):
                case_services.case_callback(
                    actor=case_services.Citizen("评价人"),
                    case=case,
                    resolved=int(level) >= 3,
                    satisfaction=int(level),
                    comment=comment or "评价人追评",
                )
        _record(
            "followed_up",
            point=locked.point,
            rating=locked,
            level=int(level),
            case=case.code,
        )
    return follow_up


# --- appeals ---------------------------------------------------------------------------------


def appeal_request(
    *,
    actor: User,
    rating: Rating,
    reason: str,
    evidence: str = "",
    photos: Sequence[case_services.Upload] = (),
) -> Appeal:
    """The window's unit contests a bad rating it believes malicious or mistaken."""
    point = rating.point
    if not works_at(actor, point):
        raise PermissionDenied("只有窗口所属单位可以申诉")
    if not rating.bad or rating.follows_id is not None:
        raise _refuse("只能对差评申诉。")
    reason = _clean(reason)
    evidence = _clean(evidence)
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["请写明申诉理由"]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [f"申诉理由最多 {REASON_MAX} 字"]
    if len(evidence) > REASON_MAX:
        errors["evidence"] = [f"证据说明最多 {REASON_MAX} 字"]
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)
    with transaction.atomic():
        locked = Rating.objects.select_for_update().get(pk=rating.pk)
        if Appeal.objects.filter(rating=locked).exists():
            raise _refuse("这条评价已经申诉过，不能重复申诉。")
        appeal = Appeal.objects.create(
            rating=locked,
            requested_by=actor,
            reason=reason,
            evidence=evidence,
            state=AppealState.PENDING,
        )
        locked.appeal_state = AppealState.PENDING
        locked.save(update_fields=["appeal_state"])
        _record(
            "appeal_requested",
            point=point,
            actor=actor,
            rating=locked,
            appeal=appeal,
            reason=reason,
            evidence=evidence,
        )
        case = locked.rectification
        if case is not None:
            case_services.case_add_note(actor=actor, case=case, text=f"申诉复核：{reason}"[:2000])
            if photos:
                case_services.case_attach(actor=actor, case=case, files=photos)
    return appeal


def appeal_decide(*, actor: User, appeal: Appeal, uphold: bool, reason: str) -> Appeal:
    """The supervision office's decision. Upheld, the rating leaves the figures (it stays
    on the record); rejected, it counts as before."""
    if not policy.is_supervision_office(actor):
        raise PermissionDenied("只有监督单位可以复核申诉")
    reason = _clean(reason)
    if not reason:
        raise InvalidInput("请写明复核意见", errors={"reason": ["请写明复核意见"]})
    if len(reason) > REASON_MAX:
        raise InvalidInput("意见过长", errors={"reason": [f"复核意见最多 {REASON_MAX} 字"]})
    with transaction.atomic():
        locked = Appeal.objects.select_for_update().select_related("rating").get(pk=appeal.pk)
        if locked.state != AppealState.PENDING:
            raise _refuse("这条申诉已经复核过了。")
        state = AppealState.UPHELD if uphold else AppealState.REJECTED
        locked.state, locked.decided_by = state, actor
        locked.decision_reason, locked.decided_at = reason, clock.now()
        locked.save(update_fields=["state", "decided_by", "decision_reason", "decided_at"])
        rating = Rating.objects.select_for_update().get(pk=locked.rating_id)
        rating.appeal_state = state
        rating.save(update_fields=["appeal_state"])
        _record(
            "appeal_decided",
            point=rating.point,
            actor=actor,
            rating=rating,
            appeal=locked,
            upheld=uphold,
            reason=reason,
        )
        case = rating.rectification
        if case is not None and can_see(actor, case):
            verdict = "申诉成立，该评价不计入统计" if uphold else "申诉不成立"
            case_services.case_add_note(actor=actor, case=case, text=f"{verdict}：{reason}"[:2000])
    return locked


# --- misconduct reports (码上监督 举报) ---------------------------------------------------------


def misconduct_report(
    *,
    point: ServicePoint,
    text: str,
    reporter_name: str = "",
    reporter_phone: str = "",
    photos: Sequence[case_services.Upload] = (),
    device_key: str = "",
    address: str = "",
) -> MisconductReport:
    """A report of misconduct at the window. Its case is in the confidential channel and is
    dispatched to the supervision office only (no township, no window unit on it), so no
    post of the reported unit can see it; the reporter's name and phone stay in this
    app's row, encrypted, for the supervision office alone."""
    errors: dict[str, list[str]] = {}
    text = _clean(text)
    reporter_name = _clean(reporter_name)
    if not text:
        errors["text"] = ["请写明要反映的问题"]
    elif len(text) > REPORT_TEXT_MAX:
        errors["text"] = [f"内容最多 {REPORT_TEXT_MAX} 字，现有 {len(text)} 字"]
    if len(reporter_name) > NAME_MAX:
        errors["reporter_name"] = [f"姓名最多 {NAME_MAX} 字"]
    if problem := crypto.phone_problem(reporter_phone):
        errors["reporter_phone"] = [problem]
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)
    if address and not ratelimit.allow(REPORTS_PER_ADDRESS, address):
        raise TooFrequent("提交过于频繁，请稍后再试。")
    office = policy.supervision_unit()
    shift = on_duty(point)
    with transaction.atomic():
        route = None
        if office is not None:
            route = case_services.Route(
                actor=case_services.System(),
                category=_category(MISCONDUCT_CATEGORY),
                lead_unit=office,
            )
        hall = point.unit.parent.name if point.unit.parent else ""
        try:
            case = case_services.case_accept(
                actor=case_services.Citizen("举报人"),
                kind=CaseKind.COMPLAINT,
                channel=Channel.MISCONDUCT,
                title=f"码上监督举报：{hall} {point.name}".strip()[:120],
                text=text,
                anonymous=True,
                attachments=photos,
                external_ref=f"misconduct:{point.pk}",
                route=route,
            )
        except InvalidInput as exc:
            raise InvalidInput(
                exc.message,
                errors={("photos" if k == "attachments" else k): v for k, v in exc.errors.items()},
            ) from exc
        report = MisconductReport.objects.create(
            point=point,
            case=case,
            staff_on_duty=shift.user if shift is not None else None,
            reporter_name=reporter_name,
            reporter_phone=crypto.normalize_phone(reporter_phone),
            device_key=device_key,
        )
        _record("reported", point=point, report=report, case=case.code)
    return report


def reporter_reveal(*, actor: User, report: MisconductReport) -> tuple[str, str]:
    """The reporter's name and phone, for a post of the supervision office; logged."""
    if not policy.is_supervision_office(actor):
        raise NotFound("举报不存在")
    _record("reporter_revealed", point=report.point, actor=actor, report=report)
    return report.reporter_name, report.reporter_phone
