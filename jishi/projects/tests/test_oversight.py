"""Inspections and accountability: a finding becomes a case in the unit's my-work, checked on
a return visit; accountability records are invisible to the unit itself; meeting decisions
are reviewed at the next meeting."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from jishi.cases.models import Channel, State
from jishi.common import clock
from jishi.common.errors import InvalidInput, InvalidTransition, PermissionDenied
from jishi.orgs.models import User
from jishi.projects import oversight, rounds, selectors
from jishi.projects.models import (
    DecisionState,
    InspectionGroup,
    Measure,
    Project,
    RecheckResult,
    Severity,
    VisitMode,
)
from jishi.testing.fixtures import County


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def group(inspector: User, county: County) -> InspectionGroup:
    return oversight.group_create(
        actor=inspector,
        name="第一巡回指导组",
        members=[inspector],
        starts_on=dt.date(2026, 5, 1),
        ends_on=dt.date(2026, 6, 30),
        area=[county.chengguan],
    )


def test_a_finding_becomes_a_case_in_the_units_my_work(
    group: InspectionGroup, inspector: User, county: County, dept_handler: User, project: Project
) -> None:
    visit = oversight.visit_record(
        actor=inspector,
        group=group,
        visited_on=dt.date(2026, 5, 20),
        mode=VisitMode.UNANNOUNCED,
        projects=[project],
    )
    finding = oversight.finding_record(
        actor=inspector,
        visit=visit,
        text="工地围挡破损，扬尘未覆盖",
        severity=Severity.SERIOUS,
        unit=county.housing,
        project=project,
    )
    case = finding.case
    assert case is not None
    assert case.channel == Channel.INSPECTION and case.state == State.DISPATCHED
    assert case.lead_unit == county.housing
    my_work = client_for(dept_handler).get("/console/").content.decode()
    assert case.code in my_work
    assert project.events.filter(kind="inspection_finding").exists()
    # The unit sees its finding listed, and the return visit records the rectification.
    assert selectors.findings_visible_to(dept_handler).filter(pk=finding.pk).exists()
    with pytest.raises(InvalidInput):
        oversight.finding_recheck(actor=inspector, finding=finding, rectified=False, note="")
    with pytest.raises(PermissionDenied):
        oversight.finding_recheck(actor=dept_handler, finding=finding, rectified=True)
    oversight.finding_recheck(actor=inspector, finding=finding, rectified=True, note="已修复")
    finding.refresh_from_db()
    assert finding.recheck == RecheckResult.RECTIFIED
    with pytest.raises(InvalidTransition):
        oversight.finding_recheck(actor=inspector, finding=finding, rectified=True)


def test_finding_bad_input_and_outsiders(
    group: InspectionGroup, inspector: User, county: County, dept_handler: User
) -> None:
    visit = oversight.visit_record(
        actor=inspector, group=group, visited_on=dt.date(2026, 5, 20), mode=VisitMode.OPEN
    )
    with pytest.raises(InvalidInput) as caught:
        oversight.finding_record(
            actor=inspector, visit=visit, text=" ", severity="x", unit=county.housing
        )
    assert set(caught.value.errors) == {"text", "severity"}
    with pytest.raises(PermissionDenied):
        oversight.visit_record(
            actor=dept_handler, group=group, visited_on=dt.date(2026, 5, 1), mode=VisitMode.OPEN
        )
    with pytest.raises(InvalidInput):
        oversight.visit_record(
            actor=inspector, group=group, visited_on=dt.date(2026, 5, 1), mode="secret"
        )
    r = client_for(inspector).post(
        f"/console/projects/inspections/visits/{visit.pk}/", {"text": "", "severity": "x"}
    )
    assert r.status_code == 422 and "请填写发现的问题" in r.content.decode()


def test_accountability_is_invisible_to_the_unit(
    inspector: User,
    county_lead: User,
    dept_handler: User,
    county: County,
    project: Project,
    housing_lead: User,
) -> None:
    record = oversight.accountability_record(
        actor=inspector,
        unit=county.housing,
        person_name="王某",
        measure=Measure.NOTICE,
        decided_on=dt.date(2026, 6, 1),
        deciding_body="县纪委监委",
        reason="项目严重滞后",
        project=project,
    )
    assert list(selectors.accountability_visible_to(inspector)) == [record]
    assert list(selectors.accountability_visible_to(county_lead)) == [record]
    for user in (dept_handler, housing_lead):
        assert not selectors.accountability_visible_to(user).exists()
        response = client_for(user).get("/console/projects/accountability/")
        assert response.status_code == 404 and "王某" not in response.content.decode()
    assert (
        "王某" in client_for(county_lead).get("/console/projects/accountability/").content.decode()
    )
    # The unit's own project page does not mention it either.
    page = client_for(dept_handler).get(f"/console/projects/p/{project.pk}/").content.decode()
    assert "王某" not in page and "通报批评" not in page
    with pytest.raises(PermissionDenied):
        oversight.accountability_record(
            actor=county_lead,
            unit=county.housing,
            measure=Measure.NOTICE,
            decided_on=dt.date(2026, 6, 1),
            deciding_body="x",
            reason="y",
        )
    with pytest.raises(InvalidInput) as caught:
        oversight.accountability_record(
            actor=inspector,
            measure="fine",
            decided_on=dt.date(2026, 6, 1),
            deciding_body="",
            reason="",
        )
    assert set(caught.value.errors) == {"measure", "deciding_body", "reason", "unit"}
    r = client_for(inspector).post("/console/projects/accountability/", {"measure": "x"})
    assert r.status_code == 422 and "请选择问责方式" in r.content.decode()


def test_meeting_decisions_are_reviewed_next_month(
    inspector: User, county: County, project: Project, county_lead: User
) -> None:
    may = rounds.round_open(month=dt.date(2026, 5, 1))
    june = rounds.round_open(month=dt.date(2026, 6, 1))
    meeting = oversight.meeting_record(actor=inspector, round=may, held_on=dt.date(2026, 5, 28))
    decision = oversight.decision_add(
        actor=inspector,
        meeting=meeting,
        text="县住建局6月10日前完成招标",
        owner_unit=county.housing,
        due_on=dt.date(2026, 6, 10),
        project=project,
    )
    with pytest.raises(InvalidInput):
        oversight.decision_add(
            actor=inspector,
            meeting=meeting,
            text="",
            owner_unit=county.housing,
            due_on=dt.date(2026, 5, 1),
        )
    page = selectors.meeting_page(june)
    assert page.recheck == [decision]
    html = client_for(county_lead).get(f"/console/projects/meeting/{june.pk}/").content.decode()
    assert "县住建局6月10日前完成招标" in html
    r = client_for(inspector).post(
        f"/console/projects/meeting/{june.pk}/", {"review": decision.pk, "done": "0", "note": ""}
    )
    assert r.status_code == 422 and "未落实的须说明原因" in r.content.decode()
    decision.refresh_from_db()
    assert decision.state == DecisionState.OPEN  # a "not done" needs its reason
    client_for(inspector).post(
        f"/console/projects/meeting/{june.pk}/",
        {"review": decision.pk, "done": "1", "note": "已招标"},
    )
    decision.refresh_from_db()
    assert decision.state == DecisionState.DONE
    r = client_for(inspector).post(
        f"/console/projects/meeting/{june.pk}/", {"text": "", "due_on": "x"}
    )
    assert r.status_code == 422 and "请填写议定事项" in r.content.decode()


def test_a_decision_skipped_by_one_meeting_is_reviewed_at_a_later_one(
    inspector: User, county: County, dept_handler: User, transport_handler: User
) -> None:
    """May's decision, no June review: July's meeting still offers it (with May's decisions
    already reviewed shown only from the meeting right before), and once July reviews it,
    it leaves the owner's console home."""
    may = rounds.round_open(month=dt.date(2026, 5, 1))
    with clock.travel_to(dt.datetime(2026, 5, 28, 9, tzinfo=dt.UTC)):
        held = oversight.meeting_record(actor=inspector, round=may, held_on=dt.date(2026, 5, 28))
        skipped = oversight.decision_add(
            actor=inspector,
            meeting=held,
            text="县住建局6月10日前完成招标",
            owner_unit=county.housing,
            due_on=dt.date(2026, 6, 10),
        )
        reviewed = oversight.decision_add(
            actor=inspector,
            meeting=held,
            text="县交通局完成路面修补",
            owner_unit=county.transport,
            due_on=dt.date(2026, 6, 10),
        )
    june = rounds.round_open(month=dt.date(2026, 6, 1))
    oversight.decision_review(actor=inspector, decision=reviewed, done=True, note="已修补")
    july = rounds.round_open(month=dt.date(2026, 7, 1))
    assert selectors.meeting_page(june).recheck == [skipped, reviewed]
    # July: the open one still (two meetings on), the reviewed one no more (not last month's).
    assert selectors.meeting_page(july).recheck == [skipped]
    assert [d.pk for d in selectors.due_work(dept_handler).decisions] == [skipped.pk]
    url = f"/console/projects/meeting/{july.pk}/"
    html = client_for(inspector).get(url).content.decode()
    assert f'name="review" value="{skipped.pk}"' in html
    # Only the office reviews.
    assert (
        client_for(dept_handler).post(url, {"review": skipped.pk, "done": "1"}).status_code == 403
    )
    r = client_for(inspector).post(url, {"review": skipped.pk, "done": "1", "note": "7月已招标"})
    assert r.status_code == 302
    skipped.refresh_from_db()
    assert skipped.state == DecisionState.DONE
    assert selectors.due_work(dept_handler).decisions == []
    assert selectors.meeting_page(july).recheck == []
    assert selectors.due_work(transport_handler).decisions == []


def test_bulletin_figures(inspector: User, county: County, project: Project) -> None:
    for measure, day in ((Measure.NOTICE, 3), (Measure.NOTICE, 9), (Measure.ADMONISHMENT, 30)):
        oversight.accountability_record(
            actor=inspector,
            unit=county.housing,
            measure=measure,
            decided_on=dt.date(2026, 6, day),
            deciding_body="县纪委监委",
            reason="滞后",
        )
    figures = selectors.accountability_figures(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert figures == {"notice": 2, "total": 2}
    rnd = rounds.round_open(month=dt.date(2026, 6, 1))
    assert selectors.light_figures(rnd) == {"green": 0, "yellow": 0, "red": 0, "orders": 0}
