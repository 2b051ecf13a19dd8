"""``fold``, the one normaliser: what it folds, what it never touches, and its aligned twin."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jishi.common.text import fold, fold_aligned, search_key

FULL_WIDTH_ASCII = st.characters(min_codepoint=0xFF01, max_codepoint=0xFF5E)
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
ANY_TEXT = st.text(max_size=60)


@given(ANY_TEXT)
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@given(st.text(FULL_WIDTH_ASCII, max_size=40))
def test_full_width_letters_digits_and_punctuation_become_ascii(text: str) -> None:
    assert fold(text) == "".join(chr(ord(c) - 0xFEE0) for c in text)


@given(st.text(st.characters(max_codepoint=0x7F), max_size=60))
def test_ascii_is_left_alone(text: str) -> None:
    assert fold(text) == text


@given(st.text(CJK, max_size=60))
def test_chinese_characters_are_left_alone(text: str) -> None:
    assert fold(text) == text


def test_what_nfkc_does_and_what_it_is_given_on_top() -> None:
    assert fold("１３８\u3000１２３４\u00a0５６７８") == "138 1234 5678"
    assert fold("①②③") == "123"  # circled digits
    assert fold("0731—8456‐7890−1") == "0731-8456-7890-1"  # dashes and the minus sign
    assert fold("ＪＡ２６１２－７Ｑ４Ｋ") == "JA2612-7Q4K"
    assert fold("") == ""


@given(ANY_TEXT)
def test_fold_aligned_keeps_every_position(text: str) -> None:
    aligned = fold_aligned(text)
    assert len(aligned) == len(text)
    for original, folded in zip(text, aligned, strict=True):
        assert folded == original or folded == fold(original)


@given(st.text(st.one_of(FULL_WIDTH_ASCII, CJK, st.sampled_from("\u3000—‐−")), max_size=40))
def test_fold_aligned_agrees_with_fold_where_each_character_folds_to_one(text: str) -> None:
    assert fold_aligned(text) == fold(text)


def test_fold_aligned_keeps_characters_that_fold_to_several() -> None:
    assert fold_aligned("面积50㎡…") == "面积50㎡…"


def test_search_key_folds_simplifies_and_lowers() -> None:
    assert search_key("ＡＢＣ 東街") == "abc 东街"
