"""The arithmetic: the weighted roll-up against a direct computation (property test),
planned progress by month, and the light rules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from jishi.projects.progress import Node, Thresholds, assess, planned_on, rollup, rollup_exact


@st.composite
def trees(draw: st.DrawFn) -> list[Node]:
    """A random forest: each node's parent is an earlier node or none."""
    size = draw(st.integers(min_value=1, max_value=25))
    nodes = []
    for i in range(size):
        parent = draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None
        nodes.append(
            Node(
                id=i + 1,
                parent_id=parent + 1 if parent is not None else None,
                weight=draw(st.integers(1, 50)),
                progress=Decimal(draw(st.integers(0, 1000))) / 10,
            )
        )
    return nodes


def direct(nodes: list[Node]) -> Decimal:
    """Each leaf's progress times its share: the product, down its path, of its weight over
    the sum of its siblings' weights."""
    parents = {n.parent_id for n in nodes}
    total = Decimal(0)
    for leaf in (n for n in nodes if n.id not in parents):
        share = Decimal(1)
        node = leaf
        while True:
            siblings = [n for n in nodes if n.parent_id == node.parent_id]
            share *= Decimal(node.weight) / sum(n.weight for n in siblings)
            if node.parent_id is None:
                break
            node = next(n for n in nodes if n.id == node.parent_id)
        total += leaf.progress * share
    return total


@settings(max_examples=200, deadline=None)
@given(trees())
def test_weighted_rollup_equals_direct_computation(nodes: list[Node]) -> None:
    assert abs(rollup_exact(nodes) - direct(nodes)) < Decimal("1e-20")
    assert Decimal(0) <= rollup(nodes) <= Decimal(100)


def test_rollup_of_nothing_is_zero() -> None:
    assert rollup([]) == 0


def test_a_parent_takes_its_progress_from_its_children() -> None:
    nodes = [
        Node(1, None, 1, Decimal(0)),  # ignored: it has children
        Node(2, 1, 1, Decimal(100)),
        Node(3, 1, 3, Decimal(0)),
        Node(4, None, 1, Decimal(50)),
    ]
    assert rollup(nodes) == Decimal("37.5")


def ms() -> list[Node]:
    return [
        Node(1, None, 20, Decimal(0), dt.date(2026, 3, 31)),
        Node(2, None, 30, Decimal(0), dt.date(2026, 6, 30)),
        Node(3, None, 50, Decimal(0), dt.date(2026, 11, 30)),
    ]


def test_planned_progress_is_spread_between_milestones() -> None:
    start = dt.date(2026, 1, 1)
    assert planned_on(ms(), start=start, on=dt.date(2026, 1, 1)) == 0
    assert planned_on(ms(), start=start, on=dt.date(2026, 3, 31)) == 20
    assert planned_on(ms(), start=start, on=dt.date(2026, 6, 30)) == 50
    assert planned_on(ms(), start=start, on=dt.date(2026, 12, 31)) == 100
    middle = planned_on(ms(), start=start, on=dt.date(2026, 5, 15))
    assert 20 < middle < 50


def test_entered_planned_progress_wins_for_its_month() -> None:
    start = dt.date(2026, 1, 1)
    entered = {"2026-05": 45, "2026-06": ""}
    assert planned_on(ms(), start=start, on=dt.date(2026, 5, 25), entered=entered) == 45
    assert planned_on(ms(), start=start, on=dt.date(2026, 6, 30), entered=entered) == 50


def light(planned: int, reported: int, missing: int = 0, start: dt.date | None = None) -> str:
    return assess(
        planned=Decimal(planned),
        reported=Decimal(reported),
        missing_in_a_row=missing,
        start=start,
        on=dt.date(2026, 6, 25),
        thresholds=Thresholds(),
    )[0]


def test_light_thresholds() -> None:
    assert light(50, 50) == "green"
    assert light(50, 41) == "green"
    assert light(50, 40) == "yellow"
    assert light(50, 20) == "yellow"
    assert light(50, 19) == "red"
    assert light(50, 60) == "green"


def test_missing_reports_and_not_started() -> None:
    assert light(50, 50, missing=1) == "yellow"
    assert light(50, 50, missing=2) == "red"
    assert light(5, 0, start=dt.date(2026, 3, 25)) == "red"
    assert light(5, 0, start=dt.date(2026, 4, 1)) == "green"
    assert light(5, 1, start=dt.date(2026, 1, 1)) == "green"
