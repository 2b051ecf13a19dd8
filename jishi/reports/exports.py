"""A bulletin's content as PDF (WeasyPrint, A4, numbered pages) and XLSX (one sheet per
table), both from the same stored content as the HTML."""

from __future__ import annotations

import io
from typing import Any

from jishi.common.documents import pdf_from_template
from jishi.common.spreadsheet import xlsx_row


def bulletin_pdf(content: dict[str, Any], *, sha256: str = "", version: int | None = None) -> bytes:
    return pdf_from_template(
        "reports/bulletin_pdf.html",
        {"content": content, "sha256": sha256, "version": version},
    )


def _number(text: str) -> Any:
    return int(text) if text.isdigit() else text


def bulletin_workbook(content: dict[str, Any], *, sha256: str = "") -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 (loaded on first use: openpyxl is heavy)

    workbook = Workbook()
    first = workbook.active
    assert first is not None
    first.title = "通报"
    first.append(xlsx_row(first, [content.get("title", "")]))
    if sha256:
        first.append(xlsx_row(first, ["SHA-256", sha256]))
    for section in content.get("sections", []):
        first.append(xlsx_row(first, []))
        first.append(xlsx_row(first, [section["title"]]))
        for paragraph in section.get("paragraphs", []):
            first.append(xlsx_row(first, [paragraph]))
        if section.get("columns"):
            first.append(xlsx_row(first, section["columns"]))
            for row in section.get("rows", []):
                first.append(xlsx_row(first, [_number(c["t"]) for c in row]))
        if section.get("note"):
            first.append(xlsx_row(first, [section["note"]]))
    first.column_dimensions["A"].width = 24
    first.column_dimensions["B"].width = 22
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
