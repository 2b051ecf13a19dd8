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
from jishi.reports.bulletin import content_hash
from jishi.reports.models import BulletinVersion
from jishi.reports.selectors import DateRange
from jishi.reports.sources_apps import accountability_counted
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
    first = _record(county, inspector, person=dept_handler)
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
    # The record's own strings (a check on a string the record does not hold cannot fail).
    for named in (
        "县住建局",
        "县交通运输局",
        "李某某",
        first.deciding_body,
        first.reason,
        first.decided_on.isoformat(),
    ):
        assert named not in words, named
    assert dept_handler.username not in words and str(dept_handler) not in words
    # The unit's handler reads the issued bulletin: counts, nobody named.
    client.force_login(dept_handler)
    page = client.get(reverse("reports:bulletin", args=[draft.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "追责问责" in html
    for named in ("李某某", first.deciding_body, first.reason):
        assert named not in html, named
    # The detail stays on the accountability page, for those allowed.
    assert client.get(reverse("projects:accountability")).status_code == 404
    client.force_login(county_lead)
    detail = client.get(reverse("projects:accountability")).content.decode()
    assert "李某某" in detail and "县纪委监委第三审查室" in detail


def test_a_version_issued_with_named_records_shows_a_unit_only_their_counts(
    county: County, dispatcher: User, inspector: User, dept_handler: User, county_lead: User
) -> None:
    """A version issued before the section counted only lists each record (date, unit,
    measure, deciding body). It stays as issued, but staff who may not see accountability
    records read it as counts derived from those rows; those who may see them read it whole."""
    with clock.travel_to(START + dt.timedelta(days=40)):
        draft = services.bulletin_generate(actor=dispatcher, dates=MARCH)
    href = reverse("projects:accountability")
    named = {
        "key": "accountability",
        "title": "追责问责",
        "paragraphs": ["本期追责问责 3 起。"],
        "columns": ["决定日期", "问责单位", "问责方式", "决定机关"],
        "rows": [
            [{"t": d, "h": ""}, {"t": u, "h": ""}, {"t": m, "h": href}, {"t": b, "h": ""}]
            for d, u, m, b in (
                ("2026-03-10", "县住建局", "通报批评", "县纪委监委第三审查室"),
                ("2026-03-12", "县交通运输局", "通报批评", "县纪委监委第三审查室"),
                ("2026-03-20", "—", "诫勉", "县委组织部干部监督科"),
            )
        ],
        "svg": "",
        "note": "个人姓名和事由见督查室的追责问责台账。",
    }
    content = {**draft.content, "sections": [*draft.content["sections"][:1], named]}
    version = BulletinVersion.objects.create(
        bulletin=draft,
        number=1,
        content=content,
        sha256=content_hash(content),
        issued_by=inspector,
        issued_at=START + dt.timedelta(days=41),
    )
    url = reverse("reports:bulletin", args=[draft.pk]) + "?v=1"
    unit = Client()
    unit.force_login(dept_handler)
    html = unit.get(url).content.decode()
    assert "本期追责问责 3 起，涉及单位 2 个。" in html
    # (县住建局 is the reader's own unit, in the page's header: the others are searched for.)
    for hidden in ("县交通运输局", "县纪委监委第三审查室", "县委组织部", "2026-03-12"):
        assert hidden not in html, hidden
    counted = accountability_counted(content)["sections"][1]
    assert "县住建局" not in str(counted)
    assert [[c["t"] for c in row] for row in counted["rows"]] == [
        ["通报批评", "2", "2"],
        ["诫勉", "1", "0"],
    ]
    xlsx = unit.get(reverse("reports:bulletin_xlsx", args=[draft.pk]) + "?v=1")
    assert xlsx.status_code == 200 and "县交通运输局".encode() not in _xlsx_text(xlsx.content)
    # Those who may see the records read the version as issued; the version itself is unchanged.
    lead = Client()
    lead.force_login(county_lead)
    whole = lead.get(url).content.decode()
    assert "县住建局" in whole and "县纪委监委第三审查室" in whole
    version.refresh_from_db()
    assert version.content["sections"][1] == named


def _xlsx_text(data: bytes) -> bytes:
    """Every string of a workbook (its shared strings and sheets), to search in."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return b"".join(book.read(name) for name in book.namelist() if name.endswith(".xml"))


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
