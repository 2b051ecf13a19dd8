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
        if len(documents) == 1:
            fast = self._fast_scorer()
            if fast is not None:
                return fast.predict_proba(documents[0])[None, :]
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

    def _fast_scorer(self) -> _FastScorer | None:
        # Built on first use and never pickled: it duplicates what the fitted objects hold.
        fast = self.__dict__.get("_fast")
        if fast is None:
            fast = _FastScorer.build(self)
            self.__dict__["_fast"] = fast if fast is not None else False
        return fast or None

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_fast", None)
        return state

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


class _FastScorer:
    """One-document prediction without scikit-learn's per-call input validation.

    scikit-learn spends about 90% of a single-document prediction checking its inputs; this
    computes the same numbers (TF-IDF with sublinear tf and L2 norm, the SVM's scores, the
    per-class sigmoids, normalisation) directly. ``test_classifier`` checks it agrees with
    the scikit-learn path. Used only for the calibrated multi-class model.
    """

    def __init__(
        self,
        analyzer: Any,
        vocabulary: dict[str, int],
        idf: np.ndarray,
        coef_t: np.ndarray,
        intercept: np.ndarray,
        sigmoid_a: np.ndarray,
        sigmoid_b: np.ndarray,
    ) -> None:
        self.analyzer = analyzer
        self.vocabulary = vocabulary
        self.idf = idf
        self.coef_t = coef_t  # (n_features, n_classes): one contiguous row per feature
        self.intercept = intercept
        self.sigmoid_a = sigmoid_a
        self.sigmoid_b = sigmoid_b

    @classmethod
    def build(cls, model: TextClassifier) -> _FastScorer | None:
        calibrated = model.model
        vectorizer = model.vectorizer
        if not isinstance(calibrated, CalibratedClassifierCV) or len(model.classes) < 3:
            return None
        if len(calibrated.calibrated_classifiers_) != 1 or vectorizer.norm != "l2":
            return None
        member = calibrated.calibrated_classifiers_[0]
        svm = member.estimator
        if getattr(vectorizer, "use_idf", True) is False or not vectorizer.sublinear_tf:
            return None
        return cls(
            analyzer=vectorizer.build_analyzer(),
            vocabulary=vectorizer.vocabulary_,
            idf=np.asarray(vectorizer.idf_, dtype=np.float64),
            coef_t=np.ascontiguousarray(svm.coef_.T, dtype=np.float64),
            intercept=np.asarray(svm.intercept_, dtype=np.float64),
            sigmoid_a=np.array([c.a_ for c in member.calibrators], dtype=np.float64),
            sigmoid_b=np.array([c.b_ for c in member.calibrators], dtype=np.float64),
        )

    def predict_proba(self, tokens: Tokens) -> np.ndarray:
        counts: dict[int, int] = {}
        vocabulary = self.vocabulary
        for gram in self.analyzer(tokens):
            index = vocabulary.get(gram)
            if index is not None:
                counts[index] = counts.get(index, 0) + 1
        if counts:
            indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            weights = (np.log(tf) + 1.0) * self.idf[indices]
            weights /= np.sqrt(weights @ weights)
            scores = weights @ self.coef_t[indices] + self.intercept
        else:
            scores = self.intercept.copy()
        # scikit-learn's sigmoid calibration: p = 1 / (1 + exp(a·f + b)), then normalised.
        proba = 1.0 / (1.0 + np.exp(self.sigmoid_a * scores + self.sigmoid_b))
        total = proba.sum()
        if total <= 0:
            return np.full(len(proba), 1.0 / len(proba))
        return proba / total
