"""Run every minute (cron): count the cases whose steps the daily figures have not yet seen."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from jishi.reports import aggregates


class Command(BaseCommand):
    help = "Bring the daily figures up to the ledger (the cases changed since the last refresh)."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        done = aggregates.refresh()
        self.stdout.write(
            f"已统计 {done} 件有变化的事项，用时 {time.perf_counter() - started:.1f} 秒"
        )
