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


def test_the_office_sets_up_an_inspection_group_in_the_browser(
    page: Page,
    live_server: Any,
    county: County,
    inspector: User,
    county_lead: User,
) -> None:
    """The supervision office fills the new-group form: a period that ends before it
    starts is refused in Chinese; fixed, the group is made with its members and area, then
    its period is extended on the edit page."""
    from jishi.projects.models import InspectionGroup
    from jishi.testing.browser import login

    login(page, live_server, inspector)
    page.goto(f"{live_server.url}/console/projects/inspections/")
    form = page.locator("#new-group")
    form.get_by_label("名称").fill("第二巡回指导组")
    form.get_by_label("成员").select_option([str(inspector.pk), str(county_lead.pk)])
    form.get_by_label("开始日期").fill("2026-06-10")
    form.get_by_label("结束日期").fill("2026-06-01")
    form.get_by_label("负责区域").select_option([str(county.shiqiao.pk)])
    form.get_by_role("button", name="建立").click()
    expect(page.locator("#new-group .errorlist")).to_contain_text("结束日期不能早于开始日期")
    assert not InspectionGroup.objects.exists()
    form = page.locator("#new-group")
    form.get_by_label("结束日期").fill("2026-06-30")
    form.get_by_role("button", name="建立").click()
    expect(page.get_by_role("heading", name="第二巡回指导组")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("石桥镇")
    screenshot(page, "projects-inspection-group")
    page.get_by_role("link", name="修改成员、时间和区域").click()
    page.get_by_label("结束日期").fill("2026-07-15")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".facts")).to_contain_text("2026-07-15")
    group = InspectionGroup.objects.get()
    assert group.ends_on == dt.date(2026, 7, 15)
    assert set(group.members.all()) == {inspector, county_lead}
