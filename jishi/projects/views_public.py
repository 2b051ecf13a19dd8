"""What citizens see of the supervised projects: each public list with its projects' progress
bars, lights, milestones and photos, filtered by township and light; a project's page with
its monthly updates; and the projects a citizen follows (a signed cookie, no account)."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jishi.common import clock
from jishi.projects import selectors
from jishi.projects.models import ListKind, ProgressReport, Project, ProjectList

PER_PAGE = 30
FOLLOW_COOKIE = "jishi_follow"
FOLLOW_SALT = "projects.follow"
FOLLOW_MAX = 50
FOLLOW_AGE = 365 * 24 * 3600


def followed(request: HttpRequest) -> list[int]:
    raw = request.COOKIES.get(FOLLOW_COOKIE, "")
    if not raw:
        return []
    try:
        value = signing.loads(raw, salt=FOLLOW_SALT, max_age=FOLLOW_AGE)
    except signing.BadSignature:
        return []
    return (
        [int(x) for x in value if isinstance(x, int)][:FOLLOW_MAX]
        if isinstance(value, list)
        else []
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    lists = selectors.lists_public()
    if kind in ListKind.values:
        lists = lists.filter(kind=kind)
    return render(
        request,
        "projects/public_index.html",
        {"lists": lists[:100], "kind": kind, "kinds": ListKind.choices},
    )


def _public_list(pk: int) -> ProjectList:
    return get_object_or_404(ProjectList, pk=pk, public=True)


@require_GET
def list_page(request: HttpRequest, pk: int) -> HttpResponse:
    lst = _public_list(pk)
    township = _int(request.GET.get("township"))
    light = request.GET.get("light", "")
    projects = selectors.public_projects(lst, township=township, light=light)
    page = Paginator(projects, PER_PAGE).get_page(request.GET.get("page"))
    cards = selectors.public_cards(list(page.object_list), clock.today())
    return render(
        request,
        "projects/public_list.html",
        {
            "list": lst,
            "cards": cards,
            "page": page,
            "township": township,
            "light": light,
            "townships": selectors.public_townships(lst),
            "following": set(followed(request)),
        },
    )


def _public_project(code: str) -> Project:
    project = (
        Project.objects.filter(code=code, project_list__public=True)
        .select_related("project_list", "lead_unit", "lead_cadre", "township")
        .first()
    )
    if project is None:
        raise Http404(_("未找到该项目"))
    return project


@require_GET
def project_page(request: HttpRequest, code: str) -> HttpResponse:
    project = _public_project(code)
    card = selectors.public_cards([project], clock.today())[0]
    reports = project.reports.select_related("round").order_by("-round__month")[:12]
    return render(
        request,
        "projects/public_project.html",
        {
            "card": card,
            "project": project,
            "reports": reports,
            "photos": project.photos.filter(finding__isnull=True)[:12],
            "following": project.pk in followed(request),
        },
    )


@require_POST
def follow(request: HttpRequest, code: str) -> HttpResponse:
    """Follow or unfollow a project: its id is added to (or taken from) a signed cookie."""
    project = _public_project(code)
    ids = [i for i in followed(request) if i != project.pk]
    if request.POST.get("follow") != "0":
        ids = [project.pk, *ids][:FOLLOW_MAX]
    target = request.POST.get("next", "")
    response = redirect(
        target if target.startswith("/portal/projects/") else "projects_public:following"
    )
    response.set_cookie(
        FOLLOW_COOKIE,
        signing.dumps(ids, salt=FOLLOW_SALT),
        max_age=FOLLOW_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@require_GET
def following(request: HttpRequest) -> HttpResponse:
    ids = followed(request)
    projects = list(
        Project.objects.filter(pk__in=ids, project_list__public=True).select_related(
            "lead_unit", "township", "project_list"
        )
    )
    projects.sort(key=lambda p: ids.index(p.pk))
    latest: dict[int, Any] = {}
    for report in (
        ProgressReport.objects.filter(project__in=projects)
        .select_related("round")
        .order_by("project_id", "-round__month")
    ):
        latest.setdefault(report.project_id, report)
    cards = selectors.public_cards(projects, clock.today())
    return render(
        request,
        "projects/public_following.html",
        {"rows": [(c, latest.get(c.project.pk)) for c in cards]},
    )
