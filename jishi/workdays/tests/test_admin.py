"""The admin writes through the services: same audit trail, same announcements."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory

from jishi.orgs.models import User
from jishi.workdays.models import CalendarChange, CalendarYear, HolidayOverride
from jishi.workdays.services import override_set

pytestmark = [pytest.mark.django_db, pytest.mark.urls("jishi.workdays.tests.urls")]


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root", password="pw-root")


@pytest.fixture
def client_as(superuser: User) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


def test_add_goes_through_the_service(client_as: Client, superuser: User) -> None:
    response = client_as.post(
        "/admin/workdays/holidayoverride/add/",
        {"date": "2027-01-01", "is_workday": "", "name": "元旦", "note": ""},
    )
    assert response.status_code == 302, response.content.decode()
    row = HolidayOverride.objects.get()
    assert row.created_by == superuser and not row.is_workday
    change = CalendarChange.objects.get()
    assert change.actor == superuser and change.action == CalendarChange.Action.OVERRIDE_SET


def test_blank_name_is_a_field_error(client_as: Client) -> None:
    response = client_as.post(
        "/admin/workdays/holidayoverride/add/",
        {"date": "2027-01-01", "is_workday": "", "name": "   ", "note": ""},
    )
    assert response.status_code == 200
    assert not HolidayOverride.objects.exists()


def test_moving_an_entry_to_another_date(client_as: Client, superuser: User) -> None:
    row = override_set(actor=superuser, date=_d("2027-01-01"), is_workday=False, name="元旦")
    response = client_as.post(
        f"/admin/workdays/holidayoverride/{row.pk}/change/",
        {"date": "2027-01-04", "is_workday": "", "name": "元旦", "note": ""},
    )
    assert response.status_code == 302, response.content.decode()
    assert list(HolidayOverride.objects.values_list("date", flat=True)) == [_d("2027-01-04")]
    actions = list(CalendarChange.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["override_set", "override_remove", "override_set"]


def test_delete_and_bulk_delete_go_through_the_service(client_as: Client, superuser: User) -> None:
    one = override_set(actor=superuser, date=_d("2027-01-01"), is_workday=False, name="元旦")
    override_set(actor=superuser, date=_d("2027-02-06"), is_workday=True, name="调休上班")
    override_set(actor=superuser, date=_d("2027-02-11"), is_workday=False, name="春节")
    response = client_as.post(f"/admin/workdays/holidayoverride/{one.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    response = client_as.post(
        "/admin/workdays/holidayoverride/",
        {
            "action": "delete_selected",
            "post": "yes",
            "_selected_action": list(HolidayOverride.objects.values_list("pk", flat=True)),
        },
    )
    assert response.status_code == 302
    assert not HolidayOverride.objects.exists()
    assert CalendarChange.objects.filter(action="override_remove").count() == 3


def test_changelist_filters_by_year(client_as: Client, superuser: User) -> None:
    override_set(actor=superuser, date=_d("2027-01-01"), is_workday=False, name="元旦")
    override_set(actor=superuser, date=_d("2028-01-03"), is_workday=False, name="元旦")
    response = client_as.get("/admin/workdays/holidayoverride/", {"year": "2027"})
    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert [row.date.year for row in shown] == [2027]
    assert "2028年" in response.content.decode()


def test_marking_a_year_complete(client_as: Client, superuser: User) -> None:
    response = client_as.post(
        "/admin/workdays/calendaryear/add/", {"year": "2027", "complete": "on", "note": ""}
    )
    assert response.status_code == 200  # refused: nothing entered for 2027 yet
    assert "还没有录入任何放假日期" in response.content.decode()
    override_set(actor=superuser, date=_d("2027-01-01"), is_workday=False, name="元旦")
    response = client_as.post(
        "/admin/workdays/calendaryear/add/", {"year": "2027", "complete": "on", "note": "通知"}
    )
    assert response.status_code == 302, response.content.decode()
    year = CalendarYear.objects.get()
    assert year.complete and year.updated_by == superuser
    assert client_as.get("/admin/workdays/calendaryear/").status_code == 200
    # Unticking is how a year stops being known; deleting the row is not offered.
    assert not _model_admin(CalendarYear).has_delete_permission(_request(superuser), year)


def test_change_log_is_read_only(client_as: Client, superuser: User) -> None:
    override_set(actor=superuser, date=_d("2027-01-01"), is_workday=False, name="元旦")
    change = CalendarChange.objects.get()
    assert client_as.get("/admin/workdays/calendarchange/").status_code == 200
    assert client_as.get(f"/admin/workdays/calendarchange/{change.pk}/change/").status_code == 200
    model_admin, request = _model_admin(CalendarChange), _request(superuser)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, change)
    assert not model_admin.has_delete_permission(request, change)


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _model_admin(model: type) -> Any:
    return admin.site._registry[model]


def _request(user: User) -> Any:
    request = RequestFactory().get("/admin/")
    request.user = user
    return request
