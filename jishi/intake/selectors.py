"""Reads of the intake tools: who may see which visits, and the counts each tool reports.

Counts of cases go through ``cases_visible_to`` like every other list in jishi, so a log
never counts a case its reader could not open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Prefetch, Q, QuerySet

from jishi.cases.models import OPEN_STATES, State
from jishi.cases.selectors import cases_visible_to
from jishi.intake.models import (
    Campaign,
    CampaignSuggestion,
    DutyShift,
    HallOutcome,
    HallProblem,
    Visit,
    VisitItem,
)
from jishi.orgs.models import Unit, UnitKind, User
from jishi.orgs.selectors import scope_of


def visits_visible_to(user: User | AnonymousUser) -> QuerySet[Visit]:
    """A secretary's own visits and those in their village; a township post's villages;
    county-wide posts see every visit."""
    scope = scope_of(user)
    if scope.county_wide:
        return Visit.objects.all()
    if not user.is_authenticated:
        return Visit.objects.none()
    return Visit.objects.filter(Q(secretary=user) | Q(unit_id__in=list(scope.unit_ids)))


@dataclass(frozen=True)
class VisitCounts:
    households: int
    items: int
    resolved: int
    open: int


def _item_counts(items: QuerySet[VisitItem]) -> dict[str, Any]:
    return items.aggregate(
        items=Count("id"),
        resolved=Count("id", filter=Q(resolved_on_the_spot=True)),
        open=Count("id", filter=Q(case__state__in=list(OPEN_STATES))),
    )


def _visible_items(user: User | AnonymousUser, visits: QuerySet[Visit]) -> QuerySet[VisitItem]:
    return VisitItem.objects.filter(visit__in=visits, case__in=cases_visible_to(user))


def visit_totals(user: User | AnonymousUser, visits: QuerySet[Visit]) -> VisitCounts:
    """Households visited (distinct per place), items raised, solved on the spot, still open."""
    households = visits.values("unit_id", "household_key").distinct().count()
    counts = _item_counts(_visible_items(user, visits))
    return VisitCounts(households, counts["items"], counts["resolved"], counts["open"])


@dataclass(frozen=True)
class VisitLogRow:
    key: Any
    label: str
    counts: VisitCounts


def _grouped(
    user: User | AnonymousUser, visits: QuerySet[Visit], field: str
) -> dict[Any, VisitCounts]:
    households: dict[Any, int] = {}
    for row in visits.values(field, "unit_id", "household_key").distinct():
        households[row[field]] = households.get(row[field], 0) + 1
    items = {
        row[f"visit__{field}"]: row
        for row in _visible_items(user, visits)
        .values(f"visit__{field}")
        .annotate(
            items=Count("id"),
            resolved=Count("id", filter=Q(resolved_on_the_spot=True)),
            open=Count("id", filter=Q(case__state__in=list(OPEN_STATES))),
        )
        .order_by()
    }
    return {
        key: VisitCounts(
            n,
            items.get(key, {}).get("items", 0),
            items.get(key, {}).get("resolved", 0),
            items.get(key, {}).get("open", 0),
        )
        for key, n in households.items()
    }


def visit_log_by_unit(user: User | AnonymousUser, visits: QuerySet[Visit]) -> list[VisitLogRow]:
    counts = _grouped(user, visits, "unit_id")
    units = Unit.objects.in_bulk(list(counts))
    rows = [VisitLogRow(units[k], units[k].name, c) for k, c in counts.items()]
    return sorted(rows, key=lambda r: r.key.path)


def visit_log_by_secretary(
    user: User | AnonymousUser, visits: QuerySet[Visit]
) -> list[VisitLogRow]:
    counts = _grouped(user, visits, "secretary_id")
    people = User.objects.in_bulk(list(counts))
    rows = [VisitLogRow(people[k], str(people[k]), c) for k, c in counts.items()]
    return sorted(rows, key=lambda r: (-r.counts.households, r.label))


def recent_visits(user: User | AnonymousUser, visits: QuerySet[Visit]) -> QuerySet[Visit]:
    """Visits with their items and cases, in a fixed number of queries."""
    items = VisitItem.objects.filter(case__in=cases_visible_to(user)).select_related("case")
    return visits.select_related("secretary", "unit").prefetch_related(
        Prefetch("items", queryset=items)
    )


def places_for_filter(user: User | AnonymousUser) -> QuerySet[Unit]:
    """Villages and townships the reader may filter the log by."""
    scope = scope_of(user)
    qs = Unit.objects.filter(kind__in=[UnitKind.VILLAGE, UnitKind.TOWNSHIP], active=True)
    return qs if scope.county_wide else qs.filter(pk__in=list(scope.unit_ids))


# --- hall desk -------------------------------------------------------------------------------


def halls() -> QuerySet[Unit]:
    return Unit.objects.filter(kind=UnitKind.HALL, active=True).order_by("sort_order", "path")


def week_of(day: dt.date) -> list[dt.date]:
    monday = day - dt.timedelta(days=day.weekday())
    return [monday + dt.timedelta(days=i) for i in range(7)]


def roster(hall: Unit, days: list[dt.date]) -> dict[tuple[dt.date, str], DutyShift]:
    shifts = DutyShift.objects.filter(hall=hall, date__in=days).select_related("director")
    return {(s.date, s.period): s for s in shifts}


@dataclass(frozen=True)
class HallCounts:
    raised: int
    resolved: int
    dispatched: int
    closed: int


def _hall_problems(user: User | AnonymousUser, hall: Unit) -> QuerySet[HallProblem]:
    """Problems at this hall whose case the reader may see, plus those the reader recorded:
    a director's submission has no unit until it is dispatched, and they must still find it."""
    return HallProblem.objects.filter(hall=hall).filter(
        Q(case__in=cases_visible_to(user)) | Q(recorded_by_id=user.pk)
    )


def hall_counts(user: User | AnonymousUser, hall: Unit) -> HallCounts:
    """Raised; solved on the spot; dispatched (by a dispatcher, at once or later); closed."""
    counts = _hall_problems(user, hall).aggregate(
        raised=Count("id"),
        resolved=Count("id", filter=Q(outcome=HallOutcome.RESOLVED)),
        dispatched=Count(
            "id", filter=Q(case__dispatched_at__isnull=False) & ~Q(outcome=HallOutcome.RESOLVED)
        ),
        closed=Count("id", filter=Q(case__state=State.CLOSED)),
    )
    return HallCounts(**counts)


def hall_recent(user: User | AnonymousUser, hall: Unit, limit: int = 20) -> list[HallProblem]:
    return list(
        _hall_problems(user, hall)
        .select_related("case", "recorded_by", "suggested_unit", "case__lead_unit")
        .order_by("-created_at", "-id")[:limit]
    )


# --- campaigns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignCounts:
    gathered: int
    adopted: int
    done: int


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("unit").order_by("-starts_on", "-id")


def campaigns_with_counts(user: User | AnonymousUser) -> QuerySet[Campaign]:
    """Every campaign with ``gathered``, ``adopted`` and ``done`` counted in one query, under
    the same visibility rule as ``campaign_counts``."""
    seen = Q(suggestions__case__in=cases_visible_to(user)) | Q(
        suggestions__case__created_by_id=user.pk
    )
    return campaign_list().annotate(
        gathered=Count("suggestions", filter=seen, distinct=True),
        adopted=Count("suggestions", filter=seen & Q(suggestions__adopted=True), distinct=True),
        done=Count(
            "suggestions",
            filter=seen
            & Q(suggestions__case__state=State.CLOSED, suggestions__case__resolved=True),
            distinct=True,
        ),
    )


def _suggestions(user: User | AnonymousUser, campaign: Campaign) -> QuerySet[CampaignSuggestion]:
    """Suggestions whose case the reader may see, plus those the reader recorded (a
    suggestion has no unit until it is dispatched)."""
    return CampaignSuggestion.objects.filter(campaign=campaign).filter(
        Q(case__in=cases_visible_to(user)) | Q(case__created_by_id=user.pk)
    )


def campaign_counts(user: User | AnonymousUser, campaign: Campaign) -> CampaignCounts:
    """Suggestions gathered, adopted, and turned into practical matters done (办实事: the
    linked case closed and confirmed resolved)."""
    counts = _suggestions(user, campaign).aggregate(
        gathered=Count("id"),
        adopted=Count("id", filter=Q(adopted=True)),
        done=Count("id", filter=Q(case__state=State.CLOSED, case__resolved=True)),
    )
    return CampaignCounts(**counts)


def campaign_suggestions(
    user: User | AnonymousUser, campaign: Campaign
) -> QuerySet[CampaignSuggestion]:
    return (
        _suggestions(user, campaign)
        .select_related("case", "adopted_by")
        .order_by("-created_at", "-id")
    )


def suggestion_for(user: User | AnonymousUser, pk: int) -> CampaignSuggestion | None:
    return (
        CampaignSuggestion.objects.filter(pk=pk, case__in=cases_visible_to(user))
        .select_related("case", "campaign", "campaign__unit", "adopted_by")
        .first()
    )
