"""The arithmetic of progress, free of the database: the weighted roll-up of a milestone tree,
planned progress by month (序时进度) and the light a project earns (亮灯).

Kept pure so the property test can compare the roll-up with a direct computation, and the
round's assessment, the pages and the benchmark all count the same way.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

ONE_PLACE = Decimal("0.1")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Node:
    """A milestone as the arithmetic sees it. ``progress`` counts for a leaf only."""

    id: int
    parent_id: int | None
    weight: int
    progress: Decimal
    planned_date: date | None = None


def _children(nodes: Iterable[Node]) -> dict[int | None, list[Node]]:
    out: dict[int | None, list[Node]] = defaultdict(list)
    for node in nodes:
        out[node.parent_id].append(node)
    return out


def rollup_exact(nodes: Sequence[Node]) -> Decimal:
    """The weighted progress of the tree, unrounded: a node with children is the weighted
    mean of its children; the roots are weighted the same way. No milestones: 0."""
    children = _children(nodes)
    known = {node.id for node in nodes}
    # A child whose parent is missing counts as a root rather than vanishing.
    roots = [n for n in nodes if n.parent_id is None or n.parent_id not in known]

    def value(node: Node, seen: frozenset[int]) -> Decimal:
        kids = [k for k in children.get(node.id, []) if k.id not in seen]
        if not kids:
            return min(max(node.progress, Decimal(0)), HUNDRED)
        return mean(kids, seen | {node.id})

    def mean(group: list[Node], seen: frozenset[int]) -> Decimal:
        total = sum((n.weight for n in group), 0)
        if total <= 0:
            return Decimal(0)
        return sum((value(n, seen) * n.weight for n in group), Decimal(0)) / total

    return mean(roots, frozenset()) if roots else Decimal(0)


def rollup(nodes: Sequence[Node]) -> Decimal:
    """``rollup_exact`` to one decimal place, as progress is shown and stored."""
    return rollup_exact(nodes).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def month_end(d: date) -> date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


def month_key(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def planned_on(
    nodes: Sequence[Node],
    *,
    start: date | None,
    on: date,
    entered: Mapping[str, object] | None = None,
) -> Decimal:
    """Planned progress (序时进度) at ``on``: the month's entered figure when the county
    fixed one; else each leaf milestone's weight spread evenly over the days from the one
    before it (or the project's start) to its planned date, summed with the tree's weights."""
    if entered:
        value = entered.get(month_key(on))
        if value not in (None, ""):
            try:
                return Decimal(str(value)).quantize(ONE_PLACE)
            except ArithmeticError:
                pass
    if not nodes:
        return Decimal(0)
    children = _children(nodes)
    known = {node.id for node in nodes}

    def leaf_share(siblings: list[Node]) -> list[Node]:
        # Siblings in date order; a sibling with children takes its planned share from them.
        return sorted(siblings, key=lambda n: (n.planned_date or date.max, n.id))

    def fraction(node: Node, begin: date | None) -> Decimal:
        end = node.planned_date
        if end is None:
            return Decimal(0)
        if on >= end:
            return Decimal(1)
        if begin is None or begin >= end or on <= begin:
            return Decimal(0)
        return Decimal((on - begin).days) / Decimal((end - begin).days)

    def planned(group: list[Node], begin: date | None, seen: frozenset[int]) -> Decimal:
        total = sum((n.weight for n in group), 0)
        if total <= 0:
            return Decimal(0)
        acc = Decimal(0)
        previous = begin
        for node in leaf_share(group):
            kids = [k for k in children.get(node.id, []) if k.id not in seen]
            share = (
                planned(kids, previous, seen | {node.id}) / HUNDRED
                if kids
                else fraction(node, previous)
            )
            acc += share * node.weight
            if node.planned_date is not None:
                previous = node.planned_date
        return acc * HUNDRED / total

    roots = [n for n in nodes if n.parent_id is None or n.parent_id not in known]
    return planned(roots, start, frozenset()).quantize(ONE_PLACE, rounding=ROUND_HALF_UP)


def flat_shape(nodes: Sequence[Node]) -> tuple[tuple[date | None, int], ...] | None:
    """What ``planned_on`` reads of a flat milestone list (no sub-milestones): the dates and
    weights in the order it walks them. Two projects of the same shape and start have the
    same planned progress, so a round computes it once per shape. None for a tree."""
    if any(n.parent_id is not None for n in nodes):
        return None
    ordered = sorted(nodes, key=lambda n: (n.planned_date or date.max, n.id))
    return tuple((n.planned_date, n.weight) for n in ordered)


@dataclass(frozen=True)
class Thresholds:
    """When a light turns (the county's ``Policy``; these are the defaults)."""

    yellow_behind: int = 10
    red_behind: int = 30
    not_started_months: int = 3


def months_between(a: date, b: date) -> int:
    """Whole months from ``a`` to ``b`` (negative when ``b`` is earlier)."""
    months = (b.year - a.year) * 12 + (b.month - a.month)
    if b.day < a.day:
        months -= 1
    return months


def assess(
    *,
    planned: Decimal,
    reported: Decimal,
    missing_in_a_row: int,
    start: date | None,
    on: date,
    thresholds: Thresholds = Thresholds(),
) -> tuple[str, str]:
    """The light and its reason (in Chinese, stored with the event). Red beats yellow beats
    green; the first reason found for the worst colour is given."""
    behind = planned - reported
    if missing_in_a_row >= 2:
        return "red", f"连续{missing_in_a_row}个月未报送进度"
    if (
        reported <= 0
        and start is not None
        and months_between(start, on) >= thresholds.not_started_months
    ):
        return "red", f"开始日期后{thresholds.not_started_months}个月仍未动工"
    if behind > thresholds.red_behind:
        return "red", f"落后序时进度{behind}个百分点（序时{planned}%，实际{reported}%）"
    if missing_in_a_row == 1:
        return "yellow", "本月未报送进度"
    if behind >= thresholds.yellow_behind:
        return "yellow", f"落后序时进度{behind}个百分点（序时{planned}%，实际{reported}%）"
    return "green", "按序时推进" if behind <= 0 else f"略落后序时进度{behind}个百分点"
