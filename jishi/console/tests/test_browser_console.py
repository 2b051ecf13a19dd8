"""The console's core pages in a real browser: the dispatcher routes from the queue on a
desktop, a township handler acknowledges and replies on a phone; screenshots of each page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from jishi.cases import services
from jishi.cases.models import Case, Category, State
from jishi.cases.tests import builders
from jishi.orgs.models import User
from jishi.testing.browser import login, screenshot
from jishi.testing.fixtures import County

pytestmark = pytest.mark.browser


@pytest.fixture
def categories(county: County) -> dict[str, Category]:
    return {
        "lights": Category.objects.create(
            code="lights", name="路灯照明", owning_unit=county.chengguan
        ),
        "roads": Category.objects.create(
            code="roads", name="道路维修", owning_unit=county.transport
        ),
    }


def test_dispatcher_routes_from_the_queue_on_a_desktop(
    desktop_page: Page,
    live_server: LiveServer,
    county: County,
    dispatcher: User,
    township_handler: User,
    categories: dict[str, Category],
) -> None:
    page = desktop_page
    first = builders.accepted(county, title="东街路灯不亮")
    builders.accepted(county, title="石桥村道路塌陷", township=county.shiqiao, village=None)
    builders.returned(county, dispatcher, township_handler)
    login(page, live_server, dispatcher)

    page.goto(live_server.url + "/console/")
    expect(page.locator("h1")).to_have_text("我的工作")
    expect(page.locator("#group-route")).to_contain_text(first.code)
    screenshot(page, "console-my-work-dispatcher")

    page.goto(live_server.url + "/console/dispatch/")
    row = page.locator(f"#queue-{first.code}")
    expect(row).to_be_visible()
    screenshot(page, "console-dispatch-queue")
    # The less used operations load when their section is opened.
    row.locator("details.queue-more summary").click()
    expect(row.locator("input[name=dispatch-assisting_units]")).to_have_count(3)
    expect(row.get_by_role("button", name="不予受理")).to_be_visible()
    # The category picker is searchable: typing part of a name offers the list's entries.
    picker = row.locator("input[name=dispatch-category]")
    picker.fill(categories["lights"].name)
    picker.fill(f"{categories['lights'].name}（城关镇）")
    row.get_by_role("button", name="派单", exact=True).click()
    done = page.locator(f"#queue-{first.code}")
    expect(done).to_contain_text("已派单 → 城关镇")
    expect(page.locator("#toast")).to_contain_text("已派单")
    screenshot(page, "console-dispatch-queue-done")
    case = Case.objects.get(pk=first.pk)
    assert case.state == State.DISPATCHED and case.lead_unit_id == county.chengguan.pk
    assert case.category_id == categories["lights"].pk


def test_handler_acknowledges_and_replies_on_a_phone(
    phone_page: Page,
    live_server: LiveServer,
    county: County,
    dispatcher: User,
    township_handler: User,
) -> None:
    page = phone_page
    case = builders.dispatched(county, dispatcher)
    other = builders.in_progress(county, dispatcher, township_handler, title="西街下水道堵塞")
    services.case_interim_reply(actor=township_handler, case=other, text="已联系市政疏通")
    login(page, live_server, township_handler)

    page.goto(live_server.url + "/console/")
    expect(page.locator("#group-acknowledge")).to_contain_text(case.title)
    screenshot(page, "console-my-work-phone")
    page.locator("#group-acknowledge").get_by_text(case.title).click()
    expect(page).to_have_url(re.compile(rf"/console/cases/{case.code}/$"))
    expect(page.locator("h1")).to_have_text(case.title)
    screenshot(page, "console-case-dispatched-phone")

    page.get_by_role("button", name="签收", exact=True).click()
    expect(page.locator("[data-testid=state]")).to_have_text("办理中")
    reply = page.locator("details[data-action=reply]")
    reply.locator("summary").click()
    reply.locator("textarea").fill("")
    reply.get_by_role("button", name="确认答复").click()
    expect(reply.locator(".errorlist")).to_contain_text("请填写答复内容")
    reply = page.locator("details[data-action=reply]")
    reply.locator("textarea").fill(
        "经现场核查，东街文化广场三盏路灯灯泡损坏，11月28日已由镇电工更换，现已恢复照明。"
    )
    reply.get_by_role("button", name="确认答复").click()
    expect(page.locator("[data-testid=state]")).to_have_text("待回访")
    expect(page.locator(".timeline")).to_contain_text("已由镇电工更换")

    page.get_by_role("button", name="显示").click()
    expect(page.locator("#contact-phone")).to_contain_text("13812345678")
    screenshot(page, "console-case-replied-phone")
    assert Case.objects.get(pk=case.pk).state == State.REPLIED


def test_case_page_on_a_desktop_and_a_stale_page(
    desktop_page: Page,
    live_server: LiveServer,
    county: County,
    dispatcher: User,
    township_handler: User,
    unit_lead: User,
) -> None:
    page = desktop_page
    case = builders.in_progress(county, dispatcher, township_handler)
    services.case_interim_reply(
        actor=township_handler, case=case, text="已联系供电所，正在排查线路"
    )
    services.case_request_extension(actor=township_handler, case=case, days=3, reason="需更换电缆")
    login(page, live_server, dispatcher)
    page.goto(live_server.url + f"/console/cases/{case.code}/")
    expect(page.locator("h1")).to_have_text(case.title)
    screenshot(page, "console-case-desktop")

    # Someone else decides first: the page reloads and says why.
    services.case_decide_extension(actor=dispatcher, case=case, approve=False, note="理由不足")
    decide = page.locator("details[data-action=decide_extension]")
    decide.locator("summary").click()
    decide.get_by_label("批准").check()
    decide.get_by_role("button", name="确认审批延期").click()
    expect(page.locator("#toast")).to_contain_text("该事项已被他人处理，页面已刷新")
    expect(page.locator("details[data-action=decide_extension]")).to_have_count(0)
