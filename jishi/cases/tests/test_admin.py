"""The admin edits categories and limits; it only shows cases and never their secrets."""

from __future__ import annotations

import pytest
from django.test import Client

from jishi.cases.models import Category
from jishi.cases.tests import builders
from jishi.orgs.models import User
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(county: County) -> Client:
    User.objects.create_superuser("root", password="pw-root")
    client = Client()
    client.login(username="root", password="pw-root")
    return client


def test_admin_creates_a_category_with_owner(admin_client: Client, county: County) -> None:
    response = admin_client.post(
        "/admin/cases/category/add/",
        {
            "code": "roads",
            "name": "道路维修",
            "owning_unit": county.transport.pk,
            "active": "on",
            "sort_order": 0,
            "time_limits-TOTAL_FORMS": 0,
            "time_limits-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302
    assert Category.objects.get(code="roads").owning_unit == county.transport


def test_case_admin_is_read_only_and_hides_contact(admin_client: Client, county: County) -> None:
    case = builders.accepted(county)
    page = admin_client.get(f"/admin/cases/case/{case.pk}/change/")
    assert page.status_code == 200
    assert "13812345678" not in page.content.decode()
    assert admin_client.get("/admin/cases/case/add/").status_code == 403
    assert (
        admin_client.post(f"/admin/cases/case/{case.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
