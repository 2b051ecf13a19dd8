"""The county's review settings and the questions every part of the app asks of them: which
unit is the supervision office, who belongs to it, how long a rectification may take."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from jishi.common.snapshots import Snapshot
from jishi.orgs.models import Post, Role, Unit, User
from jishi.orgs.selectors import active_posts
from jishi.reviews.models import RectificationLimit, ReviewPolicy


@dataclass(frozen=True)
class Policy:
    supervision_unit_id: int | None = None
    good_includes_basic: bool = False
    occasion_minutes: int = 30
    rectification_days: int = 5
    flag_threshold: int = 3
    min_ratings_ranked: int = 10
    ratings_per_address_hour: int = 300

    @property
    def good_floor(self) -> int:
        """The lowest level that counts as a good rating (4 满意, or 3 基本满意)."""
        return 3 if self.good_includes_basic else 4


def _load() -> tuple[Policy, list[tuple[int | None, str, int]]]:
    row = ReviewPolicy.objects.order_by("pk").first()
    policy = Policy()
    if row is not None:
        policy = Policy(
            supervision_unit_id=row.supervision_unit_id,
            good_includes_basic=row.good_includes_basic,
            occasion_minutes=row.occasion_minutes,
            rectification_days=row.rectification_days,
            flag_threshold=row.flag_threshold,
            min_ratings_ranked=row.min_ratings_ranked,
            ratings_per_address_hour=row.ratings_per_address_hour,
        )
    limits: list[tuple[int | None, str, int]] = [
        (unit_id, reason, days)
        for unit_id, reason, days in RectificationLimit.objects.values_list(
            "unit_id", "reason", "days"
        )
    ]
    return policy, limits


# Read on every rating; changed a few times a year in the admin.
_POLICY = Snapshot("review-policy", _load, models_=[ReviewPolicy, RectificationLimit])


def current() -> Policy:
    return _POLICY.get()[0]


def rectification_limit(units: Sequence[Unit], reasons: Sequence[str]) -> tuple[int, str]:
    """Working days to rectify, and the rule's name: the most specific ``RectificationLimit``
    (unit and reason, then unit, then reason) for the window's units, nearest unit first;
    among several reasons the shortest limit; else the policy's default."""
    policy, limits = _POLICY.get()
    table = {(unit_id, reason): days for unit_id, reason, days in limits}
    for unit in units:
        found = [(table[(unit.pk, r)], r) for r in reasons if (unit.pk, r) in table]
        if found:
            return min(found)[0], f"差评整改：{unit.name}"
        if (unit.pk, "") in table:
            return table[(unit.pk, "")], f"差评整改：{unit.name}"
    found = [(table[(None, r)], r) for r in reasons if (None, r) in table]
    if found:
        return min(found)[0], "差评整改：按差评原因"
    return policy.rectification_days, "差评整改"


def supervision_unit() -> Unit | None:
    """The unit that receives misconduct reports and decides appeals: the policy's, else
    the unit where the first inspector (督查员) is posted."""
    unit_id = current().supervision_unit_id
    if unit_id is not None:
        return Unit.objects.filter(pk=unit_id, active=True).first()
    post = (
        Post.objects.filter(role=Role.INSPECTOR, active=True, unit__active=True)
        .select_related("unit")
        .order_by("pk")
        .first()
    )
    return post.unit if post is not None else None


def is_supervision_office(user: User | AnonymousUser) -> bool:
    """A post in the supervision office (at or below its unit), or a superuser."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    unit = supervision_unit()
    if unit is None:
        return False
    return any(p.unit.is_within(unit) for p in active_posts(user))
