"""The bulletin is read by every staff member: its accountability section counts records by
measure and names nobody, so a unit held to account finds no record of itself there. The
year-end summary counts a project closed out (销号) as completed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from jishi.common import clock
from jishi.orgs.models import User
from jishi.projects.models import AccountabilityRecord, Measure
from jishi.reports import bulletin, services, yearend
from jishi.reports.selectors import DateRange
from jishi.reports.tests.test_pages import START
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db

MARCH = DateRange.month(dt.date(2026, 3, 1))


def _record(county: County, inspector: User, **kwargs: object) -> AccountabilityRecord:
    fields: dict[str, object] = {
        "unit": county.housing,
        "measure": Measure.NOTICE,
        "decided_on": dt.date(2026, 3, 10),
        "deciding_body": "县纪委监委第三审查室",
        "reason": "回访记录造假",
        "recorded_by": inspector,
        "created_at": START,
    }
    fields.update(kwargs)
    return AccountabilityRecord.objects.create(**fields)


def test_a_unit_reading_the_bulletin_sees_no_record_of_itself(
    county: County,
    dispatcher: User,
    inspector: User,
    dept_handler: User,
    county_lead: User,
    client: Client,
) -> None:
    _record(county, inspector, person=dept_handler)
    _record(county, inspector, person_name="李某某", measure=Measure.ADMONISHMENT)
    _record(county, inspector, unit=county.transport, measure=Measure.NOTICE)
    with clock.travel_to(START + dt.timedelta(days=40)):
        content = bulletin.build(MARCH)
        draft = services.bulletin_generate(actor=dispatcher, dates=MARCH)
        services.bulletin_issue(actor=inspector, bulletin_id=draft.pk, next_steps="做好")
    section = next(s for s in content["sections"] if s["key"] == "accountability")
    assert [[c["t"] for c in row] for row in section["rows"]] == [
        ["通报批评", "2", "2", "1"],
        ["诫勉", "1", "1", "1"],
    ]
    assert section["paragraphs"] == ["本期追责问责 3 起，涉及单位 2 个。"]
    words = str(section)
    for named in ("县住建局", "县交通运输局", "李某某", "县纪委监委", "回访造假", "2026-03-10"):
        assert named not in words
    assert dept_handler.username not in words and str(dept_handler) not in words
    # The unit's handler reads the issued bulletin: counts, nobody named.
    client.force_login(dept_handler)
    page = client.get(reverse("reports:bulletin", args=[draft.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "追责问责" in html
    for named in ("李某某", "县纪委监委第三审查室", "回访记录造假"):
        assert named not in html
    # The detail stays on the accountability page, for those allowed.
    assert client.get(reverse("projects:accountability")).status_code == 404
    client.force_login(county_lead)
    detail = client.get(reverse("projects:accountability")).content.decode()
    assert "李某某" in detail and "县纪委监委第三审查室" in detail


def test_the_year_end_counts_closed_out_projects_as_completed(
    county: County, inspector: User
) -> None:
    from jishi.projects import services as project_services
    from jishi.projects.models import ListKind, ListLevel, Project, Status

    with clock.travel_to(START):
        plist = project_services.list_create(
            actor=inspector,
            year=2026,
            kind=ListKind.LIVELIHOOD,
            level=ListLevel.COUNTY,
            title="2026年民生实事",
        )
        made = [
            project_services.project_create(
                actor=inspector, project_list=plist, title=f"项目{i}", lead_unit=county.housing
            )
            for i in range(3)
        ]
    # One still waiting for close-out, one closed out, one still active.
    completed_at = dt.datetime(2026, 9, 1, 10, tzinfo=dt.UTC)
    Project.objects.filter(pk=made[0].pk).update(status=Status.COMPLETED, completed_at=completed_at)
    Project.objects.filter(pk=made[1].pk).update(
        status=Status.CLOSED, completed_at=completed_at, closed_at=completed_at
    )
    with clock.travel_to(dt.datetime(2027, 1, 5, 9, tzinfo=dt.UTC)):
        sentences = [yearend.plain(s) for s in yearend.summary(2026)]
    done = next(s for s in sentences if s.startswith("全年完成清单项目"))
    assert "县级民生实事 2 个" in done
