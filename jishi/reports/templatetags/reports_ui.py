"""Template helpers of the report pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def at(values: Any, index: int) -> Any:
    """``values[index]``, or "" past the end (a column's name for a cell's ``data-label``)."""
    try:
        return values[index]
    except (IndexError, KeyError, TypeError):
        return ""
