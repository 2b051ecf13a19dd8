"""Console pages through the real HTTP server, beside the SQL their main list needs.

Builds the demo county's organisation, takes in a few hundred varied cases through the
services (most of them closed, as in a mature ledger), then multiplies those rows with plain
inserts up to ``--cases`` (the page timings need volume, not a year of replayed history;
the copies' hash chains name their originals' codes, so ``verify_ledger`` is not meant for
this database). Then, with gunicorn (2 workers)
on loopback, times each page sequentially (p50/p95 over ``--repeat`` requests) and, in the
same run, the single SQL query behind each page's main list. An empty console page (a user
with no posts) is timed first: the frame of session, user, posts and page chrome that every
page pays, so "beyond frame" shows what a page costs over it, per millisecond of its SQL.
The last column is all the SQL one request of the page runs, and how many statements.
Usage::

    .venv/bin/python bench/console.py [--cases 100000] [--db sqlite|postgres] [--repeat 40]
                                      [--reuse]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ledger_intake import PG_ADMIN_URL, prepare_database  # noqa: E402
from serve import gunicorn  # noqa: E402


def populate(total: int, spread_days: int = 0) -> dict[str, Any]:
    """Runs in a child process: the organisation, template cases, then copies.

    ``spread_days``: the copies' times (case, events, clocks) move back evenly over that many
    days, and their category and channel vary, as a county's history does (the reports bench);
    0 keeps them in their originals' stretch (the console bench)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from jishi.cases import services
    from jishi.cases.models import Case, CaseClock, CaseEvent, Channel
    from jishi.demo.orgdata import DemoPlace, build_demo_org
    from jishi.demo.seed import seed_categories, seed_time_limits
    from jishi.demo.textgen import generate_case_text
    from jishi.orgs.models import Unit, UnitKind, User

    call_command("migrate", verbosity=0)
    org = build_demo_org()
    categories = seed_categories(org)
    seed_time_limits(categories)
    rng = random.Random(7)
    villages = list(Unit.objects.filter(kind=UnitKind.VILLAGE).select_related("parent"))
    dispatcher = User.objects.get(username="dispatcher")
    handler = User.objects.get(username="chengguan")
    chengguan = Unit.objects.get(name="城关镇")
    home = [v for v in villages if v.parent_id == chengguan.pk]
    leaves = [c for c in categories.values() if c.owning_unit_id and c.parent_id]
    templates = []
    # Most of a mature ledger is history: of every 20 template cases one waits for routing,
    # one for acknowledgement, one is being handled, one awaits the callback and sixteen are
    # closed. (Copies spread them over every township; the events name the originals.)
    for i in range(300):
        village = rng.choice(home)
        category = rng.choice(leaves)
        place = DemoPlace(township=chengguan.name, village=village.name)
        title, body = generate_case_text(category.code, rng, place)
        route = services.Route(actor=dispatcher, category=category, lead_unit=chengguan)
        stage = i % 20
        with services.batch():
            case = services.case_accept(
                actor=services.Citizen(),
                kind="request",
                channel="portal",
                title=title,
                text=body,
                village=village,
                citizen_phone=f"139{i:08d}",
                route=route if stage else None,
            )
            if stage >= 2:
                case = services.case_acknowledge(actor=handler, case=case)
            if stage >= 3:
                case = services.case_reply(
                    actor=handler, case=case, text="已安排人员到现场处理，问题已解决。"
                )
            if stage >= 4:
                case = services.case_callback(
                    actor=dispatcher, case=case, resolved=True, satisfaction=5
                )
        templates.append(case.pk)
    # Copies: same columns, new ids and codes, spread over townships and months.
    # Generated columns (the database computes them) are neither read nor written.
    columns = {
        m: [f.column for f in m._meta.concrete_fields if not f.generated]
        for m in (Case, CaseEvent, CaseClock)
    }
    rows: dict[Any, list[list[Any]]] = {}
    with connection.cursor() as cursor:
        for model in columns:
            key = "id" if model is Case else "case_id"
            cursor.execute(
                f"SELECT {', '.join(columns[model])} FROM {model._meta.db_table} "
                f"WHERE {key} IN ({', '.join(str(pk) for pk in templates)})"
            )
            rows[model] = [list(r) for r in cursor.fetchall()]
    by_case: dict[int, dict[Any, list[list[Any]]]] = {}
    for model in (CaseEvent, CaseClock):
        index = columns[model].index("case_id")
        for row in rows[model]:
            by_case.setdefault(row[index], {}).setdefault(model, []).append(row)
    case_cols = columns[Case]
    at = {
        name: case_cols.index(name)
        for name in (
            "id",
            "code",
            "township_id",
            "village_id",
            "lead_unit_id",
            "accepted_at",
            "category_id",
            "channel",
        )
    }
    channels = list(Channel.values)

    def moved(row: list[Any], offset: Any) -> list[Any]:
        return [v - offset if isinstance(v, datetime) else v for v in row]

    next_id = Case.objects.order_by("-id").values_list("id", flat=True)[0] + 1
    made = 0
    batch_cases: list[list[Any]] = []
    batch_children: dict[Any, list[list[Any]]] = {CaseEvent: [], CaseClock: []}

    def flush() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            for model, batch in ((Case, batch_cases), *batch_children.items()):
                cols = [c for c in columns[model] if model is Case or c != "id"]
                cursor.executemany(
                    f"INSERT INTO {model._meta.db_table} ({', '.join(cols)}) "
                    f"VALUES ({', '.join(['%s'] * len(cols))})",
                    batch,
                )
        batch_cases.clear()
        for batch in batch_children.values():
            batch.clear()

    from datetime import datetime, timedelta

    while made < total - len(templates):
        source = rng.choice(rows[Case])
        copy = list(source)
        village = rng.choice(villages)
        copy[at["id"]] = next_id
        copy[at["code"]] = f"BX{next_id:08d}"
        copy[at["township_id"]], copy[at["village_id"]] = village.parent_id, village.pk
        if copy[at["lead_unit_id"]] is not None:
            copy[at["lead_unit_id"]] = village.parent_id
        copy[at["accepted_at"]] = source[at["accepted_at"]] - timedelta(minutes=made)
        offset = timedelta(days=spread_days * made / total)
        if spread_days:
            copy = moved(copy, offset)
            copy[at["category_id"]] = rng.choice(leaves).pk
            copy[at["channel"]] = rng.choice(channels)
        batch_cases.append(copy)
        for model, children in by_case.get(source[at["id"]], {}).items():
            cols = columns[model]
            for child in children:
                row = [v for c, v in zip(cols, child, strict=True) if c != "id"]
                row[[c for c in cols if c != "id"].index("case_id")] = next_id
                batch_children[model].append(moved(row, offset) if spread_days else row)
        next_id += 1
        made += 1
        if len(batch_cases) >= 5000:
            flush()
    if batch_cases:
        flush()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # as autovacuum leaves a live database
    return {"township": chengguan.pk, "cases": Case.objects.count()}


def keys() -> dict[str, str]:
    """A secret key and a field key of the bench's own (the server refuses the development
    key outside debug), the same in every run so that ``--reuse`` can read what an earlier
    run encrypted. Bench databases hold generated people only."""
    import base64
    import hashlib

    field_key = base64.urlsafe_b64encode(hashlib.sha256(b"jishi bench field key").digest())
    return {
        "JISHI_SECRET_KEY": hashlib.sha256(b"jishi bench secret key").hexdigest(),
        "JISHI_FIELD_KEYS": field_key.decode(),
    }


def existing_database(kind: str, name: str) -> str | None:
    """The URL of the database an earlier run built, if it is there."""
    if kind == "sqlite":
        path = Path(tempfile.gettempdir()) / f"jishi-bench-{name}.sqlite3"
        return f"sqlite:///{path}" if path.exists() else None
    import psycopg

    database = f"jishi_bench_{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{database}" if found else None


def session_for(username: str) -> str:
    from django.test import Client

    client = Client()
    client.force_login(
        __import__("jishi.orgs.models", fromlist=["User"]).User.objects.get(username=username)
    )
    return client.cookies["sessionid"].value


def sql_time(sql_builder: Any, repeat: int) -> float:
    """p50 ms of the page's main list query, run as the server would run it."""
    from django.db import connection

    queryset = sql_builder()
    sql, params = queryset.query.sql_with_params()
    times = []
    with connection.cursor() as cursor:
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def child(args: argparse.Namespace) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jishi.config.settings")
    os.environ.setdefault("JISHI_DEMO", "1")  # the county is built with the demo's org data
    if args.populate:
        info = populate(args.cases)
        print(f"{info['township']} {info['cases']}")
        return
    if args.inspect:
        # --reuse: bring the schema up to date, then say what is there.
        django.setup()
        from django.core.management import call_command

        from jishi.cases.models import Case
        from jishi.orgs.models import Unit

        call_command("migrate", verbosity=0)
        print(f"{Unit.objects.get(name='城关镇').pk} {Case.objects.count()}")
        return
    django.setup()
    from django.contrib.auth.models import AnonymousUser  # noqa: F401
    from django.http import QueryDict
    from django.utils.http import urlencode

    from jishi.cases.models import Case
    from jishi.common import clock
    from jishi.console.forms_ledger import LedgerFilterForm, ledger_cases
    from jishi.console.selectors import _group_specs
    from jishi.orgs.models import User

    township = args.township
    county_lead = User.objects.get(username="lead")
    dispatcher = User.objects.get(username="dispatcher")
    handler = User.objects.get(username="chengguan")
    probe = (
        Case.objects.filter(township_id=township).order_by("-id").values_list("code", flat=True)[0]
    )

    def ledger_qs(params: dict[str, str]) -> Any:
        def build() -> Any:
            form = LedgerFilterForm(QueryDict(urlencode(params)))
            return ledger_cases(county_lead, form)[:100]

        return build

    def my_work_qs() -> Any:
        spec, condition = _group_specs(handler, clock.now())[0]
        from jishi.cases.selectors import cases_visible_to

        base = Case.objects.all() if spec.within_scope else cases_visible_to(handler)
        return base.filter(condition).order_by(spec.due_field or "accepted_at")[:20]

    def queue_qs() -> Any:
        from jishi.cases.selectors import cases_visible_to
        from jishi.console.selectors import QUEUE_PAGE, QUEUE_STATES

        waiting = cases_visible_to(dispatcher).filter(state__in=QUEUE_STATES)
        return waiting.order_by("accepted_at", "id").values_list("pk", flat=True)[:QUEUE_PAGE]

    pages = [
        ("我的工作 (township handler)", "chengguan", "/console/", my_work_qs),
        ("派单 queue, 50 rows", "dispatcher", "/console/dispatch/", queue_qs),
        ("台账 first 100", "lead", "/console/ledger/?per_page=100", ledger_qs({"per_page": "100"})),
        (
            "台账 township + state",
            "lead",
            f"/console/ledger/?township={township}&state=closed&per_page=100",
            ledger_qs({"township": str(township), "state": "closed", "per_page": "100"}),
        ),
        (
            "台账 text search",
            "lead",
            "/console/ledger/?q=%E8%B7%AF%E7%81%AF&per_page=100",
            ledger_qs({"q": "路灯", "per_page": "100"}),
        ),
        (
            "case page",
            "lead",
            f"/console/cases/{probe}/",
            lambda: Case.objects.filter(code=probe).select_related("lead_unit", "category"),
        ),
    ]
    # The frame every console page pays before its own work: a signed-in user with no posts
    # gets an empty "my work" (session, user and posts read, the page chrome rendered).
    User.objects.get_or_create(username="bench_frame")
    sessions = {
        name: session_for(name) for name in {"chengguan", "lead", "dispatcher", "bench_frame"}
    }
    port = args.port

    def timed(who: str, path: str) -> tuple[float, float]:
        times = []
        for i in range(args.repeat + 3):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            started = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": f"sessionid={sessions[who]}"})
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            conn.close()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
            if i >= 3:  # warm-up
                times.append(elapsed)
        times.sort()
        return statistics.median(times), times[int(len(times) * 0.95) - 1]

    def page_sql(who: str, path: str) -> tuple[float, int]:
        """p50 ms of all the SQL one request of the page runs (session and user included),
        and how many statements, measured in this process with the same code."""
        from django.db import connection
        from django.test import Client

        client = Client()
        client.cookies["sessionid"] = sessions[who]
        spent: list[float] = []

        def clocked(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent.append((time.perf_counter() - started) * 1000)

        totals, count = [], 0
        client.get(path)
        with connection.execute_wrapper(clocked):
            for _ in range(args.repeat):
                spent.clear()
                client.get(path)
                totals.append(sum(spent))
                count = len(spent)
        return statistics.median(totals), count

    def page_size(who: str, path: str) -> tuple[int, int, int]:
        """Bytes of the page as sent (uncompressed), its <option> elements and its rows."""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", path, headers={"Cookie": f"sessionid={sessions[who]}"})
        body = conn.getresponse().read()
        conn.close()
        return len(body), body.count(b"<option"), body.count(b'class="queue-item"')

    size, options, rows = page_size("dispatcher", "/console/dispatch/")
    waiting = Case.objects.filter(state__in=["accepted", "returned"]).count()
    print(
        f"  派单 queue: {waiting:,} cases waiting; the page shows {rows} rows in"
        f" {size / 1024:.0f} KB with {options} <option> elements"
    )
    frame, frame95 = timed("bench_frame", "/console/")
    print(f"  empty console page (the frame): p50 {frame:.1f} ms, p95 {frame95:.1f} ms")
    print(
        f"  {'page':<30} {'p50 ms':>8} {'p95 ms':>8} {'main SQL p50 ms':>16} {'ratio':>7}"
        f" {'beyond frame':>13} {'all its SQL ms':>15}"
    )
    for label, who, path, builder in pages:
        p50, p95 = timed(who, path)
        sql = sql_time(builder, args.repeat)
        total_sql, statements = page_sql(who, path)
        print(
            f"  {label:<30} {p50:8.1f} {p95:8.1f} {sql:16.2f} {p50 / sql:6.1f}×"
            f" {(p50 - frame) / sql:12.1f}× {total_sql:8.1f} ({statements:>2})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="postgres")
    parser.add_argument("--repeat", type=int, default=40)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database the last run built (migrated first) instead of a new one",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--inspect", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--populate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--township", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    url = existing_database(args.db, "console") if args.reuse else None
    url = url or prepare_database(args.db, "console")
    env = {
        **keys(),
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "jishi.config.settings",
        "JISHI_DEMO": "1",
        "JISHI_LOG_LEVEL": "ERROR",
    }
    started = time.perf_counter()
    step = ["--inspect"] if args.reuse else ["--populate", "--cases", str(args.cases)]
    out = subprocess.run(
        [sys.executable, __file__, "--child", *step],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    township, count = int(out[-2]), int(out[-1])
    how = "reused" if args.reuse else f"{time.perf_counter() - started:.0f} s to build"
    print(f"{args.db}: {count:,} cases ({how})")
    with gunicorn(env) as (port, _server):
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                "--township",
                str(township),
                "--port",
                str(port),
                "--repeat",
                str(args.repeat),
            ],
            env=env,
            cwd=ROOT,
            check=True,
        )


if __name__ == "__main__":
    main()
