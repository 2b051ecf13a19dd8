"""Every transition of the workflow table: allowed from its source states for the posts that
may take it, refused from every other state and for every other post — and a refusal writes
no event. The expectations are written out here by hand, not derived from the table, so a
wrong edit of the table fails a test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from jishi.cases import services
from jishi.cases.models import Case, CaseEvent, State
from jishi.cases.services import Citizen, System
from jishi.cases.tests import builders
from jishi.cases.workflow import TRANSITIONS
from jishi.common.errors import InvalidTransition, NotFound, PermissionDenied
from jishi.orgs.models import Role
from jishi.testing.fixtures import County, make_person

# transition → the states it may be taken from (written out independently of the table)
SOURCES: dict[str, set[str]] = {
    "resolve_on_the_spot": {State.ACCEPTED},
    "classify": {State.ACCEPTED, State.RETURNED},
    "dispatch": {State.ACCEPTED, State.RETURNED},
    "arbitrate": {State.RETURNED},
    "acknowledge": {State.DISPATCHED},
    "return": {State.DISPATCHED, State.IN_PROGRESS},
    "interim_reply": {State.IN_PROGRESS},
    "reply": {State.IN_PROGRESS},
    "callback": {State.REPLIED},
    "callback_attempt": {State.REPLIED},
    "reopen": {State.REPLIED, State.CLOSED},
    "close": {State.REPLIED},
    "request_extension": {State.IN_PROGRESS},
    "approve_extension": {State.IN_PROGRESS},
    "deny_extension": {State.IN_PROGRESS},
    "remind": {State.DISPATCHED, State.IN_PROGRESS},
    "supervise": {State.DISPATCHED, State.IN_PROGRESS},
    "merge": {State.ACCEPTED, State.DISPATCHED, State.RETURNED},
    "reject": {State.ACCEPTED, State.RETURNED},
    "reveal_contact": set(State.values),
    "note": set(State.values),
    "attach": {State.ACCEPTED, State.DISPATCHED, State.RETURNED, State.IN_PROGRESS, State.REPLIED},
}

# transition → personas allowed (on a case in 城关镇/东街社区 whose lead unit is 城关镇)
STAFF_ALL = {
    "township_handler",
    "village_handler",
    "unit_lead",
    "dispatcher",
    "county_lead",
    "inspector",
}
ALLOWED: dict[str, set[str]] = {
    "resolve_on_the_spot": {"intaker"},
    "classify": {"dispatcher", "system"},
    "dispatch": {"dispatcher", "system"},
    "arbitrate": {"dispatcher", "inspector"},
    "acknowledge": {"township_handler", "unit_lead"},
    "return": {"township_handler", "unit_lead"},
    "interim_reply": {"township_handler", "unit_lead"},
    "reply": {"township_handler", "unit_lead"},
    "callback": {"dispatcher", "inspector", "citizen"},
    "callback_attempt": {"dispatcher", "inspector"},
    "reopen": {"dispatcher", "inspector", "citizen"},
    "close": {"dispatcher", "inspector", "citizen"},
    "request_extension": {"township_handler", "unit_lead"},
    "approve_extension": {"dispatcher", "inspector", "county_lead"},
    "deny_extension": {"dispatcher", "inspector", "county_lead"},
    "remind": {"dispatcher", "inspector"},
    "supervise": {"inspector", "county_lead"},
    "merge": {"dispatcher"},
    "reject": {"dispatcher"},
    "reveal_contact": {"dispatcher", "inspector", "township_handler", "unit_lead"},
    "note": STAFF_ALL,
    "attach": STAFF_ALL | {"citizen"},
}
PERSONAS = sorted(
    STAFF_ALL | {"citizen", "system", "other_township_handler", "dept_handler", "intaker"}
)


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


def _call(name: str, actor: Any, case: Case, county: County) -> Case | str:
    """Take transition ``name`` with valid arguments."""
    calls: dict[str, Callable[[], Any]] = {
        "resolve_on_the_spot": lambda: services.case_resolve_on_the_spot(
            actor=actor, case=case, resolution="现场更换灯泡"
        ),
        "classify": lambda: services.case_classify(
            actor=actor, case=case, category=county_category(county)
        ),
        "dispatch": lambda: services.case_dispatch(
            actor=actor, case=case, lead_unit=county.housing
        ),
        "arbitrate": lambda: services.case_arbitrate(
            actor=actor, case=case, lead_unit=county.chengguan, reason="属镇职责"
        ),
        "acknowledge": lambda: services.case_acknowledge(actor=actor, case=case),
        "return": lambda: services.case_return(actor=actor, case=case, reason="非本单位职责"),
        "interim_reply": lambda: services.case_interim_reply(
            actor=actor, case=case, text="正在处理"
        ),
        "reply": lambda: services.case_reply(actor=actor, case=case, text="已修复"),
        "callback": lambda: services.case_callback(
            actor=actor, case=case, resolved=True, satisfaction=4
        ),
        "callback_attempt": lambda: services.case_callback_attempt(
            actor=actor, case=case, note="无人接听"
        ),
        "reopen": lambda: services.case_reopen(actor=actor, case=case, reason="仍未修好"),
        "close": lambda: services.case_close(actor=actor, case=case, reason="多次联系不上"),
        "request_extension": lambda: services.case_request_extension(
            actor=actor, case=case, days=5, reason="需采购配件"
        ),
        "approve_extension": lambda: services.case_decide_extension(
            actor=actor, case=_with_extension(case, county), approve=True
        ),
        "deny_extension": lambda: services.case_decide_extension(
            actor=actor, case=_with_extension(case, county), approve=False, note="理由不足"
        ),
        "remind": lambda: services.case_remind(actor=actor, case=case, note="请抓紧"),
        "supervise": lambda: services.case_supervise(
            actor=actor, case=case, days=3, note="限期办结"
        ),
        "merge": lambda: services.case_merge(
            actor=actor, case=case, into=builders.accepted(county)
        ),
        "reject": lambda: services.case_reject(actor=actor, case=case, reason="不属于受理范围"),
        "reveal_contact": lambda: services.case_reveal_contact(
            actor=actor, case=case, field="citizen_phone"
        ),
        "note": lambda: services.case_add_note(actor=actor, case=case, text="已电话联系"),
        "attach": lambda: services.case_attach(
            actor=actor, case=case, files=[services.Upload("a.png", PNG)]
        ),
    }
    return calls[name]()


_EXTENSION_HANDLER: dict[int, Any] = {}


def _with_extension(case: Case, county: County) -> Case:
    """Deciding an extension needs a pending request: file one as the lead unit first."""
    case.refresh_from_db()
    if case.state == State.IN_PROGRESS and not case.extension_pending:
        handler = _EXTENSION_HANDLER[case.lead_unit_id]  # type: ignore[index]
        services.case_request_extension(actor=handler, case=case, days=5, reason="需采购配件")
        case.refresh_from_db()
    return case


def county_category(county: County):
    from jishi.cases.models import Category

    return Category.objects.get_or_create(
        code="lighting", defaults={"name": "路灯照明", "owning_unit": county.chengguan}
    )[0]


def test_every_transition_has_expectations() -> None:
    internal = {"accept", "recompute_deadline"}
    assert set(TRANSITIONS) - internal == set(SOURCES) == set(ALLOWED)


@pytest.fixture
def personas(
    county,
    township_handler,
    village_handler,
    unit_lead,
    dispatcher,
    county_lead,
    inspector,
    other_township_handler,
    dept_handler,
):
    _EXTENSION_HANDLER[county.chengguan.pk] = township_handler
    return {
        "township_handler": township_handler,
        "village_handler": village_handler,
        "unit_lead": unit_lead,
        "dispatcher": dispatcher,
        "county_lead": county_lead,
        "inspector": inspector,
        "other_township_handler": other_township_handler,
        "dept_handler": dept_handler,
        "citizen": Citizen(),
        "system": System(),
    }


@pytest.mark.parametrize("name", sorted(SOURCES))
@pytest.mark.parametrize("state", sorted(State.values))
def test_transition_from_each_state(name: str, state: str, county, personas) -> None:
    """With a persona that is allowed, the transition works exactly from its source states."""
    case = builders.in_state(state, county, personas["dispatcher"], personas["township_handler"])
    allowed = sorted(ALLOWED[name] - {"intaker"})
    actor = personas[allowed[0]] if allowed else None
    if name == "resolve_on_the_spot":
        if state == State.ACCEPTED:
            case = builders.accepted(county, intaker=personas["township_handler"])
        actor = personas["township_handler"]
    before = CaseEvent.objects.filter(case=case).count()
    if state in SOURCES[name]:
        _call(name, actor, case, county)
        assert CaseEvent.objects.filter(case=case).count() > before
    else:
        with pytest.raises(InvalidTransition):
            _call(name, actor, case, county)
        assert CaseEvent.objects.filter(case=case).count() == before
        case.refresh_from_db()
        assert case.state == state


def _state_for(name: str) -> str:
    preferred = [State.IN_PROGRESS, State.REPLIED, State.DISPATCHED, State.RETURNED, State.ACCEPTED]
    return next(s for s in preferred if s in SOURCES[name])


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", sorted(SOURCES))
def test_transition_for_each_post(name: str, persona: str, county, personas) -> None:
    """From a valid state, only the posts named may take the transition; others are refused
    (NotFound when the case is outside their scope, PermissionDenied otherwise)."""
    state = _state_for(name)
    if persona == "intaker" and name != "resolve_on_the_spot":
        pytest.skip("the intaker matters only for resolve_on_the_spot")
    if name == "resolve_on_the_spot":
        # Taken in by a handler of its own; only that person may resolve it on the spot.
        intaker = make_person("intaker", county.chengguan, Role.HANDLER)
        case = builders.accepted(county, intaker=intaker)
        actor = intaker if persona == "intaker" else personas[persona]
    else:
        case = builders.in_state(
            state, county, personas["dispatcher"], personas["township_handler"]
        )
        actor = personas[persona]
    if name in {"approve_extension", "deny_extension"}:
        case = _with_extension(case, county)
    before = CaseEvent.objects.filter(case=case).count()
    if persona in ALLOWED[name]:
        _call(name, actor, case, county)
        assert CaseEvent.objects.filter(case=case).count() > before
    else:
        expected = (
            NotFound if persona in {"other_township_handler", "dept_handler"} else PermissionDenied
        )
        with pytest.raises(expected):
            _call(name, actor, case, county)
        assert CaseEvent.objects.filter(case=case).count() == before
