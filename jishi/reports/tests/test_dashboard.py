"""Dashboards: scoped like every page, each chart with its table; the public statistics page
shows no name, phone or address anywhere in its text, and suppresses small numbers."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jishi.common import clock
from jishi.orgs.models import User
from jishi.reports import dashboard, selectors
from jishi.reports.tests.test_pages import START, make_history
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db


def chart_data(html: str) -> list[dict[str, Any]]:
    match = re.search(r'<script id="dashboard-data" type="application/json">(.*?)</script>', html)
    assert match
    return list(json.loads(match.group(1)))


def test_dashboard_charts_and_tables(county: County, dispatcher: User, client: Client) -> None:
    make_history(county, dispatcher)
    client.force_login(dispatcher)
    with clock.travel_to(START + dt.timedelta(days=3)):
        html = client.get(
            reverse("reports:dashboard"), {"from": "2026-03-01", "to": "2026-03-31"}
        ).content.decode()
    data = {c["key"]: c for c in chart_data(html)}
    assert data["trend_month"]["series"][0]["data"] == [5]  # five received in March
    assert data["by_channel"]["categories"] == ["群众门户"]
    assert "echarts.min.js" in html and "reports/dashboard.js" in html
    assert "<details>" in html  # the table view


def test_dashboard_is_scoped(
    county: County, dispatcher: User, dept_handler: User, client: Client
) -> None:
    make_history(county, dispatcher)
    client.force_login(dept_handler)
    with clock.travel_to(START + dt.timedelta(days=3)):
        html = client.get(
            reverse("reports:dashboard"), {"from": "2026-03-01", "to": "2026-03-31"}
        ).content.decode()
    data = {c["key"]: c for c in chart_data(html)}
    assert data["trend_month"]["series"][0]["data"] == [2]  # only 县住建局's two


def test_public_page_has_no_personal_data(county: County, dispatcher: User, client: Client) -> None:
    make_history(county, dispatcher)
    with clock.travel_to(START + dt.timedelta(days=40)):
        response = client.get(reverse("stats:public"), {"month": "2026-03"})
    assert response.status_code == 200
    html = response.content.decode()
    text = re.sub(r"<[^>]+>", " ", html)
    for personal in ("王先生", "13812345678", "5678", "东街路灯", "路灯不亮", "东街社区"):
        assert personal not in html, personal
    assert "受理群众诉求 5 件" in text
    # Two closed: fewer than five, so suppressed.
    assert "办结 &lt;5 件" in html or "办结 <5 件" in text
    # On a phone each row is a card: every count says what it counts.
    assert 'data-label="受理"' in html and 'data-label="办结"' in html


def test_small_numbers_are_suppressed() -> None:
    assert dashboard.suppressed(0) == 0
    assert dashboard.suppressed(4) == "<5"
    assert dashboard.suppressed(5) == 5


def test_public_page_for_a_future_month_shows_last_month(client: Client, db: None) -> None:
    with clock.travel_to(START):
        html = client.get(reverse("stats:public"), {"month": "2099-01"}).content.decode()
    assert selectors.DateRange.month(dt.date(2026, 2, 1)).label in html


def test_ageing_buckets_match_the_days_overdue(county: County, dispatcher: User) -> None:
    from jishi.cases.models import Case
    from jishi.reports import metrics

    make_history(county, dispatcher)
    now = START + dt.timedelta(days=60)
    open_cases = list(metrics.overdue_cases(Case.objects.all(), now).order_by("id"))
    assert len(open_cases) >= 1
    deltas = [
        dt.timedelta(hours=1),
        dt.timedelta(days=3),
        dt.timedelta(days=3, seconds=1),
        dt.timedelta(days=10),
        dt.timedelta(days=20),
    ]
    for case, delta in zip(open_cases, deltas, strict=False):
        Case.objects.filter(pk=case.pk).update(handling_due=now - delta)
    with clock.travel_to(now):
        chart = dashboard.ageing(None)
        dues = metrics.overdue_cases(Case.objects.all(), now).values_list("handling_due", flat=True)
        expected = [0] * len(metrics.AGEING)
        for due in dues:
            assert due is not None
            expected[metrics.ageing_bucket(metrics.days_overdue(due, now))] += 1
    assert chart.series[0]["data"] == expected
    assert sum(expected) == len(dues)
    # A deadline three days and a second ago is four days overdue; three days ago, three.
    assert metrics.days_overdue(now - deltas[2], now) == 4
    assert metrics.days_overdue(now - deltas[1], now) == 3
