"""Store a checkpoint of the whole ledger and print the value to publish (run daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.timezone import localtime

from jishi.cases.checkpoints import take_checkpoint
from jishi.common.errors import Conflict


class Command(BaseCommand):
    help = "生成台账存证：先核对上一份存证，再记下截至此刻全部事项的摘要（建议每日运行）"

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checkpoint = take_checkpoint()
        except Conflict as exc:
            raise CommandError(f"未生成存证：{exc}") from None
        self.stdout.write(
            f"存证 #{checkpoint.seq}：截至 {localtime(checkpoint.covers_until):%Y-%m-%d %H:%M}，"
            f"{checkpoint.cases} 个事项，{checkpoint.events} 条记录\n"
            f"存证值（请在通报等台账之外的地方公布）：{checkpoint.chain}"
        )
