"""Train a router model version from the ledger or from a labelled CSV file."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.common.errors import InvalidInput
from jishi.orgs.models import User
from jishi.routing import datasets, lexicon, services
from jishi.routing.ledger_data import LedgerUnavailable, closed_cases
from jishi.routing.models import RouterTarget
from jishi.routing.policy import validation_threshold


class Command(BaseCommand):
    help = "训练分类模型（从台账的已办结事项，或从带标签的 CSV 文件）"

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--from-ledger", action="store_true", help="使用台账中已办结的事项")
        source.add_argument("--data", metavar="FILE", help="带标签的 CSV 文件")
        parser.add_argument("--format", choices=datasets.FORMATS, default="tokens")
        parser.add_argument("--target", choices=RouterTarget.values, default="category")
        parser.add_argument("--activate", action="store_true", help="训练完成后立即启用")
        parser.add_argument("--user", help="记为创建人的用户名")
        parser.add_argument(
            "--max-error",
            type=float,
            default=0.03,
            help="自动派单允许的最高误派率（按验证集选阈值，默认 0.03）",
        )
        parser.add_argument(
            "--no-threshold", action="store_true", help="不计算自动派单阈值（从不自动派单）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["user"]:
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"找不到用户：{options['user']}")
        target = options["target"]
        metrics: dict[str, object] = {}
        if options["from_ledger"]:
            lexicon.ensure_loaded(force=True)
            try:
                ledger = closed_cases(target=target)
            except LedgerUnavailable as error:
                raise CommandError(str(error)) from error
            documents, labels, span = ledger.documents, ledger.labels, ledger.span
            metrics["source"] = "ledger"
        else:
            try:
                data = datasets.load(options["data"], options["format"])
            except datasets.DatasetError as error:
                raise CommandError(str(error)) from error
            documents, labels, span = data.tokens(), data.labels, (None, None)
            metrics["source"] = f"file:{options['data']} ({options['format']})"
        if target == "category" and not options["no_threshold"]:
            threshold = validation_threshold(documents, labels, max_error=options["max_error"])
            metrics.update(
                auto_threshold=round(threshold.value, 4),
                auto_coverage=round(threshold.coverage, 4),
                auto_error=round(threshold.error, 4),
                auto_max_error=options["max_error"],
            )
            self.stdout.write(
                f"自动派单阈值 {threshold.value:.3f}：验证集上 {threshold.coverage:.1%} 的事项"
                f"可自动派单，误派 {threshold.error:.1%}"
            )
        try:
            model = services.router_train(
                actor=actor,
                documents=documents,
                labels=labels,
                target=target,
                span=span,
                metrics=metrics,
                activate=options["activate"],
            )
        except InvalidInput as error:
            details = "；".join(m for msgs in error.errors.values() for m in msgs)
            raise CommandError(f"{error.message}：{details}") from error
        state = "已启用" if model.is_active else "未启用（请在管理后台启用）"
        self.stdout.write(
            f"模型 {model.version}：{model.n_documents} 条，{len(model.labels)} 个类别，"
            f"用时 {model.metrics.get('train_seconds')} 秒，{state}"
        )
