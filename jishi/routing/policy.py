"""When the router may dispatch on its own, and how well that goes.

The threshold is chosen from a validation curve: out-of-fold predictions on the training
data, sorted by confidence; the lowest confidence at which the predictions at or above it
are wrong at most ``max_error`` of the time (3% by default). Cases above it are dispatched at
intake by the system; the rest wait for a dispatcher, who sees the top three suggestions.
Keyword rules (the cold start) never dispatch on their own.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from sklearn.model_selection import StratifiedKFold

from jishi.routing.classifier import TextClassifier, Tokens
from jishi.routing.models import RouterTarget
from jishi.routing.selectors import active_model_row

logger = logging.getLogger(__name__)

DEFAULT_MAX_ERROR = 0.03


@dataclass(frozen=True)
class Threshold:
    value: float  # dispatch automatically at or above this confidence (1.01: never)
    coverage: float  # share of validation cases that would be dispatched automatically
    error: float  # share of those that would go to the wrong place


def choose_threshold(
    confidences: Sequence[float], correct: Sequence[bool], *, max_error: float = DEFAULT_MAX_ERROR
) -> Threshold:
    """The lowest confidence whose "at or above" set has an error rate ≤ ``max_error``."""
    if len(confidences) == 0:
        return Threshold(1.01, 0.0, 0.0)
    order = np.argsort(-np.asarray(confidences, dtype=float), kind="stable")
    conf = np.asarray(confidences, dtype=float)[order]
    wrong = np.cumsum(~np.asarray(correct, dtype=bool)[order])
    taken = np.arange(1, len(conf) + 1)
    rate = wrong / taken
    # Only cut between distinct confidences: ties are dispatched or held together.
    last_of_tie = np.append(conf[1:] != conf[:-1], True)
    ok = np.flatnonzero((rate <= max_error) & last_of_tie)
    if len(ok) == 0:
        return Threshold(1.01, 0.0, 0.0)
    best = int(ok[-1])
    return Threshold(float(conf[best]), float(taken[best] / len(conf)), float(rate[best]))


def validation_threshold(
    documents: Sequence[Tokens],
    labels: Sequence[str],
    *,
    folds: int = 3,
    max_error: float = DEFAULT_MAX_ERROR,
    seed: int = 7,
) -> Threshold:
    """Out-of-fold confidences of the classifier the router uses, then ``choose_threshold``."""
    labels_arr = np.asarray(labels)
    counts = np.unique(labels_arr, return_counts=True)[1]
    if len(counts) < 2 or counts.min() < 2:
        return Threshold(1.01, 0.0, 0.0)  # too little to validate: never auto-dispatch
    folds = max(2, min(folds, int(counts.min())))
    confidences: list[float] = []
    correct: list[bool] = []
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(np.zeros(len(labels_arr)), labels_arr):
        model = TextClassifier().fit([documents[i] for i in train], labels_arr[train].tolist())
        proba = model.predict_proba([documents[i] for i in test])
        best = proba.argmax(axis=1)
        confidences += proba.max(axis=1).tolist()
        correct += [model.classes[b] == labels_arr[i] for b, i in zip(best, test, strict=True)]
    return choose_threshold(confidences, correct, max_error=max_error)


def auto_threshold() -> float | None:
    """The confidence above which intake dispatches by itself, or None (never).

    The active category model's calibrated threshold wins; ``JISHI_AUTO_DISPATCH_THRESHOLD``
    overrides it per county (``off`` disables automatic dispatch).
    """
    configured = getattr(settings, "JISHI_AUTO_DISPATCH_THRESHOLD", "")
    if str(configured).strip().lower() == "off":
        return None
    if configured not in ("", None):
        return float(configured)
    model = active_model_row(RouterTarget.CATEGORY)
    if model is None:
        return None
    value = model.auto_threshold
    return value if value is not None and value <= 1.0 else None
