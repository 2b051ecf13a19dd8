"""manage.py import_roster FILE [--good-rows-only] [--actor USERNAME]: the windows' roster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.orgs.models import User
from jishi.reviews.imports import roster_import


class Command(BaseCommand):
    help = "导入窗口排班（Excel 或 CSV）：窗口编码、工作人员、日期、上岗时间、离岗时间"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--good-rows-only", action="store_true")
        parser.add_argument("--actor", metavar="USERNAME", help="只导入此人可管理的窗口")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"用户 {options['actor']} 不存在")
        report = roster_import(
            actor=actor,
            data=path.read_bytes(),
            filename=path.name,
            good_rows_only=options["good_rows_only"],
        )
        for line in report.lines():
            self.stdout.write(line)
        if report.errors and not report.written:
            raise CommandError("未导入")
