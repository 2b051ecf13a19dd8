"""台账: the filterable, sortable list of every case a user may see, and its Excel exports.

Thin views: parse the query string with ``LedgerFilterForm``, get rows from
``ledger_cases`` (which starts from ``cases_visible_to``), render.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from jishi.cases import display
from jishi.cases.models import Case
from jishi.cases.models_export import ExportStatus, LedgerExport
from jishi.cases.selectors import attach_references
from jishi.common import clock
from jishi.console import exports, tasks
from jishi.console.forms_ledger import LedgerFilterForm, answered_late_condition, ledger_cases
from jishi.console.selectors import case_urls
from jishi.orgs.http import StaffRequest
from jishi.workdays.selectors import get_calendar

# Counting stops here: past it the page says "10,000+" instead of scanning every row, and
# pages go no deeper (OFFSET past it gets slow; narrowing the filters is the better tool).
COUNT_CAP = 10_000
RESULTS_ID = "ledger-results"
# What a ledger row shows (``ledger_rows.html``) and its deadline light need; nothing else is read
# (a case has some forty columns, eight of them timestamps).
ROW_FIELDS = (
    "code",
    "title",
    "kind",
    "channel",
    "category",
    "township",
    "village",
    "lead_unit",
    "state",
    "accepted_at",
    "response_due",
    "handling_due",
    "reopen_count",
    "supervised",
)


@dataclass(frozen=True)
class Row:
    case: Case
    url: str
    badge: str
    due: datetime | None
    light: str | None
    light_label: str


def _rows(cases: Sequence[Case]) -> list[Row]:
    now, calendar = clock.now(), get_calendar()
    url_for = case_urls()
    rows = []
    for case in cases:
        due, light, label = display.ledger_deadline(case, now, calendar)
        url = url_for(case.code)
        rows.append(Row(case, url, display.state_badge(case.state), due, light, label))
    return rows


def _page(queryset: QuerySet[Case], offset: int, per_page: int) -> tuple[list[Case], bool]:
    """One page of rows, and whether there are more.

    The page's ids first (filter, sort and limit over the case table alone), then those
    rows with their lateness: otherwise PostgreSQL may join every matching row (thousands,
    for a common word) before sorting and keeping a hundred. Units and category come from
    the in-memory tables.
    """
    ids = list(queryset.values_list("pk", flat=True)[offset : offset + per_page + 1])
    more = len(ids) > per_page
    ids = ids[:per_page]
    rows = list(
        Case.objects.filter(pk__in=ids)
        .only(*ROW_FIELDS)
        .annotate(answered_late=answered_late_condition())
    )
    attach_references(rows)
    by_pk = {case.pk: case for case in rows}
    return [by_pk[pk] for pk in ids], more


def _page_number(request: HttpRequest, per_page: int) -> int:
    try:
        number = int(request.GET.get("page", "1"))
    except ValueError:
        number = 1
    return max(1, min(number, COUNT_CAP // per_page))


def _capped_count(queryset: QuerySet[Case]) -> int:
    """The row count, up to ``COUNT_CAP + 1`` (a LIMITed subquery, never a full COUNT)."""
    return queryset.order_by().values("pk")[: COUNT_CAP + 1].count()


def _query_without(request: HttpRequest, *names: str) -> list[tuple[str, str]]:
    return [(k, v) for k, values in request.GET.lists() if k not in names for v in values]


def _page_url(request: HttpRequest, number: int) -> str:
    query = request.GET.copy()
    query["page"] = str(number)
    return f"{request.path}?{query.urlencode()}"


@login_required
@require_GET
def ledger(request: StaffRequest) -> HttpResponse:
    """The ledger list; an htmx request aimed at the results gets only the results."""
    form = LedgerFilterForm(request.GET or None)
    queryset = ledger_cases(request.user, form)
    per_page = form.page_size
    number = _page_number(request, per_page)
    offset = (number - 1) * per_page
    cases, more = _page(queryset, offset, per_page)
    # A short first page is its own count; otherwise count, capped.
    total = len(cases) if number == 1 and not more else _capped_count(queryset)
    capped = total > COUNT_CAP
    last_page = max(1, -(-min(total, COUNT_CAP) // per_page))
    context: dict[str, Any] = {
        "form": form,
        "rows": _rows(cases),
        "total": min(total, COUNT_CAP),
        "capped": capped,
        "page_number": number,
        "last_page": last_page,
        "previous_url": _page_url(request, number - 1) if number > 1 else "",
        "next_url": _page_url(request, number + 1) if more and number < last_page else "",
        "export_params": _query_without(request, "page", "per_page"),
        "sync_limit": exports.SYNC_LIMIT,
        "results_id": RESULTS_ID,
        "filtered": bool(
            form.is_bound
            and any(v for k, v in form.filters.items() if k not in ("sort", "per_page"))
        ),
    }
    context.update(_figure_context(request, form))
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and htmx.target == RESULTS_ID  # type: ignore[union-attr]
    context["partial"] = partial
    template = "console/ledger_rows.html" if partial else "console/ledger.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _figure_context(request: HttpRequest, form: LedgerFilterForm) -> dict[str, Any]:
    """A report figure's link: its name shown, its parameters kept as the filters change."""
    figure = form.filters.get("figure")
    if not figure:
        return {"figure_label": "", "figure_params": []}
    label = dict(form.fields["figure"].choices).get(figure, figure)  # type: ignore[attr-defined]
    params = [(k, v) for k, v in request.GET.items() if k.startswith("figure") and v]
    return {"figure_label": label, "figure_params": params}


@login_required
@require_POST
def ledger_export(request: StaffRequest) -> HttpResponse | FileResponse:
    """Export exactly the filtered rows: small sets now, large ones in the background."""
    params = dict(request.POST.lists())
    queryset = exports.export_queryset(request.user, params)
    if queryset.order_by().values("pk")[: exports.SYNC_LIMIT + 1].count() <= exports.SYNC_LIMIT:
        # FileResponse closes the file once it has been sent.
        out = tempfile.TemporaryFile()  # noqa: SIM115
        exports.write_workbook(queryset.iterator(chunk_size=500), out)
        out.seek(0)
        return FileResponse(
            out,
            as_attachment=True,
            filename=exports.download_name(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    export = tasks.start_export(request.user, params)
    return redirect("console:ledger_export_status", pk=export.pk)


def _own_export(request: HttpRequest, pk: int) -> LedgerExport:
    # Someone else's export is "not found", never "forbidden".
    return get_object_or_404(LedgerExport, pk=pk, user_id=request.user.pk)


@login_required
@require_GET
def ledger_export_status(request: StaffRequest, pk: int) -> HttpResponse:
    """Progress of a background export; htmx polls the partial every 2 seconds until done."""
    export = _own_export(request, pk)
    query = urlencode([(k, v) for k, values in export.filters.items() for v in values])
    context = {
        "export": export,
        "back_url": reverse("console:ledger") + (f"?{query}" if query else ""),
    }
    htmx = getattr(request, "htmx", None)
    template = "console/export_status.html" if htmx else "console/ledger_export.html"
    return render(request, template, context)


@login_required
@require_GET
def ledger_export_download(request: StaffRequest, pk: int) -> FileResponse:
    export = _own_export(request, pk)
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=exports.download_name(export.created_at),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
