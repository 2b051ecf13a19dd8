"""The demo county's 宣讲: sites, the 六讲六进 and 红色课堂 series, party branches with their
members, about thirty talks over the last four months with their check-ins (named, anonymous
and remote, some members twice) and head counts, a few talks still to come, and questions
raised at talks that became cases — all through the outreach services, at the times they
happened.

Run after ``seed_demo`` (``manage.py seed_demo_outreach``); it adds cases of its own, so it
is kept out of ``seed_demo``'s exact case count.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from jishi.common import clock
from jishi.demo.orgdata import GIVEN_CHARS, SURNAMES
from jishi.orgs.models import Post, Role, Unit, UnitKind, User
from jishi.outreach import services
from jishi.outreach.models import Branch, BranchMember, CheckInChannel, Site, SiteKind, Talk

THEMES = (
    "讲党的创新理论",
    "讲惠民政策",
    "讲法律法规",
    "讲乡风文明",
    "讲安全知识",
    "讲身边典型",
)
SETTINGS = ("village", "community", "office", "enterprise", "school", "barracks")
TITLES = {
    "讲党的创新理论": "学习贯彻全会精神",
    "讲惠民政策": "医保和养老政策面对面",
    "讲法律法规": "民法典走进千家万户",
    "讲乡风文明": "移风易俗 文明新风",
    "讲安全知识": "防范电信诈骗 守好钱袋子",
    "讲身边典型": "身边的好人好事",
}
QUESTIONS = (
    ("request", "村口到纪念馆的路灯坏了好几盏，晚上来参观看不清路"),
    ("inquiry", "城乡居民医保今年的缴费标准和截止时间是什么"),
    ("request", "小区旁边的排水沟堵了，下雨就积水，希望尽快疏通"),
    ("suggestion", "建议在村文化广场增设几处健身器材"),
    ("complaint", "镇上菜市场早上占道经营严重，学生上学不安全"),
    ("inquiry", "高龄津贴怎么申请，需要准备哪些材料"),
)
SPEAKERS = (
    "县委宣讲团 李明",
    "县委党校 王老师",
    "镇党委书记 陈刚",
    "退役军人 赵志强",
    "驻村第一书记 刘洋",
)


def _name(rng: random.Random) -> str:
    surname = SURNAMES[min(int(rng.expovariate(1 / 18)), len(SURNAMES) - 1)]
    return surname + "".join(rng.choice(GIVEN_CHARS) for _ in range(rng.choice((1, 2, 2))))


def _branch_villages(township: Unit) -> list[Unit]:
    """Three villages of the township with a branch each; the demo's community login
    (``xinhua``, 新华社区) among them, so it signs in as a branch secretary."""
    under = Unit.objects.filter(parent=township, kind=UnitKind.VILLAGE, active=True)
    first = list(under.filter(name=SECRETARY_COMMUNITY))
    return first + list(under.exclude(name=SECRETARY_COMMUNITY).order_by("path")[: 3 - len(first)])


SECRETARY_COMMUNITY = "新华社区"


def _staff(unit: Unit) -> User | None:
    post = (
        Post.objects.filter(unit=unit, role__in=[Role.HANDLER, Role.UNIT_LEAD], active=True)
        .select_related("user")
        .order_by("role", "pk")
        .first()
    )
    return post.user if post is not None else None


def _county_actor() -> User:
    post = (
        Post.objects.filter(role__in=[Role.DISPATCHER, Role.ADMIN], active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if post is None:
        raise RuntimeError("the demo county has no dispatcher: run seed_demo first")
    return post.user


def seed_outreach(*, seed: int = 11, talks: int = 30) -> int:
    """Returns the number of check-ins made; does nothing when talks exist already."""
    if Talk.objects.exists():
        return 0
    rng = random.Random(seed)
    now = clock.now()
    county_actor = _county_actor()
    townships = list(Unit.objects.filter(kind=UnitKind.TOWNSHIP, active=True).order_by("path"))[:5]
    if not townships:
        return 0
    villages = {t.pk: _branch_villages(t) for t in townships}
    with clock.travel_to(now - timedelta(days=140)), transaction.atomic():
        series = services.series_save(
            actor=county_actor,
            name="六讲六进",
            description="讲党的创新理论、惠民政策、法律法规、乡风文明、安全知识、身边典型，"
            "进机关、进农村、进社区、进企业、进学校、进军营。",
            themes=list(THEMES),
        )
        red = services.series_save(
            actor=county_actor,
            name="红色课堂",
            description="在红色遗址现场讲党史、讲革命故事。",
            themes=["讲党史", "讲革命故事"],
        )
        sites: dict[int, list[Site]] = {}
        for i, township in enumerate(townships):
            village = villages[township.pk][0] if villages[township.pk] else None
            kind = SiteKind.HERITAGE if i % 2 == 0 else SiteKind.VILLAGE_HALL
            name = (
                f"{township.name}革命烈士纪念馆"
                if kind == SiteKind.HERITAGE
                else f"{village.name if village else township.name}党群服务中心"
            )
            site = services.site_save(
                actor=county_actor,
                name=name,
                kind=kind,
                township=township,
                village=village,
                address=f"{township.name}{village.name if village else ''}",
                description="馆内陈列革命文物和史料，是全县党员教育基地。"
                if kind == SiteKind.HERITAGE
                else "村(社区)党员活动和群众议事的场所，可容纳一个村的党员集中学习。",
                capacity=rng.choice((60, 80, 120, 200)),
                opening_hours="周二至周日 9:00-17:00"
                if kind == SiteKind.HERITAGE
                else "工作日 8:30-17:30",
            )
            sites.setdefault(township.pk, []).append(site)
        members: dict[int, list[tuple[BranchMember, Branch]]] = {}
        for township in townships:
            for village in villages[township.pk]:
                branch = Branch.objects.create(
                    name=f"{village.name}党支部", unit=village, secretary=_staff(village)
                )
                names: set[str] = set()
                while len(names) < rng.randint(10, 16):
                    names.add(_name(rng))
                for n, name in enumerate(sorted(names)):
                    member = BranchMember.objects.create(
                        branch=branch,
                        name=name,
                        name_key=services.name_key(name),
                        hardship=n % 7 == 3,
                        remote=n % 5 == 1,
                        note="在外务工" if n % 5 == 1 else "",
                    )
                    members.setdefault(township.pk, []).append((member, branch))
    # A few members attend nothing: the names on their branch secretary's list.
    truants = {m.pk for ms in members.values() for m, _b in ms if rng.random() < 0.12}
    made = 0
    device = 0
    for i in range(talks + 4):
        township = townships[i % len(townships)]
        actor = _staff(township) or county_actor
        upcoming = i >= talks
        days_ago = -rng.uniform(2, 20) if upcoming else rng.uniform(1, 120)
        day = timezone.localtime(now - timedelta(days=days_ago)).date()
        start = timezone.make_aware(datetime.combine(day, datetime.min.time())) + timedelta(
            hours=rng.choice((9, 10, 14, 15, 19))
        )
        theme = THEMES[i % len(THEMES)]
        at_site = sites[township.pk][0] if i % 3 == 0 else None
        the_series = red if at_site is not None and at_site.kind == SiteKind.HERITAGE else series
        with clock.travel_to(min(now, start - timedelta(days=5))):
            talk = services.talk_create(
                actor=actor,
                data=services.TalkInput(
                    title=TITLES[theme] if the_series == series else f"{township.name}革命斗争史",
                    speaker=rng.choice(SPEAKERS),
                    setting="village" if at_site is not None else SETTINGS[i % len(SETTINGS)],
                    organiser=township,
                    starts_at=start,
                    ends_at=start + timedelta(minutes=rng.choice((60, 90, 120))),
                    series=the_series,
                    theme=theme if the_series == series else "讲党史",
                    site=at_site,
                    place="" if at_site is not None else f"{township.name}便民服务中心会议室",
                    township=township,
                    audience="党员群众",
                    expected_size=rng.choice((40, 60, 80, 120)),
                    materials="宣讲提纲、政策问答手册",
                    remote=i % 4 == 0,
                ),
            )
        if upcoming:
            continue
        local = [(m, b) for m, b in members.get(township.pk, []) if m.pk not in truants]
        attendees = rng.sample(local, k=min(len(local), rng.randint(8, 30)))
        for n, (member, branch) in enumerate(attendees):
            device += 1
            remote = bool(member.remote and talk.remote_key)
            moment = talk.starts_at + timedelta(minutes=rng.uniform(-20, 30))
            if remote:  # watched the recording afterwards, from where they work
                moment = min(now, talk.ends_at + timedelta(hours=rng.uniform(1, 48)))
            channel = CheckInChannel.REMOTE if remote else CheckInChannel.ONSITE
            with clock.travel_to(moment):
                services.checkin_record(
                    talk=talk,
                    channel=channel,
                    name=member.name,
                    unit_text=branch.name,
                    device_key=f"demo-{device:06d}",
                )
                made += 1
                if n % 9 == 0:  # a double tap: counted once
                    services.checkin_record(
                        talk=talk,
                        channel=channel,
                        name=member.name,
                        unit_text=branch.name,
                        device_key=f"demo-{device:06d}",
                    )
        with clock.travel_to(talk.starts_at + timedelta(minutes=10)):
            for _ in range(rng.randint(3, 25)):  # residents who are not party members
                device += 1
                anonymous = rng.random() < 0.4
                services.checkin_record(
                    talk=talk,
                    name="" if anonymous else _name(rng),
                    anonymous=anonymous,
                    device_key=f"demo-{device:06d}",
                )
                made += 1
        with clock.travel_to(talk.ends_at):
            count = rng.choice((0, 0, 3, 5, 8, 12))
            if count:
                services.head_count_add(actor=actor, talk=talk, count=count, note="未带手机的群众")
            if i % 5 == 2:
                case_kind, text = QUESTIONS[(i // 5) % len(QUESTIONS)]
                services.question_record(actor=actor, talk=talk, kind=case_kind, text=text)
    return made
