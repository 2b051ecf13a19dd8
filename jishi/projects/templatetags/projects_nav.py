"""What the projects navigation shows a reader: the settings link for those who may use it."""

from __future__ import annotations

from typing import Any

from django import template

from jishi.projects import selectors

register = template.Library()


@register.filter
def may_supervise(user: Any) -> bool:
    """The supervision office and administrators (``selectors.may_supervise``)."""
    return selectors.may_supervise(user)
