"""The report pages as a person uses them: figures whose links open the ledger showing the
same number of cases; the definitions page; a unit sees its own figures only."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jishi.cases import services
from jishi.cases.models import CaseKind, Channel
from jishi.common import clock
from jishi.orgs.models import Role, User
from jishi.testing.fixtures import County, make_person

pytestmark = pytest.mark.django_db

START = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
CELL = re.compile(r'<td class="num"><a href="([^"]+)"[^>]*>([^<]+)</a></td>')
LEDGER_COUNT = re.compile(r'class="ledger-count">共 <strong>(\d+)</strong> 条')


def make_history(county: County, dispatcher: User) -> None:
    handlers = {
        county.housing: make_person("hh", county.housing, Role.HANDLER),
        county.chengguan: make_person("hc", county.chengguan, Role.HANDLER),
    }
    for i, (unit, end) in enumerate(
        [
            (county.housing, "solved"),
            (county.housing, "no_callback"),
            (county.chengguan, "solved"),
            (county.chengguan, "returned"),
            (county.chengguan, "open"),
        ]
    ):
        with clock.travel_to(START + dt.timedelta(hours=i)):
            case = services.case_accept(
                actor=services.Citizen(),
                kind=CaseKind.REQUEST,
                channel=Channel.PORTAL,
                title=f"路灯不亮{i}",
                text="东街路灯坏了，请修复。",
                township=county.chengguan,
                citizen_name="王先生",
                citizen_phone="13812345678",
            )
            case = services.case_dispatch(actor=dispatcher, case=case, lead_unit=unit)
            if end == "returned":
                services.case_return(actor=handlers[unit], case=case, reason="不属本单位")
                continue
            case = services.case_acknowledge(actor=handlers[unit], case=case)
            if end == "open":
                continue
            case = services.case_reply(actor=handlers[unit], case=case, text="已修复")
            if end == "solved":
                services.case_callback(actor=dispatcher, case=case, resolved=True, satisfaction=5)
            else:
                services.case_close(actor=dispatcher, case=case, reason="无法联系")


def ledger_count(client: Client, href: str) -> int:
    page = client.get(unescape(href)).content.decode()
    match = LEDGER_COUNT.search(page)
    if match is None:
        assert "没有符合条件的事项" in page or "ledger-empty" in page, page[:2000]
        return 0
    return int(match.group(1))


def test_every_figure_opens_the_ledger_with_the_same_count(
    county: County, dispatcher: User, client: Client
) -> None:
    make_history(county, dispatcher)
    client.force_login(dispatcher)
    with clock.travel_to(START + dt.timedelta(days=1)):
        page = client.get(reverse("reports:index"), {"month": "2026-03", "by": "unit"})
        assert page.status_code == 200
        cells = CELL.findall(page.content.decode())
        counts = [(href, int(text)) for href, text in cells if text.isdigit()]
        assert len(counts) > 20
        nonzero = [(href, n) for href, n in counts if n]
        checked = 0
        for href, n in nonzero:
            assert ledger_count(client, href) == n, unescape(href)
            checked += 1
        assert checked >= 3


def test_closed_without_callback_shown_beside_the_rates(
    county: County, dispatcher: User, client: Client
) -> None:
    make_history(county, dispatcher)
    client.force_login(dispatcher)
    with clock.travel_to(START + dt.timedelta(days=1)):
        html = client.get(reverse("reports:index"), {"month": "2026-03", "by": "unit"}).content
    text = html.decode()
    assert "未回访办结占比" in text
    # 县住建局: two closed, one solved at callback, one closed without it → 解决率 50%.
    assert "50.0%" in text


def test_a_unit_sees_its_own_figures(
    county: County, dispatcher: User, dept_handler: User, client: Client
) -> None:
    make_history(county, dispatcher)
    client.force_login(dept_handler)
    with clock.travel_to(START + dt.timedelta(days=1)):
        html = client.get(reverse("reports:index"), {"month": "2026-03", "by": "unit"}).content
    text = html.decode()
    assert "县住建局" in text
    assert "城关镇" not in text.split("<tbody>")[1]


def test_definitions_page_names_every_figure(client: Client, dispatcher: User) -> None:
    client.force_login(dispatcher)
    text = client.get(reverse("reports:definitions")).content.decode()
    for name in ("响应率", "按时办结率", "解决率", "满意率", "回退率", "重办率", "首派准确率"):
        assert name in text
    assert "不计为解决或满意" in text
