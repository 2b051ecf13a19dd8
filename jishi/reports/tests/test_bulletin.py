"""The monthly bulletin as a person uses it: generated for a month, three of its figures
followed to the ledger with the same count, issued, corrected, both versions readable with
their hashes; PDF and Excel; only the supervision office issues; the first working day."""

from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from jishi.common import clock
from jishi.common.errors import InvalidTransition, PermissionDenied
from jishi.orgs.models import User
from jishi.reports import bulletin, services, tasks, yearend
from jishi.reports.models import BulletinVersion, FrozenVersionError
from jishi.reports.selectors import DateRange
from jishi.reports.tests.test_pages import START, ledger_count, make_history
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db

MARCH = DateRange.month(dt.date(2026, 3, 1))
LINK = re.compile(r'<td[^>]*><a href="(/console/ledger/\?[^"]+)">(\d+)</a></td>')


def test_three_figures_of_the_bulletin_open_the_ledger_with_the_same_count(
    county: County, dispatcher: User, client: Client
) -> None:
    make_history(county, dispatcher)
    client.force_login(dispatcher)
    with clock.travel_to(START + dt.timedelta(days=40)):
        response = client.post(reverse("reports:bulletins"), {"month": "2026-03"})
        assert response.status_code == 302
        html = client.get(response["Location"]).content.decode()
        assert "2026年3月群众诉求办理情况通报" in html
        links = [(unescape(h), int(n)) for h, n in LINK.findall(html) if int(n) > 0]
        assert len(links) >= 3
        picked = [links[0], links[len(links) // 2], links[-1]]
        for href, n in picked:
            assert ledger_count(client, href) == n, href
        for href, n in links:
            assert ledger_count(client, href) == n, href


def test_issue_correct_and_read_both_versions(
    county: County, dispatcher: User, inspector: User, client: Client
) -> None:
    make_history(county, dispatcher)
    with clock.travel_to(START + dt.timedelta(days=40)):
        draft = services.bulletin_generate(actor=dispatcher, dates=MARCH)
        with pytest.raises(PermissionDenied):
            services.bulletin_issue(actor=dispatcher, bulletin_id=draft.pk, next_steps="加强回访")
        first = services.bulletin_issue(
            actor=inspector, bulletin_id=draft.pk, next_steps="一、加强回访。"
        )
        with pytest.raises(InvalidTransition):
            services.bulletin_issue(actor=inspector, bulletin_id=draft.pk, next_steps="再发一次")
        second = services.bulletin_correct(
            actor=inspector, bulletin_id=draft.pk, reason="补充下一步工作", next_steps="一、二。"
        )
    assert (first.number, second.number) == (1, 2)
    assert first.sha256 == bulletin.content_hash(first.content)
    assert second.sha256 != first.sha256
    # Frozen: never edited in place.
    first.reason = "改"
    with pytest.raises(FrozenVersionError):
        first.save()
    with pytest.raises(FrozenVersionError):
        BulletinVersion.objects.filter(pk=first.pk).update(reason="改")
    client.force_login(dispatcher)
    url = reverse("reports:bulletin", args=[draft.pk])
    one = client.get(url, {"v": 1}).content.decode()
    two = client.get(url, {"v": 2}).content.decode()
    assert first.sha256 in one and "一、加强回访。" in one
    assert second.sha256 in two and "补充下一步工作" in two and "一、二。" in two


def test_only_the_supervision_office_issues_over_http(
    county: County, dispatcher: User, inspector: User, client: Client
) -> None:
    with clock.travel_to(START):
        draft = services.bulletin_generate(actor=dispatcher, dates=MARCH)
    client.force_login(dispatcher)
    url = reverse("reports:bulletin_issue", args=[draft.pk])
    assert client.post(url, {"next_steps": "x"}).status_code == 403
    client.force_login(inspector)
    with clock.travel_to(START):
        assert client.post(url, {"next_steps": "做好回访"}).status_code == 302
    assert draft.versions.count() == 1


def test_pdf_and_excel(county: County, dispatcher: User, inspector: User, client: Client) -> None:
    from openpyxl import load_workbook

    make_history(county, dispatcher)
    with clock.travel_to(START + dt.timedelta(days=40)):
        draft = services.bulletin_generate(actor=dispatcher, dates=MARCH)
        version = services.bulletin_issue(actor=inspector, bulletin_id=draft.pk, next_steps="做好")
    client.force_login(dispatcher)
    pdf = client.get(reverse("reports:bulletin_pdf", args=[draft.pk]), {"v": 1})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("reports:bulletin_xlsx", args=[draft.pk]), {"v": 1})
    book = load_workbook(io.BytesIO(xlsx.content))
    values = [c for row in book.active.iter_rows(values_only=True) for c in row if c]
    assert version.sha256 in values
    assert "总体情况" in values


def test_a_draft_is_not_for_units(
    county: County, dispatcher: User, dept_handler: User, client: Client
) -> None:
    with clock.travel_to(START):
        draft = services.bulletin_generate(actor=dispatcher, dates=MARCH)
    client.force_login(dept_handler)
    assert client.get(reverse("reports:bulletin", args=[draft.pk])).status_code == 404
    assert client.post(reverse("reports:bulletins"), {"month": "2026-03"}).status_code == 403


def test_the_first_working_day_asks_for_last_months_bulletin(county: County) -> None:
    # 2026-06-01 is a Monday: the first working day of June.
    assert tasks.bulletin_due(dt.date(2026, 6, 1)) == DateRange.month(dt.date(2026, 5, 1))
    assert tasks.bulletin_due(dt.date(2026, 6, 2)) is None
    # 2026-02-01 is a Sunday: the first working day is later.
    assert tasks.bulletin_due(dt.date(2026, 2, 1)) is None
    assert tasks.first_workday(dt.date(2026, 2, 1)) > dt.date(2026, 2, 1)


def test_the_field_apps_plug_their_sections_in(
    county: County, dispatcher: User, inspector: User
) -> None:
    from jishi.projects.models import AccountabilityRecord, Measure

    AccountabilityRecord.objects.create(
        unit=county.housing,
        person_name="张某",
        measure=Measure.NOTICE,
        decided_on=dt.date(2026, 3, 10),
        deciding_body="县纪委",
        reason="回访造假",
        recorded_by=inspector,
        created_at=START,
    )
    with clock.travel_to(START + dt.timedelta(days=40)):
        content = bulletin.build(MARCH)
        sentences = [yearend.plain(s) for s in yearend.summary(2026)]
    sections = {s["key"]: s for s in content["sections"]}
    assert {"red_projects", "accountability", "outreach"} <= set(sections)
    rows = sections["accountability"]["rows"]
    # Counts by measure only: records, units and people involved.
    assert [[c["t"] for c in row] for row in rows] == [["通报批评", "1", "1", "1"]]
    # The person's name and the reason stay in the supervision office's own records.
    assert "张某" not in str(content) and "回访造假" not in str(content)
    assert any("宣讲" in s for s in sentences)
    assert any("清单项目" in s for s in sentences)


def test_red_lit_projects_with_lead_cadre_and_reason(
    county: County, inspector: User, county_lead: User
) -> None:
    from django.utils import timezone

    from jishi.projects import rounds
    from jishi.projects import services as project_services
    from jishi.projects.models import ListKind, ListLevel

    with clock.travel_to(START):
        plist = project_services.list_create(
            actor=inspector,
            year=2026,
            kind=ListKind.LIVELIHOOD,
            level=ListLevel.COUNTY,
            title="2026年县级民生实事项目清单",
        )
        project_services.project_create(
            actor=inspector,
            project_list=plist,
            title="农贸市场改造",
            lead_unit=county.housing,
            lead_cadre=county_lead,
            cooperating_units=[],
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 12, 31),
            township=county.chengguan,
            budget="100",
            source="work_report",
            milestones=[
                project_services.MilestoneInput("立项", dt.date(2026, 3, 31), 50),
                project_services.MilestoneInput("竣工", dt.date(2026, 11, 30), 50),
            ],
        )
    for month in (5, 6):
        for day in (1, 27):
            with clock.travel_to(timezone.make_aware(dt.datetime(2026, month, day, 9))):
                rounds.tick()
    with clock.travel_to(timezone.make_aware(dt.datetime(2026, 7, 1, 9))):
        content = bulletin.build(DateRange.month(dt.date(2026, 6, 1)))
    section = next(s for s in content["sections"] if s["key"] == "red_projects")
    [row] = [[c["t"] for c in r] for r in section["rows"]]
    assert row[1:4] == ["农贸市场改造", "县住建局", county_lead.full_name or county_lead.username]
    assert "未报送" in row[4]


def test_the_daily_run_makes_last_months_draft_once(county: County) -> None:
    from django.utils import timezone

    from jishi.reports.models import Bulletin

    with clock.travel_to(timezone.make_aware(dt.datetime(2026, 6, 2, 9))):
        assert tasks.monthly_bulletin_if_due() is False  # not the first working day
    with clock.travel_to(timezone.make_aware(dt.datetime(2026, 6, 1, 9))):
        assert tasks.monthly_bulletin_if_due() is True
        assert tasks.monthly_bulletin_if_due() is False  # once
    made = Bulletin.objects.get()
    assert (made.first, made.last) == (dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    assert made.versions.count() == 0  # a draft: the supervision office issues it
