"""Every write to the ledger. One function per transition of ``workflow.TRANSITIONS``.

Callers use the package (``from jishi.cases import services``; ``services.case_dispatch``),
never its modules; the modules are named for what they do:

- ``engine`` — the shape every service shares: who acts (``Citizen``, ``System``, a user's
  post), the row lock, the event on the hash chain, the save, the notification on commit,
  the clocks a step stops, and ``batch()``. Every other module builds on it.
- ``clocks`` — the SLA clocks a step starts and their deadlines; ``deadlines_recompute``.
- ``attachments`` — photos checked, re-encoded and stored; ``case_attach``.
- ``dispatching`` — classify, dispatch, arbitrate, merge, reject.
- ``intake`` — ``case_accept`` with its tracking code, routed at once when it can be
  (``Route``); ``case_resolve_on_the_spot``.
- ``handling`` — acknowledge, return, interim reply, reply; internal notes.
- ``callback`` — the citizen's answer, reopen, close.
- ``oversight`` — extension requests and decisions, reminders, supervision.
- ``contact`` — the citizen's contact shown in full, every look an event.

Inside the package, imports go from the modules above toward ``engine`` only (``intake``
builds on ``dispatching``, ``attachments`` and ``clocks``), never back.
"""

from __future__ import annotations

from jishi.cases.services.attachments import StoredImage, Upload, case_attach, check_image
from jishi.cases.services.callback import (
    case_callback,
    case_callback_attempt,
    case_close,
    case_reopen,
)
from jishi.cases.services.clocks import ClockSpec, deadlines_recompute
from jishi.cases.services.contact import REVEALABLE, case_reveal_contact
from jishi.cases.services.dispatching import (
    case_arbitrate,
    case_classify,
    case_dispatch,
    case_merge,
    case_reject,
)
from jishi.cases.services.engine import (
    REASON_MAX,
    TEXT_MAX,
    Acting,
    Actor,
    Citizen,
    System,
    batch,
    event_recorded,
)
from jishi.cases.services.handling import (
    case_acknowledge,
    case_add_note,
    case_interim_reply,
    case_reply,
    case_return,
)
from jishi.cases.services.intake import (
    CODE_ALPHABET,
    TITLE_MAX,
    AlreadySubmitted,
    Recorded,
    Route,
    case_accept,
    case_resolve_on_the_spot,
)
from jishi.cases.services.oversight import (
    case_decide_extension,
    case_remind,
    case_request_extension,
    case_supervise,
)

__all__ = [
    "CODE_ALPHABET",
    "REASON_MAX",
    "REVEALABLE",
    "TEXT_MAX",
    "TITLE_MAX",
    "Acting",
    "Actor",
    "AlreadySubmitted",
    "Citizen",
    "ClockSpec",
    "Recorded",
    "Route",
    "StoredImage",
    "System",
    "Upload",
    "batch",
    "case_accept",
    "case_acknowledge",
    "case_add_note",
    "case_arbitrate",
    "case_attach",
    "case_callback",
    "case_callback_attempt",
    "case_classify",
    "case_close",
    "case_decide_extension",
    "case_dispatch",
    "case_interim_reply",
    "case_merge",
    "case_reject",
    "case_remind",
    "case_reopen",
    "case_reply",
    "case_request_extension",
    "case_resolve_on_the_spot",
    "case_return",
    "case_reveal_contact",
    "case_supervise",
    "check_image",
    "deadlines_recompute",
    "event_recorded",
]
