"""The ledger as an Excel workbook: Chinese headers, real dates, masked numbers, constant memory.

Each row holds the case as the console shows it — the whole title, the citizen's words and
the latest answer they were given, with phone and ID numbers masked as on every staff page —
and its deadlines: the signing-for and handling deadlines that applied (closed cases
included: the services clear the due times on the case when a clock stops, so they come from
the stopped clocks), the day it closed and whether it was, or is, on time.

Rows are written as they are read (``iterator``), and what a row needs beyond the case itself
(its reply, its clocks) is read for a thousand cases at a time: two queries per chunk, never
one per row, so a million-case ledger exports in flat memory.

Small exports are built in the request; large ones by the ``export_ledger`` task, which
records its progress on a ``LedgerExport`` row the page polls.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from openpyxl import Workbook

from jishi.cases import display
from jishi.cases.models import OPEN_STATES, Case, CaseClock, CaseEvent, ClockKind, State
from jishi.cases.models_export import ExportStatus, LedgerExport
from jishi.common import clock
from jishi.common.masking import mask_value
from jishi.common.spreadsheet import Column, SheetWriter
from jishi.console.forms_ledger import (
    VIEW_PARAMS,
    form_from_params,
    ledger_cases,
    overdue_condition,
)
from jishi.console.selectors import case_deadline
from jishi.orgs.models import User
from jishi.workdays.calendar import Calendar
from jishi.workdays.selectors import get_calendar

logger = logging.getLogger(__name__)

# Up to this many rows an export is built while the person waits; above, in the background.
SYNC_LIMIT = 2000
# How often (rows) a background export writes its progress.
PROGRESS_EVERY = 500
# How many cases' replies and clocks are read in one query.
CHUNK = 1000
DATE_FORMAT = "yyyy-mm-dd hh:mm"
# Columns a row never shows: decrypting them costs ~0.1 ms a row each (Fernet), and the
# search column doubles the text read. The phone is read: its mask is a column.
EXPORT_DEFERRED = ("citizen_id_number", "tracking_pin", "search_text")
# Events whose text is the answer the citizen was given (as the portal shows it).
REPLY_KINDS = {"reply": "text", "resolve_on_the_spot": "resolution"}
# Clocks that were never allowed to run out: a returned or merged case's (cancelled), or one
# a new clock of the same kind took over from (replaced).
_VOID_OUTCOMES = ("cancelled", "replaced")


# Widths in Excel's units: a Chinese character takes two. Long text wraps in its column; only
# it, since every styled cell costs openpyxl two cell objects and a style lookup.
COLUMNS: tuple[Column, ...] = (
    Column(gettext_lazy("受理编号"), 14),
    Column(gettext_lazy("标题"), 40, wrap=True),
    Column(gettext_lazy("类型"), 10),
    Column(gettext_lazy("渠道"), 16),
    Column(gettext_lazy("分类"), 14),
    Column(gettext_lazy("乡镇"), 12),
    Column(gettext_lazy("村(社区)"), 14),
    Column(gettext_lazy("主办单位"), 20),
    Column(gettext_lazy("状态"), 10),
    Column(gettext_lazy("受理时间"), 17, number_format=DATE_FORMAT),
    Column(gettext_lazy("签收期限"), 17, number_format=DATE_FORMAT),
    Column(gettext_lazy("办理期限"), 17, number_format=DATE_FORMAT),
    Column(gettext_lazy("办结时间"), 17, number_format=DATE_FORMAT),
    Column(gettext_lazy("期限提示"), 28),
    Column(gettext_lazy("超期"), 6),
    Column(gettext_lazy("重办次数"), 9),
    Column(pgettext_lazy("marker", "督办"), 6),
    Column(gettext_lazy("群众姓名"), 12),
    Column(gettext_lazy("联系电话"), 14),
    Column(gettext_lazy("地址"), 30, wrap=True),
    Column(gettext_lazy("反映内容"), 60, wrap=True),
    Column(gettext_lazy("答复时间"), 17, number_format=DATE_FORMAT),
    Column(gettext_lazy("答复内容"), 60, wrap=True),
)


def export_params(params: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The query parameters that decide which rows (and in which order) an export holds."""
    return {
        key: list(values)
        for key, values in params.items()
        if key not in VIEW_PARAMS - {"sort"} and key != "csrfmiddlewaretoken"
    }


def export_queryset(user: User, params: Mapping[str, list[str]]) -> QuerySet[Case]:
    """Exactly the ledger page's rows for these parameters, with the overdue flag."""
    qs = ledger_cases(user, form_from_params(export_params(params)))
    return qs.defer(*EXPORT_DEFERRED).annotate(is_overdue=overdue_condition())


def _local(value: datetime | None) -> datetime | None:
    # Excel has no time zones: the county's wall-clock time, as people read it. (The
    # county's zone is the site's; asking for the "current" one costs more than the rest of
    # the conversion, five times a row.)
    return value.astimezone(timezone.get_default_timezone()).replace(tzinfo=None) if value else None


@dataclass(frozen=True)
class Words:
    """The few words every row repeats, translated once per export rather than per cell."""

    yes: str
    no: str
    anonymous: str

    @classmethod
    def current(cls) -> Words:
        return cls(yes=_("是"), no=_("否"), anonymous=_("匿名"))


@dataclass(frozen=True)
class RowFacts:
    """What a row shows beyond the case's own columns, read for a chunk of cases at once."""

    response_due: datetime | None = None  # the signing-for deadline that applied
    handling_due: datetime | None = None  # the handling deadline that applied (the last one)
    answered_late: bool = False  # a signing-for or handling clock stopped after its due time
    replied_at: datetime | None = None
    reply: str = ""
    hint: str = ""  # 期限提示


def deadline_hint(case: Case, *, answered_late: bool, now: datetime, calendar: Calendar) -> str:
    """On time or not, in words: for a closed or answered case, whether any deadline was
    missed (as the ledger page's light says); for an open one, the console's working time
    left or overdue on the deadline that matters now (``case_deadline``)."""
    if case.state == State.CLOSED:
        return _("超期办结") if answered_late else _("按期办结")
    if case.state == State.REPLIED:
        return _("超期答复") if answered_late else _("按期答复")
    if case.state not in OPEN_STATES:
        return ""
    view = case_deadline(case, now=now, calendar=calendar)
    if view is None:
        return ""
    if case.state == State.DISPATCHED and case.response_due:
        return _("签收%(text)s") % {"text": view.text}
    return view.text


def ledger_facts(
    cases: Sequence[Case], *, now: datetime, calendar: Calendar
) -> dict[int, RowFacts]:
    """Replies, applied deadlines and the deadline hint of these cases: two queries."""
    ids = [case.pk for case in cases]
    replies: dict[int, tuple[datetime, str]] = {}
    events = (
        CaseEvent.objects.filter(case_id__in=ids, kind__in=REPLY_KINDS)
        .order_by("case_id", "seq")
        .values_list("case_id", "kind", "created_at", "payload")
    )
    for case_id, kind, at, payload in events:  # the last one wins: the latest answer
        text = (payload or {}).get(REPLY_KINDS[kind])
        replies[case_id] = (at, text if isinstance(text, str) else "")
    dues: dict[tuple[int, str], datetime] = {}
    late: set[int] = set()
    clocks = (
        CaseClock.objects.filter(case_id__in=ids, kind__in=[ClockKind.RESPONSE, ClockKind.HANDLING])
        .exclude(outcome__in=_VOID_OUTCOMES)
        .order_by("case_id", "started_seq", "pk")
        .values_list("case_id", "kind", "due_at", "outcome")
    )
    for case_id, kind, due_at, outcome in clocks:  # the last one started is the one that applied
        dues[case_id, kind] = due_at
        if outcome == "late":
            late.add(case_id)
    facts = {}
    for case in cases:
        answered_late = case.pk in late
        replied_at, reply = replies.get(case.pk, (None, ""))
        facts[case.pk] = RowFacts(
            # A running clock's due time is on the case; a stopped one's only on the clock.
            response_due=case.response_due or dues.get((case.pk, ClockKind.RESPONSE)),
            handling_due=case.handling_due or dues.get((case.pk, ClockKind.HANDLING)),
            answered_late=answered_late,
            replied_at=replied_at,
            reply=reply,
            hint=deadline_hint(case, answered_late=answered_late, now=now, calendar=calendar),
        )
    return facts


def case_row(case: Case, facts: RowFacts | None = None, words: Words | None = None) -> list[Any]:
    name = display.unit_name

    facts = facts or RowFacts()
    words = words or Words.current()
    return [
        case.code,
        case.title,
        display.kind_label(case.kind),
        display.channel_label(case.channel),
        display.category_name(case.category),
        name(case.township),
        name(case.village),
        name(case.lead_unit),
        display.state_label(case.state),
        _local(case.accepted_at),
        _local(facts.response_due),
        _local(facts.handling_due),
        _local(case.closed_at),
        facts.hint,
        words.yes if getattr(case, "is_overdue", False) else words.no,
        case.reopen_count,
        words.yes if case.supervised else words.no,
        words.anonymous if case.anonymous else case.citizen_name,
        # The mask is all that leaves the server: the full number never reaches a file.
        case.phone_masked,
        case.address,
        case.text,
        _local(facts.replied_at),
        facts.reply,
    ]


def _chunks(items: Iterable[Case], size: int) -> Iterator[list[Case]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def write_workbook(
    cases: Iterable[Case], out: IO[bytes], progress: Callable[[int], None] | None = None
) -> int:
    """Write ``cases`` as .xlsx to ``out`` in write-only mode (rows are streamed to disk, so
    memory stays flat however many there are). Returns the number of rows written."""
    workbook = Workbook(write_only=True)
    writer = SheetWriter(workbook, _("台账"), COLUMNS)
    now, calendar, words = clock.now(), get_calendar(), Words.current()
    for chunk in _chunks(cases, CHUNK):
        facts = ledger_facts(chunk, now=now, calendar=calendar)
        for case in chunk:
            # Phone and ID numbers typed into the text never leave the server in full.
            row = case_row(case, facts[case.pk], words)
            writer.append([mask_value(value) for value in row])
            if progress is not None and writer.rows % PROGRESS_EVERY == 0:
                progress(writer.rows)
    count = writer.close()
    workbook.save(out)
    return count


def download_name(at: datetime | None = None) -> str:
    return f"{_('台账')}_{timezone.localtime(at or clock.now()):%Y%m%d_%H%M}.xlsx"


def run_export(export_id: int, language: str | None = None) -> int:
    """Build the workbook of a recorded export into MEDIA_ROOT/exports/, in ``language``
    (the site's own language when not given)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _run_export(export_id)


def _run_export(export_id: int) -> int:
    export = LedgerExport.objects.select_related("user").get(pk=export_id)
    if export.finished:
        return export.rows_done
    queryset = export_queryset(export.user, export.filters)
    total = queryset.count()
    LedgerExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.RUNNING, row_count=total, rows_done=0
    )

    def progress(done: int) -> None:
        LedgerExport.objects.filter(pk=export.pk).update(rows_done=done)

    try:
        with tempfile.TemporaryFile() as out:
            written = write_workbook(queryset.iterator(chunk_size=CHUNK), out, progress)
            out.seek(0)
            # An unguessable name: exports hold citizens' data and media may be served as files.
            name = f"ledger-{export.pk}-{secrets.token_urlsafe(12)}.xlsx"
            export.file.save(name, File(out), save=False)
    except Exception as error:
        logger.exception("ledger export %s failed", export.pk)
        LedgerExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=str(error)[:200], finished_at=clock.now()
        )
        raise
    LedgerExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.DONE,
        file=export.file.name,
        row_count=written,
        rows_done=written,
        finished_at=clock.now(),
    )
    return written
