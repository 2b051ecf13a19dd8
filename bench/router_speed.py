"""Router speed on one core: pipeline throughput, single-prediction latency, training time.

- docs/s through the whole pipeline (normalise → segment → predict), one document at a
  time, as requests arrive; and each stage alone, to show where the time goes;
- p50/p99 latency of one prediction (title + text → top-3), and the time of a batch of 20 (the
  dispatcher queue asks for 20 cases at once);
- training time on 100,000 documents, made by resampling ``labelled_tokens.csv`` with
  replacement (the token path: tokens_from_segmented + fit). Resampling repeats documents
  (about 8,100 distinct ones), and fit trains each distinct document once with its count as
  weight, so this measures a ledger full of repeats; then on 100,000 different texts (each a
  resampled document joined to half of another with the same label).

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


def _rate(count: int, seconds: float, cpu: float) -> str:
    return f"{count / seconds:,.0f} docs/s wall, {count / cpu:,.0f} docs/s CPU"


class _Clock:
    """Wall and CPU time of this process. On a busy shared machine the wall figure measures
    the neighbours too; the CPU figure is what one core of our own costs."""

    def __enter__(self) -> _Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


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
    with _Clock() as c_small:
        model = TextClassifier().fit(train.tokens(), train.labels)
    print(
        f"model: {len(model.vocabulary()):,} features, fitted in {c_small.wall:.1f} s wall, "
        f"{c_small.cpu:.1f} s CPU on {len(train.raw):,} docs"
    )
    items = raw.raw * args.rounds
    mean_chars = sum(len(x) for x in raw.raw) / len(raw.raw)
    print(f"test items: {len(items):,} ({args.rounds} × raw sample, {mean_chars:.0f} chars mean)")

    text.segment("预热")  # load the dictionary outside the timings
    model.top_k(text.segment("预热"))

    with _Clock() as c_norm:
        normalised = [text.normalize(item) for item in items]
    with _Clock() as c_seg:
        segmented = [text.segment(item) for item in items]
    with _Clock() as c_pred:
        for tokens in segmented:
            model.top_k(tokens, k=3)
    print(f"normalise only:             {_rate(len(items), c_norm.wall, c_norm.cpu)}")
    print(f"normalise + segment:        {_rate(len(items), c_seg.wall, c_seg.cpu)}")
    print(f"predict only (top-3):       {_rate(len(items), c_pred.wall, c_pred.cpu)}")
    assert len(normalised) == len(items)

    latencies = []
    cpu_latencies = []
    with _Clock() as c_all:
        for item in items:
            one, one_cpu = time.perf_counter(), time.process_time()
            model.top_k(text.segment(item), k=3)
            latencies.append(time.perf_counter() - one)
            cpu_latencies.append(time.process_time() - one_cpu)
    batches = [segmented[i : i + 20] for i in range(0, len(segmented) - 19, 20)]
    with _Clock() as c_batch:
        for batch in batches:
            model.predict_proba(batch)
    ms = np.array(latencies) * 1000
    print(f"whole pipeline:             {_rate(len(items), c_all.wall, c_all.cpu)}")
    print(
        f"latency of one prediction:  p50 {np.percentile(ms, 50):.2f} ms, "
        f"p99 {np.percentile(ms, 99):.2f} ms, max {ms.max():.2f} ms (wall; "
        f"CPU p99 {np.percentile(np.array(cpu_latencies) * 1000, 99):.2f} ms)"
    )
    print(
        f"batch of 20 (tokens → probabilities): {c_batch.wall / len(batches) * 1000:.2f} ms wall, "
        f"{c_batch.cpu / len(batches) * 1000:.2f} ms CPU per batch"
    )

    rng = random.Random(0)
    picks = [rng.randrange(len(train.raw)) for _ in range(args.train_docs)]
    raw_tokens = [train.raw[i] for i in picks]
    labels = [train.labels[i] for i in picks]
    with _Clock() as c_tok:
        docs = [text.tokens_from_segmented(item) for item in raw_tokens]
    with _Clock() as c_fit:
        big = TextClassifier().fit(docs, labels)
    print(
        f"training on {args.train_docs:,} docs: {c_tok.wall + c_fit.wall:.1f} s wall, "
        f"{c_tok.cpu + c_fit.cpu:.1f} s CPU (tokens {c_tok.cpu:.1f} s, fit {c_fit.cpu:.1f} s "
        f"CPU; {len({tuple(d) for d in docs}):,} distinct documents, "
        f"{len(big.vocabulary()):,} features, artifact {len(big.to_bytes()) / 1e6:.1f} MB)"
    )

    # A ledger of different texts: each document is a resampled one followed by the second
    # half of another document with the same label, so (almost) no two are alike.
    by_label: dict[str, list[list[str]]] = {}
    for doc, label in zip(docs, labels, strict=True):
        by_label.setdefault(label, []).append(doc)
    mixed = []
    for doc, label in zip(docs, labels, strict=True):
        other = rng.choice(by_label[label])
        mixed.append(doc + other[len(other) // 2 :])
    with _Clock() as c_mixed:
        wide = TextClassifier().fit(mixed, labels)
    print(
        f"training on {len(mixed):,} different docs: {c_mixed.wall:.1f} s wall, "
        f"{c_mixed.cpu:.1f} s CPU ({len({tuple(d) for d in mixed}):,} distinct, "
        f"{len(wide.vocabulary()):,} features)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
