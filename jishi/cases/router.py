"""The router applied to the ledger: routing a new case at intake when the router is sure,
training the router on the county's closed cases, and the monthly figures of how the
router did (all from events, DESIGN.md rule 2).

The router itself (text in, labels and scores out) is :mod:`jishi.routing`; it knows no case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from jishi.cases.models import Case, CaseEvent, Category
from jishi.cases.selectors import category_by_code
from jishi.cases.services import Route, System
from jishi.orgs.models import User
from jishi.routing import lexicon, text
from jishi.routing.models import RouterModel, RouterTarget
from jishi.routing.policy import DEFAULT_MAX_ERROR, auto_threshold
from jishi.routing.selectors import predict
from jishi.routing.services import router_train, threshold_metrics

logger = logging.getLogger(__name__)


def route_for_intake(*, title: str, text: str, township_name: str | None = None) -> Route | None:
    """A ``services.Route`` when the router is confident enough to dispatch, else None."""
    threshold = auto_threshold()
    if threshold is None:
        return None
    try:
        prediction = predict(title, text, township_name, target=RouterTarget.CATEGORY)
    except (OSError, ValueError):
        # The active version's file is gone or unreadable (one saved as a pickle by an old
        # release is refused): the case waits for a dispatcher, the citizen sees no error.
        logger.exception("router model could not be loaded; the case is left to a dispatcher")
        return None
    if prediction.label is None or prediction.model_version == "rules":
        return None
    if prediction.probability < threshold:
        return None
    category = category_by_code(prediction.label)
    if category is None or not category.active:
        return None
    if category.owning_unit is None or not category.owning_unit.active:
        return None
    return Route(
        actor=System(),
        category=category,
        lead_unit=category.owning_unit,
        confidence=prediction.probability,
        model_version=prediction.model_version,
    )


# --- training on the ledger -----------------------------------------------------------


@dataclass
class LedgerData:
    documents: list[list[str]]
    labels: list[str]
    span: tuple[date | None, date | None]


def closed_cases(
    *, target: str, since: datetime | None = None, until: datetime | None = None
) -> LedgerData:
    """Token lists and labels (category code or lead unit code) of closed cases."""
    label_path = "category__code" if target == RouterTarget.CATEGORY else "lead_unit__code"
    rows = Case.objects.filter(state="closed", closed_at__isnull=False).exclude(
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
    """Active category names, for the segmenter's user dictionary."""
    return list(Category.objects.filter(active=True).values_list("name", flat=True))


def router_train_from_ledger(
    *,
    actor: User | None,
    target: str = RouterTarget.CATEGORY,
    activate: bool = False,
    max_error: float = DEFAULT_MAX_ERROR,
    with_threshold: bool = True,
) -> RouterModel:
    """Train a version on the ledger's closed cases (their final category or lead unit);
    a category model also gets its auto-dispatch threshold. Raises ``InvalidInput`` when the
    ledger holds too little to learn from."""
    lexicon.ensure_loaded(force=True)
    ledger = closed_cases(target=target)
    metrics: dict[str, object] = {"source": "ledger"}
    if target == RouterTarget.CATEGORY and with_threshold and len(set(ledger.labels)) >= 2:
        metrics.update(threshold_metrics(ledger.documents, ledger.labels, max_error=max_error))
    return router_train(
        actor=actor,
        documents=ledger.documents,
        labels=ledger.labels,
        target=target,
        span=ledger.span,
        metrics=metrics,
        activate=activate,
    )


# --- how the router did ----------------------------------------------------------------


@dataclass(frozen=True)
class MonthStats:
    dispatched: int  # cases first dispatched in the month
    auto: int  # of which by the router at intake
    auto_returned: int  # auto-dispatched cases later returned by the unit
    suggested: int  # dispatcher classifications made with a router suggestion shown
    agreed: int  # of which the dispatcher kept the top suggestion

    @property
    def auto_share(self) -> float | None:
        return self.auto / self.dispatched if self.dispatched else None

    @property
    def auto_return_rate(self) -> float | None:
        return self.auto_returned / self.auto if self.auto else None

    @property
    def agreement(self) -> float | None:
        return self.agreed / self.suggested if self.suggested else None


def month_stats(start: datetime, end: datetime) -> MonthStats:
    """Figures from events alone (DESIGN.md rule 2): who dispatched first, what came back."""
    first_dispatch = CaseEvent.objects.filter(
        kind="dispatch", created_at__gte=start, created_at__lt=end
    ).exclude(
        Exists(
            CaseEvent.objects.filter(
                case_id=OuterRef("case_id"),
                kind__in=["dispatch", "arbitrate"],
                seq__lt=OuterRef("seq"),
            )
        )
    )
    auto = first_dispatch.filter(actor_role="system")
    returned = auto.filter(
        Exists(CaseEvent.objects.filter(case_id=OuterRef("case_id"), kind="return"))
    )
    suggested = CaseEvent.objects.filter(
        kind__in=["classify", "dispatch"],
        created_at__gte=start,
        created_at__lt=end,
        payload__has_key="suggested",
    ).exclude(actor_role="system")
    rows = list(suggested.values_list("payload", flat=True))
    agreed = sum(1 for p in rows if p.get("suggested") == p.get("category"))
    return MonthStats(
        dispatched=first_dispatch.count(),
        auto=auto.count(),
        auto_returned=returned.count(),
        suggested=len(rows),
        agreed=agreed,
    )


def auto_dispatch_versions(start: datetime, end: datetime) -> dict[str, int]:
    """Model version → cases it classified and dispatched by itself at intake in
    [start, end): who made the automatic dispatches that ``month_stats`` counts."""
    rows = (
        CaseEvent.objects.filter(
            kind="classify",
            actor_role="system",
            created_at__gte=start,
            created_at__lt=end,
            payload__has_key="model_version",
        )
        .values("payload__model_version")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[str, int] = {}
    for row in rows:
        version = str(row["payload__model_version"] or "")
        counts[version] = counts.get(version, 0) + row["n"]
    return counts
