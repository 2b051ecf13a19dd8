"""Run daily (cron): on the first working day of a month, ask for last month's bulletin."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jishi.reports.tasks import monthly_bulletin_if_due


class Command(BaseCommand):
    help = "On the first working day of the month, generate last month's bulletin draft."

    def handle(self, *args: Any, **options: Any) -> None:
        if monthly_bulletin_if_due():
            self.stdout.write("已提交上月通报的生成任务")
        else:
            self.stdout.write("今天不是本月第一个工作日，或上月通报已生成")
