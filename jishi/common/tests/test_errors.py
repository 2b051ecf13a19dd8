"""Errors to HTTP: every service error a view lets through gets its status and its Chinese
message (never a 500), and a database that goes away is a 503 that says when to retry."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse

from jishi.common import errors
from jishi.common.middleware import server_error
from jishi.common.tests.error_urls import all_error_classes, message_for
from jishi.orgs.models import User
from jishi.portal.views import REMEMBER_COOKIE, REMEMBER_SALT

# By class name: apps above ``common`` define subclasses of their own (e.g. the portal's
# ``AlreadySubmitted``), and this test must not import them.
INTENDED: dict[str, int] = {
    "JishiError": 400,
    "NotFound": 404,
    "PermissionDenied": 403,
    "InvalidTransition": 409,
    "Conflict": 409,
    "InvalidInput": 422,
    "TooLarge": 413,
    "AlreadySubmitted": 409,
    "AlreadyRated": 409,
    "TooFrequent": 429,
    "OutsideWindow": 409,
}


def test_every_error_class_has_an_intended_status() -> None:
    # A new subclass must say here what it means over HTTP.
    classes = all_error_classes()
    assert {cls.__name__ for cls in classes} == set(INTENDED)
    for cls in classes:
        assert cls.status == INTENDED[cls.__name__]


@pytest.mark.urls("jishi.common.tests.error_urls")
@pytest.mark.parametrize("cls", all_error_classes(), ids=lambda c: c.__name__)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_an_error_raised_from_a_view_gets_its_status_and_message(
    client: Client, db: None, cls: type[errors.JishiError], htmx: bool
) -> None:
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(f"/raise/{cls.__name__}/", headers=headers)
    assert response.status_code == INTENDED[cls.__name__]
    body = response.content.decode()
    assert message_for(cls) in body
    if htmx:
        assert response["Content-Type"].startswith("text/plain")
    else:
        assert "<html" in body and "返回首页" in body


@pytest.mark.urls("jishi.common.tests.error_urls")
def test_signed_in_staff_see_the_error_inside_the_console(
    client: Client, township_handler: User
) -> None:
    client.force_login(township_handler)
    response = client.get("/raise/PermissionDenied/")
    assert response.status_code == 403
    assert "退出登录" in response.content.decode()  # the console's header, not a bare page


@pytest.mark.django_db
def test_portal_case_that_vanished_is_a_404_not_a_500(client: Client) -> None:
    # The browser proved a code whose case no longer exists (the portal raises NotFound).
    client.cookies[REMEMBER_COOKIE] = _signed(client, "JA2611-GONE")
    for name in ("portal:track_detail", "portal:submitted"):
        answer = client.get(reverse(name, args=["JA2611-GONE"]))
        assert answer.status_code == 404
        assert "事项不存在" in answer.content.decode()


def _signed(client: Client, value: str) -> str:
    from django.core.signing import get_cookie_signer

    return get_cookie_signer(salt=REMEMBER_COOKIE + REMEMBER_SALT).sign(value)


# --- a database that goes away ---------------------------------------------------------------


@pytest.fixture
def database_gone(transactional_db: None) -> Iterator[None]:
    """The default connection points at a database that cannot be reached: SQLite at a file
    in a folder that does not exist, PostgreSQL at a closed port."""
    original = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-jishi-folder/gone.sqlite3"
    else:
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = "1"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)


def _assert_unavailable(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    body = response.content.decode()
    assert "系统暂时无法使用" in body and "秒后刷新页面重试" in body


def test_database_outage_is_a_503_for_citizens(database_gone: None) -> None:
    client = Client()
    response = client.post(reverse("portal:track"), {"code": "JA2611-7Q4K", "last4": "1234"})
    _assert_unavailable(response)


def test_database_outage_is_a_503_for_staff(database_gone: None) -> None:
    # The session is read in middleware, before any view: handler500 answers there, and the
    # test client must not re-raise what the handler already turned into a page.
    client = Client(raise_request_exception=False)
    # A session cookie makes the console read the session table first.
    client.cookies["sessionid"] = "x" * 32
    _assert_unavailable(client.get("/console/"))
    htmx = client.get("/console/", headers={"HX-Request": "true"})
    assert htmx.status_code == 503 and "秒后刷新页面重试" in htmx.content.decode()


def test_database_outage_outside_a_view_is_a_503_too(database_gone: None) -> None:
    request = RequestFactory().get("/")
    try:
        with connection.cursor():
            pass
    except OperationalError:
        assert sys.exc_info()[0] is OperationalError
        response = server_error(request)
    _assert_unavailable(response)


def test_other_errors_outside_a_view_stay_500(rf: RequestFactory) -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        response = server_error(rf.get("/"))
    assert response.status_code == 500
