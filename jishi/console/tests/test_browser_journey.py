"""One case's whole life, as the people involved see it, in a real browser.

A citizen submits from a phone → the dispatcher routes it → the township handler
acknowledges and replies → the citizen reads the reply with the tracking code and says it is
not solved → the case reopens → it is handled again → the citizen is satisfied → closed. Then
the ledger finds it by a Traditional-Chinese query and exports it to Excel, and the file
opens with openpyxl showing that case. Finally the chain of events verifies.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from jishi.cases.models import Case, CaseEvent, Category, State
from jishi.cases.verify import verify_ledger
from jishi.orgs.models import User
from jishi.testing.browser import DESKTOP, PHONE, login, screenshot
from jishi.testing.fixtures import County

pytestmark = pytest.mark.browser


def new_page(browser: Browser, live_server: Any, size: dict[str, int]) -> Page:
    context = browser.new_context(viewport=size, locale="zh-CN")  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return context.new_page()


def citizen_tracks(page: Page, live_server: Any, code: str) -> None:
    page.goto(live_server.url + "/portal/track/?code=" + code)
    page.get_by_label("手机号后四位").fill("５６７８")  # full-width digits are fine
    page.get_by_role("button", name="查询").click()


def test_a_case_from_submission_to_closure(
    browser: Browser,
    live_server: Any,
    county: County,
    dispatcher: User,
    township_handler: User,
    county_lead: User,
) -> None:
    Category.objects.create(code="lights", name="路灯照明", owning_unit=county.chengguan)
    citizen = new_page(browser, live_server, PHONE)

    # 1. The citizen submits from a phone.
    citizen.goto(live_server.url + "/portal/submit/")
    citizen.get_by_text("诉求", exact=True).click()
    citizen.get_by_label("反映内容").fill(
        "东街文化广场的路灯坏了三盏，晚上出行很不方便，请尽快修复。"
    )
    citizen.get_by_label("所在乡镇").select_option(label="城关镇")
    expect(citizen.locator("#id_village option", has_text="东街社区")).to_have_count(1)
    citizen.get_by_label("村(社区)").select_option(label="东街社区")
    citizen.get_by_label("姓名").fill("李女士")
    citizen.get_by_label("手机号").fill("13912345678")
    citizen.get_by_label("我已阅读并同意上述个人信息使用说明").check()
    citizen.get_by_role("button", name="提交").click()
    expect(citizen.get_by_role("heading", name="提交成功")).to_be_visible()
    code = citizen.locator("#tracking-code input").input_value()
    screenshot(citizen, "journey-1-submitted-phone")
    case = Case.objects.get(code=code)
    assert case.state == State.ACCEPTED  # no trained router yet: a dispatcher decides

    # 2. The dispatcher routes it from the queue.
    desk = new_page(browser, live_server, DESKTOP)
    login(desk, live_server, dispatcher)
    desk.goto(live_server.url + "/console/dispatch/")
    row = desk.locator(f"#queue-{code}")
    row.locator("input[name=dispatch-category]").fill("路灯照明（城关镇）")
    row.get_by_role("button", name="派单", exact=True).click()
    expect(desk.locator(f"#queue-{code}")).to_contain_text("已派单 → 城关镇")

    # 3. The township handler acknowledges and replies, on a phone.
    handler = new_page(browser, live_server, PHONE)
    login(handler, live_server, township_handler)

    def handle(reply: str) -> None:
        handler.goto(live_server.url + f"/console/cases/{code}/")
        sign = handler.get_by_role("button", name="签收", exact=True)
        if sign.count():
            sign.click()
            expect(handler.locator("[data-testid=state]")).to_have_text("办理中")
        form = handler.locator("details[data-action=reply]")
        form.locator("summary").click()
        form.locator("textarea").fill(reply)
        form.get_by_role("button", name="确认答复").click()
        # A short reply may be held back by the reply check; the handler confirms it.
        confirm = handler.locator("details[data-action=reply]").get_by_label("仍然发送")
        replied = handler.locator("[data-testid=state]", has_text="待回访")
        expect(replied.or_(confirm)).to_be_visible()  # the htmx answer has arrived
        if confirm.is_visible():
            confirm.check()
            handler.locator("details[data-action=reply]").get_by_role(
                "button", name="确认答复"
            ).click()
        expect(handler.locator("[data-testid=state]")).to_have_text("待回访")

    handle("已安排电工更换灯泡，现已恢复照明。")
    screenshot(handler, "journey-3-replied-phone")

    # 4. The citizen reads the reply with the tracking code, and says it is not solved.
    citizen_tracks(citizen, live_server, code)
    expect(citizen.get_by_text("已安排电工更换灯泡").first).to_be_visible()
    citizen.get_by_role("link", name="去评价").click()
    citizen.get_by_text("未解决", exact=True).click()
    citizen.get_by_text("不满意", exact=True).click()
    citizen.get_by_label("意见或建议").fill("东侧那盏还是不亮")
    citizen.get_by_role("button", name="提交评价").click()
    expect(citizen.get_by_role("heading", name="事项将重新办理")).to_be_visible()
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS and case.reopen_count == 1

    # 5. Handled again; this time the citizen is satisfied and the case closes.
    handle("东侧路灯线路老化，已更换线路，三盏灯均已点亮。")
    citizen_tracks(citizen, live_server, code)
    citizen.get_by_role("link", name="去评价").click()
    citizen.get_by_text("已解决", exact=True).click()
    citizen.get_by_text("满意", exact=True).click()
    citizen.get_by_role("button", name="提交评价").click()
    case.refresh_from_db()
    assert case.state == State.CLOSED and case.resolved is True
    screenshot(citizen, "journey-5-closed-phone")
    assert list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True)) == [
        "accept",
        "dispatch",
        "acknowledge",
        "reply",
        "callback",
        "reopen",
        "reply",
        "callback",
        "close",
    ]

    # 6. The ledger finds it by a Traditional query and exports exactly it.
    lead = new_page(browser, live_server, DESKTOP)
    login(lead, live_server, county_lead)
    lead.goto(live_server.url + "/console/ledger/")
    lead.get_by_label("关键词").fill("文化廣場 路燈")
    rows = lead.locator("#ledger-results tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(code)
    screenshot(lead, "journey-6-ledger-desktop")
    with lead.expect_download() as info:
        lead.get_by_role("button", name="导出Excel").click()
    sheet = load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    assert sheet is not None
    values = [row for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert [v[0] for v in values] == [code]
    assert any(isinstance(cell, str) and "文化广场" in cell for cell in values[0])
    assert not any(isinstance(cell, str) and "13912345678" in cell for cell in values[0])

    dispatch = CaseEvent.objects.get(case=case, kind="dispatch")
    assert dispatch.actor == dispatcher and dispatch.payload["category"] == "lights"
    assert verify_ledger().breaks == []
    assert re.fullmatch(r"JA\d{4}-\w{4,5}", code)
