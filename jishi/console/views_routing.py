"""Console pages: how the router's dispatching is doing, month by month; the hotspots."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from jishi.cases.duplicates import duplicates_for
from jishi.cases.models_hotspots import Hotspot
from jishi.cases.router import auto_dispatch_versions, month_stats
from jishi.cases.selectors import case_for, cases_visible_to
from jishi.cases.tasks import hotspots_pending, refresh_hotspots, refresh_if_stale, training_pending
from jishi.common import clock
from jishi.console import selectors as selectors_console
from jishi.orgs.access import is_dispatcher
from jishi.orgs.models import User
from jishi.orgs.selectors import scope_of
from jishi.routing.models import RouterModel, RouterTarget
from jishi.routing.policy import auto_threshold
from jishi.routing.selectors import active_model

MONTHS = 12


def _month_starts(now: datetime, count: int) -> list[datetime]:
    local = timezone.localtime(now)
    year, month = local.year, local.month
    starts = []
    for _step in range(count + 1):
        starts.append(
            local.replace(year=year, month=month, day=1, hour=0, minute=0, second=0, microsecond=0)
        )
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return starts  # newest first; one more than count, to close the oldest month


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


@require_safe
@login_required
def stats(request: HttpRequest) -> HttpResponse:
    """Per month: auto-dispatch share, their return rate, agreement with the top suggestion."""
    if not scope_of(request.user).county_wide:
        raise Http404  # the figures cover the whole county
    now = clock.now()
    starts = _month_starts(now, MONTHS)
    rows = []
    auto_total = 0
    for index in range(MONTHS):
        if index == 0:
            start, end = starts[0], now
        else:
            start, end = starts[index], starts[index - 1]
        figures = month_stats(start, end)
        auto_total += figures.auto
        rows.append(
            {
                "month": start,
                "stats": figures,
                "auto_share": _percent(figures.auto_share),
                "auto_return_rate": _percent(figures.auto_return_rate),
                "agreement": _percent(figures.agreement),
            }
        )
    model = active_model(RouterTarget.CATEGORY)
    # Who made the automatic dispatches the table counts, so the text above it can say so
    # (a version may have been switched off since, or come with imported history).
    known = dict(RouterModel.objects.values_list("version", "is_active"))
    versions = [
        {
            "version": version or "—",
            "count": count,
            "status": (
                "unknown" if version not in known else "active" if known[version] else "inactive"
            ),
        }
        for version, count in sorted(
            auto_dispatch_versions(starts[MONTHS - 1], now).items(), key=lambda kv: -kv[1]
        )
    ]
    return render(
        request,
        "console/routing/stats.html",
        {
            "rows": rows,
            "model": model,
            "threshold": auto_threshold(),
            "training_since": training_pending(),
            "auto_total": auto_total,
            "auto_versions": versions,
        },
    )


def _may_refresh(user: User | AnonymousUser) -> bool:
    return is_dispatcher(user)


@require_safe
@login_required
def hotspots(request: HttpRequest) -> HttpResponse:
    """热点: the topics of the latest stored computation, hottest first, with their cases.

    Everyone signed in may look, but only through the cases they may see: a hotspot none of
    whose cases is in the user's view is left out, and each hotspot lists only the visible
    ones. The hotspot's own figures (heat, size, citizens, places) are county-wide counts,
    with no name or text in them, and stay as computed so that every user reads the same
    ranking.
    """
    latest = Hotspot.objects.aggregate(end=Max("period_end"))["end"]
    if refresh_if_stale(latest):
        # With an immediate task backend the refresh has already run.
        latest = Hotspot.objects.aggregate(end=Max("period_end"))["end"]
    rows: list[Hotspot] = []
    if latest is not None:
        visible = cases_visible_to(request.user).only("code", "title", "state")
        qs = Hotspot.objects.filter(period_end=latest).order_by("rank")
        if not scope_of(request.user).county_wide:
            qs = qs.filter(cases__in=cases_visible_to(request.user)).distinct()
        qs = qs.prefetch_related(
            Prefetch("cases", queryset=visible.order_by("-accepted_at"), to_attr="shown")
        )
        rows = list(qs)
    return render(
        request,
        "console/routing/hotspots.html",
        {
            "rows": rows,
            "period_end": latest,
            "period_start": rows[0].period_start if rows else None,
            "may_refresh": _may_refresh(request.user),
            # Said on the page, so an empty list is never mistaken for "nothing is hot".
            "computing_since": hotspots_pending(),
        },
    )


@require_POST
@login_required
def hotspots_refresh(request: HttpRequest) -> HttpResponse:
    """立即刷新: recompute the hotspots now (in the background where a worker runs)."""
    if not _may_refresh(request.user):
        raise PermissionDenied(_("只有派单员和管理员可以刷新热点"))
    refresh_hotspots.enqueue()
    messages.success(request, _("已开始刷新热点，稍后刷新本页查看"))
    return redirect("console:hotspots")


@require_safe
@login_required
def duplicates(request: HttpRequest, code: str) -> HttpResponse:
    """Likely duplicates of a case among those the user may see, each with a one-click
    merge (htmx fragment, loaded by the dispatcher's queue row or the case page; empty
    when the user may not merge this case or nothing matches)."""
    case = case_for(request.user, code)
    on_queue = request.GET.get("on") == "queue"
    matches = []
    if "merge" in selectors_console.actions_for(request.user, case):  # type: ignore[arg-type]
        matches = duplicates_for(request.user, case)
    return render(
        request,
        "console/routing/duplicate_matches.html",
        {"case": case, "matches": matches, "on_queue": on_queue},
    )
