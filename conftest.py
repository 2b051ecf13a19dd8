"""Shared fixtures: the three-layer persona set (township, department, county) and friends,
plus the Playwright harness for browser tests (``jishi.testing.browser``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest_plugins = ["jishi.testing.fixtures", "jishi.testing.browser"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that drives Chromium is a browser test even if its author forgot the marker,
    # so `-m "not browser"` reliably leaves Chromium out.
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def _fresh_process_state() -> Iterator[None]:
    """What a process keeps between requests must not leak from one test into the next: the
    cache (rate-limit counters, the hotspot page's "refresh requested" marker), the loaded
    router models and the segmenter's word list."""
    from django.core.cache import cache

    from jishi.routing import lexicon, selectors

    cache.clear()
    selectors.clear_loaded_models()
    lexicon.invalidate()
    yield
    selectors.clear_loaded_models()
    lexicon.invalidate()
