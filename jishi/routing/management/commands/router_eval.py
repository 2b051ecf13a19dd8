"""Train on one labelled file, test on another; print per-class figures and macro-F1."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.routing import datasets
from jishi.routing.evaluation import train_test


class Command(BaseCommand):
    help = "评估分类模型：在一个文件上训练，在另一个文件上测试（最后一行为 macro-F1）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--train", required=True, metavar="FILE")
        parser.add_argument("--test", required=True, metavar="FILE")
        parser.add_argument("--format-train", choices=datasets.FORMATS, default="tokens")
        parser.add_argument("--format-test", choices=datasets.FORMATS, default="tokens")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            train = datasets.load(options["train"], options["format_train"])
            test = datasets.load(options["test"], options["format_test"])
        except datasets.DatasetError as error:
            raise CommandError(str(error)) from error
        result = train_test(train, test)
        for line in result.lines():
            self.stdout.write(line)
