"""Branches and their members as the branch secretary and the township keep them: edit a
branch, correct or retire a member, mark a member as having attended by hand."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jishi.common import clock
from jishi.orgs.models import Role, User
from jishi.outreach import selectors, services
from jishi.outreach.forms import BranchEditForm, BranchForm
from jishi.outreach.models import Branch, BranchMember, CheckIn, CheckInChannel, Talk
from jishi.outreach.tests.conftest import YEAR_2026, at
from jishi.testing.fixtures import County, make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary(branch: Branch) -> User:
    """东街's branch secretary: an account with no post of its own."""
    user = make_person("dj_secretary")
    branch.secretary = user
    branch.save(update_fields=["secretary"])
    return user


@pytest.fixture
def other_branch(county: County) -> Branch:
    other = Branch.objects.create(name="石桥村党支部", unit=county.shiqiao_village)
    BranchMember.objects.create(branch=other, name="孙丽", name_key=services.name_key("孙丽"))
    return other


def absent_names(page: str) -> str:
    return page.split("本季度未参加学习的党员")[1].split("</section>")[0]


def test_the_secretary_sees_their_branchs_absentees_and_no_other(
    client: Client, talk: Talk, branch: Branch, secretary: User, other_branch: Branch
) -> None:
    with clock.travel_to(at(15)):
        services.checkin_record(talk=talk, name="王芳", unit_text="东街社区党支部", device_key="d")
    client.force_login(secretary)
    with clock.travel_to(at(18)):
        home = client.get(reverse("outreach:index")).content.decode()
        assert reverse("outreach:branch", args=[branch.pk]) in home  # 我的支部
        page = client.get(reverse("outreach:branch", args=[branch.pk]))
        assert page.status_code == 200
        absent = absent_names(page.content.decode())
        assert "赵强" in absent and "钱敏" in absent and "王芳" not in absent
        assert client.get(reverse("outreach:branch", args=[other_branch.pk])).status_code == 404
        member = other_branch.members.get()
        assert client.get(reverse("outreach:member", args=[member.pk])).status_code == 404
        # The secretary keeps the members, not the branch itself.
        assert client.get(reverse("outreach:branch_edit", args=[branch.pk])).status_code == 403


def test_the_township_edits_a_branch_and_picks_a_secretary_of_its_unit(
    client: Client, branch: Branch, organiser: User, county: County, secretary: User
) -> None:
    villager = make_person("dj_cadre", county.dongjie, Role.HANDLER)
    outsider = make_person("sq_cadre", county.shiqiao_village, Role.HANDLER)
    client.force_login(organiser)
    url = reverse("outreach:branch_edit", args=[branch.pk])
    form = client.get(url).content.decode()
    assert "dj_cadre" in form and "dj_secretary" in form
    assert "sq_cadre" not in form  # not every user in the county
    # One from elsewhere, posted by hand: refused with the reason, nothing changed.
    refused = client.post(
        url, {"name": "东街党支部", "secretary": str(outsider.pk), "active": "on"}
    )
    assert refused.status_code == 422
    assert "请选择列出的人员" in refused.content.decode()
    with pytest.raises(services.InvalidInput) as caught:
        services.branch_update(
            actor=organiser, branch=branch, name="东街党支部", secretary=outsider, active=True
        )
    assert caught.value.errors["secretary"] == ["支部书记应为所在单位（或下级单位）在岗的人员"]
    branch.refresh_from_db()
    assert (branch.name, branch.secretary) == ("东街社区党支部", secretary)
    ok = client.post(url, {"name": "东街党支部", "secretary": str(villager.pk), "active": "on"})
    assert ok.status_code == 302
    branch.refresh_from_db()
    assert (branch.name, branch.secretary, branch.active) == ("东街党支部", villager, True)
    # Closed: it leaves the lists; the former secretary no longer sees it.
    assert client.post(url, {"name": "东街党支部", "secretary": ""}).status_code == 302
    branch.refresh_from_db()
    assert not branch.active and branch.secretary is None
    listed = client.get(reverse("outreach:branches")).content.decode()
    assert "已停用的支部（1）" in listed  # kept reachable, to reopen
    active = listed.split("已停用的支部")[0]
    assert "东街党支部" not in active
    # Reopened by the same form.
    assert client.post(url, {"name": "东街党支部", "active": "on"}).status_code == 302
    branch.refresh_from_db()
    assert branch.active


def test_bad_input_on_a_branch(
    client: Client, branch: Branch, organiser: User, county: County, other_township_handler: User
) -> None:
    Branch.objects.create(name="西街社区党支部", unit=county.xijie)
    client.force_login(organiser)
    url = reverse("outreach:branch_edit", args=[branch.pk])
    for data, message in (
        ({"name": ""}, "请填写支部名称"),
        ({"name": "x" * 101}, "最多 100 字，现有 101 字"),
        ({"name": "西街社区党支部"}, "已有同名支部"),
        ({"name": "东街", "secretary": "abc"}, "请选择列出的人员"),
    ):
        response = client.post(url, data)
        assert response.status_code == 422, data
        assert message in response.content.decode(), data
    branch.refresh_from_db()
    assert branch.name == "东街社区党支部"
    client.force_login(other_township_handler)
    assert client.post(url, {"name": "抢走"}).status_code == 404


def test_the_secretary_corrects_and_retires_members(
    client: Client, talk: Talk, branch: Branch, secretary: User, other_township_handler: User
) -> None:
    qian = branch.members.get(name="钱敏")
    client.force_login(secretary)
    url = reverse("outreach:member_edit", args=[qian.pk])
    assert client.get(url).status_code == 200
    fixed = client.post(url, {"name": "钱  敏", "hardship": "on", "active": "on"})
    assert fixed.status_code == 302
    qian.refresh_from_db()
    assert (qian.name, qian.hardship, qian.remote, qian.active) == ("钱  敏", True, False, True)
    # Moved away: retired, and off the absentee list (the record stays).
    assert client.post(url, {"name": "钱敏", "note": "已迁出"}).status_code == 302
    qian.refresh_from_db()
    assert not qian.active and qian.note == "已迁出"
    with clock.travel_to(at(18)):
        page = client.get(reverse("outreach:branch", args=[branch.pk])).content.decode()
    assert "钱敏" not in absent_names(page)
    assert "不在册（1）" in page
    # Bad input: nothing changes.
    zhao = branch.members.get(name="赵强")
    for data, message in (
        ({"name": ""}, "请填写姓名"),
        ({"name": "王 芳", "active": "on"}, "本支部已有同名党员"),
        ({"name": "赵强", "note": "x" * 101, "active": "on"}, "最多 100 字，现有 101 字"),
    ):
        response = client.post(reverse("outreach:member_edit", args=[zhao.pk]), data)
        assert response.status_code == 422, data
        assert message in response.content.decode(), data
    zhao.refresh_from_db()
    assert (zhao.name, zhao.hardship, zhao.active) == ("赵强", True, True)
    # Another township's handler sees neither the member nor the form.
    client.force_login(other_township_handler)
    assert client.post(url, {"name": "x", "active": "on"}).status_code == 404


def test_a_member_marked_as_attended_counts_once_and_says_who(
    client: Client,
    talk: Talk,
    branch: Branch,
    secretary: User,
    organiser: User,
    dispatcher: User,
) -> None:
    zhao = branch.members.get(name="赵强")  # 困难党员, taught at home
    with clock.travel_to(at(15)):
        services.checkin_record(talk=talk, name="王芳", device_key="a")
    with clock.travel_to(at(18)):
        before = selectors.outreach_figures(dispatcher, YEAR_2026)
    client.force_login(secretary)
    url = reverse("outreach:member_mark", args=[zhao.pk])
    with clock.travel_to(at(18)):
        page = client.get(reverse("outreach:member", args=[zhao.pk])).content.decode()
        assert "补记参学" in page and talk.title in page
        done = client.post(url, {"talk": str(talk.pk), "note": "送学上门"})
        assert done.status_code == 302
        again = client.post(url, {"talk": str(talk.pk), "note": "再记一次"})
        assert again.status_code == 302
        after = selectors.outreach_figures(dispatcher, YEAR_2026)
        record = client.get(reverse("outreach:member", args=[zhao.pk])).content.decode()
        branch_page = client.get(reverse("outreach:branch", args=[branch.pk])).content.decode()
    marked = CheckIn.objects.get(member=zhao)
    assert (marked.channel, marked.marked_by, marked.note) == (
        CheckInChannel.MARKED,
        secretary,
        "送学上门",
    )
    assert (after.person_times, after.people) == (before.person_times + 1, before.people + 1)
    assert "dj_secretary 补记：送学上门" in record
    assert "赵强" not in absent_names(branch_page)


def test_marking_a_member_links_their_check_in_under_another_spelling(
    talk: Talk, branch: Branch, organiser: User, dispatcher: User
) -> None:
    """周敏 checked in at a talk before she was on the list: her check-in becomes hers, and
    no second one is made."""
    with clock.travel_to(at(15)):
        services.checkin_record(talk=talk, name="周 敏", unit_text="东街", device_key="z")
    late = branch.members.create(name="周敏", name_key=services.name_key("周敏"))
    with clock.travel_to(at(18)):
        before = selectors.outreach_figures(dispatcher, YEAR_2026)
        found = services.attendance_mark(actor=organiser, member=late, talk=talk, note="后入册")
        after = selectors.outreach_figures(dispatcher, YEAR_2026)
    assert found.channel == CheckInChannel.ONSITE and found.member == late
    assert found.marked_by == organiser
    assert CheckIn.objects.filter(talk=talk).count() == 1
    assert after.person_times == before.person_times


def test_who_may_mark_and_bad_input(
    client: Client,
    talk: Talk,
    branch: Branch,
    county: County,
    other_township_handler: User,
    secretary: User,
    other_branch: Branch,
) -> None:
    zhao = branch.members.get(name="赵强")
    url = reverse("outreach:member_mark", args=[zhao.pk])
    # Another branch's secretary: the member is not theirs to see.
    theirs = make_person("sq_secretary")
    other_branch.secretary = theirs
    other_branch.save(update_fields=["secretary"])
    client.force_login(theirs)
    with clock.travel_to(at(18)):
        assert client.post(url, {"talk": str(talk.pk), "note": "x"}).status_code == 404
    with clock.travel_to(at(18)), pytest.raises(services.PermissionDenied):
        services.attendance_mark(actor=other_township_handler, member=zhao, talk=talk, note="x")
    assert not CheckIn.objects.exists()
    client.force_login(secretary)
    future = services.talk_create(
        actor=make_person("cg_2", county.chengguan, Role.HANDLER),
        data=services.TalkInput(
            title="下周宣讲",
            speaker="李老师",
            setting="village",
            organiser=county.chengguan,
            starts_at=at(14, day=talk.starts_at.date().replace(day=20)),
            ends_at=at(16, day=talk.starts_at.date().replace(day=20)),
            place="村委会",
        ),
    )
    with clock.travel_to(at(18)):
        for data, message in (
            ({"talk": str(talk.pk), "note": ""}, "请填写说明"),
            ({"talk": "", "note": "送学上门"}, "请选择宣讲"),
            ({"talk": "99999", "note": "送学上门"}, "请选择列出的宣讲"),
            ({"talk": str(future.pk), "note": "送学上门"}, "请选择列出的宣讲"),
            ({"talk": str(talk.pk), "note": "x" * 201}, "最多 200 字，现有 201 字"),
        ):
            response = client.post(url, data)
            assert response.status_code == 422, data
            assert message in response.content.decode(), data
    assert not CheckIn.objects.exists()


@pytest.mark.parametrize(
    ("unit_text", "linked"),
    [("", True), ("城关镇东街社区", True), ("东街社区（党支部）", True), ("县住建局", False)],
)
def test_marking_links_a_same_name_check_in_only_when_its_unit_may_be_the_branch(
    talk: Talk, branch: Branch, organiser: User, unit_text: str, linked: bool
) -> None:
    """周敏 of 县住建局 is someone else than 东街's 周敏: her check-in stays hers, and 东街's
    周敏 gets a marked check-in of her own."""
    with clock.travel_to(at(15)):
        scanned = services.checkin_record(
            talk=talk, name="周敏", unit_text=unit_text, device_key="z"
        ).checkin
    late = branch.members.create(name="周敏", name_key=services.name_key("周敏"))
    with clock.travel_to(at(18)):
        found = services.attendance_mark(actor=organiser, member=late, talk=talk, note="后入册")
    scanned.refresh_from_db()
    if linked:
        assert found.pk == scanned.pk and scanned.member == late
        assert CheckIn.objects.filter(talk=talk).count() == 1
    else:
        assert found.pk != scanned.pk and found.channel == CheckInChannel.MARKED
        assert scanned.member is None and scanned.marked_by is None
        assert CheckIn.objects.counted().filter(talk=talk).count() == 2


def test_the_create_and_edit_forms_offer_secretaries_by_the_services_definition(
    branch: Branch, organiser: User, dispatcher: User, county: County, secretary: User
) -> None:
    villager = make_person("dj_cadre", county.dongjie, Role.HANDLER)
    outsider = make_person("sq_cadre", county.shiqiao_village, Role.HANDLER)
    retired = make_person("cg_retired", county.chengguan, Role.HANDLER)
    retired.posts.update(active=False)

    def offered(form: Any) -> set[User]:
        return set(form.fields["secretary"].queryset)

    create = offered(BranchForm(user=organiser))
    assert create == set(services.secretary_candidates([county.chengguan]))
    assert {organiser, villager, secretary} <= create  # the secretary of a branch there
    assert outsider not in create and retired not in create
    edit = offered(BranchEditForm(branch=branch))
    assert edit == set(services.secretary_candidates([county.dongjie])) | {secretary}
    assert villager in edit and organiser not in edit  # posted above the branch's unit
    # County-wide posts register branches anywhere: every township's people are offered.
    assert outsider in offered(BranchForm(user=dispatcher))
    # Labelled with their units, so two people of one name are told apart.
    assert "dj_cadre（东街社区）" in str(BranchForm(user=organiser)["secretary"])
