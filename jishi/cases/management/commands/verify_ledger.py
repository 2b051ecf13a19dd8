"""Recompute every case's event chain; name the first broken event and exit non-zero."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.timezone import localtime

from jishi.cases.verify import verify_ledger


class Command(BaseCommand):
    help = "校验台账记录链：逐条重算哈希，报告第一处断裂"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--case", help="只校验这个受理编号")
        parser.add_argument("--all", action="store_true", help="列出所有断裂，而不只是第一处")

    def handle(self, *args: Any, **options: Any) -> None:
        result = verify_ledger(case_code=options["case"], stop_at_first=not options["all"])
        for broken in result.breaks:
            self.stderr.write(f"断裂：{broken}")
        for problem in result.checkpoint_problems:
            self.stderr.write(f"存证不符：{problem}")
        if result.breaks or result.checkpoint_problems:
            raise CommandError(
                f"台账校验失败：{len(result.breaks)} 处断裂，"
                f"{len(result.checkpoint_problems)} 处存证不符"
            )
        self.stdout.write(
            f"台账完好：{result.cases} 个事项，{result.events} 条记录，哈希链全部一致"
        )
        for label, chains, events in result.others:
            self.stdout.write(f"{label}完好：{chains} 条记录链，{events} 条记录，哈希链全部一致")
        if result.checkpoint is not None:
            c = result.checkpoint
            self.stdout.write(
                f"与存证 #{c.seq}（截至 {localtime(c.covers_until):%Y-%m-%d %H:%M}）一致，"
                f"存证值 {c.chain}：请与公布的值核对"
            )
        elif not options["case"]:
            self.stdout.write("尚无台账存证：运行 manage.py ledger_checkpoint 生成")
