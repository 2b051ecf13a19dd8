"""The hotspots page of the console."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from jishi.cases import hotspots as engine
from jishi.cases import services, tasks
from jishi.cases.models import Case
from jishi.cases.models_hotspots import Hotspot
from jishi.cases.tests import builders
from jishi.common import clock
from jishi.orgs.models import User
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db

PAGE = "/console/routing/hotspots/"
REFRESH = "/console/routing/hotspots/refresh/"
LIGHTS = [
    ("东街路灯不亮", "东街社区文化广场旁的三盏路灯已经坏了一周，晚上出行不便，请尽快修复。"),
    ("文化广场路灯坏了", "东街文化广场边上的路灯坏了好几天了，晚上黑漆漆的，请尽快修好。"),
    ("路灯坏了没人修", "东街社区文化广场路灯不亮已经很久，晚上散步的老人孩子很危险。"),
]


def _lights(county: County) -> list[Case]:
    return [
        builders.accepted(county, title=t, text=b, citizen_phone=f"1381234567{i}")
        for i, (t, b) in enumerate(LIGHTS)
    ]


def _refresh() -> None:
    assert engine.refresh_hotspots(days=30, end=clock.now() + timedelta(minutes=1)) >= 1


def test_county_wide_user_sees_the_hotspots_with_linked_cases(
    client: Client, county: County, county_lead: User
) -> None:
    cases = _lights(county)
    _refresh()
    client.force_login(county_lead)
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    row = Hotspot.objects.get()
    assert row.title in html
    for case in cases:
        assert f'href="/console/cases/{case.code}/"' in html
    assert "群众人数" in html and "东街社区" in html
    assert "立即刷新" not in html  # only dispatchers and admins refresh


def test_handler_sees_only_hotspots_with_cases_in_view(
    client: Client,
    county: County,
    dispatcher: User,
    township_handler: User,
    other_township_handler: User,
) -> None:
    cases = _lights(county)
    for case in cases:
        services.case_dispatch(actor=dispatcher, case=case, lead_unit=county.chengguan)
    _refresh()
    client.force_login(township_handler)
    html = client.get(PAGE).content.decode()
    assert Hotspot.objects.get().title in html
    client.force_login(other_township_handler)
    html = client.get(PAGE).content.decode()
    assert Hotspot.objects.get().title not in html
    assert "暂无热点" in html
    assert cases[0].code not in html


def test_page_queries_do_not_grow_with_rows(
    client: Client,
    county: County,
    county_lead: User,
    django_assert_max_num_queries: object,
) -> None:
    _lights(county)
    _refresh()
    client.force_login(county_lead)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        assert client.get(PAGE).status_code == 200


def test_dispatcher_refreshes_now(client: Client, county: County, dispatcher: User) -> None:
    _lights(county)
    client.force_login(dispatcher)
    with clock.travel_to(clock.now()):
        assert "立即刷新" in client.get(PAGE).content.decode()
    # Nothing was stored: the visit itself asked for a refresh (the test settings run
    # tasks at once).
    assert Hotspot.objects.count() == 1
    with clock.travel_to(clock.now() + timedelta(minutes=5)):
        response = client.post(REFRESH)
        assert response.status_code == 302 and response["Location"] == PAGE
        latest = Hotspot.objects.order_by("-period_end").first()
        assert latest is not None
        assert Hotspot.objects.filter(period_end=latest.period_end).count() == 1
        assert "已开始刷新热点" in client.get(PAGE).content.decode()


def test_a_visit_refreshes_stale_hotspots_once(
    client: Client, county: County, county_lead: User
) -> None:
    _lights(county)
    _refresh()
    client.force_login(county_lead)
    client.get(PAGE)
    assert Hotspot.objects.values("period_end").distinct().count() == 1  # fresh: kept
    with clock.travel_to(clock.now() + tasks.MAX_AGE + timedelta(minutes=5)):
        client.get(PAGE)
        client.get(PAGE)  # the first visit refreshed them: the second finds them fresh
    assert Hotspot.objects.values("period_end").distinct().count() == 2
    # A week later the old computations are dropped when the next one is stored.
    with clock.travel_to(clock.now() + timedelta(days=8)):
        engine.refresh_hotspots(days=30)
    assert Hotspot.objects.values("period_end").distinct().count() == 1


def test_others_may_not_refresh(client: Client, county: County, county_lead: User) -> None:
    client.force_login(county_lead)
    assert client.post(REFRESH).status_code == 403
    assert client.get(REFRESH).status_code == 405


def test_sign_in_needed_and_nav_entry(client: Client, county: County, county_lead: User) -> None:
    assert client.get(PAGE).status_code == 302
    client.force_login(county_lead)
    html = client.get("/console/").content.decode()
    assert 'href="/console/routing/hotspots/"' in html
