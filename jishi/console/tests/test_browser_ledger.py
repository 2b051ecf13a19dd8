"""台账 in a real browser: a Traditional search on a desktop updates the table and the URL
in place, the Excel button downloads exactly those rows, and the phone layout reads well."""

from __future__ import annotations

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from openpyxl import load_workbook
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from jishi.cases import services
from jishi.cases.models import CaseKind, Channel
from jishi.cases.tests import builders
from jishi.common import clock
from jishi.console import exports
from jishi.orgs.models import User
from jishi.testing.browser import login, screenshot
from jishi.testing.fixtures import County

pytestmark = pytest.mark.browser

TITLES = [
    ("东街路灯不亮", "东街社区文化广场旁的三盏路灯已经坏了一周。"),
    ("西街路灯杆倾斜", "西街路口的路灯杆歪了，存在安全隐患。"),
    ("石桥村道路积水", "雨后道路积水严重，车辆无法通行。"),
    ("小区夜间施工噪音扰民", "晚上十点以后仍在施工，影响休息。"),
    ("菜市场垃圾清运不及时", "菜市场门口垃圾堆积三天无人清运。"),
    ("建议增设公交站点", "希望在城东新区增设一个公交站点，方便老人出行。"),
]


@pytest.fixture
def ledger(county: County, dispatcher: User, township_handler: User, county_lead: User) -> None:
    tz = ZoneInfo(settings.TIME_ZONE)
    kinds = [CaseKind.REQUEST, CaseKind.COMPLAINT, CaseKind.SUGGESTION]
    channels = [Channel.PORTAL, Channel.HOTLINE, Channel.WINDOW_QR]
    for i, (title, text) in enumerate(TITLES):
        with clock.travel_to(datetime(2026, 9 + i % 3, 3 + i, 9, 30, tzinfo=tz)):
            case = builders.accepted(
                county, title=title, text=text, kind=kinds[i % 3], channel=channels[i % 3]
            )
            if i % 2 == 0:
                case = services.case_dispatch(
                    actor=dispatcher, case=case, lead_unit=county.chengguan
                )
                case = services.case_acknowledge(actor=township_handler, case=case)
    fresh = builders.in_progress(
        county, dispatcher, township_handler, title="路灯维修进度咨询", text="路灯何时修好？"
    )
    services.case_supervise(actor=county_lead, case=fresh, days=5, note="请加快进度")


def test_traditional_search_and_excel_export_on_a_desktop(
    desktop_page: Page, live_server: LiveServer, county_lead: User, ledger: None
) -> None:
    page = desktop_page
    login(page, live_server, county_lead)
    page.goto(live_server.url + "/console/ledger/")
    expect(page.get_by_role("heading", name="台账")).to_be_visible()
    rows = page.locator("#ledger-results tbody tr")
    expect(rows).to_have_count(7)
    screenshot(page, "ledger-desktop")

    # Typing a Traditional query updates the table in place and the address bar.
    page.get_by_label("关键词").fill("路燈")
    expect(rows).to_have_count(3)
    expect(page).to_have_url(re.compile(r"\?.*q=%E8%B7%AF%E7%87%88"))
    expect(page.locator(".ledger-count")).to_contain_text("共 3 条")
    shown = sorted(rows.locator("td.cell-primary a").all_inner_texts())
    screenshot(page, "ledger-desktop-search")

    with page.expect_download() as info:
        page.get_by_role("button", name="导出Excel").click()
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    workbook = load_workbook(io.BytesIO(download.path().read_bytes()))
    sheet = workbook.active
    assert sheet["A1"].value == "受理编号"
    exported = sorted(r[0] for r in sheet.iter_rows(min_row=2, values_only=True))
    assert exported == shown

    # An invalid date says so next to the field and the other filters keep working.
    page.goto(live_server.url + "/console/ledger/?q=路燈&from=2026-02-30")
    expect(page.locator("#ledger-error-date_from")).to_contain_text("日期格式应为")
    expect(rows).to_have_count(3)


def test_large_export_shows_progress_then_a_download_link(
    desktop_page: Page,
    live_server: LiveServer,
    county_lead: User,
    ledger: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(exports, "SYNC_LIMIT", 3)
    page = desktop_page
    login(page, live_server, county_lead)
    page.goto(live_server.url + "/console/ledger/?overdue=")
    page.get_by_role("button", name="导出Excel").click()
    expect(page).to_have_url(re.compile(r"/console/ledger/exports/\d+/$"))
    link = page.get_by_role("link", name="下载Excel")
    expect(link).to_be_visible()
    expect(page.locator("#export-status")).to_contain_text("共 7 条")
    screenshot(page, "ledger-export-done-desktop")
    with page.expect_download() as info:
        link.click()
    sheet = load_workbook(io.BytesIO(info.value.path().read_bytes())).active
    assert sheet.max_row == 8


def test_ledger_on_a_phone(
    phone_page: Page, live_server: LiveServer, township_handler: User, ledger: None
) -> None:
    page = phone_page
    login(page, live_server, township_handler)
    page.goto(live_server.url + "/console/ledger/")
    expect(page.locator("#ledger-results tbody tr").first).to_be_visible()
    screenshot(page, "ledger-phone")
    page.locator(".ledger-more summary").click()
    page.get_by_label("办理中").check()
    expect(page).to_have_url(re.compile(r"state=in_progress"))
    expect(page.locator("#ledger-results tbody tr")).to_have_count(4)
    screenshot(page, "ledger-phone-filtered")
