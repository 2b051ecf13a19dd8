"""The UI shell's views through Django's test client: front door, sign-in, console and
portal home pages, the language switch, error pages and the vendor scripts."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation

from jishi.common.templatetags import jishi_ui
from jishi.orgs.models import Role, User
from jishi.testing.fixtures import County, make_person

pytestmark = pytest.mark.django_db


def test_front_door_sends_visitors_to_the_portal(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_front_door_sends_staff_to_the_console(client: Client, township_handler: User) -> None:
    client.force_login(township_handler)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("console:home")


def test_console_needs_sign_in(client: Client) -> None:
    response = client.get("/console/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/console/"


def test_console_lists_the_users_posts(
    client: Client, county: County, township_handler: User
) -> None:
    client.force_login(township_handler)
    response = client.get("/console/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "我的工作" in html
    assert "城关镇" in html and "承办人" in html
    assert "测试县" in html  # the top bar names the county
    # A handler does not dispatch and does not administer.
    assert ">派单<" not in html
    assert ">管理<" not in html
    # htmx sends the CSRF token from <body>, and is served from our own static files.
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "/static/vendor/htmx/htmx.min.js" in html


def test_dispatcher_sees_the_dispatch_entry(client: Client, dispatcher: User) -> None:
    client.force_login(dispatcher)
    html = client.get("/console/").content.decode()
    assert "派单" in html
    assert "派单员" in html


def test_console_without_posts_says_what_to_do(client: Client, stranger: User) -> None:
    client.force_login(stranger)
    html = client.get("/console/").content.decode()
    assert "您还没有任何岗位" in html


def test_sign_in_and_out(client: Client, township_handler: User) -> None:
    page = client.get("/login/")
    assert page.status_code == 200
    assert "工作人员登录" in page.content.decode()

    wrong = client.post("/login/", {"username": "cg_handler", "password": "nope"})
    assert wrong.status_code == 200
    assert "alert-error" in wrong.content.decode()

    ok = client.post("/login/", {"username": "cg_handler", "password": "pw-cg_handler"})
    assert ok.status_code == 302
    assert ok["Location"] == reverse("console:home")
    # Signed-in staff who open the sign-in page again go straight to work.
    assert client.get("/login/")["Location"] == reverse("console:home")

    # Signing out only by POST, so a link prefetch cannot end a session.
    assert client.get("/logout/").status_code == 405
    out = client.post("/logout/")
    assert out.status_code == 302
    assert out["Location"] == reverse("login")
    assert client.get("/console/").status_code == 302


def test_portal_home_has_three_big_buttons(client: Client, county: County) -> None:
    response = client.get("/portal/")
    assert response.status_code == 200
    html = response.content.decode()
    for label in ("我要反映", "查询进度", "服务评价"):
        assert label in html
    assert "测试县" in html


def test_portal_home_works_before_any_county_exists(client: Client) -> None:
    assert client.get("/portal/").status_code == 200


@pytest.mark.parametrize(
    ("language", "expected", "lang_attr"),
    [
        ("zh-hant", "查詢進度", "zh-hant"),
        ("en", "Track progress", "en"),
        ("zh-hans", "查询进度", "zh-hans"),
    ],
)
def test_language_switch(
    client: Client, county: County, language: str, expected: str, lang_attr: str
) -> None:
    response = client.post(reverse("set_language"), {"language": language, "next": "/portal/"})
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    html = client.get("/portal/").content.decode()
    assert expected in html
    assert f'<html lang="{lang_attr}"' in html


def test_traditional_console_shows_traditional_unit_and_role(
    client: Client, county: County, township_handler: User
) -> None:
    client.force_login(township_handler)
    client.post(reverse("set_language"), {"language": "zh-hant", "next": "/console/"})
    html = client.get("/console/").content.decode()
    assert "城關鎮" in html and "承辦人" in html and "退出登錄" in html
    assert "测试县" not in html and "測試縣" in html


def test_browser_language_is_honoured_until_the_user_chooses(client: Client) -> None:
    html = client.get("/portal/", headers={"accept-language": "zh-TW"}).content.decode()
    assert "查詢進度" in html


def test_many_posts_are_summarised_in_the_top_bar(client: Client, county: County) -> None:
    user = make_person("many", county.chengguan, Role.HANDLER)
    for unit in (county.dongjie, county.xijie, county.shiqiao):
        user.posts.create(unit=unit, role=Role.HANDLER)
    client.force_login(user)
    html = client.get("/console/").content.decode()
    assert "等 2 个岗位" in html


def test_not_found_page_is_chinese(client: Client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_server_error_page_renders_without_a_request() -> None:
    with translation.override("zh-hans"):
        html = render_to_string("500.html")
    assert "系统出错了" in html


def test_csrf_failure_page_is_chinese(county: County) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_ui_components_page(client: Client, township_handler: User) -> None:
    client.force_login(township_handler)
    html = client.get("/console/ui/").content.decode()
    assert 'class="light light-red"' in html and "超期" in html


def test_missing_vendor_script_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(jishi_ui.VENDOR_SCRIPTS, "nothing", "vendor/nothing/nothing.min.js")
    with pytest.raises(ImproperlyConfigured, match=r"scripts/assets\.sh"):
        jishi_ui.vendor_script("nothing")


def test_vendor_scripts_are_in_place() -> None:
    # scripts/assets.sh copies them before tests run; both must be found by staticfiles.
    for name in jishi_ui.VENDOR_SCRIPTS:
        assert jishi_ui.vendor_script(name).startswith("<script")
