"""The portal's home leads citizens to the public pages of outreach and projects."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from jishi.testing.browser import screenshot
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db


def test_home_links_to_talks_sites_and_project_lists(client: Client, county: County) -> None:
    html = client.get(reverse("portal:home")).content.decode()
    wanted = {
        reverse("outreach_public:talks"): "近期宣讲",
        reverse("outreach_public:sites"): "红色阵地",
        reverse("projects_public:index"): "民生项目",
    }
    for href, title in wanted.items():
        link = re.search(rf'<a class="action" href="{re.escape(href)}">(.*?)</a>', html, re.S)
        assert link is not None, href
        assert title in link.group(1)
        # Each opens for anyone, signed in or not.
        assert client.get(href).status_code == 200, href


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_public_links_on_a_phone(phone_page: Any, live_server: Any, county: County) -> None:
    """On a 390×844 phone the new links stack like the services above them, nothing wider
    than the screen, and each opens its page."""
    phone_page.goto(live_server.url + reverse("portal:home"))
    screenshot(phone_page, "portal-home-phone")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    for title, heading in (("近期宣讲", "近期宣讲"), ("红色阵地", "宣讲阵地")):
        phone_page.goto(live_server.url + reverse("portal:home"))
        phone_page.get_by_role("link", name=re.compile(title)).click()
        expect(phone_page.locator("h1")).to_contain_text(heading)
