"""Pages of the intake tools: parse, call one service or selector, render.

Forms post with htmx: a refused submission re-renders just the form with the service's
messages next to the fields; a successful one redirects (``HX-Redirect``) to the log.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jishi.common.errors import InvalidInput, PermissionDenied
from jishi.intake import selectors, services
from jishi.intake.forms import (
    CampaignSuggestionForm,
    DutyShiftForm,
    HallRecordForm,
    PlaceFilterForm,
    VisitForm,
    VisitItemForm,
    apply_service_errors,
    visit_item_formset,
)
from jishi.intake.models import Campaign, DutyShift, HallOutcome, Period
from jishi.orgs.access import has_role
from jishi.orgs.http import StaffRequest
from jishi.orgs.models import Role, Unit

VISITS_PER_PAGE = 20


def _done(request: HttpRequest, url: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@login_required
@require_GET
def index(request: StaffRequest) -> HttpResponse:
    """走访与调研: the three tools, with what the reader may do in each."""
    user: Any = request.user
    return render(
        request,
        "intake/index.html",
        {
            "is_secretary": services.secretary_post(user) is not None,
            "campaigns": selectors.campaign_list()[:3],
        },
    )


# --- visits ----------------------------------------------------------------------------------


@login_required
@require_GET
def visit_log(request: StaffRequest) -> HttpResponse:
    """走访台账: totals, per village, per secretary, then the visits themselves."""
    user: Any = request.user
    places = selectors.places_for_filter(user)
    filter_form = PlaceFilterForm(request.GET or None, places=places)
    visits = selectors.visits_visible_to(user)
    place: Unit | None = None
    if filter_form.is_valid():
        place = filter_form.cleaned_data.get("place")
    if place is not None:
        visits = visits.filter(unit__path__startswith=place.path)
    mine = request.GET.get("mine") == "1"
    if mine:
        visits = visits.filter(secretary=user)
    page = Paginator(selectors.recent_visits(user, visits), VISITS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "intake/visit_log.html",
        {
            "filter_form": filter_form,
            "mine": mine,
            "totals": selectors.visit_totals(user, visits),
            "by_unit": selectors.visit_log_by_unit(user, visits),
            "by_secretary": selectors.visit_log_by_secretary(user, visits),
            "page": page,
            "is_secretary": services.secretary_post(user) is not None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request: StaffRequest) -> HttpResponse:
    """百名书记访万家: one household, one or more things raised."""
    user: Any = request.user
    post = services.secretary_post(user)
    if post is None:
        raise PermissionDenied(_("只有在村(社区)或乡镇任职的干部可以登记走访。"))
    if request.method == "POST":
        form = VisitForm(request.POST)
        formset = visit_item_formset(request.POST)
        if form.is_valid() and formset.is_valid():
            filled = [f for f in formset.forms if f.has_changed()]
            try:
                services.visit_record(
                    actor=user,
                    household=form.cleaned_data["household"],
                    visited_on=form.cleaned_data["visited_on"],
                    items=[f.to_input() for f in filled],
                )
            except InvalidInput as exc:
                targets: dict[str, Any] = {"": form}
                targets.update({f"items-{i}-": f for i, f in enumerate(filled)})
                apply_service_errors(exc.errors, targets)
            else:
                messages.success(request, _("走访已登记。"))
                return _done(request, reverse("intake:visit_log") + "?mine=1")
        status = 200
    else:
        form = VisitForm(initial={"visited_on": services.today()})
        formset = visit_item_formset()
        status = 200
    context = {"form": form, "formset": formset, "place": post.unit}
    template = "intake/_visit_form.html" if request.htmx else "intake/visit_form.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
def visit_item_row(request: StaffRequest) -> HttpResponse:
    """One more empty item row (htmx); also bumps the formset's form count out of band."""
    try:
        index = int(request.GET.get("items-TOTAL_FORMS", "1"))
    except ValueError:
        index = 1
    if not 0 <= index < services.ITEMS_MAX:
        return render(request, "intake/_item_limit.html", {"max": services.ITEMS_MAX})
    form = VisitItemForm(prefix=f"items-{index}")
    return render(
        request, "intake/_visit_item.html", {"item": form, "index": index, "total": index + 1}
    )


# --- hall desk -------------------------------------------------------------------------------


def _hall_from(request: HttpRequest) -> Unit:
    halls = selectors.halls()
    hall_id = request.GET.get("hall") or request.POST.get("hall")
    if hall_id:
        try:
            return get_object_or_404(halls, pk=int(hall_id))
        except ValueError:
            raise Http404 from None
    hall = halls.first()
    if hall is None:
        raise Http404
    return hall


def _hall_context(
    request: HttpRequest,
    hall: Unit,
    form: HallRecordForm,
    roster_form: DutyShiftForm | None = None,
) -> dict[str, Any]:
    user: Any = request.user
    today = services.today()
    # This week and the next, so whoever keeps the roster sees what is still to fill.
    days = selectors.week_of(today) + selectors.week_of(today + dt.timedelta(days=7))
    shifts = selectors.roster(hall, days)
    on_duty = [s for (d, _p), s in sorted(shifts.items()) if d == today]
    return {
        "hall": hall,
        "halls": selectors.halls(),
        "form": form,
        "today": services.today(),
        "week": [
            {
                "date": d,
                "shifts": [shifts.get((d, Period.MORNING)), shifts.get((d, Period.AFTERNOON))],
            }
            for d in days
        ],
        "may_record": services.may_record_at_hall(user, hall),
        "may_keep_roster": services.may_keep_roster(user, hall),
        "roster_form": roster_form or DutyShiftForm(initial={"date": today}),
        "on_duty": on_duty,
        "counts": selectors.hall_counts(user, hall),
        "recent": selectors.hall_recent(user, hall),
        "outcomes": HallOutcome,
    }


@login_required
@require_GET
def hall_desk(request: StaffRequest) -> HttpResponse:
    """局长进政务大厅: this week's roster, the counts, and the form for the director on duty."""
    hall = _hall_from(request)
    return render(request, "intake/hall.html", _hall_context(request, hall, HallRecordForm()))


@login_required
@require_POST
def roster_add(request: StaffRequest) -> HttpResponse:
    """Put a director on the hall's roster (the hall's lead, dispatchers, administrators)."""
    user: Any = request.user
    hall = _hall_from(request)
    if not services.may_keep_roster(user, hall):
        raise PermissionDenied(_("只有政务大厅负责人、派单中心或管理员可以排班。"))
    form = DutyShiftForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            shift = services.duty_shift_add(
                actor=user, director=d["director"], hall=hall, date=d["date"], period=d["period"]
            )
        except InvalidInput as exc:
            apply_service_errors(exc.errors, {"": form})
        else:
            messages.success(
                request,
                _("已排班：%(date)s %(period)s %(director)s。")
                % {
                    "date": f"{shift.date:%Y-%m-%d}",
                    "period": shift.get_period_display(),
                    "director": shift.director,
                },
            )
            return redirect(f"{reverse('intake:hall')}?hall={hall.pk}")
    context = _hall_context(request, hall, HallRecordForm(), roster_form=form)
    return render(request, "intake/hall.html", context, status=400)


@login_required
@require_POST
def roster_remove(request: StaffRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    shift = get_object_or_404(DutyShift.objects.select_related("hall", "director"), pk=pk)
    try:
        services.duty_shift_remove(actor=user, shift=shift)
    except InvalidInput as exc:
        messages.error(request, "；".join(m for ms in exc.errors.values() for m in ms))
    else:
        messages.success(request, _("已取消该时段的值班。"))
    return redirect(f"{reverse('intake:hall')}?hall={shift.hall_id}")


@login_required
@require_POST
def hall_record(request: StaffRequest) -> HttpResponse:
    user: Any = request.user
    hall = _hall_from(request)
    form = HallRecordForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            problem = services.hall_record(
                actor=user,
                hall=hall,
                kind=d["kind"],
                text=d["text"],
                citizen_name=d["citizen_name"],
                citizen_phone=d["citizen_phone"],
                resolution=d["resolution"],
                lead_unit=d["lead_unit"],
            )
        except InvalidInput as exc:
            apply_service_errors(exc.errors, {"": form})
        else:
            code = problem.case.code
            if problem.outcome == HallOutcome.RESOLVED:
                text = _("已登记并当场解决，受理编号 %(code)s。") % {"code": code}
            elif problem.outcome == HallOutcome.DISPATCHED:
                text = _("已派单，受理编号 %(code)s。") % {"code": code}
            else:
                text = _("已提交派单中心，由派单员派单，受理编号 %(code)s。") % {"code": code}
            messages.success(request, text)
            return _done(request, reverse("intake:hall") + f"?hall={hall.pk}")
    context = _hall_context(request, hall, form)
    template = "intake/_hall_form.html" if request.htmx else "intake/hall.html"
    return render(request, template, context)


# --- campaigns -------------------------------------------------------------------------------


@login_required
@require_GET
def campaign_list(request: StaffRequest) -> HttpResponse:
    user: Any = request.user
    page = Paginator(selectors.campaigns_with_counts(user), 20).get_page(request.GET.get("page"))
    return render(request, "intake/campaign_list.html", {"page": page, "today": services.today()})


def _campaign_context(
    request: HttpRequest, campaign: Campaign, form: CampaignSuggestionForm
) -> dict[str, Any]:
    user: Any = request.user
    today = services.today()
    page = Paginator(selectors.campaign_suggestions(user, campaign), 30).get_page(
        request.GET.get("page")
    )
    return {
        "campaign": campaign,
        "counts": selectors.campaign_counts(user, campaign),
        "form": form,
        "open": campaign.starts_on <= today <= campaign.ends_on,
        "today": today,
        "page": page,
        # Who may make a suggestion a practical-matters project (projects' rule, restated
        # here as intake does not import projects; the console page checks it again).
        "may_adopt_project": has_role(user, Role.INSPECTOR, Role.COUNTY_LEAD),
    }


@login_required
@require_GET
def campaign_detail(request: StaffRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(selectors.campaign_list(), pk=pk)
    return render(
        request,
        "intake/campaign_detail.html",
        _campaign_context(request, campaign, CampaignSuggestionForm()),
    )


@login_required
@require_POST
def campaign_suggest(request: StaffRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    campaign = get_object_or_404(selectors.campaign_list(), pk=pk)
    form = CampaignSuggestionForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            link = services.campaign_suggest(
                actor=user,
                campaign=campaign,
                text=d["text"],
                citizen_name=d["citizen_name"],
                township=d["township"],
            )
        except InvalidInput as exc:
            apply_service_errors(exc.errors, {"": form})
        else:
            messages.success(
                request, _("建议已登记，受理编号 %(code)s。") % {"code": link.case.code}
            )
            return _done(request, reverse("intake:campaign", args=[campaign.pk]))
    context = _campaign_context(request, campaign, form)
    template = "intake/_campaign_form.html" if request.htmx else "intake/campaign_detail.html"
    return render(request, template, context)


@login_required
@require_POST
def suggestion_adopt(request: StaffRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    suggestion = selectors.suggestion_for(user, pk)
    if suggestion is None:
        raise Http404
    try:
        services.campaign_adopt(actor=user, suggestion=suggestion)
    except InvalidInput as exc:
        messages.error(request, "；".join(m for ms in exc.errors.values() for m in ms))
    else:
        messages.success(request, _("已采纳，已记入事项备注。"))
    return _done(request, reverse("intake:campaign", args=[suggestion.campaign_id]))
