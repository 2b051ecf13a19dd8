"""The demo's key projects: forty projects with lights, orders, a meeting and a closed one,
every chain intact."""

from __future__ import annotations

import pytest

from jishi.cases.models import Channel
from jishi.cases.verify import verify_ledger
from jishi.demo.orgdata import build_demo_org
from jishi.demo.projects import seed_projects
from jishi.projects.models import (
    AccountabilityRecord,
    Finding,
    MeetingDecision,
    ProgressRound,
    Project,
    RoundLight,
    SupervisionOrder,
)
from jishi.projects.selectors import rule_checks


@pytest.mark.django_db
def test_seed_demo_projects() -> None:
    build_demo_org(seed=7)
    assert seed_projects() == 40
    assert seed_projects() == 0  # once only
    lights = set(Project.objects.values_list("light", flat=True))
    assert {"green", "yellow", "red"} <= lights
    assert ProgressRound.objects.count() == 5
    assert ProgressRound.objects.filter(state="open").count() == 1
    assert RoundLight.objects.count() >= 4 * 35
    assert SupervisionOrder.objects.filter(level="blue").exists()
    assert SupervisionOrder.objects.exclude(level="blue").exists()
    assert MeetingDecision.objects.exists() and AccountabilityRecord.objects.exists()
    # Each meeting reviews the earlier ones' decisions first (回头看): only the last meeting's
    # are still open, and a reviewed one not carried out says why.
    last = ProgressRound.objects.filter(meeting__isnull=False).order_by("-month").first()
    assert last is not None
    open_ones = MeetingDecision.objects.filter(state="open")
    assert open_ones.exists() and not open_ones.exclude(meeting__round=last).exists()
    not_done = MeetingDecision.objects.filter(state="not_done")
    assert not_done.exists() and all(d.review_note for d in not_done)
    finding = Finding.objects.first()
    assert finding is not None and finding.case is not None
    assert finding.case.channel == Channel.INSPECTION
    closed = Project.objects.get(status="closed")
    assert closed.progress == 100
    assert not closed.milestones.filter(progress__lt=100).exists()  # done means every step
    assert not [p for p in rule_checks() if p.rule == "cadre_livelihood"]
    result = verify_ledger()
    assert not result.breaks and result.others[0][1] == 40
