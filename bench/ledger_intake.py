"""Intake through the service layer against plain inserts of the same rows.

For each database (SQLite file, PostgreSQL), in one run on one machine:

* **service, routed at intake**: ``case_accept(route=…)`` — validation, encryption, tracking
  code, permission checks, three hash-chained events (accept, classify, dispatch), two SLA
  clocks with working-day deadlines — one transaction per case, as the router's confident
  auto-dispatch does;
* **service, three calls**: ``case_accept`` → ``case_classify`` → ``case_dispatch`` in one
  ``services.batch()`` per case (each saves the case again; the batch spares re-reading it);
* **service, three calls, no batch**: the same in a plain ``transaction.atomic()``, which
  the batch stands in for (each service then opens its savepoint and reads the case again);
* **service, step by step**: the same three services, each its own transaction (a dispatcher
  routing by hand);
* **raw**: the very rows the service path wrote (cases, events, clocks), inserted again with
  ``cursor.executemany`` in one transaction — the ceiling no application code reaches.

Prints cases/s for each and the service/raw ratio, and the CPU this process spent per
case on the routed path (on a shared machine wall-clock rates swing; the ratio and the CPU
figure less so). Usage::

    .venv/bin/python bench/ledger_intake.py [--cases 2000] [--db sqlite|postgres|both]

``JISHI_BENCH_PG`` names the PostgreSQL server (its maintenance database) and
``JISHI_BENCH_PG_DB`` the scratch database made there, so two runs need not share one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from jishi.cases.models import Category
    from jishi.cases.services import Route
    from jishi.orgs.models import Unit, User
    from jishi.testing.fixtures import County

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("JISHI_BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
PG_BENCH_DB = os.environ.get("JISHI_BENCH_PG_DB", "jishi_bench_intake")


def prepare_database(kind: str, name: str = "intake") -> str:
    """A fresh, empty database for this run, one per benchmark ``name`` (so two benchmarks
    can run side by side); returns its DATABASE_URL."""
    if kind == "sqlite":
        path = Path(tempfile.gettempdir()) / f"jishi-bench-{name}.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        database = PG_BENCH_DB if name == "intake" else f"jishi_bench_{name}"
        conn.execute(f"DROP DATABASE IF EXISTS {database}")
        conn.execute(f"CREATE DATABASE {database}")
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}"


class BenchCounty(NamedTuple):
    """What an intake bench files its cases under: the test county, its dispatcher, one
    category, the two villages the cases come from and the route to the lighting unit."""

    county: County
    dispatcher: User
    category: Category
    villages: list[Unit]
    route: Route


def prepare_county() -> BenchCounty:
    """Runs in a child after ``django.setup()``: migrates the empty database the child was
    given and builds the county its intakes are filed in."""
    from django.core.management import call_command

    from jishi.cases import services
    from jishi.cases.models import Category
    from jishi.orgs.models import Role
    from jishi.testing.fixtures import build_county, make_person

    call_command("migrate", verbosity=0)
    county = build_county()
    dispatcher = make_person("bench-dispatcher", county.county, Role.DISPATCHER)
    category = Category.objects.create(
        code="lighting", name="路灯照明", owning_unit=county.chengguan
    )
    route = services.Route(actor=dispatcher, category=category, lead_unit=county.chengguan)
    return BenchCounty(county, dispatcher, category, [county.dongjie, county.xijie], route)


def run_one(n: int) -> None:
    """Runs inside a child process whose DATABASE_URL names the prepared database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jishi.config.settings")
    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.db import connection, transaction

    from jishi.cases import services
    from jishi.cases.models import Case, CaseClock, CaseEvent

    county, dispatcher, category, villages, route = prepare_county()
    citizen = services.Citizen()

    def accept(i: int, route: services.Route | None = None) -> Case:
        return services.case_accept(
            actor=citizen,
            kind="request",
            channel="portal",
            title=f"路灯不亮 {i}",
            text=f"第{i}号路灯已经坏了三天，晚上出行很不方便，请尽快派人修理。",
            village=villages[i % 2],
            citizen_name="王先生",
            citizen_phone=f"138{i:08d}",
            route=route,
        )

    def three_calls(i: int) -> None:
        case = accept(i)
        services.case_classify(actor=dispatcher, case=case, category=category)
        services.case_dispatch(actor=dispatcher, case=case, lead_unit=county.chengguan)

    for i in range(50):  # warm-up: imports, caches, prepared statements
        three_calls(i)
        accept(i, route)
    first_measured = Case.objects.count()

    started, cpu_started = time.perf_counter(), time.process_time()
    for i in range(n):
        accept(i, route)
    routed_s = time.perf_counter() - started
    routed_cpu_ms = (time.process_time() - cpu_started) * 1000 / n

    half = n // 2
    started = time.perf_counter()
    for i in range(half):
        with services.batch():  # the three services in one transaction per case
            three_calls(i)
    three_calls_s = time.perf_counter() - started

    started = time.perf_counter()
    for i in range(half):
        # The same transaction without batch(): each service's savepoint and its re-read.
        with transaction.atomic():
            three_calls(i)
    atomic_s = time.perf_counter() - started

    started = time.perf_counter()
    for i in range(half):
        three_calls(i)  # three transactions per case
    stepwise_s = time.perf_counter() - started

    # The rows the routed path wrote, read back and inserted again with plain SQL.
    ids = list(
        Case.objects.order_by("id").values_list("id", flat=True)[
            first_measured : first_measured + n
        ]
    )
    offset = max(Case.objects.values_list("id", flat=True)) + 1000
    tables = []
    for model, key in ((Case, "id"), (CaseEvent, "case_id"), (CaseClock, "case_id")):
        columns = [f.column for f in model._meta.concrete_fields if not f.generated]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(columns)} FROM {model._meta.db_table} WHERE {key} IN "
                f"({', '.join(['%s'] * len(ids))})",
                ids,
            )
            rows = [list(row) for row in cursor.fetchall()]
        if model is not Case:
            id_index = columns.index("id")
            columns.pop(id_index)
            for row in rows:
                row.pop(id_index)
        else:
            code_index = columns.index("code")
            for row in rows:
                row[code_index] = row[code_index] + "R"
        key_index = columns.index(key)
        for row in rows:
            row[key_index] = row[key_index] + offset
        tables.append((model._meta.db_table, columns, rows))
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for table, columns, rows in tables:
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join(['%s'] * len(columns))})"
            )
            cursor.executemany(sql, rows)
    raw_s = time.perf_counter() - started

    counts = {table: len(rows) for table, _, rows in tables}
    print(f"  rows per case: {sum(counts.values()) / n:.1f} ({counts})")
    rates = {
        "service, routed at intake (1 transaction)": n / routed_s,
        "service, three calls in 1 transaction": half / three_calls_s,
        "service, three calls in atomic() without batch()": half / atomic_s,
        "service, three calls, 3 transactions": half / stepwise_s,
        "raw executemany of the same rows": n / raw_s,
    }
    for label, rate in rates.items():
        print(f"  {label:<48} {rate:8.0f} cases/s")
    raw = n / raw_s
    print(f"  routed at intake: {routed_cpu_ms:.2f} ms of this process's CPU per case")
    print(
        "  ratio to raw: "
        + ", ".join(
            f"{label.split(',')[-1].strip()} {rate / raw:.1%}"
            for label, rate in list(rates.items())[:-1]
        )
    )
    print(f"  batch() over atomic() for the three calls: {atomic_s / three_calls_s:.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        run_one(args.cases)
        return
    for kind in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        url = prepare_database(kind)
        print(f"{kind}: {args.cases} cases")
        env = {**os.environ, "DATABASE_URL": url, "JISHI_LOG_LEVEL": "ERROR"}
        subprocess.run(
            [sys.executable, __file__, "--child", "--cases", str(args.cases)],
            env=env,
            check=True,
            cwd=ROOT,
        )


if __name__ == "__main__":
    main()
