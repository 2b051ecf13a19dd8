"""The console's shell: the front door, the sign-in page when locked out, the component sheet.

Sign-in and sign-out are Django's auth views with our template (see ``urls_shell.py``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from jishi.common.auth import LoginForm


@require_safe
def home(request: HttpRequest) -> HttpResponseRedirect:
    """Staff land in the console; everyone else is a citizen and lands in the portal."""
    return redirect("console:home" if request.user.is_authenticated else "portal:home")


def locked_out(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The page a locked-out sign-in gets (429), with the form so the wait is clear."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("登录失败次数过多，已暂时锁定。请 %(minutes)d 分钟后再试，或请系统管理员解锁。") % {
        "minutes": minutes
    }
    context = {"form": LoginForm(request), "locked_message": message}
    return render(request, "console/login.html", context, status=429)


@login_required
@require_safe
def ui_components(request: HttpRequest) -> HttpResponse:
    """Every shared component on one page, for whoever builds the next screen."""
    return render(request, "console/ui_components.html")
