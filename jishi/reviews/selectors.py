"""Reads of the reviews app: who sees which windows, ratings and reports, and the figures.

``figures`` is the one place the review numbers are computed (the console's tables, the
public disclosure page, the Excel export and the monthly bulletin all read it), so two
pages can never disagree about a window. Rectification outcomes come from the cases'
events (the reply's clock outcome, the callbacks) and the raters' follow-ups.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from jishi.cases.models import CaseEvent
from jishi.common import clock
from jishi.orgs.models import Unit, User
from jishi.orgs.selectors import scope_of
from jishi.reviews import policy as policies
from jishi.reviews import tokens
from jishi.reviews.models import (
    Appeal,
    AppealState,
    MisconductReport,
    Rating,
    RatingChannel,
    ServiceItem,
    ServiceOccasion,
    ServicePoint,
    Shift,
    WindowFlag,
)


def points_visible_to(user: User | AnonymousUser) -> QuerySet[ServicePoint]:
    """County-wide posts see every window; a unit's posts the windows in their subtree or
    answerable to their unit."""
    points = ServicePoint.objects.select_related("unit", "unit__parent", "owner")
    scope = scope_of(user)
    if scope.county_wide:
        return points
    if scope.empty:
        return points.none()
    ids = list(scope.unit_ids)
    return points.filter(Q(unit_id__in=ids) | Q(owner_id__in=ids))


@dataclass
class PublicHall:
    """A hall or service centre and its windows open for rating, as the public sees them."""

    name: str
    windows: list[tuple[str, str]]  # (window name, its current rating token)


def public_windows() -> list[PublicHall]:
    """Every active window by hall, for the portal's rating entry (names only: public)."""
    halls: dict[str, PublicHall] = {}
    points = (
        ServicePoint.objects.filter(active=True, unit__active=True)
        .select_related("unit", "unit__parent")
        .order_by("unit__path")
    )
    for point in points:
        parent = point.unit.parent
        hall = halls.setdefault(parent.path if parent else "", PublicHall(str(parent or ""), []))
        hall.windows.append((point.unit.name, tokens.qr_token(point.pk, point.qr_key)))
    return list(halls.values())


def ratings_visible_to(user: User | AnonymousUser) -> QuerySet[Rating]:
    scope = scope_of(user)
    if scope.county_wide:
        return Rating.objects.all()
    if scope.empty:
        return Rating.objects.none()
    ids = list(scope.unit_ids)
    return Rating.objects.filter(Q(point__unit_id__in=ids) | Q(unit_id__in=ids))


def reports_visible_to(user: User | AnonymousUser) -> QuerySet[MisconductReport]:
    """Only the supervision office's posts see misconduct reports (and who made them)."""
    if not policies.is_supervision_office(user):
        return MisconductReport.objects.none()
    return MisconductReport.objects.select_related("point", "point__unit", "case", "staff_on_duty")


def appeals_visible_to(user: User | AnonymousUser) -> QuerySet[Appeal]:
    appeals = Appeal.objects.select_related(
        "rating", "rating__point", "rating__point__unit", "requested_by", "decided_by"
    )
    if policies.is_supervision_office(user):
        return appeals
    return appeals.filter(rating__in=ratings_visible_to(user))


def flags_for(user: User | AnonymousUser) -> QuerySet[WindowFlag]:
    flags = WindowFlag.objects.select_related("point", "point__unit")
    if policies.is_supervision_office(user) or scope_of(user).county_wide:
        return flags
    return flags.filter(point__in=points_visible_to(user))


# --- months ----------------------------------------------------------------------------------


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=zone)
    nxt = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return start, dt.datetime(nxt.year, nxt.month, 1, tzinfo=zone)


def parse_month(value: str | None, default: dt.date) -> dt.date:
    try:
        year, month = (int(part) for part in (value or "").split("-")[:2])
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        return default


def this_month() -> dt.date:
    return timezone.localtime(clock.now()).date().replace(day=1)


# --- figures ---------------------------------------------------------------------------------

GROUPS = {
    "point": "point_id",
    "staff": "staff_id",
    "unit": "unit_id",
    "item": "item_id",
    "channel": "channel",
    "month": "month",
}


@dataclass(frozen=True)
class Outcome:
    """What became of one bad rating's rectification, from events and the follow-up."""

    # The rater's follow-up (or the last callback) says it was fixed: resolved and at least
    # 基本满意, the answer that closes the case rather than sending it back.
    confirmed: bool
    answered: bool  # called back or followed up at all
    satisfied: bool  # that answer was good (by the policy's good floor)
    on_time: bool  # the unit's last reply met the rectification deadline


def outcomes(pairs: Iterable[tuple[int, int | None]], good_floor: int) -> dict[int, Outcome]:
    """Outcomes of bad ratings' rectification cases, given (rating id, case id) pairs: two
    queries whatever the count."""
    known = [(r, c) for r, c in pairs if c is not None]
    case_ids = [c for _r, c in known]
    last_reply: dict[int, bool] = {}
    last_callback: dict[int, tuple[bool, int]] = {}
    events = (
        CaseEvent.objects.filter(case_id__in=case_ids, kind__in=["reply", "callback"])
        .order_by("case_id", "seq")
        .values_list("case_id", "kind", "payload")
    )
    for case_id, kind, payload in events:
        if kind == "reply":
            last_reply[case_id] = (payload.get("clocks") or {}).get("handling") == "met"
        else:
            last_callback[case_id] = (
                bool(payload.get("resolved")),
                int(payload.get("satisfaction") or 0),
            )
    follow_ups = dict(
        Rating.objects.filter(follows_id__in=[r for r, _c in known]).values_list(
            "follows_id", "level"
        )
    )
    out = {}
    for rating_id, case_id in known:
        assert case_id is not None
        level = follow_ups.get(rating_id)
        callback = last_callback.get(case_id)
        if level is not None:  # the rater's own word is final
            confirmed, answered, satisfied = level >= 3, True, level >= good_floor
        elif callback is not None:
            resolved, level = callback
            confirmed, answered, satisfied = resolved and level >= 3, True, level >= good_floor
        else:
            confirmed = answered = satisfied = False
        out[rating_id] = Outcome(
            confirmed=confirmed,
            answered=answered,
            satisfied=satisfied,
            on_time=confirmed and last_reply.get(case_id, False),
        )
    return out


@dataclass
class Figures:
    """The figures of one group (a window, a person, a unit, an item, a channel, a month)."""

    key: Any
    label: str = ""
    total: int = 0  # ratings that count (first ratings, appeal not upheld)
    levels: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(5, 0, -1), 0))
    good: int = 0
    bad: int = 0
    excluded: int = 0  # removed from the figures by an upheld appeal
    rectified: int = 0
    rectified_on_time: int = 0
    answered: int = 0
    satisfied: int = 0
    services: int | None = None  # services recorded (kiosk "done"), where recorded
    services_rated: int = 0

    @staticmethod
    def _rate(part: int, whole: int | None) -> float | None:
        return part / whole if whole else None

    @property
    def good_rate(self) -> float | None:
        return self._rate(self.good, self.total)

    @property
    def rectification_rate(self) -> float | None:
        return self._rate(self.rectified, self.bad)

    @property
    def on_time_rate(self) -> float | None:
        return self._rate(self.rectified_on_time, self.bad)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied, self.answered)

    @property
    def active_rate(self) -> float | None:
        return self._rate(self.services_rated, self.services)


def _group_values(ratings: QuerySet[Rating], by: str) -> QuerySet[Rating]:
    if by == "month":
        return ratings.annotate(month=TruncMonth("created_at"))
    return ratings


Period = tuple[dt.datetime, dt.datetime]


def figures(
    ratings: QuerySet[Rating],
    *,
    by: str | None = None,
    period: Period | None = None,
    occasions: QuerySet[ServiceOccasion] | None = None,
) -> list[Figures]:
    """Figures over ``ratings`` (already scoped and filtered) made in ``period``, grouped by
    ``by`` (one of ``GROUPS``) or as one total. Follow-ups are not ratings of a service and
    never count; ratings removed by an upheld appeal are counted apart (``excluded``).

    ``occasions``: the services recorded that these ratings answer (the active-rating
    rate's denominator); by default those at the ratings' windows.

    One scan of the ratings for every count, one read of the bad ones with cases, and two
    queries for their outcomes, whatever the number of ratings."""
    current = policies.current()
    if period is not None:
        ratings = ratings.filter(created_at__gte=period[0], created_at__lt=period[1])
    column = GROUPS[by] if by else None
    first = _group_values(ratings.filter(follows__isnull=True), by or "")
    upheld = Q(appeal_state=AppealState.UPHELD)
    counts: dict[str, Any] = {f"l{n}": Count("id", filter=Q(level=n) & ~upheld) for n in LEVELS}
    counts["excluded"] = Count("id", filter=upheld)
    rows = (
        first.values(column).annotate(**counts).order_by()
        if column
        else [first.aggregate(**counts)]
    )
    result: dict[Any, Figures] = {}

    def at(key: Any) -> Figures:
        if key not in result:
            result[key] = Figures(key=key)
        return result[key]

    for row in rows:
        if not column and not any(row.values()):
            continue
        fig = at(row[column] if column else None)
        for n in LEVELS:
            fig.levels[n] += row[f"l{n}"]
        fig.total = sum(fig.levels.values())
        fig.good = sum(v for n, v in fig.levels.items() if n >= current.good_floor)
        fig.bad = fig.levels[1] + fig.levels[2]
        fig.excluded += row["excluded"]
    bad = list(
        first.exclude(upheld)
        .filter(level__lte=2, rectification__isnull=False)
        .values_list("id", "rectification_id", column or "id")
    )
    group_of = {rating_id: key for rating_id, _case, key in bad}
    found = outcomes([(rating_id, case_id) for rating_id, case_id, _key in bad], current.good_floor)
    for rating_id, outcome in found.items():
        fig = at(group_of[rating_id] if column else None)
        fig.rectified += outcome.confirmed
        fig.rectified_on_time += outcome.on_time
        fig.answered += outcome.answered
        fig.satisfied += outcome.satisfied
    _add_services(ratings, by, period, at, occasions)
    return sorted(result.values(), key=lambda f: (f.key is None, str(f.key)))


LEVELS = (1, 2, 3, 4, 5)


def _add_services(
    ratings: QuerySet[Rating],
    by: str | None,
    period: Period | None,
    at: Any,
    occasions: QuerySet[ServiceOccasion] | None,
) -> None:
    """Services recorded (kiosk occasions) in the same window of time and places, and how
    many of them were rated: only for the groups occasions know (not the channel)."""
    if by == "channel":
        return
    if occasions is None:
        occasions = ServiceOccasion.objects.filter(point__in=ratings.values("point_id").distinct())
    if period is not None:
        occasions = occasions.filter(at__gte=period[0], at__lt=period[1])
    name = {"point": "point_id", "staff": "staff_id", "unit": "unit_id", "item": "item_id"}.get(
        by or ""
    )
    if by == "month":
        occasions = occasions.annotate(month=TruncMonth("at"))
        name = "month"
    if name is None:
        counts = occasions.aggregate(n=Count("id"), rated=Count("rating"))
        if counts["n"]:
            fig = at(None)
            fig.services, fig.services_rated = counts["n"], counts["rated"]
        return
    for row in occasions.values(name).annotate(n=Count("id"), rated=Count("rating")).order_by():
        fig = at(row[name])
        fig.services, fig.services_rated = row["n"], row["rated"]


def month_label(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return f"{timezone.localtime(value):%Y-%m}"
    return f"{value:%Y-%m}" if isinstance(value, dt.date) else str(value)


def label_groups(rows: list[Figures], by: str | None) -> list[Figures]:
    """Names for the groups' keys (one query per kind of key)."""
    keys = [r.key for r in rows if r.key is not None]
    names: dict[Any, str] = {}
    if by == "point":
        names = {
            p.pk: f"{p.unit.parent.name + ' · ' if p.unit.parent else ''}{p.unit.name}"
            for p in ServicePoint.objects.filter(pk__in=keys).select_related("unit__parent")
        }
    elif by == "unit":
        names = {u.pk: u.name for u in Unit.objects.filter(pk__in=keys)}
    elif by == "staff":
        names = {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}
    elif by == "item":
        names = {i.pk: i.name for i in ServiceItem.objects.filter(pk__in=keys)}
    elif by == "channel":
        names = {k: str(RatingChannel(k).label) for k in keys if k in RatingChannel.values}
    elif by == "month":
        names = {
            k: f"{timezone.localtime(k):%Y-%m}" if isinstance(k, dt.datetime) else str(k)
            for k in keys
        }
    for row in rows:
        row.label = names.get(row.key, "—") if row.key is not None else ""
    return rows


def definition_text() -> str:
    floor = policies.current().good_floor
    good = _("“非常满意”“满意”“基本满意”") if floor == 3 else _("“非常满意”“满意”")
    return _(
        "好评率 = %(good)s ÷ 评价数；差评为“不满意”“非常不满意”。整改率 = 评价人追评或回访"
        "确认已整改的差评 ÷ 差评；按期整改指在整改时限内答复并获确认。申诉成立的评价不计入统计，"
        "但保留记录。"
    ) % {"good": good}


# --- lists behind the figures ---------------------------------------------------------------

MEASURES = (
    "all",
    "good",
    "bad",
    "level5",
    "level4",
    "level3",
    "level2",
    "level1",
    "excluded",
    "rectified",
    "rectified_on_time",
    "unrectified",
)


def ratings_for_measure(ratings: QuerySet[Rating], measure: str) -> QuerySet[Rating]:
    """The ratings a figure counts: the list each figure links to."""
    current = policies.current()
    first = ratings.filter(follows__isnull=True)
    if measure == "excluded":
        return first.filter(appeal_state=AppealState.UPHELD)
    counted = first.exclude(appeal_state=AppealState.UPHELD)
    if measure == "good":
        return counted.filter(level__gte=current.good_floor)
    if measure == "bad":
        return counted.filter(level__lte=2)
    if measure.startswith("level") and measure[5:].isdigit():
        return counted.filter(level=int(measure[5:]))
    if measure in ("rectified", "rectified_on_time", "unrectified"):
        bad = list(counted.filter(level__lte=2).values_list("id", "rectification_id"))
        found = outcomes(bad, current.good_floor)
        if measure == "rectified":
            ids = [k for k, o in found.items() if o.confirmed]
        elif measure == "rectified_on_time":
            ids = [k for k, o in found.items() if o.on_time]
        else:
            ids = [r for r, _c in bad if not (r in found and found[r].confirmed)]
        return counted.filter(pk__in=ids)
    return counted


def rating_rows(ratings: QuerySet[Rating]) -> QuerySet[Rating]:
    return ratings.select_related(
        "point", "point__unit", "point__unit__parent", "staff", "item", "rectification", "follow_up"
    ).order_by("-created_at", "-id")


def rating_for(user: User | AnonymousUser, pk: int) -> Rating | None:
    return (
        ratings_visible_to(user)
        .select_related("point", "point__unit", "point__owner", "staff", "item", "rectification")
        .filter(pk=pk)
        .first()
    )


def bad_comments(ratings: QuerySet[Rating]) -> Sequence[Rating]:
    return list(
        ratings.filter(follows__isnull=True, level__lte=2)
        .exclude(appeal_state=AppealState.UPHELD)
        .exclude(comment="")
        .select_related("point", "point__unit", "point__unit__parent", "unit")
        .order_by("-created_at")[:2000]
    )


def group_by(items: Iterable[Any], key: Any) -> dict[Any, list[Any]]:
    out: dict[Any, list[Any]] = defaultdict(list)
    for item in items:
        out[key(item)].append(item)
    return dict(out)


# --- the public monthly disclosure ---------------------------------------------------------


def total_of(rows: Sequence[Figures]) -> Figures:
    """The sum of groups' figures (every count adds up; the rates follow from the sums)."""
    total = Figures(key=None)
    for row in rows:
        for n in LEVELS:
            total.levels[n] += row.levels[n]
        for name in (
            "total",
            "good",
            "bad",
            "excluded",
            "rectified",
            "rectified_on_time",
            "answered",
            "satisfied",
            "services_rated",
        ):
            setattr(total, name, getattr(total, name) + getattr(row, name))
        if row.services is not None:
            total.services = (total.services or 0) + row.services
    return total


def disclosure_figures(month: dt.date) -> tuple[Figures, list[Figures]]:
    """The month's figures per responsible unit and for the county: no person, no window."""
    period = month_bounds(month)
    rows = label_groups(
        figures(
            Rating.objects.all(),
            by="unit",
            period=period,
            occasions=ServiceOccasion.objects.all(),
        ),
        "unit",
    )
    return total_of(rows), rows


def figures_to_json(row: Figures) -> dict[str, Any]:
    data = dict(row.__dict__)
    data["levels"] = {str(k): v for k, v in row.levels.items()}
    return data


def figures_from_json(data: dict[str, Any]) -> Figures:
    values = dict(data)
    values["levels"] = {int(k): v for k, v in data["levels"].items()}
    return Figures(**values)


def roster_ahead(user: User | AnonymousUser, days: int = 7) -> QuerySet[Shift]:
    """The imported roster of the windows the user sees, from now on for ``days`` days."""
    now = clock.now()
    return (
        Shift.objects.filter(
            point__in=points_visible_to(user),
            rostered=True,
            ended_at__gt=now,
            started_at__lt=now + dt.timedelta(days=days),
        )
        .select_related("point__unit", "user")
        .order_by("started_at", "point__unit__path")
    )
