"""The reply check: boilerplate is flagged, a specific, timely answer is not."""

from __future__ import annotations

import csv
import os
from datetime import datetime
from pathlib import Path

import pytest

from jishi.routing import replies
from jishi.routing.replies import WARNING_PREFIX, score_reply
from jishi.workdays.calendar import Calendar

MESSAGE = "东街社区文化广场旁的三盏路灯已经坏了一周，晚上出行不便，请尽快修复。"
SUBJECT = "东街路灯不亮"
BOILERPLATE = "您好！您的留言已收悉，我们高度重视，将进一步加强管理，感谢您的理解和支持。"
SPECIFIC = (
    "经核实，东街社区文化广场旁共有三盏路灯因线路老化损坏。11月20日上午，镇城建办安排电工"
    "到现场检修，已更换线路120米和灯头3个，当晚路灯已恢复照明。下一步将每月巡查一次。"
)
OFF_TOPIC = (
    "经核实，城关二小收取的资料费已于11月20日全部退还，共退还学生家长3.6万元，并责令学校"
    "整改，对相关责任人进行了约谈。"
)


@pytest.fixture
def calendar(settings: object) -> Calendar:
    return Calendar.from_settings()


def test_boilerplate_reply_scores_low_with_a_warning() -> None:
    score = score_reply(message=MESSAGE, subject=SUBJECT, reply=BOILERPLATE)
    assert score.total < replies.WARN_BELOW
    assert score.needs_warning
    assert score.warning_text.startswith(WARNING_PREFIX)
    assert any("套话" in w for w in score.warnings)
    assert any("处理措施" in w for w in score.warnings)
    assert score.timeliness is None


def test_specific_reply_scores_high_without_warnings() -> None:
    score = score_reply(message=MESSAGE, subject=SUBJECT, reply=SPECIFIC)
    assert score.total >= 80
    assert score.relevance >= 80 and score.substance >= 70
    assert not score.needs_warning and score.warning_text == ""
    assert score.total > score_reply(message=MESSAGE, reply=BOILERPLATE).total + 30


def test_specific_but_off_topic_reply_is_flagged_as_unrelated() -> None:
    score = score_reply(message=MESSAGE, subject=SUBJECT, reply=OFF_TOPIC)
    assert score.relevance < 25
    assert "答复与所反映的问题关联度低" in score.warnings
    assert score.total < score_reply(message=MESSAGE, subject=SUBJECT, reply=SPECIFIC).total


def test_forward_only_and_empty_replies() -> None:
    forwarded = score_reply(message=MESSAGE, reply="您反映的问题已转县住建局调查处理。")
    assert forwarded.needs_warning and "仅告知已转办，未说明处理结果" in forwarded.warnings
    empty = score_reply(message=MESSAGE, reply="   ")
    assert empty.total == 0 and empty.warnings == ["答复内容为空"]


def test_timeliness_counts_working_days(calendar: Calendar) -> None:
    # Friday 2026-11-06 10:00 → Monday 09:00 is well under a working day; after 40 working
    # days it is late and says so.
    prompt = score_reply(
        message=MESSAGE,
        reply=SPECIFIC,
        asked_at=datetime(2026, 11, 6, 10, 0),
        replied_at=datetime(2026, 11, 9, 9, 0),
        calendar=calendar,
    )
    assert prompt.timeliness == 100 and prompt.workdays is not None and prompt.workdays < 1
    late = score_reply(
        message=MESSAGE,
        reply=SPECIFIC,
        asked_at=datetime(2026, 9, 1, 10, 0),
        replied_at=datetime(2026, 11, 9, 9, 0),
        calendar=calendar,
    )
    assert late.timeliness is not None and late.timeliness <= 20
    assert any("个工作日" in w for w in late.warnings)
    assert late.total < prompt.total


@pytest.mark.django_db
def test_timeliness_uses_the_county_calendar_by_default() -> None:
    score = score_reply(
        message=MESSAGE,
        reply=SPECIFIC,
        asked_at=datetime(2026, 11, 6, 10, 0),
        replied_at=datetime(2026, 11, 9, 9, 0),
    )
    assert score.timeliness == 100


_DATA = (
    Path(
        os.environ.get(
            "JISHI_SHARED_DATA", Path(__file__).resolve().parents[3].parent / "shared" / "data"
        )
    )
    / "tipdm2020"
)


def test_data_acknowledgements_warn_and_most_replies_do_not() -> None:
    path = _DATA / "replied_messages.csv"
    if not path.exists():
        pytest.skip(f"public data set not found at {path} (set JISHI_SHARED_DATA)")
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))[:600]
    scores = [score_reply(message=r["body"], subject=r["subject"], reply=r["reply"]) for r in rows]
    acks = [
        s
        for s, r in zip(scores, rows, strict=True)
        if len(r["reply"]) < 20 and "收悉" in r["reply"]
    ]
    assert acks and all(s.needs_warning for s in acks)
    warned = sum(s.needs_warning for s in scores) / len(scores)
    assert 0.03 < warned < 0.3
