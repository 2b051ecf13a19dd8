"""Hotspots of a CSV of messages (id, time, subject, body[, likes, citizen]), printed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.routing import hotspots


class Command(BaseCommand):
    help = "从 CSV 文件（id,time,subject,body[,likes]）找出热点并打印"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", required=True, metavar="FILE")
        parser.add_argument("--top", type=int, default=5)
        parser.add_argument("--distance", type=float, default=hotspots.DISTANCE)

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["data"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        if options["top"] < 1:
            raise CommandError("--top 应为正整数")
        try:
            docs = hotspots.read_docs(path)
        except (UnicodeDecodeError, ValueError) as error:
            raise CommandError(f"无法读取 {path}：{error}") from error
        found = hotspots.find_hotspots(docs, top=options["top"], distance=options["distance"])
        if not found:
            self.stdout.write("未发现热点")
            return
        for rank, h in enumerate(found, 1):
            span = (
                f"{h.first_at:%Y-%m-%d} 至 {h.last_at:%Y-%m-%d}"
                if h.first_at and h.last_at
                else "-"
            )
            places = "、".join(h.places) or "-"
            self.stdout.write(
                f"{rank}. {h.title}\n   事项数 {h.size}  热度 {h.score}  地点 {places}  时间 {span}"
            )
            for subject in h.samples[:2]:
                self.stdout.write(f"   · {subject}")
