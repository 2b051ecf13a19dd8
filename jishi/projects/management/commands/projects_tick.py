"""Run the monthly round's daily step (每月一调度): open the month's round, remind units that
have not reported before the due day, light the projects after it, walk the order ladder."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.projects import rounds


class Command(BaseCommand):
    help = "重点项目每日调度：开启月度调度、催报、评灯、督办升级（建议每日运行）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="按这一天运行（YYYY-MM-DD），默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        on = None
        if options["date"]:
            try:
                on = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("日期格式应为 YYYY-MM-DD") from None
        for line in rounds.tick(on=on).lines():
            self.stdout.write(line)
