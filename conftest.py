"""Shared fixtures: the three-layer persona set (township, department, county) and friends."""

pytest_plugins = ["jishi.testing.fixtures"]
