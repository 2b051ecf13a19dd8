"""The demo county trains its router from its own seeded history: the seeder asks the
background worker once the cases are in, the routing page says so while it waits, and
afterwards dispatchers get the model's suggestions."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from jishi.cases.models import Case, State
from jishi.orgs.models import User
from jishi.routing.models import RouterModel
from jishi.routing.selectors import clear_loaded_models, predict

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_seeded_demo_trains_its_router_in_the_background(
    settings: pytest.FixtureRequest,
) -> None:
    settings.TASKS = DB_TASKS  # type: ignore[attr-defined]
    out = StringIO()
    call_command("seed_demo", "--size", "300", stdout=out)
    assert "已请后台根据已办结的事项训练分类模型" in out.getvalue()
    assert not RouterModel.objects.exists()  # the worker has not run yet

    lead = Client()
    lead.force_login(User.objects.get(username="lead"))
    html = lead.get("/console/routing/").content.decode()
    assert "正在根据台账中已办结的事项训练分类模型" in html
    assert "目前没有启用的分类模型" in html

    # Starting the demo again asks for nothing more while the first request waits.
    again = StringIO()
    call_command("seed_demo", "--if-empty", stdout=again)
    assert "训练分类模型" not in again.getvalue()

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload")
    model = RouterModel.objects.get(is_active=True)
    closed = Case.objects.filter(state=State.CLOSED, category__isnull=False).count()
    assert model.n_documents == closed and model.metrics["source"] == "ledger"
    assert "auto_threshold" in model.metrics

    clear_loaded_models()
    waiting = Case.objects.exclude(title="").first()
    assert waiting is not None
    suggestion = predict(waiting.title, waiting.text)
    assert suggestion.model_version == model.version and suggestion.top3

    html = lead.get("/console/routing/").content.decode()
    assert "正在根据台账中已办结的事项训练分类模型" not in html
    assert f"启用中的分类模型：{model.version}" in html
