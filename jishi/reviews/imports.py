"""Import the county's service catalogue (服务事项) from Excel or CSV, with the unit import's
rules: every bad row reported with its number, nothing written until the file is clean (or
only the good rows, when asked). Read with ``orgs.imports.read_rows``.

Columns: 事项编码*, 事项名称*, 主管单位编码*, 办理窗口 (window unit codes, separated by
、 , ; or spaces). An existing code is updated (name, unit, windows added).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db import transaction

from jishi.orgs.imports import Column, ImportRow, RowError, clean_code, clean_name, read_rows
from jishi.orgs.models import Unit
from jishi.reviews.models import ServiceItem, ServicePoint

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
