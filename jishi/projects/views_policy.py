"""The round and light settings page (调度设置): the supervision office and administrators
read and change them in the console; each change is kept with its before and after."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jishi.common.errors import InvalidInput, PermissionDenied
from jishi.projects import policy, selectors
from jishi.projects.forms import PolicyForm
from jishi.projects.models import PolicyChange
from jishi.projects.views import errors_to_form

CHANGES_SHOWN = 20


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not selectors.may_supervise(user):
        raise PermissionDenied(_("只有督查室或管理员可以修改调度设置"))
    current = policy.policy_values(selectors.current_policy())
    form = PolicyForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            policy.policy_update(actor=user, **form.cleaned_data)
        except InvalidInput as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("调度设置已保存，下次评灯起按新设置计算。"))
            return redirect("projects:settings")
    labels = {name: form.fields[name].label for name in policy.LIMITS}
    changes = [
        (
            change,
            [
                (labels[name], change.before.get(name), value)
                for name, value in change.after.items()
                if name in labels and change.before.get(name) != value
            ],
        )
        for change in PolicyChange.objects.select_related("actor")[:CHANGES_SHOWN]
    ]
    return render(
        request,
        "projects/settings.html",
        {"form": form, "changes": changes},
        status=422 if request.method == "POST" else 200,
    )
