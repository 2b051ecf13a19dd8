"""Reads with rules: which cases a user may see, and what they may do to one now.

Scoping lives here so a list, a count, a search and an export can never disagree
(DESIGN.md rule 5). A case outside a user's scope is "not found", never "forbidden", so a
lookup does not reveal that it exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.models import Exists, F, ForeignKey, Func, OuterRef, Q, QuerySet, TextField

from jishi.cases.models import Case, Category
from jishi.common.errors import NotFound
from jishi.common.snapshots import Snapshot
from jishi.common.text import search_key
from jishi.orgs.models import Unit, User
from jishi.orgs.selectors import scope_of, unit_table

# Letters, digits and a hyphen, at least one digit: what a tracking code (JA2611-7Q4K) or an
# external reference looks like, and what a Chinese query never does.
CODE_LIKE = re.compile(r"(?=[A-Z0-9-]*[0-9])[A-Z0-9][A-Z0-9-]{3,23}")

# Columns a list of cases never shows: decrypting the contact costs ~0.1 ms a row (Fernet)
# and the search column doubles the text read. Lists ``defer`` them; a case page loads all.
LIST_DEFERRED = ("citizen_phone", "citizen_id_number", "search_text")


def cases_visible_to(user: User | AnonymousUser) -> QuerySet[Case]:
    scope = scope_of(user)
    if scope.county_wide:
        return Case.objects.all()
    if not user.is_authenticated:
        return Case.objects.none()
    # Whoever took a case in (a director at the hall desk, a secretary on a visit) follows it.
    taken_in = Q(created_by_id=user.pk)
    if scope.empty:
        return Case.objects.filter(taken_in)
    return Case.objects.filter(seen_through_units(scope.unit_ids) | taken_in)


def seen_through_units(unit_ids: Iterable[int], via: str = "") -> Q:
    """The cases posts at these units see: led by, placed in or assisted by one of them.
    ``via="case"``: the same of a model with a ``case`` key (the events), tested on each row's
    own case — not "case in (every case they see)", which reads the whole case table first
    (measured on SQLite at 1M cases: 2 s a figure, against a tenth of that)."""
    ids = list(unit_ids)
    prefix = f"{via}__" if via else ""
    assisted = Case.assisting_units.through.objects.filter(
        case_id=OuterRef(f"{via}_id" if via else "pk"), unit_id__in=ids
    )
    return Q(
        Exists(assisted),
        **{f"{prefix}lead_unit_id__in": ids},
        **{f"{prefix}township_id__in": ids},
        **{f"{prefix}village_id__in": ids},
        _connector=Q.OR,
    )


def can_see(user: User | AnonymousUser, case: Case) -> bool:
    scope = scope_of(user)
    if scope.county_wide:
        return True
    if user.is_authenticated and case.created_by_id == user.pk:
        return True
    if scope.empty:
        return False
    ids = scope.unit_ids
    if case.lead_unit_id in ids or case.township_id in ids or case.village_id in ids:
        return True
    return case.assisting_units.filter(pk__in=ids).exists()


def case_for(user: User | AnonymousUser, code: str) -> Case:
    """The case with this tracking code if the user may see it; otherwise ``NotFound``."""
    case = next(iter(Case.objects.filter(code=(code or "").strip().upper())[:1]), None)
    if case is None or not can_see(user, case):
        raise NotFound("事项不存在")
    attach_references([case])
    return case


def cases_matching(queryset: QuerySet[Case], query: str) -> QuerySet[Case]:
    """Cases whose title or text contains every word of ``query`` (Simplified or Traditional,
    full- or half-width: both sides are reduced to one form), or whose tracking code is it."""
    words = search_key(query).split()
    if not words:
        return queryset
    matching = Q()
    for word in words:
        matching &= Q(search_text__contains=word)
    grams = sorted({w[i : i + 2] for w in words for i in range(len(w) - 1)})
    if grams and connections[queryset.db].vendor == "postgresql":
        # The bigram index (migration 0007) finds the candidates; LIKE above keeps those
        # where the characters are contiguous.
        queryset = queryset.alias(
            search_grams=Func(
                F("search_text"), function="jishi_bigrams", output_field=ArrayField(TextField())
            )
        )
        matching &= Q(search_grams__contains=grams)
    code = query.strip().upper()
    if CODE_LIKE.fullmatch(code):
        # Only a query shaped like a tracking code is also looked up as one: an OR with the
        # code in every text search would keep PostgreSQL from using the bigram index alone.
        matching |= Q(code=code)
    return queryset.filter(matching)


@dataclass(frozen=True)
class CategoryTable:
    ordered: list[Category]  # as pickers list them: sort order, then code
    by_code: dict[str, Category]
    by_pk: dict[int, Category]


def _load_categories() -> CategoryTable:
    ordered = list(
        Category.objects.select_related("owning_unit", "parent").order_by("sort_order", "code")
    )
    return CategoryTable(ordered, {c.code: c for c in ordered}, {c.pk: c for c in ordered})


# The router names a category on every submission it is sure of; the ledger and the
# dispatcher's queue list them all on every page.
_CATEGORIES: Snapshot[CategoryTable] = Snapshot(
    "categories", _load_categories, models_=[Category, Unit]
)


def category_table() -> CategoryTable:
    """Every category (active or not, with its owning unit and parent), from the in-memory
    snapshot (``jishi.common.snapshots``). The instances are shared between requests: read
    them, never change them. One added in another process moments ago may be missing."""
    return _CATEGORIES.get()


def category_by_code(code: str) -> Category | None:
    """A category by code from the table, else from the database."""
    category = category_table().by_code.get(code)
    if category is None:
        category = Category.objects.filter(code=code).select_related("owning_unit").first()
    return category


def _foreign_key(name: str) -> ForeignKey[Any, Any]:
    field = Case._meta.get_field(name)
    assert isinstance(field, ForeignKey)
    return field


def attach_references(cases: Iterable[Case]) -> None:
    """Give listed cases their category and units from the in-memory tables, as
    ``select_related`` would but without joining four tables for every row and building
    four objects per row. A row the tables lack (added in another process moments ago) is
    read from the database."""
    units, categories = unit_table(), category_table().by_pk
    unit_fields = [_foreign_key(name) for name in ("township", "village", "lead_unit")]
    category_field = _foreign_key("category")
    missing_units: dict[int, list[tuple[Case, ForeignKey[Any, Any]]]] = {}
    missing_categories: dict[int, list[Case]] = {}
    for case in cases:
        loaded = case.__dict__  # a deferred field is left alone: reading it costs a query
        for field in unit_fields:
            if field.attname not in loaded:
                continue
            pk = loaded[field.attname]
            if pk is None:
                continue
            unit = units.get(pk)
            if unit is None:
                missing_units.setdefault(pk, []).append((case, field))
            else:
                field.set_cached_value(case, unit)
        pk = loaded.get("category_id")
        if pk is not None:
            category = categories.get(pk)
            if category is None:
                missing_categories.setdefault(pk, []).append(case)
            else:
                category_field.set_cached_value(case, category)
    if missing_units:
        for unit in Unit.objects.filter(pk__in=missing_units):
            for case, field in missing_units[unit.pk]:
                field.set_cached_value(case, unit)
    if missing_categories:
        for category in Category.objects.filter(pk__in=missing_categories):
            for case in missing_categories[category.pk]:
                category_field.set_cached_value(case, category)
