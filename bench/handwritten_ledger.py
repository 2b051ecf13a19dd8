"""The ledger table's rows written with f-strings: the hand-written path the product used
before ``cases/ledger_rows.html`` took the rows back (kept here so ``fastpaths.py ledger``
can still measure it beside the template; ``fastpaths.py`` checks the markup is the same).

Every value that comes from a case is escaped here, the labels are translated once per page,
and the column order must match the ``<thead>`` of ``cases/ledger_rows.html``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jishi.cases import display
from jishi.common.masking import mask_personal_numbers

if TYPE_CHECKING:
    from jishi.console.views_ledger import Row
    from jishi.orgs.models import Unit

DASH = "—"


def _time(value: datetime, css: str = "") -> str:
    local = timezone.localtime(value)
    attr = f' class="{css}"' if css else ""
    return f'<time{attr} datetime="{local.isoformat()}">{local:%Y-%m-%d %H:%M}</time>'


def rows_html(rows: Sequence[Row]) -> SafeString:
    """``<tr>`` elements for the ledger table body."""
    name_of = display.unit_namer()

    def unit(u: Unit | None) -> str:
        return escape(name_of(u))

    label = {
        key: escape(text)
        for key, text in {
            "code": _("受理编号"),
            "title": _("标题"),
            "kind": _("类型"),
            "channel": _("渠道"),
            "category": _("分类"),
            "place": _("乡镇/村"),
            "lead": _("主办单位"),
            "state": _("状态"),
            "accepted": _("受理时间"),
            "due": _("期限"),
            "marks": _("标记"),
        }.items()
    }
    # Display names translated once per page (get_FOO_display walks the choices per call).
    kinds = {value: escape(label) for value, label in display.kind_labels().items()}
    channels = {value: escape(label) for value, label in display.channel_labels().items()}
    states = {value: escape(label) for value, label in display.state_labels().items()}
    supervised = f'<span class="badge badge-danger">{escape(pgettext("marker", "督办"))}</span>'
    reopened = _("重办 %(n)s")
    empty = ' class="is-empty"'
    out: list[str] = []
    for row in rows:
        case = row.case
        title = escape(mask_personal_numbers(case.title))
        category = escape(display.category_name(case.category)) if case.category else DASH
        if case.township:
            village = (
                f'<span class="ledger-sub">{unit(case.village)}</span>' if case.village else ""
            )
            place = f"<span>{unit(case.township)}{village}</span>"
        else:
            place = DASH
        lead = unit(case.lead_unit) or DASH
        if row.due or row.light:
            due = '<span class="ledger-due">'
            if row.due:
                due += _time(row.due, "ledger-nowrap")
            if row.light:
                word = row.light_label or display.light_word(row.light)
                due += (
                    f'<span class="light light-{row.light}"><span class="light-dot" '
                    f'aria-hidden="true"></span>{escape(word)}</span>'
                )
            due += "</span>"
        else:
            due = DASH
        marks = ""
        if case.reopen_count:
            marks += (
                f'<span class="badge badge-warning">'
                f"{escape(reopened % {'n': case.reopen_count})}</span>"
            )
        if case.supervised:
            marks += supervised
        out.append(
            "<tr>"
            f'<td class="cell-primary" data-label="{label["code"]}">'
            f'<a href="{escape(row.url)}">{escape(case.code)}</a></td>'
            f'<td data-label="{label["title"]}">'
            f'<span class="ledger-title" title="{title}">{title}</span></td>'
            f'<td data-label="{label["kind"]}" class="ledger-nowrap">'
            f"{kinds.get(case.kind) or escape(case.kind)}</td>"
            f'<td data-label="{label["channel"]}" class="ledger-nowrap">'
            f"{channels.get(case.channel) or escape(case.channel)}</td>"
            f'<td data-label="{label["category"]}"{"" if case.category else empty}>{category}</td>'
            f'<td data-label="{label["place"]}"{"" if case.township else empty}>{place}</td>'
            f'<td data-label="{label["lead"]}"{"" if case.lead_unit else empty}>{lead}</td>'
            f'<td data-label="{label["state"]}"><span class="badge {row.badge}">'
            f"{states.get(case.state) or escape(case.state)}</span></td>"
            f'<td data-label="{label["accepted"]}" class="ledger-nowrap">'
            f"{_time(case.accepted_at)}</td>"
            f'<td data-label="{label["due"]}"{"" if row.due or row.light else empty}>{due}</td>'
            f'<td data-label="{label["marks"]}"{"" if marks else empty}>'
            f'<span class="ledger-marks">{marks or DASH}</span></td>'
            "</tr>"
        )
    return mark_safe("".join(out))
