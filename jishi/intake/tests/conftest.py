from __future__ import annotations

import datetime as dt

import pytest

from jishi.intake import services
from jishi.intake.models import Campaign, DutyShift, Period
from jishi.orgs.models import Role, User
from jishi.testing.fixtures import County, make_person


@pytest.fixture
def village_lead(county: County) -> User:
    """东街社区's secretary (a unit lead posted in the village)."""
    return make_person("dj_secretary", county.dongjie, Role.UNIT_LEAD)


@pytest.fixture
def director(county: County) -> User:
    """The housing bureau's director, rostered at the service hall."""
    return make_person("zj_director", county.housing, Role.UNIT_LEAD)


@pytest.fixture
def on_duty(director: User, county: County) -> DutyShift:
    return DutyShift.objects.create(
        director=director, hall=county.hall, date=services.today(), period=Period.MORNING
    )


@pytest.fixture
def campaign(county: County) -> Campaign:
    today = services.today()
    return Campaign.objects.create(
        name="优化营商环境大调研",
        description="听取企业和群众意见",
        unit=county.county,
        starts_on=today - dt.timedelta(days=3),
        ends_on=today + dt.timedelta(days=10),
    )
