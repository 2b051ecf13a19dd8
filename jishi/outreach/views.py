"""The console's outreach pages: talks (list, calendar, new, a talk's page with its code,
poster, head count and questions), sites and series. Parse, call one service or selector,
render."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jishi.common import clock
from jishi.common.documents import qr_data_uri
from jishi.common.errors import InvalidInput, PermissionDenied
from jishi.orgs.access import UNIT_ROLES, is_county_wide
from jishi.orgs.selectors import active_posts
from jishi.outreach import exports, imports, selectors, services
from jishi.outreach.forms import (
    BranchEditForm,
    BranchForm,
    HeadCountForm,
    MarkAttendedForm,
    MemberEditForm,
    MemberForm,
    QuestionForm,
    SeriesForm,
    SiteForm,
    SiteVisitForm,
    TalkForm,
    add_service_errors,
)
from jishi.outreach.models import BranchMember, CheckIn, Series, Setting, Site, Talk
from jishi.outreach.poster import poster_pdf
from jishi.outreach.views_public import checkin_url

TALKS_PER_PAGE = 30


def _user(request: HttpRequest) -> Any:
    return request.user


def _month(value: str | None) -> dt.date:
    today = timezone.localdate(clock.now())
    try:
        year, month = (int(x) for x in str(value or "").split("-"))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return dt.date(year, month, 1)
    except ValueError:
        pass
    return today.replace(day=1)


# --- talks ---------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """宣讲: the talks to come and the last ones held, with filters."""
    user = _user(request)
    talks = selectors.talks_visible_to(user)
    filters = selectors.TalkFilter.from_query(request.GET)
    talks = filters.apply(talks)
    page = Paginator(talks.order_by("-starts_at", "-id"), TALKS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    rows = selectors.with_attendance(list(page))
    # The list's totals, counted as the figures count them (held talks of a period): a
    # figure's link, which always names a period, lands here and the same number heads the
    # list. Without a period there are none: they would mean something else than the
    # figures' numbers, and counting people walks every check-in of every year.
    totals = selectors.totals_of(selectors.held(talks)) if filters.period else None
    year_query = request.GET.copy()
    year_query.pop("page", None)
    year_query["period"] = str(timezone.localdate(clock.now()).year)
    return render(
        request,
        "outreach/index.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "totals": totals,
            "series_list": Series.objects.all(),
            "settings": Setting.choices,
            "townships": selectors.townships(),
            "may_add": selectors.may_add_talks(user),
            "branches": selectors.branches_of_secretary(user),
            "query": request.GET.urlencode(),
            "year_query": year_query.urlencode(),
        },
    )


@login_required
@require_GET
def talk_calendar(request: HttpRequest) -> HttpResponse:
    """日历: a month of talks, one cell a day."""
    month = _month(request.GET.get("month"))
    following = (month + dt.timedelta(days=32)).replace(day=1)
    first, last = selectors.start_of(month), selectors.start_of(following)
    talks = list(
        selectors.talks_visible_to(_user(request))
        .filter(starts_at__gte=first, starts_at__lt=last)
        .order_by("starts_at")
    )
    by_day: dict[int, list[Talk]] = {}
    for talk in talks:
        by_day.setdefault(timezone.localtime(talk.starts_at).day, []).append(talk)
    weeks = [
        [(day, by_day.get(day, [])) if day else (0, []) for day in week]
        for week in calendar.Calendar(firstweekday=0).monthdayscalendar(month.year, month.month)
    ]
    previous = (month - dt.timedelta(days=1)).replace(day=1)
    return render(
        request,
        "outreach/calendar.html",
        {
            "month": month,
            "weeks": weeks,
            "previous": previous,
            "following": following,
            "count": len(talks),
            "weekdays": [_("一"), _("二"), _("三"), _("四"), _("五"), _("六"), _("日")],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def talk_new(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    own = [p.unit_id for p in active_posts(user) if p.role in UNIT_ROLES]
    form = TalkForm(request.POST or None, initial={"organiser": own[0] if own else None}, user=user)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                talk = services.talk_create(actor=user, data=form.to_input())
            except InvalidInput as exc:
                add_service_errors(form, exc.errors, exc.message)
            else:
                messages.success(request, _("宣讲已安排，可打印签到海报。"))
                return redirect("outreach:talk", pk=talk.pk)
    return render(request, "outreach/talk_form.html", {"form": form, "talk": None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def talk_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    talk = selectors.talk_for(user, pk)
    initial = {
        "title": talk.title,
        "series": talk.series_id,
        "theme": talk.theme,
        "speaker": talk.speaker,
        "setting": talk.setting,
        "organiser": talk.organiser_id,
        "site": talk.site_id,
        "place": talk.place,
        "township": talk.township_id,
        "starts_at": timezone.localtime(talk.starts_at),
        "ends_at": timezone.localtime(talk.ends_at),
        "audience": talk.audience,
        "expected_size": talk.expected_size,
        "materials": talk.materials,
        "recording_url": talk.recording_url,
        "remote": bool(talk.remote_key),
        "remote_closes_at": timezone.localtime(talk.remote_closes_at)
        if talk.remote_closes_at
        else None,
    }
    form = TalkForm(request.POST or None, initial=initial, user=user)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                services.talk_update(actor=user, talk=talk, data=form.to_input())
            except InvalidInput as exc:
                add_service_errors(form, exc.errors, exc.message)
            else:
                messages.success(request, _("已保存。"))
                return redirect("outreach:talk", pk=talk.pk)
    return render(request, "outreach/talk_form.html", {"form": form, "talk": talk}, status=status)


def _talk_page(
    request: HttpRequest,
    talk: Talk,
    *,
    head_form: HeadCountForm | None = None,
    question_form: QuestionForm | None = None,
    strike_error: tuple[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    url = checkin_url(request, talk)
    remote_url = checkin_url(request, talk, remote=True) if talk.remote_key else ""
    checkins = list(
        talk.checkins.select_related("member", "member__branch", "struck_by", "marked_by").order_by(
            "created_at"
        )
    )
    return render(
        request,
        "outreach/talk.html",
        {
            "talk": talk,
            "url": url,
            "qr": qr_data_uri(url, scale=5),
            "remote_url": remote_url,
            "attendance": selectors.attendance_of(talk),
            "head_counts": list(selectors.head_count_entries(talk)),
            "checkins": checkins,
            "counted": sum(1 for c in checkins if c.struck_at is None),
            "strike_error": strike_error,
            "questions": list(talk.questions.select_related("case")),
            "may_manage": services.may_manage(user, talk.organiser),
            "head_form": head_form or HeadCountForm(),
            "question_form": question_form or QuestionForm(talk=talk),
            "window_open": not services.window_refusal(talk, "onsite"),
        },
        status=status,
    )


@login_required
@require_GET
def talk_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _talk_page(request, selectors.talk_for(_user(request), pk))


@login_required
@require_GET
def talk_poster(request: HttpRequest, pk: int) -> HttpResponse:
    talk = selectors.talk_for(_user(request), pk)
    response = HttpResponse(
        poster_pdf(talk, checkin_url(request, talk)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="talk-{talk.pk}.pdf"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def talk_reissue(request: HttpRequest, pk: int) -> HttpResponse:
    """更换签到码, after a confirmation: one click would retire every printed poster (or every
    remote link already sent), so the page says so and asks for a tick first (no script:
    the console's CSP allows none inline)."""
    user = _user(request)
    talk = selectors.talk_for(user, pk)
    if not services.may_manage(user, talk.organiser):
        raise PermissionDenied(_("只有主办单位可以更换签到码"))
    remote = (request.POST.get("remote") or request.GET.get("remote")) == "1"
    error = ""
    if request.method == "POST":
        if request.POST.get("confirm") == "1":
            services.talk_code_reissue(actor=user, talk=talk, remote=remote)
            if remote:
                messages.success(request, _("已更换远程签到链接，旧链接已失效，请重新发送。"))
            else:
                messages.success(
                    request, _("已更换签到码，旧海报和旧链接已失效，请重新打印或发送。")
                )
            return redirect("outreach:talk", pk=pk)
        error = _("请勾选确认后再更换。")
    if remote and not talk.remote_key:
        raise InvalidInput(_("这场宣讲没有开通远程签到"))
    return render(
        request,
        "outreach/talk_reissue.html",
        {"talk": talk, "remote": remote, "error": error},
        status=422 if error else 200,
    )


@login_required
@require_POST
def checkin_strike(request: HttpRequest, pk: int, checkin: int) -> HttpResponse:
    """划除 a bogus check-in, with its reason."""
    user = _user(request)
    talk = selectors.talk_for(user, pk)
    found = get_object_or_404(CheckIn, pk=checkin, talk=talk)
    try:
        services.checkin_strike(actor=user, checkin=found, reason=request.POST.get("reason", ""))
    except InvalidInput as exc:
        text = next(iter(exc.errors.get("reason", [])), exc.message)
        return _talk_page(request, talk, strike_error=(found.pk, text), status=422)
    messages.success(request, _("已划除这条签到，不再计入人数。"))
    return redirect("outreach:talk", pk=pk)


@login_required
@require_POST
def talk_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    talk = selectors.talk_for(_user(request), pk)
    services.talk_cancel(actor=_user(request), talk=talk)
    messages.success(request, _("宣讲已取消，签到码已失效。"))
    return redirect("outreach:talk", pk=pk)


@login_required
@require_POST
def head_count(request: HttpRequest, pk: int) -> HttpResponse:
    """现场补录: one more entry of the organiser's count of attendees without phones."""
    talk = selectors.talk_for(_user(request), pk)
    form = HeadCountForm(request.POST)
    if form.is_valid():
        try:
            services.head_count_add(
                actor=_user(request),
                talk=talk,
                count=form.cleaned_data["count"],
                note=form.cleaned_data["note"],
            )
        except InvalidInput as exc:
            add_service_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("已补录现场人数。"))
            return redirect("outreach:talk", pk=pk)
    return _talk_page(request, talk, head_form=form, status=422)


@login_required
@require_POST
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A question raised at the talk, recorded on the spot as a case."""
    talk = selectors.talk_for(_user(request), pk)
    form = QuestionForm(request.POST, talk=talk)
    if form.is_valid():
        d = form.cleaned_data
        try:
            question = services.question_record(
                actor=_user(request),
                talk=talk,
                kind=d["kind"],
                text=d["text"],
                citizen_name=d["citizen_name"],
                citizen_phone=d["citizen_phone"],
                village=d.get("village"),
            )
        except InvalidInput as exc:
            add_service_errors(form, exc.errors, exc.message)
        else:
            messages.success(
                request, _("已登记为诉求 %(code)s，按流程派单办理。") % {"code": question.case.code}
            )
            return redirect("outreach:talk", pk=pk)
    return _talk_page(request, talk, question_form=form, status=422)


# --- sites and series ----------------------------------------------------------------------


@login_required
@require_GET
def site_list(request: HttpRequest) -> HttpResponse:
    sites = Site.objects.select_related("township", "village").order_by("-active", "name")
    page = Paginator(sites, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "outreach/sites.html",
        {"page": page, "may_edit": selectors.may_add_talks(_user(request))},
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _user(request)
    site = get_object_or_404(Site, pk=pk) if pk is not None else None
    if site is not None and not services.site_may_edit(user, site):
        # The form of a site the user may not save would only invite a refused post.
        raise PermissionDenied(_("只有县级岗位或阵地所在乡镇可以修改这个阵地"))
    initial: dict[str, Any] = {"active": True}
    if site is not None:
        initial = {
            "name": site.name,
            "kind": site.kind,
            "township": site.township_id,
            "village": site.village_id,
            "address": site.address,
            "capacity": site.capacity,
            "opening_hours": site.opening_hours,
            "description": site.description,
            "active": site.active,
        }
    form = SiteForm(request.POST or None, request.FILES or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                saved = services.site_save(actor=user, site=site, **form.cleaned_data)
            except InvalidInput as exc:
                add_service_errors(form, exc.errors, exc.message)
            else:
                messages.success(request, _("已保存。"))
                return redirect("outreach:site_edit", pk=saved.pk)
    photos = list(site.photos.all()) if site is not None else []
    return render(
        request,
        "outreach/site_form.html",
        {"form": form, "site": site, "photos": photos},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_visits(request: HttpRequest, pk: int) -> HttpResponse:
    """参观接待: a site's visitors outside talks, for a period, and the form to add a day's."""
    user = _user(request)
    site = get_object_or_404(Site, pk=pk)
    may_edit = services.site_may_edit(user, site)
    start, end, label = _period(request)
    form = SiteVisitForm(
        request.POST or None, initial={"visited_on": timezone.localdate(clock.now())}
    )
    status = 200
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("只有县级岗位或阵地所在乡镇可以登记参观人数"))
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.site_visit_add(
                    actor=user,
                    site=site,
                    visited_on=d["visited_on"],
                    count=d["count"],
                    group=d["group"],
                )
            except InvalidInput as exc:
                add_service_errors(form, exc.errors, exc.message)
            else:
                messages.success(request, _("已登记参观人数。"))
                return redirect(f"{reverse('outreach:site_visits', args=[pk])}?period={label}")
    visits = selectors.visits_in(
        selectors.site_visits_visible_to(user).filter(site=site), (start, end)
    )
    return render(
        request,
        "outreach/site_visits.html",
        {
            "site": site,
            "period": label,
            "visits": list(visits[:500]),
            "total": selectors.visitors_of(visits),
            "form": form,
            "may_edit": may_edit,
        },
        status=status,
    )


@login_required
@require_GET
def series_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "outreach/series_list.html",
        {
            "rows": selectors.series_with_counts(_user(request)),
            "may_edit": is_county_wide(_user(request)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def series_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _user(request)
    series = get_object_or_404(Series, pk=pk) if pk is not None else None
    initial: dict[str, Any] = {"active": True}
    if series is not None:
        initial = {
            "name": series.name,
            "description": series.description,
            "themes": "\n".join(series.themes),
            "active": series.active,
        }
    form = SeriesForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.series_save(
                    actor=user,
                    series=series,
                    name=d["name"],
                    description=d["description"],
                    themes=d["themes"].splitlines(),
                    active=d["active"],
                )
            except InvalidInput as exc:
                add_service_errors(form, exc.errors, exc.message)
            else:
                messages.success(request, _("已保存。"))
                return redirect("outreach:series")
    return render(
        request, "outreach/series_form.html", {"form": form, "series": series}, status=status
    )


# --- import ----------------------------------------------------------------------------------

IMPORT_MAX_BYTES = 5 * 1024 * 1024


def _upload(request: HttpRequest) -> tuple[bytes, str] | str:
    upload = request.FILES.get("file")
    if upload is None:
        return _("请选择文件")
    if upload.size is None or upload.size > IMPORT_MAX_BYTES:
        return _("文件不超过 5 MB")
    return upload.read(), upload.name or ""


@login_required
@require_http_methods(["GET", "POST"])
def schedule_import(request: HttpRequest) -> HttpResponse:
    """导入日程: a season's talks from Excel; nothing is written until every row is right."""
    user = _user(request)
    if request.GET.get("template") == "1":
        response = HttpResponse(
            imports.template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="talks-template.xlsx"'
        return response
    context: dict[str, Any] = {"columns": imports.TALK_COLUMNS}
    status = 200
    if request.method == "POST":
        got = _upload(request)
        if isinstance(got, str):
            context["file_error"] = got
            status = 422
        else:
            report = imports.schedule_import(actor=user, data=got[0], filename=got[1])
            context["report"] = report
            if report.written:
                messages.success(request, report.lines()[-1])
                return redirect("outreach:index")
            status = 422
    return render(request, "outreach/import.html", context, status=status)


# --- branches and learning records -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def branch_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = BranchForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                branch = services.branch_save(
                    actor=user,
                    name=form.cleaned_data["name"],
                    unit=form.cleaned_data["unit"],
                    secretary=form.cleaned_data.get("secretary"),
                )
            except InvalidInput as exc:
                add_service_errors(form, exc.errors, exc.message)
            else:
                return redirect("outreach:branch", pk=branch.pk)
    quarter = selectors.quarter_bounds(timezone.localdate(clock.now()))
    person = services.clean(request.GET.get("name", ""))[: services.NAME_MAX]
    records = list(selectors.person_record(user, person)[:200]) if person else []
    rows = []
    for branch in selectors.branches_visible_to(user).filter(active=True)[:200]:
        members = selectors.branch_members(branch, quarter)
        rows.append((branch, len(members), len(selectors.absentees(members))))
    return render(
        request,
        "outreach/branches.html",
        {
            "rows": rows,
            "form": form,
            "quarter": quarter,
            "may_add": selectors.may_add_talks(user),
            "person": person,
            "records": records,
            # Closed branches stay reachable for whoever may reopen them.
            "closed": [
                b
                for b in selectors.branches_visible_to(user).filter(active=False)[:200]
                if services.may_keep_branch(user, b)
            ],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def branch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A branch for its secretary: members, who attended nothing this quarter, the import."""
    user = _user(request)
    branch = selectors.branch_for(user, pk)
    form = MemberForm(request.POST or None)
    report = None
    status = 200
    if request.method == "POST":
        status = 422
        if request.FILES:
            got = _upload(request)
            if isinstance(got, str):
                form.add_error(None, got)
            else:
                report = imports.members_import(
                    actor=user, branch=branch, data=got[0], filename=got[1]
                )
                if report.written:
                    messages.success(request, report.lines()[-1])
                    return redirect("outreach:branch", pk=pk)
        elif form.is_valid():
            d = form.cleaned_data
            try:
                services.branch_member_add(
                    actor=user,
                    branch=branch,
                    name=d["name"],
                    hardship=d["hardship"],
                    remote=d["remote"],
                    note=d["note"],
                )
            except InvalidInput as exc:
                add_service_errors(form, exc.errors, exc.message)
            else:
                messages.success(request, _("已添加。"))
                return redirect("outreach:branch", pk=pk)
    quarter = selectors.quarter_bounds(_month(request.GET.get("month")))
    members = selectors.branch_members(branch, quarter)
    return render(
        request,
        "outreach/branch.html",
        {
            "branch": branch,
            "members": members,
            "absent": selectors.absentees(members),
            "quarter": quarter,
            "quarter_end": quarter[1] - dt.timedelta(days=1),
            "form": form,
            "report": report,
            "retired": list(branch.members.filter(active=False).order_by("name", "id")),
            "may_keep_branch": services.may_keep_branch(user, branch),
            "may_keep_members": services.may_keep_members(user, branch),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def branch_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a branch, change its secretary, close it."""
    user = _user(request)
    branch = selectors.branch_for(user, pk)
    if not services.may_keep_branch(user, branch):
        raise PermissionDenied(_("只有支部所在单位（或上级单位）可以修改支部"))
    initial = {"name": branch.name, "secretary": branch.secretary_id, "active": branch.active}
    form = BranchEditForm(request.POST or None, initial=initial, branch=branch)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.branch_update(
                    actor=user,
                    branch=branch,
                    name=d["name"],
                    secretary=d.get("secretary"),
                    active=d["active"],
                )
            except InvalidInput as exc:
                add_service_errors(form, exc.errors, exc.message)
            else:
                messages.success(request, _("已保存。"))
                return redirect("outreach:branch", pk=pk)
    return render(
        request, "outreach/branch_form.html", {"form": form, "branch": branch}, status=status
    )


def _member_page(
    request: HttpRequest,
    member: BranchMember,
    *,
    mark_form: MarkAttendedForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    return render(
        request,
        "outreach/member.html",
        {
            "member": member,
            "records": list(selectors.learning_record(member)[:500]),
            "may_edit": services.may_keep_members(user, member.branch),
            "mark_form": mark_form or MarkAttendedForm(talks=selectors.talks_to_mark()),
            "visible_talks": set(
                selectors.talks_visible_to(user)
                .filter(checkins__member=member)
                .values_list("pk", flat=True)
            ),
        },
        status=status,
    )


@login_required
@require_GET
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """学习记录: the talks one member attended, and the form to mark one by hand."""
    return _member_page(request, selectors.member_for(_user(request), pk))


@login_required
@require_POST
def member_mark(request: HttpRequest, pk: int) -> HttpResponse:
    """补记参学: a member attended a talk without a check-in that names them."""
    user = _user(request)
    member = selectors.member_for(user, pk)
    form = MarkAttendedForm(request.POST, talks=selectors.talks_to_mark())
    if form.is_valid():
        try:
            services.attendance_mark(
                actor=user,
                member=member,
                talk=form.cleaned_data["talk"],
                note=form.cleaned_data["note"],
            )
        except InvalidInput as exc:
            add_service_errors(form, exc.errors, exc.message)
        else:
            messages.success(request, _("已补记参学。"))
            return redirect("outreach:member", pk=pk)
    return _member_page(request, member, mark_form=form, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a member's name or flags, or retire them."""
    user = _user(request)
    member = selectors.member_for(user, pk)
    if not services.may_keep_members(user, member.branch):
        raise PermissionDenied(_("只有支部书记或所在单位可以维护党员名单"))
    initial = {
        "name": member.name,
        "hardship": member.hardship,
        "remote": member.remote,
        "note": member.note,
        "active": member.active,
    }
    form = MemberEditForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.branch_member_update(
                    actor=user,
                    member=member,
                    name=d["name"],
                    hardship=d["hardship"],
                    remote=d["remote"],
                    note=d["note"],
                    active=d["active"],
                )
            except InvalidInput as exc:
                add_service_errors(form, exc.errors, exc.message)
            else:
                messages.success(request, _("已保存。"))
                return redirect("outreach:branch", pk=member.branch_id)
    return render(
        request, "outreach/member_form.html", {"form": form, "member": member}, status=status
    )


# --- figures ---------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[dt.date, dt.date, str]:
    """The period asked for: a month (YYYY-MM), a year (YYYY) or this year; read like the
    talk list reads it, so the figures' links carry it unchanged."""
    today = timezone.localdate(clock.now())
    raw = str(request.GET.get("period") or "").strip()
    bounds = selectors.period_bounds(raw)
    if bounds is not None:
        start, end = bounds
        return start, end, f"{start:%Y}" if (end - start).days > 31 else f"{start:%Y-%m}"
    return dt.date(today.year, 1, 1), dt.date(today.year + 1, 1, 1), str(today.year)


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    """统计: talks by series, setting, township and month, attendance, site visits; every
    number links to the talks it counts."""
    start, end, label = _period(request)
    data = selectors.outreach_figures(_user(request), (start, end))
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(
            exports.figures_workbook(data, label),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="outreach-{label}.xlsx"'
        return response

    def link(**filters: str) -> str:
        # The talks a number counts: held talks of the page's period (a month row's own month)
        # under the row's filter; the list shows the same totals over them.
        query = {"held": "1", "period": label, **filters}
        return f"{reverse('outreach:index')}?{urlencode(query)}"

    def rows(items: list[selectors.FigureRow], param: str) -> list[tuple[Any, str, str]]:
        if param == "period":
            return [(r, link(period=r.key), "") for r in items]
        if param == "site":
            # A site's visitors outside talks link to its visit entries of the period.
            return [
                (
                    r,
                    link(site=r.key),
                    reverse("outreach:site_visits", args=[r.key]) + f"?period={label}",
                )
                for r in items
            ]
        return [(r, link(**{param: r.key or selectors.NONE}), "") for r in items]

    tables = [
        (_("按系列"), _("系列"), rows(data.by_series, "series"), False),
        (_("按六进场景"), _("场景"), rows(data.by_setting, "setting"), False),
        (_("按乡镇"), _("乡镇"), rows(data.by_township, "township"), False),
        (_("按月份"), _("月份"), rows(data.by_month, "period"), False),
        (_("阵地接待"), _("阵地"), rows(data.by_site, "site"), True),
    ]
    return render(
        request,
        "outreach/figures.html",
        {
            "f": data,
            "period": label,
            "all_talks": link(),
            "head_count_talks": link(head_count="1"),
            "tables": tables,
            "years": list(range(timezone.localdate(clock.now()).year, 2019, -1))[:6],
        },
    )
