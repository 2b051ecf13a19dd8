"""The public page of a list in a real browser, on a phone and on a desktop."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from jishi.orgs.models import User
from jishi.projects import rounds, services
from jishi.projects.models import ProjectList
from jishi.projects.tests.conftest import milestones
from jishi.testing.browser import DESKTOP, PHONE, screenshot
from jishi.testing.fixtures import County

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def new_page(browser: Browser, size: dict[str, int]) -> Page:
    context = browser.new_context(viewport=size, locale="zh-CN")  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return context.new_page()


def test_public_list_on_phone_and_desktop(
    browser: Browser,
    live_server: Any,
    county: County,
    inspector: User,
    county_lead: User,
    dept_handler: User,
    transport_handler: User,
    livelihood_list: ProjectList,
) -> None:
    made = []
    for title, unit, town in (
        ("老旧小区改造提升工程", county.housing, county.chengguan),
        ("农村公路安防工程", county.transport, county.shiqiao),
        ("城区停车场建设", county.housing, county.chengguan),
    ):
        made.append(
            services.project_create(
                actor=inspector,
                project_list=livelihood_list,
                title=title,
                lead_unit=unit,
                lead_cadre=county_lead,
                township=town,
                start_date=dt.date(2026, 1, 1),
                end_date=dt.date(2026, 12, 31),
                milestones=milestones(),
            )
        )
    rnd = rounds.round_open(month=dt.date(2026, 6, 1))
    for project, user, values in (
        (made[0], dept_handler, [100, 80, 20]),
        (made[1], transport_handler, [40, 0, 0]),
    ):
        services.report_submit(
            actor=user,
            project=project,
            round=rnd,
            milestones=dict(zip([m.pk for m in project.milestones.all()], values, strict=True)),
            work_done="按计划推进",
        )
    rounds.round_assess(rnd, on=dt.date(2026, 6, 26))
    url = f"{live_server.url}/portal/projects/lists/{livelihood_list.pk}/"
    for name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page = new_page(browser, size)
        page.goto(url)
        expect(page.get_by_role("heading", name=livelihood_list.title)).to_be_visible()
        bars = page.get_by_role("progressbar")
        expect(bars).to_have_count(3)
        expect(page.locator(".project-card .light-red").first).to_be_visible()
        screenshot(page, f"projects-public-list-{name}")
        page.close()
    page = new_page(browser, PHONE)
    page.goto(url)
    page.get_by_role("button", name="关注进展").first.click()
    expect(page.get_by_role("button", name="已关注 · 取消")).to_have_count(1)
    page.goto(url + f"?township={county.shiqiao.pk}")
    expect(page.get_by_role("progressbar")).to_have_count(1)
