"""Reading a year's official holiday schedule from the text an admin pastes.

Two forms are accepted, line by line, and may be mixed:

* the lines of the State Council notice (国务院办公厅关于××年部分节假日安排的通知), e.g.
  ``二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。
  2月14日（周六）、2月28日（周六）上班。``
* a table of ``日期,类型[,名称]`` rows, e.g. ``2027-02-05,放假,春节`` or
  ``2027-02-20,上班,春节调休上班`` (a header row ``日期,类型,名称`` is skipped).

Pure text in, days out: no database. Every problem is reported with its line number, and
nothing is returned unless the whole text is clean, so a half-read notice can never be
entered as a year's complete schedule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from jishi.common.errors import InvalidInput
from jishi.common.text import fold, strip_invisible

__all__ = ["ScheduleDay", "parse_schedule"]

NAME_MAX = 32
_WEEKDAYS = "一二三四五六日"
_WEEKDAY_OF = {c: i for i, c in enumerate(_WEEKDAYS)} | {"天": 6}

# Texts are NFKC-normalised first, so full-width digits, colons, commas and brackets
# arrive here in their ASCII forms.
_NUMBERING = re.compile(
    r"^(?:[一二三四五六七八九十]+[、.]|\d+[、.]|\([一二三四五六七八九十\d]+\))\s*"
)
_NOTICE = re.compile(r"^(?P<name>[^:\d][^:]*?)\s*:\s*(?P<body>.+)$")
_DATE = re.compile(
    r"(?:(?P<y>\d{4})\s*年\s*)?(?:(?P<m>\d{1,2})\s*月\s*)?(?P<d>\d{1,2})\s*日"
    r"(?:\s*\((?P<paren>[^)]*)\))?"
)
_RANGE_JOIN = re.compile(r"^\s*(?:至|到|-|~|—|–)\s*$")
_TOTAL = re.compile(r"共\s*(\d+)\s*天")
_WEEKDAY_IN_PAREN = re.compile(r"(?:周|星期)([一二三四五六日天])")
_CSV = re.compile(
    r"^(?P<y>\d{4})\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"\s*[,\t]\s*(?P<kind>[^,\t]+?)\s*(?:[,\t]\s*(?P<name>[^,\t]*?)\s*)?$"
)
_CSV_HEADER = re.compile(r"^(?:日期|date)\s*[,\t]", re.IGNORECASE)
_OFF_WORDS = frozenset({"放假", "休息", "休", "假", "off", "holiday", "0", "false"})
_ON_WORDS = frozenset({"上班", "调休上班", "班", "work", "workday", "1", "true"})
_EXAMPLE = (
    "如“春节：2月5日（周五）至11日（周四）放假调休，共7天。2月20日（周六）上班。”"
    "或“2027-02-05,放假,春节”"
)


@dataclass(frozen=True)
class ScheduleDay:
    """One date of the schedule: a day off or a make-up working day, and where it came from."""

    date: date
    is_workday: bool
    name: str
    line: int


def _md(d: date) -> str:
    return f"{d.month}月{d.day}日"


class _Line:
    """Errors and days of one line; the line number prefixes every message."""

    def __init__(self, number: int, year: int) -> None:
        self.number = number
        self.year = year
        self.errors: list[str] = []
        self.days: list[ScheduleDay] = []

    def error(self, text: str) -> None:
        self.errors.append(f"第{self.number}行：{text}")

    def day(self, y: int, m: int, d: int) -> date | None:
        try:
            day = date(y, m, d)
        except ValueError:
            self.error(f"{y}年{m}月{d}日不是有效的日期")
            return None
        if y != self.year:
            self.error(f"{y}年{m}月{d}日不在{self.year}年内，只能录入{self.year}年的日期")
            return None
        return day

    def add(self, day: date, is_workday: bool, name: str) -> None:
        if is_workday and day.weekday() < 5:
            self.error(
                f"{_md(day)}是星期{_WEEKDAYS[day.weekday()]}，本来就是工作日，不能作为调休上班日"
            )
            return
        self.days.append(ScheduleDay(day, is_workday, name, self.number))


def _check_weekday(line: _Line, day: date, paren: str | None) -> None:
    # The notice prints each date's weekday: a mismatch means a wrong year or a typo,
    # which must stop the entry rather than shift a holiday by a day.
    if not paren:
        return
    match = _WEEKDAY_IN_PAREN.search(paren)
    if match and _WEEKDAY_OF[match.group(1)] != day.weekday():
        line.error(
            f"{_md(day)}在{line.year}年是星期{_WEEKDAYS[day.weekday()]}，"
            f"通知中写的是“{match.group(0)}”；请检查年份和日期"
        )


def _parse_csv(line: _Line, match: re.Match[str]) -> None:
    day = line.day(int(match["y"]), int(match["m"]), int(match["d"]))
    kind = match["kind"].strip().lower()
    name = (match["name"] or "").strip()
    if kind in _OFF_WORDS:
        is_workday = False
    elif kind in _ON_WORDS:
        is_workday = True
    else:
        line.error(f"类型“{match['kind'].strip()}”无法识别，应为“放假”或“上班”")
        return
    if day is None:
        return
    if len(name) > NAME_MAX:
        line.error(f"名称不能超过 {NAME_MAX} 个字")
        return
    line.add(day, is_workday, name or ("调休上班" if is_workday else "节假日"))


def _parse_sentence(line: _Line, name: str, sentence: str) -> None:
    dates = list(_DATE.finditer(sentence))
    if not dates:
        if re.search(r"\d|放假|上班|休息", sentence):
            line.error(f"“{sentence}”中的日期无法识别，日期应写作“2月5日”")
        # Otherwise a remark such as “与周末连休”, which changes no date.
        return
    is_workday = "上班" in sentence
    if not is_workday and "放假" not in sentence and "休息" not in sentence:
        line.error(f"“{sentence}”没有说明是“放假”还是“上班”")
        return
    month: int | None = None
    resolved: list[date | None] = []
    for match in dates:
        if match["m"]:
            month = int(match["m"])
        if month is None:
            line.error(f"“{match.group(0)}”缺少月份")
            return
        year = int(match["y"]) if match["y"] else line.year
        day = line.day(year, month, int(match["d"]))
        if day is not None:
            _check_weekday(line, day, match["paren"])
        resolved.append(day)
    if any(day is None for day in resolved):
        return
    days = [day for day in resolved if day is not None]
    if is_workday:
        for day in days:
            line.add(day, True, f"{name}调休上班")
        return
    joined = len(dates) == 2 and _RANGE_JOIN.match(sentence[dates[0].end() : dates[1].start()])
    if joined:
        first, last = days
        if last < first:
            line.error(f"{_md(first)}至{_md(last)}：结束日期早于开始日期")
            return
        days = [first + timedelta(n) for n in range((last - first).days + 1)]
    total = _TOTAL.search(sentence)
    if total and int(total.group(1)) != len(days):
        line.error(f"通知写的是共{total.group(1)}天，但列出的日期共{len(days)}天")
        return
    for day in days:
        line.add(day, False, name)


def _parse_notice(line: _Line, match: re.Match[str]) -> None:
    name = re.sub(r"\s+", "", match["name"])
    if len(name) > NAME_MAX or not name:
        line.error(f"节日名称“{name}”应为 1–{NAME_MAX} 个字")
        return
    if len(f"{name}调休上班") > NAME_MAX and "上班" in match["body"]:
        line.error(f"节日名称“{name}”过长")
        return
    for sentence in re.split(r"[。;；]", match["body"]):
        if sentence.strip():
            _parse_sentence(line, name, sentence.strip())


def parse_schedule(text: str, *, year: int) -> list[ScheduleDay]:
    """The days off and make-up working days of ``year`` that ``text`` lists, by date.

    Raises ``InvalidInput`` (``errors["table"]``, one message per problem, each naming its
    line) for: an unreadable line, an invalid date or one outside ``year``, a weekday that
    does not match the printed one, a day count that does not match “共X天”, a date listed
    twice, a make-up working day that is a weekday anyway, or a text with no day off at all.
    """
    problems: list[str] = []
    days: list[ScheduleDay] = []
    seen: dict[date, int] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        # Zero-width characters come along when a notice is copied from a web page.
        content = strip_invisible(fold(raw)).strip()
        if not content or content.startswith("#"):
            continue
        line = _Line(number, year)
        csv = _CSV.match(content)
        if csv:
            _parse_csv(line, csv)
        elif _CSV_HEADER.match(content):
            continue
        else:
            notice = _NOTICE.match(_NUMBERING.sub("", content))
            if notice:
                _parse_notice(line, notice)
            else:
                short = content if len(content) <= 40 else content[:40] + "…"
                line.error(f"无法识别“{short}”。每行应为通知中的一项安排或一行表格，{_EXAMPLE}")
        problems.extend(line.errors)
        if line.errors:
            continue
        for day in line.days:
            if day.date in seen:
                where = "本行" if seen[day.date] == number else f"第{seen[day.date]}行"
                problems.append(f"第{number}行：{_md(day.date)}与{where}重复")
                continue
            seen[day.date] = number
            days.append(day)
    if not problems and not any(not day.is_workday for day in days):
        problems.append(f"没有读到{year}年的任何放假日期；请粘贴放假通知中的各项安排，{_EXAMPLE}")
    if problems:
        raise InvalidInput(f"{year}年放假安排有误，未作任何修改", errors={"table": problems})
    return sorted(days, key=lambda day: day.date)
