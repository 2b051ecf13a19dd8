"""The text pipeline: normalisation, masking, both segmentation paths."""

from __future__ import annotations

import pytest

from jishi.routing import text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("臺灣來的電話號碼與身份證", "台湾来的电话号码与身份证"),  # Traditional
        ("县住建局城关镇", "县住建局城关镇"),  # Simplified stays as it is
        # mixed; full-width punctuation folds too (dropped at segmentation either way)
        ("關於縣住建局的投訴，路燈壞了", "关于县住建局的投诉,路灯坏了"),
        ("路灯被打坏了", "路灯被打坏了"),  # Simplified text is not run through t2s at all
        ("路燈被打壞了", "路灯被打坏了"),
        ("\U00020000", "\U00020000"),  # a rare ideograph: converted (to itself)
        ("ＡＢＣ１２３ｘｙｚ　路灯", "ABC123xyz 路灯"),  # full-width letters, digits, space
        ("<p>路灯&nbsp;坏了</p>\n\n  <br/>三天了", "路灯 坏了 三天了"),  # markup, whitespace
        ("路\u200b灯坏了", "路灯坏了"),  # zero-width space
        ("路灯坏了。_x000D_\n三天了", "路灯坏了。 三天了"),  # a line break escaped by Excel
        ("", ""),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert text.normalize(raw) == expected


def test_normalize_accepts_none() -> None:
    assert text.normalize(None) == ""
    assert text.segment(None) == []


@pytest.mark.parametrize(
    "number",
    [
        "13812345678",
        "138-1234-5678",
        "138 1234 5678",
        "+86 13812345678",
        "８６１３８１２３４５６７８",  # full-width, with country code
    ],
)
def test_mobile_numbers_are_masked(number: str) -> None:
    masked = text.normalize(f"请回电{number}谢谢")
    assert masked == f"请回电{text.PHONE_MASK}谢谢"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("身份证430102199001011234", f"身份证{text.ID_MASK}"),
        ("身份证43010219900101123X号", f"身份证{text.ID_MASK}号"),
        ("身份证43010219900101123x", f"身份证{text.ID_MASK}"),
        ("老证430102900101123", f"老证{text.ID_MASK}"),  # 15-digit old ID
        ("座机0731-84567890", f"座机{text.PHONE_MASK}"),
        ("座机(0731)84567890", f"座机{text.PHONE_MASK}"),
        ("卡号6222021234567890123", f"卡号{text.NUMBER_MASK}"),
    ],
)
def test_other_numbers_are_masked(raw: str, expected: str) -> None:
    assert text.normalize(raw) == expected


@pytest.mark.parametrize("raw", ["3号楼201室", "2020年1月6日", "投诉120次", "面积85.5平方米"])
def test_ordinary_numbers_are_kept(raw: str) -> None:
    assert text.normalize(raw) == raw


def test_mask_numbers_alone_leaves_text_without_digits_untouched() -> None:
    assert text.mask_numbers("没有数字") == "没有数字"


def test_traditional_and_simplified_segment_alike() -> None:
    simplified = text.segment("小区门口的路灯坏了三个月，晚上出行很不方便")
    traditional = text.segment("小區門口的路燈壞了三個月，晚上出行很不方便")
    assert simplified == traditional
    assert "路灯" in simplified
    assert "的" not in simplified and "，" not in simplified


def test_full_width_and_half_width_segment_alike() -> None:
    assert text.segment("Ａ３区１０８路公交车") == text.segment("A3区108路公交车")


def test_segment_drops_stopwords_and_punctuation_and_lowercases() -> None:
    tokens = text.segment("我们希望WiFi信号！！！尽快……解决。")
    assert "wifi" in tokens
    assert "我们" not in tokens
    assert all(t.strip("！。…") for t in tokens)


def test_segmented_path_filters_like_the_raw_path() -> None:
    assert text.tokens_from_segmented("我们 小区 的 路灯 坏 了 ， 晚上 出行") == [
        "小区",
        "路灯",
        "坏",
        "晚上",
        "出行",
    ]
    # Normalisation runs on this path too: Traditional, full-width and numbers.
    assert text.tokens_from_segmented("路燈 ＷＩＦＩ 13812345678") == ["路灯", "wifi", "电话"]


def test_masked_number_gives_the_same_token_on_both_paths() -> None:
    raw = text.segment("电话13812345678")
    segmented = text.tokens_from_segmented("电话 13812345678")
    assert raw == segmented == ["电话", "电话"]


def test_user_words_become_single_tokens() -> None:
    before = text.segment("石桥岭镇的路灯坏了")
    text.set_user_words(["石桥岭镇"])
    try:
        assert "石桥岭镇" in text.segment("石桥岭镇的路灯坏了")
        assert "石桥岭镇" in text.segment("石橋嶺鎮的路燈壞了")  # Traditional input too
    finally:
        text.set_user_words([])
    assert text.segment("石桥岭镇的路灯坏了") == before


def test_document_tokens_marks_the_township() -> None:
    tokens = text.document_tokens("路灯坏了", "晚上很黑", township="城关镇")
    assert tokens[-1] == "township=城关镇"
    assert "路灯" in tokens
