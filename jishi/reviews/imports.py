"""Import the county's service catalogue (服务事项) and the windows' roster (排班表) from Excel
or CSV, with the unit import's rules: every bad row reported with its number, nothing written
until the file is clean (or only the good rows, when asked). Read with
``orgs.imports.read_rows``.

Catalogue columns: 事项编码*, 事项名称*, 主管单位编码*, 办理窗口 (window unit codes, separated
by 、 , ; or spaces). An existing code is updated (name, unit, windows added).

Roster columns: 窗口编码*, 工作人员* (account or, when unique, full name), 日期*, 上岗时间*,
离岗时间*. Only future shifts; a window's future roster on the days the file covers is
replaced.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from jishi.common import clock
from jishi.common.text import fold
from jishi.orgs.imports import (
    Column,
    ImportRow,
    RowError,
    clean_code,
    clean_name,
    clean_text,
    read_rows,
)
from jishi.orgs.models import Unit, User
from jishi.reviews.models import ServiceItem, ServicePoint, Shift
from jishi.reviews.services import may_manage, works_at

ITEM_COLUMNS: tuple[Column, ...] = (
    Column("code", "事项编码", ("事项编码", "编码", "code"), True, "ZJ-001"),
    Column("name", "事项名称", ("事项名称", "名称", "name"), True, "商品房预售许可"),
    Column("unit_code", "主管单位编码", ("主管单位编码", "单位编码", "unit_code"), True, "D01"),
    Column("windows", "办理窗口", ("办理窗口", "窗口编码", "windows"), False, "W01、W02"),
)
_SPLIT = re.compile(r"[、,，;；\s]+")


@dataclass
class ItemReport:
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    written: bool = False

    def lines(self) -> list[str]:
        out = [f"提示：{w}" for w in self.warnings] + [str(e) for e in self.errors]
        if self.errors and not self.written:
            out.append(f"文件有{len(self.errors)}处错误，未导入任何数据；请修改后重新导入")
        else:
            out.append(f"导入完成：新增{self.created}个事项，更新{self.updated}个")
        return out


@dataclass
class _Item:
    number: int
    code: str
    name: str
    unit: Unit
    points: list[ServicePoint]


def _check(rows: list[ImportRow], report: ItemReport) -> list[_Item]:
    units = {u.code: u for u in Unit.objects.filter(active=True)}
    points = {p.unit.code: p for p in ServicePoint.objects.select_related("unit")}
    seen: dict[str, int] = {}
    good = []
    for row in rows:
        code, name = clean_code(row.get("code")), clean_name(row.get("name"))
        unit_code = clean_code(row.get("unit_code"))
        bad = len(report.errors)
        if not code:
            report.errors.append(RowError(row.number, "事项编码", "不能为空"))
        elif len(code) > 64:
            report.errors.append(RowError(row.number, "事项编码", "最多 64 个字符"))
        elif code in seen:
            report.errors.append(RowError(row.number, "事项编码", f"{code} 与第{seen[code]}行重复"))
        else:
            seen[code] = row.number
        if not name:
            report.errors.append(RowError(row.number, "事项名称", "不能为空"))
        elif len(name) > 200:
            report.errors.append(RowError(row.number, "事项名称", "最多 200 字"))
        unit = units.get(unit_code)
        if unit is None:
            report.errors.append(
                RowError(row.number, "主管单位编码", f"单位编码 {unit_code or '（空）'} 不存在")
            )
        found = []
        for window in (w for w in _SPLIT.split(clean_code(row.get("windows"))) if w):
            if window not in points:
                report.errors.append(
                    RowError(row.number, "办理窗口", f"{window} 不是已设置的服务窗口")
                )
            else:
                found.append(points[window])
        if len(report.errors) == bad and unit is not None:
            good.append(_Item(row.number, code, name, unit, found))
    return good


def items_import(*, data: bytes, filename: str, good_rows_only: bool = False) -> ItemReport:
    report = ItemReport()
    table = read_rows(data, filename=filename, columns=ITEM_COLUMNS)
    report.warnings = table.warnings
    if table.errors:
        report.errors = table.errors
        return report
    good = _check(table.rows, report)
    if report.errors and not good_rows_only:
        return report
    with transaction.atomic():
        for item in good:
            existing = ServiceItem.objects.select_for_update().filter(code=item.code).first()
            if existing is None:
                existing = ServiceItem.objects.create(
                    code=item.code, name=item.name, owning_unit=item.unit
                )
                report.created += 1
            elif (existing.name, existing.owning_unit_id) != (item.name, item.unit.pk):
                existing.name, existing.owning_unit = item.name, item.unit
                existing.save(update_fields=["name", "owning_unit"])
                report.updated += 1
            for point in item.points:
                point.items.add(existing)
    report.written = True
    return report


# --- the roster (排班表) ----------------------------------------------------------------------

ROSTER_COLUMNS: tuple[Column, ...] = (
    Column("window", "窗口编码", ("窗口编码", "窗口", "window"), True, "W01"),
    Column("staff", "工作人员", ("工作人员", "人员", "账号", "姓名", "staff"), True, "zhangsan"),
    Column("day", "日期", ("日期", "date", "day"), True, "2026-12-07"),
    Column("start", "上岗时间", ("上岗时间", "开始时间", "start"), True, "08:30"),
    Column("end", "离岗时间", ("离岗时间", "结束时间", "end"), True, "12:00"),
)
# 2026-12-07, 2026/12/7, 2026.12.7, 2026年12月7日 (an Excel date cell reads as ISO).
_DAY = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T ].*)?$")
# 8:30, 08:30:00, 8点30, 8时30分, 14：30 (full-width colon folded by clean_text).
_TIME = re.compile(r"^(\d{1,2})\s*[:点时]\s*(\d{1,2})?\s*分?(?::\d{2})?$")


@dataclass
class RosterReport:
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created: int = 0
    replaced: int = 0
    written: bool = False

    def lines(self) -> list[str]:
        out = [f"提示：{w}" for w in self.warnings] + [str(e) for e in self.errors]
        if self.errors and not self.written:
            out.append(f"文件有{len(self.errors)}处错误，未导入任何排班；请修改后重新导入")
        else:
            out.append(f"导入完成：新增{self.created}个班次，替换原排班{self.replaced}个")
        return out


@dataclass
class _Slot:
    number: int
    point: ServicePoint
    user: User
    start: dt.datetime
    end: dt.datetime


def _day(text: str) -> dt.date | None:
    match = _DAY.match(text)
    if match is None:
        return None
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def _time(text: str) -> dt.time | None:
    match = _TIME.match(text)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour == 24 and minute == 0:
        return dt.time(23, 59, 59)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


def _people() -> tuple[dict[str, User], dict[str, list[User]]]:
    users = list(User.objects.filter(is_active=True))
    by_name: dict[str, list[User]] = {}
    for user in users:
        if user.full_name:
            by_name.setdefault(user.full_name, []).append(user)
    return {u.username.lower(): u for u in users}, by_name


def _roster_row(
    row: ImportRow,
    points: dict[str, ServicePoint],
    people: tuple[dict[str, User], dict[str, list[User]]],
    now: dt.datetime,
    errors: list[RowError],
) -> _Slot | None:
    bad = len(errors)
    window = clean_code(row.get("window"))
    point = points.get(window)
    if point is None:
        errors.append(
            RowError(row.number, "窗口编码", f"{window or '（空）'} 不是已设置的服务窗口")
        )
    who = clean_name(row.get("staff"))
    by_username, by_name = people
    user = by_username.get(who.lower())
    if user is None:
        named = by_name.get(who, [])
        if len(named) == 1:
            user = named[0]
        elif named:
            errors.append(
                RowError(row.number, "工作人员", f"有{len(named)}人名为{who}，请填写账号")
            )
        else:
            errors.append(
                RowError(row.number, "工作人员", f"{who or '（空）'} 不是在职人员的账号或姓名")
            )
    if point is not None and user is not None and not works_at(user, point):
        errors.append(RowError(row.number, "工作人员", f"{user} 不在{point.name}所属单位任职"))
    day = _day(fold(clean_text(row.get("day"))))
    if day is None:
        errors.append(RowError(row.number, "日期", "日期无效，请写成 2026-12-07"))
    start = _time(fold(clean_text(row.get("start"))))
    end = _time(fold(clean_text(row.get("end"))))
    if start is None:
        errors.append(RowError(row.number, "上岗时间", "时间无效，请写成 08:30"))
    if end is None:
        errors.append(RowError(row.number, "离岗时间", "时间无效，请写成 12:00"))
    if len(errors) > bad or point is None or user is None or day is None:
        return None
    assert start is not None and end is not None
    zone = timezone.get_current_timezone()
    begins = dt.datetime.combine(day, start, tzinfo=zone)
    ends = dt.datetime.combine(day, end, tzinfo=zone)
    if ends <= begins:
        errors.append(RowError(row.number, "离岗时间", "须晚于上岗时间"))
        return None
    if begins < now:
        # Ratings are credited as they arrive: a roster for a time already passed would
        # change nothing but could be mistaken for a record of who served.
        errors.append(RowError(row.number, "日期", "该班次已开始或已过去，只能导入以后的排班"))
        return None
    return _Slot(row.number, point, user, begins, ends)


def _overlaps(slots: list[_Slot], errors: list[RowError]) -> None:
    """One person at one window at a time, and one window served by one person at a time."""
    for key, label in ((lambda s: s.user.pk, "工作人员"), (lambda s: s.point.pk, "窗口编码")):
        ordered = sorted(slots, key=lambda s: (key(s), s.start))
        for before, after in itertools.pairwise(ordered):
            if key(before) == key(after) and after.start < before.end:
                errors.append(RowError(after.number, label, f"与第{before.number}行的班次时间重叠"))


def roster_import(
    *, actor: User | None, data: bytes, filename: str, good_rows_only: bool = False
) -> RosterReport:
    """Import who serves at which window when. Each window's future roster on the days the
    file covers is replaced by the file's (importing the same week twice changes nothing).
    An actor, when given, may import only for the windows they manage."""
    report = RosterReport()
    table = read_rows(data, filename=filename, columns=ROSTER_COLUMNS)
    report.warnings = table.warnings
    if table.errors:
        report.errors = table.errors
        return report
    points = {p.unit.code: p for p in ServicePoint.objects.select_related("unit", "owner")}
    if actor is not None:
        points = {code: p for code, p in points.items() if may_manage(actor, p)}
    people, now = _people(), clock.now()
    slots = [s for row in table.rows if (s := _roster_row(row, points, people, now, report.errors))]
    _overlaps(slots, report.errors)
    failed = {e.row for e in report.errors}
    slots = [s for s in slots if s.number not in failed]
    if report.errors and not good_rows_only:
        return report
    with transaction.atomic():
        for point_id, day in {(s.point.pk, s.start.date()) for s in slots}:
            day_start = dt.datetime.combine(day, dt.time(), tzinfo=timezone.get_current_timezone())
            stale = Shift.objects.filter(
                point_id=point_id,
                rostered=True,
                started_at__gte=max(day_start, now),
                started_at__lt=day_start + dt.timedelta(days=1),
            )
            report.replaced += stale.delete()[0]
        Shift.objects.bulk_create(
            Shift(point=s.point, user=s.user, started_at=s.start, ended_at=s.end, rostered=True)
            for s in slots
        )
        report.created = len(slots)
    report.written = True
    return report
