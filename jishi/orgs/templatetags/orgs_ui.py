"""Template helpers that know units and posts: names in the reader's script, the county's
name, the signed-in user's posts. Load with ``{% load orgs_ui %}``."""

from __future__ import annotations

from django import template
from django.http import HttpRequest

from jishi.orgs import display
from jishi.orgs.models import Post, Unit
from jishi.orgs.selectors import active_posts, county_root

register = template.Library()

register.filter("unit_name", display.unit_name)
register.filter("role_label", display.role_label)


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
    return display.unit_name(county)


@register.simple_tag(takes_context=True)
def my_posts(context: template.Context) -> list[Post]:
    """The signed-in user's active posts (cached on the user for the request)."""
    return active_posts(context["request"].user)
