"""Who is one person at a talk: the keys a check-in is compared by.

Two named check-ins are the same person when their names match (``name_key``) and either
their unit texts match (``person_key`` holds both) or they came from the same phone (the
``name_key`` with the phone's device key). People type the same thing many ways: full-width
letters and spaces from a Chinese input method, Traditional characters, a bullet or a full
stop for the middle dot of a name (阿依古丽·买买提), brackets round 党支部. The keys fold all of
these; what is stored and shown stays as typed.
"""

from __future__ import annotations

import hashlib
import unicodedata

from jishi.common.text import search_key, strip_invisible

NAME_MAX = 32


def _clean(value: str) -> str:
    return strip_invisible(str(value or "")).replace("\x00", "").strip()


# The separators people type inside a name (阿依古丽·买买提): every middle dot, bullet and
# full stop a phone's keyboards offer, after ``fold`` has made the full-width ones ASCII.
_NAME_DOTS = str.maketrans(dict.fromkeys("·•‧・∙⋅.。", "·"))


def name_key(name: str) -> str:
    """A name as identity compares it: folded (full-width to half-width), Simplified, lower
    case, without spaces, one middle dot for every dot people type between its parts."""
    return "".join(search_key(_clean(name)).translate(_NAME_DOTS).split())[:NAME_MAX]


def unit_key(text: str) -> str:
    """A unit or branch as typed, for comparing: as ``name_key`` without the dots, and without
    punctuation and symbols (东街社区（党支部） is 东街社区党支部)."""
    folded = search_key(_clean(text))
    return "".join(c for c in folded if not c.isspace() and unicodedata.category(c)[0] not in "PS")


def person_key(name: str, unit_text: str, device: str) -> str:
    """The per-talk key of a check-in: the name with the unit for a named one, the phone for
    an anonymous one. (The same name from the same phone is one person too: the second
    constraint, on ``name_key`` and ``device_key``.)"""
    if not name:
        return f"d:{device}"
    raw = f"{name_key(name)}|{unit_key(unit_text)}"
    return "n:" + hashlib.sha256(raw.encode()).hexdigest()[:40]
