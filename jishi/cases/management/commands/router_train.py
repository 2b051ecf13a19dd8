"""Train a router model version from the ledger or from a labelled CSV file."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.cases import router
from jishi.common.errors import InvalidInput
from jishi.orgs.models import User
from jishi.routing import datasets, services
from jishi.routing.models import RouterModel, RouterTarget


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
        with_threshold = target == "category" and not options["no_threshold"]
        try:
            if options["from_ledger"]:
                model = router.router_train_from_ledger(
                    actor=actor,
                    target=target,
                    activate=options["activate"],
                    max_error=options["max_error"],
                    with_threshold=with_threshold,
                )
            else:
                model = self._train_from_file(actor, options, with_threshold)
        except InvalidInput as error:
            details = "；".join(m for msgs in error.errors.values() for m in msgs)
            raise CommandError(f"{error.message}：{details}") from error
        metrics = model.metrics
        if "auto_threshold" in metrics:
            self.stdout.write(
                f"自动派单阈值 {metrics['auto_threshold']:.3f}：验证集上 "
                f"{metrics['auto_coverage']:.1%} 的事项可自动派单，误派 {metrics['auto_error']:.1%}"
            )
        state = "已启用" if model.is_active else "未启用（请在管理后台启用）"
        self.stdout.write(
            f"模型 {model.version}：{model.n_documents} 条，{len(model.labels)} 个类别，"
            f"用时 {model.metrics.get('train_seconds')} 秒，{state}"
        )

    def _train_from_file(
        self, actor: User | None, options: dict[str, Any], with_threshold: bool
    ) -> RouterModel:
        try:
            data = datasets.load(options["data"], options["format"])
        except datasets.DatasetError as error:
            raise CommandError(str(error)) from error
        documents, labels = data.tokens(), data.labels
        metrics: dict[str, object] = {"source": f"file:{options['data']} ({options['format']})"}
        if with_threshold:
            metrics.update(
                services.threshold_metrics(documents, labels, max_error=options["max_error"])
            )
        return services.router_train(
            actor=actor,
            documents=documents,
            labels=labels,
            target=options["target"],
            metrics=metrics,
            activate=options["activate"],
        )
