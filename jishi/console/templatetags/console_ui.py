"""Template helpers of the console: its navigation, and thin wrappers of
``jishi.cases.display``, which owns how a case looks (labels in the reader's language, badge
colours, names in the reader's script), and two formatters.

Load with ``{% load console_ui %}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jishi.cases import display
from jishi.orgs import access
from jishi.workdays.selectors import may_administer_calendar

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
    ("work", _("我的工作"), "console:home", "all"),
    ("dispatch", _("派单"), "console:dispatch", "dispatch"),
    ("ledger", _("台账"), "console:ledger", "all"),
    ("intake", _("走访"), "intake:index", "all"),
    ("reviews", _("好差评"), "reviews:index", "all"),
    ("projects", _("重点项目"), "projects:index", "all"),
    ("outreach", _("宣讲"), "outreach:index", "all"),
    ("routing", _("分派统计"), "console:routing_stats", "county"),
    ("stats", _("统计"), "reports:index", "all"),
    ("hotspots", _("热点"), "console:hotspots", "all"),
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
        "calendar": may_administer_calendar(user),
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
