"""``manage.py workdays_enter YEAR FILE``: enter a year's official schedule in one step.

FILE (``-`` for standard input) holds the notice's lines as published, or a table of
``日期,类型,名称`` rows (see ``jishi.workdays.notice``). The year's holiday table becomes
exactly that schedule, the year is marked complete, and the open deadlines it touches are
recomputed, each with an event on its case. A bad line stops everything: nothing changes.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.common.errors import InvalidInput
from jishi.workdays.services import calendar_year_enter_schedule


class Command(BaseCommand):
    help = "按国务院办公厅放假通知一次录入某年的节假日和调休上班日，并标记该年已完整录入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int, help="年份，如 2027")
        parser.add_argument("file", help="通知文本或“日期,类型,名称”表格的文件；“-”表示标准输入")
        parser.add_argument("--note", default="", help="备注，如通知的文号")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        source: str = options["file"]
        try:
            text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件：{source}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"文件 {source} 不是 UTF-8 编码的文本") from exc
        try:
            result = calendar_year_enter_schedule(
                actor=None, year=year, text=text, note=options["note"]
            )
        except InvalidInput as exc:
            lines = [exc.message]
            for messages in exc.errors.values():
                lines.extend(f"  {message}" for message in messages)
            raise CommandError("\n".join(lines)) from exc
        if not result.changed:
            self.stdout.write(f"{year}年的放假安排与已录入的一致，未作修改。")
            return
        self.stdout.write(
            f"{year}年放假安排已录入：放假 {result.days_off} 天，调休上班 {result.days_on} 天"
            f"（新增 {len(result.added)} 条，修改 {len(result.updated)} 条，"
            f"删除 {len(result.removed)} 条）；该年已标记为完整录入。"
        )
        for day in result.removed:
            self.stdout.write(f"  已删除通知中没有的条目：{day:%Y-%m-%d}")
        if result.recomputed is not None:
            self.stdout.write(f"已重新计算期限的事项：{result.recomputed} 件。")
