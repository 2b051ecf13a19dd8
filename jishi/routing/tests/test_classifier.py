"""The classifier on a tiny synthetic corpus: routing, probabilities, privacy."""

from __future__ import annotations

import hashlib
import io
import pickle
import re
from typing import Any

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC

from jishi.routing import text
from jishi.routing.classifier import SVM_TOL, TextClassifier, word_and_char_ngrams
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


def test_one_document_alone_scores_as_in_a_batch(fitted: TextClassifier) -> None:
    docs = [text.segment(t) for t in ("学校门口噪音大", "医院", "", "完全无关的词语")]
    batch = fitted.predict_proba(docs)
    for i, doc in enumerate(docs):
        np.testing.assert_allclose(fitted.predict_proba([doc])[0], batch[i], rtol=1e-12)
    assert fitted.predict_proba([]).shape == (0, 4)


def _reference_vectorizer(docs: list[list[str]], terms: list[str]) -> TfidfVectorizer:
    """scikit-learn's TF-IDF over the same terms: what the model's own arithmetic replaces."""
    vectorizer = TfidfVectorizer(analyzer=word_and_char_ngrams, vocabulary=terms, sublinear_tf=True)
    return vectorizer.fit(docs)


def test_features_are_scikit_learn_tf_idf() -> None:
    texts, labels = synthetic_corpus()
    docs = [text.segment(t) for t in texts]
    model = TextClassifier().fit(docs, labels)
    assert model.features is not None
    ours = model.features.transform(docs).toarray()
    reference = _reference_vectorizer(docs, model.vocabulary()).transform(docs)
    np.testing.assert_allclose(ours, reference.toarray(), atol=1e-12)


def test_probabilities_are_calibrated_svm_probabilities() -> None:
    texts, labels = synthetic_corpus()
    docs = [text.segment(t) for t in texts]
    model = TextClassifier().fit(docs, labels)
    vectorizer = _reference_vectorizer(docs, model.vocabulary())
    reference = CalibratedClassifierCV(
        LinearSVC(C=model.c, class_weight="balanced", tol=SVM_TOL),
        method="sigmoid",
        cv=3,
        ensemble=False,
    ).fit(vectorizer.transform(docs), labels)
    probe = [text.segment(t) for t in ("学校门口噪音大", "医院的护士", "公交车站", "")]
    expected = reference.predict_proba(vectorizer.transform(probe))
    # liblinear stops at a tolerance (SVM_TOL), so two fits agree closely, not to the last
    # digit: a few thousandths on an empty document, where only the intercepts speak.
    np.testing.assert_allclose(model.predict_proba(probe), expected, atol=5e-3)


def test_two_classes_give_two_calibrated_columns() -> None:
    texts, labels = synthetic_corpus()
    keep = [i for i, label in enumerate(labels) if label in ("交通运输", "教育文体")]
    model = TextClassifier().fit([text.segment(texts[i]) for i in keep], [labels[i] for i in keep])
    proba = model.predict_proba([text.segment("学校老师"), text.segment("公交车拥堵")])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert model.classes == ["交通运输", "教育文体"]
    assert proba[0].argmax() == 1 and proba[1].argmax() == 0


def test_a_repeated_document_does_not_make_its_words_common() -> None:
    texts, labels = synthetic_corpus()
    docs = [text.segment(t) for t in texts]
    # The same rare name submitted three times is still one document's word.
    docs += [["张三丰", "小区", "噪音"]] * 3
    labels += ["环境保护"] * 3
    model = TextClassifier().fit(docs, labels)
    assert not any("张三丰" in term or "三丰" in term for term in model.vocabulary())


def test_duplicates_weigh_like_copies() -> None:
    texts, labels = synthetic_corpus()
    docs = [text.segment(t) for t in texts]
    once = TextClassifier(calibration_folds=1).fit(docs, labels)
    # Every document twice: the same vocabulary, and the SVM objective of C doubled.
    twice = TextClassifier(calibration_folds=1).fit(docs * 2, labels * 2)
    doubled = TextClassifier(c=2.0, calibration_folds=1).fit(docs, labels)
    assert twice.vocabulary() == once.vocabulary()
    probe = [text.segment("学校门口噪音大")]
    np.testing.assert_allclose(twice.predict_proba(probe), doubled.predict_proba(probe), atol=0.02)


def test_artifact_is_an_npz_without_pickles(fitted: TextClassifier) -> None:
    data = fitted.to_bytes()
    assert data[:2] == b"PK"
    archive = np.load(io.BytesIO(data), allow_pickle=False)
    assert {"header", "words", "coef", "idf"} <= set(archive.files)
    loaded = TextClassifier.from_bytes(data)
    assert loaded.vocabulary() == fitted.vocabulary()
    assert loaded.classes == fitted.classes
    docs = [text.segment("学校门口噪音大"), text.segment("医院")]
    np.testing.assert_array_equal(loaded.predict_proba(docs), fitted.predict_proba(docs))


class _Alarm:
    """Unpickling this calls ``_ring``: a pickle that runs code when loaded."""

    def __reduce__(self) -> tuple[Any, tuple[()]]:
        return (_ring, ())


RUNG: list[bool] = []


def _ring() -> None:
    RUNG.append(True)


def test_a_pickled_artifact_is_refused_without_being_unpickled() -> None:
    # Format 1 stored pickled scikit-learn objects; loading one would run whatever it holds.
    data = pickle.dumps({"format": 1, "classifier": _Alarm()})
    with pytest.raises(ValueError, match="重新训练"):
        TextClassifier.from_bytes(data, sha256=hashlib.sha256(data).hexdigest())
    assert RUNG == []
    assert pickle.loads(data) and RUNG == [True]  # the bytes would have run it


def test_unknown_artifact_formats_are_refused(fitted: TextClassifier) -> None:
    with pytest.raises(ValueError, match="格式"):
        TextClassifier.from_bytes(b"\x80\x05not an archive")
    with pytest.raises(ValueError, match="无效"):
        TextClassifier.from_bytes(fitted.to_bytes()[:200])
