"""Reads with rules: which cases a user may see, and what they may do to one now.

Scoping lives here so a list, a count, a search and an export can never disagree
(DESIGN.md rule 5). A case outside a user's scope is "not found", never "forbidden", so a
lookup does not reveal that it exists.
"""

from __future__ import annotations

import re

from django.contrib.auth.models import AnonymousUser
from django.contrib.postgres.fields import ArrayField
from django.db import connections
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, TextField

from jishi.cases.models import Case
from jishi.common.errors import NotFound
from jishi.common.text import search_key
from jishi.orgs.models import User
from jishi.orgs.selectors import scope_of

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
    ids = list(scope.unit_ids)
    assisted = Case.assisting_units.through.objects.filter(case_id=OuterRef("pk"), unit_id__in=ids)
    return Case.objects.filter(
        Q(lead_unit_id__in=ids)
        | Q(township_id__in=ids)
        | Q(village_id__in=ids)
        | Exists(assisted)
        | taken_in
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
    case = (
        Case.objects.select_related("category", "lead_unit", "township", "village")
        .filter(code=(code or "").strip().upper())
        .first()
    )
    if case is None or not can_see(user, case):
        raise NotFound("事项不存在")
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
