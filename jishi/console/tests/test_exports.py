"""The 台账 Excel export: what each row holds (whole title, the citizen's words, the latest
reply, the deadlines that applied, the day it closed, on time or not), masked numbers, inert
formulas on both paths (in the request and in the background), and a query count that does
not grow with the rows."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from jishi.cases import services
from jishi.cases.models import Case, CaseClock, ClockKind, State
from jishi.cases.models_export import ExportStatus, LedgerExport
from jishi.cases.services import TITLE_MAX
from jishi.cases.tests import builders
from jishi.common import clock
from jishi.console import exports
from jishi.orgs.models import User
from jishi.testing.fixtures import County
from jishi.testing.spreadsheets import assert_inert_xlsx
from jishi.testing.ugly_inputs import FORMULAS

pytestmark = pytest.mark.django_db

TZ = ZoneInfo(settings.TIME_ZONE)
MOBILE, MOBILE_MASKED = "139 0011 2233", "139 **** 2233"
ID_NUMBER, ID_MASKED = "43010219900101123X", "4301**********123X"


def local(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


def wall(value: datetime | None) -> datetime | None:
    """What the sheet shows for an instant: the county's wall-clock time, to the minute."""
    return value.astimezone(TZ).replace(tzinfo=None, second=0, microsecond=0) if value else None


# Mondays to Fridays of March and April 2026 with no holiday near them.
MARCH_2 = local(3, 2, 9)  # Monday
EXPORTED_AT = local(4, 22)  # Wednesday: every March deadline has passed


def export_bytes(client: Client, user: User, data: dict[str, Any] | None = None) -> bytes:
    client.force_login(user)
    with clock.travel_to(EXPORTED_AT):
        response = client.post(reverse("console:ledger_export"), data or {})
    assert response.status_code == 200
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def rows_by_code(data: bytes) -> dict[str, dict[str, Any]]:
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    rows = {}
    for values in sheet.iter_rows(min_row=2, values_only=True):
        row = dict(zip(header, values, strict=True))
        rows[row["受理编号"]] = row
    return rows


def applied_due(case: Case, kind: str) -> datetime:
    return CaseClock.objects.filter(case=case, kind=kind).latest("started_seq").due_at


# --- what a row holds ---------------------------------------------------------------------


def test_headers_are_chinese_frozen_and_sized_for_chinese(client, county, county_lead) -> None:
    builders.accepted(county)
    sheet = load_workbook(io.BytesIO(export_bytes(client, county_lead))).active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["受理编号", "标题", "类型"]
    for name in ("签收期限", "办理期限", "办结时间", "期限提示", "反映内容", "答复内容"):
        assert name in header
    assert sheet.freeze_panes == "A2"
    letter = {name: sheet.cell(1, i + 1).column_letter for i, name in enumerate(header)}
    # Long text wraps within a wide column; short columns do not wrap.
    assert sheet.column_dimensions[letter["反映内容"]].width >= 40
    assert sheet[f"{letter['反映内容']}2"].alignment.wrap_text
    assert sheet[f"{letter['标题']}2"].alignment.wrap_text
    assert not sheet[f"{letter['受理编号']}2"].alignment.wrap_text


def test_a_closed_case_has_its_deadlines_reply_and_closed_on_time(
    client, county, dispatcher, township_handler, county_lead
) -> None:
    with clock.travel_to(MARCH_2):
        case = builders.in_progress(county, dispatcher, township_handler)
    with clock.travel_to(local(3, 4)):
        case = services.case_reply(actor=township_handler, case=case, text="已更换灯泡，恢复照明。")
    with clock.travel_to(local(3, 5)):
        case = services.case_callback(actor=dispatcher, case=case, resolved=True, satisfaction=5)
    assert case.state == State.CLOSED and case.handling_due is None  # cleared on the case

    row = rows_by_code(export_bytes(client, county_lead))[case.code]
    assert row["签收期限"] == wall(applied_due(case, ClockKind.RESPONSE))
    assert row["办理期限"] == wall(applied_due(case, ClockKind.HANDLING))
    assert row["办理期限"] > row["签收期限"] > wall(MARCH_2)
    assert row["办结时间"] == datetime(2026, 3, 5, 10, 0)
    assert row["答复时间"] == datetime(2026, 3, 4, 10, 0)
    assert row["答复内容"] == "已更换灯泡，恢复照明。"
    assert row["反映内容"] == case.text
    assert row["期限提示"] == "按期办结" and row["超期"] == "否"


def test_a_case_closed_late_says_so_with_the_deadline_it_missed(
    client, county, dispatcher, township_handler, county_lead
) -> None:
    with clock.travel_to(MARCH_2):
        case = builders.in_progress(county, dispatcher, township_handler)
    handling_due = case.handling_due
    with clock.travel_to(local(4, 20)):
        case = services.case_reply(actor=township_handler, case=case, text="已处理。")
        case = services.case_callback(actor=dispatcher, case=case, resolved=True, satisfaction=4)
    row = rows_by_code(export_bytes(client, county_lead))[case.code]
    assert row["办理期限"] == wall(handling_due)
    assert row["期限提示"] == "超期办结" and row["超期"] == "是"


def test_the_latest_reply_is_exported_after_a_reopening(
    client, county, dispatcher, township_handler, county_lead
) -> None:
    with clock.travel_to(MARCH_2):
        case = builders.in_progress(county, dispatcher, township_handler)
        case = services.case_reply(actor=township_handler, case=case, text="第一次答复。")
        case = services.case_callback(actor=dispatcher, case=case, resolved=False, satisfaction=2)
    with clock.travel_to(local(3, 3)):
        reopened_due = case.handling_due
        case = services.case_reply(actor=township_handler, case=case, text="重新处理后的答复。")
        case = services.case_callback(actor=dispatcher, case=case, resolved=True, satisfaction=5)
    row = rows_by_code(export_bytes(client, county_lead))[case.code]
    assert row["答复内容"] == "重新处理后的答复。" and row["答复时间"] == datetime(2026, 3, 3, 10)
    assert row["办理期限"] == wall(reopened_due)  # the deadline of the round that closed it
    assert row["重办次数"] == 1 and row["期限提示"] == "按期办结"


def test_a_case_resolved_on_the_spot_exports_what_was_done(
    client, county, village_handler, county_lead
) -> None:
    with clock.travel_to(MARCH_2):
        case = builders.accepted(
            county,
            intaker=village_handler,
            channel="field_visit",
            resolve_on_the_spot="当场联系电工修好",
        )
    row = rows_by_code(export_bytes(client, county_lead))[case.code]
    assert row["答复内容"] == "当场联系电工修好" and row["办结时间"] == wall(MARCH_2)
    assert row["签收期限"] is None and row["办理期限"] is None  # no clock ever ran
    assert row["期限提示"] == "按期办结"


def test_open_cases_say_how_much_time_is_left_or_how_far_past_it_they_are(
    client, county, dispatcher, township_handler, county_lead
) -> None:
    with clock.travel_to(MARCH_2):
        overdue = builders.in_progress(county, dispatcher, township_handler)
        unsigned_late = builders.dispatched(county, dispatcher)
    with clock.travel_to(local(4, 21)):
        fresh = builders.in_progress(county, dispatcher, township_handler)
        unsigned = builders.dispatched(county, dispatcher)
        answered = builders.replied(county, dispatcher, township_handler)
        waiting = builders.accepted(county)
    rows = rows_by_code(export_bytes(client, county_lead))

    late = rows[overdue.code]
    assert late["期限提示"].startswith("已超期 ") and "个工作日" in late["期限提示"]
    assert late["办理期限"] == wall(overdue.handling_due) and late["超期"] == "是"
    assert late["签收期限"] == wall(applied_due(overdue, ClockKind.RESPONSE))  # met, stopped
    assert rows[fresh.code]["期限提示"].startswith("剩余 ")
    assert "个工作日" in rows[fresh.code]["期限提示"]
    assert rows[unsigned.code]["期限提示"].startswith("签收剩余 ")
    assert rows[unsigned_late.code]["期限提示"].startswith("签收已超期 ")
    assert rows[answered.code]["期限提示"] == "按期答复"
    assert rows[waiting.code]["期限提示"] is None  # not dispatched: no deadline yet
    assert rows[waiting.code]["办理期限"] is None


def test_long_titles_come_out_whole(client, county, county_lead, tmp_path: Path) -> None:
    longest = "东街路灯" * (TITLE_MAX // 4)
    case = builders.accepted(county, title=longest)
    assert len(case.title) == TITLE_MAX
    assert rows_by_code(export_bytes(client, county_lead))[case.code]["标题"] == longest
    # The writer itself cuts nothing, whatever the length.
    case.title = "很长的标题" * 100
    out = io.BytesIO()
    exports.write_workbook([case], out)
    assert rows_by_code(out.getvalue())[case.code]["标题"] == "很长的标题" * 100


def test_numbers_masked_on_the_page_stay_masked_in_every_new_column(
    client, county, dispatcher, township_handler, county_lead
) -> None:
    case = builders.in_progress(
        county,
        dispatcher,
        township_handler,
        title=f"请回电{MOBILE}",
        text=f"我的身份证{ID_NUMBER}，手机{MOBILE}。",
    )
    services.case_reply(actor=township_handler, case=case, text=f"已致电 {MOBILE} 说明情况。")
    data = export_bytes(client, county_lead)
    row = rows_by_code(data)[case.code]
    assert row["标题"] == f"请回电{MOBILE_MASKED}"
    assert row["反映内容"] == f"我的身份证{ID_MASKED}，手机{MOBILE_MASKED}。"
    assert row["答复内容"] == f"已致电 {MOBILE_MASKED} 说明情况。"
    assert row["联系电话"] == "138****5678"
    text = "\n".join(str(v) for v in row.values())
    for full in (MOBILE, ID_NUMBER, "00112233", "13812345678"):
        assert full not in text


def test_queries_do_not_grow_with_the_rows(
    county, dispatcher, township_handler, county_lead
) -> None:
    def queries_for_export() -> int:
        queryset = exports.export_queryset(county_lead, {})
        with CaptureQueriesContext(connection) as captured:
            exports.write_workbook(queryset.iterator(chunk_size=500), io.BytesIO())
        return len(captured)

    builders.closed(county, dispatcher, township_handler)
    builders.in_progress(county, dispatcher, township_handler)
    few = queries_for_export()
    for _ in range(4):
        builders.closed(county, dispatcher, township_handler)
        builders.in_progress(county, dispatcher, township_handler)
        builders.accepted(county)
    assert Case.objects.count() == 14
    assert queries_for_export() == few


def test_queries_per_chunk(monkeypatch, county, dispatcher, township_handler, county_lead) -> None:
    monkeypatch.setattr(exports, "CHUNK", 2)
    for _ in range(3):
        builders.closed(county, dispatcher, township_handler)
    queryset = exports.export_queryset(county_lead, {})
    with CaptureQueriesContext(connection) as captured:
        assert exports.write_workbook(queryset.iterator(chunk_size=500), io.BytesIO()) == 3

    # Three cases in chunks of two: one query for replies and one for clocks per chunk.
    def reading(table: str) -> int:
        return sum(q["sql"].startswith(f'SELECT "{table}".') for q in captured)

    assert reading("cases_caseevent") == 2 and reading("cases_caseclock") == 2


# --- formula injection, on both paths --------------------------------------------------------


@pytest.fixture
def formula_cases(county: County, dispatcher: User, township_handler: User) -> list[Case]:
    """A replied case per ugly formula value, typed into every text the export carries."""
    made = []
    for ugly in FORMULAS:
        case = builders.in_progress(
            county,
            dispatcher,
            township_handler,
            title=ugly.value,
            text=ugly.value,
            citizen_name=ugly.value,
            address=ugly.value,
        )
        made.append(services.case_reply(actor=township_handler, case=case, text=ugly.value))
    return made


def _check_inert(data: bytes, cases: list[Case]) -> None:
    assert_inert_xlsx(data)
    rows = rows_by_code(data)
    for case in cases:
        case.refresh_from_db()
        row = rows[case.code]
        # The services strip a leading tab or carriage return; what is stored gets the quote.
        for column, stored in (
            ("标题", case.title),
            ("反映内容", case.text),
            ("群众姓名", case.citizen_name),
            ("地址", case.address),
            ("答复内容", case.events.get(kind="reply").payload["text"]),
        ):
            assert row[column] == "'" + stored, (column, stored)
        # Numbers and dates the product writes stay numbers and dates.
        assert row["重办次数"] == 0 and isinstance(row["受理时间"], datetime)
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[1]]
    for line in sheet.iter_rows(min_row=2):
        assert line[header.index("重办次数")].data_type == "n"
        assert line[header.index("受理时间")].is_date


def test_sync_export_writes_formula_text_inert(client, formula_cases, county_lead) -> None:
    _check_inert(export_bytes(client, county_lead), formula_cases)


def test_background_export_writes_formula_text_inert(
    client, formula_cases, county_lead, monkeypatch, settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(exports, "SYNC_LIMIT", 1)
    client.force_login(county_lead)
    with clock.travel_to(EXPORTED_AT):
        response = client.post(reverse("console:ledger_export"), {})
    assert response.status_code == 302
    export = LedgerExport.objects.get()
    assert export.status == ExportStatus.DONE and export.rows_done == len(FORMULAS)
    _check_inert((tmp_path / export.file.name).read_bytes(), formula_cases)


def test_background_export_speaks_the_language_it_was_asked_in(
    county, dispatcher, township_handler, county_lead, settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    builders.closed(county, dispatcher, township_handler)
    with translation.override("en"):
        export = exports.start_export(county_lead, {})
    assert export.status == ExportStatus.DONE
    sheet = load_workbook(tmp_path / export.file.name).active
    header = [c.value for c in sheet[1]]
    assert header[:2] == ["Tracking code", "Title"]
    assert sheet.title == "Ledger"
    row = dict(zip(header, next(sheet.iter_rows(min_row=2, values_only=True)), strict=True))
    assert row["Deadline status"] == "Closed on time"
