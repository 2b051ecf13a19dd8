"""The buttons a case page offers are exactly the steps the services accept.

For every staff persona, every workflow step and every state (plus the states that carry an
extra rule: a pending extension, an arbitrated case, a case a handler took in), the case is
loaded as its page loads it, the page's answer (``actions_for`` / ``may``) is read, and the
service is then called for real inside a transaction that is rolled back. The two must agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction

from jishi.cases import services
from jishi.cases.models import Case, State
from jishi.cases.tests import builders
from jishi.cases.tests.test_workflow import _call, personas  # noqa: F401 (a fixture)
from jishi.cases.workflow import TRANSITIONS
from jishi.common.errors import InvalidTransition, NotFound, PermissionDenied
from jishi.console import selectors as sel
from jishi.orgs.models import User
from jishi.testing.fixtures import County

STEPS = sorted(set(TRANSITIONS) - {"accept", "recompute_deadline"})
STAFF = (
    "township_handler",
    "village_handler",
    "unit_lead",
    "dispatcher",
    "county_lead",
    "inspector",
    "other_township_handler",
    "dept_handler",
)


class _Undo(Exception):
    """Raised to roll back a step that succeeded."""


def _variant(name: str, county: County, people: dict[str, User]) -> Case:
    dispatcher, handler = people["dispatcher"], people["township_handler"]
    extra: dict[str, Callable[[], Case]] = {
        "taken_in_by_handler": lambda: builders.accepted(county, intaker=handler),
        "extension_pending": lambda: services.case_request_extension(
            actor=handler,
            case=builders.in_progress(county, dispatcher, handler),
            days=5,
            reason="需采购配件",
        ),
        "arbitrated": lambda: services.case_arbitrate(
            actor=dispatcher,
            case=builders.returned(county, dispatcher, handler),
            lead_unit=county.chengguan,
            reason="属镇职责",
        ),
    }
    if name in extra:
        return extra[name]()
    return builders.in_state(name, county, dispatcher, handler)


VARIANTS = [*sorted(State.values), "taken_in_by_handler", "extension_pending", "arbitrated"]


def _take(step: str, user: User, case: Case, county: County) -> None:
    if step in ("approve_extension", "deny_extension"):
        # test_workflow's _call files a request first; here the case is taken as it is.
        services.case_decide_extension(
            actor=user, case=case, approve=step == "approve_extension", note="理由不足"
        )
    else:
        _call(step, user, case, county)


def _service_accepts(step: str, user: User, code: str, county: County) -> bool:
    case = Case.objects.get(code=code)
    try:
        with transaction.atomic():
            _take(step, user, case, county)
            raise _Undo
    except _Undo:
        return True
    except (InvalidTransition, PermissionDenied):
        return False


@pytest.mark.parametrize("persona", STAFF)
@pytest.mark.parametrize("variant", VARIANTS)
def test_buttons_offered_equal_steps_allowed(
    variant: str,
    persona: str,
    county: County,
    personas: dict[str, Any],  # noqa: F811
) -> None:
    people: dict[str, User] = {name: personas[name] for name in STAFF}
    case = _variant(variant, county, people)
    user = User.objects.get(pk=people[persona].pk)  # a fresh user: no cached posts
    try:
        page_case = sel.case_page(user, case.code)
    except NotFound:
        # Outside the user's scope there is no page and every step is "not found".
        for step in STEPS:
            with pytest.raises(NotFound):
                _take(step, user, Case.objects.get(pk=case.pk), county)
        return
    offered = {step: sel.may(user, step, page_case) for step in STEPS}
    accepted = {step: _service_accepts(step, user, case.code, county) for step in STEPS}
    assert offered == accepted
    buttons = set(sel.actions_for(user, page_case))
    expected = {s for s in sel.ACTION_ORDER if offered.get(s)}
    if offered["approve_extension"]:
        expected.add("decide_extension")
    assert buttons == expected
