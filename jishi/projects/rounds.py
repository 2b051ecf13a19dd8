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
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models import Max, Model, QuerySet
from django.utils import timezone

from jishi.cases.chain import GENESIS, chunks, event_hash
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
    """Remind each lead unit of its projects not yet reported (催报): recorded on the round,
    it reaches the unit's staff as the reminder's date on their 待报送 list (``due_work``,
    their console home) — jishi has no messaging channel to push it through."""
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


class Lit(NamedTuple):
    """A project's light for a round, as computed (a ``RoundLight`` row to be)."""

    project_id: int
    light: str
    reason: str
    planned: Decimal
    reported: Decimal
    missing: bool


class _Raw:
    """Values of a raw read as the ORM would give them, each distinct one converted once:
    PostgreSQL gives dates and decimals, SQLite ISO text and numbers; JSON comes as text."""

    def __init__(self) -> None:
        self.dates: dict[object, dt.date | None] = {None: None}
        self.percents: dict[object, Decimal] = {}

    def date(self, value: object) -> dt.date | None:
        found = self.dates.get(value, False)
        if found is False:
            found = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
            self.dates[value] = found
        return found  # type: ignore[return-value]

    def percent(self, value: object) -> Decimal:
        found = self.percents.get(value)
        if found is None:
            found = self.percents[value] = Decimal(str(value)).quantize(progress.ONE_PLACE)
        return found

    @staticmethod
    def json(value: object) -> Any:
        if isinstance(value, str):
            return {} if value == "{}" else json.loads(value)
        return value


def _round_rows(rnd: ProgressRound, *, current: bool) -> list[tuple[Any, ...]]:
    """The round's projects in one raw read (the ORM's own SQL, without its per-row
    converters): pk, start date, planned progress entered by month, progress — and, when
    ``current``, the light and its reason now."""
    fields = [*_ROUND_READ, *(("light", "light_reason") if current else ())]
    qs = selectors.round_projects(rnd).order_by("pk").values_list(*fields)
    sql, params = qs.query.sql_with_params()
    raw, out = _Raw(), []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(20_000):
            for pk, start, entered, value, *rest in rows:
                out.append((pk, raw.date(start), raw.json(entered), raw.percent(value), *rest))
    return out


def _milestones_by_project(projects: QuerySet[Project]) -> dict[int, list[progress.Node]]:
    """Every milestone of the round's projects in one raw read: at a province's size the
    ORM's per-row converters cost more than the query itself. Only what ``planned_on``
    reads (tree, weight, date); a milestone's own progress does not enter the plan."""
    out: dict[int, list[progress.Node]] = defaultdict(list)
    inner, params = projects.values("pk").query.sql_with_params()
    # Table names from the models and the ORM's own subquery; values go as parameters.
    table = Milestone._meta.db_table
    sql = f"SELECT project_id, id, parent_id, weight, planned_date FROM {table} WHERE project_id IN ({inner})"  # noqa: S608, E501
    zero, raw = Decimal(0), _Raw()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(20_000):
            for project_id, pk, parent_id, weight, planned in rows:
                out[project_id].append(
                    progress.Node(pk, parent_id, weight, zero, raw.date(planned))
                )
    return out


def _lights(rnd: ProgressRound, on: dt.date, rows: list[tuple[Any, ...]]) -> list[Lit]:
    """The lights of ``rows`` (pk, start, entered, progress, …): planned progress at the due
    day against the progress reported, missing reports this month and the month before."""
    th = selectors.thresholds()
    nodes = _milestones_by_project(selectors.round_projects(rnd))
    reported_now = set(
        ProgressReport.objects.filter(round=rnd).values_list("project_id", flat=True)
    )
    previous = ProgressRound.objects.filter(month__lt=rnd.month).order_by("-month").first()
    missed_before: set[int] = set()
    if previous is not None:
        missed_before = set(
            RoundLight.objects.filter(round=previous, missing=True).values_list(
                "project_id", flat=True
            )
        )
    at = rnd.due_on
    # Most projects of a list share a plan's shape (the same milestone dates and weights
    # from the same start): its planned progress is computed once per shape.
    plans: dict[tuple[Any, ...], Decimal] = {}
    verdicts: dict[tuple[Any, ...], tuple[str, str]] = {}
    out = []
    for pk, start, entered, value, *_rest in rows:
        ms = nodes.get(pk, ())
        shape = progress.flat_shape(ms) if not entered else None
        if shape is not None:
            key = (start, shape)
            planned = plans.get(key)
            if planned is None:
                planned = plans[key] = progress.planned_on(ms, start=start, on=at)
        else:
            planned = progress.planned_on(ms, start=start, on=at, entered=entered)
        missing = pk not in reported_now
        in_a_row = (1 + (pk in missed_before)) if missing else 0
        vkey = (str(planned), str(value), in_a_row, start)
        verdict = verdicts.get(vkey)
        if verdict is None:
            light, reason = progress.assess(
                planned=planned,
                reported=value,
                missing_in_a_row=in_a_row,
                start=start,
                on=on,
                thresholds=th,
            )
            verdict = verdicts[vkey] = (light, reason[:200])
        out.append(Lit(pk, verdict[0], verdict[1], planned, value, missing))
    return out


_ROUND_READ = ("pk", "start_date", "planned_by_month", "progress")


def compute_lights(rnd: ProgressRound, *, on: dt.date) -> list[Lit]:
    """Each project's light for the round, unsaved (two reads and arithmetic)."""
    return _lights(rnd, on, _round_rows(rnd, current=False))


def round_assess(rnd: ProgressRound, *, on: dt.date, actor: User | None = None) -> Assessment:
    """Light every project of the round; a changed light is an event with its reason.

    Set-based, for a province's 60,000 projects: one read of the projects (with the head of
    each chain and its current light), one of their milestones, the lights computed in
    Python, then the light history, the changed lights' events and the projects' heads each
    written in a few large statements. Each event is hashed onto the head read under the
    row's lock, so the chains verify exactly as if appended one by one."""
    if actor is not None and not selectors.may_supervise(actor):
        raise PermissionDenied("只有督查室可以评灯")
    result = Assessment()
    now = clock.now()
    with transaction.atomic():
        rnd = ProgressRound.objects.select_for_update().get(pk=rnd.pk)
        if rnd.state != RoundState.OPEN:
            raise InvalidTransition("本月调度已评灯")
        rows = _round_rows(rnd, current=True)
        lights = _lights(rnd, on, rows)
        _insert_rows(
            RoundLight,
            ["round_id", "project_id", "light", "reason", "planned", "reported", "missing"],
            [(rnd.pk, *lit) for lit in lights],
        )
        changed: dict[int, Lit] = {}
        for lit, row in zip(lights, rows, strict=True):
            result.lights[lit.light] += 1
            result.missing += lit.missing
            if (row[4], row[5]) != (lit.light, lit.reason):
                changed[lit.project_id] = lit
        result.changed = _apply_lights(changed, rnd, now)
        rnd.state, rnd.assessed_at = RoundState.ASSESSED, now
        rnd.save(update_fields=["state", "assessed_at"])
    return result


CHUNK = 5_000


def _apply_lights(changed: dict[int, Lit], rnd: ProgressRound, now: dt.datetime) -> int:
    """Append a ``light_changed`` event to each changed project and move its head, a chunk
    at a time: the chunk's rows locked and their heads read in one statement, the events
    inserted and the heads updated in a few multi-row statements. Returns how many moved."""
    ids = sorted(changed)
    moved = 0
    # The columns' own preparation (the vendor's datetime and JSON forms), as bulk_create does.
    at = ProjectEvent._meta.get_field("created_at").get_db_prep_value(now, connection)
    as_json = ProjectEvent._meta.get_field("payload").get_db_prep_value
    month = rnd.month.isoformat()
    for chunk in chunks(ids, CHUNK):
        heads = _lock_heads(chunk)
        events, updates = [], []
        for pk, code, version, last_hash, status, light, reason in heads:
            lit = changed[pk]
            if (light, reason) == (lit.light, lit.reason):
                continue  # another writer lit it the same way meanwhile
            seq, prev = version + 1, last_hash or GENESIS
            payload = {"light": [light, lit.light], "reason": lit.reason, "round": month}
            digest = event_hash(
                prev,
                case_code=code,
                seq=seq,
                kind="light_changed",
                actor_id=None,
                actor_role="system",
                actor_unit_id=None,
                from_state=status,
                to_state=status,
                payload=payload,
                created_at=now,
            )
            events.append(
                (
                    pk,
                    seq,
                    "light_changed",
                    "系统",
                    "system",
                    status,
                    status,
                    as_json(payload, connection),
                    at,
                    prev,
                    digest,
                )
            )
            updates.append((pk, seq, digest, lit.light, lit.reason))
        _insert_rows(
            ProjectEvent,
            [
                "project_id",
                "seq",
                "kind",
                "actor_name",
                "actor_role",
                "from_state",
                "to_state",
                "payload",
                "created_at",
                "prev_hash",
                "hash",
            ],
            events,
        )
        _update_heads(updates)
        moved += len(updates)
    return moved


HEAD = "id, code, version, last_hash, status, light, light_reason"


def _lock_heads(ids: list[int]) -> list[tuple[Any, ...]]:
    """Lock these projects' rows (in id order, as every writer of a project locks one) and
    read their chain heads and lights. On PostgreSQL the ids go as one array: a list of
    thousands of placeholders costs more to merge client-side than the query to run."""
    table = Project._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT {HEAD} FROM {table} WHERE id = ANY(%s::bigint[]) "  # noqa: S608
                "ORDER BY id FOR UPDATE",
                [ids],
            )
        else:  # SQLite: the round's lights, written first, hold the one write lock
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(
                f"SELECT {HEAD} FROM {table} WHERE id IN ({marks}) ORDER BY id",  # noqa: S608
                ids,
            )
        return cursor.fetchall()


def _insert_rows(model: type[Model], columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert prepared values without building a model instance per row. PostgreSQL takes
    them by COPY: a multi-row INSERT there costs more in psycopg's client-side parameter
    merging (tens of thousands of placeholders) than in the server. SQLite takes multi-row
    INSERTs within its parameter limit."""
    if not rows:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        limit = connection.features.max_query_params or 999
        size = max(1, limit // len(columns))
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            cursor.execute(
                f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(batch))}",  # noqa: S608
                [value for row in batch for value in row],
            )


def _update_heads(updates: list[tuple[int, int, str, str, str]]) -> None:
    """Move each changed project's head and light: on PostgreSQL one UPDATE joined to the
    new values passed as five arrays (unnest); on SQLite a batch of one-row UPDATEs
    (``executemany`` runs them in C)."""
    if not updates:
        return
    table = Project._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(
                f"UPDATE {table} SET version = %s, last_hash = %s, light = %s, "  # noqa: S608
                "light_reason = %s WHERE id = %s",
                [(seq, digest, light, reason, pk) for pk, seq, digest, light, reason in updates],
            )
            return
        ids, seqs, digests, lights, reasons = (list(c) for c in zip(*updates, strict=True))
        cursor.execute(
            f"UPDATE {table} AS p SET version = v.seq, last_hash = v.digest, "  # noqa: S608
            "light = v.light, light_reason = v.reason "
            "FROM unnest(%s::bigint[], %s::integer[], %s::text[], %s::text[], %s::text[]) "
            "AS v(id, seq, digest, light, reason) WHERE p.id = v.id",
            [ids, seqs, digests, lights, reasons],
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
