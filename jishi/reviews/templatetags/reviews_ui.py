"""Template filters of the review pages: rates as percentages, labels of stored codes."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from jishi.reviews.models import BadReason

register = template.Library()

EVENT_LABELS = {
    "rated": _("评价"),
    "appeal_requested": _("提出申诉"),
    "appeal_decided": _("申诉复核"),
    "followed_up": _("追评"),
    "flagged": _("差评预警"),
    "reported": _("码上监督举报"),
    "reporter_revealed": _("查看举报人"),
}


@register.filter
def pct(value: object) -> str:
    """A rate as a percentage; "—" when there is none (no ratings, or a window with no
    figures row this month, which a template sees as an empty string)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "—"
    return f"{value * 100:.1f}%"


@register.filter
def get(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, 0)


@register.filter
def reason_label(code: str) -> str:
    return str(BadReason(code).label) if code in BadReason.values else code


@register.filter
def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))


# The five faces, drawn rather than typed: an emoji font is not on every phone or tablet.
FACE_SHAPES = {
    5: ("#1f8a4c", "M7 13.5 Q12 19.5 17 13.5"),
    4: ("#3f9d5d", "M8 14.5 Q12 17.5 16 14.5"),
    3: ("#b7791f", "M8 15.5 H16"),
    2: ("#d0603a", "M8 17 Q12 14 16 17"),
    1: ("#c62f2f", "M7 18 Q12 12.5 17 18"),
}


@register.simple_tag
def face(level: Any, size: int = 26) -> SafeString:
    colour, mouth = FACE_SHAPES.get(int(level), FACE_SHAPES[3])
    return format_html(
        '<svg class="face" viewBox="0 0 24 24" width="{}" height="{}" aria-hidden="true">'
        '<circle cx="12" cy="12" r="11" fill="{}"/><circle cx="8.3" cy="9.5" r="1.5" fill="#fff"/>'
        '<circle cx="15.7" cy="9.5" r="1.5" fill="#fff"/><path d="{}" stroke="#fff" '
        'stroke-width="1.9" fill="none" stroke-linecap="round"/></svg>',
        size,
        size,
        colour,
        mouth,
    )
