"""Two people act on one case at the same instant: one wins, the other is told, the chain
holds. Real threads, real connections, a real database lock (no mocks)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections

from jishi.cases import services
from jishi.cases.models import Case, State
from jishi.cases.tests import builders
from jishi.cases.verify import verify_ledger
from jishi.common.errors import Conflict, InvalidTransition
from jishi.orgs.models import User

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; return each result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except Exception as exc:  # the loser's error is the result we assert on
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_acknowledge_and_return_at_once(county, dispatcher, township_handler, unit_lead) -> None:
    case = builders.dispatched(county, dispatcher)
    seen = case.version
    handler = User.objects.get(pk=township_handler.pk)  # each thread its own user object
    lead = User.objects.get(pk=unit_lead.pk)
    results = race(
        lambda: services.case_acknowledge(actor=handler, case=case.pk, expected_version=seen),
        lambda: services.case_return(
            actor=lead, case=case.pk, reason="非本镇职责", expected_version=seen
        ),
    )
    winners = [r for r in results if isinstance(r, Case)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert isinstance(losers[0], Conflict | InvalidTransition)
    assert "已被他人处理" in str(losers[0])
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.state in {State.IN_PROGRESS, State.RETURNED}
    assert fresh.version == seen + 1
    assert verify_ledger().breaks == []


def test_many_acknowledgements_at_once(county, dispatcher, township_handler) -> None:
    """Without a version check the row lock still serialises: one acknowledges, the rest
    find the case no longer waiting for it."""
    case = builders.dispatched(county, dispatcher)
    users = [User.objects.get(pk=township_handler.pk) for _ in range(4)]
    results = race(*[(lambda u=u: services.case_acknowledge(actor=u, case=case.pk)) for u in users])
    assert sum(isinstance(r, Case) for r in results) == 1
    assert all(isinstance(r, InvalidTransition) for r in results if not isinstance(r, Case))
    assert verify_ledger().breaks == []


def test_one_submission_key_sent_twice_at_once_makes_one_case(county) -> None:
    """A portal form sent twice at the same instant (a double tap, a retry racing the
    first): the key's unique index lets one intake in; the other is told which case."""

    def accept() -> Case:
        return builders.accepted(county, submission_key="k" * 32, tracking_pin="123456")

    results = race(accept, accept)
    made = [r for r in results if isinstance(r, Case)]
    told = [r for r in results if isinstance(r, services.AlreadySubmitted)]
    assert len(made) == 1 and len(told) == 1, results
    assert told[0].case_code == made[0].code
    assert Case.objects.count() == 1
    assert verify_ledger().breaks == []
