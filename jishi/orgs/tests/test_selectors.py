from jishi.orgs.selectors import scope_of
from jishi.orgs.services import unit_update
from jishi.testing.fixtures import County


def test_township_handler_scope_covers_its_villages_only(county: County, township_handler):
    scope = scope_of(township_handler)
    assert not scope.county_wide
    assert scope.unit_ids == {county.chengguan.id, county.dongjie.id, county.xijie.id}


def test_dispatcher_is_county_wide(dispatcher):
    assert scope_of(dispatcher).county_wide


def test_stranger_sees_nothing(stranger):
    assert scope_of(stranger).empty


def test_moving_a_unit_moves_its_subtree(county: County):
    unit_update(actor=None, unit=county.chengguan, parent=county.hall)
    county.dongjie.refresh_from_db()
    assert county.dongjie.is_within(county.hall)
    assert county.chengguan.changes.filter(action="move").count() == 1


def test_traditional_name_is_derived(county: County):
    assert county.chengguan.name_traditional == "城關鎮"
