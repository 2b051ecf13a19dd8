from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from jishi.cases.models import Channel
from jishi.common import clock
from jishi.common.errors import InvalidInput, PermissionDenied
from jishi.orgs.models import Role, User
from jishi.outreach import selectors, services, tokens
from jishi.outreach.models import CheckIn, HeadCount, Talk
from jishi.outreach.tests.conftest import at
from jishi.testing.fixtures import County, make_person

pytestmark = pytest.mark.django_db
YEAR = (dt.date(2026, 1, 1), dt.date(2027, 1, 1))


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


def test_head_counts_add_up_and_a_correction_is_an_entry_with_its_reason(
    talk: Talk, organiser: User, county: County
) -> None:
    colleague = make_person("cg_colleague", county.chengguan, Role.HANDLER)
    with clock.travel_to(at(15)):
        first = services.head_count_add(actor=organiser, talk=talk, count="12", note="前排")
    with clock.travel_to(at(15, 30)):
        second = services.head_count_add(actor=colleague, talk=talk, count=5)
    assert services.head_total(talk) == 17  # added, not replaced
    assert selectors.attendance_of(talk).total == 17
    with clock.travel_to(at(16)):
        fix = services.head_count_add(
            actor=organiser, talk=talk, count="－3", note="后排三人已扫码，重复计入"
        )
    entries = list(selectors.head_count_entries(talk))
    assert [(e.count, e.recorded_by, e.note) for e in entries] == [
        (12, organiser, "前排"),
        (5, colleague, ""),
        (-3, organiser, "后排三人已扫码，重复计入"),
    ]
    assert [e.created_at for e in entries] == [at(15), at(15, 30), at(16)]
    assert first.pk and second.pk and fix.pk
    assert services.head_total(talk) == 14 == selectors.attendance_of(talk).head_count


@pytest.mark.parametrize(
    ("count", "note", "field", "words"),
    [
        ("-1", "", "note", "请写明原因"),  # a correction says why
        ("-13", "多报了", "count", "不能少于 0"),  # never below zero
        ("0", "", "count", "请填写 1 到"),
        ("abc", "", "count", "请填写 1 到"),
        ("", "", "count", "请填写 1 到"),
        (None, "", "count", "请填写 1 到"),
        ("100001", "", "count", "请填写 1 到"),
        ("1.5", "", "count", "请填写 1 到"),
        ("3", "说" * 201, "note", "最多 200 字"),
    ],
)
def test_bad_head_count_changes_nothing(
    talk: Talk, organiser: User, count: object, note: str, field: str, words: str
) -> None:
    with clock.travel_to(at(15)):
        services.head_count_add(actor=organiser, talk=talk, count=12)
        with pytest.raises(InvalidInput) as exc:
            services.head_count_add(actor=organiser, talk=talk, count=count, note=note)
    assert words in " ".join(exc.value.errors[field])
    assert services.head_total(talk) == 12 and HeadCount.objects.count() == 1


def test_head_count_only_by_the_organiser_and_only_once_the_talk_began(
    talk: Talk, organiser: User, other_township_handler: User
) -> None:
    with clock.travel_to(at(15)), pytest.raises(PermissionDenied):
        services.head_count_add(actor=other_township_handler, talk=talk, count=5)
    with clock.travel_to(at(12, 30)), pytest.raises(InvalidInput) as early:
        services.head_count_add(actor=organiser, talk=talk, count=5)
    assert "宣讲开始后" in early.value.errors["count"][0]
    assert not HeadCount.objects.exists()


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


# --- who is one person --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # The same phone: the unit text may say anything the second time.
        (("王芳", "东街社区党支部", "p1"), ("王芳", "东街支部", "p1")),
        (("王芳", "县委办", "p1"), ("王\u3000芳", "縣委辦公室", "p1")),  # ideographic space
        (("张伟", "", "p1"), ("張偉", "城关镇政府", "p1")),  # Traditional name
        (("Li Ming", "", "p1"), ("ＬＩ　ＭＩＮＧ", "县教育局", "p1")),  # full-width letters
        (("王\u200b芳", "一支部", "p1"), ("王芳", "第一党支部", "p1")),  # a zero-width space
        (("阿依古丽·买买提", "", "p1"), ("阿依古丽•买买提", "东街", "p1")),  # bullet for the dot
        (("阿依古丽·买买提", "", "p1"), ("阿依古丽．买买提", "", "p1")),  # full-width full stop
        # Another phone: the same unit text, however it is spelt, is the same person.
        (("王芳", "东街社区（党支部）", "p1"), ("王芳", "東街社區 黨支部", "p2")),
        (("王芳", "ＤＪ支部", "p1"), ("王 芳", "dj支部", "p2")),
        (("王芳", "", "p1"), (" 王芳 ", "", "p2")),
    ],
)
def test_the_same_person_is_counted_once_however_they_spell_it(
    talk: Talk, first: tuple[str, str, str], second: tuple[str, str, str]
) -> None:
    with clock.travel_to(at(14)):
        one = checkin(talk, name=first[0], unit_text=first[1], device_key=first[2])
        two = checkin(talk, name=second[0], unit_text=second[1], device_key=second[2])
    assert one.created and not two.created and two.checkin == one.checkin
    assert CheckIn.objects.count() == 1
    with clock.travel_to(at(18)):
        figures = selectors.outreach_figures(talk.created_by, YEAR)  # type: ignore[arg-type]
    assert (figures.people, figures.person_times) == (1, 1)


def test_different_people_stay_apart(talk: Talk) -> None:
    with clock.travel_to(at(14)):
        results = [
            checkin(talk, name="王芳", unit_text="东街社区党支部", device_key="p1"),
            # A namesake from another unit on another phone is another person.
            checkin(talk, name="王芳", unit_text="西街社区党支部", device_key="p2"),
            # One phone may check in the family: other names are other people.
            checkin(talk, name="王芳的母亲", unit_text="", device_key="p1"),
            # The phone's owner checking in a neighbour without a name.
            checkin(talk, anonymous=True, device_key="p1"),
        ]
    assert all(r.created for r in results)
    attendance = selectors.attendance_of(talk)
    assert (attendance.named, attendance.anonymous) == (3, 1)


def test_people_over_a_period_follow_the_same_rules(
    talk: Talk, organiser: User, county: County
) -> None:
    later = services.talk_create(
        actor=organiser,
        data=services.TalkInput(
            title="讲惠民政策",
            speaker="张三",
            setting="village",
            organiser=county.chengguan,
            starts_at=at(9, day=dt.date(2026, 11, 12)),
            ends_at=at(11, day=dt.date(2026, 11, 12)),
            place="村委会",
        ),
    )
    with clock.travel_to(at(14)):
        checkin(talk, name="王芳", unit_text="东街社区党支部", device_key="p1")
        checkin(talk, name="赵强", unit_text="城关镇政府", device_key="p3")
    with clock.travel_to(at(10, day=dt.date(2026, 11, 12))):
        # 王芳 again from her phone, spelling her branch differently: the same person.
        checkin(later, name="王芳", unit_text="東街支部", device_key="p1")
        # 赵强 from a new phone, his unit spelt the same after folding: the same person.
        checkin(later, name="赵 强", unit_text="城关镇 政府", device_key="p4")
        # A namesake of 王芳 from elsewhere, on another phone: another person.
        checkin(later, name="王芳", unit_text="西街社区", device_key="p5")
    with clock.travel_to(at(18, day=dt.date(2026, 11, 12))):
        figures = selectors.outreach_figures(organiser, YEAR)
    assert figures.person_times == 5
    assert figures.people == 3


def test_the_database_refuses_a_second_row_for_the_same_name_and_phone(talk: Talk) -> None:
    """What decides when two check-ins race past the first look."""
    with clock.travel_to(at(14)):
        first = checkin(talk, name="王芳", unit_text="东街社区党支部", device_key="p1").checkin
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(
            talk=talk,
            channel=first.channel,
            person_key=services.person_key("王芳", "东街支部", "p1"),
            name_key=first.name_key,
            name="王芳",
            unit_text="东街支部",
            device_key="p1",
            created_at=first.created_at,
        )
    assert CheckIn.objects.count() == 1
