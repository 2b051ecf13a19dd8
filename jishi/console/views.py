"""The staff console's core pages: my work, the dispatcher's queue and the case page.

Thin views: parse a form, call one service or selector, render. Errors from services become
field messages (``InvalidInput``), a message above the form (``InvalidTransition``), 404
(``NotFound``: also "outside your scope"), 403 (``PermissionDenied``) — those two by
``jishi.common.middleware.ErrorMiddleware`` — or 409 (``Conflict``: ``app.js`` reloads the
page and explains). htmx requests get the fragment they replace;
without JavaScript the same URLs answer with whole pages and redirects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from jishi.cases import services
from jishi.cases.models import Case
from jishi.common import clock
from jishi.common.errors import (
    Conflict,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from jishi.console import forms
from jishi.console import selectors as sel
from jishi.console.forms_ledger import LedgerFilterForm
from jishi.orgs import access
from jishi.orgs.http import StaffRequest
from jishi.orgs.models import User
from jishi.projects import selectors as project_selectors
from jishi.routing.replies import score_reply
from jishi.workdays.selectors import get_calendar

CONFLICT_MESSAGE = gettext_lazy("该事项已被他人处理，页面已刷新")


# --- actions --------------------------------------------------------------------------------

Runner = Callable[[User, Case, dict[str, Any]], Any]


@dataclass(frozen=True)
class Action:
    name: str
    label: Any
    form: type[forms.ActionForm]
    run: Runner
    done: Any  # the toast after success
    style: str = ""  # "primary" / "danger" / ""
    instant: bool = False  # no fields: a single button


def _merge(user: User, case: Case, d: dict[str, Any]) -> Case:
    try:
        into = sel.merge_target(user, d["into"])
    except NotFound:
        raise InvalidInput(
            "事项不存在",
            errors={"into": [_("没有找到受理编号为 %(code)s 的事项") % {"code": d["into"]}]},
        ) from None
    return services.case_merge(
        actor=user, case=case, into=into, note=d["note"], expected_version=d["expected_version"]
    )


def _reply(user: User, case: Case, d: dict[str, Any]) -> Case:
    """Send the reply, unless the reply check finds it thin and the replier has not yet
    confirmed: then the form comes back with the reasons and a "仍然发送" box."""
    score = score_reply(
        message=case.text,
        subject=case.title,
        reply=d["text"],
        asked_at=case.accepted_at,
        replied_at=clock.now(),
    )
    if d.get("check") and not d.get("confirm") and score.needs_warning:
        # The reasons above the form; the box to send anyway, with its hint, below it.
        raise InvalidInput(
            score.warning_text,
            errors={
                "__all__": [score.warning_text],
                "confirm": [_("可修改答复后重新提交；确认无误请勾选“仍然发送”")],
            },
        )
    return services.case_reply(
        actor=user,
        case=case,
        text=d["text"],
        quality=score.as_payload(confirmed=bool(d.get("confirm"))),
        expected_version=_v(d),
    )


def _attach(user: User, case: Case, d: dict[str, Any]) -> Case:
    uploads = [services.Upload.of(f) for f in d["attachments"]]
    return services.case_attach(
        actor=user, case=case, files=uploads, expected_version=d["expected_version"]
    )


def _v(d: dict[str, Any]) -> int:
    return int(d["expected_version"])


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "acknowledge",
            gettext_lazy("签收"),
            forms.AcknowledgeForm,
            lambda u, c, d: services.case_acknowledge(actor=u, case=c, expected_version=_v(d)),
            gettext_lazy("已签收"),
            "primary",
            instant=True,
        ),
        Action(
            "interim_reply",
            gettext_lazy("阶段性答复"),
            forms.InterimReplyForm,
            lambda u, c, d: services.case_interim_reply(
                actor=u, case=c, text=d["text"], expected_version=_v(d)
            ),
            gettext_lazy("已发送阶段性答复"),
        ),
        Action(
            "reply",
            gettext_lazy("答复"),
            forms.ReplyForm,
            _reply,
            gettext_lazy("已答复，等待回访"),
            "primary",
        ),
        Action(
            "return",
            gettext_lazy("退单"),
            forms.ReturnForm,
            lambda u, c, d: services.case_return(
                actor=u, case=c, reason=d["reason"], expected_version=_v(d)
            ),
            gettext_lazy("已退单"),
            "danger",
        ),
        Action(
            "request_extension",
            gettext_lazy("申请延期"),
            forms.ExtensionForm,
            lambda u, c, d: services.case_request_extension(
                actor=u, case=c, days=d["days"], reason=d["reason"], expected_version=_v(d)
            ),
            gettext_lazy("已提交延期申请"),
        ),
        Action(
            "decide_extension",
            gettext_lazy("审批延期"),
            forms.DecideExtensionForm,
            lambda u, c, d: services.case_decide_extension(
                actor=u, case=c, approve=d["approve"], note=d["note"], expected_version=_v(d)
            ),
            gettext_lazy("已审批延期申请"),
            "primary",
        ),
        Action(
            "callback",
            gettext_lazy("回访"),
            forms.CallbackForm,
            lambda u, c, d: services.case_callback(
                actor=u,
                case=c,
                resolved=d["resolved"],
                satisfaction=d["satisfaction"],
                comment=d["comment"],
                expected_version=_v(d),
            ),
            gettext_lazy("已记录回访"),
            "primary",
        ),
        Action(
            "callback_attempt",
            gettext_lazy("回访未接通"),
            forms.CallbackAttemptForm,
            lambda u, c, d: services.case_callback_attempt(
                actor=u, case=c, note=d["note"], expected_version=_v(d)
            ),
            gettext_lazy("已记录回访未接通"),
        ),
        Action(
            "close",
            gettext_lazy("办结"),
            forms.CloseForm,
            lambda u, c, d: services.case_close(
                actor=u, case=c, reason=d["reason"], expected_version=_v(d)
            ),
            gettext_lazy("已办结"),
        ),
        Action(
            "reopen",
            gettext_lazy("重办"),
            forms.ReopenForm,
            lambda u, c, d: services.case_reopen(
                actor=u, case=c, reason=d["reason"], expected_version=_v(d)
            ),
            gettext_lazy("已退回重办"),
        ),
        Action(
            "dispatch",
            gettext_lazy("派单"),
            forms.DispatchForm,
            lambda u, c, d: services.case_dispatch(
                actor=u,
                case=c,
                lead_unit=d["lead_unit"],
                assisting_units=list(d["assisting_units"]),
                category=d["category"],
                note=d["note"],
                suggested=d.get("suggested") or None,
                expected_version=_v(d),
            ),
            gettext_lazy("已派单"),
            "primary",
        ),
        Action(
            "arbitrate",
            gettext_lazy("裁定"),
            forms.ArbitrateForm,
            lambda u, c, d: services.case_arbitrate(
                actor=u,
                case=c,
                lead_unit=d["lead_unit"],
                assisting_units=list(d["assisting_units"]),
                reason=d["reason"],
                expected_version=_v(d),
            ),
            gettext_lazy("已裁定"),
        ),
        Action(
            "remind",
            gettext_lazy("催办"),
            forms.RemindForm,
            lambda u, c, d: services.case_remind(
                actor=u, case=c, note=d["note"], expected_version=_v(d)
            ),
            gettext_lazy("已催办"),
        ),
        Action(
            "supervise",
            gettext_lazy("督办"),
            forms.SuperviseForm,
            lambda u, c, d: services.case_supervise(
                actor=u, case=c, days=d["days"], note=d["note"], expected_version=_v(d)
            ),
            gettext_lazy("已督办"),
        ),
        Action("merge", gettext_lazy("合并"), forms.MergeForm, _merge, gettext_lazy("已合并")),
        Action(
            "reject",
            gettext_lazy("不予受理"),
            forms.RejectForm,
            lambda u, c, d: services.case_reject(
                actor=u, case=c, reason=d["reason"], expected_version=_v(d)
            ),
            gettext_lazy("已不予受理"),
            "danger",
        ),
        Action(
            "note",
            gettext_lazy("内部备注"),
            forms.NoteForm,
            lambda u, c, d: services.case_add_note(
                actor=u, case=c, text=d["text"], expected_version=_v(d)
            ),
            gettext_lazy("已添加备注"),
        ),
        Action(
            "attach", gettext_lazy("补充照片"), forms.AttachForm, _attach, gettext_lazy("已上传")
        ),
    ]
}


def _bind(action: Action, case: Case, data: Any = None, files: Any = None) -> forms.ActionForm:
    prefix = action.name
    if data is None:
        form = action.form(prefix=prefix, initial={"expected_version": case.version})
    else:
        form = action.form(data, files, prefix=prefix)
    if isinstance(form, forms.DispatchForm):
        form.case_category = case.category  # type: ignore[attr-defined]
        if data is None and case.category_id:
            form.initial["category"] = case.category_id
    return form


def _put_errors(form: forms.ActionForm, exc: InvalidInput | InvalidTransition) -> None:
    errors = getattr(exc, "errors", None) or {}
    placed = False
    for field, messages in errors.items():
        for message in messages:
            if field in form.fields:
                form.add_error(field, message)
            else:
                form.add_error(None, message)
            placed = True
    if not placed:
        form.add_error(None, exc.message)


def _perform(request: StaffRequest, action: Action, case: Case) -> tuple[bool, forms.ActionForm]:
    """Validate the posted form and run the action; Conflict/PermissionDenied propagate."""
    form = _bind(action, case, request.POST, request.FILES)
    if not form.is_valid():
        return False, form
    try:
        action.run(request.user, case, form.cleaned_data)
    except (InvalidInput, InvalidTransition) as exc:
        _put_errors(form, exc)
        return False, form
    return True, form


def _conflict(request: HttpRequest) -> HttpResponse:
    return HttpResponse(str(CONFLICT_MESSAGE), status=409, content_type="text/plain; charset=utf-8")


def _toast(response: HttpResponse, message: Any) -> HttpResponse:
    response["HX-Trigger"] = json.dumps({"jishi:toast": str(message)})
    return response


# --- my work --------------------------------------------------------------------------------


@login_required
@require_safe
def my_work(request: StaffRequest) -> HttpResponse:
    """我的工作: what the user's posts must act on, grouped, overdue first."""
    groups = sel.my_work(request.user)
    return render(
        request,
        "console/my_work.html",
        {
            "groups": groups,
            # Progress reports and supervision orders the user's unit owes (待报送): how a
            # round's reminder reaches the lead unit's staff.
            "due": project_selectors.due_work(request.user),
            "empty_groups": [g for g in groups if not g.count],
            "total": sum(g.count for g in groups),
            "capped": any(g.capped for g in groups),
            "dispatch_url": reverse("console:dispatch"),
            "posts": sel.active_posts(request.user),
            "has_posts": bool(sel.active_posts(request.user)) or request.user.is_superuser,
        },
    )


# --- case page ------------------------------------------------------------------------------


def _load(request: StaffRequest, code: str) -> Case:
    # NotFound (also "outside your scope") is a 404 by ErrorMiddleware.
    return sel.case_page(request.user, code)


def _case_context(
    request: StaffRequest, case: Case, *, bound: forms.ActionForm | None = None, open_: str = ""
) -> dict[str, Any]:
    user: User = request.user
    now = clock.now()
    calendar = get_calendar()
    offered = []
    names = sel.actions_for(user, case)
    if bound is not None and open_ not in names:
        # The action failed (say the case moved on): keep its form and message in view.
        names.insert(0, open_)
    for name in names:
        action = ACTIONS[name]
        form = bound if bound is not None and open_ == name else _bind(action, case)
        offered.append({"action": action, "form": form, "open": open_ == name})
    return {
        "case": case,
        "timeline": sel.timeline(case),
        "deadlines": sel.open_clocks(case, now=now, calendar=calendar),
        "actions": offered,
        "may_reveal": sel.may_reveal(user, case),
        "may_reveal_text": sel.may_reveal_text(user, case),
        # Likely duplicates load after the page, and only for those who may merge it.
        "duplicates_url": reverse("console:duplicates", args=[case.code])
        if "merge" in names
        else "",
        "attachments": case.attachment_list,  # type: ignore[attr-defined]
        "assisting": case.assisting_list,  # type: ignore[attr-defined]
    }


@login_required
@require_safe
def case_detail(request: StaffRequest, code: str) -> HttpResponse:
    case = _load(request, code)
    return render(request, "console/case_detail.html", _case_context(request, case))


@login_required
@require_POST
def case_action(request: StaffRequest, code: str, name: str) -> HttpResponse:
    """Run one action from the case page; htmx gets the case body back, fresh."""
    action = ACTIONS.get(name)
    if action is None:
        raise Http404
    case = _load(request, code)
    try:
        ok, form = _perform(request, action, case)
    except Conflict:
        return _conflict(request)
    if ok:
        if not request.htmx:
            return redirect("console:detail", code=case.code)
        try:
            fresh = sel.case_page(request.user, case.code)
        except NotFound:
            # Acting moved the case out of the user's sight: go back to the work list.
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("console:home")
            return response
        response = render(request, "console/_case_body.html", _case_context(request, fresh))
        return _toast(response, action.done)
    context = _case_context(request, case, bound=form, open_=name)
    if request.htmx:
        # 200, so htmx swaps the form with its messages in (it ignores 4xx bodies).
        return render(request, "console/_case_body.html", context)
    return render(request, "console/case_detail.html", context, status=400)


@login_required
@require_POST
def case_reveal(request: StaffRequest, code: str) -> HttpResponse:
    """Show the citizen's full phone number, or the numbers masked in the case's text; the
    reveal is recorded as an event."""
    case = _load(request, code)
    field = "text" if request.POST.get("field") == "text" else "citizen_phone"
    try:
        value = services.case_reveal_contact(actor=request.user, case=case, field=field)
    except InvalidTransition as exc:
        # A case whose state forbids the reveal: refused like a post that may not reveal.
        raise PermissionDenied(exc.message) from None
    template = "console/_revealed_text.html" if field == "text" else "console/_revealed.html"
    return render(request, template, {"value": value, "case": case})


@login_required
@require_safe
def attachment_file(request: StaffRequest, code: str, pk: int) -> FileResponse:
    """A case's photo, only for those who may see the case (never a public media URL)."""
    attachment = sel.attachment_for(request.user, code, pk)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- dispatcher queue -----------------------------------------------------------------------

MIN_SUGGESTION = 0.05
# Ledger form fields that shape a page, not which cases are on it.
VIEW_FIELDS = frozenset({"sort", "per_page"})
QUEUE_OPS = ("dispatch", "arbitrate", "merge", "reject")
_TYPED = ("dispatch-note", "merge-into", "reject-reason", "arbitrate-reason")


def _queue_row(
    row: sel.QueueRow,
    suggestions: list[sel.Suggestion],
    pickers: dict[str, Any],
    *,
    form: forms.ActionForm | None = None,
    op: str = "",
) -> dict[str, Any]:
    """What one row of the queue shows: the case, the router's hints and, after an error,
    what the dispatcher had typed (the pickers hold list text, not ids)."""
    case = row.case
    category_picker, unit_picker = pickers["category_picker"], pickers["unit_picker"]
    posted: Any = form.data if form is not None else {}
    if form is not None:
        chosen = str(posted.get("dispatch-category") or "")
        chosen_unit = str(posted.get("dispatch-lead_unit") or "")
        # An id (from a <select> elsewhere) is shown as its list text.
        chosen = category_picker.label(chosen) or chosen
        chosen_unit = unit_picker.label(chosen_unit) or chosen_unit
        assisting = [unit_picker.label(v) or v for v in posted.getlist("dispatch-assisting_units")]
    else:
        top = suggestions[0].category if suggestions else case.category
        chosen = category_picker.label(top.pk) if top else ""
        chosen_unit = ""
        assisting = []
    return {
        "case": case,
        "waited": row.waited,
        "late": row.late,
        # What was typed, put back after an error (the keys have no dashes for templates).
        "typed": {key.replace("-", "_"): posted.get(key, "") for key in _TYPED},
        # A hint the router gives under 5% is noise, not a choice worth a button.
        "suggestions": [
            (s, category_picker.label(s.category.pk) or s.category.name)
            for s in suggestions
            if s.score >= MIN_SUGGESTION or s is suggestions[0]
        ],
        "chosen": chosen,
        "chosen_unit": chosen_unit,
        "arbitrate_unit": (
            str(posted.get("arbitrate-lead_unit") or "")
            if form is not None
            else unit_picker.label(case.lead_unit_id)
        ),
        # Three assisting-unit pickers cover nearly every dispatch; more on the case page.
        "assisting": [*assisting, "", "", ""][: max(3, len(assisting))],
        "form": form,
        "op": op,
        # After an error, the section holding the field at fault is shown open.
        "more_open": form is not None
        and (op != "dispatch" or "assisting_units" in form.errors or "note" in form.errors),
    }


def _queue_page_number(request: HttpRequest) -> int:
    try:
        return max(1, int(request.GET.get("page", "1")))
    except ValueError:
        return 1


@login_required
@require_safe
def dispatch_queue(request: StaffRequest) -> HttpResponse:
    """派单: every case waiting for routing (new and returned), the longest-waiting first,
    filtered like the ledger and paged; each row routable in one step."""
    user: User = request.user
    if not access.is_dispatcher(user):
        raise PermissionDenied(_("只有派单员可以派单"))
    form = LedgerFilterForm(request.GET or None)
    newest_first = request.GET.get("order") == "newest"
    queue = sel.dispatch_queue(
        user,
        form.filters,
        page=_queue_page_number(request),
        per_page=sel.QUEUE_PAGE,
        newest_first=newest_first,
    )
    choices = sel.routing_choices()
    pickers = choices.context()
    suggestions = sel.suggestions_for_many([r.case for r in queue.rows], choices.by_code)
    rows = [_queue_row(r, s, pickers) for r, s in zip(queue.rows, suggestions, strict=True)]
    query = [(k, v) for k, values in request.GET.lists() if k != "page" for v in values]

    def page_url(number: int) -> str:
        return "?" + urlencode([*query, ("page", str(number))])

    return render(
        request,
        "console/dispatch_queue.html",
        {
            "rows": rows,
            "queue": queue,
            "form": form,
            "newest_first": newest_first,
            "filtered": any(v for k, v in form.filters.items() if k not in VIEW_FIELDS),
            "prev_url": page_url(queue.page - 1) if queue.page > 1 else "",
            "next_url": page_url(queue.page + 1) if queue.page < queue.pages else "",
            **pickers,
        },
    )


@login_required
@require_safe
def dispatch_more(request: StaffRequest, code: str) -> HttpResponse:
    """A queue row's less used operations (assisting units, merge, reject, arbitrate), fetched
    when the dispatcher opens them."""
    user: User = request.user
    if not access.is_dispatcher(user):
        raise PermissionDenied(_("只有派单员可以派单"))
    case = _load(request, code)
    pickers = sel.routing_choices().context()
    row = _queue_row(sel.queue_row(case), [], pickers)
    return render(request, "console/_queue_more.html", {"row": row, **pickers})


@login_required
@require_POST
def dispatch_row(request: StaffRequest, code: str) -> HttpResponse:
    """One row of the queue: dispatch, arbitrate, merge or reject; answers with the row."""
    op = request.POST.get("op", "dispatch")
    if op not in QUEUE_OPS:
        op = "dispatch"
    case = _load(request, code)
    action = ACTIONS[op]
    # The row posts one version for whichever operation its button names.
    if "expected_version" in request.POST and f"{op}-expected_version" not in request.POST:
        posted = request.POST.copy()
        posted.setlist(f"{op}-expected_version", posted.getlist("expected_version"))
        request.POST = posted  # type: ignore[assignment]
    # The row posts every field of every operation, each under its operation's prefix.
    try:
        ok, form = _perform(request, action, case)
    except Conflict:
        return _conflict(request)
    if ok:
        fresh = Case.objects.select_related("lead_unit").get(pk=case.pk)
        response = render(request, "console/_queue_done.html", {"case": fresh, "op": op})
        if not request.htmx:
            return redirect("console:dispatch")
        return _toast(response, action.done)
    choices = sel.routing_choices()
    pickers = choices.context()
    row = _queue_row(
        sel.queue_row(case), sel.suggestions_for(case, choices.by_code), pickers, form=form, op=op
    )
    context = {"row": row, **pickers}
    if request.htmx:
        return render(request, "console/_queue_row.html", context)
    # Without JavaScript: the row again on a page of its own, with its pickers' lists.
    return render(request, "console/dispatch_row_page.html", context, status=400)
