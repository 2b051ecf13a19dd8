"""Duplicates on intake: same thing, same place, still open, recent."""

from __future__ import annotations

import csv
import os
import time
from dataclasses import asdict, fields
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from jishi.cases import duplicates as lookup
from jishi.cases import services
from jishi.cases.duplicates import PublicHint, public_duplicate_hints, similar_open_cases
from jishi.cases.models import Case, State
from jishi.cases.tests import builders
from jishi.common import clock
from jishi.orgs.models import User
from jishi.routing import duplicates
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db

LIGHT_TITLE = "东街路灯不亮"
LIGHT_TEXT = "东街社区文化广场旁的三盏路灯已经坏了一周，晚上出行不便，请尽快修复。"
LIGHT_AGAIN = (
    "文化广场路灯坏了",
    "东街文化广场边上的路灯坏了好几天了，晚上黑漆漆的走路不安全，请尽快修好。",
)
SCHOOL = (
    "学校乱收费",
    "城关二小本学期向每个学生收取校服费和资料费三百元，没有任何收据，家长意见很大。",
)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    duplicates.clear_cache()


def _light(county: County, **overrides: object) -> Case:
    return builders.accepted(county, **overrides)  # type: ignore[arg-type]


def test_obvious_duplicate_is_found(county: County) -> None:
    original = _light(county)
    builders.accepted(county, title=SCHOOL[0], text=SCHOOL[1])
    matches = similar_open_cases(
        title=LIGHT_AGAIN[0],
        text=LIGHT_AGAIN[1],
        township=county.chengguan,
        village=county.dongjie,
    )
    assert [m.case.pk for m in matches] == [original.pk]
    match = matches[0]
    assert match.score >= lookup.THRESHOLD
    assert "同一村(社区)" in match.reasons
    assert any(r.startswith("内容相似度") for r in match.reasons)


def test_identical_text_scores_near_one(county: County) -> None:
    original = _light(county)
    (match,) = similar_open_cases(title=LIGHT_TITLE, text=LIGHT_TEXT, township=county.chengguan)
    assert match.case.pk == original.pk
    assert match.score > 0.95


def test_different_topic_in_same_township_is_not_a_duplicate(county: County) -> None:
    builders.accepted(county, title=SCHOOL[0], text=SCHOOL[1])
    matches = similar_open_cases(
        title=LIGHT_TITLE, text=LIGHT_TEXT, township=county.chengguan, village=county.dongjie
    )
    assert matches == []


def test_same_text_in_another_township_is_not_a_duplicate(county: County) -> None:
    _light(county, township=county.shiqiao, village=county.shiqiao_village)
    assert similar_open_cases(title=LIGHT_TITLE, text=LIGHT_TEXT, township=county.chengguan) == []


def test_nearby_coordinates_cross_township_lines_for_staff(county: County) -> None:
    # A street on a township boundary: the neighbour's report 80 m away is the same lamp.
    other = _light(
        county,
        township=county.shiqiao,
        village=county.shiqiao_village,
        latitude=Decimal("30.000000"),
        longitude=Decimal("114.000000"),
    )
    far = _light(
        county,
        township=county.shiqiao,
        village=county.shiqiao_village,
        latitude=Decimal("30.020000"),
        longitude=Decimal("114.000000"),
    )
    matches = similar_open_cases(
        title=LIGHT_TITLE,
        text=LIGHT_TEXT,
        township=county.chengguan,
        latitude=30.0007,
        longitude=114.0,
    )
    assert [m.case.pk for m in matches] == [other.pk]
    assert any("相距约" in r for r in matches[0].reasons)
    assert far.pk not in [m.case.pk for m in matches]


def test_closed_merged_rejected_and_old_cases_are_excluded(
    county: County, dispatcher: User, township_handler: User
) -> None:
    for state in (State.CLOSED, State.REJECTED, State.MERGED):
        builders.in_state(state, county, dispatcher, township_handler)
    # Merged builds an open target too; close every open one left so only old remains.
    for case in Case.objects.filter(state=State.ACCEPTED):
        services.case_reject(actor=dispatcher, case=case, reason="测试")
    with clock.travel_to(clock.now() - timedelta(days=lookup.WINDOW_DAYS + 1)):
        _light(county)
    assert similar_open_cases(title=LIGHT_TITLE, text=LIGHT_TEXT, township=county.chengguan) == []


def test_every_open_state_is_a_candidate(
    county: County, dispatcher: User, township_handler: User
) -> None:
    for state in (State.DISPATCHED, State.RETURNED, State.IN_PROGRESS, State.REPLIED):
        case = builders.in_state(state, county, dispatcher, township_handler)
        found = similar_open_cases(
            title=LIGHT_TITLE, text=LIGHT_TEXT, township=county.chengguan, limit=50
        )
        assert case.pk in [m.case.pk for m in found]


def test_exclude_and_limit(county: County) -> None:
    first, second, third = (_light(county) for _ in range(3))
    found = similar_open_cases(
        title=LIGHT_TITLE, text=LIGHT_TEXT, township=county.chengguan, exclude=first, limit=1
    )
    assert len(found) == 1 and found[0].case.pk in {second.pk, third.pk}
    found = similar_open_cases(
        title=LIGHT_TITLE, text=LIGHT_TEXT, township=county.chengguan, exclude=[first, second.pk]
    )
    assert [m.case.pk for m in found] == [third.pk]


def test_no_place_or_no_text_means_no_matches(county: County) -> None:
    _light(county)
    assert similar_open_cases(title=LIGHT_TITLE, text=LIGHT_TEXT) == []
    assert similar_open_cases(title=" ", text="", township=county.chengguan) == []


def test_edited_text_is_not_matched_on_stale_features(county: County) -> None:
    case = _light(county)
    assert similar_open_cases(title=LIGHT_TITLE, text=LIGHT_TEXT, township=county.chengguan)
    Case.objects.filter(pk=case.pk).update(title=SCHOOL[0], text=SCHOOL[1])
    assert similar_open_cases(title=LIGHT_TITLE, text=LIGHT_TEXT, township=county.chengguan) == []


def test_queries_do_not_grow_with_candidates(
    county: County, django_assert_num_queries: Any
) -> None:
    for _ in range(5):
        _light(county)
    # One for the candidates, one for the cases shown.
    with django_assert_num_queries(2):
        assert (
            len(similar_open_cases(title=LIGHT_TITLE, text=LIGHT_TEXT, township=county.chengguan))
            == 5
        )


# --- what citizens see ------------------------------------------------------------------


def test_public_hints_carry_only_public_fields(county: County) -> None:
    _light(
        county,
        title="东街路灯不亮 联系13812345678",
        citizen_name="王秀英",
        citizen_phone="13912345678",
        address="东街12号3栋",
    )
    (hint,) = public_duplicate_hints(
        title=LIGHT_AGAIN[0], text=LIGHT_AGAIN[1], township=county.chengguan
    )
    assert isinstance(hint, PublicHint)
    assert {f.name for f in fields(hint)} == {"code", "title", "status", "accepted_on"}
    assert "13812345678" not in hint.title and "[电话]" in hint.title
    assert hint.status == "待派单"
    flat = repr(asdict(hint))
    for secret in ("王秀英", "1391234", "东街12号", "Case", "text"):
        assert secret not in flat


def test_public_hints_never_cross_township_lines(county: County) -> None:
    # Same text, nearby coordinates, but another township: staff may see it, citizens not.
    _light(
        county,
        township=county.shiqiao,
        village=county.shiqiao_village,
        latitude=Decimal("30.000000"),
        longitude=Decimal("114.000000"),
    )
    assert (
        public_duplicate_hints(title=LIGHT_TITLE, text=LIGHT_TEXT, township=county.chengguan) == []
    )
    assert public_duplicate_hints(title=LIGHT_TITLE, text=LIGHT_TEXT, township=None) == []
    assert public_duplicate_hints(title=LIGHT_TITLE, text=LIGHT_TEXT, township=county.shiqiao)


def test_public_hints_exclude_closed_cases(
    county: County, dispatcher: User, township_handler: User
) -> None:
    builders.closed(county, dispatcher, township_handler)
    assert (
        public_duplicate_hints(title=LIGHT_TITLE, text=LIGHT_TEXT, township=county.chengguan) == []
    )


# --- on the public data set -------------------------------------------------------------

_DATA = (
    Path(
        os.environ.get(
            "JISHI_SHARED_DATA", Path(__file__).resolve().parents[3].parent / "shared" / "data"
        )
    )
    / "tipdm2020"
)


def _hot_rows() -> list[dict[str, str]]:
    path = _DATA / "hot_messages.csv"
    if not path.exists():
        pytest.skip(f"public data set not found at {path} (set JISHI_SHARED_DATA)")
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_data_reposts_score_above_and_unrelated_below_threshold() -> None:
    rows = _hot_rows()
    # The set's best-known cluster: many owners of one compound on bundled parking spaces.
    parking = [r for r in rows if "伊景园" in r["subject"] and "车位" in (r["subject"] + r["body"])]
    assert len(parking) >= 5
    others = [r for r in rows if "伊景园" not in r["subject"] + r["body"]]
    docs = [(r["subject"], r["body"]) for r in parking[1:] + others]
    sims = duplicates.text_similarity((parking[0]["subject"], parking[0]["body"]), docs)
    same, unrelated = sims[: len(parking) - 1], sims[len(parking) - 1 :]
    assert (same >= lookup.THRESHOLD).mean() >= 0.6
    assert (unrelated >= lookup.THRESHOLD).mean() < 0.002


def test_data_lookup_is_fast_over_five_hundred_candidates() -> None:
    rows = _hot_rows()[:501]
    others = [(r["subject"], r["body"]) for r in rows[1:]]
    keys = list(range(len(others)))
    duplicates.text_similarity((rows[0]["subject"], rows[0]["body"]), others, keys=keys)
    start = time.perf_counter()
    for _ in range(5):
        duplicates.text_similarity((rows[0]["subject"], rows[0]["body"]), others, keys=keys)
    # Generous bound for busy test machines; bench/duplicates.py measures it properly.
    assert (time.perf_counter() - start) / 5 < 0.25


# --- staff side and the partial templates ------------------------------------------------


def test_staff_see_only_duplicates_within_their_scope(
    county: County, dispatcher: User, other_township_handler: User
) -> None:
    near = Decimal("30.000000"), Decimal("114.000000")
    neighbour = _light(
        county,
        township=county.shiqiao,
        village=county.shiqiao_village,
        latitude=near[0],
        longitude=near[1],
    )
    case = _light(county, latitude=near[0], longitude=near[1])
    assert [m.case.pk for m in lookup.duplicates_for(dispatcher, case)] == [neighbour.pk]
    # The Shiqiao handler sees their own case, never Chengguan's, from either side.
    assert lookup.duplicates_for(other_township_handler, neighbour) == []


def test_match_partial_offers_merge(county: County, dispatcher: User) -> None:
    from django.template.loader import render_to_string

    first = _light(county)
    case = _light(county)
    matches = lookup.duplicates_for(dispatcher, case)
    html = render_to_string(
        "console/routing/duplicate_matches.html",
        {"matches": matches, "case": case, "merge_url": "/console/merge/"},
    )
    assert first.code in html and f'value="{first.code}"' in html and "合并到" in html
