"""Reply check over the public ``replied_messages.csv``: score distribution, the replies
below the warning threshold, and the lowest- and highest-scoring replies to judge by eye.

Timeliness uses the county calendar built from settings (statutory holidays from the
bundled Chinese calendar; no database needed). Reads the public tipdm2020 data from
../shared/data (never copied); prints figures and excerpts only.
Run: ``.venv/bin/python bench/reply_quality.py [--show 5]``.
"""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jishi.config.settings")

import argparse
import csv
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402

django.setup()

from jishi.routing import replies  # noqa: E402
from jishi.routing.hotspots import parse_time  # noqa: E402
from jishi.workdays.calendar import Calendar  # noqa: E402

DATA = Path(os.environ.get("JISHI_SHARED_DATA", ROOT.parent / "shared" / "data")) / "tipdm2020"


def _clip(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--show", type=int, default=5)
    args = parser.parse_args()
    path = DATA / "replied_messages.csv"
    if not path.exists():
        print(f"public data set not found at {path} (set JISHI_SHARED_DATA)")
        return 1
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    calendar = Calendar.from_settings()
    started = time.perf_counter()
    scored = [
        (
            replies.score_reply(
                message=r["body"],
                subject=r["subject"],
                reply=r["reply"],
                asked_at=parse_time(r["time"]),
                replied_at=parse_time(r["reply_time"]),
                calendar=calendar,
            ),
            r,
        )
        for r in rows
    ]
    elapsed = time.perf_counter() - started
    totals = np.array([s.total for s, _ in scored])
    print(
        f"{len(rows)} replies scored in {elapsed:.1f} s ({elapsed / len(rows) * 1000:.1f} ms each)"
    )
    for name in ("total", "relevance", "substance", "timeliness"):
        values = np.array([getattr(s, name) for s, _ in scored if getattr(s, name) is not None])
        q = np.percentile(values, [5, 25, 50, 75, 95]).round().astype(int)
        print(
            f"{name:>10}: mean {values.mean():5.1f}  p5/p25/p50/p75/p95 {' / '.join(map(str, q))}"
        )
    hist, edges = np.histogram(totals, bins=10, range=(0, 100))
    print("histogram of totals:")
    for count, lo in zip(hist, edges[:-1], strict=True):
        print(f"  {int(lo):3d}–{int(lo) + 9:3d} {count:5d} {'#' * max(0, round(count / 20))}")
    warned = [s for s, _ in scored if s.needs_warning]
    print(f"warned (total < {replies.WARN_BELOW}): {len(warned)} ({len(warned) / len(rows):.1%})")
    order = sorted(scored, key=lambda x: (x[0].total, len(x[1]["reply"])))
    for label, chosen in (("lowest", order[: args.show]), ("highest", order[-args.show :][::-1])):
        print(f"\n=== {args.show} {label} ===")
        for s, r in chosen:
            print(
                f"[{s.total}] rel {s.relevance} sub {s.substance} time {s.timeliness} "
                f"({s.workdays} wd)\n  Q: {_clip(r['subject'], 60)}\n  A: {_clip(r['reply'], 160)}"
            )
            if s.warnings:
                print(f"  ! {s.warning_text or '；'.join(s.warnings)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
