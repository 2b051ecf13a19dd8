"""Citizen submissions through the portal's real HTTP endpoint.

gunicorn with 2 workers on loopback, 8 concurrent clients, warm-up then 2,000 POSTs to
``/portal/submit/`` (validation, encryption, tracking code, the router's prediction — a model
trained on the public labelled data when ``../shared/data`` is there — the accept event and,
when the router is sure, the dispatch). Prints
requests/s, p50/p99 latency, and the SQL queries one submission makes (counted in-process
with the same view). Usage::

    .venv/bin/python bench/intake_http.py [--requests 2000] [--clients 8] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ledger_intake import prepare_database  # noqa: E402
from serve import gunicorn, run_parallel, server_env  # noqa: E402

ROUTER_DATA = (
    Path(os.environ.get("JISHI_SHARED_DATA", ROOT.parent / "shared" / "data"))
    / "tipdm2020"
    / "labelled_tokens.csv"
)


def setup_county(url: str) -> dict[str, str]:
    """Migrate, build a small county; returns form fields for a valid submission."""
    code = """
import django, os
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from jishi.testing.fixtures import build_county
c = build_county()
# The router, as a county has it once trained: categories named like the public labelled
# data, each owned by a unit, and a model trained on that data with its auto-dispatch
# threshold, so every submission is predicted and the confident ones dispatched at once.
import csv, sys
from jishi.cases.models import Category
data = os.environ["JISHI_BENCH_ROUTER_DATA"]
if data:
    with open(data, encoding="utf-8") as handle:
        labels = sorted({row["label"] for row in csv.DictReader(handle)})
    for i, label in enumerate(labels):
        Category.objects.create(code=label, name=label, owning_unit=c.chengguan)
    call_command("router_train", data=data, format="tokens", activate=True, verbosity=0)
print(c.chengguan.pk, c.dongjie.pk)
"""
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "jishi.config.settings",
        "JISHI_BENCH_ROUTER_DATA": str(ROUTER_DATA) if ROUTER_DATA.exists() else "",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return {"township": out[-2], "village": out[-1]}


def count_queries(url: str, place: dict[str, str]) -> int:
    code = f"""
import django, os
django.setup()
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client()
data = {{"kind": "request", "text": "小区门口路灯坏了一周，晚上很黑，请尽快修理。",
        "township": "{place["township"]}", "village": "{place["village"]}",
        "citizen_name": "王先生", "citizen_phone": "13812345678", "consent": "on"}}
client.post("/portal/submit/", data)  # warm caches as a running server has them
# Another citizen (a new browser), or this one's resubmission would be answered at once.
data["text"] = "东街口路灯坏了一周，晚上很黑，请尽快修理。"
with CaptureQueriesContext(connection) as ctx:
    response = Client().post("/portal/submit/", data)
assert response.status_code == 302, response.status_code
print(len(ctx.captured_queries))
"""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "jishi.config.settings"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.split()[-1])


def server_cpu_seconds(arbiter: int) -> float:
    """User + system CPU of gunicorn's workers so far (Linux /proc): what the server itself
    spent, whatever else the machine is running."""
    tick = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{arbiter}/task/{arbiter}/children").read_text().split()
    total = 0.0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


class Client:
    """One citizen's browser: fetches the form once for its CSRF token, then submits."""

    def __init__(self, port: int, place: dict[str, str], index: int) -> None:
        self.port, self.place, self.index = port, place, index
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/portal/submit/")
        response = conn.getresponse()
        body = response.read().decode()
        cookie = response.getheader("Set-Cookie") or ""
        self.cookie = re.search(r"csrftoken=([^;]+)", cookie).group(1)  # type: ignore[union-attr]
        self.token = re.search(  # type: ignore[union-attr]
            r'name="csrfmiddlewaretoken" value="([^"]+)"', body
        ).group(1)
        conn.close()

    def submit(self, n: int) -> float:
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": self.token,
                "kind": "request",
                "text": f"第{n}号路灯坏了一周，晚上很黑，老人出行不便，请尽快修理。",
                "township": self.place["township"],
                "village": self.place["village"],
                "citizen_name": "王先生",
                "citizen_phone": f"139{n:08d}",
                "consent": "on",
            }
        )
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request(
            "POST",
            "/portal/submit/",
            body=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={self.cookie}",
                "Referer": f"http://127.0.0.1:{self.port}/portal/submit/",
            },
        )
        response = conn.getresponse()
        response.read()
        conn.close()
        elapsed = time.perf_counter() - started
        if response.status != 302:
            raise RuntimeError(f"submission answered {response.status}")
        return elapsed


def run(db: str, requests: int, clients: int) -> None:
    url = prepare_database(db, "http")
    place = setup_county(url)
    queries = count_queries(url, place)
    # The server's own keys: outside debug it refuses the public development key.
    with gunicorn(server_env(url)) as (port, server):
        people = [Client(port, place, i) for i in range(clients)]
        for i in range(50):  # warm-up
            people[i % clients].submit(10_000_000 + i)
        cpu_before = server_cpu_seconds(server.pid)
        client_before = time.process_time()
        wall, latencies = run_parallel(
            clients, list(range(requests)), lambda index, n: people[index].submit(n)
        )
        cpu = server_cpu_seconds(server.pid) - cpu_before
        client_cpu = time.process_time() - client_before
    latencies.sort()
    p50 = statistics.median(latencies) * 1000
    p99 = latencies[int(len(latencies) * 0.99) - 1] * 1000
    print(
        f"{db}: {len(latencies)} submissions, {clients} clients, gunicorn -w 2: "
        f"{len(latencies) / wall:.0f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
        f"{queries} SQL queries per submission; server CPU {cpu / len(latencies) * 1000:.1f} ms "
        f"per submission (the 2 cores could serve {2 * len(latencies) / cpu:.0f} req/s); "
        f"the clients' own CPU {client_cpu / len(latencies) * 1000:.1f} ms per submission"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        run(db, args.requests, args.clients)


if __name__ == "__main__":
    main()
