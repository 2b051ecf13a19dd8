"""``manage.py import_units FILE [--good-rows-only] [--dry-run] | --template OUT``."""

from __future__ import annotations

from jishi.orgs.management.importing import ImportCommand


class Command(ImportCommand):
    help = "从 Excel（.xlsx）或 CSV 文件导入单位树；按编码新增或更新单位。"
    kind = "units"
