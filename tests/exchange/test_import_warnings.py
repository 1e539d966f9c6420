"""Every warning reaches the clerk: an ID number whose area code never existed, the
sheet's 性别 or 出生日期 against the ID number — in the preview, on the rows of an import,
on a sheet of the error workbook (written write-only), and in the wizard."""

from __future__ import annotations

from openpyxl import load_workbook
from xlsx_helpers import make_id, write_xlsx

from station_app.exchange.xlsx_import import import_file, preview_file
from station_app.storage.sqlfile import dbapi as sqlite3

ZHANG = make_id("44030519900101123")  # male
LI = make_id("44030519910202224")  # female
NOWHERE = make_id("44039919900101123")  # 440399: no such county in Shenzhen, ever
WANG = make_id("11010519850315001")


def sheet(tmp_path, name="m.xlsx"):
    return write_xlsx(tmp_path / name, [
        ["序号", "姓名", "性别", "出生日期", "公民身份号码", "联系电话"],
        [1, "张三", "男", "1990-01-01", ZHANG, "13800138000"],
        [2, "李四", "男", "1991-02-02", LI, None],  # the sheet says male: the ID, female
        [3, "赵六", "男", None, NOWHERE, None],
        [4, "王5", "男", "1985-03-16", WANG, None],  # rejected (name), and a warning
    ])


def _codes(row) -> list[str]:
    return [w.code for w in row.warnings]


def test_the_preview_holds_every_warning(tmp_path):
    result = preview_file(sheet(tmp_path))
    assert [r.status for r in result.rows] == ["ok", "ok", "ok", "error"]
    assert [_codes(r) for r in result.rows] == [
        [], ["import.gender_mismatch"], ["id.area_unknown"], ["import.birth_mismatch"]]
    assert [r.row for r in result.warned] == [3, 4]  # ready rows with a warning
    (msg,) = result.warning_messages(result.rows[2], "zh")
    assert msg.startswith("公民身份号码：") and "440399" in msg
    (msg,) = result.warning_messages(result.rows[1], "en")
    assert msg.startswith("性别: ") and "the ID number's is kept" in msg


def test_the_import_keeps_them_and_the_error_workbook_shows_them(db, db_path, admin,
                                                                 tmp_path):
    out = tmp_path / "m-errors.xlsx"
    result = import_file(db, admin, sheet(tmp_path), errors_path=out)
    assert (result.imported, len(result.rejected)) == (3, 1)
    assert [(r.row, _codes(r)) for r in result.warned] == [
        (3, ["import.gender_mismatch"]), (4, ["id.area_unknown"])]
    wb = load_workbook(out)
    assert wb.sheetnames == ["Sheet1", "提示"]
    errors = [[c.value for c in r] for r in wb["Sheet1"].iter_rows()]
    assert errors[1][1] == "王5"
    assert errors[1][-1].startswith("姓名：") and "提示：出生日期" in errors[1][-1]
    rows = [[c.value for c in r] for r in wb["提示"].iter_rows()]
    assert rows[0] == ["原行号", "列", "表中内容", "提示（已导入，请核对）"]
    assert rows[1][:3] == [3, "性别", "男"] and "身份证号码表明为“女”" in rows[1][3]
    assert rows[2][:3] == [4, "公民身份号码", NOWHERE] and "440399" in rows[2][3]
    con = sqlite3.connect(db_path)
    (detail,), = con.execute("SELECT detail FROM audit_log WHERE action = 'export'")
    con.close()
    assert '"rows": 3' in detail  # one rejected, two warned


def test_warnings_alone_make_a_workbook_of_warnings(db, admin, tmp_path):
    path = write_xlsx(tmp_path / "w.xlsx", [["姓名", "性别", "身份证号"],
                                            ["李四", "男", LI]])
    out = tmp_path / "w-errors.xlsx"
    result = import_file(db, admin, path, errors_path=out, lang="en")
    assert result.imported == 1 and result.errors_path == out
    wb = load_workbook(out)
    assert wb.sheetnames == ["Warnings"]
    assert [c.value for c in wb["Warnings"][1]] == [
        "Row", "Column", "In the sheet", "Warning (imported; please check)"]


def test_hardship_files_warn_about_the_id_number_too(db, admin, tmp_path):
    path = write_xlsx(tmp_path / "h.xlsx", [
        ["困难类别", "困难程度", "姓名", "身份证号", "家庭人口", "人均收入"],
        ["因病", "深度困难", "赵六", NOWHERE, 3, 800],
    ])
    (row,) = preview_file(path).rows
    assert row.status == "ok" and _codes(row) == ["id.area_unknown"]
    result = import_file(db, admin, path)
    assert result.imported == 1 and _codes(result.rows[0]) == ["id.area_unknown"]
