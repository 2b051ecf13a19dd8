"""Small configuration tables held in memory: units, categories, time limits.

They are read on nearly every request (a portal submission validates its township and
village and looks up the routed category; a dispatch looks up its time limits) and change a
few times a year. Reading them per request cost a query, and its ORM compilation, each time.

A :class:`Snapshot` loads its table at most every ``ttl`` seconds per process. A change saved
in this process drops it at once (model signals, and again on commit, so a reader between
the save and the commit cannot keep the old rows). Other worker processes see the change
within ``ttl`` seconds: the same staleness an admin accepts from any multi-process
deployment, and short enough that a renamed unit is right on the next page.

Rolled-back test transactions send no delete signals, so tests start with every snapshot
dropped (``forget_all``, from an autouse fixture).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

_all: list[Snapshot[object]] = []


class Snapshot(Generic[T]):
    def __init__(
        self,
        name: str,
        load: Callable[[], T],
        *,
        models_: Iterable[type[models.Model]],
        ttl: float = 5.0,
    ) -> None:
        self.name = name
        self._load = load
        self.ttl = ttl
        self._value: T | None = None
        self._loaded_at = 0.0
        self._generation = 0
        self._lock = threading.Lock()
        for model in models_:
            post_save.connect(self._changed, sender=model, weak=False)
            post_delete.connect(self._changed, sender=model, weak=False)
        _all.append(self)  # type: ignore[arg-type]

    def get(self) -> T:
        value, now = self._value, time.monotonic()
        if value is not None and now - self._loaded_at < self.ttl:
            return value
        with self._lock:
            generation = self._generation
            value = self._load()
            # A change that arrived while loading may not be in what was read: keep the
            # value for this caller only, and read again next time.
            if generation == self._generation:
                self._value, self._loaded_at = value, now
        return value

    def forget(self) -> None:
        # No lock: a save must not wait for a load in flight (which this makes discard
        # what it read).
        self._generation += 1
        self._value = None

    def _changed(self, **_: object) -> None:
        self.forget()
        transaction.on_commit(self.forget)


def forget_all() -> None:
    for snapshot in _all:
        snapshot.forget()
