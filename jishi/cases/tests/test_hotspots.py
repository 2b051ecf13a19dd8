"""Hotspots: coherent topics, ranked by heat, stored from the ledger."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jishi.cases import hotspots as ledger_hotspots
from jishi.cases.models_hotspots import Hotspot
from jishi.cases.tests import builders
from jishi.common import clock
from jishi.routing import hotspots
from jishi.routing.hotspots import Doc, find_hotspots
from jishi.testing.fixtures import County

T0 = datetime(2026, 11, 2, 9, 0)

LIGHTS = [
    ("东街路灯不亮", "东街社区文化广场旁的路灯坏了一周，晚上漆黑一片，请修复路灯。"),
    ("文化广场路灯坏了", "文化广场边的路灯好几天不亮了，晚上走路看不见，希望尽快修好路灯。"),
    ("路灯坏了没人修", "我们东街文化广场的路灯一直不亮，老人晚上散步很危险，请维修路灯。"),
]
FEES = [
    ("城关二小乱收费", "城关二小向学生收取资料费和校服费三百元，学校收费没有收据。"),
    ("二小收费不合理", "城关二小本学期又收资料费，学校收费项目没有公示，家长很有意见。"),
]
OTHER = [
    ("菜市场占道经营", "农贸市场门口摊贩占道经营，交通堵塞。"),
    ("自来水停水", "西街小区连续三天停水，没有提前通知。"),
]


def _docs(pairs: list[tuple[str, str]], start: int = 0, **extra: object) -> list[Doc]:
    return [
        Doc(
            id=start + i,
            time=T0 + timedelta(hours=i),
            title=t,
            text=b,
            **extra,  # type: ignore[arg-type]
        )
        for i, (t, b) in enumerate(pairs)
    ]


def test_street_lights_are_grouped_apart_from_school_fees() -> None:
    docs = _docs(LIGHTS, 0, place="东街社区") + _docs(FEES, 10, place="城关镇") + _docs(OTHER, 20)
    found = find_hotspots(docs, min_size=2)
    groups = {frozenset(h.doc_ids) for h in found}
    assert frozenset({0, 1, 2}) in groups
    assert frozenset({10, 11}) in groups
    assert len(found) == 2  # the two unrelated messages are no hotspot
    lights = next(h for h in found if 0 in h.doc_ids)
    assert "路灯" in lights.title or "路灯" in lights.keywords
    assert lights.places == ["东街社区"]
    assert lights.first_at == T0 and lights.last_at == T0 + timedelta(hours=2)
    assert found[0] is lights  # three citizens are hotter than two


def test_heat_counts_distinct_citizens_likes_and_growth() -> None:
    same_person = _docs(LIGHTS, 0, citizen="idx-1")
    many_people = [
        Doc(id=10 + i, time=T0, title=t, text=b, citizen=f"idx-{10 + i}")
        for i, (t, b) in enumerate([*FEES, ("二小资料费", "城关二小收取资料费，学校收费不公开。")])
    ]
    found = find_hotspots(same_person + many_people, min_size=2)
    by_topic = {0 in h.doc_ids: h for h in found}
    assert by_topic[True].citizens == 1 and by_topic[False].citizens == 3
    assert by_topic[False].score > by_topic[True].score

    liked = [Doc(id=i, time=T0, title=t, text=b, likes=200) for i, (t, b) in enumerate(LIGHTS)]
    plain = find_hotspots(_docs(LIGHTS), min_size=2)[0]
    assert find_hotspots(liked, min_size=2)[0].score > plain.score

    previous = _docs(LIGHTS[:1], 100)
    grown = find_hotspots(_docs(LIGHTS), previous=previous, min_size=2)[0]
    assert grown.growth == pytest.approx(2.0)
    assert grown.score > plain.score


def test_too_few_or_empty_documents_give_nothing() -> None:
    assert find_hotspots([]) == []
    assert find_hotspots(_docs(LIGHTS[:2])) == []
    assert find_hotspots(_docs([("。。。", "！！！")] * 4)) == []


def test_title_drops_opening_formula_and_masks_numbers() -> None:
    assert hotspots._title("关于东街路灯不亮的问题", []) == "东街路灯不亮的问题"
    assert "13812345678" not in hotspots._title("反映13812345678路灯", [])


# --- the ledger -------------------------------------------------------------------------


@pytest.mark.django_db
def test_refresh_stores_ranked_hotspots_with_their_cases(county: County) -> None:
    lights = [
        builders.accepted(county, title=t, text=b, citizen_phone=f"1381234567{i}")
        for i, (t, b) in enumerate(LIGHTS)
    ]
    builders.accepted(county, title=FEES[0][0], text=FEES[0][1])
    end = clock.now() + timedelta(minutes=1)
    assert ledger_hotspots.refresh_hotspots(days=30, end=end) == 1
    (row,) = Hotspot.objects.all()
    assert row.rank == 1 and row.size == 3 and row.citizens == 3
    assert set(row.cases.values_list("pk", flat=True)) == {c.pk for c in lights}
    assert row.places == ["东街社区"]
    # A second refresh of the same period replaces, never duplicates.
    ledger_hotspots.refresh_hotspots(days=30, end=end)
    assert Hotspot.objects.count() == 1


@pytest.mark.django_db
def test_refresh_command_and_task(county: County) -> None:
    for t, b in LIGHTS:
        builders.accepted(county, title=t, text=b)
    out = StringIO()
    call_command("hotspots_refresh", stdout=out)
    assert "已生成 1 个热点" in out.getvalue()
    from jishi.cases.tasks import refresh_hotspots

    result = refresh_hotspots.enqueue(days=30, top=5)
    assert result.return_value == 1


# --- the CSV command and the public data set --------------------------------------------

_DATA = (
    Path(
        os.environ.get(
            "JISHI_SHARED_DATA", Path(__file__).resolve().parents[3].parent / "shared" / "data"
        )
    )
    / "tipdm2020"
)


def test_csv_command_prints_top_hotspots(tmp_path: Path) -> None:
    path = tmp_path / "messages.csv"
    rows = ["id,time,subject,body,likes,against"]
    for i, (t, b) in enumerate(LIGHTS + FEES + OTHER):
        rows.append(f"{i},2026/11/{i + 1} 10:00:00,{t},{b},{i},0")
    path.write_text("\n".join(rows), encoding="utf-8")
    out = StringIO()
    call_command("hotspots", data=str(path), top=5, stdout=out)
    text = out.getvalue()
    assert "1. " in text and "事项数 3" in text and "路灯" in text
    with pytest.raises(CommandError):
        call_command("hotspots", data=str(tmp_path / "missing.csv"))


def test_data_compound_parking_dispute_is_the_top_hotspot() -> None:
    path = _DATA / "hot_messages.csv"
    if not path.exists():
        pytest.skip(f"public data set not found at {path} (set JISHI_SHARED_DATA)")
    docs = hotspots.read_docs(path)
    assert len(docs) > 4000
    top = find_hotspots(docs, top=5)
    first = top[0]
    assert "伊景园" in first.title and first.size >= 30
    texts = {d.id: d.title + d.text[:200] for d in docs}
    # Coherent: nearly every member names the compound or its railway-staff scheme.
    members = [texts[i] for i in first.doc_ids]
    assert sum(any(w in s for w in ("伊景园", "滨河苑", "广铁")) for s in members) >= 0.95 * len(
        members
    )
    assert any("58车贷" in h.title or "58车" in h.title for h in top)
