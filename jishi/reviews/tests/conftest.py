from __future__ import annotations

import pytest

from jishi.orgs.models import Role, User
from jishi.reviews import services, tokens
from jishi.reviews.models import ReviewPolicy, ServiceItem, ServicePoint
from jishi.testing.fixtures import County, make_person


@pytest.fixture
def review_policy(county: County) -> ReviewPolicy:
    """The county's settings: 县督查室 is the supervision office."""
    return ReviewPolicy.objects.create(supervision_unit=county.supervision)


@pytest.fixture
def point(review_policy: ReviewPolicy, county: County) -> ServicePoint:
    """1号窗口 of the county hall, answerable to the hall, doing two housing services."""
    point = ServicePoint.objects.create(unit=county.window, owner=county.hall, qr_key="k1")
    point.items.set(
        [
            ServiceItem.objects.create(
                code="ZJ-001", name="商品房预售许可", owning_unit=county.housing
            ),
            ServiceItem.objects.create(
                code="ZJ-002", name="物业服务备案", owning_unit=county.housing
            ),
        ]
    )
    return point


@pytest.fixture
def window_clerk(county: County) -> User:
    """A handler posted at 1号窗口: on duty there, and the one who fixes its bad ratings."""
    return make_person("w1_clerk", county.window, Role.HANDLER)


@pytest.fixture
def hall_lead(county: County) -> User:
    return make_person("hall_lead", county.hall, Role.UNIT_LEAD)


@pytest.fixture
def supervisor(county: County) -> User:
    """A handler of 县督查室: the supervision office, not county-wide."""
    return make_person("dc_handler", county.supervision, Role.HANDLER)


@pytest.fixture
def device() -> str:
    return tokens.device_key(tokens.new_device_id())


def bad(point: ServicePoint, device: str, **kwargs: object) -> object:
    values: dict[str, object] = {
        "point": point,
        "level": 1,
        "reasons": ["attitude", "slow"],
        "comment": "等了一个小时，工作人员态度冷淡",
        "phone": "13812345678",
        "device_key": device,
    }
    values.update(kwargs)
    return services.rating_submit(**values)  # type: ignore[arg-type]
