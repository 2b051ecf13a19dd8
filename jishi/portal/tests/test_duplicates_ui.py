"""The portal's duplicate hints while a citizen writes, and merged cases on the tracking
page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from playwright.sync_api import Page, expect

from jishi.cases import services
from jishi.cases.tests import builders
from jishi.common.ratelimit import Rate
from jishi.orgs.models import User
from jishi.portal import views
from jishi.routing import duplicates
from jishi.testing.browser import screenshot
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db

SIMILAR = "/portal/submit/similar/"
AGAIN = "东街文化广场边上的路灯坏了好几天了，晚上黑漆漆的走路不安全，请尽快修好。"


@pytest.fixture(autouse=True)
def _fresh() -> None:
    cache.clear()
    duplicates.clear_cache()


HINT = "本乡镇已有 1 件相似的反映正在办理"


def test_similar_case_in_the_same_township_is_hinted(county: County, client: Client) -> None:
    original = builders.accepted(county, address="文化广场南门")
    response = client.post(SIMILAR, {"text": AGAIN, "township": county.chengguan.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert HINT in body
    assert "合并办理" in body
    # That it exists, nothing more: not who, not what they wrote, not its code or date.
    for secret in (
        original.code,
        original.title,
        "路灯",
        "文化广场",
        "王先生",
        "1381234",
        "5678",
        "/portal/track",
        f"{original.accepted_at:%Y-%m-%d}",
    ):
        assert secret not in body, secret


def test_no_hints_across_township_lines(county: County, client: Client) -> None:
    builders.accepted(county)
    response = client.post(SIMILAR, {"text": AGAIN, "township": county.shiqiao.pk})
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


@pytest.mark.parametrize(
    "data",
    [
        {"text": "", "township": "TOWNSHIP"},
        {"text": "   ", "township": "TOWNSHIP"},
        {"text": AGAIN, "township": ""},
        {"text": AGAIN, "township": "abc"},
        {"text": AGAIN, "township": "VILLAGE"},
    ],
)
def test_empty_or_bad_input_gives_an_empty_fragment(
    county: County, client: Client, data: dict[str, str]
) -> None:
    builders.accepted(county)
    ids = {"TOWNSHIP": str(county.chengguan.pk), "VILLAGE": str(county.dongjie.pk)}
    data = {k: ids.get(v, v) for k, v in data.items()}
    response = client.post(SIMILAR, data)
    assert response.status_code == 200
    assert response.content.decode().strip() == ""


def test_long_text_is_capped_and_get_is_refused(county: County, client: Client) -> None:
    builders.accepted(county)
    # A pasted novel costs no more than its first characters.
    data = {"text": AGAIN + "字" * 50_000, "township": county.chengguan.pk}
    assert client.post(SIMILAR, data).status_code == 200
    assert client.get(SIMILAR).status_code == 405


def test_lookups_are_rate_limited(
    county: County, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    builders.accepted(county)
    monkeypatch.setattr(views, "SIMILAR_RATE", Rate("portal.similar.ip", limit=2, window=60))
    data = {"text": AGAIN, "township": county.chengguan.pk}
    assert HINT in client.post(SIMILAR, data).content.decode()
    assert HINT in client.post(SIMILAR, data).content.decode()
    assert client.post(SIMILAR, data).content.decode().strip() == ""
    # The budget is the address's, not the browser's: a new client from it is refused too.
    assert Client().post(SIMILAR, data).content.decode().strip() == ""
    assert HINT in Client(REMOTE_ADDR="10.9.9.9").post(SIMILAR, data).content.decode()


def test_submit_page_wires_the_lookup_and_submitting_stays_possible(
    county: County, client: Client
) -> None:
    builders.accepted(county)
    page = client.get("/portal/submit/").content.decode()
    assert 'hx-post="/portal/submit/similar/"' in page
    assert 'id="similar-hints"' in page
    response = client.post(
        "/portal/submit/",
        {
            "kind": "request",
            "text": AGAIN,
            "township": str(county.chengguan.pk),
            "consent": "on",
        },
    )
    assert response.status_code == 302


# --- a merged case on the tracking page --------------------------------------------------


def test_merged_case_points_to_the_surviving_one_which_its_citizen_may_follow(
    county: County, client: Client, dispatcher: User
) -> None:
    surviving = builders.accepted(county, citizen_phone="13900001111")
    merged = builders.accepted(county, title="文化广场路灯坏了", text=AGAIN)
    services.case_merge(actor=dispatcher, case=merged, into=surviving)
    survivor_page = f"/portal/track/{surviving.code}/"
    # Before proving anything, neither page opens.
    assert client.get(survivor_page).status_code == 302

    response = client.post("/portal/track/", {"code": merged.code, "last4": "5678"})
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert f"此事项已与 {surviving.code} 合并办理" in html
    assert f'href="{survivor_page}"' in html
    # The merged case's own last four open the surviving case's progress, but not what the
    # other citizen wrote, nor their callback.
    services.case_dispatch(actor=dispatcher, case=surviving, lead_unit=county.chengguan)
    page = client.get(survivor_page)
    html = page.content.decode()
    assert page.status_code == 200
    assert "已转交承办单位" in html
    assert "其他群众反映的内容不会显示" in html
    for secret in (surviving.title, surviving.text, "1111", "东街社区"):
        assert secret not in html, secret
    # The receipt (and its PIN) stays with the browser that submitted the case.
    assert client.get(f"/portal/submit/done/{surviving.code}/").status_code == 302


def test_surviving_case_does_not_open_the_merged_one(
    county: County, client: Client, dispatcher: User
) -> None:
    surviving = builders.accepted(county, citizen_phone="13900001111")
    merged = builders.accepted(county, title="文化广场路灯坏了", text=AGAIN)
    services.case_merge(actor=dispatcher, case=merged, into=surviving)
    client.post("/portal/track/", {"code": surviving.code, "last4": "1111"})
    assert client.get(f"/portal/track/{surviving.code}/").status_code == 200
    assert client.get(f"/portal/track/{merged.code}/").status_code == 302


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_phone_shows_the_hint_while_writing(
    phone_page: Page, live_server: Any, county: County
) -> None:
    original = builders.accepted(county)
    page = phone_page
    page.goto(live_server.url + "/portal/submit/")
    page.get_by_label("反映内容").fill(AGAIN)
    page.get_by_label("所在乡镇").select_option(label="城关镇")
    hint = page.locator("#similar-hints")
    expect(hint).to_contain_text("相似的反映正在办理")
    expect(hint).not_to_contain_text(original.code)
    expect(hint).not_to_contain_text("王先生")
    expect(hint.get_by_role("link")).to_have_count(0)
    hint.scroll_into_view_if_needed()
    screenshot(page, "portal-similar-hint-phone")
    # Another township: the hint goes away.
    page.get_by_label("所在乡镇").select_option(label="石桥镇")
    expect(hint).not_to_contain_text("相似的反映")
