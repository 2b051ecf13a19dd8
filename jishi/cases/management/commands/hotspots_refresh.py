"""Recompute the ledger's hotspots now (the same work as the background task)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jishi.cases import hotspots
from jishi.cases.tasks import refresh_hotspots


class Command(BaseCommand):
    help = "重新计算热点（最近若干天的事项）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=hotspots.DEFAULT_DAYS)
        parser.add_argument("--top", type=int, default=10)
        parser.add_argument("--enqueue", action="store_true", help="交给后台任务执行")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = refresh_hotspots.enqueue(days=options["days"], top=options["top"])
            self.stdout.write(f"已加入后台任务：{result.id}")
            return
        count = hotspots.refresh_hotspots(days=options["days"], top=options["top"])
        self.stdout.write(f"已生成 {count} 个热点（最近 {options['days']} 天）")
