"""The public page of a list: progress bars, lights, milestones, last report, photos,
filters by township and light, following a project; private lists stay private."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jishi.orgs.models import User
from jishi.projects import rounds, services
from jishi.projects.models import ListKind, ListLevel, Project, ProjectList
from jishi.projects.tests.test_services import PNG
from jishi.testing.fixtures import County


@pytest.fixture
def reported(project: Project, dept_handler: User) -> Project:
    rnd = rounds.round_open(month=dt.date(2026, 6, 1))
    services.report_submit(
        actor=dept_handler,
        project=project,
        round=rnd,
        milestones={m.pk: 60 for m in project.milestones.all()},
        work_done="完成3个小区外立面改造",
        next_plan="启动管网改造",
        photos=[SimpleUploadedFile("site.png", PNG, content_type="image/png")],
    )
    project.refresh_from_db()
    return project


def test_the_public_list_shows_progress_and_filters(
    reported: Project, county: County, django_assert_max_num_queries: object
) -> None:
    c = Client()
    url = f"/portal/projects/lists/{reported.project_list_id}/"
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        html = c.get(url).content.decode()
    assert "老旧小区改造" in html and 'role="progressbar"' in html and "60.0%" in html
    assert "立项" in html and "竣工" in html and "/media/projects/photos/" in html
    assert "老旧小区改造" not in c.get(url + f"?township={county.shiqiao.pk}").content.decode()
    assert "老旧小区改造" in c.get(url + f"?township={county.chengguan.pk}").content.decode()
    assert "老旧小区改造" not in c.get(url + "?light=red").content.decode()
    assert c.get(url + "?township=abc&light=<script>&page=-1").status_code == 200
    page = c.get(f"/portal/projects/p/{reported.code}/").content.decode()
    assert "完成3个小区外立面改造" in page and "启动管网改造" in page
    assert c.get("/portal/projects/").status_code == 200
    assert "民生实事" in c.get("/portal/projects/?kind=livelihood").content.decode()


def test_follow_a_project(reported: Project) -> None:
    c = Client()
    r = c.post(f"/portal/projects/p/{reported.code}/follow/", {"next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/portal/projects/following/"
    page = c.get("/portal/projects/following/").content.decode()
    assert "老旧小区改造" in page and "完成3个小区外立面改造" in page
    c.post(f"/portal/projects/p/{reported.code}/follow/", {"follow": "0"})
    assert "老旧小区改造" not in c.get("/portal/projects/following/").content.decode()
    c.cookies["jishi_follow"] = "forged"
    assert c.get("/portal/projects/following/").status_code == 200


def test_a_private_list_is_not_public(
    county: County, inspector: User, livelihood_list: ProjectList
) -> None:
    hidden = services.list_create(
        actor=inspector,
        year=2026,
        kind=ListKind.REFORM,
        level=ListLevel.COUNTY,
        title="内部",
        public=False,
    )
    p = services.project_create(
        actor=inspector, project_list=hidden, title="内部项目", lead_unit=county.housing
    )
    c = Client()
    assert c.get(f"/portal/projects/lists/{hidden.pk}/").status_code == 404
    assert c.get(f"/portal/projects/p/{p.code}/").status_code == 404
    assert c.post(f"/portal/projects/p/{p.code}/follow/").status_code == 404
