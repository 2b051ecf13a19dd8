"""Labelled CSV files for training and evaluation.

Two formats, columns found by header name in any order (extra columns are ignored):

- ``tokens``: ``label``, ``tokens`` — text already segmented, tokens separated by spaces;
- ``raw``: ``label``, ``subject`` (or ``title``), ``body`` (or ``text``) — text as received.

Both end as token lists through :mod:`jishi.routing.text`, the same path predictions take.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from jishi.routing import text

FORMATS = ("tokens", "raw")
_TITLE = ("subject", "title")
_BODY = ("body", "text")

# Some exported messages are long; the csv module's default field limit is 128 KiB.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class DatasetError(ValueError):
    """The file cannot be read as the stated format; the message says why, in Chinese."""


@dataclass
class Dataset:
    raw: list[str]  # what went into the pipeline (joined title and body, or token string)
    labels: list[str]
    fmt: str

    def tokens(self) -> list[list[str]]:
        if self.fmt == "tokens":
            return [text.tokens_from_segmented(item) for item in self.raw]
        return [text.segment(item) for item in self.raw]


def _pick(header: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {h.strip().lower(): h for h in header}
    return next((lowered[n] for n in names if n in lowered), None)


def _rows(path: Path) -> Iterator[dict[str, str]]:
    # utf-8-sig: files saved by Excel start with a byte-order mark.
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def load(path: str | Path, fmt: str) -> Dataset:
    """Read a labelled CSV; rows with an empty label or empty text are skipped."""
    if fmt not in FORMATS:
        raise DatasetError(f"未知的数据格式：{fmt}（应为 tokens 或 raw）")
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"找不到文件：{path}")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle), [])
    label_col = _pick(header, ("label",))
    if label_col is None:
        raise DatasetError(f"{path.name} 缺少 label 列")
    raw: list[str] = []
    labels: list[str] = []
    if fmt == "tokens":
        tokens_col = _pick(header, ("tokens",))
        if tokens_col is None:
            raise DatasetError(f"{path.name} 缺少 tokens 列")
        for row in _rows(path):
            label, item = (row.get(label_col) or "").strip(), row.get(tokens_col) or ""
            if label and item.strip():
                raw.append(item)
                labels.append(label)
    else:
        title_col, body_col = _pick(header, _TITLE), _pick(header, _BODY)
        if title_col is None and body_col is None:
            raise DatasetError(f"{path.name} 缺少 subject/title 或 body/text 列")
        for row in _rows(path):
            label = (row.get(label_col) or "").strip()
            title = row.get(title_col) or "" if title_col else ""
            body = row.get(body_col) or "" if body_col else ""
            item = f"{title}\n{body}".strip()
            if label and item:
                raw.append(item)
                labels.append(label)
    if not raw:
        raise DatasetError(f"{path.name} 没有可用的数据行")
    return Dataset(raw=raw, labels=labels, fmt=fmt)
