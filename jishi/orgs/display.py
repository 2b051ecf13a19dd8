"""How units and posts read on screen, in the reader's language and script."""

from __future__ import annotations

from jishi.common.text import is_traditional
from jishi.orgs.models import Role, Unit


def unit_name(unit: Unit | None) -> str:
    """A unit's name in the reader's script (Traditional names are derived on save).

    English readers see the Chinese name: it is what is written on the unit's door and in
    every document, and no romanisation is both cheap and right for place names."""
    if unit is None:
        return ""
    if is_traditional() and unit.name_traditional:
        return unit.name_traditional
    return unit.name


def role_label(role: str) -> str:
    """A post's role in the reader's language (the model's labels are translatable)."""
    try:
        return str(Role(role).label)
    except ValueError:
        return role
