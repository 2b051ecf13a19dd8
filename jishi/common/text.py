"""Small text helpers shared by every app (the full routing pipeline lives in ``routing``)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from django.utils import translation
from django.utils.translation import get_language
from opencc import OpenCC


@lru_cache(maxsize=2)
def _converter(config: str) -> OpenCC:
    return OpenCC(config)


def to_traditional(text: str) -> str:
    """Simplified → Traditional, for names shown in the Traditional UI."""
    return _converter("s2t").convert(text) if text else ""


def is_traditional() -> bool:
    """Whether the reader chose Traditional Chinese."""
    return (get_language() or "").lower() in {"zh-hant", "zh-tw", "zh-hk", "zh-mo"}


@lru_cache(maxsize=4096)
def _traditional(name: str) -> str:
    return to_traditional(name)


def name_in_script(name: str) -> str:
    """A name stored in Simplified Chinese (a category, a unit's name as an event recorded
    it, a hotspot's places) in the reader's script."""
    if name and is_traditional():
        return _traditional(name)
    return name


def source_text(text: Any) -> str:
    """A translatable string as the source writes it (Simplified Chinese), whatever language
    the reader chose: for words that are stored (a clock's rule, an event's payload) or that go
    into a message which is itself written in Chinese only."""
    with translation.override(None):
        return str(text)


def to_simplified(text: str) -> str:
    """Traditional → Simplified; search and routing work on Simplified text."""
    return _converter("t2s").convert(text) if text else ""


# What NFKC leaves alone but a reader takes for the plain character: the dashes and the minus
# sign people type between the groups of a phone number or an ID.
_DASHES = str.maketrans(dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63", "-"))


def fold(text: str) -> str:
    """The one normaliser for comparing, searching and parsing what people typed.

    Unicode NFKC (full-width letters, digits and punctuation to ASCII, the ideographic and
    no-break spaces to a space, circled and superscript digits to digits, compatibility
    ideographs to the unified ones), then every dash and the minus sign to ``-``.

    Never applied to what is stored or shown: people's words are kept as written; this gives
    search keys, phone digits, ID numbers, filter values and the router's input.
    """
    if not text or text.isascii():
        return text
    return unicodedata.normalize("NFKC", text).translate(_DASHES)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    folded = fold(char)
    return folded if len(folded) == 1 else char


def fold_aligned(text: str) -> str:
    """``fold`` character by character, keeping the length: position *i* of the result is
    position *i* of ``text``, so a match found in the folded text can be marked in the
    original. A character whose fold is longer or empty (``㎡``, ``…``) is kept as it is."""
    if not text or text.isascii():
        return text
    return "".join(_fold_char(c) for c in text)


def search_key(text: str) -> str:
    """The form text is searched in: folded (``fold``), Simplified, lower case."""
    return to_simplified(fold(text)).lower() if text else ""


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
