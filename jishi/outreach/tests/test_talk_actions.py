"""The organiser's heavier actions on a talk: retiring its code (after a confirmation) and
striking out a bogus check-in (kept, with who and why, and no longer counted)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jishi.common import clock
from jishi.orgs.models import Role, User
from jishi.outreach import selectors, services, tokens
from jishi.outreach.models import Branch, CheckIn, CheckInChannel, Talk
from jishi.outreach.tests.conftest import YEAR_2026, at
from jishi.testing.fixtures import County, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_talk(county: County) -> Talk:
    """A talk of a county department held in 城关镇: the township's posts see it, and only
    the department keeps it."""
    return services.talk_create(
        actor=make_person("zj_organiser", county.housing, Role.HANDLER),
        data=services.TalkInput(
            title="住房政策进社区",
            speaker="住建局",
            setting="community",
            organiser=county.housing,
            starts_at=at(9),
            ends_at=at(11),
            place="东街社区",
            township=county.chengguan,
            remote=True,
        ),
    )


def on_site(talk: Talk) -> str:
    return reverse(
        "outreach_public:checkin", args=[tokens.checkin_token(talk.pk, talk.checkin_key)]
    )


def test_changing_the_code_asks_first(client: Client, talk: Talk, organiser: User) -> None:
    client.force_login(organiser)
    old_poster = on_site(talk)
    url = reverse("outreach:talk_reissue", args=[talk.pk])
    page = client.get(reverse("outreach:talk", args=[talk.pk])).content.decode()
    assert f'href="{url}"' in page  # a link to the confirmation, not a one-click form
    confirm = client.get(url).content.decode()
    assert "已经打印、张贴的签到海报" in confirm and 'name="confirm"' in confirm
    unticked = client.post(url, {})
    assert unticked.status_code == 422 and "请勾选确认后再更换" in unticked.content.decode()
    talk.refresh_from_db()
    with clock.travel_to(at(14)):
        assert client.get(old_poster).status_code == 200  # still works
    assert client.post(url, {"confirm": "1"}).status_code == 302
    with clock.travel_to(at(14)):
        assert client.get(old_poster).status_code == 410


def test_changing_the_remote_link_asks_first(client: Client, talk: Talk, organiser: User) -> None:
    client.force_login(organiser)
    url = reverse("outreach:talk_reissue", args=[talk.pk])
    key = talk.remote_key
    assert "已经发给流动党员的远程签到链接" in client.get(url, {"remote": "1"}).content.decode()
    assert client.post(url, {"remote": "1"}).status_code == 422
    talk.refresh_from_db()
    assert talk.remote_key == key
    assert client.post(url, {"remote": "1", "confirm": "1"}).status_code == 302
    talk.refresh_from_db()
    assert talk.remote_key != key and talk.checkin_key  # the on-site code is untouched


def test_only_the_organiser_changes_the_code(
    client: Client, county_talk: Talk, organiser: User, other_township_handler: User
) -> None:
    key = county_talk.checkin_key
    url = reverse("outreach:talk_reissue", args=[county_talk.pk])
    client.force_login(organiser)  # sees the talk held in 城关镇, does not keep it
    assert client.get(url).status_code == 403
    assert client.post(url, {"confirm": "1"}).status_code == 403
    client.force_login(other_township_handler)
    assert client.post(url, {"confirm": "1"}).status_code == 404
    county_talk.refresh_from_db()
    assert county_talk.checkin_key == key


def test_a_bogus_check_in_is_struck_out_and_stops_counting(
    client: Client, talk: Talk, organiser: User, dispatcher: User
) -> None:
    with clock.travel_to(at(14)):
        services.checkin_record(talk=talk, name="王芳", device_key="a")
        prank = services.checkin_record(talk=talk, name="奥特曼", device_key="b").checkin
    client.force_login(organiser)
    url = reverse("outreach:checkin_strike", args=[talk.pk, prank.pk])
    with clock.travel_to(at(18)):
        before = selectors.outreach_figures(dispatcher, YEAR_2026)
        assert client.post(url, {"reason": "恶作剧"}).status_code == 302
        again = client.post(url, {"reason": "再划一次"})
        after = selectors.outreach_figures(dispatcher, YEAR_2026)
        page = client.get(reverse("outreach:talk", args=[talk.pk])).content.decode()
    assert again.status_code == 302
    prank.refresh_from_db()
    assert (prank.struck_by, prank.struck_reason) == (organiser, "恶作剧")  # the first stands
    assert CheckIn.objects.filter(talk=talk).count() == 2  # kept, not deleted
    assert (after.person_times, after.people) == (before.person_times - 1, before.people - 1)
    assert selectors.attendance_of(talk).named == 1
    assert "已划除：恶作剧（cg_organiser，" in page and "<s>奥特曼</s>" in page
    assert "签到名单（1）" in page


def test_striking_needs_a_reason_and_the_organiser(
    client: Client, talk: Talk, county_talk: Talk, organiser: User
) -> None:
    with clock.travel_to(at(14)):
        mine = services.checkin_record(talk=talk, name="王芳", device_key="a").checkin
    with clock.travel_to(at(10)):
        theirs = services.checkin_record(talk=county_talk, name="赵强", device_key="b").checkin
    client.force_login(organiser)
    url = reverse("outreach:checkin_strike", args=[talk.pk, mine.pk])
    for reason, message in (("", "请写明划除的原因"), ("x" * 201, "最多 200 字，现有 201 字")):
        response = client.post(url, {"reason": reason})
        assert response.status_code == 422
        assert message in response.content.decode()
    # A check-in of another talk is not reached through this one.
    wrong = reverse("outreach:checkin_strike", args=[talk.pk, theirs.pk])
    assert client.post(wrong, {"reason": "x"}).status_code == 404
    # The county department's talk: seen by the township, struck only by its organiser.
    other = reverse("outreach:checkin_strike", args=[county_talk.pk, theirs.pk])
    assert client.post(other, {"reason": "x"}).status_code == 403
    assert not CheckIn.objects.filter(struck_at__isnull=False).exists()


def test_a_talk_with_only_struck_check_ins_can_be_cancelled(
    client: Client, talk: Talk, organiser: User
) -> None:
    with clock.travel_to(at(14)):
        prank = services.checkin_record(talk=talk, name="奥特曼", device_key="b").checkin
        real = services.checkin_record(talk=talk, name="王芳", device_key="a").checkin
    with pytest.raises(services.InvalidInput):
        services.talk_cancel(actor=organiser, talk=talk)
    services.checkin_strike(actor=organiser, checkin=prank, reason="恶作剧")
    with pytest.raises(services.InvalidInput):
        services.talk_cancel(actor=organiser, talk=talk)  # 王芳 still counts
    services.checkin_strike(actor=organiser, checkin=real, reason="测试扫码")
    client.force_login(organiser)
    response = client.post(reverse("outreach:talk_cancel", args=[talk.pk]))
    assert response.status_code == 302
    talk.refresh_from_db()
    assert talk.cancelled and CheckIn.objects.filter(talk=talk).count() == 2


def test_a_struck_prank_in_a_real_name_does_not_take_that_persons_place(
    talk: Talk, organiser: User, branch: Branch, dispatcher: User
) -> None:
    """A prankster checks in as 王芳 of 东街社区党支部 and is struck out; the real 王芳 then
    scans (twice, as people do) and counts once, as herself."""
    with clock.travel_to(at(14)):
        prank = services.checkin_record(
            talk=talk, name="王芳", unit_text="东街社区党支部", device_key="prank"
        ).checkin
    services.checkin_strike(actor=organiser, checkin=prank, reason="冒名")
    with clock.travel_to(at(14, 30)):
        real = services.checkin_record(
            talk=talk, name="王芳", unit_text="东街社区党支部", device_key="real"
        )
        again = services.checkin_record(
            talk=talk, name="王 芳", unit_text="东街社区（党支部）", device_key="real"
        )
        third = services.checkin_record(
            talk=talk, name="王芳", unit_text="东街社区党支部", device_key="another"
        )
    assert real.created and real.checkin.pk != prank.pk and real.checkin.struck_at is None
    assert real.checkin.member == branch.members.get(name="王芳")
    assert (again.created, again.checkin.pk) == (False, real.checkin.pk)
    assert (third.created, third.checkin.pk) == (False, real.checkin.pk)
    assert CheckIn.objects.counted().filter(talk=talk).count() == 1
    assert CheckIn.objects.filter(talk=talk).count() == 2  # the prank stays, struck
    with clock.travel_to(at(18)):
        assert selectors.outreach_figures(dispatcher, YEAR_2026).person_times == 1


def test_a_struck_check_in_from_a_phone_does_not_block_that_phone(
    talk: Talk, organiser: User
) -> None:
    """The same name from the same phone is one person, but only while the first counts: a
    test scan struck out by the organiser lets the phone's owner check in for real."""
    with clock.travel_to(at(14)):
        test_scan = services.checkin_record(talk=talk, name="王芳", device_key="a").checkin
    services.checkin_strike(actor=organiser, checkin=test_scan, reason="测试扫码")
    with clock.travel_to(at(14, 30)):
        real = services.checkin_record(talk=talk, name="王芳", unit_text="东街", device_key="a")
        again = services.checkin_record(talk=talk, name="王芳", device_key="a")
    assert real.created and (again.created, again.checkin.pk) == (False, real.checkin.pk)
    assert CheckIn.objects.counted().filter(talk=talk).count() == 1


def test_a_member_whose_only_check_in_was_struck_can_be_marked(
    talk: Talk, organiser: User, branch: Branch
) -> None:
    wang = branch.members.get(name="王芳")
    with clock.travel_to(at(14)):
        prank = services.checkin_record(
            talk=talk, name="王芳", unit_text="东街社区党支部", device_key="prank"
        ).checkin
    assert prank.member == wang
    services.checkin_strike(actor=organiser, checkin=prank, reason="冒名")
    with clock.travel_to(at(18)):
        marked = services.attendance_mark(actor=organiser, member=wang, talk=talk, note="到场")
        again = services.attendance_mark(actor=organiser, member=wang, talk=talk, note="再记")
    assert marked.pk != prank.pk and marked.channel == CheckInChannel.MARKED
    assert again.pk == marked.pk
    assert list(CheckIn.objects.counted().filter(talk=talk)) == [marked]
    assert selectors.attendance_of(talk).named == 1
