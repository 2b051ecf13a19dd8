"""The two pages a citizen opens from a QR code on a phone, rating a window (好差评) and
checking in at a talk (宣讲签到), share one small stylesheet (``jishi/light.css``) and add
their own; both still look as they did when each carried a copy of the shared rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from jishi.common import clock
from jishi.orgs.models import Role
from jishi.outreach import services as outreach
from jishi.outreach import tokens as outreach_tokens
from jishi.reviews import tokens as review_tokens
from jishi.reviews.models import ReviewPolicy, ServiceItem, ServicePoint
from jishi.testing.browser import PHONE, screenshot
from jishi.testing.fixtures import County, make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BLUE, RED = "rgb(11, 78, 162)", "rgb(198, 47, 47)"


def _style(page: Page, selector: str, prop: str) -> str:
    return str(page.eval_on_selector(selector, f"e => getComputedStyle(e).{prop}"))


def _looks_right(page: Page) -> None:
    """What the shared sheet gives both pages: the blue header with its red rule, white
    cards with round corners, full-width blue buttons, nothing wider than the phone."""
    assert _style(page, ".portal-header", "backgroundColor") == BLUE
    assert _style(page, ".portal-header", "borderBottomColor") == RED
    assert _style(page, ".card", "borderRadius") == "10px"
    assert _style(page, "button.btn", "backgroundColor") == BLUE
    assert float(_style(page, "button.btn", "width").removesuffix("px")) > 300  # full width
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_rating_and_check_in_pages_share_one_sheet_and_look_right(
    phone_page: Page, live_server: Any, county: County
) -> None:
    page = phone_page
    ReviewPolicy.objects.create(supervision_unit=county.supervision)
    point = ServicePoint.objects.create(unit=county.window, owner=county.hall, qr_key="k1")
    point.items.set(
        [
            ServiceItem.objects.create(
                code="ZJ-001", name="商品房预售许可", owning_unit=county.housing
            )
        ]
    )
    organiser = make_person("cg_light", county.chengguan, Role.HANDLER)
    # The live server keeps real time: the talk is on now.
    now = clock.now()
    talk = outreach.talk_create(
        actor=organiser,
        data=outreach.TalkInput(
            title="党的创新理论进社区",
            speaker="李老师",
            setting="community",
            organiser=county.chengguan,
            starts_at=now - dt.timedelta(minutes=10),
            ends_at=now + dt.timedelta(hours=1),
            place="东街社区活动室",
            township=county.chengguan,
        ),
    )
    rate = reverse("rate:rate", args=[review_tokens.qr_token(point.pk, point.qr_key)])
    checkin = reverse(
        "outreach_public:checkin", args=[outreach_tokens.checkin_token(talk.pk, talk.checkin_key)]
    )

    page.goto(live_server.url + rate)
    expect(page.get_by_text("非常不满意", exact=True)).to_be_visible()
    screenshot(page, "light-rate-phone")
    sheets = page.eval_on_selector_all(
        "link[rel=stylesheet]", "els => els.map(e => e.getAttribute('href'))"
    )
    assert sheets == ["/static/jishi/light.css", "/static/reviews/rate.css"]
    _looks_right(page)
    # Its own rules still apply: the five levels as large tappable rows.
    assert float(_style(page, ".level", "minHeight").removesuffix("px")) >= 48

    page.goto(live_server.url + checkin)
    expect(page.get_by_role("heading", name="党的创新理论进社区")).to_be_visible()
    screenshot(page, "light-checkin-phone")
    sheets = page.eval_on_selector_all(
        "link[rel=stylesheet]", "els => els.map(e => e.getAttribute('href'))"
    )
    assert sheets == ["/static/jishi/light.css", "/static/outreach/checkin.css"]
    _looks_right(page)
    assert _style(page, ".btn-quiet", "backgroundColor") == "rgb(255, 255, 255)"
    page.get_by_label("姓名").fill("王芳")
    page.get_by_role("button", name="签到", exact=True).click()
    expect(page.get_by_role("heading", name="签到成功")).to_be_visible()
    screenshot(page, "light-checkin-done-phone")
