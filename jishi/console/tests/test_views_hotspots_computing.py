"""The hotspot page while the background worker computes: it says so (never "no hotspots"
before anything was computed), then shows the result once the worker has run; and it is
laid out with the routing pages' stylesheet."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client

from jishi.cases.models_hotspots import Hotspot
from jishi.cases.tests import builders
from jishi.orgs.models import User
from jishi.testing.fixtures import County

PAGE = "/console/routing/hotspots/"
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LIGHTS = [
    ("东街路灯不亮", "东街社区文化广场旁的三盏路灯已经坏了一周，晚上出行不便，请尽快修复。"),
    ("文化广场路灯坏了", "东街文化广场边上的路灯坏了好几天了，晚上黑漆漆的，请尽快修好。"),
    ("路灯坏了没人修", "东街社区文化广场路灯不亮已经很久，晚上散步的老人孩子很危险。"),
]


@pytest.mark.django_db(transaction=True)
def test_page_says_it_is_computing_until_the_worker_has_run(
    county: County, county_lead: User, dispatcher: User, settings: pytest.FixtureRequest
) -> None:
    settings.TASKS = DB_TASKS  # type: ignore[attr-defined]
    for i, (title, body) in enumerate(LIGHTS):
        builders.accepted(county, title=title, text=body, citizen_phone=f"1381234567{i}")
    lead, desk = Client(), Client()
    lead.force_login(county_lead)
    desk.force_login(dispatcher)

    html = lead.get(PAGE).content.decode()  # nothing stored: a refresh is asked for
    assert 'id="hotspots-computing"' in html and "正在计算热点" in html
    assert "暂无热点" not in html
    assert 'href="/static/console/routing.css"' in html
    html = desk.get(PAGE).content.decode()
    assert "正在计算热点" in html and "立即刷新" not in html  # it is already being done

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    assert Hotspot.objects.exists()
    html = lead.get(PAGE).content.decode()
    assert "正在计算" not in html
    assert Hotspot.objects.get(rank=1).title in html
    assert "立即刷新" in desk.get(PAGE).content.decode()


@pytest.mark.django_db
def test_page_says_no_hotspots_when_nothing_is_being_computed(
    county: County, county_lead: User
) -> None:
    # The default test backend runs the refresh at once: computed, and nothing is hot.
    client = Client()
    client.force_login(county_lead)
    html = client.get(PAGE).content.decode()
    assert "暂无热点" in html and "正在计算" not in html
