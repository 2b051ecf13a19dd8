"""Router quality on the public tipdm2020 messages (read from ../shared/data, never copied).

1. 5-fold stratified cross-validation on ``labelled_tokens.csv`` for a few model options
   (the product's default is the first one printed as "default").
2. Train on ``labelled_tokens.csv`` → test on ``labelled_raw_sample.csv``: raw text through
   the real pipeline (normalise → segment → predict). The raw sample overlaps the token set,
   so token rows that are the same message as a raw row are found (Jaccard similarity of
   token sets ≥ 0.6) and removed from training first; the count is printed.

Run: ``.venv/bin/python bench/router_quality.py [--quick]`` (``--quick``: default option only).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jishi.routing import datasets, text  # noqa: E402
from jishi.routing.classifier import TextClassifier  # noqa: E402
from jishi.routing.evaluation import OVERLAP_JACCARD, find_overlap, train_test  # noqa: E402

DATA = Path(os.environ.get("JISHI_SHARED_DATA", ROOT.parent / "shared" / "data")) / "tipdm2020"

OPTIONS: dict[str, TextClassifier] = {
    "default: word 1-2 + char 2, SVM C=1 balanced, sigmoid-calibrated": TextClassifier(),
    "word 1-2 + char 1-2, SVM C=1 balanced, calibrated": TextClassifier(char_unigrams=True),
    "word 1-2 + char 2, SVM C=0.5 unweighted, calibrated": TextClassifier(c=0.5, balanced=False),
    "word 1-2 only, SVM C=1 balanced, calibrated": TextClassifier(char_ngrams=False),
}


def cross_validate(docs: list[list[str]], labels: list[str], option: TextClassifier) -> float:
    y = np.array(labels)
    predicted = np.empty(len(y), dtype=object)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    for train_idx, test_idx in folds.split(np.zeros(len(y)), y):
        model = dataclasses.replace(option).fit([docs[i] for i in train_idx], y[train_idx].tolist())
        predicted[test_idx] = model.predict([docs[i] for i in test_idx])
    return float(f1_score(y, predicted.astype(str), average="macro"))


def overlapping_rows(train_docs: list[list[str]], test_docs: list[list[str]]) -> list[int]:
    overlap = find_overlap(train_docs, test_docs)
    print(
        f"overlap: {len(overlap.train_rows)} training rows match "
        f"{overlap.test_rows}/{len(test_docs)} test rows (Jaccard ≥ {OVERLAP_JACCARD}); "
        f"best-match Jaccard of the rest: max {overlap.best_other:.2f}"
    )
    return overlap.train_rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="only the default option")
    args = parser.parse_args()
    tokens_file = DATA / "labelled_tokens.csv"
    raw_file = DATA / "labelled_raw_sample.csv"
    if not tokens_file.exists() or not raw_file.exists():
        print(f"skipped: tipdm2020 data not found under {DATA}")
        return 0
    print(f"segmenter: {text.segmenter_name()}")
    train = datasets.load(tokens_file, "tokens")
    test = datasets.load(raw_file, "raw")
    train_docs = train.tokens()
    print(f"data: {len(train_docs)} token rows, {len(test.raw)} raw rows")

    print("\n== 5-fold cross-validation on labelled_tokens.csv (macro-F1) ==")
    options = list(OPTIONS.items())[:1] if args.quick else list(OPTIONS.items())
    for name, option in options:
        started = time.perf_counter()
        score = cross_validate(train_docs, train.labels, option)
        print(f"{score:.4f}  {name}  ({time.perf_counter() - started:.0f} s)", flush=True)

    print("\n== train labelled_tokens.csv (overlap removed) → test labelled_raw_sample.csv ==")
    overlap = overlapping_rows(train_docs, [text.segment(item) for item in test.raw])
    print(f"removed {len(overlap)} overlapping rows from training")
    result = train_test(train, test, exclude=overlap)
    for line in result.lines():
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
