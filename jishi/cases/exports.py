"""The ledger as an Excel workbook: Chinese headers, real dates, masked phones, constant memory.

Small exports are built in the request; large ones by the ``export_ledger`` task, which
records its progress on a ``LedgerExport`` row the page polls.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from jishi.cases import display
from jishi.cases.forms_ledger import VIEW_PARAMS, form_from_params, ledger_cases, overdue_condition
from jishi.cases.models import Case
from jishi.cases.models_export import ExportStatus, LedgerExport
from jishi.common.masking import mask_value
from jishi.orgs.models import User

logger = logging.getLogger(__name__)

# Up to this many rows an export is built while the person waits; above, in the background.
SYNC_LIMIT = 2000
# How often (rows) a background export writes its progress.
PROGRESS_EVERY = 500
DATE_FORMAT = "yyyy-mm-dd hh:mm"

# (header, column width in characters); headers in the language of whoever asked for the file
COLUMNS: tuple[tuple[Any, int], ...] = (
    (_("受理编号"), 14),
    (_("标题"), 36),
    (_("类型"), 10),
    (_("渠道"), 16),
    (_("分类"), 14),
    (_("乡镇"), 12),
    (_("村(社区)"), 12),
    (_("主办单位"), 18),
    (_("状态"), 10),
    (_("受理时间"), 17),
    (_("办理期限"), 17),
    (_("办结时间"), 17),
    (_("超期"), 6),
    (_("重办次数"), 9),
    (pgettext_lazy("marker", "督办"), 6),
    (_("群众姓名"), 10),
    (_("联系电话"), 14),
    (_("地址"), 30),
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
    return qs.annotate(is_overdue=overdue_condition())


def _local(value: datetime | None) -> datetime | None:
    # Excel has no time zones: the county's wall-clock time, as people read it.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def case_row(case: Case) -> list[Any]:
    name = display.unit_name

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
        _local(case.handling_due),
        _local(case.closed_at),
        str(_("是") if getattr(case, "is_overdue", False) else _("否")),
        case.reopen_count,
        str(_("是") if case.supervised else _("否")),
        str(_("匿名")) if case.anonymous else case.citizen_name,
        # The mask is all that leaves the server: the full number never reaches a file.
        case.phone_masked,
        case.address,
    ]


def write_workbook(
    cases: Iterable[Case], out: IO[bytes], progress: Callable[[int], None] | None = None
) -> int:
    """Write ``cases`` as .xlsx to ``out`` in write-only mode (rows are streamed to disk, so
    memory stays flat however many there are). Returns the number of rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(_("台账")))
    # Layout must be set before the first row: write-only sheets emit it up front.
    for index, (_header, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EEF7")
    header = []
    for title, _width in COLUMNS:
        cell = WriteOnlyCell(sheet, value=str(title))
        cell.font = bold
        cell.fill = fill
        header.append(cell)
    sheet.append(header)
    count = 0
    for case in cases:
        row: list[Any] = []
        # Phone and ID numbers typed into the text never leave the server in full.
        for value in map(mask_value, case_row(case)):
            if isinstance(value, datetime):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = DATE_FORMAT
                row.append(cell)
            else:
                row.append(value)
        sheet.append(row)
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0:
            progress(count)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{count + 1}"
    workbook.save(out)
    return count


def download_name(at: datetime | None = None) -> str:
    return f"{_('台账')}_{timezone.localtime(at or timezone.now()):%Y%m%d_%H%M}.xlsx"


def start_export(user: User, params: Mapping[str, list[str]]) -> LedgerExport:
    """Record a background export and queue it (the immediate backend runs it right away)."""
    from jishi.cases.tasks import export_ledger

    export = LedgerExport.objects.create(user=user, filters=export_params(params))
    # The worker writes the file in the language of the page it was asked from.
    export_ledger.enqueue(export.pk, translation.get_language())
    export.refresh_from_db()
    return export


def run_export(export_id: int, language: str | None = None) -> int:
    """Build the workbook of a recorded export into MEDIA_ROOT/exports/, in ``language``
    (the site's own language when not given)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return _run_export(export_id)


def _run_export(export_id: int) -> int:
    import tempfile

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
            written = write_workbook(queryset.iterator(chunk_size=1000), out, progress)
            out.seek(0)
            # An unguessable name: exports hold citizens' data and media may be served as files.
            name = f"ledger-{export.pk}-{secrets.token_urlsafe(12)}.xlsx"
            export.file.save(name, File(out), save=False)
    except Exception as error:
        logger.exception("ledger export %s failed", export.pk)
        LedgerExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=str(error)[:200], finished_at=timezone.now()
        )
        raise
    LedgerExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.DONE,
        file=export.file.name,
        row_count=written,
        rows_done=written,
        finished_at=timezone.now(),
    )
    return written
