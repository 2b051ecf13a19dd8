"""Reads with rules for outreach: which talks a user sees, what the public sees, attendance."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet

from jishi.common import clock
from jishi.common.errors import NotFound
from jishi.orgs.models import User
from jishi.orgs.selectors import scope_of
from jishi.outreach.models import CheckIn, Site, Talk


def talks_visible_to(user: User | AnonymousUser) -> QuerySet[Talk]:
    """County-wide posts see every talk; a unit's posts the talks it organises or that are
    held in its township (a village's posts: in their village's township too)."""
    qs = Talk.objects.select_related("series", "site", "organiser", "township")
    scope = scope_of(user)
    if scope.county_wide:
        return qs
    if scope.empty:
        return qs.none()
    return qs.filter(Q(organiser_id__in=scope.unit_ids) | Q(township_id__in=scope.unit_ids))


def talk_for(user: User | AnonymousUser, pk: int) -> Talk:
    talk = talks_visible_to(user).filter(pk=pk).first()
    if talk is None:
        raise NotFound("没有这场宣讲，或您无权查看")
    return talk


def sites_public() -> QuerySet[Site]:
    return Site.objects.filter(active=True).select_related("township", "village")


def upcoming_talks() -> QuerySet[Talk]:
    """Talks not yet over, soonest first, for the public list."""
    return (
        Talk.objects.filter(cancelled=False, ends_at__gte=clock.now())
        .select_related("series", "site", "township")
        .order_by("starts_at", "id")
    )


@dataclass(frozen=True)
class Attendance:
    named: int
    anonymous: int
    remote: int
    head_count: int

    @property
    def checked_in(self) -> int:
        return self.named + self.anonymous

    @property
    def total(self) -> int:
        """People at the talk: every check-in (each person once) plus the head count."""
        return self.named + self.anonymous + self.head_count


def attendance_of(talk: Talk) -> Attendance:
    row = CheckIn.objects.filter(talk=talk).aggregate(
        named=Count("id", filter=~Q(name="")),
        anonymous=Count("id", filter=Q(name="")),
        remote=Count("id", filter=Q(channel="remote")),
    )
    return Attendance(row["named"], row["anonymous"], row["remote"], talk.head_count)
