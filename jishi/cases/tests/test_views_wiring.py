"""The routing engines on the console: the reply check before sending, and duplicates with
a one-click merge on the dispatcher's queue and the case page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jishi.cases.models import Case, State
from jishi.cases.tests import builders
from jishi.orgs.models import User
from jishi.routing import duplicates
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
BOILERPLATE = "您好，您反映的问题已收悉，我们高度重视，将进一步加强管理，请耐心等待。"
SPECIFIC = "经现场核查，文化广场旁三盏路灯因线路老化损坏，已于3月5日更换线路和灯具，恢复照明。"


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    duplicates.clear_cache()


def act(case: Case, name: str) -> str:
    return reverse("cases:act", args=[case.code, name])


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
    html = client.get(reverse("cases:detail", args=[case.code])).content.decode()
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
    assert case.events.get(kind="reply").payload["text"] == BOILERPLATE


def test_specific_reply_is_sent_at_once(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    case = builders.in_progress(county, dispatcher, township_handler)
    client.force_login(township_handler)
    html = _reply(client, case, SPECIFIC)
    assert "答复可能未回应诉求" not in html
    assert fresh(case).state == State.REPLIED
