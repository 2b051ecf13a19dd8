"""Reads behind the staff console's pages: the "my work" groups, deadline lights, the
timeline of a case in words, and which actions a user may offer on a case.

Everything here goes through ``cases_visible_to`` / ``case_for``, so the console never shows
more than the ledger would. Which buttons to offer is only a courtesy: the services judge.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from jishi.cases import access, display
from jishi.cases.fields import category_picklist
from jishi.cases.models import (
    Attachment,
    Case,
    CaseEvent,
    Category,
    State,
)
from jishi.cases.selectors import (
    LIST_DEFERRED,
    attach_references,
    case_for,
    cases_visible_to,
    category_table,
)
from jishi.cases.workflow import CITIZEN
from jishi.common import clock
from jishi.common.errors import NotFound
from jishi.common.masking import has_personal_numbers, mask_personal_numbers
from jishi.console.forms_ledger import filter_cases
from jishi.orgs.access import roles_of
from jishi.orgs.display import role_label
from jishi.orgs.forms import unit_picklist
from jishi.orgs.models import Role, Unit, User
from jishi.orgs.selectors import active_posts, scope_of, unit_table
from jishi.routing.selectors import predict_many
from jishi.workdays.calendar import Calendar
from jishi.workdays.selectors import get_calendar

GROUP_LIMIT = 20

# --- deadlines ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineView:
    """A deadline as the console shows it: the instant, a light and the working time left."""

    due: datetime
    seconds: int
    light: str  # green / yellow / red
    text: str
    label: str = ""

    @property
    def overdue(self) -> bool:
        return self.seconds < 0


def _span_text(seconds: int, per_day: int) -> str:
    days, rest = divmod(abs(seconds), per_day)
    hours = rest // 3600
    if days and hours:
        return _("%(days)s 个工作日 %(hours)s 小时") % {"days": days, "hours": hours}
    if days:
        return _("%(days)s 个工作日") % {"days": days}
    if hours:
        return _("%(hours)s 小时") % {"hours": hours}
    return _("不足 1 小时")


def deadline_view(
    due: datetime | None, *, now: datetime, calendar: Calendar, label: str = ""
) -> DeadlineView | None:
    """The deadline's light (``display.light_colour``) and the working time left or over."""
    if due is None:
        return None
    seconds = calendar.working_seconds_between(now, due)
    per_day = calendar.hours.seconds_per_day
    # The light follows the one rule every page and export uses (display.light_colour).
    light = display.light_colour(due, now=now, remaining=seconds, per_day=per_day)
    if light == display.RED:
        text = _("已超期 %(span)s") % {"span": _span_text(seconds, per_day)}
    else:
        text = _("剩余 %(span)s") % {"span": _span_text(seconds, per_day)}
    return DeadlineView(due=due, seconds=seconds, light=light, text=text, label=label)


def case_deadline(case: Case, *, now: datetime, calendar: Calendar) -> DeadlineView | None:
    """The deadline that matters now (``display.current_deadline``), lit."""
    due, kind = display.current_deadline(case)
    return deadline_view(due, now=now, calendar=calendar, label=display.clock_label(kind))


# --- my work --------------------------------------------------------------------------------


@dataclass
class WorkRow:
    case: Case
    deadline: DeadlineView | None
    waiting: str = ""  # without a deadline: how long it has waited, in working time
    url: str = ""


@dataclass
class WorkGroup:
    key: str
    title: str
    hint: str
    count: int  # at most WORK_COUNT_CAP
    rows: list[WorkRow]
    more_url: str
    capped: bool = False  # more than WORK_COUNT_CAP: the count shows as "999+"

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.rows))

    @property
    def count_label(self) -> str:
        return f"{self.count}+" if self.capped else str(self.count)


@dataclass(frozen=True)
class _GroupSpec:
    key: str
    title: Any
    hint: Any
    due_field: str | None  # order by this deadline (overdue first); else oldest accepted first
    params: dict[str, str] = field(default_factory=dict)
    # The condition itself keeps to the user's scope (lead unit among their units), so the
    # visibility filter — five alternatives ORed — would only slow the query down.
    within_scope: bool = False


def ledger_url(params: dict[str, str]) -> str:
    """A link into the ledger list, filtered; empty while the ledger page does not exist."""
    try:
        base = reverse("console:ledger")
    except NoReverseMatch:
        return ""
    return f"{base}?{urlencode(params)}" if params else base


def case_urls() -> Callable[[str], str]:
    """Tracking code → case page URL, with one ``reverse()`` for a whole list (codes are
    letters, digits and a hyphen, so they need no quoting)."""
    marker = "JA0000-MARK"
    pattern = reverse("console:detail", args=[marker])
    return lambda code: pattern.replace(marker, code)


def _unit_groups(ids: frozenset[int], unit_param: str) -> list[tuple[_GroupSpec, Q]]:
    mine = Q(lead_unit_id__in=ids)
    return [
        (
            _GroupSpec(
                "acknowledge",
                gettext_lazy("待签收"),
                gettext_lazy("派给本单位的事项，请签收或退单"),
                "response_due",
                {"state": State.DISPATCHED, "unit": unit_param},
                within_scope=True,
            ),
            mine & Q(state=State.DISPATCHED),
        ),
        (
            _GroupSpec(
                "redo",
                gettext_lazy("退回重办"),
                gettext_lazy("回访不满意，退回本单位重新办理"),
                "handling_due",
                {"state": State.IN_PROGRESS, "unit": unit_param, "reopened": "1"},
                within_scope=True,
            ),
            mine & Q(state=State.IN_PROGRESS, reopen_count__gt=0),
        ),
        (
            _GroupSpec(
                "handle",
                gettext_lazy("待办理答复"),
                gettext_lazy("已签收，办理后答复群众"),
                "handling_due",
                {"state": State.IN_PROGRESS, "unit": unit_param},
                within_scope=True,
            ),
            mine & Q(state=State.IN_PROGRESS, reopen_count=0),
        ),
    ]


_DISPATCH_GROUPS: list[tuple[_GroupSpec, Q]] = [
    (
        _GroupSpec(
            "route",
            gettext_lazy("待派单"),
            gettext_lazy("新受理的事项，请分类并派给承办单位"),
            None,
            {"state": State.ACCEPTED},
        ),
        Q(state=State.ACCEPTED),
    ),
    (
        _GroupSpec(
            "returned",
            gettext_lazy("被退回"),
            gettext_lazy("承办单位退回的事项，请改派或裁定"),
            None,
            {"state": State.RETURNED},
        ),
        Q(state=State.RETURNED),
    ),
    (
        _GroupSpec(
            "callback",
            gettext_lazy("待回访"),
            gettext_lazy("已答复，请回访群众"),
            None,
            {"state": State.REPLIED},
        ),
        Q(state=State.REPLIED),
    ),
]

_EXTENSION_GROUP = (
    _GroupSpec(
        "extension",
        gettext_lazy("延期申请待审批"),
        gettext_lazy("承办单位申请延长办理时限"),
        "handling_due",
        {"state": State.IN_PROGRESS, "extension": "1"},
    ),
    Q(state=State.IN_PROGRESS, extension_pending=True),
)


def _oversight_groups(now: datetime) -> list[tuple[_GroupSpec, Q]]:
    overdue = Q(state=State.DISPATCHED, response_due__lt=now) | Q(
        state__in=[State.DISPATCHED, State.IN_PROGRESS], handling_due__lt=now
    )
    return [
        (
            _GroupSpec(
                "overdue",
                gettext_lazy("已超期"),
                gettext_lazy("超过签收或办理期限的事项，可催办或督办"),
                "handling_due",
                {"overdue": "1"},
            ),
            overdue,
        ),
        (
            _GroupSpec(
                "supervised",
                gettext_lazy("督办中"),
                gettext_lazy("正在督办的事项"),
                "handling_due",
                {"supervised": "1"},
            ),
            Q(supervised=True, state__in=[State.DISPATCHED, State.IN_PROGRESS]),
        ),
    ]


def _group_specs(user: User, now: datetime) -> list[tuple[_GroupSpec, Q]]:
    scope = scope_of(user)
    roles = roles_of(user)
    specs: list[tuple[_GroupSpec, Q]] = []
    if roles & {Role.HANDLER, Role.UNIT_LEAD} and scope.unit_ids:
        posts = [p for p in active_posts(user) if p.role in {Role.HANDLER, Role.UNIT_LEAD}]
        unit_param = str(posts[0].unit_id) if len(posts) == 1 else ""
        specs += _unit_groups(scope.unit_ids, unit_param)
    if roles & {Role.DISPATCHER, Role.ADMIN}:
        specs += _DISPATCH_GROUPS
    if roles & {Role.DISPATCHER, Role.INSPECTOR, Role.COUNTY_LEAD}:
        specs.append(_EXTENSION_GROUP)
    if roles & {Role.INSPECTOR, Role.COUNTY_LEAD}:
        specs += _oversight_groups(now)
    return specs


def _work_row(case: Case, now: datetime, calendar: Calendar, url: str) -> WorkRow:
    deadline = case_deadline(case, now=now, calendar=calendar)
    if deadline is not None:
        return WorkRow(case, deadline, url=url)
    since = case.replied_at if case.state == State.REPLIED and case.replied_at else case.accepted_at
    waited = max(0, calendar.working_seconds_between(since, now))
    text = _("已等待 %(span)s") % {"span": _span_text(waited, calendar.hours.seconds_per_day)}
    return WorkRow(case, None, text, url)


WORK_COUNT_CAP = 999
# What a row of my work shows and its deadline needs (a case has some forty columns).
WORK_ROW_FIELDS = (
    "code",
    "title",
    "kind",
    "state",
    "category",
    "township",
    "village",
    "lead_unit",
    "accepted_at",
    "replied_at",
    "response_due",
    "handling_due",
)


def my_work(user: User, *, limit: int = GROUP_LIMIT) -> list[WorkGroup]:
    """The cases the user's posts must act on, grouped by what is asked, most urgent first.

    Two queries per group (a count and the first ``limit`` rows), whatever the row count.
    """
    now = clock.now()
    calendar = get_calendar()
    url_for = case_urls()
    visible = cases_visible_to(user)
    groups = []
    for spec, condition in _group_specs(user, now):
        qs = (Case.objects.all() if spec.within_scope else visible).filter(condition)
        order = [spec.due_field, "id"] if spec.due_field else ["accepted_at", "id"]
        cases = list(qs.only(*WORK_ROW_FIELDS).order_by(*order)[:limit])
        attach_references(cases)
        rows = [_work_row(case, now, calendar, url_for(case.code)) for case in cases]
        # Deadlines in the database are ordered, but nulls land differently per database:
        # put overdue (most negative) first in Python, stable for the rest.
        rows.sort(key=lambda r: (r.deadline is None, r.deadline.seconds if r.deadline else 0))
        count = len(rows)
        if count >= limit:
            # Counting stops past the cap (a LIMITed subquery): a backlog of thousands reads
            # "999+" at once instead of being counted row by row on every visit.
            count = qs.order_by().values("pk")[: WORK_COUNT_CAP + 1].count()
        groups.append(
            WorkGroup(
                key=spec.key,
                title=str(spec.title),
                hint=str(spec.hint),
                count=min(count, WORK_COUNT_CAP),
                rows=rows,
                more_url=ledger_url({k: v for k, v in spec.params.items() if v}),
                capped=count > WORK_COUNT_CAP,
            )
        )
    return groups


# --- dispatcher queue -----------------------------------------------------------------------

QUEUE_STATES = (State.ACCEPTED, State.RETURNED)
QUEUE_PAGE = 50
# The county's aim: a case is routed within one working day of reaching the queue. Waiting
# cases have no statutory clock yet (it starts at dispatch), so this is what "late" means here.
DISPATCH_TARGET_DAYS = 1


@dataclass
class QueueRow:
    case: Case
    waited: str  # working time since it was accepted, in words
    late: bool  # waited past the dispatch target


@dataclass
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int


def dispatch_queue(
    user: User,
    filters: Mapping[str, Any] | None = None,
    *,
    page: int = 1,
    per_page: int = QUEUE_PAGE,
    newest_first: bool = False,
) -> QueuePage:
    """Every case awaiting routing (new and returned) that matches the ledger's ``filters``,
    a page at a time: by default the one that has waited longest first (it is the nearest to
    breaking the county's promise), newest first on request.

    Ids first, over the waiting-cases index alone, then those rows: as on the ledger page.
    """
    qs = filter_cases(cases_visible_to(user).filter(state__in=QUEUE_STATES), filters or {})
    total = qs.count()
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    order = ("-accepted_at", "-id") if newest_first else ("accepted_at", "id")
    offset = (page - 1) * per_page
    ids = list(qs.order_by(*order).values_list("pk", flat=True)[offset : offset + per_page])
    by_pk = {c.pk: c for c in Case.objects.filter(pk__in=ids).defer(*LIST_DEFERRED)}
    cases = [by_pk[pk] for pk in ids if pk in by_pk]
    attach_references(cases)
    now, calendar = clock.now(), get_calendar()
    return QueuePage([queue_row(c, now=now, calendar=calendar) for c in cases], total, page, pages)


def queue_row(
    case: Case, *, now: datetime | None = None, calendar: Calendar | None = None
) -> QueueRow:
    """A waiting case with the working time it has waited."""
    now, calendar = now or clock.now(), calendar or get_calendar()
    per_day = calendar.hours.seconds_per_day
    waited = max(0, calendar.working_seconds_between(case.accepted_at, now))
    return QueueRow(case, _span_text(waited, per_day), waited > DISPATCH_TARGET_DAYS * per_day)


@dataclass
class RoutingChoices:
    """What a dispatcher may pick: active categories and the units a case may be sent to,
    each as one searchable list shared by every row of the page."""

    categories: list[Category]
    units: list[Unit]

    @property
    def by_code(self) -> dict[str, Category]:
        return {c.code: c for c in self.categories}

    def context(self) -> dict[str, Any]:
        return {
            "category_picker": category_picklist("pick-categories", self.categories),
            "unit_picker": unit_picklist("pick-units", self.units),
        }


def routing_choices() -> RoutingChoices:
    """Active categories and units (in tree order), from the in-memory tables."""
    categories = [c for c in category_table().ordered if c.active]
    units = [u for u in unit_table().values() if u.active and u.parent_id is not None]
    return RoutingChoices(categories, units)


@dataclass(frozen=True)
class Suggestion:
    category: Category
    score: float


def suggestions_for(case: Case, categories: dict[str, Category]) -> list[Suggestion]:
    """The router's top three categories for this case, or none when it cannot say."""
    return suggestions_for_many([case], categories)[0]


def suggestions_for_many(
    cases: Sequence[Case], categories: dict[str, Category]
) -> list[list[Suggestion]]:
    """Top-three suggestions for each case, asked of the router in one batch.

    The router is optional: without a trained model it falls back to keyword rules, and any
    failure (no rules, a model file gone missing) leaves the dispatcher choosing by hand.
    """
    if not cases:
        return []
    try:
        predictions = predict_many(
            [(c.title, c.text, c.township.name if c.township else None) for c in cases]
        )
    except Exception:  # suggestions are a convenience, never a blocker
        return [[] for _ in cases]
    return [
        [
            Suggestion(categories[label], float(score))
            for label, score in prediction.top3
            if label in categories
        ]
        for prediction in predictions
    ]


# --- case page ------------------------------------------------------------------------------

# What happened, in the past sense: 重办 in a timeline is "Reopened", while the button that
# does it says "Reopen" (the context keeps the two apart in the catalogues).
EVENT_LABELS: dict[str, Any] = {
    "accept": pgettext_lazy("case event", "受理"),
    "resolve_on_the_spot": pgettext_lazy("case event", "边发现边解决"),
    "classify": pgettext_lazy("case event", "分类"),
    "dispatch": pgettext_lazy("case event", "派单"),
    "arbitrate": pgettext_lazy("case event", "裁定"),
    "acknowledge": pgettext_lazy("case event", "签收"),
    "return": pgettext_lazy("case event", "退单"),
    "interim_reply": pgettext_lazy("case event", "阶段性答复"),
    "reply": pgettext_lazy("case event", "答复"),
    "callback": pgettext_lazy("case event", "回访"),
    "callback_attempt": pgettext_lazy("case event", "回访未接通"),
    "reopen": pgettext_lazy("case event", "重办"),
    "close": pgettext_lazy("case event", "办结"),
    "request_extension": pgettext_lazy("case event", "申请延期"),
    "approve_extension": pgettext_lazy("case event", "批准延期"),
    "deny_extension": pgettext_lazy("case event", "驳回延期"),
    "remind": pgettext_lazy("case event", "催办"),
    "supervise": pgettext_lazy("case event", "督办"),
    "merge": pgettext_lazy("case event", "合并"),
    "reject": pgettext_lazy("case event", "不予受理"),
    "reveal_contact": pgettext_lazy("case event", "查看联系方式"),
    "note": pgettext_lazy("case event", "内部备注"),
    "attach": pgettext_lazy("case event", "补充附件"),
    "recompute_deadline": pgettext_lazy("case event", "重算期限"),
}

ACTOR_LABELS = {"citizen": gettext_lazy("群众"), "system": gettext_lazy("系统")}


@dataclass
class TimelineRow:
    event: CaseEvent
    title: str
    role: str
    details: list[tuple[str, str]]
    unit: str = ""  # the actor's unit as the event recorded it, in the reader's script


def _when(value: str | None) -> str:
    parsed = parse_datetime(value) if value else None
    if parsed is None:
        return value or ""
    return timezone.localtime(parsed).strftime("%Y-%m-%d %H:%M")


def _clock_details(payload: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for kind, info in (payload.get("clocks") or {}).items():
        label = display.clock_label(kind)
        if isinstance(info, dict):
            text = _when(info.get("due"))
            if info.get("estimated"):
                text += _("（估算）")
            out.append((label, text))
        elif info == "late":
            out.append((label, _("超期完成")))
        elif info == "met":
            out.append((label, _("按期完成")))
    return out


def _details(event: CaseEvent, categories: dict[str, str]) -> list[tuple[str, str]]:
    """The payload of one event in words, as (label, value) pairs."""
    p = event.payload or {}
    d: list[tuple[str, str]] = []

    # What the citizen wrote (a callback's comment, the reopen it caused) is their own words:
    # numbers in it are masked like the case's text.
    by_citizen = event.actor_role == CITIZEN

    def add(label: Any, value: Any) -> None:
        if value not in (None, "", [], {}):
            text = str(value)
            d.append((str(label), mask_personal_numbers(text) if by_citizen else text))

    kind = event.kind
    if kind == "accept":
        add(gettext_lazy("渠道"), display.channel_label(p.get("channel") or ""))
        add(gettext_lazy("类型"), display.kind_label(p.get("kind") or ""))
    elif kind == "classify":
        add(gettext_lazy("分类"), categories.get(p.get("category") or "", p.get("category")))
        if p.get("previous"):
            add(gettext_lazy("原分类"), categories.get(p["previous"], p["previous"]))
        if p.get("confidence"):
            add(gettext_lazy("置信度"), f"{float(p['confidence']):.0%}")
    elif kind in {"dispatch", "arbitrate"}:
        # Units as the event recorded them (a unit renamed since keeps its old name here).
        lead = (p.get("lead_unit") or {}).get("name") or ""
        assisting = [display.name_in_script(u["name"]) for u in p.get("assisting_units") or [] if u]
        add(gettext_lazy("主办单位"), display.name_in_script(lead))
        add(gettext_lazy("协办单位"), "、".join(assisting))
        add(gettext_lazy("分类"), categories.get(p.get("category") or "", p.get("category")))
        add(gettext_lazy("理由") if kind == "arbitrate" else gettext_lazy("说明"), p.get("note"))
    elif kind in {"return", "reject", "reopen", "close"}:
        add(gettext_lazy("理由") if kind != "close" else gettext_lazy("说明"), p.get("reason"))
        if kind == "reopen":
            add(gettext_lazy("重办次数"), p.get("reopen_count"))
    elif kind in {"interim_reply", "reply", "note"}:
        add(gettext_lazy("内容"), p.get("text"))
    elif kind == "callback":
        resolved = p.get("resolved")
        add(gettext_lazy("是否解决"), _("已解决") if resolved else _("未解决"))
        if p.get("satisfaction"):
            add(gettext_lazy("满意度"), display.satisfaction_label(p["satisfaction"]))
        add(gettext_lazy("意见"), p.get("comment"))
    elif kind == "callback_attempt":
        add(gettext_lazy("第几次"), p.get("attempt"))
        add(gettext_lazy("说明"), p.get("note"))
    elif kind == "request_extension":
        add(gettext_lazy("延期"), _("%(days)s 个工作日") % {"days": p.get("days")})
        add(gettext_lazy("理由"), p.get("reason"))
    elif kind in {"approve_extension", "deny_extension"}:
        add(gettext_lazy("延期"), _("%(days)s 个工作日") % {"days": p.get("days")})
        add(gettext_lazy("意见"), p.get("note"))
    elif kind == "supervise":
        add(gettext_lazy("督办时限"), _("%(days)s 个工作日") % {"days": p.get("days")})
        add(gettext_lazy("要求"), p.get("note"))
    elif kind == "remind":
        add(gettext_lazy("说明"), p.get("note"))
    elif kind == "merge":
        add(gettext_lazy("合并至"), p.get("into"))
        add(gettext_lazy("说明"), p.get("note"))
    elif kind == "reveal_contact":
        labels = {
            "citizen_phone": _("联系电话"),
            "citizen_id_number": _("身份证号"),
            "text": _("反映内容中的号码"),
        }
        add(gettext_lazy("查看"), labels.get(p.get("field", ""), p.get("field")))
    elif kind == "attach":
        add(gettext_lazy("文件"), "、".join(f.get("name", "") for f in p.get("files") or []))
    elif kind == "resolve_on_the_spot":
        add(gettext_lazy("解决情况"), p.get("resolution"))
    d += _clock_details(p)
    return d


def timeline(case: Case) -> list[TimelineRow]:
    """Every event of the case in order, in words (one query whatever the length)."""
    events = list(case.events.order_by("seq"))
    codes = set()
    for event in events:
        for key in ("category", "previous"):
            if isinstance(event.payload.get(key), str):
                codes.add(event.payload[key])
    table = category_table().by_code
    names = {code: table[code].name for code in codes if code in table}
    if len(names) < len(codes):  # a category added moments ago in another process
        names.update(Category.objects.filter(code__in=codes).values_list("code", "name"))
    names = {code: display.name_in_script(name) for code, name in names.items()}
    rows = []
    for event in events:
        role = ACTOR_LABELS.get(event.actor_role) or role_label(event.actor_role)
        rows.append(
            TimelineRow(
                event=event,
                title=str(EVENT_LABELS.get(event.kind, event.kind)),
                role=str(role),
                details=_details(event, names),
                unit=display.name_in_script(event.actor_unit_name),
            )
        )
    return rows


def case_page(user: User, code: str) -> Case:
    """The case with what its page shows preloaded (``NotFound`` outside the user's scope)."""
    case = case_for(user, code)
    # case_for already gave it its category and units; assisting units and files come in
    # two more queries.
    case.assisting_list = list(case.assisting_units.all())  # type: ignore[attr-defined]
    case.attachment_list = list(case.attachments.order_by("uploaded_at", "id"))  # type: ignore[attr-defined]
    return case


def attachment_for(user: User, code: str, attachment_id: int) -> Attachment:
    """A file of a case the user may see (``NotFound`` otherwise, as for the case)."""
    case = case_for(user, code)
    attachment = Attachment.objects.filter(case=case, pk=attachment_id).first()
    if attachment is None:
        raise NotFound("附件不存在")
    return attachment


# Actions the case page may offer, in display order.
ACTION_ORDER = (
    "acknowledge",
    "interim_reply",
    "reply",
    "return",
    "request_extension",
    "decide_extension",
    "callback",
    "callback_attempt",
    "close",
    "reopen",
    "dispatch",
    "arbitrate",
    "remind",
    "supervise",
    "merge",
    "reject",
    "note",
    "attach",
)


def may(user: User, name: str, case: Case) -> bool:
    """Whether one of the user's posts allows transition ``name`` on the case now."""
    return access.allowed(user, name, case, assisting=getattr(case, "assisting_list", None))


def actions_for(user: User, case: Case) -> list[str]:
    """The actions to offer this user on this case now: exactly what the services allow."""
    out = []
    for name in ACTION_ORDER:
        if name == "decide_extension":
            ok = may(user, "approve_extension", case)
        else:
            ok = may(user, name, case)
        if ok:
            out.append(name)
    return out


def may_reveal(user: User, case: Case) -> bool:
    return bool(case.citizen_phone) and may(user, "reveal_contact", case)


def may_reveal_text(user: User, case: Case) -> bool:
    """Whether the case's text hides numbers that this user may reveal (a logged reveal,
    like the contact fields)."""
    return has_personal_numbers(case.text) and may(user, "reveal_contact", case)


def open_clocks(case: Case, *, now: datetime, calendar: Calendar) -> list[DeadlineView]:
    """Running deadlines with their lights (one query)."""
    out = []
    for running in case.clocks.filter(stopped_at__isnull=True).order_by("due_at"):
        view = deadline_view(
            running.due_at,
            now=now,
            calendar=calendar,
            label=display.clock_label(running.kind),
        )
        if view is not None:
            out.append(view)
    return out


def merge_target(user: User, code: str) -> Case:
    """The case to merge into, looked up by tracking code within the user's scope."""
    return case_for(user, code)
