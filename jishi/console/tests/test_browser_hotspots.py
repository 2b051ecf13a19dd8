"""The hotspot page in a real browser: laid out as a console page (cards, a grid of
figures), on a phone and on a desktop."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from jishi.cases import hotspots as engine
from jishi.cases.tests import builders
from jishi.common import clock
from jishi.orgs.models import User
from jishi.testing.browser import login, screenshot
from jishi.testing.fixtures import County

pytestmark = pytest.mark.browser

LIGHTS = [
    ("东街路灯不亮", "东街社区文化广场旁的三盏路灯已经坏了一周，晚上出行不便，请尽快修复。"),
    ("文化广场路灯坏了", "东街文化广场边上的路灯坏了好几天了，晚上黑漆漆的，请尽快修好。"),
    ("路灯坏了没人修", "东街社区文化广场路灯不亮已经很久，晚上散步的老人孩子很危险。"),
]


@pytest.mark.parametrize("page", ["phone", "desktop"], indirect=True)
def test_hotspots_are_cards_with_a_grid_of_figures(
    page: Page, live_server: LiveServer, county: County, county_lead: User
) -> None:
    for i, (title, body) in enumerate(LIGHTS):
        builders.accepted(county, title=title, text=body, citizen_phone=f"1381234567{i}")
    assert engine.refresh_hotspots(days=30, end=clock.now() + timedelta(minutes=1)) >= 1
    login(page, live_server, county_lead)
    page.goto(live_server.url + "/console/routing/hotspots/")
    card = page.locator("#hotspot-1")
    expect(card).to_be_visible()
    style = card.evaluate(
        "(el) => { const s = getComputedStyle(el); return [s.backgroundColor, s.borderRadius]; }"
    )
    assert style == ["rgb(255, 255, 255)", "14px"]  # .card: --card, --radius-lg
    figures = card.locator("dl.kv")
    assert figures.evaluate("(el) => getComputedStyle(el).display") == "grid"
    columns = figures.evaluate("(el) => getComputedStyle(el).gridTemplateColumns.split(' ').length")
    assert columns == (2 if page.viewport_size and page.viewport_size["width"] < 768 else 3)
    screenshot(page, f"hotspots-{'phone' if columns == 2 else 'desktop'}")
