"""The demo county's 好差评: every hall window rated over the last two months, through the
reviews services (bad ratings open their rectification cases), one misconduct report, and
the supervision office (督查室) set to receive reports and decide appeals.

Run after ``seed_demo`` (``manage.py seed_demo_reviews``); it adds cases of its own, so it
is kept out of ``seed_demo``'s exact case count.
"""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction

from jishi.common import clock
from jishi.demo.orgdata import HALL_CODE, SUPERVISION_CODE
from jishi.orgs.models import Unit, UnitKind
from jishi.reviews import services, tokens
from jishi.reviews.models import ReviewPolicy, ServiceItem, ServicePoint

COMMENTS = (
    ("slow", "排队两个多小时，只开了一个窗口"),
    ("attitude", "工作人员态度冷淡，问了几遍都不耐烦"),
    ("come_back", "材料没有一次性告知，让我跑了三趟"),
    ("unclear", "指引牌看不懂，不知道该去哪个窗口"),
    ("system_down", "系统一直显示故障，白等了一上午"),
    ("slow", "等候时间太长，叫号很慢"),
)
LEVELS = [5] * 62 + [4] * 22 + [3] * 8 + [2] * 5 + [1] * 3


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
        for i in range(per_window):
            at = now - timedelta(days=rng.uniform(0, 60), hours=rng.uniform(0, 8))
            level = rng.choice(LEVELS)
            reason, comment = rng.choice(COMMENTS)
            with clock.travel_to(at):
                services.rating_submit(
                    point=point,
                    level=level,
                    reasons=[reason] if level <= 2 else [],
                    comment=comment if level <= 2 else "",
                    device_key=f"demo-{point.pk}-{i}",
                )
            made += 1
    with clock.travel_to(now - timedelta(days=3)):
        services.misconduct_report(
            point=points[1], text="办理不动产登记时，工作人员暗示给红包可以加快办理。"
        )
    return made
