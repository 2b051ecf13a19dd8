"""好差评 ratings through the real HTTP endpoint, beside the raw INSERT rate of the same rows.

For each database (SQLite, PostgreSQL): a small county with 20 rated windows; gunicorn with
2 workers on loopback; 8 clients POST ratings to ``/r/<token>/`` (a fresh phone each time,
one in ten a bad rating that opens its rectification case through the case services).
Beside it, in the same run, the same rows written by plain single-row ``INSERT`` statements,
each committed, on one connection: the floor a rating cannot beat. Then a lunchtime burst:
500 ratings from 50 phones within a minute (each phone rates 10 windows, and sends two of
its forms twice): all kept, none doubled. Finally the public disclosure page over a month
of ``--disclosure-ratings`` ratings (bulk-inserted; bad ones without cases): p50/p95.

    .venv/bin/python bench/reviews.py [--requests 2000] [--db sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from intake_http import server_cpu_seconds  # noqa: E402
from ledger_intake import prepare_database  # noqa: E402
from serve import FormPhone, child, gunicorn, run_parallel, server_env  # noqa: E402

WINDOWS = 20
SETUP = """
import django, json, os
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from jishi.testing.fixtures import build_county, make_unit
from jishi.reviews import tokens
from jishi.reviews.models import ReviewPolicy, ServicePoint
c = build_county()
# A bench sends everything from one address: lift the per-address brake.
ReviewPolicy.objects.create(supervision_unit=c.supervision, ratings_per_address_hour=10**9)
points = [ServicePoint.objects.create(unit=c.window, owner=c.hall, qr_key=tokens.new_key())]
for i in range(2, %(windows)d + 1):
    unit = make_unit(f"W{i:02d}", f"{i}号窗口", "window", c.hall)
    points.append(ServicePoint.objects.create(unit=unit, owner=c.hall, qr_key=tokens.new_key()))
devices = [tokens.new_device_id() for _ in range(%(devices)d)]
print(json.dumps({"tokens": [tokens.qr_token(p.pk, p.qr_key) for p in points],
                  "devices": devices}))
"""

RAW = """
import django, time, json
django.setup()
from django.db import connection
from jishi.common import clock
from jishi.reviews.models import Rating, ServicePoint
point = ServicePoint.objects.first()
table = Rating._meta.db_table
n = %(n)d
columns = ("point_id, unit_id, channel, level, reasons, comment, device_key, submission_key, "
           "appeal_state, created_at")
sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%%s'] * 10)})"
connection.ensure_connection()
started = time.perf_counter()
with connection.cursor() as cursor:
    for i in range(n):
        # One statement, committed on its own, as a rating is.
        cursor.execute(sql, [point.pk, point.owner_id, "qr", 5, "[]", "", f"raw{i:034d}", "",
                             "", connection.ops.adapt_datetimefield_value(clock.now())])
        connection.commit() if not connection.get_autocommit() else None
elapsed = time.perf_counter() - started
Rating.objects.filter(device_key__startswith="raw").delete()
print(json.dumps({"rate": n / elapsed}))
"""

MONTH = """
import django, json, random, datetime as dt, time
django.setup()
from django.utils import timezone
from jishi.orgs.models import Unit, UnitKind
from jishi.reviews.models import Rating, ServicePoint
from jishi.testing.fixtures import make_unit
# Units to rank: twenty departments, each answerable for a few windows.
hall = Unit.objects.get(code="H")
points = list(ServicePoint.objects.all())
owners = [make_unit(f"DB{i:02d}", f"县第{i}局", UnitKind.DEPARTMENT, hall.parent)
          for i in range(1, 21)]
for i, p in enumerate(points):
    p.owner = owners[i %% len(owners)]
    p.save(update_fields=["owner"])
rng = random.Random(7)
start = timezone.make_aware(dt.datetime(2026, 5, 1))
n, batch = %(n)d, 5000
levels = [5] * 70 + [4] * 18 + [3] * 7 + [2] * 3 + [1] * 2
made = 0
while made < n:
    rows = []
    for i in range(made, min(n, made + batch)):
        p = points[i %% len(points)]
        rows.append(Rating(point_id=p.pk, unit_id=p.owner_id, channel="qr",
            level=rng.choice(levels), device_key=f"m{i}",
            created_at=start + dt.timedelta(seconds=rng.randrange(31 * 24 * 3600))))
    Rating.objects.bulk_create(rows)
    made += len(rows)
from django.db import connection
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
from jishi.reviews.tasks import disclosure_refresh_now
started = time.perf_counter()
disclosure_refresh_now(start.date())
recount = time.perf_counter() - started
print(json.dumps({"ratings": Rating.objects.count(), "recount": recount}))
"""


class Phone(FormPhone):
    """A rater: the CSRF cookie once; then each POST carries a fresh device id, as if from
    another phone, so no rating is refused as a second one from the same device."""

    def rate(self, token: str, device: str, n: int, key: str = "") -> tuple[float, str]:
        level = 1 if n % 10 == 0 else 5
        fields: dict[str, Any] = {
            "level": level,
            "device": device,
            "submission_key": key or f"bench-{n}",
        }
        if level == 1:
            fields.update(reasons="slow", comment=f"第{n}号等了很久", phone="13800000000")
        seconds, response, _body = self.post(fields, f"/r/{token}/")
        if response.status != 302:
            raise RuntimeError(f"rating answered {response.status}")
        return seconds, response.getheader("Location") or ""


def count_ratings(url: str) -> int:
    code = (
        "import django, json\ndjango.setup()\n"
        "from jishi.reviews.models import Rating\n"
        "print(json.dumps({'n': Rating.objects.count()}))"
    )
    return int(child(url, code)["n"])


def run(db: str, requests: int, clients: int, month_ratings: int) -> None:
    url = prepare_database(db, "reviews")
    made = child(url, SETUP % {"windows": WINDOWS, "devices": requests + 100 + 50})
    tokens, devices = made["tokens"], made["devices"]
    raw = child(url, RAW % {"n": requests})["rate"]
    with gunicorn(server_env(url)) as (port, server):
        phones = [Phone(port, f"/r/{tokens[i % WINDOWS]}/") for i in range(max(clients, 50))]
        for i in range(100):  # warm-up
            phones[0].rate(tokens[i % WINDOWS], devices[i], 10_000_000 + i)
        jobs = list(range(requests))

        def one(index: int, n: int) -> float:
            return phones[index].rate(tokens[n % WINDOWS], devices[100 + n], n)[0]

        cpu_before = server_cpu_seconds(server.pid)
        wall, latencies = run_parallel(clients, jobs, one)
        cpu = server_cpu_seconds(server.pid) - cpu_before
        before = count_ratings(url)

        # The lunchtime burst: 50 phones × 10 windows, two forms of each sent twice.
        burst_devices = devices[requests + 100 :]
        burst = [(d, w) for d in range(50) for w in range(10)]
        burst += [(d, w) for d in range(50) for w in (0, 1)]

        def send(index: int, job: tuple[int, int]) -> str:
            d, w = job
            return phones[d].rate(
                tokens[(d + w) % WINDOWS],
                burst_devices[d],
                20_000_000 + d * 10 + w,
                key=f"burst-{d}-{w}",
            )[1]

        burst_wall, answers = run_parallel(50, burst, send)
        kept = count_ratings(url) - before
        distinct = len(set(answers))

        recount = child(url, MONTH % {"n": month_ratings})["recount"]
        conn_times: list[float] = []
        for i in range(60):
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            conn.request("GET", "/r/public/?month=2026-05")
            response = conn.getresponse()
            response.read()
            conn.close()
            if response.status != 200:
                raise RuntimeError(f"disclosure answered {response.status}")
            if i >= 10:  # the first requests warm each worker's caches
                conn_times.append(time.perf_counter() - started)
    latencies.sort()
    conn_times.sort()
    rate = len(latencies) / wall
    print(
        f"{db}: {len(latencies)} ratings, {clients} clients, gunicorn -w 2: {rate:.0f} ratings/s "
        f"(p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.1f} ms); raw single-row "
        f"INSERT + commit: {raw:.0f} rows/s; ratings/s ÷ raw = {rate / raw:.0%}; server CPU "
        f"{cpu / len(latencies) * 1000:.1f} ms per rating (2 free cores: "
        f"{2 * len(latencies) / cpu:.0f} ratings/s)"
    )
    print(
        f"{db}: burst of {len(burst)} forms (500 ratings + 100 resent) from 50 phones in "
        f"{burst_wall:.1f} s: {kept} kept (expected 500), {distinct} distinct answers"
    )
    p95 = conn_times[int(len(conn_times) * 0.95) - 1] * 1000
    print(
        f"{db}: disclosure page over {month_ratings} ratings in one month: "
        f"p50 {statistics.median(conn_times) * 1000:.0f} ms, p95 {p95:.0f} ms (served from the "
        f"stored count; one recount, done in the background every 5 minutes at most while "
        f"visited: {recount:.1f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--disclosure-ratings", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        run(db, args.requests, args.clients, args.disclosure_ratings)


if __name__ == "__main__":
    main()
