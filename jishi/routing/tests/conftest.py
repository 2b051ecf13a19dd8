"""Fixtures for the routing tests: isolated media and a synthetic corpus (caches are reset
for every test by the root ``conftest.py``)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

# Topic words per label; every generated document mixes several of its label's words with
# shared filler, so a linear model separates them but not from one word alone.
TOPICS: dict[str, list[str]] = {
    "交通运输": ["公交车", "红绿灯", "出租车", "拥堵", "车站", "高速公路", "驾驶员", "线路"],
    "环境保护": ["噪音", "污染", "排放", "异味", "污水", "油烟", "粉尘", "垃圾焚烧"],
    "教育文体": ["学校", "老师", "学生", "学费", "幼儿园", "招生", "教室", "体育馆"],
    "卫生计生": ["医院", "医生", "看病", "疫苗", "药品", "诊所", "护士", "病人"],
}
FILLER = ["小区", "居民", "反映", "附近", "长期", "严重", "希望", "解决", "街道", "晚上"]


def synthetic_corpus(n_per_label: int = 30, seed: int = 7) -> tuple[list[str], list[str]]:
    """Raw texts and labels; some texts carry phone and ID numbers, as real ones do."""
    rng = random.Random(seed)
    texts: list[str] = []
    labels: list[str] = []
    for label, words in TOPICS.items():
        for i in range(n_per_label):
            parts = rng.sample(words, 3) + rng.sample(FILLER, 3)
            rng.shuffle(parts)
            body = "，".join(parts) + "。"
            if i % 3 == 0:
                body += f"联系电话1{rng.randint(3, 9)}{rng.randint(0, 10**9 - 1):09d}"
            if i % 5 == 0:
                body += f"身份证号{rng.randint(10**16, 10**17 - 1)}X"
            texts.append(body)
            labels.append(label)
    return texts, labels


@pytest.fixture
def media(settings: pytest.FixtureRequest, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"  # type: ignore[attr-defined]
    return tmp_path / "media"
