"""Reads with rules for supervised projects: who sees which projects, who may do what, the
rule checks, a round's missing list, the meeting page's figures."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.core.files.storage import default_storage
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from jishi.cases.models import Case
from jishi.common.errors import NotFound
from jishi.orgs import access
from jishi.orgs.models import Post, Role, Unit, UnitKind, User
from jishi.orgs.selectors import active_posts, scope_of, unit_table
from jishi.projects import progress
from jishi.projects.models import (
    AccountabilityRecord,
    DecisionState,
    Finding,
    ListKind,
    ListLevel,
    MeetingDecision,
    Milestone,
    OrderState,
    Photo,
    Policy,
    ProgressMeeting,
    ProgressReport,
    ProgressRound,
    Project,
    ProjectList,
    RoundLight,
    RoundState,
    Status,
    SupervisionOrder,
)

AnyUser = User | AnonymousUser


def current_policy() -> Policy:
    """The county's settings (the first row), or the defaults when none was saved."""
    return Policy.objects.order_by("pk").first() or Policy()


def thresholds() -> progress.Thresholds:
    p = current_policy()
    return progress.Thresholds(p.yellow_behind, p.red_behind, p.not_started_months)


# --- who may ---------------------------------------------------------------------------------


def may_supervise(user: AnyUser) -> bool:
    """The supervision office (inspector posts) and administrators keep the lists, open
    rounds by hand, issue orders, hold meetings and close projects out (销号)."""
    return access.has_role(user, Role.INSPECTOR, Role.ADMIN)


def may_adopt_suggestion(user: AnyUser) -> bool:
    """Adopting a citizen's suggestion as a practical matter (采纳为办实事项目) is decided by
    the supervision office or a county lead."""
    return access.has_role(user, Role.INSPECTOR, Role.COUNTY_LEAD)


def may_see_accountability(user: AnyUser) -> bool:
    """Accountability records: the supervision office (inspectors) and county leads only."""
    return access.has_role(user, Role.INSPECTOR, Role.COUNTY_LEAD)


def may_report(user: AnyUser, project: Project) -> bool:
    """A handler or unit lead posted in the lead unit (or above it) reports its progress."""
    return any(
        p.role in {Role.HANDLER, Role.UNIT_LEAD} and p.unit_id == project.lead_unit_id
        for p in active_posts(user)
    )


def may_confirm_completion(user: AnyUser, project: Project) -> bool:
    """Completion is confirmed by the lead unit's head (单位负责人)."""
    return any(
        p.role == Role.UNIT_LEAD and p.unit_id == project.lead_unit_id for p in active_posts(user)
    )


def open_milestones(milestones: list[Milestone]) -> list[Milestone]:
    """The steps not yet reported done (leaves only: a parent's progress is its children's).
    A project completes only when there are none."""
    parents = {m.parent_id for m in milestones if m.parent_id}
    return [m for m in milestones if m.pk not in parents and m.progress < 100]


def lead_cadre_posts() -> QuerySet[Post]:
    """Posts that make someone a leading cadre who can lead a project: a county lead, or a
    unit lead of a township (乡镇主要领导)."""
    return Post.objects.filter(active=True, unit__active=True).filter(
        Q(role=Role.COUNTY_LEAD) | Q(role=Role.UNIT_LEAD, unit__kind=UnitKind.TOWNSHIP)
    )


def is_lead_cadre(user: User) -> bool:
    return lead_cadre_posts().filter(user=user).exists()


def lead_cadres() -> QuerySet[User]:
    return User.objects.filter(
        pk__in=lead_cadre_posts().values("user_id"), is_active=True
    ).order_by("full_name", "username")


# --- scoped reads ----------------------------------------------------------------------------


def projects_visible_to(user: AnyUser) -> QuerySet[Project]:
    """County-wide posts see every project; a unit sees the projects it leads or cooperates
    on, or that sit in its township; a lead cadre sees the projects they lead."""
    if not user.is_authenticated:
        return Project.objects.none()
    scope = scope_of(user)
    if scope.county_wide:
        return Project.objects.all()
    condition = Q(lead_cadre=user)
    if scope.unit_ids:
        cooperating = Project.cooperating_units.through.objects.filter(
            project_id=OuterRef("pk"), unit_id__in=scope.unit_ids
        )
        condition |= (
            Q(lead_unit_id__in=scope.unit_ids)
            | Q(township_id__in=scope.unit_ids)
            | Q(Exists(cooperating))
        )
    return Project.objects.filter(condition)


def project_ids_visible_to(user: AnyUser, ids: Iterable[int | None]) -> set[int]:
    """Which of these projects the user may open (one query): a page that names projects
    it did not choose by the reader's scope (a decision's) links only these, and shows the
    others by code alone, never a title the reader may not see."""
    wanted = {pk for pk in ids if pk}
    if not wanted:
        return set()
    return set(projects_visible_to(user).filter(pk__in=wanted).values_list("pk", flat=True))


def project_for(user: AnyUser, pk: int) -> Project:
    """One project the user may see; *not found* otherwise (never revealing that it exists)."""
    found = (
        projects_visible_to(user)
        .filter(pk=pk)
        .select_related("project_list", "lead_unit", "lead_cadre", "township")
    )
    project = found.first()
    if project is None:
        raise NotFound("未找到该项目")
    return project


def accountability_visible_to(user: AnyUser) -> QuerySet[AccountabilityRecord]:
    if not may_see_accountability(user):
        return AccountabilityRecord.objects.none()
    return AccountabilityRecord.objects.select_related(
        "unit", "person", "project", "finding", "case"
    )


def findings_visible_to(user: AnyUser) -> QuerySet[Finding]:
    if not user.is_authenticated:
        return Finding.objects.none()
    scope = scope_of(user)
    qs = Finding.objects.select_related("visit__group", "unit", "case", "project")
    if scope.county_wide:
        return qs
    return qs.filter(unit_id__in=scope.unit_ids)


def may_see_finding(user: AnyUser, finding: Finding) -> bool:
    """A finding (and its photos): the supervision office, the members of the group that
    found it, and those whose scope covers the responsible unit (``findings_visible_to``)."""
    if not user.is_authenticated:
        return False
    if may_supervise(user) or finding.visit.group.members.filter(pk=user.pk).exists():
        return True
    return findings_visible_to(user).filter(pk=finding.pk).exists()


# --- milestones as arithmetic ------------------------------------------------------------------


def nodes_of(milestones: list[Milestone]) -> list[progress.Node]:
    return [
        progress.Node(m.pk, m.parent_id, m.weight, m.progress, m.planned_date) for m in milestones
    ]


def milestone_tree(milestones: list[Milestone]) -> list[tuple[Milestone, int]]:
    """Milestones as the tree reads: each followed by its sub-milestones, with its depth (0
    for a top one; a milestone whose parent is not among them counts as top). The project
    page indents by it; the export writes ``上级>节点`` from it."""
    known = {m.pk for m in milestones}
    children: dict[int | None, list[Milestone]] = {}
    for m in milestones:
        children.setdefault(m.parent_id if m.parent_id in known else None, []).append(m)
    out: list[tuple[Milestone, int]] = []

    def walk(parent: int | None, depth: int) -> None:
        for m in children.get(parent, []):
            if len(out) < len(milestones):  # a cycle cannot loop forever
                out.append((m, depth))
                walk(m.pk, depth + 1)

    walk(None, 0)
    return out


def planned_progress(
    project: Project, on: date, milestones: list[Milestone] | None = None
) -> Decimal:
    ms = milestones if milestones is not None else list(project.milestones.all())
    return progress.planned_on(
        nodes_of(ms), start=project.start_date, on=on, entered=project.planned_by_month
    )


def practical_list_for(year: int, township: Unit | None = None) -> ProjectList | None:
    """The year's practical-matters list (办实事) an adopted suggestion goes on: the
    township's own list when the suggestion came from a township that keeps one, else the
    county's."""
    lists = list(ProjectList.objects.filter(year=year, kind=ListKind.PRACTICAL).order_by("pk"))
    if township is not None:
        for lst in lists:
            if lst.level == ListLevel.TOWNSHIP and lst.township_id == township.pk:
                return lst
    county = [lst for lst in lists if lst.level == ListLevel.COUNTY]
    chosen = county or lists
    return chosen[0] if chosen else None


def project_of_case(case: Case) -> Project | None:
    """The project a case (an adopted suggestion) became, if any."""
    return Project.objects.filter(source_case=case).first()


# --- rule checks -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleProblem:
    rule: str
    subject: str
    message: str
    project_id: int | None = None


RULES = {
    "cadre_livelihood": "每位领导干部至少领衔一个民生项目",
    "lead_unit": "每个项目有牵头单位",
    "lead_cadre": "每个项目有领衔领导",
    "dates": "每个项目有开始日期和完成时限",
    "milestones": "每个项目有节点",
    "milestone_after_end": "节点不晚于完成时限",
    "budget": "清单要求的项目填有预算",
}


def rule_checks(*, year: int | None = None) -> list[RuleProblem]:
    """The checks a county cares about, as a list of problems (empty when all hold)."""
    problems: list[RuleProblem] = []
    projects = Project.objects.exclude(status=Status.CLOSED).select_related(
        "project_list", "lead_unit"
    )
    if year is not None:
        projects = projects.filter(project_list__year=year)
    projects = projects.annotate(n_milestones=Count("milestones"))
    late: dict[int, list[str]] = defaultdict(list)
    milestones = Milestone.objects.filter(project__in=projects).values_list(
        "project_id", "title", "planned_date", "project__end_date"
    )
    for project_id, title, planned, end in milestones:
        if end is not None and planned > end:
            late[project_id].append(title)
    for p in projects:
        subject = f"{p.code} {p.title}"
        if p.lead_unit_id is None:
            problems.append(RuleProblem("lead_unit", subject, "未指定牵头单位", p.pk))
        if p.lead_cadre_id is None:
            problems.append(RuleProblem("lead_cadre", subject, "未指定领衔领导", p.pk))
        if p.start_date is None or p.end_date is None:
            problems.append(RuleProblem("dates", subject, "缺少开始日期或完成时限", p.pk))
        if not p.n_milestones:
            problems.append(RuleProblem("milestones", subject, "未设置节点", p.pk))
        for title in late.get(p.pk, []):
            problems.append(
                RuleProblem("milestone_after_end", subject, f"节点“{title}”晚于完成时限", p.pk)
            )
        if p.project_list.budget_required and p.budget is None:
            problems.append(RuleProblem("budget", subject, "清单要求填写预算，尚未填写", p.pk))
    leading = set(
        Project.objects.filter(project_list__kind=ListKind.LIVELIHOOD)
        .filter(**({"project_list__year": year} if year is not None else {}))
        .exclude(lead_cadre__isnull=True)
        .values_list("lead_cadre_id", flat=True)
    )
    for cadre in lead_cadres():
        if cadre.pk not in leading:
            problems.append(
                RuleProblem("cadre_livelihood", str(cadre), "未领衔任何民生实事项目", None)
            )
    return problems


# --- rounds ------------------------------------------------------------------------------------


def open_round() -> ProgressRound | None:
    return ProgressRound.objects.filter(state="open").order_by("-month").first()


def round_projects(rnd: ProgressRound) -> QuerySet[Project]:
    """The projects a round asks to report: active ones on lists of the round's year or
    earlier that have started by the end of the month (or have no start date)."""
    month_end = progress.month_end(rnd.month)
    # Next year's list, published ahead, reports from its own year's rounds; a project
    # carried over on an earlier year's list keeps reporting until it is done.
    lists = ProjectList.objects.filter(year__lte=rnd.month.year).values("pk")
    return Project.objects.filter(status=Status.ACTIVE, project_list__in=lists).filter(
        Q(start_date__isnull=True) | Q(start_date__lte=month_end)
    )


@dataclass
class RoundStatus:
    round: ProgressRound
    expected: int = 0
    reported: int = 0
    late: list[ProgressReport] = field(default_factory=list)
    missing: list[Project] = field(default_factory=list)


def round_status(rnd: ProgressRound, *, within: QuerySet[Project] | None = None) -> RoundStatus:
    """Who reported, who reported late, and who has not (the missing list)."""
    projects = round_projects(rnd)
    if within is not None:
        projects = projects.filter(pk__in=within.values("pk"))
    reported = ProgressReport.objects.filter(round=rnd, project_id=OuterRef("pk"))
    rows = list(
        projects.annotate(has_report=Exists(reported))
        .select_related("lead_unit", "lead_cadre")
        .order_by("lead_unit__name", "code")
    )
    status = RoundStatus(round=rnd, expected=len(rows))
    status.missing = [p for p in rows if not p.has_report]
    status.reported = status.expected - len(status.missing)
    status.late = list(
        ProgressReport.objects.filter(round=rnd, late=True, project__in=projects).select_related(
            "project", "project__lead_unit"
        )
    )
    return status


def lights_of_round(rnd: ProgressRound) -> dict[int, RoundLight]:
    return {rl.project_id: rl for rl in RoundLight.objects.filter(round=rnd)}


def open_orders(project: Project) -> QuerySet[SupervisionOrder]:
    return project.orders.filter(state__in=["open", "responded"])


def lists_public() -> QuerySet[ProjectList]:
    return ProjectList.objects.filter(public=True)


# --- the dispatch meeting ------------------------------------------------------------------------


CHANGES_SHOWN = 300
CHANGED_LIGHTS_SQL = """
    SELECT cur.project_id, prev.light, cur.light
    FROM projects_roundlight cur
    LEFT JOIN projects_roundlight prev
        ON prev.project_id = cur.project_id AND prev.round_id = %s
    WHERE cur.round_id = %s AND (prev.light IS NULL OR prev.light <> cur.light)
"""


@dataclass
class LightCount:
    key: object
    label: str
    green: int = 0
    yellow: int = 0
    red: int = 0

    @property
    def total(self) -> int:
        return self.green + self.yellow + self.red


@dataclass
class Change:
    project_id: int
    code: str
    title: str
    before: str
    after: str
    reason: str


@dataclass
class MeetingPage:
    round: ProgressRound
    previous: ProgressRound | None
    by_cadre: list[LightCount]
    by_township: list[LightCount]
    changes: list[Change]
    changes_total: int
    totals: LightCount
    recheck: list[MeetingDecision]
    decisions: list[MeetingDecision]
    meeting: ProgressMeeting | None


def _count(rows: list[tuple[object, str, int]], labels: dict[object, str]) -> list[LightCount]:
    out: dict[object, LightCount] = {}
    for key, light, n in rows:
        row = out.setdefault(key, LightCount(key, labels.get(key, "—")))
        if light in ("green", "yellow", "red"):
            setattr(row, light, getattr(row, light) + n)
    return sorted(out.values(), key=lambda r: (-r.red, -r.yellow, r.label))


def meeting_page(rnd: ProgressRound) -> MeetingPage:
    """Lights by lead cadre and by township, what changed since the round before, the
    earlier meetings' decisions to review first (回头看, ``recheck_decisions``) and this
    meeting's."""
    lights = RoundLight.objects.filter(round=rnd)
    # One pass over the round's lights joined to their projects, grouped by cadre, township
    # and light (a few hundred rows), folded both ways here: the join is the cost (half the
    # page at 60,000 projects), and two groupings made it twice.
    by_cadre_light: dict[tuple[object, str], int] = defaultdict(int)
    by_town_light: dict[tuple[object, str], int] = defaultdict(int)
    for cadre, town, light, n in (
        lights.values_list("project__lead_cadre", "project__township", "light")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        by_cadre_light[cadre, light] += n
        by_town_light[town, light] += n
    by_cadre_rows = [(k, light, n) for (k, light), n in by_cadre_light.items()]
    by_town_rows = [(k, light, n) for (k, light), n in by_town_light.items()]
    cadre_ids = {k for k, _, _ in by_cadre_rows if k}
    cadre_labels: dict[object, str] = {u.pk: str(u) for u in User.objects.filter(pk__in=cadre_ids)}
    cadre_labels[None] = "（未指定领衔领导）"
    town_labels: dict[object, str] = {
        u.pk: u.name for u in Unit.objects.filter(kind=UnitKind.TOWNSHIP)
    }
    town_labels[None] = "县直"
    by_cadre = _count(by_cadre_rows, cadre_labels)
    by_township = _count(by_town_rows, town_labels)
    totals = LightCount(None, "合计")
    for row in by_cadre:
        totals.green += row.green
        totals.yellow += row.yellow
        totals.red += row.red
    previous = ProgressRound.objects.filter(month__lt=rnd.month).order_by("-month").first()
    changes: list[Change] = []
    changes_total = 0
    recheck = recheck_decisions(rnd, previous)
    if previous is not None:
        # Only the changed rows come back: this month's lights joined to last month's in the
        # database (one hash or index join; a correlated subquery ran twice a row).
        with connection.cursor() as cursor:
            cursor.execute(CHANGED_LIGHTS_SQL, [previous.pk, rnd.pk])
            changed = cursor.fetchall()
        changes_total = len(changed)
        # Worse first (turned red, then yellow), and no more than a meeting can read.
        rank = {"red": 0, "yellow": 1, "green": 2}
        shown = sorted(changed, key=lambda c: (rank.get(c[2], 3), c[0]))[:CHANGES_SHOWN]
        details = {
            pk: (code, title, reason)
            for pk, code, title, reason in lights.filter(
                project_id__in=[c[0] for c in shown]
            ).values_list("project_id", "project__code", "project__title", "reason")
        }
        for pk, before, light in shown:
            code, title, reason = details[pk]
            changes.append(Change(pk, code, title, before or "", light, reason))
    meeting = ProgressMeeting.objects.filter(round=rnd).first()
    decisions = list(meeting.decisions.select_related("owner_unit", "project")) if meeting else []
    return MeetingPage(
        rnd,
        previous,
        by_cadre,
        by_township,
        changes,
        changes_total,
        totals,
        recheck,
        decisions,
        meeting,
    )


def recheck_decisions(rnd: ProgressRound, previous: ProgressRound | None) -> list[MeetingDecision]:
    """What the meeting reviews first (回头看): every decision of an earlier meeting still
    open, however many meetings ago (one the last meeting skipped, or a month without a
    meeting, stays here until reviewed), then the last meeting's already reviewed, for the
    record. Oldest meeting first, by deadline."""
    earlier = Q(meeting__round__month__lt=rnd.month, state=DecisionState.OPEN)
    if previous is not None:
        earlier |= Q(meeting__round=previous)
    return list(
        MeetingDecision.objects.filter(earlier)
        .select_related("meeting__round", "owner_unit", "project")
        .order_by("meeting__round__month", "due_on", "pk")
    )


# --- a lead cadre's page -------------------------------------------------------------------------


@dataclass
class CadrePage:
    projects: list[Project]
    due: list[Project]
    to_sign: list[ProgressReport]
    round: ProgressRound | None
    orders: list[SupervisionOrder] = field(default_factory=list)


def cadre_page(user: AnyUser) -> CadrePage:
    """My projects (as lead cadre, or my unit's as lead unit), their lights, the reports due
    this round, and the reports waiting for my sign-off."""
    if not user.is_authenticated:
        return CadrePage([], [], [], None)
    unit_ids = [p.unit_id for p in active_posts(user) if p.role in {Role.HANDLER, Role.UNIT_LEAD}]
    mine = list(
        Project.objects.filter(Q(lead_cadre=user) | Q(lead_unit_id__in=unit_ids))
        .exclude(status=Status.CLOSED)
        .select_related("lead_unit", "lead_cadre", "project_list")
        .order_by("light", "code")
    )
    rnd = ProgressRound.objects.order_by("-month").first()
    due: list[Project] = []
    # Due is what the round still asks for: none once it is assessed (as ``due_work``), and
    # only the projects it asks (started, on a list of its year or earlier).
    if rnd is not None and rnd.state == RoundState.OPEN:
        ids = [p.pk for p in mine]
        asked = set(round_projects(rnd).filter(pk__in=ids).values_list("pk", flat=True))
        reported = set(
            ProgressReport.objects.filter(round=rnd, project__in=ids).values_list(
                "project_id", flat=True
            )
        )
        due = [p for p in mine if p.pk in asked and p.pk not in reported]
    to_sign = list(
        ProgressReport.objects.filter(project__lead_cadre=user, signed_off_at__isnull=True)
        .select_related("project", "round")
        .order_by("-submitted_at")[:50]
    )
    orders = list(
        SupervisionOrder.objects.filter(state=OrderState.OPEN, project_id__in=[p.pk for p in mine])
        .select_related("project")
        .order_by("due_at", "pk")[:50]
    )
    order = {"red": 0, "yellow": 1, "green": 2, "": 3}
    mine.sort(key=lambda p: (order.get(p.light, 3), p.code))
    return CadrePage(mine, due, to_sign, rnd, orders)


# --- what a lead unit owes (待报送) ------------------------------------------------------------

DUE_SHOWN = 20


@dataclass
class DueWork:
    """What a lead unit's staff owe the supervision office: this month's progress reports
    not yet sent (reminded or not) and supervision orders not yet answered, by deadline.
    jishi has no messaging channel (no SMS gateway, no inbox): a round's reminder reaches
    people as this list on their console home and on the lead cadre's page."""

    round: ProgressRound | None = None
    reports: list[Project] = field(default_factory=list)
    reports_total: int = 0
    orders: list[SupervisionOrder] = field(default_factory=list)
    orders_total: int = 0
    decisions: list[MeetingDecision] = field(default_factory=list)
    decisions_total: int = 0
    # The decisions' projects the user may open (a decision's owner need not see its project).
    visible_projects: set[int] = field(default_factory=set)

    @property
    def count(self) -> int:
        return self.reports_total + self.orders_total + self.decisions_total

    @property
    def reminded_on(self) -> date | None:
        return self.round.reminded_on if self.round is not None else None


def due_work(user: AnyUser, *, limit: int = DUE_SHOWN) -> DueWork:
    """待报送 for the units where the user reports (handler or unit lead posts): a few
    queries whatever the number of projects (two when the user has no such post)."""
    if not user.is_authenticated:
        return DueWork()
    unit_ids = [p.unit_id for p in active_posts(user) if p.role in {Role.HANDLER, Role.UNIT_LEAD}]
    if not unit_ids:
        return DueWork()
    work = DueWork()
    rnd = ProgressRound.objects.order_by("-month").first()
    if rnd is not None and rnd.state == RoundState.OPEN:
        work.round = rnd
        reported = ProgressReport.objects.filter(round=rnd, project_id=OuterRef("pk"))
        owed = round_projects(rnd).filter(lead_unit_id__in=unit_ids).exclude(Exists(reported))
        work.reports = list(owed.select_related("lead_unit").order_by("code")[:limit])
        work.reports_total = (
            len(work.reports) if len(work.reports) < limit else owed.order_by().count()
        )
    orders = SupervisionOrder.objects.filter(
        state=OrderState.OPEN, project__lead_unit_id__in=unit_ids
    )
    work.orders = list(orders.select_related("project").order_by("due_at", "pk")[:limit])
    work.orders_total = len(work.orders) if len(work.orders) < limit else orders.count()
    decisions = decisions_owed(unit_ids)
    work.decisions = list(decisions[:limit])
    work.decisions_total = len(work.decisions) if len(work.decisions) < limit else decisions.count()
    work.visible_projects = project_ids_visible_to(user, [d.project_id for d in work.decisions])
    return work


def decisions_owed(unit_ids: list[int]) -> QuerySet[MeetingDecision]:
    """The dispatch meeting's decisions these units own that the next meeting has not yet
    reviewed (回头看), by deadline: they stay on the owner's list until reviewed."""
    return (
        MeetingDecision.objects.filter(owner_unit_id__in=unit_ids, state=DecisionState.OPEN)
        .select_related("meeting__round", "project", "owner_unit")
        .order_by("due_on", "pk")
    )


def decisions_of_units(user: AnyUser) -> QuerySet[MeetingDecision]:
    """Every decision owned by a unit where the user holds a post (any role), newest
    meeting first: the owner's own page of what meetings asked of it."""
    if not user.is_authenticated:
        return MeetingDecision.objects.none()
    unit_ids = [p.unit_id for p in active_posts(user)]
    return (
        MeetingDecision.objects.filter(owner_unit_id__in=unit_ids)
        .select_related("meeting__round", "project", "owner_unit")
        .order_by("-meeting__held_on", "due_on", "pk")
    )


# --- the public pages ---------------------------------------------------------------------------


@dataclass
class PublicCard:
    project: Project
    planned: Decimal
    milestones: list[Milestone]
    photos: list[str]


def public_projects(
    lst: ProjectList, *, township: int | None = None, light: str = ""
) -> QuerySet[Project]:
    """A public list's projects, filtered; what a citizen may read of them only."""
    qs = Project.objects.filter(project_list=lst)
    if township:
        qs = qs.filter(township_id=township)
    if light in ("green", "yellow", "red"):
        qs = qs.filter(light=light)
    return qs.select_related("lead_unit", "lead_cadre", "township").order_by("code")


def public_cards(projects: list[Project], on: date) -> list[PublicCard]:
    """Each project of a page with its planned progress, milestones and first photos: three
    queries for the whole page, whatever its length."""
    ids = [p.pk for p in projects]
    ms: dict[int, list[Milestone]] = defaultdict(list)
    for m in Milestone.objects.filter(project_id__in=ids).order_by("sort_order", "planned_date"):
        ms[m.project_id].append(m)
    photos: dict[int, list[str]] = defaultdict(list)
    for project_id, image in (
        Photo.objects.filter(project_id__in=ids, finding__isnull=True)
        .order_by("-created_at")
        .values_list("project_id", "image")[: len(ids) * 3 + 30]
    ):
        if len(photos[project_id]) < 3:
            photos[project_id].append(default_storage.url(image))
    return [
        PublicCard(p, planned_progress(p, on, ms[p.pk]), ms[p.pk], photos[p.pk]) for p in projects
    ]


def public_townships(lst: ProjectList) -> list[Unit]:
    """The filter's townships: the county's (from the in-memory unit table, no query — a
    distinct over a province's list costs more than the page), or the list's own."""
    if lst.township_id:
        return [u for u in unit_table().values() if u.pk == lst.township_id]
    return [u for u in unit_table().values() if u.kind == UnitKind.TOWNSHIP and u.active]


# --- figures for the bulletin ------------------------------------------------------------------


def accountability_figures(start: date, end: date) -> dict[str, int]:
    """Accountability decisions in ``[start, end)`` by measure, and their total (一月一通报
    counts them; the records themselves stay with the supervision office and county leads)."""
    rows = (
        AccountabilityRecord.objects.filter(decided_on__gte=start, decided_on__lt=end)
        .values_list("measure")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out = {measure: n for measure, n in rows}
    out["total"] = sum(out.values())
    return out


def light_figures(rnd: ProgressRound) -> dict[str, int]:
    """A round's lights by colour, and the orders issued in its month, for the bulletin."""
    counts = dict(
        RoundLight.objects.filter(round=rnd).values_list("light").annotate(n=Count("pk")).order_by()
    )
    end = progress.month_end(rnd.month)
    orders = SupervisionOrder.objects.filter(
        issued_at__date__gte=rnd.month, issued_at__date__lte=end
    ).count()
    return {
        "green": counts.get("green", 0),
        "yellow": counts.get("yellow", 0),
        "red": counts.get("red", 0),
        "orders": orders,
    }
