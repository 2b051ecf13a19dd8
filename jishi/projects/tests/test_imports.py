"""A year's list from Excel: 40 rows with three bad ones → errors by row, nothing written →
fixed → imported; the county's own published tables accepted as they are; bad input in every
column; the export imports back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from jishi.orgs.models import Unit, UnitKind, User
from jishi.projects import services
from jishi.projects.imports import (
    list_workbook,
    parse_date,
    parse_money,
    parse_progress,
    projects_import,
    template_workbook,
)
from jishi.projects.models import ListKind, ListLevel, Project, ProjectEvent, ProjectList
from jishi.testing.fixtures import County

DATA = Path(__file__).resolve().parents[4] / "shared" / "data" / "county_lists"
if not DATA.exists():
    DATA = Path("/work/shared/data/county_lists")

HEADER = [
    "序号",
    "项目名称",
    "牵头单位",
    "领衔领导",
    "预算（万元）",
    "开始日期",
    "完成时限",
    "所在乡镇",
    "节点",
    "当前进度",
]


def sheet(rows: Sequence[Sequence[object]], title: str | None = "2026年民生实事项目清单") -> bytes:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    if title:
        ws.append([title])
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def good_row(i: int) -> list[object]:
    return [
        i,
        f"民生项目{i:02d}",
        "县住建局、县交通运输局" if i % 2 else "县交通运输局",
        "county_lead",
        1000 + i,
        dt.date(2026, 1, 1),
        "12月底前",
        "城关镇" if i % 3 else "石桥镇",
        "立项:2026-03-31:20；开工:2026-06-30:30；竣工:2026-12-31:50" if i % 4 else "",
        "10%" if i % 5 else "",
    ]


def test_forty_rows_three_bad_then_fixed(
    county: County, inspector: User, county_lead: User, livelihood_list: ProjectList
) -> None:
    rows = [good_row(i) for i in range(1, 41)]
    rows[4][2] = "县不存在局"  # sheet row 7 (title line, header, then data from row 3)
    rows[19][6] = "明年再说"  # row 22
    rows[29][9] = "120%"  # row 32
    report = projects_import(
        actor=inspector, project_list=livelihood_list, data=sheet(rows), filename="清单.xlsx"
    )
    assert not report.written
    assert [str(e) for e in report.errors] == [
        "第7行 牵头单位：单位“县不存在局”不存在",
        "第22行 完成时限：无法识别的日期“明年再说”（可写 2026-06-30、6月底前 或 6月底前开工）",
        "第32行 当前进度：进度“120%”超过 100%",
    ]
    assert not Project.objects.exists()
    rows[4][2], rows[19][6], rows[29][9] = "县住建局", "11月底前", "95%"
    report = projects_import(
        actor=inspector, project_list=livelihood_list, data=sheet(rows), filename="清单.xlsx"
    )
    assert report.written and report.created == 40, report.lines()
    assert ProjectEvent.objects.filter(kind="created", payload__via="import").count() == 40
    first = Project.objects.get(title="民生项目01")
    assert first.lead_unit == county.housing and list(first.cooperating_units.all()) == [
        county.transport
    ]
    assert first.lead_cadre == county_lead and first.budget == Decimal("1001")
    assert [m.weight for m in first.milestones.all()] == [20, 30, 50]
    assert first.progress == Decimal("10.0")
    fourth = Project.objects.get(title="民生项目04")
    assert [(m.title, m.planned_date) for m in fourth.milestones.all()] == [
        ("完成", dt.date(2026, 12, 31))
    ]


def test_bad_input_in_every_column(
    county: County, inspector: User, township_handler: User, livelihood_list: ProjectList
) -> None:
    rows = [
        ["", "", "县住建局", "", "", "", "", "", "", ""],
        ["", "x" * 201, "", "", "", "", "", "", "", ""],
        [
            "",
            "甲",
            "县住建局",
            "cg_handler",
            "一千",
            "2026-13-01",
            "6月底",
            "东街社区",
            "开工",
            "abc",
        ],
        ["", "乙", "县住建局", "无此人", "-5", "2026-06-01", "2026-03-01", "", "开工:某天", ""],
        ["", "甲", "县住建局", "", "", "", "", "", "开工:2026-05-01:0", ""],
    ]
    report = projects_import(
        actor=inspector, project_list=livelihood_list, data=sheet(rows, None), filename="x.xlsx"
    )
    found = {(e.row, e.column) for e in report.errors}
    assert (2, "项目名称") in found  # empty
    assert (3, "项目名称") in found and (3, "牵头单位") in found  # too long; empty unit
    for column in ("领衔领导", "预算（万元）", "开始日期", "所在乡镇", "节点", "当前进度"):
        assert (4, column) in found, column
    assert {(5, "领衔领导"), (5, "预算（万元）"), (5, "完成时限"), (5, "节点")} <= found
    assert (6, "项目名称") in found and (6, "节点") in found  # duplicate title, weight 0
    assert not Project.objects.exists()


def test_file_level_errors(county: County, inspector: User, livelihood_list: ProjectList) -> None:
    for data, name in (
        (b"", "a.csv"),
        (b"\xd0\xcf\x11\xe0rest", "a.xls"),
        (b"a,b\n1,2\n", "a.csv"),
    ):
        report = projects_import(
            actor=inspector, project_list=livelihood_list, data=data, filename=name
        )
        assert report.errors and report.errors[0].row in (None, 1) and not report.written


def test_cells_as_counties_write_them() -> None:
    assert parse_date("12月底前", year=2016) == (dt.date(2016, 12, 31), "", "")
    assert parse_date("9月投入使用", year=2016) == (dt.date(2016, 9, 30), "投入使用", "")
    assert parse_date("5月底前动工", year=2016) == (dt.date(2016, 5, 31), "动工", "")
    assert parse_date("2026年3月", year=2016)[0] == dt.date(2026, 3, 31)
    assert parse_date("2026/3/5", year=2016)[0] == dt.date(2026, 3, 5)
    assert parse_date("2026-02-30", year=2016)[2]
    assert parse_progress("80%(新区实验幼儿园进度滞后)") == (
        Decimal("80.0"),
        "新区实验幼儿园进度滞后",
        "",
    )
    assert parse_progress("50%(马站未开工")[:2] == (Decimal("50.0"), "马站未开工")
    assert parse_progress("98.4%")[0] == Decimal("98.4")
    assert parse_progress("0.75")[0] == Decimal("75.0")
    assert parse_money("1.2亿")[0] == Decimal("12000.00")
    assert parse_money("1,200万元")[0] == Decimal("1200.00")


def _units_named_in(path: Path, column: str) -> set[str]:
    with path.open(encoding="utf-8") as f:
        return {
            name for row in csv.DictReader(f) for name in re.split(r"[、,，]", row[column]) if name
        }


@pytest.mark.parametrize(
    ("filename", "unit_column", "year", "count"),
    [
        ("dazhu_2016_targets.csv", "责任单位", 2016, 11),
        ("cangnan_2022_progress.csv", "牵头单位", 2022, 13),
    ],
)
def test_the_countys_published_tables_are_accepted(
    county: County, inspector: User, filename: str, unit_column: str, year: int, count: int
) -> None:
    path = DATA / filename
    if not path.exists():
        pytest.skip(f"{path} is absent (public county tables in ../shared/data)")
    for i, name in enumerate(sorted(_units_named_in(path, unit_column))):
        Unit(code=f"X{i:02d}", name=name, kind=UnitKind.DEPARTMENT, parent=county.county).save()
    lst = services.list_create(
        actor=inspector, year=year, kind=ListKind.LIVELIHOOD, level=ListLevel.COUNTY, title="清单"
    )
    report = projects_import(
        actor=inspector, project_list=lst, data=path.read_bytes(), filename=filename
    )
    assert report.written and report.created == count, report.lines()
    if year == 2016:
        assert any("序号 5" in w for w in report.warnings)
        first = Project.objects.get(number="1")
        assert first.lead_unit.name == "县水务局" and first.cooperating_units.count() == 2
        disabled = Project.objects.get(number="4")
        assert [(m.title, m.planned_date) for m in disabled.milestones.all()] == [
            ("动工", dt.date(2016, 5, 31)),
            ("完成", dt.date(2016, 12, 31)),
        ]
        bridge = Project.objects.get(number="2")
        assert bridge.end_date == dt.date(2016, 9, 30)
    else:
        kindergarten = Project.objects.get(number="1")
        assert kindergarten.progress == Decimal("80.0")
        assert "新区实验幼儿园进度滞后" in kindergarten.remarks
        assert "市民生实事" in kindergarten.remarks
        assert Project.objects.get(number="7").progress == Decimal("50.0")
        assert Project.objects.get(number="13").progress == Decimal("98.4")


def test_export_imports_back(
    county: County, inspector: User, county_lead: User, livelihood_list: ProjectList
) -> None:
    rows = [good_row(i) for i in range(1, 6)]
    projects_import(
        actor=inspector, project_list=livelihood_list, data=sheet(rows), filename="a.xlsx"
    )
    projects = list(Project.objects.order_by("pk"))
    data = list_workbook(livelihood_list, projects)
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    assert ws.cell(3, 2).value == "民生项目01"
    again = services.list_create(
        actor=inspector, year=2026, kind=ListKind.LIVELIHOOD, level=ListLevel.COUNTY, title="副本"
    )
    report = projects_import(actor=inspector, project_list=again, data=data, filename="b.xlsx")
    assert report.written and report.created == 5, report.lines()
    copy = again.projects.get(title="民生项目01")
    original = projects[0]
    assert [(m.title, m.planned_date, m.weight) for m in copy.milestones.all()] == [
        (m.title, m.planned_date, m.weight) for m in original.milestones.all()
    ]
    assert (copy.lead_unit, copy.lead_cadre, copy.budget, copy.progress) == (
        original.lead_unit,
        original.lead_cadre,
        original.budget,
        original.progress,
    )


def test_template_has_the_required_marks() -> None:
    ws = load_workbook(io.BytesIO(template_workbook())).active
    assert ws is not None
    assert ws.cell(1, 2).value == "项目名称*"
