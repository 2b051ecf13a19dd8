"""Training, versioning and activation of router models; predictions and keyword rules."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction

from jishi.common.errors import InvalidInput
from jishi.orgs.models import User
from jishi.routing import selectors, services, text
from jishi.routing.models import RouterModel
from jishi.routing.tests.conftest import synthetic_corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user() -> User:
    return User.objects.create_user(username="router-admin", password="x")


def _train(actor: User | None, *, activate: bool = False, target: str = "category") -> RouterModel:
    texts, labels = synthetic_corpus(n_per_label=15)
    return services.router_train(
        actor=actor,
        documents=[text.segment(t) for t in texts],
        labels=labels,
        target=target,
        span=(date(2025, 1, 1), date(2025, 12, 31)),
        activate=activate,
    )


def test_train_stores_a_versioned_artifact(media: Path, admin_user: User) -> None:
    model = _train(admin_user)
    assert not model.is_active
    assert model.n_documents == 60
    assert model.span_from == date(2025, 1, 1) and model.span_to == date(2025, 12, 31)
    assert model.created_by == admin_user
    assert sorted(model.labels) == ["交通运输", "卫生计生", "教育文体", "环境保护"]
    assert model.metrics["class_counts"]["交通运输"] == 15
    assert model.artifact.name.startswith("router/")
    with model.artifact.open("rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == model.sha256


def test_train_rejects_bad_input(media: Path) -> None:
    with pytest.raises(InvalidInput) as error:
        services.router_train(
            actor=None, documents=[["a"]] * 5, labels=["x"] * 5, target="category"
        )
    assert "labels" in error.value.errors
    with pytest.raises(InvalidInput) as error:
        services.router_train(actor=None, documents=[["a"]], labels=["x", "y"], target="nope")
    assert {"target", "labels"} <= set(error.value.errors)


def test_one_active_model_per_target(media: Path, admin_user: User) -> None:
    first = _train(admin_user, activate=True)
    second = _train(admin_user)
    unit_model = _train(admin_user, target="unit", activate=True)
    services.router_activate(actor=admin_user, model=second)
    first.refresh_from_db()
    unit_model.refresh_from_db()
    assert second.is_active and not first.is_active
    assert unit_model.is_active  # another target is not affected
    # Activating the active one again changes nothing.
    again = services.router_activate(actor=admin_user, model=second)
    assert again.activated_at == RouterModel.objects.get(pk=second.pk).activated_at


def test_database_refuses_two_active_models(media: Path) -> None:
    first = _train(None, activate=True)
    second = _train(None)
    with pytest.raises(IntegrityError), transaction.atomic():
        RouterModel.objects.filter(pk=second.pk).update(is_active=True)
    assert RouterModel.objects.filter(target=first.target, is_active=True).count() == 1


def test_prediction_names_the_active_version(media: Path) -> None:
    first = _train(None, activate=True)
    prediction = selectors.predict("公交车总是晚点", "车站拥堵，线路太绕", target="category")
    assert prediction.label == "交通运输"
    assert prediction.model_version == first.version
    scores = [p for _, p in prediction.top3]
    assert scores == sorted(scores, reverse=True) and len(scores) == 3
    assert prediction.probability == scores[0]

    second = _train(None)
    services.router_activate(actor=None, model=second)
    assert selectors.predict("公交车", "拥堵").model_version == second.version


def test_all_probabilities_sum_to_one(media: Path) -> None:
    _train(None, activate=True)
    loaded = selectors._classifier_for("category")
    assert loaded is not None
    proba = loaded[1].predict_proba([text.segment("学校门口医院排放污水")])
    assert proba.sum() == pytest.approx(1.0)


def test_a_replaced_artifact_is_refused(media: Path) -> None:
    model = _train(None, activate=True)
    Path(model.artifact.path).write_bytes(b"not the model")
    with pytest.raises(ValueError, match="SHA-256"):
        selectors.predict("公交车", "拥堵")


def test_rules_answer_without_a_model() -> None:
    services.keyword_rule_create(
        actor=None, target="category", keywords="路灯, 井盖", label="CJ", priority=1
    )
    services.keyword_rule_create(actor=None, target="category", keywords="噪音", label="HB")
    services.keyword_rule_create(actor=None, target="unit", keywords="路灯", label="D01")
    prediction = selectors.predict("路灯坏了", "井盖也丢了，晚上噪音大")
    assert prediction.model_version == selectors.RULES_VERSION
    assert prediction.label == "CJ"
    assert [label for label, _ in prediction.top3] == ["CJ", "HB"]
    assert sum(p for _, p in prediction.top3) == pytest.approx(1.0)
    assert selectors.predict("路燈壞了", "", target="unit").label == "D01"  # Traditional
    nothing = selectors.predict("天气不错", "")
    assert nothing.label is None and nothing.top3 == []


def test_deactivating_falls_back_to_rules(media: Path) -> None:
    model = _train(None, activate=True)
    services.keyword_rule_create(actor=None, target="category", keywords="公交", label="JT")
    services.router_deactivate(actor=None, model=model)
    assert selectors.predict("公交车", "拥堵").model_version == selectors.RULES_VERSION


def test_keyword_rule_validation() -> None:
    with pytest.raises(InvalidInput) as error:
        services.keyword_rule_create(actor=None, target="x", keywords=" , ", label="")
    assert set(error.value.errors) == {"target", "keywords", "label"}
