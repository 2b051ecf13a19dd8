"""Who may take which step on which case: the one answer services and buttons share.

The workflow table (``workflow.py``) names, for each transition, its source states, the posts
that may take it and how the actor must relate to the case (``Scope``). This module applies
that table to a user and a case. The services ask ``post_allowing`` which of the actor's posts
the step is taken under (the event records it); the case page asks ``allowed`` which buttons to
offer. Because both read the same function, a button is offered exactly when the service
would accept the step (``tests/test_access.py`` walks persona × transition × state).

Seeing the case comes first and is not decided here: ``selectors.can_see`` (a case outside the
user's scope is "not found", never "forbidden").
"""

from __future__ import annotations

from collections.abc import Iterable

from jishi.cases.models import Case
from jishi.cases.workflow import TRANSITIONS, Scope, Transition
from jishi.orgs.models import COUNTY_WIDE_ROLES, Role, Unit, User
from jishi.orgs.selectors import active_posts


def _candidates(user: User) -> list[tuple[str, Unit | None]]:
    """The (role, unit) pairs a user may act under; a superuser also acts as administrator."""
    pairs: list[tuple[str, Unit | None]] = [(p.role, p.unit) for p in active_posts(user)]
    if user.is_superuser:
        pairs.append((Role.ADMIN, None))
    return pairs


def _assists(case: Case, unit: Unit, assisting: Iterable[Unit] | None) -> bool:
    """Whether an assisting unit of the case lies at or below ``unit``.

    Lists pass the assisting units they already loaded (``assisting_list``); a service asks
    the database, inside the case's lock, so the answer cannot be stale.
    """
    if assisting is not None:
        return any(a.is_within(unit) for a in assisting)
    return case.assisting_units.filter(path__startswith=unit.path).exists()


def scope_allows(
    scope: Scope,
    role: str,
    unit: Unit | None,
    user: User,
    case: Case | None,
    *,
    assisting: Iterable[Unit] | None = None,
) -> bool:
    """Whether a post (``role`` at ``unit``) relates to the case as ``scope`` requires."""
    if scope in (Scope.INTAKE, Scope.VISIBLE):
        return True
    county_wide = role in COUNTY_WIDE_ROLES
    if scope == Scope.COUNTY:
        return county_wide
    if case is None:
        return False
    if scope == Scope.INTAKER:
        return case.created_by_id == user.pk
    if county_wide:
        return scope == Scope.LEAD_OR_ASSIST
    if unit is None:
        return False
    lead = case.lead_unit
    if lead is not None and lead.is_within(unit):
        return True
    return scope == Scope.LEAD_OR_ASSIST and _assists(case, unit, assisting)


def post_allowing(
    user: User,
    transition: Transition,
    case: Case | None,
    *,
    assisting: Iterable[Unit] | None = None,
) -> tuple[str, Unit | None] | None:
    """The first of the user's posts that may take ``transition`` on ``case``, or None.

    The case's state is not checked here (the services refuse a wrong state with their own
    message before they ask about the post).
    """
    for role, unit in _candidates(user):
        if role in transition.roles and scope_allows(
            transition.scope, role, unit, user, case, assisting=assisting
        ):
            return role, unit
    return None


def blocked(name: str, case: Case) -> str | None:
    """Why a step that the state allows is still closed on this case, or None.

    These are the workflow's rules beyond the state: one extension request at a time, and a
    case the dispatch centre has arbitrated cannot be returned again.
    """
    if name == "return" and case.arbitrated:
        return "此事项已经裁定，不能再退单"
    if name == "request_extension" and case.extension_pending:
        return "已有延期申请待审批"
    if name in ("approve_extension", "deny_extension") and not case.extension_pending:
        return "没有待审批的延期申请"
    return None


def allowed(user: User, name: str, case: Case, *, assisting: Iterable[Unit] | None = None) -> bool:
    """Whether ``user`` may take transition ``name`` on ``case`` now.

    The caller has established that the user can see the case.
    """
    transition = TRANSITIONS[name]
    if case.state not in transition.sources or blocked(name, case) is not None:
        return False
    return post_allowing(user, transition, case, assisting=assisting) is not None
