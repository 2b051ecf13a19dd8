"""manage.py seed_demo_reviews: the demo county's windows, ratings and one misconduct report."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jishi.demo.reviews import seed_reviews


class Command(BaseCommand):
    help = "演示县的好差评：大厅各窗口两个月的评价、差评整改事项和一条码上监督举报"

    def handle(self, *args: Any, **options: Any) -> None:
        made = seed_reviews()
        self.stdout.write(f"好差评：{made} 条评价" if made else "好差评：已有数据，跳过")
