from __future__ import annotations

import datetime as dt

import pytest

from jishi.cases.models import Channel
from jishi.common import clock
from jishi.common.errors import InvalidInput, PermissionDenied
from jishi.orgs.models import User
from jishi.outreach import selectors, services, tokens
from jishi.outreach.models import CheckIn, Talk
from jishi.outreach.tests.conftest import at
from jishi.testing.fixtures import County

pytestmark = pytest.mark.django_db


def checkin(talk: Talk, **kwargs: object) -> services.CheckInResult:
    values: dict[str, object] = {"talk": talk, "name": "王芳", "device_key": "dev-1"}
    values.update(kwargs)
    return services.checkin_record(**values)  # type: ignore[arg-type]


def test_check_in_within_the_window_once_per_person(talk: Talk) -> None:
    with clock.travel_to(at(13, 40)):
        first = checkin(talk)
        again = checkin(talk, name=" 王芳 ", device_key="dev-2")
        other = checkin(talk, name="赵强")
        anon = checkin(talk, anonymous=True, device_key="dev-3")
        anon_again = checkin(talk, anonymous=True, device_key="dev-3")
    assert first.created and not again.created and again.checkin == first.checkin
    assert other.created and anon.created and not anon_again.created
    attendance = selectors.attendance_of(talk)
    assert (attendance.named, attendance.anonymous, attendance.total) == (2, 1, 3)


@pytest.mark.parametrize(
    ("moment", "words"),
    [(at(13, 29), "签到尚未开始"), (at(16, 31), "签到已结束")],
)
def test_outside_the_window_is_refused_and_nothing_stored(
    talk: Talk, moment: dt.datetime, words: str
) -> None:
    with clock.travel_to(moment), pytest.raises(services.OutsideWindow) as exc:
        checkin(talk)
    assert words in exc.value.message
    assert not CheckIn.objects.exists()


def test_the_window_edges_are_inside(talk: Talk) -> None:
    with clock.travel_to(at(13, 30)):
        assert checkin(talk).created
    with clock.travel_to(at(16, 30)):
        assert checkin(talk, name="赵强").created


def test_remote_link_has_its_own_window(talk: Talk) -> None:
    later = at(10, day=dt.date(2026, 11, 14))
    with clock.travel_to(later):
        with pytest.raises(services.OutsideWindow):
            checkin(talk)
        result = checkin(talk, channel="remote", name="钱敏")
    assert result.checkin.channel == "remote"
    with clock.travel_to(at(10, day=dt.date(2026, 11, 18))), pytest.raises(services.OutsideWindow):
        checkin(talk, channel="remote", name="孙丽")


def test_revoked_code_is_refused(talk: Talk, organiser: User) -> None:
    old = tokens.checkin_token(talk.pk, talk.checkin_key)
    assert services.talk_for_code(old) == talk
    talk = services.talk_code_reissue(actor=organiser, talk=talk)
    with pytest.raises(tokens.BadCode) as exc:
        services.talk_for_code(old)
    assert exc.value.revoked
    assert services.talk_for_code(tokens.checkin_token(talk.pk, talk.checkin_key)) == talk
    with pytest.raises(tokens.BadCode) as forged:
        services.talk_for_code(old[:-2] + "xx")
    assert not forged.value.revoked
    # The remote link is a different code: the on-site one does not open it.
    with pytest.raises(tokens.BadCode):
        services.talk_for_code(old, remote=True)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "\u200b\u202e"}, "name"),
        ({"name": "王" * 33}, "name"),
        ({"unit_text": "支" * 65}, "unit_text"),
        ({"anonymous": True, "device_key": ""}, "__all__"),
    ],
)
def test_bad_check_in_input(talk: Talk, kwargs: dict[str, object], field: str) -> None:
    with clock.travel_to(at(14)), pytest.raises(InvalidInput) as exc:
        checkin(talk, **kwargs)
    assert field in exc.value.errors
    assert not CheckIn.objects.exists()


def test_per_device_limit(talk: Talk) -> None:
    with clock.travel_to(at(14)):
        for i in range(services.PER_DEVICE.limit):
            checkin(talk, name=f"家人{i}")
        with pytest.raises(services.TooFrequent):
            checkin(talk, name="再一位")
    assert CheckIn.objects.count() == services.PER_DEVICE.limit


def test_member_matched_by_branch_or_township(talk: Talk, branch: object) -> None:
    with clock.travel_to(at(14)):
        by_branch = checkin(talk, name="王芳", unit_text="东街社区党支部").checkin
        by_place = checkin(talk, name="赵强", device_key="d2").checkin
        stranger = checkin(talk, name="路人甲", device_key="d3").checkin
    assert by_branch.member is not None and by_branch.member.name == "王芳"
    assert by_place.member is not None and by_place.member.hardship
    assert stranger.member is None


def test_head_count(talk: Talk, organiser: User, other_township_handler: User) -> None:
    with clock.travel_to(at(15)):
        with pytest.raises(PermissionDenied):
            services.head_count_set(actor=other_township_handler, talk=talk, count=5)
        for bad in ("-1", "abc", "100001", "", None):
            with pytest.raises(InvalidInput):
                services.head_count_set(actor=organiser, talk=talk, count=bad)
        talk = services.head_count_set(actor=organiser, talk=talk, count="12")
    assert talk.head_count == 12
    assert selectors.attendance_of(talk).total == 12


def test_talk_rules(county: County, organiser: User, other_township_handler: User) -> None:
    good = services.TalkInput(
        title="讲惠民政策",
        speaker="张三",
        setting="village",
        organiser=county.chengguan,
        starts_at=at(9),
        ends_at=at(11),
        place="东街文化广场",
    )
    with pytest.raises(InvalidInput) as exc:
        services.talk_create(actor=other_township_handler, data=good)
    assert "organiser" in exc.value.errors
    bad = services.TalkInput(
        title="",
        speaker="",
        setting="moon",
        organiser=None,
        starts_at=at(11),
        ends_at=at(9),
        recording_url="javascript:alert(1)",
        expected_size=0,
    )
    with pytest.raises(InvalidInput) as exc:
        services.talk_create(actor=organiser, data=bad)
    assert set(exc.value.errors) >= {
        "title",
        "speaker",
        "setting",
        "organiser",
        "ends_at",
        "place",
        "recording_url",
        "expected_size",
    }
    talk = services.talk_create(actor=organiser, data=good)
    assert talk.township is None and talk.checkin_key and not talk.remote_key


def test_visibility(
    talk: Talk, organiser: User, other_township_handler: User, dispatcher: User
) -> None:
    assert list(selectors.talks_visible_to(organiser)) == [talk]
    assert list(selectors.talks_visible_to(dispatcher)) == [talk]
    assert not selectors.talks_visible_to(other_township_handler).exists()


def test_question_becomes_an_outreach_case(talk: Talk, organiser: User, county: County) -> None:
    question = services.question_record(
        actor=organiser, talk=talk, kind="request", text="东街路灯坏了三盏，晚上看不见路"
    )
    case = question.case
    assert case.channel == Channel.OUTREACH
    assert case.township == county.chengguan and case.village == county.dongjie
    with pytest.raises(InvalidInput):
        services.question_record(actor=organiser, talk=talk, kind="x", text="")
