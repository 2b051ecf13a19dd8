"""The citizen portal on a phone: submit with a photo, see the code and QR, track, call back."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from jishi.cases.tests import builders
from jishi.portal import tokens
from jishi.testing.browser import screenshot
from jishi.testing.fixtures import County

pytestmark = pytest.mark.browser


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    path = tmp_path / "lamp.jpg"
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 160)).save(buf, "JPEG")
    path.write_bytes(buf.getvalue())
    return path


def test_submit_with_photo_then_track(
    phone_page: Page, live_server: Any, county: County, photo: Path
) -> None:
    page = phone_page
    page.goto(live_server.url + "/portal/")
    page.get_by_role("link", name=re.compile("我要反映")).click()
    expect(page.get_by_role("heading", name="我要反映")).to_be_visible()

    # The empty form first: every problem is said next to its field.
    page.get_by_role("button", name="提交").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    screenshot(page, "portal-submit-errors-phone")

    page.get_by_text("投诉", exact=True).click()
    page.get_by_label("反映内容").fill("东街文化广场的路灯坏了三盏。晚上出行很不方便，请尽快修复。")
    page.get_by_label("所在乡镇").select_option(label="城关镇")
    # htmx refills the village list for the chosen township.
    expect(page.locator("#id_village option", has_text="东街社区")).to_have_count(1)
    expect(page.locator("#id_village option", has_text="石桥村")).to_have_count(0)
    page.get_by_label("村(社区)").select_option(label="东街社区")
    page.get_by_label("详细地址").fill("文化广场北侧")
    page.locator("#id_photos").set_input_files(str(photo))
    expect(page.locator("#photo-names")).to_contain_text("已选择 1 张：lamp.jpg")
    page.get_by_label("姓名").fill("李女士")
    page.get_by_label("手机号").fill("13912345678")
    page.get_by_label("我已阅读并同意上述个人信息使用说明").check()
    screenshot(page, "portal-submit-phone")
    page.get_by_role("button", name="提交").click()

    expect(page.get_by_role("heading", name="提交成功")).to_be_visible()
    code = page.locator("#tracking-code input").input_value()
    assert re.fullmatch(r"[A-Z]{2}\d{4}-[0-9A-Z]{4,5}", code), code
    expect(page.locator(".p-qr svg")).to_be_visible()
    screenshot(page, "portal-submitted-phone")

    # Track from a fresh visit: code typed in lower case, last four of the phone.
    page.context.clear_cookies()
    page.goto(live_server.url + "/portal/track/")
    page.get_by_label("受理编号").fill(code.lower())
    page.get_by_label("手机号后四位").fill("0000")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("受理编号、手机号后四位或查询密码不正确")).to_be_visible()
    screenshot(page, "portal-track-wrong-phone")
    page.get_by_label("手机号后四位").fill("5678")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".p-status-value")).to_have_text("已受理，正在转交")
    expect(page.get_by_text("东街文化广场的路灯坏了三盏").first).to_be_visible()
    screenshot(page, "portal-track-phone")


def test_replied_case_callback(
    phone_page: Page,
    live_server: Any,
    county: County,
    dispatcher: Any,
    township_handler: Any,
) -> None:
    case = builders.replied(county, dispatcher, township_handler)
    page = phone_page
    page.goto(live_server.url + "/portal/track/?code=" + case.code)
    page.get_by_label("手机号后四位").fill("5678")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_text("已安排电工更换灯泡").first).to_be_visible()
    screenshot(page, "portal-track-replied-phone")
    page.get_by_role("link", name="去评价").click()
    expect(page.get_by_role("heading", name="回访评价")).to_be_visible()
    page.get_by_text("未解决", exact=True).click()
    page.get_by_text("不满意", exact=True).click()
    page.get_by_label("意见或建议").fill("东侧那盏还是不亮")
    screenshot(page, "portal-callback-phone")
    page.get_by_role("button", name="提交评价").click()
    expect(page.get_by_role("heading", name="事项将重新办理")).to_be_visible()
    screenshot(page, "portal-callback-reopened-phone")
    # The link again: nothing more to do.
    page.goto(live_server.url + tokens.callback_path(case))
    # The case is being handled again: nothing to rate until the next reply.
    expect(page.get_by_role("heading", name="现在无需评价")).to_be_visible()


def test_submit_page_in_english(phone_page: Page, live_server: Any, county: County) -> None:
    from django.conf import settings

    phone_page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}]
    )
    phone_page.goto(live_server.url + "/portal/submit/")
    expect(phone_page.get_by_label("Details")).to_be_visible()
    expect(phone_page.get_by_text("Anonymous reports cannot receive callbacks")).to_be_visible()
    screenshot(phone_page, "portal-submit-phone-english")
