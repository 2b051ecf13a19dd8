"""``manage.py import_staff FILE [--good-rows-only] [--dry-run] [--issue-passwords]``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from jishi.orgs.management.importing import ImportCommand


class Command(ImportCommand):
    help = "从 Excel（.xlsx）或 CSV 文件导入人员和岗位；新用户默认不设密码。"
    kind = "staff"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--issue-passwords",
            action="store_true",
            help="为新用户生成随机一次性密码并打印（默认不设密码，由管理员重置）",
        )

    def extra_options(self, options: dict[str, Any]) -> dict[str, Any]:
        return {"issue_passwords": options["issue_passwords"]}
