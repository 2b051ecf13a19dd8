"""The dispatcher's queue: every waiting case, in order, filtered and paged; pickers shared
by all rows and answered with the text of a list entry."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from jishi.cases.models import Case, Category, Channel, State
from jishi.cases.tests import builders
from jishi.common import clock
from jishi.console import selectors as sel
from jishi.orgs.models import Unit, UnitKind, User
from jishi.testing.fixtures import County, make_unit

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def queue(client: Client, **params: str) -> str:
    return client.get(reverse("console:dispatch"), params).content.decode()


def at(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T09:00:00+08:00")


def test_every_waiting_case_is_listed_a_page_at_a_time(
    county: County, dispatcher: User, township_handler: User
) -> None:
    made = []
    for i in range(7):
        with clock.travel_to(at(f"2026-03-{i + 2:02d}")):
            made.append(builders.accepted(county, title=f"事项{i}"))
    builders.dispatched(county, dispatcher, title="已派出的事项")
    first = sel.dispatch_queue(dispatcher, page=1, per_page=3)
    assert first.total == 7 and first.pages == 3
    assert [r.case.code for r in first.rows] == [c.code for c in made[:3]]
    last = sel.dispatch_queue(dispatcher, page=3, per_page=3)
    assert [r.case.code for r in last.rows] == [made[6].code]
    # Past the last page: the last page, not an empty one.
    assert sel.dispatch_queue(dispatcher, page=99, per_page=3).page == 3
    newest = sel.dispatch_queue(dispatcher, per_page=3, newest_first=True)
    assert [r.case.code for r in newest.rows] == [c.code for c in made[::-1][:3]]


def test_the_page_links_to_the_next_and_keeps_the_filters(
    client: Client, county: County, dispatcher: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sel, "QUEUE_PAGE", 2)
    for i in range(5):
        builders.accepted(county, title=f"石桥事项{i}", township=county.shiqiao, village=None)
    builders.accepted(county, title="城关的事项")
    html = queue(signed_in(client, dispatcher), township=str(county.shiqiao.pk))
    assert "5 件等待派单的事项符合条件" in html and "城关的事项" not in html
    assert "第 1 / 3 页" in html
    next_url = re.search(r'href="(\?[^"]+)" rel="next"', html)
    assert next_url is not None
    assert f"township={county.shiqiao.pk}" in next_url.group(1)
    second = client.get(reverse("console:dispatch") + next_url.group(1).replace("&amp;", "&"))
    assert "第 2 / 3 页" in second.content.decode()


def test_the_ledger_filters_narrow_the_queue(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    lights = Category.objects.create(code="lights", name="路灯照明", owning_unit=county.chengguan)
    builders.accepted(county, title="热线来电", channel=Channel.HOTLINE, category=lights)
    builders.accepted(county, title="门户留言")
    back = builders.returned(county, dispatcher, township_handler)
    signed_in(client, dispatcher)
    html = queue(client, channel="hotline")
    assert "热线来电" in html and "门户留言" not in html
    html = queue(client, category="路灯照明（城关镇）")
    assert "热线来电" in html and "门户留言" not in html
    html = queue(client, state="returned")
    assert back.code in html and "热线来电" not in html
    # A state outside the queue finds nothing rather than leaking other cases in.
    html = queue(client, state="closed")
    assert "没有符合条件的待派单事项" in html
    html = queue(client, q="热线")
    assert "热线来电" in html and "门户留言" not in html
    # A bad filter is named and ignored; the queue still shows.
    html = queue(client, category="没有这个分类")
    assert "所选项无效，已忽略此条件" in html and "门户留言" in html


def test_one_list_per_picker_whatever_the_number_of_rows(
    client: Client, county: County, dispatcher: User
) -> None:
    Category.objects.create(code="lights", name="路灯照明", owning_unit=county.chengguan)
    for i in range(12):
        builders.accepted(county, title=f"事项{i}")
    html = queue(signed_in(client, dispatcher))
    rows = html.split('<ol class="queue">')[1]
    assert "<select" not in rows and "<option" not in rows
    assert html.count('<datalist id="pick-units">') == 1
    assert html.count('<datalist id="pick-categories">') == 1
    assert rows.count('list="pick-units"') == 12  # the lead unit; the rest load when opened
    units = html.split('<datalist id="pick-units">')[1].split("</datalist>")[0]
    # Villages named with their township; the county root is not a destination.
    assert '<option value="城关镇 / 东街社区">' in units
    assert '<option value="测试县">' not in units


def test_units_are_listed_by_the_tree_departments_first(county: County) -> None:
    # A bureau created after the townships' villages still comes before every township.
    late = make_unit("late", "县水利局", UnitKind.DEPARTMENT, county.county)
    names = [u.name for u in sel.routing_choices().units]
    assert names.index("县水利局") < names.index("城关镇")
    assert names.index("城关镇") < names.index("东街社区") < names.index("石桥镇")
    assert names.index("石桥镇") < names.index("石桥村")
    assert late.pk > county.shiqiao_village.pk


def test_dispatch_by_list_text(client: Client, county: County, dispatcher: User) -> None:
    roads = Category.objects.create(code="roads", name="道路维修", owning_unit=county.transport)
    case = builders.accepted(county)
    response = signed_in(client, dispatcher).post(
        reverse("console:dispatch_row", args=[case.code]),
        {
            "op": "dispatch",
            "dispatch-expected_version": case.version,
            "dispatch-category": "道路维修（县交通运输局）",
            "dispatch-lead_unit": "城关镇 / 东街社区",
            # Full-width and typed again: the same unit, counted once; blanks skipped.
            "dispatch-assisting_units": ["县住建局", "", "县住建局 "],
        },
        headers=HTMX,
    )
    assert response.status_code == 200, response.content.decode()
    case = Case.objects.get(pk=case.pk)
    assert case.state == State.DISPATCHED
    assert case.category == roads and case.lead_unit == county.dongjie
    assert list(case.assisting_units.all()) == [county.housing]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("dispatch-category", "不存在的分类", "「不存在的分类」不在分类列表中"),
        ("dispatch-lead_unit", "火星办事处", "「火星办事处」不在单位列表中"),
        ("dispatch-assisting_units", "月球村", "「月球村」不在单位列表中"),
    ],
)
def test_text_not_in_the_list_is_refused_and_nothing_changes(
    client: Client, county: County, dispatcher: User, field: str, value: str, message: str
) -> None:
    Category.objects.create(code="roads", name="道路维修", owning_unit=county.transport)
    case = builders.accepted(county)
    data = {
        "op": "dispatch",
        "dispatch-expected_version": case.version,
        "dispatch-category": "道路维修（县交通运输局）",
        field: value,
    }
    response = signed_in(client, dispatcher).post(
        reverse("console:dispatch_row", args=[case.code]), data, headers=HTMX
    )
    html = response.content.decode()
    assert message in html
    assert f'value="{value}"' in html  # what was typed is kept
    fresh = Case.objects.get(pk=case.pk)
    assert fresh.state == State.ACCEPTED and fresh.version == case.version


def test_a_name_two_villages_share_must_be_told_apart(
    client: Client, county: County, dispatcher: User
) -> None:
    make_unit("cg-xin", "新村", UnitKind.VILLAGE, county.chengguan)
    sq_new = make_unit("sq-xin", "新村", UnitKind.VILLAGE, county.shiqiao)
    case = builders.accepted(county)
    signed_in(client, dispatcher)
    url = reverse("console:dispatch_row", args=[case.code])
    base = {"op": "dispatch", "dispatch-expected_version": case.version}
    html = client.post(url, {**base, "dispatch-lead_unit": "新村"}, headers=HTMX).content.decode()
    assert "「新村」不在单位列表中" in html
    client.post(url, {**base, "dispatch-lead_unit": "石桥镇 / 新村"}, headers=HTMX)
    assert Case.objects.get(pk=case.pk).lead_unit == sq_new


def test_without_javascript_an_error_comes_back_on_a_whole_page(
    client: Client, county: County, dispatcher: User
) -> None:
    case = builders.accepted(county)
    response = signed_in(client, dispatcher).post(
        reverse("console:dispatch_row", args=[case.code]),
        {"op": "dispatch", "dispatch-expected_version": case.version, "dispatch-lead_unit": "?"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "<html" in html and '<datalist id="pick-units">' in html
    assert f'id="queue-{case.code}"' in html


def test_rows_say_how_long_a_case_has_waited(
    client: Client, county: County, dispatcher: User
) -> None:
    with clock.travel_to(at("2026-03-02")):  # a Monday
        old = builders.accepted(county, title="等了很久的事项")
    with clock.travel_to(at("2026-03-04")):
        html = queue(signed_in(client, dispatcher))
    row = html.split(f'id="queue-{old.code}"')[1].split("</li>")[0]
    assert 'class="queue-wait is-late">已等待 2 个工作日' in row
    with clock.travel_to(at("2026-03-02").replace(hour=11)):
        html = queue(client)
    row = html.split(f'id="queue-{old.code}"')[1].split("</li>")[0]
    assert 'class="queue-wait">已等待 2 小时' in row


def test_units_of_another_kind_stay_out_of_the_unit_list(county: County) -> None:
    units = sel.routing_choices().units
    assert all(isinstance(u, Unit) and u.parent_id is not None for u in units)


def test_the_less_used_operations_load_when_opened(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.returned(county, dispatcher, township_handler)
    signed_in(client, dispatcher)
    row = queue(client).split(f'id="queue-{case.code}"')[1].split("</li>")[0]
    more = reverse("console:dispatch_more", args=[case.code])
    assert f'hx-get="{more}"' in row and "dispatch-assisting_units" not in row
    # Without JavaScript the section still leads somewhere: the case page.
    assert f'href="{reverse("console:detail", args=[case.code])}"' in row
    html = client.get(more).content.decode()
    assert html.count('name="dispatch-assisting_units" list="pick-units"') == 3
    assert 'name="merge-into"' in html and 'name="reject-reason"' in html
    # A returned case may be arbitrated: its current unit is filled in.
    assert 'name="arbitrate-lead_unit" list="pick-units" value="城关镇"' in html


def test_only_dispatchers_open_a_rows_operations(
    client: Client, county: County, township_handler: User
) -> None:
    case = builders.accepted(county)
    response = signed_in(client, township_handler).get(
        reverse("console:dispatch_more", args=[case.code])
    )
    assert response.status_code in (403, 404)
