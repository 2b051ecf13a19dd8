"""The month's complaint themes: bad ratings' comments grouped with the routing library's
text pipeline and hotspot clustering (``routing.hotspots.find_hotspots``), per hall and per
responsible unit. Each theme lists its ratings, so the page can link to them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jishi.common.text import source_text
from jishi.reviews.models import BadReason, Rating
from jishi.routing.hotspots import Doc, find_hotspots

# A hall's month of bad comments is a few dozen: two alike already make a theme.
MIN_SIZE = 2
TOP = 5


@dataclass(frozen=True)
class Theme:
    title: str
    keywords: list[str]
    size: int
    rating_ids: list[int]


@dataclass(frozen=True)
class ThemeGroup:
    kind: str  # "hall" or "unit"
    name: str
    ratings: int
    themes: list[Theme]


def _doc(rating: Rating) -> Doc:
    reasons = "、".join(
        source_text(BadReason(r).label) for r in rating.reasons if r in BadReason.values
    )
    return Doc(
        id=rating.pk,
        time=rating.created_at,
        title=rating.comment[:40],
        text=f"{rating.comment} {reasons}",
        place=rating.point.unit.name,
        citizen=rating.device_key or f"rating:{rating.pk}",
    )


def themes_of(ratings: Sequence[Rating]) -> list[Theme]:
    found = find_hotspots([_doc(r) for r in ratings], top=TOP, min_size=MIN_SIZE)
    return [Theme(h.title, h.keywords[:4], h.size, [int(i) for i in h.doc_ids]) for h in found]


def themes_by(ratings: Sequence[Rating]) -> list[ThemeGroup]:
    """Themes per hall (the window's parent) and per responsible unit, biggest first."""
    halls: dict[str, list[Rating]] = {}
    units: dict[str, list[Rating]] = {}
    for rating in ratings:
        hall = rating.point.unit.parent
        halls.setdefault(hall.name if hall else rating.point.unit.name, []).append(rating)
        units.setdefault(rating.unit.name, []).append(rating)
    groups = [
        ThemeGroup(kind, name, len(items), themes_of(items))
        for kind, table in (("hall", halls), ("unit", units))
        for name, items in sorted(table.items(), key=lambda kv: -len(kv[1]))
    ]
    return [g for g in groups if g.themes]
