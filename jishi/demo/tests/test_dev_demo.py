"""``./dev demo`` exactly as the README starts it: its own process group, its own variable
folder, a free port; then every stylesheet and script the login page, the portal and the
console reference must answer 200 from that server, and Chromium must lay the pages out
with the project's CSS (debug is off there, so nothing is served unless it was collected).

Not the test live server: that one serves static files through Django's finders and would
hide exactly the failure this guards against.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.conf import settings

from jishi.demo.orgdata import DEMO_PASSWORD
from jishi.testing.browser import new_page, page_errors

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

ROOT = Path(settings.BASE_DIR)
# Set-up, migrations on a new SQLite file and collectstatic, on a loaded CI machine.
READY_SECONDS = 600
# The seeder builds the demo people in its first seconds; allow for a slow machine.
LOGIN_SECONDS = 300
STOP_SECONDS = 60
NAVIGATION_MS = 60_000

# Colours and sizes from app.css's tokens (--bg, --blue, --red) and layout rules.
BG = "rgb(243, 245, 249)"
BLUE = "rgb(11, 78, 162)"
RED = "rgb(198, 47, 47)"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _tail(path: Path) -> str:
    try:
        return path.read_text(errors="replace")[-4000:]
    except OSError:
        return ""


def _wait_for(
    what: str, ready: Callable[[], bool], seconds: float, server: subprocess.Popen[bytes], log: Path
) -> None:
    deadline = time.monotonic() + seconds
    while not ready():
        if server.poll() is not None:
            pytest.fail(f"./dev demo exited ({server.returncode}) before {what}:\n{_tail(log)}")
        if time.monotonic() > deadline:
            pytest.fail(f"./dev demo: no {what} within {seconds} s:\n{_tail(log)}")
        time.sleep(1)


def _stop(server: subprocess.Popen[bytes]) -> None:
    """End the whole process group: the shell, gunicorn and its workers, seeder, db_worker."""
    group = server.pid
    for sig, grace in ((signal.SIGTERM, STOP_SECONDS), (signal.SIGKILL, STOP_SECONDS)):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            server.poll()
            try:
                os.killpg(group, 0)
            except ProcessLookupError:
                break
            time.sleep(0.5)
        else:
            continue
        break
    server.wait(timeout=STOP_SECONDS)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[str]:
    """The base URL of a running ``./dev demo``."""
    port = _free_port()
    # The demo's own settings, not the tests': drop what the test run set for itself.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "JISHI_", "PYTEST", "DATABASE_URL"))
    }
    env.update(
        JISHI_VENV=sys.prefix,
        JISHI_VAR_DIR=str(tmp_path / "var"),
        JISHI_ADDR=f"127.0.0.1:{port}",
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "dev-demo.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(ROOT / "dev"), "demo"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for("answer", lambda: _answers(f"{url}/login/"), READY_SECONDS, server, log)
        yield url
    finally:
        _stop(server)
    # Nothing of the demo outlives the test.
    with pytest.raises(ProcessLookupError):
        os.killpg(server.pid, 0)


ASSETS = """() => [
  ...Array.from(document.querySelectorAll('link[rel~="stylesheet"], link[rel~="icon"]'),
                (el) => el.href),
  ...Array.from(document.querySelectorAll('script[src]'), (el) => el.src),
]"""


def _assets_answer(page: Page) -> list[str]:
    """Every stylesheet, icon and script of the page, each fetched afresh: must be 200."""
    urls = page.evaluate(ASSETS)
    assert any(u.endswith(".css") for u in urls) and any(u.endswith(".js") for u in urls), urls
    for asset in urls:
        response = page.context.request.get(asset)
        assert response.status == 200, f"{asset} answered {response.status}"
        assert response.body(), f"{asset} is empty"
    return list(urls)


def _style(page: Page, selector: str, prop: str) -> str:
    return str(
        page.eval_on_selector(selector, f"(el) => getComputedStyle(el).{prop}", strict=False)
    )


def _sign_in(page: Page, url: str, log: Path) -> None:
    """Sign in as the demo dispatcher, retrying while the seeder is still creating people."""
    deadline = time.monotonic() + LOGIN_SECONDS
    while True:
        page.goto(f"{url}/login/")
        page.fill("input[name=username]", "dispatcher")
        page.fill("input[name=password]", DEMO_PASSWORD)
        # The sign-in writes (session, last login) and SQLite has one writer: on a loaded
        # machine it may wait its turn behind the seeder's transaction for a few seconds. The
        # click itself also waits for the navigation it starts, so it gets the same allowance.
        with page.expect_navigation(timeout=NAVIGATION_MS):
            page.click("button[type=submit]", timeout=NAVIGATION_MS)
        if "/login/" not in page.url:
            return
        if time.monotonic() > deadline:
            pytest.fail(f"the demo login 'dispatcher' did not work:\n{_tail(log)}")
        time.sleep(2)


def test_dev_demo_serves_styles_and_scripts(demo: str, browser: Browser, tmp_path: Path) -> None:
    page = new_page(browser, phone=False)
    try:
        # The login page: styled (background, card) and its script ran (no-js → js).
        page.goto(f"{demo}/login/")
        _assets_answer(page)
        assert _style(page, "body", "backgroundColor") == BG
        assert _style(page, ".auth-card", "borderTopColor") == BLUE
        assert float(_style(page, ".auth-card", "width").removesuffix("px")) <= 420
        page.wait_for_function("document.documentElement.classList.contains('js')")

        # The portal, as a citizen opens it: htmx loaded (it picks the village).
        page.goto(f"{demo}/portal/")
        portal_assets = _assets_answer(page)
        assert any("htmx" in u for u in portal_assets), portal_assets
        page.wait_for_function("typeof window.htmx === 'object'")
        assert _style(page, ".portal-header", "borderBottomColor") == RED

        # The console, signed in with a demo login: the header bar and the desktop layout.
        _sign_in(page, demo, tmp_path / "dev-demo.log")
        for path in ("/console/", "/console/dispatch/"):
            page.goto(f"{demo}{path}")
            _assets_answer(page)
            assert _style(page, ".console-header", "borderBottomColor") == RED
            assert _style(page, ".console-header", "position") == "sticky"
            assert _style(page, ".menu-toggle", "display") == "none"  # wide screen: no burger
        assert not page_errors(page), page_errors(page)
        # The seeder and the worker run behind the server: neither may have crashed (a bad
        # key in var/keys.env once let the people in and then failed at the first case).
        for name in ("seed_demo.log", "worker.log"):
            background = tmp_path / "var" / name
            text = background.read_text(errors="replace") if background.exists() else ""
            assert "Traceback" not in text, f"{name}:\n{text[-3000:]}"
    finally:
        page.context.close()
