"""Template helpers of the console's case pages: thin wrappers of ``jishi.cases.display``,
which owns how a case looks (labels in the reader's language, badge colours, names in the
reader's script), and two formatters.

Load with ``{% load cases_console %}``.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from jishi.cases import display

register = template.Library()


@register.filter
def state_label(state: str) -> str:
    return display.state_label(state)


@register.filter
def state_badge(state: str) -> str:
    return display.state_badge(state)


@register.filter
def kind_label(kind: str) -> str:
    return display.kind_label(kind)


@register.filter
def channel_label(channel: str) -> str:
    return display.channel_label(channel)


@register.filter
def satisfaction_label(level: int | str | None) -> str:
    return display.satisfaction_label(level)


@register.filter
def category_name(category: Any) -> str:
    return display.category_name(category)


@register.filter
def when(value: Any) -> str:
    """A local date and time, to the minute."""
    if not value:
        return ""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


@register.filter
def percent(value: float) -> str:
    return f"{value:.0%}"
