"""Hotspots (热点): what many people are writing about in a period, ranked by heat.

:func:`find_hotspots` is pure (documents in, hotspots out) so it runs the same over the
ledger's cases (:mod:`jishi.cases.hotspots`) and over a CSV export (``manage.py hotspots``).

Method, chosen by reading the clusters it gives on the public ``hot_messages.csv``
(``bench/hotspots.py``):

- each message becomes a TF-IDF vector (sublinear term frequency) of the routing pipeline's
  words over its subject, counted twice, and the start of its text; words in more than
  a third of the messages are dropped, and so are words seen only once;
- agglomerative clustering, **average linkage on cosine distance**, cut at
  :data:`DISTANCE` (mean pairwise similarity of about 0.2 within a cluster). Average
  linkage does not chain the way single linkage (or DBSCAN's density reachability) does:
  one message mentioning both "物业" and "学校" does not join a compound's parking dispute
  to a school's fees; and no number of clusters has to be guessed beforehand.
- a cluster needs :data:`MIN_SIZE` messages to be a hotspot.

Heat = distinct citizens + a quarter for each repeated message of the same citizen +
2·ln(1 + likes), times (1 + growth) where growth is the relative increase over the same
topic in the previous period (capped at +100 %; previous messages are attached to the
current cluster whose centroid they are nearest to, when similar enough).
"""

from __future__ import annotations

import csv
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import TfidfVectorizer

from jishi.routing import text as pipeline

DISTANCE = 0.8
MIN_SIZE = 3
TEXT_CHARS = 300
# Previous-period messages join a current topic only when at least this similar to it.
PREVIOUS_SIMILARITY = 0.25
TITLE_CHARS = 40
# Clustering is quadratic in memory; a county's month is well below this.
MAX_DOCS = 8_000


@dataclass(frozen=True)
class Doc:
    id: int | str
    time: datetime | None
    title: str
    text: str
    place: str | None = None
    likes: int = 0
    citizen: str | None = None


@dataclass
class Hotspot:
    title: str
    keywords: list[str]
    score: float
    size: int
    citizens: int
    likes: int
    growth: float | None
    places: list[str]
    first_at: datetime | None
    last_at: datetime | None
    doc_ids: list[int | str] = field(default_factory=list)
    # The member subjects, most central first (for a person to judge the cluster).
    samples: list[str] = field(default_factory=list)


# Words of petitioning itself ("请加快…刻不容缓", "有何具体行动"): they recur across
# unrelated messages and, left in, gather a cluster of "requests to speed things up"
# about a dozen different matters. The pipeline's stopwords are for routing and keep them.
_GENERIC_TEXT = """
加快 力度 有何 刻不容缓 请问 咨询 反映 投诉 举报 建议 关于 请求 严重 希望
解决 尽快 何时 为什么 是否 能否 市民 群众 百姓 老百姓 政府 相关 落实 具体
行动 措施 要求 进一步 回复 答复 处理 领导 书记 市长 县长 谢谢 感谢 您好
你好 西地省 步伐 推进 加大
"""
_GENERIC = frozenset(_GENERIC_TEXT.split())
# Masked district codes of the public data set ("A3区" → "a3"): a place code, not a topic.
_CODE = re.compile(r"^[a-z]\d*$")


def _tokens(doc: Doc) -> list[str]:
    words = pipeline.segment(f"{doc.title} {doc.title} {(doc.text or '')[:TEXT_CHARS]}")
    return [w for w in words if w not in _GENERIC and not _CODE.match(w)]


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _vectorizer(n_docs: int) -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer=_identity,
        sublinear_tf=True,
        min_df=2 if n_docs >= 20 else 1,
        max_df=0.33 if n_docs >= 20 else 1.0,
    )


def _clusters(matrix: object, n: int, distance: float) -> np.ndarray:
    """Cluster labels (1-based) for the rows of an L2-normalised sparse matrix."""
    if n == 1:
        return np.ones(1, dtype=int)
    sims = (matrix @ matrix.T).toarray().astype(np.float64)  # type: ignore[attr-defined]
    dist = np.clip(1.0 - sims, 0.0, 2.0)
    np.fill_diagonal(dist, 0.0)
    condensed = squareform(dist, checks=False)
    tree = linkage(condensed, method="average")
    return np.asarray(fcluster(tree, t=distance, criterion="distance"))


def find_hotspots(
    docs: Sequence[Doc],
    *,
    previous: Sequence[Doc] | None = None,
    top: int = 10,
    distance: float | None = None,
    min_size: int = MIN_SIZE,
) -> list[Hotspot]:
    """The ``top`` hottest topics among ``docs``, hottest first."""
    docs = list(docs)[:MAX_DOCS]
    if len(docs) < min_size:
        return []
    token_lists = [_tokens(d) for d in docs]
    keep = [i for i, t in enumerate(token_lists) if t]
    if len(keep) < min_size:
        return []
    docs = [docs[i] for i in keep]
    token_lists = [token_lists[i] for i in keep]
    vectorizer = _vectorizer(len(docs))
    try:
        matrix = vectorizer.fit_transform(token_lists)
    except ValueError:  # an empty vocabulary after pruning
        return []
    vocab = np.array(vectorizer.get_feature_names_out())
    labels = _clusters(matrix, len(docs), DISTANCE if distance is None else distance)

    members: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        members.setdefault(int(label), []).append(i)
    groups = [(label, idx) for label, idx in members.items() if len(idx) >= min_size]
    if not groups:
        return []

    centroids = np.vstack([np.asarray(matrix[idx].mean(axis=0)).ravel() for _, idx in groups])
    norms = np.linalg.norm(centroids, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    centroids = centroids / norms

    previous_counts = np.zeros(len(groups))
    if previous:
        prev_tokens = [_tokens(d) for d in previous]
        prev = vectorizer.transform(prev_tokens)
        sims = np.asarray(prev @ centroids.T)
        best = sims.argmax(axis=1)
        for row, col in enumerate(best):
            if sims[row, col] >= PREVIOUS_SIMILARITY:
                previous_counts[col] += 1

    hotspots = []
    for g, (_, idx) in enumerate(groups):
        rows = matrix[idx]
        centrality = np.asarray(rows @ centroids[g]).ravel()
        order = [idx[k] for k in np.argsort(-centrality, kind="stable")]
        central = docs[order[0]]
        keywords = [str(w) for w in vocab[np.argsort(-centroids[g])[:5]] if w]
        citizens = {docs[i].citizen or f"doc:{docs[i].id}" for i in idx}
        likes = sum(max(0, docs[i].likes or 0) for i in idx)
        growth: float | None = None
        if previous:
            before = previous_counts[g]
            growth = (len(idx) - before) / max(before, 1.0)
        heat = len(citizens) + 0.25 * (len(idx) - len(citizens)) + 2.0 * math.log1p(likes)
        if growth is not None:
            heat *= 1.0 + max(-0.5, min(1.0, growth))
        times = [t for t in (docs[i].time for i in idx) if t is not None]
        places = Counter(p for p in (docs[i].place for i in idx) if p)
        hotspots.append(
            Hotspot(
                title=_title(central.title, keywords),
                keywords=keywords,
                score=round(heat, 2),
                size=len(idx),
                citizens=len(citizens),
                likes=likes,
                growth=None if growth is None else round(growth, 3),
                places=[p for p, _ in places.most_common(5)],
                first_at=min(times) if times else None,
                last_at=max(times) if times else None,
                doc_ids=[docs[i].id for i in order],
                samples=[docs[i].title for i in order[:5]],
            )
        )
    hotspots.sort(key=lambda h: (-h.score, -h.size))
    return hotspots[:top]


_TITLE_NOISE = re.compile(r"^(关于|反映|投诉|举报|咨询|建议|请问|请求|恳请)+")


def _title(subject: str, keywords: list[str]) -> str:
    """The most central message's subject, without its opening formula and with numbers
    masked; the top keywords when the subject is empty."""
    title = _TITLE_NOISE.sub("", pipeline.normalize(subject)).strip(" ：:，,。！!？?")
    if not title:
        title = "、".join(keywords[:3])
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1] + "…"
    return title


# --- CSV input (exports and the public evaluation set) -------------------------------

_DISTRICT = re.compile(r"[A-Z]\d*[区县市]")
_NAMED_PLACE = re.compile(
    r"[\u4e00-\u9fa5A-Za-z0-9]{2,10}?(?:小区|花园|家园|公寓|新城|苑|社区|村|镇|街道|中学|小学|学校|幼儿园|医院|路|大道)"
)
_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d")


def parse_time(value: str | None) -> datetime | None:
    value = (value or "").strip()
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    return None


def place_of(subject: str, body: str) -> str | None:
    """The place a message names: its district and, when the subject names one, the
    compound, village, school or road (the subject says what the message is about)."""
    district = _DISTRICT.search(subject) or _DISTRICT.search(body)
    named = _NAMED_PLACE.search(_DISTRICT.sub(" ", subject))
    parts = [m.group() for m in (district, named) if m]
    return "".join(parts) or None


def read_docs(path: str | Path) -> list[Doc]:
    """Messages of a CSV with columns id, time, subject, body and optionally likes and
    citizen (``hot_messages.csv`` has the first five)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    docs: list[Doc] = []
    for row in rows:
        subject, body = row.get("subject") or "", row.get("body") or ""
        try:
            likes = int(row.get("likes") or 0)
        except ValueError:
            likes = 0
        docs.append(
            Doc(
                id=row.get("id") or str(len(docs) + 1),
                time=parse_time(row.get("time")),
                title=subject,
                text=body,
                place=place_of(subject, body),
                likes=likes,
                citizen=row.get("citizen") or None,
            )
        )
    return docs
