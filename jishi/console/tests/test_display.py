"""How a case looks: the same case reads the same on every surface, in each UI language.

One dispatched case is rendered in the ledger list (台账), on its case page, in my work and in
the Excel export, in Simplified Chinese, Traditional Chinese and English; its state, kind and
channel words, its units' names, the state badge and the deadline light must agree everywhere.
Then the light rule at its boundaries: exactly one working day left, and the due instant.
"""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags
from openpyxl import load_workbook

from jishi.cases import display, services
from jishi.cases.models import Case, Category, ClockKind, State
from jishi.cases.tests import builders
from jishi.common import clock
from jishi.common.text import source_text
from jishi.console import exports
from jishi.console.selectors import deadline_view
from jishi.orgs.models import User
from jishi.testing.fixtures import County
from jishi.workdays.selectors import get_calendar

pytestmark = pytest.mark.django_db

TZ = ZoneInfo(settings.TIME_ZONE)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


# Dispatched on a Tuesday morning: acknowledging is due at the end of Wednesday.
DISPATCHED_AT = local(2026, 11, 24, 10, 0)
RESPONSE_DUE = local(2026, 11, 25, 17, 30)

EXPECTED: dict[str, dict[str, Any]] = {
    "zh-hans": {
        "state": "待签收",
        "kind": "诉求",
        "channel": "群众门户",
        "category": "路灯",
        "township": "城关镇",
        "village": "东街社区",
        "lights": {"green": "正常", "yellow": "预警", "red": "超期"},
        "yes_no": ("是", "否"),
    },
    "zh-hant": {
        "state": "待簽收",
        "kind": "訴求",
        "channel": "群眾門戶",
        "category": "路燈",
        "township": "城關鎮",
        "village": "東街社區",
        "lights": {"green": "正常", "yellow": "預警", "red": "超期"},
        "yes_no": ("是", "否"),
    },
    # Unit and category names stay as the county writes them.
    "en": {
        "state": "To acknowledge",
        "kind": "Request",
        "channel": "Citizen portal",
        "category": "路灯",
        "township": "城关镇",
        "village": "东街社区",
        "lights": {"green": "On track", "yellow": "Due soon", "red": "Overdue"},
        "yes_no": ("Yes", "No"),
    },
}
LIGHT = re.compile(
    r'<span class="light light-(\w+)"><span class="light-dot" aria-hidden="true"></span>'
    r"([^<]*)</span>"
)
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture
def lamp(county: County, dispatcher: User) -> Case:
    lighting = Category.objects.create(code="lighting", name="路灯")
    with clock.travel_to(DISPATCHED_AT):
        case = builders.accepted(county)
        case = services.case_dispatch(
            actor=dispatcher, case=case, lead_unit=county.chengguan, category=lighting
        )
    assert case.state == State.DISPATCHED and case.response_due == RESPONSE_DUE
    return case


def in_language(client: Client, language: str) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


def words(language: str, *msgids: str) -> list[str]:
    with translation.override(language):
        return [str(translation.gettext(m)) for m in msgids]


def ledger_row(client: Client, case: Case, language: str) -> dict[str, Any]:
    html = client.get(reverse("console:ledger")).content.decode()
    row = next(
        r for r in html.split("<tr>") if f">{case.code}</a>" in r and 'data-label="' in r
    ).split("</tr>", 1)[0]
    cells = dict(re.findall(r'<td data-label="([^"]*)"[^>]*>(.*?)</td>', row))
    kind, channel, category, place, lead, state, due = words(
        language, "类型", "渠道", "分类", "乡镇/村", "主办单位", "状态", "期限"
    )
    light = LIGHT.search(cells[due])
    township, village = re.fullmatch(
        r'<span>(.*)<span class="ledger-sub">(.*)</span></span>', cells[place]
    ).groups()  # type: ignore[union-attr]
    return {
        "state": strip_tags(cells[state]),
        "badge": re.search(r'class="badge ([\w-]+)"', cells[state]).group(1),  # type: ignore[union-attr]
        "kind": strip_tags(cells[kind]),
        "channel": strip_tags(cells[channel]),
        "category": strip_tags(cells[category]),
        "township": township,
        "village": village,
        "lead": strip_tags(cells[lead]),
        "light": light.groups() if light else None,
    }


def case_page(client: Client, case: Case, language: str) -> dict[str, Any]:
    html = client.get(reverse("console:detail", args=[case.code])).content.decode()

    def badge(testid: str) -> re.Match[str]:
        found = re.search(
            rf'<span class="badge ([\w-]+)" data-testid="{testid}">([^<]*)</span>', html
        )
        assert found is not None, testid
        return found

    with translation.override(language):
        response_label = display.clock_label(ClockKind.RESPONSE)
    deadline = re.search(
        rf'<li class="is-(\w+)"><span class="dl-label">{re.escape(response_label)}</span>'
        + LIGHT.pattern,
        html,
    )
    place = re.search(r"<dt>[^<]*</dt>\s*<dd>([^<·]*) · ([^<·]*)</dd>", html)  # no address
    assert deadline is not None and place is not None
    assert deadline.group(1) == deadline.group(2)  # the row's colour is the light's
    return {
        "state": badge("state").group(2),
        "badge": badge("state").group(1),
        "kind": badge("kind").group(2),
        "channel": badge("channel").group(2),
        "category": re.search(r'<span class="badge badge-info">([^<]*)</span>', html).group(1),  # type: ignore[union-attr]
        "township": place.group(1),
        "village": place.group(2),
        "light": (deadline.group(2), deadline.group(3)),
    }


def my_work_light(client: Client, case: Case) -> tuple[str, str]:
    html = client.get(reverse("console:home")).content.decode()
    item = html.split(f'href="{reverse("console:detail", args=[case.code])}"', 1)[1].split("</a>")[
        0
    ]
    found = LIGHT.search(item)
    assert found is not None
    return found.group(1), found.group(2)


def export_row(client: Any, case: Case, language: str) -> tuple[list[str], dict[str, Any]]:
    response = client.post(reverse("console:ledger_export"), {"q": case.code})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    header = [str(cell.value) for cell in sheet[1]]
    with translation.override(language):
        names = {source_text(c.header): str(c.header) for c in exports.COLUMNS}
    values = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == case.code)
    row = dict(zip(header, values, strict=True))

    def col(source: str) -> Any:
        return row[names[source]]

    return header, {
        "state": col("状态"),
        "kind": col("类型"),
        "channel": col("渠道"),
        "category": col("分类"),
        "township": col("乡镇"),
        "village": col("村(社区)"),
        "lead": col("主办单位"),
        "overdue": col("超期"),
    }


@pytest.mark.parametrize("language", ["zh-hans", "zh-hant", "en"])
@pytest.mark.parametrize(
    ("at", "colour"),
    [
        (local(2026, 11, 24, 10, 0), "green"),  # a working day and a half left
        (local(2026, 11, 25, 10, 0), "yellow"),  # the last working day
        (local(2026, 11, 26, 9, 0), "red"),  # past due
    ],
)
def test_one_case_reads_the_same_on_every_surface(
    client, county, lamp, township_handler, language, at, colour
) -> None:
    expected = EXPECTED[language]
    client.force_login(township_handler)
    in_language(client, language)
    with clock.travel_to(at):
        ledger = ledger_row(client, lamp, language)
        page = case_page(client, lamp, language)
        work = my_work_light(client, lamp)
        header, sheet = export_row(client, lamp, language)

    for surface in (ledger, page, sheet):
        assert surface["state"] == expected["state"], surface
        assert surface["kind"] == expected["kind"], surface
        assert surface["channel"] == expected["channel"], surface
        assert surface["category"] == expected["category"], surface
        assert surface["township"] == expected["township"], surface
        assert surface["village"] == expected["village"], surface
    assert ledger["lead"] == sheet["lead"] == expected["township"]

    assert ledger["badge"] == page["badge"] == display.state_badge(State.DISPATCHED)
    light = (colour, expected["lights"][colour])
    assert ledger["light"] == page["light"] == work == light
    yes, no = expected["yes_no"]
    assert sheet["overdue"] == (yes if colour == "red" else no)

    # The export's headers are in the reader's language too (a column added without a
    # translation would show up here).
    if language == "en":
        assert not [h for h in header if CJK.search(h)], header
    else:
        assert words(language, "受理编号")[0] in header


def test_exactly_one_working_day_left_is_yellow_on_every_surface(
    client, county, lamp, township_handler
) -> None:
    per_day = get_calendar().hours.seconds_per_day
    client.force_login(township_handler)
    in_language(client, "en")
    # From Tuesday 17:30 to Wednesday 17:30: exactly one working day.
    boundary = local(2026, 11, 24, 17, 30)
    assert get_calendar().working_seconds_between(boundary, RESPONSE_DUE) == per_day
    for at, colour in ((boundary, "yellow"), (boundary - timedelta(seconds=1), "green")):
        with clock.travel_to(at):
            ledger = ledger_row(client, lamp, "en")
            page = case_page(client, lamp, "en")
            work = my_work_light(client, lamp)
        assert ledger["light"][0] == page["light"][0] == work[0] == colour, at


# ---- the rule -----------------------------------------------------------------------------

NOW = local(2026, 11, 24, 10, 0)  # a Tuesday


def lights(due: datetime, now: datetime = NOW) -> set[str]:
    """The light of ``due`` as the console (case page, my work) and the ledger compute it."""
    calendar = get_calendar()
    view = deadline_view(due, now=now, calendar=calendar)
    assert view is not None
    row = Case(state=State.IN_PROGRESS, handling_due=due)
    _due, ledger, _word = display.ledger_deadline(row, now, calendar)
    assert ledger is not None
    return {view.light, ledger}


def test_at_exactly_one_working_day_left_the_light_is_yellow() -> None:
    one_day = local(2026, 11, 25, 10, 0)
    assert get_calendar().working_seconds_between(NOW, one_day) == (
        get_calendar().hours.seconds_per_day
    )
    assert lights(one_day) == {"yellow"}
    assert lights(one_day + timedelta(seconds=1)) == {"green"}
    assert lights(one_day - timedelta(seconds=1)) == {"yellow"}


def test_red_once_the_due_instant_has_passed() -> None:
    assert lights(NOW) == {"yellow"}  # due now is still on time, as the met/late outcome says
    assert lights(NOW - timedelta(seconds=1)) == {"red"}
    # Due at the end of Friday, seen that evening: no working time has passed since, but the
    # deadline has.
    friday_close = local(2026, 11, 27, 17, 30)
    evening = local(2026, 11, 27, 19, 0)
    assert get_calendar().working_seconds_between(evening, friday_close) == 0
    assert lights(friday_close, now=evening) == {"red"}


# ---- words -----------------------------------------------------------------------------------


def test_every_label_is_translated_into_english() -> None:
    from jishi.cases.models import CaseKind, Channel, Satisfaction

    with translation.override("en"):
        labels = [
            *(display.state_label(s) for s in State.values),
            *(display.kind_label(k) for k in CaseKind.values),
            *(display.channel_label(c) for c in Channel.values),
            *(display.satisfaction_label(n) for n in Satisfaction.values),
        ]
    assert not [label for label in labels if CJK.search(label)], labels
    with translation.override("en"):
        assert display.state_label(State.REJECTED) == "Rejected"
        assert display.satisfaction_label(2) == "Dissatisfied"
    with translation.override("zh-hant"):
        assert display.satisfaction_label("5") == "非常滿意"
    assert display.state_label("no-such-state") == "no-such-state"
    assert display.satisfaction_label(None) == ""


def test_stored_words_stay_in_the_source_language(county, dispatcher) -> None:
    # A clock's rule is written into the ledger: never in the language of whoever dispatched.
    with translation.override("en"):
        case = builders.dispatched(county, dispatcher)
    rules = set(case.clocks.values_list("rule", flat=True))
    assert rules and all("诉求默认" in rule for rule in rules), rules


def test_reopen_is_an_action_and_reopened_an_event(
    client, county, dispatcher, township_handler
) -> None:
    case = builders.closed(county, dispatcher, township_handler)
    client.force_login(dispatcher)
    in_language(client, "en")
    url = reverse("console:detail", args=[case.code])
    html = client.get(url).content.decode()
    assert re.search(r'data-action="reopen">\s*<summary>Reopen</summary>', html)
    services.case_reopen(actor=dispatcher, case=case, reason="群众反映仍未解决")
    html = client.get(url).content.decode()
    assert '<span class="timeline-title">Reopened</span>' in html


def test_portal_summary_speaks_the_readers_language_and_script(county, dispatcher) -> None:
    case = builders.dispatched(county, dispatcher)
    with translation.override("zh-hant"):
        html = render_to_string("portal/_case_summary.html", {"case": case})
    assert "訴求" in html and "城關鎮 東街社區" in html and "城关镇" not in html
    with translation.override("en"):
        html = render_to_string("portal/_case_summary.html", {"case": case})
    assert "Request" in html and "城关镇 东街社区" in html


def test_a_background_export_is_written_in_the_requesters_language(
    client, county, lamp, township_handler, monkeypatch, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(exports, "SYNC_LIMIT", 0)
    client.force_login(township_handler)
    in_language(client, "zh-hant")
    response = client.post(reverse("console:ledger_export"), {})
    assert response.status_code == 302
    export = exports.LedgerExport.objects.get()
    download = client.get(reverse("console:ledger_export_download", args=[export.pk]))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sheet.title == "台賬"
    assert [c.value for c in sheet[1]][:3] == ["受理編號", "標題", "類型"]
    assert next(sheet.iter_rows(min_row=2, values_only=True))[2] == "訴求"
