"""manage.py seed_demo_outreach: the demo county's sites, talks, check-ins and branches."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jishi.demo.outreach import seed_outreach


class Command(BaseCommand):
    help = "演示县的宣讲：阵地、六讲六进系列、四个月的宣讲与签到、党支部名单和宣讲现场登记的诉求"

    def handle(self, *args: Any, **options: Any) -> None:
        made = seed_outreach()
        self.stdout.write(f"宣讲：{made} 人次签到" if made else "宣讲：已有数据，跳过")
