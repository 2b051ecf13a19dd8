"""The outreach figures as an Excel workbook: the figures page, table for table.

Built from the same ``OutreachFigures`` the page shows (so the file and the page cannot
disagree), through the shared ``SheetWriter`` (every text cell inert). One sheet of totals,
then one per table: by series, setting, township and month, and the site visits.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils.translation import gettext as _

from jishi.common.spreadsheet import Column, SheetWriter
from jishi.outreach.selectors import FigureRow, OutreachFigures


def tables(figures: OutreachFigures) -> list[tuple[str, str, list[FigureRow]]]:
    """(sheet title, first column's header, rows) of each table, in the page's order."""
    return [
        (_("按系列"), _("系列"), figures.by_series),
        (_("按六进场景"), _("场景"), figures.by_setting),
        (_("按乡镇"), _("乡镇"), figures.by_township),
        (_("按月份"), _("月份"), figures.by_month),
        (_("阵地接待"), _("阵地"), figures.by_site),
    ]


def totals(figures: OutreachFigures) -> list[tuple[str, int]]:
    """The totals at the head of the page, labelled as there."""
    return [
        (_("宣讲场次"), figures.talks),
        (_("参加人数"), figures.people),
        (_("参加人次"), figures.person_times),
        (_("其中现场补录"), figures.head_count),
        (_("扫码签到人次"), figures.checkins),
        (_("其中流动党员远程"), figures.remote),
        (_("阵地参观人次"), figures.visitors),
    ]


def figures_workbook(figures: OutreachFigures, period: str) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 (loaded on first use: openpyxl is heavy)

    workbook = Workbook(write_only=True)
    summary = SheetWriter(workbook, _("总计"), [Column(_("指标"), 24), Column(period, 14)])
    for name, value in totals(figures):
        summary.append([name, value])
    summary.append(
        [
            _("说明"),
            _("同一人在期间内多次参加，人数只计一次；现场补录的人数无法区分，人数和人次都计入。"),
        ]
    )
    summary.close()
    for title, head, rows in tables(figures):
        sites = rows is figures.by_site
        columns = [Column(head, 24), Column(_("场次"), 10), Column(_("人次"), 10)]
        if sites:
            columns.append(Column(_("参观人次"), 10))
        sheet = SheetWriter(workbook, title, columns)
        for row in rows:
            label: Any = row.label or _("未填写")
            values = [label, row.talks, row.person_times]
            sheet.append([*values, row.visitors] if sites else values)
        sheet.close()
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
