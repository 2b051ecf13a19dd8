"""The 台账 Excel export over a mature ledger, beside what its parts cost.

Builds the demo county and a ledger of ``--cases`` cases as ``bench/console.py`` does (a few
hundred taken through the services, most of them closed with replies and stopped clocks, then
copied with their events and clocks). Then, in one process and interleaved ``--repeat``
times, writes the whole ledger as the county lead exports it:

- ``export``: the export as shipped (replies and deadlines read per chunk of cases, the
  encrypted columns a row never shows left unread);
- ``rows only``: the same rows and workbook without the per-chunk reads (the reply, the
  deadlines and the hint left empty), so the difference is what those reads and the
  columns they fill cost.

For each: rows per second (median), SQL statements per export, and the peak of Python
memory (tracemalloc, in a separate pass) at a quarter of the rows and at all of them: flat
memory means the two peaks are close. Usage::

    .venv/bin/python bench/ledger_export.py [--cases 20000] [--db sqlite|postgres]
                                            [--database-url URL] [--reuse] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from ledger_intake import prepare_database  # noqa: E402


def measure(repeat: int) -> None:
    """Runs in a child process whose DATABASE_URL names the populated database."""
    import django

    django.setup()
    from django.db import connection

    from jishi.cases.models import Case
    from jishi.common.masking import mask_value
    from jishi.common.spreadsheet import SheetWriter
    from jishi.console import exports
    from jishi.orgs.models import User

    lead = User.objects.get(username="lead")
    total = Case.objects.count()

    def shipped(limit: int | None = None) -> Any:
        queryset = exports.export_queryset(lead, {})
        return queryset[:limit] if limit else queryset

    def rows_only(cases: Any, out: Any) -> int:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        writer = SheetWriter(workbook, "台账", exports.COLUMNS)
        for case in cases:
            writer.append([mask_value(v) for v in exports.case_row(case)])
        count = writer.close()
        workbook.save(out)
        return count

    variants = {
        "export": lambda out: exports.write_workbook(
            shipped().iterator(chunk_size=exports.CHUNK), out
        ),
        "rows only": lambda out: rows_only(shipped().iterator(chunk_size=exports.CHUNK), out),
    }
    seconds: dict[str, list[float]] = {name: [] for name in variants}
    statements: dict[str, int] = {}
    size: dict[str, int] = {}
    counted: list[int] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        counted.append(1)
        return execute(sql, params, many, context)

    for _ in range(repeat):
        for name, run in variants.items():
            counted.clear()
            with tempfile.TemporaryFile() as out, connection.execute_wrapper(count):
                started = time.perf_counter()
                written = run(out)
                seconds[name].append(time.perf_counter() - started)
                size[name] = out.tell()
            assert written == total, (name, written, total)
            statements[name] = len(counted)

    def peak(limit: int) -> float:
        tracemalloc.start()
        with tempfile.TemporaryFile() as out:
            exports.write_workbook(shipped(limit).iterator(chunk_size=exports.CHUNK), out)
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top / 2**20

    quarter, whole = peak(max(1, total // 4)), peak(total)
    base = statistics.median(seconds["export"])
    print(f"{connection.vendor}, {total} cases, {repeat} runs each (median)")
    print(f"{'variant':<18}{'seconds':>9}{'rows/s':>9}{'vs export':>11}{'SQL':>6}{'MB file':>9}")
    for name in variants:
        median = statistics.median(seconds[name])
        print(
            f"{name:<18}{median:>9.2f}{total / median:>9.0f}{median / base:>10.2f}x"
            f"{statements[name]:>6}{size[name] / 2**20:>9.1f}"
        )
    print(
        f"peak Python memory of the export: {quarter:.1f} MB at {max(1, total // 4)} rows, "
        f"{whole:.1f} MB at {total} rows"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--database-url", help="use this database instead of a fresh one")
    parser.add_argument("--reuse", action="store_true", help="the database is populated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=["populate", "measure"])
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jishi.config.settings")
    if args.child == "populate":
        from console import populate

        print(populate(args.cases)["cases"])
        return
    if args.child == "measure":
        measure(args.repeat)
        return
    url = args.database_url or prepare_database(args.db, "export")
    env = {**os.environ, "DATABASE_URL": url}
    me = [sys.executable, __file__]
    if not args.reuse:
        started = time.perf_counter()
        made = subprocess.run(
            [*me, "--child", "populate", "--cases", str(args.cases)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[-1]
        print(f"populated {made} cases in {time.perf_counter() - started:.0f} s")
    subprocess.run([*me, "--child", "measure", "--repeat", str(args.repeat)], env=env, check=True)


if __name__ == "__main__":
    main()
