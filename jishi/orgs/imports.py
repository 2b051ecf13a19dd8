"""Import the unit tree and the staff list from a spreadsheet (.xlsx) or a CSV file.

Counties keep their organisation in Excel, so an import must take the file as people
actually save it: .xlsx, or CSV in UTF-8 (with or without a BOM) or GBK/GB18030 (what
Chinese Excel writes by default), with Chinese or English headers, full-width digits and
Traditional characters. Reading and checking are separate from writing:

1. ``read_table`` turns the bytes into numbered rows (numbers as the user sees them in
   Excel) plus file-level errors (empty file, no header row, too many rows, bad encoding).
2. ``units_import`` / ``staff_import`` check every row, collect *all* errors and write
   nothing unless the file is clean — or write only the good rows when asked. Everything is
   written in one transaction.

Units are matched by code: a code that already exists *updates* that unit (name, parent,
short name, order; the kind may not change), through ``unit_update`` so every change leaves
a ``UnitChange``; a new code creates a unit through ``unit_create``. Staff are matched by
username: an existing user's name and phone are updated, a post they already hold is kept
(its title updated, reactivated if ended). New users never get a default password: either
an unusable one (an administrator sets it or sends a reset) or, when asked, a random
one-time password shown once in the report.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import partial
from typing import Literal, TypeVar

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from jishi.common.errors import InvalidInput
from jishi.common.spreadsheet import safe_row, xlsx_row
from jishi.common.text import fold, source_text, to_simplified
from jishi.orgs.models import Post, Role, Unit, UnitChange, UnitKind, User
from jishi.orgs.services import unit_create, unit_update

# A county has a few thousand units and staff; 50,000 rows is far beyond any real file and
# keeps a mistaken upload (a whole case export) from tying up a worker for minutes.
MAX_ROWS = 50_000
# How far down a title line or two may push the header row.
HEADER_SEARCH_ROWS = 10

ImportKind = Literal["units", "staff"]


# --- columns -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of an import file: its field name, the label users see, the header
    spellings accepted (compared after normalising case, width and spaces)."""

    name: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False
    example: str = ""


UNIT_COLUMNS: tuple[Column, ...] = (
    Column("code", "编码", ("编码", "单位编码", "代码", "code", "unit_code"), True, "T01"),
    Column("name", "名称", ("名称", "单位名称", "name", "unit_name"), True, "城关镇"),
    Column("kind", "类型", ("类型", "单位类型", "kind", "type"), True, "乡镇"),
    Column(
        "parent_code",
        "上级编码",
        ("上级编码", "上级单位编码", "上级", "parent_code", "parent"),
        False,
        "C",
    ),
    Column("short_name", "简称", ("简称", "short_name", "short"), False, "城关"),
    Column("sort_order", "排序", ("排序", "序号", "sort_order", "order", "sort"), False, "1"),
)

STAFF_COLUMNS: tuple[Column, ...] = (
    Column(
        "username", "用户名", ("用户名", "账号", "登录名", "username", "login"), True, "zhangsan"
    ),
    Column("full_name", "姓名", ("姓名", "full_name", "name"), True, "张三"),
    Column(
        "phone", "电话", ("电话", "办公电话", "联系电话", "phone", "tel"), False, "0000-1234567"
    ),
    Column("unit_code", "单位编码", ("单位编码", "单位代码", "unit_code", "unit"), True, "T01"),
    Column("role", "岗位", ("岗位", "角色", "role", "post"), True, "承办人"),
    Column("title", "职务", ("职务", "title", "position"), False, "副镇长"),
)

COLUMNS: dict[ImportKind, tuple[Column, ...]] = {"units": UNIT_COLUMNS, "staff": STAFF_COLUMNS}

# Chinese kind names as a county writes them; Traditional input is simplified first.
KIND_NAMES: dict[str, str] = {
    **{value: value for value in UnitKind.values},
    **{source_text(label): value for value, label in UnitKind.choices},
    "县": UnitKind.COUNTY,
    "县级": UnitKind.COUNTY,
    "部门": UnitKind.DEPARTMENT,
    "县直部门": UnitKind.DEPARTMENT,
    "单位": UnitKind.DEPARTMENT,
    "乡镇": UnitKind.TOWNSHIP,
    "乡": UnitKind.TOWNSHIP,
    "镇": UnitKind.TOWNSHIP,
    "街道": UnitKind.TOWNSHIP,
    "村": UnitKind.VILLAGE,
    "社区": UnitKind.VILLAGE,
    "村社区": UnitKind.VILLAGE,
    "村(社区)": UnitKind.VILLAGE,
    "村/社区": UnitKind.VILLAGE,
    "政务大厅": UnitKind.HALL,
    "大厅": UnitKind.HALL,
    "政务服务中心": UnitKind.HALL,
    "窗口": UnitKind.WINDOW,
    "其他": UnitKind.OTHER,
}

ROLE_NAMES: dict[str, str] = {
    **{value: value for value in Role.values},
    **{source_text(label): value for value, label in Role.choices},
    "经办人": Role.HANDLER,
    "办理人": Role.HANDLER,
    "负责人": Role.UNIT_LEAD,
    "单位领导": Role.UNIT_LEAD,
    "派单": Role.DISPATCHER,
    "县级领导": Role.COUNTY_LEAD,
    "督查": Role.INSPECTOR,
    "管理": Role.ADMIN,
}

_PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ()]{4,30}$")
# Invisible characters that Excel and WeChat copies leave around cell values.
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060\u00ad"), None)


def _header_key(text: str) -> str:
    """Compare headers ignoring width, case, spaces, brackets and a trailing '*' (required
    marks in templates), so '编码*', ' Code ', 'ＣＯＤＥ' and '上级编码（选填）' all match."""
    key = fold(text).translate(_INVISIBLE).strip().lower()
    key = re.sub(r"[(（\[].*?[)）\]]", "", key)
    return re.sub(r"[\s*_\-]", "", key)


def _kind_key(text: str) -> str:
    return re.sub(r"[\s（）()]", "", to_simplified(fold(text)).lower())


_KIND_LOOKUP = {_kind_key(k): v for k, v in KIND_NAMES.items()}
_ROLE_LOOKUP = {_kind_key(k): v for k, v in ROLE_NAMES.items()}


def clean_text(value: str) -> str:
    """Strip spaces (including the ideographic space) and invisible characters."""
    return value.translate(_INVISIBLE).strip()


def clean_code(value: str) -> str:
    """Codes, usernames and phones: full-width digits and letters become half-width."""
    return fold(clean_text(value)).strip()


def clean_name(value: str) -> str:
    """Names are stored in Simplified Chinese; runs of spaces collapse to one."""
    return re.sub(r"\s+", " ", to_simplified(clean_text(value)))


# --- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """One problem: the row number as Excel shows it (``None`` for the whole file), the
    column label and a message in Chinese."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return f"文件：{self.message}"
        return (
            f"第{self.row}行 {self.column}：{self.message}"
            if self.column
            else (f"第{self.row}行：{self.message}")
        )


@dataclass(frozen=True)
class ImportRow:
    """One data row: its number in the sheet and its values by field name (raw strings)."""

    number: int
    values: dict[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "")


@dataclass
class Table:
    """What a file contained, before any row is checked."""

    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str = ""
    header_row: int = 0


@dataclass
class NewUser:
    """A user created by a staff import: the one-time password, or '' when the account
    has an unusable password and needs a reset before first use."""

    username: str
    full_name: str
    one_time_password: str = ""


@dataclass
class ImportReport:
    """The outcome of one import. ``written`` is true only when rows were committed."""

    kind: ImportKind
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    encoding: str = ""
    total_rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_rows: list[int] = field(default_factory=list)
    new_users: list[NewUser] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False
    good_rows_only: bool = False

    @property
    def clean(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        """One line in Chinese saying what happened."""
        noun = "单位" if self.kind == "units" else "岗位"
        counts = f"新增{self.created}个{noun}，更新{self.updated}个，未变{self.unchanged}个"
        if self.dry_run:
            state = "试导入（未写入）"
            if self.errors:
                return f"{state}：共{self.total_rows}行，发现{len(self.errors)}处错误"
            return f"{state}：共{self.total_rows}行，全部通过检查；将{counts}"
        if self.errors and not self.written:
            return f"文件有{len(self.errors)}处错误，未导入任何数据；请修改后重新导入"
        if self.errors:
            return (
                f"已导入正确的行：{counts}；跳过{len(self.skipped_rows)}行"
                f"（{len(self.errors)}处错误）"
            )
        return f"导入完成：共{self.total_rows}行，{counts}"

    def lines(self) -> list[str]:
        """The whole report as text lines: encoding, warnings, every error, summary."""
        out: list[str] = []
        if self.encoding:
            out.append(f"文件格式：{self.encoding}")
        out.extend(f"提示：{w}" for w in self.warnings)
        out.extend(str(e) for e in self.errors)
        for user in self.new_users:
            if user.one_time_password:
                who = f"新用户 {user.username}（{user.full_name}）"
                out.append(f"{who}一次性密码：{user.one_time_password}")
            else:
                out.append(
                    f"新用户 {user.username}（{user.full_name}）未设密码，需由管理员重置后登录"
                )
        out.append(self.summary())
        return out


# --- reading files -------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str] | None:
    """Decode CSV bytes, saying which encoding was used; ``None`` when it is neither UTF-8
    nor GB18030. GB18030 is a superset of GBK and GB2312, so one attempt covers all three."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode 文本" export: UTF-16 with a BOM (tab separated).
        try:
            return data.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            return None
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8（带BOM）"
        except UnicodeDecodeError:
            return None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    # GB18030 accepts many byte strings; control characters mean it was really binary.
    if any(unicodedata.category(ch) == "Cc" and ch not in "\r\n\t" for ch in text):
        return None
    return text, "GBK/GB18030"


def _cell_text(value: object) -> str:
    """Excel stores 001 as the number 1 and phones as floats; give back what was typed as
    nearly as possible (codes should be formatted as text — the template does that)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook  # noqa: PLC0415 (loaded on first use: openpyxl is heavy)

    # read_only streams the sheet instead of building every cell object in memory.
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(v) for v in values]
    finally:
        workbook.close()


def _csv_rows(text: str) -> Iterator[list[str]]:
    sample = text[:4096]
    first_line = sample.splitlines()[0] if sample else ""
    delimiter = max((",", "\t", ";"), key=first_line.count) if first_line else ","
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def read_table(data: bytes, *, filename: str, kind: ImportKind) -> Table:
    """Read an .xlsx or .csv file of units or staff (see ``read_rows``)."""
    return read_rows(data, filename=filename, columns=COLUMNS[kind])


def read_rows(data: bytes, *, filename: str, columns: Sequence[Column]) -> Table:
    """Read an .xlsx or .csv file into numbered rows keyed by field name.

    Row numbers are the sheet's own (1-based, blank lines counted), so "第5行" is the row
    the user sees as 5 in Excel. The header is the first row, among the first few, that has
    every required column; title lines above it are allowed. Other apps' imports (the
    service catalogue) read their files through this too, with their own columns.
    """
    table = Table()
    if not data or not data.strip():
        table.errors.append(RowError(None, "", "文件是空的"))
        return table
    lower = filename.lower()
    raw_rows: Iterable[list[str]]
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        table.errors.append(
            RowError(None, "", "不支持旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 或 CSV")
        )
        return table
    if data.startswith(b"PK\x03\x04") or lower.endswith((".xlsx", ".xlsm")):
        try:
            raw_rows = list(_limited(_xlsx_rows(data), MAX_ROWS + HEADER_SEARCH_ROWS + 1))
        except Exception:  # openpyxl raises many kinds of errors on a damaged file
            table.errors.append(
                RowError(None, "", "无法读取 Excel 文件：文件已损坏或不是 .xlsx 格式")
            )
            return table
        table.encoding = "Excel（.xlsx）"
    else:
        decoded = _decode(data)
        if decoded is None:
            table.errors.append(
                RowError(
                    None,
                    "",
                    "无法识别文件编码：请在 Excel 中另存为“CSV UTF-8”或 GBK 编码的 CSV，"
                    "或直接上传 .xlsx 文件",
                )
            )
            return table
        text, table.encoding = decoded
        table.encoding = f"CSV，{table.encoding}编码"
        try:
            raw_rows = list(_limited(_csv_rows(text), MAX_ROWS + HEADER_SEARCH_ROWS + 1))
        except csv.Error as exc:
            table.errors.append(RowError(None, "", f"CSV 格式有误：{exc}"))
            return table

    rows = [(number, [clean_text(v) for v in values]) for number, values in enumerate(raw_rows, 1)]
    rows = [(number, values) for number, values in rows if any(values)]
    if not rows:
        table.errors.append(RowError(None, "", "文件是空的：没有任何内容"))
        return table

    aliases = {_header_key(alias): col for col in columns for alias in col.aliases}
    required = {col.name for col in columns if col.required}
    header_index: int | None = None
    mapping: dict[int, Column] = {}
    for index, (_number, values) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found = {
            i: aliases[_header_key(v)] for i, v in enumerate(values) if _header_key(v) in aliases
        }
        if required <= {col.name for col in found.values()}:
            header_index, mapping = index, found
            break
    if header_index is None:
        labels = "、".join(col.label for col in columns if col.required)
        table.errors.append(
            RowError(rows[0][0], "", f"找不到表头：第一行应为列名，至少包含 {labels}")
        )
        return table

    header_number, header_values = rows[header_index]
    table.header_row = header_number
    seen: dict[str, int] = {}
    for i, col in sorted(mapping.items()):
        if col.name in seen:
            table.errors.append(
                RowError(header_number, col.label, f"表头中“{col.label}”出现了两次")
            )
        seen[col.name] = i
    unknown = [v for i, v in enumerate(header_values) if v and i not in mapping]
    if unknown:
        table.warnings.append(f"忽略无法识别的列：{'、'.join(unknown)}")

    data_rows = rows[header_index + 1 :]
    if len(data_rows) > MAX_ROWS:
        table.errors.append(
            RowError(None, "", f"文件超过 {MAX_ROWS} 行数据，请拆分成多个文件后分别导入")
        )
        return table
    if not data_rows:
        table.errors.append(RowError(None, "", "文件只有表头，没有数据行"))
        return table
    for number, values in data_rows:
        record = {
            col.name: (values[i] if i < len(values) else "") for col, i in _by_column(seen, columns)
        }
        table.rows.append(ImportRow(number, record))
    return table


def _by_column(seen: dict[str, int], columns: Sequence[Column]) -> Iterator[tuple[Column, int]]:
    for col in columns:
        if col.name in seen:
            yield col, seen[col.name]


def _limited(rows: Iterable[list[str]], limit: int) -> Iterator[list[str]]:
    """Stop reading once past the cap, so a huge file fails fast instead of loading."""
    for count, row in enumerate(rows):
        if count >= limit:
            return
        yield row


# --- templates -----------------------------------------------------------------------------


def template_bytes(kind: ImportKind, *, fmt: Literal["xlsx", "csv"] = "xlsx") -> bytes:
    """An empty import file with the right headers (required ones marked ``*``) and one
    example row to overwrite; code columns are formatted as text so Excel keeps 001."""
    columns = COLUMNS[kind]
    headers = [f"{col.label}*" if col.required else col.label for col in columns]
    if fmt == "csv":
        text = io.StringIO()
        csv.writer(text, lineterminator="\r\n").writerow(safe_row(headers))
        # A BOM so that Excel opens the UTF-8 file without garbling the Chinese headers.
        return ("\ufeff" + text.getvalue()).encode("utf-8")
    from openpyxl import Workbook  # noqa: PLC0415 (loaded on first use: openpyxl is heavy)
    from openpyxl.styles import Font  # noqa: PLC0415

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "单位" if kind == "units" else "人员岗位"
    sheet.append(xlsx_row(sheet, headers))
    for index in range(1, len(columns) + 1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[letter].width = 16
        for row in range(2, 1002):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- units ---------------------------------------------------------------------------------


@dataclass
class _UnitRow:
    number: int
    code: str
    name: str
    kind: str
    parent_code: str
    short_name: str
    sort_order: int
    ok: bool = True


def _label(kind: ImportKind, name: str) -> str:
    return next(col.label for col in COLUMNS[kind] if col.name == name)


def _check_unit_rows(rows: Sequence[ImportRow], errors: list[RowError]) -> list[_UnitRow]:
    """Field-level checks on each row, then duplicates within the file."""
    label = partial(_label, "units")
    parsed: list[_UnitRow] = []
    for row in rows:
        n = row.number
        before = len(errors)
        code = clean_code(row.get("code"))
        name = clean_name(row.get("name"))
        kind_raw = clean_text(row.get("kind"))
        parent_code = clean_code(row.get("parent_code"))
        short_name = clean_name(row.get("short_name"))
        order_raw = clean_code(row.get("sort_order"))
        if not code:
            errors.append(RowError(n, label("code"), "不能为空"))
        elif len(code) > 32:
            errors.append(RowError(n, label("code"), "不能超过32个字符"))
        elif re.search(r"\s|/", code):
            errors.append(RowError(n, label("code"), "不能包含空格或“/”"))
        if not name:
            errors.append(RowError(n, label("name"), "不能为空"))
        elif len(name) > 100:
            errors.append(RowError(n, label("name"), "不能超过100个字符"))
        kind = _KIND_LOOKUP.get(_kind_key(kind_raw), "") if kind_raw else ""
        if not kind_raw:
            errors.append(RowError(n, label("kind"), "不能为空"))
        elif not kind:
            errors.append(
                RowError(
                    n,
                    label("kind"),
                    f"未知的单位类型“{kind_raw}”，应为：县、部门、乡镇、村、社区、政务大厅、窗口或其他",
                )
            )
        if len(short_name) > 32:
            errors.append(RowError(n, label("short_name"), "不能超过32个字符"))
        sort_order = 0
        if order_raw:
            try:
                sort_order = int(order_raw)
            except ValueError:
                errors.append(RowError(n, label("sort_order"), f"应为整数，而不是“{order_raw}”"))
        if parent_code and parent_code == code:
            errors.append(RowError(n, label("parent_code"), "上级不能是自己"))
        parsed.append(
            _UnitRow(
                n, code, name, kind, parent_code, short_name, sort_order, len(errors) == before
            )
        )

    first: dict[str, _UnitRow] = {}
    for item in parsed:
        if not item.code:
            continue
        if item.code in first:
            errors.append(
                RowError(
                    item.number,
                    label("code"),
                    f"编码 {item.code} 与第{first[item.code].number}行重复",
                )
            )
            item.ok = False
        else:
            first[item.code] = item
    return parsed


def _check_unit_tree(parsed: list[_UnitRow], errors: list[RowError]) -> dict[str, tuple[str, str]]:
    """Parents, county roots and cycles, over the tree as it would be after the import.

    Returns ``{code: (parent_code, kind)}`` for that final tree (database units overlaid
    with the file's rows), which also gives the write order.
    """
    label = partial(_label, "units")
    existing = {
        code: (parent_code or "", kind)
        for code, parent_code, kind in Unit.objects.values_list("code", "parent__code", "kind")
    }
    # Rows that failed their own checks still claim their code: a child pointing at them
    # should not also be told "parent not found".
    claimed = {item.code for item in parsed if item.code}
    db_root = Unit.objects.filter(parent__isnull=True).values_list("code", "name").first()

    county_rows: list[_UnitRow] = []
    for item in parsed:
        if not item.kind:
            continue
        if item.code in existing and existing[item.code][1] != item.kind and item.ok:
            current = source_text(UnitKind(existing[item.code][1]).label)
            errors.append(
                RowError(
                    item.number,
                    label("kind"),
                    f"已有单位 {item.code} 的类型是“{current}”，导入不能修改类型",
                )
            )
            item.ok = False
        if item.kind == UnitKind.COUNTY:
            if item.parent_code:
                errors.append(
                    RowError(item.number, label("parent_code"), "县是最上级单位，不能有上级编码")
                )
                item.ok = False
            if county_rows:
                errors.append(
                    RowError(
                        item.number,
                        label("kind"),
                        f"只能有一个县，第{county_rows[0].number}行已经是县",
                    )
                )
                item.ok = False
            elif db_root and db_root[0] != item.code:
                errors.append(
                    RowError(
                        item.number,
                        label("kind"),
                        f"系统中已有县“{db_root[1]}”（编码 {db_root[0]}），只能有一个县",
                    )
                )
                item.ok = False
            county_rows.append(item)
        elif not item.parent_code:
            errors.append(
                RowError(item.number, label("parent_code"), "不能为空：只有县可以没有上级单位")
            )
            item.ok = False
        elif item.parent_code not in claimed and item.parent_code not in existing:
            errors.append(
                RowError(
                    item.number,
                    label("parent_code"),
                    f"上级编码 {item.parent_code} 在文件和系统中都不存在",
                )
            )
            item.ok = False

    final: dict[str, tuple[str, str]] = dict(existing)
    for item in parsed:
        if item.code and item.kind and (item.code not in final or item.ok):
            final[item.code] = (item.parent_code, item.kind)

    # Walk up from every row; a walk that comes back to a code it has seen is a cycle.
    reported: set[str] = set()
    for item in parsed:
        if not item.code or item.code in reported or not item.parent_code:
            continue
        chain = [item.code]
        current = item.parent_code
        while current and current in final:
            if current in chain:
                loop = chain[chain.index(current) :]
                text = " → ".join([*loop, current])
                for member in parsed:
                    if member.code in loop and member.code not in reported:
                        errors.append(
                            RowError(
                                member.number, label("parent_code"), f"上级关系形成循环：{text}"
                            )
                        )
                        member.ok = False
                reported.update(loop)
                break
            chain.append(current)
            current = final[current][0]
    return final


def _depth(code: str, final: dict[str, tuple[str, str]]) -> int:
    depth, seen = 0, {code}
    parent = final.get(code, ("", ""))[0]
    while parent and parent in final and parent not in seen:
        seen.add(parent)
        depth += 1
        parent = final[parent][0]
    return depth


def _propagate_unit_skips(parsed: list[_UnitRow], errors: list[RowError]) -> None:
    """In good-rows-only mode a row whose parent row is skipped cannot be written either."""
    label = _label("units", "parent_code")
    by_code = {item.code: item for item in parsed if item.code}
    changed = True
    while changed:
        changed = False
        for item in parsed:
            parent = by_code.get(item.parent_code)
            if item.ok and parent is not None and parent is not item and not parent.ok:
                errors.append(
                    RowError(
                        item.number, label, f"上级单位（第{parent.number}行）有错误未导入，本行跳过"
                    )
                )
                item.ok = False
                changed = True


class _RowFailed(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(str(error))
        self.error = error


def _write_unit(actor: User | None, item: _UnitRow, report: ImportReport) -> None:
    parent = Unit.objects.filter(code=item.parent_code).first() if item.parent_code else None
    if item.parent_code and parent is None:
        raise _RowFailed(
            RowError(
                item.number, _label("units", "parent_code"), f"上级编码 {item.parent_code} 不存在"
            )
        )
    unit = Unit.objects.filter(code=item.code).first()
    if unit is None:
        unit_create(
            actor=actor,
            code=item.code,
            name=item.name,
            kind=item.kind,
            parent=parent,
            short_name=item.short_name,
            sort_order=item.sort_order,
        )
        report.created += 1
        return
    changed = False
    if item.short_name != unit.short_name or item.sort_order != unit.sort_order:
        # unit_update covers name, parent and active; the display fields get their own
        # change record so nothing an import alters goes unrecorded.
        before = {"short_name": unit.short_name, "sort_order": unit.sort_order}
        Unit.objects.filter(pk=unit.pk).update(
            short_name=item.short_name, sort_order=item.sort_order
        )
        UnitChange.objects.create(
            unit=unit,
            actor=actor,
            action="update",
            before=before,
            after={"short_name": item.short_name, "sort_order": item.sort_order},
        )
        changed = True
    count = UnitChange.objects.filter(unit=unit).count()
    unit_update(
        actor=actor,
        unit=unit,
        name=item.name,
        parent=parent if parent is not None and parent.pk != unit.parent_id else None,
    )
    changed = changed or UnitChange.objects.filter(unit=unit).count() != count
    if changed:
        report.updated += 1
    else:
        report.unchanged += 1


_T = TypeVar("_T")


def _finish(
    report: ImportReport,
    write: Iterable[tuple[int, _T]],
    run_one: Callable[[_T], None],
    *,
    dry_run: bool,
) -> None:
    """Write the rows in one transaction. All-or-nothing unless good-rows-only, where each
    row has its own savepoint so one unexpected failure skips that row alone."""
    try:
        with transaction.atomic():
            for number, item in write:
                try:
                    if report.good_rows_only:
                        with transaction.atomic():
                            run_one(item)
                    else:
                        run_one(item)
                except (_RowFailed, InvalidInput, IntegrityError) as exc:
                    error = (
                        exc.error
                        if isinstance(exc, _RowFailed)
                        else RowError(number, "", _message(exc))
                    )
                    if not report.good_rows_only:
                        raise _RowFailed(error) from exc
                    report.errors.append(error)
                    report.skipped_rows.append(number)
            if dry_run:
                transaction.set_rollback(True)
    except _RowFailed as exc:
        report.errors.append(exc.error)
        report.created = report.updated = report.unchanged = 0
        report.new_users.clear()
        return
    report.written = not dry_run
    if dry_run:
        report.new_users.clear()


def _message(exc: Exception) -> str:
    if isinstance(exc, InvalidInput):
        details = "；".join(m for messages in exc.errors.values() for m in messages)
        return f"{exc.message}：{details}" if details else exc.message
    return "写入数据库失败（可能有人同时修改了数据），请重新导入"


def _start(
    kind: ImportKind, rows: Sequence[ImportRow], *, good_rows_only: bool, dry_run: bool
) -> ImportReport:
    report = ImportReport(kind=kind, good_rows_only=good_rows_only, dry_run=dry_run)
    report.total_rows = len(rows)
    if not rows:
        report.errors.append(RowError(None, "", "没有数据行"))
    elif len(rows) > MAX_ROWS:
        report.errors.append(RowError(None, "", f"超过 {MAX_ROWS} 行数据，请拆分后导入"))
    return report


def units_import(
    *,
    actor: User | None,
    rows: Sequence[ImportRow],
    good_rows_only: bool = False,
    dry_run: bool = False,
) -> ImportReport:
    """Create or update units from checked rows; see the module docstring for the rules.

    With ``good_rows_only`` the bad rows (and rows under a bad parent row) are skipped and
    the rest written; otherwise any error means nothing is written. ``dry_run`` checks and
    simulates the writes, then rolls them back.
    """
    report = _start("units", rows, good_rows_only=good_rows_only, dry_run=dry_run)
    if report.errors:
        return report
    parsed = _check_unit_rows(rows, report.errors)
    final = _check_unit_tree(parsed, report.errors)
    report.errors.sort(key=lambda e: e.row or 0)
    if report.errors and not good_rows_only:
        return report
    if good_rows_only:
        _propagate_unit_skips(parsed, report.errors)
        report.skipped_rows = sorted({item.number for item in parsed if not item.ok})
    # Parents first: sorting by depth in the final tree is a topological order, and it also
    # makes every move valid (a unit's new ancestors are all in place before it moves).
    todo = sorted(
        (item for item in parsed if item.ok), key=lambda i: (_depth(i.code, final), i.number)
    )
    report.errors.sort(key=lambda e: e.row or 0)
    _finish(
        report,
        [(item.number, item) for item in todo],
        lambda item: _write_unit(actor, item, report),
        dry_run=dry_run,
    )
    return report


# --- staff ---------------------------------------------------------------------------------


@dataclass
class _StaffRow:
    number: int
    username: str
    full_name: str
    phone: str
    unit_code: str
    role: str
    title: str
    ok: bool = True


def _check_staff_rows(rows: Sequence[ImportRow], errors: list[RowError]) -> list[_StaffRow]:
    label = partial(_label, "staff")
    validator = UnicodeUsernameValidator()
    unit_codes = set(Unit.objects.filter(active=True).values_list("code", flat=True))
    inactive_codes = set(Unit.objects.filter(active=False).values_list("code", flat=True))
    parsed: list[_StaffRow] = []
    for row in rows:
        n = row.number
        before = len(errors)
        username = clean_code(row.get("username"))
        full_name = clean_name(row.get("full_name"))
        phone = clean_code(row.get("phone"))
        unit_code = clean_code(row.get("unit_code"))
        role_raw = clean_text(row.get("role"))
        title = clean_name(row.get("title"))
        if not username:
            errors.append(RowError(n, label("username"), "不能为空"))
        elif len(username) > 150:
            errors.append(RowError(n, label("username"), "不能超过150个字符"))
        else:
            try:
                validator(username)
            except ValidationError:
                errors.append(RowError(n, label("username"), "只能包含字母、数字和 @ . + - _"))
        if not full_name:
            errors.append(RowError(n, label("full_name"), "不能为空"))
        elif len(full_name) > 64:
            errors.append(RowError(n, label("full_name"), "不能超过64个字符"))
        if phone and not _PHONE_RE.match(phone):
            errors.append(RowError(n, label("phone"), f"电话号码格式不正确：{phone}"))
        if not unit_code:
            errors.append(RowError(n, label("unit_code"), "不能为空"))
        elif unit_code in inactive_codes:
            errors.append(RowError(n, label("unit_code"), f"单位 {unit_code} 已停用"))
        elif unit_code not in unit_codes:
            errors.append(
                RowError(n, label("unit_code"), f"单位编码 {unit_code} 不存在，请先导入单位")
            )
        role = _ROLE_LOOKUP.get(_kind_key(role_raw), "") if role_raw else ""
        if not role_raw:
            errors.append(RowError(n, label("role"), "不能为空"))
        elif not role:
            names = "、".join(source_text(lbl) for lbl in Role.labels)
            errors.append(RowError(n, label("role"), f"未知的岗位“{role_raw}”，应为：{names}"))
        if len(title) > 64:
            errors.append(RowError(n, label("title"), "不能超过64个字符"))
        parsed.append(
            _StaffRow(n, username, full_name, phone, unit_code, role, title, len(errors) == before)
        )

    # One person, one name: rows for the same username must agree on name and phone.
    people: dict[str, _StaffRow] = {}
    posts: dict[tuple[str, str, str], _StaffRow] = {}
    for item in parsed:
        if not item.username:
            continue
        first = people.setdefault(item.username, item)
        if first is not item:
            if item.full_name and first.full_name and item.full_name != first.full_name:
                errors.append(
                    RowError(
                        item.number,
                        label("full_name"),
                        f"用户 {item.username} 在第{first.number}行的姓名是"
                        f"“{first.full_name}”，两处不一致",
                    )
                )
                item.ok = False
            if item.phone and first.phone and item.phone != first.phone:
                errors.append(
                    RowError(
                        item.number,
                        label("phone"),
                        f"用户 {item.username} 在第{first.number}行的电话不同",
                    )
                )
                item.ok = False
        if item.unit_code and item.role:
            key = (item.username, item.unit_code, item.role)
            if key in posts:
                role_label = source_text(Role(item.role).label)
                errors.append(
                    RowError(
                        item.number,
                        label("role"),
                        f"与第{posts[key].number}行重复：{item.username}"
                        f" 在单位 {item.unit_code} 已是{role_label}",
                    )
                )
                item.ok = False
            else:
                posts[key] = item
    return parsed


def _password() -> str:
    # Letters and digits without look-alikes (0/O, 1/l/I), easy to read out over a phone.
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(12))


def _write_staff(
    actor: User | None, item: _StaffRow, report: ImportReport, *, issue_passwords: bool
) -> None:
    unit = Unit.objects.filter(code=item.unit_code).first()
    if unit is None:
        raise _RowFailed(
            RowError(item.number, _label("staff", "unit_code"), f"单位编码 {item.unit_code} 不存在")
        )
    user = User.objects.select_for_update().filter(username=item.username).first()
    user_changed = False
    if user is None:
        user = User(username=item.username, full_name=item.full_name, phone=item.phone)
        one_time = _password() if issue_passwords else ""
        if one_time:
            user.set_password(one_time)
        else:
            user.set_unusable_password()
        user.save()
        report.new_users.append(NewUser(user.username, user.full_name, one_time))
    else:
        fields = []
        if item.full_name and item.full_name != user.full_name:
            user.full_name = item.full_name
            fields.append("full_name")
        if item.phone and item.phone != user.phone:
            user.phone = item.phone
            fields.append("phone")
        if fields:
            user.save(update_fields=fields)
            user_changed = True
    post = Post.objects.filter(user=user, unit=unit, role=item.role).first()
    if post is None:
        Post.objects.create(user=user, unit=unit, role=item.role, title=item.title)
        report.created += 1
        return
    fields = []
    if not post.active:
        post.active = True
        fields.append("active")
    if item.title and item.title != post.title:
        post.title = item.title
        fields.append("title")
    if fields:
        post.save(update_fields=fields)
    if fields or user_changed:
        report.updated += 1
    else:
        report.unchanged += 1


def staff_import(
    *,
    actor: User | None,
    rows: Sequence[ImportRow],
    good_rows_only: bool = False,
    dry_run: bool = False,
    issue_passwords: bool = False,
) -> ImportReport:
    """Create users and grant posts from checked rows.

    A row is one post: the same person in two units (or with two roles) is two rows. An
    existing username is the same person (name and phone updated when given); a post the
    person already holds is kept, reactivated and retitled, never duplicated. New users get
    an unusable password, or with ``issue_passwords`` a random one-time password listed in
    the report (shown once; it is not stored anywhere else).
    """
    report = _start("staff", rows, good_rows_only=good_rows_only, dry_run=dry_run)
    if report.errors:
        return report
    parsed = _check_staff_rows(rows, report.errors)
    report.errors.sort(key=lambda e: e.row or 0)
    if report.errors and not good_rows_only:
        return report
    report.skipped_rows = sorted({item.number for item in parsed if not item.ok})
    report.errors.sort(key=lambda e: e.row or 0)
    _finish(
        report,
        [(item.number, item) for item in parsed if item.ok],
        lambda item: _write_staff(actor, item, report, issue_passwords=issue_passwords),
        dry_run=dry_run,
    )
    return report


# --- files ---------------------------------------------------------------------------------


def import_file(
    *,
    actor: User | None,
    kind: ImportKind,
    data: bytes,
    filename: str,
    good_rows_only: bool = False,
    dry_run: bool = False,
    issue_passwords: bool = False,
) -> ImportReport:
    """Read a file and import it: what the command and the admin page call."""
    table = read_table(data, filename=filename, kind=kind)
    if table.errors:
        report = ImportReport(
            kind=kind, errors=table.errors, dry_run=dry_run, good_rows_only=good_rows_only
        )
    elif kind == "units":
        report = units_import(
            actor=actor, rows=table.rows, good_rows_only=good_rows_only, dry_run=dry_run
        )
    else:
        report = staff_import(
            actor=actor,
            rows=table.rows,
            good_rows_only=good_rows_only,
            dry_run=dry_run,
            issue_passwords=issue_passwords,
        )
    report.encoding = table.encoding
    report.warnings = table.warnings + report.warnings
    return report
