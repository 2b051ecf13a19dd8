"""The season's schedule from Excel: every bad cell named by row and column, nothing written
until the file is clean."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from jishi.orgs.models import User
from jishi.outreach import imports
from jishi.outreach.models import Branch, Series, Site, Talk
from jishi.testing.fixtures import County
from jishi.testing.ugly_inputs import FORMULAS, TEXTS

pytestmark = pytest.mark.django_db

HEADERS = [
    "日期",
    "开始时间",
    "结束时间",
    "题目",
    "宣讲人",
    "六进场景",
    "主办单位",
    "系列",
    "主题",
    "阵地",
    "地点",
    "乡镇",
    "对象",
    "预计人数",
    "录像链接",
]
GOOD = [
    "2026-11-10",
    "14:00",
    "16:00",
    "讲惠民政策",
    "张三",
    "进农村",
    "T01",
    "六讲六进",
    "讲惠民政策",
    "红军长征纪念馆",
    "",
    "城关镇",
    "村民",
    "40",
    "",
]


def xlsx(rows: list[list[str]], headers: list[str] = HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([HEADERS, *rows])
    return out.getvalue().encode("utf-8")


def run(organiser: User, rows: list[list[str]]) -> imports.ScheduleReport:
    return imports.schedule_import(actor=organiser, data=xlsx(rows), filename="s.xlsx")


def test_a_clean_file_is_imported(organiser: User, site: Site, series: Series) -> None:
    second = list(GOOD)
    second[0], second[3], second[5] = "2026/11/12", "讲党的创新理论", "社区"
    report = run(organiser, [GOOD, second])
    assert report.written and report.created == 2, report.lines()
    talk = Talk.objects.get(title="讲党的创新理论")
    assert talk.setting == "community" and talk.site == site and talk.series == series
    assert talk.checkin_key and talk.township is not None


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        (0, "", "第2行 日期：不能为空"),
        (0, "2026-13-45", "第2行 日期：日期格式应为"),
        (0, "0001-01-01", "第2行 日期：年份应在"),
        (1, "25:00", "第2行 开始时间：时间格式应为"),
        (2, "13:00", "第2行 结束时间：结束时间应晚于开始时间"),
        (3, "", "第2行 题目：请填写题目"),
        (3, "题" * 121, "第2行 题目：题目最多 120 字"),
        (4, "\u200b", "第2行 宣讲人：请填写宣讲人"),
        (5, "进月球", "第2行 六进场景：应为"),
        (6, "X99", "第2行 主办单位：找不到单位 X99"),
        (6, "T02", "第2行 主办单位：您不能为 石桥镇 安排宣讲"),
        (7, "八讲八进", "第2行 系列：找不到系列"),
        (8, "讲别的", "第2行 主题：主题不在该系列的主题中"),
        (9, "无名阵地", "第2行 阵地：找不到阵地"),
        (11, "月亮镇", "第2行 乡镇：找不到单位"),
        (13, "很多", "第2行 预计人数：应为整数"),
        (13, "0", "第2行 预计人数：预计人数应为"),
        (14, "javascript:alert(1)", "第2行 录像链接：录像链接应为"),
    ],
)
def test_bad_cells_are_reported_and_nothing_written(
    organiser: User, site: Site, series: Series, column: int, value: str, message: str
) -> None:
    bad = list(GOOD)
    bad[column] = value
    report = run(organiser, [bad, GOOD])
    assert not report.written
    assert any(line.startswith(message) for line in report.lines()), report.lines()
    assert not Talk.objects.exists()


def test_duplicates_in_the_file_and_in_the_ledger(
    organiser: User, site: Site, series: Series
) -> None:
    report = run(organiser, [GOOD, GOOD])
    assert "第3行 题目：与第2行重复" in report.lines()
    assert run(organiser, [GOOD]).written
    again = run(organiser, [GOOD])
    assert not again.written and any("系统中已有" in line for line in again.lines())


@pytest.mark.parametrize("ugly", TEXTS + FORMULAS, ids=[u.name for u in TEXTS + FORMULAS])
def test_ugly_cells_never_break_the_import(
    organiser: User, site: Site, series: Series, ugly: object
) -> None:
    value = ugly.value  # type: ignore[attr-defined]
    for column in range(len(HEADERS)):
        row = list(GOOD)
        row[column] = value
        report = imports.schedule_import(actor=organiser, data=csv_bytes([row]), filename="s.csv")
        assert report.lines()
    for talk in Talk.objects.all():
        assert "\x00" not in talk.title + talk.speaker + talk.audience


def test_file_level_errors(organiser: User) -> None:
    assert "文件" in imports.schedule_import(actor=organiser, data=b"", filename="s.csv").lines()[0]
    missing = imports.schedule_import(actor=organiser, data=xlsx([], ["题目"]), filename="s.xlsx")
    assert not missing.written and missing.errors
    header_only = ("\ufeff" + ",".join(HEADERS) + "\r\n").encode()
    empty = imports.schedule_import(actor=organiser, data=header_only, filename="s.csv")
    assert not empty.written


def test_import_page_and_template(
    client: Client, organiser: User, site: Site, series: Series
) -> None:
    client.force_login(organiser)
    template = client.get(reverse("outreach:import") + "?template=1")
    assert template.status_code == 200 and template.content[:2] == b"PK"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(template.content)).active
    assert sheet is not None and sheet["A1"].value == "日期*"
    bad = list(GOOD)
    bad[5] = "进月球"
    page = client.post(reverse("outreach:import"), {"file": io.BytesIO(xlsx([bad]))})
    assert page.status_code == 422
    assert "第2行 六进场景" in page.content.decode()
    upload = io.BytesIO(xlsx([GOOD]))
    upload.name = "s.xlsx"
    ok = client.post(reverse("outreach:import"), {"file": upload})
    assert ok.status_code == 302 and Talk.objects.count() == 1
    assert client.post(reverse("outreach:import"), {}).status_code == 422


def test_members_import(organiser: User, county: County) -> None:
    branch = Branch.objects.create(name="东街社区党支部", unit=county.dongjie)
    data = xlsx(
        [["王芳", "否", "是", ""], ["赵强", "是", "", "低保户"]],
        ["姓名", "困难党员", "流动党员", "备注"],
    )
    report = imports.members_import(actor=organiser, branch=branch, data=data, filename="m.xlsx")
    assert report.written and report.created == 2
    assert branch.members.get(name="王芳").remote and branch.members.get(name="赵强").hardship
    bad = xlsx(
        [["", "否", "", ""], ["钱敏", "也许", "", ""], ["王芳", "", "", ""]],
        ["姓名", "困难党员", "流动党员", "备注"],
    )
    report = imports.members_import(actor=organiser, branch=branch, data=bad, filename="m.xlsx")
    assert not report.written
    lines = report.lines()
    assert "第2行 姓名：不能为空" in lines
    assert any(line.startswith("第3行 困难党员") for line in lines)
    assert "第4行 姓名：本支部已有此人" in lines
    assert branch.members.count() == 2
