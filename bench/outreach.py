"""宣讲 check-in through the real HTTP endpoint: one large talk, 1,000 people within two
minutes, beside the raw INSERT rate of the same rows.

For each database (SQLite, PostgreSQL): a talk expecting 1,000 people; gunicorn with 2
workers on loopback; 16 clients POST check-ins to ``/o/c/<token>/`` (each a different phone
and name, all from one address, as a hall's wireless network looks). One phone in ten sends
its form twice (a double tap on a slow network): all 1,000 kept, none doubled. Beside it, in
the same run, the same rows written by plain single-row ``INSERT`` statements, each
committed, on one connection: the floor a check-in cannot beat.

    .venv/bin/python bench/outreach.py [--people 1000] [--db sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from intake_http import server_cpu_seconds  # noqa: E402
from ledger_intake import prepare_database  # noqa: E402
from serve import FormPhone, child, gunicorn, run_parallel, server_env  # noqa: E402

LIMIT_SECONDS = 120

SETUP = """
import django, json, datetime as dt
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from jishi.common import clock
from jishi.orgs.models import Role
from jishi.outreach import services, tokens
from jishi.testing.fixtures import build_county, make_person
c = build_county()
organiser = make_person("organiser", c.chengguan, Role.HANDLER)
now = clock.now()
talk = services.talk_create(actor=organiser, data=services.TalkInput(
    title="学习贯彻全会精神 全县大会", speaker="县委宣讲团", setting="office",
    organiser=c.chengguan, starts_at=now - dt.timedelta(minutes=5),
    ends_at=now + dt.timedelta(hours=2), place="县会堂", expected_size=%(people)d))
print(json.dumps({"token": tokens.checkin_token(talk.pk, talk.checkin_key),
                  "devices": [tokens.new_device_id() for _ in range(%(people)d)]}))
"""

RAW = """
import django, time, json
django.setup()
from django.db import connection
from jishi.common import clock
from jishi.outreach.models import CheckIn, Talk
talk = Talk.objects.get()
table = CheckIn._meta.db_table
n = %(n)d
columns = (
    "talk_id, channel, person_key, name_key, name, unit_text, device_key, created_at, note,"
    " struck_reason"
)
sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%%s'] * 10)})"
connection.ensure_connection()
started = time.perf_counter()
with connection.cursor() as cursor:
    for i in range(n):
        # One statement, committed on its own, as a check-in is.
        cursor.execute(sql, [talk.pk, "onsite", f"raw:{i:040d}", f"raw{i}", f"raw{i}", "", "",
                             connection.ops.adapt_datetimefield_value(clock.now()), "", ""])
        connection.commit() if not connection.get_autocommit() else None
elapsed = time.perf_counter() - started
CheckIn.objects.filter(person_key__startswith="raw:").delete()
print(json.dumps({"rate": n / elapsed}))
"""

COUNT = """
import django, json
django.setup()
from django.db.models import Count
from jishi.outreach.models import CheckIn
rows = CheckIn.objects.count()
people = CheckIn.objects.values("person_key").distinct().count()
names = CheckIn.objects.values("name").distinct().count()
print(json.dumps({"rows": rows, "people": people, "names": names}))
"""


class Phone(FormPhone):
    """An attendee's phone on the check-in page."""

    def check_in(self, device: str, name: str) -> tuple[float, bool]:
        """(seconds, whether this was the first check-in of the person)."""
        seconds, response, body = self.post(
            {
                "device": device,
                "name": name,
                "unit_text": "县直机关第一党支部",
                "action": "named",
            }
        )
        if response.status != 200:
            raise RuntimeError(f"check-in answered {response.status}: {body[:200]}")
        if "签到成功" in body:
            return seconds, True
        if "您已签到过" in body:
            return seconds, False
        raise RuntimeError("check-in page said neither 签到成功 nor 您已签到过")


def run(db: str, people: int, clients: int) -> None:
    url = prepare_database(db, "outreach")
    made = child(url, SETUP % {"people": people})
    token, devices = made["token"], made["devices"]
    raw = child(url, RAW % {"n": people})["rate"]
    with gunicorn(server_env(url)) as (port, server):
        phones = [Phone(port, f"/o/c/{token}/") for _ in range(clients)]
        # Each person once, and one in ten again right after (the double tap).
        jobs = [n for n in range(people)] + [n for n in range(0, people, 10)]
        jobs.sort()

        def one(index: int, n: int) -> tuple[float, bool]:
            return phones[index].check_in(devices[n], f"参会者{n:04d}")

        cpu_before = server_cpu_seconds(server.pid)
        wall, results = run_parallel(clients, jobs, one)
        cpu = server_cpu_seconds(server.pid) - cpu_before
    counted = child(url, COUNT)
    latencies = sorted(r[0] for r in results)
    first = sum(1 for r in results if r[1])
    rate = len(results) / wall
    within = "yes" if wall <= LIMIT_SECONDS else "NO"
    print(
        f"{db}: {people} people + {len(jobs) - people} double taps, {clients} clients, gunicorn "
        f"-w 2: {wall:.1f} s (within {LIMIT_SECONDS} s: {within}), {rate:.0f} check-ins/s "
        f"(p50 {statistics.median(latencies) * 1000:.1f} ms, "
        f"p99 {latencies[int(len(latencies) * 0.99) - 1] * 1000:.1f} ms); raw single-row "
        f"INSERT + commit: {raw:.0f} rows/s; check-ins/s ÷ raw = {rate / raw:.0%}; server CPU "
        f"{cpu / len(results) * 1000:.1f} ms per check-in"
    )
    lost = people - counted["people"]
    doubled = counted["rows"] - counted["people"]
    print(
        f"{db}: stored {counted['rows']} check-ins of {counted['people']} people "
        f"({counted['names']} names); answered 签到成功 {first} times; lost {lost}, "
        f"doubled {doubled}"
    )
    if lost or doubled or first != people or wall > LIMIT_SECONDS:
        raise SystemExit(f"{db}: check-ins lost, doubled or too slow")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        run(db, args.people, args.clients)


if __name__ == "__main__":
    main()
