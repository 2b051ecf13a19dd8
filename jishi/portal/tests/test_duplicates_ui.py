"""The portal's duplicate hints while a citizen writes, and merged cases on the tracking
page."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from jishi.cases.tests import builders
from jishi.portal import views
from jishi.routing import duplicates
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db

SIMILAR = "/portal/submit/similar/"
AGAIN = "东街文化广场边上的路灯坏了好几天了，晚上黑漆漆的走路不安全，请尽快修好。"


@pytest.fixture(autouse=True)
def _fresh() -> None:
    cache.clear()
    duplicates.clear_cache()


def test_similar_case_in_the_same_township_is_hinted(county: County, client: Client) -> None:
    original = builders.accepted(county)
    response = client.post(SIMILAR, {"text": AGAIN, "township": county.chengguan.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert "已有相同的反映" in body
    assert "可以直接关注它的进度" in body
    assert f"/portal/track/?code={original.code}" in body
    # Never who reported it.
    assert "王先生" not in body and "1381234" not in body and "5678" not in body


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
    monkeypatch.setattr(views, "SIMILAR_PER_MINUTE", 2)
    data = {"text": AGAIN, "township": county.chengguan.pk}
    assert "已有相同的反映" in client.post(SIMILAR, data).content.decode()
    assert "已有相同的反映" in client.post(SIMILAR, data).content.decode()
    assert client.post(SIMILAR, data).content.decode().strip() == ""


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
