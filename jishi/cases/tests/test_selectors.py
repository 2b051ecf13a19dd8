"""Scoping: each persona sees exactly its cases, and a case outside scope is not found."""

from __future__ import annotations

import pytest

from jishi.cases import services
from jishi.cases.selectors import case_for, cases_visible_to
from jishi.cases.tests import builders
from jishi.common.errors import NotFound
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(county: County, dispatcher):
    """Four cases: one per township, one led by a department, one assisted by it."""
    in_chengguan = builders.accepted(county, title="城关镇的事")
    in_shiqiao = builders.accepted(
        county, title="石桥镇的事", township=county.shiqiao, village=county.shiqiao_village
    )
    led_by_housing = services.case_dispatch(
        actor=dispatcher,
        case=builders.accepted(county, title="住建局主办", township=None, village=None),
        lead_unit=county.housing,
    )
    assisted_by_housing = services.case_dispatch(
        actor=dispatcher,
        case=builders.accepted(
            county, title="交通局主办、住建局协办", township=county.shiqiao, village=None
        ),
        lead_unit=county.transport,
        assisting_units=[county.housing],
    )
    return {
        "chengguan": in_chengguan,
        "shiqiao": in_shiqiao,
        "housing": led_by_housing,
        "assisted": assisted_by_housing,
    }


def titles(user) -> set[str]:
    return set(cases_visible_to(user).values_list("title", flat=True))


def test_township_handler_sees_its_township(ledger, township_handler) -> None:
    assert titles(township_handler) == {"城关镇的事"}


def test_department_handler_sees_lead_and_assisting(ledger, dept_handler) -> None:
    assert titles(dept_handler) == {"住建局主办", "交通局主办、住建局协办"}
    assert cases_visible_to(dept_handler).count() == 2  # no duplicate rows from the join


def test_county_lead_sees_everything(ledger, county_lead) -> None:
    assert len(titles(county_lead)) == 4


def test_other_township_sees_its_own_only(ledger, other_township_handler) -> None:
    assert titles(other_township_handler) == {"石桥镇的事", "交通局主办、住建局协办"}


def test_village_handler_sees_its_village(ledger, village_handler) -> None:
    assert titles(village_handler) == {"城关镇的事"}


def test_stranger_sees_nothing(ledger, stranger) -> None:
    assert titles(stranger) == set()


def test_lookup_outside_scope_is_not_found(ledger, other_township_handler) -> None:
    with pytest.raises(NotFound) as outside:
        case_for(other_township_handler, ledger["chengguan"].code)
    with pytest.raises(NotFound) as missing:
        case_for(other_township_handler, "JA0000-XXXX")
    assert str(outside.value) == str(missing.value)  # same answer: no existence leak
    assert case_for(other_township_handler, ledger["shiqiao"].code.lower()) == ledger["shiqiao"]


def test_search_finds_traditional_and_simplified(county: County, dispatcher) -> None:
    from jishi.cases.selectors import cases_matching

    simplified = builders.accepted(county, title="东街路灯不亮", text="请尽快维修路灯。")
    traditional = builders.accepted(county, title="東街路燈又壞了", text="請儘快維修路燈。")
    other = builders.accepted(county, title="噪音扰民", text="夜间施工噪音大")
    visible = cases_visible_to(dispatcher)
    for query in ["路灯", "路燈", " 维修  路灯 "]:
        assert set(cases_matching(visible, query)) == {simplified, traditional}
    assert set(cases_matching(visible, other.code.lower())) == {other}
    assert cases_matching(visible, "   ").count() == 3


def test_whoever_took_a_case_in_follows_it(county: County, dept_handler, transport_handler):
    taken = builders.accepted(county, intaker=dept_handler, township=None, village=None)
    assert set(cases_visible_to(dept_handler)) == {taken}
    assert case_for(dept_handler, taken.code) == taken
    assert not cases_visible_to(transport_handler).exists()


def test_listed_cases_get_units_and_category_from_memory(
    ledger, county: County, django_assert_num_queries
) -> None:
    from jishi.cases.models import Case, Category
    from jishi.cases.selectors import attach_references

    lights = Category.objects.create(code="lights", name="路灯", owning_unit=county.chengguan)
    Case.objects.filter(pk=ledger["chengguan"].pk).update(category=lights)
    attach_references([])  # fills the tables
    cases = list(Case.objects.order_by("pk"))
    with django_assert_num_queries(0):
        attach_references(cases)
        names = [
            (
                c.township and c.township.name,
                c.village and c.village.name,
                c.lead_unit and c.lead_unit.name,
            )
            for c in cases
        ]
        assert cases[0].category == lights
    assert names == [
        ("城关镇", "东街社区", None),
        ("石桥镇", "石桥村", None),
        (None, None, "县住建局"),
        ("石桥镇", None, "县交通运输局"),
    ]


def test_a_unit_the_tables_lack_is_read_from_the_database(
    ledger, county: County, django_assert_num_queries
) -> None:
    from jishi.cases.models import Case, Category
    from jishi.cases.selectors import attach_references
    from jishi.orgs.models import Unit, UnitKind
    from jishi.testing.fixtures import unit_made_elsewhere

    attach_references([])  # fills the tables; what follows is another process's work
    unit_made_elsewhere("D09", "县新设局", UnitKind.DEPARTMENT, county.county)
    Category.objects.bulk_create([Category(code="new", name="新分类")])
    Case.objects.filter(pk=ledger["housing"].pk).update(
        lead_unit=Unit.objects.get(code="D09"), category=Category.objects.get(code="new")
    )
    case = Case.objects.get(pk=ledger["housing"].pk)
    with django_assert_num_queries(2):
        attach_references([case])
    assert case.lead_unit is not None and case.lead_unit.name == "县新设局"
    assert case.category is not None and case.category.name == "新分类"


def test_fields_a_list_did_not_load_are_left_alone(
    ledger, county: County, django_assert_num_queries
) -> None:
    from jishi.cases.models import Case
    from jishi.cases.selectors import attach_references

    attach_references([])  # fills the tables
    cases = list(Case.objects.only("code", "township").order_by("pk"))
    with django_assert_num_queries(0):
        attach_references(cases)
        assert cases[0].township == county.chengguan
