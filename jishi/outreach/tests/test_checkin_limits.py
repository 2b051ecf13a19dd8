"""The brake per address: a hall's shared wireless network must not stop a crowd."""

from __future__ import annotations

import pytest

from jishi.common import clock
from jishi.orgs.models import User
from jishi.outreach import services
from jishi.outreach.models import CheckIn, Site, Talk
from jishi.outreach.tests.conftest import at
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db


def hall_talk(organiser: User, county: County, **kw: object) -> Talk:
    return services.talk_create(
        actor=organiser,
        data=services.TalkInput(
            title="全县党员大会宣讲",
            speaker="县委宣讲团",
            setting="office",
            organiser=county.chengguan,
            starts_at=at(14),
            ends_at=at(16),
            place="县大礼堂",
            **kw,  # type: ignore[arg-type]
        ),
    )


def test_the_301st_person_on_a_halls_wifi_checks_in(organiser: User, county: County) -> None:
    """Imported talks often have no expected size: the brake must still let a full hall in."""
    talk = hall_talk(organiser, county)
    assert talk.expected_size is None
    with clock.travel_to(at(14)):
        for n in range(301):
            services.checkin_record(
                talk=talk, name=f"党员{n}", device_key=f"phone-{n}", address="10.1.1.1"
            )
    assert CheckIn.objects.filter(talk=talk).count() == 301


def test_the_limit_grows_with_the_talk_and_its_site(
    organiser: User, county: County, site: Site
) -> None:
    assert services.per_address_limit(hall_talk(organiser, county)) == 1000
    assert services.per_address_limit(hall_talk(organiser, county, expected_size=800)) == 2400
    Site.objects.filter(pk=site.pk).update(capacity=1500)
    site.refresh_from_db()
    at_site = hall_talk(organiser, county, site=site, expected_size=100)
    assert services.per_address_limit(at_site) == 4500


def test_over_the_limit_is_refused_and_counted_per_talk(
    organiser: User, county: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "PER_ADDRESS_FLOOR", 3)
    first, second = hall_talk(organiser, county), hall_talk(organiser, county)
    with clock.travel_to(at(14)):
        for n in range(3):
            services.checkin_record(talk=first, name=f"甲{n}", device_key=f"a{n}", address="x")
        with pytest.raises(services.TooFrequent):
            services.checkin_record(talk=first, name="甲9", device_key="a9", address="x")
        # The next room on the same network has its own allowance.
        services.checkin_record(talk=second, name="乙", device_key="b", address="x")
    assert CheckIn.objects.filter(talk=first).count() == 3
    assert CheckIn.objects.filter(talk=second).count() == 1
