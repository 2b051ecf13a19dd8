"""Other hash-chained ledgers verified and checkpointed beside the cases (a registry).

The case ledger is not the only record whose history must be tamper-evident: a supervised
project's events are chained the same way (``cases/chain.py``'s ``event_hash``). An app above
``cases`` registers its chains here from its ``AppConfig.ready``, so ``verify_ledger`` walks
them after the cases and every checkpoint's digest covers them, without ``cases`` importing
the app (imports point down).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from jishi.cases.chain import Break


@dataclass(frozen=True)
class ChainCheck:
    """What verifying one registered ledger found."""

    chains: int
    events: int
    breaks: list[Break]


@dataclass(frozen=True)
class Ledger:
    """A registered ledger.

    ``verify(stop_at_first)`` recomputes every chain; ``heads(until)`` yields
    ``(chain id, hash)`` for every event written at or before ``until``, ordered by chain id
    then sequence, so the checkpoint can keep the last hash of each chain (streamed)."""

    name: str
    label: str
    verify: Callable[[bool], ChainCheck]
    heads: Callable[[datetime], Iterator[tuple[int, str]]]


_LEDGERS: dict[str, Ledger] = {}


def register(ledger: Ledger) -> None:
    """Add (or replace, on a reload) a ledger; registering twice is harmless."""
    _LEDGERS[ledger.name] = ledger


def registered() -> list[Ledger]:
    """The registered ledgers in a fixed order (by name), so a digest is reproducible."""
    return [_LEDGERS[name] for name in sorted(_LEDGERS)]
