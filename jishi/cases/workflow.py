"""The workflow, declared in one table (DESIGN.md rule 3).

Each ``Transition`` names the states it may start from, the state it leads to, the posts that
may take it, how the actor must relate to the case (``scope``) and which SLA clocks it starts
and stops. Services look their transition up here and nowhere else; the test suite walks this
table to check every allowed and every forbidden path.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from jishi.cases.models import ClockKind, State
from jishi.orgs.models import Role

CITIZEN = "citizen"
SYSTEM = "system"


class Scope(StrEnum):
    """How the actor must relate to the case, on top of being allowed to see it."""

    INTAKE = "intake"  # no case yet: whoever may take in cases for that channel
    COUNTY = "county"  # a county-wide post (dispatcher, inspector, county lead, admin)
    LEAD = "lead"  # a post in the lead unit, or in a unit above it (a township for its villages)
    LEAD_OR_ASSIST = "lead_or_assist"  # the lead unit or an assisting unit
    INTAKER = "intaker"  # the person who accepted the case
    VISIBLE = "visible"  # anyone who can see the case
    CITIZEN = "citizen"  # the citizen who raised it, proven by the view (tracking link)


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str | None  # None: the state does not change
    roles: frozenset[str]
    scope: Scope
    starts: tuple[str, ...] = ()
    stops: tuple[str, ...] = ()

    def leads_to(self, state: str) -> str:
        return self.target if self.target is not None else state


_COUNTY = frozenset({Role.DISPATCHER, Role.INSPECTOR, Role.COUNTY_LEAD, Role.ADMIN})
_UNIT = frozenset({Role.HANDLER, Role.UNIT_LEAD})
_STAFF = frozenset(Role.values)
_OPEN = frozenset(
    {State.ACCEPTED, State.DISPATCHED, State.RETURNED, State.IN_PROGRESS, State.REPLIED}
)
_ALL = frozenset(State.values)

_TABLE = [
    Transition(
        "accept", "受理", frozenset({""}), State.ACCEPTED, _STAFF | {CITIZEN, SYSTEM}, Scope.INTAKE
    ),
    Transition(
        "resolve_on_the_spot",
        "边发现边解决",
        frozenset({State.ACCEPTED}),
        State.CLOSED,
        _UNIT | {Role.DISPATCHER},
        Scope.INTAKER,
    ),
    Transition(
        "classify",
        "分类",
        frozenset({State.ACCEPTED, State.RETURNED}),
        None,
        frozenset({Role.DISPATCHER, Role.ADMIN, SYSTEM}),
        Scope.COUNTY,
    ),
    Transition(
        "dispatch",
        "派单",
        frozenset({State.ACCEPTED, State.RETURNED}),
        State.DISPATCHED,
        frozenset({Role.DISPATCHER, Role.ADMIN, SYSTEM}),
        Scope.COUNTY,
        starts=(ClockKind.RESPONSE, ClockKind.HANDLING),
    ),
    Transition(
        "arbitrate",
        "裁定",
        frozenset({State.RETURNED}),
        State.DISPATCHED,
        frozenset({Role.DISPATCHER, Role.INSPECTOR}),
        Scope.COUNTY,
        starts=(ClockKind.RESPONSE, ClockKind.HANDLING),
    ),
    Transition(
        "acknowledge",
        "签收",
        frozenset({State.DISPATCHED}),
        State.IN_PROGRESS,
        _UNIT,
        Scope.LEAD,
        stops=(ClockKind.RESPONSE,),
    ),
    Transition(
        "return",
        "退单",
        frozenset({State.DISPATCHED, State.IN_PROGRESS}),
        State.RETURNED,
        _UNIT,
        Scope.LEAD,
        stops=(ClockKind.RESPONSE, ClockKind.HANDLING, ClockKind.SUPERVISION),
    ),
    Transition(
        "interim_reply", "阶段性答复", frozenset({State.IN_PROGRESS}), None, _UNIT, Scope.LEAD
    ),
    Transition(
        "reply",
        "答复",
        frozenset({State.IN_PROGRESS}),
        State.REPLIED,
        _UNIT,
        Scope.LEAD,
        stops=(ClockKind.HANDLING, ClockKind.SUPERVISION),
    ),
    Transition(
        "callback",
        "回访",
        frozenset({State.REPLIED}),
        None,
        frozenset({Role.DISPATCHER, Role.INSPECTOR, CITIZEN}),
        Scope.COUNTY,
    ),
    # A callback that reached nobody (回访未接通): on record, so "closed without callback"
    # can be checked against the attempts made.
    Transition(
        "callback_attempt",
        "回访未接通",
        frozenset({State.REPLIED}),
        None,
        frozenset({Role.DISPATCHER, Role.INSPECTOR}),
        Scope.COUNTY,
    ),
    Transition(
        "reopen",
        "重办",
        frozenset({State.REPLIED, State.CLOSED}),
        State.IN_PROGRESS,
        frozenset({Role.DISPATCHER, Role.INSPECTOR, CITIZEN}),
        Scope.COUNTY,
        starts=(ClockKind.HANDLING,),
    ),
    Transition(
        "close",
        "办结",
        frozenset({State.REPLIED}),
        State.CLOSED,
        frozenset({Role.DISPATCHER, Role.INSPECTOR, CITIZEN}),
        Scope.COUNTY,
    ),
    Transition(
        "request_extension", "申请延期", frozenset({State.IN_PROGRESS}), None, _UNIT, Scope.LEAD
    ),
    Transition(
        "approve_extension",
        "批准延期",
        frozenset({State.IN_PROGRESS}),
        None,
        frozenset({Role.DISPATCHER, Role.INSPECTOR, Role.COUNTY_LEAD}),
        Scope.COUNTY,
    ),
    Transition(
        "deny_extension",
        "驳回延期",
        frozenset({State.IN_PROGRESS}),
        None,
        frozenset({Role.DISPATCHER, Role.INSPECTOR, Role.COUNTY_LEAD}),
        Scope.COUNTY,
    ),
    Transition(
        "remind",
        "催办",
        frozenset({State.DISPATCHED, State.IN_PROGRESS}),
        None,
        frozenset({Role.DISPATCHER, Role.INSPECTOR}),
        Scope.COUNTY,
    ),
    Transition(
        "supervise",
        "督办",
        frozenset({State.DISPATCHED, State.IN_PROGRESS}),
        None,
        frozenset({Role.INSPECTOR, Role.COUNTY_LEAD}),
        Scope.COUNTY,
        starts=(ClockKind.SUPERVISION,),
    ),
    Transition(
        "merge",
        "合并",
        frozenset({State.ACCEPTED, State.DISPATCHED, State.RETURNED}),
        State.MERGED,
        frozenset({Role.DISPATCHER}),
        Scope.COUNTY,
        stops=(ClockKind.RESPONSE, ClockKind.HANDLING, ClockKind.SUPERVISION),
    ),
    Transition(
        "reject",
        "不予受理",
        frozenset({State.ACCEPTED, State.RETURNED}),
        State.REJECTED,
        frozenset({Role.DISPATCHER}),
        Scope.COUNTY,
    ),
    Transition(
        "reveal_contact",
        "查看联系方式",
        _ALL,
        None,
        frozenset({Role.DISPATCHER, Role.INSPECTOR, Role.HANDLER, Role.UNIT_LEAD}),
        Scope.LEAD_OR_ASSIST,
    ),
    Transition("note", "内部备注", _ALL, None, _STAFF, Scope.VISIBLE),
    Transition("attach", "补充附件", _OPEN, None, _STAFF | {CITIZEN}, Scope.VISIBLE),
    Transition("recompute_deadline", "重算期限", _OPEN, None, frozenset({SYSTEM}), Scope.COUNTY),
]

TRANSITIONS: dict[str, Transition] = {t.name: t for t in _TABLE}

# Transitions a county-wide post takes on any case, and the unit-bound posts with LEAD scope
# take only on their own — ``scope`` decides, so a county dispatcher may also ``reveal``.
COUNTY_ROLES = _COUNTY
