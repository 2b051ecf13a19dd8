"""manage.py import_service_items FILE [--good-rows-only]: the service catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.reviews.imports import items_import


class Command(BaseCommand):
    help = "导入服务事项（Excel 或 CSV）：事项编码、事项名称、主管单位编码、办理窗口"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--good-rows-only", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        report = items_import(
            data=path.read_bytes(), filename=path.name, good_rows_only=options["good_rows_only"]
        )
        for line in report.lines():
            self.stdout.write(line)
        if report.errors and not report.written:
            raise CommandError("未导入")
