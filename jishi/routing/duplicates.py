"""Text similarity for duplicate finding: how alike two short Chinese messages are.

Similarity is the mean of two TF-IDF cosines over title and text: character bigrams (robust
to the way Chinese words are split, and to typos; trigrams added cost and no separation on
the public set), and the words of the routing pipeline (:func:`jishi.routing.text.segment`:
normalised, numbers masked, county names kept whole).

Speed: each document's term counts are hashed into a fixed feature space and, when the
caller gives stable keys (case ids), cached per process, so a lookup segments only the new
text; IDF comes from the cached documents, in a few sparse-matrix operations.

Which documents to compare (open cases nearby) is the ledger's business:
:mod:`jishi.cases.duplicates`.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from jishi.routing import text as pipeline

TEXT_CHARS = 400

_N_FEATURES = 2**18
_CHARS = HashingVectorizer(
    analyzer="char",
    ngram_range=(2, 2),
    n_features=_N_FEATURES,
    alternate_sign=False,
    norm=None,
)
_WORDS = HashingVectorizer(
    analyzer=lambda tokens: tokens,
    n_features=_N_FEATURES,
    alternate_sign=False,
    norm=None,
)
# Punctuation and spaces make character n-grams that carry nothing ("，请", "。 ").
_NOT_TEXT = re.compile(r"[\W_]+")


def _features(title: str, body: str) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Raw term counts (sublinear) of one document: (char n-grams, words).

    The title counts twice (it is the message's own summary), and only the first
    :data:`TEXT_CHARS` characters of the text: a report says what and where first, and a
    long petition's later paragraphs would otherwise dominate both cost and score.
    """
    doc = pipeline.normalize(f"{title} {title} {(body or '')[:TEXT_CHARS]}")
    chars = _CHARS.transform([_NOT_TEXT.sub("", doc)])
    words = _WORDS.transform([pipeline.segment(doc)])
    for m in (chars, words):
        np.log1p(m.data, out=m.data)
    return chars.tocsr(), words.tocsr()


class _Entry:
    """One case's hashed term counts, and its IDF-weighted form for one IDF version."""

    __slots__ = (
        "c_data",
        "c_idx",
        "c_norm",
        "c_w",
        "digest",
        "version",
        "w_data",
        "w_idx",
        "w_norm",
        "w_w",
    )

    def __init__(self, digest: int, chars: sp.csr_matrix, words: sp.csr_matrix) -> None:
        self.digest = digest
        self.c_idx, self.c_data = chars.indices, chars.data
        self.w_idx, self.w_data = words.indices, words.data
        self.version = -1
        self.c_w = self.w_w = np.zeros(0)
        self.c_norm = self.w_norm = 1.0

    def weigh(self, version: int, char_idf: np.ndarray, word_idf: np.ndarray) -> None:
        self.c_w = self.c_data * char_idf[self.c_idx]
        self.w_w = self.w_data * word_idf[self.w_idx]
        self.c_norm = float(np.sqrt(np.dot(self.c_w, self.c_w))) or 1.0
        self.w_norm = float(np.sqrt(np.dot(self.w_w, self.w_w))) or 1.0
        self.version = version


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    return np.log((1.0 + n_docs) / (1.0 + df)) + 1.0


class _FeatureCache:
    """Per-process LRU of hashed term counts per case, keyed by id and a digest of the text
    (so an edited title or text is never matched on stale features).

    It also keeps the document frequency of every feature over the cached cases, which is
    where IDF comes from: the recent cases of the townships this process has looked at.
    IDF over the candidates alone would be wrong exactly when it matters most: when twenty
    people report the same thing, its words are common among the candidates and would be
    discounted as if they were boilerplate.

    The IDF table is rebuilt when the cached set has changed by more than a few percent
    (or a minute has passed), not at every insert: a slightly stale IDF changes scores in
    the third decimal, and a stable table lets each case keep its weighted vector and norm
    between lookups, which is most of the work of a lookup.
    """

    def __init__(self, size: int = 20_000) -> None:
        self._size = size
        self._rows: OrderedDict[int, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.char_df = np.zeros(_N_FEATURES, dtype=np.int32)
        self.word_df = np.zeros(_N_FEATURES, dtype=np.int32)
        self._changes = 0
        self._built_at = 0.0
        self._version = 0
        self._char_idf: np.ndarray | None = None
        self._word_idf = np.zeros(0)

    def __len__(self) -> int:
        return len(self._rows)

    def get(self, pk: int, title: str, body: str) -> _Entry:
        digest = hash((title, body))
        with self._lock:
            hit = self._rows.get(pk)
            if hit is not None and hit.digest == digest:
                self._rows.move_to_end(pk)
                return hit
        entry = _Entry(digest, *_features(title, body))
        with self._lock:
            old = self._rows.pop(pk, None)
            if old is not None:
                self._count(old, -1)
            self._rows[pk] = entry
            self._count(entry, +1)
            while len(self._rows) > self._size:
                self._count(self._rows.popitem(last=False)[1], -1)
        return entry

    def _count(self, entry: _Entry, sign: int) -> None:
        self.char_df[entry.c_idx] += sign
        self.word_df[entry.w_idx] += sign
        self._changes += 1

    def idf(self) -> tuple[int, np.ndarray, np.ndarray]:
        """(version, char IDF, word IDF) over the cached cases, rebuilt when stale."""
        with self._lock:
            stale = self._changes > max(20, len(self._rows) // 20) or (
                self._changes and time.monotonic() - self._built_at > 60
            )
            if self._char_idf is None or stale or (self._changes and len(self._rows) < 200):
                n = len(self._rows)
                self._char_idf = _idf(self.char_df, n)
                self._word_idf = _idf(self.word_df, n)
                self._version += 1
                self._changes = 0
                self._built_at = time.monotonic()
            return self._version, self._char_idf, self._word_idf

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()
            self.char_df[:] = 0
            self.word_df[:] = 0
            self._char_idf = None
            self._changes = 0


_cache = _FeatureCache()


def clear_cache() -> None:
    _cache.clear()


_local = threading.local()


def _scratch() -> np.ndarray:
    array: np.ndarray | None = getattr(_local, "scratch", None)
    if array is None:
        array = _local.scratch = np.zeros(_N_FEATURES, dtype=np.float64)
    return array


def _cosines(
    q_idx: np.ndarray,
    q_w: np.ndarray,
    rows_idx: list[np.ndarray],
    rows_w: list[np.ndarray],
    norms: np.ndarray,
) -> np.ndarray:
    """Cosine of a weighted query against weighted rows of known norms.

    Done on the raw arrays (one concatenation, one gather, one segment sum) rather than by
    stacking sparse matrices: scipy's generic paths cost several times more at a few
    hundred rows in a 2**18-wide space.
    """
    n = len(rows_idx)
    q_norm = float(np.sqrt(np.dot(q_w, q_w)))
    if n == 0 or q_norm == 0:
        return np.zeros(n)
    indices = np.concatenate(rows_idx)
    weighted = np.concatenate(rows_w)
    lengths = np.fromiter((len(r) for r in rows_idx), dtype=np.int64, count=n)
    # The query as a dense vector in a per-thread scratch array, zeroed again after use:
    # one gather then replaces a search per stored feature.
    scratch = _scratch()
    scratch[q_idx] = q_w
    try:
        shared = scratch[indices]
    finally:
        scratch[q_idx] = 0.0
    row_id = np.repeat(np.arange(n), lengths)
    dots = np.bincount(row_id, weights=weighted * shared, minlength=n)
    return np.asarray(dots / (norms * q_norm))


def text_similarity(
    query: tuple[str, str], others: list[tuple[str, str]], *, keys: list[int] | None = None
) -> np.ndarray:
    """Similarity (0–1) of one (title, text) to each of ``others``: the mean of the char
    n-gram and word TF-IDF cosines.

    With ``keys`` (case ids) the per-case cache is used and IDF comes from every cached
    case; without, IDF comes from ``others`` and the query (for offline evaluation).
    """
    if not others:
        return np.zeros(0)
    q_chars, q_words = _features(*query)
    if keys is not None:
        entries = [_cache.get(k, t, b) for k, (t, b) in zip(keys, others, strict=True)]
        version, char_idf, word_idf = _cache.idf()
    else:
        entries = [_Entry(0, *_features(t, b)) for t, b in others]
        char_df = np.zeros(_N_FEATURES, dtype=np.int32)
        word_df = np.zeros(_N_FEATURES, dtype=np.int32)
        for e in entries:
            char_df[e.c_idx] += 1
            word_df[e.w_idx] += 1
        char_df[q_chars.indices] += 1
        word_df[q_words.indices] += 1
        version = 0
        char_idf = _idf(char_df, len(entries) + 1)
        word_idf = _idf(word_df, len(entries) + 1)
    for e in entries:
        if e.version != version or keys is None:
            e.weigh(version, char_idf, word_idf)
    char_sim = _cosines(
        q_chars.indices,
        q_chars.data * char_idf[q_chars.indices],
        [e.c_idx for e in entries],
        [e.c_w for e in entries],
        np.fromiter((e.c_norm for e in entries), dtype=np.float64, count=len(entries)),
    )
    word_sim = _cosines(
        q_words.indices,
        q_words.data * word_idf[q_words.indices],
        [e.w_idx for e in entries],
        [e.w_w for e in entries],
        np.fromiter((e.w_norm for e in entries), dtype=np.float64, count=len(entries)),
    )
    return np.asarray((char_sim + word_sim) / 2.0)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))
