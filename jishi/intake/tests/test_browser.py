from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from jishi.intake import services
from jishi.intake.models import Campaign, DutyShift, Period
from jishi.orgs.models import User
from jishi.testing.browser import login, screenshot
from jishi.testing.fixtures import County

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_village_secretary_records_a_visit_with_two_items(
    phone_page: Page, live_server: LiveServer, county: County, village_lead: User
) -> None:
    page = phone_page
    login(page, live_server, village_lead)
    page.goto(live_server.url + "/console/intake/")
    screenshot(page, "intake-index-phone")
    page.get_by_role("link", name="登记走访").first.click()
    expect(page.get_by_role("heading", name="登记走访")).to_be_visible()

    page.get_by_label("走访户").fill("东街 12 号 王大爷")
    page.locator("[name=items-0-text]").fill("门口路灯坏了两周，晚上看不见路")
    page.get_by_role("button", name="再加一项").click()
    expect(page.locator("[name=items-1-text]")).to_be_visible()
    page.locator("[name=items-1-kind]").select_option("inquiry")
    page.locator("[name=items-1-text]").fill("想问医保缴费截止时间")
    page.locator("[name=items-1-resolved]").check()
    page.locator("[name=items-1-resolution]").fill("当场告知：12 月 31 日前在村便民服务站缴费")
    # A third row added by mistake and removed again must not count.
    page.get_by_role("button", name="再加一项").click()
    expect(page.locator("[name=items-2-text]")).to_be_visible()
    page.locator(".visit-item").nth(2).get_by_role("button", name="删除此项").click()
    expect(page.locator("[name=items-2-text]")).to_have_count(0)
    screenshot(page, "intake-visit-form-phone")

    page.get_by_role("button", name="提交走访记录").click()
    expect(page.get_by_role("heading", name="走访台账")).to_be_visible()
    expect(page.locator("[data-stat=households]")).to_have_text("1")
    expect(page.locator("[data-stat=items]")).to_have_text("2")
    expect(page.locator("[data-stat=resolved]")).to_have_text("1")
    expect(page.locator("[data-stat=open]")).to_have_text("1")
    expect(page.get_by_text("走访已登记")).to_be_visible()
    screenshot(page, "intake-visit-log-phone")


def test_visit_form_shows_errors_in_place(
    phone_page: Page, live_server: LiveServer, county: County, village_lead: User
) -> None:
    page = phone_page
    login(page, live_server, village_lead)
    page.goto(live_server.url + "/console/intake/visits/new/")
    page.locator("[name=items-0-resolved]").check()
    page.get_by_role("button", name="提交走访记录").click()
    expect(page.get_by_text("请填写走访户（住址或户主姓名）")).to_be_visible()
    expect(page.get_by_text("已勾选当场解决，请填写解决情况")).to_be_visible()
    screenshot(page, "intake-visit-form-errors-phone")


def test_hall_desk_and_campaign_pages(
    phone_page: Page, live_server: LiveServer, county: County, director: User, county_lead: User
) -> None:
    page = phone_page
    DutyShift.objects.create(
        director=director, hall=county.hall, date=services.today(), period=Period.MORNING
    )
    today = services.today()
    campaign = Campaign.objects.create(
        name="优化营商环境大调研",
        description="听取企业和群众对政务服务的意见建议。",
        unit=county.county,
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=10),
    )
    login(page, live_server, director)
    page.goto(live_server.url + "/console/intake/hall/")
    page.get_by_label("群众反映的问题").fill("办理不动产登记材料被退回三次，希望一次告知")
    page.get_by_label("承办单位").select_option(label="县住建局")
    page.get_by_role("button", name="登记", exact=True).click()
    expect(page.get_by_text("已提交派单中心").first).to_be_visible()
    screenshot(page, "intake-hall-phone")

    login(page, live_server, county_lead)
    page.goto(live_server.url + f"/console/intake/campaigns/{campaign.pk}/")
    page.get_by_label("建议内容").fill("建议政务大厅午间不休息，方便上班族办事")
    page.get_by_role("button", name="登记建议").click()
    expect(page.locator("[data-stat=gathered]")).to_have_text("1")
    screenshot(page, "intake-campaign-phone")
