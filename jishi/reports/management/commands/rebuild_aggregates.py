"""Recompute every daily figure from the case events (after a restore, an upgrade that changes a
figure's definition, or to check the projection: the result must equal what was kept)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jishi.reports import aggregates


class Command(BaseCommand):
    help = "Recompute the daily figures from the events; --check compares with what was kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="exit non-zero when the rebuilt figures differ from those kept before",
        )

    def handle(self, *args: Any, check: bool = False, **options: Any) -> None:
        before = None
        if check:  # what is kept, brought up to the ledger first
            aggregates.refresh()
            before = aggregates.recount_everything()
        started = time.perf_counter()

        def progress(cases: int, events: int) -> None:
            if cases % 100_000 < aggregates.batch_size():
                self.stdout.write(f"  {cases} 件事项，{events} 条记录")

        cases, events = aggregates.rebuild(progress)
        seconds = time.perf_counter() - started
        rate = events / seconds if seconds else 0
        self.stdout.write(
            f"已从 {events} 条记录重算 {cases} 件事项的日统计，用时 {seconds:.1f} 秒"
            f"（每秒 {rate:,.0f} 条记录）"
        )
        if before is not None:
            after = aggregates.recount_everything()
            if after != before:
                self.stderr.write("重算结果与原有日统计不一致")
                raise SystemExit(1)
            self.stdout.write("重算结果与原有日统计一致")
