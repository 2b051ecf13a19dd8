"""Supervised projects at a county's and at a province's size, each figure beside its main SQL.

Two populations, each in a fresh database: a county (600 projects × 12 monthly rounds) and a
province-sized list (60,000 projects; ``--province-months`` rounds, 2 by default). Projects,
milestones (four each, weighted) and reports are bulk-inserted; every round is lit by the
real ``round_assess`` (the bulk path: RoundLight rows, a chained event per changed light).
Then, in one run:

- the lights computation for the last round (``compute_lights``: planned progress from the
  milestones against the reported progress, missing reports) beside its main SQL alone
  (the two reads it makes: the round's projects and their milestones);
- the public list page (first page, a township filter, a page deep in the list) through
  Django's request handling, each timed on its own, p50/p95 of the slowest, beside its main
  SQL (the page's rows and the count);
- the dispatch meeting page (lights by lead cadre and township, changes since last month)
  as an inspector, p50/p95, beside its main SQL (the round's lights counted by cadre, township
  and light).

    .venv/bin/python bench/projects.py [--db sqlite|postgres|both] [--scale county|province|both]
        [--province-months 2] [--repeat 20] [--reuse: measure the last run's databases again]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ledger_intake import PG_ADMIN_URL, prepare_database  # noqa: E402
from serve import KEYS  # noqa: E402


def populate(projects: int, months: int) -> dict[str, Any]:
    """Runs in a child after ``django.setup()``: migrate, the county, the list, the rounds."""
    import datetime as dt
    import random
    from decimal import Decimal

    from django.core.management import call_command
    from django.db import connection

    from jishi.common import clock
    from jishi.orgs.models import Post, Role, UnitKind
    from jishi.projects import rounds
    from jishi.projects.models import (
        ListKind,
        ListLevel,
        Milestone,
        ProgressReport,
        ProgressRound,
        Project,
        ProjectList,
    )
    from jishi.testing.fixtures import build_county, make_person, make_unit

    call_command("migrate", verbosity=0)
    county = build_county()
    departments = [
        make_unit(f"BD{i:02d}", f"县第{i}局", UnitKind.DEPARTMENT, county.county) for i in range(30)
    ]
    townships = [county.chengguan, county.shiqiao] + [
        make_unit(f"BT{i:02d}", f"第{i}镇", UnitKind.TOWNSHIP, county.county) for i in range(17)
    ]
    cadres = [make_person(f"lead{i:02d}", county.county, Role.COUNTY_LEAD) for i in range(15)]
    reporter = make_person("reporter", departments[0], Role.HANDLER)
    inspector = make_person("bench_inspector", county.supervision, Role.INSPECTOR)
    Post.objects.filter(user=inspector).update(active=True)
    year = 2026
    now = clock.now()
    lst = ProjectList.objects.create(
        year=year,
        kind=ListKind.LIVELIHOOD,
        level=ListLevel.COUNTY,
        title="重点民生项目清单",
        created_at=now,
    )
    rng = random.Random(12)
    rows = []
    for i in range(projects):
        rows.append(
            Project(
                code=f"XM{year}-{i + 1:06d}",
                project_list=lst,
                title=f"民生项目{i + 1}",
                lead_unit=departments[i % len(departments)],
                lead_cadre=cadres[i % len(cadres)],
                township=townships[i % len(townships)],
                start_date=dt.date(year, 1, 1),
                end_date=dt.date(year, 12, 31),
                created_at=now,
            )
        )
    Project.objects.bulk_create(rows, batch_size=5_000)
    ids = list(Project.objects.order_by("pk").values_list("pk", flat=True))
    plan = [(3, 20), (6, 30), (9, 30), (12, 20)]
    ms = [
        Milestone(
            project_id=pk,
            title=f"节点{k + 1}",
            planned_date=dt.date(year, month, 28),
            weight=w,
            sort_order=k,
        )
        for pk in ids
        for k, (month, w) in enumerate(plan)
    ]
    Milestone.objects.bulk_create(ms, batch_size=10_000)
    pace = {pk: rng.uniform(0.4, 1.3) for pk in ids}
    started = time.perf_counter()
    assess_alone = 0.0
    for m in range(1, months + 1):
        month = dt.date(year, m, 1)
        rnd = ProgressRound.objects.create(month=month, due_on=month.replace(day=25), opened_at=now)
        reports, updates = [], []
        for pk in ids:
            if rng.random() < 0.08:
                continue  # missing this month
            value = Decimal(min(100, round(m / 12 * 100 * pace[pk], 1))).quantize(Decimal("0.1"))
            reports.append(
                ProgressReport(
                    round=rnd,
                    project_id=pk,
                    reporter=reporter,
                    progress=value,
                    work_done="按计划推进",
                    submitted_at=now,
                )
            )
            updates.append(Project(pk=pk, progress=value))
        ProgressReport.objects.bulk_create(reports, batch_size=5_000)
        Project.objects.bulk_update(updates, ["progress"], batch_size=5_000)
        at = time.perf_counter()
        rounds.round_assess(rnd, on=rnd.due_on + dt.timedelta(days=1))
        assess_alone += time.perf_counter() - at
    rounds_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "projects": len(ids),
        "rounds": months,
        "rounds_s": rounds_seconds,
        "assess_s": assess_alone,
    }


def _timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append(time.perf_counter() - started)
    return out


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def measure(repeat: int) -> None:
    import datetime as dt

    from django.db import connection
    from django.test import Client

    from jishi.orgs.models import User
    from jishi.projects import rounds, selectors
    from jishi.projects.models import (
        Milestone,
        ProgressRound,
        Project,
        ProjectList,
        RoundLight,
    )

    rnd = ProgressRound.objects.order_by("-month").first()
    assert rnd is not None
    lst = ProjectList.objects.get()
    n = Project.objects.count()
    on = rnd.due_on + dt.timedelta(days=1)

    def raw(sql: str, params: list[Any]) -> Callable[[], Any]:
        def run() -> Any:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchall()

        return run

    project_t, milestone_t = Project._meta.db_table, Milestone._meta.db_table
    light_t = RoundLight._meta.db_table
    lights_sql = [
        raw(
            f"SELECT id, start_date, planned_by_month, progress FROM {project_t} "
            "WHERE status = 'active' AND (start_date IS NULL OR start_date <= %s)",
            [on],
        ),
        raw(
            f"SELECT project_id, id, parent_id, weight, progress, planned_date FROM {milestone_t} "
            f"WHERE project_id IN (SELECT id FROM {project_t} WHERE status = 'active' "
            "AND (start_date IS NULL OR start_date <= %s))",
            [on],
        ),
    ]
    lights = _timed(lambda: rounds.compute_lights(rnd, on=on), repeat)
    lights_raw = _timed(lambda: [q() for q in lights_sql], repeat)

    client = Client()
    township = Project.objects.filter(project_list=lst).values_list("township_id", flat=True)[0]
    deep = max(1, n // 30 // 2)
    urls = [
        f"/portal/projects/lists/{lst.pk}/",
        f"/portal/projects/lists/{lst.pk}/?township={township}",
        f"/portal/projects/lists/{lst.pk}/?page={deep}",
    ]
    for url in urls:
        response = client.get(url, secure=True)
        assert response.status_code == 200, (url, response.status_code)

    # Each page timed on its own and the slowest reported: an average of the three would hide
    # a slow deep page behind two fast ones.
    def get(url: str) -> Callable[[], Any]:
        return lambda: client.get(url, secure=True)

    per_url = [_timed(get(u), repeat) for u in urls]
    public = max(per_url, key=lambda times: _p(times, 0.95))
    public_raw = _timed(
        lambda: [
            raw(
                f"SELECT * FROM {project_t} WHERE project_list_id = %s ORDER BY code "
                "LIMIT 30 OFFSET %s",
                [lst.pk, (deep - 1) * 30],
            )(),
            raw(f"SELECT COUNT(*) FROM {project_t} WHERE project_list_id = %s", [lst.pk])(),
        ],
        repeat,
    )

    staff = Client()
    staff.force_login(User.objects.get(username="bench_inspector"))
    url = f"/console/projects/meeting/{rnd.pk}/"
    assert staff.get(url, secure=True).status_code == 200
    meeting = _timed(lambda: staff.get(url, secure=True), repeat)
    meeting_raw = _timed(
        raw(
            f"SELECT p.lead_cadre_id, p.township_id, l.light, COUNT(*) FROM {light_t} l "
            f"JOIN {project_t} p ON p.id = l.project_id WHERE l.round_id = %s GROUP BY 1, 2, 3",
            [rnd.pk],
        ),
        repeat,
    )
    page = selectors.meeting_page(rnd)
    print(
        json.dumps(
            {
                "projects": n,
                "lights": (_p(lights, 0.5), _p(lights_raw, 0.5)),
                "public": (_p(public, 0.5), _p(public, 0.95), _p(public_raw, 0.5)),
                "meeting": (_p(meeting, 0.5), _p(meeting, 0.95), _p(meeting_raw, 0.5)),
                "changes": page.changes_total,
                "red": page.totals.red,
            }
        )
    )


def run(db: str, projects: int, months: int, repeat: int, *, reuse: bool = False) -> None:
    url = _reused_url(db, projects) if reuse else prepare_database(db, f"projects{projects}")
    env = {
        **os.environ,
        **KEYS,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "jishi.config.settings",
    }
    me = [sys.executable, __file__]
    if reuse:
        print(f"\n[{db}] {projects} projects, the database of the last run")
    else:
        started = time.perf_counter()
        made = (
            subprocess.run(
                [*me, "--child", "populate", "--projects", str(projects), "--months", str(months)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        info = json.loads(made)
        print(
            f"\n[{db}] {info['projects']} projects × {info['rounds']} rounds populated in "
            f"{time.perf_counter() - started:.0f} s (the rounds with their reports: "
            f"{info['rounds_s']:.1f} s)\n"
            f"  round_assess          {info['assess_s'] / info['rounds'] * 1000:8.1f} ms a round "
            f"(lighting every project: the lights, their history, a chained event per change)"
        )
    out = (
        subprocess.run(
            [*me, "--child", "measure", "--repeat", str(repeat)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    r = json.loads(out)
    lights, public, meeting = r["lights"], r["public"], r["meeting"]
    print(
        f"  lights for a round    {lights[0]:8.1f} ms   main SQL {lights[1]:7.1f} ms "
        f"({lights[0] / max(lights[1], 0.001):.1f}×)"
    )
    print(
        f"  public list page      p50 {public[0]:6.1f} ms  p95 {public[1]:6.1f} ms   "
        f"main SQL {public[2]:6.1f} ms"
    )
    print(
        f"  dispatch meeting page p50 {meeting[0]:6.1f} ms  p95 {meeting[1]:6.1f} ms   "
        f"main SQL {meeting[2]:6.1f} ms   ({r['changes']} changes, {r['red']} red)"
    )


def _reused_url(db: str, projects: int) -> str:
    """The database a previous run populated (``prepare_database``'s names)."""
    if db == "sqlite":
        return (
            f"sqlite:///{Path(tempfile.gettempdir()) / f'jishi-bench-projects{projects}.sqlite3'}"
        )
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/jishi_bench_projects{projects}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="sqlite")
    parser.add_argument("--scale", choices=["county", "province", "both"], default="both")
    parser.add_argument("--county-projects", type=int, default=600)
    parser.add_argument("--province-projects", type=int, default=60_000)
    parser.add_argument("--province-months", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="measure the last run's databases")
    parser.add_argument("--child", choices=["populate", "measure"])
    parser.add_argument("--projects", type=int, default=600)
    parser.add_argument("--months", type=int, default=12)
    args = parser.parse_args()
    if args.child:
        import django

        django.setup()
        if args.child == "populate":
            print(json.dumps(populate(args.projects, args.months)))
        else:
            measure(args.repeat)
        return
    dbs = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    scales = []
    if args.scale in ("county", "both"):
        scales.append((args.county_projects, 12))
    if args.scale in ("province", "both"):
        scales.append((args.province_projects, args.province_months))
    for db in dbs:
        for projects, months in scales:
            run(db, projects, months, args.repeat, reuse=args.reuse)


if __name__ == "__main__":
    main()
