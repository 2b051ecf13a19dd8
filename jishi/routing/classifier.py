"""The router's classifier: TF-IDF over word uni- and bigrams plus character bigrams →
linear SVM (one-vs-rest, C=1, balanced class weights), Platt-calibrated.

Chosen on 5-fold cross-validation of the public labelled data (``bench/router_quality.py``
prints the comparison): character bigrams add about one point of macro-F1 over words alone
and make the model tolerant of segmentation differences; balanced class weights with C=1
add about 0.3 point over C=0.5 unweighted (0.9247 → 0.9275), so small categories are not
drowned out. Character unigrams on top scored 0.9290, within the folds' noise, for longer
training; character trigrams scored lower; SGD ensembles added a few thousandths at most
for several times the training time, which matters for the "retrain on 100k cases in under
two minutes" budget.

Input is a list of tokens per document (see :mod:`jishi.routing.text`), so the same model
serves raw text and already-segmented text.

How it is computed, and why not with scikit-learn's vectoriser:

- n-grams are never built as strings. A word is looked up once in the vocabulary; a word
  bigram is the pair of the two words' numbers, a character bigram the pair of the two code
  points, each packed into one integer and found in a sorted array with ``searchsorted``.
  The same code turns one document or a whole training set into a TF-IDF matrix
  (sublinear tf, smooth idf, L2 rows: scikit-learn's ``TfidfVectorizer`` numbers, which
  ``test_classifier`` checks), an order of magnitude faster than a Python analyzer.
- Identical documents (same tokens, same label) are fitted once with their count as sample
  weight, which is the same SVM objective as fitting every copy. Ledgers repeat themselves
  (forwarded and re-submitted cases), and resampled benchmarks even more.
- Calibration is what ``CalibratedClassifierCV(method="sigmoid", ensemble=False)`` does:
  out-of-fold SVM scores (stratified folds) fit one sigmoid per class, and the answering
  SVM is fitted on all the data; here on the one precomputed matrix. The sigmoids count
  each distinct document once: a copy's held-out score is the same number again, and
  counting it k times would only make Platt's prior k times surer (a cold-start model
  trained on a few repeated examples would claim 99.99%).

Privacy: only normalised (masked) tokens ever reach the model, terms seen in fewer than
``min_df`` distinct documents are not kept (a repeated document does not count twice), and
the artifact holds the kept vocabulary and numbers only: no list of dropped terms, and no
pickle (a NumPy ``.npz`` read with ``allow_pickle=False``; format 1, pickled scikit-learn
objects, is refused unread — retrain such a version).

Against a scikit-learn ``Pipeline`` of the same features and the same calibrated SVM, saved
with joblib (``bench/fastpaths.py router``): the same accuracy, a prediction 5× faster
alone and 1.9× in a batch of twenty (segmentation included), an artifact half the size that
loads 17× faster; fitting is 1.7× faster on the public set and level at 20,000 documents.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

# 1 was pickled scikit-learn objects (refused: loading a pickle runs code); 2: .npz.
ARTIFACT_FORMAT = 2

Tokens = Sequence[str]

# Code points fit in 21 bits, so up to three characters pack into one int64 key.
_CHAR_BITS = 21


def word_ngrams(tokens: Tokens) -> list[str]:
    """Unigrams and adjacent-pair bigrams as strings."""
    grams = list(tokens)
    grams.extend([f"{a} {b}" for a, b in itertools.pairwise(tokens)])
    return grams


def word_and_char_ngrams(tokens: Tokens) -> list[str]:
    """:func:`word_ngrams` plus "#"-prefixed character bigrams of the joined tokens: the
    terms the model uses, as strings (scikit-learn's analyzer in the tests and the bench,
    the reference the packed integers are checked against)."""
    grams = word_ngrams(tokens)
    joined = "".join(tokens)
    grams.extend(["#" + joined[i : i + 2] for i in range(len(joined) - 1)])
    return grams


# --- features ----------------------------------------------------------------------------


def _flatten(documents: Sequence[Tokens]) -> tuple[list[str], np.ndarray | None]:
    """All tokens in one list, and the document each comes from (None for one document:
    the single-document path skips every "same document?" test)."""
    if len(documents) == 1:
        return list(documents[0]), None
    lengths = np.fromiter(map(len, documents), dtype=np.int64, count=len(documents))
    flat = list(itertools.chain.from_iterable(documents))
    return flat, np.repeat(np.arange(len(documents), dtype=np.int64), lengths)


Block = tuple[np.ndarray | None, np.ndarray]


def _ngram_keys(
    tokens: list[str],
    ids: np.ndarray,
    doc_of: np.ndarray | None,
    n_words: int,
    char_sizes: tuple[int, ...],
) -> list[Block]:
    """(document, key) arrays for word bigrams, then for each character n-gram size
    (document None when ``doc_of`` is None, i.e. for one document).

    ``ids`` are word numbers (-1 for words outside the vocabulary): a bigram with an unknown
    word cannot be in the vocabulary either (its document frequency is at most the word's).
    Character n-grams run over each document's tokens joined without spaces, and never
    across two documents.
    """
    first, second = ids[:-1], ids[1:]
    ok = (first >= 0) & (second >= 0)
    if doc_of is not None:
        ok &= doc_of[:-1] == doc_of[1:]
    blocks: list[Block] = [
        (None if doc_of is None else doc_of[:-1][ok], first[ok] * n_words + second[ok])
    ]
    if not char_sizes:
        return blocks
    joined = "".join(tokens).encode("utf-32-le", "surrogatepass")
    codes = np.frombuffer(joined, dtype="<u4").astype(np.int64)
    char_doc = None
    if doc_of is not None:
        lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        char_doc = np.repeat(doc_of, lengths)
    for size in char_sizes:
        count = max(len(codes) - size + 1, 0)
        keys = codes[:count].copy()
        for offset in range(1, size):
            keys <<= _CHAR_BITS
            keys |= codes[offset : offset + count]
        if char_doc is None:
            blocks.append((None, keys))
        else:
            ok = char_doc[:count] == char_doc[size - 1 : size - 1 + count]
            blocks.append((char_doc[:count][ok], keys[ok]))
    return blocks


def _find(table: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``keys`` in the sorted ``table`` and which of them are there."""
    if len(table) == 0 or len(keys) == 0:
        return np.zeros(len(keys), np.int64), np.zeros(len(keys), dtype=bool)
    pos = np.searchsorted(table, keys)
    np.minimum(pos, len(table) - 1, out=pos)
    return pos, table[pos] == keys


def _document_frequency(
    doc: np.ndarray, keys: np.ndarray, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct keys, in how many documents each occurs, and those documents' total weight.

    ``doc`` must be non-decreasing (as :func:`_ngram_keys` makes it), so one stable sort by
    key leaves every key's documents in order and repeats side by side.
    """
    if len(keys) == 0:
        return keys, np.zeros(0, np.int64), np.zeros(0)
    doc_bits = max(len(weights).bit_length(), 1)
    if int(keys.max()) < 1 << (63 - doc_bits):
        # One plain sort of (key, document) packed into one integer is the fastest way.
        packed = np.sort((keys << doc_bits) | doc)
        sorted_keys, sorted_docs = packed >> doc_bits, packed & ((1 << doc_bits) - 1)
    else:
        order = np.argsort(keys, kind="stable")
        sorted_keys, sorted_docs = keys[order], doc[order]
    new_key = np.empty(len(sorted_keys), dtype=bool)
    new_key[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=new_key[1:])
    new_pair = new_key.copy()
    new_pair[1:] |= sorted_docs[1:] != sorted_docs[:-1]
    key_index = (np.cumsum(new_key) - 1)[new_pair]
    unique = sorted_keys[new_key]
    df = np.bincount(key_index, minlength=len(unique))
    weighted = np.bincount(key_index, weights=weights[sorted_docs[new_pair]], minlength=len(unique))
    return unique, df, weighted


@dataclass
class _Features:
    """The vocabulary and idf: token lists → TF-IDF rows.

    Columns: words (``words`` values), then word bigrams (``pairs``: sorted keys
    ``first_word * len(words) + second_word``), then one block per character n-gram size
    (sorted keys of packed code points).
    """

    words: dict[str, int]
    pairs: np.ndarray
    char_sizes: tuple[int, ...]
    chars: list[np.ndarray]
    idf: np.ndarray

    @property
    def n_features(self) -> int:
        return len(self.idf)

    @classmethod
    def learn(
        cls,
        documents: Sequence[Tokens],
        weights: np.ndarray,
        *,
        min_df: int,
        char_sizes: tuple[int, ...],
    ) -> _Features:
        """Keep terms found in at least ``min_df`` of the (distinct) documents; idf from
        the weighted counts, so a document of weight k counts as k copies."""
        flat, single = _flatten(documents)
        doc_of = np.zeros(len(flat), dtype=np.int64) if single is None else single
        index = {token: i for i, token in enumerate(dict.fromkeys(flat))}
        token_ids = np.fromiter(map(index.__getitem__, flat), dtype=np.int64, count=len(flat))
        ids, word_df, word_weight = _document_frequency(doc_of, token_ids, weights)
        keep = word_df >= min_df
        by_id = list(index)
        # Interned, like the tokens text.filter_tokens returns: lookups compare pointers.
        words = {sys.intern(by_id[i]): col for col, i in enumerate(ids[keep].tolist())}
        renumber = np.full(len(index), -1, dtype=np.int64)
        renumber[ids[keep]] = np.arange(len(words), dtype=np.int64)
        weight_parts = [word_weight[keep]]
        tables = []
        for doc, keys in _ngram_keys(flat, renumber[token_ids], doc_of, len(words), char_sizes):
            assert doc is not None  # several documents: every key has its document
            unique, df, weighted = _document_frequency(doc, keys, weights)
            keep = df >= min_df
            tables.append(unique[keep])
            weight_parts.append(weighted[keep])
        total = float(weights.sum())
        idf = np.log((1.0 + total) / (1.0 + np.concatenate(weight_parts))) + 1.0
        return cls(
            words=words,
            pairs=tables[0],
            char_sizes=char_sizes,
            chars=tables[1:],
            idf=idf,
        )

    def entries(self, documents: Sequence[Tokens]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Non-zero TF-IDF entries (rows, columns, values), sorted by row then column."""
        n = len(documents)
        flat, doc_of = _flatten(documents)
        ids = np.fromiter(
            map(self.words.get, flat, itertools.repeat(-1)), dtype=np.int64, count=len(flat)
        )
        known = ids >= 0
        col_parts, row_parts = [ids[known]], [None if doc_of is None else doc_of[known]]
        offset = len(self.words)
        blocks = _ngram_keys(flat, ids, doc_of, len(self.words), self.char_sizes)
        for (doc, keys), table in zip(blocks, [self.pairs, *self.chars], strict=True):
            # Ascending keys let each binary search start where the last one ended, which
            # touches fewer cache lines.
            if doc is None:
                keys = np.sort(keys)
            else:
                order = np.argsort(keys)
                keys, doc = keys[order], doc[order]
            pos, hit = _find(table, keys)
            col_parts.append(pos[hit] + offset)
            row_parts.append(None if doc is None else doc[hit])
            offset += len(table)
        if doc_of is None:
            cols, counts = np.unique(np.concatenate(col_parts), return_counts=True)
            rows = np.zeros(len(cols), dtype=np.int64)
        else:
            n_features = max(self.n_features, 1)
            doc_rows = np.concatenate([part for part in row_parts if part is not None])
            cells, counts = np.unique(
                doc_rows * n_features + np.concatenate(col_parts), return_counts=True
            )
            rows, cols = np.divmod(cells, n_features)
        values = (np.log(counts) + 1.0) * self.idf[cols]
        if doc_of is None:
            norm = np.sqrt(values @ values)
            if norm > 0:
                values /= norm
        else:
            norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n))
            norms[norms == 0] = 1.0
            values /= norms[rows]
        return rows, cols, values

    def transform(self, documents: Sequence[Tokens]) -> sparse.csr_matrix:
        rows, cols, values = self.entries(documents)
        indptr = np.zeros(len(documents) + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=len(documents)), out=indptr[1:])
        return sparse.csr_matrix((values, cols, indptr), shape=(len(documents), self.n_features))

    def terms(self) -> list[str]:
        """Every feature as a string, in column order (words, "a b", "#" + characters)."""
        words = list(self.words)
        out = list(words)
        first, second = np.divmod(self.pairs, max(len(words), 1))
        out += [
            f"{words[a]} {words[b]}" for a, b in zip(first.tolist(), second.tolist(), strict=True)
        ]
        mask = (1 << _CHAR_BITS) - 1
        for size, keys in zip(self.char_sizes, self.chars, strict=True):
            for key in keys.tolist():
                codes = [(key >> (_CHAR_BITS * (size - 1 - i))) & mask for i in range(size)]
                out.append("#" + "".join(map(chr, codes)))
        return out


# --- scores and probabilities ------------------------------------------------------------


@dataclass
class _Scorer:
    """Linear scores, then per-class sigmoids (``a``, ``b``: p = 1 / (1 + exp(a·s + b)),
    normalised) or, without calibration (``a`` is None), a softmax."""

    coef: np.ndarray  # (n_features, n_classes) float32: one contiguous row per feature
    intercept: np.ndarray
    a: np.ndarray | None = None
    b: np.ndarray | None = None

    def scores(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
        if n == 1:
            return (values @ self.coef[cols] + self.intercept)[None, :]
        # Only the rows of the features these documents use, in float64: multiplying by the
        # whole float32 matrix would have scipy convert all of it on every call.
        used, local = np.unique(cols, return_inverse=True)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        matrix = sparse.csr_matrix((values, local, indptr), shape=(n, len(used)))
        return matrix @ self.coef[used].astype(np.float64) + self.intercept

    def probabilities(self, scores: np.ndarray) -> np.ndarray:
        if self.a is None or self.b is None:
            proba = np.exp(scores - scores.max(axis=1, keepdims=True))
        else:
            proba = expit(-(self.a * scores + self.b))
        total = proba.sum(axis=1, keepdims=True)
        if not total.all():
            # All sigmoids can underflow together for a far-out document: say "no idea".
            empty = total[:, 0] <= 0
            proba[empty] = 1.0
            total[empty] = proba.shape[1]
        return proba / total


def _svm_scores(svm: LinearSVC, matrix: sparse.csr_matrix) -> np.ndarray:
    """Decision values as (n, n_classes) for several classes, (n, 1) for two."""
    scores = np.asarray(svm.decision_function(matrix), dtype=np.float64)
    return scores.reshape(len(scores), -1)


def _platt(scores: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """Platt's sigmoid (with his smoothed targets) fitted by L-BFGS: scikit-learn's
    ``_sigmoid_calibration``, which is private API, written out."""
    prior1 = float(positive.sum())
    prior0 = float(len(positive) - prior1)
    target = np.where(positive, (prior1 + 1.0) / (prior1 + 2.0), 1.0 / (prior0 + 2.0))
    scale = float(np.abs(scores).max()) if len(scores) else 1.0
    scale = scale if scale >= 30 else 1.0
    f = scores / scale

    def loss_grad(ab: np.ndarray) -> tuple[float, np.ndarray]:
        z = ab[0] * f + ab[1]  # p(positive) = expit(-z)
        loss = np.sum(target * np.logaddexp(0.0, z) + (1.0 - target) * np.logaddexp(0.0, -z))
        g = expit(z) - (1.0 - target)
        return float(loss), np.array([g @ f, g.sum()])

    start = np.array([0.0, np.log((prior0 + 1.0) / (prior1 + 1.0))])
    result = minimize(
        loss_grad,
        start,
        method="L-BFGS-B",
        jac=True,
        options={"gtol": 1e-6, "ftol": 64 * np.finfo(float).eps},
    )
    return float(result.x[0]) / scale, float(result.x[1])


def _dedupe(
    documents: Sequence[Tokens], labels: Sequence[str]
) -> tuple[list[Tokens], list[str], np.ndarray]:
    """Distinct (tokens, label) pairs in first-seen order, with how often each occurs."""
    seen: dict[tuple[str, tuple[str, ...]], int] = {}
    docs: list[Tokens] = []
    kept: list[str] = []
    counts: list[int] = []
    for tokens, label in zip(documents, labels, strict=True):
        key = (label, tuple(tokens))
        at = seen.get(key)
        if at is None:
            seen[key] = len(docs)
            docs.append(tokens)
            kept.append(label)
            counts.append(1)
        else:
            counts[at] += 1
    return docs, kept, np.asarray(counts, dtype=np.float64)


# --- the classifier ----------------------------------------------------------------------


# liblinear's stopping tolerance. Its default (1e-4) polishes weights past anything a
# prediction notices: on a held-out quarter of the public data 1e-2 gave the same macro-F1
# (0.9251) in half the fitting time.
SVM_TOL = 1e-2
# From this many distinct documents, calibration uses two folds instead of three.
LARGE_CORPUS = 20_000


@dataclass
class TextClassifier:
    """A fitted or unfitted router classifier. ``fit`` and ``predict_proba`` take token lists."""

    c: float = 1.0
    min_df: int = 2
    char_ngrams: bool = True
    char_unigrams: bool = False
    balanced: bool = True
    calibration_folds: int = 3
    features: _Features | None = field(default=None, repr=False)
    scorer: _Scorer | None = field(default=None, repr=False)
    classes: list[str] = field(default_factory=list)

    def fit(self, documents: Sequence[Tokens], labels: Sequence[str]) -> TextClassifier:
        docs, kept, weights = _dedupe(documents, [str(label) for label in labels])
        y = np.asarray(kept)
        classes, per_class = np.unique(y, return_counts=True)
        if len(classes) < 2:
            raise ValueError("至少需要两个类别才能训练")
        # Calibration folds need every class in every fold; a rare class lowers the fold
        # count rather than failing (and a class with one example cannot be calibrated).
        folds = min(self.calibration_folds, int(per_class.min()))
        if len(docs) >= LARGE_CORPUS:
            # With tens of thousands of distinct documents two folds see enough unseen
            # scores to fit the sigmoids, and each fold fits on half the data.
            folds = min(folds, 2)
        min_df = self.min_df if len(documents) >= 50 else 1
        char_sizes = ((1, 2) if self.char_unigrams else (2,)) if self.char_ngrams else ()
        self.features = _Features.learn(docs, weights, min_df=min_df, char_sizes=char_sizes)
        matrix = self.features.transform(docs)
        if self.balanced:
            # Every class weighs the same in the SVM's loss ("balanced" class weights, on
            # the copies the weights stand for), so small categories are not drowned out.
            index = np.searchsorted(classes, y)
            totals = np.bincount(index, weights=weights)
            weights = weights * (weights.sum() / (len(classes) * totals))[index]
        svm = LinearSVC(C=self.c, tol=SVM_TOL).fit(matrix, y, sample_weight=weights)
        coef = svm.coef_.T.astype(np.float32)
        intercept = np.asarray(svm.intercept_, dtype=np.float64)
        binary = len(classes) == 2
        if folds >= 2:
            # Out-of-fold scores: the sigmoids learn how scores of unseen documents map to
            # being right, which the answering SVM's own training scores would overstate.
            oof = np.empty((len(y), 1 if binary else len(classes)))
            splitter = StratifiedKFold(n_splits=folds)
            for train, test in splitter.split(np.zeros(len(y)), y):
                part = LinearSVC(C=self.c, tol=SVM_TOL).fit(
                    matrix[train], y[train], sample_weight=weights[train]
                )
                oof[test] = _svm_scores(part, matrix[test])
            positives = [y == label for label in classes[-oof.shape[1] :]]
            ab = np.array([_platt(oof[:, k], pos) for k, pos in enumerate(positives)])
            a, b = ab[:, 0], ab[:, 1]
            if binary:
                # One score s for the second class; P(first) = 1 - P(second) is the sigmoid
                # with both parameters negated, so both columns share the SVM's row.
                coef = np.hstack([coef, coef])
                intercept = np.concatenate([intercept, intercept])
                a, b = np.concatenate([-a, a]), np.concatenate([-b, b])
            self.scorer = _Scorer(coef=np.ascontiguousarray(coef), intercept=intercept, a=a, b=b)
        else:
            # Too few examples to calibrate: a softmax over SVM scores still gives ordered
            # scores that sum to 1, and the tiny-data case is only ever a cold start.
            if binary:
                coef = np.hstack([-coef, coef])
                intercept = np.concatenate([-intercept, intercept])
            self.scorer = _Scorer(coef=np.ascontiguousarray(coef), intercept=intercept)
        self.classes = [str(label) for label in classes]
        return self

    def predict_proba(self, documents: Sequence[Tokens]) -> np.ndarray:
        """Rows of class probabilities (columns in ``classes`` order), each summing to 1.

        Many documents at once cost one vectorised pass, not one pass each."""
        if self.features is None or self.scorer is None:
            raise ValueError("模型尚未训练")
        if len(documents) == 0:
            return np.zeros((0, len(self.classes)))
        rows, cols, values = self.features.entries(documents)
        scores = self.scorer.scores(rows, cols, values, len(documents))
        return self.scorer.probabilities(scores)

    def predict(self, documents: Sequence[Tokens]) -> list[str]:
        proba = self.predict_proba(documents)
        return [self.classes[i] for i in proba.argmax(axis=1)]

    def top_k(self, tokens: Tokens, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` most probable labels for one document, most probable first."""
        proba = self.predict_proba([tokens])[0]
        order = np.argsort(-proba, kind="stable")[:k]
        return [(self.classes[i], float(proba[i])) for i in order]

    def vocabulary(self) -> list[str]:
        return self.features.terms() if self.features is not None else []

    # --- artifacts ---------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The fitted model as an ``.npz`` archive: arrays and one JSON header, no pickle."""
        if self.features is None or self.scorer is None:
            raise ValueError("模型尚未训练")
        features, scorer = self.features, self.scorer
        words = list(features.words)
        header = {
            "format": ARTIFACT_FORMAT,
            "classes": self.classes,
            "c": self.c,
            "min_df": self.min_df,
            "char_ngrams": self.char_ngrams,
            "char_unigrams": self.char_unigrams,
            "balanced": self.balanced,
            "calibration_folds": self.calibration_folds,
            "char_sizes": list(features.char_sizes),
            "calibrated": scorer.a is not None,
        }
        arrays: dict[str, np.ndarray] = {
            "header": np.frombuffer(json.dumps(header).encode(), dtype=np.uint8),
            # Words as one UTF-8 text plus their lengths: no separator a token could contain.
            "words": np.frombuffer("".join(words).encode(), dtype=np.uint8),
            "word_lengths": np.fromiter(map(len, words), dtype=np.int32, count=len(words)),
            "pairs": features.pairs,
            "idf": features.idf,
            "coef": scorer.coef,
            "intercept": scorer.intercept,
        }
        for size, keys in zip(features.char_sizes, features.chars, strict=True):
            arrays[f"chars{size}"] = keys
        if scorer.a is not None and scorer.b is not None:
            arrays["sigmoid_a"], arrays["sigmoid_b"] = scorer.a, scorer.b
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)  # type: ignore[arg-type]
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, *, sha256: str | None = None) -> TextClassifier:
        """Load an artifact; with ``sha256`` given, refuse bytes that do not match it.

        Only the ``.npz`` format is read, with ``allow_pickle=False``: anything else (a
        format-1 pickle among it) is refused without being parsed."""
        if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("模型文件校验失败（SHA-256 不匹配）")
        if data[:2] != b"PK":
            raise ValueError("不支持的模型文件格式（旧版本保存的模型请重新训练）")
        return cls._from_npz(data)

    @classmethod
    def _from_npz(cls, data: bytes) -> TextClassifier:
        try:
            archive = np.load(io.BytesIO(data), allow_pickle=False)
            header = json.loads(archive["header"].tobytes())
            if header.get("format") != ARTIFACT_FORMAT:
                raise ValueError(f"不支持的模型文件格式：{header.get('format')}")
            text = archive["words"].tobytes().decode()
            ends = np.cumsum(archive["word_lengths"]).tolist()
            starts = [0, *ends][:-1]
            words = {
                sys.intern(text[a:b]): i for i, (a, b) in enumerate(zip(starts, ends, strict=True))
            }
            sizes = tuple(int(s) for s in header["char_sizes"])
            features = _Features(
                words=words,
                pairs=archive["pairs"],
                char_sizes=sizes,
                chars=[archive[f"chars{size}"] for size in sizes],
                idf=archive["idf"],
            )
            calibrated = header["calibrated"]
            scorer = _Scorer(
                coef=archive["coef"],
                intercept=archive["intercept"],
                a=archive["sigmoid_a"] if calibrated else None,
                b=archive["sigmoid_b"] if calibrated else None,
            )
        except (KeyError, ValueError, OSError, UnicodeDecodeError, zipfile.BadZipFile) as error:
            if isinstance(error, ValueError) and str(error).startswith("不支持"):
                raise
            raise ValueError("模型文件内容无效") from error
        return cls(
            c=header["c"],
            min_df=header["min_df"],
            char_ngrams=header["char_ngrams"],
            char_unigrams=header.get("char_unigrams", False),
            balanced=header.get("balanced", False),
            calibration_folds=header["calibration_folds"],
            features=features,
            scorer=scorer,
            classes=list(header["classes"]),
        )
