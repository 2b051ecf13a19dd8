"""A case that must be called back (a bad rating's rectification with the rater's phone) may
not close without the callback answer, unless failed callback attempts excuse it."""

from __future__ import annotations

import datetime as dt

import pytest

from jishi.cases import services
from jishi.cases.models import Case, CaseEvent, State
from jishi.cases.tests import builders
from jishi.common import clock
from jishi.common.clock import travel_to
from jishi.common.errors import InvalidInput, InvalidTransition
from jishi.testing.fixtures import County


def _at(days: int) -> dt.datetime:
    """Some days after now, so the events stay in order."""
    return clock.now() + dt.timedelta(days=days)


def _replied(county: County, dispatcher, handler, **overrides: object) -> Case:
    case = builders.in_progress(county, dispatcher, handler, callback_required=True, **overrides)
    return services.case_reply(actor=handler, case=case, text="已整改，窗口已加派人手。")


def test_required_only_where_a_phone_was_left(county: County) -> None:
    with_phone = builders.accepted(county, callback_required=True)
    without = builders.accepted(county, callback_required=True, citizen_phone="")
    plain = builders.accepted(county)
    assert with_phone.callback_required is True
    assert without.callback_required is False
    assert plain.callback_required is False
    accept = CaseEvent.objects.get(case=with_phone, kind="accept")
    assert accept.payload["callback_required"] is True


def test_close_without_callback_is_refused_and_changes_nothing(
    county: County, dispatcher, township_handler
) -> None:
    case = _replied(county, dispatcher, township_handler)
    events = CaseEvent.objects.filter(case=case).count()
    with pytest.raises(InvalidTransition, match="须回访当事人后办结：已记录回访未接通 0 次"):
        services.case_close(actor=dispatcher, case=case, reason="联系不上")
    case.refresh_from_db()
    assert case.state == State.REPLIED
    assert CaseEvent.objects.filter(case=case).count() == events


def test_two_failed_attempts_allow_closing_without_callback(
    county: County, dispatcher, inspector, township_handler
) -> None:
    case = _replied(county, dispatcher, township_handler)
    services.case_callback_attempt(actor=dispatcher, case=case, note="上午拨打无人接听")
    with pytest.raises(InvalidTransition, match="已记录回访未接通 1 次，满 2 次"):
        services.case_close(actor=dispatcher, case=case, reason="联系不上")
    case = services.case_callback_attempt(actor=inspector, case=case, note="下午再拨仍未接通")
    attempts = CaseEvent.objects.filter(case=case, kind="callback_attempt").order_by("seq")
    assert [e.payload["attempt"] for e in attempts] == [1, 2]
    case = services.case_close(actor=dispatcher, case=case, reason="两次回访未接通")
    assert case.state == State.CLOSED
    # Closed without the rater's word: neither solved nor satisfied.
    assert case.resolved is None and case.satisfaction is None


def test_attempts_before_a_reopening_do_not_excuse_the_next_reply(
    county: County, dispatcher, township_handler
) -> None:
    case = _replied(county, dispatcher, township_handler)
    with travel_to(_at(2)):
        services.case_callback_attempt(actor=dispatcher, case=case)
        services.case_callback_attempt(actor=dispatcher, case=case)
        case = services.case_reopen(actor=dispatcher, case=case, reason="评价人来电称仍未整改")
    with travel_to(_at(3)):
        case = services.case_reply(actor=township_handler, case=case, text="已再次整改。")
        with pytest.raises(InvalidTransition, match="已记录回访未接通 0 次"):
            services.case_close(actor=dispatcher, case=case, reason="联系不上")


def test_the_callback_answer_closes_as_usual(county: County, dispatcher, township_handler) -> None:
    case = _replied(county, dispatcher, township_handler)
    case = services.case_callback(actor=dispatcher, case=case, resolved=True, satisfaction=4)
    assert case.state == State.CLOSED and case.resolved is True


def test_cases_without_the_rule_close_with_a_reason(
    county: County, dispatcher, township_handler
) -> None:
    case = builders.replied(county, dispatcher, township_handler)
    assert services.case_close(actor=dispatcher, case=case, reason="联系不上").state == State.CLOSED


def test_attempt_needs_a_replied_case_and_a_short_note(
    county: County, dispatcher, township_handler
) -> None:
    case = builders.in_progress(county, dispatcher, township_handler)
    with pytest.raises(InvalidTransition):
        services.case_callback_attempt(actor=dispatcher, case=case)
    replied = _replied(county, dispatcher, township_handler)
    with pytest.raises(InvalidInput):
        services.case_callback_attempt(actor=dispatcher, case=replied, note="无" * 5000)
    assert not CaseEvent.objects.filter(case=replied, kind="callback_attempt").exists()
