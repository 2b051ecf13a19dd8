"""The demo county's 好差评: every hall window rated over the last two months, through the
reviews services (bad ratings open their rectification cases), one misconduct report, and
the supervision office (督查室) set to receive reports and decide appeals.

A working hall answers its bad ratings: each rectification is acknowledged and answered by
the window's clerk (most within the limit, a few late), then rated again by the citizen (追评)
or called back, so the figures show rectified, rectified on time and still open — and only
the last few days' cases wait in the lead's work list.

Run after ``seed_demo`` (``manage.py seed_demo_reviews``); it adds cases of its own, so it
is kept out of ``seed_demo``'s exact case count.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import transaction

from jishi.cases import services as case_services
from jishi.common import clock
from jishi.demo.orgdata import HALL_CODE, SUPERVISION_CODE
from jishi.orgs.models import Post, Role, Unit, UnitKind, User
from jishi.reviews import services, tokens
from jishi.reviews.models import Rating, ReviewPolicy, ServiceItem, ServicePoint

COMMENTS = (
    ("slow", "排队两个多小时，只开了一个窗口"),
    ("attitude", "工作人员态度冷淡，问了几遍都不耐烦"),
    ("come_back", "材料没有一次性告知，让我跑了三趟"),
    ("unclear", "指引牌看不懂，不知道该去哪个窗口"),
    ("system_down", "系统一直显示故障，白等了一上午"),
    ("slow", "等候时间太长，叫号很慢"),
)
LEVELS = [5] * 62 + [4] * 22 + [3] * 8 + [2] * 5 + [1] * 3
REPLIES = (
    "经核查情况属实，已对当班人员批评教育，并在高峰时段增开窗口。",
    "已将办理所需材料清单张贴在窗口并推送至网上，做到一次性告知。",
    "已更换故障设备并安排技术人员驻厅保障，系统恢复正常。",
    "已调整叫号规则，增设引导员，平均等候时间明显缩短。",
)
# Bad ratings younger than this stay as they are: the hall is still working on them.
FRESH = timedelta(days=4)


def seed_reviews(*, seed: int = 7, per_window: int = 15) -> int:
    """Returns the number of ratings made; does nothing when windows are already rated."""
    if ServicePoint.objects.exists():
        return 0
    rng = random.Random(seed)
    hall = Unit.objects.get(code=HALL_CODE)
    office = Unit.objects.filter(code=SUPERVISION_CODE).first()
    now = clock.now()
    with transaction.atomic():
        ReviewPolicy.objects.create(supervision_unit=office)
        points = []
        for window in Unit.objects.filter(parent=hall, kind=UnitKind.WINDOW).order_by("sort_order"):
            point = ServicePoint.objects.create(unit=window, owner=hall, qr_key=tokens.new_key())
            item = ServiceItem.objects.create(
                code=f"{window.code}-01",
                name=f"{window.name.removesuffix('窗口')}业务办理",
                owning_unit=hall,
            )
            point.items.add(item)
            points.append(point)
    made = 0
    for point in points:
        clerk = _clerk(point)
        for i in range(per_window):
            at = now - timedelta(days=rng.uniform(0, 60), hours=rng.uniform(0, 8))
            level = rng.choice(LEVELS)
            reason, comment = rng.choice(COMMENTS)
            with clock.travel_to(at):
                rating = services.rating_submit(
                    point=point,
                    level=level,
                    reasons=[reason] if level <= 2 else [],
                    comment=comment if level <= 2 else "",
                    phone=f"139{rng.randrange(10**8):08d}" if level <= 2 else "",
                    device_key=f"demo-{point.pk}-{i}",
                )
            made += 1
            if rating.rectification is not None and clerk is not None and now - at > FRESH:
                _rectify(rating, clerk, at, rng)
    with clock.travel_to(now - timedelta(days=3)):
        services.misconduct_report(
            point=points[1], text="办理不动产登记时，工作人员暗示给红包可以加快办理。"
        )
    return made


def _clerk(point: ServicePoint) -> User | None:
    post = (
        Post.objects.filter(unit=point.unit, role=Role.HANDLER, active=True)
        .select_related("user")
        .first()
    )
    return post.user if post is not None else None


def _rectify(rating: Rating, clerk: User, at: datetime, rng: random.Random) -> None:
    """Acknowledge the next morning, answer in one to seven days (five is the limit), then
    the citizen's follow-up rating or the office's callback."""
    case = rating.rectification
    assert case is not None
    with clock.travel_to(at + timedelta(hours=rng.uniform(2, 20))):
        case = case_services.case_acknowledge(actor=clerk, case=case)
    now = clock.now()
    answered = at + timedelta(days=rng.choice((1, 2, 2, 3, 3, 4, 6, 9)), hours=rng.uniform(0, 6))
    if answered >= now:
        return  # still being worked on
    with clock.travel_to(answered):
        case = case_services.case_reply(actor=clerk, case=case, text=rng.choice(REPLIES))
    confirmed = answered + timedelta(days=rng.uniform(0.5, 2))
    if confirmed >= now:
        return  # answered; the callback is still to come
    with clock.travel_to(confirmed):
        if rng.random() < 0.6:
            services.follow_up_submit(rating=rating, level=rng.choice((5, 4, 4, 3, 2)))
        else:
            office = User.objects.filter(username="dispatcher").first()
            if office is not None:
                case_services.case_callback(
                    actor=office, case=case, resolved=True, satisfaction=rng.choice((5, 4, 3))
                )
