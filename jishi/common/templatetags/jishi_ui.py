"""Template helpers of the UI shell: locally served vendor scripts, the console's navigation,
names in the reader's script, and small components (lights) every page shares.

Load with ``{% load jishi_ui %}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django import template
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jishi.common.text import to_traditional
from jishi.common.widgets import OptionList
from jishi.orgs import access
from jishi.orgs.models import Post, Role, Unit
from jishi.orgs.selectors import active_posts, county_root

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


def is_traditional() -> bool:
    return (get_language() or "").lower() in {"zh-hant", "zh-tw", "zh-hk", "zh-mo"}


@register.simple_tag
def options(choices: OptionList, selected: Any = None) -> SafeString:
    """``<option>`` elements of a prepared :class:`OptionList`, one value selected."""
    return choices.html(selected)


@register.filter
def unit_name(unit: Unit | None) -> str:
    """A unit's name in the reader's script (Traditional names are derived on save).

    English readers see the Chinese name: it is what is written on the unit's door and in
    every document, and no romanisation is both cheap and right for place names."""
    if unit is None:
        return ""
    if is_traditional() and unit.name_traditional:
        return unit.name_traditional
    return unit.name


@lru_cache(maxsize=4096)
def _traditional(name: str) -> str:
    return to_traditional(name)


def name_in_script(name: str) -> str:
    """A name stored in Simplified Chinese (a category, a unit's name as an event recorded
    it, a hotspot's places) in the reader's script."""
    if name and is_traditional():
        return _traditional(name)
    return name


@register.filter
def in_script(value: str | Iterable[str] | None) -> str | list[str]:
    """``name_in_script`` for one stored name or a list of them."""
    if value is None:
        return ""
    if isinstance(value, str):
        return name_in_script(value)
    return [name_in_script(name) for name in value]


@register.filter
def role_label(role: str) -> str:
    """A post's role in the reader's language (the model's labels are translatable)."""
    try:
        return str(Role(role).label)
    except ValueError:
        return role


@register.simple_tag(takes_context=True)
def county_name(context: template.Context) -> str:
    """The deployment's county, looked up once per request."""
    request: HttpRequest | None = context.get("request")
    if request is not None and hasattr(request, "_jishi_county"):
        county: Unit | None = request._jishi_county
    else:
        county = county_root()
        if request is not None:
            request._jishi_county = county  # type: ignore[attr-defined]
    return unit_name(county)


@register.simple_tag(takes_context=True)
def my_posts(context: template.Context) -> list[Post]:
    """The signed-in user's active posts (cached on the user for the request)."""
    return active_posts(context["request"].user)


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any
    url: str
    active: bool


def _reverse_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


# (key, label, url name, who sees it). A page another app has not built yet shows as
# disabled rather than disappearing, so the bar does not jump about as features land.
CONSOLE_NAV = (
    ("work", _("我的工作"), "console_home", "all"),
    ("dispatch", _("派单"), "cases:dispatch", "dispatch"),
    ("ledger", _("台账"), "cases:ledger", "all"),
    ("intake", _("走访"), "intake:index", "all"),
    ("reviews", _("好差评"), "reviews:index", "all"),
    ("routing", _("分派统计"), "routing:stats", "county"),
    ("stats", _("统计"), "reports:index", "all"),
    ("hotspots", _("热点"), "routing:hotspots", "all"),
    ("calendar", _("工作日历"), "workdays:schedule", "calendar"),
    ("admin", _("管理"), "admin:index", "admin"),
)


@register.simple_tag(takes_context=True)
def console_nav(context: template.Context) -> list[NavItem]:
    """The console's navigation for this user; the longest matching URL prefix is active."""
    request: HttpRequest = context["request"]
    user = request.user
    visible = {
        "all": True,
        "dispatch": access.is_dispatcher(user),
        # County-wide figures (分派统计): every post that sees the whole county, as the page.
        "county": access.is_county_wide(user),
        "admin": access.is_admin(user),
        # As workdays.selectors.may_administer_calendar (common may not import workdays).
        "calendar": access.has_role(user, Role.ADMIN),
    }
    items = []
    for key, label, url_name, audience in CONSOLE_NAV:
        if visible[audience]:
            items.append((key, label, _reverse_or_none(url_name) or ""))
    best = max(
        (url for _k, _l, url in items if url and request.path.startswith(url)),
        key=len,
        default="",
    )
    return [NavItem(key, label, url, bool(url) and url == best) for key, label, url in items]


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
