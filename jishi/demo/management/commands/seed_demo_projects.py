"""manage.py seed_demo_projects: the demo county's key projects, rounds, lights and orders."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from jishi.demo.projects import seed_projects


class Command(BaseCommand):
    help = "演示县的重点项目：民生实事和改革清单、四个月的调度与亮灯、督办单、督查和问责"

    def handle(self, *args: Any, **options: Any) -> None:
        made = seed_projects()
        self.stdout.write(f"重点项目：{made} 个项目" if made else "重点项目：已有数据，跳过")
