"""What a citizen sees after scanning a window's code: rate the service, report misconduct,
rate the fix later; the kiosk at the window; the monthly disclosure. No sign-in, no
script: every page works as a plain form on a weak connection.

A phone is recognised by a signed random id in a cookie (and, for browsers that refuse
cookies, in the form): one rating per device per window per service occasion.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jishi.cases import services as case_services
from jishi.common import ratelimit
from jishi.common.errors import InvalidInput, NotFound
from jishi.reviews import policy, selectors, services, tasks, tokens
from jishi.reviews.exports import figures_workbook
from jishi.reviews.forms import FollowUpForm, RatingForm, ReportForm, add_service_errors
from jishi.reviews.models import Level, Rating, RatingChannel, ServicePoint

DEVICE_COOKIE = "jishi_rater"
DEVICE_MAX_AGE = 365 * 24 * 3600


def _device(request: HttpRequest) -> str:
    """This phone's signed id: from its cookie, else from the form, else a new one."""
    signed = request.COOKIES.get(DEVICE_COOKIE, "")
    if tokens.device_key(signed):
        return signed
    posted = str(request.POST.get("device", ""))
    if tokens.device_key(posted):
        return posted
    request._new_device = True  # type: ignore[attr-defined]
    return tokens.new_device_id()


def _with_device(request: HttpRequest, response: HttpResponse, signed: str) -> HttpResponse:
    if request.COOKIES.get(DEVICE_COOKIE) != signed:
        response.set_cookie(
            DEVICE_COOKIE,
            signed,
            max_age=DEVICE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


def _invalid_code(request: HttpRequest, exc: tokens.BadCode) -> HttpResponse:
    status = 410 if exc.revoked else 404
    return render(request, "reviews/code_invalid.html", {"revoked": exc.revoked}, status=status)


def _point_context(point: ServicePoint) -> dict[str, Any]:
    shift = services.on_duty(point)
    return {
        "point": point,
        "hall": point.unit.parent,
        "on_duty": shift.user if shift is not None else None,
        "items": list(point.items.filter(active=True).order_by("code")[:12]),
    }


def _levels(form: Any) -> list[dict[str, Any]]:
    chosen = str(form["level"].value() or "")
    return [
        {"value": value, "label": label, "checked": str(value) == chosen}
        for value, label in Level.choices
    ]


@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, token: str) -> HttpResponse:
    """扫码评价: five levels; reasons and a comment for the bottom two; a phone, optional."""
    try:
        point = services.point_for_token(token)
    except tokens.BadCode as exc:
        return _invalid_code(request, exc)
    signed = _device(request)
    if request.method == "GET":
        form = RatingForm(
            point=point,
            initial={"submission_key": secrets.token_urlsafe(18), "device": signed},
        )
        return _with_device(request, _rate_page(request, point, token, form), signed)
    form = RatingForm(request.POST, point=point)
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        rating: Rating | None
        try:
            rating = services.rating_submit(
                point=point,
                level=data["level"],
                reasons=data["reasons"],
                comment=data["comment"],
                phone=data["phone"],
                item=data["item"],
                channel=_channel(request),
                device_key=tokens.device_key(signed),
                address=ratelimit.client_ip(request),
                submission_key=data["submission_key"] or "",
                rater=request.user if request.user.is_authenticated else None,
            )
        except services.AlreadyRated as exc:
            rating = exc.rating
        except InvalidInput as exc:
            add_service_errors(form, exc.errors, exc.message)
            rating = None
            status = exc.status if isinstance(exc, services.TooFrequent) else status
        if rating is not None:
            response = redirect("rate:thanks", token=tokens.follow_up_token(rating.pk))
            return _with_device(request, response, signed)
    return _with_device(request, _rate_page(request, point, token, form, status), signed)


def _channel(request: HttpRequest) -> str:
    """Reached from the portal's list of windows, or by scanning the window's code."""
    return RatingChannel.PORTAL if request.GET.get("via") == "portal" else RatingChannel.QR


@require_GET
def windows(request: HttpRequest) -> HttpResponse:
    """服务评价 from the portal: pick the hall and the window that served you."""
    return render(request, "reviews/windows.html", {"halls": selectors.public_windows()})


def _rate_page(
    request: HttpRequest, point: ServicePoint, token: str, form: RatingForm, status: int = 200
) -> HttpResponse:
    context = {
        **_point_context(point),
        "form": form,
        "levels": _levels(form),
        "token": token,
    }
    return render(request, "reviews/rate.html", context, status=status)


@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, token: str) -> HttpResponse:
    """The rater's page after rating: thanks, the rectification's progress, and the one
    follow-up rating (追评) once the unit has answered."""
    try:
        rating_id = tokens.read_follow_up_token(token)
    except tokens.BadCode as exc:
        return _invalid_code(request, exc)
    rating = (
        Rating.objects.select_related(
            "point", "point__unit", "point__unit__parent", "rectification"
        )
        .filter(pk=rating_id, follows__isnull=True)
        .first()
    )
    if rating is None:
        return _invalid_code(request, tokens.BadCode(revoked=False))
    done = Rating.objects.filter(follows=rating).first()
    case = rating.rectification
    replied = case is not None and case.state in ("replied", "closed")
    form = FollowUpForm(request.POST or None)
    status = 200
    if request.method == "POST" and done is None:
        status = 422
        if form.is_valid():
            try:
                done = services.follow_up_submit(
                    rating=rating,
                    level=form.cleaned_data["level"],
                    comment=form.cleaned_data["comment"],
                )
            except InvalidInput as exc:
                add_service_errors(form, exc.errors, exc.message)
            else:
                return redirect(request.path)
    reply = ""
    if case is not None and replied:
        last = case.events.filter(kind="reply").order_by("-seq").first()
        reply = str(last.payload.get("text", "")) if last is not None else ""
    return render(
        request,
        "reviews/follow_up.html",
        {
            "rating": rating,
            "point": rating.point,
            "hall": rating.point.unit.parent,
            "case": case,
            "replied": replied,
            "reply": reply,
            "done": done,
            "form": form,
            "levels": _levels(form),
            "link": request.build_absolute_uri(),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, token: str) -> HttpResponse:
    """码上监督 举报: straight to the supervision office, never to the window's unit."""
    try:
        point = services.point_for_token(token)
    except tokens.BadCode as exc:
        return _invalid_code(request, exc)
    signed = _device(request)
    if request.method == "GET":
        form = ReportForm(initial={"device": signed})
        context = {**_point_context(point), "form": form, "token": token}
        return _with_device(request, render(request, "reviews/report.html", context), signed)
    form = ReportForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            made = services.misconduct_report(
                point=point,
                text=data["text"],
                reporter_name=data["reporter_name"],
                reporter_phone=data["reporter_phone"],
                photos=[case_services.Upload.of(f) for f in data["photos"]],
                device_key=tokens.device_key(signed),
                address=ratelimit.client_ip(request),
            )
        except InvalidInput as exc:
            add_service_errors(form, exc.errors, exc.message)
        else:
            return render(
                request,
                "reviews/report_done.html",
                {**_point_context(point), "code": made.case.code},
            )
    if request.FILES:
        form.add_error("photos", _("请重新选择照片"))
    context = {**_point_context(point), "form": form, "token": token}
    return _with_device(
        request, render(request, "reviews/report.html", context, status=422), signed
    )


def point_url(request: HttpRequest, point: ServicePoint) -> str:
    """The address a window's QR code holds."""
    return request.build_absolute_uri(
        reverse("rate:rate", args=[tokens.qr_token(point.pk, point.qr_key)])
    )


# --- the kiosk (评价器) ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def kiosk(request: HttpRequest, token: str) -> HttpResponse:
    """The tablet at the window: waits for a service to be done, then five large faces.
    Without script: it reloads itself every few seconds while waiting."""
    try:
        device = services.kiosk_for_token(token)
    except NotFound:
        return render(request, "reviews/code_invalid.html", {"revoked": True}, status=410)
    point = device.point
    if request.method == "POST" and request.POST.get("action") == "done":
        services.occasion_record(point=point, kiosk=device)
        return redirect("rate:kiosk", token=token)
    occasion = services.pending_occasion(device)
    context: dict[str, Any] = {
        **_point_context(point),
        "token": token,
        "occasion": occasion,
        "faces": Level.choices,
    }
    if request.method == "POST" and request.POST.get("action") == "rate":
        form = RatingForm(request.POST, point=point)
        level = str(request.POST.get("level", ""))
        wanted = str(request.POST.get("occasion", ""))
        if occasion is None or str(occasion.pk) != wanted:
            context["message"] = _("这次服务已经评价过了，谢谢！")
            return render(request, "reviews/kiosk_thanks.html", context)
        if level in ("1", "2") and not request.POST.get("detail"):
            # The bottom two ask why, on the next screen.
            form = RatingForm(initial={"level": int(level)}, point=point)
            return render(request, "reviews/kiosk.html", {**context, "form": form, "level": level})
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.rating_submit(
                    point=point,
                    level=data["level"],
                    reasons=data["reasons"],
                    comment=data["comment"],
                    phone=data["phone"],
                    channel=RatingChannel.KIOSK,
                    occasion=occasion,
                )
            except InvalidInput as exc:
                add_service_errors(form, exc.errors, exc.message)
            else:
                context["message"] = _("感谢您的评价！")
                return render(request, "reviews/kiosk_thanks.html", context)
        return render(
            request, "reviews/kiosk.html", {**context, "form": form, "level": level}, status=422
        )
    return render(request, "reviews/kiosk.html", context)


# --- the monthly disclosure (每月公开) ----------------------------------------------------------


@dataclass(frozen=True)
class PublicRow:
    rank: int | None
    figures: selectors.Figures


def _disclosure(month: dt.date) -> tuple[selectors.Figures, list[PublicRow], int, Any]:
    """The month's figures per responsible unit, no personal data: units with enough
    ratings ranked by good-rating rate (then rectification rate), the rest listed after."""
    stored = tasks.disclosure_for(month)
    total = selectors.figures_from_json(stored.payload["total"])
    rows = [selectors.figures_from_json(r) for r in stored.payload["rows"]]
    floor = policy.current().min_ratings_ranked
    ranked = sorted(
        (r for r in rows if r.total >= floor),
        key=lambda r: (-(r.good_rate or 0), -(r.rectification_rate or 0), r.label),
    )
    rest = sorted((r for r in rows if r.total < floor), key=lambda r: r.label)
    table = [PublicRow(i, r) for i, r in enumerate(ranked, 1)] + [PublicRow(None, r) for r in rest]
    return total, table, floor, stored.computed_at


@require_GET
def disclosure(request: HttpRequest) -> HttpResponse:
    """好差评 每月公开: anyone may read it; every number is a count, never a person."""
    month = selectors.parse_month(request.GET.get("month"), selectors.this_month())
    total, table, floor, computed_at = _disclosure(month)
    if request.GET.get("format") == "xlsx":
        title = _("好差评公开（%(month)s）") % {"month": f"{month:%Y-%m}"}
        data = figures_workbook(
            title, [*(r.figures for r in table), total], selectors.definition_text()
        )
        response = HttpResponse(
            data,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="reviews-{month:%Y-%m}.xlsx"'
        return response
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    following = (month + dt.timedelta(days=32)).replace(day=1)
    return render(
        request,
        "reviews/disclosure.html",
        {
            "month": month,
            "total": total,
            "table": table,
            "floor": floor,
            "computed_at": computed_at,
            "definition": selectors.definition_text(),
            "previous": previous,
            "following": following if following <= selectors.this_month() else None,
        },
    )
