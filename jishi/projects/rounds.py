"""The monthly round (每月一调度), the lights it earns and the escalation ladder of
supervision orders (三色督办单 → 约谈 → 挂牌督办).

``tick(on)`` is the whole month's machinery, run daily (``manage.py projects_tick`` or the
``projects_tick`` task): it opens the month's round, reminds the units that have not
reported a few days before the due day, assesses the lights the day after it, and walks
open orders whose deadline has passed — resolved when the project moved, escalated one step
when it did not. A round's lights are computed in bulk (two reads, one write of each kind),
each change appended to its project's chain with its reason.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone

from jishi.cases.chain import GENESIS, event_hash
from jishi.common import clock
from jishi.common.errors import InvalidInput, InvalidTransition, PermissionDenied
from jishi.orgs.models import User
from jishi.projects import progress, selectors, services
from jishi.projects.models import (
    LADDER,
    Milestone,
    OrderLevel,
    OrderState,
    ProgressReport,
    ProgressRound,
    Project,
    ProjectEvent,
    RoundLight,
    RoundState,
    Status,
    SupervisionOrder,
)
from jishi.workdays.selectors import get_calendar


def month_of(on: dt.date) -> dt.date:
    return on.replace(day=1)


def due_day(month: dt.date) -> dt.date:
    day = selectors.current_policy().due_day or 25
    return month.replace(day=min(day, progress.month_end(month).day))


def round_open(*, month: dt.date, actor: User | None = None) -> ProgressRound:
    """Open the month's round (idempotent): reports due on the policy's day."""
    if actor is not None and not selectors.may_supervise(actor):
        raise PermissionDenied("只有督查室可以开启月度调度")
    month = month_of(month)
    rnd, _ = ProgressRound.objects.get_or_create(
        month=month, defaults={"due_on": due_day(month), "opened_at": clock.now()}
    )
    return rnd


@dataclass
class Reminder:
    unit: str
    projects: list[str]


def round_remind(rnd: ProgressRound, *, on: dt.date) -> list[Reminder]:
    """Remind each lead unit of its projects not yet reported (催报); recorded on the round."""
    status = selectors.round_status(rnd)
    by_unit: dict[str, list[str]] = defaultdict(list)
    for p in status.missing:
        by_unit[p.lead_unit.name].append(p.code)
    ProgressRound.objects.filter(pk=rnd.pk).update(reminded_on=on)
    return [Reminder(unit, codes) for unit, codes in sorted(by_unit.items())]


@dataclass
class Assessment:
    lights: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    changed: int = 0
    missing: int = 0


def _milestones_by_project(projects: QuerySet[Project]) -> dict[int, list[progress.Node]]:
    out: dict[int, list[progress.Node]] = defaultdict(list)
    rows = Milestone.objects.filter(project__in=projects.values("pk")).values_list(
        "project_id", "pk", "parent_id", "weight", "progress", "planned_date"
    )
    for project_id, pk, parent_id, weight, value, planned in rows.iterator(chunk_size=20_000):
        out[project_id].append(progress.Node(pk, parent_id, weight, value, planned))
    return out


def compute_lights(rnd: ProgressRound, *, on: dt.date) -> list[RoundLight]:
    """Each project's light for the round, unsaved: planned progress at the due day against
    the progress reported, missing reports counted this month and the month before."""
    th = selectors.thresholds()
    expected = selectors.round_projects(rnd)
    projects = list(expected.values_list("pk", "start_date", "planned_by_month", "progress"))
    nodes = _milestones_by_project(expected)
    reported_now = set(
        ProgressReport.objects.filter(round=rnd).values_list("project_id", flat=True)
    )
    previous = ProgressRound.objects.filter(month__lt=rnd.month).order_by("-month").first()
    missed_before: set[int] = set()
    if previous is not None:
        expected_before = set(
            RoundLight.objects.filter(round=previous, missing=True).values_list(
                "project_id", flat=True
            )
        )
        missed_before = expected_before
    at = rnd.due_on
    out = []
    for pk, start, entered, value in projects:
        planned = progress.planned_on(nodes.get(pk, []), start=start, on=at, entered=entered)
        missing = pk not in reported_now
        in_a_row = (1 + (pk in missed_before)) if missing else 0
        light, reason = progress.assess(
            planned=planned,
            reported=value,
            missing_in_a_row=in_a_row,
            start=start,
            on=on,
            thresholds=th,
        )
        out.append(
            RoundLight(
                round=rnd,
                project_id=pk,
                light=light,
                reason=reason[:200],
                planned=planned,
                reported=value,
                missing=missing,
            )
        )
    return out


def round_assess(rnd: ProgressRound, *, on: dt.date, actor: User | None = None) -> Assessment:
    """Light every project of the round; a changed light is an event with its reason."""
    if actor is not None and not selectors.may_supervise(actor):
        raise PermissionDenied("只有督查室可以评灯")
    result = Assessment()
    now = clock.now()
    with transaction.atomic():
        rnd = ProgressRound.objects.select_for_update().get(pk=rnd.pk)
        if rnd.state != RoundState.OPEN:
            raise InvalidTransition("本月调度已评灯")
        lights = compute_lights(rnd, on=on)
        RoundLight.objects.bulk_create(lights, batch_size=5_000)
        by_pk = {rl.project_id: rl for rl in lights}
        changed_ids = []
        for pk, light, reason in selectors.round_projects(rnd).values_list(
            "pk", "light", "light_reason"
        ):
            rl = by_pk.get(pk)
            if rl is None:
                continue
            result.lights[rl.light] += 1
            result.missing += rl.missing
            if (light, reason) != (rl.light, rl.reason):
                changed_ids.append(pk)
        _apply_lights(changed_ids, by_pk, rnd, now)
        result.changed = len(changed_ids)
        rnd.state, rnd.assessed_at = RoundState.ASSESSED, now
        rnd.save(update_fields=["state", "assessed_at"])
    return result


def _apply_lights(
    ids: list[int], by_pk: dict[int, RoundLight], rnd: ProgressRound, now: dt.datetime
) -> None:
    """Append a ``light_changed`` event to each project and move its head: in bulk, the
    projects locked in one statement per chunk."""
    for start in range(0, len(ids), 2_000):
        chunk = ids[start : start + 2_000]
        projects = list(Project.objects.select_for_update().filter(pk__in=chunk).order_by("pk"))
        events = []
        for p in projects:
            rl = by_pk[p.pk]
            seq = p.version + 1
            prev = p.last_hash or GENESIS
            payload = {
                "light": [p.light, rl.light],
                "reason": rl.reason,
                "round": rnd.month.isoformat(),
            }
            digest = event_hash(
                prev,
                case_code=p.code,
                seq=seq,
                kind="light_changed",
                actor_id=None,
                actor_role="system",
                actor_unit_id=None,
                from_state=p.status,
                to_state=p.status,
                payload=payload,
                created_at=now,
            )
            events.append(
                ProjectEvent(
                    project_id=p.pk,
                    seq=seq,
                    kind="light_changed",
                    actor_name="系统",
                    actor_role="system",
                    from_state=p.status,
                    to_state=p.status,
                    payload=payload,
                    created_at=now,
                    prev_hash=prev,
                    hash=digest,
                )
            )
            p.version, p.last_hash, p.light, p.light_reason = seq, digest, rl.light, rl.reason
        ProjectEvent.objects.bulk_create(events, batch_size=2_000)
        # One plain UPDATE per row, sent as a batch: ``bulk_update``'s CASE over the whole
        # chunk costs time quadratic in the chunk's size (a province's round took minutes).
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE projects_project SET version = %s, last_hash = %s, "
                "light = %s, light_reason = %s WHERE id = %s",
                [(p.version, p.last_hash, p.light, p.light_reason, p.pk) for p in projects],
            )


# --- supervision orders --------------------------------------------------------------------------

LEVEL_TEXT = {
    OrderLevel.BLUE: "提醒督办：请牵头单位对照序时进度查找原因，加快推进，并在时限内书面反馈。",
    OrderLevel.YELLOW: (
        "警示督办：蓝色督办单期满仍无进展，请牵头单位主要负责人亲自部署，限期赶上序时进度。"
    ),
    OrderLevel.RED: (
        "严重督办：黄色督办单期满仍无进展，请领衔领导亲自研究，限期整改并书面说明原因。"
    ),
    OrderLevel.INTERVIEW: "约谈：红色督办单期满仍无进展，约谈领衔领导及牵头单位主要负责人。",
    OrderLevel.PUBLIC_NAMING: "挂牌督办：约谈后仍无进展，在全县通报并公开挂牌督办，直至销号。",
}


def _next_number(year: int) -> tuple[int, str]:
    last = SupervisionOrder.objects.filter(year=year).aggregate(m=Max("seq"))["m"] or 0
    seq = last + 1
    return seq, f"督办〔{year}〕{seq}号"


def order_issue(
    *, actor: User | None, project: Project, level: str, text: str = ""
) -> SupervisionOrder:
    """Issue one order of the ladder with its deadline in working days (an event)."""
    if actor is not None and not selectors.may_supervise(actor):
        raise PermissionDenied("只有督查室可以签发督办单")
    if level not in OrderLevel.values:
        raise InvalidInput("督办级别无效", errors={"level": ["督办级别无效"]})
    text = (text or "").strip()
    if len(text) > services.TEXT_MAX:
        raise InvalidInput("督办内容过长", errors={"text": [f"最多 {services.TEXT_MAX} 字"]})
    now = clock.now()
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        if project.status != Status.ACTIVE:
            raise InvalidTransition("只有推进中的项目可以督办")
        year = timezone.localdate(now).year
        seq, number = _next_number(year)
        due = get_calendar().add_workdays(now, selectors.current_policy().order_workdays).due
        body = text or (
            f"{project.title}（{project.code}）当前进度{project.progress}%，"
            f"{project.light_reason or '进度滞后'}。{LEVEL_TEXT[OrderLevel(level)]}"
        )
        order = SupervisionOrder.objects.create(
            project=project,
            level=level,
            number=number,
            year=year,
            seq=seq,
            text=body,
            issued_at=now,
            due_at=due,
            progress_at_issue=project.progress,
        )
        if level == OrderLevel.PUBLIC_NAMING:
            project.publicly_named = True
        services.record(
            project,
            "order_issued",
            actor,
            {"order": number, "level": level, "due": due.isoformat(), "text": body},
        )
        project.save(update_fields=["publicly_named", "version", "last_hash", "status"])
    return order


def order_respond(*, actor: User, order: SupervisionOrder, response: str) -> SupervisionOrder:
    """The lead unit answers an order (反馈)."""
    project = order.project
    if not selectors.may_report(actor, project):
        raise PermissionDenied("只有牵头单位可以反馈督办单")
    response = (response or "").strip()
    if not response:
        raise InvalidInput("请填写反馈", errors={"response": ["请填写反馈"]})
    if len(response) > services.TEXT_MAX:
        raise InvalidInput("反馈过长", errors={"response": [f"最多 {services.TEXT_MAX} 字"]})
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project.pk)
        order = SupervisionOrder.objects.select_for_update().get(pk=order.pk)
        if order.state not in (OrderState.OPEN, OrderState.RESPONDED):
            raise InvalidTransition("督办单已办结或已升级")
        order.response, order.responded_at, order.responded_by = response, clock.now(), actor
        order.state = OrderState.RESPONDED
        order.save(update_fields=["response", "responded_at", "responded_by", "state"])
        services.record(
            project, "order_responded", actor, {"order": order.number, "response": response}
        )
        project.save(update_fields=["version", "last_hash", "status"])
    return order


def _close_order(order: SupervisionOrder, state: str, project: Project, note: str) -> None:
    order.state = state
    order.save(update_fields=["state"])
    services.record(project, f"order_{state}", None, {"order": order.number, "note": note})
    project.save(update_fields=["version", "last_hash", "status"])


@dataclass
class LadderResult:
    issued: list[str] = field(default_factory=list)
    escalated: list[str] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)


def orders_walk(*, now: dt.datetime | None = None) -> LadderResult:
    """Start the ladder for red projects with no open order (a blue order); past an open
    order's deadline, resolve it when the project moved and lost its red light, otherwise
    escalate one step (the last step, public naming, stays until the project is closed)."""
    now = now or clock.now()
    result = LadderResult()
    open_states = [OrderState.OPEN, OrderState.RESPONDED]
    due = SupervisionOrder.objects.filter(state__in=open_states, due_at__lt=now).select_related(
        "project"
    )
    for order in list(due):
        project = order.project
        moved = project.progress > order.progress_at_issue and project.light != "red"
        if moved or project.status != Status.ACTIVE:
            with transaction.atomic():
                project = Project.objects.select_for_update().get(pk=project.pk)
                _close_order(order, OrderState.RESOLVED, project, "期满已见进展")
            result.resolved.append(order.number)
            continue
        step = LADDER.index(OrderLevel(order.level))
        if step + 1 >= len(LADDER):
            continue
        with transaction.atomic():
            project = Project.objects.select_for_update().get(pk=project.pk)
            _close_order(order, OrderState.ESCALATED, project, "期满未见进展，升级督办")
            result.escalated.append(order.number)
            new = order_issue(actor=None, project=project, level=LADDER[step + 1])
            result.issued.append(new.number)
    has_open = SupervisionOrder.objects.filter(state__in=open_states).values("project_id")
    red = Project.objects.filter(status=Status.ACTIVE, light="red").exclude(pk__in=has_open)
    for project in list(red):
        # A project that already went up the ladder and was resolved starts again at blue.
        result.issued.append(order_issue(actor=None, project=project, level=OrderLevel.BLUE).number)
    return result


# --- the daily tick -----------------------------------------------------------------------------


@dataclass
class TickResult:
    opened: ProgressRound | None = None
    reminders: list[Reminder] = field(default_factory=list)
    assessed: Assessment | None = None
    ladder: LadderResult | None = None

    def lines(self) -> list[str]:
        out = []
        if self.opened is not None:
            out.append(f"已开启 {self.opened.month:%Y年%m月} 调度，报送截止 {self.opened.due_on}")
        for r in self.reminders:
            out.append(
                f"催报：{r.unit} {len(r.projects)} 个项目未报送（{'、'.join(r.projects[:5])}）"
            )
        if self.assessed is not None:
            a = self.assessed
            out.append(
                f"已评灯：绿 {a.lights.get('green', 0)}，黄 {a.lights.get('yellow', 0)}，"
                f"红 {a.lights.get('red', 0)}；未报送 {a.missing}；变化 {a.changed}"
            )
        if self.ladder is not None:
            ld = self.ladder
            if ld.issued or ld.escalated or ld.resolved:
                out.append(
                    f"督办：签发 {len(ld.issued)}，升级 {len(ld.escalated)}，"
                    f"见效 {len(ld.resolved)}"
                )
        return out or ["无事可做"]


def tick(*, on: dt.date | None = None) -> TickResult:
    """The daily run: open, remind, assess, walk the ladder (each step at most once)."""
    on = on or clock.today()
    result = TickResult()
    policy = selectors.current_policy()
    month = month_of(on)
    if not ProgressRound.objects.filter(month=month).exists():
        result.opened = round_open(month=month)
    rnd = ProgressRound.objects.get(month=month)
    remind_from = rnd.due_on - dt.timedelta(days=policy.remind_days_before)
    if rnd.state == RoundState.OPEN and remind_from <= on <= rnd.due_on and rnd.reminded_on is None:
        result.reminders = round_remind(rnd, on=on)
    for stale in ProgressRound.objects.filter(state=RoundState.OPEN, due_on__lt=on).order_by(
        "month"
    ):
        result.assessed = round_assess(stale, on=on)
    result.ladder = orders_walk()
    return result
