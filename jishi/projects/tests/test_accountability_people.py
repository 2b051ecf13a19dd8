"""The accountability form's person picker offers the people of the chosen unit's township
or department, never every user of the county."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from jishi.orgs.models import User
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db
URL = "/console/projects/accountability/"


def person_options(html: str) -> list[str]:
    select = re.search(r'<select name="person"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    return [
        label
        for value, label in re.findall(r'<option value="(\d*)"[^>]*>([^<]*)', select[1])
        if value
    ]


def test_the_person_picker_offers_the_people_of_the_chosen_units_area(
    client: Client,
    inspector: User,
    county: County,
    dept_handler: User,
    transport_handler: User,
    township_handler: User,
    village_handler: User,
) -> None:
    client.force_login(inspector)
    page = client.get(URL).content.decode()
    assert person_options(page) == []  # no unit chosen: nobody, not the whole county
    assert 'hx-get="/console/projects/accountability/"' in page and 'hx-select="#id_person"' in page
    housing = person_options(client.get(URL, {"unit": county.housing.pk}).content.decode())
    assert housing == ["zj_handler（县住建局）"]
    # A village's people are those of its township (the record is then checked precisely).
    village = person_options(client.get(URL, {"unit": county.dongjie.pk}).content.decode())
    assert village == ["cg_handler（城关镇）", "dj_handler（东街社区）"]
    for nonsense in ("abc", "99999", "１"):
        assert person_options(client.get(URL, {"unit": nonsense}).content.decode()) == []


def test_a_unit_without_the_right_does_not_get_the_picker(
    client: Client, dept_handler: User, county: County
) -> None:
    client.force_login(dept_handler)
    assert client.get(URL, {"unit": county.housing.pk}).status_code == 404
