"""A project kept up from its console page: milestones added, renamed and removed, the
project's own details edited, progress reported where there are no milestones, and the
page showing every field and each report's figures. The supervision office may; the lead
unit and the lead cadre are refused; bad input answers in Chinese and changes nothing."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from openpyxl import Workbook

from jishi.cases.verify import verify_ledger
from jishi.common import clock
from jishi.common.errors import InvalidInput, PermissionDenied
from jishi.intake import services as intake
from jishi.intake.models import Campaign
from jishi.orgs.models import User
from jishi.projects import imports, rounds, selectors, services, views
from jishi.projects.models import ListChange, Milestone, Project, ProjectList
from jishi.projects.tests.test_adopt import WHEN, practical_list
from jishi.projects.tests.test_services import photo
from jishi.projects.tests.test_views import client_for
from jishi.testing.fixtures import County


def _url(project: Project) -> str:
    return f"/console/projects/p/{project.pk}/"


def test_the_office_adds_a_milestone_tree_and_none_after_the_end(
    county: County, project: Project, inspector: User, county_lead: User, dept_handler: User
) -> None:
    office = client_for(inspector)
    url = _url(project)
    page = office.get(url).content.decode()
    assert 'id="add-milestone"' in page and 'id="remove-milestone"' in page
    top = project.milestones.get(title="竣工")
    for data, message in (
        ({"addm-title": "", "addm-planned_date": "2026-09-30", "addm-weight": 1}, "请填写此项"),
        ({"addm-title": "主体", "addm-planned_date": "九月", "addm-weight": 1}, "日期格式应为"),
        (
            {"addm-title": "主体", "addm-planned_date": "2026-09-30", "addm-weight": 0},
            "权重应为 1 到 1000 的整数",
        ),
        (
            {"addm-title": "主体", "addm-planned_date": "2026-09-30", "addm-parent": 99999},
            "请选择本项目的节点",
        ),
        # The rule check's "no milestone after the end date", refused at the door.
        (
            {"addm-title": "审计", "addm-planned_date": "2027-01-15", "addm-weight": 5},
            "计划日期不能晚于项目完成时限 2026-12-31",
        ),
    ):
        answer = office.post(url + "milestones/add/", data)
        assert answer.status_code == 422, data
        html = answer.content.decode()
        assert message in html, message
        # What was typed comes back.
        if data["addm-title"]:
            assert f'value="{data["addm-title"]}"' in html
    assert project.milestones.count() == 3
    added = office.post(
        url + "milestones/add/",
        {
            "addm-title": "主体结构",
            "addm-planned_date": "2026-09-30",
            "addm-weight": "40",
            "addm-parent": top.pk,
        },
    )
    assert added.status_code == 302
    child = project.milestones.get(title="主体结构")
    assert (child.parent, child.weight, child.planned_date) == (top, 40, dt.date(2026, 9, 30))
    event = project.events.order_by("-seq").first()
    assert event is not None and event.kind == "milestone_added"
    assert event.payload["parent"] == top.pk and event.payload["weight"] == 40
    # The tree shows: the sub-milestone right under its parent.
    page = office.get(url).content.decode()
    assert page.index("竣工") < page.index("主体结构") and "sub-1" in page
    assert "增加节点" in page  # the event's label in the history
    # Neither the lead unit nor the lead cadre may add one.
    for user in (dept_handler, county_lead):
        c = client_for(user)
        assert 'id="add-milestone"' not in c.get(url).content.decode()
        refused = c.post(
            url + "milestones/add/", {"addm-title": "x", "addm-planned_date": "2026-05-01"}
        )
        assert refused.status_code == 403
    assert project.milestones.count() == 4
    assert not verify_ledger().breaks


def test_date_and_budget_rules_are_checked_on_the_locked_rows(
    project: Project, inspector: User, county: County
) -> None:
    """The rules read the rows as they are under the lock, not as the caller loaded them: a
    milestone after an end date shortened meanwhile, an end date before a milestone added
    meanwhile, and a project without a budget on a list that started to require one, are
    refused with nothing written."""
    stale = Project.objects.select_related("project_list").get(pk=project.pk)
    services.project_details_change(
        actor=inspector,
        project=project,
        title=project.title,
        cooperating_units=[county.transport],
        budget="1200",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 11, 30),
        township=county.chengguan,
        source="work_report",
    )
    assert stale.end_date == dt.date(2026, 12, 31)  # what the caller still holds
    with pytest.raises(InvalidInput) as refused:
        services.milestone_add(
            actor=inspector, project=stale, title="验收", planned_date=dt.date(2026, 12, 20)
        )
    assert "不能晚于项目完成时限 2026-11-30" in str(refused.value.errors)
    assert not project.milestones.filter(title="验收").exists()
    allowed = services.milestone_add(
        actor=inspector, project=stale, title="验收", planned_date=dt.date(2026, 11, 30)
    )
    assert allowed.project_id == project.pk
    with pytest.raises(InvalidInput) as refused:
        services.project_details_change(
            actor=inspector,
            project=stale,
            title=project.title,
            budget="1200",
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 11, 29),
        )
    assert "验收" in str(refused.value.errors["end_date"])
    lst = ProjectList.objects.get(pk=project.project_list_id)
    services.list_update(
        actor=inspector,
        project_list=lst,
        year=lst.year,
        kind=lst.kind,
        level=lst.level,
        title=lst.title,
        budget_required=True,
    )
    with pytest.raises(InvalidInput) as refused:
        services.project_create(
            actor=inspector,
            project_list=stale.project_list,
            title="无预算",
            lead_unit=county.housing,
        )
    assert not stale.project_list.budget_required  # the caller's copy of the list
    assert refused.value.errors == {"budget": ["本清单要求填写预算"]}
    assert not Project.objects.filter(title="无预算").exists()


def test_a_milestone_is_renamed_or_removed_until_progress_is_reported(
    county: County, project: Project, inspector: User, dept_handler: User
) -> None:
    office = client_for(inspector)
    url = _url(project)
    first = project.milestones.get(title="立项")
    middle = project.milestones.get(title="开工")
    last = project.milestones.get(title="竣工")
    blank = office.post(url + "milestones/rename/", {"renm-milestone": last.pk, "renm-title": ""})
    assert blank.status_code == 422 and "请填写此项" in blank.content.decode()
    renamed = office.post(
        url + "milestones/rename/", {"renm-milestone": last.pk, "renm-title": "竣工验收"}
    )
    assert renamed.status_code == 302
    last.refresh_from_db()
    assert last.title == "竣工验收"
    event = project.events.order_by("-seq").first()
    assert event is not None and event.kind == "milestone_renamed"
    assert event.payload["title"] == ["竣工", "竣工验收"]
    # The lead unit reports on 立项: from then on it keeps its name and stays.
    rnd = rounds.round_open(month=clock.today())
    services.report_submit(
        actor=dept_handler,
        project=project,
        round=rnd,
        milestones={first.pk: 100, middle.pk: 0},
        work_done="立项批复已下达",
    )
    # 开工 was reported at 0%: reported all the same, so it keeps its name too.
    zero = office.post(
        url + "milestones/rename/", {"renm-milestone": middle.pk, "renm-title": "开工仪式"}
    )
    assert zero.status_code == 422 and "已报送过进度" in zero.content.decode()
    for path, data in (
        ("rename/", {"renm-milestone": first.pk, "renm-title": "项目立项"}),
        ("remove/", {"delm-milestone": first.pk, "delm-reason": "重复"}),
    ):
        answer = office.post(url + "milestones/" + path, data)
        assert answer.status_code == 422
        assert "已报送过进度，不能再改名或删除" in answer.content.decode()
    first.refresh_from_db()
    assert first.title == "立项"
    # Adding a sub-step under a step already reported would hide its figure: refused.
    under = office.post(
        url + "milestones/add/",
        {
            "addm-title": "批复",
            "addm-planned_date": "2026-03-01",
            "addm-weight": 1,
            "addm-parent": first.pk,
        },
    )
    assert under.status_code == 422 and "不能再在其下增加下级节点" in under.content.decode()
    services.milestone_add(
        actor=inspector, project=project, title="招标", planned_date=dt.date(2026, 5, 1)
    )
    bid = project.milestones.get(title="招标")
    # The lead unit may not remove one.
    assert (
        client_for(dept_handler)
        .post(url + "milestones/remove/", {"delm-milestone": bid.pk})
        .status_code
        == 403
    )
    removed = office.post(
        url + "milestones/remove/", {"delm-milestone": bid.pk, "delm-reason": "并入开工"}
    )
    assert removed.status_code == 302
    assert not Milestone.objects.filter(pk=bid.pk).exists()
    event = project.events.order_by("-seq").first()
    assert event is not None and event.kind == "milestone_removed"
    assert event.payload["title"] == "招标" and event.payload["reason"] == "并入开工"
    assert Milestone.objects.filter(pk=middle.pk).exists()
    assert not verify_ledger().breaks


def test_a_parent_goes_only_after_its_children(project: Project, inspector: User) -> None:
    top = project.milestones.get(title="竣工")
    services.milestone_add(
        actor=inspector,
        project=project,
        title="主体",
        planned_date=dt.date(2026, 9, 30),
        parent=top,
    )
    office = client_for(inspector)
    answer = office.post(_url(project) + "milestones/remove/", {"delm-milestone": top.pk})
    assert answer.status_code == 422 and "请先删除下级节点" in answer.content.decode()
    assert project.milestones.count() == 4


def test_planned_progress_reads_the_new_milestones(project: Project, inspector: User) -> None:
    """A project listed without milestones gets them on its page, and its plan follows."""
    bare = services.project_create(
        actor=inspector,
        project_list=project.project_list,
        title="无节点项目",
        lead_unit=project.lead_unit,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
    )
    assert selectors.planned_progress(bare, dt.date(2026, 12, 31)) == Decimal(0)
    client_for(inspector).post(
        _url(bare) + "milestones/add/",
        {"addm-title": "完工", "addm-planned_date": "2026-12-31", "addm-weight": 1},
    )
    assert selectors.planned_progress(bare, dt.date(2026, 12, 31)) == Decimal(100)


TZ = ZoneInfo("Asia/Shanghai")
JUNE = dt.datetime(2026, 6, 10, 10, tzinfo=TZ)


def _bare(project: Project, inspector: User, **extra: object) -> Project:
    """A project on the same list, listed without milestones (imported at 35%)."""
    return services.project_create(
        actor=inspector,
        project_list=project.project_list,
        title="无节点项目",
        lead_unit=project.lead_unit,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        progress_now=Decimal(35),
        **extra,  # type: ignore[arg-type]
    )


def test_a_project_without_milestones_reports_its_overall_progress(
    county: County, project: Project, inspector: User, dept_handler: User
) -> None:
    with clock.travel_to(JUNE):
        bare = _bare(project, inspector)
        rnd = rounds.round_open(month=clock.today())
        unit = client_for(dept_handler)
        url = _url(bare) + "report/"
        form = unit.get(url).content.decode()
        assert 'name="overall"' in form and 'id="no-milestones"' in form
        assert 'value="35.0"' in form  # the figure so far, not 0
        # The project with milestones reports by milestone: no overall box.
        assert 'name="overall"' not in unit.get(_url(project) + "report/").content.decode()
        for value, message in (("", "请填写总体进度"), ("150", "进度应为 0 到 100 之间的数")):
            bad = unit.post(url, {"work_done": "完成设计", "overall": value})
            assert bad.status_code == 422 and message in bad.content.decode()
            assert "完成设计" in bad.content.decode()
        bare.refresh_from_db()
        assert bare.progress == Decimal(35) and not bare.reports.exists()
        # Only the lead unit reports: the supervision office may not set the figure this way.
        office = client_for(inspector).post(url, {"work_done": "代报", "overall": "90"})
        assert office.status_code == 403 and not bare.reports.exists()
        done = unit.post(url, {"work_done": "主体完工", "overall": "60", "next_plan": "装修"})
        assert done.status_code == 302
        bare.refresh_from_db()
        assert bare.progress == Decimal(60)
        report = bare.reports.get()
        assert report.progress == Decimal(60) and report.round == rnd
        event = bare.events.order_by("-seq").first()
        assert event is not None and event.payload["progress"] == ["35.0", "60.0"]
    # The lights read the figure: five months after its start, not "never started".
    with clock.travel_to(dt.datetime(2026, 6, 26, 9, tzinfo=TZ)):
        rounds.round_assess(rnd, on=clock.today())
        rounds.orders_walk()
    bare.refresh_from_db()
    assert bare.light == "green", bare.light_reason
    assert not bare.orders.exists()


def test_a_report_never_wipes_the_progress_of_a_project_without_milestones(
    project: Project, inspector: User, dept_handler: User
) -> None:
    with clock.travel_to(JUNE):
        bare = _bare(project, inspector)
        rnd = rounds.round_open(month=clock.today())
        # A caller that sends no overall figure leaves the progress as it was.
        services.report_submit(
            actor=dept_handler, project=bare, round=rnd, milestones={}, work_done="推进中"
        )
        bare.refresh_from_db()
        assert bare.progress == Decimal(35)
        # A project with milestones takes its figure from them: an overall one is refused.
        with pytest.raises(InvalidInput, match="报送内容有误") as refused:
            services.report_submit(
                actor=dept_handler,
                project=project,
                round=rnd,
                milestones={},
                work_done="推进中",
                overall=90,
            )
        assert "总体进度按节点自动汇总" in str(refused.value.errors)
        assert not project.reports.exists()


def test_an_adopted_suggestion_gets_its_milestones_or_reports_overall(
    county: County, inspector: User, county_lead: User, township_handler: User
) -> None:
    with clock.travel_to(WHEN):
        campaign = Campaign.objects.create(
            name="2026年大调研",
            unit=county.county,
            starts_on=dt.date(2026, 5, 1),
            ends_on=dt.date(2026, 5, 31),
        )
        made = [
            intake.campaign_suggest(
                actor=township_handler,
                campaign=campaign,
                text=text,
                township=county.chengguan,
            )
            for text in ("建议增设便民停车位", "建议修缮西街路灯")
        ]
        practical_list(inspector)
        lead = client_for(county_lead)
        url = f"/console/suggestions/{made[0].pk}/project/"
        page = lead.get(url).content.decode()
        assert 'name="milestones"' in page and "之后由督查室在项目页面增加" in page
        base = {"title": "增设便民停车位", "lead_unit": county.chengguan.pk}
        for data, message in (
            ({**base, "milestones": "开工"}, "应写成 名称:日期 或 名称:日期:权重"),
            (
                {**base, "end_date": "2026-09-30", "milestones": "完工:2026-10-31:1"},
                "的计划日期晚于完成时限",
            ),
        ):
            bad = lead.post(url, data)
            assert bad.status_code == 422 and message in bad.content.decode(), message
        assert not Project.objects.exists()
        done = lead.post(
            url,
            {
                **base,
                "start_date": "2026-06-01",
                "end_date": "2026-09-30",
                "milestones": "选址:2026-06-30:20\n施工:2026-08-31:60\n验收:2026-09-30:20",
            },
        )
        assert done.status_code == 302
        parked = Project.objects.get()
        assert [m.title for m in parked.milestones.order_by("planned_date")] == [
            "选址",
            "施工",
            "验收",
        ]
        # The second is adopted without milestones: it reports its overall progress.
        lead.post(
            f"/console/suggestions/{made[1].pk}/project/",
            {"title": "修缮西街路灯", "lead_unit": county.chengguan.pk, "start_date": "2026-01-15"},
        )
        lamps = Project.objects.get(title="修缮西街路灯")
        assert not lamps.milestones.exists()
    with clock.travel_to(dt.datetime(2026, 6, 10, 9, tzinfo=TZ)):
        rnd = rounds.round_open(month=clock.today())
        answer = client_for(township_handler).post(
            _url(lamps) + "report/", {"work_done": "已更换一半灯具", "overall": "50"}
        )
        assert answer.status_code == 302
    with clock.travel_to(dt.datetime(2026, 6, 26, 9, tzinfo=TZ)):
        rounds.round_assess(rnd, on=clock.today())
        rounds.orders_walk()
    lamps.refresh_from_db()
    assert lamps.progress == Decimal(50) and lamps.light == "green"
    assert not lamps.orders.exists()


def _edit_data(project: Project, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "number": project.number,
        "title": project.title,
        "goal": project.goal,
        "cooperating_units": [u.pk for u in project.cooperating_units.all()],
        "person_responsible": project.person_responsible,
        "contact": project.contact,
        "budget": str(project.budget or ""),
        "funds_paid": str(project.funds_paid),
        "start_date": str(project.start_date or ""),
        "end_date": str(project.end_date or ""),
        "township": project.township_id or "",
        "village": project.village_id or "",
        "source": project.source,
        "remarks": project.remarks,
    }
    data.update(changes)
    return data


def test_the_office_edits_a_projects_details_in_one_event(
    county: County, project: Project, inspector: User, county_lead: User, dept_handler: User
) -> None:
    office = client_for(inspector)
    url = _url(project) + "edit/"
    assert 'id="edit-project"' in office.get(_url(project)).content.decode()
    form = office.get(url).content.decode()
    assert 'value="老旧小区改造"' in form and 'value="2026-12-31"' in form
    for changes, message in (
        ({"title": ""}, "请填写此项"),
        ({"contact": "2026-11-02"}, "这是日期，不是电话号码"),
        ({"contact": "12345"}, "电话号码应为 7–12 位数字"),
        ({"contact": "1381234567"}, "手机号应为 11 位数字"),
        ({"budget": "很多"}, "预算应为金额（万元）"),
        ({"funds_paid": "-3"}, "已拨付应为不小于 0 的金额（万元）"),
        ({"end_date": "2025-12-31"}, "完成时限不能早于开始日期"),
        # The 竣工 milestone is planned for 2026-11-30: the end cannot come before it.
        ({"end_date": "2026-10-31"}, "完成时限不能早于节点“竣工”的计划日期 2026-11-30"),
        ({"village": county.shiqiao_village.pk}, "村(社区)须属于所选乡镇"),
        ({"start_date": "三月"}, "日期格式应为"),
    ):
        answer = office.post(url, _edit_data(project, **{**changes, "remarks": "留痕"}))
        assert answer.status_code == 422, changes
        html = answer.content.decode()
        assert message in html, message
        assert 'value="留痕"' in html  # what was typed comes back
    project.refresh_from_db()
    assert project.version == 1 and project.contact == ""
    # Saved unchanged (funds left blank on a project with none paid): nothing to record.
    assert office.post(url, _edit_data(project, funds_paid="")).status_code == 302
    project.refresh_from_db()
    assert project.version == 1
    saved = office.post(
        url,
        _edit_data(
            project,
            title="老旧小区改造（二期）",
            goal="改造 12 个小区",
            person_responsible="王建国",
            contact="１３８１２３４５６７８",  # full-width digits, as typed on a phone
            funds_paid="300.5",
            village=county.dongjie.pk,
            cooperating_units=[county.transport.pk, county.supervision.pk],
            source="meeting",
            reason="县政府常务会议调整",
        ),
    )
    assert saved.status_code == 302
    project.refresh_from_db()
    assert project.title == "老旧小区改造（二期）" and project.village == county.dongjie
    assert project.funds_paid == Decimal("300.50") and project.source == "meeting"
    assert set(project.cooperating_units.all()) == {county.transport, county.supervision}
    event = project.events.order_by("-seq").first()
    assert event is not None and event.kind == "details_changed" and event.seq == 2
    changes = event.payload["changes"]
    assert changes["title"] == ["老旧小区改造", "老旧小区改造（二期）"]
    assert changes["funds_paid"] == ["0.00", "300.50"]
    assert changes["village"] == [None, county.dongjie.pk]
    assert changes["cooperating_units"] == [
        [county.transport.pk],
        sorted([county.transport.pk, county.supervision.pk]),
    ]
    assert "start_date" not in changes and "budget" not in changes
    assert event.payload["reason"] == "县政府常务会议调整"
    # The same details again: nothing to record.
    again = office.post(url, _edit_data(project))
    assert again.status_code == 302 and project.events.count() == 2
    # The page shows every detail and the event names the fields changed.
    page = office.get(_url(project)).content.decode()
    assert project.contact == "13812345678"
    for text in ("改造 12 个小区", "王建国", "13812345678", "城关镇", "东街社区"):
        assert text in page, text
    assert "修改项目信息（项目名称、建设内容及目标、配合单位" in page
    # The lead unit and the lead cadre see the project but may not edit it.
    for user in (dept_handler, county_lead):
        c = client_for(user)
        assert 'id="edit-project"' not in c.get(_url(project)).content.decode()
        assert c.get(url).status_code == 403
        assert c.post(url, _edit_data(project, title="改了")).status_code == 403
    project.refresh_from_db()
    assert project.title == "老旧小区改造（二期）"
    assert not verify_ledger().breaks


def test_the_create_form_takes_every_detail(
    county: County, project: Project, inspector: User
) -> None:
    office = client_for(inspector)
    url = f"/console/projects/lists/{project.project_list_id}/new/"
    base = {
        "title": "西街排水改造",
        "lead_unit": county.housing.pk,
        "township": county.chengguan.pk,
        "village": county.xijie.pk,
        "person_responsible": "李四",
        "funds_paid": "20",
        "remarks": "汛期前完成",
    }
    bad = office.post(url, {**base, "contact": "电话待定"})
    assert bad.status_code == 422 and "电话号码应为 7–12 位数字" in bad.content.decode()
    assert not Project.objects.filter(title="西街排水改造").exists()
    wrong_town = office.post(
        url, {**base, "contact": "0571-88886666", "village": county.shiqiao_village.pk}
    )
    assert wrong_town.status_code == 422 and "村(社区)须属于所选乡镇" in wrong_town.content.decode()
    made = office.post(
        url,
        {
            **base,
            "contact": "0571-88886666",
            "milestones": "开工:2026-06-30:30\n开工>管网铺设:2026-05-31:10",
        },
    )
    assert made.status_code == 302
    p = Project.objects.get(title="西街排水改造")
    pipe = p.milestones.get(title="管网铺设")
    assert pipe.parent is not None and pipe.parent.title == "开工"
    again = office.post(f"/console/projects/p/{p.pk}/edit/", _edit_data(p))
    assert again.status_code == 302 and p.events.count() == 1
    p.refresh_from_db()
    assert (p.person_responsible, p.contact, p.village, p.remarks) == (
        "李四",
        "0571-88886666",
        county.xijie,
        "汛期前完成",
    )
    assert p.funds_paid == Decimal(20)


def test_the_reports_table_shows_each_reports_figures(
    project: Project, dept_handler: User, inspector: User
) -> None:
    first = project.milestones.get(title="立项")
    rnd = rounds.round_open(month=clock.today())
    services.report_submit(
        actor=dept_handler,
        project=project,
        round=rnd,
        milestones={first.pk: 80},
        work_done="完成可研",
        next_plan="取得立项批复",
        funds_paid="150",
        photos=[photo("site.png")],
    )
    page = client_for(inspector).get(_url(project)).content.decode()
    assert "取得立项批复" in page and "150.00" in page
    assert "立项 80.0%" in page
    report = project.reports.get()
    shot = report.photos.get()
    assert 'class="photos report-photos"' in page and shot.image.url in page


def test_a_long_list_pages_to_its_last_project(
    county: County, project: Project, inspector: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "LIST_PER_PAGE", 5)
    for i in range(11):
        services.project_create(
            actor=inspector,
            project_list=project.project_list,
            title=f"村道硬化{i:02d}",
            lead_unit=county.transport,
        )
    office = client_for(inspector)
    url = f"/console/projects/lists/{project.project_list_id}/"
    first = office.get(url).content.decode()
    assert "共 12 个项目" in first and "第 1 / 3 页" in first
    assert "村道硬化03" in first and "村道硬化04" not in first
    last = office.get(url + "?page=3").content.decode()
    assert "村道硬化09" in last and "村道硬化10" in last and "村道硬化08" not in last
    # Past the end or nonsense: the last or first page, never an error.
    assert "村道硬化10" in office.get(url + "?page=99").content.decode()
    assert "老旧小区改造" in office.get(url + "?page=x").content.decode()
    # A filter is kept from page to page.
    Project.objects.filter(title__startswith="村道硬化").update(light="red")
    red = office.get(url + "?light=red").content.decode()
    assert "共 11 个项目" in red and "light=red&amp;page=2" in red


def test_a_list_is_created_private_and_edited_by_the_office(
    county: County, project: Project, inspector: User, county_lead: User, dept_handler: User
) -> None:
    office = client_for(inspector)
    assert 'name="public"' in office.get("/console/projects/").content.decode()
    made = office.post(
        "/console/projects/lists/new/",
        {"year": "2026", "kind": "reform", "level": "county", "title": "改革任务（内部）"},
    )
    assert made.status_code == 302
    hidden = ProjectList.objects.get(title="改革任务（内部）")
    assert hidden.public is False  # the box left unticked
    lst = project.project_list
    url = f"/console/projects/lists/{lst.pk}/edit/"
    assert 'id="edit-list"' in office.get(f"/console/projects/lists/{lst.pk}/").content.decode()
    form = office.get(url).content.decode()
    assert 'value="2026年县级民生实事项目清单"' in form
    services.project_create(
        actor=inspector, project_list=lst, title="未填预算项目", lead_unit=county.housing
    )
    base = {"year": "2026", "kind": "livelihood", "level": "county", "title": "新名称"}
    for data, message in (
        ({**base, "title": ""}, "请填写此项"),
        ({**base, "year": "1999"}, "年度应在 2000 到 2100 之间"),
        ({**base, "level": "township"}, "乡镇级清单须选择乡镇"),
        ({**base, "budget_required": "on"}, "本清单有 1 个项目未填预算"),
    ):
        answer = office.post(url, data)
        assert answer.status_code == 422 and message in answer.content.decode(), message
    lst.refresh_from_db()
    assert lst.title == "2026年县级民生实事项目清单" and lst.public
    saved = office.post(
        url, {**base, "level": "township", "township": county.chengguan.pk, "public": ""}
    )
    assert saved.status_code == 302
    lst.refresh_from_db()
    assert (lst.title, lst.level, lst.township, lst.public) == (
        "新名称",
        "township",
        county.chengguan,
        False,
    )
    assert Client().get(f"/portal/projects/lists/{lst.pk}/").status_code == 404
    for user in (county_lead, dept_handler):
        c = client_for(user)
        assert c.get(url).status_code == 403
        assert c.post(url, {**base, "public": "on"}).status_code == 403
    lst.refresh_from_db()
    assert lst.title == "新名称" and not lst.public


def test_a_lists_changes_are_kept_with_who_and_before_and_after(
    county: County, project: Project, inspector: User, dept_handler: User
) -> None:
    """Hiding a list from the portal or moving it to another year hides or moves hundreds of
    projects: each change is one row (who, when, before, after) shown on the edit page; a
    save that changes nothing writes none; someone outside the office changes nothing."""
    lst = project.project_list
    fields: dict[str, Any] = {
        "year": 2026,
        "kind": lst.kind,
        "level": lst.level,
        "title": lst.title,
        "budget_required": False,
    }
    with clock.travel_to(dt.datetime(2026, 6, 3, 9, tzinfo=dt.UTC)):
        services.list_update(actor=inspector, project_list=lst, **{**fields, "public": False})
    services.list_update(actor=inspector, project_list=lst, **{**fields, "public": False})
    with pytest.raises(PermissionDenied):
        services.list_update(
            actor=dept_handler, project_list=lst, **{**fields, "year": 2027, "public": True}
        )
    change = ListChange.objects.get()
    assert change.project_list == lst and change.actor == inspector
    assert (change.before["public"], change.after["public"]) == (True, False)
    assert change.before["year"] == change.after["year"] == 2026
    assert change.created_at == dt.datetime(2026, 6, 3, 9, tzinfo=dt.UTC)
    url = f"/console/projects/lists/{lst.pk}/edit/"
    r = client_for(inspector).post(
        url, {**fields, "year": "2027", "kind": lst.kind, "level": lst.level, "public": ""}
    )
    assert r.status_code == 302
    assert ListChange.objects.count() == 2
    latest = ListChange.objects.first()
    assert latest is not None and (latest.before["year"], latest.after["year"]) == (2026, 2027)
    page = client_for(inspector).get(url).content.decode()
    assert 'id="list-changes"' in page
    assert "在门户网站公开：是 → 否" in page and "年度：2026 → 2027" in page
    assert client_for(dept_handler).get(url).status_code == 403


def test_the_export_keeps_the_milestone_tree(
    county: County, project: Project, inspector: User
) -> None:
    top = project.milestones.get(title="竣工")
    services.milestone_add(
        actor=inspector,
        project=project,
        title="主体结构",
        planned_date=dt.date(2026, 9, 30),
        weight=40,
        parent=top,
    )
    services.milestone_add(
        actor=inspector,
        project=project,
        title="装修",
        planned_date=dt.date(2026, 11, 15),
        weight=60,
        parent=top,
    )
    rows = imports.export_rows([project])
    cell = rows[0][15]
    assert cell == (
        "立项:2026-03-31:20；开工:2026-06-30:30；竣工:2026-11-30:50；"
        "竣工>主体结构:2026-09-30:40；竣工>装修:2026-11-15:60"
    )
    copy_list = services.list_create(
        actor=inspector, year=2026, kind="livelihood", level="county", title="副本"
    )
    data = imports.list_workbook(project.project_list, [project])
    report = imports.projects_import(
        actor=inspector, project_list=copy_list, data=data, filename="copy.xlsx"
    )
    assert report.written, report.lines()
    copy = copy_list.projects.get()

    def shape(p: Project) -> list[tuple[str, str | None, dt.date, int]]:
        return sorted(
            (m.title, m.parent.title if m.parent else None, m.planned_date, m.weight)
            for m in p.milestones.select_related("parent")
        )

    assert shape(copy) == shape(project)
    # A ">" that names no earlier milestone stays part of the title.
    errors: list[imports.RowError] = []
    parsed = imports.parse_milestones(
        "投资>50%:2026-06-30:1；竣工:2026-12-31", year=2026, number=1, errors=errors
    )
    assert not errors and [(m.title, m.parent) for m in parsed] == [
        ("投资>50%", None),
        ("竣工", None),
    ]


def test_the_import_checks_the_contact_phone_like_the_form(
    county: County, inspector: User, livelihood_list: ProjectList
) -> None:
    def upload(phones: list[str]) -> imports.ProjectImportReport:
        book = Workbook()
        ws = book.active
        assert ws is not None
        ws.append(["项目名称", "牵头单位", "联系电话"])
        for i, phone in enumerate(phones):
            ws.append([f"项目{i}", "县住建局", phone])
        out = io.BytesIO()
        book.save(out)
        return imports.projects_import(
            actor=inspector, project_list=livelihood_list, data=out.getvalue(), filename="p.xlsx"
        )

    report = upload(["0571-88886666", "2026-11-02", "138123"])
    assert not report.written
    found = {(e.row, e.column, e.message[:6]) for e in report.errors}
    assert found == {(3, "联系电话", "这是日期，不"), (4, "联系电话", "电话号码应为")}, found
    assert not livelihood_list.projects.exists()
    fixed = upload(["0571-88886666", "１３８１２３４５６７８", ""])
    assert fixed.written, fixed.lines()
    assert livelihood_list.projects.get(title="项目1").contact == "13812345678"


def test_reports_due_follow_the_round_and_the_lists_year(
    county: County, project: Project, inspector: User, county_lead: User, dept_handler: User
) -> None:
    next_year = services.list_create(
        actor=inspector, year=2027, kind="livelihood", level="county", title="2027年民生实事"
    )
    ahead = services.project_create(
        actor=inspector,
        project_list=next_year,
        title="明年的项目",
        lead_unit=county.housing,
        lead_cadre=county_lead,
    )
    with clock.travel_to(JUNE):
        rnd = rounds.round_open(month=clock.today())
        asked = set(selectors.round_projects(rnd).values_list("pk", flat=True))
        assert project.pk in asked and ahead.pk not in asked
        page = selectors.cadre_page(county_lead)
        assert [p.pk for p in page.due] == [project.pk]
        assert [p.pk for p in selectors.due_work(dept_handler).reports] == [project.pk]
        html = client_for(county_lead).get("/console/projects/mine/").content.decode()
        assert "明年的项目" in html  # still one of my projects, just not due
    with clock.travel_to(dt.datetime(2026, 6, 26, 9, tzinfo=TZ)):
        rounds.round_assess(rnd, on=clock.today())
        # Assessed: nothing is due any more, on either page.
        assert selectors.cadre_page(county_lead).due == []
        assert selectors.due_work(dept_handler).reports == []
    with clock.travel_to(dt.datetime(2027, 1, 10, 9, tzinfo=TZ)):
        january = rounds.round_open(month=clock.today())
        assert ahead.pk in set(selectors.round_projects(january).values_list("pk", flat=True))
