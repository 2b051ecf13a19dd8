"""Hostile and accidental input that once broke a page or was stored wrongly.

Each entry is replayed against every public form and filter by
``jishi/common/tests/test_ugly_inputs.py``: never a 500, nothing stored on error. Add the
next one here when it is found, with what it once did.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from io import BytesIO

from PIL import Image


@dataclass(frozen=True)
class Ugly:
    name: str
    value: str
    why: str


# Text typed into any field.
TEXTS: list[Ugly] = [
    Ugly("nul", "路灯坏了\x00三盏", "a NUL byte; Django's message said 'empty string'"),
    Ugly("only-nul", "\x00\x00", "nothing but NUL bytes"),
    Ugly("rtl-override", "路灯\u202e坏了\u202c", "a right-to-left override, stored raw"),
    Ugly("zero-width", "\u200b\u200c\u200d\ufeff路灯坏了\u2060", "zero-width characters"),
    Ugly("only-invisible", "\u200b\u202e\ufeff", "nothing visible at all"),
    Ugly("huge", "坏" * 6000, "over every length limit (the text field takes 5,000)"),
    Ugly("control", "路灯\x07\x1b[31m坏了", "terminal control characters"),
    Ugly("formula", '=HYPERLINK("http://x","点我")', "a spreadsheet formula"),
    Ugly("html", "<script>alert(1)</script>", "markup"),
    Ugly("sql", "' OR 1=1 --", "SQL"),
    Ugly("fullwidth", "ＡＢＣ１２３　，。", "full-width letters and digits"),
    Ugly("newlines", "\r\n\r\n\t", "whitespace only"),
]

# Text a spreadsheet program runs as a formula: each once reached the exported 台账 as typed,
# a live formula in the cell (OWASP "CSV injection"). Every export must write them inert.
FORMULAS: list[Ugly] = [
    Ugly("hyperlink", '=HYPERLINK("http://x","y")', "a live link in the exported ledger"),
    Ugly("plus", "+1+1", "a formula once the cell is edited, or the CSV opened"),
    Ugly("minus", "-2+3", "a formula that starts like a negative number"),
    Ugly("at", "@SUM(1)", "Lotus-style @ function"),
    Ugly("tab", "\t=1", "a tab before the sign (kept by a CSV; the services strip it)"),
    Ugly("carriage-return", "\r=1", "a carriage return before the sign"),
    Ugly("fullwidth-equals", "＝1+1", "the full-width sign a Chinese input method types"),
    Ugly("dde", "=cmd|' /C calc'!A0", "dynamic data exchange: starts a program on the desktop"),
]

# What people type where a phone number belongs.
PHONES: list[Ugly] = [
    Ugly("date", "2026-11-02", "a date, once accepted as an eight-digit phone"),
    Ugly("date-slash", "2026/11/2", "a date with slashes"),
    Ugly("date-chinese", "2026年11月2日", "a date in Chinese"),
    Ugly("too-short", "12345", "too few digits"),
    Ugly("letters", "call me", "no digits"),
    Ugly("id-number", "110101199003071234", "an ID number"),
]

# Dates typed into the ledger's filters.
DATES: list[Ugly] = [
    Ugly("year-1", "0001-01-01", "year 1: a 500 on the ledger and its export"),
    Ugly("year-9999", "9999-12-31", "year 9999: a 500 on the ledger and its export"),
    Ugly("not-a-date", "2026-13-45", "no such day"),
    Ugly("words", "昨天", "words"),
]

# Usernames typed into the sign-in form.
USERNAMES: list[Ugly] = [
    Ugly("long", "a" * 5000, "not length-checked before the database"),
    Ugly("nul", "admin\x00", "a NUL byte"),
]


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few hundred bytes whose header declares ``width`` × ``height`` pixels:
    a decompression bomb as far as any decoder that trusts the header is concerned."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    rows = zlib.compress(b"\x00" * 1024, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def image(fmt: str = "JPEG", size: tuple[int, int] = (32, 24), mode: str = "RGB") -> bytes:
    out = BytesIO()
    colour: tuple[int, ...] = (10, 120, 200, 0) if mode == "RGBA" else (10, 120, 200)
    Image.new(mode, size, colour).save(out, format=fmt)
    return out.getvalue()
