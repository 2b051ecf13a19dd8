"""Where errors become responses, once for every view.

``ErrorMiddleware`` turns every ``JishiError`` a view lets through into its status
(``JishiError.status``) with its Chinese message, and a lost database into a 503 page that
asks to retry; ``server_error`` does the same for a database failure that happens outside a
view (a session saved on the way out). ``RequestSizeMiddleware`` refuses a body larger than
``JISHI_REQUEST_MAX_BYTES`` before anything reads it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

from jishi.common.errors import JishiError

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before retrying after a database outage.
RETRY_AFTER_SECONDS = 30
DATABASE_ERRORS = (OperationalError, InterfaceError)


def _titles() -> dict[int, str]:
    return {
        400: _("请求有误"),
        403: _("没有访问权限"),
        404: _("内容不存在"),
        409: _("操作未能完成"),
        413: _("上传的内容过大"),
        422: _("提交的内容有误"),
    }


def _wants_fragment(request: HttpRequest) -> bool:
    """htmx and scripts get the message as plain text; browsers get a page."""
    if request.headers.get("HX-Request"):
        return True
    accept = request.headers.get("Accept", "")
    return bool(accept) and "text/html" not in accept and "*/*" not in accept


def error_response(request: HttpRequest, error: JishiError) -> HttpResponse:
    """The response for a service error no view handled: its status, its message."""
    status = error.status
    message = error.message or _titles().get(status, _("请求有误"))
    if _wants_fragment(request):
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    user = getattr(request, "user", None)
    context = {
        "code": status,
        "title": _titles().get(status, _("请求有误")),
        "text": message,
        "base": "base_console.html" if user is not None and user.is_authenticated else None,
    }
    return render(request, "errors/error.html", context, status=status)


def plain_error_page(status: int, title: str, text: str) -> str:
    """An error page that reads nothing from the database (no request context at all)."""
    return loader.render_to_string(
        "errors/plain.html", {"code": status, "title": title, "text": text}
    )


def unavailable_response(request: HttpRequest | None = None) -> HttpResponse:
    """503 with a retry hint: the database cannot be reached."""
    text = _("系统暂时无法连接数据库，请在 %(seconds)d 秒后刷新页面重试。") % {
        "seconds": RETRY_AFTER_SECONDS
    }
    if request is not None and _wants_fragment(request):
        response = HttpResponse(text, status=503, content_type="text/plain; charset=utf-8")
    else:
        response = HttpResponse(plain_error_page(503, _("系统暂时无法使用"), text), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def too_large_response(limit: int) -> HttpResponse:
    text = _("提交的内容超过 %(mb)d MB 的上限。请减少照片数量或压缩后重新提交。") % {
        "mb": limit // (1024 * 1024)
    }
    return HttpResponse(plain_error_page(413, _("上传的内容过大"), text), status=413)


class ErrorMiddleware:
    """Service errors and database outages raised by views, as clean responses."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, JishiError):
            return error_response(request, exception)
        if isinstance(exception, DATABASE_ERRORS):
            # One line per request, not a traceback each: an outage is not a bug.
            logger.error("database unavailable: %s", exception)
            return unavailable_response(request)
        return None


class RequestSizeMiddleware:
    """Refuses a request whose declared body is over the cap, before anything reads it.

    Django reads a body only up to its declared ``Content-Length`` (a body without one is
    read as empty), so the declared length bounds what is read.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.JISHI_REQUEST_MAX_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            return too_large_response(limit)
        return self.get_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database outage anywhere (middleware included) is a 503, not a 500."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_ERRORS):
        return unavailable_response(request)
    response = defaults.server_error(request)
    return response if response is not None else HttpResponseServerError()
