from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from jishi.cases import services as cases
from jishi.cases.models import Case, CaseKind, Channel, State
from jishi.common.errors import InvalidInput, PermissionDenied
from jishi.intake import selectors, services
from jishi.intake.models import (
    Campaign,
    CampaignSuggestion,
    DutyShift,
    HallOutcome,
    HallProblem,
    Period,
    Visit,
)
from jishi.intake.services import ItemInput
from jishi.orgs.models import Role, User
from jishi.testing.fixtures import County, make_person

pytestmark = pytest.mark.django_db

TWO_ITEMS = [
    ItemInput(CaseKind.REQUEST, "门口路灯坏了两周，晚上看不见路", resolved=False),
    ItemInput(
        CaseKind.INQUIRY, "想问医保缴费截止时间", resolved=True, resolution="当场告知：12月31日前"
    ),
]


def test_visit_with_two_items_one_resolved(county: County, village_lead: User) -> None:
    visit = services.visit_record(
        actor=village_lead,
        household="东街 12 号 王大爷",
        visited_on=services.today(),
        items=TWO_ITEMS,
    )
    items = list(visit.items.select_related("case"))
    assert [i.case.state for i in items] == [State.ACCEPTED, State.CLOSED]
    assert all(i.case.channel == Channel.FIELD_VISIT for i in items)
    assert all(i.case.village_id == county.dongjie.pk for i in items)
    assert all(i.case.township_id == county.chengguan.pk for i in items)
    assert items[1].resolved_on_the_spot and items[1].case.closed_at is not None
    assert visit.unit == county.dongjie
    totals = selectors.visit_totals(village_lead, selectors.visits_visible_to(village_lead))
    assert (totals.households, totals.items, totals.resolved, totals.open) == (1, 2, 1, 1)


def test_township_secretary_places_cases_in_the_township(
    county: County, township_handler: User
) -> None:
    visit = services.visit_record(
        actor=township_handler, household="李家", visited_on=services.today(), items=TWO_ITEMS[:1]
    )
    case = visit.items.get().case
    assert (case.township_id, case.village_id) == (county.chengguan.pk, None)


def test_visit_is_all_or_nothing(county: County, village_lead: User) -> None:
    bad = [*TWO_ITEMS, ItemInput(CaseKind.REQUEST, "x" * 2001)]
    with pytest.raises(InvalidInput) as exc:
        services.visit_record(
            actor=village_lead, household="东街 3 号", visited_on=services.today(), items=bad
        )
    assert "items-2-text" in exc.value.errors
    assert Visit.objects.count() == 0 and Case.objects.count() == 0


def test_visit_rolls_back_when_a_case_service_fails(
    county: County, village_lead: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = cases.case_accept
    calls = []

    def flaky(**kwargs: object) -> Case:
        calls.append(1)
        if len(calls) == 2:
            raise InvalidInput("坏", errors={"title": ["标题有误"]})
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cases, "case_accept", flaky)
    with pytest.raises(InvalidInput) as exc:
        services.visit_record(
            actor=village_lead, household="东街 3 号", visited_on=services.today(), items=TWO_ITEMS
        )
    assert exc.value.errors == {"items-1-title": ["标题有误"]}
    assert Visit.objects.count() == 0 and Case.objects.count() == 0


@pytest.mark.parametrize(
    ("household", "visited_on", "items", "field"),
    [
        ("", 0, TWO_ITEMS, "household"),
        ("x" * 101, 0, TWO_ITEMS, "household"),
        ("王家", 1, TWO_ITEMS, "visited_on"),
        ("王家", -400, TWO_ITEMS, "visited_on"),
        ("王家", 0, [], "items"),
        ("王家", 0, [ItemInput("bogus", "内容")], "items-0-kind"),
        ("王家", 0, [ItemInput(CaseKind.REQUEST, "   ")], "items-0-text"),
        ("王家", 0, [ItemInput(CaseKind.REQUEST, "内容", resolved=True)], "items-0-resolution"),
    ],
)
def test_visit_refuses_bad_input(
    county: County,
    village_lead: User,
    household: str,
    visited_on: int,
    items: list[ItemInput],
    field: str,
) -> None:
    day = services.today() + dt.timedelta(days=visited_on)
    with pytest.raises(InvalidInput) as exc:
        services.visit_record(actor=village_lead, household=household, visited_on=day, items=items)
    assert field in exc.value.errors
    assert Visit.objects.count() == 0


def test_the_household_is_kept_as_written_and_counted_by_its_key(
    county: County, village_lead: User
) -> None:
    first = services.visit_record(
        actor=village_lead, household="东街１２号", visited_on=services.today(), items=TWO_ITEMS[:1]
    )
    services.visit_record(
        actor=village_lead,
        household="东街 12 号",
        visited_on=services.today(),
        items=TWO_ITEMS[:1],
    )
    assert first.household == "东街１２号"
    totals = selectors.visit_totals(village_lead, selectors.visits_visible_to(village_lead))
    assert (totals.households, totals.items) == (1, 2)


WRITTEN = "门口路灯坏了，晚上（8点后）看不见路！请尽快修：谢谢。"


def test_visit_and_hall_text_keep_full_width_punctuation(
    county: County, village_lead: User, director: User, on_duty: DutyShift
) -> None:
    visit = services.visit_record(
        actor=village_lead,
        household="王家",
        visited_on=services.today(),
        items=[ItemInput(CaseKind.REQUEST, WRITTEN, resolved=True, resolution="已修好，谢谢！")],
    )
    case = visit.items.get().case
    assert case.text == WRITTEN and case.title == WRITTEN[:30]
    assert "，" in case.title and "(8点后)" in case.search_text  # only the search key folds
    problem = services.hall_record(
        actor=director,
        hall=county.hall,
        kind=CaseKind.REQUEST,
        text=WRITTEN,
        lead_unit=county.housing,
    )
    assert problem.case.text == WRITTEN


def test_a_visit_item_keeps_a_contact_for_the_callback(
    county: County, village_lead: User, dispatcher: User
) -> None:
    item = ItemInput(
        CaseKind.REQUEST, "门口路灯坏了", contact_name="王大爷", contact_phone="138 1234 5678"
    )
    visit = services.visit_record(
        actor=village_lead, household="王家", visited_on=services.today(), items=[item]
    )
    case = Case.objects.get(pk=visit.items.get().case_id)
    assert (case.citizen_name, case.citizen_phone) == ("王大爷", "13812345678")
    assert case.phone_masked == "138****5678"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT citizen_phone FROM {Case._meta.db_table} WHERE id = %s", [case.pk])
        (stored,) = cursor.fetchone()
    assert stored and "12345678" not in stored  # encrypted at rest
    assert cases.case_reveal_contact(actor=dispatcher, case=case, field="citizen_phone") == (
        "13812345678"
    )
    assert case.events.filter(kind="reveal_contact").count() == 1


def test_a_bad_contact_phone_is_refused_on_its_item(county: County, village_lead: User) -> None:
    items = [TWO_ITEMS[0], ItemInput(CaseKind.REQUEST, "问题", contact_phone="12-34")]
    with pytest.raises(InvalidInput) as exc:
        services.visit_record(
            actor=village_lead, household="王家", visited_on=services.today(), items=items
        )
    assert "items-1-contact_phone" in exc.value.errors
    assert Visit.objects.count() == 0 and Case.objects.count() == 0


def test_a_visit_without_contact_still_records(county: County, village_lead: User) -> None:
    visit = services.visit_record(
        actor=village_lead, household="王家", visited_on=services.today(), items=TWO_ITEMS[:1]
    )
    case = visit.items.get().case
    assert (case.citizen_name, case.citizen_phone) == ("", "")


def test_only_village_or_township_posts_record_visits(
    county: County, dept_handler: User, dispatcher: User
) -> None:
    for user in (dept_handler, dispatcher):
        with pytest.raises(PermissionDenied):
            services.visit_record(
                actor=user, household="王家", visited_on=services.today(), items=TWO_ITEMS
            )


def test_visit_scoping(
    county: County,
    village_lead: User,
    village_handler: User,
    township_handler: User,
    other_township_handler: User,
    county_lead: User,
) -> None:
    services.visit_record(
        actor=village_lead, household="王家", visited_on=services.today(), items=TWO_ITEMS
    )
    assert selectors.visits_visible_to(village_handler).count() == 1  # same village
    assert selectors.visits_visible_to(township_handler).count() == 1  # its township
    assert selectors.visits_visible_to(county_lead).count() == 1
    assert selectors.visits_visible_to(other_township_handler).count() == 0
    log = selectors.visit_log_by_unit(
        township_handler, selectors.visits_visible_to(township_handler)
    )
    assert [(r.label, r.counts.items) for r in log] == [("东街社区", 2)]


# --- hall desk -------------------------------------------------------------------------------


def test_director_on_duty_may_record_and_submits_to_dispatch(
    county: County, director: User, on_duty: DutyShift, dispatcher: User
) -> None:
    problem = services.hall_record(
        actor=director,
        hall=county.hall,
        kind=CaseKind.REQUEST,
        text="办理不动产登记材料被退回三次",
        lead_unit=county.housing,
    )
    assert problem.outcome == HallOutcome.SUBMITTED
    assert problem.case.state == State.ACCEPTED and problem.case.channel == Channel.HALL_DESK
    assert problem.shift == on_duty and problem.suggested_unit == county.housing
    counts = selectors.hall_counts(dispatcher, county.hall)
    assert (counts.raised, counts.resolved, counts.dispatched, counts.closed) == (1, 0, 0, 0)


def test_director_not_on_duty_is_refused(
    county: County, director: User, township_handler: User
) -> None:
    DutyShift.objects.create(
        director=director,
        hall=county.hall,
        date=services.today() + dt.timedelta(days=1),
        period="am",
    )
    for user in (director, township_handler):
        with pytest.raises(PermissionDenied, match="值班"):
            services.hall_record(
                actor=user,
                hall=county.hall,
                kind=CaseKind.REQUEST,
                text="问题",
                resolution="已解决",
            )
    assert HallProblem.objects.count() == 0 and Case.objects.count() == 0


def test_dispatcher_records_resolves_and_dispatches(county: County, dispatcher: User) -> None:
    resolved = services.hall_record(
        actor=dispatcher,
        hall=county.hall,
        kind=CaseKind.INQUIRY,
        text="社保卡补办",
        resolution="已现场补办",
    )
    sent = services.hall_record(
        actor=dispatcher,
        hall=county.hall,
        kind=CaseKind.REQUEST,
        text="公交站台破损",
        lead_unit=county.transport,
    )
    assert resolved.outcome == HallOutcome.RESOLVED and resolved.case.state == State.CLOSED
    assert sent.outcome == HallOutcome.DISPATCHED and sent.case.state == State.DISPATCHED
    assert sent.case.lead_unit == county.transport
    counts = selectors.hall_counts(dispatcher, county.hall)
    assert (counts.raised, counts.resolved, counts.dispatched, counts.closed) == (2, 1, 1, 1)


def test_hall_record_needs_a_resolution_or_a_unit(county: County, dispatcher: User) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.hall_record(actor=dispatcher, hall=county.hall, kind=CaseKind.REQUEST, text="问题")
    assert "lead_unit" in exc.value.errors
    with pytest.raises(InvalidInput):
        services.hall_record(
            actor=dispatcher,
            hall=county.housing,
            kind=CaseKind.REQUEST,
            text="问题",
            resolution="好",
        )


def test_duty_roster_is_kept_by_dispatchers(
    county: County, dispatcher: User, director: User, township_handler: User
) -> None:
    shift = services.duty_shift_add(
        actor=dispatcher, director=director, hall=county.hall, date=services.today(), period="pm"
    )
    assert services.may_record_at_hall(director, county.hall)
    assert shift.director == director
    with pytest.raises(PermissionDenied):
        services.duty_shift_add(
            actor=township_handler,
            director=director,
            hall=county.hall,
            date=services.today(),
            period="am",
        )
    with pytest.raises(InvalidInput):
        services.duty_shift_add(
            actor=dispatcher,
            director=director,
            hall=county.hall,
            date=services.today(),
            period="pm",
        )


def test_the_hall_lead_keeps_the_roster_window_staff_and_directors_do_not(
    county: County, director: User
) -> None:
    hall_lead = make_person("hall_lead", county.hall, Role.UNIT_LEAD)
    window_staff = make_person("window_staff", county.window, Role.HANDLER)
    tomorrow = services.today() + dt.timedelta(days=1)
    shift = services.duty_shift_add(
        actor=hall_lead, director=director, hall=county.hall, date=tomorrow, period="am"
    )
    for outsider in (window_staff, director):
        assert not services.may_keep_roster(outsider, county.hall)
        with pytest.raises(PermissionDenied):
            services.duty_shift_add(
                actor=outsider, director=director, hall=county.hall, date=tomorrow, period="pm"
            )
        with pytest.raises(PermissionDenied):
            services.duty_shift_remove(actor=outsider, shift=shift)
    assert DutyShift.objects.count() == 1
    services.duty_shift_remove(actor=hall_lead, shift=shift)
    assert DutyShift.objects.count() == 0


def test_the_roster_takes_directors_and_dates_to_come(
    county: County, dispatcher: User, director: User, township_handler: User
) -> None:
    yesterday = services.today() - dt.timedelta(days=1)
    with pytest.raises(InvalidInput) as exc:
        services.duty_shift_add(
            actor=dispatcher, director=director, hall=county.hall, date=yesterday, period="am"
        )
    assert "date" in exc.value.errors
    with pytest.raises(InvalidInput) as exc:
        services.duty_shift_add(
            actor=dispatcher,
            director=township_handler,
            hall=county.hall,
            date=services.today(),
            period="am",
        )
    assert "director" in exc.value.errors
    past = DutyShift.objects.create(
        director=director, hall=county.hall, date=yesterday, period=Period.MORNING
    )
    with pytest.raises(InvalidInput):
        services.duty_shift_remove(actor=dispatcher, shift=past)
    assert DutyShift.objects.filter(pk=past.pk).exists()


def test_window_staff_cannot_record_at_the_hall_desk(county: County) -> None:
    window_staff = make_person("window_staff", county.window, Role.HANDLER)
    assert not services.may_record_at_hall(window_staff, county.hall)
    with pytest.raises(PermissionDenied):
        services.hall_record(
            actor=window_staff,
            hall=county.hall,
            kind=CaseKind.REQUEST,
            text="问题",
            lead_unit=county.housing,
        )


def test_campaign_period_is_enforced(
    county: County, campaign: Campaign, dept_handler: User
) -> None:
    link = services.campaign_suggest(actor=dept_handler, campaign=campaign, text="延长大厅午间服务")
    assert link.case.kind == CaseKind.SUGGESTION and link.case.channel == Channel.SURVEY
    campaign.ends_on = services.today() - dt.timedelta(days=1)
    campaign.save()
    with pytest.raises(InvalidInput, match="征集期") as exc:
        services.campaign_suggest(actor=dept_handler, campaign=campaign, text="再提一条")
    assert "今天不在征集期内" in exc.value.errors["__all__"][0]
    future = Campaign.objects.create(
        name="明年调研",
        unit=county.county,
        starts_on=services.today() + dt.timedelta(days=1),
        ends_on=services.today() + dt.timedelta(days=5),
    )
    with pytest.raises(InvalidInput):
        services.campaign_suggest(actor=dept_handler, campaign=future, text="建议")
    assert CampaignSuggestion.objects.count() == 1


def test_adopted_and_done_counts(
    county: County, campaign: Campaign, dispatcher: User, county_lead: User, township_handler: User
) -> None:
    first = services.campaign_suggest(
        actor=township_handler,
        campaign=campaign,
        text="建议城关镇增设便民停车位",
        township=county.chengguan,
    )
    services.campaign_suggest(actor=township_handler, campaign=campaign, text="建议增加夜间公交")
    adopted = services.campaign_adopt(actor=county_lead, suggestion=first, note="列入明年计划")
    assert adopted.adopted and adopted.adopted_by == county_lead
    assert first.case.events.filter(kind="note").count() == 1
    with pytest.raises(InvalidInput):
        services.campaign_adopt(actor=county_lead, suggestion=first)
    # Carried through to a practical matter done: dispatched, replied, called back, closed.
    case = cases.case_dispatch(actor=dispatcher, case=first.case, lead_unit=county.chengguan)
    case = cases.case_acknowledge(actor=township_handler, case=case)
    case = cases.case_reply(actor=township_handler, case=case, text="已增设 40 个停车位")
    case = cases.case_callback(actor=dispatcher, case=case, resolved=True, satisfaction=5)
    assert case.state == State.CLOSED
    counts = selectors.campaign_counts(county_lead, campaign)
    assert (counts.gathered, counts.adopted, counts.done) == (2, 1, 1)


def test_adopting_needs_a_post_in_the_owning_unit(
    county: County, campaign: Campaign, dept_handler: User
) -> None:
    link = services.campaign_suggest(actor=dept_handler, campaign=campaign, text="建议")
    with pytest.raises(PermissionDenied):
        services.campaign_adopt(actor=dept_handler, suggestion=link)
    link.refresh_from_db()
    assert not link.adopted
