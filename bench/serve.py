"""The real HTTP server for benchmarks (gunicorn, 2 workers, on a free loopback port), the
phones that post its forms from many threads, and the child processes that set up and count."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

# Production settings want real keys; a bench makes throwaway ones, the same for its setup
# processes (device ids are signed with the secret) and its server.
KEYS = {
    "JISHI_SECRET_KEY": "bench-" + secrets.token_urlsafe(50),
    "JISHI_FIELD_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
}


def child(url: str, code: str) -> dict[str, Any]:
    """Run ``code`` in a Django process on the database at ``url``; its last line of output,
    read as JSON."""
    env = {
        **os.environ,
        **KEYS,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "jishi.config.settings",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def server_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        **KEYS,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "jishi.config.settings",
        "JISHI_LOG_LEVEL": "ERROR",
    }


class FormPhone:
    """A phone on a public form page: the page once (its CSRF cookie and form token), then
    posts of the form."""

    def __init__(self, port: int, path: str) -> None:
        self.port, self.path = port, path
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read().decode()
        cookies = response.getheader("Set-Cookie") or ""
        conn.close()
        self.csrf = re.search(r"csrftoken=([^;]+)", cookies).group(1)  # type: ignore[union-attr]
        self.form_token = re.search(  # type: ignore[union-attr]
            r'name="csrfmiddlewaretoken" value="([^"]+)"', body
        ).group(1)

    def post(
        self, fields: dict[str, Any], path: str = ""
    ) -> tuple[float, http.client.HTTPResponse, str]:
        """(seconds, the response, its body) of posting ``fields`` with the form's token, to
        the page's address or ``path`` (another page of the same form)."""
        path = path or self.path
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        conn.request(
            "POST",
            path,
            body=urllib.parse.urlencode(
                {"csrfmiddlewaretoken": self.form_token, **fields}, doseq=True
            ),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={self.csrf}",
                "Referer": f"http://127.0.0.1:{self.port}{path}",
            },
        )
        response = conn.getresponse()
        body = response.read().decode()
        conn.close()
        return time.perf_counter() - started, response, body


def run_parallel(
    clients: int, jobs: list[Any], work: Callable[[int, Any], Any]
) -> tuple[float, list[Any]]:
    """``work(client, job)`` for every job, from ``clients`` threads; (seconds, results)."""
    lock = threading.Lock()
    queue = iter(jobs)
    results: list[Any] = []

    def loop(index: int) -> None:
        while True:
            with lock:
                job = next(queue, None)
            if job is None:
                return
            result = work(index, job)
            with lock:
                results.append(result)

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started, results


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(env: dict[str, str]) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Start gunicorn with ``env`` (its DATABASE_URL names the bench database), wait until it
    accepts connections, yield ``(port, process)``; shut it down gracefully afterwards."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "jishi.config.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--graceful-timeout",
            "5",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port, server
    finally:
        server.terminate()
        try:
            server.wait(timeout=40)  # gunicorn's graceful shutdown
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
