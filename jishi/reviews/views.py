"""The console's review pages: parse, call one service or selector, render.

好差评 home (my duty at a window, my windows this month, open rectifications, comments, and
for the supervision office appeals, flags and reports), a window's page (QR code, posters,
kiosks), the figures (each a link to the ratings behind it), ratings, appeals, reports and
the month's complaint themes.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jishi.cases import services as case_services
from jishi.cases.models import OPEN_STATES
from jishi.common.documents import qr_data_uri
from jishi.common.errors import InvalidInput, NotFound
from jishi.common.http import local_next
from jishi.orgs.access import is_county_wide
from jishi.reviews import exports, imports, policy, selectors, services, themes
from jishi.reviews.forms import RosterForm
from jishi.reviews.models import (
    AppealState,
    KioskDevice,
    Rating,
    RatingChannel,
    ServicePoint,
    Shift,
)
from jishi.reviews.poster import poster_pdf
from jishi.reviews.views_public import point_url

RATINGS_PER_PAGE = 30
GROUP_LABELS = {
    "point": gettext_lazy("窗口"),
    "staff": gettext_lazy("工作人员"),
    "unit": gettext_lazy("责任单位"),
    "item": gettext_lazy("服务事项"),
    "channel": gettext_lazy("评价方式"),
    "month": gettext_lazy("月份"),
}


def _user(request: HttpRequest) -> Any:
    return request.user


def _point(request: HttpRequest, pk: int) -> ServicePoint:
    return get_object_or_404(selectors.points_visible_to(_user(request)), pk=pk)


# --- home ------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    month = selectors.this_month()
    period = selectors.month_bounds(month)
    points = selectors.points_visible_to(user)
    ratings = selectors.ratings_visible_to(user)
    rows = selectors.label_groups(selectors.figures(ratings, by="point", period=period), "point")
    by_point = {row.key: row for row in rows}
    windows = [(p, by_point.get(p.pk)) for p in points.filter(active=True)[:200]]
    open_bad = (
        ratings.filter(
            follows__isnull=True, level__lte=2, rectification__state__in=list(OPEN_STATES)
        )
        .exclude(appeal_state=AppealState.UPHELD)
        .select_related("point", "point__unit", "rectification")
        .order_by("rectification__handling_due", "id")
    )
    shift = (
        Shift.objects.filter(user=user, ended_at__isnull=True).select_related("point__unit").first()
    )
    workplaces = [p for p in points.filter(active=True)[:50] if services.works_at(user, p)]
    office = policy.is_supervision_office(user)
    context = {
        "month": month,
        "windows": windows,
        "open_bad": list(open_bad[:30]),
        "open_bad_count": open_bad.count(),
        "comments": selectors.bad_comments(ratings.filter(created_at__gte=period[0]))[:30],
        "shift": shift,
        "workplaces": workplaces,
        "office": office,
        "appeals": selectors.appeals_visible_to(user).filter(state=AppealState.PENDING)[:20]
        if office
        else [],
        "flags": selectors.flags_for(user).filter(month=month)[:20],
        "reports_count": selectors.reports_visible_to(user).count() if office else 0,
        "county_wide": is_county_wide(user),
    }
    return render(request, "reviews/index.html", context)


@login_required
@require_POST
def shift_start(request: HttpRequest, pk: int) -> HttpResponse:
    point = _point(request, pk)
    services.shift_start(actor=_user(request), point=point)
    messages.success(request, _("已在%(window)s上岗，评价将记在您名下。") % {"window": point.name})
    return redirect("reviews:index")


@login_required
@require_POST
def shift_end(request: HttpRequest) -> HttpResponse:
    services.shift_end(actor=_user(request))
    messages.success(request, _("已离岗。"))
    return redirect("reviews:index")


@login_required
@require_POST
def occasion_done(request: HttpRequest, pk: int) -> HttpResponse:
    """办结一次服务: the window's kiosk now asks the citizen for a rating."""
    point = _point(request, pk)
    services.occasion_record(point=point, actor=_user(request))
    messages.success(request, _("已记录一次服务，请群众在评价器上评价。"))
    return redirect(local_next(request, reverse("reviews:index")))


ROSTER_MAX_BYTES = 5 * 1024 * 1024


@login_required
@require_http_methods(["GET", "POST"])
def roster(request: HttpRequest) -> HttpResponse:
    """Import the windows' roster (排班表); the week ahead as it stands."""
    user = _user(request)
    posted = request.method == "POST"
    form = RosterForm(request.POST, request.FILES) if posted else RosterForm()
    lines: list[str] = []
    ok = False
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > ROSTER_MAX_BYTES:
            form.add_error("file", _("文件超过 5 MB，请只导入需要的排班"))
        else:
            report = imports.roster_import(
                actor=user,
                data=upload.read(),
                filename=upload.name,
                good_rows_only=form.cleaned_data["good_rows_only"],
            )
            lines, ok = report.lines(), report.written
    context = {
        "form": form,
        "lines": lines,
        "ok": ok,
        "shifts": selectors.roster_ahead(user)[:200],
        "columns": imports.ROSTER_COLUMNS,
    }
    return render(request, "reviews/roster.html", context, status=400 if posted and not ok else 200)


# --- a window --------------------------------------------------------------------------------


@login_required
@require_GET
def point_detail(request: HttpRequest, pk: int) -> HttpResponse:
    point = _point(request, pk)
    user = _user(request)
    url = point_url(request, point)
    return render(
        request,
        "reviews/point.html",
        {
            "point": point,
            "url": url,
            "qr": qr_data_uri(url, scale=6),
            "may_manage": services.may_manage(user, point),
            "kiosks": point.kiosks.filter(active=True),
            "items": point.items.order_by("code"),
            "on_duty": services.on_duty(point),
            "works_here": services.works_at(user, point),
            "new_kiosk_url": request.session.pop("reviews_new_kiosk", ""),
        },
    )


@login_required
@require_POST
def point_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    point = _point(request, pk)
    services.point_reissue_code(actor=_user(request), point=point)
    messages.success(request, _("已生成新的二维码，旧海报上的二维码已失效，请重新打印张贴。"))
    return redirect("reviews:point", pk=pk)


@login_required
@require_POST
def kiosk_register(request: HttpRequest, pk: int) -> HttpResponse:
    point = _point(request, pk)
    _device, token = services.kiosk_register(
        actor=_user(request), point=point, name=str(request.POST.get("name", ""))
    )
    # Shown once, on the next page: the token is stored only as a hash.
    request.session["reviews_new_kiosk"] = request.build_absolute_uri(
        reverse("rate:kiosk", args=[token])
    )
    return redirect("reviews:point", pk=pk)


@login_required
@require_POST
def kiosk_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    device = get_object_or_404(
        KioskDevice.objects.filter(point__in=selectors.points_visible_to(_user(request))), pk=pk
    )
    services.kiosk_revoke(actor=_user(request), device=device)
    messages.success(request, _("评价器已停用。"))
    return redirect("reviews:point", pk=device.point_id)


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


@login_required
@require_GET
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    point = _point(request, pk)
    return _pdf(
        poster_pdf([point], lambda p: point_url(request, p)), f"poster-{point.unit.code}.pdf"
    )


@login_required
@require_GET
def hall_posters(request: HttpRequest, unit_id: int) -> HttpResponse:
    """One PDF with a poster for every window of a hall (or service centre)."""
    points = list(
        selectors.points_visible_to(_user(request)).filter(unit__parent_id=unit_id, active=True)
    )
    if not points:
        raise Http404
    return _pdf(poster_pdf(points, lambda p: point_url(request, p)), f"posters-{unit_id}.pdf")


# --- figures and ratings ---------------------------------------------------------------------


def _filters(request: HttpRequest) -> dict[str, str]:
    keep = ("point", "staff", "unit", "item", "channel", "month")
    return {k: str(request.GET[k]) for k in keep if request.GET.get(k)}


def _filtered(
    request: HttpRequest, ratings: QuerySet[Rating], *, default_month: str = ""
) -> tuple[QuerySet[Rating], Any]:
    """Ratings narrowed by the query's filters; the month's bounds (or None: all time)."""
    params = _filters(request)
    if default_month and "month" not in params:
        params["month"] = default_month
    for name in ("point", "staff", "unit", "item"):
        if name in params:
            if not params[name].isdigit():
                raise Http404
            ratings = ratings.filter(**{f"{name}_id": int(params[name])})
    if "channel" in params:
        if params["channel"] not in RatingChannel.values:
            raise Http404
        ratings = ratings.filter(channel=params["channel"])
    period = None
    if "month" in params:
        month = selectors.parse_month(params["month"], selectors.this_month())
        period = selectors.month_bounds(month)
        ratings = ratings.filter(created_at__gte=period[0], created_at__lt=period[1])
    return ratings, period


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    by = request.GET.get("by") or "point"
    if by not in selectors.GROUPS:
        by = "point"
    ratings, period = _filtered(
        request,
        selectors.ratings_visible_to(user),
        default_month=f"{selectors.this_month():%Y-%m}",
    )
    rows = selectors.label_groups(selectors.figures(ratings, by=by, period=period), by)
    [total] = selectors.figures(ratings, period=period) or [selectors.Figures(key=None)]
    base = (
        {**_filters(request), "month": request.GET.get("month") or selectors.month_label(period[0])}
        if period
        else _filters(request)
    )
    if request.GET.get("format") == "xlsx":
        title = _("好差评统计（%(month)s，按%(by)s）") % {
            "month": base.get("month", ""),
            "by": GROUP_LABELS[by],
        }
        data = exports.figures_workbook(title, [*rows, total], selectors.definition_text())
        response = HttpResponse(
            data,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="reviews.xlsx"'
        return response
    column = {
        "point": "point",
        "staff": "staff",
        "unit": "unit",
        "item": "item",
        "channel": "channel",
    }

    def link(row_key: Any, measure: str) -> str:
        params = dict(base)
        if row_key is not None and by in column:
            params[column[by]] = str(row_key)
        if row_key is not None and by == "month":
            params["month"] = selectors.month_label(row_key)
        params["measure"] = measure
        return reverse("reviews:ratings") + "?" + urlencode(params)

    table = [
        {"row": row, "links": {m: link(row.key, m) for m in selectors.MEASURES}} for row in rows
    ]
    return render(
        request,
        "reviews/figures.html",
        {
            "table": table,
            "total": {"row": total, "links": {m: link(None, m) for m in selectors.MEASURES}},
            "by": by,
            "groups": list(GROUP_LABELS.items()),
            "month": base.get("month", ""),
            "definition": selectors.definition_text(),
            "export_url": request.path + "?" + urlencode({**base, "by": by, "format": "xlsx"}),
        },
    )


@login_required
@require_GET
def ratings(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    qs, _period = _filtered(request, selectors.ratings_visible_to(user))
    measure = request.GET.get("measure") or "all"
    if measure not in selectors.MEASURES:
        measure = "all"
    ids = [int(i) for i in request.GET.get("ids", "").split(",")[:500] if i.isdigit()]
    if ids:
        qs = qs.filter(pk__in=ids)
    qs = selectors.ratings_for_measure(qs, measure)
    page = Paginator(selectors.rating_rows(qs), RATINGS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/ratings.html",
        {"page": page, "measure": measure, "count": page.paginator.count},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rating_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    rating = selectors.rating_for(user, pk)
    if rating is None:
        raise Http404
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        try:
            services.appeal_request(
                actor=user,
                rating=rating,
                reason=str(request.POST.get("reason", "")),
                evidence=str(request.POST.get("evidence", "")),
                photos=[case_services.Upload.of(f) for f in request.FILES.getlist("photos")],
            )
        except InvalidInput as exc:
            errors = exc.errors or {"__all__": [exc.message]}
        else:
            messages.success(request, _("申诉已提交，由监督单位复核。"))
            return redirect("reviews:rating", pk=pk)
    appeal = getattr(rating, "appeal", None) if hasattr(rating, "appeal") else None
    return render(
        request,
        "reviews/rating.html",
        {
            "rating": rating,
            "appeal": appeal,
            "may_appeal": rating.bad
            and rating.follows_id is None
            and appeal is None
            and services.works_at(user, rating.point),
            "may_decide": appeal is not None
            and appeal.state == AppealState.PENDING
            and policy.is_supervision_office(user),
            "errors": errors,
            "general_errors": errors.get("__all__", []),
            "events": rating.events.order_by("created_at", "id"),
            "follow_up": Rating.objects.filter(follows=rating).first(),
        },
        status=422 if errors else 200,
    )


@login_required
@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    appeal = get_object_or_404(selectors.appeals_visible_to(user), pk=pk)
    try:
        services.appeal_decide(
            actor=user,
            appeal=appeal,
            uphold=request.POST.get("decision") == "uphold",
            reason=str(request.POST.get("reason", "")),
        )
    except InvalidInput as exc:
        messages.error(
            request, "；".join(m for ms in exc.errors.values() for m in ms) or exc.message
        )
    else:
        messages.success(request, _("复核结果已记录。"))
    return redirect("reviews:rating", pk=appeal.rating_id)


@login_required
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    if not policy.is_supervision_office(user):
        raise NotFound("页面不存在")
    page = Paginator(selectors.reports_visible_to(user), 30).get_page(request.GET.get("page"))
    return render(request, "reviews/reports.html", {"page": page})


@login_required
@require_POST
def report_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    report = get_object_or_404(selectors.reports_visible_to(user), pk=pk)
    name, phone = services.reporter_reveal(actor=user, report=report)
    return render(request, "reviews/_reporter.html", {"name": name, "phone": phone})


@login_required
@require_GET
def comment_themes(request: HttpRequest) -> HttpResponse:
    """The month's top complaint themes of bad ratings, per hall and per unit."""
    user = _user(request)
    month = selectors.parse_month(request.GET.get("month"), selectors.this_month())
    start, end = selectors.month_bounds(month)
    ratings = selectors.ratings_visible_to(user).filter(created_at__gte=start, created_at__lt=end)
    groups = themes.themes_by(selectors.bad_comments(ratings))
    return render(
        request,
        "reviews/themes.html",
        {"month": month, "groups": groups, "ratings_url": reverse("reviews:ratings")},
    )
