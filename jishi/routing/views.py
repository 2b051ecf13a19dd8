"""Console page: how the router's dispatching is doing, month by month."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from jishi.common import clock
from jishi.orgs.selectors import scope_of
from jishi.routing.models import RouterTarget
from jishi.routing.policy import auto_threshold, month_stats
from jishi.routing.selectors import active_model

MONTHS = 12


def _month_starts(now: datetime, count: int) -> list[datetime]:
    local = timezone.localtime(now)
    year, month = local.year, local.month
    starts = []
    for _ in range(count + 1):
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
    for index in range(MONTHS):
        if index == 0:
            start, end = starts[0], now
        else:
            start, end = starts[index], starts[index - 1]
        figures = month_stats(start, end)
        rows.append(
            {
                "month": start,
                "stats": figures,
                "auto_share": _percent(figures.auto_share),
                "auto_return_rate": _percent(figures.auto_return_rate),
                "agreement": _percent(figures.agreement),
            }
        )
    return render(
        request,
        "routing/stats.html",
        {
            "rows": rows,
            "model": active_model(RouterTarget.CATEGORY),
            "threshold": auto_threshold(),
        },
    )
