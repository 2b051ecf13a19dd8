"""The shape every service shares: who acts, the lock, the event, the save, the notification.

Each service: keyword-only arguments, one ``transaction.atomic`` block, the case row locked
(``select_for_update``; SQLite's IMMEDIATE transactions serialise writers instead), the
actor's post checked against the workflow table, one event appended to the hash chain, the
``Case`` projection and clocks updated, side effects sent with ``on_commit``. Every other
module of the package builds on this one; this one imports none of them.

The clocks a transition stops (the workflow table's ``stops``) are stopped here, with every
step; the running clocks are read once per locked case and kept on it (``_running_clocks``).
Starting and planning clocks is ``clocks.py``'s.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.dispatch import Signal

from jishi.cases import access
from jishi.cases.chain import GENESIS, event_hash
from jishi.cases.models import Case, CaseClock, CaseEvent, ClockKind
from jishi.cases.selectors import can_see
from jishi.cases.workflow import CITIZEN, SYSTEM, TRANSITIONS, Transition
from jishi.common import clock
from jishi.common.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from jishi.common.text import source_text, strip_invisible
from jishi.orgs.models import Unit, User

# Sent after commit for every event, so notifications and metrics never see a rolled-back one.
event_recorded = Signal()  # kwargs: case_id, event_id, kind

TEXT_MAX = 5000
REASON_MAX = 2000


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


# --- many services in one transaction -----------------------------------------------------------

# Used by seeding and benchmarks only, yet kept with the services it speeds up: it changes
# how they lock and save, so it belongs beside them.
# Measured beside Django's own transaction.atomic() in its place (bench/fastpaths.py batch):
# the demo seed of 10,000 cases runs 1.85× faster in it, on SQLite and on PostgreSQL.

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


def _hold(case: Case) -> None:
    held = _held()
    if held is not None:
        held[case.pk] = case


def _release(case: Case) -> None:
    """Forget a held case whose object may now differ from its row (a step failed)."""
    held = _held()
    if held is not None and held.get(case.pk) is case:
        del held[case.pk]


# --- rows ---------------------------------------------------------------------------------------

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


# --- one transition -----------------------------------------------------------------------------


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


# --- the running clocks of a locked case --------------------------------------------------------


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


# --- what every service's input and payload share -----------------------------------------------


def _clean_text(value: str, *, field: str, label: str, required: bool, limit: int) -> str:
    value = strip_invisible(value or "").strip()
    if required and not value:
        raise InvalidInput(f"{label}不能为空", errors={field: [f"请填写{label}"]})
    if len(value) > limit:
        raise InvalidInput(
            f"{label}过长", errors={field: [f"{label}最多 {limit} 字，现有 {len(value)} 字"]}
        )
    return value


def _unit_ref(unit: Unit | None) -> dict[str, Any] | None:
    return {"id": unit.pk, "name": unit.name} if unit else None
