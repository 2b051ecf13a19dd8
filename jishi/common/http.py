"""Request types for views, so a view's signature says what the middleware gave it."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    """Every request past ``HtmxMiddleware``: ``request.htmx`` says whether htmx sent it."""

    htmx: HtmxDetails
