"""Train-on-one-file, test-on-another evaluation, shared by ``router_eval`` and ``bench/``."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import classification_report, confusion_matrix, f1_score

from jishi.routing import text
from jishi.routing.classifier import TextClassifier
from jishi.routing.datasets import Dataset

# Two messages whose word sets overlap this much are the same message (re-segmented, or
# with a line added): a test row like that measures memory, not generalisation.
OVERLAP_JACCARD = 0.6


@dataclass(frozen=True)
class Overlap:
    train_rows: list[int]  # training rows that are the same message as some test row
    test_rows: int  # test rows that have such a twin in training
    best_other: float  # the highest similarity among the rest


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def find_overlap(train_docs: Sequence[list[str]], test_docs: Sequence[list[str]]) -> Overlap:
    """Training rows that repeat a test row (word-set Jaccard ≥ ``OVERLAP_JACCARD``)."""
    vectorizer = CountVectorizer(analyzer=_identity, binary=True)
    vectorizer.fit([*train_docs, *test_docs])
    a = vectorizer.transform(train_docs).astype(np.float32)
    b = vectorizer.transform(test_docs).astype(np.float32)
    inter = (a @ b.T).toarray()
    sizes_a = np.asarray(a.sum(axis=1)).ravel()[:, None]
    sizes_b = np.asarray(b.sum(axis=1)).ravel()[None, :]
    jaccard = inter / np.maximum(sizes_a + sizes_b - inter, 1)
    best = jaccard.max(axis=1)
    rest = best[best < OVERLAP_JACCARD]
    return Overlap(
        train_rows=[int(i) for i in np.flatnonzero(best >= OVERLAP_JACCARD)],
        test_rows=int((jaccard.max(axis=0) >= OVERLAP_JACCARD).sum()),
        best_other=float(rest.max()) if rest.size else 0.0,
    )


@dataclass
class EvalResult:
    labels: list[str]
    report: str
    confusion: np.ndarray
    macro_f1: float
    accuracy: float
    docs_per_second: float
    train_seconds: float
    n_train: int
    n_test: int

    def lines(self) -> list[str]:
        """Human-readable report; the last line is exactly ``macro-F1 0.xxxx``."""
        width = max(len(label) for label in self.labels)
        out = [
            f"训练 {self.n_train} 条，测试 {self.n_test} 条，训练用时 {self.train_seconds:.1f} 秒",
            "",
            self.report.rstrip(),
            "",
            "混淆矩阵（行：真实，列：预测）：",
            " " * (width + 2) + " ".join(f"{i:>5}" for i in range(len(self.labels))),
        ]
        for i, label in enumerate(self.labels):
            cells = " ".join(f"{n:>5}" for n in self.confusion[i])
            out.append(f"{i:>2} {label:<{width}} {cells}")
        out += [
            "",
            f"accuracy {self.accuracy:.4f}",
            f"docs/s {self.docs_per_second:.0f} (normalise → segment → predict, one process)",
            f"macro-F1 {self.macro_f1:.4f}",
        ]
        return out


def train_test(
    train: Dataset,
    test: Dataset,
    *,
    classifier: TextClassifier | None = None,
    exclude: Sequence[int] = (),
) -> EvalResult:
    """Fit on ``train`` (minus rows ``exclude``), predict ``test`` through the full pipeline.

    The speed figure covers turning each test item into tokens and predicting it one at a
    time, which is what a request costs.
    """
    skip = set(exclude)
    train_tokens = [t for i, t in enumerate(train.tokens()) if i not in skip]
    train_labels = [label for i, label in enumerate(train.labels) if i not in skip]
    started = time.perf_counter()
    model = (classifier or TextClassifier()).fit(train_tokens, train_labels)
    train_seconds = time.perf_counter() - started

    started = time.perf_counter()
    single = test.fmt == "raw"
    predicted: list[str] = []
    for item in test.raw:
        tokens = text.segment(item) if single else text.tokens_from_segmented(item)
        predicted.append(model.top_k(tokens, k=1)[0][0])
    seconds = time.perf_counter() - started

    labels = sorted(set(test.labels) | set(model.classes))
    return EvalResult(
        labels=labels,
        report=classification_report(
            test.labels, predicted, labels=labels, digits=4, zero_division=0
        ),
        confusion=confusion_matrix(test.labels, predicted, labels=labels),
        macro_f1=float(
            f1_score(test.labels, predicted, labels=sorted(set(test.labels)), average="macro")
        ),
        accuracy=float(np.mean(np.array(test.labels) == np.array(predicted))),
        docs_per_second=len(test.raw) / seconds if seconds else float("inf"),
        train_seconds=train_seconds,
        n_train=len(train_tokens),
        n_test=len(test.raw),
    )
