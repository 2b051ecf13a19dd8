"""The demo county: its scale, a handler on every unit, exact paths, logins, determinism."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.auth import authenticate

from jishi.common.errors import Conflict
from jishi.demo.orgdata import (
    CATEGORIES,
    CATEGORY_OWNERS,
    DEMO_PASSWORD,
    DEPARTMENTS,
    DemoOrg,
    build_demo_org,
    leaf_categories,
    plan_demo_org,
)
from jishi.orgs.models import Post, Role, Unit, UnitChange, UnitKind, User
from jishi.orgs.selectors import scope_of


@pytest.fixture
def demo(db: None) -> DemoOrg:
    return build_demo_org(seed=7)


def test_the_plan_has_a_real_countys_scale():
    plan = plan_demo_org()
    kinds = Counter(u.kind for u in plan.units)
    assert kinds[UnitKind.COUNTY] == 1
    assert kinds[UnitKind.TOWNSHIP] == 19
    assert 330 <= kinds[UnitKind.VILLAGE] <= 350
    assert kinds[UnitKind.DEPARTMENT] >= 30
    assert kinds[UnitKind.HALL] == 1 and kinds[UnitKind.WINDOW] >= 15
    townships = [u.name for u in plan.of_kind(UnitKind.TOWNSHIP)]
    assert {"城关镇", "河口镇", "青山乡"} <= set(townships)
    assert any(n.endswith("乡") for n in townships) and any(n.endswith("街道") for n in townships)
    # Spread unevenly, as real townships are.
    per_township = Counter(u.parent for u in plan.of_kind(UnitKind.VILLAGE))
    assert max(per_township.values()) >= 2 * min(per_township.values())
    names = [u.name for u in plan.of_kind(UnitKind.VILLAGE)]
    assert len(set(names)) == len(names)
    assert sum(n.endswith("社区") for n in names) >= 20
    codes = [u.code for u in plan.units]
    assert len(set(codes)) == len(codes)


def test_the_plan_is_deterministic_for_a_seed():
    assert plan_demo_org(seed=3) == plan_demo_org(seed=3)
    assert plan_demo_org(seed=3).people != plan_demo_org(seed=4).people


def test_every_township_village_department_and_window_has_a_handler(demo: DemoOrg):
    handled = set(Post.objects.filter(role=Role.HANDLER).values_list("unit_id", flat=True))
    for kind in (UnitKind.TOWNSHIP, UnitKind.VILLAGE, UnitKind.DEPARTMENT, UnitKind.WINDOW):
        units = Unit.objects.filter(kind=kind)
        assert units.exists()
        assert not units.exclude(id__in=handled).exists(), kind
    led = set(Post.objects.filter(role=Role.UNIT_LEAD).values_list("unit_id", flat=True))
    for kind in (UnitKind.TOWNSHIP, UnitKind.DEPARTMENT):
        assert not Unit.objects.filter(kind=kind).exclude(id__in=led).exists(), kind
    roles = Counter(Post.objects.values_list("role", flat=True))
    assert roles[Role.DISPATCHER] >= 2 and roles[Role.COUNTY_LEAD] >= 2
    assert roles[Role.INSPECTOR] >= 2 and roles[Role.ADMIN] == 1


def test_paths_are_exactly_what_save_computes(demo: DemoOrg):
    units = {u.pk: u for u in Unit.objects.all()}
    for unit in units.values():
        parent_path = units[unit.parent_id].path if unit.parent_id else "/"
        assert unit.path == f"{parent_path}{unit.pk}/"
        assert unit.depth == unit.path.count("/") - 2
    village = Unit.objects.get(name="新华社区")
    before = (village.path, village.depth)
    village.save()
    village.refresh_from_db()
    assert (village.path, village.depth) == before
    assert village.name_traditional == "新華社區"
    assert village.township() == Unit.objects.get(name="城关镇")
    assert UnitChange.objects.filter(action="create").count() == Unit.objects.count()


def test_demo_logins_work_and_nobody_else_has_a_password(demo: DemoOrg):
    usernames = {login.username for login in demo.logins}
    assert {"admin", "dispatcher", "lead", "inspector", "chengguan", "zhujian"} <= usernames
    for login in demo.logins:
        assert login.password == DEMO_PASSWORD
        assert authenticate(username=login.username, password=DEMO_PASSWORD) is not None
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    others = User.objects.exclude(username__in=usernames)
    assert others.count() > 400
    assert not any(u.has_usable_password() for u in others)


def test_demo_logins_see_what_their_posts_allow(demo: DemoOrg):
    chengguan = User.objects.get(username="chengguan")
    scope = scope_of(chengguan)
    assert Unit.objects.get(name="新华社区").pk in scope.unit_ids
    assert Unit.objects.get(name="河口镇").pk not in scope.unit_ids
    assert scope_of(User.objects.get(username="dispatcher")).county_wide
    zhujian = User.objects.get(username="zhujian")
    assert scope_of(zhujian).unit_ids == {Unit.objects.get(name="县住房和城乡建设局").pk}


def test_it_builds_only_into_an_empty_database(demo: DemoOrg):
    with pytest.raises(Conflict):
        build_demo_org(seed=7)


def test_categories_are_a_two_level_tree_owned_by_departments():
    department_codes = {code for code, *_ in DEPARTMENTS}
    assert 55 <= len(CATEGORIES) <= 75
    tops = {c.code for c in CATEGORIES if not c.parent}
    assert all(c.parent in tops for c in leaf_categories())
    assert all(any(c.parent == top for c in CATEGORIES) for top in tops)
    assert all(owner in department_codes for _name, owner in CATEGORY_OWNERS)
    names = {name for name, _owner in CATEGORY_OWNERS}
    assert {"城乡建设", "物业管理", "道路维修", "工资拖欠", "养老保险", "环境保护"} <= names
