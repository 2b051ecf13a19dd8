"""Checks for the spreadsheets the product writes, kept apart from the rule they check
(``jishi.common.spreadsheet``): a test written with the rule's own function would pass
whatever the rule said."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from openpyxl import load_workbook

# First characters a spreadsheet program may take for the start of a formula.
RISKY_FIRST = frozenset("=+-@\t\r＝＋－＠﹦﹢﹣﹫")


def inert_text(value: str) -> bool:
    """Text no program will run: it starts with the quote, or with nothing risky (spaces
    before a risky sign do not make it safe)."""
    return value.startswith("'") or (
        value[:1] not in RISKY_FIRST and value.lstrip()[:1] not in RISKY_FIRST
    )


# A CSV field that is a plain number (a negative amount): read as that number, never run.
PLAIN_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def xlsx_cells(data: bytes) -> Iterator[Any]:
    """Every cell of every sheet of an .xlsx file, header included."""
    workbook = load_workbook(io.BytesIO(data))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


def assert_inert_xlsx(data: bytes) -> list[str]:
    """Every text cell is of string type and inert, and no cell is a formula; returns the
    text of every cell, for the caller to find its values in."""
    texts = []
    for cell in xlsx_cells(data):
        assert cell.data_type != "f", (cell.coordinate, cell.value)
        if isinstance(cell.value, str):
            assert cell.data_type == "s", (cell.coordinate, cell.value, cell.data_type)
            assert inert_text(cell.value), (cell.coordinate, cell.value)
            texts.append(cell.value)
    return texts


def assert_inert_csv(data: bytes) -> list[list[str]]:
    """Every field of a CSV file (UTF-8, with or without a BOM) is inert text or a plain
    number; returns the rows."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    for row in rows:
        for value in row:
            assert inert_text(value) or PLAIN_NUMBER.fullmatch(value), value
    return rows
