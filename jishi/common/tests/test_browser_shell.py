"""The UI shell in a real browser: sign in on a phone, switch to Traditional, sign out,
and the citizens' portal. Screenshots land in artifacts/screenshots/ for people to look at."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from jishi.orgs.models import User
from jishi.testing.browser import login, login_with_form, screenshot

pytestmark = pytest.mark.browser


def test_handler_signs_in_on_a_phone_switches_to_traditional_and_signs_out(
    phone_page: Page, live_server: LiveServer, township_handler: User
) -> None:
    page = phone_page
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/portal/$"))

    page.goto(live_server.url + "/console/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/console/$"))
    expect(page.get_by_role("heading", name="工作人员登录")).to_be_visible()
    screenshot(page, "login-phone")

    login_with_form(page, live_server, "cg_handler", "pw-cg_handler")
    expect(page.get_by_role("heading", name="我的工作")).to_be_visible()
    posts = page.locator(".post-list")
    expect(posts).to_contain_text("城关镇")
    expect(posts).to_contain_text("承办人")
    # The menu is folded away on a phone until asked for.
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav).to_be_hidden()
    screenshot(page, "console-home-phone")

    page.get_by_role("button", name="菜单").click()
    expect(nav).to_be_visible()
    expect(nav.get_by_role("link", name="我的工作")).to_have_attribute("aria-current", "page")
    screenshot(page, "console-menu-phone", full_page=False)

    page.get_by_role("button", name="繁體").click()
    expect(page.get_by_role("heading", name="我的工作")).to_be_visible()  # same in both scripts
    expect(page.locator(".post-list")).to_contain_text("城關鎮")
    expect(page.locator(".post-list")).to_contain_text("承辦人")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hant")
    screenshot(page, "console-home-phone-traditional")

    page.get_by_role("button", name="菜單").click()
    page.get_by_role("button", name="退出登錄").click()
    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("heading", name="工作人員登錄")).to_be_visible()
    page.goto(live_server.url + "/console/")
    expect(page).to_have_url(re.compile(r"/login/"))


def test_console_on_a_desktop_shows_navigation_and_posts(
    desktop_page: Page, live_server: LiveServer, township_handler: User
) -> None:
    page = desktop_page
    login(page, live_server, township_handler)
    page.goto(live_server.url + "/console/")
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav).to_be_visible()
    expect(nav).to_contain_text("台账")
    expect(nav).not_to_contain_text("派单")  # a handler does not dispatch
    expect(page.locator(".account")).to_contain_text("城关镇 · 承办人")
    screenshot(page, "console-home-desktop")

    page.goto(live_server.url + "/console/ui/")
    expect(page.locator(".table")).to_be_visible()
    screenshot(page, "ui-components-desktop")


def test_portal_and_sign_in_on_a_desktop(
    desktop_page: Page, live_server: LiveServer, county
) -> None:
    page = desktop_page
    page.goto(live_server.url + "/portal/")
    expect(page.get_by_role("link", name=re.compile("我要反映"))).to_be_visible()
    screenshot(page, "portal-home-desktop")
    page.get_by_role("link", name="工作人员登录").click()
    page.locator("form.form button[type=submit]").click()  # empty form: field errors
    expect(page.locator(".errorlist").first).to_be_visible()
    screenshot(page, "login-errors-desktop")


def test_components_on_a_phone(
    phone_page: Page, live_server: LiveServer, township_handler: User
) -> None:
    login(phone_page, live_server, township_handler)
    phone_page.goto(live_server.url + "/console/ui/")
    # Phone tables are cards: the header row is hidden, each cell carries its label.
    expect(phone_page.locator(".table td[data-label]").first).to_be_visible()
    screenshot(phone_page, "ui-components-phone")


def test_citizen_portal_on_a_phone(phone_page: Page, live_server: LiveServer, county) -> None:
    page = phone_page
    page.goto(live_server.url + "/portal/")
    for label in ("我要反映", "查询进度", "服务评价"):
        button = page.get_by_role("link", name=re.compile(label))
        expect(button).to_be_visible()
        box = button.bounding_box()
        assert box is not None and box["height"] >= 44, f"{label} is too small to tap: {box}"
    expect(page.locator(".portal-header")).to_contain_text("测试县")
    screenshot(page, "portal-home-phone")

    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("link", name=re.compile("Report a problem"))).to_be_visible()
    screenshot(page, "portal-home-phone-english")


def test_missing_page_is_friendly(phone_page: Page, live_server: LiveServer, county) -> None:
    response = phone_page.goto(live_server.url + "/no-such-page/")
    assert response is not None and response.status == 404
    expect(phone_page.get_by_role("heading", name="页面不存在")).to_be_visible()
    screenshot(phone_page, "404-phone")


def test_htmx_conflict_reloads_and_explains(
    desktop_page: Page, live_server: LiveServer, township_handler: User
) -> None:
    page = desktop_page
    login(page, live_server, township_handler)
    page.goto(live_server.url + "/console/")
    # A stand-in for any htmx action whose object someone else changed meanwhile.
    page.route("**/conflict-probe/", lambda route: route.fulfill(status=409, body="conflict"))
    page.evaluate("htmx.ajax('POST', '/conflict-probe/', {target: 'body', swap: 'none'})")
    toast = page.locator("#toast")
    expect(toast).to_be_visible()
    expect(toast).to_contain_text("该事项已被他人处理，页面已刷新")

    page.route("**/broken-probe/", lambda route: route.fulfill(status=500, body="boom"))
    page.evaluate("htmx.ajax('GET', '/broken-probe/', {target: 'body', swap: 'none'})")
    expect(toast).to_contain_text("系统繁忙，请稍后再试")
    screenshot(page, "toast-desktop", full_page=False)


def test_parallel_requests_are_safe_on_every_database(
    desktop_page: Page, live_server: LiveServer, township_handler: User
) -> None:
    # Several htmx fragments may load at once; each must get its answer from the test database.
    login(desktop_page, live_server, township_handler)
    desktop_page.goto(live_server.url + "/console/")
    statuses = desktop_page.evaluate(
        "Promise.all([...Array(8)].map(() => fetch('/console/').then(r => r.status)))"
    )
    assert statuses == [200] * 8
