"""好差评 as the people involved see it, in a real browser on a phone.

A citizen opens the window's QR link → rates 非常不满意 with two reasons and a phone → the
rectification case is in the window clerk's my-work with its deadline → the clerk replies
→ the citizen's follow-up link rates the fix → the figures and the public disclosure page
change. The page weight is what the phone actually downloaded.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from jishi.cases.models import State
from jishi.orgs.models import User
from jishi.reviews import tokens
from jishi.reviews.models import Rating, ServicePoint
from jishi.testing.browser import DESKTOP, PHONE, login, screenshot
from jishi.testing.fixtures import County

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def new_page(browser: Browser, size: dict[str, int]) -> Page:
    context = browser.new_context(viewport=size, locale="zh-CN")  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return context.new_page()


def test_bad_rating_from_a_phone_to_the_published_figures(
    browser: Browser, live_server: Any, county: County, point: ServicePoint, window_clerk: User
) -> None:
    url = live_server.url + "/r/" + tokens.qr_token(point.pk, point.qr_key) + "/"
    phone = new_page(browser, PHONE)
    sizes: list[int] = []
    phone.on("response", lambda r: sizes.append(len(r.body())) if r.ok else None)
    phone.goto(url)
    expect(phone.get_by_role("heading", name="1号窗口")).to_be_visible()
    assert sum(sizes) < 50 * 1024, sizes  # everything the first load fetched
    screenshot(phone, "reviews-rate-phone")

    # Bad input first: a bad rating without reasons or comment.
    phone.get_by_role("radio", name="非常不满意", exact=True).check()
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.get_by_text("请选择至少一个不满意的原因")).to_be_visible()
    expect(phone.get_by_text("请简要写下遇到的问题，便于整改")).to_be_visible()
    screenshot(phone, "reviews-rate-errors-phone")
    assert not Rating.objects.exists()

    phone.get_by_label("态度不好").check()
    phone.get_by_label("让我多跑腿").check()
    phone.get_by_label("遇到的问题").fill("材料齐全却让我下周再来，工作人员态度冷淡")
    phone.get_by_label("手机号（选填）").fill("138 1234 5678")
    phone.get_by_role("button", name="提交评价").click()
    expect(phone.get_by_role("heading", name="感谢您的评价")).to_be_visible()
    follow_up_url = phone.url
    rating = Rating.objects.get()
    case = rating.rectification
    assert case is not None and rating.reasons == ["attitude", "come_back"]
    expect(phone.get_by_text(case.code)).to_be_visible()
    screenshot(phone, "reviews-thanks-phone")

    # The window's clerk finds it in my work, with its deadline, and answers.
    clerk = new_page(browser, PHONE)
    login(clerk, live_server, window_clerk)
    clerk.goto(live_server.url + "/console/")
    row = clerk.locator("a", has_text=case.code).first
    expect(row).to_be_visible()
    expect(clerk.get_by_text("待签收")).to_be_visible()
    screenshot(clerk, "reviews-my-work-phone")
    clerk.goto(live_server.url + f"/console/cases/{case.code}/")
    clerk.get_by_role("button", name="签收", exact=True).click()
    expect(clerk.locator("[data-testid=state]")).to_have_text("办理中")
    form = clerk.locator("details[data-action=reply]")
    form.locator("summary").click()
    form.locator("textarea").fill(
        "经核实，窗口人员未一次性告知所需材料。已对当事人批评教育，并在窗口张贴材料清单，"
        "今后材料齐全当场受理。"
    )
    form.get_by_role("button", name="确认答复").click()
    confirm = clerk.locator("details[data-action=reply]").get_by_label("仍然发送")
    replied = clerk.locator("[data-testid=state]", has_text="待回访")
    expect(replied.or_(confirm)).to_be_visible()
    if confirm.is_visible():
        confirm.check()
        clerk.locator("details[data-action=reply]").get_by_role("button", name="确认答复").click()
    expect(clerk.locator("[data-testid=state]")).to_have_text("待回访")

    # The citizen's link now shows the answer and takes the follow-up rating.
    phone.goto(follow_up_url)
    expect(phone.get_by_text("已对当事人批评教育")).to_be_visible()
    phone.get_by_role("radio", name="满意", exact=True).check()
    phone.get_by_role("button", name="提交追评").click()
    expect(phone.get_by_text("您的追评：“满意”")).to_be_visible()
    screenshot(phone, "reviews-follow-up-phone")
    case.refresh_from_db()
    assert case.state == State.CLOSED and case.resolved is True

    # The figures and the public page count it as rectified, on time.
    lead = new_page(browser, DESKTOP)
    login(lead, live_server, window_clerk)
    lead.goto(live_server.url + "/console/reviews/figures/?by=point")
    row = lead.locator("tr", has_text="1号窗口")
    expect(row.locator("[data-label=差评]")).to_have_text("1")
    expect(row.locator("[data-label=已整改]")).to_have_text("1")
    expect(row.locator("[data-label=按期整改]")).to_have_text("1")
    screenshot(lead, "reviews-figures-desktop")
    row.locator("[data-label=已整改] a").click()
    expect(lead.get_by_role("link", name=case.code)).to_be_visible()

    phone.goto(live_server.url + "/r/public/")
    expect(phone.get_by_text("差评 1 条，已整改 1 条")).to_be_visible()
    screenshot(phone, "reviews-disclosure-phone")


def test_revoked_code_says_so(
    browser: Browser, live_server: Any, county: County, point: ServicePoint
) -> None:
    url = live_server.url + "/r/" + tokens.qr_token(point.pk, "retired-key") + "/"
    phone = new_page(browser, PHONE)
    phone.goto(url)
    expect(phone.get_by_role("heading", name="此二维码已失效")).to_be_visible()
    screenshot(phone, "reviews-code-revoked-phone")


def test_kiosk_at_the_window(
    browser: Browser, live_server: Any, county: County, point: ServicePoint, hall_lead: User
) -> None:
    from jishi.reviews import services

    _device, token = services.kiosk_register(actor=hall_lead, point=point, name="平板")
    tablet = new_page(browser, {"width": 1024, "height": 768})
    tablet.goto(live_server.url + f"/r/k/{token}/")
    tablet.get_by_role("button", name="办理完成，请评价").click()
    expect(tablet.get_by_role("heading", name="您对这次服务满意吗？")).to_be_visible()
    screenshot(tablet, "reviews-kiosk-tablet")
    tablet.get_by_role("button", name="非常满意").click()
    expect(tablet.get_by_role("heading", name="感谢您的评价！")).to_be_visible()
    rating = Rating.objects.get()
    assert rating.channel == "kiosk" and rating.occasion is not None
