"""Phone and ID numbers that citizens type into their own words, masked for staff.

The contact fields are encrypted and masked (``crypto.mask_phone``), but people also write
"请打电话 138 1234 5678" or their ID number into the text of a complaint. This module finds
those numbers — mobiles (11 digits, 1[3-9]…, with or without +86), landlines with an area
code, 18-character resident ID numbers — written in half- or full-width digits, grouped with
spaces or dashes, and hides all but the ends of each, the way the contact fields are shown.
Ordinary numbers (amounts, dates, counts, house numbers) do not have these shapes and are
left alone. Masking keeps the text's length and every other character, so a masked text
reads and wraps like the original.
"""

from __future__ import annotations

import re
from typing import Any

from jishi.common.text import fold_aligned

# Numbers are looked for in ``fold_aligned`` text (full-width digits, dashes and brackets made
# ASCII one character for one), so positions found there are positions in the original.

_SEP = r"[ \-]?"  # one optional space or dash between groups
_NOT_DIGIT_BEFORE = r"(?<![0-9])"
_NOT_DIGIT_AFTER = r"(?![0-9])"

_MOBILE = re.compile(
    _NOT_DIGIT_BEFORE
    + r"(?:(?:\+|00)?86[ \-]?)?"
    + r"(?P<head>1[3-9][0-9])"
    + _SEP
    + r"[0-9]{4}"
    + _SEP
    + r"[0-9]{4}"
    + _NOT_DIGIT_AFTER
)
# 0 + a two- or three-digit area code (010, 0571), then seven or eight digits not starting
# with 0 or 1, e.g. 0731-8456 7890, (010)6552 9988, 075588889999.
_LANDLINE = re.compile(
    _NOT_DIGIT_BEFORE
    + r"(?:\(\s?)?(?P<head>0[1-9][0-9]{1,2})(?:\s?\))?"
    + _SEP
    + r"[2-9][0-9]{2,3}"
    + _SEP
    + r"[0-9]{4}"
    + _NOT_DIGIT_AFTER
)
# Eighteen characters, the last a digit or X, written with a space or dash between any two
# (people group them 6-8-4 or in fours); what counts is the shape once they are removed:
# region (6) + birth date (8: 18xx–20xx, a real month, a day 01–31) + sequence (3) + check.
_ID_NUMBER = re.compile(
    _NOT_DIGIT_BEFORE + r"(?P<head>[1-9](?:[ \-]?[0-9]){3})(?:[ \-]?[0-9]){13}[ \-]?[0-9Xx]"
    r"(?![0-9Xx])"
)
_ID_SHAPE = re.compile(
    r"[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]"
)
_PATTERNS = (_ID_NUMBER, _MOBILE, _LANDLINE)
KEEP_TAIL = 4
MASK = "*"


def _spans(narrow: str) -> list[tuple[int, int, int]]:
    """(start, end, end of the part left visible at the front) of every number found; an ID
    number wins over a phone number found inside it."""
    found: list[tuple[int, int, int]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for m in pattern.finditer(narrow):
            if pattern is _ID_NUMBER and not _ID_SHAPE.fullmatch(
                m.group().replace(" ", "").replace("-", "")
            ):
                continue
            if any(m.start() < end and start < m.end() for start, end in taken):
                continue
            found.append((m.start(), m.end(), m.end("head")))
            taken.append((m.start(), m.end()))
    return sorted(found)


def has_personal_numbers(text: str) -> bool:
    """Whether ``text`` holds a phone or ID number that :func:`mask_personal_numbers` hides."""
    return bool(text) and bool(_spans(fold_aligned(text)))


def mask_personal_numbers(text: str) -> str:
    """``text`` with every phone and ID number in it masked: the area code or the first
    digits and the last four stay, every other digit becomes ``*``."""
    if not text or not any(ch.isdigit() for ch in text):
        return text
    narrow = fold_aligned(text)
    spans = _spans(narrow)
    if not spans:
        return text
    out = list(text)
    for _start, end, head_end in spans:
        digits = [i for i in range(head_end, end) if narrow[i].isdigit() or narrow[i] in "Xx"]
        for i in digits[: max(0, len(digits) - KEEP_TAIL)]:
            out[i] = MASK
    return "".join(out)


def mask_value(value: Any) -> Any:
    """:func:`mask_personal_numbers` for a cell of any type (strings only are touched)."""
    return mask_personal_numbers(value) if isinstance(value, str) else value
