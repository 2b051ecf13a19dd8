"""The roster (排班表): imported shifts credit ratings to whoever is on duty, with every bad
row reported by number and nothing written until the file is clean."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jishi.common.clock import travel_to
from jishi.orgs.models import Role, User
from jishi.reviews import services, tokens
from jishi.reviews.imports import roster_import
from jishi.reviews.models import Rating, ServicePoint, Shift
from jishi.reviews.tests.conftest import bad
from jishi.testing.fixtures import County, make_person

pytestmark = pytest.mark.django_db

HEADER = "窗口编码,工作人员,日期,上岗时间,离岗时间\n"
ZONE = timezone.get_current_timezone()


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=ZONE)


@pytest.fixture(autouse=True)
def monday_morning() -> Iterator[None]:
    with travel_to(at(7, 9)):
        yield


@pytest.fixture
def second_clerk(county: County) -> User:
    person = make_person("w1_li", county.window, Role.HANDLER)
    person.full_name = "李娜"
    person.save(update_fields=["full_name"])
    return person


def test_imported_roster_credits_the_rating_to_the_person_on_duty(
    point: ServicePoint, window_clerk: User, second_clerk: User, device: str
) -> None:
    data = (
        HEADER + "W01,w1_clerk,2026-12-08,08:30,12:00\nW01,李娜,2026/12/8,14:30,17:30\n"
    ).encode()
    report = roster_import(actor=None, data=data, filename="roster.csv")
    assert report.written and report.created == 2, report.lines()
    with travel_to(at(8, 10)):
        assert services.on_duty(point).user == window_clerk  # type: ignore[union-attr]
        morning = services.rating_submit(point=point, level=5, device_key=device)
    with travel_to(at(8, 15)):
        other_phone = tokens.device_key(tokens.new_device_id())
        afternoon = services.rating_submit(point=point, level=4, device_key=other_phone)
    with travel_to(at(8, 13)):
        assert services.on_duty(point) is None  # lunch: nobody rostered
    assert isinstance(morning, Rating) and isinstance(afternoon, Rating)
    assert (morning.staff, afternoon.staff) == (window_clerk, second_clerk)


def test_a_sign_in_outranks_the_roster(
    point: ServicePoint, window_clerk: User, second_clerk: User
) -> None:
    roster_import(
        actor=None, data=(HEADER + "W01,w1_li,2026-12-08,08:30,12:00\n").encode(), filename="r.csv"
    )
    with travel_to(at(8, 9)):
        services.shift_start(actor=window_clerk, point=point)
        assert services.on_duty(point).user == window_clerk  # type: ignore[union-attr]
        services.shift_end(actor=window_clerk)
        # Leaving ends the sign-in, never the roster.
        assert services.on_duty(point).user == second_clerk  # type: ignore[union-attr]


def test_rostered_staff_cannot_rate_their_window(
    point: ServicePoint, second_clerk: User, device: str
) -> None:
    roster_import(
        actor=None, data=(HEADER + "W01,w1_li,2026-12-08,08:30,12:00\n").encode(), filename="r.csv"
    )
    with travel_to(at(8, 10)), pytest.raises(Exception, match="不能为本窗口评价"):
        services.rating_submit(point=point, level=5, device_key=device, rater=second_clerk)
    assert not Rating.objects.exists()


def test_every_bad_row_is_reported_and_nothing_written(
    county: County, point: ServicePoint, window_clerk: User, second_clerk: User
) -> None:
    stranger = make_person("outsider", county.chengguan, Role.HANDLER)
    stranger.full_name = "王五"
    stranger.save(update_fields=["full_name"])
    twin = make_person("w1_li2", county.window, Role.HANDLER)
    twin.full_name = "李娜"
    twin.save(update_fields=["full_name"])
    rows = [
        "W99,w1_clerk,2026-12-08,08:30,12:00",  # 2: no such window
        "W01,nobody,2026-12-08,08:30,12:00",  # 3: no such person
        "W01,李娜,2026-12-08,08:30,12:00",  # 4: two people called 李娜
        "W01,王五,2026-12-08,08:30,12:00",  # 5: not posted at the window
        "W01,w1_clerk,2026-13-08,08:30,12:00",  # 6: no 13th month
        "W01,w1_clerk,2026-12-08,25:00,12:00",  # 7: no 25 o'clock
        "W01,w1_clerk,2026-12-08,12:00,08:30",  # 8: ends before it starts
        "W01,w1_clerk,2026-12-06,08:30,12:00",  # 9: yesterday
        "W01,w1_clerk,2026-12-09,08:30,12:00",  # 10: fine
        "W01,w1_li,2026-12-09,11:00,12:00",  # 11: the window is taken then
        "W01,,,,",  # 12: empty
    ]
    report = roster_import(
        actor=None, data=(HEADER + "\n".join(rows) + "\n").encode(), filename="r.csv"
    )
    lines = [str(e) for e in report.errors]
    assert "第2行 窗口编码：W99 不是已设置的服务窗口" in lines
    assert "第3行 工作人员：nobody 不是在职人员的账号或姓名" in lines
    assert any(line.startswith("第4行 工作人员：有") and "请填写账号" in line for line in lines)
    assert "第5行 工作人员：王五 不在1号窗口所属单位任职" in lines
    assert "第6行 日期：日期无效，请写成 2026-12-07" in lines
    assert "第7行 上岗时间：时间无效，请写成 08:30" in lines
    assert "第8行 离岗时间：须晚于上岗时间" in lines
    assert "第9行 日期：该班次已开始或已过去，只能导入以后的排班" in lines
    assert "第11行 窗口编码：与第10行的班次时间重叠" in lines
    assert any(line.startswith("第12行") for line in lines)
    assert not any(line.startswith("第10行") for line in lines)
    assert not report.written and not Shift.objects.exists()
    partial = roster_import(
        actor=None,
        data=(HEADER + "\n".join(rows) + "\n").encode(),
        filename="r.csv",
        good_rows_only=True,
    )
    assert partial.written and partial.created == 1  # row 10 alone (11 overlaps it)


def test_full_width_and_chinese_spellings_are_read(point: ServicePoint, window_clerk: User) -> None:
    data = (HEADER + "W01,w1_clerk,２０２６年１２月８日,８点３０,１２：００\n").encode("gb18030")
    report = roster_import(actor=None, data=data, filename="roster.csv")
    assert report.written, report.lines()
    shift = Shift.objects.get()
    assert (shift.started_at, shift.ended_at) == (at(8, 8, 30), at(8, 12))


def test_importing_the_same_week_twice_replaces_it(point: ServicePoint, window_clerk: User) -> None:
    data = (HEADER + "W01,w1_clerk,2026-12-08,08:30,12:00\n").encode()
    roster_import(actor=None, data=data, filename="r.csv")
    again = roster_import(actor=None, data=data, filename="r.csv")
    assert (again.created, again.replaced) == (1, 1)
    assert Shift.objects.count() == 1


def test_a_unit_may_import_only_for_windows_it_manages(
    county: County, point: ServicePoint, window_clerk: User
) -> None:
    other_lead = make_person("cg_lead", county.chengguan, Role.UNIT_LEAD)
    data = (HEADER + "W01,w1_clerk,2026-12-08,08:30,12:00\n").encode()
    refused = roster_import(actor=other_lead, data=data, filename="r.csv")
    assert [str(e) for e in refused.errors] == ["第2行 窗口编码：W01 不是已设置的服务窗口"]
    hall_lead = make_person("hall_head", county.hall, Role.UNIT_LEAD)
    assert roster_import(actor=hall_lead, data=data, filename="r.csv").written


def test_console_page_imports_and_shows_the_week(
    client: Client, county: County, point: ServicePoint, window_clerk: User
) -> None:
    lead = make_person("hall_head", county.hall, Role.UNIT_LEAD)
    client.force_login(lead)
    url = reverse("reviews:roster")
    empty = client.post(url, {})
    assert "请选择要导入的文件" in empty.content.decode()
    bad_file = client.post(url, {"file": _upload(HEADER + "W01,w1_clerk,2026-12-08,12:00,08:30\n")})
    assert bad_file.status_code == 400
    assert "第2行 离岗时间：须晚于上岗时间" in bad_file.content.decode()
    good = client.post(url, {"file": _upload(HEADER + "W01,w1_clerk,2026-12-08,08:30,12:00\n")})
    page = good.content.decode()
    assert good.status_code == 200 and "导入完成：新增1个班次" in page
    assert "08:30–12:00" in page and "w1_clerk" in page


def _upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("roster.csv", text.encode("utf-8"), content_type="text/csv")


def test_bad_rating_during_a_rostered_shift_names_the_person(
    point: ServicePoint, second_clerk: User, device: str
) -> None:
    roster_import(
        actor=None, data=(HEADER + "W01,李娜,2026-12-08,08:30,12:00\n").encode(), filename="r.csv"
    )
    with travel_to(at(8, 11)):
        rating = bad(point, device)
    assert isinstance(rating, Rating) and rating.staff == second_clerk
    assert rating.rectification is not None and "李娜" in rating.rectification.text


def test_a_huge_file_is_refused_before_reading(
    client: Client, county: County, point: ServicePoint
) -> None:
    client.force_login(make_person("hall_head", county.hall, Role.UNIT_LEAD))
    huge = HEADER + "W01,w1_clerk,2026-12-08,08:30,12:00\n" * 200_000
    response = client.post(reverse("reviews:roster"), {"file": _upload(huge)})
    assert response.status_code == 400 and "文件超过 5 MB" in response.content.decode()
    assert not Shift.objects.exists()
