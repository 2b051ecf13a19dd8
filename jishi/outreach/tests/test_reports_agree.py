"""The monthly bulletin and the year-end summary read outreach's numbers through the same
selector as the figures page: for a seeded month and year, the numbers are equal."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from jishi.common import clock
from jishi.orgs.models import User
from jishi.outreach import services
from jishi.outreach.models import Series, Talk
from jishi.outreach.tests.conftest import at
from jishi.outreach.tests.test_figures import _page_numbers, _page_tables, another
from jishi.reports import bulletin, yearend
from jishi.reports.selectors import DateRange
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db
AFTER = at(10, day=dt.date(2026, 12, 5))


@pytest.fixture
def seeded(talk: Talk, organiser: User, county: County, series: Series, dispatcher: User) -> None:
    """November: the fixture's talk (城关镇) and one of 石桥镇; October: one more."""
    shiqiao = services.talk_create(
        actor=dispatcher,
        data=services.TalkInput(
            title="石桥宣讲",
            speaker="王老师",
            setting="village",
            organiser=county.shiqiao,
            starts_at=at(9, day=dt.date(2026, 11, 18)),
            ends_at=at(11, day=dt.date(2026, 11, 18)),
            place="石桥村委会",
            township=county.shiqiao,
        ),
    )
    october = another(organiser, county, dt.date(2026, 10, 20), "village", series=series)
    with clock.travel_to(at(14)):
        services.checkin_record(talk=talk, name="王芳", unit_text="东街支部", device_key="a")
        services.checkin_record(talk=talk, name="赵强", device_key="b")
        services.checkin_record(talk=talk, anonymous=True, device_key="c")
        services.head_count_add(actor=organiser, talk=talk, count=6)
    with clock.travel_to(at(10, day=dt.date(2026, 11, 18))):
        services.checkin_record(talk=shiqiao, name="王芳", unit_text="东街支部", device_key="a")
        services.checkin_record(talk=shiqiao, name="孙丽", device_key="d")
    with clock.travel_to(at(10, day=dt.date(2026, 10, 20))):
        services.checkin_record(talk=october, name="钱敏", device_key="e")
        services.head_count_add(actor=organiser, talk=october, count=2)


def page(client: Client, period: str) -> str:
    return client.get(reverse("outreach:figures"), {"period": period}).content.decode()


def test_the_bulletin_reads_the_figures_pages_numbers(
    client: Client, seeded: None, dispatcher: User
) -> None:
    client.force_login(dispatcher)
    with clock.travel_to(AFTER):
        html = page(client, "2026-11")
        content = bulletin.build(DateRange.month(dt.date(2026, 11, 1)))
    section = {s["key"]: s for s in content["sections"]}["outreach"]
    cells = {row[0]["t"].strip(): row[1] for row in section["rows"]}
    numbers = _page_numbers(html)
    assert numbers["宣讲场次"] == 2 and numbers["参加人数"] == 4 + 6  # the seed is counted
    for label in ("宣讲场次", "参加人数", "参加人次"):
        assert int(cells[label]["t"]) == numbers[label], label
        assert cells[label]["h"].endswith("?period=2026-11"), label
    townships = {label: talks for label, talks, _ in _page_tables(html)["按乡镇"]}
    assert townships == {"城关镇": 1, "石桥镇": 1}
    for label, talks in townships.items():
        assert int(cells[label]["t"]) == talks, label


def test_the_year_end_summary_reads_the_figures_pages_numbers(
    client: Client, seeded: None, dispatcher: User
) -> None:
    client.force_login(dispatcher)
    with clock.travel_to(AFTER):
        numbers = _page_numbers(page(client, "2026"))
        sentences = yearend.summary(2026)
    [sentence] = [s for s in sentences if "宣讲" in yearend.plain(s)]
    linked = [part for part in sentence if not isinstance(part, str)]
    assert [int(p["t"]) for p in linked] == [
        numbers["宣讲场次"],
        numbers["参加人数"],
        numbers["参加人次"],
    ]
    assert numbers["宣讲场次"] == 3
    assert all(p["h"].endswith("?period=2026") for p in linked)
