"""Reads of the routing app: predictions, and which model version answers them."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from jishi.common.snapshots import Snapshot
from jishi.routing import lexicon, text
from jishi.routing.classifier import TextClassifier
from jishi.routing.models import KeywordRule, RouterModel, RouterTarget

RULES_VERSION = "rules"


@dataclass(frozen=True)
class Prediction:
    """A suggested label (category code or unit code) with its probability.

    ``model_version`` names the ``RouterModel.version`` that answered, or ``"rules"`` when
    keyword rules did; ``label`` is ``None`` when nothing matched at all.
    """

    label: str | None
    probability: float
    top3: list[tuple[str, float]] = field(default_factory=list)
    model_version: str = RULES_VERSION


# target → (model row id, sha256, classifier). One load per process per active version;
# the lock keeps concurrent first requests from loading the same file twice.
_loaded: dict[str, tuple[int, str, TextClassifier]] = {}
_load_lock = threading.Lock()


def active_model(target: str) -> RouterModel | None:
    return RouterModel.objects.filter(target=target, is_active=True).first()


@dataclass(frozen=True)
class ActiveModel:
    pk: int
    version: str
    sha256: str
    artifact: str
    auto_threshold: float | None  # from the model's validation, see policy.auto_threshold


def _load_active_models() -> dict[str, ActiveModel]:
    rows = RouterModel.objects.filter(is_active=True).values_list(
        "target", "pk", "version", "sha256", "artifact", "metrics__auto_threshold"
    )
    return {
        target: ActiveModel(
            pk, version, sha256, artifact, float(threshold) if threshold is not None else None
        )
        for target, pk, version, sha256, artifact, threshold in rows
    }


# An intake request asks which model is active; holding the answer in memory (see
# common/snapshots.py) saves a query per submission. Other processes pick an activation up
# within the snapshot's few seconds.
_ACTIVE: Snapshot[dict[str, ActiveModel]] = Snapshot(
    "router-models", _load_active_models, models_=[RouterModel]
)


def active_model_row(target: str) -> ActiveModel | None:
    """The active model of ``target`` (its identity and threshold), from memory."""
    return _ACTIVE.get().get(target)


def _classifier_for(target: str) -> tuple[str, TextClassifier] | None:
    """The active classifier for ``target``, loaded at most once per version."""
    row = active_model_row(target)
    if row is None:
        return None
    pk, version, sha256, artifact_name = row.pk, row.version, row.sha256, row.artifact
    cached = _loaded.get(target)
    if cached is not None and cached[0] == pk and cached[1] == sha256:
        return version, cached[2]
    with _load_lock:
        cached = _loaded.get(target)
        if cached is None or cached[0] != pk or cached[1] != sha256:
            model = RouterModel(artifact=artifact_name)
            with model.artifact.open("rb") as handle:
                data = handle.read()
            classifier = TextClassifier.from_bytes(data, sha256=sha256)
            _loaded[target] = (pk, sha256, classifier)
            cached = _loaded[target]
    return version, cached[2]


def clear_loaded_models() -> None:
    """Forget loaded classifiers (tests, or after deleting artifacts)."""
    _loaded.clear()
    _ACTIVE.forget()


def predict(
    title: str | None,
    text_body: str | None,
    township: str | None = None,
    target: str = RouterTarget.CATEGORY,
) -> Prediction:
    """Suggest a label for a case from its title, text and (when known) township.

    Uses the active trained model of ``target``; without one, the active keyword rules.
    """
    return predict_many([(title, text_body, township)], target=target)[0]


def predict_many(
    documents: Sequence[tuple[str | None, str | None, str | None]],
    target: str = RouterTarget.CATEGORY,
) -> list[Prediction]:
    """:func:`predict` for many ``(title, text, township)`` at once (the dispatcher queue):
    one model lookup and, for several documents, one vectorised prediction."""
    if not documents:
        return []
    lexicon.ensure_loaded()
    loaded = _classifier_for(target)
    if loaded is None:
        rules = _active_rules(target)
        return [_predict_by_rules(rules, title, body) for title, body, _ in documents]
    version, classifier = loaded
    token_lists = [text.document_tokens(title, body, place) for title, body, place in documents]
    proba = classifier.predict_proba(token_lists)
    out = []
    for row in proba:
        order = np.argsort(-row, kind="stable")[:3]
        top = [(classifier.classes[i], float(row[i])) for i in order]
        label, probability = top[0]
        out.append(
            Prediction(label=label, probability=probability, top3=top, model_version=version)
        )
    return out


def _active_rules(target: str) -> list[tuple[KeywordRule, list[str]]]:
    rules = KeywordRule.objects.filter(target=target, active=True)
    return [(rule, [text.normalize(w).lower() for w in rule.keyword_list()]) for rule in rules]


def predict_by_rules(
    title: str | None, text_body: str | None, *, target: str = RouterTarget.CATEGORY
) -> Prediction:
    """Cold start: score labels by matching keyword rules.

    A label's score is the number of its matched keywords; the highest rule priority among
    matches ranks first, and scores are shared out so the suggestions sum to 1.
    """
    return _predict_by_rules(_active_rules(target), title, text_body)


def _predict_by_rules(
    rules: list[tuple[KeywordRule, list[str]]], title: str | None, text_body: str | None
) -> Prediction:
    haystack = text.normalize(f"{title or ''} {text_body or ''}").lower()
    best: dict[str, tuple[int, int]] = {}  # label → (priority, matched keywords)
    for rule, words in rules:
        hits = sum(1 for word in words if word in haystack)
        if not hits:
            continue
        priority, total = best.get(rule.label, (rule.priority, 0))
        best[rule.label] = (max(priority, rule.priority), total + hits)
    if not best:
        return Prediction(label=None, probability=0.0, top3=[], model_version=RULES_VERSION)
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], -item[1][1], item[0]))
    total = sum(hits for _, (_, hits) in ranked)
    scored = [(label, hits / total) for label, (_, hits) in ranked]
    # Priority decides the order, so make the shares agree with it (never a lower-priority
    # label with a higher probability than the one ranked above it).
    shares = sorted((p for _, p in scored), reverse=True)
    top = [(label, shares[i]) for i, (label, _) in enumerate(scored)][:3]
    return Prediction(label=top[0][0], probability=top[0][1], top3=top, model_version=RULES_VERSION)


def suggest(
    title: str | None,
    text_body: str | None,
    township: str | None = None,
    target: str = RouterTarget.CATEGORY,
) -> list[tuple[str, float]]:
    """Top-3 suggestions for a dispatcher's picker, most probable first."""
    return predict(title, text_body, township, target=target).top3
