"""The ugly-input corpus (``jishi/testing/ugly_inputs.py``) replayed against every public
form and filter: the portal's submit, similar-reports, village, track and callback pages,
sign-in, the ledger's filters and export, the intake forms (visit, hall desk, campaign) and
a case action. Never a 500; an error stores nothing; what is stored is free of invisible
format characters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from jishi.cases.models import Attachment, Case, CaseEvent
from jishi.cases.tests import builders
from jishi.common.text import strip_invisible
from jishi.intake import services as intake_services
from jishi.intake.models import Campaign, CampaignSuggestion, DutyShift, Period
from jishi.orgs.models import Role, User
from jishi.portal import tokens
from jishi.testing.fixtures import County, make_person
from jishi.testing.ugly_inputs import DATES, PHONES, TEXTS, USERNAMES, Ugly

pytestmark = pytest.mark.django_db

Send = Callable[[str], Any]  # posts one ugly value somewhere, returns the response


def _stored() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        Attachment.objects.count(),
        CampaignSuggestion.objects.count(),
    )


def _clean_everywhere() -> None:
    for case in Case.objects.all():
        for value in (case.title, case.text, case.address, case.citizen_name):
            assert strip_invisible(value) == value, (case.code, value)
    for event in CaseEvent.objects.all():
        for key in ("title", "text", "reason", "note"):
            value = event.payload.get(key)
            if isinstance(value, str):
                assert strip_invisible(value) == value, (event.kind, value)


class World:
    """Everyone and everything the public forms need, built once per test."""

    def __init__(self, county: County) -> None:
        self.county = county
        dispatcher = make_person("ugly_dispatcher", county.county, Role.DISPATCHER)
        handler = make_person("ugly_handler", county.chengguan, Role.HANDLER)
        self.lead = make_person("ugly_lead", county.county, Role.COUNTY_LEAD)
        self.secretary = make_person("ugly_secretary", county.dongjie, Role.UNIT_LEAD)
        self.director = make_person("ugly_director", county.housing, Role.UNIT_LEAD)
        DutyShift.objects.create(
            director=self.director,
            hall=county.hall,
            date=intake_services.today(),
            period=Period.MORNING,
        )
        today = intake_services.today()
        self.campaign = Campaign.objects.create(
            name="大调研",
            description="",
            unit=county.county,
            starts_on=today - dt.timedelta(days=1),
            ends_on=today + dt.timedelta(days=1),
        )
        self.replied = builders.replied(county, dispatcher, handler)
        self.handler = handler
        self.dispatched = builders.dispatched(county, dispatcher)

    def client(self, user: User | None = None) -> Client:
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    def portal_submit(self, field: str) -> Send:
        data = {
            "kind": "request",
            "title": "",
            "text": "东街文化广场的路灯坏了三盏。",
            "township": str(self.county.chengguan.pk),
            "village": str(self.county.dongjie.pk),
            "address": "文化广场北侧",
            "citizen_name": "李女士",
            "citizen_phone": "13912345678",
            "consent": "on",
        }
        return lambda value: self.client().post("/portal/submit/", {**data, field: value})

    def senders(self) -> dict[str, Send]:
        c = self.county
        callback = tokens.callback_path(self.replied)
        ledger = self.client(self.lead)
        secretary, director = self.client(self.secretary), self.client(self.director)
        handler = self.client(self.handler)
        visit = {
            "household": "东街 12 号",
            "visited_on": intake_services.today().isoformat(),
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "1",
            "items-MAX_NUM_FORMS": "20",
            "items-0-kind": "request",
            "items-0-text": "门口路灯坏了",
        }
        hall = {
            "hall": str(c.hall.pk),
            "kind": "request",
            "text": "材料被退回三次",
            "citizen_name": "张女士",
            "citizen_phone": "13812345678",
            "resolution": "",
            "lead_unit": str(c.housing.pk),
        }
        note_url = reverse("console:act", args=[self.dispatched.code, "note"])
        return {
            **{f"submit.{f}": self.portal_submit(f) for f in ("text", "title", "address")},
            "submit.citizen_name": self.portal_submit("citizen_name"),
            "submit.citizen_phone": self.portal_submit("citizen_phone"),
            "similar.text": lambda v: self.client().post(
                "/portal/submit/similar/", {"text": v, "township": str(c.chengguan.pk)}
            ),
            "villages.township": lambda v: self.client().get(
                "/portal/submit/villages/", {"township": v}
            ),
            "track.code": lambda v: self.client().post(
                "/portal/track/", {"code": v, "last4": "5678"}
            ),
            "track.last4": lambda v: self.client().post(
                "/portal/track/", {"code": self.replied.code, "last4": v}
            ),
            "track.get": lambda v: self.client().get("/portal/track/", {"code": v}),
            "callback.comment": lambda v: self.client().post(
                callback,
                {
                    "resolved": "1",
                    "satisfaction": "5",
                    "comment": v,
                    "version": str(Case.objects.get(pk=self.replied.pk).version),
                },
            ),
            "login.username": lambda v: self.client().post(
                "/login/", {"username": v, "password": "x"}
            ),
            "login.password": lambda v: self.client().post(
                "/login/", {"username": "ugly_lead", "password": v}
            ),
            **{
                f"ledger.{p}": _ledger_sender(ledger, p)
                for p in ("q", "from", "to", "state", "unit", "sort", "page")
            },
            "export.q": lambda v: ledger.post(reverse("console:ledger_export"), {"q": v}),
            "export.from": lambda v: ledger.post(reverse("console:ledger_export"), {"from": v}),
            "visit.household": lambda v: secretary.post(
                reverse("intake:visit_new"), {**visit, "household": v}
            ),
            "visit.item": lambda v: secretary.post(
                reverse("intake:visit_new"), {**visit, "items-0-text": v}
            ),
            "hall.text": lambda v: director.post(
                reverse("intake:hall_record"), {**hall, "text": v}
            ),
            "hall.citizen_phone": lambda v: director.post(
                reverse("intake:hall_record"), {**hall, "citizen_phone": v}
            ),
            "campaign.text": lambda v: ledger.post(
                reverse("intake:campaign_suggest", args=[self.campaign.pk]), {"text": v}
            ),
            "case.note": lambda v: handler.post(
                note_url,
                {
                    "note-expected_version": str(Case.objects.get(pk=self.dispatched.pk).version),
                    "note-text": v,
                },
            ),
        }


def _ledger_sender(client: Client, param: str) -> Send:
    return lambda value: client.get("/console/ledger/", {param: value})


@pytest.fixture
def world(county: County) -> World:
    return World(county)


def _replay(world: World, ugly: Ugly, only: set[str] | None = None) -> None:
    problems = []
    for name, send in world.senders().items():
        if only is not None and name not in only:
            continue
        cache.clear()  # the portal's guessing limits would answer for the form
        before = _stored()
        response = send(ugly.value)
        status = response.status_code
        if status >= 500:
            problems.append(f"{name}: {status}")
        elif (status not in (200, 204, 302) or _has_errors(response)) and _stored() != before:
            problems.append(f"{name}: stored something on error ({status})")
    assert problems == [], ugly.why
    _clean_everywhere()


def _has_errors(response: Any) -> bool:
    body = response.content.decode(errors="replace") if not response.streaming else ""
    return "errorlist" in body or "alert-error" in body


@pytest.mark.parametrize("ugly", TEXTS, ids=lambda u: u.name)
def test_ugly_text_everywhere(world: World, ugly: Ugly) -> None:
    _replay(world, ugly)


@pytest.mark.parametrize("ugly", PHONES, ids=lambda u: u.name)
def test_things_that_are_not_phone_numbers_are_refused(world: World, ugly: Ugly) -> None:
    before = _stored()
    for name in ("submit.citizen_phone", "hall.citizen_phone"):
        response = world.senders()[name](ugly.value)
        assert response.status_code in (200, 422), name
        assert _has_errors(response), name
    assert _stored() == before


def test_a_date_for_a_phone_says_it_is_a_date(world: World) -> None:
    response = world.senders()["submit.citizen_phone"]("2026-11-02")
    assert "这是日期，不是电话号码" in response.content.decode()


@pytest.mark.parametrize("ugly", DATES, ids=lambda u: u.name)
def test_ugly_dates_in_the_ledger(world: World, ugly: Ugly) -> None:
    _replay(world, ugly, only={"ledger.from", "ledger.to", "export.from"})
    response = world.senders()["ledger.from"](ugly.value)
    assert response.status_code == 200 and _has_errors(response)


@pytest.mark.parametrize("ugly", USERNAMES, ids=lambda u: u.name)
def test_ugly_user_names(world: World, ugly: Ugly) -> None:
    _replay(world, ugly, only={"login.username"})


def test_invisible_characters_are_dropped_from_what_is_stored(world: World) -> None:
    send = world.portal_submit("title")
    assert send("路灯\u202e坏了\u200b").status_code == 302
    assert Case.objects.latest("pk").title == "路灯坏了"
    only_invisible = world.portal_submit("title")("\u200b\u202e")
    assert only_invisible.status_code == 302  # an empty title: taken from the text
    assert Case.objects.latest("pk").title == "东街文化广场的路灯坏了三盏"


def test_a_nul_byte_gets_a_message_that_says_so(world: World) -> None:
    response = world.portal_submit("text")("路灯\x00坏了")
    body = response.content.decode()
    assert response.status_code == 422
    assert "不可见的控制字符（NUL）" in body and "空字符串" not in body
