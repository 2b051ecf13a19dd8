"""The demo county with months of history, replayed through the ledger's own services.

Nothing here writes a ``Case``, ``CaseEvent`` or ``CaseClock`` row itself: every step of
every case is a call to ``jishi.cases.services`` made at the moment it happened in the story
(``clock.set_now``), so hash chains, deadlines, clock outcomes and every figure a bulletin
computes are exactly what a real county that had lived those months would have.

How it works: days are walked from the oldest to today and each day gets its share of cases
(fewer at weekends). For a run of cases (``BATCH`` of them, all accepted within a few days
of each other) the seeder first *plans* each case's story — who takes it in, where it goes,
when it is acknowledged, answered, called back, reopened — as a list of timed steps, then
replays the steps of the whole run in time order, in ``services.batch()`` transactions of
``STEPS_PER_COMMIT`` steps. Steps whose time is still in the future are dropped, which is
what leaves recent cases open.
Memory stays flat however large ``size`` is: only one run of cases is held at a time.
"""

from __future__ import annotations

import heapq
import random
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import reset_queries, transaction
from django.db.models import Count
from django.utils import timezone

from jishi.cases import services
from jishi.cases.models import (
    OPEN_STATES,
    Case,
    CaseEvent,
    CaseKind,
    Category,
    Channel,
    LimitUnit,
    State,
    TimeLimit,
)
from jishi.cases.timelimits import limits_for
from jishi.common import clock
from jishi.common.errors import Conflict
from jishi.demo.models import SeedRun
from jishi.demo.orgdata import (
    CATEGORIES,
    DEFAULT_SEED,
    DEPARTMENTS,
    GIVEN_CHARS,
    HALL_CODE,
    SUPERVISION_CODE,
    SURNAMES,
    DemoLogin,
    DemoOrg,
    DemoPlace,
    build_demo_org,
    leaf_categories,
)
from jishi.demo.textgen import generate_case_text, generate_interim_reply, generate_reply
from jishi.intake import services as intake
from jishi.intake.models import Campaign, CampaignSuggestion, Period, VisitItem
from jishi.orgs.models import Role, Unit, UnitKind, User
from jishi.workdays.selectors import get_calendar

DEFAULT_SIZE = 15_000
DEFAULT_MONTHS = 13
# Cases planned and replayed together: a run spans a few days of intake, which is the window
# inside which a duplicate finds the case it is merged into; plans stay small in memory.
BATCH = 200
# Steps per transaction. The server answers while the seeder writes, and SQLite has one
# writer: a sign-in waits for the transaction under way. A whole run in one (about 1,200
# steps) held a sign-in for over ten seconds on a loaded machine. 250 keeps each wait to a
# fraction of a second, for a slower seed (3,000 cases: 17.1 s against 14.5 s), as each
# commit drops the cases the batch held and the next step reads them again.
STEPS_PER_COMMIT = 250
# Hours of working time in a working day (08:30–12:00, 14:30–17:30 by default).
DAY_HOURS = 6.5
# Cases older than this are the "history" the reference county closed 99.7% of.
SETTLED_AFTER = timedelta(days=21)
# The 0.3% left open are recent ones stuck on their way (a county does not leave a case
# a year overdue): all taken in between SETTLED_AFTER and this many days ago.
STALL_WINDOW = timedelta(days=38)
STALL_SHARE = 0.003
# A small ledger still needs a few stuck cases of every kind to show.
MIN_STALLS = 12
STALL_STATES = (
    State.IN_PROGRESS,
    State.DISPATCHED,
    State.RETURNED,
    State.REPLIED,
    State.ACCEPTED,
    State.IN_PROGRESS,
)

# How cases arrive. Weights follow the reference county's mix: the hotline and the portal
# carry most of it; officials' visits, the hall desk and inspections add their own.
CHANNEL_WEIGHTS: dict[str, float] = {
    Channel.HOTLINE: 34,
    Channel.PORTAL: 24,
    Channel.WINDOW_QR: 8,
    Channel.FIELD_VISIT: 13,
    # The reference county's desk took 27 problems in a year: a few a month, on the days a
    # director sits there.
    Channel.HALL_DESK: 0.25,
    # Suggestions arrive only while a survey campaign runs (counted over its days only).
    Channel.SURVEY: 16,
    Channel.INSPECTION: 3,
    Channel.IMPORT: 5,
    Channel.API: 3,
}
KIND_WEIGHTS: dict[str, float] = {
    CaseKind.REQUEST: 46,
    CaseKind.COMPLAINT: 24,
    CaseKind.SUGGESTION: 11,
    CaseKind.INQUIRY: 14,
    CaseKind.PRAISE: 5,
}
# Channels run by staff in office hours; the others arrive whenever citizens write or call.
OFFICE_CHANNELS = frozenset(
    {Channel.FIELD_VISIT, Channel.HALL_DESK, Channel.SURVEY, Channel.INSPECTION, Channel.IMPORT}
)
# Satisfaction at callback: mostly 4–5, a few 1–2 that send the case back (重办).
SATISFACTION_WEIGHTS = ((5, 66), (4, 23), (3, 5), (2, 3.5), (1, 2.5))

REJECT_REASONS = (
    "反映事项属于司法诉讼程序，不属于本平台受理范围，已告知通过诉讼途径解决",
    "内容不完整，无法核实具体地点和诉求，已告知补充后重新提交",
    "重复提交的测试信息",
    "反映事项已进入信访程序，按规定不重复受理",
)
RETURN_REASONS = (
    "该事项不属于本单位职责范围，建议派至属地乡镇",
    "经核实，该路段由其他单位管养，请重新派单",
    "诉求涉及多个部门，本单位不是主责单位",
    "地址不在本辖区，请核实后改派",
)
ARBITRATE_REASONS = (
    "经督查室裁定，该事项属于你单位职责，请按时限办理",
    "依据部门职责清单，由你单位主办，相关单位协办",
)
MERGE_NOTES = ("同一事项重复反映，合并办理", "与已受理事项诉求相同，合并处理", "")
SPOT_RESOLUTIONS = (
    "走访时当场协调解决，群众表示满意",
    "现场联系相关负责人处理完毕",
    "当场解答政策，群众已清楚",
    "现场组织人员清理，问题已解决",
)
EXTENSION_REASONS = (
    "需协调多个部门共同处理，申请延期",
    "涉及资金申请，审批流程较长",
    "需第三方检测后才能给出处理意见",
)
CLOSE_NO_CALLBACK = (
    "多次回访电话无人接听，按无法联系办结",
    "群众留存号码为空号，按无法联系办结",
)
UNSATISFIED_COMMENTS = ("问题没有解决", "答复敷衍，没人来现场看", "只是口头答应，一直没有落实", "")


@dataclass
class SeedReport:
    """What was seeded: counts by state, channel and kind, and how long it took."""

    cases: int = 0
    events: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    logins: list[DemoLogin] = field(default_factory=list)


Progress = Callable[[int, int, float], None]  # (cases done, cases planned, seconds so far)


# --- the cast -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Spot:
    """A place citizens write from: the township and village units and the text's view."""

    township: Unit
    village: Unit
    place: DemoPlace


class Cast:
    """Who does what in the demo county, as ``User`` objects reused across every step.

    Reusing the objects matters for speed: each one caches its posts and visible subtree
    (``orgs.selectors``) after the first step, so later steps ask the database nothing.
    """

    def __init__(self, org: DemoOrg) -> None:
        self.org = org
        users = org.users
        self.dispatchers = [users["dispatcher"], users["dispatcher2"], users["dispatcher3"]]
        self.inspectors = [users[f"inspector{i}" if i > 1 else "inspector"] for i in (1, 2, 3, 4)]
        self.leads = [users[f"lead{i}" if i > 1 else "lead"] for i in (1, 2, 3, 4)]
        # Handler and lead of every unit that handles cases, by unit code.
        self.handler: dict[str, User] = {}
        self.unit_lead: dict[str, User] = {}
        for person in org.plan.people:
            for code, role, _title in person.posts:
                if role == Role.HANDLER:
                    self.handler.setdefault(code, users[person.username])
                elif role == Role.UNIT_LEAD:
                    self.unit_lead.setdefault(code, users[person.username])
        self.departments = [org.units[code] for code, *_ in DEPARTMENTS]
        self.supervision = org.units[SUPERVISION_CODE]
        self.hall = org.units[HALL_CODE]
        self.spots: list[Spot] = []
        townships = {u.code: u for u in org.units_of(UnitKind.TOWNSHIP)}
        for village in org.units_of(UnitKind.VILLAGE):
            township = townships[village.code[:3]]
            place = DemoPlace(township.name, village.name, village.name.endswith("社区"))
            self.spots.append(Spot(township, village, place))

    def worker(self, rng: random.Random, unit: Unit) -> User:
        """Someone in ``unit`` who may acknowledge, reply and return: mostly its handler."""
        lead = self.unit_lead.get(unit.code)
        handler = self.handler.get(unit.code)
        if handler is None or (lead is not None and rng.random() < 0.15):
            assert lead is not None, unit.code
            return lead
        return handler


# --- the county's rules ---------------------------------------------------------------------


def seed_categories(org: DemoOrg) -> dict[str, Category]:
    """The two-level category tree, each owned by the department that handles it."""
    created: dict[str, Category] = {}
    for order, spec in enumerate(CATEGORIES, 1):
        category = Category(
            code=spec.code,
            name=spec.name,
            parent=created[spec.parent] if spec.parent else None,
            owning_unit=org.units[spec.owner],
            sort_order=order,
        )
        category.save()
        created[spec.code] = category
    return created


def seed_time_limits(categories: dict[str, Category]) -> None:
    """A few county rules on top of the built-in defaults: utilities answer within working
    hours, public order fast, subsistence allowances (which need a household survey) slowly."""
    TimeLimit.objects.bulk_create(
        [
            TimeLimit(kind=CaseKind.INQUIRY, response_amount=1, handling_days=3),
            TimeLimit(
                category=categories["gongdian"],
                response_amount=2,
                response_unit=LimitUnit.WORKHOUR,
                handling_days=5,
            ),
            TimeLimit(
                category=categories["gongshui"],
                response_amount=2,
                response_unit=LimitUnit.WORKHOUR,
                handling_days=5,
            ),
            TimeLimit(
                category=categories["zhian"],
                response_amount=4,
                response_unit=LimitUnit.WORKHOUR,
                handling_days=10,
            ),
            TimeLimit(category=categories["laji"], handling_days=5),
            TimeLimit(category=categories["dibao"], handling_days=20),
            TimeLimit(category=categories["gongzi"], kind=CaseKind.COMPLAINT, handling_days=10),
        ]
    )


# --- the field channels the cases come from -------------------------------------------------

# Surveys the county ran, as (name, description, start and end in days after the history
# begins); the last one runs now, so the demo has a campaign still gathering suggestions.
CAMPAIGNS = (
    ("“大调研、广纳谏”活动", "围绕群众急难愁盼问题，深入村(社区)、企业收集意见建议", 35, 125),
    ("优化营商环境专题调研", "听取企业和个体工商户对审批服务、要素保障的意见", 205, 255),
)
CURRENT_CAMPAIGN = ("民生实事项目征集", "征集明年县级民生实事项目建议", 28, 21)  # days back, ahead
# Households visited, as the secretary writes them down.
HOUSEHOLDS = ("{v}{n}组 {name}家", "{v}{n}号 {name}", "{v}{name}户", "{v}{n}栋{m}单元 {name}")
# Days of duty that fill the hall's roster ahead of today, so the coming weeks show.
ROSTER_AHEAD = 14


@dataclass
class Field:
    """Who sat at the hall desk on which working day, and which campaigns ran when."""

    hall: Unit
    directors: dict[date, User]
    campaigns: list[Campaign]

    def campaign_on(self, day: date) -> Campaign | None:
        for campaign in self.campaigns:
            if campaign.starts_on <= day <= campaign.ends_on:
                return campaign
        return None


def seed_field(org: DemoOrg, cast: Cast, start: datetime, now: datetime) -> Field:
    """The hall's duty roster (department heads taking turns, a working day each) from the
    first day of the history to a fortnight ahead, and the survey campaigns — through the
    intake services, at the time each was entered."""
    calendar = get_calendar()
    keeper = org.users["zhengwu"]  # the hall's own lead keeps its roster
    heads = [
        cast.unit_lead[code]
        for code, _name, _short, _key, title in DEPARTMENTS
        if title == "局长" and code != SUPERVISION_CODE
    ]
    directors: dict[date, User] = {}
    day = timezone.localdate(start)
    last = timezone.localdate(now) + timedelta(days=ROSTER_AHEAD)
    turn = 0
    while day <= last:
        if calendar.is_workday(day):
            director = heads[turn % len(heads)]
            turn += 1
            # Entered on the day itself (a roster takes no past days), days ahead today.
            entered = min(timezone.make_aware(datetime.combine(day, datetime.min.time())), now)
            with clock.travel_to(entered):
                for period in (Period.MORNING, Period.AFTERNOON):
                    intake.duty_shift_add(
                        actor=keeper, director=director, hall=cast.hall, date=day, period=period
                    )
            directors[day] = director
        day += timedelta(days=1)

    lead = cast.leads[0]
    first = timezone.localdate(start)
    periods = [
        (name, text, first + timedelta(days=a), first + timedelta(days=b))
        for name, text, a, b in CAMPAIGNS
    ]
    name, text, back, ahead = CURRENT_CAMPAIGN
    today = timezone.localdate(now)
    periods.append((name, text, today - timedelta(days=back), today + timedelta(days=ahead)))
    campaigns = []
    for name, text, starts_on, ends_on in periods:
        if ends_on < first or starts_on > today:
            continue  # a short history does not reach back to it
        starts_on = max(starts_on, first)
        with clock.travel_to(
            min(timezone.make_aware(datetime.combine(starts_on, datetime.min.time())), now)
        ):
            campaigns.append(
                intake.campaign_create(
                    actor=lead,
                    name=f"{starts_on.year}年{name}",
                    unit=org.county,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    description=text,
                )
            )
    return Field(cast.hall, directors, campaigns)


# --- planning one case ----------------------------------------------------------------------


@dataclass
class Step:
    """One service call in a case's story: when, which call, with what."""

    at: datetime
    op: str
    actor: Any
    kwargs: dict[str, Any]
    state_after: str


@dataclass
class Plan:
    """A case's story before it is told: what is known at intake and the steps after it."""

    accept: dict[str, Any]
    actor: Any
    at: datetime
    category: Category
    place: DemoPlace
    steps: list[Step] = field(default_factory=list)
    # How a field channel's case is taken in: "visit", "hall" or "survey" through the intake
    # service of that name (with ``intake`` its arguments), else "" for ``case_accept``.
    via: str = ""
    intake: dict[str, Any] = field(default_factory=dict)
    link: CampaignSuggestion | None = None


class Planner:
    """Invents each case's story from one random stream (so ``seed`` fixes the content)."""

    def __init__(
        self,
        org: DemoOrg,
        categories: dict[str, Category],
        rng: random.Random,
        now: datetime,
        *,
        cast: Cast,
        field: Field,
    ) -> None:
        self.cast = cast
        self.field = field
        self.rng = rng
        self.now = now
        self.calendar = get_calendar()
        self.categories = categories
        self.leaves = [categories[c.code] for c in leaf_categories()]
        self.by_parent: dict[str, list[Category]] = {}
        for leaf in self.leaves:
            assert leaf.parent is not None
            self.by_parent.setdefault(leaf.parent.code, []).append(leaf)
        self.channels = list(CHANNEL_WEIGHTS)
        self.channel_weights = list(CHANNEL_WEIGHTS.values())
        self.hall_index = self.channels.index(Channel.HALL_DESK)
        self.survey_index = self.channels.index(Channel.SURVEY)
        self.kinds = list(KIND_WEIGHTS)
        self.kind_weights = list(KIND_WEIGHTS.values())
        # Share of the cases taken in during the stall window left stuck (seed_demo sets it).
        self.stall_share = STALL_SHARE
        self.stall_index = 0

    # time ----------------------------------------------------------------------------------

    def later(self, at: datetime, hours: float) -> datetime:
        """``hours`` of working time after ``at`` on the statutory calendar, plus a few
        random minutes so steps do not all land on the same instant."""
        due = self.calendar.add_working_hours(at, max(hours, 0.02)).due
        return due + timedelta(seconds=self.rng.randrange(0, 600))

    def intake_time(self, day: datetime, channel: str, end: datetime) -> datetime:
        """A moment on ``day`` (local midnight): office hours for staff channels, otherwise
        from early morning to late evening, busiest mid-morning and after supper."""
        rng = self.rng
        if channel in OFFICE_CHANNELS:
            hour = rng.choice((8.6, 9, 10, 11, 14.6, 15, 16, 17)) + rng.random() * 0.9
        else:
            hour = min(
                rng.triangular(7, 22.9, 10) if rng.random() < 0.7 else rng.gauss(20, 1.5), 23.9
            )
            hour = max(hour, 6.5)
        at = day + timedelta(hours=hour)
        if at >= end:  # today, later than now: some time earlier today instead
            at = day + (end - day) * rng.random()
        return at

    def weights_on(self, day: datetime) -> list[float]:
        """The channel mix of ``day``: the hall desk only when a director sits there, survey
        suggestions only while a campaign runs."""
        weights = list(self.channel_weights)
        local = day.date()
        if local not in self.field.directors:
            weights[self.hall_index] = 0
        if self.field.campaign_on(local) is None:
            weights[self.survey_index] = 0
        return weights

    # people ---------------------------------------------------------------------------------

    def citizen(self) -> dict[str, Any]:
        rng = self.rng
        if rng.random() < 0.05:
            return {"anonymous": True}
        size = 1 if rng.random() < 0.3 else 2
        name = rng.choice(SURNAMES[:60]) + "".join(rng.choice(GIVEN_CHARS) for _ in range(size))
        phone = rng.choice(("138", "139", "186", "159", "133", "177", "150", "189"))
        phone += "".join(str(rng.randrange(10)) for _ in range(8))
        return {"citizen_name": name, "citizen_phone": phone if rng.random() < 0.9 else ""}

    def intaker(self, channel: str, spot: Spot, at: datetime) -> Any:
        cast, rng = self.cast, self.rng
        if channel in (Channel.PORTAL, Channel.WINDOW_QR):
            return services.Citizen()
        if channel in (Channel.IMPORT, Channel.API):
            return services.System()
        if channel == Channel.HOTLINE:
            return rng.choice(cast.dispatchers)
        if channel == Channel.INSPECTION:
            return rng.choice(cast.inspectors)
        if channel == Channel.HALL_DESK:  # the department head on duty at the hall desk
            return self.field.directors[timezone.localdate(at)]
        if channel == Channel.FIELD_VISIT and rng.random() < 0.5:
            return cast.handler[spot.village.code]
        return cast.handler[spot.township.code]

    # the story ------------------------------------------------------------------------------

    def plan(self, at: datetime, channel: str) -> Plan:
        rng, cast = self.rng, self.cast
        kind = (
            CaseKind.SUGGESTION
            if channel == Channel.SURVEY
            else rng.choices(self.kinds, self.kind_weights)[0]
        )
        if channel == Channel.WINDOW_QR and rng.random() < 0.6:
            category = rng.choice(self.by_parent["zhengwu"])
        else:
            category = rng.choice(self.leaves)
        spot = rng.choice(cast.spots)
        title, text = generate_case_text(category.code, rng, spot.place, kind)
        actor = self.intaker(channel, spot, at)
        citizen = self.citizen()
        accept: dict[str, Any] = {
            "kind": kind,
            "channel": channel,
            "title": title,
            "text": text,
            "township": spot.township,
            "village": spot.village,
            **citizen,
        }
        if channel in (Channel.HOTLINE, Channel.INSPECTION, Channel.IMPORT):
            accept["category"] = category  # registered by staff who file it at once
        if channel == Channel.IMPORT:
            accept["external_ref"] = f"12345-{at:%y%m%d}-{rng.randrange(10**6):06d}"
        plan = Plan(accept=accept, actor=actor, at=at, category=category, place=spot.place)
        name = citizen.get("citizen_name", "")
        phone = citizen.get("citizen_phone", "")
        if channel == Channel.FIELD_VISIT:
            household = rng.choice(HOUSEHOLDS).format(
                v="" if rng.random() < 0.5 else spot.village.name,
                n=rng.randint(1, 12),
                m=rng.randint(1, 4),
                name=name[:1] + rng.choice(("大爷", "大娘", "师傅", "")) if name else "王家",
            )
            plan.via = "visit"
            plan.intake = {
                "household": household.strip(),
                "item": {"kind": kind, "text": text, "contact_name": name, "contact_phone": phone},
            }
        elif channel == Channel.HALL_DESK:
            plan.via = "hall"
            plan.intake = {"kind": kind, "text": text, "citizen_name": name, "citizen_phone": phone}
        elif channel == Channel.SURVEY:
            plan.via = "survey"
            plan.intake = {
                "campaign": self.field.campaign_on(timezone.localdate(at)),
                "text": text,
                "citizen_name": name,
                "citizen_phone": phone,
                "township": spot.township,
            }

        stall: str | None = None
        if SETTLED_AFTER < self.now - at <= STALL_WINDOW and rng.random() < self.stall_share:
            stall = STALL_STATES[self.stall_index % len(STALL_STATES)]
            self.stall_index += 1
        self._story(plan, spot, stall)
        if stall is not None:
            if stall == State.ACCEPTED:  # filed, never sent anywhere
                cut = next(i for i, s in enumerate(plan.steps) if s.op == "dispatch") - 1
            else:
                cut = next(i for i, s in enumerate(plan.steps) if s.state_after == stall)
            kept = plan.steps[: cut + 1]
            if stall == State.IN_PROGRESS and kept:
                kept += self._oversight(kept[-1].at, plan)
            plan.steps = kept
        self._field_intake(plan)
        return plan

    def _field_intake(self, plan: Plan) -> None:
        """What a field channel's intake service does itself: a visit item or a hall problem
        solved there and then is closed by the service; a hall problem not solved names the
        unit it should go to; some campaign suggestions are adopted (采纳)."""
        rng = self.rng
        steps = plan.steps
        spot = bool(steps) and steps[0].op == "spot"
        if plan.via == "visit":
            if spot:
                plan.intake["item"]["resolved"] = True
                plan.intake["item"]["resolution"] = steps.pop(0).kwargs["resolution"]
        elif plan.via == "hall":
            if spot:
                plan.intake["resolution"] = steps.pop(0).kwargs["resolution"]
            else:
                dispatch = next((s for s in steps if s.op == "dispatch"), None)
                lead = dispatch.kwargs["lead_unit"] if dispatch else plan.category.owning_unit
                plan.intake["lead_unit"] = lead
        elif plan.via == "survey":
            reply = next((s for s in steps if s.op == "reply"), None)
            if reply is not None and rng.random() < 0.45:
                at = reply.at - timedelta(minutes=rng.randrange(5, 120))
                steps.append(Step(at, "adopt", self.cast.leads[0], {}, State.IN_PROGRESS))
                steps.sort(key=lambda step: step.at)

    def _story(self, plan: Plan, spot: Spot, stall: str | None) -> None:
        rng, cast = self.rng, self.cast
        steps = plan.steps
        channel = plan.accept["channel"]
        t = plan.at

        def add(op: str, actor: Any, state: str, hours: float, **kwargs: Any) -> None:
            nonlocal t
            t = self.later(t, hours)
            steps.append(Step(t, op, actor, kwargs, state))

        staff_intake = isinstance(plan.actor, User) and channel in (
            Channel.FIELD_VISIT,
            Channel.HOTLINE,
            Channel.HALL_DESK,
        )
        roll = rng.random()
        # A director at the hall desk settles half of what people bring there and then.
        spot_share = 0.5 if channel == Channel.HALL_DESK else 0.22
        if stall is None and staff_intake and roll < spot_share:
            # 边发现边解决: the cadre who took it solved it there and then.
            add("spot", plan.actor, State.CLOSED, 0.1, resolution=rng.choice(SPOT_RESOLUTIONS))
            return
        if stall is None and roll > 0.975 and channel != Channel.HALL_DESK:
            add(
                "reject",
                rng.choice(cast.dispatchers),
                State.REJECTED,
                rng.uniform(0.2, 4),
                reason=rng.choice(REJECT_REASONS),
            )
            return
        if stall is None and 0.95 < roll <= 0.975 and channel != Channel.HALL_DESK:
            add(
                "merge",
                rng.choice(cast.dispatchers),
                State.MERGED,
                rng.uniform(0.2, 5),
                note=rng.choice(MERGE_NOTES),
            )
            return

        category = plan.category
        owner = category.owning_unit
        assert owner is not None
        where = rng.random()
        lead = spot.township if where < 0.28 else (spot.village if where < 0.33 else owner)
        assisting = [spot.township] if lead != spot.township and rng.random() < 0.08 else []
        dispatcher = rng.choice(cast.dispatchers)
        # The router files and sends some citizen reports itself, as they arrive (a case
        # left waiting for a dispatcher cannot have been one of those).
        auto = (
            channel in (Channel.PORTAL, Channel.API, Channel.WINDOW_QR)
            and stall not in (State.ACCEPTED, State.DISPATCHED)
            and rng.random() < 0.4
        )
        wants_return = stall == State.RETURNED or rng.random() < 0.045
        first = lead
        if wants_return:  # first sent to the wrong place, which says so
            first = rng.choice([u for u in cast.departments if u not in (lead, owner)])
        if auto:  # classified and dispatched in the intake's own transaction
            plan.accept["route"] = services.Route(
                actor=services.System(),
                category=category,
                lead_unit=first,
                assisting_units=assisting if not wants_return else [],
                confidence=rng.uniform(0.72, 0.99),
                model_version="demo-1",
            )
        else:
            add(
                "dispatch",
                dispatcher,
                State.DISPATCHED,
                rng.uniform(0.05, 3),
                lead_unit=first,
                assisting_units=assisting if not wants_return else [],
                category=category,
            )
        if wants_return:
            add(
                "return",
                cast.worker(rng, first),
                State.RETURNED,
                rng.uniform(0.3, 6),
                reason=rng.choice(RETURN_REASONS),
            )
            if rng.random() < 0.25:  # the dispatcher rules it was theirs after all
                add(
                    "arbitrate",
                    rng.choice(cast.inspectors + cast.dispatchers),
                    State.DISPATCHED,
                    rng.uniform(1, 8),
                    lead_unit=first,
                    reason=rng.choice(ARBITRATE_REASONS),
                )
                lead = first
            else:
                add(
                    "dispatch",
                    dispatcher,
                    State.DISPATCHED,
                    rng.uniform(0.5, 8),
                    lead_unit=lead,
                    assisting_units=assisting,
                    category=category,
                )

        limits = limits_for(category, plan.accept["kind"])
        # Most units acknowledge within hours; one in ten lets it slip past the limit.
        ack_hours = rng.uniform(0.1, 4) if rng.random() < 0.9 else rng.uniform(8, 20)
        if limits.response_unit == LimitUnit.WORKHOUR:
            ack_hours = min(ack_hours, limits.response_amount * rng.uniform(0.3, 1.4))
        worker = cast.worker(rng, lead)
        add("acknowledge", worker, State.IN_PROGRESS, ack_hours)
        self._handling(plan, add, lead, worker, limits.handling_days, round_=0)

    def _handling(
        self,
        plan: Plan,
        add: Callable[..., None],
        lead: Unit,
        worker: User,
        limit_days: int,
        *,
        round_: int,
    ) -> None:
        """From acknowledgement (or a reopening) to the reply, the callback and what follows."""
        rng, cast = self.rng, self.cast
        code = plan.category.code
        budget = limit_days * DAY_HOURS
        roll = rng.random()
        # Most answer well inside the limit, some close to it, about 7% late.
        share = rng.uniform(0.08, 0.7) if roll < 0.75 else rng.uniform(0.7, 0.97)
        if roll > 0.93:
            share = rng.uniform(1.05, 1.8)
        reply_hours = budget * share
        spent = 0.0
        if rng.random() < 0.09 and budget > DAY_HOURS * 3:
            spent = reply_hours * rng.uniform(0.3, 0.6)
            add(
                "interim",
                worker,
                State.IN_PROGRESS,
                spent,
                text=generate_interim_reply(code, rng, unit_name=lead.name),
            )
        if rng.random() < 0.045 and round_ == 0:
            days = rng.choice((5, 10, 15))
            gap = max(budget * rng.uniform(0.3, 0.7) - spent, 0.5)
            add(
                "request_extension",
                worker,
                State.IN_PROGRESS,
                gap,
                days=days,
                reason=rng.choice(EXTENSION_REASONS),
            )
            spent += gap
            approve = rng.random() < 0.8
            decider = rng.choice(cast.inspectors + cast.leads[:1] if approve else cast.dispatchers)
            add(
                "decide_extension",
                decider,
                State.IN_PROGRESS,
                rng.uniform(0.5, 8),
                approve=approve,
                note="" if approve else "理由不充分，请按原时限办结",
            )
            if approve:
                reply_hours = (limit_days + days) * DAY_HOURS * rng.uniform(0.6, 0.95)
        if rng.random() < 0.05:
            gap = max(budget * 0.8 - spent, 0.3)
            add(
                "remind",
                rng.choice(cast.dispatchers),
                State.IN_PROGRESS,
                gap,
                note="请抓紧办理，临近办理期限",
            )
            spent += gap
        if rng.random() < 0.025:
            gap = rng.uniform(0.3, 3)
            add(
                "supervise",
                rng.choice(cast.inspectors),
                State.IN_PROGRESS,
                gap,
                days=rng.choice((3, 5)),
                note="群众反映强烈，请限期办结并报送结果",
            )
            spent += gap
        reply = generate_reply(code, rng, unit_name=lead.name, place=plan.place)
        add("reply", worker, State.REPLIED, max(reply_hours - spent, 0.5), text=reply)

        callback_gap = rng.uniform(2, 20)
        if rng.random() < 0.03:
            add(
                "close",
                rng.choice(cast.dispatchers),
                State.CLOSED,
                callback_gap,
                reason=rng.choice(CLOSE_NO_CALLBACK),
            )
            return
        weights = (
            SATISFACTION_WEIGHTS if round_ == 0 else ((5, 40), (4, 45), (3, 8), (2, 4), (1, 3))
        )
        satisfaction = rng.choices([s for s, _ in weights], [w for _, w in weights])[0]
        resolved = satisfaction >= 4 or (satisfaction == 3 and rng.random() < 0.7)
        caller: Any = rng.choice(cast.dispatchers) if rng.random() < 0.8 else services.Citizen()
        if rng.random() < 0.05:
            caller = rng.choice(cast.inspectors)
        satisfied = resolved and satisfaction >= 3
        reopens = not satisfied and round_ + 1 <= settings.JISHI_MAX_REOPENS
        add(
            "callback",
            caller,
            State.IN_PROGRESS if reopens else State.CLOSED,
            callback_gap,
            resolved=resolved,
            satisfaction=satisfaction,
            comment="" if satisfied else rng.choice(UNSATISFIED_COMMENTS),
        )
        if reopens:
            limits = limits_for(plan.category, plan.accept["kind"])
            self._handling(plan, add, lead, worker, limits.handling_days, round_=round_ + 1)

    def _oversight(self, after: datetime, plan: Plan) -> list[Step]:
        """A stuck case past its deadline gets a reminder and, later, a supervision order."""
        rng, cast = self.rng, self.cast
        remind_at = self.later(after, DAY_HOURS * rng.uniform(16, 25))
        supervise_at = self.later(remind_at, DAY_HOURS * rng.uniform(2, 6))
        return [
            Step(
                remind_at,
                "remind",
                rng.choice(cast.dispatchers),
                {"note": "已超期，请立即办理"},
                State.IN_PROGRESS,
            ),
            Step(
                supervise_at,
                "supervise",
                rng.choice(cast.inspectors),
                {"days": 5, "note": "超期未办结，列入督办"},
                State.IN_PROGRESS,
            ),
        ]


# --- replaying ------------------------------------------------------------------------------


def _days(
    start: datetime, end: datetime, size: int, rng: random.Random
) -> Iterator[tuple[datetime, int]]:
    """Each local day from ``start`` to ``end`` with how many cases it brings; weekends and
    holidays are quieter, and the counts add up to exactly ``size``."""
    calendar = get_calendar()
    first = timezone.localtime(start).replace(hour=0, minute=0, second=0, microsecond=0)
    days: list[tuple[datetime, float]] = []
    day = first
    while day <= end:
        weight = 1.0 if calendar.is_workday(day.date()) else 0.45
        # Today has had only its hours so far.
        weight *= min((end - day) / timedelta(days=1), 1.0)
        days.append((day, weight * rng.uniform(0.85, 1.15)))
        day = (day + timedelta(days=1, hours=3)).replace(hour=0)  # safe across DST changes
    total = sum(w for _, w in days)
    running, given = 0.0, 0
    for day, weight in days:
        running += weight
        upto = round(size * running / total)
        yield day, upto - given
        given = upto


def _arrivals(
    planner: Planner, start: datetime, end: datetime, size: int
) -> Iterator[tuple[datetime, str]]:
    """Every case's intake time and channel, oldest first, one day in memory at a time."""
    rng = planner.rng
    for day, count in _days(start, end, size, rng):
        channels = rng.choices(planner.channels, planner.weights_on(day), k=count)
        todays = sorted((planner.intake_time(day, ch, end), ch) for ch in channels)
        yield from todays


class Replayer:
    """Runs a run's steps through the services, in time order, inside one batch."""

    def __init__(self, cast: Cast, now: datetime) -> None:
        self.cast = cast
        self.now = now

    def take_in(self, plan: Plan) -> Case:
        """The case's intake: through the field channel's own service, so the visit, the hall
        problem or the campaign suggestion exists with it, or straight into the ledger."""
        at = plan.at
        if plan.via == "visit":
            visit = intake.visit_record(
                actor=plan.actor,
                household=plan.intake["household"],
                visited_on=timezone.localdate(at),
                items=[intake.ItemInput(**plan.intake["item"])],
            )
            return VisitItem.objects.select_related("case").get(visit=visit).case
        if plan.via == "hall":
            problem = intake.hall_record(actor=plan.actor, hall=self.cast.hall, **plan.intake)
            return problem.case
        if plan.via == "survey":
            plan.link = intake.campaign_suggest(actor=plan.actor, **plan.intake)
            return plan.link.case
        return services.case_accept(actor=plan.actor, **plan.accept)

    def run(self, plans: list[Plan]) -> None:
        cases: list[Case | None] = [None] * len(plans)
        queue: list[tuple[datetime, int, int, Step | None]] = []
        for i, plan in enumerate(plans):
            queue.append((plan.at, i, -1, None))
            for j, step in enumerate(plan.steps):
                if step.at < self.now:
                    queue.append((step.at, i, j, step))
        heapq.heapify(queue)
        # travel_to puts back, when the run ends, whatever time the caller had pinned.
        with clock.travel_to(self.now):
            while queue:
                with services.batch():
                    for _ in range(STEPS_PER_COMMIT):
                        if not queue:
                            break
                        self.replay(heapq.heappop(queue), plans, cases)

    def replay(
        self,
        entry: tuple[datetime, int, int, Step | None],
        plans: list[Plan],
        cases: list[Case | None],
    ) -> None:
        at, i, _j, next_step = entry
        clock.set_now(at)
        plan = plans[i]
        if next_step is None:
            cases[i] = self.take_in(plan)
            return
        case = cases[i]
        assert case is not None
        if case.state in (State.REJECTED, State.MERGED):
            return  # a failed merge became a rejection: the rest never happened
        cases[i] = self.step(next_step, case, plan, cases)

    def step(self, step: Step, case: Case, plan: Plan, cases: list[Case | None]) -> Case:
        op, actor, kw = step.op, step.actor, step.kwargs
        if op == "spot":
            return services.case_resolve_on_the_spot(actor=actor, case=case, **kw)
        if op == "dispatch":
            return services.case_dispatch(actor=actor, case=case, **kw)
        if op == "return":
            return services.case_return(actor=actor, case=case, **kw)
        if op == "arbitrate":
            return services.case_arbitrate(actor=actor, case=case, **kw)
        if op == "acknowledge":
            return services.case_acknowledge(actor=actor, case=case)
        if op == "interim":
            return services.case_interim_reply(actor=actor, case=case, **kw)
        if op == "request_extension":
            return services.case_request_extension(actor=actor, case=case, **kw)
        if op == "decide_extension":
            return services.case_decide_extension(actor=actor, case=case, **kw)
        if op == "remind":
            return services.case_remind(actor=actor, case=case, **kw)
        if op == "supervise":
            return services.case_supervise(actor=actor, case=case, **kw)
        if op == "reply":
            return services.case_reply(actor=actor, case=case, **kw)
        if op == "callback":
            return services.case_callback(actor=actor, case=case, **kw)
        if op == "close":
            return services.case_close(actor=actor, case=case, **kw)
        if op == "reject":
            return services.case_reject(actor=actor, case=case, **kw)
        if op == "adopt":
            assert plan.link is not None
            intake.campaign_adopt(
                actor=actor, suggestion=plan.link, note="列入下一步工作计划，由承办单位落实"
            )
            return case
        if op == "merge":
            target = self._merge_target(case, plan, cases)
            if target is None:  # nothing open to fold it into: it was turned away instead
                return services.case_reject(
                    actor=actor, case=case, reason="与此前已办结事项重复，不再重复受理"
                )
            return services.case_merge(actor=actor, case=case, into=target, **kw)
        raise ValueError(op)

    @staticmethod
    def _merge_target(case: Case, plan: Plan, cases: list[Case | None]) -> Case | None:
        """The most recent open case of the same category taken in before this one."""
        best = None
        for other in cases:
            if other is None or other.pk == case.pk or other.state not in OPEN_STATES:
                continue
            if other.category_id == plan.category.pk and other.accepted_at <= case.accepted_at:
                best = other
        return best


# --- the whole county -----------------------------------------------------------------------


def seed_demo(
    *,
    size: int = DEFAULT_SIZE,
    seed: int = DEFAULT_SEED,
    months: int = DEFAULT_MONTHS,
    progress: Progress | None = None,
) -> SeedReport:
    """Build the demo county in an empty database and replay ``months`` months of cases
    (``size`` of them, ending now) through the ledger's services, the field channels'
    cases through the intake services. Raises ``Conflict`` when units already exist.

    Progress is kept in a ``SeedRun`` row, finished only after the last case, so a run
    killed halfway is recognised (``seed_state``)."""
    if size < 1 or months < 1:
        raise ValueError("size and months must be positive")
    started = time.monotonic()
    now = clock.now()
    start = now - timedelta(days=round(months * 30.44))
    rng = random.Random(seed)
    # The county's people and rules, its roster and campaigns, and the row that says a seed
    # is under way: all or nothing, so a kill before the first case leaves an empty database.
    with transaction.atomic():
        if Unit.objects.exists():
            raise Conflict("数据库中已有单位，演示县只能建在空数据库中")
        run = SeedRun.objects.create(size=size, seed=seed, months=months, started_at=now)
        org = build_demo_org(seed=seed)
        categories = seed_categories(org)
        seed_time_limits(categories)
        cast = Cast(org)
        field_channels = seed_field(org, cast, start, now)

    planner = Planner(org, categories, rng, now, cast=cast, field=field_channels)
    # A small ledger still shows a few problems raised at the hall desk.
    planner.channel_weights[planner.hall_index] = max(
        CHANNEL_WEIGHTS[Channel.HALL_DESK], 600 / size
    )
    # About 0.3% of the cases stay stuck, all from the stall window (at least a dozen).
    window = (min(STALL_WINDOW.days, months * 30.44) - SETTLED_AFTER.days) / (months * 30.44)
    in_window = max(size * window, 1.0)
    planner.stall_share = min(max(STALL_SHARE * size, MIN_STALLS) / in_window, 0.5)
    replayer = Replayer(planner.cast, now)

    done = 0
    plans: list[Plan] = []

    def finish_run() -> None:
        nonlocal done, plans
        replayer.run(plans)
        done += len(plans)
        plans = []
        SeedRun.objects.filter(pk=run.pk).update(cases_done=done)
        reset_queries()  # with DEBUG on, the query log would grow without bound
        if progress:
            progress(done, size, time.monotonic() - started)

    for at, channel in _arrivals(planner, start, now, size):
        plans.append(planner.plan(at, channel))
        if len(plans) >= BATCH:
            finish_run()
    if plans:
        finish_run()
    SeedRun.objects.filter(pk=run.pk).update(finished_at=clock.now())

    report = SeedReport(logins=list(org.logins))
    report.by_state = dict(Counter(_counts("state")))
    report.by_channel = dict(Counter(_counts("channel")))
    report.by_kind = dict(Counter(_counts("kind")))
    report.cases = sum(report.by_state.values())
    report.events = CaseEvent.objects.count()
    report.elapsed = time.monotonic() - started
    return report


def _counts(column: str) -> dict[str, int]:
    rows = Case.objects.order_by().values(column).annotate(n=Count("id"))
    return {row[column]: row["n"] for row in rows}


def seed_state() -> str:
    """``"empty"`` (no units), ``"finished"`` (a demo seed ran to the end), ``"unfinished"``
    (a demo seed was stopped halfway) or ``"other"`` (units that no demo seed wrote)."""
    if not Unit.objects.exists():
        return "empty"
    run = SeedRun.objects.order_by("-pk").first()
    if run is None:
        return "other"
    return "finished" if run.finished_at is not None else "unfinished"
