"""Import a year's project list from the county's sheet, and export it back in that shape.

Read with ``orgs.imports.read_rows`` (any encoding Excel writes, headers matched by their usual
names, title lines above the header allowed); every row is checked and every problem
reported with its row number; nothing is written until the whole file is clean. The sheets
counties actually publish are accepted as they are:

- several units in one cell (``县水务局、县住建局``): the first leads, the others cooperate;
- deadlines as words (``12月底前``, ``9月投入使用``, ``5月底前动工``): a date in the list's
  year, and where words follow the month, a milestone of that name;
- progress with a reason (``80%(新区实验幼儿园进度滞后)``, an unbalanced bracket too,
  ``98.4%``): the figure, the words kept in the remarks;
- a serial number repeated for two items.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction

from jishi.common.crypto import phone_problem
from jishi.common.errors import InvalidInput
from jishi.common.spreadsheet import xlsx_row
from jishi.common.text import fold
from jishi.orgs.imports import Column, ImportRow, RowError, clean_name, clean_text, read_rows
from jishi.orgs.models import Unit, UnitKind, User
from jishi.projects import services
from jishi.projects.models import Milestone, Project, ProjectList, Source
from jishi.projects.progress import month_end
from jishi.projects.selectors import lead_cadres, milestone_tree

COLUMNS: tuple[Column, ...] = (
    Column("number", "序号", ("序号", "编号", "no"), False, "1"),
    Column(
        "title",
        "项目名称",
        ("项目名称", "项目", "名称", "项目内容", "民生实事", "实事名称", "改革项目", "事项"),
        True,
        "新建2座人行天桥",
    ),
    Column("goal", "建设内容", ("建设内容", "主要内容", "目标任务", "建设内容及目标"), False, ""),
    Column(
        "lead_unit",
        "牵头单位",
        ("牵头单位", "责任单位", "主办单位", "牵头部门", "责任部门"),
        True,
        "县住建局",
    ),
    Column("cooperating", "配合单位", ("配合单位", "协办单位", "配合部门"), False, "县交通运输局"),
    Column(
        "lead_cadre",
        "领衔领导",
        ("领衔领导", "牵头领导", "县级领导", "责任领导", "联系领导"),
        False,
        "张三",
    ),
    Column("person", "责任人", ("责任人", "具体责任人", "联系人"), False, "李四"),
    Column("contact", "联系电话", ("联系电话", "电话"), False, "0000-1234567"),
    Column(
        "budget", "预算（万元）", ("预算", "总投资", "投资", "计划投资", "budget"), False, "500"
    ),
    Column("funds_paid", "已拨付（万元）", ("已拨付", "已拨付资金", "已完成投资"), False, ""),
    Column(
        "start", "开始日期", ("开始日期", "开工时间", "开始时间", "起始时间"), False, "2026-01-01"
    ),
    Column(
        "end",
        "完成时限",
        ("完成时限", "完成时间", "截止日期", "完成期限", "时间节点"),
        False,
        "12月底前",
    ),
    Column("township", "所在乡镇", ("所在乡镇", "乡镇", "实施地点"), False, "城关镇"),
    Column("village", "所在村(社区)", ("所在村", "村社区", "村"), False, ""),
    Column("source", "来源", ("来源", "项目来源"), False, "政府工作报告"),
    Column("milestones", "节点", ("节点", "时间节点安排", "进度安排", "里程碑"), False, ""),
    Column("progress", "当前进度", ("当前进度", "进度", "完成进度", "完成率"), False, "80%"),
    Column("remarks", "备注", ("备注", "说明"), False, ""),
)

_SPLIT_UNITS = re.compile(r"[、,，;；/\s]+")
_SPLIT_MILESTONES = re.compile(r"[；;\n]+")
_DATE_FULL = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*(.*)$")
_DATE_MONTH = re.compile(
    r"^(\d{1,2})\s*月\s*(?:(\d{1,2})\s*日|上旬|中旬|下旬|底|末)?\s*(?:前|以前)?\s*(.*)$"
)
_PROGRESS = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%|％)?\s*(.*)$", re.S)
_COMPLETION_WORDS = ("投入使用", "完成", "建成", "竣工", "完工", "投用", "交付", "验收")
SOURCE_NAMES = {
    **{str(label): value for value, label in Source.choices},
    **{value: value for value in Source.values},
    "上级": Source.ASSIGNED,
    "会议": Source.MEETING,
    "批示": Source.INSTRUCTION,
    "工作报告": Source.WORK_REPORT,
    "群众": Source.SUGGESTION,
    "建议": Source.SUGGESTION,
}


@dataclass
class ProjectImportReport:
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str = ""
    total_rows: int = 0
    created: int = 0
    written: bool = False

    @property
    def clean(self) -> bool:
        return not self.errors

    def lines(self) -> list[str]:
        out = [f"文件格式：{self.encoding}"] if self.encoding else []
        out += [f"提示：{w}" for w in self.warnings] + [str(e) for e in self.errors]
        if self.errors:
            out.append(f"文件有{len(self.errors)}处错误，未导入任何数据；请修改后重新导入")
        else:
            out.append(f"导入完成：共{self.total_rows}行，新增{self.created}个项目")
        return out


@dataclass
class _Row:
    number: int
    values: dict[str, object]


def parse_date(text: str, *, year: int) -> tuple[dt.date | None, str, str]:
    """A date as counties write it: (date, the words after it, error). ``12月底前`` is the
    end of December of the list's year; ``9月投入使用`` the end of September with the words
    ``投入使用``; ``2026-03-31``, ``2026/3/31``, ``2026年3月`` too."""
    raw = fold(clean_text(text)).strip()
    if not raw:
        return None, "", ""
    raw = raw.replace("T00:00:00", "")
    m = _DATE_FULL.match(raw)
    try:
        if m:
            y, mo = int(m.group(1)), int(m.group(2))
            day = int(m.group(3)) if m.group(3) else None
            base = dt.date(y, mo, 1)
            date = base.replace(day=day) if day else month_end(base)
            return date, m.group(4).strip(" ，,。"), ""
        m = _DATE_MONTH.match(raw)
        if m:
            mo = int(m.group(1))
            base = dt.date(year, mo, 1)
            date = base.replace(day=int(m.group(2))) if m.group(2) else month_end(base)
            return date, m.group(3).strip(" ，,。"), ""
    except ValueError:
        return None, "", f"日期“{text}”不存在"
    return None, "", f"无法识别的日期“{text}”（可写 2026-06-30、6月底前 或 6月底前开工）"


def parse_progress(text: str) -> tuple[Decimal | None, str, str]:
    """(percent, the words after it, error): ``80%(…滞后)`` → 80 and ``…滞后``."""
    raw = fold(clean_text(text))
    if not raw:
        return None, "", ""
    m = _PROGRESS.match(raw)
    if not m:
        return None, "", f"无法识别的进度“{text}”（应为 0–100 的百分数）"
    value = Decimal(m.group(1))
    if not m.group(2) and "." in m.group(1) and value <= 1:
        value *= 100  # an Excel percent cell, read as a fraction
    if value > 100:
        return None, "", f"进度“{text}”超过 100%"
    note = m.group(3).strip().strip("()（）").strip()
    return value.quantize(Decimal("0.1")), note, ""


def parse_money(text: str) -> tuple[Decimal | None, str]:
    raw = fold(clean_text(text)).replace(",", "").replace(" ", "")
    if not raw:
        return None, ""
    factor = Decimal(1)
    if raw.endswith("亿元") or raw.endswith("亿"):
        factor, raw = Decimal(10000), raw.rstrip("元").removesuffix("亿")
    else:
        raw = raw.removesuffix("万元").removesuffix("万")
    try:
        value = Decimal(raw) * factor
    except InvalidOperation:
        return None, f"无法识别的金额“{text}”（以万元为单位的数字）"
    if not value.is_finite() or value < 0:
        return None, f"无法识别的金额“{text}”（以万元为单位的数字）"
    return value.quantize(Decimal("0.01")), ""


class _Units:
    """Units by code, name and short name (names compared in Simplified Chinese)."""

    def __init__(self) -> None:
        self.by_key: dict[str, Unit] = {}
        for unit in Unit.objects.filter(active=True).order_by("depth", "pk"):
            for key in (unit.code, unit.name, unit.short_name):
                if key:
                    self.by_key.setdefault(clean_name(key), unit)

    def find(self, text: str) -> Unit | None:
        return self.by_key.get(clean_name(text))


def _cadres() -> dict[str, list[User]]:
    out: dict[str, list[User]] = {}
    for user in lead_cadres():
        for key in {user.full_name, user.username}:
            if key:
                out.setdefault(clean_name(key), []).append(user)
    return out


def parse_milestones(
    text: str, *, year: int, number: int, errors: list[RowError]
) -> list[services.MilestoneInput]:
    out: list[services.MilestoneInput] = []
    for part in (p.strip() for p in _SPLIT_MILESTONES.split(clean_text(text))):
        if not part:
            continue
        bits = [b.strip() for b in re.split(r"[:：]", part)]
        if len(bits) < 2 or not bits[0]:
            errors.append(RowError(number, "节点", f"“{part}”应写成 名称:日期 或 名称:日期:权重"))
            continue
        date, _rest, problem = parse_date(bits[1], year=year)
        if problem or date is None:
            errors.append(RowError(number, "节点", problem or f"“{part}”缺少日期"))
            continue
        weight = 1
        if len(bits) > 2 and bits[2]:
            if not bits[2].isdigit() or not 1 <= int(bits[2]) <= 1000:
                errors.append(RowError(number, "节点", f"“{part}”的权重应为 1 到 1000 的整数"))
                continue
            weight = int(bits[2])
        title, parent = _milestone_parent(bits[0], out)
        out.append(services.MilestoneInput(title[:100], date, weight, parent))
    return out


def _milestone_parent(name: str, earlier: list[services.MilestoneInput]) -> tuple[str, int | None]:
    """``上级>节点`` names a sub-milestone under an earlier milestone of the same cell (how
    the export writes a tree). A ``>`` that names no earlier milestone is part of the title."""
    head, sep, tail = name.replace("＞", ">").rpartition(">")
    if sep and tail.strip():
        for i in range(len(earlier) - 1, -1, -1):
            if earlier[i].title == head.strip():
                return tail.strip(), i
    return name, None


def _milestone_cell(milestones: list[Milestone]) -> str:
    """A project's milestones as the import reads them: a parent before its children, each
    child written ``上级>节点`` so a re-import gives the same tree."""
    titles = {m.pk: m.title for m in milestones}
    return "；".join(
        f"{f'{titles[m.parent_id]}>' if depth and m.parent_id else ''}{m.title}"
        f":{m.planned_date.isoformat()}:{m.weight}"
        for m, depth in milestone_tree(milestones)
    )


def _check(
    rows: list[ImportRow], project_list: ProjectList, report: ProjectImportReport
) -> list[_Row]:
    units = _Units()
    cadres = _cadres()
    existing = set(project_list.projects.values_list("title", flat=True))
    seen_titles: dict[str, int] = {}
    seen_numbers: dict[str, int] = {}
    year = project_list.year
    good: list[_Row] = []
    for row in rows:
        errors: list[RowError] = []
        n = row.number
        title = re.sub(r"\s+", " ", clean_text(row.get("title"))).rstrip("。")
        if not title:
            errors.append(RowError(n, "项目名称", "不能为空"))
        elif len(title) > services.TITLE_MAX:
            errors.append(RowError(n, "项目名称", f"最多 {services.TITLE_MAX} 字"))
        elif title in seen_titles:
            errors.append(RowError(n, "项目名称", f"与第{seen_titles[title]}行重复"))
        elif title in existing:
            errors.append(RowError(n, "项目名称", "清单中已有同名项目"))
        else:
            seen_titles[title] = n
        number = clean_text(row.get("number"))[:16]
        if number and number in seen_numbers:
            report.warnings.append(f"第{n}行序号 {number} 与第{seen_numbers[number]}行相同")
        elif number:
            seen_numbers[number] = n
        names = [x for x in _SPLIT_UNITS.split(clean_text(row.get("lead_unit"))) if x]
        found_units: list[Unit] = []
        if not names:
            errors.append(RowError(n, "牵头单位", "不能为空"))
        for name in names + [
            x for x in _SPLIT_UNITS.split(clean_text(row.get("cooperating"))) if x
        ]:
            unit = units.find(name)
            if unit is None:
                label = "牵头单位" if name in names else "配合单位"
                errors.append(RowError(n, label, f"单位“{name}”不存在"))
            elif unit not in found_units:
                found_units.append(unit)
        cadre: User | None = None
        cadre_name = clean_name(row.get("lead_cadre"))
        if cadre_name:
            matches = cadres.get(cadre_name, [])
            if not matches:
                errors.append(
                    RowError(n, "领衔领导", f"“{cadre_name}”不是县级领导或乡镇主要负责人")
                )
            elif len(matches) > 1:
                errors.append(RowError(n, "领衔领导", f"有多位“{cadre_name}”，请改填用户名"))
            else:
                cadre = matches[0]
        budget, problem = parse_money(row.get("budget"))
        if problem:
            errors.append(RowError(n, "预算（万元）", problem))
        elif budget is None and project_list.budget_required:
            errors.append(RowError(n, "预算（万元）", "本清单要求填写预算"))
        paid, problem = parse_money(row.get("funds_paid"))
        if problem:
            errors.append(RowError(n, "已拨付（万元）", problem))
        start, _words, problem = parse_date(row.get("start"), year=year)
        if problem:
            errors.append(RowError(n, "开始日期", problem))
        deadline, words, problem = parse_date(row.get("end"), year=year)
        if problem:
            errors.append(RowError(n, "完成时限", problem))
        milestones = parse_milestones(row.get("milestones"), year=year, number=n, errors=errors)
        end = deadline
        if deadline is not None and not milestones:
            if words and not any(w in words for w in _COMPLETION_WORDS):
                # "5月底前动工": a milestone by then; the project runs to the year's end.
                end = dt.date(year, 12, 31)
                milestones = [
                    services.MilestoneInput(words[:100], deadline, 30),
                    services.MilestoneInput("完成", end, 70),
                ]
            else:
                milestones = [services.MilestoneInput(words[:100] or "完成", deadline, 1)]
        if start and end and end < start:
            errors.append(RowError(n, "完成时限", "早于开始日期"))
        township = None
        township_name = clean_text(row.get("township"))
        if township_name:
            township = units.find(township_name)
            if township is None or township.kind != UnitKind.TOWNSHIP:
                errors.append(RowError(n, "所在乡镇", f"“{township_name}”不是本县的乡镇"))
                township = None
        village = None
        village_name = clean_text(row.get("village"))
        if village_name:
            village = units.find(village_name)
            if village is None or township is None or village.parent_id != township.pk:
                errors.append(
                    RowError(n, "所在村(社区)", f"“{village_name}”不是所填乡镇的村(社区)")
                )
                village = None
        source_text = clean_name(row.get("source"))
        source = ""
        if source_text:
            source = next((v for k, v in SOURCE_NAMES.items() if k in source_text), "")
            if not source:
                errors.append(RowError(n, "来源", f"无法识别的来源“{source_text}”"))
        progress_value, note, problem = parse_progress(row.get("progress"))
        if problem:
            errors.append(RowError(n, "当前进度", problem))
        remarks = "；".join(x for x in (clean_text(row.get("remarks")), note) if x)[:200]
        for field_name, label, limit in (("person", "责任人", 64), ("contact", "联系电话", 32)):
            if len(clean_text(row.get(field_name))) > limit:
                errors.append(RowError(n, label, f"最多 {limit} 个字符"))
        if phone := phone_problem(clean_text(row.get("contact"))):
            errors.append(RowError(n, "联系电话", phone))
        report.errors.extend(errors)
        if errors:
            continue
        good.append(
            _Row(
                n,
                {
                    "number": number,
                    "title": title,
                    "goal": clean_text(row.get("goal")),
                    "lead_unit": found_units[0],
                    "cooperating_units": found_units[1:],
                    "lead_cadre": cadre,
                    "person_responsible": clean_text(row.get("person")),
                    "contact": clean_text(row.get("contact")),
                    "budget": budget,
                    "funds_paid": paid,
                    "start_date": start,
                    "end_date": end,
                    "township": township,
                    "village": village,
                    "source": source,
                    "remarks": remarks,
                    "milestones": milestones,
                    "progress_now": progress_value,
                },
            )
        )
    return good


def projects_import(
    *, actor: User | None, project_list: ProjectList, data: bytes, filename: str
) -> ProjectImportReport:
    """Check every row; write nothing unless all are right, then create every project (each
    through ``project_create``, so each gets its first event) in one transaction."""
    report = ProjectImportReport()
    table = read_rows(data, filename=filename, columns=COLUMNS)
    report.warnings, report.encoding = table.warnings, table.encoding
    if table.errors:
        report.errors = table.errors
        return report
    report.total_rows = len(table.rows)
    good = _check(table.rows, project_list, report)
    if report.errors:
        return report
    with transaction.atomic():
        for row in good:
            try:
                services.project_create(
                    actor=actor,
                    project_list=project_list,
                    via="import",
                    **row.values,  # type: ignore[arg-type]
                )
            except InvalidInput as exc:
                for field_name, messages in exc.errors.items():
                    report.errors.extend(RowError(row.number, field_name, m) for m in messages)
        if report.errors:
            transaction.set_rollback(True)
            return report
        report.created = len(good)
    report.written = True
    return report


# --- export ------------------------------------------------------------------------------------


def export_rows(projects: list[Project]) -> list[list[object]]:
    """One row per project in the import's own columns, so an export imports back."""
    rows: list[list[object]] = []
    for p in projects:
        milestones = _milestone_cell(list(p.milestones.all()))
        rows.append(
            [
                p.number,
                p.title,
                p.goal,
                p.lead_unit.name,
                "、".join(u.name for u in p.cooperating_units.all()),
                (p.lead_cadre.full_name or p.lead_cadre.username) if p.lead_cadre else "",
                p.person_responsible,
                p.contact,
                p.budget if p.budget is not None else "",
                p.funds_paid,
                p.start_date or "",
                p.end_date or "",
                p.township.name if p.township else "",
                p.village.name if p.village else "",
                p.get_source_display() if p.source else "",
                milestones,
                f"{p.progress}%",
                p.remarks,
            ]
        )
    return rows


def list_workbook(project_list: ProjectList, projects: list[Project]) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 (loaded on first use: openpyxl is heavy)

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "项目清单"
    sheet.append(xlsx_row(sheet, [project_list.title]))
    sheet.append(xlsx_row(sheet, [c.label for c in COLUMNS]))
    for row in export_rows(projects):
        sheet.append(xlsx_row(sheet, row))
    sheet.column_dimensions["B"].width = 40
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def template_workbook() -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 (loaded on first use: openpyxl is heavy)

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(xlsx_row(sheet, [c.label + ("*" if c.required else "") for c in COLUMNS]))
    sheet.append(xlsx_row(sheet, [c.example for c in COLUMNS]))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
