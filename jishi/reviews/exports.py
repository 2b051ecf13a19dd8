"""The figures as an Excel workbook (the console's table and the public disclosure)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from jishi.common.spreadsheet import xlsx_row
from jishi.reviews.selectors import Figures


def _pct(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.1f}%"


HEADERS = [
    "名称",
    "评价数",
    "非常满意",
    "满意",
    "基本满意",
    "不满意",
    "非常不满意",
    "好评率",
    "差评",
    "已整改",
    "按期整改",
    "整改率",
    "整改满意率",
    "申诉成立（不计入）",
    "服务记录",
    "主动评价率",
]


def figures_workbook(title: str, rows: Sequence[Figures], definition: str) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 (loaded on first use: openpyxl is heavy)

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "好差评"
    sheet.append(xlsx_row(sheet, [title]))
    sheet.append(xlsx_row(sheet, [definition]))
    sheet.append(xlsx_row(sheet, HEADERS))
    for row in rows:
        sheet.append(
            xlsx_row(
                sheet,
                [
                    row.label or "合计",
                    row.total,
                    *(row.levels[n] for n in (5, 4, 3, 2, 1)),
                    _pct(row.good_rate),
                    row.bad,
                    row.rectified,
                    row.rectified_on_time,
                    _pct(row.rectification_rate),
                    _pct(row.satisfaction_rate),
                    row.excluded,
                    "" if row.services is None else row.services,
                    _pct(row.active_rate),
                ],
            )
        )
    sheet.column_dimensions["A"].width = 28
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
