"""Sign-in and sessions: lockout after wrong passwords (per user and per address) and its
unlock, user-name length, session expiry, no-store, HTTPS cookies and HSTS, and a
Content-Security-Policy that no template needs to break."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from jishi.common.sessions import SEEN_AT, SIGNED_IN_AT
from jishi.config.settings import https_settings
from jishi.orgs.models import User
from jishi.testing.fixtures import County, make_person

pytestmark = pytest.mark.django_db

LOGIN = "/login/"


def sign_in(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def limit(settings: Any) -> int:
    settings.AXES_FAILURE_LIMIT = 3
    return 3


# --- lockout ---------------------------------------------------------------------------------


def test_wrong_passwords_lock_the_user_until_an_admin_unlocks(
    client: Client, township_handler: User, limit: int
) -> None:
    for _ in range(limit - 1):
        assert sign_in(client, "cg_handler", "wrong").status_code == 200
    # Still below the limit: the right password works, and clears the count.
    assert sign_in(client, "cg_handler", "pw-cg_handler").status_code == 302
    client.post("/logout/")
    for _ in range(limit):
        sign_in(client, "cg_handler", "wrong")
    locked = sign_in(client, "cg_handler", "pw-cg_handler")
    assert locked.status_code == 429
    assert "登录失败次数过多，已暂时锁定。请 15 分钟后再试" in locked.content.decode()
    assert client.get("/console/").status_code == 302  # not signed in
    # From another address the user name is still locked (per user).
    assert sign_in(client, "cg_handler", "pw-cg_handler", ip="10.9.9.9").status_code == 429

    call_command("axes_reset_username", "cg_handler")
    assert sign_in(client, "cg_handler", "pw-cg_handler").status_code == 302


def test_guessing_many_names_from_one_address_locks_the_address(
    client: Client, township_handler: User, limit: int
) -> None:
    for n in range(limit):
        sign_in(client, f"guess{n}", "wrong", ip="10.6.6.6")
    assert sign_in(client, "cg_handler", "pw-cg_handler", ip="10.6.6.6").status_code == 429
    # Someone at another address signs in as usual.
    other = Client()
    assert sign_in(other, "cg_handler", "pw-cg_handler", ip="10.0.0.2").status_code == 302
    call_command("axes_reset_ip", "10.6.6.6")
    assert sign_in(client, "cg_handler", "pw-cg_handler", ip="10.6.6.6").status_code == 302


def test_admin_can_unlock_in_the_admin(client: Client, township_handler: User, limit: int) -> None:
    for _ in range(limit):
        sign_in(client, "cg_handler", "wrong")
    attempt = AccessAttempt.objects.get(username="cg_handler")
    admin = User.objects.create_superuser("root", password="pw-root")
    staff = Client()
    staff.force_login(admin)
    page = staff.get(reverse("admin:axes_accessattempt_changelist"))
    assert page.status_code == 200 and "cg_handler" in page.content.decode()
    delete = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert staff.post(delete, {"post": "yes"}).status_code == 302
    assert sign_in(client, "cg_handler", "pw-cg_handler").status_code == 302


def test_a_very_long_user_name_is_refused_before_the_database(client: Client) -> None:
    response = sign_in(client, "a" * 5000, "whatever")
    assert response.status_code == 200
    assert "用户名最多 150 个字符" in response.content.decode()
    assert not AccessAttempt.objects.exists()  # not even counted as a try


# --- sessions --------------------------------------------------------------------------------


def _age(client: Client, *, signed_in_ago: int, seen_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[SIGNED_IN_AT] = now - signed_in_ago
    session[SEEN_AT] = now - seen_ago
    session.save()


def test_session_ends_after_the_absolute_limit(client: Client, township_handler: User) -> None:
    client.force_login(township_handler)
    _age(client, signed_in_ago=8 * 3600 + 5, seen_ago=10)
    response = client.get("/console/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert "登录已超过 8 小时，请重新登录。" in response.content.decode()


def test_session_ends_when_idle(client: Client, township_handler: User) -> None:
    client.force_login(township_handler)
    _age(client, signed_in_ago=3600, seen_ago=31 * 60)
    response = client.get("/console/", follow=True)
    assert response.redirect_chain[-1][0].startswith(LOGIN)
    assert "30 分钟未操作，已自动退出，请重新登录。" in response.content.decode()


def test_an_active_session_goes_on_and_is_marked_seen(
    client: Client, township_handler: User
) -> None:
    client.force_login(township_handler)
    _age(client, signed_in_ago=7 * 3600, seen_ago=29 * 60)
    assert client.get("/console/").status_code == 200
    assert int(time.time()) - client.session[SEEN_AT] < 60


def test_session_cookie_lasts_no_longer_than_the_session() -> None:
    assert django_settings.SESSION_COOKIE_AGE == 8 * 3600


def test_signed_in_pages_are_not_cached(client: Client, township_handler: User) -> None:
    assert "no-store" not in client.get("/portal/").get("Cache-Control", "")
    client.force_login(township_handler)
    assert client.get("/console/")["Cache-Control"] == "no-store"
    assert client.get("/portal/")["Cache-Control"] == "no-store"


# --- HTTPS -----------------------------------------------------------------------------------


def test_https_setting_makes_cookies_secure_and_sends_hsts(
    client: Client, township_handler: User
) -> None:
    https = {"X-Forwarded-Proto": "https"}
    with override_settings(**https_settings(True)):
        page = client.get(LOGIN, headers=https)
        assert page["Strict-Transport-Security"].startswith("max-age=31536000")
        assert page.cookies["csrftoken"]["secure"]
        signed = client.post(
            LOGIN, {"username": "cg_handler", "password": "pw-cg_handler"}, headers=https
        )
        assert signed.cookies["sessionid"]["secure"]


def test_without_the_https_setting_cookies_work_over_http(
    client: Client, township_handler: User
) -> None:
    with override_settings(**https_settings(False)):
        page = client.get(LOGIN)
        assert "Strict-Transport-Security" not in page
        assert not page.cookies["csrftoken"]["secure"]
        signed = client.post(LOGIN, {"username": "cg_handler", "password": "pw-cg_handler"})
        assert not signed.cookies["sessionid"]["secure"]


# --- Content-Security-Policy -----------------------------------------------------------------


def _policy(response: Any) -> dict[str, list[str]]:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def test_every_page_has_a_policy_without_inline_script(
    client: Client, county: County, township_handler: User
) -> None:
    for url in ("/portal/", "/portal/submit/", LOGIN):
        policy = _policy(client.get(url))
        assert policy["script-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"]
    client.force_login(township_handler)
    assert _policy(client.get("/console/"))["script-src"] == ["'self'"]


TEMPLATE_ROOT = Path(django_settings.BASE_DIR) / "jishi"
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on…= handler"),
    (re.compile(r"\bhx-on", re.I), "an hx-on handler (eval)"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
]


def test_no_template_contains_inline_script() -> None:
    found = []
    for path in sorted(TEMPLATE_ROOT.glob("*/templates/**/*.html")):
        text = path.read_text(encoding="utf-8")
        # Comments may talk about what they do not contain.
        text = re.sub(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", "", text, flags=re.S)
        for pattern, what in INLINE:
            if pattern.search(text):
                found.append(f"{path.relative_to(TEMPLATE_ROOT)}: {what}")
    assert found == []


def test_rendered_pages_carry_no_inline_script(
    client: Client, county: County, township_handler: User
) -> None:
    pages = [client.get(url).content.decode() for url in ("/portal/submit/", LOGIN)]
    client.force_login(township_handler)
    pages.append(client.get("/console/").content.decode())
    for html in pages:
        for pattern, _what in INLINE:
            assert not pattern.search(html)


def test_person_helper_still_signs_in_without_a_request() -> None:
    # authenticate() without a request (commands, tests) is left to the model backend.
    from django.contrib.auth import authenticate

    make_person("plain")
    assert authenticate(username="plain", password="pw-plain") is not None
