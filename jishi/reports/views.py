"""The console's report pages: figures by group with each number a link to its cases, and
the definitions of every figure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jishi.cases.models import Case
from jishi.common.documents import pdf_from_template
from jishi.common.errors import PermissionDenied
from jishi.orgs.models import Unit
from jishi.projects import selectors as project_selectors
from jishi.reports import dashboard, exports, metrics, selectors, services, sources_apps, yearend
from jishi.reports.models import Bulletin, BulletinVersion

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


# --- bulletins ----------------------------------------------------------------------------------


def _bulletin(request: HttpRequest, pk: int) -> Bulletin:
    found = get_object_or_404(Bulletin, pk=pk)
    if not found.versions.exists() and not selectors.may_see_all(_user(request)):
        raise Http404  # a draft is the county office's until issued
    return found


def _version(request: HttpRequest, found: Bulletin) -> BulletinVersion | None:
    number = request.GET.get("v")
    if number and number.isdigit():
        return get_object_or_404(found.versions, number=int(number))
    if not selectors.may_see_all(_user(request)):
        return found.versions.order_by("-number").first()
    return None


@login_required
@require_http_methods(["GET", "POST"])
def bulletins(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    may_generate = selectors.may_see_all(user)
    if request.method == "POST":
        if not may_generate:
            raise PermissionDenied("只有县级岗位可以生成通报")
        default = selectors.DateRange.month(selectors.add_months(selectors.today(), -1))
        dates = selectors.parse_range(request.POST, default)
        made = services.bulletin_generate(actor=user, dates=dates)
        return redirect("reports:bulletin", made.pk)
    listed = Bulletin.objects.annotate(n_versions=Count("versions"))
    if not may_generate:
        listed = listed.filter(n_versions__gt=0)
    last_month = selectors.add_months(selectors.today(), -1)
    return render(
        request,
        "reports/bulletins.html",
        {"bulletins": listed, "may_generate": may_generate, "month": f"{last_month:%Y-%m}"},
    )


def _content(
    request: HttpRequest, found: Bulletin, version: BulletinVersion | None
) -> dict[str, Any]:
    """What the reader gets of a bulletin: as computed or issued, except an old version's
    accountability records, which only those who may see the records read one by one
    (``sources_apps.accountability_counted``)."""
    content = version.content if version is not None else found.content
    if project_selectors.may_see_accountability(_user(request)):
        return content
    return sources_apps.accountability_counted(content)


@login_required
@require_GET
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    found = _bulletin(request, pk)
    version = _version(request, found)
    query = f"?v={version.number}" if version else ""
    return render(
        request,
        "reports/bulletin.html",
        {
            "bulletin": found,
            "version": version,
            "versions": list(found.versions.select_related("issued_by")),
            "content": _content(request, found, version),
            "may_issue": services.may_issue(_user(request)),
            "pdf_url": reverse("reports:bulletin_pdf", args=[pk]) + query,
            "xlsx_url": reverse("reports:bulletin_xlsx", args=[pk]) + query,
        },
    )


@login_required
@require_GET
def bulletin_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    found = _bulletin(request, pk)
    version = _version(request, found)
    data = exports.bulletin_pdf(
        _content(request, found, version),
        sha256=version.sha256 if version else "",
        version=version.number if version else None,
    )
    response = HttpResponse(data, content_type="application/pdf")
    suffix = f"-v{version.number}" if version else "-draft"
    response["Content-Disposition"] = f'inline; filename="bulletin-{found.first:%Y%m}{suffix}.pdf"'
    return response


@login_required
@require_GET
def bulletin_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    found = _bulletin(request, pk)
    version = _version(request, found)
    data = exports.bulletin_workbook(
        _content(request, found, version), sha256=version.sha256 if version else ""
    )
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="bulletin-{found.first:%Y%m}.xlsx"'
    return response


@login_required
@require_POST
def bulletin_issue(request: HttpRequest, pk: int) -> HttpResponse:
    version = services.bulletin_issue(
        actor=_user(request), bulletin_id=pk, next_steps=request.POST.get("next_steps", "")
    )
    messages.success(request, _("通报已发布"))
    return redirect(reverse("reports:bulletin", args=[pk]) + f"?v={version.number}")


@login_required
@require_POST
def bulletin_correct(request: HttpRequest, pk: int) -> HttpResponse:
    version = services.bulletin_correct(
        actor=_user(request),
        bulletin_id=pk,
        reason=request.POST.get("reason", ""),
        next_steps=request.POST.get("next_steps"),
    )
    messages.success(request, _("更正版本已发布"))
    return redirect(reverse("reports:bulletin", args=[pk]) + f"?v={version.number}")


# --- dashboards -------------------------------------------------------------------------------


def _chart_view(chart: dashboard.Chart) -> dict[str, Any]:
    rows = []
    for i, name in enumerate(chart.categories):
        link = chart.links[i] if i < len(chart.links) else ""
        rows.append((name, [s["data"][i] for s in chart.series], link))
    return {"key": chart.key, "title": chart.title, "series": chart.series, "rows": rows}


@login_required
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    today = selectors.today()
    default = selectors.DateRange(selectors.add_months(today.replace(day=1), -11), today)
    dates = selectors.parse_range(request.GET, default)
    county_wide = selectors.may_see_all(user)
    unit_id = request.GET.get("unit", "")
    filters: dict[str, Any] = {}
    if county_wide and unit_id.isdigit():
        filters["unit"] = int(unit_id)
    total = selectors.figure_rows(user, dates.period, filters=filters)[None]
    month_range = selectors.DateRange(
        max(dates.first, dates.last - timedelta(weeks=12)), dates.last
    )
    township = dashboard.breakdown(user, dates, "township", filters, kind="treemap")
    township.title = "乡镇分布"
    charts = [
        dashboard.trend(user, dates, "month", filters),
        dashboard.trend(user, month_range, "week", filters),
        dashboard.breakdown(user, dates, "channel", filters),
        dashboard.breakdown(user, dates, "kind", filters, kind="pie"),
        dashboard.breakdown(user, dates, "category", filters),
        township,
        dashboard.ageing(user, filters),
        dashboard.hotspots(),
        dashboard.ratings(dates),
    ]
    for chart in charts:
        if chart.kind == "pie" and len(chart.series) > 1:
            chart.series = chart.series[:1]
        if chart.kind == "treemap":
            chart.series = chart.series[:1]

    def kpi(key: str) -> tuple[Any, Any, str]:
        if key in metrics.RATES:
            rate = metrics.RATES[key]
            return (
                rate.name,
                pct(total.rate(key)),
                selectors.ledger_link(rate.numerator, dates, filters),
            )
        return (
            metrics.METRICS[key].name,
            total.count(key),
            selectors.ledger_link(key, dates, filters),
        )

    kpis = [
        kpi(k)
        for k in (
            "received",
            "closed",
            "response_rate",
            "on_time_rate",
            "solved_rate",
            "satisfied_rate",
            "no_callback_share",
        )
    ]
    # The ageing chart counts the same cases: every overdue case is in one of its buckets.
    [ageing] = [c for c in charts if c.key == "ageing"]
    kpis.append(
        (
            metrics.SNAPSHOTS["overdue_now"],
            sum(ageing.series[0]["data"]),
            selectors.ledger_link("overdue_now", None, filters),
        )
    )
    # Units that lead any case: one index probe per unit, not a join over the cases.
    units = (
        Unit.objects.filter(Exists(Case.objects.filter(lead_unit_id=OuterRef("pk")))).order_by(
            "name"
        )
        if county_wide
        else []
    )
    query = request.GET.copy()
    query.pop("screen", None)
    return render(
        request,
        "reports/dashboard.html",
        {
            "dates": dates,
            "charts": [_chart_view(c) for c in charts],
            "chart_data": [c.as_json() for c in charts],
            "kpis": kpis,
            "units": units,
            "unit": filters.get("unit"),
            "screen": request.GET.get("screen") == "1",
            "query": query.urlencode(),
        },
    )


@require_GET
def public_stats(request: HttpRequest) -> HttpResponse:
    """Citizens' statistics: county-wide, no case, no person, small numbers suppressed."""
    default = selectors.DateRange.month(selectors.add_months(selectors.today(), -1))
    dates = selectors.parse_range({"month": request.GET.get("month")}, default)
    if dates.first > selectors.today():
        dates = default
    return render(
        request,
        "reports/public.html",
        {
            "dates": dates,
            "month": f"{dates.first:%Y-%m}",
            "figures": dashboard.public_figures(dates),
            "floor": dashboard.SUPPRESS_BELOW,
        },
    )


# --- the year-end summary ----------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    value = request.GET.get("year", "")
    this_year = selectors.today().year
    return int(value) if value.isdigit() and 1990 <= int(value) <= this_year else this_year


@login_required
@require_GET
def year_summary(request: HttpRequest) -> HttpResponse:
    if not selectors.may_see_all(_user(request)):
        raise PermissionDenied("年终总结为全县数字，仅县级岗位可查看")
    year = _year(request)
    return render(
        request,
        "reports/yearend.html",
        {"year": year, "sentences": yearend.summary(year), "links": True},
    )


@login_required
@require_GET
def year_summary_pdf(request: HttpRequest) -> HttpResponse:
    if not selectors.may_see_all(_user(request)):
        raise PermissionDenied("年终总结为全县数字，仅县级岗位可查看")
    year = _year(request)
    data = pdf_from_template(
        "reports/yearend_pdf.html", {"year": year, "sentences": yearend.summary(year)}
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="year-{year}.pdf"'
    return response
