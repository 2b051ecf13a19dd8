"""The demo county's outreach: made through the services, nothing after "now"."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from jishi.cases.models import Case, Channel
from jishi.cases.verify import verify_ledger
from jishi.common import clock
from jishi.demo.orgdata import build_demo_org
from jishi.demo.outreach import seed_outreach
from jishi.orgs.models import Post, Role
from jishi.outreach import selectors
from jishi.outreach.models import Branch, BranchMember, CheckIn, Talk

STORY_NOW = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.mark.django_db
def test_the_demo_county_talks_and_checks_in() -> None:
    build_demo_org(seed=7)
    lead = Post.objects.filter(role=Role.COUNTY_LEAD).first()
    assert lead is not None
    with clock.travel_to(STORY_NOW):
        made = seed_outreach(seed=3, talks=12)
        assert made > 100
        assert seed_outreach(seed=3) == 0  # once only
        year = (STORY_NOW.date().replace(month=1, day=1), STORY_NOW.date())
        figures = selectors.outreach_figures(lead.user, year)
    assert Talk.objects.count() == 16
    assert not CheckIn.objects.filter(created_at__gt=STORY_NOW).exists()
    assert CheckIn.objects.filter(channel="remote").exists()
    assert CheckIn.objects.filter(member__isnull=False).exists()
    assert Case.objects.filter(channel=Channel.OUTREACH).exists()
    assert Branch.objects.exists()
    # Some members attended nothing: their secretaries have names to follow up.
    assert BranchMember.objects.filter(checkins__isnull=True).exists()
    # The demo's community login keeps a branch: it signs in as a branch secretary.
    assert Branch.objects.filter(secretary__username="xinhua", unit__name="新华社区").exists()
    assert figures.talks == 12 and figures.person_times >= made - 12 * 3
    assert figures.people <= figures.person_times
    assert verify_ledger(stop_at_first=False).breaks == []
