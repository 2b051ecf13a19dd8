"""Reports over a large ledger: the figures and dashboard endpoints (p50/p95), the monthly
bulletin (content and PDF) and the year-end summary, each beside the raw ``COUNT(*) … GROUP
BY`` over the same rows in the same run.

The ledger is built as ``bench/console.py`` builds it (the demo county's organisation, a few
hundred cases through the services, copied with plain inserts up to ``--cases``), the copies
spread evenly over a year with varied categories and channels. The pages are asked for the
whole year — every figure counts every row, the worst case for a period query — and the
bulletin for the last whole month; the year-end summary is the last year's. Each is measured
twice in the same run: from the daily figures (``reports.aggregates``, rebuilt first and
timed) and from the events alone (the projection switched off). The endpoints are requested
in-process through Django's test client as a county-wide post (the view, its queries and its
template; no network), then as a township's and a department's posts (their scopes' rows).
Last, what keeping the figures costs intake (``intake_cost``).

    .venv/bin/python bench/reports.py [--cases 100000] [--db sqlite|postgres] [--repeat 20]
                                      [--intakes 1500] [--reuse [--keep-figures]]
                                      [--skip-events]
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


def timed_pages(
    client: Any,
    pages: dict[str, tuple[str, dict[str, str]]],
    repeat: int,
    slow: tuple[str, ...] = (),
) -> None:
    """Each page once untimed, then ``repeat`` times; those named in ``slow`` (counted from the
    events) a tenth as often."""
    for name, (url, params) in pages.items():
        # Untimed first: a process's first request of a page loads its templates and
        # translations (measured 2.4 s against 0.4 s after, the whole p95 of 20 requests).
        assert client.get(url, params).status_code == 200, url
        times = []
        for _ in range(max(2, repeat // 10) if name in slow else repeat):
            started = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        print(f"    {name:<22}{statistics.median(times):>10.0f}{p(times, 0.95):>10.0f}")


def measure(repeat: int, intakes: int, keep_figures: bool, skip_events: bool) -> None:
    from django.db.models import Max, Min
    from django.test import Client, override_settings
    from django.utils import timezone

    from jishi.cases.models import Case, CaseEvent
    from jishi.orgs.models import User
    from jishi.reports import aggregates, exports, services, yearend
    from jishi.reports.selectors import DateRange, add_months

    span = CaseEvent.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    first = timezone.localtime(span["first"]).date()
    last = timezone.localtime(span["last"]).date()
    dates = DateRange(first, last)
    month = DateRange.month(add_months(last.replace(day=1), -1))
    start, end = dates.period
    events = CaseEvent.objects.count()
    cases = Case.objects.count()
    print(f"  {cases:,} cases, {events:,} events; {first} – {last}; bulletin month {month.label}")

    table = CaseEvent._meta.db_table

    def progress(done: int, replayed: int) -> None:
        if done % 100_000 == 0:
            elapsed = time.perf_counter() - started
            print(f"    … {done:,} cases, {replayed / elapsed:,.0f} events/s", flush=True)

    if keep_figures:
        started = time.perf_counter()
        counted = aggregates.refresh()
        print(
            f"  figures kept from the last run; {counted} cases refreshed in "
            f"{time.perf_counter() - started:.1f} s"
        )
    else:
        # The projection from nothing: every case's events replayed.
        started = time.perf_counter()
        _, replayed = aggregates.rebuild(progress)
        rebuild_s = time.perf_counter() - started
        scan_ms = raw_ms(f"SELECT case_id, seq, kind, payload, created_at FROM {table}", [], 1)
        print(
            f"  rebuild_aggregates: {rebuild_s:.0f} s, {replayed / rebuild_s:,.0f} events/s "
            f"(reading every event alone: {scan_ms / 1000:.1f} s, "
            f"{events / (scan_ms / 1000):,.0f} events/s)"
        )

    from django.db import connection

    if connection.vendor == "postgresql":
        # The rebuild rewrote every case row (its figures_version): vacuumed as autovacuum
        # leaves a live database, or the deadline index's index-only scans read the table.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    client = Client()
    client.force_login(User.objects.get(username="dispatcher"))
    year = {"from": f"{first:%Y-%m-%d}", "to": f"{last:%Y-%m-%d}"}
    pages = {
        "figures by unit": ("/console/reports/", {**year, "by": "unit"}),
        "figures by category": ("/console/reports/", {**year, "by": "category"}),
        "dashboard": ("/console/reports/dashboard/", year),
        "public statistics": ("/stats/", {"month": f"{month.first:%Y-%m}"}),
    }
    # Posts of a township and of a department: the cases they see (their scope's rows).
    posts = {}
    for username in ("chengguan", "zhujian"):
        posts[username] = Client()
        posts[username].force_login(User.objects.get(username=username))
    # A scope keeps its breakdowns other than by kind by month: the posts are asked for whole
    # months (the dashboard's default, up to today), and once for the cut stretch.
    months = {"from": f"{add_months(first.replace(day=1), 1):%Y-%m-%d}", "to": f"{last:%Y-%m-%d}"}
    post_pages = {
        "figures by unit": ("/console/reports/", {**months, "by": "unit"}),
        "figures by category": ("/console/reports/", {**months, "by": "category"}),
        "dashboard": ("/console/reports/dashboard/", months),
        "by category, cut": pages["figures by category"],
    }
    modes = {"daily figures": 5000, "events (no projection)": -1}
    if skip_events:
        del modes["events (no projection)"]
    for mode, catch_up in modes.items():
        with override_settings(JISHI_AGGREGATE_CATCH_UP=catch_up):
            rounds = repeat if catch_up >= 0 else max(2, repeat // 10)
            print(f"  {mode}, the whole stretch ({rounds} requests each)")
            print(f"    {'endpoint':<22}{'p50 ms':>10}{'p95 ms':>10}")
            timed_pages(client, pages, rounds)
            for username, post in posts.items():
                print(f"    as the post {username}, {months['from']} – {months['to']}:")
                timed_pages(post, post_pages, rounds, slow=("by category, cut",))
            started = time.perf_counter()
            bulletin = services.bulletin_generate(actor=None, dates=month)
            content_s = time.perf_counter() - started
            started = time.perf_counter()
            pdf = exports.bulletin_pdf(bulletin.content)
            pdf_s = time.perf_counter() - started
            started = time.perf_counter()
            yearend.summary(last.year)
            year_s = time.perf_counter() - started
            print(
                f"    bulletin of {month.label}: content {content_s:.1f} s + PDF {pdf_s:.1f} s "
                f"({len(pdf) // 1024} KB) = {content_s + pdf_s:.1f} s; "
                f"year-end summary {year_s:.1f} s"
            )

    by_kind = raw_ms(
        f"SELECT kind, COUNT(*) FROM {table} WHERE created_at >= %s AND created_at < %s "
        "GROUP BY kind",
        [start, end],
        3,
    )
    by_unit = raw_ms(
        f"SELECT c.lead_unit_id, e.kind, COUNT(*) FROM {table} e "
        f"JOIN {Case._meta.db_table} c ON c.id = e.case_id "
        "WHERE e.created_at >= %s AND e.created_at < %s GROUP BY c.lead_unit_id, e.kind",
        [start, end],
        3,
    )
    print(
        f"  raw COUNT(*) GROUP BY kind over the stretch's events: {by_kind:.0f} ms; "
        f"by lead unit and kind (join to cases): {by_unit:.0f} ms"
    )
    intake_cost(intakes)


def intake_cost(total: int) -> None:
    """Intake through the services in-process, three ways, in interleaved rounds: as shipped
    (the figures counted later: a step pays only the waiting-cases index and its generated
    flag), without that index (the flag, a column the database computes, stays), and counting
    the case's figures inside the intake's own transaction (the alternative). Then the later
    count's own rate, per case."""
    # The copies were inserted with their own ids: the id sequences start after them.
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from jishi.cases import services
    from jishi.cases.models import Case, CaseClock, CaseEvent, Category
    from jishi.orgs.models import Unit, UnitKind, User
    from jishi.reports import aggregates

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Case, CaseEvent, CaseClock]):
            cursor.execute(sql)
    aggregates.refresh()
    dispatcher = User.objects.get(username="dispatcher")
    chengguan = Unit.objects.get(name="城关镇")
    village = Unit.objects.filter(kind=UnitKind.VILLAGE, parent=chengguan).first()
    category = Category.objects.filter(owning_unit__isnull=False, parent__isnull=False)[0]
    route = services.Route(actor=dispatcher, category=category, lead_unit=chengguan)
    [index] = [i for i in Case._meta.indexes if i.name == "case_figures_waiting"]

    def intake(i: int, count_now: bool) -> None:
        with transaction.atomic():
            services.case_accept(
                actor=services.Citizen(),
                kind="request",
                channel="portal",
                title="路灯不亮",
                text=f"东街第{i}号路灯坏了，请修复。",
                village=village,
                route=route,
            )
            if count_now:
                aggregates.refresh()

    rounds = 5
    per_round = max(1, total // rounds)
    seconds = {
        "as shipped (counted later)": 0.0,
        "without the waiting index": 0.0,
        "counted in intake": 0.0,
    }
    n = 0
    for _ in range(rounds):
        for way in seconds:
            aggregates.refresh()  # each way starts with nothing waiting
            if way == "without the waiting index":
                with connection.schema_editor() as editor:
                    editor.remove_index(Case, index)
            started = time.perf_counter()
            for _ in range(per_round):
                intake(n, way == "counted in intake")
                n += 1
            seconds[way] += time.perf_counter() - started
            if way == "without the waiting index":
                with connection.schema_editor() as editor:
                    editor.add_index(Case, index)
    aggregates.refresh()
    for _ in range(per_round):
        intake(n, False)
        n += 1
    waiting = aggregates.waiting().count()
    started = time.perf_counter()
    aggregates.refresh()
    later_s = time.perf_counter() - started
    base = rounds * per_round / seconds["without the waiting index"]
    print(f"  intake in-process, {rounds} interleaved rounds of {per_round} each way:")
    for way, spent in seconds.items():
        rate = rounds * per_round / spent
        print(
            f"    {way:<28}{rate:>8.0f} /s  "
            f"({100 * (base - rate) / base:+.1f}% slower than without the index)"
        )
    print(
        f"    the later count: {waiting} cases in {later_s:.2f} s "
        f"({1000 * later_s / max(1, waiting):.2f} ms a case, off the intake path)"
    )


def child(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jishi.config.settings")
    os.environ.setdefault("JISHI_DEMO", "1")
    if args.populate:
        info = populate(args.cases, spread_days=365)
        print(f"{info['township']} {info['cases']}")
        return
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    measure(args.repeat, args.intakes, args.keep_figures, args.skip_events)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--intakes", type=int, default=1500, help="for the intake cost")
    parser.add_argument(
        "--keep-figures", action="store_true", help="with --reuse: refresh, do not rebuild"
    )
    parser.add_argument(
        "--skip-events", action="store_true", help="leave out the pages counted from events"
    )
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
        [
            sys.executable,
            __file__,
            "--child",
            "--repeat",
            str(args.repeat),
            "--intakes",
            str(args.intakes),
            *(["--keep-figures"] if args.keep_figures else []),
            *(["--skip-events"] if args.skip_events else []),
        ],
        env=env,
        cwd=ROOT,
        check=True,
    )


if __name__ == "__main__":
    main()
