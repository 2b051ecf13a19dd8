"""The console's project pages: parse, call one service or selector, render.

重点项目 home (the lists and their lights, the round, rule checks), a list's table with its
import and export, a project's page (milestones, reports, orders, history and the forms its
reader may use), the round's missing and late lists, a lead cadre's page, the dispatch
meeting, orders and their PDF, inspections and accountability.
"""

from __future__ import annotations

import mimetypes
from collections import Counter
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from jishi.common import clock
from jishi.common.errors import InvalidInput, InvalidTransition, PermissionDenied
from jishi.common.http import local_next
from jishi.orgs.models import Unit, UnitKind, User
from jishi.projects import documents, imports, oversight, rounds, selectors, services
from jishi.projects.forms import (
    AccountabilityForm,
    CloseForm,
    CompleteForm,
    DecisionForm,
    FindingForm,
    GroupForm,
    ImportForm,
    LeadForm,
    ListForm,
    MeetingForm,
    MilestoneAddForm,
    MilestoneMoveForm,
    MilestoneRemoveForm,
    MilestoneRenameForm,
    OrderForm,
    PlannedForm,
    ProjectEditForm,
    ProjectForm,
    ReportForm,
    ResponseForm,
    VisitForm,
)
from jishi.projects.models import (
    Finding,
    InspectionGroup,
    InspectionVisit,
    ListKind,
    ListLevel,
    MeetingDecision,
    Milestone,
    ProgressMeeting,
    ProgressReport,
    ProgressRound,
    Project,
    ProjectList,
    Status,
    SupervisionOrder,
)

# A list page's rows: a township's list runs to hundreds and a province's to tens of
# thousands, so the table pages (with the total said) rather than stopping short.
LIST_PER_PAGE = 100


def _user(request: HttpRequest) -> Any:
    return request.user


def errors_to_form(form: forms.Form, exc: InvalidInput | InvalidTransition) -> None:
    """A service's field errors onto the form (fields it lacks go to the top). Every project
    page uses it, ``views_policy`` too."""
    if not isinstance(exc, InvalidInput) or not exc.errors:
        form.add_error(None, exc.message)
        return
    for name, msgs in exc.errors.items():
        for message in msgs:
            form.add_error(name if name in form.fields else None, message)


def _project_form(
    request: HttpRequest,
    project: Project,
    form: forms.Form,
    name: str,
    write: Callable[[dict[str, Any]], Any],
    done: str,
    then: Callable[[Any], HttpResponse] | None = None,
) -> HttpResponse:
    """A form posted from the project page: valid and written (``write`` gets the cleaned
    data), a message and back to the project (or ``then`` of what ``write`` returned); else the
    page again with the form's errors under ``name``."""
    if form.is_valid():
        try:
            written = write(form.cleaned_data)
        except (InvalidInput, InvalidTransition) as exc:  # the state changed since the page
            errors_to_form(form, exc)
        else:
            messages.success(request, done)
            return then(written) if then else redirect("projects:project", pk=project.pk)
    context = _project_context(request, project)
    context[name] = form
    return render(request, "projects/project.html", context, status=422)


def _supervisor_only(request: HttpRequest) -> None:
    if not selectors.may_supervise(_user(request)):
        raise PermissionDenied(_("只有督查室可以进行此操作"))


def _light_counts(projects: Any) -> dict[str, int]:
    counts = Counter(projects.values_list("light", flat=True))
    return {k: counts.get(k, 0) for k in ("green", "yellow", "red", "")}


# --- home ----------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    visible = selectors.projects_visible_to(user)
    lists = []
    for lst in ProjectList.objects.all()[:100]:
        projects = visible.filter(project_list=lst)
        lists.append((lst, projects.count(), _light_counts(projects)))
    rnd = ProgressRound.objects.order_by("-month").first()
    status = selectors.round_status(rnd, within=visible) if rnd is not None else None
    supervisor = selectors.may_supervise(user)
    return render(
        request,
        "projects/index.html",
        {
            "lists": lists,
            "round": rnd,
            "status": status,
            "supervisor": supervisor,
            "rule_count": len(selectors.rule_checks()) if supervisor else None,
            "list_form": ListForm(initial={"year": clock.today().year}),
        },
    )


@login_required
@require_POST
def list_create(request: HttpRequest) -> HttpResponse:
    _supervisor_only(request)
    form = ListForm(request.POST)
    if form.is_valid():
        try:
            lst = services.list_create(actor=_user(request), **form.cleaned_data)
        except InvalidInput as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("清单已创建。"))
            return redirect("projects:list", pk=lst.pk)
    return render(request, "projects/list_new.html", {"form": form}, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def list_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A list's title, year, kind, level, budget rule and public flag: whoever may create
    lists may correct them."""
    _supervisor_only(request)
    lst = get_object_or_404(ProjectList, pk=pk)
    initial = {
        "year": lst.year,
        "kind": lst.kind,
        "level": lst.level,
        "title": lst.title,
        "township": lst.township_id,
        "budget_required": lst.budget_required,
        "public": lst.public,
    }
    form = ListForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.list_update(actor=_user(request), project_list=lst, **form.cleaned_data)
        except InvalidInput as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("清单已更新。"))
            return redirect("projects:list", pk=lst.pk)
    return render(
        request,
        "projects/list_edit.html",
        {"list": lst, "form": form, "changes": _list_changes(lst, form)},
        status=422 if request.method == "POST" else 200,
    )


LIST_CHANGES_SHOWN = 20


def _list_changes(lst: ProjectList, form: ListForm) -> list[tuple[Any, list[tuple[Any, ...]]]]:
    """The list's change rows, newest first, each as (label, before, after) of what changed,
    the values as the form shows them (a township by name, a flag as 是/否)."""
    units = {u.pk: u.name for u in Unit.objects.filter(kind=UnitKind.TOWNSHIP)}
    kinds, levels = dict(ListKind.choices), dict(ListLevel.choices)

    def shown(name: str, value: Any) -> Any:
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if name == "township":
            return units.get(value, "—") if value else "—"
        return {"kind": kinds, "level": levels}.get(name, {}).get(value, value)

    return [
        (
            change,
            [
                (form.fields[name].label, shown(name, change.before.get(name)), shown(name, new))
                for name, new in change.after.items()
                if name in form.fields and change.before.get(name) != new
            ],
        )
        for change in lst.changes.select_related("actor")[:LIST_CHANGES_SHOWN]
    ]


@login_required
@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    _supervisor_only(request)
    problems = selectors.rule_checks()
    by_rule: dict[str, list[selectors.RuleProblem]] = {k: [] for k in selectors.RULES}
    for p in problems:
        by_rule[p.rule].append(p)
    return render(
        request,
        "projects/rules.html",
        {"groups": [(selectors.RULES[k], v) for k, v in by_rule.items()], "total": len(problems)},
    )


# --- a list --------------------------------------------------------------------------------------


@login_required
@require_GET
def list_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    lst = get_object_or_404(ProjectList, pk=pk)
    projects = (
        selectors.projects_visible_to(user)
        .filter(project_list=lst)
        .select_related("lead_unit", "lead_cadre", "township")
        .order_by("code")
    )
    light = request.GET.get("light", "")
    if light in ("green", "yellow", "red"):
        projects = projects.filter(light=light)
    page = Paginator(projects, LIST_PER_PAGE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    today = clock.today()
    milestones: dict[int, list[Any]] = {}
    for m in Milestone.objects.filter(project__in=[p.pk for p in rows]):
        milestones.setdefault(m.project_id, []).append(m)
    planned = {p.pk: selectors.planned_progress(p, today, milestones.get(p.pk, [])) for p in rows}
    return render(
        request,
        "projects/list.html",
        {
            "list": lst,
            "rows": [(p, planned[p.pk]) for p in rows],
            "page_obj": page,
            "light": light,
            "supervisor": selectors.may_supervise(user),
            "import_form": ImportForm(),
            "project_form": ProjectForm(),
        },
    )


@login_required
@require_GET
def list_export(request: HttpRequest, pk: int) -> HttpResponse:
    lst = get_object_or_404(ProjectList, pk=pk)
    projects = list(
        selectors.projects_visible_to(_user(request))
        .filter(project_list=lst)
        .select_related("lead_unit", "lead_cadre", "township", "village")
        .prefetch_related("milestones", "cooperating_units")
        .order_by("code")
    )
    response = HttpResponse(
        imports.list_workbook(lst, projects),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="projects-{lst.year}-{lst.pk}.xlsx"'
    return response


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        imports.template_workbook(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="project-list-template.xlsx"'
    return response


@login_required
@require_POST
def list_import(request: HttpRequest, pk: int) -> HttpResponse:
    _supervisor_only(request)
    lst = get_object_or_404(ProjectList, pk=pk)
    form = ImportForm(request.POST, request.FILES)
    report = None
    if form.is_valid():
        upload = form.cleaned_data["file"]
        report = imports.projects_import(
            actor=_user(request), project_list=lst, data=upload.read(), filename=upload.name
        )
        if report.written:
            messages.success(request, report.lines()[-1])
            return redirect("projects:list", pk=lst.pk)
    return render(
        request, "projects/import.html", {"list": lst, "form": form, "report": report}, status=422
    )


@login_required
@require_POST
def project_create(request: HttpRequest, pk: int) -> HttpResponse:
    _supervisor_only(request)
    lst = get_object_or_404(ProjectList, pk=pk)
    form = ProjectForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        errors: list[imports.RowError] = []
        milestones = imports.parse_milestones(
            data.pop("milestones"), year=lst.year, number=0, errors=errors
        )
        try:
            if errors:
                raise InvalidInput("节点有误", errors={"milestones": [e.message for e in errors]})
            project = services.project_create(
                actor=_user(request), project_list=lst, milestones=milestones, **data
            )
        except InvalidInput as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("项目已加入清单。"))
            return redirect("projects:project", pk=project.pk)
    return render(request, "projects/project_new.html", {"list": lst, "form": form}, status=422)


# --- a project -----------------------------------------------------------------------------------


def _project_context(request: HttpRequest, project: Project) -> dict[str, Any]:
    user = _user(request)
    today = clock.today()
    milestones = list(project.milestones.all())
    rnd = ProgressRound.objects.order_by("-month").first()
    reported = (
        rnd is not None and ProgressReport.objects.filter(round=rnd, project=project).exists()
    )
    return {
        "project": project,
        "milestones": milestones,
        "open_milestones": selectors.open_milestones(milestones),
        "planned": selectors.planned_progress(project, today, milestones),
        "orders": list(project.orders.all()),
        "events": list(project.events.order_by("-seq")[:100]),
        # A finding's photos are not the project's to show: see ``finding_photo``.
        "photos": list(project.photos.filter(finding__isnull=True)[:12]),
        "lights": list(project.round_lights.select_related("round").order_by("-round__month")[:12]),
        "round": rnd,
        "may_report": (
            rnd is not None
            and not reported
            and project.status == Status.ACTIVE
            and selectors.may_report(user, project)
        ),
        "may_complete": project.status == Status.ACTIVE
        and selectors.may_confirm_completion(user, project),
        "may_respond": selectors.may_report(user, project),
        "supervisor": selectors.may_supervise(user),
        "is_cadre": project.lead_cadre_id == user.pk,
        "order_form": OrderForm(),
        "complete_form": CompleteForm(),
        "lead_form": LeadForm(
            initial={"lead_cadre": project.lead_cadre_id, "lead_unit": project.lead_unit_id}
        ),
        "move_form": MilestoneMoveForm(project=project),
        **_project_more(project, milestones),
    }


def _project_more(project: Project, milestones: list[Milestone]) -> dict[str, Any]:
    """The milestone forms and each report's own figures (per milestone, photos)."""
    titles = {str(m.pk): m.title for m in milestones}
    reports = list(
        project.reports.select_related("round", "reporter", "signed_off_by").prefetch_related(
            "photos"
        )[:24]
    )
    for r in reports:
        r.milestone_values = [  # type: ignore[attr-defined]
            (titles.get(k, _("（已删除的节点）")), v) for k, v in r.milestones.items()
        ]
    return {
        "reports": reports,
        "milestone_tree": selectors.milestone_tree(milestones),
        "add_milestone_form": MilestoneAddForm(project=project),
        "rename_milestone_form": MilestoneRenameForm(project=project),
        "remove_milestone_form": MilestoneRemoveForm(project=project),
    }


@login_required
@require_GET
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for(_user(request), pk)
    return render(request, "projects/project.html", _project_context(request, project))


@login_required
@require_http_methods(["GET", "POST"])
def report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    project = selectors.project_for(user, pk)
    rnd = ProgressRound.objects.order_by("-month").first()
    if rnd is None:
        raise Http404(_("本月调度尚未开启"))
    form = ReportForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.report_submit(
                actor=user,
                project=project,
                round=rnd,
                milestones=form.milestone_values(),
                work_done=data["work_done"],
                problems=data["problems"],
                help_needed=data["help_needed"],
                next_plan=data["next_plan"],
                funds_paid=data["funds_paid"],
                photos=request.FILES.getlist("photos"),
                overall=form.overall_value(),
            )
        except InvalidInput as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("进度已报送。"))
            return redirect("projects:project", pk=pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "projects/report.html",
        {"project": project, "form": form, "round": rnd},
        status=status,
    )


@login_required
@require_POST
def report_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(ProgressReport.objects.select_related("project", "round"), pk=pk)
    selectors.project_for(_user(request), report.project_id)
    services.report_sign_off(actor=_user(request), report=report)
    messages.success(request, _("已审签。"))
    return redirect(local_next(request, "projects:mine"))


@login_required
@require_POST
def project_complete(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for(_user(request), pk)
    return _project_form(
        request,
        project,
        CompleteForm(request.POST),
        "complete_form",
        lambda data: services.project_complete(
            actor=_user(request),
            project=project,
            evidence=data["evidence"],
            photos=request.FILES.getlist("photos"),
        ),
        _("已确认完成，待督查室销号。"),
    )


@login_required
@require_POST
def project_close(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for(_user(request), pk)
    return _project_form(
        request,
        project,
        CloseForm(request.POST),
        "close_form",
        lambda data: services.project_close(actor=_user(request), project=project, **data),
        _("项目已销号。"),
    )


@login_required
@require_POST
def planned_enter(request: HttpRequest, pk: int) -> HttpResponse:
    """序时进度 by month, one "2026-05:40" a line (an empty figure clears the month); refused
    lines come back in the form with what was typed."""
    project = selectors.project_for(_user(request), pk)
    form = PlannedForm(request.POST)
    return _project_form(
        request,
        project,
        form,
        "planned_form",
        lambda data: services.planned_enter(
            actor=_user(request), project=project, values=form.values()
        ),
        _("序时进度已保存。"),
    )


@login_required
@require_POST
def order_issue(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.project_for(_user(request), pk)
    return _project_form(
        request,
        project,
        OrderForm(request.POST),
        "order_form",
        lambda data: rounds.order_issue(actor=_user(request), project=project, **data),
        _("督办单已签发。"),
        then=lambda order: redirect("projects:order", pk=order.pk),
    )


@login_required
@require_POST
def project_lead(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a project's lead cadre and lead unit (an event with the reason)."""
    _supervisor_only(request)
    project = selectors.project_for(_user(request), pk)
    return _project_form(
        request,
        project,
        LeadForm(request.POST),
        "lead_form",
        lambda data: services.project_lead_change(actor=_user(request), project=project, **data),
        _("领衔领导和牵头单位已更新。"),
    )


@login_required
@require_POST
def milestone_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Move a milestone's planned date (and weight): an event with before and after."""
    _supervisor_only(request)
    project = selectors.project_for(_user(request), pk)
    return _project_form(
        request,
        project,
        MilestoneMoveForm(request.POST, project=project),
        "move_form",
        lambda data: services.milestone_move(
            actor=_user(request),
            milestone=data["milestone"],
            planned_date=data["planned_date"],
            weight=data["weight"],
            reason=data["reason"],
        ),
        _("节点计划已调整。"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A project's details (title, goal, money, dates, place, people, source, remarks): one
    event naming what changed. The supervision office, as for its leaders."""
    _supervisor_only(request)
    project = selectors.project_for(_user(request), pk)
    form = ProjectEditForm(request.POST or None, initial=ProjectEditForm.initial_of(project))
    if request.method == "POST" and form.is_valid():
        try:
            services.project_details_change(
                actor=_user(request), project=project, **form.cleaned_data
            )
        except (InvalidInput, InvalidTransition) as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("项目信息已更新。"))
            return redirect("projects:project", pk=project.pk)
    return render(
        request,
        "projects/project_edit.html",
        {"project": project, "form": form},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a milestone (under a parent for a tree): an event; none after the end date."""
    _supervisor_only(request)
    project = selectors.project_for(_user(request), pk)
    return _project_form(
        request,
        project,
        MilestoneAddForm(request.POST, project=project),
        "add_milestone_form",
        lambda data: services.milestone_add(actor=_user(request), project=project, **data),
        _("节点已增加。"),
    )


@login_required
@require_POST
def milestone_rename(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a milestone nothing was reported on: an event with the old and new name."""
    _supervisor_only(request)
    project = selectors.project_for(_user(request), pk)
    return _project_form(
        request,
        project,
        MilestoneRenameForm(request.POST, project=project),
        "rename_milestone_form",
        lambda data: services.milestone_rename(actor=_user(request), project=project, **data),
        _("节点已改名。"),
    )


@login_required
@require_POST
def milestone_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a milestone nothing was reported on: an event that keeps what it was."""
    _supervisor_only(request)
    project = selectors.project_for(_user(request), pk)
    return _project_form(
        request,
        project,
        MilestoneRemoveForm(request.POST, project=project),
        "remove_milestone_form",
        lambda data: services.milestone_remove(actor=_user(request), project=project, **data),
        _("节点已删除。"),
    )


def _order(request: HttpRequest, pk: int) -> SupervisionOrder:
    order = get_object_or_404(SupervisionOrder.objects.select_related("project"), pk=pk)
    selectors.project_for(_user(request), order.project_id)
    return order


@login_required
@require_http_methods(["GET", "POST"])
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    form = ResponseForm(request.POST or None, initial={"response": order.response})
    if request.method == "POST" and form.is_valid():
        try:
            rounds.order_respond(
                actor=_user(request), order=order, response=form.cleaned_data["response"]
            )
        except InvalidInput as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("反馈已提交。"))
            return redirect("projects:order", pk=pk)
    return render(
        request,
        "projects/order.html",
        {
            "order": order,
            "form": form,
            "may_respond": selectors.may_report(_user(request), order.project)
            and order.state in ("open", "responded"),
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def order_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    order = _order(request, pk)
    response = HttpResponse(documents.order_pdf(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="order-{order.year}-{order.seq}.pdf"'
    return response


@login_required
@require_GET
def orders(request: HttpRequest) -> HttpResponse:
    visible = selectors.projects_visible_to(_user(request))
    rows = (
        SupervisionOrder.objects.filter(project__in=visible)
        .select_related("project", "project__lead_unit")
        .order_by("-issued_at")[:300]
    )
    return render(request, "projects/orders.html", {"orders": rows})


# --- rounds, my projects, the meeting -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    rnd = get_object_or_404(ProgressRound, pk=pk)
    if request.method == "POST":
        _supervisor_only(request)
        result = rounds.round_assess(rnd, on=clock.today(), actor=user)
        rounds.orders_walk()
        messages.success(
            request,
            _("已评灯：%(n)d 个项目，其中 %(c)d 个灯色变化。")
            % {"n": sum(result.lights.values()), "c": result.changed},
        )
        return redirect("projects:round", pk=pk)
    status = selectors.round_status(rnd, within=selectors.projects_visible_to(user))
    return render(
        request,
        "projects/round.html",
        {"round": rnd, "status": status, "supervisor": selectors.may_supervise(user)},
    )


@login_required
@require_POST
def round_open(request: HttpRequest) -> HttpResponse:
    rnd = rounds.round_open(month=clock.today(), actor=_user(request))
    messages.success(request, _("本月调度已开启。"))
    return redirect("projects:round", pk=rnd.pk)


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    page = selectors.cadre_page(_user(request))
    return render(request, "projects/mine.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def meeting(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The month's dispatch meeting. The office posts one of three forms: a decision, the
    meeting's date and notes (``meeting-`` fields), or a 回头看 review of the last meeting's
    decision (``review``). A refused one comes back with what was typed and why."""
    user = _user(request)
    if not (selectors.may_supervise(user) or selectors.may_see_accountability(user)):
        raise PermissionDenied(_("调度会页面仅供督查室和县领导使用"))
    # Without a month: the latest round already lit. A meeting reviews a round after its due
    # day; this month's, still collecting reports, has no lights to discuss yet.
    rounds_newest = ProgressRound.objects.order_by("-month")
    rnd = (
        get_object_or_404(ProgressRound, pk=pk)
        if pk is not None
        else rounds_newest.filter(assessed_at__isnull=False).first() or rounds_newest.first()
    )
    if rnd is None:
        raise Http404(_("尚无月度调度"))
    held = ProgressMeeting.objects.filter(round=rnd).first()
    meeting_initial = (
        {"held_on": held.held_on, "notes": held.notes} if held else {"held_on": clock.today()}
    )
    if request.method != "POST":
        return _meeting_page(
            request, rnd, DecisionForm(), MeetingForm(initial=meeting_initial), status=200
        )
    _supervisor_only(request)
    form, meeting_form = DecisionForm(), MeetingForm(initial=meeting_initial)
    review_error = None
    if "review" in request.POST:
        review_error = _decision_review(request, rnd)
        if review_error is None:
            return redirect("projects:meeting_round", pk=rnd.pk)
    elif "meeting-held_on" in request.POST:
        meeting_form = MeetingForm(request.POST)
        if meeting_form.is_valid():
            try:
                oversight.meeting_record(actor=user, round=rnd, **meeting_form.cleaned_data)
            except InvalidInput as exc:
                errors_to_form(meeting_form, exc)
            else:
                messages.success(request, _("会议日期和纪要已保存。"))
                return redirect("projects:meeting_round", pk=rnd.pk)
    else:
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                held = held or oversight.meeting_record(
                    actor=user, round=rnd, held_on=clock.today()
                )
                oversight.decision_add(actor=user, meeting=held, **form.cleaned_data)
            except InvalidInput as exc:
                errors_to_form(form, exc)
            else:
                messages.success(request, _("议定事项已记录。"))
                return redirect("projects:meeting_round", pk=rnd.pk)
    return _meeting_page(request, rnd, form, meeting_form, status=422, review_error=review_error)


def _decision_review(request: HttpRequest, rnd: ProgressRound) -> dict[str, Any] | None:
    """回头看 of one of the last meeting's decisions; on refusal, what to show again."""
    decision = get_object_or_404(MeetingDecision, pk=request.POST.get("review"))
    note = request.POST.get("note", "")
    try:
        oversight.decision_review(
            actor=_user(request), decision=decision, done=request.POST.get("done") == "1", note=note
        )
    except InvalidInput as exc:
        return {
            "decision": decision.pk,
            "note": note,
            "messages": [m for ms in exc.errors.values() for m in ms] or [exc.message],
        }
    messages.success(request, _("回头看情况已记录。"))
    return None


def _meeting_page(
    request: HttpRequest,
    rnd: ProgressRound,
    form: DecisionForm,
    meeting_form: MeetingForm,
    *,
    status: int,
    review_error: dict[str, Any] | None = None,
) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "projects/meeting.html",
        {
            "page": selectors.meeting_page(rnd),
            "form": form,
            "meeting_form": meeting_form,
            "review_error": review_error,
            "supervisor": selectors.may_supervise(user),
            "rounds": ProgressRound.objects.order_by("-month")[:12],
        },
        status=status,
    )


@login_required
@require_GET
def decisions(request: HttpRequest) -> HttpResponse:
    """What dispatch meetings asked of the user's units: open ones first by deadline (they
    are also on the console home until the next meeting reviews them), then the reviewed."""
    user = _user(request)
    rows = list(selectors.decisions_of_units(user)[:200])
    open_rows = sorted((d for d in rows if d.state == "open"), key=lambda d: (d.due_on, d.pk))
    return render(
        request,
        "projects/decisions.html",
        {
            "open": open_rows,
            "reviewed": [d for d in rows if d.state != "open"],
            "visible": selectors.project_ids_visible_to(user, [d.project_id for d in open_rows]),
        },
    )


# --- inspections and accountability -------------------------------------------------------------


@login_required
@require_GET
def inspections(request: HttpRequest) -> HttpResponse:
    return _inspections_page(request, GroupForm())


def _inspections_page(request: HttpRequest, form: GroupForm, status: int = 200) -> HttpResponse:
    user = _user(request)
    groups = InspectionGroup.objects.prefetch_related("members", "area").order_by("-starts_on")
    findings = selectors.findings_visible_to(user)[:200]
    return render(
        request,
        "projects/inspections.html",
        {
            "groups": groups[:50],
            # A member outside the supervision office (a county lead, a township head) finds
            # the groups they serve in here: nothing else links them to their group's page.
            "my_groups": groups.filter(members=user)[:50],
            "may_see_accountability": selectors.may_see_accountability(user),
            "findings": findings,
            "supervisor": selectors.may_supervise(user),
            "group_form": form,
        },
        status=status,
    )


@login_required
@require_POST
def group_create(request: HttpRequest) -> HttpResponse:
    _supervisor_only(request)
    form = GroupForm(request.POST)
    if form.is_valid():
        try:
            group = oversight.group_create(actor=_user(request), **form.cleaned_data)
        except InvalidInput as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("巡回指导组已建立。"))
            return redirect("projects:group", pk=group.pk)
    return _inspections_page(request, form, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Members, period and area of a group: the supervision office keeps them."""
    _supervisor_only(request)
    group = get_object_or_404(InspectionGroup, pk=pk)
    initial = {
        "name": group.name,
        "members": list(group.members.all()),
        "starts_on": group.starts_on,
        "ends_on": group.ends_on,
        "area": list(group.area.all()),
    }
    form = GroupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            oversight.group_update(actor=_user(request), group=group, **form.cleaned_data)
        except InvalidInput as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("巡回指导组已更新。"))
            return redirect("projects:group", pk=group.pk)
    return render(
        request,
        "projects/group_edit.html",
        {"group": group, "form": form},
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    group = get_object_or_404(InspectionGroup, pk=pk)
    if not (selectors.may_supervise(user) or group.members.filter(pk=user.pk).exists()):
        raise PermissionDenied(_("只有本组成员或督查室可以查看"))
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            visit = oversight.visit_record(actor=user, group=group, **form.cleaned_data)
        except InvalidInput as exc:
            errors_to_form(form, exc)
        else:
            return redirect("projects:visit", pk=visit.pk)
    return render(
        request,
        "projects/group.html",
        {
            "group": group,
            "visits": group.visits.all(),
            "form": form,
            "supervisor": selectors.may_supervise(user),
        },
        status=422 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    visit = _visit_for(request, pk)
    form = FindingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            oversight.finding_record(
                actor=user,
                visit=visit,
                photos=request.FILES.getlist("photos"),
                **form.cleaned_data,
            )
        except InvalidInput as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("问题已交责任单位办理。"))
            return redirect("projects:visit", pk=pk)
    return _visit_page(request, visit, form, status=422 if request.method == "POST" else 200)


def _visit_for(request: HttpRequest, pk: int) -> InspectionVisit:
    user = _user(request)
    visit = get_object_or_404(InspectionVisit.objects.select_related("group", "recorded_by"), pk=pk)
    if not (selectors.may_supervise(user) or visit.group.members.filter(pk=user.pk).exists()):
        raise PermissionDenied(_("只有本组成员或督查室可以查看"))
    return visit


def _visit_page(
    request: HttpRequest,
    visit: InspectionVisit,
    form: FindingForm,
    *,
    status: int = 200,
    recheck_error: dict[str, Any] | None = None,
) -> HttpResponse:
    """The visit with what it looked at, its findings and their photos, the finding form and
    (after a refused 回头看) that finding's note and message again."""
    user = _user(request)
    findings = visit.findings.select_related("unit", "case", "project").prefetch_related("photos")
    return render(
        request,
        "projects/visit.html",
        {
            "visit": visit,
            "findings": findings,
            "form": form,
            "recheck_error": recheck_error,
            "may_record_accountability": selectors.may_supervise(user)
            and selectors.may_see_accountability(user),
        },
        status=status,
    )


@login_required
@require_safe
def finding_photo(request: HttpRequest, pk: int, photo: int) -> FileResponse:
    """A finding's photo, only for those who may see the finding (never a public media URL,
    as ``console.views.attachment_file`` serves a case's)."""
    finding = get_object_or_404(Finding.objects.select_related("visit__group"), pk=pk)
    if not selectors.may_see_finding(_user(request), finding):
        raise Http404(_("页面不存在"))  # not a refusal: it would say the finding exists
    row = get_object_or_404(finding.photos.all(), pk=photo)
    kind = mimetypes.guess_type(row.image.name)[0] or "application/octet-stream"
    if kind not in services.PHOTO_TYPES:
        kind = "application/octet-stream"
    try:
        opened = row.image.open("rb")
    except FileNotFoundError:
        raise Http404(_("照片文件不存在")) from None
    response = FileResponse(opened, content_type=kind)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def finding_recheck(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(Finding.objects.select_related("visit__group"), pk=pk)
    note = request.POST.get("note", "")
    try:
        oversight.finding_recheck(
            actor=_user(request),
            finding=finding,
            rectified=request.POST.get("rectified") == "1",
            note=note,
        )
    except InvalidInput as exc:
        # The visit page again, with what was typed beside that finding and why it was refused.
        visit = _visit_for(request, finding.visit_id)
        error = {
            "finding": finding.pk,
            "note": note,
            "messages": [m for ms in exc.errors.values() for m in ms] or [exc.message],
        }
        return _visit_page(request, visit, FindingForm(), status=422, recheck_error=error)
    except InvalidTransition as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("回头看情况已记录。"))
    return redirect("projects:visit", pk=finding.visit_id)


@login_required
@require_http_methods(["GET", "POST"])
def accountability(request: HttpRequest) -> HttpResponse:
    user: User = _user(request)
    if not selectors.may_see_accountability(user):
        # Not a refusal that names the page's content: the unit itself sees nothing here.
        raise Http404(_("页面不存在"))
    form = AccountabilityForm(request.POST or None, initial=_accountability_initial(request))
    if request.method == "POST" and form.is_valid():
        try:
            oversight.accountability_record(actor=user, **form.cleaned_data)
        except InvalidInput as exc:
            errors_to_form(form, exc)
        else:
            messages.success(request, _("已登记。"))
            return redirect("projects:accountability")
    records = selectors.accountability_visible_to(user)[:300]
    return render(
        request,
        "projects/accountability.html",
        {"records": records, "form": form, "may_record": selectors.may_supervise(user)},
        status=422 if request.method == "POST" else 200,
    )


def _accountability_initial(request: HttpRequest) -> dict[str, Any]:
    """From a finding's 登记追责问责 link: the finding and its responsible unit filled in.
    From the unit picker (``?unit=``, fetched when it changes): that unit, whose people the
    person picker then offers."""
    code = str(request.GET.get("finding", ""))[:32]
    finding = (
        Finding.objects.select_related("unit").filter(case__code=code).first() if code else None
    )
    if finding is None:
        unit = str(request.GET.get("unit", ""))[:12]
        return {"unit": int(unit)} if unit.isascii() and unit.isdigit() else {}
    return {"finding": code, "unit": finding.unit_id}
