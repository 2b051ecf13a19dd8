"""The routing engines on the console: the reply check before sending, and duplicates with
a one-click merge on the dispatcher's queue and the case page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Page, expect

from jishi.cases import services
from jishi.cases.models import Case, State
from jishi.cases.tests import builders
from jishi.orgs.models import User
from jishi.routing import duplicates
from jishi.routing.replies import WARN_BELOW
from jishi.testing.browser import login, screenshot
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
BOILERPLATE = "您好，您反映的问题已收悉，我们高度重视，将进一步加强管理，请耐心等待。"
SPECIFIC = "经现场核查，文化广场旁三盏路灯因线路老化损坏，已于3月5日更换线路和灯具，恢复照明。"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    duplicates.clear_cache()


def act(case: Case, name: str) -> str:
    return reverse("console:act", args=[case.code, name])


def fresh(case: Case) -> Case:
    return Case.objects.get(pk=case.pk)


def _reply(client: Client, case: Case, text: str, **extra: str) -> str:
    data = {"reply-expected_version": str(case.version), "reply-text": text, "reply-check": "True"}
    data.update(extra)
    response = client.post(act(case, "reply"), data, headers=HTMX)
    assert response.status_code == 200
    return response.content.decode()


# --- reply check ----------------------------------------------------------------------------


def test_case_page_form_asks_for_the_check(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.in_progress(county, dispatcher, township_handler)
    client.force_login(township_handler)
    html = client.get(reverse("console:detail", args=[case.code])).content.decode()
    assert 'name="reply-check"' in html
    assert 'name="reply-confirm"' not in html  # only once a reply has been found thin


def test_boilerplate_reply_is_held_back_with_the_reasons(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.in_progress(county, dispatcher, township_handler)
    client.force_login(township_handler)
    html = _reply(client, case, BOILERPLATE)
    assert "答复可能未回应诉求：" in html
    assert "套话" in html
    assert 'name="reply-confirm"' in html and "仍然发送" in html
    assert BOILERPLATE in html  # the text is kept for editing
    assert fresh(case).state == State.IN_PROGRESS
    assert not fresh(case).events.filter(kind="reply").exists()


def test_confirmed_thin_reply_is_sent(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.in_progress(county, dispatcher, township_handler)
    client.force_login(township_handler)
    _reply(client, case, BOILERPLATE)
    _reply(client, fresh(case), BOILERPLATE, **{"reply-confirm": "on"})
    case = fresh(case)
    assert case.state == State.REPLIED
    payload = case.events.get(kind="reply").payload
    assert payload["text"] == BOILERPLATE
    # The bulletin will know this reply was flagged and sent anyway.
    quality = payload["quality"]
    assert quality["warned"] and quality["confirmed"] and quality["score"] < WARN_BELOW


def test_specific_reply_is_sent_at_once(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.in_progress(county, dispatcher, township_handler)
    client.force_login(township_handler)
    html = _reply(client, case, SPECIFIC)
    assert "答复可能未回应诉求" not in html
    assert fresh(case).state == State.REPLIED
    quality = fresh(case).events.get(kind="reply").payload["quality"]
    assert not quality["warned"] and not quality["confirmed"]
    assert quality["score"] >= WARN_BELOW
    assert set(quality) >= {"relevance", "substance", "timeliness"}


# --- duplicates and the one-click merge -----------------------------------------------------

AGAIN = (
    "文化广场路灯坏了",
    "东街文化广场边上的路灯坏了好几天了，晚上黑漆漆的走路不安全，请尽快修好。",
)


def _pair(county: County) -> tuple[Case, Case]:
    original = builders.accepted(county)
    again = builders.accepted(county, title=AGAIN[0], text=AGAIN[1], citizen_phone="13900001111")
    return original, again


def _fragment(client: Client, case: Case, on: str = "") -> str:
    url = reverse("console:duplicates", args=[case.code]) + (f"?on={on}" if on else "")
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_queue_row_lists_duplicates_and_merges_in_one_click(
    client: Client, county: County, dispatcher: User
) -> None:
    original, again = _pair(county)
    client.force_login(dispatcher)
    queue = client.get(reverse("console:dispatch")).content.decode()
    assert f'hx-get="/console/routing/duplicates/{again.code}/?on=queue"' in queue

    html = _fragment(client, again, "queue")
    assert original.code in html and original.title in html
    assert "合并到此事项" in html and "相似度" in html and "%" in html
    assert "城关镇" in html
    row_url = reverse("console:dispatch_row", args=[again.code])
    assert f'hx-post="{row_url}"' in html

    response = client.post(
        row_url,
        {"op": "merge", "merge-into": original.code, "merge-expected_version": again.version},
        headers=HTMX,
    )
    assert response.status_code == 200
    again = fresh(again)
    assert again.state == State.MERGED and again.merged_into_id == original.pk


def test_case_page_lists_duplicates_and_merges_in_one_click(
    client: Client, county: County, dispatcher: User
) -> None:
    original, again = _pair(county)
    client.force_login(dispatcher)
    page = client.get(reverse("console:detail", args=[again.code])).content.decode()
    assert f'hx-get="/console/routing/duplicates/{again.code}/"' in page

    html = _fragment(client, again)
    merge_url = act(again, "merge")
    assert f'hx-post="{merge_url}"' in html and 'hx-target="#case-body"' in html
    response = client.post(
        merge_url,
        {"merge-into": original.code, "merge-expected_version": again.version},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert fresh(again).merged_into_id == original.pk


def test_stale_merge_is_a_conflict(client: Client, county: County, dispatcher: User) -> None:
    original, again = _pair(county)
    client.force_login(dispatcher)
    response = client.post(
        act(again, "merge"),
        {"merge-into": original.code, "merge-expected_version": again.version - 1},
        headers=HTMX,
    )
    assert response.status_code == 409
    assert fresh(again).state == State.ACCEPTED


def test_no_duplicates_for_those_who_may_not_merge_or_see(
    client: Client,
    county: County,
    dispatcher: User,
    township_handler: User,
    other_township_handler: User,
) -> None:
    original, again = _pair(county)
    again = services.case_dispatch(actor=dispatcher, case=again, lead_unit=county.chengguan)
    client.force_login(township_handler)
    page = client.get(reverse("console:detail", args=[again.code])).content.decode()
    assert "/console/routing/duplicates/" not in page
    assert _fragment(client, again).strip() == ""
    client.force_login(other_township_handler)
    url = reverse("console:duplicates", args=[again.code])
    assert client.get(url).status_code == 404
    assert fresh(original).state == State.ACCEPTED


# --- in a browser ---------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dispatcher_merges_from_the_queue_and_handler_is_warned_on_a_phone(
    desktop_page: Page,
    phone_page: Page,
    live_server: Any,
    county: County,
    dispatcher: User,
    township_handler: User,
) -> None:
    original, again = _pair(county)
    page = desktop_page
    login(page, live_server, dispatcher)
    page.goto(live_server.url + reverse("console:dispatch"))
    row = page.locator(f"#queue-{again.code}")
    row.scroll_into_view_if_needed()  # likely duplicates load as a row comes into view
    matches = row.locator(".dup-matches")
    expect(matches).to_contain_text(original.code)
    screenshot(page, "console-queue-duplicates")
    matches.get_by_role("button", name="合并到此事项").click()
    expect(page.locator("#toast")).to_contain_text("已合并")
    assert fresh(again).merged_into_id == original.pk

    case = services.case_acknowledge(
        actor=township_handler,
        case=services.case_dispatch(actor=dispatcher, case=original, lead_unit=county.chengguan),
    )
    phone = phone_page
    login(phone, live_server, township_handler)
    phone.goto(live_server.url + f"/console/cases/{case.code}/")
    reply = phone.locator("details[data-action=reply]")
    reply.locator("summary").click()
    reply.locator("textarea").fill(BOILERPLATE)
    reply.get_by_role("button", name="确认答复").click()
    reply = phone.locator("details[data-action=reply]")
    expect(reply).to_contain_text("答复可能未回应诉求")
    screenshot(phone, "console-reply-check-phone")
    reply.get_by_label("仍然发送").check()
    reply.get_by_role("button", name="确认答复").click()
    expect(phone.locator("[data-testid=state]")).to_have_text("待回访")
