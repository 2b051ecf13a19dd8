"""Sites (宣讲阵地): who may keep which site, through the console's form."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jishi.orgs.models import User
from jishi.outreach import services
from jishi.outreach.models import Site
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db


def site_post(county: County, township: object, **overrides: str) -> dict[str, str]:
    data = {
        "name": "红军长征纪念馆",
        "kind": "heritage",
        "township": str(township),
        "capacity": "200",
        "active": "on",
    }
    data.update(overrides)
    return data


def test_a_township_may_not_take_another_townships_site(
    client: Client, site: Site, county: County, other_township_handler: User
) -> None:
    """The bug this guards against: the township typed into the form was the only one asked,
    so 石桥镇 could move 城关镇's site to itself and keep it."""
    client.force_login(other_township_handler)
    url = reverse("outreach:site_edit", args=[site.pk])
    assert client.get(url).status_code == 403
    taken = client.post(url, site_post(county, county.shiqiao.pk, name="改名"))
    assert taken.status_code == 403
    site.refresh_from_db()
    assert (site.township, site.name) == (county.chengguan, "红军长征纪念馆")
    with pytest.raises(services.PermissionDenied):
        services.site_save(
            actor=other_township_handler,
            site=site,
            name="改名",
            kind="heritage",
            township=county.shiqiao,
        )


def test_a_township_may_not_give_its_site_away(
    client: Client, site: Site, county: County, organiser: User
) -> None:
    """The other half: the owner may edit its site, but not hand it to another township (that
    township's own posts, or the county, do that)."""
    client.force_login(organiser)
    url = reverse("outreach:site_edit", args=[site.pk])
    assert client.get(url).status_code == 200
    kept = client.post(url, site_post(county, county.chengguan.pk, name="长征纪念馆"))
    assert kept.status_code == 302
    site.refresh_from_db()
    assert site.name == "长征纪念馆"
    moved = client.post(url, site_post(county, county.shiqiao.pk))
    assert moved.status_code == 403
    site.refresh_from_db()
    assert site.township == county.chengguan


def test_the_county_may_move_a_site(
    client: Client, site: Site, county: County, dispatcher: User
) -> None:
    client.force_login(dispatcher)
    url = reverse("outreach:site_edit", args=[site.pk])
    moved = client.post(url, site_post(county, county.shiqiao.pk))
    assert moved.status_code == 302
    site.refresh_from_db()
    assert site.township == county.shiqiao and site.village is None


def test_bad_input_on_a_site_changes_nothing(
    client: Client, site: Site, county: County, organiser: User
) -> None:
    client.force_login(organiser)
    url = reverse("outreach:site_edit", args=[site.pk])
    bad = client.post(
        url,
        site_post(
            county,
            county.chengguan.pk,
            name="",
            opening_hours="x" * 101,
        ),
    )
    assert bad.status_code == 422
    page = bad.content.decode()
    assert "请填写名称" in page
    assert "最多 100 字，现有 101 字" in page
    # The service's rule, once the form's own are met.
    wrong = client.post(
        url, site_post(county, county.chengguan.pk, village=str(county.shiqiao_village.pk))
    )
    assert wrong.status_code == 422
    assert "该村(社区)不属于所选乡镇" in wrong.content.decode()
    site.refresh_from_db()
    assert site.name == "红军长征纪念馆"
