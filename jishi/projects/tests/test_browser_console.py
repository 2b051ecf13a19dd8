"""The project page's own forms in a real browser: the supervision office adds a milestone
(refused after the end date, then under a parent) and edits the project's details; the page
shows every field. Screenshots of the page and the milestone form are kept to look at."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from jishi.orgs.models import User
from jishi.projects import rounds, services
from jishi.projects.models import Project
from jishi.projects.tests.test_services import photo
from jishi.testing.browser import login, screenshot
from jishi.testing.fixtures import County

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_office_keeps_a_project_up_in_the_browser(
    desktop_page: Page,
    live_server: Any,
    county: County,
    project: Project,
    inspector: User,
    dept_handler: User,
) -> None:
    first = project.milestones.get(title="立项")
    rnd = rounds.round_open(month=dt.date(2026, 6, 1))
    services.report_submit(
        actor=dept_handler,
        project=project,
        round=rnd,
        milestones={first.pk: 100},
        work_done="立项批复已下达",
        next_plan="完成招标",
        funds_paid="200",
        photos=[photo("site.png")],
    )
    page = desktop_page
    login(page, live_server, inspector)
    url = f"{live_server.url}/console/projects/p/{project.pk}/"
    page.goto(url)
    page.locator("#add-milestone summary").click()
    form = page.locator("#add-milestone form")
    form.locator("input[name=addm-title]").fill("竣工审计")
    form.locator("input[name=addm-planned_date]").fill("2027-02-01")
    form.locator("input[name=addm-weight]").fill("10")
    form.locator("button[type=submit]").click()
    expect(page.locator("#add-milestone")).to_contain_text(
        "计划日期不能晚于项目完成时限 2026-12-31"
    )
    expect(page.locator("#add-milestone input[name=addm-title]")).to_have_value("竣工审计")
    screenshot(page.locator("#add-milestone").page, "projects-milestone-form-error")
    form = page.locator("#add-milestone form")
    form.locator("input[name=addm-title]").fill("主体结构")
    form.locator("input[name=addm-planned_date]").fill("2026-09-30")
    form.locator("select[name=addm-parent]").select_option(label="竣工（2026-11-30）")
    form.locator("button[type=submit]").click()
    expect(page.locator(".timeline li.sub-1")).to_contain_text("主体结构")
    page.locator("#edit-project").click()
    edit = page.locator("#project-edit")
    edit.locator("input[name=person_responsible]").fill("王建国")
    edit.locator("input[name=contact]").fill("１３８１２３４５６７８")
    edit.locator("select[name=village]").select_option(label="东街社区")
    screenshot(page, "projects-project-edit")
    edit.locator("button[type=submit]").click()
    expect(page.locator("dl.facts")).to_contain_text("13812345678")
    expect(page.locator("dl.facts")).to_contain_text("东街社区")
    page.locator("#add-milestone summary").click()
    screenshot(page, "projects-project-page")
