"""Cases in every state, built through the services (never by writing rows directly)."""

from __future__ import annotations

from collections.abc import Callable

from jishi.cases import services
from jishi.cases.models import Case, CaseKind, Channel, State
from jishi.cases.services import Citizen
from jishi.orgs.models import User
from jishi.testing.fixtures import County

CITIZEN = Citizen()


def accepted(county: County, *, intaker: User | Citizen = CITIZEN, **overrides: object) -> Case:
    fields: dict[str, object] = {
        "kind": CaseKind.REQUEST,
        "channel": Channel.PORTAL,
        "title": "东街路灯不亮",
        "text": "东街社区文化广场旁的三盏路灯已经坏了一周，晚上出行不便，请尽快修复。",
        "township": county.chengguan,
        "village": county.dongjie,
        "citizen_name": "王先生",
        "citizen_phone": "13812345678",
    }
    fields.update(overrides)
    return services.case_accept(actor=intaker, **fields)  # type: ignore[arg-type]


def dispatched(county: County, dispatcher: User, **overrides: object) -> Case:
    case = accepted(county, **overrides)  # type: ignore[arg-type]
    return services.case_dispatch(actor=dispatcher, case=case, lead_unit=county.chengguan)


def in_progress(county: County, dispatcher: User, handler: User, **overrides: object) -> Case:
    case = dispatched(county, dispatcher, **overrides)
    return services.case_acknowledge(actor=handler, case=case)


def returned(county: County, dispatcher: User, handler: User) -> Case:
    case = dispatched(county, dispatcher)
    return services.case_return(actor=handler, case=case, reason="不属于本镇职责")


def replied(county: County, dispatcher: User, handler: User) -> Case:
    case = in_progress(county, dispatcher, handler)
    return services.case_reply(actor=handler, case=case, text="已安排电工更换灯泡，现已恢复照明。")


def closed(county: County, dispatcher: User, handler: User) -> Case:
    case = replied(county, dispatcher, handler)
    return services.case_callback(actor=dispatcher, case=case, resolved=True, satisfaction=5)


def rejected(county: County, dispatcher: User, handler: User) -> Case:
    return services.case_reject(actor=dispatcher, case=accepted(county), reason="属于司法程序")


def merged(county: County, dispatcher: User, handler: User) -> Case:
    target = accepted(county)
    return services.case_merge(actor=dispatcher, case=accepted(county), into=target)


def in_state(state: str, county: County, dispatcher: User, handler: User) -> Case:
    builders: dict[str, Callable[[], Case]] = {
        State.ACCEPTED: lambda: accepted(county),
        State.DISPATCHED: lambda: dispatched(county, dispatcher),
        State.RETURNED: lambda: returned(county, dispatcher, handler),
        State.IN_PROGRESS: lambda: in_progress(county, dispatcher, handler),
        State.REPLIED: lambda: replied(county, dispatcher, handler),
        State.CLOSED: lambda: closed(county, dispatcher, handler),
        State.REJECTED: lambda: rejected(county, dispatcher, handler),
        State.MERGED: lambda: merged(county, dispatcher, handler),
    }
    case = builders[state]()
    assert case.state == state
    return case
