"""Cells of the spreadsheets the product hands out, made inert: one rule for every export.

A spreadsheet program takes a cell that starts with ``=`` for a formula, and one starting
with ``+``, ``-`` or ``@`` (or a tab or carriage return in front of one) too, as soon as a
CSV file is opened or a cell is edited and confirmed. A citizen who types
``=HYPERLINK("http://x","点我")`` as their name, or a title starting ``=cmd|' /C calc'!A0``,
would otherwise hand staff a live link or command in the ledger they download. Chinese input
methods type the full-width forms (＝ ＋ － ＠), which Excel and WPS may take for the same
signs, so those count too.

The rule (OWASP, "CSV injection"): a text cell whose first character, or first character
after leading spaces, is one of those gets a single quote in front, so the program shows it
as the text it is. In an .xlsx file every text cell is also written with the string type,
never as a formula or an error code (``#N/A`` stays text). Numbers and dates stay what they
are: only text is touched, so a negative amount still adds up.

Every export goes through :func:`safe_cell` (CSV: :func:`safe_row`; .xlsx: :func:`xlsx_row`
or :class:`SheetWriter`); nothing writes a cell another way.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # openpyxl is imported when a sheet is written, not when Django starts
    from openpyxl.cell.cell import Cell
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
    from openpyxl.worksheet.worksheet import Worksheet

# What makes a spreadsheet program read a cell as a formula (OWASP's list).
FORMULA_SIGNS = frozenset("=+-@")
CONTROL_SIGNS = frozenset("\t\r")
QUOTE = "'"
# Text openpyxl would write as an error value rather than as text.
ERROR_CODES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"})


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet program could take ``text`` for a formula: it starts with a
    tab or carriage return, or its first character after any spaces is ``= + - @`` in half
    or full width (＝ ＋ － ＠, and the small forms ﹦ ﹢ ﹣ ﹫)."""
    if not text:
        return False
    if text[0] in CONTROL_SIGNS:
        return True
    stripped = text.lstrip()  # some programs drop leading spaces when they read a CSV file
    if not stripped:
        return False
    first = stripped[0]
    return first in FORMULA_SIGNS or unicodedata.normalize("NFKC", first) in FORMULA_SIGNS


def safe_cell(value: Any) -> Any:
    """``value`` as a spreadsheet should receive it: formula-like text with a ``'`` in front,
    every other value (numbers, dates, ``None``, ordinary text) unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return QUOTE + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """:func:`safe_cell` for each value of a row (for ``csv.writer``)."""
    return [safe_cell(value) for value in values]


def _text_cell(sheet: Worksheet | WriteOnlyWorksheet, text: str) -> Cell:
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415 (loaded on first use: openpyxl is heavy for web workers)

    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def xlsx_value(sheet: Worksheet | WriteOnlyWorksheet, value: Any) -> Any:
    """A value for ``sheet.append``: text made safe and certain to be written as text.

    openpyxl types a string itself, as a formula only when it starts with ``=`` (never true
    after :func:`safe_cell`) and as an error when it is an error code; only those get a cell
    of their own with the type set, so a million-row export does not build a cell per text.
    """
    value = safe_cell(value)
    if isinstance(value, str) and (value.startswith("=") or value in ERROR_CODES):
        return _text_cell(sheet, value)
    return value


def xlsx_row(sheet: Worksheet | WriteOnlyWorksheet, values: Iterable[Any]) -> list[Any]:
    """:func:`xlsx_value` for each value of a row."""
    return [xlsx_value(sheet, value) for value in values]


@dataclass(frozen=True)
class Column:
    """One column of a :class:`SheetWriter` sheet. ``width`` is in Excel's units, about one
    Latin letter; a Chinese character takes two. ``header`` may be a lazy translation."""

    header: Any
    width: float
    wrap: bool = False  # long text: wrapped within the width, the row growing to fit
    number_format: str | None = None  # dates and numbers shown in this format


class SheetWriter:
    """Rows streamed into a new write-only sheet (memory stays flat however many rows):
    a bold, wrapped, frozen header row with a filter, the columns' widths and formats, and
    every cell through :func:`xlsx_value`."""

    def __init__(self, workbook: Workbook, title: str, columns: Sequence[Column]) -> None:
        # Loaded on first use: openpyxl is heavy for web workers that never write a sheet.
        from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
        from openpyxl.styles import Alignment, Font, PatternFill  # noqa: PLC0415
        from openpyxl.utils import get_column_letter  # noqa: PLC0415

        self.sheet = sheet = workbook.create_sheet(title)
        self.columns = tuple(columns)
        self.rows = 0
        self._last_letter = get_column_letter(len(self.columns))
        # Layout must be set before the first row: a write-only sheet emits it up front.
        for index, column in enumerate(self.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.freeze_panes = "A2"
        # One styled prototype per column that needs a style; each row's cell copies it
        # (openpyxl's documented way to share a style). Unstyled columns go in as values.
        self._styles: list[Any] = []
        for column in self.columns:
            if column.wrap or column.number_format:
                proto = WriteOnlyCell(sheet)
                if column.wrap:
                    proto.alignment = Alignment(wrap_text=True)
                if column.number_format:
                    proto.number_format = column.number_format
                self._styles.append(proto._style)
            else:
                self._styles.append(None)
        header = []
        bold, fill = Font(bold=True), PatternFill("solid", fgColor="E8EEF7")
        wrap = Alignment(wrap_text=True, vertical="center")
        for column in self.columns:
            cell = _text_cell(sheet, str(safe_cell(str(column.header))))
            cell.font, cell.fill, cell.alignment = bold, fill, wrap
            header.append(cell)
        sheet.append(header)

    def append(self, values: Sequence[Any]) -> None:
        from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415 (as above)

        row: list[Any] = []
        for value, style in zip(values, self._styles, strict=True):
            if style is None or value is None:
                row.append(xlsx_value(self.sheet, value))
                continue
            value = safe_cell(value)
            cell = WriteOnlyCell(self.sheet, value=value)
            cell._style = copy(style)
            if isinstance(value, str):
                cell.data_type = "s"
            row.append(cell)
        self.sheet.append(row)
        self.rows += 1

    def close(self) -> int:
        """Put the filter on the header over every row written; returns the row count."""
        self.sheet.auto_filter.ref = f"A1:{self._last_letter}{self.rows + 1}"
        return self.rows
