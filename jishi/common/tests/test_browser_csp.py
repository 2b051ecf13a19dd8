"""The Content-Security-Policy in a real browser: pages and htmx work, and Chromium reports
no violation (an inline script or handler left somewhere would be refused and logged)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from jishi.cases.tests import builders
from jishi.orgs.models import User
from jishi.testing.browser import login
from jishi.testing.fixtures import County

pytestmark = pytest.mark.browser


def test_no_policy_violations_on_the_citizens_and_the_staffs_pages(
    desktop_page: Page, live_server: Any, county: County, dispatcher: User
) -> None:
    page = desktop_page
    refused: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", watch)
    page.goto(live_server.url + "/portal/submit/")
    page.get_by_label("所在乡镇").select_option(label="城关镇")
    # htmx (from our static files, no eval) refills the village list.
    expect(page.locator("#id_village option", has_text="东街社区")).to_have_count(1)
    page.goto(live_server.url + "/login/")
    builders.accepted(county)
    login(page, live_server, dispatcher)
    for path in ("/console/", "/console/dispatch/", "/console/ledger/", "/console/ui/"):
        page.goto(live_server.url + path)
        expect(page.locator("html.js")).to_have_count(1)  # app.js ran
    page.goto(live_server.url + "/console/no-such-page/")
    assert refused == []
