"""What anyone sees: the sites, the talks to come, and the check-in page a talk's QR code
opens. The check-in page needs no sign-in and no script and weighs a few kilobytes.

A phone is recognised by a signed random id in a cookie (and, for browsers that refuse
cookies, in the form): an anonymous phone checking in twice is counted once.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from jishi.common import ratelimit
from jishi.common.errors import InvalidInput
from jishi.outreach import selectors, services, tokens
from jishi.outreach.models import CheckInChannel, Talk

DEVICE_COOKIE = "jishi_attendee"
DEVICE_MAX_AGE = 365 * 24 * 3600


def _device(request: HttpRequest) -> str:
    signed = request.COOKIES.get(DEVICE_COOKIE, "")
    if tokens.device_key(signed):
        return signed
    posted = str(request.POST.get("device", ""))
    if tokens.device_key(posted):
        return posted
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


def checkin_url(request: HttpRequest, talk: Talk, *, remote: bool = False) -> str:
    """The address a talk's QR code (or its remote link) holds."""
    if remote:
        path = reverse(
            "outreach_public:remote", args=[tokens.remote_token(talk.pk, talk.remote_key)]
        )
    else:
        path = reverse(
            "outreach_public:checkin", args=[tokens.checkin_token(talk.pk, talk.checkin_key)]
        )
    return request.build_absolute_uri(path)


def _checkin(request: HttpRequest, token: str, channel: str) -> HttpResponse:
    remote = channel == CheckInChannel.REMOTE
    try:
        talk = services.talk_for_code(token, remote=remote)
    except tokens.BadCode as exc:
        status = 410 if exc.revoked else 404
        return render(
            request, "outreach/code_invalid.html", {"revoked": exc.revoked}, status=status
        )
    signed = _device(request)
    context: dict[str, Any] = {
        "talk": talk,
        "remote": remote,
        "device": signed,
        "values": {"name": "", "unit_text": ""},
        "errors": {},
    }
    if request.method == "GET":
        refusal = services.window_refusal(talk, channel)
        context["refusal"] = refusal
        return _with_device(request, render(request, "outreach/checkin.html", context), signed)
    anonymous = request.POST.get("action") == "anonymous"
    name = str(request.POST.get("name", ""))[:200]
    unit_text = str(request.POST.get("unit_text", ""))[:200]
    context["values"] = {"name": name, "unit_text": unit_text}
    try:
        result = services.checkin_record(
            talk=talk,
            channel=channel,
            name=name,
            unit_text=unit_text,
            anonymous=anonymous,
            device_key=tokens.device_key(signed),
            address=ratelimit.client_ip(request),
        )
    except services.OutsideWindow as exc:
        context["refusal"] = exc.message
        response = render(request, "outreach/checkin.html", context, status=exc.status)
        return _with_device(request, response, signed)
    except InvalidInput as exc:
        context["errors"] = exc.errors
        context["general"] = exc.errors.get("__all__", [])
        response = render(request, "outreach/checkin.html", context, status=exc.status)
        return _with_device(request, response, signed)
    context.update({"checkin": result.checkin, "created": result.created})
    return _with_device(request, render(request, "outreach/checkin_done.html", context), signed)


@require_http_methods(["GET", "POST"])
def checkin(request: HttpRequest, token: str) -> HttpResponse:
    """扫码签到 at the talk."""
    return _checkin(request, token, CheckInChannel.ONSITE)


@require_http_methods(["GET", "POST"])
def remote(request: HttpRequest, token: str) -> HttpResponse:
    """流动党员 远程签到: the talk's remote link, with its own window."""
    return _checkin(request, token, CheckInChannel.REMOTE)


@require_GET
def sites(request: HttpRequest) -> HttpResponse:
    """宣讲阵地: the public list of sites."""
    page = Paginator(selectors.sites_public(), 30).get_page(request.GET.get("page"))
    return render(request, "outreach/public_sites.html", {"page": page})


@require_GET
def site(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(selectors.sites_public(), pk=pk)
    talks = list(selectors.upcoming_talks().filter(site=found)[:20])
    return render(
        request,
        "outreach/public_site.html",
        {
            "site": found,
            "talks": talks,
            "photos": list(found.photos.all()),
            "visitors": selectors.public_visitors(found),
        },
    )


@require_GET
def talks(request: HttpRequest) -> HttpResponse:
    """近期宣讲: the talks to come."""
    page = Paginator(selectors.upcoming_talks(), 30).get_page(request.GET.get("page"))
    return render(request, "outreach/public_talks.html", {"page": page})
