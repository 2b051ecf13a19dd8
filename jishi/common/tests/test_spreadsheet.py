"""The one rule for spreadsheet cells: formula-like text inert, everything else untouched."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from jishi.common.spreadsheet import Column, SheetWriter, safe_cell, safe_row, xlsx_row
from jishi.testing.spreadsheets import assert_inert_csv, assert_inert_xlsx
from jishi.testing.ugly_inputs import FORMULAS, Ugly


@pytest.mark.parametrize("ugly", FORMULAS, ids=lambda u: u.name)
def test_formula_like_text_gets_a_quote(ugly: Ugly) -> None:
    assert safe_cell(ugly.value) == "'" + ugly.value


@pytest.mark.parametrize(
    "value",
    [
        "  =1+1",  # spaces before the sign: some programs drop them reading a CSV
        "\u3000＝SUM(A1)",  # an ideographic space, then the full-width sign
        "\n@SUM(1)",
        "﹦1",  # the small form of the sign
        "＋86 138",
        "－5",
        "＠user",
        "\tplain",  # a leading tab or carriage return is enough (OWASP)
        "\r",
    ],
)
def test_other_spellings_of_the_signs_are_caught(value: str) -> None:
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize(
    "value",
    [
        "东街路灯不亮",
        "",
        "   ",
        "a=b",
        "1+1",
        "'=already quoted",
        "——关于东街路灯的建议",  # a dash is not a minus sign to a spreadsheet
        "2026-11-02",
        "138****5678",
        "(0731)8456****",
        "#N/A",
    ],
)
def test_ordinary_text_is_left_as_it_is(value: str) -> None:
    assert safe_cell(value) == value


@pytest.mark.parametrize(
    "value",
    [-5, -2.5, 0, Decimal("-3.10"), True, None, date(2026, 11, 2), datetime(2026, 11, 2, 9, 30)],
)
def test_numbers_dates_and_empty_cells_are_left_as_they_are(value: object) -> None:
    assert safe_cell(value) is value


def test_csv_rows_read_back_inert() -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(safe_row(["标题", "金额"]))
    for ugly in FORMULAS:
        writer.writerow(safe_row([ugly.value, -5]))
    rows = assert_inert_csv(text.getvalue().encode("utf-8"))
    assert [row[0] for row in rows[1:]] == ["'" + u.value for u in FORMULAS]
    assert {row[1] for row in rows[1:]} == {"-5"}  # a number is written as the number


def test_sheet_writer_writes_text_as_inert_strings_and_keeps_numbers_and_dates() -> None:
    workbook = Workbook(write_only=True)
    writer = SheetWriter(
        workbook,
        "表",
        [
            Column("文字", 20),
            Column("长文字", 60, wrap=True),
            Column("金额", 10),
            Column("时间", 17, number_format="yyyy-mm-dd hh:mm"),
        ],
    )
    at = datetime(2026, 11, 2, 9, 30)
    for ugly in FORMULAS:
        writer.append([ugly.value, ugly.value, -5, at])
    writer.append(["#N/A", "=1", -2.5, None])
    assert writer.close() == len(FORMULAS) + 1
    out = io.BytesIO()
    workbook.save(out)

    texts = assert_inert_xlsx(out.getvalue())
    for ugly in FORMULAS:
        assert texts.count("'" + ugly.value) == 2
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert [c.value for c in sheet[1]] == ["文字", "长文字", "金额", "时间"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:D{len(FORMULAS) + 2}"
    assert sheet.column_dimensions["B"].width == 60
    for row in sheet.iter_rows(min_row=2, max_row=len(FORMULAS) + 1):
        text, wrapped, amount, when = row
        assert wrapped.alignment.wrap_text and not text.alignment.wrap_text
        assert amount.data_type == "n" and amount.value == -5
        assert when.is_date and when.value == at and when.number_format == "yyyy-mm-dd hh:mm"
    last = [c for c in sheet[len(FORMULAS) + 2]]
    # An error code stays the text it was; a number stays a number.
    assert (last[0].value, last[0].data_type) == ("#N/A", "s")
    assert (last[1].value, last[1].data_type) == ("'=1", "s")
    assert (last[2].value, last[2].data_type) == (-2.5, "n")


def test_xlsx_row_on_an_ordinary_sheet() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(xlsx_row(sheet, ["=1+1", "#DIV/0!", "正常", -7]))
    out = io.BytesIO()
    workbook.save(out)
    assert_inert_xlsx(out.getvalue())
    cells = list(load_workbook(io.BytesIO(out.getvalue())).active[1])
    assert [(c.value, c.data_type) for c in cells] == [
        ("'=1+1", "s"),
        ("#DIV/0!", "s"),
        ("正常", "s"),
        (-7, "n"),
    ]
