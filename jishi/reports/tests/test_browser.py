"""The dashboard and a bulletin in a real browser: the charts draw (ECharts from our own
static files, under the content security policy) on a desktop and a phone, and a figure of
the bulletin opens the ledger with the same count."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from jishi.orgs.models import User
from jishi.reports import services
from jishi.reports.selectors import DateRange
from jishi.reports.tests.test_pages import make_history
from jishi.testing.browser import login, screenshot
from jishi.testing.fixtures import County

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_and_bulletin(
    page: Page, live_server: LiveServer, county: County, dispatcher: User
) -> None:
    make_history(county, dispatcher)
    login(page, live_server, dispatcher)
    page.goto(f"{live_server.url}/console/reports/dashboard/?from=2026-03-01&to=2026-03-31")
    expect(page.locator('[data-chart="trend_month"] canvas')).to_have_count(1)
    expect(page.locator('[data-chart="by_township"] canvas')).to_have_count(1)
    screenshot(page, "reports-dashboard")
    made = services.bulletin_generate(actor=dispatcher, dates=DateRange.month(dt.date(2026, 3, 1)))
    page.goto(f"{live_server.url}/console/reports/bulletins/{made.pk}/")
    link = page.locator("#s-overview a", has_text=re.compile(r"^\d+$")).first
    number = int(link.inner_text())
    link.click()
    expect(page.locator(".ledger-count strong")).to_have_text(str(number))
    screenshot(page, "reports-bulletin-to-ledger")
