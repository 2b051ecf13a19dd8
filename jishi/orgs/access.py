"""What a user's posts let them do, asked by role: one answer for services, pages and menus.

Each question reads the user's active posts once per request (``active_posts`` caches them on
the user). A superuser counts as an administrator everywhere.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from jishi.orgs.models import COUNTY_WIDE_ROLES, Role, Unit, User
from jishi.orgs.selectors import active_posts

# Posts that dispatch cases and keep the dispatch centre's tables (rosters, routing).
DISPATCH_ROLES = frozenset({Role.DISPATCHER, Role.ADMIN})
# Posts that oversee the handling of cases county-wide without dispatching them.
OVERSIGHT_ROLES = frozenset({Role.INSPECTOR, Role.COUNTY_LEAD})
UNIT_ROLES = frozenset({Role.HANDLER, Role.UNIT_LEAD})


def roles_of(user: User | AnonymousUser) -> frozenset[str]:
    """The roles of the user's active posts; a superuser also holds ``admin``."""
    roles = {post.role for post in active_posts(user)}
    if user.is_authenticated and user.is_superuser:
        roles.add(Role.ADMIN)
    return frozenset(roles)


def has_role(user: User | AnonymousUser, *roles: str) -> bool:
    return bool(roles_of(user) & set(roles))


def is_county_wide(user: User | AnonymousUser) -> bool:
    """Dispatchers, inspectors, county leads and administrators see the whole county."""
    return bool(roles_of(user) & COUNTY_WIDE_ROLES)


def is_dispatcher(user: User | AnonymousUser) -> bool:
    """A dispatcher or an administrator: dispatches cases, keeps rosters and routing."""
    return bool(roles_of(user) & DISPATCH_ROLES)


def is_overseer(user: User | AnonymousUser) -> bool:
    """An inspector (督查) or a county lead."""
    return bool(roles_of(user) & OVERSIGHT_ROLES)


def is_admin(user: User | AnonymousUser) -> bool:
    """May open Django's admin: an administrator's post, staff status or a superuser."""
    return Role.ADMIN in roles_of(user) or bool(getattr(user, "is_staff", False))


def posted_within(user: User | AnonymousUser, unit: Unit) -> bool:
    """Whether the user holds a unit-bound post at or above ``unit`` in the tree."""
    return any(p.role in UNIT_ROLES and unit.is_within(p.unit) for p in active_posts(user))
