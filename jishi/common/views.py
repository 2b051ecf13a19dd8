"""The UI shell's own pages: the front door, the staff console's and the citizens' home pages.

Sign-in and sign-out are Django's auth views with our templates (see ``urls.py``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe


@require_safe
def home(request: HttpRequest) -> HttpResponseRedirect:
    """Staff land in the console; everyone else is a citizen and lands in the portal."""
    return redirect("console_home" if request.user.is_authenticated else "portal_home")


@login_required
@require_safe
def ui_components(request: HttpRequest) -> HttpResponse:
    """Every shared component on one page, for whoever builds the next screen."""
    return render(request, "common/ui_components.html")


@require_safe
def portal_home(request: HttpRequest) -> HttpResponse:
    """The citizens' landing page: report, track, rate."""
    return render(request, "common/portal_home.html")
