"""Which response and handling limits apply to a case: the most specific ``TimeLimit`` row,
else the county defaults below (acknowledge within 1 working day; inquiries 3, requests and
complaints 15, suggestions 20, praise 5 working days)."""

from __future__ import annotations

from dataclasses import dataclass

from jishi.cases.models import CaseKind, Category, LimitUnit, TimeLimit
from jishi.common.snapshots import Snapshot
from jishi.common.text import source_text

DEFAULT_RESPONSE = (1, LimitUnit.WORKDAY)
DEFAULT_HANDLING_DAYS = {
    CaseKind.INQUIRY: 3,
    CaseKind.REQUEST: 15,
    CaseKind.COMPLAINT: 15,
    CaseKind.SUGGESTION: 20,
    CaseKind.PRAISE: 5,
}


@dataclass(frozen=True)
class Limits:
    response_amount: int
    response_unit: str
    handling_days: int
    source: str

    @property
    def response_rule(self) -> str:
        unit = "个工作小时" if self.response_unit == LimitUnit.WORKHOUR else "个工作日"
        return f"签收 {self.response_amount}{unit}（{self.source}）"

    @property
    def handling_rule(self) -> str:
        return f"办理 {self.handling_days}个工作日（{self.source}）"


def _load_rows() -> list[tuple[int | None, str, str, int, str, int]]:
    return [
        (
            row.category_id,
            row.category.name if row.category else "",
            row.kind,
            row.response_amount,
            row.response_unit,
            row.handling_days,
        )
        for row in TimeLimit.objects.select_related("category")
    ]


# The table is tiny and read on every dispatch, so it is held in memory (see Snapshot for
# how changes reach each process).
_LIMITS = Snapshot("time-limits", _load_rows, models_=[TimeLimit, Category], ttl=30.0)


def _rows() -> list[tuple[int | None, str, str, int, str, int]]:
    return _LIMITS.get()


def limits_for(category: Category | None, kind: str) -> Limits:
    """Most specific wins: category+kind, category, kind, county default row, built-in."""
    category_id = category.pk if category else None
    best = None
    best_rank = -1
    for row in _rows():
        row_category, _, row_kind = row[0], row[1], row[2]
        if row_category not in (None, category_id) or row_kind not in ("", kind):
            continue
        rank = (2 if row_category else 0) + (1 if row_kind else 0)
        if rank > best_rank:
            best, best_rank = row, rank
    if best is not None:
        _, category_name, row_kind, response_amount, response_unit, handling_days = best
        label = [category_name] if category_name else []
        if row_kind:
            label.append(source_text(CaseKind(row_kind).label))
        return Limits(response_amount, response_unit, handling_days, "、".join(label) or "本县默认")
    # The rule is stored with the clock and in the event: in the source's words, never in the
    # language of whoever happened to dispatch.
    kind_label = source_text(CaseKind(kind).label) if kind in CaseKind.values else kind
    return Limits(
        DEFAULT_RESPONSE[0],
        DEFAULT_RESPONSE[1],
        DEFAULT_HANDLING_DAYS.get(kind, 15),  # type: ignore[call-overload]
        f"{kind_label}默认",
    )
