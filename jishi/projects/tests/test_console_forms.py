"""The console forms over existing services: inspection groups (members, period, area), a
project's lead cadre and lead unit, a milestone's planned date. The supervision office may;
others are refused; bad input answers in Chinese and changes nothing."""

from __future__ import annotations

import datetime as dt

from jishi.cases.verify import verify_ledger
from jishi.orgs.models import Role, User
from jishi.projects import services
from jishi.projects.models import InspectionGroup, Project
from jishi.projects.tests.test_views import client_for
from jishi.testing.fixtures import County, make_person

GROUPS = "/console/projects/inspections/"


def test_the_office_sets_up_and_edits_an_inspection_group(
    county: County, inspector: User, county_lead: User, dept_handler: User
) -> None:
    office = client_for(inspector)
    page = office.get(GROUPS).content.decode()
    assert 'id="new-group"' in page
    bad = office.post(
        GROUPS + "groups/new/",
        {"name": "", "starts_on": "2026-06-10", "ends_on": "2026-06-01", "members": ["abc"]},
    )
    assert bad.status_code == 422
    html = bad.content.decode()
    assert "请填写此项" in html and "请选择成员" in html
    wrong_order = office.post(
        GROUPS + "groups/new/",
        {
            "name": "第一巡回指导组",
            "members": [inspector.pk],
            "starts_on": "2026-06-10",
            "ends_on": "2026-06-01",
        },
    )
    assert (
        wrong_order.status_code == 422
        and "结束日期不能早于开始日期" in wrong_order.content.decode()
    )
    assert not InspectionGroup.objects.exists()
    made = office.post(
        GROUPS + "groups/new/",
        {
            "name": "第一巡回指导组",
            "members": [inspector.pk, county_lead.pk],
            "starts_on": "2026-06-01",
            "ends_on": "2026-06-30",
            "area": [county.chengguan.pk],
        },
    )
    group = InspectionGroup.objects.get()
    assert made.status_code == 302 and made["Location"] == f"{GROUPS}groups/{group.pk}/"
    assert set(group.members.all()) == {inspector, county_lead}
    assert list(group.area.all()) == [county.chengguan]
    edit = f"{GROUPS}groups/{group.pk}/edit/"
    form = office.get(edit).content.decode()
    assert 'value="第一巡回指导组"' in form
    assert office.post(edit, {"name": "x", "members": [], "starts_on": "昨天"}).status_code == 422
    group.refresh_from_db()
    assert group.name == "第一巡回指导组"
    member = make_person("member2", county.supervision, Role.INSPECTOR)
    saved = office.post(
        edit,
        {
            "name": "第一巡回指导组（调整）",
            "members": [member.pk],
            "starts_on": "2026-06-01",
            "ends_on": "2026-07-15",
            "area": [county.shiqiao.pk, county.chengguan.pk],
        },
    )
    assert saved.status_code == 302
    group.refresh_from_db()
    assert group.name == "第一巡回指导组（调整）" and group.ends_on == dt.date(2026, 7, 15)
    assert list(group.members.all()) == [member]
    assert set(group.area.all()) == {county.shiqiao, county.chengguan}
    # Not for anyone else: a unit's handler, or a member who is not of the office.
    handler = client_for(dept_handler)
    assert handler.post(GROUPS + "groups/new/", {"name": "私设"}).status_code == 403
    assert handler.get(edit).status_code == 403
    assert 'id="new-group"' not in handler.get(GROUPS).content.decode()
    assert InspectionGroup.objects.count() == 1


def test_the_office_changes_the_lead_and_moves_a_milestone(
    county: County,
    project: Project,
    inspector: User,
    county_lead: User,
    unit_lead: User,
    dept_handler: User,
) -> None:
    office = client_for(inspector)
    url = f"/console/projects/p/{project.pk}/"
    page = office.get(url).content.decode()
    assert 'id="change-lead"' in page and 'id="move-milestone"' in page
    # A handler is not a leading cadre: refused by name, nothing changed.
    bad = office.post(
        url + "lead/",
        {"lead-lead_cadre": dept_handler.pk, "lead-lead_unit": "", "lead-reason": "调整"},
    )
    assert bad.status_code == 422
    html = bad.content.decode()
    assert "请选择县级领导或乡镇主要负责人" in html and "请选择牵头单位" in html
    project.refresh_from_db()
    assert project.lead_cadre == county_lead and project.version == 1
    done = office.post(
        url + "lead/",
        {
            "lead-lead_cadre": unit_lead.pk,
            "lead-lead_unit": county.chengguan.pk,
            "lead-reason": "属地管理",
        },
    )
    assert done.status_code == 302
    project.refresh_from_db()
    assert (project.lead_cadre, project.lead_unit) == (unit_lead, county.chengguan)
    event = project.events.get(seq=2)
    assert event.kind == "lead_changed" and event.payload["reason"] == "属地管理"
    milestone = project.milestones.order_by("planned_date").first()
    assert milestone is not None
    other = services.project_create(
        actor=inspector,
        project_list=project.project_list,
        title="别的项目",
        lead_unit=county.housing,
        milestones=[services.MilestoneInput("别人的节点", dt.date(2026, 5, 1))],
    )
    foreign = other.milestones.get()
    for data, message in (
        ({"move-milestone": foreign.pk, "move-planned_date": "2026-07-01"}, "请选择本项目的节点"),
        ({"move-milestone": milestone.pk, "move-planned_date": "七月"}, "日期格式应为"),
        (
            {"move-milestone": milestone.pk, "move-planned_date": "2026-07-01", "move-weight": 0},
            "权重应为 1 到 1000 的整数",
        ),
    ):
        answer = office.post(url + "milestone/", data)
        assert answer.status_code == 422 and message in answer.content.decode()
    milestone.refresh_from_db()
    assert milestone.planned_date == dt.date(2026, 3, 31)
    moved = office.post(
        url + "milestone/",
        {
            "move-milestone": milestone.pk,
            "move-planned_date": "2026-04-30",
            "move-reason": "审批延后",
        },
    )
    assert moved.status_code == 302
    milestone.refresh_from_db()
    assert milestone.planned_date == dt.date(2026, 4, 30) and milestone.weight == 20
    event = project.events.get(seq=3)
    assert event.kind == "milestone_moved"
    assert event.payload["date"] == ["2026-03-31", "2026-04-30"]
    assert not verify_ledger().breaks
    # The lead unit itself, and the lead cadre, see the project but may not do either.
    for user in (dept_handler, county_lead):
        c = client_for(user)
        assert 'id="change-lead"' not in c.get(url).content.decode()
        assert c.post(url + "lead/", {"lead-lead_unit": county.housing.pk}).status_code == 403
        assert c.post(url + "milestone/", {"move-milestone": milestone.pk}).status_code == 403
    project.refresh_from_db()
    assert project.version == 3
