"""Generated citizen texts and replies: every category, lengths, variety, and the mess."""

from __future__ import annotations

import random
import re

import pytest

from jishi.common.text import to_simplified
from jishi.demo.orgdata import CATEGORIES, CATEGORY_BY_CODE, DemoPlace, plan_demo_org
from jishi.demo.textgen import (
    MAX_BODY,
    MIN_BODY,
    generate_case_text,
    generate_interim_reply,
    generate_reply,
    owner_name,
)

PLACES = plan_demo_org().places()


def sample(n: int, seed: int = 1) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        category = rng.choice(CATEGORIES).code
        out.append((category, *generate_case_text(category, rng, rng.choice(PLACES))))
    return out


@pytest.mark.parametrize("category", [c.code for c in CATEGORIES])
def test_every_category_produces_varied_text_within_limits(category: str):
    rng = random.Random(category)
    texts = [generate_case_text(category, rng, rng.choice(PLACES)) for _ in range(20)]
    for title, body in texts:
        assert 2 <= len(title) <= 40
        assert MIN_BODY <= len(body) <= MAX_BODY
        assert "{" not in title + body and "}" not in title + body
    assert len({body for _title, body in texts}) >= 15


def test_texts_are_deterministic_for_a_seed_and_mostly_distinct():
    first, again = sample(800), sample(800)
    assert first == again
    bodies = [body for _c, _t, body in first]
    assert len(set(bodies)) >= 0.97 * len(bodies)
    assert sample(50, seed=2) != sample(50, seed=1)


def test_the_text_names_places_of_the_demo_county():
    place = DemoPlace("河口镇", "柳树湾村")
    rng = random.Random(5)
    texts = [generate_case_text("daolu", rng, place) for _ in range(40)]
    assert any("柳树湾村" in body for _t, body in texts)
    assert any("河口镇" in title + body for title, body in texts)


def test_some_texts_are_messy_like_real_ones():
    texts = sample(3000)
    bodies = [body for _c, _t, body in texts]
    traditional = [b for b in bodies if to_simplified(b) != b]
    full_width = [b for b in bodies if re.search("[０-９]", b)]
    phones = [b for b in bodies if re.search(r"1[3-9]\d{9}", b)]
    two_domains = [b for b in bodies if "另外，" in b]
    assert 0.01 * len(bodies) <= len(traditional) <= 0.06 * len(bodies)
    assert 0.02 * len(bodies) <= len(full_width) <= 0.09 * len(bodies)
    assert 0.07 * len(bodies) <= len(phones) <= 0.18 * len(bodies)
    assert 0.05 * len(bodies) <= len(two_domains) <= 0.16 * len(bodies)


def test_unknown_category_is_an_error():
    with pytest.raises(KeyError):
        generate_case_text("nope", random.Random(1), PLACES[0])


def test_replies_substantive_boilerplate_and_interim():
    rng = random.Random(9)
    unit = owner_name("laji")
    assert unit == "县城市管理局"
    reply = generate_reply("laji", rng, unit_name=unit, place=PLACES[3], boilerplate=False)
    assert unit in reply and "垃圾清运" in reply and PLACES[3].village in reply
    canned = generate_reply("laji", rng, unit_name=unit, boilerplate=True)
    assert "垃圾清运" not in canned and len(canned) >= 20
    replies = [
        generate_reply(c.code, rng, unit_name="县某局", boilerplate=False) for c in CATEGORIES
    ]
    assert all("{" not in r for r in replies)
    assert len(set(replies)) >= 0.9 * len(replies)
    interim = generate_interim_reply("jiaotong", rng, unit_name="县交通运输局")
    assert "{" not in interim and "您好" in interim


def test_every_category_has_an_owner_name():
    for code in CATEGORY_BY_CODE:
        assert owner_name(code).startswith("县")


@pytest.mark.parametrize("kind", ["request", "complaint", "suggestion", "inquiry", "praise"])
def test_the_title_agrees_with_the_kind(kind: str) -> None:
    rng = random.Random(kind)
    titles = [
        to_simplified(generate_case_text(c.code, rng, rng.choice(PLACES), kind)[0])
        for c in CATEGORIES
        for _ in range(6)
    ]
    framed = {
        "complaint": ("投诉", "反映"),
        "suggestion": ("建议",),
        "inquiry": ("咨询", "请问", "怎么办"),
        "praise": ("表扬", "感谢", "点赞"),
    }
    if kind in framed:
        share = sum(any(w in t for w in framed[kind]) for t in titles) / len(titles)
        assert share >= (0.6 if kind == "complaint" else 1.0), kind
    if kind != "complaint":
        assert not any(t.startswith("投诉") for t in titles), kind


def test_a_praise_thanks_the_unit_that_owns_the_matter() -> None:
    rng = random.Random(3)
    title, body = generate_case_text("daolu", rng, PLACES[0], "praise")
    assert owner_name("daolu") in title + body
    assert MIN_BODY <= len(body) <= MAX_BODY
