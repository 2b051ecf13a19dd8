"""The console's report pages: figures by group with each number a link to its cases, and
the definitions of every figure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jishi.reports import metrics, selectors

# The table's columns: counts, then rates (a rate links to its numerator's cases).
COUNT_COLUMNS = (
    "received",
    "dispatched",
    "acknowledged",
    "closed",
    "called_back",
    "returned",
    "reopened",
    "extended",
    "supervised",
    "overdue_now",
)
RATE_COLUMNS = (
    "response_rate",
    "on_time_rate",
    "solved_rate",
    "satisfied_rate",
    "no_callback_share",
    "return_rate",
    "reopen_rate",
    "first_dispatch_accuracy",
)


@dataclass(frozen=True)
class Cell:
    text: str
    href: str = ""
    title: str = ""


def pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def column_names() -> list[tuple[str, Any]]:
    names: dict[str, Any] = {k: m.name for k, m in metrics.METRICS.items()}
    names.update(metrics.SNAPSHOTS)
    names.update({k: r.name for k, r in metrics.RATES.items()})
    return [(k, names[k]) for k in (*COUNT_COLUMNS, *RATE_COLUMNS)]


def cells(table: selectors.Table, row: metrics.Row, *, total: bool = False) -> list[Cell]:
    link_row = None if total else row
    out = [Cell(str(row.count(k)), table.link(link_row, k)) for k in COUNT_COLUMNS]
    for key in RATE_COLUMNS:
        rate = metrics.RATES[key]
        out.append(
            Cell(
                pct(row.rate(key)),
                table.link(link_row, rate.numerator),
                f"{row.count(rate.numerator)} / {row.count(rate.denominator)}",
            )
        )
    return out


def _user(request: HttpRequest) -> Any:
    return request.user


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    by = request.GET.get("by") or "unit"
    if by not in metrics.DIMENSIONS:
        by = "unit"
    default = selectors.DateRange.month(selectors.today())
    dates = selectors.parse_range(request.GET, default)
    table = selectors.table(_user(request), dates, by)
    rows = [{"row": row, "cells": cells(table, row), "label": row.label} for row in table.rows]
    return render(
        request,
        "reports/index.html",
        {
            "dates": dates,
            "month": f"{dates.first:%Y-%m}",
            "by": by,
            "dimensions": list(metrics.DIMENSIONS.items()),
            "columns": column_names(),
            "rows": rows,
            "total": cells(table, table.total, total=True),
            "ranked": by == "unit",
            "weights": [(metrics.RATES[k].name, w) for k, w in metrics.weights().items()],
            "minimum": metrics.min_cases(),
        },
    )


@login_required
@require_GET
def definitions(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reports/definitions.html",
        {
            "metrics": list(metrics.METRICS.values()),
            "rates": list(metrics.RATES.values()),
            "period_rule": metrics.PERIOD_RULE,
            "weights": [(metrics.RATES[k].name, w) for k, w in metrics.weights().items()],
            "minimum": metrics.min_cases(),
            "floor": metrics.SATISFIED_FLOOR,
        },
    )
