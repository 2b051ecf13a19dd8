"""Import a season's schedule of talks from Excel or CSV, with the unit import's rules
(``orgs.imports.read_rows``): headers matched by their usual names, every bad row reported
with its number and column, nothing written until the file is clean.

Each row is judged by ``services.talk_check``, the very rules of the form, after the names
in it (series, site, units, the setting) are looked up.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.utils import timezone

from jishi.common.spreadsheet import xlsx_row
from jishi.common.text import fold, search_key, to_simplified
from jishi.orgs.imports import Column, ImportRow, RowError, clean_name, read_rows
from jishi.orgs.models import Unit, UnitKind, User
from jishi.outreach import services, tokens
from jishi.outreach.models import Branch, Series, Setting, Site, Talk

TALK_COLUMNS: tuple[Column, ...] = (
    Column("date", "日期", ("日期", "宣讲日期", "date"), True, "2026-11-10"),
    Column("start", "开始时间", ("开始时间", "开始", "时间", "start"), True, "14:00"),
    Column("end", "结束时间", ("结束时间", "结束", "end"), True, "16:00"),
    Column("title", "题目", ("题目", "宣讲题目", "标题", "title"), True, "党的创新理论进社区"),
    Column("speaker", "宣讲人", ("宣讲人", "主讲人", "speaker"), True, "李老师"),
    Column("setting", "六进场景", ("六进场景", "场景", "六进", "setting"), True, "进社区"),
    Column("organiser", "主办单位", ("主办单位", "主办单位编码", "主办", "organiser"), True, "T01"),
    Column("series", "系列", ("系列", "宣讲系列", "series"), False, "六讲六进"),
    Column("theme", "主题", ("主题", "theme"), False, "讲党的创新理论"),
    Column("site", "阵地", ("阵地", "宣讲阵地", "site"), False, "红军长征纪念馆"),
    Column("place", "地点", ("地点", "place"), False, ""),
    Column("township", "乡镇", ("乡镇", "所在乡镇", "township"), False, "城关镇"),
    Column("audience", "对象", ("对象", "宣讲对象", "audience"), False, "社区党员群众"),
    Column("expected_size", "预计人数", ("预计人数", "人数", "expected_size"), False, "80"),
    Column("recording_url", "录像链接", ("录像链接", "录像", "recording_url"), False, ""),
    Column("materials", "宣讲材料", ("宣讲材料", "材料", "materials"), False, ""),
    # A talk that crosses midnight (an evening film and talk, a night shift's session) ends
    # on the next day: the end date says so; left empty, the talk ends on its own date.
    Column("end_date", "结束日期", ("结束日期", "end_date"), False, ""),
    Column(
        "remote",
        "流动党员远程签到",
        ("流动党员远程签到", "远程签到", "流动党员", "remote"),
        False,
        "是",
    ),
    Column(
        "remote_closes",
        "远程签到截止",
        ("远程签到截止", "远程截止", "remote_closes_at"),
        False,
        "2026-11-17 16:00",
    ),
)
LABELS = {c.name: c.label for c in TALK_COLUMNS}
# Which column a service field's error belongs to.
FIELD_COLUMNS = {
    "starts_at": "start",
    "ends_at": "end",
    "remote_closes_at": "remote_closes",
}
_TIME = re.compile(r"^(\d{1,2})[:：时点](\d{2})?(?:[:：分](\d{2}))?秒?$")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
MAX_TALK_ROWS = 2000


@dataclass
class ScheduleReport:
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created: int = 0
    written: bool = False
    noun: str = "场宣讲"

    def lines(self) -> list[str]:
        out = [f"提示：{w}" for w in self.warnings] + [str(e) for e in self.errors]
        if self.errors and not self.written:
            out.append(f"文件有{len(self.errors)}处错误，未导入任何数据；请修改后重新导入")
        elif self.written:
            out.append(f"导入完成：新增{self.created}{self.noun}")
        return out


def _key(text: str) -> str:
    return "".join(search_key(text).split())


def parse_date(text: str) -> dt.date | None:
    value = fold(text or "").strip()
    value = value.split("T")[0].split(" ")[0]
    match = _DATE.match(value)
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_time(text: str) -> dt.time | None:
    value = fold(text or "").strip().replace(" ", "")
    if "T" in value:  # a whole date and time in the cell
        value = value.split("T", 1)[1]
    match = _TIME.match(value)
    if not match:
        return None
    hour, minute, second = int(match[1]), int(match[2] or 0), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return dt.time(hour, minute)


def parse_datetime(text: str) -> dt.datetime | None:
    """A date and time in one cell (2026-11-17 16:00, or as Excel writes a date cell), in
    the county's time zone."""
    value = fold(text or "").strip().replace("T", " ")
    parts = value.split(None, 1)
    if len(parts) != 2:
        return None
    day, at = parse_date(parts[0]), parse_time(parts[1].replace(" ", ""))
    if day is None or at is None or not 2000 <= day.year <= 2100:
        return None
    return timezone.make_aware(dt.datetime.combine(day, at))


def _yes_no(text: str) -> bool | None:
    value = _key(fold(text or ""))
    if value in ("", "否", "no", "n", "0", "false", "×", "x", "不开通"):
        return False
    if value in ("是", "yes", "y", "1", "true", "√", "✓", "开通"):
        return True
    return None


def _setting(text: str) -> str:
    key = _key(text)
    for value, label in Setting.choices:
        if key in (value, _key(str(label)), _key(str(label)).removeprefix("进")):
            return str(value)
    return ""


class _Lookup:
    """Names in the file looked up once: units by code or name, series, sites."""

    def __init__(self) -> None:
        units = list(Unit.objects.filter(active=True))
        self.units_by_code = {u.code.lower(): u for u in units}
        self.units_by_name: dict[str, list[Unit]] = {}
        for unit in units:
            self.units_by_name.setdefault(_key(unit.name), []).append(unit)
        self.series = {_key(s.name): s for s in Series.objects.all()}
        self.sites: dict[str, list[Site]] = {}
        for site in Site.objects.filter(active=True):
            self.sites.setdefault(_key(site.name), []).append(site)

    def unit(self, text: str, kinds: tuple[str, ...]) -> tuple[Unit | None, str]:
        text = clean_name(text)
        if not text:
            return None, ""
        found = self.units_by_code.get(fold(text).lower())
        if found is None:
            named = [
                u for u in self.units_by_name.get(_key(to_simplified(text)), []) if u.kind in kinds
            ]
            if len(named) > 1:
                return None, f"有多个名为 {text} 的单位，请填写单位编码"
            found = named[0] if named else None
        if found is None or found.kind not in kinds:
            return None, f"找不到单位 {text}"
        return found, ""


def _bad(errors: list[RowError], number: int, column: str, message: str) -> None:
    errors.append(RowError(number, LABELS[column], message))


@dataclass
class _Good:
    number: int
    values: dict[str, object]


def _check(rows: list[ImportRow], actor: User, report: ScheduleReport) -> list[_Good]:
    look = _Lookup()
    good: list[_Good] = []
    seen: dict[tuple[str, str, int], int] = {}
    for row in rows:
        errors: list[RowError] = []
        bad = partial(_bad, errors, row.number)

        day = parse_date(row.get("date"))
        if day is None:
            bad("date", "日期格式应为 2026-11-10" if row.get("date").strip() else "不能为空")
        elif not 2000 <= day.year <= 2100:
            bad("date", "年份应在 2000 到 2100 之间")
        start, end = parse_time(row.get("start")), parse_time(row.get("end"))
        if start is None:
            bad("start", "时间格式应为 14:00" if row.get("start").strip() else "不能为空")
        if end is None:
            bad("end", "时间格式应为 16:00" if row.get("end").strip() else "不能为空")
        setting = _setting(row.get("setting"))
        if not setting:
            bad("setting", "应为 " + "、".join(str(label) for _v, label in Setting.choices))
        organiser, problem = look.unit(
            row.get("organiser"),
            (UnitKind.COUNTY, UnitKind.DEPARTMENT, UnitKind.TOWNSHIP, UnitKind.VILLAGE),
        )
        if problem or organiser is None:
            bad("organiser", problem or "不能为空")
        elif not services.may_manage(actor, organiser):
            bad("organiser", f"您不能为 {organiser.name} 安排宣讲")
        township, problem = look.unit(row.get("township"), (UnitKind.TOWNSHIP,))
        if problem:
            bad("township", problem)
        series = None
        if row.get("series").strip():
            series = look.series.get(_key(row.get("series")))
            if series is None:
                bad("series", f"找不到系列 {clean_name(row.get('series'))}，请先在系统中添加")
        site = None
        if row.get("site").strip():
            sites = look.sites.get(_key(row.get("site")), [])
            if len(sites) != 1:
                bad(
                    "site",
                    f"找不到阵地 {clean_name(row.get('site'))}" if not sites else "有多个同名阵地",
                )
            else:
                site = sites[0]
        size: int | None = None
        raw_size = fold(row.get("expected_size")).strip()
        if raw_size:
            if raw_size.isdigit() and len(raw_size) < 7:
                size = int(raw_size)
            else:
                bad("expected_size", "应为整数")
        end_day = day
        if row.get("end_date").strip():
            end_day = parse_date(row.get("end_date"))
            if end_day is None:
                bad("end_date", "日期格式应为 2026-11-11")
        starts = ends = None
        if (
            day is not None
            and end_day is not None
            and start is not None
            and end is not None
            and 2000 <= day.year <= 2100
        ):
            starts = timezone.make_aware(dt.datetime.combine(day, start))
            ends = timezone.make_aware(dt.datetime.combine(end_day, end))
            if ends <= starts and end_day == day:
                bad("end", "结束时间应晚于开始时间；跨过午夜的宣讲请填写结束日期")
        remote = _yes_no(row.get("remote"))
        if remote is None:
            bad("remote", "填写“是”或“否”（或留空）")
        remote_closes = None
        if row.get("remote_closes").strip():
            remote_closes = parse_datetime(row.get("remote_closes"))
            if remote_closes is None:
                bad("remote_closes", "格式应为 2026-11-17 16:00")
            elif not remote:
                bad("remote_closes", "未开通流动党员远程签到，不需要截止时间")
        values, problems = services.talk_check(
            services.TalkInput(
                title=row.get("title"),
                speaker=row.get("speaker"),
                setting=setting or "office",
                organiser=organiser,
                starts_at=starts,
                ends_at=ends,
                series=series,
                theme=row.get("theme"),
                site=site,
                place=row.get("place"),
                township=township,
                audience=row.get("audience"),
                expected_size=size,
                materials=row.get("materials"),
                recording_url=row.get("recording_url"),
                remote=bool(remote),
                remote_closes_at=remote_closes,
            )
        )
        reported = {e.column for e in errors}
        for name, messages in problems.items():
            column = FIELD_COLUMNS.get(name, name)
            if column not in LABELS or LABELS[column] in reported:
                continue
            if name in ("organiser",) or (name in ("starts_at", "ends_at") and starts is None):
                continue
            for message in messages:
                bad(column, message)
        if not errors and starts is not None and organiser is not None:
            key = (_key(str(values["title"])), starts.isoformat(), organiser.pk)
            if key in seen:
                bad("title", f"与第{seen[key]}行重复")
            elif Talk.objects.filter(
                title=values["title"], starts_at=starts, organiser=organiser
            ).exists():
                bad("title", "系统中已有同一时间、同一主办单位的这场宣讲")
            seen.setdefault(key, row.number)
        if errors:
            report.errors.extend(errors)
        else:
            good.append(_Good(row.number, values))
    return good


def schedule_import(*, actor: User, data: bytes, filename: str) -> ScheduleReport:
    """Check every row; write all the talks in one transaction, or none."""
    report = ScheduleReport()
    table = read_rows(data, filename=filename, columns=TALK_COLUMNS)
    report.warnings = table.warnings
    if table.errors:
        report.errors = table.errors
        return report
    if not table.rows:
        report.errors.append(RowError(None, "", "文件中没有宣讲"))
        return report
    if len(table.rows) > MAX_TALK_ROWS:
        report.errors.append(RowError(None, "", f"一次最多导入 {MAX_TALK_ROWS} 场宣讲"))
        return report
    good = _check(table.rows, actor, report)
    if report.errors:
        return report
    with transaction.atomic():
        Talk.objects.bulk_create(
            [
                Talk(
                    **item.values,
                    checkin_key=tokens.new_key(),
                    # A remote window in the row gives the talk its remote link at once.
                    remote_key=tokens.new_key() if item.values["remote_opens_at"] else "",
                    created_by=actor,
                )
                for item in good
            ]
        )
    report.created = len(good)
    report.written = True
    return report


def template_xlsx() -> bytes:
    """An empty schedule with the headers (required ones marked ``*``) and one example row."""
    from openpyxl import Workbook  # noqa: PLC0415 (loaded on first use: openpyxl is heavy)

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "宣讲日程"
    sheet.append(xlsx_row(sheet, [f"{c.label}*" if c.required else c.label for c in TALK_COLUMNS]))
    sheet.append(xlsx_row(sheet, [c.example for c in TALK_COLUMNS]))
    for index in range(1, len(TALK_COLUMNS) + 1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = 16
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("姓名", "党员姓名", "name"), True, "王芳"),
    Column("hardship", "困难党员", ("困难党员", "困难", "hardship"), False, "否"),
    Column("remote", "流动党员", ("流动党员", "流动", "remote"), False, "是"),
    Column("note", "备注", ("备注", "note"), False, "在外务工"),
)


def members_import(*, actor: User, branch: Branch, data: bytes, filename: str) -> ScheduleReport:
    """A branch's member list from Excel or CSV: every bad row reported, nothing written
    until the file is clean."""
    report = ScheduleReport(noun="名党员")
    table = read_rows(data, filename=filename, columns=MEMBER_COLUMNS)
    report.warnings = table.warnings
    if table.errors:
        report.errors = table.errors
        return report
    good, errors = services.members_check(branch, [(r.number, r.values) for r in table.rows])
    report.errors = [RowError(n, column, message) for n, column, message in errors]
    if report.errors:
        return report
    if not good:
        report.errors.append(RowError(None, "", "文件中没有党员"))
        return report
    report.created = services.members_write(actor=actor, branch=branch, good=good)
    report.written = True
    return report
