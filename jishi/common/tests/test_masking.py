"""Phone and ID numbers inside citizens' text: a table of what people type, and properties
over generated numbers, separators, widths and surrounding text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jishi.common.masking import has_personal_numbers, mask_personal_numbers, mask_value

FULL = str.maketrans({str(i): chr(0xFF10 + i) for i in range(10)} | {"X": "Ｘ", "-": "－"})


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("电话13812345678，谢谢", "电话138****5678，谢谢"),
        ("打 138 1234 5678 找我", "打 138 **** 5678 找我"),
        ("手机：138-1234-5678。", "手机：138-****-5678。"),
        ("+86 139 0000 1111", "+86 139 **** 1111"),
        ("8613900001111", "86139****1111"),
        ("１３８１２３４５６７８", "１３８****５６７８"),
        ("１３８－１２３４－５６７８", "１３８－****－５６７８"),
        ("座机0731-84567890", "座机0731-****7890"),
        ("（０１０）６５５２ ９９８８", "（０１０）**** ９９８８"),
        ("075588889999", "0755****9999"),
        ("身份证430102199001011234", "身份证4301**********1234"),
        ("身份证号43010219900101123X。", "身份证号4301**********123X。"),
        ("４３０１０２１９９００１０１１２３Ｘ", "４３０１**********１２３Ｘ"),
        ("430102 19900101 123x", "4301** ******** 123x"),
        ("4301 0219 9001 0112 34", "4301 **** **** **12 34"),
        ("两个号码13812345678和13900001111", "两个号码138****5678和139****1111"),
    ],
)
def test_numbers_people_type_are_masked(text: str, masked: str) -> None:
    assert mask_personal_numbers(text) == masked
    assert has_personal_numbers(text)


@pytest.mark.parametrize(
    "text",
    [
        "补偿款13800元，欠了三年",
        "金额 1,380,000.00 元",
        "2024-12-31 起停水",
        "2024年12月31日",
        "20241231",
        "12:30 到 18:00",
        "东街 138 号 2 单元 1201 室",
        "11 户 38 人",
        "138123456789",  # twelve digits: not a mobile
        "1381234567",  # ten
        "编号 123456789012345678",  # eighteen digits, but no birth date in it
        "430102 19901301 1234",  # month 13
        "订单 2024123112345678901",
        "15 20 30 40 50 6",
        "面积 0.5 亩，单价 0731 元",
        "",
    ],
)
def test_ordinary_numbers_are_left_alone(text: str) -> None:
    assert mask_personal_numbers(text) == text
    assert not has_personal_numbers(text)


def test_cells_that_are_not_text_pass_through() -> None:
    assert mask_value(13812345678) == 13812345678
    assert mask_value(None) is None
    assert mask_value("13812345678") == "138****5678"


# --- properties -------------------------------------------------------------------------

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)
mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text(alphabet="0123456789", min_size=9, max_size=9),
)
separators = st.sampled_from(["", " ", "-", "\u3000", "－"])
# Words around a number: anything but digits, X and the separators that could extend it.
words = st.text(
    alphabet=st.characters(
        categories=["Lo", "Po", "Ll", "Lu"],
        exclude_characters="0123456789Xx０１２３４５６７８９Ｘｘ",
    ),
    max_size=12,
)


def _id_numbers() -> st.SearchStrategy[str]:
    return st.builds(
        lambda region, year, month, day, seq, check: (
            f"{region}{year}{month:02d}{day:02d}{seq}{check}"
        ),
        st.integers(110000, 659999).map(str),
        st.integers(1900, 2025).map(str),
        st.integers(1, 12),
        st.integers(1, 28),
        st.text(alphabet="0123456789", min_size=3, max_size=3),
        st.sampled_from("0123456789X"),
    )


def _digits_of(text: str) -> str:
    narrow = text.translate({0xFF10 + i: str(i) for i in range(10)})
    return "".join(ch for ch in narrow if ch.isdigit() or ch in "Xx*Ｘ")


@settings(max_examples=150, deadline=None)
@given(before=words, after=words, mobile=mobiles, sep=separators, full=st.booleans())
def test_a_mobile_anywhere_keeps_only_its_ends(
    before: str, after: str, mobile: str, sep: str, full: bool
) -> None:
    number = f"{mobile[:3]}{sep}{mobile[3:7]}{sep}{mobile[7:]}"
    if full:
        number = number.translate(FULL)
    text = f"{before}{number}{after}"
    masked = mask_personal_numbers(text)
    assert len(masked) == len(text)
    assert masked.startswith(before) and masked.endswith(after)
    assert _digits_of(masked[len(before) : len(masked) - len(after)]).translate(
        {0xFF10 + i: str(i) for i in range(10)}
    ) == (mobile[:3] + "****" + mobile[7:])


@settings(max_examples=150, deadline=None)
@given(before=words, after=words, number=_id_numbers(), full=st.booleans())
def test_an_id_number_anywhere_keeps_only_its_ends(
    before: str, after: str, number: str, full: bool
) -> None:
    typed = number.translate(FULL) if full else number
    masked = mask_personal_numbers(f"{before}{typed}{after}")
    middle = masked[len(before) : len(before) + 18]
    assert middle[:4] == typed[:4] and middle[-4:] == typed[-4:]
    assert middle[4:14] == "*" * 10


@settings(max_examples=150, deadline=None)
@given(text=st.text(max_size=60))
def test_masking_keeps_length_and_is_idempotent(text: str) -> None:
    masked = mask_personal_numbers(text)
    assert len(masked) == len(text)
    assert mask_personal_numbers(masked) == masked
    # Only digits (and an ID's X) ever change, and only into the mask.
    for was, now in zip(text, masked, strict=True):
        assert was == now or now == "*"


@settings(max_examples=200, deadline=None)
@given(
    year=st.integers(1990, 2030),
    month=st.integers(1, 12),
    day=st.integers(1, 28),
    amount=st.integers(0, 9_999_999),
    cents=st.integers(0, 99),
)
def test_dates_and_amounts_are_never_masked(
    year: int, month: int, day: int, amount: int, cents: int
) -> None:
    for text in (
        f"{year}-{month:02d}-{day:02d}",
        f"{year}年{month}月{day}日",
        f"{year}{month:02d}{day:02d}",
        f"{amount}元",
        f"{amount:,}.{cents:02d} 元",
        f"{amount}.{cents:02d}",
    ):
        assert mask_personal_numbers(text) == text, text
