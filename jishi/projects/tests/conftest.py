from __future__ import annotations

import datetime as dt

import pytest

from jishi.orgs.models import Role, User
from jishi.projects import services
from jishi.projects.models import ListKind, ListLevel, Project, ProjectList
from jishi.testing.fixtures import County, make_person


@pytest.fixture
def housing_lead(county: County) -> User:
    """The head of 县住建局: confirms its projects' completion."""
    return make_person("zj_lead", county.housing, Role.UNIT_LEAD)


@pytest.fixture
def livelihood_list(county: County, inspector: User) -> ProjectList:
    return services.list_create(
        actor=inspector,
        year=2026,
        kind=ListKind.LIVELIHOOD,
        level=ListLevel.COUNTY,
        title="2026年县级民生实事项目清单",
    )


def milestones() -> list[services.MilestoneInput]:
    return [
        services.MilestoneInput("立项", dt.date(2026, 3, 31), 20),
        services.MilestoneInput("开工", dt.date(2026, 6, 30), 30),
        services.MilestoneInput("竣工", dt.date(2026, 11, 30), 50),
    ]


@pytest.fixture
def project(
    county: County, inspector: User, county_lead: User, livelihood_list: ProjectList
) -> Project:
    """A housing project led by the county lead, from January to December 2026."""
    return services.project_create(
        actor=inspector,
        project_list=livelihood_list,
        title="老旧小区改造",
        lead_unit=county.housing,
        lead_cadre=county_lead,
        cooperating_units=[county.transport],
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        township=county.chengguan,
        budget="1200",
        source="work_report",
        milestones=milestones(),
    )
