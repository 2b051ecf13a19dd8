"""The oversight pages in a real browser: a visit with what it visited and a finding's photo
(served through the console, not the public media folder), the dispatch meeting with its
record, and the round settings, on a desktop and on a phone."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import Browser, expect

from jishi.orgs.models import User
from jishi.projects import oversight, rounds
from jishi.projects.models import Project, Severity, VisitMode
from jishi.testing.browser import login, new_page, page_errors, screenshot
from jishi.testing.fixtures import County

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visit_with_its_photos_the_meeting_and_the_settings(
    browser: Browser,
    live_server: Any,
    tmp_path: Path,
    settings: Any,
    county: County,
    inspector: User,
    dept_handler: User,
    project: Project,
) -> None:
    settings.MEDIA_ROOT = tmp_path
    group = oversight.group_create(
        actor=inspector,
        name="第一巡回指导组",
        members=[inspector],
        starts_on=dt.date(2026, 5, 1),
        ends_on=dt.date(2026, 12, 31),
        area=[county.chengguan],
    )
    visit = oversight.visit_record(
        actor=inspector,
        group=group,
        visited_on=dt.date(2026, 5, 20),
        mode=VisitMode.UNANNOUNCED,
        units=[county.housing, county.transport],
        projects=[project],
        notes="夜间暗访城东工地",
    )
    photos = [
        # Two different pictures: the same picture twice is kept once (as on its case).
        SimpleUploadedFile(f"现场{i}.png", _picture(i), content_type="image/png")
        for i in range(2)
    ]
    finding = oversight.finding_record(
        actor=inspector,
        visit=visit,
        text="工地围挡破损，扬尘未覆盖",
        severity=Severity.SERIOUS,
        unit=county.housing,
        project=project,
        photos=photos,
    )
    assert finding.case is not None
    case_code = finding.case.code
    rnd = rounds.round_open(month=dt.date(2026, 5, 1))
    meeting = oversight.meeting_record(
        actor=inspector, round=rnd, held_on=dt.date(2026, 5, 28), notes="一、红灯项目说明原因。"
    )
    decision = oversight.decision_add(
        actor=inspector,
        meeting=meeting,
        text="县住建局6月10日前完成招标",
        owner_unit=county.housing,
        due_on=dt.date(2026, 6, 10),
        project=project,
    )
    for phone in (False, True):
        page = new_page(browser, phone=phone)
        login(page, live_server, inspector)
        size = "phone" if phone else "desktop"
        page.goto(f"{live_server.url}/console/projects/inspections/visits/{visit.pk}/")
        expect(page.locator("[data-visited=projects]")).to_contain_text(project.code)
        expect(page.locator("[data-visited=units]")).to_contain_text("县交通运输局")
        images = page.locator("[data-finding] .photos img")
        expect(images).to_have_count(2)
        images.first.scroll_into_view_if_needed()
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-finding] .photos img')]"
            ".every(i => i.complete && i.naturalWidth === 320)"
        )
        screenshot(page, f"projects-visit-{size}")
        page.goto(f"{live_server.url}/console/projects/settings/")
        expect(page.locator("input[name=due_day]")).to_have_value("25")
        screenshot(page, f"projects-settings-{size}")
        page.goto(f"{live_server.url}/console/projects/meeting/{rnd.pk}/")
        expect(page.locator("[data-meeting=held]")).to_contain_text("2026-05-28")
        screenshot(page, f"projects-meeting-{size}")
        page.goto(f"{live_server.url}/console/projects/accountability/?finding={case_code}")
        expect(page.locator("input[name=finding]")).to_have_value(case_code)
        screenshot(page, f"projects-accountability-{size}")
        assert not page_errors(page), page_errors(page)
        page.context.close()
    # The owner unit's console home lists the meeting's decision until it is reviewed.
    page = new_page(browser, phone=False)
    login(page, live_server, dept_handler)
    page.goto(f"{live_server.url}/console/")
    expect(page.locator(f"[data-due-decision='{decision.pk}']")).to_contain_text("完成招标")
    screenshot(page, "projects-decision-due-desktop")
    page.context.close()


def _picture(shade: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (10 + shade * 100, 120, 200)).save(out, format="PNG")
    return out.getvalue()
