"""``manage.py workdays_recompute YEAR [YEAR …]``: recount open deadlines in those years.

Run after upgrading ``chinesecalendar`` (a year's official schedule arrives with it) or a
release that changes how estimated years are counted: deadlines stored before still hold
the old count. Each case whose deadline moves gets a ``recompute_deadline`` event.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.workdays.services import calendar_recompute


class Command(BaseCommand):
    help = "按当前日历重新计算涉及指定年份的未办结事项期限（如升级 chinesecalendar 之后）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("years", type=int, nargs="+", help="年份，如 2027")

    def handle(self, *args: Any, **options: Any) -> None:
        years: list[int] = options["years"]
        bad = [year for year in years if not 1900 <= year <= 2200]
        if bad:
            raise CommandError(f"年份应在 1900–2200 之间：{bad[0]}")
        moved = calendar_recompute(years=set(years))
        self.stdout.write(f"已重新计算期限的事项：{moved} 件。")
