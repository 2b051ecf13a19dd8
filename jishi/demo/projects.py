"""The demo county's supervised projects: a year's livelihood list (30 projects) and a reform
list (10), each led by a county lead or a township head, with weighted milestones; four past
monthly rounds reported by the lead units (some on pace, some lagging, a few missing), lit by
the real assessment, the red ones sent up the order ladder as the deadlines passed; the
current month's round open with reports still due; a dispatch meeting with decisions, an
inspection visit whose finding is a case, an accountability record, a project closed out.

Everything goes through the projects services at the times it happened (``travel_to``).
Run after ``seed_demo`` (``manage.py seed_demo_projects``).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jishi.common import clock
from jishi.demo.orgdata import SUPERVISION_CODE
from jishi.orgs.models import Post, Role, Unit, UnitKind, User
from jishi.projects import oversight, rounds, services
from jishi.projects.models import (
    DecisionState,
    ListKind,
    ListLevel,
    Measure,
    MeetingDecision,
    ProgressRound,
    Project,
    ProjectList,
    Severity,
    VisitMode,
)

LIVELIHOOD = (
    ("城区老旧小区改造", "住建"),
    ("新建城东农贸市场", "商务"),
    ("县人民医院门诊楼改扩建", "卫健"),
    ("新建公办幼儿园3所", "教育"),
    ("农村公路提档升级80公里", "交通"),
    ("城乡供水一体化工程", "水利"),
    ("县城污水管网改造", "住建"),
    ("新建城区公共停车场4处", "住建"),
    ("乡镇卫生院标准化建设", "卫健"),
    ("农村危房改造200户", "住建"),
    ("新建社区养老服务中心5个", "民政"),
    ("中小学校舍维修改造", "教育"),
    ("城区背街小巷整治20条", "住建"),
    ("农村饮水安全巩固提升", "水利"),
    ("新增城乡公交线路6条", "交通"),
    ("县图书馆新馆建设", "文旅"),
    ("全民健身中心建设", "文旅"),
    ("残疾人康复中心建设", "残联"),
    ("农贸市场标准化改造8个", "商务"),
    ("城区路灯亮化工程", "住建"),
    ("河道综合治理12公里", "水利"),
    ("新建人行天桥2座", "住建"),
    ("农村生活垃圾分类试点", "住建"),
    ("高标准农田建设2万亩", "农业"),
    ("职业技能培训3000人次", "人社"),
    ("城区学校周边交通安全设施", "交通"),
    ("村级便民服务中心提升", "民政"),
    ("城区公共厕所新建改建30座", "住建"),
    ("镇区雨污分流改造", "住建"),
    ("农村电商服务站建设", "商务"),
)
REFORM = (
    "一件事一次办改革",
    "工程建设项目审批制度改革",
    "县域医共体建设",
    "农村宅基地制度改革试点",
    "基层社会治理网格化改革",
    "义务教育集团化办学",
    "企业开办全程网办",
    "不动产登记交易一窗办理",
    "农村集体产权制度改革",
    "公立医院薪酬制度改革",
)
STAGES = (("立项审批", 15), ("招标采购", 15), ("开工建设", 40), ("竣工验收", 30))
# Monthly pace against the plan: most on schedule, some behind, a few far behind.
PACES = [1.05] * 12 + [0.95] * 8 + [0.75] * 6 + [0.45] * 3 + [0.15]


def _unit_matching(word: str, departments: list[Unit]) -> Unit:
    for unit in departments:
        if word in unit.name:
            return unit
    return departments[0]


def _reporter(unit: Unit) -> User | None:
    post = (
        Post.objects.filter(unit=unit, active=True, role__in=[Role.HANDLER, Role.UNIT_LEAD])
        .select_related("user")
        .order_by("role")
        .first()
    )
    return post.user if post else None


def _milestone_values(project: Project, on: dt.date, pace: float) -> dict[int, Decimal]:
    out = {}
    previous = project.start_date or on
    for m in project.milestones.order_by("sort_order"):
        span = max(1, (m.planned_date - previous).days)
        elapsed = min(1.0, max(0.0, (on - previous).days / span))
        out[m.pk] = Decimal(min(100.0, round(elapsed * 100 * pace, 0)))
        previous = m.planned_date
    return out


def seed_projects(*, seed: int = 12) -> int:
    """Returns the number of projects made; does nothing when a list already exists."""
    if ProjectList.objects.exists():
        return 0
    rng = random.Random(seed)
    office = Unit.objects.get(code=SUPERVISION_CODE)
    inspector = Post.objects.filter(unit=office, role=Role.INSPECTOR).first()
    if inspector is None:
        return 0
    actor = inspector.user
    leads = [p.user for p in Post.objects.filter(role=Role.COUNTY_LEAD, active=True)]
    heads = [
        p.user
        for p in Post.objects.filter(
            role=Role.UNIT_LEAD, unit__kind=UnitKind.TOWNSHIP, active=True
        ).order_by("unit__sort_order")
    ]
    cadres = leads + heads
    departments = list(Unit.objects.filter(kind=UnitKind.DEPARTMENT, active=True))
    townships = list(Unit.objects.filter(kind=UnitKind.TOWNSHIP, active=True))
    now = clock.now()
    today = timezone.localdate(now)
    first_round = (today.replace(day=1) - dt.timedelta(days=120)).replace(day=1)
    start = (first_round - dt.timedelta(days=75)).replace(day=1)
    year = today.year
    made: list[tuple[Project, float]] = []
    with clock.travel_to(now - dt.timedelta(days=200)):
        livelihood = services.list_create(
            actor=actor,
            year=year,
            kind=ListKind.LIVELIHOOD,
            level=ListLevel.COUNTY,
            title=f"{year}年县级民生实事项目清单",
            budget_required=True,
        )
        reform = services.list_create(
            actor=actor,
            year=year,
            kind=ListKind.REFORM,
            level=ListLevel.COUNTY,
            title=f"{year}年重点改革项目清单",
        )
        items = [(livelihood, title, word) for title, word in LIVELIHOOD] + [
            (reform, title, "") for title in REFORM
        ]
        for i, (lst, title, word) in enumerate(items):
            lead_unit = (
                _unit_matching(word, departments) if word else departments[i % len(departments)]
            )
            cadre = cadres[i % len(cadres)]
            end = start + dt.timedelta(days=rng.choice([300, 330, 365, 420]))
            span = (end - start).days
            dates = [start + dt.timedelta(days=round(span * f)) for f in (0.15, 0.3, 0.8, 1.0)]
            project = services.project_create(
                actor=actor,
                project_list=lst,
                number=str(i + 1),
                title=title,
                goal=f"{title}，年内完成建设任务并投入使用。",
                lead_unit=lead_unit,
                lead_cadre=cadre,
                budget=Decimal(rng.choice([120, 300, 580, 800, 1500, 3200])) if word else None,
                start_date=start,
                end_date=end,
                township=townships[i % len(townships)] if word else None,
                source=rng.choice(["work_report", "meeting", "suggestion", "assigned"]),
                milestones=[
                    services.MilestoneInput(name, d, w)
                    for (name, w), d in zip(STAGES, dates, strict=True)
                ],
            )
            made.append((project, rng.choice(PACES)))
    # The fastest project finishes this month: every milestone reported done, then completed
    # and closed out (``_inspection_and_accountability``).
    fastest = max(made, key=lambda pair: pair[1])[0]
    month = first_round
    while month <= today.replace(day=1):
        opened = timezone.make_aware(dt.datetime.combine(month, dt.time(9)))
        with clock.travel_to(opened):
            rnd = rounds.round_open(month=month)
        current = month == today.replace(day=1)
        for project, pace in made:
            project.refresh_from_db()
            if project.status != "active":
                continue
            finishing = current and project.pk == fastest.pk
            if rng.random() < (0.35 if current else 0.07) and not finishing:
                continue  # not reported (yet)
            reporter = _reporter(project.lead_unit)
            if reporter is None:
                continue
            day = rnd.due_on - dt.timedelta(days=rng.randint(0, 12))
            if current and day > today:
                day = today
            at = timezone.make_aware(dt.datetime.combine(day, dt.time(15)))
            if at > now - dt.timedelta(hours=2):
                at = now - dt.timedelta(hours=2)
            lagging = pace < 0.8
            with clock.travel_to(at):
                services.report_submit(
                    actor=reporter,
                    project=project,
                    round=rnd,
                    milestones={m.pk: 100 for m in project.milestones.all()}
                    if finishing
                    else _milestone_values(project, rnd.due_on, pace),
                    work_done=f"{project.title}：按节点推进，本月完成计划工作量。",
                    problems="征地拆迁推进缓慢，资金到位不及时" if lagging else "",
                    help_needed="请县自然资源局协调用地手续" if lagging else "",
                    next_plan="加快施工进度，确保按期完成下一节点",
                    funds_paid=(project.budget or Decimal(0)) * Decimal("0.1"),
                    photos=[SimpleUploadedFile("site.gif", _photo(), "image/gif")]
                    if rng.random() < 0.3
                    else [],
                )
        if not current:
            assessed_at = timezone.make_aware(
                dt.datetime.combine(rnd.due_on + dt.timedelta(days=1), dt.time(8))
            )
            with clock.travel_to(assessed_at):
                rounds.round_assess(rnd, on=rnd.due_on + dt.timedelta(days=1))
            # The ladder walked daily until the next round opens; the meeting on the third day.
            day = assessed_at
            next_month = (month + dt.timedelta(days=32)).replace(day=1)
            while day.date() < next_month and day < now - dt.timedelta(days=1):
                if day == assessed_at + dt.timedelta(days=2):
                    with clock.travel_to(day):
                        _meeting(actor, rnd, made, day)
                with clock.travel_to(day + dt.timedelta(hours=1)):
                    rounds.orders_walk()
                day += dt.timedelta(days=1)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    _inspection_and_accountability(actor, made, now)
    return len(made)


def _meeting(
    actor: User, rnd: ProgressRound, made: list[tuple[Project, float]], day: dt.datetime
) -> None:
    meeting = oversight.meeting_record(
        actor=actor,
        round=rnd,
        held_on=day.date(),
        notes="听取各牵头单位汇报，研究红灯项目推进措施。",
    )
    # 回头看 first: the earlier meetings' decisions are reviewed, most carried out, one in
    # three not, with the reason (a demo whose decisions were never reviewed piled them up on
    # every meeting page and every owner's home).
    earlier = MeetingDecision.objects.filter(
        state=DecisionState.OPEN, meeting__round__month__lt=rnd.month
    ).order_by("pk")
    for decision in earlier:
        done = decision.pk % 3 != 0
        oversight.decision_review(
            actor=actor,
            decision=decision,
            done=done,
            note="" if done else "赶工计划已报，但进度仍滞后，转入下月继续督办",
        )
    red = [p for p, _ in made if Project.objects.get(pk=p.pk).light == "red"][:2]
    for project in red:
        oversight.decision_add(
            actor=actor,
            meeting=meeting,
            text=f"{project.lead_unit.name}制定{project.title}赶工计划，下次调度会前报督查室",
            owner_unit=project.lead_unit,
            due_on=meeting.held_on + dt.timedelta(days=20),
            project=project,
        )


def _photo() -> bytes:
    # A tiny GIF (1×1): the demo needs a photo to show, not a picture of a site.
    return (
        b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x2f\x7d\x4f\xff\xff\xff!\xf9\x04\x00\x00\x00\x00"
        b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
    )


def _inspection_and_accountability(
    actor: User, made: list[tuple[Project, float]], now: dt.datetime
) -> None:
    lagging = [p for p, pace in made if pace < 0.5]
    # After every report and order: the chains' times only move forward.
    with clock.travel_to(now - dt.timedelta(minutes=60)):
        group = oversight.group_create(
            actor=actor,
            name="第一巡回指导组",
            members=[actor],
            starts_on=(now - dt.timedelta(days=30)).date(),
            ends_on=(now + dt.timedelta(days=30)).date(),
        )
        visit = oversight.visit_record(
            actor=actor,
            group=group,
            visited_on=(now - dt.timedelta(days=20)).date(),
            mode=VisitMode.UNANNOUNCED,
            projects=lagging[:2],
            notes="暗访项目工地两处",
        )
        for project in lagging[:2]:
            oversight.finding_record(
                actor=actor,
                visit=visit,
                text=f"{project.title}工地停工，现场无人施工",
                severity=Severity.SERIOUS,
                unit=project.lead_unit,
                project=project,
            )
    if lagging:
        with clock.travel_to(now - dt.timedelta(minutes=50)):
            oversight.accountability_record(
                actor=actor,
                unit=lagging[0].lead_unit,
                measure=Measure.REMINDER_TALK,
                decided_on=(now - dt.timedelta(days=5)).date(),
                deciding_body="县委督查室",
                reason=f"{lagging[0].title}连续亮红灯，督办后仍无明显进展",
                project=lagging[0],
            )
    # The fastest project is done: completed by its unit's head, closed out by the office.
    fastest = max(made, key=lambda pair: pair[1])[0]
    fastest.refresh_from_db()
    head = Post.objects.filter(unit=fastest.lead_unit, role=Role.UNIT_LEAD, active=True).first()
    if head is not None and fastest.status == "active" and fastest.progress == 100:
        with clock.travel_to(now - dt.timedelta(minutes=40)):
            services.project_complete(
                actor=head.user,
                project=fastest,
                evidence="已竣工验收并投入使用",
                photos=[SimpleUploadedFile("done.gif", _photo(), "image/gif")],
            )
        with clock.travel_to(now - dt.timedelta(minutes=30)):
            services.project_close(actor=actor, project=fastest, note="验收合格，予以销号")
