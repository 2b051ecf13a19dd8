"""Hotspots over the public ``hot_messages.csv``: time, and the top clusters to judge by eye.

Prints the time to cluster the 4,326 messages (wall and CPU, segmentation included) and
the top clusters with title, size, heat, places, time span and sample subjects.
Reads the public tipdm2020 data from ../shared/data (never copied); prints figures only.
Run: ``.venv/bin/python bench/hotspots.py [--top 10] [--distance 0.8]``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jishi.routing import hotspots  # noqa: E402
from jishi.routing.hotspots import read_docs  # noqa: E402

DATA = Path(os.environ.get("JISHI_SHARED_DATA", ROOT.parent / "shared" / "data")) / "tipdm2020"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--distance", type=float, default=hotspots.DISTANCE)
    parser.add_argument("--samples", type=int, default=4)
    args = parser.parse_args()
    path = DATA / "hot_messages.csv"
    if not path.exists():
        print(f"public data set not found at {path} (set JISHI_SHARED_DATA)")
        return 1
    docs = read_docs(path)
    hotspots.find_hotspots(docs[:50], top=1)  # load the dictionary outside the timing
    wall, cpu = time.perf_counter(), time.process_time()
    found = hotspots.find_hotspots(docs, top=args.top, distance=args.distance)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{len(docs)} messages → top {len(found)} hotspots in {wall:.2f} s wall, {cpu:.2f} s CPU")
    for rank, h in enumerate(found, 1):
        span = f"{h.first_at:%Y-%m-%d}–{h.last_at:%Y-%m-%d}" if h.first_at and h.last_at else "-"
        print(
            f"\n{rank:2d}. {h.title}  [size {h.size}, heat {h.score}, likes {h.likes}]"
            f"\n    keywords: {' '.join(h.keywords)}; places: {', '.join(h.places) or '-'}; {span}"
        )
        for subject in h.samples[: args.samples]:
            print(f"      · {subject}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
