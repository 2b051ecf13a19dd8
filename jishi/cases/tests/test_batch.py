"""Services inside ``services.batch()``: the case a service returned is taken as locked and
not read again, yet every row ends up as a step-by-step run would write it; a tracking code
already taken is drawn again."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from jishi.cases import services
from jishi.cases.models import Case, CaseClock, CaseEvent, Category, State
from jishi.cases.services import intake
from jishi.cases.tests import builders
from jishi.cases.verify import verify_ledger
from jishi.common import clock
from jishi.common.errors import InvalidTransition
from jishi.orgs.models import User
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db

START = datetime(2025, 3, 3, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday


def _story(
    county: County, dispatcher: User, handler: User, inspector: User, category: Category
) -> Case:
    """Every kind of clock change: start, replace (supervision), extend, stop, restart."""
    steps: list[tuple[float, Any]] = [
        (0, lambda c: builders.accepted(county)),
        (1, lambda c: services.case_classify(actor=dispatcher, case=c, category=category)),
        (2, lambda c: services.case_dispatch(actor=dispatcher, case=c, lead_unit=county.chengguan)),
        (3, lambda c: services.case_acknowledge(actor=handler, case=c)),
        (30, lambda c: services.case_supervise(actor=inspector, case=c, days=3, note="限期")),
        (31, lambda c: services.case_supervise(actor=inspector, case=c, days=5, note="再限")),
        (
            40,
            lambda c: services.case_request_extension(actor=handler, case=c, days=5, reason="协调"),
        ),
        (41, lambda c: services.case_decide_extension(actor=dispatcher, case=c, approve=True)),
        (50, lambda c: services.case_reply(actor=handler, case=c, text="已修复路灯")),
        (
            60,
            lambda c: services.case_callback(
                actor=dispatcher, case=c, resolved=False, satisfaction=2
            ),
        ),
        (70, lambda c: services.case_reply(actor=handler, case=c, text="已更换线路")),
    ]
    case: Any = None
    for hours, step in steps:
        clock.set_now(START + timedelta(hours=hours))
        case = step(case)
    clock.set_now(None)
    return case


def _fingerprint(case: Case) -> tuple[Any, ...]:
    row: dict[str, Any] = dict(Case.objects.values().get(pk=case.pk))
    for volatile in ("id", "code", "last_hash", "updated_at"):
        del row[volatile]
    events = list(
        CaseEvent.objects.filter(case=case)
        .order_by("seq")
        .values_list("seq", "kind", "from_state", "to_state", "payload", "created_at")
    )
    clocks = list(
        CaseClock.objects.filter(case=case)
        .order_by("id")
        .values_list(
            "kind",
            "started_seq",
            "due_at",
            "estimated",
            "extension_days",
            "rule",
            "stopped_seq",
            "outcome",
        )
    )
    return tuple(sorted(row.items())), events, clocks


def test_a_story_in_a_batch_writes_what_it_writes_step_by_step(
    county: County, dispatcher: User, township_handler: User, inspector: User
) -> None:
    category = Category.objects.create(code="ludeng", name="路灯", owning_unit=county.chengguan)
    alone = _story(county, dispatcher, township_handler, inspector, category)
    with services.batch():
        batched = _story(county, dispatcher, township_handler, inspector, category)
    assert batched.state == State.REPLIED
    assert _fingerprint(batched) == _fingerprint(alone)
    assert {c.outcome for c in CaseClock.objects.filter(case=batched)} >= {"replaced", "met"}


def _case_reads(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith("SELECT")
        and ('FROM "cases_case"' in q["sql"] or 'FROM "cases_caseclock"' in q["sql"])
    ]


def test_the_case_a_service_returned_in_a_batch_is_not_read_again(
    county: County, dispatcher: User, township_handler: User
) -> None:
    with services.batch():
        case = services.case_dispatch(
            actor=dispatcher, case=builders.accepted(county), lead_unit=county.chengguan
        )
        with CaptureQueriesContext(connection) as queries:
            case = services.case_acknowledge(actor=township_handler, case=case)
            case = services.case_reply(actor=township_handler, case=case, text="已修复")
    assert _case_reads(queries) == []
    assert Case.objects.get(pk=case.pk).state == State.REPLIED
    # Outside a batch the same object is read again, locked, every time.
    with CaptureQueriesContext(connection) as queries:
        services.case_add_note(actor=dispatcher, case=case, text="已电话告知")
    assert _case_reads(queries)


def test_a_batch_that_failed_inside_another_lets_go_of_its_cases(
    county: County, dispatcher: User, township_handler: User
) -> None:
    with services.batch():
        case = builders.dispatched(county, dispatcher)
        with pytest.raises(InvalidTransition), services.batch():
            case = services.case_acknowledge(actor=township_handler, case=case)
            services.case_acknowledge(actor=township_handler, case=case)  # not twice
        # The inner batch rolled back the acknowledgement this object still shows.
        assert case.state == State.IN_PROGRESS
        with CaptureQueriesContext(connection) as queries:
            case = services.case_acknowledge(actor=township_handler, case=case)
    assert _case_reads(queries)
    assert case.state == State.IN_PROGRESS and case.version == 3


def test_intake_stores_what_it_was_given(county: County) -> None:
    case = builders.accepted(county, citizen_phone="13912345678")
    stored = Case.objects.get(pk=case.pk)
    assert stored.citizen_phone == "13912345678"  # encrypted on the way in, read back
    assert stored.accepted_at == case.accepted_at and stored.title == case.title
    event = CaseEvent.objects.get(case=case, seq=1)
    assert event.payload["title"] == case.title and event.pk is not None


def test_save_receivers_see_every_case_write(
    county: County, dispatcher: User, township_handler: User
) -> None:
    seen: list[tuple[int, bool]] = []

    def receiver(sender: Any, instance: Case, created: bool, **kwargs: Any) -> None:
        seen.append((instance.pk, created))

    post_save.connect(receiver, sender=Case, dispatch_uid="test-batch-receiver")
    try:
        with services.batch():
            case = builders.dispatched(county, dispatcher)
            services.case_acknowledge(actor=township_handler, case=case)
    finally:
        post_save.disconnect(dispatch_uid="test-batch-receiver", sender=Case)
    assert seen[0] == (case.pk, True)
    assert len(seen) >= 3 and all(entry == (case.pk, False) for entry in seen[1:])


class _Draws:
    """Stands in for ``secrets``: hands out the given characters, then the alphabet's last."""

    def __init__(self, chars: str) -> None:
        self.chars = list(chars)

    def choice(self, alphabet: str) -> str:
        return self.chars.pop(0) if self.chars else alphabet[-1]


def test_a_tracking_code_already_taken_is_drawn_again(
    county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = builders.accepted(county)
    suffix = first.code.rsplit("-", 1)[1]
    monkeypatch.setattr(intake, "secrets", _Draws(suffix))
    # Inside a batch too: on PostgreSQL a failed insert would have broken its transaction.
    with services.batch():
        second = builders.accepted(county)
    assert second.code != first.code and second.code.endswith("ZZZZ")
    assert verify_ledger(case_code=None, stop_at_first=False).breaks == []


def test_only_a_taken_code_or_key_makes_intake_draw_again(county: County) -> None:
    first = builders.accepted(county)
    twin = Case.objects.get(pk=first.pk)
    twin.pk, twin.title = None, "另一件事"
    twin._state.adding = True
    assert intake._insert_unless_taken(twin) is False  # the code is taken: draw again
    twin.code = "JA0000-FREE"  # a free code, but a required title missing
    twin.title = None  # type: ignore[assignment]
    with pytest.raises(IntegrityError):
        intake._insert_unless_taken(twin)
