"""The shared rate limits: counted in the database, so every worker process and every
connection sees the same count. Real threads with their own connections stand in for
gunicorn's workers (no mocks)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connections

from jishi.common import clock, ratelimit
from jishi.common.models import RateCounter
from jishi.common.ratelimit import Rate

RATE = Rate("test.tries", limit=3, window=60)


@pytest.mark.django_db
def test_counts_up_to_the_limit_then_refuses() -> None:
    assert [ratelimit.allow(RATE, "1.2.3.4") for _ in range(4)] == [True, True, True, False]
    assert ratelimit.exceeded(RATE, "1.2.3.4")
    # Another address, another scope: counted apart.
    assert not ratelimit.exceeded(RATE, "1.2.3.5")
    assert not ratelimit.exceeded(Rate("test.other", limit=3, window=60), "1.2.3.4")


@pytest.mark.django_db
def test_a_window_ends_and_a_trickle_does_not_extend_it() -> None:
    start = clock.now()
    with clock.travel_to(start):
        ratelimit.hit(RATE, "a")
        ratelimit.hit(RATE, "a")
    with clock.travel_to(start + timedelta(seconds=59)):
        assert ratelimit.hit(RATE, "a") == 3
    with clock.travel_to(start + timedelta(seconds=60)):
        assert ratelimit.count(RATE, "a") == 0
        assert ratelimit.hit(RATE, "a") == 1  # a new window
    with clock.travel_to(start + timedelta(seconds=119)):
        assert ratelimit.hit(RATE, "a") == 2


@pytest.mark.django_db
def test_keys_hold_no_address_and_old_windows_are_purged() -> None:
    ratelimit.hit(RATE, "203.0.113.9", "JA2611-7Q4K")
    (row,) = RateCounter.objects.all()
    assert "203.0.113" not in row.key and "7Q4K" not in row.key
    assert row.key.startswith("test.tries:")
    with clock.travel_to(clock.now() + timedelta(minutes=30)):
        assert ratelimit.purge() == 0
    with clock.travel_to(clock.now() + timedelta(hours=2)):
        assert ratelimit.purge() == 1
    ratelimit.hit(RATE, "b")
    ratelimit.reset(RATE, "b")
    assert ratelimit.count(RATE, "b") == 0


@pytest.mark.django_db(transaction=True)
def test_two_connections_share_one_count() -> None:
    """What a per-process cache got wrong: each worker counted alone, so two workers
    allowed twice the tries. Here a second connection (another thread) sees and adds to
    the first one's count."""

    def in_another_connection(n: int) -> None:
        try:
            for _ in range(n):
                ratelimit.hit(RATE, "shared")
        finally:
            connections.close_all()

    ratelimit.hit(RATE, "shared")
    ratelimit.hit(RATE, "shared")
    worker = threading.Thread(target=in_another_connection, args=(1,))
    worker.start()
    worker.join(timeout=30)
    assert ratelimit.exceeded(RATE, "shared")
    assert not ratelimit.allow(RATE, "shared")


@pytest.mark.django_db(transaction=True)
def test_attempts_at_the_same_moment_are_all_counted() -> None:
    barrier = threading.Barrier(4)
    seen: list[int] = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                n = ratelimit.hit(RATE, "race")
                with lock:
                    seen.append(n)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    # Twenty attempts, each told a different count: none lost, none counted twice.
    assert sorted(seen) == list(range(1, 21))
    assert ratelimit.count(RATE, "race") == 20
