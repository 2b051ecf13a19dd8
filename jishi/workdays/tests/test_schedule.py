"""Entering a year's official schedule in one step: the service, the command and the
console page, each with the allowed and the refused path."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from io import StringIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from jishi.common.errors import InvalidInput
from jishi.orgs.models import Role, User
from jishi.testing.fixtures import County, make_person
from jishi.workdays.models import CalendarChange, CalendarYear, HolidayOverride
from jishi.workdays.selectors import get_calendar
from jishi.workdays.services import calendar_year_enter_schedule, override_set
from jishi.workdays.signals import calendar_changed

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
Committing = Callable[..., Any]

# A 2027 schedule in the notice's form (the real one is not published yet).
NOTICE_2027 = """\
一、元旦：1月1日（周五）至3日（周日）放假，共3天。
二、春节：2月5日（农历除夕、周五）至11日（农历正月初六、周四）放假调休，共7天。2月20日（周六）上班。
三、清明节：4月3日（周六）至5日（周一）放假，共3天。
四、劳动节：5月1日（周六）至5日（周三）放假调休，共5天。4月25日（周日）上班。
五、端午节：6月9日（周三）放假，共1天。
六、中秋节：9月15日（周三）放假，共1天。
七、国庆节：10月1日（周五）至7日（周四）放假调休，共7天。9月26日（周日）、10月9日（周六）上班。
"""
BAD_2027 = NOTICE_2027 + "2026-12-31,放假\n"


@pytest.fixture
def announced() -> Iterator[list[set[int]]]:
    seen: list[set[int]] = []

    def receiver(sender: Any, years: set[int], **kwargs: Any) -> None:
        seen.append(years)

    calendar_changed.connect(receiver, dispatch_uid="test-schedule-announced")
    yield seen
    calendar_changed.disconnect(dispatch_uid="test-schedule-announced")


def snapshot() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    return (
        list(HolidayOverride.objects.values_list("date", "is_workday", "name", "note")),
        list(CalendarYear.objects.values_list("year", "complete", "note")),
        CalendarChange.objects.count(),
    )


class TestService:
    def test_enters_the_year_marks_it_complete_and_announces_once(
        self, announced: list, django_capture_on_commit_callbacks: Committing
    ) -> None:
        admin = make_person("cal_admin")
        # An earlier single entry that the notice does not list, and one it does.
        override_set(actor=None, date=date(2027, 3, 1), is_workday=False, name="误录")
        override_set(actor=None, date=date(2027, 1, 1), is_workday=False, name="元旦")
        announced.clear()
        with django_capture_on_commit_callbacks(execute=True):
            result = calendar_year_enter_schedule(
                actor=admin, year=2027, text=NOTICE_2027, note="国办发明电〔2026〕X号"
            )
        assert announced == [{2027}]
        assert (result.days_off, result.days_on) == (27, 4)
        assert result.removed == [date(2027, 3, 1)] and result.changed
        assert result.recomputed == 0  # no open case in this test
        # 1 January was entered before, without the notice's number.
        assert len(result.added) == 30 and result.updated == [date(2027, 1, 1)]
        assert not HolidayOverride.objects.filter(date=date(2027, 3, 1)).exists()
        row = CalendarYear.objects.get(year=2027)
        assert row.complete and row.note == "国办发明电〔2026〕X号" and row.updated_by == admin
        calendar = get_calendar()
        assert calendar.is_known(date(2027, 6, 1))
        assert not calendar.is_workday(date(2027, 2, 11))  # off in the notice
        assert calendar.is_workday(date(2027, 2, 20))  # the make-up Saturday
        assert calendar.is_workday(date(2027, 5, 6))  # the estimate's substitutes are gone
        assert calendar.workdays_between(date(2026, 12, 31), date(2027, 12, 31)) == 248
        removed = CalendarChange.objects.get(action="override_remove", date=date(2027, 3, 1))
        assert removed.actor == admin and removed.before["name"] == "误录"

    def test_entering_the_same_schedule_again_changes_nothing(
        self, announced: list, django_capture_on_commit_callbacks: Committing
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            calendar_year_enter_schedule(actor=None, year=2027, text=NOTICE_2027, note="通知")
        before = snapshot()
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            again = calendar_year_enter_schedule(
                actor=None, year=2027, text=NOTICE_2027, note="通知"
            )
        assert not again.changed and callbacks == [] and announced == [{2027}]
        assert snapshot() == before

    @pytest.mark.parametrize(
        ("year", "text", "field", "message"),
        [
            (2027, BAD_2027, "table", "第8行：2026年12月31日不在2027年内"),
            (2027, NOTICE_2027 + "2027-02-05,放假\n", "table", "第8行：2月5日与第2行重复"),
            (2027, NOTICE_2027.replace("至3日", "至三日"), "table", "第1行"),
            (2027, "2027-02-05,放假\n2027-02-10,上班", "table", "本来就是工作日"),
            (
                2027,
                NOTICE_2027.replace("六、中秋节：9月15日（周三）放假，共1天。\n", ""),
                "table",
                "表中缺少法定节假日：9月15日（中秋节）",
            ),
            (2026, "2026-02-16,放假", "year", "2026年的官方放假安排已内置"),
            (1800, "1800-02-16,放假", "year", "1900–2200"),
        ],
    )
    def test_bad_input_changes_nothing(
        self,
        announced: list,
        django_capture_on_commit_callbacks: Committing,
        year: int,
        text: str,
        field: str,
        message: str,
    ) -> None:
        override_set(actor=None, date=date(2027, 1, 1), is_workday=False, name="元旦")
        announced.clear()
        before = snapshot()
        with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidInput) as e:
            calendar_year_enter_schedule(actor=None, year=year, text=text)
        assert any(message in m for m in e.value.errors[field]), e.value.errors
        assert snapshot() == before and announced == []
        assert not get_calendar().is_known(date(2027, 1, 1))


class TestCommand:
    def test_enters_a_file(self, tmp_path: Path) -> None:
        notice = tmp_path / "2027.txt"
        notice.write_text(NOTICE_2027, encoding="utf-8")
        out = StringIO()
        call_command("workdays_enter", "2027", str(notice), "--note", "国办通知", stdout=out)
        assert "2027年放假安排已录入：放假 27 天，调休上班 4 天" in out.getvalue()
        assert CalendarYear.objects.get(year=2027).complete
        text = StringIO()
        call_command("workdays_show", "2027", stdout=text)
        assert "已知（节假日调整表已标记为完整录入）" in text.getvalue()
        assert "2027-02-20 周六  春节调休上班  [调整表]" in text.getvalue()

    def test_a_bad_file_changes_nothing(self, tmp_path: Path) -> None:
        notice = tmp_path / "2027.txt"
        notice.write_text(BAD_2027, encoding="utf-8")
        with pytest.raises(CommandError, match="第8行：2026年12月31日不在2027年内"):
            call_command("workdays_enter", "2027", str(notice))
        with pytest.raises(CommandError, match="找不到文件"):
            call_command("workdays_enter", "2027", str(tmp_path / "none.txt"))
        assert snapshot() == ([], [], 0)


URL = "/console/calendar/"


@pytest.fixture
def calendar_admin(county: County) -> User:
    return make_person("county_admin", county.county, Role.ADMIN)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


class TestPage:
    def test_admin_sees_the_estimate_and_enters_the_notice(self, calendar_admin: User) -> None:
        client = client_for(calendar_admin)
        page = client.get(URL, {"year": "2027"})
        assert page.status_code == 200
        html = page.content.decode()
        assert "2027年的官方放假安排尚未录入" in html
        assert "春节补假" in html and "估算" in html
        assert 'href="/console/calendar/"' in html  # in the console's menu
        response = client.post(URL, {"year": "2027", "table": NOTICE_2027, "note": "国办通知"})
        assert response.status_code == 302
        assert response["Location"] == "/console/calendar/?year=2027"
        assert CalendarYear.objects.get(year=2027).complete
        assert HolidayOverride.objects.filter(date__year=2027).count() == 31
        assert CalendarChange.objects.filter(actor=calendar_admin).exists()
        page = client.get(response["Location"])
        html = page.content.decode()
        assert "2027年放假安排已录入" in html and "尚未录入" not in html

    def test_a_bad_table_is_shown_with_its_lines_and_changes_nothing(
        self, calendar_admin: User
    ) -> None:
        response = client_for(calendar_admin).post(URL, {"year": "2027", "table": BAD_2027})
        assert response.status_code == 400
        assert "第8行：2026年12月31日不在2027年内" in response.content.decode()
        assert snapshot() == ([], [], 0)

    def test_an_empty_form_is_refused(self, calendar_admin: User) -> None:
        response = client_for(calendar_admin).post(URL, {"year": "", "table": ""})
        assert response.status_code == 400
        html = response.content.decode()
        assert "请填写年份" in html and "请粘贴放假安排" in html
        assert snapshot() == ([], [], 0)

    @pytest.mark.parametrize("persona", ["dispatcher", "county_lead", "township_handler"])
    def test_other_posts_may_not_see_or_enter(
        self, persona: str, request: pytest.FixtureRequest
    ) -> None:
        client = client_for(request.getfixturevalue(persona))
        page = client.get(URL)
        assert page.status_code == 403
        assert "只有系统管理员可以录入工作日历" in page.content.decode()
        assert "/console/calendar/" not in client.get("/console/").content.decode()
        response = client.post(URL, {"year": "2027", "table": NOTICE_2027})
        assert response.status_code == 403
        assert snapshot() == ([], [], 0)

    def test_anonymous_is_sent_to_log_in(self) -> None:
        response = Client().post(URL, {"year": "2027", "table": NOTICE_2027})
        assert response.status_code == 302 and "login" in response["Location"]
        assert snapshot() == ([], [], 0)


def test_deadline_of_an_estimated_year_comes_from_the_calendar() -> None:
    # Sanity for the figures above: the estimate gives 248 working days in 2027.
    calendar = get_calendar()
    assert calendar.workdays_between(date(2026, 12, 31), date(2027, 12, 31)) == 248
    assert calendar.add_workdays(datetime(2027, 2, 4, 10, tzinfo=SH), 1).due.date() == date(
        2027, 2, 11
    )
