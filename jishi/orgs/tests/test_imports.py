"""Unit and staff imports: formats, normalising, every error with its row number, writing."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import execute_from_command_line
from django.test import Client
from openpyxl import Workbook, load_workbook

from jishi.orgs.imports import (
    MAX_ROWS,
    ImportReport,
    import_file,
    read_table,
    staff_import,
    template_bytes,
    units_import,
)
from jishi.orgs.models import Post, Role, Unit, UnitChange, UnitKind, User
from jishi.testing.fixtures import County, build_county
from jishi.testing.spreadsheets import assert_inert_csv, assert_inert_xlsx
from jishi.testing.ugly_inputs import FORMULAS

UNIT_HEADER = ["编码", "名称", "类型", "上级编码", "简称", "排序"]
STAFF_HEADER = ["用户名", "姓名", "电话", "单位编码", "岗位", "职务"]

TREE = [
    UNIT_HEADER,
    ["C", "示范县", "县", "", "", "0"],
    # The village comes before its township: parents may appear later in the file.
    ["T01V01", "新华社区", "社区", "T01", "", "1"],
    ["T01", "城关镇", "乡镇", "C", "城关", "1"],
    ["D01", "县住房和城乡建设局", "部门", "C", "住建局", "2"],
]


def xlsx(rows: Sequence[Sequence[object]], *, title_rows: int = 0) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for _ in range(title_rows):
        sheet.append(["示范县单位名单"])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode(encoding)


def units(data: bytes, filename: str = "units.xlsx", **kwargs: bool) -> ImportReport:
    return import_file(actor=None, kind="units", data=data, filename=filename, **kwargs)


def staff(data: bytes, filename: str = "staff.xlsx", **kwargs: bool) -> ImportReport:
    return import_file(actor=None, kind="staff", data=data, filename=filename, **kwargs)


def errors_of(report: ImportReport) -> list[str]:
    return [str(e) for e in report.errors]


# --- formats and normalising ---------------------------------------------------------------


@pytest.mark.django_db
def test_xlsx_import_builds_the_tree_with_paths_like_save():
    report = units(xlsx(TREE))
    assert report.clean, errors_of(report)
    assert report.written and report.created == 4
    assert report.encoding == "Excel（.xlsx）"
    county = Unit.objects.get(code="C")
    township = Unit.objects.get(code="T01")
    village = Unit.objects.get(code="T01V01")
    assert village.parent == township and township.parent == county
    assert village.path == f"/{county.pk}/{township.pk}/{village.pk}/"
    assert village.depth == 2
    assert township.kind == UnitKind.TOWNSHIP and township.short_name == "城关"
    assert UnitChange.objects.filter(action="create").count() == 4


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("encoding", "label"),
    [("utf-8", "UTF-8"), ("utf-8-sig", "UTF-8（带BOM）"), ("gbk", "GBK/GB18030")],
)
def test_csv_in_every_encoding_counties_save(encoding: str, label: str):
    report = units(csv_bytes(TREE, encoding), "units.csv")
    assert report.clean, errors_of(report)
    assert report.encoding == f"CSV，{label}编码"
    assert Unit.objects.get(code="D01").name == "县住房和城乡建设局"
    assert f"文件格式：CSV，{label}编码" in report.lines()


@pytest.mark.django_db
def test_a_file_in_no_known_encoding_gets_a_clear_error():
    report = units(b"\x81\x00\xff\x80code,name\n", "units.csv")
    assert not report.written
    assert "无法识别文件编码" in errors_of(report)[0]


@pytest.mark.django_db
def test_old_xls_files_are_refused_with_advice():
    report = units(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "units.xls")
    assert "另存为 .xlsx" in errors_of(report)[0]


@pytest.mark.django_db
def test_traditional_names_full_width_codes_and_english_headers():
    rows = [
        ["code", "name", "kind", "parent_code", "short_name"],
        ["Ｃ", " 示範縣 ", "county", "", ""],
        ["Ｔ０１", "城關鎮", "鄉鎮", "Ｃ", "城關"],
        ["T01V０1", "柳樹灣村", "村", "T01", ""],
    ]
    report = units(xlsx(rows))
    assert report.clean, errors_of(report)
    assert Unit.objects.get(code="C").name == "示范县"
    township = Unit.objects.get(code="T01")
    assert (township.name, township.short_name) == ("城关镇", "城关")
    assert Unit.objects.get(code="T01V01").name == "柳树湾村"


@pytest.mark.django_db
def test_a_title_line_above_the_header_keeps_excel_row_numbers():
    rows = [UNIT_HEADER, ["C", "示范县", "县", ""], ["T01", "城关镇", "火星", "C"]]
    report = units(xlsx(rows, title_rows=1))
    # Row 1 is the title, row 2 the header, so the bad row is row 4 in Excel.
    assert errors_of(report) == [
        "第4行 类型：未知的单位类型“火星”，应为：县、部门、乡镇、村、社区、政务大厅、窗口或其他"
    ]


@pytest.mark.django_db
def test_numbers_in_excel_cells_become_text():
    rows: list[Sequence[object]] = [UNIT_HEADER, [100, "示范县", "县", None, None, 1.0]]
    report = units(xlsx(rows))
    assert report.clean, errors_of(report)
    assert Unit.objects.get(code="100").sort_order == 1


# --- every error, with its row number -------------------------------------------------------


@pytest.mark.django_db
def test_missing_fields_and_unknown_kind_are_all_reported():
    rows = [
        UNIT_HEADER,
        ["C", "示范县", "县", ""],
        ["", "城关镇", "乡镇", "C"],
        ["T02", "", "乡镇", "C"],
        ["T03", "河口镇", "", "C"],
        ["T04", "青山乡", "省", "C"],
        ["T05", "白沙镇", "乡镇", "C", "", "第一"],
    ]
    report = units(xlsx(rows))
    assert errors_of(report) == [
        "第3行 编码：不能为空",
        "第4行 名称：不能为空",
        "第5行 类型：不能为空",
        "第6行 类型：未知的单位类型“省”，应为：县、部门、乡镇、村、社区、政务大厅、窗口或其他",
        "第7行 排序：应为整数，而不是“第一”",
    ]
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_duplicate_codes_in_the_file():
    rows = [UNIT_HEADER, ["C", "示范县", "县"], ["T01", "城关镇", "乡镇", "C"]]
    rows.append(["Ｔ01", "河口镇", "乡镇", "C"])
    report = units(xlsx(rows))
    assert errors_of(report) == ["第4行 编码：编码 T01 与第3行重复"]


@pytest.mark.django_db
def test_parent_not_found_and_missing_parent():
    rows = [
        UNIT_HEADER,
        ["C", "示范县", "县"],
        ["T01", "城关镇", "乡镇", "X9"],
        ["T02", "河口镇", "乡镇", ""],
    ]
    report = units(xlsx(rows))
    assert errors_of(report) == [
        "第3行 上级编码：上级编码 X9 在文件和系统中都不存在",
        "第4行 上级编码：不能为空：只有县可以没有上级单位",
    ]


@pytest.mark.django_db
def test_cycles_are_reported_on_every_row_in_them():
    rows = [
        UNIT_HEADER,
        ["C", "示范县", "县"],
        ["A", "甲", "部门", "B"],
        ["B", "乙", "部门", "A"],
        ["S", "丙", "部门", "S"],
    ]
    report = units(xlsx(rows))
    messages = errors_of(report)
    assert "第3行 上级编码：上级关系形成循环：A → B → A" in messages
    assert "第4行 上级编码：上级关系形成循环：A → B → A" in messages
    assert "第5行 上级编码：上级不能是自己" in messages
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_a_second_county_in_the_file():
    rows = [UNIT_HEADER, ["C", "示范县", "县"], ["C2", "另一县", "县"]]
    assert errors_of(units(xlsx(rows))) == ["第3行 类型：只能有一个县，第2行已经是县"]


def test_a_second_county_root_beside_the_one_in_the_database(county: County):
    rows = [UNIT_HEADER, ["C9", "另一县", "县"]]
    assert errors_of(units(xlsx(rows))) == [
        "第2行 类型：系统中已有县“测试县”（编码 C），只能有一个县"
    ]


def test_the_kind_of_an_existing_unit_cannot_change(county: County):
    rows = [UNIT_HEADER, ["T01", "城关镇", "部门", "C"]]
    assert errors_of(units(xlsx(rows))) == [
        "第2行 类型：已有单位 T01 的类型是“乡镇”，导入不能修改类型"
    ]


@pytest.mark.django_db
def test_an_empty_file_a_header_only_file_and_a_sheet_without_header():
    assert errors_of(units(b"", "units.csv")) == ["文件：文件是空的"]
    assert errors_of(units(xlsx([]))) == ["文件：文件是空的：没有任何内容"]
    assert errors_of(units(xlsx([UNIT_HEADER]))) == ["文件：文件只有表头，没有数据行"]
    no_header = units(xlsx([["C", "示范县", "县"], ["T01", "城关镇", "乡镇"]]))
    assert errors_of(no_header) == ["第1行：找不到表头：第一行应为列名，至少包含 编码、名称、类型"]


@pytest.mark.django_db
def test_a_huge_file_is_refused_before_checking_rows():
    rows = [UNIT_HEADER] + [[f"V{i}", f"村{i}", "村", "C"] for i in range(MAX_ROWS + 1)]
    report = units(csv_bytes(rows), "units.csv")
    assert errors_of(report) == [f"文件：文件超过 {MAX_ROWS} 行数据，请拆分成多个文件后分别导入"]
    assert Unit.objects.count() == 0


# --- all-or-nothing, good rows only, dry run, upsert ----------------------------------------


@pytest.mark.django_db
def test_one_bad_row_means_nothing_is_written():
    rows = [*TREE, ["T02", "河口镇", "乡镇", "NOPE"]]
    report = units(xlsx(rows))
    assert len(report.errors) == 1 and not report.written
    assert Unit.objects.count() == 0
    assert report.summary() == "文件有1处错误，未导入任何数据；请修改后重新导入"


@pytest.mark.django_db
def test_good_rows_only_skips_bad_rows_and_the_rows_under_them():
    rows = [
        *TREE,
        ["T02", "河口镇", "乡镇", ""],  # bad: no parent
        ["T02V01", "张家村", "村", "T02"],  # good itself, but its parent row is skipped
    ]
    report = units(xlsx(rows), good_rows_only=True)
    assert report.written
    assert errors_of(report) == [
        "第6行 上级编码：不能为空：只有县可以没有上级单位",
        "第7行 上级编码：上级单位（第6行）有错误未导入，本行跳过",
    ]
    assert report.skipped_rows == [6, 7]
    assert set(Unit.objects.values_list("code", flat=True)) == {"C", "T01", "T01V01", "D01"}


@pytest.mark.django_db
def test_dry_run_checks_and_writes_nothing():
    report = units(xlsx(TREE), dry_run=True)
    assert report.clean and not report.written
    assert report.created == 4
    assert Unit.objects.count() == 0


def test_existing_codes_are_updated_and_the_change_recorded(county: County):
    rows = [
        UNIT_HEADER,
        ["T01", "城关街道", "乡镇", "C", "城关", "3"],  # renamed, new short name and order
        ["V0102", "西街社区", "社区", "T02"],  # moved to 石桥镇
        ["D01", "县住建局", "部门", "C"],  # unchanged
    ]
    report = units(xlsx(rows))
    assert report.clean, errors_of(report)
    assert (report.created, report.updated, report.unchanged) == (0, 2, 1)
    county.chengguan.refresh_from_db()
    assert county.chengguan.name == "城关街道" and county.chengguan.sort_order == 3
    rename = county.chengguan.changes.get(action="update", after__name="城关街道")
    assert rename.before["name"] == "城关镇"
    xijie = Unit.objects.get(code="V0102")
    assert xijie.is_within(county.shiqiao)
    assert xijie.changes.filter(action="move").count() == 1
    assert not county.housing.changes.exists()


def test_moves_apply_parents_first_so_swaps_inside_a_subtree_work(county: County):
    # 东街社区 becomes the parent of 城关镇's new position: the township moves under the
    # village's new home first, which only works when rows are written parents-first.
    rows = [
        UNIT_HEADER,
        ["T01", "城关镇", "乡镇", "V0101"],
        ["V0101", "东街社区", "社区", "T02"],
    ]
    report = units(xlsx(rows))
    assert report.clean, errors_of(report)
    chengguan = Unit.objects.get(code="T01")
    assert chengguan.is_within(county.shiqiao)
    assert Unit.objects.get(code="V0102").is_within(Unit.objects.get(code="V0101"))


# --- staff ---------------------------------------------------------------------------------


def test_staff_import_creates_users_without_passwords_and_posts(county: County):
    rows = [
        STAFF_HEADER,
        ["zhangwei", "張偉", "０７３１－１２３４５６７", "T01", "承办人", "副镇长"],
        ["zhangwei", "张伟", "", "V0101", "handler", ""],
        ["lina", "李娜", "", "D01", "单位负责人", "局长"],
    ]
    report = staff(xlsx(rows))
    assert report.clean, errors_of(report)
    assert report.created == 3
    user = User.objects.get(username="zhangwei")
    assert user.full_name == "张伟" and user.phone == "0731-1234567"
    assert not user.has_usable_password()
    assert set(user.posts.values_list("unit__code", "role")) == {
        ("T01", Role.HANDLER),
        ("V0101", Role.HANDLER),
    }
    assert [u.username for u in report.new_users] == ["zhangwei", "lina"]
    assert "新用户 lina（李娜）未设密码，需由管理员重置后登录" in report.lines()


def test_staff_import_can_issue_one_time_passwords(county: County):
    rows = [STAFF_HEADER, ["wangfang", "王芳", "", "T02", "承办人", ""]]
    report = staff(xlsx(rows), issue_passwords=True)
    (new,) = report.new_users
    assert len(new.one_time_password) == 12
    user = User.objects.get(username="wangfang")
    assert user.check_password(new.one_time_password)
    assert not user.check_password("demo1234")


def test_staff_errors_with_row_numbers(county: County):
    rows = [
        STAFF_HEADER,
        ["a1", "甲", "", "T01", "承办人", ""],
        ["a1", "甲", "", "T01", "handler", ""],  # same role in the same unit twice
        ["b 2", "乙", "", "T01", "承办人", ""],
        ["c3", "", "abc", "NOPE", "镇长", ""],
        ["a1", "丁", "", "T02", "承办人", ""],  # same username, another name
    ]
    report = staff(xlsx(rows))
    assert errors_of(report) == [
        "第3行 岗位：与第2行重复：a1 在单位 T01 已是承办人",
        "第4行 用户名：只能包含字母、数字和 @ . + - _",
        "第5行 姓名：不能为空",
        "第5行 电话：电话号码格式不正确：abc",
        "第5行 单位编码：单位编码 NOPE 不存在，请先导入单位",
        "第5行 岗位：未知的岗位“镇长”，应为：承办人、派单员、单位负责人、县领导、督查员、管理员",
        "第6行 姓名：用户 a1 在第2行的姓名是“甲”，两处不一致",
    ]
    assert not User.objects.filter(username="a1").exists()


def test_staff_reimport_keeps_posts_and_updates_titles(county: County, township_handler: User):
    rows = [STAFF_HEADER, ["cg_handler", "陈刚", "", "T01", "承办人", "四级主任科员"]]
    report = staff(xlsx(rows))
    assert report.clean and (report.created, report.updated) == (0, 1)
    post = Post.objects.get(user=township_handler)
    assert post.title == "四级主任科员"
    assert Post.objects.filter(user=township_handler).count() == 1
    assert township_handler.check_password("pw-cg_handler")  # never reset by an import
    again = staff(xlsx(rows))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_staff_good_rows_only(county: County):
    rows = [STAFF_HEADER, ["ok1", "好", "", "T01", "承办人"], ["bad", "坏", "", "X", "承办人"]]
    report = staff(xlsx(rows), good_rows_only=True)
    assert report.written and report.skipped_rows == [3]
    assert User.objects.filter(username="ok1").exists()
    assert not User.objects.filter(username="bad").exists()


def test_staff_rows_can_be_passed_to_the_service_directly(county: County):
    table = read_table(
        xlsx([STAFF_HEADER, ["x1", "徐一", "", "T01", "派单员"]]), filename="s.xlsx", kind="staff"
    )
    report = staff_import(actor=None, rows=table.rows, dry_run=True)
    assert report.clean and report.created == 1 and not report.new_users
    assert not User.objects.filter(username="x1").exists()


def test_units_service_with_no_rows_is_an_error(db: None):
    assert errors_of(units_import(actor=None, rows=[])) == ["文件：没有数据行"]


# --- templates, command, admin -------------------------------------------------------------


def test_templates_have_the_headers_and_read_back_clean(tmp_path: Path):
    sheet = load_workbook(io.BytesIO(template_bytes("units"))).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == ["编码*", "名称*", "类型*", "上级编码", "简称", "排序"]
    text = template_bytes("staff", fmt="csv").decode("utf-8-sig")
    assert text.startswith("用户名*,姓名*,电话,单位编码*,岗位*,职务")
    # A template read back is "header only", not "no header".
    table = read_table(template_bytes("units"), filename="t.xlsx", kind="units")
    assert [str(e) for e in table.errors] == ["文件：文件只有表头，没有数据行"]


def test_command_writes_a_template(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "units.xlsx"
    execute_from_command_line(["manage.py", "import_units", "--template", str(out)])
    sheet = load_workbook(out).active
    assert sheet is not None and sheet["A1"].value == "编码*"


# The real command line closes every connection when it ends, which a test transaction
# cannot survive; these tests commit instead (and the tables are emptied afterwards).
@pytest.mark.django_db(transaction=True)
def test_command_exits_non_zero_and_prints_each_bad_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    bad = tmp_path / "units.csv"
    bad.write_bytes(csv_bytes([*TREE, ["T02", "河口镇", "镇", "ZZ"]], "gbk"))
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "import_units", str(bad)])
    assert exit_info.value.code == 1
    captured = capsys.readouterr()
    assert "文件格式：CSV，GBK/GB18030编码" in captured.out
    assert "第6行 上级编码：上级编码 ZZ 在文件和系统中都不存在" in captured.out
    assert "未导入任何数据" in captured.err
    assert Unit.objects.count() == 0

    good = tmp_path / "good.xlsx"
    good.write_bytes(xlsx(TREE))
    execute_from_command_line(["manage.py", "import_units", str(good), "--dry-run"])
    assert Unit.objects.count() == 0
    execute_from_command_line(["manage.py", "import_units", str(good)])
    assert "导入完成：共4行，新增4个单位" in capsys.readouterr().out
    assert Unit.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_staff_command_with_one_time_passwords(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    build_county()
    path = tmp_path / "staff.xlsx"
    path.write_bytes(xlsx([STAFF_HEADER, ["liqiang", "李强", "", "D02", "承办人"]]))
    execute_from_command_line(["manage.py", "import_staff", str(path), "--issue-passwords"])
    out = capsys.readouterr().out
    assert "新用户 liqiang（李强）一次性密码：" in out
    assert User.objects.get(username="liqiang").has_usable_password()


@pytest.fixture
def admin_client(db: None) -> Client:
    User.objects.create_superuser(username="root", password="pw-root", email="")
    client = Client()
    client.login(username="root", password="pw-root")
    return client


def test_admin_lists_link_to_the_import_page(admin_client: Client):
    for model in ("unit", "user", "post"):
        page = admin_client.get(f"/admin/orgs/{model}/")
        assert f'href="/admin/orgs/{model}/import/"' in page.content.decode()
    template = admin_client.get("/admin/orgs/unit/import/template/")
    assert template.status_code == 200
    assert template["Content-Disposition"] == 'attachment; filename="units-template.xlsx"'


@pytest.fixture
def formula_labels(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The units template with a header per ugly formula value, to show that whatever a
    template holds goes through the spreadsheet rule."""
    from jishi.orgs import imports

    columns = tuple(
        imports.Column(f"ugly_{i}", ugly.value, (), False) for i, ugly in enumerate(FORMULAS)
    )
    monkeypatch.setitem(imports.COLUMNS, "units", columns)
    return [ugly.value for ugly in FORMULAS]


def test_admin_template_download_writes_headers_as_inert_text(
    admin_client: Client, formula_labels: list[str]
):
    template = admin_client.get("/admin/orgs/unit/import/template/")
    assert template.status_code == 200
    texts = assert_inert_xlsx(template.content)
    assert texts == ["'" + label for label in formula_labels]


def test_command_csv_template_writes_headers_as_inert_text(
    tmp_path: Path, formula_labels: list[str]
):
    out = tmp_path / "units.csv"
    execute_from_command_line(["manage.py", "import_units", "--template", str(out)])
    rows = assert_inert_csv(out.read_bytes())
    assert rows == [["'" + label for label in formula_labels]]


def test_admin_upload_shows_the_report_and_imports_only_a_clean_file(admin_client: Client):
    url = "/admin/orgs/unit/import/"
    assert admin_client.get(url).status_code == 200
    bad = SimpleUploadedFile("units.xlsx", xlsx([*TREE, ["T02", "河口镇", "乡镇", ""]]))
    page = admin_client.post(url, {"file": bad})
    html = page.content.decode()
    assert page.status_code == 200
    assert "第6行" in html and "不能为空：只有县可以没有上级单位" in html
    assert "未导入任何数据" in html
    assert Unit.objects.count() == 0

    good = SimpleUploadedFile("units.csv", csv_bytes(TREE, "gbk"))
    page = admin_client.post(url, {"file": good})
    assert "导入完成：共4行，新增4个单位" in page.content.decode()
    assert Unit.objects.count() == 4
    root = User.objects.get(username="root")
    assert UnitChange.objects.filter(actor=root).count() == 4


def test_admin_staff_upload_shows_one_time_passwords_once(admin_client: Client, county: County):
    upload = SimpleUploadedFile(
        "staff.xlsx", xlsx([STAFF_HEADER, ["zhao", "赵敏", "", "T01", "承办人"]])
    )
    page = admin_client.post("/admin/orgs/post/import/", {"file": upload, "issue_passwords": "on"})
    html = page.content.decode()
    assert "密码只显示这一次" in html
    assert "no-store" in page["Cache-Control"]
    assert Post.objects.filter(user__username="zhao", unit__code="T01").exists()


def test_admin_import_needs_permission(county: County, township_handler: User):
    township_handler.is_staff = True
    township_handler.save(update_fields=["is_staff"])
    client = Client()
    client.login(username="cg_handler", password="pw-cg_handler")
    assert client.get("/admin/orgs/unit/import/").status_code == 403
