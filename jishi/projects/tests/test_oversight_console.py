"""The oversight pages as their users work them: a finding's photos seen only by those who
may see the finding, the visit recording what it visited, findings and accountability
records linked by numbers (never a select of every project), the sign-off's return address
kept on this site; each rule with an allowed and a forbidden path, bad input through the view."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from PIL import Image

from jishi.cases.models import Attachment
from jishi.cases.tests.test_services import image_bytes
from jishi.common import clock
from jishi.common.errors import InvalidInput
from jishi.orgs.models import Role, User
from jishi.projects import oversight, rounds, services
from jishi.projects.models import (
    AccountabilityRecord,
    Finding,
    InspectionGroup,
    InspectionVisit,
    Measure,
    Photo,
    Policy,
    PolicyChange,
    ProgressMeeting,
    Project,
    ProjectList,
    Severity,
    VisitMode,
)
from jishi.testing.fixtures import County, make_person


def client_for(user: User) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def media(tmp_path: Path, settings: object) -> Path:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    return tmp_path


@pytest.fixture
def member(county: County) -> User:
    """A group member who is not in the supervision office (a township's head)."""
    return make_person("group_member", county.dongjie, Role.UNIT_LEAD)


@pytest.fixture
def group(inspector: User, member: User, county: County) -> InspectionGroup:
    return oversight.group_create(
        actor=inspector,
        name="第二巡回指导组",
        members=[inspector, member],
        starts_on=dt.date(2026, 5, 1),
        ends_on=dt.date(2026, 12, 31),
        area=[county.chengguan],
    )


@pytest.fixture
def visit(group: InspectionGroup, inspector: User) -> InspectionVisit:
    return oversight.visit_record(
        actor=inspector, group=group, visited_on=dt.date(2026, 5, 20), mode=VisitMode.OPEN
    )


PNG = image_bytes("PNG")


def png(name: str = "工地现场 张三.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


# --- a finding's photos -------------------------------------------------------------------------


def test_a_findings_photos_are_private_and_reach_its_case(
    media: Path,
    visit: InspectionVisit,
    inspector: User,
    member: User,
    dept_handler: User,
    transport_handler: User,
    county: County,
    project: Project,
) -> None:
    r = client_for(inspector).post(
        f"/console/projects/inspections/visits/{visit.pk}/",
        {
            "text": "围挡破损",
            "severity": Severity.SERIOUS,
            "unit": county.housing.pk,
            "project": project.code,
            "photos": png(),
        },
    )
    assert r.status_code == 302
    finding = Finding.objects.get()
    photo = finding.photos.get()
    # Outside the public folder, under a generated name (not the uploader's).
    assert photo.image.name.startswith("findings/")
    assert "张三" not in photo.image.name and "工地" not in photo.image.name
    assert (media / photo.image.name).exists()
    url = f"/console/projects/findings/{finding.pk}/photos/{photo.pk}/"
    with override_settings(DEBUG=False):
        assert Client().get(f"/media/{photo.image.name}").status_code == 404
        # Those who may see the finding: the office, the group, the responsible unit.
        for user in (inspector, member, dept_handler):
            got = client_for(user).get(url)
            assert got.status_code == 200, user
            assert got["Content-Type"] == "image/png"
            with Image.open(BytesIO(got.getvalue())) as served:
                assert served.format == "PNG" and served.size == (32, 24)
            assert "public" not in got["Cache-Control"]
        # Another unit's staff: nothing, not even that the finding exists.
        assert client_for(transport_handler).get(url).status_code == 404
        assert Client().get(url).status_code == 302  # to the login page
    # The visit page shows it through that address; the project page does not show it.
    page = client_for(inspector).get(f"/console/projects/inspections/visits/{visit.pk}/")
    assert url in page.content.decode()
    project_page = client_for(inspector).get(f"/console/projects/p/{project.pk}/")
    assert photo.image.name not in project_page.content.decode()
    # The case it became carries the photo as its own attachment, for the unit handling it.
    assert finding.case is not None
    attachment = Attachment.objects.get(case=finding.case)
    case_page = client_for(dept_handler).get(f"/console/cases/{finding.case.code}/")
    assert (
        f"/console/cases/{finding.case.code}/files/{attachment.pk}/" in case_page.content.decode()
    )


def jpeg_with_gps() -> bytes:
    """A phone's photo: EXIF with the camera's make and the GPS position."""
    photo = Image.new("RGB", (80, 60), (200, 100, 50))
    exif = Image.Exif()
    exif[0x010F] = "相机厂商"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)})
    out = BytesIO()
    photo.save(out, format="JPEG", exif=exif)
    data = out.getvalue()
    with Image.open(BytesIO(data)) as check:
        assert check.getexif().get_ifd(GPS_IFD)  # the test's own premise
    return data


GPS_IFD = 0x8825


def test_a_findings_photo_reaches_the_unit_without_its_gps_position(
    media: Path, visit: InspectionVisit, inspector: User, dept_handler: User, county: County
) -> None:
    """The unit under inspection may open the finding's photo: it gets the re-encoded copy
    its case keeps, never the upload with where and on whose phone it was taken."""
    original = jpeg_with_gps()
    r = client_for(inspector).post(
        f"/console/projects/inspections/visits/{visit.pk}/",
        {
            "text": "暗访发现窗口无人值守",
            "severity": Severity.SERIOUS,
            "unit": county.housing.pk,
            "photos": SimpleUploadedFile("IMG_0001.jpg", original, content_type="image/jpeg"),
        },
    )
    assert r.status_code == 302
    finding = Finding.objects.get()
    photo = finding.photos.get()
    assert photo.image.name.endswith(".jpg")
    url = f"/console/projects/findings/{finding.pk}/photos/{photo.pk}/"
    got = client_for(dept_handler).get(url)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    served = got.getvalue()
    assert served != original and b"Exif" not in served
    with Image.open(BytesIO(served)) as image:
        assert image.size == (80, 60)
        assert not image.getexif() and not image.getexif().get_ifd(GPS_IFD)
    # The same bytes as the case's own attachment: one privacy-safe version of the evidence.
    assert finding.case is not None
    with Attachment.objects.get(case=finding.case).file.open("rb") as kept:
        assert kept.read() == served


def test_progress_photos_of_a_public_project_stay_public_without_gps_or_file_name(
    media: Path, project: Project, dept_handler: User
) -> None:
    """A progress photo is published on the public list: it is kept re-encoded (no EXIF, so
    no GPS position or phone make) under a generated name (not the uploader's file name)."""
    rnd = rounds.round_open(month=clock.now().date())
    services.report_submit(
        actor=dept_handler,
        project=project,
        round=rnd,
        milestones={m.pk: 10 for m in project.milestones.all()},
        work_done="施工准备",
        photos=[SimpleUploadedFile("张三的手机 IMG_0001.jpg", jpeg_with_gps(), "image/jpeg")],
    )
    photo = Photo.objects.get()
    assert photo.image.name.startswith("projects/photos/") and photo.image.name.endswith(".jpg")
    assert "张三" not in photo.image.name and "IMG_0001" not in photo.image.name
    with override_settings(DEBUG=False):
        got = Client().get(f"/media/{photo.image.name}")
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    served = b"".join(got.streaming_content)  # type: ignore[attr-defined]
    assert b"Exif" not in served
    with Image.open(BytesIO(served)) as image:
        assert image.size == (80, 60) and not image.getexif()


def test_a_file_that_only_claims_to_be_a_photo_is_refused_from_a_report(
    media: Path, project: Project, dept_handler: User
) -> None:
    """The type a browser declares is not trusted: a page named .html sent as image/jpeg would
    otherwise be published from this site."""
    rnd = rounds.round_open(month=clock.now().date())
    page = SimpleUploadedFile("x.html", b"<script>alert(1)</script>", content_type="image/jpeg")
    with pytest.raises(InvalidInput) as refused:
        services.report_submit(
            actor=dept_handler,
            project=project,
            round=rnd,
            milestones={m.pk: 10 for m in project.milestones.all()},
            work_done="施工准备",
            photos=[page],
        )
    assert any("x.html" in m for m in refused.value.errors["photos"])
    assert not Photo.objects.exists() and not project.reports.exists()


def test_a_bad_finding_photo_is_named_and_nothing_is_saved(
    media: Path, visit: InspectionVisit, inspector: User, county: County
) -> None:
    fake = SimpleUploadedFile("假图.png", b"not an image", content_type="image/png")
    r = client_for(inspector).post(
        f"/console/projects/inspections/visits/{visit.pk}/",
        {"text": "台账不全", "severity": Severity.MINOR, "unit": county.housing.pk, "photos": fake},
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert "假图.png" in html and "台账不全" in html  # named, and what was typed kept
    assert not Finding.objects.exists() and not Photo.objects.exists()


# --- the sign-off's return address ------------------------------------------------------------


def test_sign_off_goes_back_only_to_this_site(
    project: Project, county_lead: User, dept_handler: User
) -> None:
    rnd = rounds.round_open(month=clock.now().date())
    services.report_submit(
        actor=dept_handler,
        project=project,
        round=rnd,
        milestones={m.pk: 10 for m in project.milestones.all()},
        work_done="施工准备",
    )
    report = project.reports.get()
    url = f"/console/projects/reports/{report.pk}/sign-off/"
    r = client_for(county_lead).post(url, {"next": "https://evil.example/phish"})
    assert r.status_code == 302 and r["Location"] == "/console/projects/mine/"
    r = client_for(county_lead).post(url, {"next": "//evil.example/x"})
    assert r["Location"] == "/console/projects/mine/"
    r = client_for(county_lead).post(url, {"next": f"/console/projects/p/{project.pk}/"})
    assert r["Location"] == f"/console/projects/p/{project.pk}/"


# --- what a visit visited, a finding's project --------------------------------------------------


def test_a_visit_records_the_units_and_projects_it_visited(
    group: InspectionGroup,
    member: User,
    transport_handler: User,
    county: County,
    project: Project,
) -> None:
    url = f"/console/projects/inspections/groups/{group.pk}/"
    bad = client_for(member).post(
        url,
        {
            "visited_on": "2026-05-21",
            "mode": VisitMode.UNANNOUNCED,
            "units": [county.housing.pk],
            "projects": f"{project.code}、XM2026-9999",
            "notes": "夜查工地",
        },
    )
    assert bad.status_code == 422
    html = bad.content.decode()
    assert "找不到项目编号：XM2026-9999" in html and "夜查工地" in html
    assert not InspectionVisit.objects.exists()
    # Typed in lower case and full width: still found.
    code = project.code.lower().replace("-", "－")
    ok = client_for(member).post(
        url,
        {
            "visited_on": "2026-05-21",
            "mode": VisitMode.UNANNOUNCED,
            "units": [county.housing.pk, county.transport.pk],
            "projects": code,
        },
    )
    assert ok.status_code == 302
    visit = InspectionVisit.objects.get()
    assert set(visit.units.all()) == {county.housing, county.transport}
    assert list(visit.projects.all()) == [project]
    page = client_for(member).get(ok["Location"]).content.decode()
    assert "县住建局" in page and project.code in page and project.title in page
    # Not a member: neither the group's page nor its visit.
    assert client_for(transport_handler).post(url, {}).status_code == 403
    assert client_for(transport_handler).get(ok["Location"]).status_code == 403


def test_a_finding_on_a_project_is_a_project_event(
    media: Path, visit: InspectionVisit, member: User, county: County, project: Project
) -> None:
    url = f"/console/projects/inspections/visits/{visit.pk}/"
    before = project.events.count()
    bad = client_for(member).post(
        url,
        {
            "text": "进度滞后",
            "severity": Severity.MINOR,
            "unit": county.housing.pk,
            "project": "X1 X2",
        },
    )
    assert bad.status_code == 422 and "只能填写一个项目编号" in bad.content.decode()
    assert not Finding.objects.exists()
    ok = client_for(member).post(
        url,
        {
            "text": "进度滞后",
            "severity": Severity.MINOR,
            "unit": county.housing.pk,
            "project": project.code,
        },
    )
    assert ok.status_code == 302
    finding = Finding.objects.get()
    assert finding.project == project
    event = project.events.get(kind="inspection_finding")
    assert event.payload["finding"] == finding.pk and project.events.count() == before + 1


def test_a_refused_recheck_keeps_the_note(
    visit: InspectionVisit, inspector: User, transport_handler: User, county: County
) -> None:
    finding = oversight.finding_record(
        actor=inspector, visit=visit, text="台账不全", severity=Severity.MINOR, unit=county.housing
    )
    url = f"/console/projects/findings/{finding.pk}/recheck/"
    long_note = "整" * 201
    r = client_for(inspector).post(url, {"rectified": "0", "note": long_note})
    assert r.status_code == 422
    html = r.content.decode()
    assert "回头看情况最多 200 字" in html and long_note in html
    assert client_for(transport_handler).post(url, {"rectified": "1"}).status_code == 403
    r = client_for(inspector).post(url, {"rectified": "1", "note": "已补齐"})
    assert r.status_code == 302
    finding.refresh_from_db()
    assert finding.recheck == "rectified"


# --- accountability's target and sources ------------------------------------------------------


def test_the_accountability_form_links_by_numbers_and_refuses_what_does_not_fit(
    visit: InspectionVisit,
    inspector: User,
    county_lead: User,
    dept_handler: User,
    transport_handler: User,
    county: County,
    project: Project,
) -> None:
    finding = oversight.finding_record(
        actor=inspector, visit=visit, text="台账造假", severity=Severity.GRAVE, unit=county.housing
    )
    other = oversight.finding_record(
        actor=inspector,
        visit=visit,
        text="窗口无人",
        severity=Severity.MINOR,
        unit=county.transport,
    )
    assert finding.case is not None and other.case is not None
    url = "/console/projects/accountability/"
    base = {
        "measure": Measure.CRITICISM,
        "decided_on": "2026-06-10",
        "deciding_body": "县纪委监委",
        "reason": "台账造假",
    }
    c = client_for(inspector)
    # From the finding's link: the finding and its unit filled in.
    form = c.get(url, {"finding": finding.case.code}).content.decode()
    assert f'value="{finding.case.code}"' in form
    refusals: list[tuple[dict[str, object], str]] = [
        ({"unit": county.housing.pk, "person": transport_handler.pk}, "在县住建局没有在岗岗位"),
        ({"person": dept_handler.pk, "person_name": "张三"}, "已选择系统内人员，不必再填写姓名"),
        ({"unit": county.housing.pk, "case": "ZZ000000"}, "找不到受理编号：ZZ000000"),
        ({"unit": county.housing.pk, "project": "XM1999-0001"}, "找不到项目编号：XM1999-0001"),
        (
            {"unit": county.housing.pk, "finding": finding.case.code, "case": other.case.code},
            "不是所填督查问题转成的事项",
        ),
    ]
    for extra, message in refusals:
        r = c.post(url, {**base, **extra})
        assert r.status_code == 422, extra
        assert message in r.content.decode(), extra
    assert not AccountabilityRecord.objects.exists()
    r = c.post(
        url,
        {
            **base,
            "unit": county.housing.pk,
            "person": dept_handler.pk,
            "finding": finding.case.code,
            "case": finding.case.code.lower(),
            "project": project.code,
        },
    )
    assert r.status_code == 302
    record = AccountabilityRecord.objects.get()
    assert (record.unit, record.person, record.finding, record.case, record.project) == (
        county.housing,
        dept_handler,
        finding,
        finding.case,
        project,
    )
    page = c.get(url).content.decode()
    assert str(dept_handler) in page and project.code in page
    # A free-text name for someone who is not a system user.
    r = c.post(url, {**base, "unit": county.housing.pk, "person_name": "外聘监理 李某"})
    assert r.status_code == 302
    # A county lead reads the records but may not record one; the unit sees nothing.
    assert client_for(county_lead).get(url).status_code == 200
    assert client_for(county_lead).post(url, {**base, "unit": county.housing.pk}).status_code == 403
    assert (
        client_for(dept_handler).post(url, {**base, "unit": county.housing.pk}).status_code == 404
    )
    assert AccountabilityRecord.objects.count() == 2


def test_a_finding_number_must_name_a_finding(inspector: User, county: County) -> None:
    from jishi.cases import services as case_services
    from jishi.cases.models import CaseKind, Channel

    case = case_services.case_accept(
        actor=inspector,
        kind=CaseKind.COMPLAINT,
        channel=Channel.HOTLINE,
        title="路灯不亮",
        text="东街路灯坏了一周",
        anonymous=True,
    )
    r = client_for(inspector).post(
        "/console/projects/accountability/",
        {
            "measure": Measure.CRITICISM,
            "decided_on": "2026-06-10",
            "deciding_body": "县纪委监委",
            "reason": "x",
            "unit": county.housing.pk,
            "finding": case.code,
        },
    )
    assert r.status_code == 422
    assert f"受理编号 {case.code} 不是督查发现的问题" in r.content.decode()
    assert not AccountabilityRecord.objects.exists()


# --- the dispatch meeting: its record, and decisions reaching their owners ----------------------


def test_a_decision_reaches_its_owner_until_the_next_meeting_reviews_it(
    inspector: User,
    county: County,
    project: Project,
    dept_handler: User,
    transport_handler: User,
) -> None:
    may = rounds.round_open(month=dt.date(2026, 5, 1))
    url = f"/console/projects/meeting/{may.pk}/"
    c = client_for(inspector)
    with clock.travel_to(dt.datetime(2026, 5, 28, 9, tzinfo=dt.UTC)):
        bad = c.post(
            url,
            {
                "text": "6月10日前完成招标",
                "owner_unit": county.housing.pk,
                "due_on": "2026-06-10",
                "project": "XM2000-0404",
            },
        )
        assert bad.status_code == 422
        assert "找不到项目编号：XM2000-0404" in bad.content.decode()
        assert "6月10日前完成招标" in bad.content.decode()
        ok = c.post(
            url,
            {
                "text": "6月10日前完成招标",
                "owner_unit": county.housing.pk,
                "due_on": "2026-06-10",
                "project": project.code,
            },
        )
        assert ok.status_code == 302
    decision = project.decisions.get()
    assert project.events.filter(kind="meeting_decision").exists()
    # On the owner unit's console home, and its decisions page; not on another unit's.
    home = client_for(dept_handler).get("/console/").content.decode()
    assert f'data-due-decision="{decision.pk}"' in home and "6月10日前完成招标" in home
    other = client_for(transport_handler).get("/console/").content.decode()
    assert f'data-due-decision="{decision.pk}"' not in other
    mine = client_for(dept_handler).get("/console/projects/decisions/").content.decode()
    assert "6月10日前完成招标" in mine
    theirs = client_for(transport_handler).get("/console/projects/decisions/").content.decode()
    assert "6月10日前完成招标" not in theirs
    # The owner may read it but not review it; the next meeting's review takes it off.
    june = rounds.round_open(month=dt.date(2026, 6, 1))
    june_url = f"/console/projects/meeting/{june.pk}/"
    review = {"review": decision.pk, "done": "1", "note": "已招标"}
    assert client_for(dept_handler).post(june_url, review).status_code == 403
    assert c.post(june_url, review).status_code == 302
    home = client_for(dept_handler).get("/console/").content.decode()
    assert f'data-due-decision="{decision.pk}"' not in home


def test_a_decision_links_its_project_only_for_those_who_may_open_it(
    inspector: User,
    county: County,
    project: Project,
    dept_handler: User,
    other_township_handler: User,
) -> None:
    """A decision may ask a unit that neither leads, cooperates on nor hosts its project: the
    owner's home and decisions page then name the project by code, with no link (it would
    answer 403) and no title (the list may not be public)."""
    ProjectList.objects.filter(pk=project.project_list_id).update(public=False)
    may = rounds.round_open(month=dt.date(2026, 5, 1))
    with clock.travel_to(dt.datetime(2026, 5, 28, 9, tzinfo=dt.UTC)):
        held = oversight.meeting_record(actor=inspector, round=may, held_on=dt.date(2026, 5, 28))
        theirs = oversight.decision_add(
            actor=inspector,
            meeting=held,
            text="石桥镇配合做好群众工作",
            owner_unit=county.shiqiao,
            due_on=dt.date(2026, 6, 10),
            project=project,
        )
        mine = oversight.decision_add(
            actor=inspector,
            meeting=held,
            text="县住建局完成招标",
            owner_unit=county.housing,
            due_on=dt.date(2026, 6, 10),
            project=project,
        )
    link = f'href="/console/projects/p/{project.pk}/"'
    # The lead unit may open it: linked, with its title.
    home = client_for(dept_handler).get("/console/").content.decode()
    assert f'data-due-decision="{mine.pk}"><a {link}' in home
    page = client_for(dept_handler).get("/console/projects/decisions/").content.decode()
    assert link in page and project.title in page
    # Another township's: the code, no link, no title.
    assert (
        client_for(other_township_handler).get(f"/console/projects/p/{project.pk}/").status_code
        == 404
    )
    home = client_for(other_township_handler).get("/console/").content.decode()
    assert f'data-due-decision="{theirs.pk}"' in home and project.code in home
    assert link not in home and project.title not in home
    page = client_for(other_township_handler).get("/console/projects/decisions/").content.decode()
    assert "石桥镇配合做好群众工作" in page and project.code in page
    assert link not in page and project.title not in page


def test_the_office_enters_the_meetings_date_and_notes(
    inspector: User, county_lead: User, county: County
) -> None:
    may = rounds.round_open(month=dt.date(2026, 5, 1))
    url = f"/console/projects/meeting/{may.pk}/"
    c = client_for(inspector)
    notes = "一、红灯项目逐一说明原因。\n二、县住建局牵头协调用地。"
    with clock.travel_to(dt.datetime(2026, 6, 3, 9, tzinfo=dt.UTC)):
        for held_on, message in (
            ("2026-04-30", "会议日期不能早于2026-05月度调度的月份"),
            ("2026-06-30", "会议日期不能晚于今天"),
            ("30/05/2026", "日期格式应为 2026-06-30"),
        ):
            r = c.post(url, {"meeting-held_on": held_on, "meeting-notes": notes})
            assert r.status_code == 422, held_on
            html = r.content.decode()
            assert message in html and "县住建局牵头协调用地" in html
        assert not ProgressMeeting.objects.exists()
        # A county lead reads the meeting page but does not write it.
        r = client_for(county_lead).post(url, {"meeting-held_on": "2026-05-28"})
        assert r.status_code == 403
        r = c.post(url, {"meeting-held_on": "2026-05-28", "meeting-notes": notes})
        assert r.status_code == 302
        meeting = ProgressMeeting.objects.get(round=may)
        assert meeting.held_on == dt.date(2026, 5, 28) and meeting.notes == notes
        page = client_for(county_lead).get(url).content.decode()
        assert "2026-05-28" in page and "县住建局牵头协调用地" in page
        # A decision due 06-02 pins the date: the meeting cannot move after it.
        oversight.decision_add(
            actor=inspector,
            meeting=meeting,
            text="核实用地",
            owner_unit=county.housing,
            due_on=dt.date(2026, 6, 2),
        )
        r = c.post(url, {"meeting-held_on": "2026-06-03", "meeting-notes": notes})
        assert r.status_code == 422 and "会议日期不能晚于它" in r.content.decode()
        meeting.refresh_from_db()
        assert meeting.held_on == dt.date(2026, 5, 28)


# --- the round and light settings ---------------------------------------------------------------

SETTINGS_URL = "/console/projects/settings/"
DEFAULTS = {
    "due_day": 25,
    "remind_days_before": 3,
    "yellow_behind": 10,
    "red_behind": 30,
    "not_started_months": 3,
    "order_workdays": 10,
}


@pytest.fixture
def admin_user(county: County) -> User:
    return make_person("sys_admin", county.county, Role.ADMIN)


def test_the_office_and_admins_change_the_settings_and_each_change_is_kept(
    inspector: User,
    admin_user: User,
    county_lead: User,
    dept_handler: User,
) -> None:
    c = client_for(inspector)
    page = c.get(SETTINGS_URL)
    assert page.status_code == 200 and 'value="25"' in page.content.decode()
    # Linked from the projects navigation for those who may use it, not for others.
    assert SETTINGS_URL in c.get("/console/projects/").content.decode()
    assert SETTINGS_URL not in client_for(dept_handler).get("/console/projects/").content.decode()
    for user in (county_lead, dept_handler):
        assert client_for(user).get(SETTINGS_URL).status_code == 403
        assert client_for(user).post(SETTINGS_URL, DEFAULTS).status_code == 403
    refusals = [
        ({"due_day": "29"}, "请填写 1 到 28 之间的整数"),
        ({"due_day": "二十"}, "请填写 1 到 28 之间的整数"),
        ({"yellow_behind": "30", "red_behind": "30"}, "亮红灯的落后百分点须大于亮黄灯的"),
        ({"due_day": "5", "remind_days_before": "5"}, "提醒须在当月截止日之前"),
        ({"order_workdays": ""}, "请填写 1 到 60 之间的整数"),
    ]
    for extra, message in refusals:
        r = c.post(SETTINGS_URL, {**DEFAULTS, **extra})
        assert r.status_code == 422, extra
        html = r.content.decode()
        assert message in html, extra
        typed = next(iter(extra.values()))
        if typed:
            assert f'value="{typed}"' in html, extra  # what was typed stays
    assert not PolicyChange.objects.exists() and not Policy.objects.exists()
    r = c.post(SETTINGS_URL, {**DEFAULTS, "due_day": "20", "red_behind": "35"})
    assert r.status_code == 302
    policy = Policy.objects.get()
    assert (policy.due_day, policy.red_behind) == (20, 35)
    change = PolicyChange.objects.get()
    assert change.actor == inspector
    assert change.before["due_day"] == 25 and change.after["due_day"] == 20
    assert change.before["red_behind"] == 30 and change.after["red_behind"] == 35
    # Saved again unchanged: nothing new recorded. An admin may change it too.
    c.post(SETTINGS_URL, {**DEFAULTS, "due_day": "20", "red_behind": "35"})
    assert PolicyChange.objects.count() == 1
    r = client_for(admin_user).post(SETTINGS_URL, {**DEFAULTS, "due_day": "22"})
    assert r.status_code == 302 and PolicyChange.objects.count() == 2
    history = c.get(SETTINGS_URL).content.decode()
    assert "20 → 22" in history and "25 → 20" in history
    # The next round opened is due on the new day.
    june = rounds.round_open(month=dt.date(2026, 6, 1))
    assert june.due_on == dt.date(2026, 6, 22)


class _Undo(Exception):
    pass


def test_changing_the_thresholds_changes_a_rounds_lights(
    inspector: User, project: Project, dept_handler: User
) -> None:
    from django.db import transaction

    from jishi.projects.models import RoundLight

    with clock.travel_to(dt.datetime(2026, 5, 20, 9, tzinfo=dt.UTC)):
        may = rounds.round_open(month=dt.date(2026, 5, 1))
        first = {m.title: m.pk for m in project.milestones.all()}
        services.report_submit(
            actor=dept_handler,
            project=project,
            round=may,
            milestones={first["立项"]: 100, first["开工"]: 0, first["竣工"]: 0},
            work_done="立项完成",
        )

    def light_with(values: dict[str, object]) -> tuple[str, object]:
        """The project's light if the round were assessed with these settings (undone)."""
        if values:
            r = client_for(inspector).post(SETTINGS_URL, {**DEFAULTS, **values})
            assert r.status_code == 302
        try:
            with transaction.atomic():
                rounds.round_assess(may, on=dt.date(2026, 5, 26), actor=inspector)
                lit = RoundLight.objects.get(round=may, project=project)
                raise _Undo((lit.light, lit.planned - lit.reported))
        except _Undo as undo:
            return undo.args[0]

    light, behind = light_with({})
    # About 18 points behind the planned progress: yellow by the default 10–30.
    assert 10 <= behind <= 24, behind  # type: ignore[operator]
    assert light == "yellow"
    assert light_with({"yellow_behind": "25", "red_behind": "40"})[0] == "green"
    assert light_with({"yellow_behind": "5", "red_behind": "9"})[0] == "red"


# --- forms that come back with what was typed ---------------------------------------------------


def test_a_member_outside_the_office_finds_their_groups(
    group: InspectionGroup, member: User, transport_handler: User, inspector: User
) -> None:
    page = client_for(member).get("/console/projects/inspections/").content.decode()
    assert f'data-my-group="{group.pk}"' in page
    assert f"/console/projects/inspections/groups/{group.pk}/" in page
    assert (
        client_for(member).get(f"/console/projects/inspections/groups/{group.pk}/").status_code
        == 200
    )
    other = client_for(transport_handler).get("/console/projects/inspections/").content.decode()
    assert "第二巡回指导组" not in other
    # Nor a button to the accountability page they may not open.
    assert "/console/projects/accountability/" not in other
    # The office sees every group in its own list, not as "my groups".
    office = client_for(inspector).get("/console/projects/inspections/").content.decode()
    assert "data-my-group" not in office and "第二巡回指导组" in office
    assert "/console/projects/accountability/" in office


def test_a_refused_close_out_note_is_a_form_error(
    media: Path, project: Project, inspector: User, housing_lead: User, dept_handler: User
) -> None:
    rnd = rounds.round_open(month=clock.now().date())
    services.report_submit(
        actor=dept_handler,
        project=project,
        round=rnd,
        milestones={m.pk: 100 for m in project.milestones.all()},
        work_done="全部完工",
    )
    services.project_complete(
        actor=housing_lead, project=project, evidence="竣工验收合格", photos=[png("竣工.png")]
    )
    url = f"/console/projects/p/{project.pk}/close/"
    long_note = "验" * 201
    r = client_for(inspector).post(url, {"note": long_note})
    assert r.status_code == 422
    html = r.content.decode()
    assert "最多 200 字" in html and long_note in html and 'id="close-out"' in html
    project.refresh_from_db()
    assert project.status == "completed"
    assert client_for(dept_handler).post(url, {"note": "x"}).status_code == 403
    r = client_for(inspector).post(url, {"note": "验收合格，同意销号"})
    assert r.status_code == 302
    project.refresh_from_db()
    assert project.status == "closed"


def test_refused_planned_progress_comes_back_as_typed(
    project: Project, inspector: User, dept_handler: User
) -> None:
    url = f"/console/projects/p/{project.pk}/planned/"
    typed = "2026-13:40\n2026-05:一百"
    r = client_for(inspector).post(url, {"planned": typed})
    assert r.status_code == 422
    html = r.content.decode()
    assert "应写成 2026-05" in html and "应为 0 到 100 之间的数" in html
    assert typed in html
    project.refresh_from_db()
    assert project.planned_by_month == {}
    assert client_for(dept_handler).post(url, {"planned": "2026-05:40"}).status_code == 403
    r = client_for(inspector).post(url, {"planned": "2026-05：40"})
    assert r.status_code == 302
    project.refresh_from_db()
    assert project.planned_by_month == {"2026-05": "40.0"}


def test_finding_photos_uploaded_before_are_moved_out_of_the_public_folder(
    media: Path,
    visit: InspectionVisit,
    inspector: User,
    county: County,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Migration 0005: each legacy finding photo re-encoded (no GPS) into the private folder;
    the old file deleted only once the migration's transaction commits; a row whose file is
    missing left as it was; a project's own photos left public."""
    import importlib

    from django.apps import apps

    finding = oversight.finding_record(
        actor=inspector, visit=visit, text="台账不全", severity=Severity.MINOR, unit=county.housing
    )
    # As stored before: in the public folder, under the uploader's own name, with its EXIF.
    old = "projects/photos/2026/05/王某家门口.jpg"
    (media / old).parent.mkdir(parents=True)
    (media / old).write_bytes(jpeg_with_gps())
    legacy = Photo.objects.create(finding=finding, created_at=clock.now())
    Photo.objects.filter(pk=legacy.pk).update(image=old)
    lost = Photo.objects.create(finding=finding, created_at=clock.now())
    Photo.objects.filter(pk=lost.pk).update(image="projects/photos/2026/04/已丢失.jpg")
    progress = Photo.objects.create(created_at=clock.now())
    Photo.objects.filter(pk=progress.pk).update(image="projects/photos/2026/05/进度.png")
    migration = importlib.import_module("jishi.projects.migrations.0005_finding_photos_private")

    # A migration that fails after the copy rolls back: the row names the old file, still there.
    with pytest.raises(RuntimeError), transaction.atomic():
        migration.move_finding_photos(apps, None)
        raise RuntimeError("存储出错")
    legacy.refresh_from_db()
    assert legacy.image.name == old and (media / old).exists()

    with django_capture_on_commit_callbacks(execute=True):
        migration.move_finding_photos(apps, None)
        assert (media / old).exists()  # not before the commit
    assert not (media / old).exists()
    legacy.refresh_from_db()
    assert legacy.image.name.startswith("findings/") and "王某" not in legacy.image.name
    assert legacy.image.name.endswith(".jpg")
    with Image.open(media / legacy.image.name) as moved:
        assert moved.size == (80, 60)
        assert not moved.getexif() and not moved.getexif().get_ifd(GPS_IFD)
    lost.refresh_from_db()
    assert lost.image.name == "projects/photos/2026/04/已丢失.jpg"  # the clue for a restore
    progress.refresh_from_db()
    assert progress.image.name == "projects/photos/2026/05/进度.png"  # a project's: left public
    url = f"/console/projects/findings/{finding.pk}/photos/{legacy.pk}/"
    assert client_for(inspector).get(url).status_code == 200
    # A file lost from the disk: not found, not a server error.
    (media / legacy.image.name).unlink()
    assert client_for(inspector).get(url).status_code == 404
    lost_url = f"/console/projects/findings/{finding.pk}/photos/{lost.pk}/"
    assert client_for(inspector).get(lost_url).status_code == 404
