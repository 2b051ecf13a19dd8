"""Duplicates on intake: open cases that say the same thing about the same place.

A new message is compared with the open cases of the last 30 days in the same township (or,
when both sides carry coordinates, within :data:`RADIUS_M` metres). Similarity is the mean
of two TF-IDF cosines over title and text: character bigrams (robust to the way Chinese
words are split, and to typos; trigrams added cost and no separation on the public set),
and the words of the routing pipeline (:func:`jishi.routing.text.segment`: normalised,
numbers masked, county names kept whole).

Speed: the candidate set comes from one indexed query (``case_township_state``; state open,
accepted in the window, newest :data:`CANDIDATE_CAP`). Each case's term counts are hashed
into a fixed feature space and cached per process, so a lookup segments only the new text;
IDF is computed over the candidates and the new text, in a few sparse-matrix operations.

The threshold (:data:`THRESHOLD`) was chosen on the public ``hot_messages.csv`` set; see
``bench/duplicates.py --calibrate`` for the procedure and the figures.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import scipy.sparse as sp
from django.db.models import FloatField, Q
from django.db.models.functions import Cast, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from sklearn.feature_extraction.text import HashingVectorizer

from jishi.cases.models import OPEN_STATES, Case, State
from jishi.common import clock
from jishi.orgs.models import Unit
from jishi.routing import text as pipeline

WINDOW_DAYS = 30
CANDIDATE_CAP = 500
RADIUS_M = 500.0
# Mean of the character-bigram and word cosines at or above which a case is shown as a
# likely duplicate. Chosen on hot_messages.csv (bench/duplicates.py): six groups of
# messages from many citizens about one matter (one compound's bundled parking spaces, one
# lending fraud …) against 4,168 unrelated messages. From 0.20 up no lookup among 500
# unrelated messages raised a false alarm (0.175: 4.9 %, 0.15: 8.1 %); 0.25 keeps a margin
# above that edge and still passes 40 % of same-matter pairs (50 % at 0.225). The pairs
# missed are mostly different grievances about the same compound, which a dispatcher would
# not merge anyway. A short paraphrase of one report ("东街路灯不亮" / "文化广场路灯坏了")
# scores about 0.33.
THRESHOLD = 0.25
# A shared village, or a location within NEAR_M metres, is evidence too; it lowers the bar
# by this much (never below the floor: the text must still be about the same thing).
PLACE_BONUS = 0.05
NEAR_M = 150.0
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


@dataclass(frozen=True)
class Match:
    case: Case
    score: float
    reasons: list[str] = field(default_factory=list)


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


def _pk(value: Unit | Case | int | None) -> int | None:
    if value is None:
        return None
    return value if isinstance(value, int) else value.pk


def _float(value: Decimal | float | str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class _Candidate:
    pk: int
    title: str
    head: str  # the first TEXT_CHARS characters of the text: all the features look at
    township_id: int | None
    village_id: int | None
    latitude: float | None
    longitude: float | None
    recency: int  # 0 = the newest candidate


def _candidates(
    *,
    township_id: int | None,
    village_id: int | None,
    lat: float | None,
    lon: float | None,
    exclude: Iterable[int],
    since: datetime,
    same_township_only: bool,
) -> list[_Candidate]:
    """The open cases to compare with, newest first, as plain tuples: building 500 model
    instances, and fetching whole texts of which only the start is used, cost more than
    the comparison itself."""
    place = Q()
    if township_id is not None:
        place |= Q(township_id=township_id)
    elif village_id is not None:
        place |= Q(village_id=village_id)
    if lat is not None and lon is not None and not same_township_only:
        # A bounding box (cheap, and a superset of the circle); the exact distance is
        # checked in Python on the few rows that come back.
        dlat = RADIUS_M / 111_320.0
        dlon = RADIUS_M / (111_320.0 * max(0.01, math.cos(math.radians(lat))))
        place |= Q(
            latitude__gte=lat - dlat,
            latitude__lte=lat + dlat,
            longitude__gte=lon - dlon,
            longitude__lte=lon + dlon,
        )
    if not place:
        return []
    qs = (
        Case.objects.filter(place, state__in=OPEN_STATES, accepted_at__gte=since)
        .exclude(pk__in=list(exclude))
        .order_by("-accepted_at", "-id")
    )
    # Only what the comparison needs, and no column whose conversion costs more than it
    # tells: aware datetimes and Decimals for 500 rows take longer than the query (the
    # order of the rows already says which is newer); coordinates only when the new
    # message has some, and then as floats.
    columns: list[Any] = ["id", "title", Substr("text", 1, TEXT_CHARS), "township_id", "village_id"]
    with_coords = lat is not None and lon is not None
    if with_coords:
        columns += [Cast("latitude", FloatField()), Cast("longitude", FloatField())]
    found = []
    for rank, row in enumerate(qs.values_list(*columns)[:CANDIDATE_CAP]):
        la, lo = (row[5], row[6]) if with_coords else (None, None)
        found.append(_Candidate(row[0], row[1], row[2] or "", row[3], row[4], la, lo, rank))
    return found


def similar_open_cases(
    *,
    title: str,
    text: str,
    township: Unit | int | None = None,
    village: Unit | int | None = None,
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
    exclude: Case | int | Iterable[Case | int] | None = None,
    limit: int = 5,
    threshold: float = THRESHOLD,
    same_township_only: bool = False,
) -> list[Match]:
    """Open cases of the last 30 days that are probably the same report, best first.

    Candidates are in the same township (or village, when no township is given) or, when
    coordinates are given, within :data:`RADIUS_M` metres. With no place at all nothing is
    returned: the same words about different places are different problems.
    ``same_township_only`` drops the coordinate route (used for what citizens may see).
    """
    if not (title or "").strip() and not (text or "").strip():
        return []
    if exclude is None:
        excluded: list[int] = []
    elif isinstance(exclude, Case | int):
        excluded = [_pk(exclude) or 0]
    else:
        excluded = [_pk(e) or 0 for e in exclude]
    township_id, village_id = _pk(township), _pk(village)
    lat, lon = _float(latitude), _float(longitude)
    since = clock.now() - timedelta(days=WINDOW_DAYS)
    cands = _candidates(
        township_id=township_id,
        village_id=village_id,
        lat=lat,
        lon=lon,
        exclude=excluded,
        since=since,
        same_township_only=same_township_only,
    )
    if not cands:
        return []

    distances: list[float | None] = []
    kept: list[_Candidate] = []
    for cand in cands:
        d = None
        if (
            lat is not None
            and lon is not None
            and cand.latitude is not None
            and cand.longitude is not None
        ):
            d = distance_m(lat, lon, cand.latitude, cand.longitude)
        same_place = township_id is not None and cand.township_id == township_id
        if not same_place and village_id is not None and cand.village_id == village_id:
            same_place = True
        # Reached through the bounding box only: keep it when really within the radius.
        if not same_place and (d is None or d > RADIUS_M):
            continue
        kept.append(cand)
        distances.append(d)
    if not kept:
        return []

    sims = text_similarity(
        (title or "", text or ""),
        [(c.title, c.head) for c in kept],
        keys=[c.pk for c in kept],
    )
    scored: list[tuple[float, _Candidate, list[str]]] = []
    for cand, sim, d in zip(kept, sims, distances, strict=True):
        sim = float(sim)
        bonus = 0.0
        reasons = [_("内容相似度 %(percent)d%%") % {"percent": round(sim * 100)}]
        if village_id is not None and cand.village_id == village_id:
            reasons.append(_("同一村(社区)"))
            bonus = PLACE_BONUS
        elif township_id is not None and cand.township_id == township_id:
            reasons.append(_("同一乡镇"))
        if d is not None:
            reasons.append(_("相距约 %(metres)d 米") % {"metres": round(d)})
            if d <= NEAR_M:
                bonus = PLACE_BONUS
        score = min(1.0, sim + bonus)
        if score >= threshold:
            scored.append((round(score, 4), cand, reasons))
    scored.sort(key=lambda x: (-x[0], x[1].recency))
    scored = scored[:limit]
    if not scored:
        return []
    # Whole cases only for the few that are shown.
    cases = Case.objects.select_related("township", "village").in_bulk([c.pk for _, c, _ in scored])
    return [
        Match(case=cases[c.pk], score=score, reasons=reasons)
        for score, c, reasons in scored
        if c.pk in cases
    ]


@dataclass(frozen=True)
class PublicHint:
    """What a citizen may see of another citizen's open case: nothing that identifies
    them, nothing internal."""

    code: str
    title: str
    status: str
    accepted_on: date


def public_duplicate_hints(
    *,
    title: str,
    text: str,
    township: Unit | int | None,
    village: Unit | int | None = None,
    limit: int = 3,
) -> list[PublicHint]:
    """Hints for the citizen submitting a message: "already reported — follow it instead?"

    Only cases of the same township, never through coordinates (which would cross
    township lines), and only the tracking code, the title with numbers masked, the
    public status and the acceptance date. Without a township there are no hints.
    """
    if township is None:
        return []
    matches = similar_open_cases(
        title=title,
        text=text,
        township=township,
        village=village,
        limit=limit,
        same_township_only=True,
    )
    township_id = _pk(township)
    return [
        PublicHint(
            code=m.case.code,
            title=pipeline.normalize(m.case.title),
            status=str(State(m.case.state).label),
            accepted_on=timezone.localdate(m.case.accepted_at),
        )
        for m in matches
        if m.case.township_id == township_id
    ]


def duplicates_for(user: Any, case: Case, *, limit: int = 5) -> list[Match]:
    """For staff looking at ``case``: likely duplicates among the cases this user may see
    (a merge needs both cases in view). Through :func:`cases_visible_to`, so a township
    handler is never shown a neighbour's case found through coordinates."""
    from jishi.cases.selectors import cases_visible_to

    matches = similar_open_cases(
        title=case.title,
        text=case.text,
        township=case.township_id,
        village=case.village_id,
        latitude=case.latitude,
        longitude=case.longitude,
        exclude=case.pk,
        limit=limit * 2,
    )
    if not matches:
        return []
    visible = set(
        cases_visible_to(user)
        .filter(pk__in=[m.case.pk for m in matches])
        .values_list("pk", flat=True)
    )
    return [m for m in matches if m.case.pk in visible][:limit]
