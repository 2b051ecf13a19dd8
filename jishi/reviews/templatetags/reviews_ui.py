"""Template filters of the review pages: rates as percentages, labels of stored codes."""

from __future__ import annotations

from typing import Any

from django import template
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
def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@register.filter
def get(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, 0)


@register.filter
def reason_label(code: str) -> str:
    return str(BadReason(code).label) if code in BadReason.values else code


@register.filter
def event_label(kind: str) -> str:
    return str(EVENT_LABELS.get(kind, kind))
