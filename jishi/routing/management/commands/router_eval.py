"""Train on one labelled file, test on another; print per-class figures and macro-F1."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.routing import datasets, text
from jishi.routing.evaluation import OVERLAP_JACCARD, find_overlap, train_test


class Command(BaseCommand):
    help = "评估分类模型：在一个文件上训练，在另一个文件上测试（最后一行为 macro-F1）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--train", required=True, metavar="FILE")
        parser.add_argument("--test", required=True, metavar="FILE")
        parser.add_argument("--format-train", choices=datasets.FORMATS, default="tokens")
        parser.add_argument("--format-test", choices=datasets.FORMATS, default="tokens")
        parser.add_argument(
            "--exclude-overlap",
            action="store_true",
            help="训练前去掉与测试集几乎相同的文本（否则只提示有多少条）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            train = datasets.load(options["train"], options["format_train"])
            test = datasets.load(options["test"], options["format_test"])
        except datasets.DatasetError as error:
            raise CommandError(str(error)) from error
        test_tokens = [
            text.segment(item) if test.fmt == "raw" else text.tokens_from_segmented(item)
            for item in test.raw
        ]
        overlap = find_overlap(train.tokens(), test_tokens)
        if overlap.train_rows and options["exclude_overlap"]:
            self.stdout.write(
                f"已从训练集去掉 {len(overlap.train_rows)} 条与测试集几乎相同的文本"
                f"（词集合 Jaccard ≥ {OVERLAP_JACCARD}）"
            )
        elif overlap.train_rows:
            self.stdout.write(
                f"注意：{overlap.test_rows} 条测试文本在训练集中有几乎相同的文本"
                f"（词集合 Jaccard ≥ {OVERLAP_JACCARD}），结果会偏高；"
                "加 --exclude-overlap 可在训练前去掉"
            )
        exclude = overlap.train_rows if options["exclude_overlap"] else []
        result = train_test(train, test, exclude=exclude)
        for line in result.lines():
            self.stdout.write(line)
