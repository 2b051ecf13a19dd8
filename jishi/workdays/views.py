"""The console's calendar page: which years are estimated, and entering a year's schedule."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from jishi.common import clock
from jishi.common.errors import InvalidInput
from jishi.orgs.models import User
from jishi.workdays.forms import ScheduleForm
from jishi.workdays.selectors import (
    calendar_year_days,
    calendar_year_status,
    may_administer_calendar,
)
from jishi.workdays.services import calendar_year_enter_schedule


def _year_from(request: HttpRequest, default: int) -> int:
    raw = request.GET.get("year", "")
    if raw.isdigit() and 1900 <= int(raw) <= 2200:
        return int(raw)
    return default


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def schedule(request: HttpRequest) -> HttpResponse:
    """工作日历: this year and the next two, and the form that enters one year's notice."""
    if not may_administer_calendar(request.user):
        return render(
            request,
            "workdays/forbidden.html",
            {"message": _("只有系统管理员可以录入工作日历。")},
            status=403,
        )
    this_year = clock.now().year
    status = 200
    if request.method == "POST":
        form = ScheduleForm(request.POST)
        if form.is_valid():
            year = form.cleaned_data["year"]
            actor = request.user if isinstance(request.user, User) else None
            try:
                result = calendar_year_enter_schedule(
                    actor=actor,
                    year=year,
                    text=form.cleaned_data["table"],
                    note=form.cleaned_data["note"],
                )
            except InvalidInput as exc:
                for field, problems in exc.errors.items():
                    for problem in problems:
                        form.add_error(field if field in form.fields else None, problem)
                if not exc.errors:
                    form.add_error(None, exc.message)
            else:
                if not result.changed:
                    messages.info(
                        request,
                        _("%(year)s年的放假安排与已录入的一致，未作修改。") % {"year": year},
                    )
                else:
                    moved = result.recomputed or 0
                    messages.success(
                        request,
                        _(
                            "%(year)s年放假安排已录入：放假 %(off)s 天，调休上班 %(on)s 天；"
                            "该年已标记为完整录入，%(moved)s 件事项的期限已重新计算。"
                        )
                        % {
                            "year": year,
                            "off": result.days_off,
                            "on": result.days_on,
                            "moved": moved,
                        },
                    )
                return redirect(f"{reverse('workdays:schedule')}?year={year}")
        status = 400
        shown = form.cleaned_data.get("year") if hasattr(form, "cleaned_data") else None
        year = shown or this_year
    else:
        year = _year_from(request, this_year + 1)
        form = ScheduleForm(initial={"year": year})
    years = sorted({this_year, this_year + 1, this_year + 2, year})
    return render(
        request,
        "workdays/schedule.html",
        {
            "form": form,
            "year": year,
            "statuses": [calendar_year_status(y) for y in years],
            "status": calendar_year_status(year),
            "days": calendar_year_days(year),
        },
        status=status,
    )
