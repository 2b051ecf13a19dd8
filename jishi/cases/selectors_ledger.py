"""Reading the whole ledger back to prove it: the work behind ``manage.py verify_ledger``."""

from __future__ import annotations

from dataclasses import dataclass, field

from jishi.cases.ledger import Break, chunks, verify_case_chain
from jishi.cases.models import Case, CaseEvent

BATCH = 500


@dataclass
class VerifyResult:
    cases: int = 0
    events: int = 0
    breaks: list[Break] = field(default_factory=list)


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
    return result
