"""The citizen portal: submit a request, track it, answer the callback. No sign-in.

A citizen proves a case is theirs with its tracking code and the last four digits of their
phone (or the code alone if they left no phone); the proof is remembered in a signed
cookie, so the tracking page survives a refresh. (A signed cookie rather than a database
session: a submission then writes the case and nothing else — no session row, no second
write transaction, which on SQLite would queue behind every other submission.) The
callback page is opened by a signed link.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jishi.cases import services
from jishi.cases.models import Case, Channel, Satisfaction, State
from jishi.common.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from jishi.portal import selectors, throttle, tokens
from jishi.portal.forms import CallbackForm, SubmitForm, TrackForm, derive_title
from jishi.routing.duplicates import public_duplicate_hints
from jishi.routing.policy import route_for_intake

REMEMBER_COOKIE = "jishi_portal"
REMEMBER_SALT = "jishi.portal.remembered-cases"
REMEMBER_MAX = 20
REMEMBER_SECONDS = 30 * 24 * 3600
# Service error keys → this form's field names.
FIELD_FOR = {"attachments": "photos"}


def _codes(request: HttpRequest) -> list[str]:
    """The codes this browser has proved, newest first (a tampered cookie counts as none)."""
    codes = getattr(request, "_portal_codes", None)
    if codes is None:
        raw = request.get_signed_cookie(
            REMEMBER_COOKIE, default="", salt=REMEMBER_SALT, max_age=REMEMBER_SECONDS
        )
        codes = [c for c in str(raw).split(",") if c][:REMEMBER_MAX]
        request._portal_codes = codes  # type: ignore[attr-defined]
    return codes


def _remember(request: HttpRequest, code: str) -> None:
    codes = [code, *(c for c in _codes(request) if c != code)][:REMEMBER_MAX]
    request._portal_codes = codes  # type: ignore[attr-defined]
    request._portal_codes_changed = True  # type: ignore[attr-defined]


def remembers(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Writes the remembered codes back to their cookie when the view changed them."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if getattr(request, "_portal_codes_changed", False):
            response.set_signed_cookie(
                REMEMBER_COOKIE,
                ",".join(_codes(request)),
                salt=REMEMBER_SALT,
                max_age=REMEMBER_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response

    return wrapper


def _remembered(request: HttpRequest, code: str) -> bool:
    """Whether this browser proved ``code`` is its citizen's — or proved a case that was
    merged into it: that citizen now follows the surviving case, whose phone differs."""
    codes = _codes(request)
    return code in codes or code in selectors.merged_into_codes(codes)


def _add_service_errors(form: Any, exc: InvalidInput) -> None:
    fields = set(form.fields)
    for key, msgs in (exc.errors or {}).items():
        field = FIELD_FOR.get(key, key)
        for msg in msgs:
            form.add_error(field if field in fields else None, msg)
    if not exc.errors:
        form.add_error(None, str(exc))


def _window(request: HttpRequest) -> tuple[str, Any]:
    """The channel and window named by a 码上监督 poster's QR link, if any."""
    if request.GET.get("channel") != Channel.WINDOW_QR:
        return Channel.PORTAL, None
    window = selectors.window_unit(request.GET.get("window", ""))
    return (Channel.WINDOW_QR, window) if window is not None else (Channel.PORTAL, None)


@remembers
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest) -> HttpResponse:
    """我要反映."""
    channel, window = _window(request)
    if request.method == "GET":
        initial = {}
        if window is not None:
            initial["address"] = f"{window.parent.name} {window.name}" if window.parent else ""
        form = SubmitForm(initial=initial, window=window)
        return render(request, "portal/submit.html", _submit_context(request, form, window))

    form = SubmitForm(request.POST, request.FILES, window=window)
    had_photos = bool(request.FILES.getlist("photos"))
    if form.is_valid():
        fields = form.case_fields()
        # Sent twice (a double tap, or back and submit again): answer with the case the
        # first one made instead of opening a second.
        earlier = selectors.same_recent_submission(_codes(request), fields["text"])
        if earlier is not None:
            return redirect("portal:submitted", code=earlier)
        uploads = [services.Upload.of(f) for f in form.cleaned_data["photos"]]
        # The window is recorded as the case's external reference ("window:<unit code>"):
        # a stable, machine-readable link to the unit that survives renames, without
        # writing into the citizen's own words; the address field shows the hall and window.
        external_ref = f"window:{window.code}" if window is not None else ""
        township = fields.get("township")
        # A confident router dispatches at intake; otherwise the case waits for a dispatcher.
        route = route_for_intake(
            title=fields["title"],
            text=fields["text"],
            township_name=township.name if township is not None else None,
        )
        try:
            case = services.case_accept(
                actor=services.Citizen(),
                channel=channel,
                attachments=uploads,
                external_ref=external_ref,
                route=route,
                **fields,
            )
        except InvalidInput as exc:
            _add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            _remember(request, case.code)
            return redirect("portal:submitted", code=case.code)
    if had_photos or form.has_error("photos"):
        form.add_error("photos", _("请重新选择照片"))
    return render(request, "portal/submit.html", _submit_context(request, form, window), status=422)


def _submit_context(request: HttpRequest, form: SubmitForm, window: Any) -> dict[str, Any]:
    return {
        "form": form,
        "window": window,
        "townships": selectors.townships(),
        "villages": form.village_options,
        "selected_village": str(form["village"].value() or ""),
        "selected_township": str(form["township"].value() or ""),
    }


# The duplicate lookup compares only the start of a message; a longer text adds cost and
# nothing else. A generous per-IP budget keeps a script from using it as a search engine.
SIMILAR_TEXT_CHARS = 1000
SIMILAR_PER_MINUTE = 30


def _similar_allowed(request: HttpRequest) -> bool:
    key = "jishi:portal:similar:" + hashlib.sha256(_client_ip(request).encode()).hexdigest()[:24]
    cache.add(key, 0, 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, 60)
        count = 1
    return count <= SIMILAR_PER_MINUTE


@require_POST
def similar(request: HttpRequest) -> HttpResponse:
    """While the citizen writes: open cases of the same township that look like the same
    report, so they can follow one instead of submitting again (htmx fragment; empty when
    there is nothing to show). Only public facts, only the chosen township."""
    text = str(request.POST.get("text", ""))[:SIMILAR_TEXT_CHARS].strip()
    title = str(request.POST.get("title", ""))[:SIMILAR_TEXT_CHARS].strip()
    township = selectors.township_or_none(request.POST.get("township"))
    hints: list[Any] = []
    if text and township is not None and _similar_allowed(request):
        village = selectors.village_in(township, request.POST.get("village"))
        hints = public_duplicate_hints(
            title=title or derive_title(text), text=text, township=township, village=village
        )
    return render(request, "portal/_similar.html", {"hints": hints})


@require_GET
def villages(request: HttpRequest) -> HttpResponse:
    """The village picker's options for a township (htmx swaps them into the select)."""
    return render(
        request,
        "portal/_village_options.html",
        {"villages": selectors.villages_of(request.GET.get("township"))},
    )


def _track_url(request: HttpRequest, code: str) -> str:
    return request.build_absolute_uri(reverse("portal:track") + "?" + urlencode({"code": code}))


@require_GET
def submitted(request: HttpRequest, code: str) -> HttpResponse:
    """The tracking code, large, with a QR code of the tracking link."""
    if not _remembered(request, code):
        return redirect(reverse("portal:track") + "?" + urlencode({"code": code}))
    case = Case.objects.filter(code=code).only("code", "anonymous", "citizen_phone").first()
    if case is None:
        raise NotFound("事项不存在")
    url = _track_url(request, code)
    qr = segno.make(url, error="m").svg_inline(scale=5, border=2, dark="#10233f")
    return render(
        request,
        "portal/submitted.html",
        {"case": case, "track_url": url, "qr_svg": qr, "has_phone": bool(case.citizen_phone)},
    )


def _client_ip(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is forgeable unless a trusted proxy rewrites it,
    # and the deployment's proxy sets REMOTE_ADDR for us.
    return str(request.META.get("REMOTE_ADDR") or "")


@remembers
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """查询进度: tracking code + last four digits of the phone."""
    if request.method == "GET":
        form = TrackForm(initial={"code": request.GET.get("code", "")[:40]})
        return render(request, "portal/track.html", {"form": form})
    form = TrackForm(request.POST)
    if form.is_valid():
        code = selectors.normalize_code(form.cleaned_data["code"])
        ip = _client_ip(request)
        if throttle.blocked(ip, code):
            form.add_error(None, _("尝试次数过多，请稍后再试"))
            return render(request, "portal/track.html", {"form": form}, status=429)
        case = selectors.case_for_citizen(code, form.cleaned_data["last4"])
        if case is not None:
            _remember(request, case.code)
            return redirect("portal:track_detail", code=case.code)
        throttle.failed(ip, code)
        form.add_error(None, _("编号或手机号后四位不正确"))
    return render(request, "portal/track.html", {"form": form}, status=422)


@require_GET
def track_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The case as its citizen sees it: status, replies, public timeline."""
    if not _remembered(request, code):
        return redirect(reverse("portal:track") + "?" + urlencode({"code": code}))
    case = (
        Case.objects.select_related("township", "village", "lead_unit", "merged_into")
        .filter(code=code)
        .first()
    )
    if case is None:
        raise NotFound("事项不存在")
    public = selectors.public_case(case)
    return render(
        request,
        "portal/track_detail.html",
        {
            "public": public,
            "case": case,
            # Only the surviving case's tracking code: its page is open to this citizen too.
            "merged_into_code": case.merged_into.code if case.merged_into else "",
            "callback_url": tokens.callback_path(case) if public.awaiting_callback else "",
        },
    )


@remembers
@require_http_methods(["GET", "POST"])
def callback(request: HttpRequest, token: str) -> HttpResponse:
    """回访: was it solved, how satisfied (five levels), a comment."""
    try:
        case_id, code = tokens.read_token(token)
    except tokens.BadToken as exc:
        return render(request, "portal/callback_invalid.html", {"expired": exc.expired}, status=400)
    case = Case.objects.filter(pk=case_id, code=code).first()
    if case is None:
        return render(request, "portal/callback_invalid.html", {"expired": False}, status=400)
    # Whoever holds the link is the citizen of this case: let them see its progress too.
    _remember(request, case.code)
    if case.state != State.REPLIED:
        return render(request, "portal/callback_done.html", {"case": case, "already": True})

    if request.method == "GET":
        form = CallbackForm(initial={"version": case.version})
        return render(request, "portal/callback.html", _callback_context(case, form))
    form = CallbackForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_callback(
                actor=services.Citizen(),
                case=case,
                resolved=data["resolved"],
                satisfaction=data["satisfaction"],
                comment=data["comment"],
                expected_version=data["version"],
            )
        except InvalidInput as exc:
            _add_service_errors(form, exc)
        except (Conflict, InvalidTransition):
            case.refresh_from_db()
            return render(request, "portal/callback_done.html", {"case": case, "already": True})
        else:
            return render(request, "portal/callback_done.html", {"case": case, "already": False})
    return render(request, "portal/callback.html", _callback_context(case, form), status=422)


def _callback_context(case: Case, form: CallbackForm) -> dict[str, Any]:
    return {
        "case": case,
        "form": form,
        "public": selectors.public_case(case),
        "levels": [(str(v), label) for v, label in Satisfaction.choices],
    }
