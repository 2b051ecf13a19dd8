"""Reports over a large ledger: the figures and dashboard endpoints (p50/p95), the monthly
bulletin (content and PDF) and the year-end summary, each beside the raw ``COUNT(*) … GROUP
BY`` over the same rows in the same run.

The ledger is built as ``bench/console.py`` builds it (the demo county's organisation, a few
hundred cases through the services, copied with plain inserts up to ``--cases``); the copies
keep their originals' event times, so every event falls in one stretch, and the bench's period
is that stretch — every figure counts every row, the worst case for a period query.
The endpoints are requested in-process through Django's test client as a county-wide post
(the view, its queries and its template; no network).

    .venv/bin/python bench/reports.py [--cases 100000] [--db sqlite|postgres] [--repeat 20]
                                      [--reuse]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from console import existing_database, keys, populate  # noqa: E402
from ledger_intake import prepare_database  # noqa: E402


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def raw_ms(sql: str, params: list[Any], repeat: int) -> float:
    from django.db import connection

    times = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(repeat: int) -> None:
    import datetime as dt

    from django.db.models import Max, Min
    from django.test import Client
    from django.utils import timezone

    from jishi.cases.models import Case, CaseEvent
    from jishi.orgs.models import User
    from jishi.reports import exports, services, yearend
    from jishi.reports.selectors import DateRange

    span = CaseEvent.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    first = timezone.localtime(span["first"]).date()
    last = timezone.localtime(span["last"]).date()
    dates = DateRange(first, last)
    start, end = dates.period
    events = CaseEvent.objects.count()
    cases = Case.objects.count()
    print(f"  {cases:,} cases, {events:,} events; period {first} – {last}")

    client = Client()
    client.force_login(User.objects.get(username="dispatcher"))
    query = {"from": f"{first:%Y-%m-%d}", "to": f"{last:%Y-%m-%d}"}
    pages = {
        "figures by unit": ("/console/reports/", {**query, "by": "unit"}),
        "figures by category": ("/console/reports/", {**query, "by": "category"}),
        "dashboard": ("/console/reports/dashboard/", query),
        "public statistics": ("/stats/", {"month": f"{first:%Y-%m}"}),
    }
    print(f"  {'endpoint':<22}{'p50 ms':>10}{'p95 ms':>10}")
    for name, (url, params) in pages.items():
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"  {name:<22}{statistics.median(times):>10.0f}{p(times, 0.95):>10.0f}")

    started = time.perf_counter()
    bulletin = services.bulletin_generate(actor=None, dates=dates)
    content_s = time.perf_counter() - started
    started = time.perf_counter()
    pdf = exports.bulletin_pdf(bulletin.content)
    pdf_s = time.perf_counter() - started
    started = time.perf_counter()
    yearend.summary(first.year)
    year_s = time.perf_counter() - started
    print(
        f"  bulletin: content {content_s:.1f} s + PDF {pdf_s:.1f} s "
        f"({len(pdf) // 1024} KB) = {content_s + pdf_s:.1f} s; year-end summary {year_s:.1f} s"
    )

    table = CaseEvent._meta.db_table
    by_kind = raw_ms(
        f"SELECT kind, COUNT(*) FROM {table} WHERE created_at >= %s AND created_at < %s "
        "GROUP BY kind",
        [start, end],
        5,
    )
    by_unit = raw_ms(
        f"SELECT c.lead_unit_id, e.kind, COUNT(*) FROM {table} e "
        f"JOIN {Case._meta.db_table} c ON c.id = e.case_id "
        "WHERE e.created_at >= %s AND e.created_at < %s GROUP BY c.lead_unit_id, e.kind",
        [start, end],
        5,
    )
    print(
        f"  raw COUNT(*) GROUP BY kind over the period's events: {by_kind:.0f} ms; "
        f"by lead unit and kind (join to cases): {by_unit:.0f} ms"
    )
    del dt


def child(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jishi.config.settings")
    os.environ.setdefault("JISHI_DEMO", "1")
    if args.populate:
        info = populate(args.cases)
        print(f"{info['township']} {info['cases']}")
        return
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    measure(args.repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="measure the last run's database")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--populate", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    url = existing_database(args.db, "reports") if args.reuse else None
    url = url or prepare_database(args.db, "reports")
    env = {
        **keys(),
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "jishi.config.settings",
        "JISHI_DEMO": "1",
        "JISHI_LOG_LEVEL": "ERROR",
        "JISHI_ALLOWED_HOSTS": "testserver,localhost,127.0.0.1",
    }
    if not args.reuse:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--child", "--populate", "--cases", str(args.cases)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        print(f"{args.db}: built in {time.perf_counter() - started:.0f} s")
    else:
        print(f"{args.db}: reused")
    subprocess.run(
        [sys.executable, __file__, "--child", "--repeat", str(args.repeat)],
        env=env,
        cwd=ROOT,
        check=True,
    )


if __name__ == "__main__":
    main()
