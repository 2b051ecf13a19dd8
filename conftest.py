"""Shared fixtures: the three-layer persona set (township, department, county) and friends,
plus the Playwright harness for browser tests (``jishi.testing.browser``)."""

from __future__ import annotations

import pytest

pytest_plugins = ["jishi.testing.fixtures", "jishi.testing.browser"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A test that drives Chromium is a browser test even if its author forgot the marker,
    # so `-m "not browser"` reliably leaves Chromium out.
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.browser)
