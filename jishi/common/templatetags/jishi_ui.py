"""Template helpers of the UI shell: locally served vendor scripts, names in the reader's
script, and small components (lights) every page shares. Helpers that know units and posts
are in ``orgs_ui``; the console's navigation is in ``console_ui``.

Load with ``{% load jishi_ui %}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from jishi.common.text import name_in_script
from jishi.common.widgets import OptionList

register = template.Library()

# Files scripts/assets.sh copies out of node_modules (see STATICFILES_DIRS in settings).
VENDOR_SCRIPTS = {
    "htmx": "vendor/htmx/htmx.min.js",
    "echarts": "vendor/echarts/echarts.min.js",
}
_found: set[str] = set()


def vendor_path(name: str) -> str:
    """The static path of a vendor script; a missing file is an error, never a silent 404."""
    path = VENDOR_SCRIPTS[name]
    if path not in _found:
        if not (finders.find(path) or staticfiles_storage.exists(path)):
            raise ImproperlyConfigured(
                f"Static file {path!r} is missing: run scripts/assets.sh (npm ci) to copy "
                "htmx and ECharts out of node_modules, then collectstatic in production."
            )
        _found.add(path)
    return path


@register.simple_tag
def vendor_script(name: str) -> SafeString:
    """``<script>`` for htmx or ECharts, served from our own static files."""
    return format_html('<script src="{}" defer></script>', static(vendor_path(name)))


@register.simple_tag
def options(choices: OptionList, selected: Any = None) -> SafeString:
    """``<option>`` elements of a prepared :class:`OptionList`, one value selected."""
    return choices.html(selected)


@register.filter
def in_script(value: str | Iterable[str] | None) -> str | list[str]:
    """``name_in_script`` for one stored name or a list of them."""
    if value is None:
        return ""
    if isinstance(value, str):
        return name_in_script(value)
    return [name_in_script(name) for name in value]


LIGHT_LABELS = {"green": _("正常"), "yellow": _("预警"), "red": _("超期")}


@register.simple_tag
def light(colour: str, label: str | None = None) -> SafeString:
    """A status light: a coloured dot *and* a word, so colour is never the only signal.

    Built here rather than by an included template: lists show one per row."""
    if colour not in LIGHT_LABELS:
        raise template.TemplateSyntaxError(f"light colour must be one of {sorted(LIGHT_LABELS)}")
    return format_html(
        '<span class="light light-{}"><span class="light-dot" aria-hidden="true"></span>{}</span>',
        colour,
        label or LIGHT_LABELS[colour],
    )
