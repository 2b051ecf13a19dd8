"""The county's own words for the segmenter: unit, township, village and category names.

jieba does not know "城关镇" or "县住建局"; without them it cuts a name into pieces that
also occur in unrelated text, and the router loses its most direct clue. The word list is
rebuilt from the database when it changes. Checking for a change costs one aggregate query,
so it runs at most every ``ROUTING_LEXICON_CHECK_SECONDS`` per process (and at once after a
``Unit`` is saved in this process), never on every call.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db.models import Count, Max

from jishi.orgs.models import Unit, UnitChange
from jishi.routing import text

# Generic suffixes a citizen often leaves out ("城关镇" → "城关"); the bare stem is added
# as a word too when at least two characters remain.
_SUFFIXES = re.compile(r"(街道办事处|街道|社区|居委会|村委会|管委会|乡|镇|村|局|委|办)$")

# Extra word sources (e.g. the cases app's category names) register here, so this module
# needs no import of apps that depend on it.
_sources: list[Callable[[], Iterable[str]]] = []
_lock = threading.Lock()
_state: dict[str, object] = {"version": None, "checked_at": 0.0}


def register_source(source: Callable[[], Iterable[str]]) -> None:
    """Add a callable returning more words (category names, …); it is read on rebuild."""
    if source not in _sources:
        _sources.append(source)
        invalidate()


def unit_words() -> list[str]:
    """Names and short names of active units, with their suffix-less stems."""
    words: list[str] = []
    for name, short in Unit.objects.filter(active=True).values_list("name", "short_name"):
        for word in (name, short):
            if not word:
                continue
            words.append(word)
            stem = _SUFFIXES.sub("", word)
            if len(stem) >= 2 and stem != word:
                words.append(stem)
    return words


def build_words(extra: Iterable[str] = ()) -> list[str]:
    """Every user-dictionary word: units, registered sources and ``extra``; sorted, unique."""
    words = set(unit_words())
    for source in _sources:
        words.update(source())
    words.update(extra)
    return sorted(w.strip() for w in words if w and w.strip())


def current_version(extra: Iterable[str] = ()) -> str:
    """A cheap fingerprint of what the word list is built from.

    Unit rows have no modification time, so the fingerprint combines the unit count, the
    highest unit id and the newest ``UnitChange`` id (every rename or deactivation through
    the services leaves one), plus the extra sources' words themselves (small lists).
    """
    units = Unit.objects.aggregate(n=Count("id"), top=Max("id"))
    last_change = UnitChange.objects.aggregate(top=Max("id"))["top"]
    digest = hashlib.sha256()
    digest.update(f"{units['n']}:{units['top']}:{last_change}".encode())
    for source in _sources:
        for word in sorted(source()):
            digest.update(word.encode() + b"\0")
    for word in sorted(extra):
        digest.update(word.encode() + b"\0")
    return digest.hexdigest()[:16]


def invalidate() -> None:
    """Force the next :func:`ensure_loaded` to check the database."""
    _state["checked_at"] = 0.0


def ensure_loaded(*, extra: Iterable[str] = (), force: bool = False) -> str:
    """Load the county's words into the segmenter if they changed; return the version.

    Cheap when called often: between checks it only reads a clock.
    """
    interval = float(getattr(settings, "ROUTING_LEXICON_CHECK_SECONDS", 60))
    now = time.monotonic()
    extra = list(extra)
    if not force and not extra and now - float(_state["checked_at"]) < interval:  # type: ignore[arg-type]
        return str(_state["version"])
    with _lock:
        version = current_version(extra)
        if force or version != _state["version"]:
            text.set_user_words(build_words(extra))
            _state["version"] = version
        _state["checked_at"] = now
    return version


def on_unit_changed(**kwargs: object) -> None:
    """Signal receiver: a unit was saved or deleted in this process."""
    invalidate()
