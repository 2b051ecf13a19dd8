"""A small county every test can stand on, and the personas that work in it.

Tree::

    测试县 (county)
    ├─ 县住建局 (department)      ├─ 县交通运输局 (department)   ├─ 县督查室 (department)
    ├─ 城关镇 (township) ─ 东街社区, 西街社区 (villages)
    ├─ 石桥镇 (township) ─ 石桥村 (village)
    └─ 县政务服务中心 (hall) ─ 1号窗口 (window)

Personas: ``township_handler`` (城关镇), ``village_handler`` (东街社区), ``dept_handler``
(县住建局), ``other_township_handler`` (石桥镇), ``unit_lead`` (城关镇), ``dispatcher``,
``county_lead``, ``inspector`` (county-wide) and ``stranger`` (no post).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from jishi.orgs.models import Post, Role, Unit, UnitKind, User


@dataclass
class County:
    county: Unit
    housing: Unit
    transport: Unit
    supervision: Unit
    chengguan: Unit
    dongjie: Unit
    xijie: Unit
    shiqiao: Unit
    shiqiao_village: Unit
    hall: Unit
    window: Unit


def make_unit(code: str, name: str, kind: str, parent: Unit | None) -> Unit:
    unit = Unit(code=code, name=name, kind=kind, parent=parent)
    unit.save()
    return unit


def unit_made_elsewhere(code: str, name: str, kind: str, parent: Unit) -> Unit:
    """A unit as another worker process creates it: in the database, but no signal of its
    saving reaches this process (so in-memory tables here do not know it yet)."""
    Unit.objects.bulk_create(
        [Unit(code=code, name=name, kind=kind, parent=parent, path=f"{parent.path}{code}/")]
    )
    return Unit.objects.get(code=code)


def build_county() -> County:
    county = make_unit("C", "测试县", UnitKind.COUNTY, None)
    chengguan = make_unit("T01", "城关镇", UnitKind.TOWNSHIP, county)
    shiqiao = make_unit("T02", "石桥镇", UnitKind.TOWNSHIP, county)
    hall = make_unit("H", "县政务服务中心", UnitKind.HALL, county)
    return County(
        county=county,
        housing=make_unit("D01", "县住建局", UnitKind.DEPARTMENT, county),
        transport=make_unit("D02", "县交通运输局", UnitKind.DEPARTMENT, county),
        supervision=make_unit("D03", "县督查室", UnitKind.DEPARTMENT, county),
        chengguan=chengguan,
        dongjie=make_unit("V0101", "东街社区", UnitKind.VILLAGE, chengguan),
        xijie=make_unit("V0102", "西街社区", UnitKind.VILLAGE, chengguan),
        shiqiao=shiqiao,
        shiqiao_village=make_unit("V0201", "石桥村", UnitKind.VILLAGE, shiqiao),
        hall=hall,
        window=make_unit("W01", "1号窗口", UnitKind.WINDOW, hall),
    )


def make_person(username: str, unit: Unit | None = None, role: str | None = None) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username)
    user.full_name = username
    user.save(update_fields=["full_name"])
    if unit is not None and role is not None:
        Post.objects.create(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def county(db: None) -> County:
    return build_county()


@pytest.fixture
def township_handler(county: County) -> User:
    return make_person("cg_handler", county.chengguan, Role.HANDLER)


@pytest.fixture
def village_handler(county: County) -> User:
    return make_person("dj_handler", county.dongjie, Role.HANDLER)


@pytest.fixture
def other_township_handler(county: County) -> User:
    return make_person("sq_handler", county.shiqiao, Role.HANDLER)


@pytest.fixture
def dept_handler(county: County) -> User:
    return make_person("zj_handler", county.housing, Role.HANDLER)


@pytest.fixture
def transport_handler(county: County) -> User:
    return make_person("jt_handler", county.transport, Role.HANDLER)


@pytest.fixture
def unit_lead(county: County) -> User:
    return make_person("cg_lead", county.chengguan, Role.UNIT_LEAD)


@pytest.fixture
def dispatcher(county: County) -> User:
    return make_person("dispatcher", county.county, Role.DISPATCHER)


@pytest.fixture
def county_lead(county: County) -> User:
    return make_person("county_lead", county.county, Role.COUNTY_LEAD)


@pytest.fixture
def inspector(county: County) -> User:
    return make_person("inspector", county.supervision, Role.INSPECTOR)


@pytest.fixture
def stranger(db: None) -> User:
    return make_person("stranger")


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    """What a process keeps between requests must not leak from one test into the next.
    Rolled-back test transactions send no delete signals, so the in-process caches of
    configuration tables start empty; so do the cache (rate-limit counters, the hotspot
    page's "refresh requested" marker), the loaded router models and the segmenter's words."""
    from django.core.cache import cache

    from jishi.common.snapshots import forget_all
    from jishi.routing import lexicon
    from jishi.routing import selectors as router
    from jishi.workdays.selectors import invalidate_calendar

    forget_all()
    # A calendar cached after a test's captured on-commit hooks would otherwise be served,
    # for the few seconds before its revision is checked again, to the next test.
    invalidate_calendar()
    cache.clear()
    router.clear_loaded_models()
    lexicon.invalidate()


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """A request through LocaleMiddleware leaves its language active in the test's thread
    (e.g. zh-hant from the language cookie); the next test on the same worker starts in the
    site's own language, as a new request would."""
    from django.conf import settings
    from django.utils import translation

    yield
    translation.activate(settings.LANGUAGE_CODE)
