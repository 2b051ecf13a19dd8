"""A project kept up from its console page: milestones added, renamed and removed, the
project's own details edited, progress reported where there are no milestones, and the
page showing every field and each report's figures. The supervision office may; the lead
unit and the lead cadre are refused; bad input answers in Chinese and changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from jishi.cases.verify import verify_ledger
from jishi.common import clock
from jishi.orgs.models import User
from jishi.projects import rounds, selectors, services
from jishi.projects.models import Milestone, Project
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


def test_a_milestone_is_renamed_or_removed_until_progress_is_reported(
    county: County, project: Project, inspector: User, dept_handler: User
) -> None:
    office = client_for(inspector)
    url = _url(project)
    first = project.milestones.get(title="立项")
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
        milestones={first.pk: 100},
        work_done="立项批复已下达",
    )
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
    middle = project.milestones.get(title="开工")
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
