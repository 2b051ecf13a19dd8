"""The console's project pages, as the people who use them: the supervision office, a lead
unit, a lead cadre, a stranger; bad input on every form answers with field messages."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from jishi.common import clock
from jishi.orgs.models import User
from jishi.projects import rounds, services
from jishi.projects.models import OrderLevel, Project, ProjectList, SupervisionOrder
from jishi.projects.tests.test_services import photo
from jishi.testing.fixtures import County


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def rnd(project: Project) -> object:
    return rounds.round_open(month=clock.now().date())


def test_pages_render_for_the_supervision_office(
    project: Project, inspector: User, rnd: object
) -> None:
    c = client_for(inspector)
    order = rounds.order_issue(actor=inspector, project=project, level=OrderLevel.BLUE)
    for url in (
        "/console/projects/",
        "/console/projects/mine/",
        "/console/projects/rules/",
        f"/console/projects/lists/{project.project_list_id}/",
        f"/console/projects/p/{project.pk}/",
        "/console/projects/orders/",
        f"/console/projects/orders/{order.pk}/",
        f"/console/projects/rounds/{rnd.pk}/",  # type: ignore[attr-defined]
        "/console/projects/meeting/",
        "/console/projects/inspections/",
        "/console/projects/accountability/",
    ):
        response = c.get(url)
        assert response.status_code == 200, url
    pdf = c.get(f"/console/projects/orders/{order.pk}/order.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    xlsx = c.get(f"/console/projects/lists/{project.project_list_id}/export.xlsx")
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws is not None and ws.cell(3, 2).value == "老旧小区改造"
    nav = c.get("/console/projects/").content.decode()
    assert 'href="/console/projects/"' in nav


def test_a_stranger_sees_no_project(project: Project, other_township_handler: User) -> None:
    c = client_for(other_township_handler)
    assert c.get(f"/console/projects/p/{project.pk}/").status_code == 404
    assert (
        "老旧小区改造"
        not in c.get(f"/console/projects/lists/{project.project_list_id}/").content.decode()
    )
    assert c.get("/console/projects/meeting/").status_code == 403


def test_the_lead_unit_reports_and_bad_input_is_named(
    project: Project, dept_handler: User, rnd: object
) -> None:
    c = client_for(dept_handler)
    ms = list(project.milestones.all())
    page = c.get(f"/console/projects/p/{project.pk}/")
    assert "报送本月进度" in page.content.decode()
    bad = c.post(
        f"/console/projects/p/{project.pk}/report/",
        {
            f"milestone_{ms[0].pk}": "150",
            f"milestone_{ms[1].pk}": "abc",
            f"milestone_{ms[2].pk}": "",
            "work_done": "",
            "funds_paid": "-3",
        },
    )
    assert bad.status_code == 422
    text = bad.content.decode()
    for message in (
        "进度应为 0 到 100 之间的数",
        "请填写进度",
        "请填写本月完成工作",
        "金额不能为负",
    ):
        assert message in text, message
    good = c.post(
        f"/console/projects/p/{project.pk}/report/",
        {
            f"milestone_{ms[0].pk}": "100",
            f"milestone_{ms[1].pk}": "40",
            f"milestone_{ms[2].pk}": "0",
            "work_done": "完成立项",
            "funds_paid": "200",
        },
    )
    assert good.status_code == 302
    project.refresh_from_db()
    assert project.progress == 32


def test_forms_of_the_supervision_office_answer_bad_input(
    project: Project, inspector: User, livelihood_list: ProjectList, county: County
) -> None:
    c = client_for(inspector)
    r = c.post(
        "/console/projects/lists/new/", {"year": "20x6", "kind": "x", "level": "", "title": ""}
    )
    assert r.status_code == 422 and "年度应为四位数字" in r.content.decode()
    r = c.post(
        f"/console/projects/lists/{livelihood_list.pk}/new/",
        {"title": "", "lead_unit": "999999", "start_date": "明天", "milestones": "开工"},
    )
    text = r.content.decode()
    assert r.status_code == 422 and "请填写此项" in text and "请选择牵头单位" in text
    r = c.post(
        f"/console/projects/lists/{livelihood_list.pk}/new/",
        {"title": "新项目", "lead_unit": county.housing.pk, "milestones": "开工:某天"},
    )
    assert r.status_code == 422 and "无法识别的日期" in r.content.decode()
    r = c.post(
        f"/console/projects/lists/{livelihood_list.pk}/new/",
        {"title": "新项目", "lead_unit": county.housing.pk, "milestones": "开工:2026-06-30:30"},
    )
    assert r.status_code == 302
    r = c.post(f"/console/projects/p/{project.pk}/order/", {"level": "purple"})
    assert r.status_code == 422 and "请选择级别" in r.content.decode()
    r = c.post(f"/console/projects/lists/{livelihood_list.pk}/import/", {})
    assert r.status_code == 422 and "请选择文件" in r.content.decode()
    r = c.post(
        f"/console/projects/lists/{livelihood_list.pk}/import/",
        {"file": io.BytesIO(b"\xff\xfe\x00garbage")},
    )
    assert r.status_code == 422


def test_order_response_by_the_lead_unit(
    project: Project, inspector: User, dept_handler: User, transport_handler: User
) -> None:
    order = rounds.order_issue(actor=inspector, project=project, level=OrderLevel.BLUE)
    url = f"/console/projects/orders/{order.pk}/"
    assert client_for(dept_handler).post(url, {"response": ""}).status_code == 422
    assert client_for(transport_handler).post(url, {"response": "x"}).status_code == 403
    assert client_for(dept_handler).post(url, {"response": "已加快"}).status_code == 302
    assert SupervisionOrder.objects.get().response == "已加快"


def test_the_lead_cadre_page(
    project: Project, county_lead: User, dept_handler: User, rnd: object
) -> None:
    page = client_for(county_lead).get("/console/projects/mine/").content.decode()
    assert "老旧小区改造" in page and "待报送" in page
    ms = list(project.milestones.all())
    services.report_submit(
        actor=dept_handler,
        project=project,
        round=rnd,  # type: ignore[arg-type]
        milestones={m.pk: 10 for m in ms},
        work_done="施工准备",
    )
    page = client_for(county_lead).get("/console/projects/mine/").content.decode()
    assert "待我审签的报送" in page
    report = project.reports.get()
    r = client_for(county_lead).post(f"/console/projects/reports/{report.pk}/sign-off/")
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.signed_off_by == county_lead


def test_completion_waits_for_every_milestone(
    project: Project, housing_lead: User, dept_handler: User, rnd: object
) -> None:
    c = client_for(housing_lead)
    page = f"/console/projects/p/{project.pk}/"
    body = c.get(page).content.decode()
    assert "全部节点报送完成" in body and f"/p/{project.pk}/complete/" not in body
    # Posted anyway (an old page): refused with the milestones named, nothing saved.
    refused = c.post(
        f"/console/projects/p/{project.pk}/complete/",
        {"evidence": "竣工验收合格", "photos": photo()},
    )
    assert refused.status_code == 422
    assert "尚有节点未完成" in refused.content.decode()
    project.refresh_from_db()
    assert project.status == "active" and not project.photos.exists()
    services.report_submit(
        actor=dept_handler,
        project=project,
        round=rnd,  # type: ignore[arg-type]
        milestones={m.pk: 100 for m in project.milestones.all()},
        work_done="全部完工",
    )
    assert f"/p/{project.pk}/complete/" in c.get(page).content.decode()
    done = c.post(
        f"/console/projects/p/{project.pk}/complete/",
        {"evidence": "竣工验收合格", "photos": photo()},
    )
    assert done.status_code == 302
    project.refresh_from_db()
    assert project.status == "completed"


def test_the_meeting_page_opens_on_the_latest_round_already_lit(
    project: Project, inspector: User
) -> None:
    """A meeting discusses a round after its due day: opened without a month, the page shows
    the latest lit round, not this month's, which is still collecting reports."""
    today = clock.now().date()
    last = rounds.round_open(month=(today.replace(day=1) - dt.timedelta(days=1)))
    this = rounds.round_open(month=today)
    c = client_for(inspector)
    assert c.get("/console/projects/meeting/").context["page"].round == this  # none lit yet
    type(last).objects.filter(pk=last.pk).update(assessed_at=clock.now())
    assert c.get("/console/projects/meeting/").context["page"].round == last
    type(this).objects.filter(pk=this.pk).update(assessed_at=clock.now())
    assert c.get("/console/projects/meeting/").context["page"].round == this
