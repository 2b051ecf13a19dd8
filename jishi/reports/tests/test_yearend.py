"""The year-end sentences against a direct count of the ledger, and their links."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from jishi.cases.models import Case, CaseEvent
from jishi.common import clock
from jishi.orgs.models import User
from jishi.reports import yearend
from jishi.reports.tests.test_pages import START, ledger_count, make_history
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db


def test_sentences_match_a_direct_count(county: County, dispatcher: User, client: Client) -> None:
    make_history(county, dispatcher)
    with clock.travel_to(START + dt.timedelta(days=40)):
        sentences = yearend.summary(2026)
    first = yearend.plain(sentences[0])
    received = Case.objects.filter(accepted_at__year=2026).count()
    closed = Case.objects.filter(state="closed", closed_at__year=2026).count()
    solved = Case.objects.filter(state="closed", resolved=True).count()
    no_callback = CaseEvent.objects.filter(kind="close", payload__after_callback=False).count()
    assert (received, closed, solved, no_callback) == (5, 3, 2, 1)
    assert f"全年共受理群众诉求 {received} 件" in first
    assert f"办结 {closed} 件" in first
    assert f"经群众回访确认解决 {solved} 件" in first
    assert f"未经回访办结 {no_callback} 件" in first
    assert "解决率 66.7%" in first
    # Each ledger figure opens the ledger with the same count.
    client.force_login(dispatcher)
    with clock.travel_to(START + dt.timedelta(days=40)):
        for part in sentences[0]:
            if isinstance(part, dict) and part["h"].startswith("/console/ledger/"):
                assert ledger_count(client, unescape(part["h"])) == int(part["t"])


def test_year_page_and_pdf(
    county: County, dispatcher: User, dept_handler: User, client: Client
) -> None:
    make_history(county, dispatcher)
    client.force_login(dispatcher)
    with clock.travel_to(START + dt.timedelta(days=40)):
        page = client.get(reverse("reports:year"), {"year": "2026"}).content.decode()
        assert "全年共受理群众诉求" in page and "/console/ledger/?figure=received" in page
        pdf = client.get(reverse("reports:year_pdf"), {"year": "2026"})
        assert pdf.content.startswith(b"%PDF")
    client.force_login(dept_handler)
    assert client.get(reverse("reports:year")).status_code == 403
