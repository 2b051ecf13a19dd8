"""Staff sessions end: after ``JISHI_SESSION_HOURS`` from sign-in, or after
``JISHI_SESSION_IDLE_MINUTES`` without a request; and what a signed-in user is shown is
never kept in the browser's cache (``Cache-Control: no-store``), so the next person at a
shared office computer cannot page back through a citizen's case."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

SIGNED_IN_AT = "jishi_signed_in_at"
SEEN_AT = "jishi_seen_at"
# The last-seen time is written at most this often: a session write on every request would
# be a database write on every page.
SEEN_RESOLUTION_SECONDS = 60


@receiver(user_logged_in)
def _stamp(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[SEEN_AT] = now


def _expired(session: Any, now: int) -> str:
    signed_in = session.get(SIGNED_IN_AT)
    seen = session.get(SEEN_AT, signed_in)
    if signed_in is None:
        return ""
    if now - int(signed_in) > settings.JISHI_SESSION_HOURS * 3600:
        return _("登录已超过 %(hours)d 小时，请重新登录。") % {
            "hours": settings.JISHI_SESSION_HOURS
        }
    if now - int(seen) > settings.JISHI_SESSION_IDLE_MINUTES * 60:
        return _("%(minutes)d 分钟未操作，已自动退出，请重新登录。") % {
            "minutes": settings.JISHI_SESSION_IDLE_MINUTES
        }
    return ""


class StaffSessionMiddleware:
    """Ends expired staff sessions; marks signed-in pages ``no-store``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        signed_in = "_auth_user_id" in session
        if signed_in:
            now = int(time.time())
            if reason := _expired(session, now):
                logout(request)
                messages.info(request, reason)
                signed_in = False
            elif now - int(session.get(SEEN_AT, 0)) >= SEEN_RESOLUTION_SECONDS:
                session[SEEN_AT] = now
        response = self.get_response(request)
        if signed_in or request.path.startswith("/console/"):
            # Photos included: a citizen's picture must not stay in a shared browser either.
            response["Cache-Control"] = "no-store"
        return response
