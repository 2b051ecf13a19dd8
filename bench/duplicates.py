"""Duplicate finding: threshold calibration and lookup latency.

Calibration (``--calibrate``, default on): ``hot_messages.csv`` has no duplicate labels, but
it holds several well-known groups of messages from many citizens about one thing (one
compound's bundled parking spaces, one lending fraud, one school's catchment …). Messages
of a group are positives for each other; every message outside all groups is a negative
for each group member. For thresholds 0.15–0.45 the script prints the share of positive
pairs found (recall) and the share of group members that would wrongly be shown any
unrelated message among 500 (false alarm rate), IDF coming from the whole set as the
per-process cache would give it.

Latency: one lookup (the new message against N open candidates of one township, warm
feature cache as in production after the first lookup there, a new case arriving every
tenth lookup) for N = 50, 200, 500 (the cap), and a cold-cache lookup (a process's first
lookup in a township: every candidate segmented); p50/p99 wall and CPU. The database
query (one range scan on the ``case_township_state`` index, at most 500 rows of title and
text) is not included.

Reads the public tipdm2020 data from ../shared/data (never copied); prints figures only.
Run: ``.venv/bin/python bench/duplicates.py``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jishi.config.settings")

import argparse
import csv
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from jishi.routing import duplicates  # noqa: E402

DATA = Path(os.environ.get("JISHI_SHARED_DATA", ROOT.parent / "shared" / "data")) / "tipdm2020"

# (name, words that must all occur in the subject): groups read by eye to be one matter.
GROUPS = [
    ("伊景园滨河苑 捆绑车位", ["伊景园"]),
    ("58车贷案", ["58车贷"]),
    ("金毛湾 配套入学", ["金毛湾"]),
    ("五矿万境 问题", ["五矿万境"]),
    ("绿地海外滩 高铁", ["绿地海外滩"]),
    ("丽发新城 断水/搅拌站", ["丽发新城"]),
]


def _rows() -> list[dict[str, str]]:
    path = DATA / "hot_messages.csv"
    if not path.exists():
        sys.exit(f"public data set not found at {path} (set JISHI_SHARED_DATA)")
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def calibrate(rows: list[dict[str, str]]) -> None:
    groups: dict[str, list[int]] = {}
    for name, words in GROUPS:
        groups[name] = [i for i, r in enumerate(rows) if all(w in r["subject"] for w in words)]
    in_group = {i for members in groups.values() for i in members}
    # Exclude messages that mention a group's words in the body too: they may be related.
    loose = {
        i
        for i, r in enumerate(rows)
        for _, words in GROUPS
        if all(w in r["subject"] + r["body"] for w in words)
    }
    negatives = [i for i in range(len(rows)) if i not in loose]
    rng = random.Random(1)
    docs = [(r["subject"], r["body"]) for r in rows]
    # Fill the per-process cache with every message so IDF is that of the whole set.
    duplicates.clear_cache()
    for i, doc in enumerate(docs):
        duplicates._cache.get(i, *doc)

    print(f"groups: {', '.join(f'{n} ({len(m)})' for n, m in groups.items())}")
    print(f"negatives: {len(negatives)} messages outside every group")
    pos_scores: list[float] = []
    neg_max: list[float] = []
    for members in groups.values():
        for i in members:
            others = [j for j in members if j != i]
            sims = duplicates.text_similarity(docs[i], [docs[j] for j in others], keys=others)
            pos_scores.extend(float(s) for s in sims)
            sample = rng.sample(negatives, 500)
            sims = duplicates.text_similarity(docs[i], [docs[j] for j in sample], keys=sample)
            neg_max.append(float(sims.max()))
    pos = np.array(pos_scores)
    neg = np.array(neg_max)
    print(f"{len(pos)} positive pairs; {len(neg)} lookups against 500 unrelated messages")
    print("threshold  pairs found  lookups with a false alarm")
    for t in np.arange(0.15, 0.46, 0.025):
        print(f"  {t:.3f}     {np.mean(pos >= t):6.1%}       {np.mean(neg >= t):6.1%}")
    print(f"(in use: THRESHOLD = {duplicates.THRESHOLD})")
    _ = in_group


def latency(rows: list[dict[str, str]], rounds: int) -> None:
    docs = [(r["subject"], r["body"]) for r in rows]
    rng = random.Random(2)
    for n in (50, 200, duplicates.CANDIDATE_CAP):
        duplicates.clear_cache()
        walls: list[float] = []
        cpus: list[float] = []
        # One township's open cases, seen by an earlier lookup; every tenth lookup a new
        # case has been accepted there meanwhile (and an old one has left the window).
        pool = rng.sample(range(len(docs)), len(docs))
        cands, spare = pool[:n], pool[n:]
        duplicates.text_similarity(docs[spare[0]], [docs[j] for j in cands], keys=cands)
        for k in range(rounds):
            if k % 10 == 9:
                cands = [*cands[1:], spare.pop()]
            query = docs[spare[k % len(spare)]]
            w, c = time.perf_counter(), time.process_time()
            duplicates.text_similarity(query, [docs[j] for j in cands], keys=cands)
            walls.append(time.perf_counter() - w)
            cpus.append(time.process_time() - c)
        _report(f"warm, {n:3d} candidates", walls, cpus)
    duplicates.clear_cache()
    walls, cpus = [], []
    for k in range(max(3, rounds // 20)):
        duplicates.clear_cache()
        ids = rng.sample(range(len(docs)), duplicates.CANDIDATE_CAP + 1)
        w, c = time.perf_counter(), time.process_time()
        duplicates.text_similarity(docs[ids[0]], [docs[j] for j in ids[1:]], keys=ids[1:])
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
        _ = k
    _report(f"cold, {duplicates.CANDIDATE_CAP} candidates", walls, cpus)


def _report(label: str, walls: list[float], cpus: list[float]) -> None:
    def p(values: list[float], q: float) -> float:
        return float(np.percentile(values, q)) * 1000

    print(
        f"{label}: wall p50 {p(walls, 50):.1f} ms p99 {p(walls, 99):.1f} ms; "
        f"CPU p50 {p(cpus, 50):.1f} ms p99 {p(cpus, 99):.1f} ms "
        f"(mean {statistics.mean(cpus) * 1000:.1f})"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--no-calibrate", action="store_true")
    args = parser.parse_args()
    rows = _rows()
    print(f"{len(rows)} messages; mean length {statistics.mean(len(r['body']) for r in rows):.0f}")
    if not args.no_calibrate:
        calibrate(rows)
    latency(rows, args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
