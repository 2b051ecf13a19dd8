"""Every write of the routing app: train a model version (from data or from the ledger),
activate it, keyword rules."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from jishi.common import clock
from jishi.common.errors import InvalidInput
from jishi.orgs.models import User
from jishi.routing.classifier import TextClassifier
from jishi.routing.models import KeywordRule, RouterModel, RouterTarget
from jishi.routing.policy import validation_threshold

MIN_DOCUMENTS = 4


def _version_label(target: str) -> str:
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    suffix = hashlib.sha256(f"{time.time_ns()}".encode()).hexdigest()[:6]
    return f"{target}-{stamp}-{suffix}"


def router_train(
    *,
    actor: User | None,
    documents: Sequence[Sequence[str]],
    labels: Sequence[str],
    target: str,
    span: tuple[date | None, date | None] = (None, None),
    metrics: dict[str, object] | None = None,
    activate: bool = False,
    classifier: TextClassifier | None = None,
) -> RouterModel:
    """Fit a classifier on token lists (see ``routing.text``) and store it as a new, inactive
    version (active at once with ``activate=True``).

    ``metrics`` are figures measured elsewhere (e.g. by ``router_eval``) to keep with the
    version; the training size and time and the class counts are always recorded.
    Fitting happens before the transaction opens, so a long fit holds no locks.
    """
    errors: dict[str, list[str]] = {}
    if target not in RouterTarget.values:
        errors["target"] = [f"未知的预测目标：{target}"]
    if len(documents) != len(labels):
        errors["labels"] = ["文档数与标签数不一致"]
    elif len(documents) < MIN_DOCUMENTS:
        errors["documents"] = [f"训练数据太少（至少 {MIN_DOCUMENTS} 条）"]
    elif len(set(labels)) < 2:
        errors["labels"] = ["至少需要两个类别"]
    if errors:
        raise InvalidInput("训练数据有误", errors=errors)

    started = time.perf_counter()
    model = (classifier or TextClassifier()).fit(documents, labels)
    seconds = time.perf_counter() - started
    data = model.to_bytes()
    digest = hashlib.sha256(data).hexdigest()
    class_counts: dict[str, int] = {}
    for label in labels:
        class_counts[label] = class_counts.get(label, 0) + 1
    recorded = {
        "train_seconds": round(seconds, 2),
        "class_counts": class_counts,
        "vocabulary_size": len(model.vocabulary()),
        "artifact_bytes": len(data),
        **(metrics or {}),
    }
    version = _version_label(target)
    with transaction.atomic():
        row = RouterModel(
            version=version,
            target=target,
            created_by=actor,
            span_from=span[0],
            span_to=span[1],
            n_documents=len(documents),
            labels=model.classes,
            metrics=recorded,
            sha256=digest,
        )
        row.artifact.save(f"{version}.npz", ContentFile(data), save=False)
        row.save()
        if activate:
            router_activate(actor=actor, model=row)
    return row


def threshold_metrics(
    documents: Sequence[Sequence[str]], labels: Sequence[str], *, max_error: float
) -> dict[str, object]:
    """The auto-dispatch threshold chosen on out-of-fold predictions, as metrics to keep."""
    threshold = validation_threshold(documents, labels, max_error=max_error)
    return {
        "auto_threshold": round(threshold.value, 4),
        "auto_coverage": round(threshold.coverage, 4),
        "auto_error": round(threshold.error, 4),
        "auto_max_error": max_error,
    }


@transaction.atomic
def router_activate(*, actor: User | None, model: RouterModel) -> RouterModel:
    """Make ``model`` the one active version for its target (the previous one steps down).

    Locks every model row of the target so two admins activating at once serialise; the
    partial unique constraint is the final guard.
    """
    rows = list(RouterModel.objects.select_for_update().filter(target=model.target).order_by("id"))
    current = next((r for r in rows if r.pk == model.pk), None)
    if current is None:
        raise InvalidInput("模型不存在", errors={"model": ["模型不存在"]})
    if current.is_active:
        return current
    RouterModel.objects.filter(target=model.target, is_active=True).update(is_active=False)
    current.is_active = True
    current.activated_at = clock.now()
    current.save(update_fields=["is_active", "activated_at"])
    model.is_active, model.activated_at = True, current.activated_at
    return current


@transaction.atomic
def router_deactivate(*, actor: User | None, model: RouterModel) -> RouterModel:
    """Stop using ``model``; its target falls back to keyword rules until another is active."""
    current = RouterModel.objects.select_for_update().get(pk=model.pk)
    if not current.is_active:
        return current
    current.is_active = False
    current.save(update_fields=["is_active"])
    model.is_active = False
    return current


@transaction.atomic
def keyword_rule_create(
    *,
    actor: User | None,
    target: str,
    keywords: str,
    label: str,
    priority: int = 0,
    active: bool = True,
) -> KeywordRule:
    """Add a cold-start rule: any of ``keywords`` → ``label`` (a category or unit code)."""
    errors: dict[str, list[str]] = {}
    if target not in RouterTarget.values:
        errors["target"] = [f"未知的预测目标：{target}"]
    rule = KeywordRule(
        target=target,
        keywords=keywords.strip(),
        label=label.strip(),
        priority=priority,
        active=active,
    )
    if not rule.keyword_list():
        errors["keywords"] = ["关键词不能为空"]
    if not rule.label:
        errors["label"] = ["编码不能为空"]
    if errors:
        raise InvalidInput("关键词规则有误", errors=errors)
    rule.save()
    return rule
