"""The citizen portal: its home page, submit a request, track it, answer the callback. No
sign-in.

A citizen proves a case is theirs with its tracking code and a secret: the last four digits
of their phone, or the PIN printed on their receipt (every case has one, so a citizen who
left no phone can track too); the receipt's QR code is a signed link that proves the same.
The proof is remembered in a signed cookie, so the tracking page survives a refresh. (A
signed cookie rather than a database session: a submission then writes the case and nothing
else — no session row, no second write transaction, which on SQLite would queue behind every
other submission.) The callback page is opened by a signed link.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

import segno
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from jishi.cases import services
from jishi.cases.duplicates import public_duplicate_hints
from jishi.cases.models import Case, Channel, Satisfaction, State
from jishi.cases.router import route_for_intake
from jishi.common import ratelimit
from jishi.common.errors import Conflict, InvalidInput, InvalidTransition, NotFound
from jishi.common.ratelimit import Rate
from jishi.portal import selectors, tokens
from jishi.portal.forms import CallbackForm, SubmitForm, TrackForm, derive_title

REMEMBER_COOKIE = "jishi_portal"
REMEMBER_SALT = "jishi.portal.remembered-cases"
REMEMBER_MAX = 20
REMEMBER_SECONDS = 30 * 24 * 3600
# Service error keys → this form's field names.
FIELD_FOR = {"attachments": "photos"}


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The citizens' landing page: report, track, rate."""
    return render(request, "portal/home.html")


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


def _owns(request: HttpRequest, code: str) -> bool:
    """Whether this browser proved ``code`` is its citizen's own case."""
    return code in _codes(request)


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
        # A fresh one-time token with every blank form: the case it makes is found again by
        # it, so a lost answer can be asked for again without a second case.
        initial = {"submission_key": secrets.token_urlsafe(24)}
        if window is not None:
            initial["address"] = f"{window.parent.name} {window.name}" if window.parent else ""
        form = SubmitForm(initial=initial, window=window)
        return render(request, "portal/submit.html", _submit_context(request, form, window))

    form = SubmitForm(request.POST, request.FILES, window=window)
    had_photos = bool(request.FILES.getlist("photos"))
    if form.is_valid():
        fields = form.case_fields()
        # Sent again (a double tap, back and submit again): answer with the case the first
        # sending made instead of opening a second. The form's one-time token catches the
        # rest — a lost answer retried from another connection — in the insert itself, so a
        # first submission still reads nothing.
        earlier = selectors.same_recent_submission(_codes(request), fields["text"])
        if earlier is not None:
            return _answer_submitted(request, earlier)
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
                tracking_pin=selectors.new_tracking_pin(),
                submission_key=form.cleaned_data["submission_key"],
                **fields,
            )
        except services.AlreadySubmitted as exc:  # the same form, sent twice at once
            return _answer_submitted(request, exc.case_code)
        except InvalidInput as exc:
            _add_service_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, str(exc))
        else:
            return _answer_submitted(request, case.code)
    if form.has_error("submission_key"):
        form.add_error(None, form.errors["submission_key"][0])
    if had_photos or form.has_error("photos"):
        form.add_error("photos", _("请重新选择照片"))
    return render(request, "portal/submit.html", _submit_context(request, form, window), status=422)


def _answer_submitted(request: HttpRequest, code: str) -> HttpResponse:
    """The receipt of ``code`` for the client that submitted it (its cookie proves it from
    now on, also when the first answer never arrived)."""
    _remember(request, code)
    return redirect("portal:submitted", code=code)


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
SIMILAR_RATE = Rate("portal.similar.ip", limit=30, window=60)


@require_POST
def similar(request: HttpRequest) -> HttpResponse:
    """While the citizen writes: whether open cases of the same township look like the same
    report (htmx fragment; empty when there are none). It says how many, and nothing about
    them — no code, no words, no place, no date: they are other citizens' cases. A citizen
    who submits the same thing anyway is merged with them by a dispatcher and then follows
    the surviving case's progress through their own code."""
    text = str(request.POST.get("text", ""))[:SIMILAR_TEXT_CHARS].strip()
    title = str(request.POST.get("title", ""))[:SIMILAR_TEXT_CHARS].strip()
    township = selectors.township_or_none(request.POST.get("township"))
    hints: list[Any] = []
    if (
        text
        and township is not None
        and ratelimit.allow(SIMILAR_RATE, ratelimit.client_ip(request))
    ):
        village = selectors.village_in(township, request.POST.get("village"))
        hints = public_duplicate_hints(
            title=title or derive_title(text), text=text, township=township, village=village
        )
    return render(request, "portal/_similar.html", {"similar_count": len(hints)})


@require_GET
def villages(request: HttpRequest) -> HttpResponse:
    """The village picker's options for a township (htmx swaps them into the select)."""
    return render(
        request,
        "portal/_village_options.html",
        {"villages": selectors.villages_of(request.GET.get("township"))},
    )


@require_GET
def submitted(request: HttpRequest, code: str) -> HttpResponse:
    """The receipt: the tracking code and the PIN, large, with a QR code of the tracking
    link. Only for the browser that submitted the case (not for one that follows it)."""
    if not _owns(request, code):
        return redirect(reverse("portal:track") + "?" + urlencode({"code": code}))
    case = (
        Case.objects.filter(code=code)
        .only("code", "anonymous", "citizen_phone", "tracking_pin")
        .first()
    )
    if case is None:
        raise NotFound("事项不存在")
    url = request.build_absolute_uri(tokens.track_link_path(case))
    qr = segno.make(url, error="m").svg_inline(scale=5, border=2, dark="#10233f")
    return render(
        request,
        "portal/submitted.html",
        {
            "case": case,
            "track_url": url,
            "qr_svg": qr,
            "has_phone": bool(case.citizen_phone),
            "pin": case.tracking_pin,
        },
    )


# Guessing: every address gets ten wrong tries per window, over all codes. A code that has
# had ten wrong tries (from anywhere) is being guessed at: then each address that has itself
# failed on it three times waits for the window to end, while every other address — the
# citizen's among them — still gets its tries. Ten wrong guesses never lock the citizen out.
TRACK_FAILS_PER_IP = Rate("portal.track.ip", limit=10, window=600)
TRACK_FAILS_PER_CODE = Rate("portal.track.code", limit=10, window=600)
TRACK_FAILS_PER_CODE_IP = Rate("portal.track.code-ip", limit=3, window=600)
# Many addresses together could still try all 10,000 last-four digits of one code. After a
# day's hundred wrong tries on a code, only the receipt's PIN (a million values) or its link
# opens it until the day is over; its citizen is told so, and is never locked out.
TRACK_FAILS_PER_CODE_DAY = Rate("portal.track.code-day", limit=100, window=24 * 3600)


def _track_blocked(ip: str, code: str) -> bool:
    if ratelimit.exceeded(TRACK_FAILS_PER_IP, ip):
        return True
    return ratelimit.exceeded(TRACK_FAILS_PER_CODE_IP, code, ip) and ratelimit.exceeded(
        TRACK_FAILS_PER_CODE, code
    )


def _track_failed(ip: str, code: str) -> None:
    ratelimit.hit(TRACK_FAILS_PER_IP, ip)
    ratelimit.hit(TRACK_FAILS_PER_CODE, code)
    ratelimit.hit(TRACK_FAILS_PER_CODE_IP, code, ip)
    ratelimit.hit(TRACK_FAILS_PER_CODE_DAY, code)


@remembers
@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """查询进度: tracking code + the last four digits of the phone, or the receipt's PIN."""
    if request.method == "GET":
        form = TrackForm(initial={"code": request.GET.get("code", "")[:40]})
        return render(request, "portal/track.html", {"form": form})
    form = TrackForm(request.POST)
    if form.is_valid():
        code = selectors.normalize_code(form.cleaned_data["code"])
        ip = ratelimit.client_ip(request)
        if _track_blocked(ip, code):
            form.add_error(None, _("尝试次数过多，请稍后再试"))
            return render(request, "portal/track.html", {"form": form}, status=429)
        secret = form.cleaned_data["last4"]
        if len(selectors.normalize_last4(secret)) == 4 and ratelimit.exceeded(
            TRACK_FAILS_PER_CODE_DAY, code
        ):
            form.add_error(
                "last4", _("这个编号今天被多次尝试。为保护您的信息，请填写回执上的查询密码")
            )
            return render(request, "portal/track.html", {"form": form}, status=429)
        case = selectors.case_for_citizen(code, secret)
        if case is not None:
            _remember(request, case.code)
            return redirect("portal:track_detail", code=case.code)
        _track_failed(ip, code)
        form.add_error(None, _("受理编号、手机号后四位或查询密码不正确"))
    return render(request, "portal/track.html", {"form": form}, status=422)


@remembers
@require_GET
def track_link(request: HttpRequest, token: str) -> HttpResponse:
    """The receipt's QR code: holding the signed link proves the case, like the PIN."""
    try:
        case_id, code = tokens.read_track_token(token)
    except tokens.BadToken:
        return render(request, "portal/track_link_invalid.html", status=400)
    if not Case.objects.filter(pk=case_id, code=code).exists():
        return render(request, "portal/track_link_invalid.html", status=400)
    _remember(request, code)
    return redirect("portal:track_detail", code=code)


@require_GET
def track_detail(request: HttpRequest, code: str) -> HttpResponse:
    """The case as its citizen sees it: status, replies, public timeline. A citizen whose
    own case was merged into this one follows its progress but does not read what another
    citizen wrote."""
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
    own = _owns(request, code)
    return render(
        request,
        "portal/track_detail.html",
        {
            "public": public,
            "case": case,
            # Only the surviving case's tracking code: its page is open to this citizen too.
            "merged_into_code": case.merged_into.code if case.merged_into else "",
            "own": own,
            # The callback is the other citizen's to give, not a follower's.
            "callback_url": tokens.callback_path(case) if own and public.awaiting_callback else "",
        },
    )


def _callback_done(request: HttpRequest, case: Case, *, already: bool) -> HttpResponse:
    context = {"case": case, "already": already, "status": selectors.public_status(case.state)}
    return render(request, "portal/callback_done.html", context)


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
        return _callback_done(request, case, already=True)

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
            return _callback_done(request, case, already=True)
        else:
            return _callback_done(request, case, already=False)
    return render(request, "portal/callback.html", _callback_context(case, form), status=422)


def _callback_context(case: Case, form: CallbackForm) -> dict[str, Any]:
    return {
        "case": case,
        "form": form,
        "public": selectors.public_case(case),
        "levels": [(str(v), label) for v, label in Satisfaction.choices],
    }
