"""The county's names as segmenter words, rebuilt when units change."""

from __future__ import annotations

import pytest

from jishi.orgs.models import Unit, UnitKind
from jishi.routing import lexicon, text

pytestmark = pytest.mark.django_db


def test_unit_names_and_stems_become_words(county) -> None:
    words = lexicon.build_words(extra=["垃圾分类"])
    assert {"城关镇", "城关", "县住建局", "石桥村", "石桥", "垃圾分类"} <= set(words)


def test_lexicon_reloads_when_units_change(county) -> None:
    lexicon.ensure_loaded(force=True)
    assert "城关镇" in text.segment("城关镇东街社区路灯坏了")
    new_name = "青龙岗镇"
    assert new_name not in text.segment(f"{new_name}路灯坏了")
    Unit(code="T09", name=new_name, kind=UnitKind.TOWNSHIP, parent=county.county).save()
    # The save signal invalidated the cached check; the next call reloads.
    lexicon.ensure_loaded()
    assert new_name in text.segment(f"{new_name}路灯坏了")


def test_version_check_is_throttled(county, settings, django_assert_num_queries) -> None:
    settings.ROUTING_LEXICON_CHECK_SECONDS = 3600
    lexicon.ensure_loaded(force=True)
    with django_assert_num_queries(0):
        lexicon.ensure_loaded()
