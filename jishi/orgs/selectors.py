"""Reads with rules for the unit tree and posts: above all, what a user's posts let them see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from jishi.common.snapshots import Snapshot
from jishi.orgs.models import COUNTY_WIDE_ROLES, Post, Role, Unit, UnitKind, User


@dataclass(frozen=True)
class Scope:
    """What one user may see: everything, or the subtrees of the units they hold posts in.

    ``unit_ids`` holds every unit at or below a unit where the user has a unit-bound post
    (handler, unit lead); county-wide roles set ``county_wide`` instead.
    """

    county_wide: bool = False
    unit_ids: frozenset[int] = frozenset()
    roles: frozenset[str] = frozenset()
    posts: tuple[Post, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not self.county_wide and not self.unit_ids


def active_posts(user: User | AnonymousUser) -> list[Post]:
    if not user.is_authenticated:
        return []
    cache = getattr(user, "_jishi_posts", None)
    if cache is None:
        cache = list(
            Post.objects.filter(user=user, active=True, unit__active=True).select_related("unit")
        )
        setattr(user, "_jishi_posts", cache)  # noqa: B010 (a per-request cache on the user)
    return cache


def subtree_ids(units: list[Unit]) -> frozenset[int]:
    if not units:
        return frozenset()
    condition = Q()
    for unit in units:
        condition |= Q(path__startswith=unit.path)
    return frozenset(Unit.objects.filter(condition).values_list("id", flat=True))


def scope_of(user: User | AnonymousUser) -> Scope:
    """The scope of a user, computed once per user object (a request)."""
    cached = getattr(user, "_jishi_scope", None)
    if cached is not None:
        return cached
    posts = active_posts(user)
    roles = frozenset(post.role for post in posts)
    county_wide = bool(user.is_authenticated and user.is_superuser) or bool(
        roles & COUNTY_WIDE_ROLES
    )
    unit_ids = (
        frozenset()
        if county_wide
        else subtree_ids([p.unit for p in posts if p.role in {Role.HANDLER, Role.UNIT_LEAD}])
    )
    scope = Scope(county_wide=county_wide, unit_ids=unit_ids, roles=roles, posts=tuple(posts))
    if user.is_authenticated:
        setattr(user, "_jishi_scope", scope)  # noqa: B010
    return scope


def units_under(unit: Unit, *, include_self: bool = True) -> QuerySet[Unit]:
    qs = Unit.objects.filter(path__startswith=unit.path)
    return qs if include_self else qs.exclude(pk=unit.pk)


def people_in(units: Iterable[Unit]) -> QuerySet[User]:
    """Active people with an active post in one of ``units`` or a unit below it (in an active
    unit), by name: who a picker of people offers, so it never lists the whole county."""
    condition = Q()
    for unit in units:
        condition |= Q(posts__unit__path__startswith=unit.path)
    if not condition:
        return User.objects.none()
    # One filter call: the post that matches the units is the one that is active.
    posted = User.objects.filter(condition, posts__active=True, posts__unit__active=True).values(
        "pk"
    )
    return User.objects.filter(pk__in=posted, is_active=True).order_by("full_name", "username")


def area_of(unit: Unit) -> Unit:
    """The township or department (the unit right under the county) that ``unit`` is in;
    the county for the county itself."""
    ids = [int(part) for part in unit.path.strip("/").split("/") if part]
    if len(ids) < 2:
        return unit
    return unit_table().get(ids[1]) or Unit.objects.get(pk=ids[1])


def county_root() -> Unit | None:
    for unit in unit_table().values():  # tree order: the root comes first
        if unit.parent_id is None:
            return unit
    return Unit.objects.filter(parent__isnull=True).first()


# Under the county, departments come first, then the hall, then townships (each followed by
# its villages): the order a dispatcher reads a county's organisation chart in.
_TOP_RANK: dict[str, int] = {
    UnitKind.DEPARTMENT: 0,
    UnitKind.HALL: 1,
    UnitKind.OTHER: 2,
    UnitKind.TOWNSHIP: 3,
}


def tree_order(units: Iterable[Unit]) -> list[Unit]:
    """Units in tree order, grouped: each unit right after its parent, siblings by their
    ``sort_order`` then name (ids would put a bureau created late among a township's
    villages), and under the county departments before townships."""
    by_pk = {unit.pk: unit for unit in units}
    keys: dict[int, tuple[tuple[int, int, str, int], ...]] = {}

    def key(unit: Unit) -> tuple[tuple[int, int, str, int], ...]:
        found = keys.get(unit.pk)
        if found is not None:
            return found
        parent = by_pk.get(unit.parent_id) if unit.parent_id else None
        if parent is None:
            found = ()
        else:
            rank = _TOP_RANK.get(unit.kind, 2) if parent.parent_id is None else 0
            found = (*key(parent), (rank, unit.sort_order, unit.name, unit.pk))
        keys[unit.pk] = found
        return found

    return sorted(by_pk.values(), key=key)


def _load_units() -> dict[int, Unit]:
    return {unit.pk: unit for unit in tree_order(Unit.objects.all())}


# A county has a few hundred units, and nearly every page or submission names some.
_UNITS: Snapshot[dict[int, Unit]] = Snapshot("units", _load_units, models_=[Unit])


def unit_table() -> dict[int, Unit]:
    """Every unit (active or not) by id, in tree order (``tree_order``), from the in-memory snapshot
    (``jishi.common.snapshots``). The instances are shared between requests: read them,
    never change them. A unit added in another process in the last few seconds may be
    missing, so a miss must be looked up in the database."""
    return _UNITS.get()
