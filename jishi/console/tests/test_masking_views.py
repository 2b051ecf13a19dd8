"""Phone and ID numbers that a citizen typed into the text of a case: masked on every staff
page and in the Excel export, shown in full only through a logged reveal."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jishi.cases import services
from jishi.cases.models import Case, CaseEvent
from jishi.cases.tests import builders
from jishi.orgs.models import User
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
MOBILE, MOBILE_MASKED = "139 0011 2233", "139 **** 2233"
ID_NUMBER, ID_MASKED = "43010219900101123X", "4301**********123X"
LANDLINE, LANDLINE_MASKED = "0731-84567890", "0731-****7890"
TITLE = f"请回电{MOBILE}"
TEXT = (
    f"东街路灯坏了一周，补偿款 13800 元还没到，2024-12-31 报过一次。"
    f"我的身份证{ID_NUMBER}，家里座机{LANDLINE}，手机{MOBILE}。"
)
FULL = (MOBILE, ID_NUMBER, LANDLINE, "00112233", "84567890")


def signed_in(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def case(county: County, dispatcher: User) -> Case:
    return builders.dispatched(
        county, dispatcher, title=TITLE, text=TEXT, address=f"东街 8 号，电话{MOBILE}"
    )


def assert_masked(html: str) -> None:
    for number in FULL:
        assert number not in html, number
    assert MOBILE_MASKED in html


def test_case_page_masks_numbers_in_title_text_and_address(
    client: Client, case: Case, township_handler: User
) -> None:
    html = signed_in(client, township_handler).get(reverse("console:detail", args=[case.code]))
    body = html.content.decode()
    assert_masked(body)
    assert ID_MASKED in body and LANDLINE_MASKED in body
    # Ordinary numbers stay as written.
    assert "13800 元" in body and "2024-12-31" in body


def test_reveal_of_the_text_shows_it_in_full_and_is_logged(
    client: Client, case: Case, township_handler: User
) -> None:
    signed_in(client, township_handler)
    page = client.get(reverse("console:detail", args=[case.code])).content.decode()
    assert 'name="field" value="text"' in page
    response = client.post(
        reverse("console:reveal", args=[case.code]), {"field": "text"}, headers=HTMX
    )
    assert response.status_code == 200
    assert ID_NUMBER in response.content.decode() and MOBILE in response.content.decode()
    event = CaseEvent.objects.filter(case=case).order_by("-seq").first()
    assert event is not None and event.kind == "reveal_contact"
    assert event.payload["field"] == "text" and event.actor == township_handler
    again = client.get(reverse("console:detail", args=[case.code])).content.decode()
    assert "反映内容中的号码" in again
    assert_masked(again)  # the page itself stays masked after the reveal


def test_reveal_of_the_text_is_refused_to_who_may_not_reveal(
    client: Client, case: Case, county_lead: User, other_township_handler: User
) -> None:
    signed_in(client, county_lead)
    page = client.get(reverse("console:detail", args=[case.code])).content.decode()
    assert 'name="field" value="text"' not in page
    assert_masked(page)
    url = reverse("console:reveal", args=[case.code])
    assert client.post(url, {"field": "text"}).status_code == 403
    assert (
        signed_in(Client(), other_township_handler).post(url, {"field": "text"}).status_code == 404
    )
    assert not CaseEvent.objects.filter(case=case, kind="reveal_contact").exists()


def test_no_reveal_button_when_the_text_holds_no_number(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    plain = builders.dispatched(county, dispatcher)
    page = signed_in(client, township_handler).get(reverse("console:detail", args=[plain.code]))
    assert 'name="field" value="text"' not in page.content.decode()


def test_my_work_the_queue_and_the_ledger_mask_titles(
    client: Client, county: County, case: Case, dispatcher: User, township_handler: User
) -> None:
    waiting = builders.accepted(county, title=TITLE, text=TEXT)
    assert_masked(signed_in(client, township_handler).get("/console/").content.decode())
    queue = signed_in(Client(), dispatcher).get(reverse("console:dispatch")).content.decode()
    assert waiting.code in queue
    assert_masked(queue)
    ledger = signed_in(Client(), dispatcher).get(reverse("console:ledger")).content.decode()
    assert case.code in ledger
    assert_masked(ledger)


def test_callback_comment_is_masked_in_the_timeline(
    client: Client, county: County, dispatcher: User, township_handler: User
) -> None:
    replied = builders.replied(county, dispatcher, township_handler)
    services.case_callback(
        actor=services.Citizen(),
        case=replied,
        resolved=False,
        satisfaction=2,
        comment=f"没修好，请打{MOBILE}",
    )
    page = signed_in(client, township_handler).get(reverse("console:detail", args=[replied.code]))
    assert_masked(page.content.decode())


def test_the_excel_export_masks_numbers_in_every_cell(
    client: Client, case: Case, county_lead: User
) -> None:
    response = signed_in(client, county_lead).post(reverse("console:ledger_export"), {})
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    cells = [str(c) for row in workbook.active.iter_rows(values_only=True) for c in row if c]
    text = "\n".join(cells)
    assert case.code in text
    assert_masked(text)


def test_the_admin_masks_title_and_text(client: Client, case: Case, admin_user: User) -> None:
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    signed_in(client, admin_user)
    listing = client.get(reverse("admin:cases_case_changelist")).content.decode()
    assert case.code in listing
    assert_masked(listing)
    page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert_masked(page)
