"""采纳为办实事项目: a survey campaign's suggestion becomes a project on the year's
practical-matters list. In the console because it joins two field apps that do not import
each other: intake's suggestion (marked adopted) and the projects' list (the new project,
its first event naming the case). Both writes commit together or not at all."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jishi.common import clock
from jishi.common.errors import InvalidInput, InvalidTransition, PermissionDenied
from jishi.common.masking import mask_personal_numbers
from jishi.intake import selectors as intake_selectors
from jishi.intake import services as intake_services
from jishi.orgs.http import StaffRequest
from jishi.projects import selectors as project_selectors
from jishi.projects import services as project_services
from jishi.projects.forms import AdoptForm


@login_required
@require_http_methods(["GET", "POST"])
def suggestion_project(request: StaffRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    suggestion = intake_selectors.suggestion_for(user, pk)
    if suggestion is None:
        raise Http404
    if not project_selectors.may_adopt_suggestion(user):
        raise PermissionDenied(_("只有督查室或县领导可以把建议采纳为办实事项目"))
    case = suggestion.case
    year = clock.today().year
    existing = project_selectors.project_of_case(case)
    form = AdoptForm(
        request.POST or None,
        initial={"title": mask_personal_numbers(case.title), "lead_unit": case.lead_unit_id},
    )
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            with transaction.atomic():
                project = project_services.project_from_suggestion(
                    actor=user, case=case, year=year, **form.cleaned_data
                )
                if not suggestion.adopted:
                    intake_services.campaign_adopt(
                        actor=user, suggestion=suggestion, note=f"立为办实事项目 {project.code}"
                    )
        except InvalidInput as exc:
            for name, msgs in exc.errors.items():
                for message in msgs:
                    form.add_error(name if name in form.fields else None, message)
            if not exc.errors:
                form.add_error(None, exc.message)
        except InvalidTransition as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("已采纳为办实事项目 %(code)s。") % {"code": project.code})
            return redirect("projects:project", pk=project.pk)
    return render(
        request,
        "console/suggestion_project.html",
        {
            "suggestion": suggestion,
            "case": case,
            "form": form,
            "existing": existing,
            "year": year,
            "project_list": project_selectors.practical_list_for(year, case.township),
        },
        status=422 if request.method == "POST" else 200,
    )
