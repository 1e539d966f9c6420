"""Workbooks with more than one sheet of the same data: the first is read by default and
the others named; one, several or all can be read together, in one transaction, a member
in two sheets imported once; the error workbook has a sheet per sheet read."""

from __future__ import annotations

from openpyxl import Workbook, load_workbook
from xlsx_helpers import make_id

from station_app.exchange.xlsx_import import import_sheets, preview_sheets, read_file

IDS = [make_id(f"4403051990010{i}123") for i in range(1, 8)]


def workbook(path):
    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["本表由社区工联会填写"])
    a = wb.create_sheet("一月")
    a.append(["葵涌社区工联会会员花名册"])
    a.append(["姓名", "身份证号", "性别"])
    a.append(["张一", IDS[0], "女"])  # a warning
    a.append(["张二", IDS[1], "男"])
    a.append(["张3", IDS[2], None])  # rejected
    b = wb.create_sheet("二月")
    b.append(["姓名", "公民身份号码"])
    b.append(["张二", IDS[1]])  # also in 一月
    b.append(["张四", "123"])  # rejected
    b.append(["张五", IDS[4]])
    hidden = wb.create_sheet("旧")
    hidden.append(["姓名", "身份证号"])
    hidden.append(["张六", IDS[5]])
    hidden.sheet_state = "hidden"
    wb.save(path)
    return path


def test_the_first_data_sheet_is_read_and_the_others_named(tmp_path):
    result = read_file(workbook(tmp_path / "w.xlsx"))
    assert (result.sheet, result.header_row, result.others) == ("一月", 2, ["二月"])
    assert read_file(tmp_path / "w.xlsx", sheet="二月").sheet == "二月"
    assert read_file(tmp_path / "w.xlsx", sheet="旧").sheet == "旧"  # hidden, but named


def test_several_sheets_previewed_together(tmp_path):
    book = preview_sheets(workbook(tmp_path / "w.xlsx"), sheets="all")
    assert [s.sheet for s in book.sheets] == ["一月", "二月"] and book.others == []
    assert [(book.where(r), r.status) for r in book.rows] == [
        ("一月!3", "ok"), ("一月!4", "ok"), ("一月!5", "error"),
        ("二月!2", "duplicate"), ("二月!3", "error"), ("二月!4", "ok")]
    (dup,) = book.skipped
    assert book.messages(dup, "zh") == ["与工作表“一月”第 4 行是同一条记录，只导入一次"]
    assert [book.where(r) for r in book.warned] == ["一月!3"]
    only = preview_sheets(tmp_path / "w.xlsx", sheets=["二月"])
    assert [s.sheet for s in only.sheets] == ["二月"] and only.others == []


def test_all_sheets_imported_in_one_transaction_with_their_error_workbook(db, admin,
                                                                          tmp_path):
    out = tmp_path / "w-errors.xlsx"
    book = import_sheets(db, admin, workbook(tmp_path / "w.xlsx"), sheets="all",
                         errors_path=out)
    assert (book.imported, len(book.rejected), len(book.skipped)) == (3, 2, 1)
    wb = load_workbook(out)
    assert wb.sheetnames == ["一月", "二月", "提示"]
    assert [c.value for c in wb["一月"][1]] == ["姓名", "身份证号", "性别", "原行号", "错误原因"]
    assert wb["一月"]["A2"].value == "张3" and wb["一月"]["D2"].value == 5
    assert wb["二月"]["A2"].value == "张四" and wb["二月"]["C2"].value == 3
    assert [c.value for c in wb["提示"][1]][:2] == ["工作表", "原行号"]
    assert [c.value for c in wb["提示"][2]][:3] == ["一月", 3, "性别"]
    # the error workbook, fixed, imports both of its sheets again
    wb["一月"]["A2"].value = "张三"
    wb["二月"]["B2"].value = IDS[3]
    wb.save(out)
    again = import_sheets(db, admin, out, sheets="all")
    assert (again.imported, len(again.rejected)) == (2, 0)
