"""What a lead unit owes reaches its people (待报送): jishi has no messaging channel, so a
round's reports due, the reminder and the orders awaiting an answer are listed on the
lead unit's console home and on the lead cadre's page, and nowhere else."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.test import Client

from jishi.common import clock
from jishi.orgs.models import User
from jishi.projects import rounds, selectors, services
from jishi.projects.models import OrderLevel, Project
from jishi.projects.tests.test_views import client_for

TZ = ZoneInfo("Asia/Shanghai")


def at(m: int, d: int) -> dt.datetime:
    return dt.datetime(2026, m, d, 9, tzinfo=TZ)


def home(user: User) -> str:
    return client_for(user).get("/console/").content.decode()


def test_reports_due_and_the_reminder_reach_the_lead_unit(
    project: Project,
    dept_handler: User,
    transport_handler: User,
    county_lead: User,
    inspector: User,
) -> None:
    with clock.travel_to(at(6, 1)):
        rounds.tick()
        html = home(dept_handler)
    assert 'id="group-reports-due"' in html and f'data-due-report="{project.code}"' in html
    assert f"/console/projects/p/{project.pk}/report/" in html
    assert "催报" not in html
    # Another unit's staff are not told about it.
    with clock.travel_to(at(6, 1)):
        assert project.code not in home(transport_handler)
    # The reminder, a few days before the due day, shows as such.
    with clock.travel_to(at(6, 22)):
        reminders = rounds.tick().reminders
        html = home(dept_handler)
    assert [r.projects for r in reminders] == [[project.code]]
    assert "督查室已于 06-22 催报" in html
    cadre = client_for(county_lead).get("/console/projects/mine/").content.decode()
    assert "督查室已于 06-22 催报" in cadre and project.code in cadre
    # Reported: off the list.
    with clock.travel_to(at(6, 23)):
        ms = list(project.milestones.all())
        rnd = selectors.due_work(dept_handler).round
        assert rnd is not None
        services.report_submit(
            actor=dept_handler,
            project=project,
            round=rnd,
            milestones={m.pk: 50 for m in ms},
            work_done="按计划推进",
        )
        assert selectors.due_work(dept_handler).count == 0
        assert 'id="group-reports-due"' not in home(dept_handler)


def test_an_order_awaiting_an_answer_is_listed_until_answered(
    project: Project, dept_handler: User, county_lead: User, inspector: User, stranger: User
) -> None:
    with clock.travel_to(at(6, 1)):
        order = rounds.order_issue(actor=inspector, project=project, level=OrderLevel.BLUE)
        html = home(dept_handler)
    assert f'data-due-order="{order.number}"' in html
    assert f"时限 {order.due_at.astimezone(TZ):%Y-%m-%d}" in html
    cadre = client_for(county_lead).get("/console/projects/mine/").content.decode()
    assert f'data-due-order="{order.number}"' in cadre
    # Staff of no lead unit owe nothing; a stranger without posts sees no list.
    assert selectors.due_work(inspector).count == 0
    assert selectors.due_work(stranger).count == 0
    assert 'id="group-reports-due"' not in home(stranger)
    rounds.order_respond(actor=dept_handler, order=order, response="已加快进度")
    assert selectors.due_work(dept_handler).orders == []


def test_an_assessed_round_is_no_longer_due(project: Project, dept_handler: User) -> None:
    with clock.travel_to(at(6, 1)):
        rounds.tick()
    assert selectors.due_work(dept_handler).reports == [project]
    with clock.travel_to(at(6, 27)):
        rounds.tick()
        assert selectors.due_work(dept_handler).reports == []
    anonymous = Client().get("/console/")
    assert anonymous.status_code == 302
