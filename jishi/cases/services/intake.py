"""Taking a case in (受理): checking what arrived, the tracking code, and, when the intake
already knows where the case goes, its classification and dispatch in the same transaction.
Also the case resolved on the spot by whoever took it in (边发现边解决)."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from jishi.cases.models import Case, CaseClock, CaseEvent, CaseKind, Category, Channel
from jishi.cases.services.attachments import Upload, _attach, check_image
from jishi.cases.services.clocks import _dispatch_clocks, _plan_clocks
from jishi.cases.services.dispatching import _assisting, _check_units
from jishi.cases.services.engine import (
    REASON_MAX,
    TEXT_MAX,
    Acting,
    Actor,
    _after_commit,
    _clean_text,
    _hold,
    _insert,
    _record,
    _resolve,
    _savepoints,
    _set_running_clocks,
    _transition,
    _unit_ref,
)
from jishi.cases.timelimits import limits_for
from jishi.cases.workflow import TRANSITIONS
from jishi.common import clock, crypto
from jishi.common.errors import Conflict, InvalidInput
from jishi.common.text import fold, search_key, strip_invisible
from jishi.orgs.models import Unit, UnitKind

TITLE_MAX = 120
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud over the phone
# The choices as sets: ``TextChoices.values`` builds a new list at every access.
_KINDS = frozenset(CaseKind.values)
_CHANNELS = frozenset(Channel.values)


Recorded = tuple[list[CaseEvent], list[CaseClock]]


class AlreadySubmitted(Conflict):
    """The submission key already made a case; ``case_code`` is its tracking code."""

    def __init__(self, message: str = "这份表单已经提交过", *, case_code: str = "") -> None:
        super().__init__(message)
        self.case_code = case_code


def _draw_code(
    case: Case, at: datetime, record: Callable[[], Recorded], attempt: int = 0
) -> Recorded:
    """Give the new case a tracking code and record its intake events under it (the code is
    hashed into every event, so a redrawn code records anew)."""
    stem = f"{settings.JISHI_CODE_PREFIX}{timezone.localtime(at):%y%m}-"
    # Four characters give 810,000 codes a month; a fifth is added only if a month fills.
    length = 4 if attempt < 5 else 5
    case.code = stem + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
    return record()


def _insert_unless_taken(case: Case) -> bool:
    """Insert the new case: True, or False when its tracking code or submission key is
    already taken (the unique indexes decide). In a savepoint of its own, so the refused
    insert does not abort the surrounding transaction on PostgreSQL (a batch's among them)."""
    try:
        with transaction.atomic():
            case.save(force_insert=True)
    except IntegrityError:
        taken = Q(code=case.code)
        if case.submission_key:
            taken |= Q(submission_key=case.submission_key)
        if not Case.objects.filter(taken).exists():
            raise  # some other rule was broken: not a reason to draw another code
        return False
    return True


def _insert_with_code(
    case: Case, at: datetime, record: Callable[[], Recorded], recorded: Recorded
) -> Recorded:
    """Insert the new case under the code ``_draw_code`` gave it, drawing again while the
    code is taken; returns what ``record`` made for the code that stuck.

    The unique index on ``code`` decides: an insert under a code already taken (by a
    committed case, or by one a concurrent intake is inserting) is refused inside its own
    savepoint, and another code is drawn. No lookup first, so no race between a lookup and
    the insert.
    """
    attempt = 0
    while not _insert_unless_taken(case):
        # The insert also stands aside for a submission key already used — by a committed
        # case, or by a concurrent intake that committed while this one waited on its row.
        if case.submission_key:
            earlier = (
                Case.objects.filter(submission_key=case.submission_key)
                .values_list("code", flat=True)
                .first()
            )
            if earlier is not None:
                raise AlreadySubmitted(case_code=earlier)
        attempt += 1
        if attempt == 8:
            raise Conflict("无法生成受理编号，请重试")
        recorded = _draw_code(case, at, record, attempt)
    return recorded


@dataclass(frozen=True)
class Route:
    """Routing decided at intake: who decides, the category, the lead and assisting units."""

    actor: Actor
    category: Category
    lead_unit: Unit
    assisting_units: Sequence[Unit] = ()
    confidence: float | None = None
    model_version: str = ""
    # A handling limit decided by the intake's own rule (a bad review's rectification
    # deadline), overriding the time-limit table; ``limit_source`` names that rule.
    handling_days: int | None = None
    limit_source: str = ""


def _route_at_intake(
    case: Case, route: Route, at: datetime, clocks: list[CaseClock]
) -> list[CaseEvent]:
    """Classify and dispatch a case that is not yet saved: events and clocks in memory."""
    classify, dispatch = TRANSITIONS["classify"], TRANSITIONS["dispatch"]
    acting = _resolve(route.actor, classify, None)
    _resolve(route.actor, dispatch, None)
    case.category = route.category
    payload: dict[str, Any] = {
        "category": route.category.code,
        "previous": None,
        "source": "router" if route.confidence is not None else "intake",
    }
    if route.confidence is not None:
        payload["confidence"] = f"{route.confidence:.4f}"
        payload["model_version"] = route.model_version
    events = [_record(case, classify, acting, at, payload, from_state=case.state)]
    limits = limits_for(route.category, case.kind)
    if route.handling_days is not None:
        limits = dataclasses.replace(
            limits, handling_days=route.handling_days, source=route.limit_source or limits.source
        )
    started, planned = _plan_clocks(case, at, case.version + 1, _dispatch_clocks(limits))
    clocks.extend(started)
    case.lead_unit, case.dispatched_at = route.lead_unit, at
    case.due_estimated = any(row.estimated for row in started)
    assisting = _assisting(route.lead_unit, route.assisting_units)
    payload = {
        "lead_unit": _unit_ref(route.lead_unit),
        "assisting_units": [_unit_ref(u) for u in assisting],
        "category": route.category.code,
        "note": "",
        "clocks": planned,
    }
    events.append(_record(case, dispatch, acting, at, payload, from_state=case.state))
    return events


def _valid_id_number(value: str) -> bool:
    """GB 11643 check digit for 18-digit resident ID numbers."""
    if (
        len(value) != 18
        or not value[:17].isdigit()
        or not (value[17].isdigit() or value[17] == "X")
    ):
        return False
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(value[:17], weights, strict=True))
    return "10X98765432"[total % 11] == value[17]


def case_accept(
    *,
    actor: Actor,
    kind: str,
    channel: str,
    title: str,
    text: str,
    township: Unit | None = None,
    village: Unit | None = None,
    address: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    citizen_name: str = "",
    citizen_phone: str = "",
    citizen_id_number: str = "",
    anonymous: bool = False,
    category: Category | None = None,
    attachments: Sequence[Upload] = (),
    external_ref: str = "",
    resolve_on_the_spot: str | None = None,
    route: Route | None = None,
    tracking_pin: str = "",
    submission_key: str = "",
    callback_required: bool = False,
) -> Case:
    """Register a case (受理) and give it its tracking code. With ``resolve_on_the_spot`` the
    person who took it also records it solved there and then (边发现边解决). With ``route``
    it is classified and dispatched in the same transaction (the router's confident
    auto-dispatch, or a hotline operator who routes as they type): three events, one insert
    each for the case, its events and its clocks.

    ``submission_key`` makes the intake idempotent: a second call with the same key raises
    :class:`AlreadySubmitted` naming the case the first one made, and changes nothing."""
    errors: dict[str, list[str]] = {}
    if kind not in _KINDS:
        errors["kind"] = ["请选择事项类型"]
    if channel not in _CHANNELS:
        errors["channel"] = ["渠道无效"]
    try:
        title = _clean_text(title, field="title", label="标题", required=True, limit=TITLE_MAX)
    except InvalidInput as exc:
        errors.update(exc.errors)
    try:
        text = _clean_text(text, field="text", label="内容", required=True, limit=TEXT_MAX)
    except InvalidInput as exc:
        errors.update(exc.errors)
    address = strip_invisible(address or "").strip()[:200]
    citizen_name = strip_invisible(citizen_name or "")
    if village is not None:
        if village.kind != UnitKind.VILLAGE:
            errors["village"] = ["请选择村(社区)"]
        elif township is None:
            township = village.parent
        elif village.parent_id != township.pk:
            errors["village"] = [f"{village.name}不属于{township.name}"]
    if township is not None and township.kind != UnitKind.TOWNSHIP:
        errors["township"] = ["请选择乡镇"]
    phone = crypto.normalize_phone(citizen_phone)
    if problem := crypto.phone_problem(citizen_phone):
        errors["citizen_phone"] = [problem]
    id_number = fold(citizen_id_number or "").strip().upper()
    if id_number and not _valid_id_number(id_number):
        errors["citizen_id_number"] = ["身份证号码无效（18 位，末位可为 X，校验位须正确）"]
    if anonymous:
        citizen_name, phone, id_number = "", "", ""
    for coord, value, bound in (("latitude", latitude, 90), ("longitude", longitude, 180)):
        if value is not None and not (-bound <= value <= bound):
            errors[coord] = ["坐标超出范围"]
    checked = []
    for upload in attachments:
        try:
            checked.append((upload, check_image(upload)))
        except InvalidInput as exc:
            errors.setdefault("attachments", []).extend(exc.errors["attachments"])
    if errors:
        raise InvalidInput("提交的内容有误，请按提示修改", errors=errors)

    transition = TRANSITIONS["accept"]
    acting = _resolve(actor, transition, None)
    if route is not None:
        if resolve_on_the_spot is not None:
            raise InvalidInput(
                "当场解决的事项无需派单", errors={"route": ["不能同时派单和当场解决"]}
            )
        _check_units(route.lead_unit, route.assisting_units)
    # Everything but the writes happens before the transaction: on SQLite it holds the
    # database's one write lock, and the next submission waits for it.
    at = clock.now()
    case = Case(
        kind=kind,
        channel=channel,
        category=category,
        title=title,
        text=text,
        search_text=search_key(f"{title}\n{text}"),
        township=township,
        village=village,
        address=address,
        latitude=latitude,
        longitude=longitude,
        anonymous=anonymous,
        citizen_name=(citizen_name or "").strip()[:64],
        citizen_phone=phone,
        citizen_phone_index=crypto.blind_index(phone),
        citizen_id_number=id_number,
        external_ref=external_ref[:64],
        tracking_pin=tracking_pin,
        submission_key=submission_key[:64],
        callback_required=callback_required and bool(phone),
        accepted_at=at,
        created_by=acting.user,
        state="",
    )
    payload = {
        "kind": kind,
        "channel": channel,
        "title": title,
        "text": text,
        "township": _unit_ref(township),
        "village": _unit_ref(village),
        "address": address,
        "coordinates": [str(latitude), str(longitude)] if latitude is not None else None,
        "anonymous": anonymous,
        "has_phone": bool(phone),
        "has_id_number": bool(id_number),
        "category": category.code if category else None,
        "external_ref": external_ref,
    }
    if case.callback_required:
        payload["callback_required"] = True

    def record() -> Recorded:
        case.version, case.last_hash, case.state = 0, "", ""
        events = [_record(case, transition, acting, at, payload, from_state="")]
        clocks: list[CaseClock] = []
        if route is not None:
            events += _route_at_intake(case, route, at, clocks)
        return events, clocks

    recorded = _draw_code(case, at, record)
    with transaction.atomic(savepoint=_savepoints()):
        events, clocks = _insert_with_code(case, at, record, recorded)
        for event in events:
            event.case_id = case.pk
        _insert(events)
        for row in clocks:
            row.case_id = case.pk
        _insert(clocks)
        _set_running_clocks(case, clocks)
        _hold(case)
        if route is not None and route.assisting_units:
            case.assisting_units.set(_assisting(route.lead_unit, route.assisting_units))
        for event in events:
            _after_commit(case, event)
        if checked:
            _attach(case, acting, at, checked)
    if resolve_on_the_spot is not None:
        solved = case_resolve_on_the_spot(actor=actor, case=case, resolution=resolve_on_the_spot)
        if solved is not case:
            case.refresh_from_db()
    return case


def case_resolve_on_the_spot(
    *, actor: Actor, case: Case | int, resolution: str, expected_version: int | None = None
) -> Case:
    resolution = _clean_text(
        resolution, field="resolution", label="解决情况", required=True, limit=REASON_MAX
    )

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        case.closed_at = at
        case.lead_unit = case.lead_unit or acting.unit
        return {"resolution": resolution, "unit": _unit_ref(acting.unit)}

    return _transition(
        actor=actor,
        case=case,
        name="resolve_on_the_spot",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["closed_at", "lead_unit"],
    )
