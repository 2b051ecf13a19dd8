"""A project's events as a hash chain: appending one, and reading every chain back.

The hashing is the cases' own (``cases.chain.event_hash`` with the project's code in place
of a case's), so one verifier's rules hold for both; ``verify_all`` and ``heads`` are what
``cases/ledgers.py`` calls for ``verify_ledger`` and the checkpoint.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from jishi.cases.chain import GENESIS, Break, chunks, event_hash, verify_case_chain
from jishi.cases.ledgers import ChainCheck
from jishi.common import clock
from jishi.orgs.models import Unit, User
from jishi.projects.models import Project, ProjectEvent

BATCH = 500


def append(
    project: Project,
    kind: str,
    *,
    actor: User | None,
    role: str,
    unit: Unit | None = None,
    payload: dict[str, Any] | None = None,
    to_state: str | None = None,
    at: datetime | None = None,
) -> ProjectEvent:
    """Append one event to a locked (or new) project and move its head; the caller saves
    ``version``, ``last_hash`` and ``status`` with the rest of its changes."""
    at = at or clock.now()
    from_state = project.status if project.version else ""
    to = to_state or project.status
    seq = project.version + 1
    prev = project.last_hash or GENESIS
    payload = payload or {}
    actor_id = actor.pk if actor is not None else None
    unit_id = unit.pk if unit is not None else None
    digest = event_hash(
        prev,
        case_code=project.code,
        seq=seq,
        kind=kind,
        actor_id=actor_id,
        actor_role=role,
        actor_unit_id=unit_id,
        from_state=from_state,
        to_state=to,
        payload=payload,
        created_at=at,
    )
    event = ProjectEvent.objects.create(
        project=project,
        seq=seq,
        kind=kind,
        actor_id=actor_id,
        actor_name=str(actor)[:64] if actor is not None else "系统",
        actor_role=role,
        actor_unit_id=unit_id,
        from_state=from_state,
        to_state=to,
        payload=payload,
        created_at=at,
        prev_hash=prev,
        hash=digest,
    )
    project.version, project.last_hash, project.status = seq, digest, to
    return event


def verify_project(project: Project, events: list[ProjectEvent]) -> Break | None:
    return verify_case_chain(
        case_code=project.code,
        head_hash=project.last_hash,
        version=project.version,
        state=project.status,
        events=events,
        label="项目",
    )


def verify_all(stop_at_first: bool = True) -> ChainCheck:
    """Every project's chain, in batches (constant memory)."""
    ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    events_seen = 0
    breaks: list[Break] = []
    fields = ["pk", "code", "last_hash", "version", "status"]
    for batch in chunks(ids, BATCH):
        heads_ = {p.pk: p for p in Project.objects.filter(pk__in=batch).only(*fields)}
        events: dict[int, list[ProjectEvent]] = {pk: [] for pk in batch}
        for event in ProjectEvent.objects.filter(project_id__in=batch).order_by(
            "project_id", "seq"
        ):
            events[event.project_id].append(event)
        for pk in batch:
            events_seen += len(events[pk])
            broken = verify_project(heads_[pk], events[pk])
            if broken is not None:
                breaks.append(broken)
                if stop_at_first:
                    return ChainCheck(len(ids), events_seen, breaks)
    return ChainCheck(len(ids), events_seen, breaks)


def heads(until: datetime) -> Iterator[tuple[int, str]]:
    """(project id, event hash) of every event at or before ``until``, in chain order."""
    yield from (
        ProjectEvent.objects.filter(created_at__lte=until)
        .order_by("project_id", "seq")
        .values_list("project_id", "hash")
        .iterator(chunk_size=10_000)
    )
