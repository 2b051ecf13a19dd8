"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Usage::

    pytestmark = pytest.mark.browser

    def test_sign_in(phone_page, live_server, township_handler):
        login(phone_page, live_server, township_handler)
        phone_page.goto(live_server.url + "/console/")
        screenshot(phone_page, "console-home-phone")

Fixtures: ``browser`` (one Chromium per test process), ``phone_page`` (390×844, touch),
``desktop_page`` (1366×900) and ``page`` (desktop unless the test is parametrised
indirectly with ``"phone"``). Each page has its own context, so cookies never leak between
tests, and speaks ``zh-CN`` like the county's own browsers.

We never download Playwright's browsers: CI installs Debian's ``chromium`` package, and a
machine without it fails these tests with a message saying so (skipping would let a broken
UI through unnoticed).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIServer
from django.test import Client
from django.test.testcases import LiveServerThread
from pytest_django.live_server_helper import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

    from jishi.orgs.models import User

CHROMIUM = os.environ.get("JISHI_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "artifacts" / "screenshots"
# Long enough for a loaded CI machine, short enough that a missing element fails quickly.
TIMEOUT_MS = 10_000


class _SerialWSGIServer(WSGIServer):
    """Answers one request at a time (and tells clients to close each connection)."""

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class _SerialLiveServerThread(LiveServerThread):
    server_class = _SerialWSGIServer


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """pytest-django's live server, made safe for the in-memory SQLite test database.

    On SQLite each xdist worker has its own in-memory database, and pytest-django hands the
    test's one connection to the server thread. Django's threaded server would then let two
    requests (say, two htmx fragments loading together) use that connection at once, and
    SQLite's IMMEDIATE transactions would collide. So on in-memory SQLite the server answers
    one request at a time; on PostgreSQL (and file databases) it stays threaded. No settings
    change is needed: ``JISHI_SQLITE_TEST_NAME`` can stay unset.

    Test code itself should not query the database while the page is still loading: wait
    for the page (``expect(...)``) first, as the server thread shares the connection.
    """
    addr = (
        request.config.getvalue("liveserver")
        or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    server = LiveServer(addr, start=False)
    threaded = server.thread
    if threaded.connections_override:
        server.thread = _SerialLiveServerThread(
            threaded.host,
            threaded.static_handler,
            connections_override=threaded.connections_override,
            port=threaded.port,
        )
        server.thread.daemon = True
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for every browser test in this process."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(
            f"Browser tests need Chromium at {CHROMIUM} (Debian package 'chromium', installed "
            "by scripts/system-deps.sh), or set JISHI_CHROMIUM to another Chromium binary.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread, so Django would
    # refuse ORM calls made from the test body; the calls are in fact synchronous.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def new_page(browser: Browser, *, phone: bool) -> Page:
    options: dict[str, Any] = {
        "viewport": PHONE if phone else DESKTOP,
        "locale": "zh-CN",
        "timezone_id": settings.TIME_ZONE,
    }
    if phone:
        options.update(device_scale_factor=2, is_mobile=True, has_touch=True)
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    _fail_on_page_errors(page)
    return page


def _fail_on_page_errors(page: Page) -> None:
    """Collect JavaScript errors and failed static files; ``check_page`` asserts on them."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"JavaScript error: {error}"))

    def on_response(response: Any) -> None:
        if "/static/" in response.url and response.status >= 400:
            errors.append(f"static file {response.url} answered {response.status}")

    page.on("response", on_response)
    page._jishi_errors = errors  # type: ignore[attr-defined]


def page_errors(page: Page) -> list[str]:
    """JavaScript errors and failed static files seen by this page so far."""
    return list(getattr(page, "_jishi_errors", []))


@pytest.fixture
def phone_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A phone-sized page (390×844, touch, 2× pixels). Requests ``live_server`` itself."""
    page = new_page(browser, phone=True)
    yield page
    errors = page_errors(page)
    page.context.close()
    assert not errors, errors


@pytest.fixture
def desktop_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A desktop-sized page (1366×900). Requests ``live_server`` itself."""
    page = new_page(browser, phone=False)
    yield page
    errors = page_errors(page)
    page.context.close()
    assert not errors, errors


@pytest.fixture
def page(
    request: pytest.FixtureRequest, browser: Browser, live_server: LiveServer
) -> Iterator[Page]:
    """A desktop page, or a phone page with ``@pytest.mark.parametrize("page", ["phone"],
    indirect=True)`` — handy for running one test at both sizes."""
    phone = getattr(request, "param", "desktop") == "phone"
    page = new_page(browser, phone=phone)
    yield page
    errors = page_errors(page)
    page.context.close()
    assert not errors, errors


def login(page: Page, live_server: LiveServer, user: User) -> None:
    """Sign ``user`` in by giving the page a session cookie (fast; no password needed).

    Use ``login_with_form`` to test the sign-in page itself.
    """
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": cookie.key, "value": cookie.value, "url": live_server.url, "httpOnly": True}]
    )


def login_with_form(page: Page, live_server: LiveServer, username: str, password: str) -> None:
    """Sign in through the sign-in page, as a person would, and wait for the console."""
    page.goto(live_server.url + "/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.locator("form.form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/console/"))


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG under ``artifacts/screenshots/<name>.png`` (kept by CI for people to look at)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
