"""Every write of the intake tools. Cases are made through ``jishi.cases.services`` only; the
rows here link them to a visit, a hall shift or a campaign, in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from jishi.cases import services as cases
from jishi.cases.models import CaseKind, Channel
from jishi.common import clock
from jishi.common.errors import InvalidInput, NotFound, PermissionDenied
from jishi.common.text import search_key
from jishi.intake.models import (
    Campaign,
    CampaignSuggestion,
    DutyShift,
    HallOutcome,
    HallProblem,
    Period,
    Visit,
    VisitItem,
)
from jishi.orgs.access import is_county_wide, is_dispatcher, posted_within
from jishi.orgs.models import Post, Role, Unit, UnitKind, User
from jishi.orgs.selectors import active_posts

HOUSEHOLD_MAX = 100
ITEM_TEXT_MAX = 2000
RESOLUTION_MAX = 2000
CONTACT_NAME_MAX = 64
ITEMS_MAX = 20
TITLE_LENGTH = 30
# A visit is logged soon after it happens; a date a year back is almost surely a typo.
VISIT_MAX_AGE_DAYS = 366


def clean_text(value: str) -> str:
    """What people wrote, as they wrote it: only NULs and surrounding blanks go. Full-width
    punctuation and digits typed on a Chinese IME stay; searching folds them (``search_key``)."""
    return (value or "").replace("\x00", "").strip()


def household_key(household: str) -> str:
    """The household as it is matched and counted: "东街１２号" and "东街 12 号" are one."""
    return "".join(search_key(household).split())[:HOUSEHOLD_MAX]


def today() -> dt.date:
    return timezone.localdate(clock.now())


def _title_from(text: str) -> str:
    first_line = text.splitlines()[0].strip() if text else ""
    return first_line[:TITLE_LENGTH] or text[:TITLE_LENGTH]


# --- door-to-door visits (百名书记访万家) ------------------------------------------------------


@dataclass(frozen=True)
class ItemInput:
    """One thing raised during a visit; ``resolution`` is set when it was solved on the spot."""

    kind: str
    text: str
    resolved: bool = False
    resolution: str = ""
    # Whom to call back (回访): optional, stored on the case encrypted like a portal contact.
    contact_name: str = ""
    contact_phone: str = ""


def secretary_post(user: User) -> Post | None:
    """The post that makes ``user`` a visiting secretary: a handler or unit lead in a village,
    else in a township (a village post wins: it is the narrower place)."""
    posts = [
        p
        for p in active_posts(user)
        if p.role in (Role.HANDLER, Role.UNIT_LEAD)
        and p.unit.kind in (UnitKind.VILLAGE, UnitKind.TOWNSHIP)
    ]
    posts.sort(key=lambda p: (p.unit.kind != UnitKind.VILLAGE, p.pk))
    return posts[0] if posts else None


def _check_items(items: Sequence[ItemInput], errors: dict[str, list[str]]) -> list[ItemInput]:
    cleaned: list[ItemInput] = []
    if not items:
        errors["items"] = ["请至少登记一项群众反映的问题"]
    elif len(items) > ITEMS_MAX:
        errors["items"] = [f"一次走访最多登记 {ITEMS_MAX} 项"]
    for i, item in enumerate(items):
        text = clean_text(item.text)
        resolution = clean_text(item.resolution) if item.resolved else ""
        if item.kind not in CaseKind.values:
            errors[f"items-{i}-kind"] = ["请选择类型"]
        if not text:
            errors[f"items-{i}-text"] = ["请填写群众反映的内容"]
        elif len(text) > ITEM_TEXT_MAX:
            errors[f"items-{i}-text"] = [f"内容最多 {ITEM_TEXT_MAX} 字，现有 {len(text)} 字"]
        if item.resolved and not resolution:
            errors[f"items-{i}-resolution"] = ["已勾选当场解决，请填写解决情况"]
        elif len(resolution) > RESOLUTION_MAX:
            errors[f"items-{i}-resolution"] = [
                f"解决情况最多 {RESOLUTION_MAX} 字，现有 {len(resolution)} 字"
            ]
        contact_name = clean_text(item.contact_name)
        if len(contact_name) > CONTACT_NAME_MAX:
            errors[f"items-{i}-contact_name"] = [f"姓名最多 {CONTACT_NAME_MAX} 字"]
        cleaned.append(
            ItemInput(item.kind, text, item.resolved, resolution, contact_name, item.contact_phone)
        )
    return cleaned


# The case's field names for what a visit item calls its contact.
_ITEM_FIELDS = {"citizen_name": "contact_name", "citizen_phone": "contact_phone"}


def visit_record(
    *, actor: User, household: str, visited_on: dt.date, items: Sequence[ItemInput]
) -> Visit:
    """Record one household visit and turn each item into a case (channel ``field_visit``,
    placed in the secretary's village or township); items solved there and then are closed
    on the spot. One transaction: every item becomes a case, or nothing is written."""
    post = secretary_post(actor)
    if post is None:
        raise PermissionDenied("只有在村(社区)或乡镇任职的干部可以登记走访")
    errors: dict[str, list[str]] = {}
    household = clean_text(household)
    if not household:
        errors["household"] = ["请填写走访户（住址或户主姓名）"]
    elif len(household) > HOUSEHOLD_MAX:
        errors["household"] = [f"走访户最多 {HOUSEHOLD_MAX} 字，现有 {len(household)} 字"]
    if not isinstance(visited_on, dt.date):
        errors["visited_on"] = ["请填写走访日期"]
    elif visited_on > today():
        errors["visited_on"] = ["走访日期不能晚于今天"]
    elif (today() - visited_on).days > VISIT_MAX_AGE_DAYS:
        errors["visited_on"] = ["走访日期过早，请核对"]
    cleaned = _check_items(items, errors)
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)

    unit = post.unit
    village = unit if unit.kind == UnitKind.VILLAGE else None
    township = unit.parent if village is not None else unit
    with transaction.atomic():
        visit = Visit.objects.create(
            secretary=actor,
            unit=unit,
            household=household,
            household_key=household_key(household),
            visited_on=visited_on,
        )
        for i, item in enumerate(cleaned):
            try:
                case = cases.case_accept(
                    actor=actor,
                    kind=item.kind,
                    channel=Channel.FIELD_VISIT,
                    title=_title_from(item.text),
                    text=item.text,
                    township=township,
                    village=village,
                    address=household,
                    citizen_name=item.contact_name,
                    citizen_phone=item.contact_phone,
                    resolve_on_the_spot=item.resolution if item.resolved else None,
                )
            except InvalidInput as exc:
                raise InvalidInput(
                    exc.message,
                    errors={
                        f"items-{i}-{_ITEM_FIELDS.get(k, k)}": v for k, v in exc.errors.items()
                    },
                ) from exc
            VisitItem.objects.create(
                visit=visit, case=case, position=i, resolved_on_the_spot=item.resolved
            )
    return visit


# --- the hall desk (局长进政务大厅) ------------------------------------------------------------


def shift_today(user: User, hall: Unit) -> DutyShift | None:
    return (
        DutyShift.objects.filter(director=user, hall=hall, date=today()).order_by("period").first()
    )


def may_record_at_hall(user: User, hall: Unit) -> bool:
    """The director on duty at this hall today, a dispatcher or an administrator."""
    if is_dispatcher(user):
        return True
    return shift_today(user, hall) is not None


def may_keep_roster(user: User, hall: Unit) -> bool:
    """Who keeps a hall's duty roster: the hall's own lead (中心主任), the dispatch centre and
    administrators. Window staff and the directors themselves do not."""
    return is_dispatcher(user) or any(
        p.role == Role.UNIT_LEAD and p.unit == hall for p in active_posts(user)
    )


def may_be_on_duty(user: User) -> bool:
    """A director at the hall desk heads a department or the county (局长、县领导)."""
    return user.is_active and any(
        (p.role == Role.UNIT_LEAD and p.unit.kind == UnitKind.DEPARTMENT)
        or p.role == Role.COUNTY_LEAD
        for p in active_posts(user)
    )


def duty_shift_add(
    *, actor: User, director: User, hall: Unit, date: dt.date, period: str
) -> DutyShift:
    """Put a director on the hall's roster for half a day (today or later)."""
    if hall.kind != UnitKind.HALL:
        raise InvalidInput("请选择政务大厅", errors={"hall": ["请选择政务大厅"]})
    if not may_keep_roster(actor, hall):
        raise PermissionDenied(f"只有{hall.name}负责人、派单中心或管理员可以排班")
    errors: dict[str, list[str]] = {}
    if not may_be_on_duty(director):
        errors["director"] = ["值班人应为部门负责人（局长）或县领导"]
    if not isinstance(date, dt.date):
        errors["date"] = ["请填写日期"]
    elif date < today():
        errors["date"] = ["不能给已过去的日期排班"]
    if period not in Period.values:
        errors["period"] = ["请选择上午或下午"]
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)
    with transaction.atomic():
        if DutyShift.objects.select_for_update().filter(hall=hall, date=date, period=period):
            raise InvalidInput("该时段已有人值班", errors={"period": ["该时段已有人值班"]})
        return DutyShift.objects.create(director=director, hall=hall, date=date, period=period)


def duty_shift_remove(*, actor: User, shift: DutyShift) -> None:
    """Take a shift off the roster; a shift that has begun or has problems recorded stays."""
    if not may_keep_roster(actor, shift.hall):
        raise PermissionDenied(f"只有{shift.hall.name}负责人、派单中心或管理员可以排班")
    with transaction.atomic():
        locked = DutyShift.objects.select_for_update().filter(pk=shift.pk).first()
        if locked is None:
            return
        if locked.date < today() or locked.problems.exists():
            raise InvalidInput("不能删除", errors={"__all__": ["已过去或已有登记的值班不能删除"]})
        locked.delete()


def hall_record(
    *,
    actor: User,
    hall: Unit,
    kind: str,
    text: str,
    citizen_name: str = "",
    citizen_phone: str = "",
    resolution: str = "",
    lead_unit: Unit | None = None,
) -> HallProblem:
    """Record a problem raised in person at the hall desk.

    With ``resolution`` it is solved on the spot. Otherwise it goes to ``lead_unit``: a
    director with a dispatcher post dispatches it at once; anyone else's problem stays with
    the dispatch centre (待派单), with the named unit noted as a suggestion, because only a
    dispatcher may dispatch.
    """
    if hall.kind != UnitKind.HALL:
        raise InvalidInput("请选择政务大厅", errors={"hall": ["请选择政务大厅"]})
    if not may_record_at_hall(actor, hall):
        raise PermissionDenied(
            f"今天不是您在{hall.name}值班，不能登记；如有问题请转交今日值班局长或派单中心"
        )
    errors: dict[str, list[str]] = {}
    text = clean_text(text)
    resolution = clean_text(resolution)
    if kind not in CaseKind.values:
        errors["kind"] = ["请选择类型"]
    if not text:
        errors["text"] = ["请填写群众反映的问题"]
    elif len(text) > ITEM_TEXT_MAX:
        errors["text"] = [f"内容最多 {ITEM_TEXT_MAX} 字，现有 {len(text)} 字"]
    if len(resolution) > RESOLUTION_MAX:
        errors["resolution"] = [f"解决情况最多 {RESOLUTION_MAX} 字，现有 {len(resolution)} 字"]
    if not resolution and lead_unit is None:
        errors["lead_unit"] = ["请填写当场解决情况，或选择承办单位"]
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)

    can_dispatch = is_dispatcher(actor)
    with transaction.atomic():
        try:
            case = cases.case_accept(
                actor=actor,
                kind=kind,
                channel=Channel.HALL_DESK,
                title=_title_from(text),
                text=text,
                citizen_name=citizen_name,
                citizen_phone=citizen_phone,
                address=hall.name,
                resolve_on_the_spot=resolution or None,
            )
        except (NotFound, PermissionDenied) as exc:
            # Resolving on the spot is for handlers, unit leads and dispatchers (the workflow
            # table); a director on duty with another kind of post hands it to the dispatchers.
            raise InvalidInput(
                "不能当场办结",
                errors={
                    "resolution": [
                        "您的岗位不能当场办结大厅登记的问题，请清空解决情况并选择承办单位，"
                        "提交派单中心"
                    ]
                },
            ) from exc
        if resolution:
            outcome = HallOutcome.RESOLVED
        elif can_dispatch and lead_unit is not None:
            case = cases.case_dispatch(
                actor=actor, case=case, lead_unit=lead_unit, note="局长进政务大厅现场派单"
            )
            outcome = HallOutcome.DISPATCHED
        else:
            outcome = HallOutcome.SUBMITTED
        return HallProblem.objects.create(
            hall=hall,
            case=case,
            recorded_by=actor,
            shift=shift_today(actor, hall),
            outcome=outcome,
            suggested_unit=lead_unit if not resolution else None,
        )


# --- survey campaigns (大调研、广纳谏) ----------------------------------------------------------


def campaign_create(
    *,
    actor: User,
    name: str,
    unit: Unit,
    starts_on: dt.date,
    ends_on: dt.date,
    description: str = "",
) -> Campaign:
    if not (is_county_wide(actor) or posted_within(actor, unit)):
        raise PermissionDenied("只有牵头单位或县级岗位可以发起调研活动")
    errors: dict[str, list[str]] = {}
    name = clean_text(name)
    if not name:
        errors["name"] = ["请填写活动名称"]
    elif len(name) > 100:
        errors["name"] = [f"名称最多 100 字，现有 {len(name)} 字"]
    if ends_on < starts_on:
        errors["ends_on"] = ["结束日期不能早于开始日期"]
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)
    return Campaign.objects.create(
        name=name, description=description.strip(), unit=unit, starts_on=starts_on, ends_on=ends_on
    )


def campaign_suggest(
    *,
    actor: User,
    campaign: Campaign,
    text: str,
    citizen_name: str = "",
    citizen_phone: str = "",
    township: Unit | None = None,
) -> CampaignSuggestion:
    """Record a suggestion gathered in the campaign (only during its period)."""
    day = today()
    if not campaign.starts_on <= day <= campaign.ends_on:
        raise InvalidInput(
            "不在征集期内",
            errors={
                "__all__": [
                    f"「{campaign.name}」的征集时间为 {campaign.starts_on:%Y-%m-%d} 至 "
                    f"{campaign.ends_on:%Y-%m-%d}，今天不在征集期内"
                ]
            },
        )
    text = clean_text(text)
    if not text:
        raise InvalidInput("请填写建议内容", errors={"text": ["请填写建议内容"]})
    if len(text) > ITEM_TEXT_MAX:
        raise InvalidInput(
            "建议过长", errors={"text": [f"建议最多 {ITEM_TEXT_MAX} 字，现有 {len(text)} 字"]}
        )
    with transaction.atomic():
        case = cases.case_accept(
            actor=actor,
            kind=CaseKind.SUGGESTION,
            channel=Channel.SURVEY,
            title=_title_from(text),
            text=text,
            citizen_name=citizen_name,
            citizen_phone=citizen_phone,
            township=township,
            external_ref=f"campaign-{campaign.pk}",
        )
        return CampaignSuggestion.objects.create(campaign=campaign, case=case)


def campaign_adopt(
    *, actor: User, suggestion: CampaignSuggestion, note: str = ""
) -> CampaignSuggestion:
    """Adopt a suggestion (采纳): a note on the case says so, and the link row remembers it."""
    campaign = suggestion.campaign
    if not (is_county_wide(actor) or posted_within(actor, campaign.unit)):
        raise PermissionDenied(f"只有{campaign.unit.name}或县级岗位可以采纳建议")
    note = clean_text(note)
    if len(note) > RESOLUTION_MAX:
        raise InvalidInput("说明过长", errors={"note": [f"说明最多 {RESOLUTION_MAX} 字"]})
    with transaction.atomic():
        locked = CampaignSuggestion.objects.select_for_update().get(pk=suggestion.pk)
        if locked.adopted:
            raise InvalidInput("该建议已采纳", errors={"__all__": ["该建议已经采纳过了"]})
        try:
            cases.case_add_note(
                actor=actor,
                case=locked.case_id,
                text=f"「{campaign.name}」采纳此建议" + (f"：{note}" if note else ""),
            )
        except NotFound as exc:
            raise PermissionDenied("您的岗位看不到这条建议对应的事项，不能采纳") from exc
        locked.adopted = True
        locked.adopted_at = clock.now()
        locked.adopted_by = actor
        locked.save(update_fields=["adopted", "adopted_at", "adopted_by"])
    return locked
