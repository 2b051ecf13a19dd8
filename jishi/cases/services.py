"""Every write to the ledger. One function per transition of ``workflow.TRANSITIONS``.

Each service: keyword-only arguments, one ``transaction.atomic`` block, the case row locked
(``select_for_update``; SQLite's IMMEDIATE transactions serialise writers instead), the
actor's post checked against the workflow table, one event appended to the hash chain, the
``Case`` projection and clocks updated, side effects sent with ``on_commit``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import secrets
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from io import BytesIO
from typing import IO, Any, cast

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Model, Q
from django.dispatch import Signal
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from jishi.cases import access
from jishi.cases.ledger import GENESIS, event_hash
from jishi.cases.models import (
    Attachment,
    Case,
    CaseClock,
    CaseEvent,
    CaseKind,
    Category,
    Channel,
    ClockKind,
    LimitUnit,
    Satisfaction,
    State,
)
from jishi.cases.selectors import can_see
from jishi.cases.timelimits import Limits, limits_for
from jishi.cases.workflow import CITIZEN, SYSTEM, TRANSITIONS, Transition
from jishi.common import clock, crypto
from jishi.common.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from jishi.common.text import fold, search_key, source_text, strip_invisible
from jishi.orgs.models import Unit, UnitKind, User
from jishi.workdays.selectors import get_calendar

# Sent after commit for every event, so notifications and metrics never see a rolled-back one.
event_recorded = Signal()  # kwargs: case_id, event_id, kind

TITLE_MAX = 120
TEXT_MAX = 5000
REASON_MAX = 2000
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud over the phone
# The choices as sets: ``TextChoices.values`` builds a new list at every access.
_KINDS = frozenset(CaseKind.values)
_CHANNELS = frozenset(Channel.values)
_SATISFACTIONS = frozenset(Satisfaction.values)


@dataclass(frozen=True)
class Citizen:
    """The citizen who raised the case; the view proves it (tracking code + phone digits)."""

    name: str = "群众"


@dataclass(frozen=True)
class System:
    """jishi itself: the router's auto-dispatch, imports, deadline recomputation."""

    name: str = "系统"


Actor = User | Citizen | System


@dataclass(frozen=True)
class Acting:
    """Who an event is attributed to: the person, the post's role and the post's unit."""

    user: User | None
    role: str
    unit: Unit | None
    name: str


# --- helpers --------------------------------------------------------------------------------

_batch = threading.local()


@contextlib.contextmanager
def batch() -> Iterator[None]:
    """One transaction around many services (the demo seeder, imports, benchmarks).

    Inside it, services open no savepoints of their own (two round trips fewer per step;
    only a new case's insert has one, as it may be refused for a taken tracking code), so
    any error rolls back the whole batch: callers must not catch a service error inside and
    carry on.

    A case a service returns inside the batch stays locked until the batch ends (the row
    lock of ``select_for_update``, or SQLite's one writer), and every later change to it in
    the batch goes through that same object. Handing that object back to the next service
    therefore spares the re-read of the row and of its running clocks.
    """
    outermost = not getattr(_batch, "on", False)
    _batch.on = True
    if outermost:
        _batch.held = {}
    try:
        with transaction.atomic():
            yield
    except BaseException:
        # An inner batch rolled back to its savepoint: what is held may be ahead of the rows.
        _batch.held.clear()
        raise
    finally:
        if outermost:
            _batch.on = False
            _batch.held = None


def _savepoints() -> bool:
    return not getattr(_batch, "on", False)


def _held() -> dict[int, Case] | None:
    """The cases locked by this thread's batch, by id, as the objects services returned."""
    return getattr(_batch, "held", None) if getattr(_batch, "on", False) else None


# The rows every step writes go through the ORM's own calls. Statements prepared by hand
# were measured beside them (bench/fastpaths.py rows): 1.4–1.6× faster per intake or per
# seeded case depending on the database — not a clear enough win for code that re-does
# every field's preparation.


def _insert(objs: Sequence[Model]) -> None:
    """New rows of one model (events, clocks): one INSERT for several."""
    if len(objs) == 1:
        objs[0].save(force_insert=True)
    elif objs:
        type(objs[0])._default_manager.bulk_create(objs)


def _update(obj: Model, names: Sequence[str]) -> None:
    obj.save(update_fields=names)


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


def _hold(case: Case) -> None:
    held = _held()
    if held is not None:
        held[case.pk] = case


def _release(case: Case) -> None:
    """Forget a held case whose object may now differ from its row (a step failed)."""
    held = _held()
    if held is not None and held.get(case.pk) is case:
        del held[case.pk]


def _resolve(actor: Actor, transition: Transition, case: Case | None) -> Acting:
    """Pick the actor's post that allows this transition on this case, or refuse. The caller
    has already refused a case the actor cannot see (``_apply_transition``)."""
    if isinstance(actor, Citizen):
        if CITIZEN not in transition.roles:
            raise PermissionDenied("群众不能执行此操作")
        return Acting(None, CITIZEN, None, actor.name)
    if isinstance(actor, System):
        if SYSTEM not in transition.roles:
            raise PermissionDenied("系统不能执行此操作")
        return Acting(None, SYSTEM, None, actor.name)
    post = access.post_allowing(actor, transition, case)
    if post is None:
        raise PermissionDenied(f"您的岗位不能对此事项执行「{transition.label}」")
    role, unit = post
    return Acting(actor, role, unit, str(actor))


_UNUSED_BY_TRANSITIONS = (
    "text",
    "search_text",
    "citizen_phone",
    "citizen_id_number",
    "tracking_pin",
)


def _refuse_if_blocked(name: str, case: Case) -> None:
    reason = access.blocked(name, case)
    if reason is not None:
        raise InvalidTransition(reason)


def _lock(case: Case | int) -> Case:
    pk = case.pk if isinstance(case, Case) else case
    held = _held()
    if held is not None and isinstance(case, Case) and held.get(pk) is case:
        return case  # locked earlier in this batch, and changed only through this object
    try:
        # The long text and the encrypted contact are not needed to take a step: deferring
        # them spares the transfer and a decryption on every transition (a reveal loads them).
        locked = (
            Case.objects.select_for_update(of=("self",))
            .select_related("lead_unit")
            .defer(*_UNUSED_BY_TRANSITIONS)
            .get(pk=pk)
        )
    except Case.DoesNotExist:
        raise NotFound("事项不存在") from None
    _hold(locked)
    return locked


def _record(
    case: Case,
    transition: Transition,
    acting: Acting,
    at: datetime,
    payload: dict[str, Any],
    *,
    from_state: str,
) -> CaseEvent:
    """Append one event to the case's chain and move the case's head to it."""
    seq = case.version + 1
    to_state = transition.leads_to(from_state)
    prev = case.last_hash or GENESIS
    digest = event_hash(
        prev,
        case_code=case.code,
        seq=seq,
        kind=transition.name,
        actor_id=acting.user.pk if acting.user else None,
        actor_role=acting.role,
        actor_unit_id=acting.unit.pk if acting.unit else None,
        from_state=from_state,
        to_state=to_state,
        payload=payload,
        created_at=at,
    )
    # Ids rather than objects: a step builds one of these every time, and the related objects
    # would only be cached on an event nothing reads back.
    event = CaseEvent(
        case_id=case.pk,  # None at intake, set once the case is inserted
        seq=seq,
        kind=transition.name,
        actor_id=acting.user.pk if acting.user else None,
        actor_name=acting.name[:64],
        actor_role=acting.role,
        actor_unit_id=acting.unit.pk if acting.unit else None,
        actor_unit_name=acting.unit.name if acting.unit else "",
        from_state=from_state,
        to_state=to_state,
        payload=payload,
        created_at=at,
        prev_hash=prev,
        hash=digest,
    )
    case.version, case.last_hash, case.state = seq, digest, to_state
    return event


def _transition(
    *,
    actor: Actor,
    case: Case | int,
    name: str,
    expected_version: int | None,
    apply: Callable[[Case, Acting, datetime, int], dict[str, Any]],
    extra_fields: Sequence[str] = (),
) -> Case:
    """The shape every transition shares: lock, check, apply, record, save, notify."""
    transition = TRANSITIONS[name]
    with transaction.atomic(savepoint=_savepoints()):
        locked = _lock(case)
        try:
            _apply_transition(
                actor, locked, transition, name, expected_version, apply, extra_fields
            )
        except BaseException:
            _release(locked)
            raise
    return locked


def _apply_transition(
    actor: Actor,
    locked: Case,
    transition: Transition,
    name: str,
    expected_version: int | None,
    apply: Callable[[Case, Acting, datetime, int], dict[str, Any]],
    extra_fields: Sequence[str],
) -> None:
    """Check, apply, record, save, notify: ``_transition`` inside its lock."""
    # Order matters: an invisible case is "not found" whatever else is wrong; a stale
    # page is a conflict before it is a wrong state; the state before the post.
    if isinstance(actor, User) and not can_see(actor, locked):
        raise NotFound("事项不存在")
    if expected_version is not None and locked.version != expected_version:
        raise Conflict("该事项已被他人处理，请刷新后再试")
    if locked.state not in transition.sources:
        raise InvalidTransition(
            f"事项当前状态为「{source_text(locked.get_state_display())}」，不能{transition.label}"
        )
    acting = _resolve(actor, transition, locked)
    at = clock.now()
    from_state = locked.state
    payload = apply(locked, acting, at, locked.version + 1)
    event = _record(locked, transition, acting, at, payload, from_state=from_state)
    _insert([event])
    _stop_clocks(locked, transition.stops, at, event.seq, name)
    fields = ["state", "version", "last_hash", "updated_at", *extra_fields]
    if transition.stops:
        fields += ["response_due", "handling_due"]
    _update(locked, list(dict.fromkeys(fields)))
    _after_commit(locked, event)


def _after_commit(case: Case, event: CaseEvent) -> None:
    case_id, event_id, kind = case.pk, event.pk, event.kind
    transaction.on_commit(
        lambda: event_recorded.send(sender=Case, case_id=case_id, event_id=event_id, kind=kind)
    )


def _clean_text(value: str, *, field: str, label: str, required: bool, limit: int) -> str:
    value = strip_invisible(value or "").strip()
    if required and not value:
        raise InvalidInput(f"{label}不能为空", errors={field: [f"请填写{label}"]})
    if len(value) > limit:
        raise InvalidInput(
            f"{label}过长", errors={field: [f"{label}最多 {limit} 字，现有 {len(value)} 字"]}
        )
    return value


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
class ClockSpec:
    kind: str
    amount: int
    unit: str
    rule: str


def _start_clocks(
    case: Case, at: datetime, seq: int, specs: Sequence[ClockSpec], *, fresh: bool
) -> dict[str, Any]:
    """Start SLA clocks at ``at``; returns their deadlines for the event's payload.

    ``fresh`` says no clock is running on the case (the workflow stopped them all, as after
    intake, a return or a reply), which spares reading the running clocks to replace them.
    """
    planned, out = _plan_clocks(case, at, seq, specs)
    kinds = {spec.kind for spec in specs}
    estimated = any(row.estimated for row in planned)
    running: list[CaseClock] = []
    if not fresh:
        running = _running_clocks(case)
        replaced = [c for c in running if c.kind in kinds]
        if replaced:
            for c in replaced:
                c.stopped_at, c.stopped_seq, c.outcome = at, seq, "replaced"
                _update(c, _STOP_FIELDS)
        running = [c for c in running if c.kind not in kinds]
        estimated = estimated or any(c.estimated for c in running)
    _insert(planned)
    _set_running_clocks(case, running + planned)
    case.due_estimated = estimated
    return out


def _plan_clocks(
    case: Case, at: datetime, seq: int, specs: Sequence[ClockSpec]
) -> tuple[list[CaseClock], dict[str, Any]]:
    """Clock rows (unsaved) and their payload; sets the case's due fields."""
    calendar = get_calendar()
    built, out = [], {}
    for spec in specs:
        if spec.unit == LimitUnit.WORKHOUR:
            deadline = calendar.add_working_hours(at, spec.amount)
        else:
            deadline = calendar.add_workdays(at, spec.amount)
        built.append(
            CaseClock(
                case_id=case.pk,  # None at intake, set once the case is inserted
                kind=spec.kind,
                started_at=at,
                started_seq=seq,
                limit_amount=spec.amount,
                limit_unit=spec.unit,
                due_at=deadline.due,
                estimated=deadline.estimated,
                rule=spec.rule,
            )
        )
        if spec.kind == ClockKind.RESPONSE:
            case.response_due = deadline.due
        elif spec.kind == ClockKind.HANDLING:
            case.handling_due = deadline.due
        out[spec.kind] = {
            "due": deadline.due.isoformat(),
            "rule": spec.rule,
            "estimated": deadline.estimated,
        }
    return built, out


def _running_clocks(case: Case) -> list[CaseClock]:
    """The case's running clocks, read once while the case row is locked: every later
    change to them goes through the services, which keep this list in step."""
    cached: list[CaseClock] | None = getattr(case, "_running_clocks", None)
    if cached is None:
        cached = list(CaseClock.objects.filter(case=case, stopped_at__isnull=True))
        case._running_clocks = cached  # type: ignore[attr-defined]
    return cached


def _set_running_clocks(case: Case, clocks: list[CaseClock]) -> None:
    if all(c.pk is not None for c in clocks):
        case._running_clocks = clocks  # type: ignore[attr-defined]
    else:  # a database that returns no ids from a bulk insert: read them when needed
        case.__dict__.pop("_running_clocks", None)


_STOP_FIELDS = ("stopped_at", "stopped_seq", "outcome")


def _stop_clocks(case: Case, kinds: Iterable[str], at: datetime, seq: int, why: str) -> None:
    kinds = list(kinds)
    if not kinds:
        return
    cancelled = why in {"return", "merge"}
    for running in _running_clocks(case):
        if running.kind in kinds:
            running.stopped_at, running.stopped_seq = at, seq
            running.outcome = (
                "cancelled" if cancelled else ("met" if at <= running.due_at else "late")
            )
            _update(running, _STOP_FIELDS)
    case._running_clocks = [  # type: ignore[attr-defined]
        c for c in _running_clocks(case) if c.stopped_at is None
    ]
    if ClockKind.RESPONSE in kinds:
        case.response_due = None
    if ClockKind.HANDLING in kinds:
        case.handling_due = None


def _clock_outcomes(case: Case, kinds: Iterable[str], at: datetime) -> dict[str, str]:
    """What stopping these clocks now would say: recorded in the event, so figures such as
    the on-time rate come from events alone."""
    kinds = list(kinds)
    return {
        c.kind: ("met" if at <= c.due_at else "late")
        for c in _running_clocks(case)
        if c.kind in kinds
    }


def _unit_ref(unit: Unit | None) -> dict[str, Any] | None:
    return {"id": unit.pk, "name": unit.name} if unit else None


# --- intake ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A file as it arrived: its name, and its bytes or the uploaded file itself (Django
    streams a large upload to a temporary file; it is read from there, never whole)."""

    name: str
    content: bytes | IO[bytes]

    @property
    def size(self) -> int:
        if isinstance(self.content, bytes):
            return len(self.content)
        size = getattr(self.content, "size", None)
        if size is None:
            self.content.seek(0, os.SEEK_END)
            size = self.content.tell()
        return int(size)

    @classmethod
    def of(cls, uploaded: UploadedFile) -> Upload:
        """A file from a form, read from where Django put it (memory or a temporary file)."""
        return cls(uploaded.name or "", cast(IO[bytes], uploaded))

    def open(self) -> IO[bytes]:
        if isinstance(self.content, bytes):
            return BytesIO(self.content)
        self.content.seek(0)
        return self.content


@dataclass(frozen=True)
class StoredImage:
    """What is kept of an accepted photo: a bounded, re-encoded copy without metadata."""

    data: bytes
    format: str
    width: int
    height: int


def _attachment_error(summary: str, message: str) -> InvalidInput:
    return InvalidInput(summary, errors={"attachments": [message]})


def _check_upload(upload: Upload) -> StoredImage:
    """Checks a photo and makes the copy that is stored (the original is not kept).

    The copy is at most ``JISHI_ATTACHMENT_MAX_SIDE`` pixels on its long side, turned the
    way the camera meant it, and re-encoded (PNG for PNG and GIF, else JPEG), which
    drops EXIF metadata such as the GPS position. A file declaring more than
    ``JISHI_ATTACHMENT_MAX_PIXELS`` is refused before a pixel is decoded: a PNG of a few KB
    can declare billions (a decompression bomb).
    """
    limit = settings.JISHI_ATTACHMENT_MAX_BYTES
    size = upload.size
    if not size:
        raise _attachment_error("附件为空", f"「{upload.name}」是空文件")
    if size > limit:
        raise _attachment_error(
            "附件过大",
            f"「{upload.name}」有 {size / 1048576:.1f} MB，超过 {limit // 1048576} MB 的上限",
        )
    max_pixels = settings.JISHI_ATTACHMENT_MAX_PIXELS
    too_many_pixels = _attachment_error(
        "图片像素过大",
        f"「{upload.name}」的像素过多（上限 {max_pixels // 1_000_000} 百万像素），"
        "请缩小图片后重新上传",
    )
    try:
        with Image.open(upload.open()) as image:
            fmt, (width, height) = image.format, image.size
            if fmt not in settings.JISHI_ATTACHMENT_FORMATS:
                raise _attachment_error(
                    "图片格式不支持",
                    f"「{upload.name}」是 {fmt} 格式，仅支持 JPEG、PNG、WEBP、GIF",
                )
            if width * height > max_pixels:
                raise too_many_pixels
            return _bounded_copy(image)
    except Image.DecompressionBombError:
        raise too_many_pixels from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise _attachment_error("附件不是图片", f"「{upload.name}」不是可识别的图片文件") from None


def _bounded_copy(image: Image.Image) -> StoredImage:
    side = settings.JISHI_ATTACHMENT_MAX_SIDE
    # A JPEG decodes straight at a reduced scale (cheap); other formats decode whole.
    # Screenshots and drawings (PNG, GIF) stay lossless; photos become JPEG.
    lossless = image.format in ("PNG", "GIF")
    image.draft("RGB", (side, side))
    image = ImageOps.exif_transpose(image)
    transparent = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    image = image.convert("RGBA" if transparent else "RGB")
    image.thumbnail((side, side), Image.Resampling.LANCZOS)
    out = BytesIO()
    fmt = "PNG" if lossless or transparent else "JPEG"
    if fmt == "PNG":
        image.save(out, format="PNG", optimize=True)
    else:
        image.save(out, format="JPEG", quality=85, optimize=True)
    return StoredImage(out.getvalue(), fmt, *image.size)


def _stored_name(name: str, fmt: str) -> str:
    stem = os.path.splitext(os.path.basename(name))[0][:100] or "photo"
    return f"{stem}.{'png' if fmt == 'PNG' else 'jpg'}"


def _store_uploads(
    case: Case, uploads: Sequence[tuple[Upload, StoredImage]], at: datetime, seq: int
) -> list[dict[str, Any]]:
    stored = []
    for upload, image in uploads:
        digest = hashlib.sha256(image.data).hexdigest()
        if Attachment.objects.filter(case=case, sha256=digest).exists():
            continue
        attachment = Attachment(
            case=case,
            original_name=upload.name[:200],
            content_type=f"image/{image.format.lower()}",
            size=len(image.data),
            sha256=digest,
            width=image.width,
            height=image.height,
            event_seq=seq,
            uploaded_at=at,
        )
        attachment.file.save(
            _stored_name(upload.name, image.format), ContentFile(image.data), save=False
        )
        attachment.save()
        stored.append({"name": attachment.original_name, "sha256": digest, "size": attachment.size})
    return stored


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


def _assisting(lead_unit: Unit, units: Sequence[Unit]) -> list[Unit]:
    return [u for u in dict.fromkeys(units) if u.pk != lead_unit.pk]


def _check_units(lead_unit: Unit, assisting_units: Sequence[Unit]) -> None:
    if not lead_unit.active:
        raise InvalidInput("主办单位已停用", errors={"lead_unit": [f"{lead_unit.name}已停用"]})
    for unit in assisting_units:
        if not unit.active:
            raise InvalidInput("协办单位已停用", errors={"assisting_units": [f"{unit.name}已停用"]})


def _dispatch_clocks(limits: Limits) -> list[ClockSpec]:
    """The two clocks a dispatch starts: respond (acknowledge) and handle (reply)."""
    return [
        ClockSpec(
            ClockKind.RESPONSE, limits.response_amount, limits.response_unit, limits.response_rule
        ),
        ClockSpec(
            ClockKind.HANDLING, limits.handling_days, LimitUnit.WORKDAY, limits.handling_rule
        ),
    ]


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
            checked.append((upload, _check_upload(upload)))
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


def _attach(
    case: Case, acting: Acting, at: datetime, checked: Sequence[tuple[Upload, StoredImage]]
) -> None:
    transition = TRANSITIONS["attach"]
    seq = case.version + 1
    stored = _store_uploads(case, checked, at, seq)
    if not stored:
        return
    event = _record(case, transition, acting, at, {"files": stored}, from_state=case.state)
    _insert([event])
    _update(case, ["version", "last_hash", "state", "updated_at"])
    _after_commit(case, event)


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


def case_attach(
    *, actor: Actor, case: Case | int, files: Sequence[Upload], expected_version: int | None = None
) -> Case:
    if not files:
        raise InvalidInput("请选择文件", errors={"attachments": ["请选择要上传的图片"]})
    checked = []
    errors: list[str] = []
    for upload in files:
        try:
            checked.append((upload, _check_upload(upload)))
        except InvalidInput as exc:
            errors.extend(exc.errors["attachments"])
    if errors:
        raise InvalidInput("附件有误", errors={"attachments": errors})

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        stored = _store_uploads(case, checked, at, seq)
        if not stored:
            raise InvalidInput("附件已存在", errors={"attachments": ["这些图片已经上传过"]})
        return {"files": stored}

    return _transition(
        actor=actor, case=case, name="attach", expected_version=expected_version, apply=apply
    )


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


# --- routing --------------------------------------------------------------------------------


def case_classify(
    *,
    actor: Actor,
    case: Case | int,
    category: Category,
    expected_version: int | None = None,
    source: str = "dispatcher",
    confidence: float | None = None,
    model_version: str = "",
    suggested: str | None = None,
) -> Case:
    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        previous = case.category.code if case.category else None
        case.category = category
        payload: dict[str, Any] = {
            "category": category.code,
            "previous": previous,
            "source": source,
        }
        if confidence is not None:
            payload["confidence"] = f"{confidence:.4f}"
            payload["model_version"] = model_version
        if suggested is not None:
            # The router's top suggestion shown to the dispatcher: agreement is a figure.
            payload["suggested"] = suggested
        return payload

    return _transition(
        actor=actor,
        case=case,
        name="classify",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["category"],
    )


def _dispatch_apply(
    *,
    lead_unit: Unit,
    assisting_units: Sequence[Unit],
    category: Category | None,
    note: str,
) -> Callable[[Case, Acting, datetime, int], dict[str, Any]]:
    _check_units(lead_unit, assisting_units)
    assisting = _assisting(lead_unit, assisting_units)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        if category is not None:
            case.category = category
        limits = limits_for(case.category, case.kind)
        case.lead_unit = lead_unit
        case.dispatched_at = at
        if assisting or case.state == State.RETURNED:
            case.assisting_units.set(assisting)
        clocks = _start_clocks(case, at, seq, _dispatch_clocks(limits), fresh=True)
        return {
            "lead_unit": _unit_ref(lead_unit),
            "assisting_units": [_unit_ref(u) for u in assisting],
            "category": case.category.code if case.category else None,
            "note": note,
            "clocks": clocks,
        }

    return apply


_DISPATCH_FIELDS = [
    "category",
    "lead_unit",
    "dispatched_at",
    "response_due",
    "handling_due",
    "due_estimated",
]


def case_dispatch(
    *,
    actor: Actor,
    case: Case | int,
    lead_unit: Unit,
    assisting_units: Sequence[Unit] = (),
    category: Category | None = None,
    note: str = "",
    expected_version: int | None = None,
    suggested: str | None = None,
) -> Case:
    """Send the case to its lead unit (主办) and any assisting units (协办); starts the clocks.
    Sending it back to the unit that just returned it is an arbitration, not a re-dispatch."""
    note = _clean_text(note, field="note", label="说明", required=False, limit=REASON_MAX)
    apply = _dispatch_apply(
        lead_unit=lead_unit, assisting_units=assisting_units, category=category, note=note
    )

    def guarded(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        if case.state == State.RETURNED and case.lead_unit_id == lead_unit.pk:
            raise InvalidInput(
                "不能派回退单单位",
                errors={
                    "lead_unit": [f"{lead_unit.name}刚退回此事项；如确属其职责，请使用「裁定」"]
                },
            )
        payload = apply(case, acting, at, seq)
        if suggested is not None:
            payload["suggested"] = suggested
        return payload

    return _transition(
        actor=actor,
        case=case,
        name="dispatch",
        expected_version=expected_version,
        apply=guarded,
        extra_fields=_DISPATCH_FIELDS,
    )


def case_arbitrate(
    *,
    actor: Actor,
    case: Case | int,
    lead_unit: Unit,
    reason: str,
    assisting_units: Sequence[Unit] = (),
    expected_version: int | None = None,
) -> Case:
    """Rule on a disputed return: the named unit owns the case and may not return it again."""
    reason = _clean_text(reason, field="reason", label="裁定理由", required=True, limit=REASON_MAX)
    apply = _dispatch_apply(
        lead_unit=lead_unit, assisting_units=assisting_units, category=None, note=reason
    )

    def arbitrate(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        case.arbitrated = True
        return {**apply(case, acting, at, seq), "reason": reason}

    return _transition(
        actor=actor,
        case=case,
        name="arbitrate",
        expected_version=expected_version,
        apply=arbitrate,
        extra_fields=[*_DISPATCH_FIELDS, "arbitrated"],
    )


# --- handling -------------------------------------------------------------------------------


def case_acknowledge(
    *, actor: Actor, case: Case | int, expected_version: int | None = None
) -> Case:
    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        case.acknowledged_at = at
        return {"clocks": _clock_outcomes(case, [ClockKind.RESPONSE], at)}

    return _transition(
        actor=actor,
        case=case,
        name="acknowledge",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["acknowledged_at"],
    )


def case_return(
    *, actor: Actor, case: Case | int, reason: str, expected_version: int | None = None
) -> Case:
    reason = _clean_text(reason, field="reason", label="退单理由", required=True, limit=REASON_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        _refuse_if_blocked("return", case)
        case.return_count += 1
        case.acknowledged_at = None
        case.extension_pending = False
        case.supervised = False
        return {"reason": reason, "unit": _unit_ref(case.lead_unit)}

    return _transition(
        actor=actor,
        case=case,
        name="return",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["return_count", "acknowledged_at", "extension_pending", "supervised"],
    )


def case_interim_reply(
    *, actor: Actor, case: Case | int, text: str, expected_version: int | None = None
) -> Case:
    text = _clean_text(text, field="text", label="阶段性答复", required=True, limit=TEXT_MAX)
    return _transition(
        actor=actor,
        case=case,
        name="interim_reply",
        expected_version=expected_version,
        apply=lambda case, acting, at, seq: {"text": text},
    )


def case_reply(
    *,
    actor: Actor,
    case: Case | int,
    text: str,
    quality: Mapping[str, Any] | None = None,
    expected_version: int | None = None,
) -> Case:
    """The unit's answer to the citizen; stops the handling clock and awaits the callback.

    ``quality``: the reply check's scores (``ReplyScore.as_payload``), kept on the event so
    the bulletin can rank units by how well they answer.
    """
    text = _clean_text(text, field="text", label="答复内容", required=True, limit=TEXT_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        case.replied_at = at
        case.supervised = False
        outcomes = _clock_outcomes(case, [ClockKind.HANDLING, ClockKind.SUPERVISION], at)
        payload: dict[str, Any] = {"text": text, "clocks": outcomes}
        if quality:
            payload["quality"] = dict(quality)
        return payload

    return _transition(
        actor=actor,
        case=case,
        name="reply",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["replied_at", "supervised"],
    )


def case_callback(
    *,
    actor: Actor,
    case: Case | int,
    resolved: bool,
    satisfaction: int,
    comment: str = "",
    expected_version: int | None = None,
) -> Case:
    """Record the citizen's answer (回访). Satisfied (resolved, 基本满意 or better) closes the
    case; otherwise it is reopened (重办) — unless it has been reopened the maximum number of
    times, when it closes and counts as unresolved."""
    if satisfaction not in _SATISFACTIONS:
        raise InvalidInput("请选择满意度", errors={"satisfaction": ["满意度须为 1–5 的五级评价"]})
    comment = _clean_text(comment, field="comment", label="意见", required=False, limit=REASON_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        case.resolved, case.satisfaction = resolved, satisfaction
        return {"resolved": resolved, "satisfaction": satisfaction, "comment": comment}

    with transaction.atomic(savepoint=_savepoints()):
        case = _transition(
            actor=actor,
            case=case,
            name="callback",
            expected_version=expected_version,
            apply=apply,
            extra_fields=["resolved", "satisfaction"],
        )
        satisfied = resolved and satisfaction >= Satisfaction.BASICALLY_SATISFIED
        if satisfied:
            return case_close(actor=actor, case=case, reason="回访满意", after_callback=True)
        if case.reopen_count >= settings.JISHI_MAX_REOPENS:
            return case_close(
                actor=actor,
                case=case,
                after_callback=True,
                reason=f"已重办 {case.reopen_count} 次，回访仍不满意，按未解决办结",
            )
        return case_reopen(actor=actor, case=case, reason=comment or "回访不满意")


def case_reopen(
    *, actor: Actor, case: Case | int, reason: str, expected_version: int | None = None
) -> Case:
    reason = _clean_text(reason, field="reason", label="重办理由", required=True, limit=REASON_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        if case.lead_unit is None:
            raise InvalidTransition("此事项没有主办单位，不能重办")
        case.reopen_count += 1
        case.closed_at = None
        case.replied_at = None
        limits = limits_for(case.category, case.kind)
        clocks = _start_clocks(
            case,
            at,
            seq,
            [
                ClockSpec(
                    ClockKind.HANDLING,
                    limits.handling_days,
                    LimitUnit.WORKDAY,
                    f"重办：{limits.handling_rule}",
                )
            ],
            fresh=False,
        )
        return {
            "reason": reason,
            "reopen_count": case.reopen_count,
            "clocks": clocks,
        }

    return _transition(
        actor=actor,
        case=case,
        name="reopen",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["reopen_count", "closed_at", "replied_at", "handling_due", "due_estimated"],
    )


def case_close(
    *,
    actor: Actor,
    case: Case | int,
    reason: str = "",
    after_callback: bool = False,
    expected_version: int | None = None,
) -> Case:
    """Close a replied case. Without a callback a reason is required (e.g. 无法联系)."""
    reason = _clean_text(
        reason, field="reason", label="办结说明", required=not after_callback, limit=REASON_MAX
    )

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        if not after_callback:
            case.resolved = None
        case.closed_at = at
        return {
            "reason": reason,
            "after_callback": after_callback,
            "resolved": case.resolved,
            "satisfaction": case.satisfaction if after_callback else None,
        }

    return _transition(
        actor=actor,
        case=case,
        name="close",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["closed_at", "resolved"],
    )


# --- extension, oversight -------------------------------------------------------------------


def case_request_extension(
    *, actor: Actor, case: Case | int, days: int, reason: str, expected_version: int | None = None
) -> Case:
    if not isinstance(days, int) or not 1 <= days <= 60:
        raise InvalidInput("延期天数无效", errors={"days": ["延期须为 1–60 个工作日"]})
    reason = _clean_text(reason, field="reason", label="延期理由", required=True, limit=REASON_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        _refuse_if_blocked("request_extension", case)
        case.extension_pending = True
        return {"days": days, "reason": reason}

    return _transition(
        actor=actor,
        case=case,
        name="request_extension",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["extension_pending"],
    )


def case_decide_extension(
    *,
    actor: Actor,
    case: Case | int,
    approve: bool,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """Approve (the handling deadline moves by the requested working days) or deny."""
    note = _clean_text(note, field="note", label="审批意见", required=not approve, limit=REASON_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        _refuse_if_blocked("approve_extension" if approve else "deny_extension", case)
        request = case.events.filter(kind="request_extension").order_by("-seq").first()
        days = int(request.payload["days"]) if request else 0
        case.extension_pending = False
        payload: dict[str, Any] = {"approve": approve, "days": days, "note": note}
        if approve:
            running = next((c for c in _running_clocks(case) if c.kind == ClockKind.HANDLING), None)
            if running is None:
                raise InvalidTransition("办理时限未在计时，无法延期")
            deadline = get_calendar().add_workdays(running.due_at, days)
            running.extension_days += days
            running.due_at, running.estimated = (
                deadline.due,
                running.estimated or deadline.estimated,
            )
            running.rule = f"{running.rule}；延期 {days} 个工作日"[:200]
            _update(running, ["extension_days", "due_at", "estimated", "rule"])
            case.handling_due = deadline.due
            case.due_estimated = case.due_estimated or deadline.estimated
            payload["clocks"] = {
                "handling": {
                    "due": deadline.due.isoformat(),
                    "rule": running.rule,
                    "estimated": running.estimated,
                }
            }
        return payload

    name = "approve_extension" if approve else "deny_extension"
    return _transition(
        actor=actor,
        case=case,
        name=name,
        expected_version=expected_version,
        apply=apply,
        extra_fields=["extension_pending", "handling_due", "due_estimated"],
    )


def case_remind(
    *, actor: Actor, case: Case | int, note: str = "", expected_version: int | None = None
) -> Case:
    note = _clean_text(note, field="note", label="催办说明", required=False, limit=REASON_MAX)
    return _transition(
        actor=actor,
        case=case,
        name="remind",
        expected_version=expected_version,
        apply=lambda case, acting, at, seq: {"note": note},
    )


def case_supervise(
    *, actor: Actor, case: Case | int, days: int, note: str, expected_version: int | None = None
) -> Case:
    """A supervision order (督办) with its own deadline in working days."""
    if not isinstance(days, int) or not 1 <= days <= 60:
        raise InvalidInput("督办时限无效", errors={"days": ["督办时限须为 1–60 个工作日"]})
    note = _clean_text(note, field="note", label="督办要求", required=True, limit=REASON_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        case.supervised = True
        clocks = _start_clocks(
            case,
            at,
            seq,
            [ClockSpec(ClockKind.SUPERVISION, days, LimitUnit.WORKDAY, f"督办：{days}个工作日")],
            fresh=False,
        )
        return {"note": note, "days": days, "clocks": clocks}

    return _transition(
        actor=actor,
        case=case,
        name="supervise",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["supervised", "due_estimated"],
    )


def case_merge(
    *,
    actor: Actor,
    case: Case | int,
    into: Case,
    note: str = "",
    expected_version: int | None = None,
) -> Case:
    """Fold a duplicate into another open case; its citizen follows the surviving one."""
    note = _clean_text(note, field="note", label="合并说明", required=False, limit=REASON_MAX)

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        target = Case.objects.get(pk=into.pk)
        if target.pk == case.pk:
            raise InvalidInput("不能合并到自身", errors={"into": ["请选择另一个事项"]})
        if not target.is_open:
            raise InvalidInput(
                "目标事项已结束", errors={"into": [f"{target.code} 已结束，不能合并"]}
            )
        if target.merged_into_id is not None:
            raise InvalidInput("目标事项已被合并", errors={"into": [f"{target.code} 已被合并"]})
        case.merged_into = target
        case.closed_at = at
        return {"into": target.code, "note": note}

    case = _transition(
        actor=actor,
        case=case,
        name="merge",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["merged_into", "closed_at"],
    )
    return case


def case_reject(
    *, actor: Actor, case: Case | int, reason: str, expected_version: int | None = None
) -> Case:
    reason = _clean_text(
        reason, field="reason", label="不予受理理由", required=True, limit=REASON_MAX
    )

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        case.closed_at = at
        return {"reason": reason}

    return _transition(
        actor=actor,
        case=case,
        name="reject",
        expected_version=expected_version,
        apply=apply,
        extra_fields=["closed_at"],
    )


# --- contact, notes -------------------------------------------------------------------------

# ``text``: the case's text with the phone and ID numbers the citizen typed into it, which
# every other screen and export masks.
REVEALABLE = {"citizen_phone": "联系电话", "citizen_id_number": "身份证号", "text": "反映内容"}


def case_reveal_contact(*, actor: Actor, case: Case | int, field: str) -> str:
    """Show a citizen's phone or ID number in full; every reveal is an event."""
    if field not in REVEALABLE:
        raise InvalidInput(
            "字段无效", errors={"field": ["只能查看联系电话、身份证号或反映内容中的号码"]}
        )
    revealed: dict[str, str] = {}

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        revealed["value"] = getattr(case, field)
        return {"field": field}

    _transition(actor=actor, case=case, name="reveal_contact", expected_version=None, apply=apply)
    return revealed["value"]


def case_add_note(
    *, actor: Actor, case: Case | int, text: str, expected_version: int | None = None
) -> Case:
    text = _clean_text(text, field="text", label="备注", required=True, limit=REASON_MAX)
    return _transition(
        actor=actor,
        case=case,
        name="note",
        expected_version=expected_version,
        apply=lambda case, acting, at, seq: {"text": text},
    )


# --- deadlines after a calendar change ------------------------------------------------------


def _recomputed(calendar: Any, running: CaseClock) -> Any:
    if running.limit_unit == LimitUnit.WORKHOUR:
        return calendar.add_working_hours(running.started_at, running.limit_amount)
    deadline = calendar.add_workdays(running.started_at, running.limit_amount)
    if running.extension_days:
        extended = calendar.add_workdays(deadline.due, running.extension_days)
        deadline = dataclasses.replace(extended, estimated=deadline.estimated or extended.estimated)
    return deadline


def deadlines_recompute(*, years: Iterable[int]) -> int:
    """After the calendar of ``years`` changed (a year's schedule entered, a holiday
    corrected), recompute every running clock whose span touches those years. Each case
    whose deadline actually moves (or stops being estimated) gets a ``recompute_deadline``
    event, so the change is on the record. Returns the number of cases changed."""
    years = set(years)
    if not years:
        return 0
    calendar = get_calendar()
    touched: dict[int, list[CaseClock]] = {}
    for running in CaseClock.objects.filter(stopped_at__isnull=True).order_by("case_id", "id"):
        span = set(range(running.started_at.year, running.due_at.year + 2))
        if span & years:
            touched.setdefault(running.case_id, []).append(running)
    changed = 0
    for case_id, clocks in touched.items():
        fresh = {c.pk: _recomputed(calendar, c) for c in clocks}
        if all(
            fresh[c.pk].due == c.due_at and fresh[c.pk].estimated == c.estimated for c in clocks
        ):
            continue

        def apply(
            case: Case,
            acting: Acting,
            at: datetime,
            seq: int,
            clocks: list[CaseClock] = clocks,
            fresh: dict[int, Any] = fresh,
        ) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for c in clocks:
                deadline = fresh[c.pk]
                out[c.kind] = {
                    "from": c.due_at.isoformat(),
                    "due": deadline.due.isoformat(),
                    "estimated": deadline.estimated,
                }
                c.due_at, c.estimated = deadline.due, deadline.estimated
                c.save(update_fields=["due_at", "estimated"])
                if c.kind == ClockKind.RESPONSE:
                    case.response_due = deadline.due
                elif c.kind == ClockKind.HANDLING:
                    case.handling_due = deadline.due
            case.due_estimated = CaseClock.objects.filter(
                case=case, stopped_at__isnull=True, estimated=True
            ).exists()
            return {"clocks": out, "years": sorted(years)}

        _transition(
            actor=System(),
            case=case_id,
            name="recompute_deadline",
            expected_version=None,
            apply=apply,
            extra_fields=["response_due", "handling_due", "due_estimated"],
        )
        changed += 1
    return changed
