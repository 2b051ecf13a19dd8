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

from jishi.cases import duplicates as lookup  # noqa: E402
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
    print(f"(in use: THRESHOLD = {lookup.THRESHOLD})")
    _ = in_group


def latency(rows: list[dict[str, str]], rounds: int) -> None:
    docs = [(r["subject"], r["body"]) for r in rows]
    rng = random.Random(2)
    for n in (50, 200, lookup.CANDIDATE_CAP):
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
        ids = rng.sample(range(len(docs)), lookup.CANDIDATE_CAP + 1)
        w, c = time.perf_counter(), time.process_time()
        duplicates.text_similarity(docs[ids[0]], [docs[j] for j in ids[1:]], keys=ids[1:])
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
        _ = k
    _report(f"cold, {lookup.CANDIDATE_CAP} candidates", walls, cpus)


def database(rows: list[dict[str, str]], n_cases: int, rounds: int, verbose: bool = False) -> None:
    """End to end through the database: a year of ``n_cases`` cases in 15 townships, 40 % of
    them in the county seat (the busiest township, where the 500 cap bites), then lookups
    in the county seat. Runs in a transaction that is rolled back: nothing stays behind."""
    from datetime import timedelta

    from django.db import connection, transaction

    from jishi.cases.models import Case, CaseKind, Channel, State
    from jishi.common import clock
    from jishi.orgs.models import Unit, UnitKind

    rng = random.Random(3)
    docs = [(r["subject"][:120], r["body"]) for r in rows]
    rng.shuffle(docs)
    queries, stored = docs[:rounds], docs[rounds:]
    open_states = [State.ACCEPTED, State.DISPATCHED, State.IN_PROGRESS, State.REPLIED]

    class _Rollback(Exception):
        pass

    try:
        with transaction.atomic():
            county = Unit.objects.create(code="BENCH-DUP", name="基准县", kind=UnitKind.COUNTY)
            towns = [
                Unit.objects.create(
                    code=f"BENCH-DUP-T{i:02d}",
                    name=f"基准镇{i}",
                    kind=UnitKind.TOWNSHIP,
                    parent=county,
                )
                for i in range(15)
            ]
            now = clock.now()
            batch = []
            for i in range(n_cases):
                title, text = stored[i % len(stored)]
                at = now - timedelta(days=rng.random() * 365)
                recent = now - at < timedelta(days=30)
                state = rng.choice(open_states) if recent and rng.random() < 0.7 else State.CLOSED
                if not recent and rng.random() < 0.03:
                    state = rng.choice(open_states)  # the odd long-running case
                town = towns[0] if rng.random() < 0.4 else rng.choice(towns[1:])
                batch.append(
                    Case(
                        code=f"BD{i:08d}",
                        kind=CaseKind.REQUEST,
                        channel=Channel.PORTAL,
                        title=title,
                        text=text,
                        township=town,
                        state=state,
                        accepted_at=at,
                        last_hash="0" * 64,
                    )
                )
            Case.objects.bulk_create(batch, batch_size=2000)
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE") if connection.vendor == "postgresql" else None
            seat = towns[0]
            since = now - timedelta(days=lookup.WINDOW_DAYS)
            candidates = Case.objects.filter(
                township=seat, state__in=list(lookup.OPEN_STATES), accepted_at__gte=since
            ).count()
            print(
                f"\ndatabase ({connection.vendor}): {n_cases} cases, "
                f"{candidates} open in the county seat in the last 30 days "
                f"(cap {lookup.CANDIDATE_CAP})"
            )
            if connection.vendor == "postgresql" and verbose:
                from django.db.models.functions import Substr

                plan = (
                    Case.objects.filter(
                        township=seat,
                        state__in=list(lookup.OPEN_STATES),
                        accepted_at__gte=since,
                    )
                    .order_by("-accepted_at", "-id")
                    .values_list("id", "title", Substr("text", 1, duplicates.TEXT_CHARS))[
                        : lookup.CANDIDATE_CAP
                    ]
                    .explain(analyze=True)
                )
                print(plan)
            duplicates.clear_cache()
            walls: list[float] = []
            cpus: list[float] = []
            query_walls: list[float] = []
            for k, (title, text) in enumerate(queries):
                w, c = time.perf_counter(), time.process_time()
                lookup.similar_open_cases(title=title, text=text, township=seat)
                wall, cpu = time.perf_counter() - w, time.process_time() - c
                if k == 0:
                    print(f"first lookup (cold cache): {wall * 1000:.0f} ms")
                    continue
                walls.append(wall)
                cpus.append(cpu)
                w = time.perf_counter()
                lookup._candidates(
                    township_id=seat.pk,
                    village_id=None,
                    lat=None,
                    lon=None,
                    exclude=[],
                    since=since,
                    same_township_only=True,
                )
                query_walls.append(time.perf_counter() - w)
            _report("similar_open_cases, end to end", walls, cpus)
            q50, q99 = np.percentile(query_walls, [50, 99]) * 1000
            print(f"  of which the candidate query: p50 {q50:.1f} ms p99 {q99:.1f} ms")
            raise _Rollback
    except _Rollback:
        pass


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
    parser.add_argument(
        "--db",
        type=int,
        default=0,
        metavar="N",
        help="also measure end to end with N cases in the database of DATABASE_URL "
        "(migrated; everything is rolled back)",
    )
    parser.add_argument("--explain", action="store_true", help="print the candidate query plan")
    args = parser.parse_args()
    rows = _rows()
    print(f"{len(rows)} messages; mean length {statistics.mean(len(r['body']) for r in rows):.0f}")
    if not args.no_calibrate:
        calibrate(rows)
    latency(rows, args.rounds)
    if args.db:
        database(rows, args.db, args.rounds, verbose=args.explain)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
