"""Figures from talks and check-ins: one selector for the console, the bulletin, the year."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from jishi.common import clock
from jishi.orgs.models import User
from jishi.outreach import selectors, services
from jishi.outreach.models import Series, Site, Talk
from jishi.outreach.tests.conftest import at
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db
YEAR = (dt.date(2026, 1, 1), dt.date(2027, 1, 1))


def another(organiser: User, county: County, day: dt.date, setting: str, **kw: object) -> Talk:
    return services.talk_create(
        actor=organiser,
        data=services.TalkInput(
            title=f"宣讲 {day}",
            speaker="王老师",
            setting=setting,
            organiser=county.chengguan,
            starts_at=at(9, day=day),
            ends_at=at(11, day=day),
            place="村委会",
            township=county.chengguan,
            **kw,  # type: ignore[arg-type]
        ),
    )


def test_figures_count_people_once_and_person_times_each(
    talk: Talk, organiser: User, county: County, series: Series, site: Site, dispatcher: User
) -> None:
    october = another(organiser, county, dt.date(2026, 10, 20), "village", series=series)
    future = another(organiser, county, dt.date(2026, 12, 20), "school")
    cancelled = another(organiser, county, dt.date(2026, 10, 21), "school")
    services.talk_cancel(actor=organiser, talk=cancelled)
    with clock.travel_to(at(14)):
        for name in ("王芳", "赵强"):
            services.checkin_record(talk=talk, name=name, device_key="d-" + name)
        services.checkin_record(talk=talk, name="王芳", device_key="d-other")  # twice: once
        services.checkin_record(talk=talk, anonymous=True, device_key="d-anon")
        services.head_count_add(actor=organiser, talk=talk, count=5)
    with clock.travel_to(at(10, day=dt.date(2026, 10, 20))):
        services.checkin_record(talk=october, name="王芳", device_key="d-王芳")
        services.checkin_record(talk=october, name="孙丽", device_key="d-孙丽")
    with clock.travel_to(at(18)):
        f = selectors.outreach_figures(dispatcher, YEAR)
        also = selectors.outreach_figures(organiser, YEAR)
    assert f == also
    assert f.talks == 2  # the future and the cancelled one are not held
    assert f.checkins == 5 and f.head_count == 5
    assert f.person_times == 10
    assert f.people == 4 + 5  # 王芳, 赵强, the anonymous phone, 孙丽; plus the head count
    assert {r.label: r.talks for r in f.by_setting} == {"进社区": 1, "进农村": 1}
    assert {r.label: r.person_times for r in f.by_month} == {"2026-10": 2, "2026-11": 8}
    assert [(r.label, r.talks) for r in f.by_series] == [("六讲六进", 2)]
    assert [(r.label, r.person_times) for r in f.by_site] == [("红军长征纪念馆", 8)]
    assert [(r.label, r.talks) for r in f.by_township] == [("城关镇", 2)]
    assert future.pk and cancelled.pk


def test_figures_respect_scope(talk: Talk, other_township_handler: User) -> None:
    with clock.travel_to(at(18)):
        assert selectors.outreach_figures(other_township_handler, YEAR).talks == 0


def test_figures_page_links_to_talks(client: Client, talk: Talk, organiser: User) -> None:
    client.force_login(organiser)
    with clock.travel_to(at(18)):
        page = client.get(reverse("outreach:figures") + "?period=2026-11").content.decode()
        assert '?held=1&amp;month=2026-11&amp;setting=community">1</a>' in page
        listed = client.get(reverse("outreach:index") + "?held=1&month=2026-11&setting=community")
    assert "党的创新理论进社区" in listed.content.decode()
    for ugly in ("0001", "9999-99", "'; drop", "2026-13"):
        assert client.get(reverse("outreach:figures"), {"period": ugly}).status_code == 200
        assert (
            client.get(reverse("outreach:index"), {"month": ugly, "series": ugly}).status_code
            == 200
        )
