from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from jishi.common import clock
from jishi.outreach import services, tokens
from jishi.outreach.models import CheckIn, Talk
from jishi.outreach.tests.conftest import at
from jishi.testing.ugly_inputs import TEXTS

pytestmark = pytest.mark.django_db


def url(talk: Talk) -> str:
    return reverse(
        "outreach_public:checkin", args=[tokens.checkin_token(talk.pk, talk.checkin_key)]
    )


def test_page_is_light_and_needs_no_script(client: Client, talk: Talk) -> None:
    with clock.travel_to(at(14)):
        response = client.get(url(talk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<script" not in page
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    weight = len(response.content) + sum(
        Path(str(finders.find(a.removeprefix("/static/")))).stat().st_size for a in assets
    )
    assert weight < 30 * 1024, weight
    assert "党的创新理论进社区" in page and "红军长征纪念馆" in page
    assert "jishi_attendee" in response.cookies


def test_check_in_twice_from_one_phone(client: Client, talk: Talk) -> None:
    with clock.travel_to(at(14)):
        first = client.post(url(talk), {"name": "王芳", "unit_text": "东街社区党支部"})
        second = client.post(url(talk), {"name": "王芳", "unit_text": "东街社区党支部"})
        anon = client.post(url(talk), {"action": "anonymous"})
        anon_again = client.post(url(talk), {"action": "anonymous"})
    assert "签到成功" in first.content.decode()
    assert "您已签到过" in second.content.decode()
    assert "签到成功" in anon.content.decode() and "您已签到过" in anon_again.content.decode()
    assert CheckIn.objects.count() == 2


def test_the_same_phone_with_another_unit_text_is_already_checked_in(
    client: Client, talk: Talk
) -> None:
    with clock.travel_to(at(14)):
        first = client.post(url(talk), {"name": "王芳", "unit_text": "东街社区党支部"})
        second = client.post(url(talk), {"name": "王　芳", "unit_text": "東街支部"})
    assert "签到成功" in first.content.decode()
    assert "您已签到过" in second.content.decode()
    assert CheckIn.objects.count() == 1


def test_after_the_window(client: Client, talk: Talk) -> None:
    with clock.travel_to(at(17)):
        shown = client.get(url(talk))
        posted = client.post(url(talk), {"name": "王芳"})
    assert (
        "签到已结束" in shown.content.decode() and 'name="unit_text"' not in shown.content.decode()
    )
    assert posted.status_code == 409 and "签到已结束" in posted.content.decode()
    assert not CheckIn.objects.exists()


def test_revoked_and_forged(client: Client, talk: Talk) -> None:
    old = url(talk)
    Talk.objects.filter(pk=talk.pk).update(checkin_key="new")
    with clock.travel_to(at(14)):
        revoked = client.post(old, {"name": "王芳"})
        forged = client.get(old[:-3] + "zz/")
    assert revoked.status_code == 410 and "此签到码已失效" in revoked.content.decode()
    assert forged.status_code == 404 and "签到码无效" in forged.content.decode()
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize("ugly", TEXTS, ids=[u.name for u in TEXTS])
@pytest.mark.parametrize("field", ["name", "unit_text"])
def test_ugly_input(client: Client, talk: Talk, ugly: object, field: str) -> None:
    value = ugly.value  # type: ignore[attr-defined]
    data = {"name": "王芳", "unit_text": ""}
    data[field] = value
    with clock.travel_to(at(14)):
        response = client.post(url(talk), data)
    assert response.status_code in (200, 422)
    stored = CheckIn.objects.first()
    if response.status_code == 422:
        assert stored is None
    else:
        assert stored is not None
        assert "\x00" not in stored.name + stored.unit_text
        assert "\u202e" not in stored.name + stored.unit_text


def test_public_pages(client: Client, talk: Talk) -> None:
    with clock.travel_to(at(9)):
        talks = client.get(reverse("outreach_public:talks"))
    sites = client.get(reverse("outreach_public:sites"))
    site = client.get(reverse("outreach_public:site", args=[talk.site_id]))
    assert "党的创新理论进社区" in talks.content.decode()
    assert "红军长征纪念馆" in sites.content.decode()
    assert "周二至周日" in site.content.decode()
    assert client.get(reverse("outreach_public:site", args=[999])).status_code == 404


def test_remote_link_page(client: Client, talk: Talk) -> None:
    remote = reverse("outreach_public:remote", args=[tokens.remote_token(talk.pk, talk.remote_key)])
    later = at(20, day=talk.starts_at.date() + timedelta(days=3))
    with clock.travel_to(later):
        assert "签到已结束" in client.get(url(talk)).content.decode()
        page = client.get(remote).content.decode()
        assert "流动党员远程参学" in page
        done = client.post(remote, {"name": "钱敏", "unit_text": "东街社区党支部"})
    assert "签到成功" in done.content.decode()
    assert CheckIn.objects.get().channel == "remote"
    # The on-site code does not open the remote page, nor the other way round.
    on_site_token = tokens.checkin_token(talk.pk, talk.checkin_key)
    assert client.get(reverse("outreach_public:remote", args=[on_site_token])).status_code == 404


def test_an_address_over_its_limit_gets_429_and_nothing_is_stored(
    client: Client, talk: Talk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "PER_ADDRESS_FLOOR", 2)
    Talk.objects.filter(pk=talk.pk).update(expected_size=None, site=None, place="礼堂")
    talk.refresh_from_db()
    with clock.travel_to(at(14)):
        for name in ("甲", "乙"):
            assert client.post(url(talk), {"name": name}).status_code == 200
        refused = client.post(url(talk), {"name": "丙"})
    assert refused.status_code == 429 and "签到过于频繁" in refused.content.decode()
    assert CheckIn.objects.count() == 2


def test_remote_members_see_the_recording_and_the_materials(client: Client, talk: Talk) -> None:
    Talk.objects.filter(pk=talk.pk).update(
        recording_url="https://video.example.cn/talk/1?a=1&b=2", materials="第一讲：初心使命"
    )
    talk.refresh_from_db()
    remote = reverse("outreach_public:remote", args=[tokens.remote_token(talk.pk, talk.remote_key)])
    later = at(20, day=talk.starts_at.date() + timedelta(days=3))
    with clock.travel_to(later):
        page = client.get(remote).content.decode()
        assert 'href="https://video.example.cn/talk/1?a=1&amp;b=2"' in page
        assert 'rel="noopener noreferrer"' in page and "第一讲：初心使命" in page
        done = client.post(remote, {"name": "钱敏"}).content.decode()
        assert "video.example.cn" in done  # still there after checking in
        # The on-site page is for the room: no recording, no need to watch it again.
        assert "video.example.cn" not in client.get(url(talk)).content.decode()
    # A retired remote link shows nothing of the talk.
    services.talk_code_reissue(actor=talk.created_by, talk=talk, remote=True)  # type: ignore[arg-type]
    with clock.travel_to(later):
        gone = client.get(remote)
    assert gone.status_code == 410 and "video.example.cn" not in gone.content.decode()


def test_a_remote_page_without_a_recording_says_so(client: Client, talk: Talk) -> None:
    remote = reverse("outreach_public:remote", args=[tokens.remote_token(talk.pk, talk.remote_key)])
    with clock.travel_to(at(15)):
        page = client.get(remote).content.decode()
    assert "主办单位尚未上传录像或材料" in page
