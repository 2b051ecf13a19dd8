"""In-memory snapshots of configuration tables: read once, dropped on change, re-read after
their time to live, never keeping what a concurrent change may have outdated."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from jishi.common import snapshots
from jishi.common.snapshots import Snapshot
from jishi.orgs.models import Unit, UnitKind
from jishi.testing.fixtures import make_unit


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[float], None]:
    now = [5_000.0]
    monkeypatch.setattr(snapshots.time, "monotonic", lambda: now[0])

    def advance(seconds: float) -> None:
        now[0] += seconds

    return advance


def unit_names() -> list[str]:
    return sorted(Unit.objects.filter(kind=UnitKind.TOWNSHIP).values_list("name", flat=True))


def township(name: str) -> Unit:
    root = Unit.objects.filter(parent=None).first() or make_unit(
        "C", "测试县", UnitKind.COUNTY, None
    )
    return make_unit(f"T{Unit.objects.count()}", name, UnitKind.TOWNSHIP, root)


@pytest.fixture
def snapshot() -> Snapshot[list[str]]:
    return Snapshot("test-units", unit_names, models_=[Unit], ttl=5.0)


@pytest.mark.django_db
class TestSnapshot:
    def test_read_once_within_its_time_to_live(
        self,
        snapshot: Snapshot[list[str]],
        clock: Callable[[float], None],
        django_assert_num_queries: Any,
    ) -> None:
        township("一镇")
        with django_assert_num_queries(1):
            assert snapshot.get() == ["一镇"]
            clock(4.9)
            assert snapshot.get() == ["一镇"]

    def test_read_again_after_its_time_to_live(
        self, snapshot: Snapshot[list[str]], clock: Callable[[float], None]
    ) -> None:
        unit = township("二镇")
        assert snapshot.get() == ["二镇"]
        # Another process's change sends no signal here: only the clock can notice it.
        Unit.objects.filter(pk=unit.pk).update(name="二乡")
        assert snapshot.get() == ["二镇"]
        clock(5.1)
        assert snapshot.get() == ["二乡"]

    def test_a_change_in_this_process_is_seen_at_once(self, snapshot: Snapshot[list[str]]) -> None:
        unit = township("三镇")
        assert snapshot.get() == ["三镇"]
        unit.name = "三乡"
        unit.save()
        assert snapshot.get() == ["三乡"]
        unit.delete()
        assert snapshot.get() == []

    def test_a_change_during_loading_is_not_kept(self) -> None:
        calls: list[int] = []

        def load() -> int:
            calls.append(1)
            if len(calls) == 1:
                racing.forget()  # a save lands while the first read is in flight
            return len(calls)

        racing = Snapshot("test-race", load, models_=[])
        assert racing.get() == 1  # the caller gets what was read…
        assert racing.get() == 2  # …but it was not kept
        assert racing.get() == 2

    def test_forget_all_drops_every_snapshot(
        self, snapshot: Snapshot[list[str]], django_assert_num_queries: Any
    ) -> None:
        snapshot.get()
        snapshots.forget_all()
        with django_assert_num_queries(1):
            snapshot.get()


@pytest.mark.django_db(transaction=True)
def test_dropped_again_on_commit() -> None:
    """A reader between the save and the commit reads the old rows; the commit drops them."""
    snapshot = Snapshot("test-commit", unit_names, models_=[Unit])
    with transaction.atomic():
        township("四镇")
        snapshot._value, snapshot._loaded_at = ["旧"], snapshots.time.monotonic()
    assert snapshot.get() == ["四镇"]
