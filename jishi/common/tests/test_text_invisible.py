"""``strip_invisible``: nothing that displays as nothing survives; everything else does."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from jishi.common.text import strip_invisible


@given(st.text())
def test_no_format_or_control_character_survives(text: str) -> None:
    kept = strip_invisible(text)
    assert all(c in "\t\n\r" or unicodedata.category(c) not in ("Cf", "Cc", "Cs") for c in kept)
    assert strip_invisible(kept) == kept


@given(st.text(alphabet=st.characters(blacklist_categories=("Cf", "Cc", "Cs"))))
def test_visible_text_is_kept_as_written(text: str) -> None:
    assert strip_invisible(text) == text


def test_examples() -> None:
    assert strip_invisible("路灯\u202e坏了\u200b\ufeff") == "路灯坏了"
    assert strip_invisible("第一行\n第二行\t，。") == "第一行\n第二行\t，。"
    assert strip_invisible("\x00\x07") == ""
