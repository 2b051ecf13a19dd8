from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jishi.cases.models import Case, CaseKind, State
from jishi.common import clock
from jishi.intake import services
from jishi.intake.models import Campaign, CampaignSuggestion, DutyShift, HallProblem, Visit
from jishi.orgs.models import Role, User
from jishi.testing.fixtures import County, make_person

pytestmark = pytest.mark.django_db


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def visit_post(**overrides: Any) -> dict[str, Any]:
    data = {
        "household": "东街 12 号 王大爷",
        "visited_on": services.today().isoformat(),
        "items-TOTAL_FORMS": "2",
        "items-INITIAL_FORMS": "0",
        "items-MIN_NUM_FORMS": "1",
        "items-MAX_NUM_FORMS": "20",
        "items-0-kind": "request",
        "items-0-text": "门口路灯坏了两周",
        "items-1-kind": "inquiry",
        "items-1-text": "想问医保缴费截止时间",
        "items-1-resolved": "on",
        "items-1-resolution": "当场告知：12月31日前",
    }
    data.update(overrides)
    return data


def test_pages_need_a_login(client: Client, county: County) -> None:
    for name in ("intake:index", "intake:visit_log", "intake:visit_new", "intake:hall"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_index_lists_the_three_tools(county: County, village_lead: User) -> None:
    response = client_for(village_lead).get(reverse("intake:index"))
    text = response.content.decode()
    assert response.status_code == 200
    for label in ("百名书记访万家", "局长进政务大厅", "大调研、广纳谏", "登记走访"):
        assert label in text
    assert reverse("intake:index") in text  # the console nav entry


def test_visit_form_records_and_redirects(county: County, village_lead: User) -> None:
    client = client_for(village_lead)
    assert client.get(reverse("intake:visit_new")).status_code == 200
    response = client.post(reverse("intake:visit_new"), visit_post())
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.items.count() == 2
    log = client.get(response["Location"])
    text = log.content.decode()
    assert 'data-stat="households">1<' in text
    assert 'data-stat="items">2<' in text
    assert 'data-stat="resolved">1<' in text
    assert 'data-stat="open">1<' in text


def test_htmx_submission_redirects_with_a_header(county: County, village_lead: User) -> None:
    response = client_for(village_lead).post(
        reverse("intake:visit_new"), visit_post(), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204 and response["HX-Redirect"].startswith("/console/intake/")


def test_a_removed_row_is_skipped(county: County, village_lead: User) -> None:
    data = visit_post(**{"items-TOTAL_FORMS": "3"})
    data.update({"items-2-kind": "request", "items-2-text": "第三项"})
    del data["items-1-kind"], data["items-1-text"], data["items-1-resolved"]
    del data["items-1-resolution"]
    response = client_for(village_lead).post(reverse("intake:visit_new"), data)
    assert response.status_code == 302
    assert [i.case.text for i in Visit.objects.get().items.all()] == ["门口路灯坏了两周", "第三项"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"household": ""}, "请填写走访户"),
        ({"household": "户" * 101}, "最多"),
        ({"items-0-text": ""}, "请填写群众反映的内容"),
        ({"items-0-text": "长" * 2001}, "最多"),
        ({"items-1-resolution": ""}, "已勾选当场解决，请填写解决情况"),
        ({"visited_on": (clock.today() + dt.timedelta(days=3)).isoformat()}, "不能晚于今天"),
        ({"visited_on": "昨天"}, "日期格式"),
        ({"items-0-kind": "bogus"}, "选择"),
    ],
)
def test_visit_form_refuses_bad_input(
    county: County, village_lead: User, overrides: dict[str, str], message: str
) -> None:
    response = client_for(village_lead).post(
        reverse("intake:visit_new"), visit_post(**overrides), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Visit.objects.count() == 0 and Case.objects.count() == 0


def test_visit_form_with_no_items(county: County, village_lead: User) -> None:
    data = visit_post(**{"items-TOTAL_FORMS": "0"})
    response = client_for(village_lead).post(reverse("intake:visit_new"), data)
    assert "请至少登记一项" in response.content.decode()
    assert Visit.objects.count() == 0


def test_full_width_digits_and_traditional_text(county: County, village_lead: User) -> None:
    data = visit_post(
        household="東街１２號",
        visited_on="２０２６-０１-０５" if services.today() >= dt.date(2026, 1, 5) else "",
        **{"items-0-text": "門口路燈壞了"},
    )
    if not data["visited_on"]:
        data["visited_on"] = services.today().isoformat()
    response = client_for(village_lead).post(reverse("intake:visit_new"), data)
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert visit.household == "東街１２號"  # as written; counted by its key
    assert visit.household_key == "东街12号"
    case = visit.items.first().case  # type: ignore[union-attr]
    assert case.text == "門口路燈壞了" and "门口路灯坏了" in case.search_text


def test_visit_form_is_refused_to_a_department_post(county: County, dept_handler: User) -> None:
    client = client_for(dept_handler)
    response = client.get(reverse("intake:visit_new"))
    assert response.status_code == 403
    assert "只有在村(社区)或乡镇任职的干部可以登记走访" in response.content.decode()
    assert client.post(reverse("intake:visit_new"), visit_post()).status_code == 403
    assert Visit.objects.count() == 0


def test_item_row_fragment_bumps_the_count(county: County, village_lead: User) -> None:
    response = client_for(village_lead).get(
        reverse("intake:visit_item"), {"items-TOTAL_FORMS": "2"}
    )
    text = response.content.decode()
    assert 'name="items-2-text"' in text and 'value="3"' in text and "hx-swap-oob" in text
    limit = client_for(village_lead).get(reverse("intake:visit_item"), {"items-TOTAL_FORMS": "20"})
    assert "最多" in limit.content.decode()


def test_visit_log_scoping_and_queries(
    county: County,
    village_lead: User,
    other_township_handler: User,
    county_lead: User,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(5):
        services.visit_record(
            actor=village_lead,
            household=f"东街 {n} 号",
            visited_on=services.today(),
            items=[services.ItemInput(CaseKind.REQUEST, f"问题 {n}")],
        )
    client = client_for(county_lead)
    client.get(reverse("intake:visit_log"))
    with django_assert_max_num_queries(16):
        response = client.get(reverse("intake:visit_log"))
    assert 'data-stat="households">5<' in response.content.decode()
    other = client_for(other_township_handler).get(reverse("intake:visit_log"))
    assert 'data-stat="households">0<' in other.content.decode()
    assert "东街 1 号" not in other.content.decode()


# --- hall desk -------------------------------------------------------------------------------


def hall_post(county: County, **overrides: Any) -> dict[str, Any]:
    data = {
        "hall": str(county.hall.pk),
        "kind": "request",
        "text": "办理不动产登记材料被退回三次",
        "citizen_name": "张女士",
        "citizen_phone": "１３８１２３４５６７８",
        "resolution": "",
        "lead_unit": str(county.housing.pk),
    }
    data.update(overrides)
    return data


def test_hall_page_shows_the_week_and_the_form_to_the_director_on_duty(
    county: County, director: User, on_duty: DutyShift
) -> None:
    response = client_for(director).get(reverse("intake:hall"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "本周值班表" in text and "zj_director" in text and 'name="text"' in text


def test_hall_page_tells_others_they_are_not_on_duty(
    county: County, township_handler: User
) -> None:
    response = client_for(township_handler).get(reverse("intake:hall"))
    assert "今天不是您在县政务服务中心值班" in response.content.decode()
    refused = client_for(township_handler).post(reverse("intake:hall_record"), hall_post(county))
    assert refused.status_code == 403 and "值班" in refused.content.decode()
    assert HallProblem.objects.count() == 0


def test_director_submits_to_the_dispatch_centre(
    county: County, director: User, on_duty: DutyShift
) -> None:
    client = client_for(director)
    response = client.post(reverse("intake:hall_record"), hall_post(county), follow=True)
    assert "已提交派单中心" in response.content.decode()
    problem = HallProblem.objects.get()
    assert problem.case.state == State.ACCEPTED
    assert problem.case.phone_masked.startswith("138")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"text": ""}, "请填写群众反映的问题"),
        ({"text": "长" * 2001}, "最多"),
        ({"lead_unit": ""}, "请填写当场解决情况，或选择承办单位"),
        ({"citizen_phone": "12"}, "电话号码"),
    ],
)
def test_hall_form_refuses_bad_input(
    county: County, dispatcher: User, overrides: dict[str, str], message: str
) -> None:
    response = client_for(dispatcher).post(
        reverse("intake:hall_record"), hall_post(county, **overrides), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and message in response.content.decode()
    assert Case.objects.count() == 0


# --- campaigns -------------------------------------------------------------------------------


def test_campaign_pages_and_suggestion(
    county: County, campaign: Campaign, county_lead: User
) -> None:
    client = client_for(county_lead)
    assert campaign.name in client.get(reverse("intake:campaigns")).content.decode()
    response = client.post(
        reverse("intake:campaign_suggest", args=[campaign.pk]),
        {"text": "建議延長政務大廳午間服務", "citizen_name": "刘先生"},
        follow=True,
    )
    text = response.content.decode()
    assert "建议已登记" in text and 'data-stat="gathered">1<' in text
    link = CampaignSuggestion.objects.get()
    response = client.post(reverse("intake:suggestion_adopt", args=[link.pk]), follow=True)
    assert 'data-stat="adopted">1<' in response.content.decode()


def test_campaign_refuses_outside_the_period_and_bad_text(
    county: County, campaign: Campaign, county_lead: User
) -> None:
    client = client_for(county_lead)
    url = reverse("intake:campaign_suggest", args=[campaign.pk])
    assert "请填写建议内容" in client.post(url, {"text": " "}).content.decode()
    assert "最多" in client.post(url, {"text": "长" * 2001}).content.decode()
    campaign.starts_on = campaign.ends_on = services.today() - dt.timedelta(days=1)
    campaign.save()
    page = client.get(reverse("intake:campaign", args=[campaign.pk])).content.decode()
    assert "今天不在征集期内" in page
    assert "今天不在征集期内" in client.post(url, {"text": "建议"}).content.decode()
    assert CampaignSuggestion.objects.count() == 0


def test_adopt_is_refused_without_a_post_in_the_owning_unit(
    county: County, campaign: Campaign, township_handler: User
) -> None:
    link = services.campaign_suggest(
        actor=township_handler, campaign=campaign, text="建议", township=county.chengguan
    )
    response = client_for(township_handler).post(reverse("intake:suggestion_adopt", args=[link.pk]))
    assert response.status_code == 403
    link.refresh_from_db()
    assert not link.adopted


def test_director_sees_what_they_recorded_and_closes_on_the_spot(
    county: County, director: User, on_duty: DutyShift, django_assert_max_num_queries: Any
) -> None:
    client = client_for(director)
    client.post(reverse("intake:hall_record"), hall_post(county))
    # Whoever took a case in follows it, so the director on duty may also close one there.
    client.post(
        reverse("intake:hall_record"),
        hall_post(county, resolution="当场解释了材料要求", lead_unit=""),
        HTTP_HX_REQUEST="true",
    )
    closed = Case.objects.filter(channel="hall_desk", state="closed")
    assert closed.count() == 1 and closed.get().created_by == director
    with django_assert_max_num_queries(20):
        page = client.get(reverse("intake:hall"))
    text = page.content.decode()
    assert 'data-stat="raised">2<' in text and "建议派往县住建局" in text


def test_campaign_list_counts_in_a_fixed_number_of_queries(
    county: County, campaign: Campaign, county_lead: User, django_assert_max_num_queries: Any
) -> None:
    for n in range(3):
        other = Campaign.objects.create(
            name=f"调研 {n}",
            unit=county.county,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
        )
        services.campaign_suggest(actor=county_lead, campaign=other, text=f"建议 {n}")
    client = client_for(county_lead)
    client.get(reverse("intake:campaigns"))
    with django_assert_max_num_queries(12):
        response = client.get(reverse("intake:campaigns"))
    assert response.content.decode().count("收集建议 1 条") == 3


def test_the_visit_form_takes_a_contact_and_the_log_masks_it(
    county: County, village_lead: User
) -> None:
    client = client_for(village_lead)
    assert (
        'name="items-0-contact_phone"' in client.get(reverse("intake:visit_new")).content.decode()
    )
    data = visit_post(**{"items-0-contact_name": "王大爷", "items-0-contact_phone": "13812345678"})
    assert client.post(reverse("intake:visit_new"), data).status_code == 302
    log = client.get(reverse("intake:visit_log")).content.decode()
    assert "王大爷" in log and "138****5678" in log and "13812345678" not in log


def test_the_hall_lead_edits_the_roster_in_the_console(county: County, director: User) -> None:
    hall_lead = make_person("hall_lead", county.hall, Role.UNIT_LEAD)
    client = client_for(hall_lead)
    page = client.get(reverse("intake:hall")).content.decode()
    assert "加入值班表" in page and 'name="director"' in page
    day = services.today() + dt.timedelta(days=1)
    data = {
        "hall": county.hall.pk,
        "director": director.pk,
        "date": day.isoformat(),
        "period": "am",
    }
    assert client.post(reverse("intake:roster_add"), data).status_code == 302
    shift = DutyShift.objects.get()
    assert (shift.director, shift.date, shift.period) == (director, day, "am")
    refused = client.post(reverse("intake:roster_add"), data)
    assert refused.status_code == 400 and "该时段已有人值班" in refused.content.decode()
    assert client.post(reverse("intake:roster_remove", args=[shift.pk])).status_code == 302
    assert not DutyShift.objects.exists()


def test_window_staff_see_who_records_and_cannot_edit_the_roster(
    county: County, director: User, on_duty: DutyShift
) -> None:
    window_staff = make_person("window_staff", county.window, Role.HANDLER)
    client = client_for(window_staff)
    page = client.get(reverse("intake:hall")).content.decode()
    assert "加入值班表" not in page and 'name="text"' not in page
    assert "只有今日值班局长" in page and "今日值班：zj_director" in page
    data = {
        "hall": county.hall.pk,
        "director": director.pk,
        "date": services.today().isoformat(),
        "period": "pm",
    }
    assert client.post(reverse("intake:roster_add"), data).status_code == 403
    assert client.post(reverse("intake:roster_remove", args=[on_duty.pk])).status_code == 403
    assert DutyShift.objects.count() == 1
