"""Which response and handling limits apply to a case: the most specific ``TimeLimit`` row,
else the county defaults below (acknowledge within 1 working day; inquiries 3, requests and
complaints 15, suggestions 20, praise 5 working days)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from jishi.cases.models import CaseKind, Category, LimitUnit, TimeLimit

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


def limits_for(category: Category | None, kind: str) -> Limits:
    """Most specific wins: category+kind, category, kind, county default row, built-in."""
    rows = list(
        TimeLimit.objects.filter(
            Q(category=category) | Q(category__isnull=True)
            if category
            else Q(category__isnull=True),
            Q(kind=kind) | Q(kind=""),
        ).select_related("category")
    )

    def rank(row: TimeLimit) -> int:
        return (2 if row.category_id else 0) + (1 if row.kind else 0)

    if rows:
        best = max(rows, key=rank)
        label = []
        if best.category_id and best.category is not None:
            label.append(best.category.name)
        if best.kind:
            label.append(best.get_kind_display())
        return Limits(
            best.response_amount,
            best.response_unit,
            best.handling_days,
            "、".join(label) or "本县默认",
        )
    kind_label = CaseKind(kind).label if kind in CaseKind.values else kind
    return Limits(
        DEFAULT_RESPONSE[0],
        DEFAULT_RESPONSE[1],
        DEFAULT_HANDLING_DAYS.get(kind, 15),  # type: ignore[call-overload]
        f"{kind_label}默认",
    )
