"""Reading the whole ledger back to prove it: the work behind ``manage.py verify_ledger``."""

from __future__ import annotations

from dataclasses import dataclass, field

from jishi.cases import ledgers
from jishi.cases.chain import Break, chunks, verify_case_chain
from jishi.cases.checkpoints import GENESIS, CheckpointProblem, check_checkpoint
from jishi.cases.models import Case, CaseEvent
from jishi.cases.models_checkpoint import LedgerCheckpoint

BATCH = 500


@dataclass
class VerifyResult:
    cases: int = 0
    events: int = 0
    breaks: list[Break] = field(default_factory=list)
    checkpoint: LedgerCheckpoint | None = None  # the latest, when one was checked
    checkpoint_problems: list[CheckpointProblem] = field(default_factory=list)
    # The other registered ledgers: (label, chains, events) each, in registration order.
    others: list[tuple[str, int, int]] = field(default_factory=list)


def verify_checkpoints(result: VerifyResult) -> None:
    """Every checkpoint linked to the one before; the latest recomputed from the events
    (a case deleted before it was taken shows as a difference)."""
    expected_prev = GENESIS
    for number, checkpoint in enumerate(LedgerCheckpoint.objects.order_by("seq"), 1):
        if checkpoint.seq != number:
            result.checkpoint_problems.append(CheckpointProblem(number, "存证缺失"))
            return
        if checkpoint.prev_chain != expected_prev:
            result.checkpoint_problems.append(
                CheckpointProblem(checkpoint.seq, "与上一份存证接不上")
            )
            return
        expected_prev = checkpoint.chain
        result.checkpoint = checkpoint
    if result.checkpoint is not None:
        problem = check_checkpoint(result.checkpoint)
        if problem is not None:
            result.checkpoint_problems.append(problem)


def verify_ledger(*, case_code: str | None = None, stop_at_first: bool = True) -> VerifyResult:
    """Walk cases in id order, their events in seq order, in batches (constant memory)."""
    result = VerifyResult()
    cases = Case.objects.order_by("pk")
    if case_code:
        cases = cases.filter(code=case_code.strip().upper())
    ids = list(cases.values_list("pk", flat=True))
    fields = ["pk", "code", "last_hash", "version", "state"]
    for batch in chunks(ids, BATCH):
        heads = {c.pk: c for c in Case.objects.filter(pk__in=batch).only(*fields)}
        events: dict[int, list[CaseEvent]] = {pk: [] for pk in batch}
        for event in CaseEvent.objects.filter(case_id__in=batch).order_by("case_id", "seq"):
            events[event.case_id].append(event)
        for pk in batch:
            head = heads[pk]
            result.cases += 1
            result.events += len(events[pk])
            broken = verify_case_chain(
                case_code=head.code,
                head_hash=head.last_hash,
                version=head.version,
                state=head.state,
                events=events[pk],
            )
            if broken is not None:
                result.breaks.append(broken)
                if stop_at_first:
                    return result
    if not case_code:
        for ledger in ledgers.registered():
            check = ledger.verify(stop_at_first)
            result.others.append((ledger.label, check.chains, check.events))
            result.breaks.extend(check.breaks)
            if check.breaks and stop_at_first:
                return result
        verify_checkpoints(result)
    return result
