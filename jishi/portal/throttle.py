"""Guessing limits for the tracking page: a fixed window of failed tries per IP and per code.

Counted in Django's cache, so several workers share the count when the cache is shared
(Redis, Memcached, database); with the default per-process memory cache each worker counts
alone, which still bounds guessing to a small multiple of the limit.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache

LIMIT = 10
WINDOW_SECONDS = 600


def _keys(ip: str, code: str) -> list[str]:
    def digest(value: str) -> str:
        return hashlib.sha256(value.encode()).hexdigest()[:24]

    return [f"jishi:portal:track:ip:{digest(ip)}", f"jishi:portal:track:code:{digest(code)}"]


def blocked(ip: str, code: str) -> bool:
    """True once this IP or this code has had ``LIMIT`` failed tries in the window."""
    counts = cache.get_many(_keys(ip, code))
    return any(int(n) >= LIMIT for n in counts.values())


def failed(ip: str, code: str) -> None:
    for key in _keys(ip, code):
        # add() starts the window on the first failure; incr() never extends it.
        cache.add(key, 0, WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, WINDOW_SECONDS)
