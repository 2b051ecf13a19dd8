"""The schedule import's later columns: the remote window, talks crossing midnight, and bad
input in 地点, 对象 and 宣讲材料."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jishi.orgs.models import User
from jishi.outreach import imports
from jishi.outreach.models import Series, Site, Talk
from jishi.outreach.tests.test_imports import xlsx

pytestmark = pytest.mark.django_db

HEADERS = [
    "日期",
    "开始时间",
    "结束时间",
    "题目",
    "宣讲人",
    "六进场景",
    "主办单位",
    "地点",
    "乡镇",
    "对象",
    "宣讲材料",
    "结束日期",
    "流动党员远程签到",
    "远程签到截止",
]


def row(**cells: str) -> list[str]:
    base = {
        "日期": "2026-11-10",
        "开始时间": "14:00",
        "结束时间": "16:00",
        "题目": "讲惠民政策",
        "宣讲人": "张三",
        "六进场景": "进农村",
        "主办单位": "T01",
        "地点": "村委会",
        "乡镇": "城关镇",
        "对象": "村民",
        "宣讲材料": "",
        "结束日期": "",
        "流动党员远程签到": "",
        "远程签到截止": "",
    }
    base.update(cells)
    return [base[h] for h in HEADERS]


def run(organiser: User, *rows: list[str]) -> imports.ScheduleReport:
    return imports.schedule_import(
        actor=organiser, data=xlsx(list(rows), headers=HEADERS), filename="s.xlsx"
    )


def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour, minute))


def test_a_remote_window_and_a_talk_past_midnight(
    organiser: User, site: Site, series: Series
) -> None:
    report = run(
        organiser,
        row(题目="远程参学", 流动党员远程签到="是", 远程签到截止="2026-11-20 18:00"),
        row(题目="默认一周", 流动党员远程签到="是"),
        row(题目="电影党课", 开始时间="20:00", 结束时间="00:30", 结束日期="2026-11-11"),
        row(题目="现场", 流动党员远程签到="否"),
    )
    assert report.written, report.lines()
    remote = Talk.objects.get(title="远程参学")
    assert remote.remote_key and remote.remote_key != remote.checkin_key
    assert remote.remote_opens_at == local(2026, 11, 10, 14)
    assert remote.remote_closes_at == local(2026, 11, 20, 18)
    week = Talk.objects.get(title="默认一周")  # as the form: a week after the end
    assert week.remote_key and week.remote_closes_at == local(2026, 11, 17, 16)
    night = Talk.objects.get(title="电影党课")
    assert (night.starts_at, night.ends_at) == (local(2026, 11, 10, 20), local(2026, 11, 11, 0, 30))
    assert Talk.objects.get(title="现场").remote_key == ""


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        ({"地点": "x" * 201}, "第2行 地点：地点最多 200 字，现有 201 字"),
        ({"地点": ""}, "第2行 地点：请选择宣讲阵地，或填写地点"),
        ({"对象": "x" * 101}, "第2行 对象：对象最多 100 字，现有 101 字"),
        ({"宣讲材料": "x" * 5001}, "第2行 宣讲材料：宣讲材料最多 5000 字，现有 5001 字"),
        (
            {"结束时间": "01:00"},
            "第2行 结束时间：结束时间应晚于开始时间；跨过午夜的宣讲请填写结束日期",
        ),
        ({"结束日期": "明天"}, "第2行 结束日期：日期格式应为 2026-11-11"),
        ({"结束日期": "2026-11-12", "结束时间": "18:00"}, "一场宣讲不超过 24 小时"),
        ({"流动党员远程签到": "也许"}, "第2行 流动党员远程签到：填写“是”或“否”（或留空）"),
        (
            {"流动党员远程签到": "是", "远程签到截止": "下周"},
            "第2行 远程签到截止：格式应为 2026-11-17 16:00",
        ),
        ({"远程签到截止": "2026-11-17 16:00"}, "未开通流动党员远程签到，不需要截止时间"),
        (
            {"流动党员远程签到": "是", "远程签到截止": "2026-11-10 12:00"},
            "第2行 远程签到截止：远程签到截止时间应晚于开始时间",
        ),
        (
            {"流动党员远程签到": "是", "远程签到截止": "2027-03-01 12:00"},
            "第2行 远程签到截止：远程签到最长 60 天",
        ),
    ],
)
def test_bad_cells_in_the_later_columns(
    organiser: User, cells: dict[str, str], message: str
) -> None:
    report = run(organiser, row(**cells))
    assert not report.written
    assert any(message in line for line in report.lines()), report.lines()
    assert not Talk.objects.exists()
