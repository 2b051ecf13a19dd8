"""``workdays_show``: an admin's sanity check while entering a year."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jishi.workdays.services import calendar_year_mark_complete, override_set

pytestmark = pytest.mark.django_db


def show(year: int) -> str:
    out = StringIO()
    call_command("workdays_show", str(year), stdout=out)
    return out.getvalue()


def test_package_year() -> None:
    text = show(2025)
    assert "2025年：已知（chinese_calendar 内置官方安排）" in text
    assert "2025-10-01 周三  国庆节  [内置]" in text
    assert "2025-09-28 周日  国庆节调休上班  [内置]" in text
    assert "2025-10-11 周六  国庆节调休上班  [内置]" in text
    assert "全年工作日：248 天" in text


def test_unknown_year_then_entered_then_complete() -> None:
    text = show(2027)
    assert "2027年：估算" in text and "直到录入该年的官方安排" in text
    # The statutory days, dated from the lunar calendar, and their weekday substitutes.
    assert "2027-01-01 周五  元旦  [估算]" in text
    assert "2027-02-05 周五  春节  [估算]" in text
    assert "2027-02-08 周一  春节  [估算]" in text
    assert "2027-02-10 周三  春节补假  [估算]" in text
    assert "2027-09-15 周三  中秋节  [估算]" in text
    assert "工作日放假（13 天）" in text and "全年工作日：248 天" in text
    assert "manage.py workdays_enter 2027" in text
    override_set(actor=None, date=date(2027, 1, 1), is_workday=False, name="元旦")
    override_set(actor=None, date=date(2027, 2, 20), is_workday=True, name="调休上班")
    override_set(actor=None, date=date(2027, 1, 2), is_workday=False, name="元旦")
    text = show(2027)
    assert "2027-01-01 周五  元旦  [调整表]" in text
    assert "2027-02-20 周六  调休上班  [调整表]" in text
    assert "与平常一致的条目（1 条" in text
    assert "全年工作日：249 天" in text  # the estimate, plus the Saturday entered
    calendar_year_mark_complete(actor=None, year=2027, complete=True, note="国办通知")
    text = show(2027)
    assert "2027年：已知（节假日调整表已标记为完整录入）" in text
    assert "备注：国办通知" in text
    assert "[估算]" not in text and "全年工作日：261 天" in text


def test_bad_year() -> None:
    with pytest.raises(CommandError, match="1900"):
        call_command("workdays_show", "99")
