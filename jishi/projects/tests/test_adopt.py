"""采纳为办实事项目: a survey campaign's suggestion becomes a project on the year's
practical-matters list — once, by the supervision office or a county lead, only when the
year has such a list; the project's first event names the case, and the chain holds."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from jishi.cases import services as cases
from jishi.cases.models import CaseKind, Channel
from jishi.cases.verify import verify_ledger
from jishi.common import clock
from jishi.common.errors import InvalidInput, InvalidTransition, PermissionDenied
from jishi.intake import services as intake
from jishi.intake.models import Campaign, CampaignSuggestion
from jishi.orgs.models import User
from jishi.projects import services
from jishi.projects.models import ListKind, ListLevel, Project, ProjectList, Source
from jishi.projects.tests.test_views import client_for
from jishi.testing.fixtures import County

TZ = ZoneInfo("Asia/Shanghai")
WHEN = dt.datetime(2026, 5, 12, 10, tzinfo=TZ)


@pytest.fixture
def suggestion(county: County, township_handler: User) -> CampaignSuggestion:
    with clock.travel_to(WHEN):
        campaign = Campaign.objects.create(
            name="2026年大调研",
            unit=county.county,
            starts_on=dt.date(2026, 5, 1),
            ends_on=dt.date(2026, 5, 31),
        )
        return intake.campaign_suggest(
            actor=township_handler,
            campaign=campaign,
            text="建议城关镇增设便民停车位，联系电话13812345678",
            township=county.chengguan,
        )


def practical_list(inspector: User, year: int = 2026) -> ProjectList:
    return services.list_create(
        actor=inspector,
        year=year,
        kind=ListKind.PRACTICAL,
        level=ListLevel.COUNTY,
        title=f"{year}年为民办实事项目清单",
    )


def test_a_suggestion_becomes_a_practical_matter_once(
    county: County,
    suggestion: CampaignSuggestion,
    inspector: User,
    county_lead: User,
    dept_handler: User,
) -> None:
    case = suggestion.case
    with clock.travel_to(WHEN):
        # No practical-matters list for the year: a clear refusal, nothing made.
        practical_list(inspector, year=2025)
        with pytest.raises(InvalidInput, match="2026年还没有办实事项目清单"):
            services.project_from_suggestion(
                actor=county_lead, case=case, lead_unit=county.chengguan
            )
        assert not Project.objects.exists()
        lst = practical_list(inspector)
        # Neither a unit's handler …
        with pytest.raises(PermissionDenied):
            services.project_from_suggestion(
                actor=dept_handler, case=case, lead_unit=county.chengguan
            )
        # … nor bad input changes anything.
        with pytest.raises(InvalidInput) as bad:
            services.project_from_suggestion(
                actor=county_lead,
                case=case,
                lead_unit=county.chengguan,
                start_date=dt.date(2026, 9, 1),
                end_date=dt.date(2026, 6, 1),
            )
        assert "end_date" in bad.value.errors and not Project.objects.exists()
        project = services.project_from_suggestion(
            actor=county_lead,
            case=case,
            lead_unit=county.chengguan,
            lead_cadre=county_lead,
            start_date=dt.date(2026, 6, 1),
            end_date=dt.date(2026, 10, 31),
        )
        assert project.project_list == lst and project.source == Source.SUGGESTION
        assert project.source_case == case and project.township == county.chengguan
        assert "13812345678" not in project.title
        created = project.events.get()
        assert created.kind == "created" and created.payload["case"] == case.code
        assert created.payload["via"] == "suggestion" and created.actor == county_lead
        with pytest.raises(InvalidTransition, match="已采纳为办实事项目"):
            services.project_from_suggestion(actor=inspector, case=case, lead_unit=county.chengguan)
    assert Project.objects.count() == 1
    assert not verify_ledger().breaks


def test_only_suggestions_are_adopted(
    county: County, inspector: User, county_lead: User, dept_handler: User
) -> None:
    with clock.travel_to(WHEN):
        practical_list(inspector)
        complaint = cases.case_accept(
            actor=dept_handler,
            kind=CaseKind.COMPLAINT,
            channel=Channel.HOTLINE,
            title="噪音扰民",
            text="夜间施工噪音",
        )
        with pytest.raises(InvalidInput, match="只有群众建议"):
            services.project_from_suggestion(
                actor=county_lead, case=complaint, lead_unit=county.housing
            )
    assert not Project.objects.exists()


def test_the_console_action(
    county: County,
    suggestion: CampaignSuggestion,
    inspector: User,
    township_handler: User,
    county_lead: User,
) -> None:
    url = f"/console/suggestions/{suggestion.pk}/project/"
    office = client_for(inspector)
    with clock.travel_to(WHEN):
        campaign_page = office.get(f"/console/intake/campaigns/{suggestion.campaign_id}/")
        assert url in campaign_page.content.decode()
        # A unit's handler neither sees the action nor may take it.
        theirs = client_for(township_handler)
        page = theirs.get(f"/console/intake/campaigns/{suggestion.campaign_id}/")
        assert url not in page.content.decode()
        assert theirs.get(url).status_code == 403
        assert theirs.post(url, {"title": "x", "lead_unit": county.chengguan.pk}).status_code == 403
        # No list yet: said plainly, no form.
        html = office.get(url).content.decode()
        assert "2026年还没有办实事项目清单" in html and 'id="adopt-form"' not in html
        practical_list(inspector)
        html = office.get(url).content.decode()
        assert 'id="adopt-form"' in html and "13812345678" not in html
        bad = office.post(url, {"title": "", "lead_unit": "999999", "end_date": "明年"})
        assert bad.status_code == 422
        text = bad.content.decode()
        assert "请填写此项" in text and "请选择牵头单位" in text and "日期格式应为" in text
        assert not Project.objects.exists()
        done = office.post(
            url,
            {"title": "城关镇增设便民停车位", "lead_unit": county.chengguan.pk, "goal": "新增车位"},
        )
        assert done.status_code == 302
        project = Project.objects.get()
        assert done["Location"] == f"/console/projects/p/{project.pk}/"
        suggestion.refresh_from_db()
        assert suggestion.adopted and suggestion.adopted_by == inspector
        # Twice: the page shows the project already made, and a second post makes none.
        again = office.post(url, {"title": "再来一次", "lead_unit": county.chengguan.pk})
        assert project.code in again.content.decode() and Project.objects.count() == 1
        shown = client_for(county_lead).get(f"/console/projects/p/{project.pk}/").content.decode()
        assert suggestion.case.code in shown and "群众建议" in shown
