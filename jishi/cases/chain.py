"""The hash chain: how an event is made canonical and hashed, and how a chain is verified.

Kept apart from the services so the verifier and the writer cannot drift: both call
``event_hash`` on the same fields.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def canonical_time(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def event_hash(
    prev_hash: str,
    *,
    case_code: str,
    seq: int,
    kind: str,
    actor_id: int | None,
    actor_role: str,
    actor_unit_id: int | None,
    from_state: str,
    to_state: str,
    payload: dict[str, Any],
    created_at: datetime,
) -> str:
    body = json.dumps(
        {
            "case": case_code,
            "seq": seq,
            "kind": kind,
            "actor": actor_id,
            "role": actor_role,
            "unit": actor_unit_id,
            "from": from_state,
            "to": to_state,
            "payload": payload,
            "at": canonical_time(created_at),
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first place a chain does not hold."""

    case_code: str
    event_id: int | None
    seq: int | None
    problem: str
    # What the chain belongs to, as the report names it: a case (事项) or a project (项目).
    label: str = "事项"

    def __str__(self) -> str:
        where = f"{self.label} {self.case_code}"
        if self.event_id is not None:
            where += f" 记录 #{self.seq}（id={self.event_id}）"
        return f"{where}：{self.problem}"


def verify_case_chain(
    *,
    case_code: str,
    head_hash: str,
    version: int,
    state: str,
    events: Iterable[Any],
    label: str = "事项",
) -> Break | None:
    """Check one case's events (ordered by seq): numbering, links, hashes, and the head.

    Any record chained by ``event_hash`` with the same fields (a project's events) is
    checked by this too, its code in place of the case's; ``label`` names it in the report."""
    broken = _verify_chain(
        case_code=case_code, head_hash=head_hash, version=version, state=state, events=events
    )
    return replace(broken, label=label) if broken is not None and label != "事项" else broken


def _verify_chain(
    *,
    case_code: str,
    head_hash: str,
    version: int,
    state: str,
    events: Iterable[Any],
) -> Break | None:
    prev = GENESIS
    expected_seq = 1
    last_to = ""
    last_at: datetime | None = None
    for event in events:
        if event.seq != expected_seq:
            return Break(case_code, event.id, event.seq, f"序号不连续：应为 {expected_seq}")
        if event.prev_hash != prev:
            return Break(
                case_code,
                event.id,
                event.seq,
                f"前一哈希不符：记录为 {event.prev_hash[:12]}…，应为 {prev[:12]}…",
            )
        recomputed = event_hash(
            prev,
            case_code=case_code,
            seq=event.seq,
            kind=event.kind,
            actor_id=event.actor_id,
            actor_role=event.actor_role,
            actor_unit_id=event.actor_unit_id,
            from_state=event.from_state,
            to_state=event.to_state,
            payload=event.payload,
            created_at=event.created_at,
        )
        if recomputed != event.hash:
            return Break(
                case_code,
                event.id,
                event.seq,
                f"内容被改动：存储哈希 {event.hash[:12]}…，按内容重算为 {recomputed[:12]}…",
            )
        if last_at is not None and event.created_at < last_at:
            return Break(case_code, event.id, event.seq, "时间倒流：早于前一条记录")
        prev, last_to, last_at = event.hash, event.to_state, event.created_at
        expected_seq += 1
    if expected_seq - 1 != version or prev != head_hash:
        return Break(
            case_code,
            None,
            None,
            f"记录链尾不符：事项记载 {version} 条、链尾 {head_hash[:12]}…，"
            f"实有 {expected_seq - 1} 条、链尾 {prev[:12]}…",
        )
    if version and last_to != state:
        return Break(case_code, None, None, f"状态不符：事项为 {state}，记录为 {last_to}")
    return None


def chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]
