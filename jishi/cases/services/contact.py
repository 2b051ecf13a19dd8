"""The citizen's contact in full: masked everywhere else, shown to staff only through this
service, so every look is an event on the case."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jishi.cases.models import Case
from jishi.cases.services.engine import Acting, Actor, _transition
from jishi.common.errors import InvalidInput

# ``text``: the case's text with the phone and ID numbers the citizen typed into it, which
# every other screen and export masks.
REVEALABLE = {"citizen_phone": "联系电话", "citizen_id_number": "身份证号", "text": "反映内容"}


def case_reveal_contact(*, actor: Actor, case: Case | int, field: str) -> str:
    """Show a citizen's phone or ID number in full; every reveal is an event."""
    if field not in REVEALABLE:
        raise InvalidInput(
            "字段无效", errors={"field": ["只能查看联系电话、身份证号或反映内容中的号码"]}
        )
    revealed: dict[str, str] = {}

    def apply(case: Case, acting: Acting, at: datetime, seq: int) -> dict[str, Any]:
        revealed["value"] = getattr(case, field)
        return {"field": field}

    _transition(actor=actor, case=case, name="reveal_contact", expected_version=None, apply=apply)
    return revealed["value"]
