"""Request types for views, so a view's signature says what the middleware gave it, and
the small request helpers every app's views share."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    """Every request past ``HtmxMiddleware``: ``request.htmx`` says whether htmx sent it."""

    htmx: HtmxDetails


def local_next(request: HttpRequest, default: str) -> str:
    """The posted ``next`` when it stays on this site, else ``default``: a form must not
    send a signed-in person on to somewhere else (an open redirect)."""
    target = str(request.POST.get("next") or "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default
