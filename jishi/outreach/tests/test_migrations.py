"""The head count and identity migrations on data written under the old rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

OLD = [("outreach", "0001_sites_series_talks_checkins")]
NEW = [("outreach", "0004_drop_talk_head_count_one_checkin_per_name_and_phone")]


@pytest.fixture(autouse=True)
def _latest_schema_after() -> Iterator[None]:
    """Leave the schema at the latest migrations, whatever the test stopped at: the worker's
    next tests (and the flush after this one) run against it."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_old_head_counts_become_entries_and_double_counts_are_folded() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(OLD)
    apps = executor.loader.project_state(OLD).apps
    unit = apps.get_model("orgs", "Unit").objects.create(
        code="C", name="测试县", kind="county", path="/1/"
    )
    talk_model = apps.get_model("outreach", "Talk")
    starts = timezone.make_aware(dt.datetime(2026, 11, 10, 14))
    talk = talk_model.objects.create(
        title="宣讲",
        speaker="李老师",
        setting="community",
        organiser_id=unit.pk,
        place="村委会",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        checkin_key="k",
        head_count=7,
    )
    quiet = talk_model.objects.create(
        title="另一场",
        speaker="李老师",
        setting="village",
        organiser_id=unit.pk,
        place="村委会",
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=2),
        checkin_key="k2",
    )
    checkin = apps.get_model("outreach", "CheckIn")
    for minute, (name, unit_text, device) in enumerate(
        [
            ("王芳", "东街社区党支部", "p1"),
            ("王芳", "东街支部", "p1"),  # the same phone, the unit spelt otherwise: twice before
            ("阿依古丽·买买提", "", "p2"),
            ("阿依古丽•买买提", "", "p3"),  # the same name and unit, another dot
            ("王芳", "西街社区", "p4"),  # a namesake elsewhere
            ("", "", "p5"),
        ]
    ):
        checkin.objects.create(
            talk_id=talk.pk,
            channel="onsite",
            person_key=f"old-{minute}",
            name=name,
            unit_text=unit_text,
            device_key=device,
            created_at=starts + dt.timedelta(minutes=minute),
        )

    executor = MigrationExecutor(connection)
    executor.migrate(NEW)
    apps = executor.loader.project_state(NEW).apps
    entries = list(apps.get_model("outreach", "HeadCount").objects.all())
    assert [(e.talk_id, e.count, e.recorded_by_id) for e in entries] == [(talk.pk, 7, None)]
    assert not apps.get_model("outreach", "HeadCount").objects.filter(talk_id=quiet.pk).exists()
    kept = list(
        apps.get_model("outreach", "CheckIn")
        .objects.order_by("created_at")
        .values_list("name", "unit_text", "name_key")
    )
    assert kept == [
        ("王芳", "东街社区党支部", "王芳"),
        ("阿依古丽·买买提", "", "阿依古丽·买买提"),
        ("王芳", "西街社区", "王芳"),
        ("", "", ""),
    ]
