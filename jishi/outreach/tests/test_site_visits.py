"""Visitors to a heritage site outside talks (参观接待): entered by the site's township,
counted in the figures' site table and shown on the public page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from jishi.common import clock
from jishi.orgs.models import User
from jishi.outreach import selectors, services
from jishi.outreach.models import Site, SiteVisit
from jishi.outreach.tests.conftest import YEAR_2026, at

pytestmark = pytest.mark.django_db


def visits_url(site: Site) -> str:
    return reverse("outreach:site_visits", args=[site.pk])


def test_the_township_enters_visitors_and_they_are_counted(
    client: Client, site: Site, organiser: User, other_township_handler: User, dispatcher: User
) -> None:
    client.force_login(organiser)
    with clock.travel_to(at(18)):
        assert 'name="visited_on"' in client.get(visits_url(site)).content.decode()
        for day, count, group in (
            ("2026-11-03", "45", "县一中高一(3)班"),
            ("2026-11-08", "１２", ""),
        ):
            response = client.post(
                visits_url(site), {"visited_on": day, "count": count, "group": group}
            )
            assert response.status_code == 302, response.content.decode()[:2000]
        fix = client.post(
            visits_url(site), {"visited_on": "2026-11-08", "count": "-2", "group": "重复登记"}
        )
        assert fix.status_code == 302
        page = client.get(visits_url(site), {"period": "2026-11"}).content.decode()
        figures = selectors.outreach_figures(dispatcher, YEAR_2026)
        theirs = selectors.outreach_figures(other_township_handler, YEAR_2026)
        public = client.get(reverse("outreach_public:site", args=[site.pk])).content.decode()
    assert '<strong data-figure="visitors">55</strong>' in page
    assert "县一中高一(3)班" in page and "重复登记" in page
    assert [(r.label, r.talks, r.visitors) for r in figures.by_site] == [("红军长征纪念馆", 0, 55)]
    assert figures.visitors == 55 and figures.person_times == 0  # visits are not talks
    assert theirs.visitors == 0  # scoped like the rest of the figures
    assert "接待参观：今年 55 人次，累计 55 人次" in public
    assert SiteVisit.objects.filter(recorded_by=organiser).count() == 3


def test_another_township_may_not_enter_visitors(
    client: Client, site: Site, other_township_handler: User
) -> None:
    client.force_login(other_township_handler)
    with clock.travel_to(at(18)):
        page = client.get(visits_url(site))
        assert page.status_code == 200 and 'name="visited_on"' not in page.content.decode()
        refused = client.post(visits_url(site), {"visited_on": "2026-11-03", "count": "45"})
    assert refused.status_code == 403
    assert not SiteVisit.objects.exists()


def test_bad_visitor_entries_change_nothing(client: Client, site: Site, organiser: User) -> None:
    client.force_login(organiser)
    with clock.travel_to(at(18)):
        for data, message in (
            ({"visited_on": "2026-11-03", "count": "0"}, "请填写 1 到 100000 之间的整数"),
            ({"visited_on": "2026-11-03", "count": "abc"}, "请填写整数"),
            ({"visited_on": "2026-11-03", "count": ""}, "请填写人数"),
            ({"visited_on": "2026-11-03", "count": "200000"}, "人数过大"),
            ({"visited_on": "2026-11-30", "count": "5"}, "参观日期不能晚于今天"),
            ({"visited_on": "十一月", "count": "5"}, "日期格式应为 2026-11-28"),
            ({"visited_on": "", "count": "5"}, "请填写日期"),
            ({"visited_on": "2026-11-03", "count": "-3"}, "减少人数是更正，请写明原因"),
            ({"visited_on": "2026-11-03", "count": "-3", "group": "错"}, "更正后人数不能少于 0"),
            (
                {"visited_on": "2026-11-03", "count": "5", "group": "x" * 201},
                "最多 200 字，现有 201 字",
            ),
        ):
            response = client.post(visits_url(site), data)
            assert response.status_code == 422, data
            assert message in response.content.decode(), data
    assert not SiteVisit.objects.exists()


def test_a_correction_corrects_its_own_month_up_to_its_date(
    site: Site, organiser: User, dispatcher: User
) -> None:
    """A −50 dated in November cannot cancel +50 dated in October (November would show −50),
    nor a correction dated the 4th take off visitors of the 6th; within those bounds it is
    taken, also when an earlier correction already took part of the month."""

    def add(day: int, count: int, month: int = 11) -> None:
        services.site_visit_add(
            actor=organiser,
            site=site,
            visited_on=dt.date(2026, month, day),
            count=count,
            group="更正" if count < 0 else "",
        )

    with clock.travel_to(at(18)):
        add(20, 50, month=10)
        add(3, 10)
        add(6, 10)
        add(7, -15)  # allowed: 20 on or before the 7th
        for day, count, most in ((5, -50, 5), (2, -1, 0), (4, -8, 5), (8, -6, 5)):
            with pytest.raises(services.InvalidInput) as refused:
                add(day, count)
            message = refused.value.errors["count"][0]
            assert message.startswith("更正后人数不能少于 0：更正只能减去同月内"), message
            assert f"11 月 {day} 日最多可减 {most} 人次" in message
        add(4, -5)  # allowed: the 4th has 10, and the 7th's sum falls to 0, not below
        add(25, -5, month=10)  # allowed: October's 50 are on or before the 25th
    visits = site.visits.all()
    october = selectors.visits_in(visits, (dt.date(2026, 10, 1), dt.date(2026, 11, 1)))
    november = selectors.visits_in(visits, (dt.date(2026, 11, 1), dt.date(2026, 12, 1)))
    assert (selectors.visitors_of(october), selectors.visitors_of(november)) == (45, 0)
    assert SiteVisit.objects.count() == 6  # the four refused left nothing


def test_another_townships_visit_entries_are_hidden(
    client: Client,
    site: Site,
    organiser: User,
    other_township_handler: User,
    dispatcher: User,
) -> None:
    """Who recorded a site's visitors, and which groups came, is for the site's township and
    the county: another township sees the page of the site, but no entry and no total."""
    with clock.travel_to(at(18)):
        services.site_visit_add(
            actor=organiser,
            site=site,
            visited_on=dt.date(2026, 11, 3),
            count=45,
            group="县一中高一(3)班",
        )
        client.force_login(other_township_handler)
        theirs = client.get(visits_url(site), {"period": "2026-11"})
        client.force_login(dispatcher)
        county = client.get(visits_url(site), {"period": "2026-11"}).content.decode()
    page = theirs.content.decode()
    assert theirs.status_code == 200
    assert "县一中高一(3)班" not in page and "cg_organiser" not in page
    assert '<strong data-figure="visitors">0</strong>' in page
    assert "县一中高一(3)班" in county and "cg_organiser" in county
    assert '<strong data-figure="visitors">45</strong>' in county
