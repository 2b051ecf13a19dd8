"""The inputs that once broke something elsewhere, replayed against the projects' forms,
filters, import columns and export: a clear answer every time, never a 500."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from jishi.orgs.models import User
from jishi.projects import rounds, services
from jishi.projects.imports import projects_import
from jishi.projects.models import Project, ProjectList
from jishi.testing.fixtures import County
from jishi.testing.ugly_inputs import DATES, FORMULAS, TEXTS, Ugly

ALL = TEXTS + DATES + FORMULAS


@pytest.mark.parametrize("ugly", ALL, ids=lambda u: u.name)
def test_public_filters(project: Project, ugly: Ugly) -> None:
    c = Client()
    url = f"/portal/projects/lists/{project.project_list_id}/"
    for params in ({"township": ugly.value}, {"light": ugly.value}, {"page": ugly.value}):
        assert c.get(url, params).status_code == 200
    assert c.get("/portal/projects/", {"kind": ugly.value}).status_code == 200
    try:
        ugly.value.encode("latin-1")
    except UnicodeEncodeError:
        return  # no browser sends a cookie it cannot put in a header
    c.cookies["jishi_follow"] = ugly.value
    assert c.get("/portal/projects/following/").status_code == 200


@pytest.mark.parametrize("ugly", TEXTS, ids=lambda u: u.name)
def test_report_form(project: Project, dept_handler: User, ugly: Ugly) -> None:
    rounds.round_open(month=project.start_date)  # type: ignore[arg-type]
    c = Client()
    c.force_login(dept_handler)
    ms = list(project.milestones.all())
    data = {f"milestone_{m.pk}": ugly.value for m in ms}
    data.update(work_done=ugly.value, problems=ugly.value, funds_paid=ugly.value)
    response = c.post(f"/console/projects/p/{project.pk}/report/", data)
    assert response.status_code in (302, 422)


@pytest.mark.parametrize("ugly", ALL, ids=lambda u: u.name)
def test_import_columns(
    county: County, inspector: User, county_lead: User, livelihood_list: ProjectList, ugly: Ugly
) -> None:
    # CSV, which carries what an .xlsx cannot (NUL bytes, control characters).
    header = [
        "项目名称",
        "牵头单位",
        "领衔领导",
        "预算",
        "开始日期",
        "完成时限",
        "节点",
        "当前进度",
        "备注",
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for i in range(len(header)):
        row = ["项目", "县住建局", "", "", "", "", "", "", ""]
        row[i] = ugly.value
        writer.writerow(row)
    report = projects_import(
        actor=inspector,
        project_list=livelihood_list,
        data=out.getvalue().encode(),
        filename="u.csv",
    )
    assert report.lines()  # every outcome explained, whatever was written


@pytest.mark.parametrize("ugly", FORMULAS, ids=lambda u: u.name)
def test_export_writes_formulas_inert(
    county: County, inspector: User, livelihood_list: ProjectList, ugly: Ugly
) -> None:
    services.project_create(
        actor=inspector,
        project_list=livelihood_list,
        title="项目" + ugly.value.strip() or "x",
        lead_unit=county.housing,
        remarks=ugly.value,
    )
    c = Client()
    c.force_login(inspector)
    data = c.get(f"/console/projects/lists/{livelihood_list.pk}/export.xlsx").content
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    for row in ws.iter_rows(min_row=3, values_only=True):
        for cell in row:
            if isinstance(cell, str):
                assert not cell.lstrip().startswith(("=", "+", "@", "＝")), cell
