"""Small text helpers shared by every app (the full routing pipeline lives in ``routing``)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from opencc import OpenCC


@lru_cache(maxsize=2)
def _converter(config: str) -> OpenCC:
    return OpenCC(config)


def to_traditional(text: str) -> str:
    """Simplified → Traditional, for names shown in the Traditional UI."""
    return _converter("s2t").convert(text) if text else ""


def to_simplified(text: str) -> str:
    """Traditional → Simplified; search and routing work on Simplified text."""
    return _converter("t2s").convert(text) if text else ""


_FULLWIDTH = {i: i - 0xFEE0 for i in range(0xFF01, 0xFF5F)}
_FULLWIDTH[0x3000] = 0x20


def search_key(text: str) -> str:
    """The form text is searched in: Simplified, half-width, lower case."""
    return to_simplified(text.translate(_FULLWIDTH)).lower() if text else ""


_KEPT_CONTROLS = frozenset("\t\n\r")


def strip_invisible(text: str) -> str:
    """Without the characters that change how text reads while showing nothing: format
    characters (right-to-left overrides, zero-width spaces and joiners, the byte-order mark,
    the soft hyphen) and control characters other than tab and newline (NUL included).

    A title with U+202E in it displays reversed in every list it appears in; these are never
    what a citizen meant to write, so they are dropped where text enters the ledger.
    """
    if not text or text.isprintable():
        return text
    return "".join(
        c for c in text if c in _KEPT_CONTROLS or unicodedata.category(c) not in ("Cf", "Cc", "Cs")
    )
