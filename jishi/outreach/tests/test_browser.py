"""宣讲 as the people involved see it, in a real browser.

The organiser schedules a talk → prints its poster (PDF → PNG, the QR code decodes to the
check-in page) → three phones check in: one twice, one after the window has passed → the
organiser adds a head count → the figures show two people plus the head count. A question
raised at the talk becomes a case in the right unit's my-work.

The live server runs in another thread, so ``clock.travel_to`` cannot move its time: the
window "passes" by moving the talk two hours into the past instead, which is what the clock
moving two hours on would look like to the check-in page.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from jishi.cases import services as cases
from jishi.cases.models import Case, Channel
from jishi.common import clock
from jishi.orgs.models import Role, User
from jishi.outreach import services
from jishi.outreach.models import Branch, CheckIn, Site, Talk
from jishi.testing.browser import DESKTOP, PHONE, SCREENSHOT_DIR, login, screenshot
from jishi.testing.fixtures import County, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def new_page(browser: Browser, size: dict[str, int]) -> Page:
    context = browser.new_context(viewport=size, locale="zh-CN")  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return context.new_page()


def local(at: dt.datetime) -> str:
    return f"{timezone.localtime(at):%Y-%m-%dT%H:%M}"


def decode_poster(pdf: bytes, tmp_path: Path) -> str:
    import zxingcpp

    assert shutil.which("pdftoppm"), "pdftoppm (poppler-utils) is needed to read the poster"
    source = tmp_path / "poster.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(source), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p*.png"))
    assert len(pages) == 1
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copy(pages[0], SCREENSHOT_DIR / "outreach-poster.png")
    found = zxingcpp.read_barcodes(Image.open(pages[0]))
    assert len(found) == 1
    return str(found[0].text)


def check_in(page: Page, url: str, name: str, branch: str = "") -> None:
    page.goto(url)
    page.get_by_label("姓名").fill(name)
    if branch:
        page.get_by_label("单位或党支部（选填）").fill(branch)
    page.get_by_role("button", name="签到", exact=True).click()


def test_talk_poster_phones_head_count_figures_and_a_case(
    browser: Browser,
    live_server: Any,
    county: County,
    organiser: User,
    site: Site,
    branch: Branch,
    dispatcher: User,
    tmp_path: Path,
) -> None:
    now = clock.now()
    desk = new_page(browser, DESKTOP)
    login(desk, live_server, organiser)

    # The organiser schedules the talk; a bad end time first.
    desk.goto(live_server.url + "/console/outreach/talks/new/")
    desk.get_by_label("题目").fill("学习贯彻全会精神")
    desk.get_by_label("宣讲人").fill("县委宣讲团 李老师")
    desk.get_by_label("六进场景").select_option(label="进社区")
    desk.get_by_label("宣讲阵地").select_option(label="红军长征纪念馆")
    desk.get_by_label("开始时间").fill(local(now - dt.timedelta(minutes=10)))
    desk.get_by_label("结束时间").fill(local(now - dt.timedelta(minutes=20)))
    desk.get_by_label("预计人数").fill("60")
    desk.get_by_role("button", name="保存").click()
    expect(desk.get_by_text("结束时间应晚于开始时间")).to_be_visible()
    assert not Talk.objects.exists()
    desk.get_by_label("结束时间").fill(local(now + dt.timedelta(minutes=50)))
    desk.get_by_role("button", name="保存").click()
    expect(desk.get_by_role("heading", name="学习贯彻全会精神")).to_be_visible()
    talk = Talk.objects.get()
    assert talk.organiser == county.chengguan and talk.township == county.chengguan

    # Its poster: a PDF whose QR code is the check-in page.
    poster = desk.request.get(live_server.url + f"/console/outreach/talks/{talk.pk}/poster.pdf")
    assert poster.ok and poster.headers["content-type"] == "application/pdf"
    url = decode_poster(poster.body(), tmp_path)
    assert url.startswith(live_server.url + "/o/c/")

    # Phone 1 checks in, light and without script, then again: counted once.
    one = new_page(browser, PHONE)
    sizes: list[int] = []
    one.on("response", lambda r: sizes.append(len(r.body())) if r.ok else None)
    one.goto(url)
    expect(one.get_by_role("heading", name="学习贯彻全会精神")).to_be_visible()
    assert sum(sizes) < 30 * 1024, sizes
    assert one.locator("script").count() == 0
    screenshot(one, "outreach-checkin-phone")
    one.get_by_role("button", name="签到", exact=True).click()
    expect(one.get_by_text("请填写姓名，或选择“匿名签到”")).to_be_visible()
    check_in(one, url, "王芳", "东街社区党支部")
    expect(one.get_by_role("heading", name="签到成功")).to_be_visible()
    screenshot(one, "outreach-checkin-done-phone")
    check_in(one, url, "王芳", "东街社区党支部")
    expect(one.get_by_role("heading", name="您已签到过，无需重复签到")).to_be_visible()

    # Phone 2 checks in; phone 3 opens the page but only sends it after the window.
    two = new_page(browser, PHONE)
    check_in(two, url, "赵强")
    expect(two.get_by_role("heading", name="签到成功")).to_be_visible()
    three = new_page(browser, PHONE)
    three.goto(url)
    three.get_by_label("姓名").fill("孙丽")
    shift = dt.timedelta(hours=2)
    Talk.objects.filter(pk=talk.pk).update(
        starts_at=talk.starts_at - shift, ends_at=talk.ends_at - shift
    )
    three.get_by_role("button", name="签到", exact=True).click()
    expect(three.get_by_text("签到已结束")).to_be_visible()
    screenshot(three, "outreach-checkin-closed-phone")
    assert CheckIn.objects.count() == 2
    assert not CheckIn.objects.filter(name="孙丽").exists()

    # The organiser adds the people without phones and records a question as a case.
    desk.goto(live_server.url + f"/console/outreach/talks/{talk.pk}/")
    desk.get_by_label("再补录的人数").fill("3")
    desk.get_by_label("说明").fill("后排未带手机的老党员")
    desk.get_by_role("button", name="补录人数").click()
    expect(desk.get_by_text("已补录现场人数。")).to_be_visible()
    expect(desk.locator("table.head-counts")).to_contain_text("后排未带手机的老党员")
    desk.get_by_label("群众提出的问题").fill("纪念馆门前的路灯坏了，晚上参观看不清路")
    desk.get_by_role("button", name="登记为诉求").click()
    expect(desk.get_by_text("已登记为诉求")).to_be_visible()
    screenshot(desk, "outreach-talk-desktop")
    case = Case.objects.get()
    assert case.channel == Channel.OUTREACH and case.village == county.dongjie

    # The figures: two people who checked in plus the organiser's three.
    desk.goto(live_server.url + "/console/outreach/figures/")
    figures = desk.locator(".attendance")
    expect(figures.locator("div", has_text="宣讲场次").locator("strong")).to_have_text("1")
    expect(figures.locator("div", has_text="参加人数").locator("strong")).to_have_text("5")
    expect(figures.locator("div", has_text="参加人次").locator("strong")).to_have_text("5")
    expect(figures.locator("div", has_text="其中现场补录").locator("strong")).to_have_text("3")
    screenshot(desk, "outreach-figures-desktop")
    desk.locator("tr", has_text="进社区").get_by_role("link", name="1").click()
    expect(desk.get_by_role("link", name="学习贯彻全会精神")).to_be_visible()
    desk.goto(live_server.url + "/console/outreach/calendar/")
    screenshot(desk, "outreach-calendar-desktop")
    desk.goto(live_server.url + f"/console/outreach/branches/{branch.pk}/")
    absent = desk.locator("section", has_text="本季度未参加学习的党员")
    expect(absent.get_by_role("link", name="钱敏")).to_be_visible()
    expect(absent.get_by_role("link", name="王芳")).to_have_count(0)
    screenshot(desk, "outreach-branch-desktop")

    # Routed like any case: dispatched to the village, it is in its handler's my-work.
    cases.case_dispatch(actor=dispatcher, case=case, lead_unit=county.dongjie)
    handler = make_person("dj_worker", county.dongjie, Role.HANDLER)
    village = new_page(browser, PHONE)
    login(village, live_server, handler)
    village.goto(live_server.url + "/console/")
    expect(village.locator("a", has_text=case.code).first).to_be_visible()
    screenshot(village, "outreach-case-in-my-work-phone")
    village.goto(live_server.url + f"/console/outreach/talks/{talk.pk}/")
    screenshot(village, "outreach-talk-phone")
    assert services.talk_for_code(url.rsplit("/", 2)[-2]) is not None


def test_public_pages_on_a_phone(browser: Browser, live_server: Any, talk: Talk) -> None:
    phone = new_page(browser, PHONE)
    phone.goto(live_server.url + "/o/sites/")
    expect(phone.get_by_role("link", name="红军长征纪念馆")).to_be_visible()
    phone.get_by_role("link", name="红军长征纪念馆").click()
    expect(phone.get_by_text("周二至周日 9:00-17:00")).to_be_visible()
    screenshot(phone, "outreach-site-phone")
    phone.goto(live_server.url + "/o/c/forged.token/")
    expect(phone.get_by_role("heading", name="签到码无效")).to_be_visible()
