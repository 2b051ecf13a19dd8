"""``manage.py seed_demo``: the demo county with months of history, and its logins."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.cases.tasks import request_ledger_training
from jishi.common.errors import Conflict
from jishi.demo.models import SeedRun
from jishi.demo.orgdata import DEFAULT_SEED, DemoLogin, plan_demo_org
from jishi.demo.seed import DEFAULT_MONTHS, DEFAULT_SIZE, seed_demo, seed_state

# The address ./dev demo serves on (JISHI_ADDR), so the printed link is the right one.
ADDRESS = f"http://{os.environ.get('JISHI_ADDR', '127.0.0.1:8000')}/"


class Command(BaseCommand):
    help = "建立演示县：组织架构、分类、时限，以及按真实办理流程生成的历史事项"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--size", type=int, default=DEFAULT_SIZE, help=f"事项数（默认 {DEFAULT_SIZE}）"
        )
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="随机种子")
        parser.add_argument(
            "--months", type=int, default=DEFAULT_MONTHS, help=f"历史月数（默认 {DEFAULT_MONTHS}）"
        )
        parser.add_argument("--logins", action="store_true", help="只打印演示登录账号，不生成数据")
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="已有单位时什么也不做，只打印登录账号",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["logins"]:
            self._logins(plan_demo_org(seed=options["seed"]).logins)
            return
        state = seed_state()
        if state == "unfinished":
            raise CommandError(_unfinished_message())
        if state != "empty":
            if not options["if_empty"]:
                raise CommandError(
                    "数据库中已有单位；演示县只能建在空数据库中（或使用 --if-empty）"
                )
            self.stdout.write("数据库中已有数据，跳过演示数据生成。")
            self._train_router()
            self._logins(plan_demo_org(seed=options["seed"]).logins)
            return

        size = options["size"]

        def progress(done: int, total: int, seconds: float) -> None:
            rate = done / seconds if seconds else 0.0
            self.stdout.write(
                f"  {done:>9,} / {total:,} 个事项  {seconds:7.1f} 秒  {rate:7.0f} 个/秒"
            )
            self.stdout.flush()

        self.stdout.write(f"正在生成演示县：{size:,} 个事项，{options['months']} 个月……")
        try:
            report = seed_demo(
                size=size, seed=options["seed"], months=options["months"], progress=progress
            )
        except Conflict as exc:  # someone else seeded it meanwhile
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"完成：{report.cases:,} 个事项，{report.events:,} 条记录，用时 {report.elapsed:.1f} 秒"
        )
        for title, counts in (
            ("状态", report.by_state),
            ("渠道", report.by_channel),
            ("类型", report.by_kind),
        ):
            parts = "，".join(
                f"{k} {v:,}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1])
            )
            self.stdout.write(f"  {title}：{parts}")
        self._train_router()
        self._logins(report.logins)

    def _train_router(self) -> None:
        """Dispatchers see the router's suggestions once a model has learnt from the seeded
        history: the background worker trains one (``./dev demo`` runs it)."""
        if request_ledger_training():
            self.stdout.write("已请后台根据已办结的事项训练分类模型，完成后自动启用。")
        self.stdout.flush()

    def _logins(self, logins: list[DemoLogin]) -> None:
        self.stdout.write(f"\n地址：{ADDRESS}")
        self.stdout.write("演示账号（密码均为 {}）：".format(logins[0].password if logins else ""))
        width = max((len(login.username) for login in logins), default=0)
        for login in logins:
            self.stdout.write(f"  {login.username:<{width}}  {login.note}")


def _unfinished_message() -> str:
    """What to do about a demo county whose seed was stopped halfway: start again from an
    empty database (the ledger refuses deletions, so there is nothing to clean up in place)."""
    run = SeedRun.objects.order_by("-pk").first()
    done = f"（{run.cases_done:,} / {run.size:,} 个事项）" if run else ""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        remedy = f"删除数据库文件 {db['NAME']}（连同同名的 -wal、-shm 文件）"
    else:
        remedy = f"删除并重新创建数据库 {db['NAME']}"
    return (
        f"上次生成演示县时中途停止{done}，数据库中只有半个演示县。"
        f"请先停止服务，{remedy}，再重新运行 ./dev demo"
        "（或 manage.py migrate 后 manage.py seed_demo）。"
    )
