"""The figures selector against a direct count, over histories hypothesis makes up: ratings
of every level and channel, appeals upheld or rejected, rectifications answered on time or
late, confirmed by a callback or by the rater's follow-up, or left open."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jishi.cases import services as case_services
from jishi.common import clock
from jishi.orgs.models import User
from jishi.reviews import selectors, services
from jishi.reviews.models import Rating, RatingChannel, ServicePoint
from jishi.testing.fixtures import County, make_unit

pytestmark = pytest.mark.django_db

START = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))


@dataclass(frozen=True)
class Spec:
    point: int
    level: int
    kiosk: bool
    fix: tuple[
        Any, ...
    ]  # ("open",) | ("callback", resolved, level, late) | ("follow", level, late)
    appeal: str  # "", "upheld", "rejected"


fixes = st.one_of(
    st.just(("open",)),
    st.tuples(st.just("callback"), st.booleans(), st.integers(1, 5), st.booleans()),
    st.tuples(st.just("follow"), st.integers(1, 5), st.booleans()),
)
specs = st.builds(
    Spec,
    point=st.integers(0, 1),
    level=st.integers(1, 5),
    kiosk=st.booleans(),
    fix=fixes,
    appeal=st.sampled_from(["", "upheld", "rejected"]),
)


def expected(history: list[Spec], point: int | None) -> dict[str, int]:
    out = dict.fromkeys(
        ["total", "good", "bad", "excluded", "rectified", "on_time", "answered", "satisfied"], 0
    )
    for spec in history:
        if point is not None and spec.point != point:
            continue
        bad = spec.level <= 2
        if bad and spec.appeal == "upheld":
            out["excluded"] += 1
            continue
        out["total"] += 1
        out["good"] += spec.level >= 4
        if not bad:
            continue
        out["bad"] += 1
        if spec.fix[0] == "callback":
            _, resolved, level, late = spec.fix
            confirmed = resolved and level >= 3
        elif spec.fix[0] == "follow":
            _, level, late = spec.fix
            confirmed = level >= 3
        else:
            continue
        out["answered"] += 1
        out["satisfied"] += level >= 4
        out["rectified"] += confirmed
        out["on_time"] += confirmed and not late
    return out


def actual(rows: list[selectors.Figures]) -> dict[str, int]:
    row = rows[0] if rows else selectors.Figures(key=None)
    return {
        "total": row.total,
        "good": row.good,
        "bad": row.bad,
        "excluded": row.excluded,
        "rectified": row.rectified,
        "on_time": row.rectified_on_time,
        "answered": row.answered,
        "satisfied": row.satisfied,
    }


def play(
    history: list[Spec], points: list[ServicePoint], clerk: User, boss: User, office: User
) -> None:
    for i, spec in enumerate(history):
        at = START + dt.timedelta(minutes=10 * i)
        point = points[spec.point]
        with clock.travel_to(at):
            occasion = services.occasion_record(point=point) if spec.kiosk else None
            rating = services.rating_submit(
                point=point,
                level=spec.level,
                reasons=["slow"] if spec.level <= 2 else [],
                comment="等太久" if spec.level <= 2 else "",
                device_key=f"device-{i}",
                channel=RatingChannel.KIOSK if spec.kiosk else RatingChannel.QR,
                occasion=occasion,
            )
        if rating.level > 2:
            continue
        case = rating.rectification
        assert case is not None
        if spec.appeal:
            with clock.travel_to(at + dt.timedelta(minutes=1)):
                appeal = services.appeal_request(actor=clerk, rating=rating, reason="误评")
                services.appeal_decide(
                    actor=office, appeal=appeal, uphold=spec.appeal == "upheld", reason="复核"
                )
        if spec.fix[0] == "open":
            continue
        late = spec.fix[-1]
        with clock.travel_to(at + (dt.timedelta(days=20) if late else dt.timedelta(minutes=2))):
            case_services.case_acknowledge(actor=clerk, case=case.pk)
            case_services.case_reply(actor=clerk, case=case.pk, text="已整改，增设引导员。")
            if spec.fix[0] == "callback":
                _, resolved, level, _late = spec.fix
                case_services.case_callback(
                    actor=boss, case=case.pk, resolved=resolved, satisfaction=level
                )
            else:
                services.follow_up_submit(rating=rating, level=spec.fix[1])


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=st.lists(specs, max_size=12))
def test_figures_equal_a_direct_count(
    history: list[Spec],
    county: County,
    point: ServicePoint,
    hall_lead: User,
    dispatcher: User,
    supervisor: User,
) -> None:
    second = ServicePoint.objects.get_or_create(
        unit=make_unit("W09", "社保窗口", "window", county.hall)
        if not ServicePoint.objects.filter(unit__code="W09").exists()
        else county.hall.children.get(code="W09"),
        defaults={"owner": county.hall, "qr_key": "k9"},
    )[0]
    # Made outside the rolled-back examples, so the in-memory category table stays true.
    services._category(services.RECTIFICATION_CATEGORY)
    with transaction.atomic():
        play(history, [point, second], hall_lead, dispatcher, supervisor)
        ratings = Rating.objects.all()
        assert actual(selectors.figures(ratings)) == expected(history, None)
        by_point = {row.key: row for row in selectors.figures(ratings, by="point")}
        for index, p in enumerate([point, second]):
            rows = [by_point[p.pk]] if p.pk in by_point else []
            assert actual(rows) == expected(history, index)
        # Each figure's list holds exactly the ratings it counts.
        for measure, key in [("bad", "bad"), ("rectified", "rectified"), ("excluded", "excluded")]:
            listed = selectors.ratings_for_measure(ratings, measure).count()
            assert listed == expected(history, None)[key], measure
        kiosk = sum(1 for s in history if s.kiosk)
        [total] = selectors.figures(ratings) or [selectors.Figures(key=None)]
        assert (total.services or 0, total.services_rated) == (kiosk, kiosk)
        transaction.set_rollback(True)
