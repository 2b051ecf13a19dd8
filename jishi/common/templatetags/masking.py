"""``{{ case.text|mask_numbers }}``: citizens' phone and ID numbers hidden on staff pages."""

from __future__ import annotations

from django import template

from jishi.common.masking import mask_personal_numbers

register = template.Library()


@register.filter
def mask_numbers(value: object) -> str:
    return mask_personal_numbers(str(value)) if value is not None else ""
