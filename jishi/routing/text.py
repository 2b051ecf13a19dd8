"""The Chinese text pipeline: normalise, mask, segment.

Two entry points produce the same kind of token list, so a model trained on one can be used
on the other: :func:`segment` for raw text as citizens write it, and
:func:`tokens_from_segmented` for text that arrives already segmented (space-separated
tokens, as in exported data sets). Both normalise first, so masking always happens before a
token can reach a model, a log or a vocabulary.

Segmentation uses jieba's algorithm and bundled dictionary. When the ``rjieba`` binding
(jieba-rs, the same dictionary and algorithm compiled) is installed it is used, because pure
Python jieba is the slowest step of the pipeline by far; otherwise the ``jieba`` package.
The dictionary is loaded once per process, offline, on first use.
"""

from __future__ import annotations

import html
import logging
import re
import sys
import threading
from collections.abc import Iterable
from typing import Any, Protocol

from jishi.common.text import fold, to_simplified

# --- normalisation ---------------------------------------------------------------------

_TAG = re.compile(r"<[^<>]{0,500}>")
# Spreadsheet exports write a line break inside a cell as "_x000D_" (Excel's escape for a
# control character); ledgers imported from Excel are full of them.
_EXCEL_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")
_SPACE = re.compile(r"\s+")
# Zero-width characters pasted from web pages and chat apps split words invisibly.
_ZERO_WIDTH = re.compile("[\u200b-\u200f\u2060\ufeff]")

PHONE_MASK = "[电话]"
ID_MASK = "[证件号]"
NUMBER_MASK = "[号码]"

# Digits are matched with explicit [0-9] (not \d, which also matches other scripts' digits)
# and fenced with look-arounds so a number inside a longer number is never half-masked.
_ID_NUMBER = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9])(?:(?:\+|00)?86[ -]?)?1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])")
_LANDLINE = re.compile(r"(?<![0-9])(?:[(（]?0[0-9]{2,3}[)）]?[ -]?)[2-9][0-9]{6,7}(?![0-9])")
# Anything else this long is a bank card, a licence or another personal number.
_LONG_NUMBER = re.compile(r"(?<![0-9])[0-9]{12,}(?![0-9])")


# A stretch that could hold a number worth masking: at least 8 characters of digits and the
# separators phone numbers are written with. The exact patterns run only inside such
# stretches, which is much cheaper than running four look-around patterns over every text.
_CANDIDATE = re.compile(r"[(（+]?[0-9][0-9 ()（）\-]{6,}[0-9Xx]")


def _mask_stretch(match: re.Match[str]) -> str:
    stretch = match.group()
    # ID numbers first: an 18-digit ID contains 11-digit runs that look like mobiles.
    stretch = _ID_NUMBER.sub(ID_MASK, stretch)
    stretch = _MOBILE.sub(PHONE_MASK, stretch)
    stretch = _LANDLINE.sub(PHONE_MASK, stretch)
    return _LONG_NUMBER.sub(NUMBER_MASK, stretch)


def mask_numbers(text: str) -> str:
    """Replace identity-card numbers, mobile and landline numbers and other long digit runs
    with placeholders. Run on half-width text (``normalize`` does so)."""
    if not text:
        return text
    return _CANDIDATE.sub(_mask_stretch, text)


# CJK Unified Ideographs (the Basic block, extension A and the supplementary-plane
# extensions) and the compatibility ideographs: every code point OpenCC's t2s could rewrite.
_IDEOGRAPHS = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x3134F),
)
_traditional: re.Pattern[str] | None = None


def _traditional_pattern() -> re.Pattern[str]:
    """A pattern matching any character that t2s changes on its own.

    Built once per process from the installed OpenCC (every ideograph converted in one call,
    about a tenth of a second), so it follows the dictionary's version. Supplementary-plane
    ideographs are rare and all taken as Traditional: one range keeps the character class a
    bitmap, which searches several times faster than OpenCC converts.
    """
    global _traditional
    if _traditional is None:
        chars = [chr(c) for low, high in _IDEOGRAPHS[:3] for c in range(low, high + 1)]
        converted = to_simplified("\n".join(chars)).split("\n")
        if len(converted) == len(chars):
            changed = "".join(c for c, s in zip(chars, converted, strict=True) if c != s)
            _traditional = re.compile(f"[{changed}\U00020000-\U0003134f]")
        else:  # cannot happen with a well-formed dictionary; convert everything then
            _traditional = re.compile(".", re.DOTALL)
    return _traditional


def normalize(text: str | None) -> str:
    """Markup and spreadsheet escapes stripped, full-width letters and digits made
    half-width, Traditional made Simplified, phone and ID numbers masked, whitespace
    collapsed to single spaces.

    Only text containing a Traditional character goes through OpenCC's t2s: the check is
    cheaper than the conversion, and t2s also rewrites a few Simplified phrases that are
    Traditional spellings of something else (it turns 打坏 "smashed" into 打坯 "beat clay
    into shape"), which Simplified text, nearly all of it, must not suffer.
    """
    if not text:
        return ""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    if "_x" in text:
        text = _EXCEL_ESCAPE.sub(" ", text)
    # Full-width letters and digits to ASCII, and the like (the one normaliser, common.text).
    text = fold(text)
    text = _ZERO_WIDTH.sub("", text)
    if _traditional_pattern().search(text):
        text = to_simplified(text)
    text = mask_numbers(text)
    return _SPACE.sub(" ", text).strip()


# --- token filtering -------------------------------------------------------------------

# A compact list of function words, pronouns, politeness formulas and connectives that
# carry no routing signal. Kept short on purpose: TF-IDF already discounts common words,
# and over-eager stopwords drop domain words. Negations go too: compounds that carry the
# meaning (不合格, 不作为) are single jieba words and stay.
_STOPWORD_TEXT = """
的 地 得 了 着 过 吗 呢 吧 啊 呀 哦 嘛 么 啦 哈 嗯 之 其 与 及 并
或 和 跟 同 而 且 则 在 于 从 自 向 往 对 把 被 让 给 为 由 以 按
按照 根据 通过 关于 对于 至于 至 到 比 是 有 没 没有 无 也 都 还 又 再
就 才 很 太 更 最 非常 十分 特别 比较 已 已经 曾 正在 将 要 会 能 能够
可 可以 可能 应 应该 应当 需 需要 想 愿 希望 请 请求 恳请 麻烦 谢谢 感谢
您好 你好 尊敬 领导 您 你 你们 我 我们 他 他们 她 她们 它 它们 咱 咱们
自己 大家 本人 这 那 这个 那个 这些 那些 这里 那里 这样 那样 这么 那么
什么 怎么 怎样 如何 为什么 哪 哪里 哪些 谁 多少 几 每 各 某 某些 一个
一些 一下 一直 一定 一样 一起 不 不是 不能 不会 不要 不但 而且 但 但是
可是 然而 因为 所以 因此 如果 假如 虽然 即使 只要 只有 除了 而是 还是 或者
以及 并且 然后 之后 之前 以后 以前 以上 以下 之间 当时 目前 现在 时候 问题
情况 事情 相关 有关 部门 进行 一 二 三 上 下 中 里 内 外 前 后 等 等等
些 个 来 去 说 做 看 让 使 使得 只 仅 即 便 却 也是 就是 还有 所 所有
其他 其它 另外 此 该 本 今 年 月 日 号 时 点 啊 哎 唉 喂 嗨 呵 哼
of the a an and or to in on at is are be
"""
STOPWORDS: frozenset[str] = frozenset(_STOPWORD_TEXT.split())

# Tokens made only of punctuation, symbols or spaces (any script).
_PUNCT_ONLY = re.compile(r"^[\W_]+$")


def _keep(token: str) -> bool:
    return bool(token) and token not in STOPWORDS and not _PUNCT_ONLY.match(token)


# raw token → filtered form ("" = dropped). Tokens repeat heavily (a few hundred thousand
# distinct ones in a year of cases), so a dictionary lookup replaces strip, lower, a set
# test and a regex per token. Cleared when large so memory stays bounded.
_filtered: dict[str, str] = {}
_FILTER_CACHE_MAX = 500_000


def _filter_one(raw: str) -> str:
    # strip("[] ") turns a masked "[电话]" arriving whole on the segmented path into the
    # same "电话" that the raw path gets when jieba splits off the brackets.
    token = raw.strip("[] \t\n").lower()
    # Interned: the model's vocabulary holds the same string objects, so looking a token up
    # there is a pointer comparison, not a read of another copy of the string.
    token = sys.intern(token) if _keep(token) else ""
    _filtered[raw] = token
    return token


def filter_tokens(tokens: Iterable[str]) -> list[str]:
    """Lower-case Latin letters, drop whitespace, punctuation and stopwords."""
    if len(_filtered) > _FILTER_CACHE_MAX:
        _filtered.clear()
    raw = tokens if isinstance(tokens, list) else list(tokens)
    # One C-level pass of lookups; Python runs only for tokens never seen before.
    found = list(map(_filtered.get, raw))
    if None in found:
        found = [_filter_one(t) if f is None else f for t, f in zip(raw, found, strict=True)]
    return list(filter(None, found))


# --- segmentation ----------------------------------------------------------------------


class _Backend(Protocol):
    def cut(self, text: str) -> list[str]: ...
    def set_words(self, words: frozenset[str]) -> None: ...


class _RustJieba:
    """jieba-rs through ``rjieba``: same dictionary and algorithm, about 40× faster."""

    name = "rjieba"

    def __init__(self) -> None:
        import rjieba  # noqa: PLC0415 (optional, faster segmenter; loaded when chosen)

        self._module = rjieba
        self._jieba = rjieba.Jieba()
        self._words: frozenset[str] = frozenset()

    def cut(self, text: str) -> list[str]:
        return self._jieba.cut(text)

    def set_words(self, words: frozenset[str]) -> None:
        if words == self._words:
            return
        # rjieba cannot delete a word, so a removed name needs a fresh dictionary; build it
        # aside and swap it in so concurrent callers never see a half-loaded one.
        fresh = self._module.Jieba() if self._words - words else self._jieba
        for word in sorted(words):
            fresh.add_word(word, None, None)
        self._jieba, self._words = fresh, words


class _PyJieba:
    """The reference pure-Python jieba."""

    name = "jieba"

    def __init__(self) -> None:
        import jieba  # noqa: PLC0415 (loaded when first text is segmented)

        # jieba prints "Building prefix dict…" on every process start; not worth a log line.
        jieba.setLogLevel(logging.WARNING)
        self._tokenizer: Any = jieba.Tokenizer()
        self._tokenizer.initialize()
        self._words: frozenset[str] = frozenset()

    def cut(self, text: str) -> list[str]:
        return self._tokenizer.lcut(text)

    def set_words(self, words: frozenset[str]) -> None:
        for word in self._words - words:
            self._tokenizer.del_word(word)
        for word in sorted(words - self._words):
            self._tokenizer.add_word(word)
        self._words = words


_backend: _Backend | None = None
_backend_lock = threading.Lock()
# Serialises dictionary rebuilds; segmenting itself takes no lock (a rebuild swaps in the
# new dictionary in one assignment).
_words_lock = threading.Lock()


def _segmenter() -> _Backend:
    global _backend
    if _backend is None:
        with _backend_lock:
            if _backend is None:
                try:
                    _backend = _RustJieba()
                except ImportError:
                    _backend = _PyJieba()
    return _backend


def segmenter_name() -> str:
    """Which implementation segments in this process ("rjieba" or "jieba")."""
    return getattr(_segmenter(), "name", "unknown")


def set_user_words(words: Iterable[str]) -> None:
    """Make ``words`` (unit, place and category names) single tokens from now on.

    Names are normalised first so a Traditional or full-width name matches the normalised
    text it will be looked up in. Called by :mod:`jishi.routing.lexicon`, not per request.
    """
    cleaned = frozenset(
        w for w in (normalize(word).replace(" ", "") for word in words) if len(w) >= 2
    )
    backend = _segmenter()
    with _words_lock:
        backend.set_words(cleaned)


def segment(text: str | None) -> list[str]:
    """Raw text → tokens: normalise, cut with jieba and the county's names, filter."""
    normal = normalize(text)
    if not normal:
        return []
    return filter_tokens(_segmenter().cut(normal))


def tokens_from_segmented(text: str | None) -> list[str]:
    """Already-segmented text (tokens separated by spaces) → tokens, filtered the same way
    as :func:`segment`; normalisation (and so masking) runs here too."""
    return filter_tokens(normalize(text).split(" "))


def document_tokens(title: str | None, text: str | None, township: str | None = None) -> list[str]:
    """The tokens the router sees for one case: title, text and, when known, a township
    marker (a token no segmentation can produce, so it never collides with a word)."""
    tokens = segment(f"{title or ''} {text or ''}")
    if township:
        tokens.append(township_token(township))
    return tokens


def township_token(township: str) -> str:
    """Feature marking the case's township (by code or name)."""
    return "township=" + normalize(township).replace(" ", "")
