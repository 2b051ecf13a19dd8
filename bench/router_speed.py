"""Router speed on one core: pipeline throughput, single-prediction latency, training time.

- docs/s through the whole pipeline (normalise → segment → predict), one document at a
  time, as requests arrive; and each stage alone, to show where the time goes;
- p50/p99 latency of one prediction (title + text → top-3);
- training time on 100,000 documents, made by resampling ``labelled_tokens.csv`` with
  replacement (the token path: tokens_from_segmented + fit).

Reads the public tipdm2020 data from ../shared/data (never copied); prints figures only.
Run: ``.venv/bin/python bench/router_speed.py [--train-docs N]``.
"""

from __future__ import annotations

import os

# One core: no BLAS or OpenMP threads.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import opencc  # noqa: E402

from jishi.routing import datasets, text  # noqa: E402
from jishi.routing.classifier import TextClassifier  # noqa: E402

DATA = Path(os.environ.get("JISHI_SHARED_DATA", ROOT.parent / "shared" / "data")) / "tipdm2020"


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} docs/s"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train-docs", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="passes over the raw sample")
    args = parser.parse_args()
    tokens_file = DATA / "labelled_tokens.csv"
    raw_file = DATA / "labelled_raw_sample.csv"
    if not tokens_file.exists() or not raw_file.exists():
        print(f"skipped: tipdm2020 data not found under {DATA}")
        return 0
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    print(f"opencc: {getattr(opencc, '__version__', '?')} ({opencc.__file__})")
    print(f"segmenter: {text.segmenter_name()}")

    train = datasets.load(tokens_file, "tokens")
    raw = datasets.load(raw_file, "raw")
    started = time.perf_counter()
    model = TextClassifier().fit(train.tokens(), train.labels)
    print(
        f"model: {len(model.vocabulary()):,} features, fitted in "
        f"{time.perf_counter() - started:.1f} s on {len(train.raw):,} docs"
    )
    items = raw.raw * args.rounds
    mean_chars = sum(len(x) for x in raw.raw) / len(raw.raw)
    print(f"test items: {len(items):,} ({args.rounds} × raw sample, {mean_chars:.0f} chars mean)")

    text.segment("预热")  # load the dictionary outside the timings
    model.top_k(text.segment("预热"))

    started = time.perf_counter()
    normalised = [text.normalize(item) for item in items]
    t_norm = time.perf_counter() - started
    started = time.perf_counter()
    segmented = [text.segment(item) for item in items]
    t_seg = time.perf_counter() - started
    started = time.perf_counter()
    for tokens in segmented:
        model.top_k(tokens, k=3)
    t_pred = time.perf_counter() - started
    print(f"normalise only:             {_rate(len(items), t_norm)}")
    print(f"normalise + segment:        {_rate(len(items), t_seg)}")
    print(f"predict only (top-3):       {_rate(len(items), t_pred)}")
    assert len(normalised) == len(items)

    latencies = []
    started = time.perf_counter()
    for item in items:
        one = time.perf_counter()
        model.top_k(text.segment(item), k=3)
        latencies.append(time.perf_counter() - one)
    total = time.perf_counter() - started
    ms = np.array(latencies) * 1000
    print(f"whole pipeline:             {_rate(len(items), total)}")
    print(
        f"latency of one prediction:  p50 {np.percentile(ms, 50):.2f} ms, "
        f"p99 {np.percentile(ms, 99):.2f} ms, max {ms.max():.2f} ms"
    )

    rng = random.Random(0)
    picks = [rng.randrange(len(train.raw)) for _ in range(args.train_docs)]
    raw_tokens = [train.raw[i] for i in picks]
    labels = [train.labels[i] for i in picks]
    started = time.perf_counter()
    docs = [text.tokens_from_segmented(item) for item in raw_tokens]
    t_tok = time.perf_counter() - started
    started = time.perf_counter()
    big = TextClassifier().fit(docs, labels)
    t_fit = time.perf_counter() - started
    print(
        f"training on {args.train_docs:,} docs: {t_tok + t_fit:.1f} s "
        f"(tokens {t_tok:.1f} s, fit {t_fit:.1f} s; {len(big.vocabulary()):,} features, "
        f"artifact {len(big.to_bytes()) / 1e6:.1f} MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
