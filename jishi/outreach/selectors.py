"""Reads with rules for outreach: which talks a user sees, what the public sees, attendance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from jishi.common import clock
from jishi.common.errors import NotFound
from jishi.orgs.access import UNIT_ROLES
from jishi.orgs.models import Unit, UnitKind, User
from jishi.orgs.selectors import active_posts, scope_of
from jishi.outreach.identity import name_key
from jishi.outreach.models import (
    Branch,
    BranchMember,
    CheckIn,
    HeadCount,
    Series,
    Setting,
    Site,
    SiteVisit,
    Talk,
)


def start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day``, in the county's time zone."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())


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


def head_counts_of(talk_ids: Any) -> dict[int, int]:
    """Each talk's head count (the sum of its 现场补录 entries), by talk id; talks without
    entries are absent. ``talk_ids`` may be a list or a subquery."""
    rows = (
        HeadCount.objects.filter(talk_id__in=talk_ids)
        .values("talk_id")
        .annotate(n=Sum("count"))
        .values_list("talk_id", "n")
    )
    return {talk_id: int(n or 0) for talk_id, n in rows}


def head_count_entries(talk: Talk) -> QuerySet[HeadCount]:
    """The 现场补录 entries of a talk, oldest first, with who recorded each."""
    return talk.head_counts.select_related("recorded_by").order_by("created_at", "id")


def attendance_of(talk: Talk) -> Attendance:
    row = (
        CheckIn.objects.counted()
        .filter(talk=talk)
        .aggregate(
            named=Count("id", filter=~Q(name="")),
            unnamed=Count("id", filter=Q(name="")),
            remote=Count("id", filter=Q(channel="remote")),
        )
    )
    head = head_counts_of([talk.pk]).get(talk.pk, 0)
    return Attendance(row["named"], row["unnamed"], row["remote"], head)


def with_attendance(talks: list[Talk]) -> list[tuple[Talk, Attendance]]:
    """Each talk with its attendance, in three queries whatever the number of talks."""
    rows = (
        CheckIn.objects.counted()
        .filter(talk__in=talks)
        .values("talk_id")
        .annotate(
            named=Count("id", filter=~Q(name="")),
            unnamed=Count("id", filter=Q(name="")),
            remote=Count("id", filter=Q(channel="remote")),
        )
    )
    by_talk = {r["talk_id"]: r for r in rows}
    heads = head_counts_of([t.pk for t in talks])
    out = []
    for talk in talks:
        r = by_talk.get(talk.pk, {"named": 0, "unnamed": 0, "remote": 0})
        out.append((talk, Attendance(r["named"], r["unnamed"], r["remote"], heads.get(talk.pk, 0))))
    return out


def townships() -> QuerySet[Unit]:
    return Unit.objects.filter(kind=UnitKind.TOWNSHIP, active=True).order_by("path")


def may_add_talks(user: User | AnonymousUser) -> bool:
    """County-wide posts and every handler or lead of a unit may schedule talks."""
    scope = scope_of(user)
    return scope.county_wide or any(p.role in UNIT_ROLES for p in active_posts(user))


def branches_of_secretary(user: User | AnonymousUser) -> QuerySet[Branch]:
    if not user.is_authenticated:
        return Branch.objects.none()
    return Branch.objects.filter(secretary=user, active=True)


def series_with_counts(user: User | AnonymousUser) -> QuerySet[Series]:
    visible = talks_visible_to(user).values("pk")
    return Series.objects.annotate(
        talk_count=Count("talks", filter=Q(talks__in=visible, talks__cancelled=False))
    )


def _int(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() and len(text) < 10 else None


def period_bounds(raw: Any) -> tuple[dt.date, dt.date] | None:
    """A period as the figures page and the talk list write it: a year (``2026``) or a month
    (``2026-11``), as ``[start, end)``; ``None`` for anything else."""
    parts = str(raw or "").strip().split("-")
    if not all(p.isascii() and p.isdigit() for p in parts) or len(parts[0]) != 4:
        return None
    year = int(parts[0])
    if not 2000 <= year <= 2100:
        return None
    if len(parts) == 1:
        return dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    if len(parts) == 2 and len(parts[1]) <= 2 and 1 <= int(parts[1]) <= 12:
        first = dt.date(year, int(parts[1]), 1)
        return first, (first + dt.timedelta(days=32)).replace(day=1)
    return None


# In a link, "none" asks for the talks without a series (or township): the figures' "未填写" row.
NONE = "none"


def _key(value: Any) -> int | None:
    """A filter's id; 0 stands for "none" (no row has id 0)."""
    return 0 if str(value or "") == NONE else _int(value)


@dataclass(frozen=True)
class TalkFilter:
    """The filters of the talk list; the figures link here with the same names, so a number
    and the list behind it are one query apart."""

    series: int | None = None
    setting: str = ""
    township: int | None = None
    period: str = ""
    site: int | None = None
    held: bool = False
    head_count: bool = False

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> TalkFilter:
        setting = str(query.get("setting") or "")
        # ``month`` is the older name of a month's period, kept for links already out there.
        raw = str(query.get("period") or query.get("month") or "").strip()
        return cls(
            series=_key(query.get("series")),
            setting=setting if setting in Setting.values else "",
            township=_key(query.get("township")),
            period=raw if period_bounds(raw) is not None else "",
            site=_int(query.get("site")),
            held=str(query.get("held") or "") == "1",
            head_count=str(query.get("head_count") or "") == "1",
        )

    def apply(self, talks: QuerySet[Talk]) -> QuerySet[Talk]:
        if self.series == 0:
            talks = talks.filter(series__isnull=True)
        elif self.series is not None:
            talks = talks.filter(series_id=self.series)
        if self.setting:
            talks = talks.filter(setting=self.setting)
        if self.township == 0:
            talks = talks.filter(township__isnull=True)
        elif self.township is not None:
            talks = talks.filter(township_id=self.township)
        if self.site is not None:
            talks = talks.filter(site_id=self.site)
        bounds = period_bounds(self.period)
        if bounds is not None:
            talks = talks.filter(
                starts_at__gte=start_of(bounds[0]), starts_at__lt=start_of(bounds[1])
            )
        if self.held:
            talks = held(talks)
        if self.head_count:
            talks = talks.filter(Exists(HeadCount.objects.filter(talk=OuterRef("pk"))))
        return talks


# --- learning records and branches -------------------------------------------------------------


def quarter_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first day of ``day``'s quarter and the first day of the next."""
    first = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    following = (first + dt.timedelta(days=95)).replace(day=1)
    return first, following


def branches_visible_to(user: User | AnonymousUser) -> QuerySet[Branch]:
    """County-wide posts see every branch; a unit's posts the branches at or below it; a
    secretary their own."""
    qs = Branch.objects.select_related("unit", "secretary")
    scope = scope_of(user)
    if scope.county_wide:
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(Q(unit_id__in=scope.unit_ids) | Q(secretary=user))


def branch_for(user: User | AnonymousUser, pk: int) -> Branch:
    branch = branches_visible_to(user).filter(pk=pk).first()
    if branch is None:
        raise NotFound("没有这个支部，或您无权查看")
    return branch


@dataclass(frozen=True)
class MemberRow:
    member: BranchMember
    attended: int


def branch_members(branch: Branch, quarter: tuple[dt.date, dt.date]) -> list[MemberRow]:
    """Each active member with the talks they attended in the quarter (held talks only)."""
    start, end = start_of(quarter[0]), start_of(quarter[1])
    members = branch.members.filter(active=True).annotate(
        attended=Count(
            "checkins__talk",
            filter=Q(
                checkins__talk__starts_at__gte=start,
                checkins__talk__starts_at__lt=end,
                checkins__talk__cancelled=False,
                checkins__struck_at__isnull=True,
            ),
            distinct=True,
        )
    )
    return [MemberRow(m, m.attended) for m in members.order_by("name", "id")]


def absentees(rows: list[MemberRow]) -> list[MemberRow]:
    """Members who attended nothing: 困难党员 and 流动党员 first, so nobody is left behind."""
    missing = [r for r in rows if r.attended == 0]
    return sorted(
        missing, key=lambda r: (not r.member.hardship, not r.member.remote, r.member.name)
    )


def learning_record(member: BranchMember) -> QuerySet[CheckIn]:
    """学习记录: the talks one member attended, newest first."""
    return (
        CheckIn.objects.counted()
        .filter(member=member, talk__cancelled=False)
        .select_related("talk", "talk__series", "talk__site", "marked_by")
        .order_by("-talk__starts_at")
    )


def person_record(user: User | AnonymousUser, name: str) -> QuerySet[CheckIn]:
    """学习记录 of anyone by the name they checked in with (however it was typed: the name as
    identity compares it), over the talks ``user`` sees."""
    key = name_key(name)
    if not key:
        return CheckIn.objects.none()
    return (
        CheckIn.objects.counted()
        .filter(name_key=key, talk__in=talks_visible_to(user).values("pk"), talk__cancelled=False)
        .select_related("talk", "talk__series")
        .order_by("-talk__starts_at")
    )


def talks_to_mark() -> QuerySet[Talk]:
    """The talks a member may be marked as having attended: held in the last year, newest
    first. Not scoped to the user's talks: a branch secretary often holds no post, and their
    members attend talks of other townships and of the county (the service decides who may
    mark)."""
    now = clock.now()
    return Talk.objects.filter(
        cancelled=False, starts_at__lte=now, starts_at__gte=now - dt.timedelta(days=366)
    ).order_by("-starts_at", "-id")


def member_for(user: User | AnonymousUser, pk: int) -> BranchMember:
    member = (
        BranchMember.objects.filter(pk=pk, branch__in=branches_visible_to(user))
        .select_related("branch")
        .first()
    )
    if member is None:
        raise NotFound("没有这名党员，或您无权查看")
    return member


# --- figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureRow:
    """One line of a figure: what it counts (``key`` for the talk list's filter), its label
    and the talks, people and person-times behind it (and, for a site, its visitors outside
    talks)."""

    key: str
    label: str
    talks: int
    person_times: int = 0
    visitors: int = 0


def site_visits_visible_to(user: User | AnonymousUser) -> QuerySet[SiteVisit]:
    """Visits to the sites a user keeps or sees: county-wide posts all, a unit's posts those
    of the sites in its township."""
    qs = SiteVisit.objects.select_related("site", "recorded_by")
    scope = scope_of(user)
    if scope.county_wide:
        return qs
    if scope.empty:
        return qs.none()
    return qs.filter(site__township_id__in=scope.unit_ids)


def visits_in(visits: QuerySet[SiteVisit], period: tuple[dt.date, dt.date]) -> QuerySet[SiteVisit]:
    return visits.filter(visited_on__gte=period[0], visited_on__lt=period[1])


def visitors_of(visits: QuerySet[SiteVisit]) -> int:
    return int(visits.aggregate(n=Sum("count"))["n"] or 0)


@dataclass(frozen=True)
class PublicVisitors:
    this_year: int
    total: int


def public_visitors(site: Site) -> PublicVisitors:
    """What the public page says of a site's visitors outside talks."""
    year = timezone.localdate(clock.now()).year
    visits = site.visits.all()
    period = (dt.date(year, 1, 1), dt.date(year + 1, 1, 1))
    return PublicVisitors(visitors_of(visits_in(visits, period)), visitors_of(visits))


@dataclass(frozen=True)
class OutreachFigures:
    """宣讲 figures for a period, from talks and check-ins (never typed in). People count
    each person (a name with a unit, or an anonymous phone) once over the whole period; the
    organisers' head counts are added to both, as they cannot be told apart."""

    start: dt.date
    end: dt.date
    talks: int
    people: int
    person_times: int
    checkins: int
    head_count: int
    remote: int
    by_series: list[FigureRow]
    by_setting: list[FigureRow]
    by_township: list[FigureRow]
    by_month: list[FigureRow]
    by_site: list[FigureRow]
    # Visitors to sites outside talks (参观接待), not in people or person-times: they are
    # entered as counts per day, and a talk's audience is not a visit.
    visitors: int = 0


def people_count(checkins: QuerySet[CheckIn]) -> int:
    """How many people these check-ins are, each counted once over all their talks.

    The rules of one talk's check-in, applied across talks: the same name with the same unit
    text (``person_key``) is one person, and so is the same name from the same phone
    (``name_key`` with ``device_key``), so 王芳 of 东街社区党支部 at one talk and 王芳 of 东街支部
    from the same phone at another count once; an anonymous phone is one person.
    """
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    keys = set()
    for key, name, device in checkins.values_list("person_key", "name_key", "device_key"):
        keys.add(key)
        a = root(key)
        if name and device:
            b = root(f"p:{name}|{device}")
            if a != b:
                parent[b] = a
    return len({root(key) for key in keys})


def held(talks: QuerySet[Talk]) -> QuerySet[Talk]:
    """The talks of ``talks`` that were held: not cancelled, begun by now (what every figure
    counts)."""
    return talks.filter(cancelled=False, starts_at__lte=clock.now())


def held_talks(user: User | AnonymousUser, period: tuple[dt.date, dt.date]) -> QuerySet[Talk]:
    """Talks held in ``[start, end)``: not cancelled, begun by now."""
    start, end = start_of(period[0]), start_of(period[1])
    return held(talks_visible_to(user).filter(starts_at__gte=start, starts_at__lt=end))


def _rows(
    talks: QuerySet[Talk], field: str, labels: dict[Any, str], *, times: dict[Any, int]
) -> list[FigureRow]:
    counts = talks.values(field).annotate(n=Count("id")).order_by(field)
    rows = [
        FigureRow(
            "" if r[field] is None else str(r[field]),
            labels.get(r[field], "") if r[field] is not None else "",
            r["n"],
            times.get(r[field], 0),
        )
        for r in counts
    ]
    return sorted(rows, key=lambda r: (-r.talks, r.label))


@dataclass(frozen=True)
class Totals:
    """Attendance over a set of talks, counted as the figures count it."""

    talks: int
    people: int
    person_times: int
    head_count: int


def totals_of(talks: QuerySet[Talk]) -> Totals:
    """The figures' totals over ``talks``: the figures page's head and, over the talks one of
    its numbers links to, the talk list's, so the two are computed by the same lines."""
    checkins = CheckIn.objects.counted().filter(talk__in=talks.values("pk"))
    head = sum(head_counts_of(talks.values("pk")).values())
    return Totals(
        talks=talks.count(),
        people=people_count(checkins) + head,
        person_times=checkins.count() + head,
        head_count=head,
    )


def _site_rows(rows: list[FigureRow], visits: QuerySet[SiteVisit]) -> list[FigureRow]:
    """The sites' rows with their visitors outside talks; a site with visitors and no talk
    gets a row too."""
    counted = dict(visits.values("site_id").annotate(n=Sum("count")).values_list("site_id", "n"))
    out = [
        FigureRow(r.key, r.label, r.talks, r.person_times, int(counted.pop(int(r.key), 0) or 0))
        for r in rows
    ]
    names = dict(Site.objects.filter(pk__in=counted).values_list("id", "name"))
    out += [
        FigureRow(str(pk), names.get(pk, ""), 0, 0, int(n or 0)) for pk, n in counted.items() if n
    ]
    return sorted(out, key=lambda r: (-r.talks, -r.visitors, r.label))


def outreach_figures(
    user: User | AnonymousUser, period: tuple[dt.date, dt.date]
) -> OutreachFigures:
    """Every outreach figure for ``period`` = ``[start, end)`` as ``user`` may see it: the
    console's page, the monthly bulletin and the year-end summary all call this."""
    talks = held_talks(user, period)
    checkins = CheckIn.objects.counted().filter(talk__in=talks.values("pk"))
    totals = checkins.aggregate(n=Count("id"), remote=Count("id", filter=Q(channel="remote")))
    heads = head_counts_of(talks.values("pk"))
    rows: list[dict[str, Any]] = [
        {**r, "head_count": heads.get(r["id"], 0)}
        for r in talks.values("id", "series_id", "setting", "township_id", "site_id", "starts_at")
    ]
    per_talk = dict(checkins.values("talk_id").annotate(n=Count("id")).values_list("talk_id", "n"))

    def times_by(field: str) -> dict[Any, int]:
        out: dict[Any, int] = {}
        for r in rows:
            out[r[field]] = out.get(r[field], 0) + per_talk.get(r["id"], 0) + r["head_count"]
        return out

    series_names = dict(Series.objects.values_list("id", "name"))
    townships_named = {
        u.pk: u.name for u in Unit.objects.filter(pk__in={r["township_id"] for r in rows})
    }
    site_names = dict(
        Site.objects.filter(pk__in={r["site_id"] for r in rows}).values_list("id", "name")
    )
    months: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        months.setdefault(f"{timezone.localtime(r['starts_at']):%Y-%m}", []).append(r)
    by_month = [
        FigureRow(
            key,
            key,
            len(items),
            sum(per_talk.get(i["id"], 0) + i["head_count"] for i in items),
        )
        for key, items in sorted(months.items())
    ]
    by_site = _site_rows(
        [r for r in _rows(talks, "site_id", site_names, times=times_by("site_id")) if r.key],
        visits_in(site_visits_visible_to(user), period),
    )
    whole = totals_of(talks)
    return OutreachFigures(
        start=period[0],
        end=period[1],
        talks=whole.talks,
        people=whole.people,
        person_times=whole.person_times,
        checkins=totals["n"],
        head_count=whole.head_count,
        remote=totals["remote"],
        by_series=_rows(talks, "series_id", series_names, times=times_by("series_id")),
        by_setting=_rows(
            talks, "setting", {k: str(v) for k, v in Setting.choices}, times=times_by("setting")
        ),
        by_township=_rows(talks, "township_id", townships_named, times=times_by("township_id")),
        by_month=by_month,
        by_site=by_site,
        visitors=sum(r.visitors for r in by_site),
    )
