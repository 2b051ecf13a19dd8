"""The classifier on a tiny synthetic corpus: routing, probabilities, privacy."""

from __future__ import annotations

import re

import numpy as np
import pytest

from jishi.routing import text
from jishi.routing.classifier import TextClassifier
from jishi.routing.tests.conftest import synthetic_corpus


@pytest.fixture(scope="module")
def fitted() -> TextClassifier:
    texts, labels = synthetic_corpus()
    return TextClassifier().fit([text.segment(t) for t in texts], labels)


def test_obvious_cases_are_routed_right(fitted: TextClassifier) -> None:
    cases = {
        "小区旁边工厂排放污水，异味很重": "环境保护",
        "孩子的学校老师乱收学费": "教育文体",
        "这条线路的公交车总是不准时，车站拥堵": "交通运输",
        "医院的医生态度差，看病排队太久": "卫生计生",
    }
    for raw, expected in cases.items():
        assert fitted.predict([text.segment(raw)]) == [expected]


def test_probabilities_sum_to_one(fitted: TextClassifier) -> None:
    proba = fitted.predict_proba([text.segment("学校门口噪音"), text.segment("随便说点什么")])
    assert proba.shape == (2, 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-9)
    assert (proba >= 0).all()


def test_top3_is_sorted_and_consistent(fitted: TextClassifier) -> None:
    top = fitted.top_k(text.segment("医院附近油烟污染严重"), k=3)
    assert len(top) == 3
    scores = [p for _, p in top]
    assert scores == sorted(scores, reverse=True)
    assert len({label for label, _ in top}) == 3
    assert sum(scores) <= 1.0 + 1e-9


def test_masked_numbers_never_reach_the_model() -> None:
    texts, labels = synthetic_corpus()
    phone = "13987654321"
    id_number = "43010219900307123X"
    # Every document carries the same numbers, so min_df cannot be what keeps them out.
    texts = [f"{t}电话{phone}，身份证{id_number}，座机0731-84567890" for t in texts]
    model = TextClassifier().fit([text.segment(t) for t in texts], labels)
    data = model.to_bytes()
    vocabulary = " ".join(model.vocabulary())
    for secret in (phone, id_number, id_number.lower(), "84567890", "0731"):
        assert secret not in vocabulary
        assert secret.encode() not in data
    assert not re.search(rb"[0-9]{7,}", data.replace(b"\x00", b""))
    assert "电话" in model.vocabulary()  # the placeholder word is what remains


def test_artifact_round_trip_and_checksum(fitted: TextClassifier) -> None:
    import hashlib

    data = fitted.to_bytes()
    digest = hashlib.sha256(data).hexdigest()
    loaded = TextClassifier.from_bytes(data, sha256=digest)
    doc = text.segment("公交车拥堵")
    np.testing.assert_allclose(loaded.predict_proba([doc]), fitted.predict_proba([doc]))
    with pytest.raises(ValueError, match="SHA-256"):
        TextClassifier.from_bytes(data + b"x", sha256=digest)


def test_tiny_data_without_calibration_still_gives_probabilities() -> None:
    docs = [["公交车", "拥堵"], ["公交车", "线路"], ["学校", "老师"], ["学校", "学费"]]
    labels = ["交通运输", "交通运输", "教育文体", "教育文体"]
    model = TextClassifier(calibration_folds=3).fit(docs, labels)
    top = model.top_k(["学校"], k=3)
    assert top[0][0] == "教育文体"
    assert sum(p for _, p in top) == pytest.approx(1.0)


def test_fit_refuses_one_class() -> None:
    with pytest.raises(ValueError):
        TextClassifier().fit([["a"], ["b"]], ["x", "x"])


def test_fast_single_document_path_matches_scikit_learn(fitted: TextClassifier) -> None:
    docs = [text.segment(t) for t in ("学校门口噪音大", "医院", "", "完全无关的词语")]
    batch = fitted.predict_proba(docs)  # the scikit-learn path
    assert fitted._fast_scorer() is not None
    for i, doc in enumerate(docs):
        np.testing.assert_allclose(fitted.predict_proba([doc])[0], batch[i], rtol=1e-5)
