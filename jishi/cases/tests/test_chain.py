"""The append-only, hash-chained ledger: guards, triggers and the verifier."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from jishi.cases.models import CaseEvent, ImmutableEventError
from jishi.cases.tests import builders
from jishi.cases.verify import verify_ledger
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed_case(county: County, dispatcher, township_handler):
    builders.accepted(county)  # a second, untouched case: the verifier must walk past it
    return builders.closed(county, dispatcher, township_handler)


def test_clean_ledger_verifies(closed_case, capsys) -> None:
    call_command("verify_ledger")
    out = capsys.readouterr().out
    assert "台账完好" in out and "2 个事项" in out


def test_model_guards_refuse_changes(closed_case) -> None:
    event = CaseEvent.objects.filter(case=closed_case).first()
    assert event is not None
    event.payload = {"text": "改过了"}
    with pytest.raises(ImmutableEventError):
        event.save()
    with pytest.raises(ImmutableEventError):
        event.delete()
    with pytest.raises(ImmutableEventError):
        CaseEvent.objects.filter(case=closed_case).update(kind="x")
    with pytest.raises(ImmutableEventError):
        CaseEvent.objects.filter(case=closed_case).delete()


def test_database_trigger_refuses_raw_update(closed_case) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE cases_caseevent SET kind = 'x' WHERE case_id = %s", [closed_case.pk])


def _tamper(sql: str, params: list[Any], *more: str) -> None:
    """What an attacker with the database password does: switch the trigger off, edit."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = replica")  # triggers off
        else:
            cursor.execute("DROP TRIGGER caseevent_append_only")
        cursor.execute(sql, params)
        for statement in more:
            cursor.execute(statement)
        if connection.vendor == "postgresql":
            cursor.execute("SET session_replication_role = DEFAULT")


def test_verify_names_the_changed_event(closed_case, capsys) -> None:
    target = CaseEvent.objects.get(case=closed_case, kind="reply")
    bad_payload = '{"text": "从未修复", "clocks": {"handling": "met"}}'
    _tamper("UPDATE cases_caseevent SET payload = %s WHERE id = %s", [bad_payload, target.pk])
    with pytest.raises(CommandError):
        call_command("verify_ledger")
    err = capsys.readouterr().err
    assert closed_case.code in err and f"id={target.pk}" in err and "内容被改动" in err


def test_verify_notices_a_deleted_tail(closed_case) -> None:
    last = CaseEvent.objects.filter(case=closed_case).order_by("-seq").first()
    assert last is not None
    _tamper("DELETE FROM cases_caseevent WHERE id = %s", [last.pk])
    result = verify_ledger()
    assert len(result.breaks) == 1
    assert result.breaks[0].case_code == closed_case.code
    assert "链尾不符" in result.breaks[0].problem


def test_verify_notices_a_deleted_middle_event(closed_case) -> None:
    middle = CaseEvent.objects.get(case=closed_case, seq=2)
    _tamper("DELETE FROM cases_caseevent WHERE id = %s", [middle.pk])
    broken = verify_ledger().breaks[0]
    assert broken.seq == 3 and "序号不连续" in broken.problem


def test_chain_links_each_event_to_the_previous(closed_case) -> None:
    events = list(CaseEvent.objects.filter(case=closed_case).order_by("seq"))
    assert events[0].prev_hash == "0" * 64
    for earlier, later in itertools.pairwise(events):
        assert later.prev_hash == earlier.hash
    closed_case.refresh_from_db()
    assert closed_case.last_hash == events[-1].hash and closed_case.version == len(events)


# --- checkpoints: a whole case removed -------------------------------------------------------


def _checkpoint_later(minutes: int = 10):
    from datetime import timedelta

    from jishi.cases.checkpoints import take_checkpoint
    from jishi.common import clock

    with clock.travel_to(clock.now() + timedelta(minutes=minutes)):
        return take_checkpoint()


def _delete_case(case) -> None:
    """The whole case gone: its row, its events and everything hanging off it."""
    tables = ["cases_caseevent", "cases_caseclock", "cases_case_assisting_units"]
    statements = [f"DELETE FROM {t} WHERE case_id = {int(case.pk)}" for t in tables]
    _tamper(statements[0], [], *statements[1:], f"DELETE FROM cases_case WHERE id = {case.pk}")


def test_checkpoint_covers_every_case_and_verifies(closed_case, capsys) -> None:
    checkpoint = _checkpoint_later()
    assert checkpoint.seq == 1 and checkpoint.cases == 2
    assert checkpoint.events == CaseEvent.objects.count()
    call_command("verify_ledger")
    out = capsys.readouterr().out
    assert "与存证 #1" in out and checkpoint.chain in out
    second = _checkpoint_later(20)
    assert second.seq == 2 and second.prev_chain == checkpoint.chain


def test_a_deleted_case_is_noticed_by_verify_and_by_the_next_checkpoint(
    closed_case, capsys
) -> None:
    from jishi.cases.models_checkpoint import LedgerCheckpoint
    from jishi.common.errors import Conflict

    _checkpoint_later()
    # Every chain that is left is whole: only the checkpoint can tell a case is missing.
    _delete_case(closed_case)
    result = verify_ledger()
    assert result.breaks == []
    assert len(result.checkpoint_problems) == 1
    assert "少了 1 个事项" in str(result.checkpoint_problems[0])
    with pytest.raises(CommandError):
        call_command("verify_ledger")
    assert "存证不符" in capsys.readouterr().err
    # The next checkpoint refuses to paper over the gap.
    with pytest.raises(Conflict):
        _checkpoint_later(20)
    assert LedgerCheckpoint.objects.count() == 1


def test_a_rewritten_checkpoint_breaks_the_checkpoint_chain(closed_case) -> None:
    from jishi.cases.models_checkpoint import LedgerCheckpoint

    _checkpoint_later()
    _checkpoint_later(20)
    # Deleting the case and rewriting only the latest checkpoint to match is not enough:
    # it no longer links to the one before.
    _delete_case(closed_case)
    LedgerCheckpoint.objects.filter(seq=2).update(prev_chain="f" * 64)
    problems = verify_ledger().checkpoint_problems
    assert problems and "接不上" in str(problems[0])


def test_events_after_the_checkpoint_do_not_disturb_it(closed_case, county) -> None:
    _checkpoint_later()
    from datetime import timedelta

    from jishi.common import clock

    with clock.travel_to(clock.now() + timedelta(minutes=30)):
        builders.accepted(county)
    assert verify_ledger().checkpoint_problems == []
