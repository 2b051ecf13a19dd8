"""The screens the branch, figures and check-in work changed, in a real browser: a branch
secretary marks a member taught at home from a phone, the organiser strikes a prank and
retires a code after the confirmation, the figures' numbers open the talks they count, and
a remote member's phone shows the recording. Screenshots land in artifacts/screenshots."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from jishi.common import clock
from jishi.orgs.models import User
from jishi.outreach import services, tokens
from jishi.outreach.models import Branch, CheckIn, Site, Talk
from jishi.outreach.tests.conftest import at
from jishi.testing.browser import login, screenshot
from jishi.testing.fixtures import make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def held(talk: Talk, organiser: User, site: Site, branch: Branch) -> Talk:
    Talk.objects.filter(pk=talk.pk).update(
        recording_url="https://video.example.cn/talk/1", materials="第一讲：初心使命"
    )
    talk.refresh_from_db()
    with clock.travel_to(at(14)):
        services.checkin_record(talk=talk, name="王芳", unit_text="东街社区党支部", device_key="a")
        services.checkin_record(talk=talk, name="奥特曼", device_key="b")
        services.head_count_add(actor=organiser, talk=talk, count=5, note="后排老党员")
    with clock.travel_to(at(18)):
        services.site_visit_add(
            actor=organiser, site=site, visited_on=dt.date(2026, 11, 3), count=45, group="一中"
        )
    return talk


def test_the_secretary_marks_a_member_from_a_phone(
    phone_page: Page, live_server: Any, held: Talk, branch: Branch
) -> None:
    secretary = make_person("dj_secretary")
    branch.secretary = secretary
    branch.save(update_fields=["secretary"])
    login(phone_page, live_server, secretary)
    phone_page.goto(f"{live_server.url}/console/outreach/branches/{branch.pk}/?month=2026-11")
    absent = phone_page.locator("section", has_text="本季度未参加学习的党员")
    expect(absent).to_contain_text("赵强")
    screenshot(phone_page, "outreach-branch-secretary-phone")
    absent.get_by_role("link", name="赵强").click()
    phone_page.get_by_role("combobox", name="宣讲").select_option(str(held.pk))
    phone_page.get_by_label("说明").fill("送学上门")
    phone_page.get_by_role("button", name="补记", exact=True).click()
    expect(phone_page.locator("body")).to_contain_text("dj_secretary 补记：送学上门")
    screenshot(phone_page, "outreach-member-marked-phone")
    assert CheckIn.objects.filter(member__name="赵强", marked_by=secretary).count() == 1


def test_the_organiser_strikes_a_prank_and_retires_the_code(
    desktop_page: Page, live_server: Any, held: Talk, organiser: User
) -> None:
    page = desktop_page
    login(page, live_server, organiser)
    page.goto(f"{live_server.url}/console/outreach/talks/{held.pk}/")
    row = page.locator("tr", has_text="奥特曼")
    row.locator("summary").click()
    row.get_by_label("原因").fill("恶作剧")
    row.get_by_role("button", name="划除").click()
    expect(page.locator("tr", has_text="奥特曼")).to_contain_text("已划除：恶作剧")
    screenshot(page, "outreach-talk-struck")
    old = held.checkin_key
    page.get_by_role("link", name="更换签到码").click()
    page.get_by_role("button", name="确认更换").click()
    expect(page.locator("body")).to_contain_text("请勾选确认后再更换")
    screenshot(page, "outreach-reissue-confirm")
    page.get_by_label("我确认更换签到码，旧海报将失效").check()
    page.get_by_role("button", name="确认更换").click()
    expect(page.locator("body")).to_contain_text("旧海报和旧链接已失效")
    held.refresh_from_db()
    assert held.checkin_key != old


def test_the_figures_numbers_open_their_talks(
    desktop_page: Page, live_server: Any, held: Talk, organiser: User
) -> None:
    page = desktop_page
    login(page, live_server, organiser)
    page.goto(f"{live_server.url}/console/outreach/figures/?period=2026")
    screenshot(page, "outreach-figures")
    people = page.locator('a[data-figure="people"]').first
    wanted = people.inner_text()
    people.click()
    expect(page.locator('strong[data-figure="people"]')).to_have_text(wanted)
    expect(page.locator("input[name=period]")).to_have_value("2026")
    screenshot(page, "outreach-talk-list-from-figures")
    page.go_back()
    page.locator('a[data-figure="visitors"]').first.click()
    expect(page.locator('strong[data-figure="visitors"]')).to_have_text("45")
    screenshot(page, "outreach-site-visits")


def test_a_remote_member_sees_the_recording_on_a_phone(
    phone_page: Page, live_server: Any, held: Talk
) -> None:
    token = tokens.remote_token(held.pk, held.remote_key)
    Talk.objects.filter(pk=held.pk).update(remote_closes_at=clock.now() + dt.timedelta(days=3))
    phone_page.goto(f"{live_server.url}/o/m/{token}/")
    link = phone_page.get_by_role("link", name="观看宣讲录像")
    expect(link).to_have_attribute("href", "https://video.example.cn/talk/1")
    expect(phone_page.locator("body")).to_contain_text("第一讲：初心使命")
    screenshot(phone_page, "outreach-remote-phone")
    phone_page.goto(f"{live_server.url}/o/sites/{held.site_id}/")
    expect(phone_page.locator("body")).to_contain_text(re.compile(r"累计 45 人次"))
    screenshot(phone_page, "outreach-public-site-phone")
