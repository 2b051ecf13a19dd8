from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from jishi.orgs.models import Role, User
from jishi.outreach import services
from jishi.outreach.models import Branch, BranchMember, Series, Site, SiteKind, Talk
from jishi.testing.fixtures import County, make_person

# A fixed afternoon: the talk runs 14:00–16:00 on it.
DAY = dt.date(2026, 11, 10)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def organiser(county: County) -> User:
    """A handler of 城关镇, who organises the township's talks."""
    return make_person("cg_organiser", county.chengguan, Role.HANDLER)


@pytest.fixture
def site(county: County) -> Site:
    return Site.objects.create(
        name="红军长征纪念馆",
        kind=SiteKind.HERITAGE,
        township=county.chengguan,
        village=county.dongjie,
        address="东街 1 号",
        capacity=200,
        opening_hours="周二至周日 9:00-17:00",
    )


@pytest.fixture
def series(db: None) -> Series:
    return Series.objects.create(name="六讲六进", themes=["讲党的创新理论", "讲惠民政策"])


@pytest.fixture
def talk(county: County, organiser: User, site: Site, series: Series) -> Talk:
    return services.talk_create(
        actor=organiser,
        data=services.TalkInput(
            title="党的创新理论进社区",
            speaker="李老师",
            setting="community",
            organiser=county.chengguan,
            starts_at=at(14),
            ends_at=at(16),
            series=series,
            theme="讲党的创新理论",
            site=site,
            audience="社区党员群众",
            expected_size=80,
            remote=True,
        ),
    )


@pytest.fixture
def branch(county: County) -> Branch:
    branch = Branch.objects.create(name="东街社区党支部", unit=county.dongjie)
    for name, hardship, remote in (
        ("王芳", False, False),
        ("赵强", True, False),
        ("钱敏", False, True),
    ):
        BranchMember.objects.create(
            branch=branch,
            name=name,
            name_key=services.name_key(name),
            hardship=hardship,
            remote=remote,
        )
    return branch


# The year of ``DAY``, as the figures take a period.
YEAR_2026 = (dt.date(2026, 1, 1), dt.date(2027, 1, 1))
