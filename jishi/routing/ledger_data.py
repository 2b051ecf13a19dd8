"""Training data from the ledger: closed cases with their final category and lead unit.

The ``cases`` app is looked up through the app registry rather than imported, so routing
does not depend on it at import time (``cases`` imports routing to suggest categories).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.apps import apps
from django.utils import timezone

from jishi.routing import text
from jishi.routing.models import RouterTarget


class LedgerUnavailable(RuntimeError):
    """The ledger's ``Case`` model is not installed (yet)."""


@dataclass
class LedgerData:
    documents: list[list[str]]
    labels: list[str]
    span: tuple[date | None, date | None]


def closed_cases(
    *, target: str, since: datetime | None = None, until: datetime | None = None
) -> LedgerData:
    """Token lists and labels (category code or lead unit code) of closed cases."""
    try:
        case_model = apps.get_model("cases", "Case")
    except LookupError as error:
        raise LedgerUnavailable("台账（cases.Case）尚未安装，无法从台账训练") from error
    label_path = "category__code" if target == RouterTarget.CATEGORY else "lead_unit__code"
    rows = case_model.objects.filter(state="closed", closed_at__isnull=False).exclude(
        **{f"{label_path}__isnull": True}
    )
    if since is not None:
        rows = rows.filter(closed_at__gte=since)
    if until is not None:
        rows = rows.filter(closed_at__lt=until)
    documents: list[list[str]] = []
    labels: list[str] = []
    first: datetime | None = None
    last: datetime | None = None
    values = rows.order_by("closed_at", "id").values_list(
        "title", "text", "township__name", label_path, "closed_at"
    )
    for title, body, township, label, closed_at in values.iterator(chunk_size=2000):
        documents.append(text.document_tokens(title, body, township))
        labels.append(str(label))
        first = first or closed_at
        last = closed_at
    span = (
        timezone.localtime(first).date() if first else None,
        timezone.localtime(last).date() if last else None,
    )
    return LedgerData(documents=documents, labels=labels, span=span)


def category_names() -> list[str]:
    """Active category names, for the segmenter's user dictionary (empty without cases)."""
    try:
        category_model = apps.get_model("cases", "Category")
    except LookupError:
        return []
    return list(category_model.objects.filter(active=True).values_list("name", flat=True))
