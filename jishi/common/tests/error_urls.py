"""The site's URLs plus one view per ``JishiError`` subclass, each raising it (tests only)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.urls import path

from jishi.common import errors
from jishi.config.urls import urlpatterns as site_urlpatterns


def all_error_classes() -> list[type[errors.JishiError]]:
    found: list[type[errors.JishiError]] = [errors.JishiError]
    for cls in found:
        found.extend(c for c in cls.__subclasses__() if c not in found)
    return found


def message_for(cls: type[errors.JishiError]) -> str:
    return f"测试错误：{cls.__name__}"


def raising(cls: type[errors.JishiError]) -> Callable[[HttpRequest], HttpResponse]:
    def view(request: HttpRequest) -> HttpResponse:
        raise cls(message_for(cls))

    return view


urlpatterns = [
    *site_urlpatterns,
    *(path(f"raise/{cls.__name__}/", raising(cls)) for cls in all_error_classes()),
]
