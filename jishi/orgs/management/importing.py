"""What ``import_units`` and ``import_staff`` share: arguments, reading, printing, exit code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.orgs.imports import ImportKind, import_file, template_bytes
from jishi.orgs.models import User


class ImportCommand(BaseCommand):
    """Import a file; print every bad row as ``第N行 列名：原因``; exit 1 unless clean."""

    kind: ImportKind = "units"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="要导入的 .xlsx 或 .csv 文件")
        parser.add_argument(
            "--good-rows-only",
            action="store_true",
            help="只导入正确的行，跳过有错误的行（默认：文件有任何错误就不导入）",
        )
        parser.add_argument("--dry-run", action="store_true", help="只检查并模拟导入，不写入数据库")
        parser.add_argument(
            "--template",
            metavar="OUT",
            help="写出空白导入模板（.xlsx 或 .csv）后退出",
        )
        parser.add_argument("--actor", metavar="USERNAME", help="记入单位变更记录的操作人用户名")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["template"]:
            out = Path(options["template"])
            if out.suffix.lower() == ".csv":
                out.write_bytes(template_bytes(self.kind, fmt="csv"))
            else:
                out.write_bytes(template_bytes(self.kind, fmt="xlsx"))
            self.stdout.write(f"已写出导入模板：{out}")
            return
        if not options["file"]:
            raise CommandError("请指定要导入的文件，或用 --template OUT 写出模板")
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 {path}：{exc.strerror}") from exc
        actor = None
        if options["actor"]:
            actor = User.objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"用户 {options['actor']} 不存在")
        report = import_file(
            actor=actor,
            kind=self.kind,
            data=data,
            filename=path.name,
            good_rows_only=options["good_rows_only"],
            dry_run=options["dry_run"],
            **self.extra_options(options),
        )
        for line in report.lines()[:-1]:
            self.stdout.write(line)
        if report.errors:
            # A non-zero exit lets a script stop before the next step (e.g. staff after units).
            raise CommandError(report.summary(), returncode=1)
        self.stdout.write(self.style.SUCCESS(report.summary()))

    def extra_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {}
