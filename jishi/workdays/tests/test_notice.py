"""Reading a holiday notice: the real 2025 and 2026 notices agree with chinese_calendar,
and every kind of bad line is refused with its line number."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from jishi.common.errors import InvalidInput
from jishi.workdays.calendar import estimated_holidays
from jishi.workdays.notice import parse_schedule

# 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号), as published.
NOTICE_2025 = """\
一、元旦：1月1日（周三）放假1天，不调休。
二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
三、清明节：4月4日（周五）至6日（周日）放假，共3天。
四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
"""

# 国务院办公厅关于2026年部分节假日安排的通知, as published.
NOTICE_2026 = """\
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
"""


def errors_of(text: str, year: int) -> list[str]:
    with pytest.raises(InvalidInput) as raised:
        parse_schedule(text, year=year)
    assert "未作任何修改" in raised.value.message
    return raised.value.errors["table"]


@pytest.mark.parametrize(("year", "notice"), [(2025, NOTICE_2025), (2026, NOTICE_2026)])
def test_real_notices_agree_with_the_package(year: int, notice: str) -> None:
    days = {day.date: day.is_workday for day in parse_schedule(notice, year=year)}
    # Every listed day has the package's status, and every day the package sets apart
    # from Monday–Friday is listed: the notice alone rebuilds the official year.
    day = date(year, 1, 1)
    while day.year == year:
        official = chinese_calendar.is_workday(day)
        if official != (day.weekday() < 5):
            assert day in days, day
        if day in days:
            assert days[day] == official, day
        day += timedelta(days=1)


def test_names_and_make_up_days() -> None:
    days = {day.date: day for day in parse_schedule(NOTICE_2025, year=2025)}
    assert days[date(2025, 1, 28)].name == "春节" and not days[date(2025, 1, 28)].is_workday
    assert days[date(2025, 1, 26)].name == "春节调休上班" and days[date(2025, 1, 26)].is_workday
    assert days[date(2025, 10, 8)].name == "国庆节、中秋节"
    assert days[date(2025, 6, 2)].line == 5  # a range across a month end


def test_csv_table_and_header() -> None:
    text = "日期,类型,名称\n2027-02-05,放假,春节\n2027/2/8，放假\n2027-02-20,上班,春节调休上班\n"
    days = parse_schedule(text, year=2027)
    assert [(d.date, d.is_workday, d.name) for d in days] == [
        (date(2027, 2, 5), False, "春节"),
        (date(2027, 2, 8), False, "节假日"),
        (date(2027, 2, 20), True, "春节调休上班"),
    ]


def test_full_width_and_copied_text_is_read() -> None:
    text = "\ufeff春节：２月５日（周五）至８日（周一）放假，共４天。\u200b"
    assert len(parse_schedule(text, year=2027)) == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-31,放假,元旦", "第1行：2026年12月31日不在2027年内"),
        ("元旦：2026年12月31日至2027年1月1日放假，共2天。", "不在2027年内"),
        ("2027-02-05,放假\n2027-02-05,放假", "第2行：2月5日与第1行重复"),
        ("春节：2月5日至8日放假。\n2027-02-08,放假", "第2行：2月8日与第1行重复"),
        ("国务院办公厅关于2027年部分节假日安排的通知", "第1行：无法识别"),
        ("\n\n春节：二月五日放假", "第3行：“二月五日放假”中的日期无法识别"),
        ("2027-02-10,上班,调休", "2月10日是星期三，本来就是工作日，不能作为调休上班日"),
        ("春节：2月5日放假。2月9日（周二）上班。", "不能作为调休上班日"),
        ("春节：2月5日（周四）放假。", "2月5日在2027年是星期五，通知中写的是“周四”"),
        ("春节：2月5日至8日放假，共5天。", "通知写的是共5天，但列出的日期共4天"),
        ("春节：2月8日至5日放假。", "结束日期早于开始日期"),
        ("春节：2月30日放假。", "2027年2月30日不是有效的日期"),
        ("2027-02-05,调休", "类型“调休”无法识别"),
        ("春节：2月5日。", "没有说明是“放假”还是“上班”"),
        ("春节：5日放假。", "缺少月份"),
        ("2027-02-20,上班", "没有读到2027年的任何放假日期"),
        ("", "没有读到2027年的任何放假日期"),
    ],
)
def test_bad_tables_are_refused_with_the_line(text: str, expected: str) -> None:
    assert any(expected in message for message in errors_of(text, 2027)), errors_of(text, 2027)


def test_every_bad_line_is_reported_at_once() -> None:
    text = "2027-02-05,放假,春节\n乱写一行\n2027-13-01,放假\n2027-02-05,放假"
    messages = errors_of(text, 2027)
    assert [m.split("：")[0] for m in messages] == ["第2行", "第3行", "第4行"]


def test_a_notice_pasted_under_the_wrong_year_is_refused() -> None:
    messages = errors_of(NOTICE_2026, 2027)
    assert any("请检查年份和日期" in m for m in messages)


class TestEstimatedHolidays:
    def test_2027_statutory_days_from_the_lunar_calendar(self) -> None:
        days = estimated_holidays(2027)
        statutory = {d: n for d, n in days.items() if not n.endswith("补假")}
        # Since 2025 the statutory days number 13 (国务院令第795号).
        assert len(statutory) == 13
        assert statutory[date(2027, 1, 1)] == "元旦"
        # Spring Festival 2027 is Saturday 6 February: the eve and days 1–3 are statutory.
        assert [d for d, n in sorted(statutory.items()) if n == "春节"] == [
            date(2027, 2, 5),
            date(2027, 2, 6),
            date(2027, 2, 7),
            date(2027, 2, 8),
        ]
        assert statutory[date(2027, 4, 5)] == "清明节"
        assert [d for d, n in statutory.items() if n == "劳动节"] == [
            date(2027, 5, 1),
            date(2027, 5, 2),
        ]
        assert statutory[date(2027, 6, 9)] == "端午节"
        assert statutory[date(2027, 9, 15)] == "中秋节"
        assert [d for d, n in statutory.items() if n == "国庆节"] == [
            date(2027, 10, 1),
            date(2027, 10, 2),
            date(2027, 10, 3),
        ]
        # Statutory days on a weekend get a weekday off after them (art. 6).
        assert days[date(2027, 2, 9)] == days[date(2027, 2, 10)] == "春节补假"
        assert days[date(2027, 10, 4)] == days[date(2027, 10, 5)] == "国庆节补假"

    def test_the_estimate_matches_the_package_where_both_exist(self) -> None:
        # For 2026, every statutory day the estimate gives is off in the official schedule.
        for day, name in estimated_holidays(2026).items():
            if not name.endswith("补假"):
                assert not chinese_calendar.is_workday(day), day

    def test_every_estimated_name_is_read_in_chinese(self) -> None:
        known = {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}
        for year in range(2027, 2061):
            for name in estimated_holidays(year).values():
                assert name.removesuffix("补假") in known, (year, name)
