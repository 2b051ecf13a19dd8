"""台账: filters, scoping, sorting, pagination, query counts and Excel exports."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from jishi.cases import services
from jishi.cases.models import Case, CaseKind, Category, Channel, State
from jishi.cases.models_export import ExportStatus, LedgerExport
from jishi.cases.tests import builders
from jishi.common import clock
from jishi.console import exports
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db

URL = "/console/ledger/"
TZ = ZoneInfo(settings.TIME_ZONE)


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def cases(county: County, dispatcher, township_handler, county_lead, dept_handler):
    """Five cases across two townships, with every marker the filters look for."""
    municipal = Category.objects.create(code="muni", name="市政设施")
    lighting = Category.objects.create(
        code="lighting", name="路灯", parent=municipal, owning_unit=county.chengguan
    )
    with clock.travel_to(local(2026, 3, 2, 9, 0)):
        lamp = builders.accepted(county, title="东街路灯不亮", citizen_phone="13812345678")
        lamp = services.case_dispatch(
            actor=dispatcher, case=lamp, lead_unit=county.chengguan, category=lighting
        )
        lamp = services.case_acknowledge(actor=township_handler, case=lamp)
    with clock.travel_to(local(2026, 11, 20, 10, 0)):
        flood = builders.accepted(
            county,
            title="石橋村道路積水",
            text="雨後道路積水嚴重，車輛無法通行。",
            kind=CaseKind.COMPLAINT,
            channel=Channel.HOTLINE,
            township=county.shiqiao,
            village=county.shiqiao_village,
        )
    with clock.travel_to(local(2026, 10, 10, 10, 0)):
        market = builders.accepted(
            county,
            title="西街菜市场垃圾清运不及时",
            text="菜市场门口垃圾堆积三天无人清运。",
            kind=CaseKind.SUGGESTION,
            channel=Channel.WINDOW_QR,
            village=county.xijie,
        )
        market = services.case_dispatch(
            actor=dispatcher,
            case=market,
            lead_unit=county.housing,
            assisting_units=[county.transport],
        )
        market = services.case_supervise(actor=county_lead, case=market, days=5, note="尽快处理")
    fresh = builders.in_progress(
        county, dispatcher, township_handler, title="路灯杆倾斜", text="西街路口的路灯杆歪了。"
    )
    noisy = builders.in_progress(
        county, dispatcher, township_handler, title="小区噪音扰民", text="夜间施工噪音很大。"
    )
    noisy = services.case_reply(actor=township_handler, case=noisy, text="已责令停止夜间施工。")
    noisy = services.case_callback(actor=dispatcher, case=noisy, resolved=True, satisfaction=5)
    noisy = services.case_reopen(actor=dispatcher, case=noisy, reason="群众反映仍未解决")
    return {
        "lamp": lamp,
        "flood": flood,
        "market": market,
        "fresh": fresh,
        "noisy": noisy,
        "lighting": lighting,
        "municipal": municipal,
    }


def codes(response) -> list[str]:
    return [row.case.code for row in response.context["rows"]]


def get(client, user, query: str = "", **headers):
    client.force_login(user)
    response = client.get(URL + (f"?{query}" if query else ""), **headers)
    assert response.status_code == 200
    return response


def export_codes(client, user, data: dict) -> list[str]:
    client.force_login(user)
    response = client.post(reverse("console:ledger_export"), data)
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [row[0] for row in workbook.active.iter_rows(min_row=2, values_only=True)]


def test_login_required(client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_url_name() -> None:
    assert reverse("console:ledger") == URL


def test_lists_everything_newest_first_for_county_lead(client, cases, county_lead) -> None:
    response = get(client, county_lead)
    shown = codes(response)
    expected = list(Case.objects.order_by("-accepted_at", "-id").values_list("code", flat=True))
    assert shown == expected and len(shown) == 5
    html = response.content.decode()
    assert "共 <strong>5</strong> 条" in html
    assert f'href="/console/cases/{cases["lamp"].code}/"' in html
    assert "东街路灯不亮" in html and "办理中" in html
    assert "超期" in html  # the lamp's handling clock ran out in March
    assert "督办" in html and "重办 1" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=路燈", {"lamp", "fresh"}),  # Traditional query, Simplified text
        ("q=积水", {"flood"}),  # Simplified query, Traditional text
        ("q=菜市场+垃圾", {"market"}),  # every word must match
        ("state=accepted&state=dispatched", {"flood", "market"}),
        ("kind=complaint", {"flood"}),
        ("channel=window_qr", {"market"}),
        ("category={lighting}", {"lamp"}),
        ("category={municipal}", {"lamp"}),  # a parent includes its children
        ("unit={housing}", {"market"}),  # lead unit
        ("unit={transport}", {"market"}),  # assisting unit
        ("township={shiqiao}", {"flood"}),
        ("village={xijie}", {"market"}),
        ("from=2026-10-01&to=2026-11-20", {"market", "flood"}),
        ("from=2026-11-21", {"fresh", "noisy"}),
        ("to=2026-03-02", {"lamp"}),
        ("overdue=1", {"lamp", "market"}),
        ("reopened=1", {"noisy"}),
        ("supervised=1", {"market"}),
        ("q=路灯&overdue=1", {"lamp"}),
    ],
)
def test_filters(client, cases, county, county_lead, query, expected) -> None:
    query = query.format(
        lighting=cases["lighting"].pk,
        municipal=cases["municipal"].pk,
        housing=county.housing.pk,
        transport=county.transport.pk,
        shiqiao=county.shiqiao.pk,
        xijie=county.xijie.pk,
    )
    response = get(client, county_lead, query)
    assert set(codes(response)) == {cases[name].code for name in expected}
    assert not response.context["form"].errors


def test_code_search_with_full_width_characters(client, cases, county_lead) -> None:
    code = cases["market"].code
    full_width = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in code)
    assert codes(get(client, county_lead, f"q={full_width}")) == [code]
    assert codes(get(client, county_lead, f"q={code.lower()}")) == [code]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("state=bogus", "state", "所选项无效"),
        ("kind=xyz", "kind", "所选项无效"),
        ("channel=fax", "channel", "所选项无效"),
        ("category=999999", "category", "所选项无效"),
        ("category=abc", "category", "所选项无效"),
        ("unit=-1", "unit", "所选项无效"),
        ("township=x", "township", "所选项无效"),
        ("village=1e9", "village", "所选项无效"),
        ("from=2026-13-01", "date_from", "日期格式应为"),
        ("to=yesterday", "date_to", "日期格式应为"),
        ("from=0001-01-01", "date_from", "日期应在 1990-01-01 至 2099-12-31 之间"),
        ("to=9999-12-31", "date_to", "日期应在 1990-01-01 至 2099-12-31 之间"),
        ("sort=nonsense", "sort", "所选项无效"),
        ("per_page=7", "per_page", "所选项无效"),
        ("q=" + "长" * 101, "q", "关键词最多 100 个字"),
    ],
)
def test_invalid_values_get_a_message_and_are_ignored(
    client, cases, county_lead, query, field, message
) -> None:
    response = get(client, county_lead, query)
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert message in response.content.decode()
    assert len(codes(response)) == 5  # the bad filter is ignored, the page still lists


def test_an_invalid_filter_does_not_cancel_the_valid_ones(client, cases, county_lead) -> None:
    response = get(client, county_lead, "kind=complaint&from=not-a-date&page=abc")
    assert codes(response) == [cases["flood"].code]


def test_an_end_before_the_start_is_ignored(client, cases, county_lead) -> None:
    response = get(client, county_lead, "from=2026-11-20&to=2026-11-01")
    assert "结束日期不能早于开始日期" in response.content.decode()
    expected = {cases[name].code for name in ("flood", "fresh", "noisy")}
    assert set(codes(response)) == expected  # the start still applies


def test_full_width_dates(client, cases, county_lead) -> None:
    response = get(client, county_lead, "from=２０２６-１１-２１")
    assert set(codes(response)) == {cases["fresh"].code, cases["noisy"].code}


def test_scoping_list_and_export_agree(
    client, cases, county_lead, township_handler, other_township_handler, dept_handler
) -> None:
    expected = {
        township_handler: {"lamp", "market", "fresh", "noisy"},
        other_township_handler: {"flood"},
        dept_handler: {"market"},
        county_lead: {"lamp", "flood", "market", "fresh", "noisy"},
    }
    for user, names in expected.items():
        response = get(client, user)
        listed = codes(response)
        assert set(listed) == {cases[name].code for name in names}, user
        assert response.context["total"] == len(names)
        assert sorted(export_codes(client, user, {})) == sorted(listed)


def test_a_filter_cannot_widen_scope(client, cases, county, other_township_handler) -> None:
    response = get(client, other_township_handler, f"township={county.chengguan.pk}")
    assert codes(response) == []
    assert "没有符合条件的事项" in response.content.decode()
    assert export_codes(client, other_township_handler, {"q": cases["lamp"].code}) == []


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("code", lambda c: c.code),
        ("accepted", lambda c: c.accepted_at),
        ("state", lambda c: c.state),
    ],
)
def test_sorting(client, cases, county_lead, sort, key) -> None:
    listed = codes(get(client, county_lead, f"sort={sort}"))
    by_code = {c.code: c for c in Case.objects.all()}
    values = [key(by_code[code]) for code in listed]
    assert values == sorted(values)


def test_sort_by_deadline_puts_cases_without_one_last(client, cases, county_lead) -> None:
    listed = codes(get(client, county_lead, "sort=due"))
    dues = [Case.objects.get(code=code).handling_due for code in listed]
    dated = [d for d in dues if d is not None]
    assert dated == sorted(dated)
    assert dues[-1] is None  # the undispatched case has no deadline yet


@pytest.fixture
def many(county: County) -> list[Case]:
    return [builders.accepted(county, title=f"第{i}号诉求") for i in range(55)]


def test_pagination(client, many, county_lead) -> None:
    first = get(client, county_lead)
    assert len(codes(first)) == 50
    assert first.context["total"] == 55 and first.context["last_page"] == 2
    html = first.content.decode()
    assert "第 1 / 2 页" in html and 'rel="next"' in html
    second = get(client, county_lead, "page=2")
    assert len(codes(second)) == 5
    assert set(codes(first)).isdisjoint(codes(second))
    big = get(client, county_lead, "per_page=100")
    assert len(codes(big)) == 55 and big.context["last_page"] == 1
    past_the_end = get(client, county_lead, "page=99")
    assert codes(past_the_end) == []


def test_count_is_capped(client, many, county_lead, monkeypatch) -> None:
    from jishi.console import views_ledger

    monkeypatch.setattr(views_ledger, "COUNT_CAP", 50)
    response = get(client, county_lead)
    assert response.context["capped"] and response.context["total"] == 50
    assert "50+" in response.content.decode()


def test_query_count_does_not_grow_with_rows(
    client, county, county_lead, many, django_assert_max_num_queries
) -> None:
    client.force_login(county_lead)
    client.get(URL)  # warm per-process caches (calendar, content types)
    with django_assert_max_num_queries(14):
        response = client.get(URL + "?per_page=100&q=诉求&overdue=1&reopened=")
    assert response.status_code == 200
    with django_assert_max_num_queries(14):
        response = client.get(URL + "?per_page=100")
    assert len(codes(response)) == 55


def test_htmx_gets_only_the_results_with_field_errors(client, cases, county_lead) -> None:
    response = get(
        client,
        county_lead,
        "q=路燈&from=bad",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="ledger-results",
    )
    html = response.content.decode()
    assert "<html" not in html and 'id="ledger-results"' in html
    assert 'id="ledger-error-date_from" hx-swap-oob="true"' in html
    assert "日期格式应为" in html
    assert "HX-Request" in response["Vary"]


def test_page_works_without_javascript(client, cases, county_lead) -> None:
    html = get(client, county_lead).content.decode()
    assert 'method="get" action="/console/ledger/"' in html
    assert 'name="from"' in html and 'name="to"' in html and 'name="q"' in html


# ---- exports ---------------------------------------------------------------------------


def test_sync_export(client, cases, county_lead) -> None:
    client.force_login(county_lead)
    response = client.post(reverse("console:ledger_export"), {"q": "路燈", "sort": "code"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    assert ".xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["受理编号", "标题", "类型"] and "受理时间" in header
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}3"
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == sorted([cases["lamp"].code, cases["fresh"].code])
    lamp = dict(zip(header, next(r for r in rows if r[0] == cases["lamp"].code), strict=True))
    accepted = lamp["受理时间"]
    assert isinstance(accepted, datetime)
    assert accepted == datetime(2026, 3, 2, 9, 0)  # local wall-clock time
    assert lamp["联系电话"] == "138****5678"
    assert lamp["超期"] == "是" and lamp["分类"] == "路灯"
    date_cell = sheet.cell(row=2, column=header.index("受理时间") + 1)
    assert date_cell.is_date and "yy" in date_cell.number_format
    raw = b"".join(client.post(reverse("console:ledger_export"), {}).streaming_content)
    assert b"13812345678" not in raw


def test_export_is_exactly_the_filtered_rows(client, cases, county_lead) -> None:
    for query in ({"overdue": "1"}, {"state": ["accepted", "dispatched"]}, {"kind": "bogus"}):
        client.force_login(county_lead)
        listed = codes(client.get(URL, query))
        assert export_codes(client, county_lead, query) == listed


@pytest.mark.parametrize("query", [{"from": "0001-01-01"}, {"to": "9999-12-31"}])
def test_export_ignores_dates_out_of_range_as_the_page_does(
    client, cases, county_lead, query
) -> None:
    client.force_login(county_lead)
    listed = codes(client.get(URL, query))
    assert len(listed) == 5
    assert export_codes(client, county_lead, query) == listed


def test_export_requires_post_and_login(client, cases, county_lead) -> None:
    assert client.post(reverse("console:ledger_export")).status_code == 302
    client.force_login(county_lead)
    assert client.get(reverse("console:ledger_export")).status_code == 405


def test_large_export_runs_in_the_background(
    client, cases, county_lead, township_handler, monkeypatch, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(exports, "SYNC_LIMIT", 2)
    monkeypatch.setattr(exports, "PROGRESS_EVERY", 1)
    client.force_login(township_handler)
    response = client.post(reverse("console:ledger_export"), {"sort": "code", "page": "3"})
    export = LedgerExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("console:ledger_export_status", args=[export.pk])
    # The immediate backend has already run the task.
    assert export.status == ExportStatus.DONE and export.user == township_handler
    assert export.row_count == export.rows_done == 4
    assert export.filters == {"sort": ["code"]}
    assert export.file.name.startswith("exports/") and (tmp_path / export.file.name).exists()

    status = client.get(response["Location"])
    assert "下载Excel" in status.content.decode()
    assert "every 2s" not in status.content.decode()  # finished: no more polling
    partial = client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode()

    download = client.get(reverse("console:ledger_export_download", args=[export.pk]))
    assert download.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    exported = [r[0] for r in workbook.active.iter_rows(min_row=2, values_only=True)]
    assert exported == sorted(c.code for c in Case.objects.exclude(pk=cases["flood"].pk))

    # Somebody else's export is "not found", whatever their rank.
    client.force_login(county_lead)
    assert client.get(response["Location"]).status_code == 404
    assert (
        client.get(reverse("console:ledger_export_download", args=[export.pk])).status_code == 404
    )


def test_pending_export_polls(client, county, county_lead) -> None:
    export = LedgerExport.objects.create(user=county_lead, filters={}, row_count=10, rows_done=4)
    client.force_login(county_lead)
    html = client.get(reverse("console:ledger_export_status", args=[export.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in html and "排队中" in html
    LedgerExport.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING)
    html = client.get(reverse("console:ledger_export_status", args=[export.pk])).content.decode()
    assert 'value="40"' in html and "4 / 10" in html
    assert (
        client.get(reverse("console:ledger_export_download", args=[export.pk])).status_code == 404
    )


def test_other_states_show_their_badges(client, county, dispatcher, township_handler, county_lead):
    for state in (State.RETURNED, State.REPLIED, State.REJECTED):
        builders.in_state(state, county, dispatcher, township_handler)
    html = get(client, county_lead).content.decode()
    assert "badge-danger" in html and "badge-warning" in html and "badge-muted" in html


@pytest.mark.postgres_only
def test_first_page_can_use_the_accepted_index(county, county_lead) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN plans are checked on PostgreSQL")
    from jishi.console.forms_ledger import LedgerFilterForm, ledger_cases

    sql, params = ledger_cases(county_lead, LedgerFilterForm())[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        # A near-empty table's statistics favour whatever path; with sorting off too, the
        # page's order can only come from an index: this asserts that one matches it.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "case_accepted" in plan, plan


def test_overdue_includes_cases_answered_late(
    client, county, dispatcher, township_handler, county_lead
) -> None:
    with clock.travel_to(local(2026, 3, 2, 9, 0)):
        late = builders.in_progress(county, dispatcher, township_handler, title="迟到的答复")
    late = services.case_reply(actor=township_handler, case=late, text="已处理完毕。")
    late = services.case_callback(actor=dispatcher, case=late, resolved=True, satisfaction=4)
    on_time = builders.closed(county, dispatcher, township_handler)
    response = get(client, county_lead, "overdue=1")
    assert codes(response) == [late.code]
    assert "超期办结" in response.content.decode()
    assert on_time.code in codes(get(client, county_lead, "state=closed"))


def test_deadline_lights() -> None:
    from types import SimpleNamespace

    from jishi.cases.display import ledger_deadline
    from jishi.workdays.selectors import get_calendar

    calendar = get_calendar()
    now = local(2026, 11, 24, 10, 0)  # a Tuesday

    def light(state: str, due: datetime | None, late: bool = False) -> str | None:
        case = SimpleNamespace(state=state, response_due=None, handling_due=due, answered_late=late)
        return ledger_deadline(case, now, calendar)[1]  # type: ignore[arg-type]

    assert light(State.IN_PROGRESS, calendar.add_workdays(now, 5).due) == "green"
    assert light(State.IN_PROGRESS, calendar.add_working_hours(now, 2).due) == "yellow"
    assert light(State.IN_PROGRESS, local(2026, 11, 23, 17, 30)) == "red"
    assert light(State.ACCEPTED, None) is None
    assert light(State.REPLIED, None, late=True) == "red"
    assert light(State.CLOSED, None, late=False) is None


def test_rows_escape_case_text_and_label_every_cell(client, county, county_lead) -> None:
    # Whatever a citizen typed comes out escaped, and each cell carries the label of its
    # column (the phone layout shows it beside the value).
    builders.accepted(county, title='<script>alert("x")</script>&路灯', citizen_phone="")
    html = get(client, county_lead).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;路灯" in html
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    headers = [cell.split("</th>")[0] for cell in head.split("<th>")[1:]]
    row = body.split("<tr>", 1)[1].split("</tr>", 1)[0]
    labels = [part.split('"', 1)[0] for part in row.split('data-label="')[1:]]
    assert labels == headers and len(labels) == 11
    # An empty cell is marked (hidden on a phone) and shows a dash.
    assert 'data-label="主办单位" class="is-empty">—</td>' in row


def test_rows_in_traditional_chinese(client, cases, county_lead) -> None:
    client.force_login(county_lead)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hant")
    html = response.content.decode()
    body = html.split("<tbody>", 1)[1]
    assert 'data-label="受理編號"' in body and "重辦 1" in body and "督辦" in body
    assert "城關鎮" in body and "城关镇" not in body


def test_search_needs_the_characters_together(client, county, county_lead) -> None:
    # Every bigram of the query occurs, but not as one run: the index may offer the case,
    # the match must still refuse it.
    apart = builders.accepted(county, title="路灯坏了", text="路灯坏了，灯不亮，也不亮堂。")
    together = builders.accepted(county, title="东街路灯不亮", text="东街的路灯不亮了。")
    assert codes(get(client, county_lead, "q=路灯不亮")) == [together.code]
    assert set(codes(get(client, county_lead, "q=路燈"))) == {apart.code, together.code}
    # One character: no bigram to look up, still found.
    assert set(codes(get(client, county_lead, "q=灯"))) == {apart.code, together.code}


@pytest.mark.postgres_only
def test_two_character_search_uses_the_bigram_index(county, county_lead) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("EXPLAIN plans are checked on PostgreSQL")
    from django.http import QueryDict

    from jishi.console.forms_ledger import LedgerFilterForm, ledger_cases

    form = LedgerFilterForm(QueryDict("q=路灯"))
    sql, params = ledger_cases(county_lead, form)[:51].query.sql_with_params()
    with connection.cursor() as cursor:
        # On a near-empty table walking the newest-first index and filtering is as cheap as
        # anything, and which one wins depends on statistics other tests left behind. With
        # plain index scans off too, only an index that serves the search predicate itself
        # can be used: this asserts that the bigram index matches the query's expression.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "case_search_bigram" in plan, plan
