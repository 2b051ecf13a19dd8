"""The router's classifier: TF-IDF over word uni- and bigrams plus character bigrams →
linear SVM, calibrated.

Chosen on 5-fold cross-validation of the public labelled data (``bench/router_quality.py``
prints the comparison): character bigrams add about one point of macro-F1 over words alone
and make the model tolerant of segmentation differences; wider character n-grams, higher C
and SGD ensembles added a few thousandths at most for several times the training time,
which matters for the "retrain on 100k cases in under two minutes" budget.

Input is a list of tokens per document (see :mod:`jishi.routing.text`), so the same model
serves raw text and already-segmented text. Probabilities come from
``CalibratedClassifierCV`` (sigmoid, 3-fold, one final SVM), normalised to sum to 1.

Privacy: only normalised (masked) tokens ever reach the vectoriser, terms seen in fewer
than ``min_df`` documents are not kept, and the vectoriser's ``stop_words_`` (the list of
every dropped term, which scikit-learn keeps by default) is deleted before serialising.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

ARTIFACT_FORMAT = 1

Tokens = Sequence[str]


def word_ngrams(tokens: Tokens) -> list[str]:
    """Unigrams and adjacent-pair bigrams; a module-level function so models pickle."""
    grams = list(tokens)
    grams.extend([f"{a} {b}" for a, b in itertools.pairwise(tokens)])
    return grams


def word_and_char_ngrams(tokens: Tokens) -> list[str]:
    """Word unigrams and bigrams plus character bigrams of the joined tokens.

    Character bigrams make the model robust to segmentation differences (jieba cuts an
    unknown name differently in different contexts, and training data may have been
    segmented by another version); the "#" prefix keeps them apart from two-character
    words.
    """
    grams = word_ngrams(tokens)
    joined = "".join(tokens)
    grams.extend(["#" + joined[i : i + 2] for i in range(len(joined) - 1)])
    return grams


@dataclass
class TextClassifier:
    """A fitted or unfitted router classifier. ``fit`` and ``predict_proba`` take token lists."""

    c: float = 0.5
    min_df: int = 2
    char_ngrams: bool = True
    calibration_folds: int = 3
    vectorizer: Any = field(default=None, repr=False)
    model: Any = field(default=None, repr=False)
    classes: list[str] = field(default_factory=list)

    def fit(self, documents: Sequence[Tokens], labels: Sequence[str]) -> TextClassifier:
        counts: dict[str, int] = {}
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
        if len(counts) < 2:
            raise ValueError("至少需要两个类别才能训练")
        # Calibration folds need every class in every fold; a rare class lowers the fold
        # count rather than failing (and a class with one example cannot be calibrated).
        folds = min(self.calibration_folds, min(counts.values()))
        min_df = self.min_df if len(documents) >= 50 else 1
        self.vectorizer = TfidfVectorizer(
            analyzer=word_and_char_ngrams if self.char_ngrams else word_ngrams,
            min_df=min_df,
            sublinear_tf=True,
            dtype=np.float32,
        )
        matrix = self.vectorizer.fit_transform(documents)
        # Every term dropped by min_df would otherwise be pickled with the model.
        if hasattr(self.vectorizer, "stop_words_"):
            del self.vectorizer.stop_words_
        svm = LinearSVC(C=self.c)
        if folds >= 2:
            # ensemble=False: the answering SVM is fitted on all the data (the folds only
            # fit the sigmoids), which scores better than averaging fold models trained
            # on less data, and predicts at the cost of one SVM.
            self.model = CalibratedClassifierCV(svm, method="sigmoid", cv=folds, ensemble=False)
        else:
            # Too few examples to calibrate: a softmax over SVM scores still gives ordered
            # scores that sum to 1, and the tiny-data case is only ever a cold start.
            self.model = svm
        self.model.fit(matrix, list(labels))
        self.classes = [str(c) for c in self.model.classes_]
        return self

    def predict_proba(self, documents: Sequence[Tokens]) -> np.ndarray:
        """Rows of class probabilities (columns in ``classes`` order), each summing to 1."""
        matrix = self.vectorizer.transform(documents)
        if hasattr(self.model, "predict_proba"):
            proba = np.asarray(self.model.predict_proba(matrix), dtype=np.float64)
        else:
            scores = np.asarray(self.model.decision_function(matrix), dtype=np.float64)
            if scores.ndim == 1:  # binary LinearSVC returns one column
                scores = np.column_stack([-scores, scores])
            scores = np.exp(scores - scores.max(axis=1, keepdims=True))
            proba = scores
        # Normalise once more: guards against float drift so callers can rely on sum == 1.
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, documents: Sequence[Tokens]) -> list[str]:
        proba = self.predict_proba(documents)
        return [self.classes[i] for i in proba.argmax(axis=1)]

    def top_k(self, tokens: Tokens, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` most probable labels for one document, most probable first."""
        proba = self.predict_proba([tokens])[0]
        order = np.argsort(-proba, kind="stable")[:k]
        return [(self.classes[i], float(proba[i])) for i in order]

    def vocabulary(self) -> list[str]:
        return list(self.vectorizer.vocabulary_) if self.vectorizer is not None else []

    # --- artifacts ---------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        payload = {
            "format": ARTIFACT_FORMAT,
            "sklearn": sklearn.__version__,
            "classifier": self,
        }
        buffer = io.BytesIO()
        pickle.dump(payload, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes, *, sha256: str | None = None) -> TextClassifier:
        """Load an artifact; with ``sha256`` given, refuse bytes that do not match it
        before unpickling (pickle runs code, so only our own artifacts may be loaded)."""
        if sha256 is not None and hashlib.sha256(data).hexdigest() != sha256:
            raise ValueError("模型文件校验失败（SHA-256 不匹配）")
        payload = pickle.loads(data)
        if payload.get("format") != ARTIFACT_FORMAT:
            raise ValueError(f"不支持的模型文件格式：{payload.get('format')}")
        classifier = payload["classifier"]
        if not isinstance(classifier, cls):
            raise ValueError("模型文件内容无效")
        return classifier
