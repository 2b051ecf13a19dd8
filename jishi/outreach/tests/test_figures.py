"""Figures from talks and check-ins: one selector for the console, the bulletin, the year."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jishi.common import clock
from jishi.orgs.models import User
from jishi.outreach import selectors, services
from jishi.outreach.models import Series, Site, Talk
from jishi.outreach.tests.conftest import at
from jishi.testing.fixtures import County
from jishi.testing.spreadsheets import assert_inert_xlsx

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
        assert '?held=1&amp;period=2026-11&amp;setting=community" data-figure="talks">1</a>' in page
        listed = client.get(reverse("outreach:index") + "?held=1&period=2026-11&setting=community")
    assert "党的创新理论进社区" in listed.content.decode()
    for ugly in ("0001", "9999-99", "'; drop", "2026-13"):
        assert client.get(reverse("outreach:figures"), {"period": ugly}).status_code == 200
        assert (
            client.get(reverse("outreach:index"), {"month": ugly, "series": ugly}).status_code
            == 200
        )


def _page_numbers(html: str) -> dict[str, int]:
    """The totals at the head of the figures page, by their label."""
    found = re.findall(
        r"<div><strong>(?:<a [^>]*>)?(\d+)(?:</a>)?</strong><span>([^<]+)</span>", html
    )
    return {label: int(n) for n, label in found}


def _page_tables(html: str) -> dict[str, list[tuple[str, int, int]]]:
    """Each table of the figures page: its title and its rows (label, talks, person-times)."""
    out = {}
    for title, body in re.findall(
        r'<h2 class="card-title">([^<]+)</h2>(.*?)</section>', html, re.S
    ):
        rows = re.findall(
            r"<tr>\s*<td[^>]*>([^<]*)</td>\s*<td class=\"num\"[^>]*>(?:<a [^>]*>)?(\d+)(?:</a>)?"
            r"</td>\s*<td class=\"num\"[^>]*>(?:<a [^>]*>)?(\d+)(?:</a>)?</td>",
            body,
        )
        out[title] = [(label, int(t), int(p)) for label, t, p in rows]
    return out


def _workbook(data: bytes) -> dict[str, list[tuple[Any, ...]]]:
    workbook = load_workbook(io.BytesIO(data))
    return {
        sheet.title: [tuple(row) for row in sheet.iter_rows(min_row=2, values_only=True)]
        for sheet in workbook.worksheets
    }


def test_the_export_holds_the_pages_numbers(
    client: Client,
    talk: Talk,
    organiser: User,
    county: County,
    series: Series,
    other_township_handler: User,
) -> None:
    october = another(organiser, county, dt.date(2026, 10, 20), "village", series=series)
    another(organiser, county, dt.date(2026, 10, 22), "school")
    with clock.travel_to(at(14)):
        services.checkin_record(talk=talk, name="王芳", unit_text="东街支部", device_key="a")
        services.checkin_record(talk=talk, name="赵强", device_key="b")
        services.checkin_record(talk=talk, anonymous=True, device_key="c")
        services.head_count_add(actor=organiser, talk=talk, count=6)
        services.head_count_add(actor=organiser, talk=talk, count=-1, note="一人后来扫码")
    with clock.travel_to(at(10, day=dt.date(2026, 10, 20))):
        services.checkin_record(talk=october, name="王芳", unit_text="東街黨支部", device_key="a")
        services.checkin_record(talk=october, name='=HYPERLINK("x")', device_key="d")
    client.force_login(organiser)
    with clock.travel_to(at(18)):
        html = client.get(reverse("outreach:figures"), {"period": "2026"}).content.decode()
        response = client.get(reverse("outreach:figures"), {"period": "2026", "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="outreach-2026.xlsx"' in response["Content-Disposition"]
    assert "?period=2026&amp;format=xlsx" in html
    assert_inert_xlsx(response.content)
    book = _workbook(response.content)

    page = _page_numbers(html)
    assert page == {
        "宣讲场次": 3,
        "参加人数": 4 + 5,  # 王芳 once, 赵强, the anonymous phone, the HYPERLINK; plus 5
        "参加人次": 5 + 5,
        "其中现场补录": 5,
    }
    totals: dict[str, int] = {str(row[0]): row[1] for row in book["总计"][:6]}
    for label, value in page.items():
        assert totals[label] == value, label
    assert (totals["扫码签到人次"], totals["其中流动党员远程"]) == (5, 0)

    tables = _page_tables(html)
    assert set(tables) == {"按系列", "按六进场景", "按乡镇", "按月份", "阵地接待"}
    for title, rows in tables.items():
        assert [(str(a), b, c) for a, b, c, *_ in book[title]] == rows, title
    assert book["按月份"] == [("2026-10", 2, 2), ("2026-11", 1, 8)]
    assert ("未填写", 1, 0) in book["按系列"]

    # Scoped like the page: another township's handler gets the file of what they may see.
    client.force_login(other_township_handler)
    with clock.travel_to(at(18)):
        theirs = client.get(reverse("outreach:figures"), {"period": "2026", "format": "xlsx"})
    book = _workbook(theirs.content)
    assert book["总计"][0] == ("宣讲场次", 0)
    assert all(book[title] == [] for title in tables)


def test_the_export_needs_a_sign_in_and_a_bad_period_falls_back_like_the_page(
    client: Client, talk: Talk, organiser: User
) -> None:
    url = reverse("outreach:figures")
    anonymous = client.get(url, {"period": "2026", "format": "xlsx"})
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    client.force_login(organiser)
    with clock.travel_to(at(18)):
        for ugly in ("9999-99", "'; drop", "=1+1", "２０２６"):
            response = client.get(url, {"period": ugly, "format": "xlsx"})
            assert response.status_code == 200, ugly
            book = _workbook(response.content)
            assert list(book) == ["总计", "按系列", "按六进场景", "按乡镇", "按月份", "阵地接待"]


def _figure_links(html: str) -> list[tuple[str, str, int]]:
    """Every linked number of a page: (what it counts, where it links, the number)."""
    return [
        (kind, href.replace("&amp;", "&"), int(n))
        for href, kind, n in re.findall(r'<a href="([^"]+)" data-figure="(\w+)">(\d+)</a>', html)
    ]


def _list_totals(html: str) -> dict[str, int]:
    return {
        kind: int(n) for kind, n in re.findall(r'<strong data-figure="(\w+)">(\d+)</strong>', html)
    }


@pytest.mark.parametrize("period", ["2026", "2026-11", "2026-10"])
def test_every_number_links_to_the_talks_it_counts(
    client: Client,
    talk: Talk,
    organiser: User,
    county: County,
    series: Series,
    site: Site,
    period: str,
) -> None:
    """Click every number of the figures page: the talk list it opens heads with the same
    number, for the page's period and scope (a year's links once listed every year)."""
    october = another(organiser, county, dt.date(2026, 10, 20), "village", series=series)
    # No series, no township: the "未填写" rows link too.
    loose = services.talk_create(
        actor=organiser,
        data=services.TalkInput(
            title="田间课堂",
            speaker="王老师",
            setting="village",
            organiser=county.chengguan,
            starts_at=at(9, day=dt.date(2026, 10, 22)),
            ends_at=at(11, day=dt.date(2026, 10, 22)),
            place="晒谷场",
        ),
    )
    last_year = another(organiser, county, dt.date(2025, 11, 12), "community", series=series)
    with clock.travel_to(at(14)):
        services.checkin_record(talk=talk, name="王芳", unit_text="东街支部", device_key="a")
        services.checkin_record(talk=talk, name="赵强", device_key="b")
        services.checkin_record(talk=talk, anonymous=True, device_key="c")
        services.head_count_add(actor=organiser, talk=talk, count=4)
    with clock.travel_to(at(10, day=dt.date(2026, 10, 20))):
        services.checkin_record(talk=october, name="王芳", unit_text="東街支部", device_key="a")
        services.checkin_record(talk=october, name="孙丽", device_key="d")
    with clock.travel_to(at(10, day=dt.date(2026, 10, 22))):
        services.checkin_record(talk=loose, name="孙丽", device_key="d")
        services.head_count_add(actor=organiser, talk=loose, count=7)
    with clock.travel_to(at(10, day=dt.date(2025, 11, 12))):
        services.checkin_record(talk=last_year, name="钱敏", device_key="e")
        services.head_count_add(actor=organiser, talk=last_year, count=9)
    with clock.travel_to(at(18)):
        # Visitors outside talks: an October school class at the site (no talk there then).
        services.site_visit_add(
            actor=organiser, site=site, visited_on=dt.date(2026, 10, 5), count=45, group="一中"
        )
        services.site_visit_add(
            actor=organiser, site=site, visited_on=dt.date(2026, 11, 3), count=12
        )
    client.force_login(organiser)
    with clock.travel_to(at(18)):
        html = client.get(reverse("outreach:figures"), {"period": period}).content.decode()
        links = _figure_links(html)
        kinds = {kind for kind, _, _ in links}
        assert kinds == {"talks", "people", "person_times", "head_count", "visitors"}
        # Every table's cells link: talks and person-times of each row, a site's visitors.
        tables = _page_tables(html)
        rows = sum(len(rows) for rows in tables.values())
        assert len(links) == 4 + 2 * rows + len(tables["阵地接待"])
        for kind, href, number in links:
            assert f"period={period}" in href or "period=2026-1" in href, href
            listed = client.get(href)
            assert listed.status_code == 200
            assert _list_totals(listed.content.decode())[kind] == number, (kind, href)
    if period == "2026":
        assert "未填写" in html
        # Last year's talk is in no number of this year's page.
        assert _page_numbers(html)["宣讲场次"] == 3


def test_the_talk_list_filters_by_year_and_by_nothing_filled_in(
    client: Client, talk: Talk, organiser: User, county: County
) -> None:
    old = another(organiser, county, dt.date(2025, 11, 12), "community")
    client.force_login(organiser)
    with clock.travel_to(at(18)):
        this_year = client.get(reverse("outreach:index"), {"period": "2026"}).content.decode()
        assert talk.title in this_year and old.title not in this_year
        last = client.get(reverse("outreach:index"), {"period": "2025"}).content.decode()
        assert talk.title not in last and old.title in last
        # The talk has a series, the old one none.
        none = client.get(reverse("outreach:index"), {"series": "none"}).content.decode()
        assert talk.title not in none and old.title in none
        for ugly in ("20266", "2026-0", "２０２６", "2026-13", "-2026", "none"):
            response = client.get(reverse("outreach:index"), {"period": ugly})
            assert response.status_code == 200, ugly
            page = response.content.decode()
            # Read as no period: every talk listed, and no totals (they need a period).
            assert talk.title in page and old.title in page, ugly
            assert _list_totals(page) == {} and 'data-totals="none"' in page, ugly


def test_the_talk_lists_totals_are_of_held_talks_in_the_period_only(
    client: Client, talk: Talk, organiser: User, county: County
) -> None:
    """The list's totals say what the figures say: talks held in the chosen period, not the
    future or cancelled ones it also lists; without a period the list has no totals."""
    future = another(organiser, county, dt.date(2026, 12, 20), "school")
    cancelled = another(organiser, county, dt.date(2026, 10, 21), "school")
    with clock.travel_to(at(10, day=dt.date(2026, 10, 21))):
        services.head_count_add(actor=organiser, talk=cancelled, count=6)  # before the cancel
    services.talk_cancel(actor=organiser, talk=cancelled)
    with clock.travel_to(at(14)):
        services.checkin_record(talk=talk, name="王芳", device_key="a")
    client.force_login(organiser)
    with clock.travel_to(at(18)):
        page = client.get(reverse("outreach:index"), {"period": "2026"}).content.decode()
        bare = client.get(reverse("outreach:index")).content.decode()
        figures = selectors.outreach_figures(organiser, YEAR)
    assert future.title in page and cancelled.title in page  # listed, not counted
    assert _list_totals(page) == {"talks": 1, "people": 1, "person_times": 1, "head_count": 0}
    assert (figures.talks, figures.person_times) == (1, 1)
    assert "2026 已举办宣讲的合计" in page
    assert _list_totals(bare) == {} and future.title in bare
    assert 'href="?period=2026">看今年的合计</a>' in bare
