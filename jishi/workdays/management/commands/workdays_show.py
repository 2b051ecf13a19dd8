"""``manage.py workdays_show YEAR``: what the calendar believes about one year.

A sanity tool for an admin entering a new year's schedule: lists the days that differ from
a plain Monday–Friday week (holidays on weekdays, working weekends), where each answer comes
from (the package, the county's table, or the statutory estimate), and whether deadlines in
that year are still estimated.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from jishi.workdays.calendar import (
    chinese_calendar_covers,
    chinese_calendar_day_name,
    estimated_holidays,
)
from jishi.workdays.models import CalendarYear, HolidayOverride
from jishi.workdays.selectors import get_calendar

_WEEKDAYS = "一二三四五六日"


class Command(BaseCommand):
    help = "显示某一年的节假日和调休上班日，以及该年的日历是否已知。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int, help="年份，如 2027")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        if not 1900 <= year <= 2200:
            raise CommandError("年份应在 1900–2200 之间")
        calendar = get_calendar()
        overrides = {row.date: row for row in HolidayOverride.objects.filter(date__year=year)}
        year_row = CalendarYear.objects.filter(year=year).first()
        first = date(year, 1, 1)

        if chinese_calendar_covers(year):
            status = "已知（chinese_calendar 内置官方安排）"
        elif calendar.is_known(first):
            status = "已知（节假日调整表已标记为完整录入）"
        else:
            status = (
                "估算：尚未录入官方放假安排，按周一至周五扣除法定节假日（含周末补假）估算，"
                "期限标记为“估算”，直到录入该年的官方安排"
            )
        self.stdout.write(f"{year}年：{status}")
        estimate = {} if calendar.is_known(first) else estimated_holidays(year)
        if year_row is not None and year_row.note:
            self.stdout.write(f"备注：{year_row.note}")

        days_off: list[str] = []
        days_on: list[str] = []
        workdays = 0
        d = first
        while d.year == year:
            working = calendar.is_workday(d)
            workdays += working
            if working != (d.weekday() < 5):
                row = overrides.get(d)
                if row is not None:
                    source, name = "调整表", row.name
                elif d in estimate:
                    source, name = "估算", estimate[d]
                else:
                    source, name = "内置", chinese_calendar_day_name(d) or ""
                    if working and name:
                        name = f"{name}调休上班"
                line = f"  {d:%Y-%m-%d} 周{_WEEKDAYS[d.weekday()]}  {name}  [{source}]"
                (days_on if working else days_off).append(line)
            d += timedelta(days=1)

        self.stdout.write(f"工作日放假（{len(days_off)} 天）：")
        self.stdout.write("\n".join(days_off) if days_off else "  （无）")
        self.stdout.write(f"周末调休上班（{len(days_on)} 天）：")
        self.stdout.write("\n".join(days_on) if days_on else "  （无）")
        redundant = [
            row for row in overrides.values() if row.is_workday == (row.date.weekday() < 5)
        ]
        if redundant:
            self.stdout.write(
                f"调整表中与平常一致的条目（{len(redundant)} 条，可用于更正内置数据）："
            )
            for row in sorted(redundant, key=lambda r: r.date):
                state = "上班" if row.is_workday else "放假"
                self.stdout.write(
                    f"  {row.date:%Y-%m-%d} 周{_WEEKDAYS[row.date.weekday()]}  {row.name}  {state}"
                )
        self.stdout.write(f"全年工作日：{workdays} 天")
        if not calendar.is_known(first):
            self.stdout.write(
                f"国务院办公厅公布{year}年放假安排后，请录入："
                f"manage.py workdays_enter {year} 通知.txt，或在控制台“工作日历”页面粘贴通知；"
                "录入后该年不再估算。"
            )
