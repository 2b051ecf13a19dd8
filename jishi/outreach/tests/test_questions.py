"""A question raised at a talk becomes a case placed in its village."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jishi.cases.models import Case, Channel
from jishi.common import clock
from jishi.orgs.models import Role, User
from jishi.outreach import services
from jishi.outreach.models import Talk
from jishi.outreach.tests.conftest import at
from jishi.testing.fixtures import County, make_person

pytestmark = pytest.mark.django_db


def place_talk(organiser: User, county: County, **kw: object) -> Talk:
    return services.talk_create(
        actor=organiser,
        data=services.TalkInput(
            title="惠民政策进农村",
            speaker="王老师",
            setting="village",
            organiser=kw.pop("organiser_unit", county.chengguan),  # type: ignore[arg-type]
            starts_at=at(9),
            ends_at=at(11),
            place="文化广场",
            **kw,  # type: ignore[arg-type]
        ),
    )


def ask(client: Client, talk: Talk, **extra: str) -> Any:
    return client.post(
        reverse("outreach:question_add", args=[talk.pk]),
        {"kind": "request", "text": "村口路灯坏了三个月", **extra},
    )


def test_a_question_at_a_place_is_placed_in_the_chosen_village(
    client: Client, organiser: User, county: County
) -> None:
    talk = place_talk(organiser, county, township=county.chengguan)
    client.force_login(organiser)
    with clock.travel_to(at(10)):
        page = client.get(reverse("outreach:talk", args=[talk.pk])).content.decode()
        assert 'name="village"' in page
        response = ask(client, talk, village=str(county.xijie.pk))
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.channel, case.township, case.village) == (
        Channel.OUTREACH,
        county.chengguan,
        county.xijie,
    )


def test_a_village_gives_the_township_when_the_talk_has_none(
    client: Client, county: County, dispatcher: User
) -> None:
    talk = place_talk(dispatcher, county, organiser_unit=county.county)
    assert talk.township is None
    client.force_login(dispatcher)
    with clock.travel_to(at(10)):
        assert ask(client, talk, village=str(county.shiqiao_village.pk)).status_code == 302
    case = Case.objects.get()
    assert (case.township, case.village) == (county.shiqiao, county.shiqiao_village)


def test_a_village_of_another_township_or_no_village_is_refused(
    client: Client, organiser: User, county: County
) -> None:
    talk = place_talk(organiser, county, township=county.chengguan)
    client.force_login(organiser)
    with clock.travel_to(at(10)):
        wrong = ask(client, talk, village=str(county.shiqiao_village.pk))
        township = ask(client, talk, village=str(county.chengguan.pk))
        made_up = ask(client, talk, village="99999")
    assert wrong.status_code == 422
    assert "请选择本乡镇的村(社区)" in wrong.content.decode()
    for response in (township, made_up):
        assert response.status_code == 422
        assert "请选择村(社区)" in response.content.decode()
    assert not Case.objects.exists()


def test_at_a_site_with_a_village_the_sites_village_stands(
    client: Client, talk: Talk, organiser: User, county: County
) -> None:
    client.force_login(organiser)
    with clock.travel_to(at(15)):
        page = client.get(reverse("outreach:talk", args=[talk.pk])).content.decode()
        assert 'name="village"' not in page
        assert ask(client, talk, village=str(county.xijie.pk)).status_code == 302
    assert Case.objects.get().village == county.dongjie


def test_only_the_organiser_records_questions(client: Client, county: County) -> None:
    talk = place_talk(
        make_person("zj", county.housing, Role.HANDLER),
        county,
        organiser_unit=county.housing,
        township=county.chengguan,
    )
    client.force_login(make_person("cg", county.chengguan, Role.HANDLER))  # sees, may not keep
    with clock.travel_to(at(10)):
        assert ask(client, talk, village=str(county.xijie.pk)).status_code == 403
    assert not Case.objects.exists()
