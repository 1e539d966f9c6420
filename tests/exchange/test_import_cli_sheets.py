"""``station-admin import`` tells the clerk everything: the sheets it read and the ones it
left (``--sheet NAME|all``), the warnings, far cells not read; it refuses a bad place for
the error workbook before importing, says "database is locked" as a sentence, and never
reports failure for work it committed (exit 0 / 2 / 1)."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from xlsx_helpers import make_id

from station_app.cli import main
from station_app.storage import sqlfile

IDS = [make_id(f"4403051990010{i}123") for i in range(1, 8)]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _names(db_path) -> list[str]:
    con = sqlfile.connect(db_path)
    try:
        return [n for (n,) in con.execute("SELECT name FROM members ORDER BY id_number")]
    finally:
        con.close()


def two_rosters(path):
    """A workbook as offices keep it: instructions, two rosters, an enterprise list."""
    wb = Workbook()
    wb.active.title = "填表说明"
    wb.active.append(["带*为必填项"])
    a = wb.create_sheet("2023年")
    a.append(["姓名", "身份证号", "性别"])
    a.append(["张一", IDS[0], "女"])  # the ID number says male: a warning
    a.append(["张二", IDS[1], "男"])
    b = wb.create_sheet("2024年")
    b.append(["序号", "姓名", "公民身份号码"])
    b.append([1, "张二", IDS[1]])  # in both sheets
    b.append([2, "张三", IDS[2]])
    c = wb.create_sheet("企业")
    c.append(["企业名称", "职工人数"])
    c.append(["葵涌制衣厂", 30])
    wb.save(path)
    return path


def test_the_first_sheet_by_default_the_others_named(db_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    path = two_rosters(tmp_path / "名册.xlsx")
    code, out, err = run(capsys, "import", "--db", str(db_path), str(path))
    assert code == 0, err
    assert "sheet '2023年', member roster (members), header on row 1" in out
    assert "other sheets that look like the same data, not imported: 2024年" in out
    assert "--sheet all" in out and "企业" not in out
    assert "imported 2, rejected 0" in out
    assert "1 imported row(s) with a warning" in out and "row 2: 性别: " in out
    assert "sheet 'Warnings'" in out
    assert _names(db_path) == ["张一", "张二"]
    code, out, err = run(capsys, "import", "--db", str(db_path), str(path), "--sheet", "all")
    assert code == 0, err
    assert "sheet '2023年'" in out and "sheet '2024年'" in out and "not imported" not in out
    assert "imported 1, rejected 0, skipped 3 already there" in out
    assert _names(db_path) == ["张一", "张二", "张三"]


def test_all_sheets_in_one_go_a_member_in_both_is_imported_once(db_path, tmp_path, capsys):
    path = two_rosters(tmp_path / "名册.xlsx")
    code, out, err = run(capsys, "import", "--db", str(db_path), str(path), "--sheet", "all")
    assert code == 0, err
    assert "imported 3, rejected 0, skipped 1 already there" in out
    assert _names(db_path) == ["张一", "张二", "张三"]
    code, out, err = run(capsys, "import", "--db", str(db_path), str(path), "--sheet",
                         "2024年")
    assert code == 0 and "imported 0, rejected 0, skipped 2 already there" in out
    code, out, err = run(capsys, "import", "--db", str(db_path), str(path), "--sheet",
                         "填表说明")
    assert code == 1 and "error:" in err and "填表说明" in err


def test_a_bad_place_for_the_error_workbook_is_refused_before_importing(db_path, tmp_path,
                                                                         capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    path = two_rosters(tmp_path / "名册.xlsx")
    code, out, err = run(capsys, "import", "--db", str(db_path), str(path), "--errors",
                         str(tmp_path))
    assert code == 1 and "is a folder" in err and out == ""
    assert _names(db_path) == []


def test_work_committed_is_never_reported_as_a_failure(db_path, tmp_path, capsys,
                                                       monkeypatch):
    from station_app.exchange import xlsx_import

    monkeypatch.setenv("LANG", "en_US.UTF-8")
    wb = Workbook()
    wb.active.append(["姓名", "身份证号"])
    wb.active.append(["张一", IDS[0]])
    wb.active.append(["王五", 4.40305e17])
    wb.save(tmp_path / "m.xlsx")

    real = xlsx_import.os.replace

    def refused(src, dst):  # the error workbook's last step fails (not the backup's)
        if str(dst).endswith("m-errors.xlsx"):
            raise OSError(13, "Permission denied")
        return real(src, dst)

    monkeypatch.setattr(xlsx_import.os, "replace", refused)
    code, out, err = run(capsys, "import", "--db", str(db_path), str(tmp_path / "m.xlsx"))
    assert code == 2, err  # some rejected, the rest committed: never 1
    assert "imported 1, rejected 1" in out and "error" not in err
    assert "could not be named" in out and "Permission denied" in out
    assert _names(db_path) == ["张一"]


def test_a_database_held_by_another_program(db_path, tmp_path, capsys, monkeypatch):
    from station_app.storage import engine

    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 200)
    path = two_rosters(tmp_path / "名册.xlsx")
    other = sqlfile.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        code, out, err = run(capsys, "import", "--db", str(db_path), str(path))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert code == 1
    assert "another program" in err and "Nothing was written" in err
    assert "sqlite3" not in err and "BEGIN" not in err and "unexpected" not in err


def test_far_cells_are_told(db_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    wb = Workbook()
    wb.active.append(["姓名", "身份证号"])
    wb.active.append(["张一", IDS[0]])
    wb.active["XFD1048576"] = "x"
    wb.save(tmp_path / "m.xlsx")
    code, out, err = run(capsys, "import", "--db", str(db_path), str(tmp_path / "m.xlsx"))
    assert code == 0, err
    assert "1 cell(s) far right of the data (the farthest at XFD1048576) were not read" in out


def test_rows_already_there_that_differ_are_listed(db_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    wb = Workbook()
    wb.active.append(["姓名", "身份证号", "联系电话"])
    wb.active.append(["张一", IDS[0], "13800138000"])
    wb.save(tmp_path / "a.xlsx")
    assert run(capsys, "import", "--db", str(db_path), str(tmp_path / "a.xlsx"))[0] == 0
    wb.active["A2"], wb.active["C2"] = "张壹", "13900139000"
    wb.save(tmp_path / "b.xlsx")
    code, out, err = run(capsys, "import", "--db", str(db_path), str(tmp_path / "b.xlsx"))
    assert code == 0, err
    assert "imported 0, rejected 0, skipped 1 already there" in out
    assert "1 row(s) already there differ from the sheet" in out
    assert "row 2: 姓名: 张一 → 张壹; 联系电话: 13800138000 → 13900139000" in out
    assert _names(db_path) == ["张一"]  # nothing changed without the clerk


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path
