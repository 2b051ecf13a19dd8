"""Taking and checking ledger checkpoints (see ``models_checkpoint``).

A checkpoint covers the events written up to a few minutes before it is taken (``MARGIN``),
so a transaction still in flight cannot add an event to a period already summed up. Before a
new checkpoint is stored, the previous one is recomputed from the events: a case deleted
since then is reported instead of being quietly left out of the new digest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils.timezone import localtime

from jishi.cases import ledgers
from jishi.cases.chain import canonical_time
from jishi.cases.models import CaseEvent
from jishi.cases.models_checkpoint import LedgerCheckpoint
from jishi.common import clock
from jishi.common.errors import Conflict

MARGIN = timedelta(minutes=5)
GENESIS = "0" * 64


@dataclass(frozen=True)
class Digest:
    digest: str
    cases: int
    events: int


def ledger_digest(until: datetime) -> Digest:
    """sha256 over ``case id:last event hash`` lines, case by case, of the events written
    at or before ``until`` (streamed: constant memory at a million cases), then the same
    lines of every registered ledger (``cases/ledgers.py``). ``cases`` counts every chain."""
    h = hashlib.sha256()
    cases = events = 0
    current: int | None = None
    last = ""
    rows = (
        CaseEvent.objects.filter(created_at__lte=until)
        .order_by("case_id", "seq")
        .values_list("case_id", "hash")
        .iterator(chunk_size=10_000)
    )
    for case_id, event_hash in rows:
        if case_id != current:
            if current is not None:
                h.update(f"{current}:{last}\n".encode())
            current, cases = case_id, cases + 1
        last, events = event_hash, events + 1
    if current is not None:
        h.update(f"{current}:{last}\n".encode())
    # The other registered ledgers (a project's events), each line named by its ledger so a
    # project cannot stand in for a case; with none of their events the digest is the cases'
    # alone, as checkpoints taken before they existed computed it.
    for ledger in ledgers.registered():
        current, last = None, ""
        for chain_id, event_hash in ledger.heads(until):
            if chain_id != current:
                if current is not None:
                    h.update(f"{ledger.name}:{current}:{last}\n".encode())
                current, cases = chain_id, cases + 1
            last, events = event_hash, events + 1
        if current is not None:
            h.update(f"{ledger.name}:{current}:{last}\n".encode())
    return Digest(h.hexdigest(), cases, events)


def chain_value(prev_chain: str, seq: int, covers_until: datetime, d: Digest) -> str:
    line = f"{prev_chain}|{seq}|{canonical_time(covers_until)}|{d.cases}|{d.events}|{d.digest}"
    return hashlib.sha256(line.encode()).hexdigest()


@dataclass(frozen=True)
class CheckpointProblem:
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"存证 #{self.seq}：{self.problem}"


def check_checkpoint(checkpoint: LedgerCheckpoint) -> CheckpointProblem | None:
    """Recompute ``checkpoint`` from today's events and its place in the chain."""
    previous = LedgerCheckpoint.objects.filter(seq=checkpoint.seq - 1).first()
    expected_prev = previous.chain if previous is not None else GENESIS
    if checkpoint.seq > 1 and previous is None:
        return CheckpointProblem(checkpoint.seq, "上一份存证缺失")
    if checkpoint.prev_chain != expected_prev:
        return CheckpointProblem(checkpoint.seq, "与上一份存证接不上")
    found = ledger_digest(checkpoint.covers_until)
    stored = Digest(checkpoint.digest, checkpoint.cases, checkpoint.events)
    if found != stored:
        lost = stored.cases - found.cases
        detail = f"，少了 {lost} 个事项" if lost > 0 else ""
        return CheckpointProblem(
            checkpoint.seq,
            f"截至 {localtime(checkpoint.covers_until):%Y-%m-%d %H:%M} 的台账与存证不符"
            f"（存证 {stored.cases} 个事项 {stored.events} 条记录，"
            f"现有 {found.cases} 个事项 {found.events} 条记录{detail}）",
        )
    if chain_value(checkpoint.prev_chain, checkpoint.seq, checkpoint.covers_until, found) != (
        checkpoint.chain
    ):
        return CheckpointProblem(checkpoint.seq, "存证值被改动")
    return None


def latest_checkpoint() -> LedgerCheckpoint | None:
    return LedgerCheckpoint.objects.order_by("-seq").first()


@transaction.atomic
def take_checkpoint() -> LedgerCheckpoint:
    """Check the latest checkpoint against the events, then store the next one.

    Raises ``Conflict`` (and stores nothing) when the previous checkpoint no longer holds:
    something was removed from the ledger since it was taken.
    """
    now = clock.now()
    previous = LedgerCheckpoint.objects.select_for_update().order_by("-seq").first()
    if previous is not None:
        problem = check_checkpoint(previous)
        if problem is not None:
            raise Conflict(str(problem))
    seq = previous.seq + 1 if previous is not None else 1
    prev_chain = previous.chain if previous is not None else GENESIS
    covers_until = now - MARGIN
    if previous is not None and covers_until < previous.covers_until:
        covers_until = previous.covers_until
    digest = ledger_digest(covers_until)
    return LedgerCheckpoint.objects.create(
        seq=seq,
        covers_until=covers_until,
        cases=digest.cases,
        events=digest.events,
        digest=digest.digest,
        prev_chain=prev_chain,
        chain=chain_value(prev_chain, seq, covers_until, digest),
        created_at=now,
    )
