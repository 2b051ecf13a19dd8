"""The routing statistics page (分派统计): every statement above the table agrees with the
table, training in the background is said while it runs, and the menu offers the page to
every post that may open it."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from jishi.cases import services
from jishi.cases.models import Case, Category
from jishi.cases.tasks import request_ledger_training
from jishi.cases.tests import builders
from jishi.orgs.models import User
from jishi.routing import text
from jishi.routing.models import RouterModel
from jishi.routing.services import router_deactivate, router_train
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db

PAGE = "/console/routing/"
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LIGHTS = ["路灯不亮", "路灯坏了晚上很黑", "小区路灯一直闪", "路灯损坏请维修", "街边路灯不亮了"]
FEES = ["学校乱收费", "学校收取补课费", "幼儿园收费太高", "学校强制收资料费", "学校收费不合理"]


@pytest.fixture
def lights(county: County) -> Category:
    return Category.objects.create(code="lights", name="路灯", owning_unit=county.chengguan)


def _train(county: County, lights: Category, threshold: float | None) -> RouterModel:
    Category.objects.get_or_create(
        code="fees", defaults={"name": "教育收费", "owning_unit": county.housing}
    )
    docs = [text.document_tokens(t, t + "，请处理") for t in LIGHTS * 4 + FEES * 4]
    return router_train(
        actor=None,
        documents=docs,
        labels=["lights"] * 20 + ["fees"] * 20,
        target="category",
        metrics={} if threshold is None else {"auto_threshold": threshold},
        activate=True,
    )


def _auto(county: County, lights: Category, version: str) -> Case:
    return builders.accepted(
        county,
        route=services.Route(
            actor=services.System(),
            category=lights,
            lead_unit=county.chengguan,
            confidence=0.93,
            model_version=version,
        ),
    )


def _page(user: User) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


def test_auto_dispatches_of_an_unregistered_version_are_named_not_denied(
    county: County, lights: Category, county_lead: User
) -> None:
    """The demo's history: auto-dispatched cases, and no model active (yet)."""
    _auto(county, lights, "demo-1")
    _auto(county, lights, "demo-1")
    html = _page(county_lead)
    assert "目前没有启用的分类模型" in html
    assert "共 2 件事项在受理时由分类模型自动派单" in html
    assert "<code>demo-1</code> 2 件" in html and "不在本系统的模型库中" in html
    # Never "automatic dispatch is off" next to a table of automatic dispatches.
    assert "自动派单未开启" not in html and "尚未启用分类模型" not in html


def test_auto_dispatches_of_the_active_model_and_of_a_retired_one(
    county: County, lights: Category, county_lead: User
) -> None:
    model = _train(county, lights, threshold=0.6)
    _auto(county, lights, model.version)
    html = _page(county_lead)
    assert f"启用中的分类模型：{model.version}" in html
    assert "置信度达到 0.600 的事项在受理时自动派单" in html
    assert f"<code>{model.version}</code> 1 件（当前启用）" in html

    router_deactivate(actor=None, model=model)
    html = _page(county_lead)
    assert "目前没有启用的分类模型" in html
    assert f"<code>{model.version}</code> 1 件（现已停用）" in html


def test_an_active_model_without_threshold_says_automatic_dispatch_is_off(
    county: County, lights: Category, county_lead: User
) -> None:
    model = _train(county, lights, threshold=None)
    html = _page(county_lead)
    assert f"启用中的分类模型：{model.version}" in html
    assert "自动派单未开启" in html
    assert 'id="auto-history"' not in html  # no automatic dispatch to account for


def test_training_under_way_is_said_until_it_has_run(
    county: County, county_lead: User, settings: pytest.FixtureRequest
) -> None:
    settings.TASKS = DB_TASKS  # type: ignore[attr-defined]
    assert "正在根据台账中已办结的事项训练分类模型" not in _page(county_lead)
    assert request_ledger_training() is True
    assert request_ledger_training() is False  # asked once, not once per caller
    html = _page(county_lead)
    assert 'id="router-training"' in html
    assert "正在根据台账中已办结的事项训练分类模型" in html


def test_no_training_is_asked_for_while_a_model_is_active(
    county: County, lights: Category, settings: pytest.FixtureRequest
) -> None:
    settings.TASKS = DB_TASKS  # type: ignore[attr-defined]
    _train(county, lights, threshold=None)
    assert request_ledger_training() is False


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        ("county_lead", True),
        ("inspector", True),
        ("dispatcher", True),
        ("township_handler", False),
        ("dept_handler", False),
    ],
)
def test_the_menu_offers_routing_statistics_to_the_posts_that_may_open_them(
    request: pytest.FixtureRequest, who: str, shown: bool
) -> None:
    user: User = request.getfixturevalue(who)
    client = Client()
    client.force_login(user)
    html = client.get("/console/").content.decode()
    assert (f'href="{PAGE}"' in html) is shown
    assert client.get(PAGE).status_code == (200 if shown else 404)


def test_the_page_has_its_stylesheet(county_lead: User) -> None:
    from django.contrib.staticfiles import finders

    html = _page(county_lead)
    assert 'href="/static/console/routing.css"' in html
    found = finders.find("console/routing.css")
    assert isinstance(found, str) and Path(found).stat().st_size > 0
