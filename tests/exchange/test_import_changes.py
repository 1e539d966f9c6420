"""A re-import of rows already there: the differences with what is registered are listed
(a new phone, a new employer, another name for the same ID number), never applied
silently; applied when the clerk asks, through the services (validated, audited)."""

from __future__ import annotations

import pytest
from xlsx_helpers import make_credit, make_id, write_xlsx

from station_app.exchange.xlsx_import import apply_changes, import_file, preview_file
from station_app.storage import sqlfile

IDS = [make_id(f"4403051990010{i}123") for i in range(1, 5)]


def _members(db_path):
    con = sqlfile.connect(db_path)
    try:
        return con.execute("SELECT name, phone, employer_name, join_date FROM members "
                           "ORDER BY id_number").fetchall()
    finally:
        con.close()


def test_differences_listed_then_applied(db, db_path, admin, tmp_path):
    first = write_xlsx(tmp_path / "一月.xlsx", [
        ["姓名", "身份证号", "联系电话", "工作单位", "入会时间"],
        ["张一", IDS[0], "13800138000", "葵涌制衣厂", "2020-01-01"],
        ["张二", IDS[1], "13800138001", None, None],
        ["张三", IDS[2], None, "大鹏酒楼", None],
    ])
    assert import_file(db, admin, first).imported == 3
    second = write_xlsx(tmp_path / "二月.xlsx", [
        ["姓名", "身份证号", "联系电话", "工作单位", "入会时间"],
        ["张一", IDS[0], "13900139000", "坪山电子厂", "2020-01-01"],  # new phone, employer
        ["张贰", IDS[1], "13800138001", None, None],  # another name for the ID number
        ["张三", IDS[2], None, None, None],  # empty cells: no change
        ["张四", IDS[3], None, None, None],  # new
    ])
    preview = preview_file(second, db=db, actor=admin)
    assert [r.status for r in preview.rows] == ["duplicate"] * 3 + ["ok"]
    assert [r.changes for r in preview.changed] == [
        [("phone", "13800138000", "13900139000"), ("employer_name", "葵涌制衣厂", "坪山电子厂")],
        [("name", "张二", "张贰")]]
    assert preview.change_messages(preview.rows[0], "zh") == [
        "联系电话：13800138000 → 13900139000", "工作单位：葵涌制衣厂 → 坪山电子厂"]
    result = import_file(db, admin, second)
    assert result.imported == 1
    assert [r.changes for r in result.changed] == [r.changes for r in preview.changed]
    assert _members(db_path)[:3] == [("张一", "13800138000", "葵涌制衣厂", "2020-01-01"),
                                     ("张二", "13800138001", None, None),
                                     ("张三", None, "大鹏酒楼", None)]  # nothing applied
    # the clerk applies the phone and the employer, not the name
    (one, two) = result.changed
    assert apply_changes(db, admin, result, [(one, "phone"), (one, "employer_name")]) == 1
    assert _members(db_path)[:2] == [("张一", "13900139000", "坪山电子厂", "2020-01-01"),
                                     ("张二", "13800138001", None, None)]
    con = sqlfile.connect(db_path)
    (detail,), = con.execute("SELECT detail FROM audit_log WHERE action = 'update' AND "
                             "table_name = 'members'")
    con.close()
    assert "13900139000" in detail and "坪山电子厂" in detail
    assert not preview_file(second, db=db, actor=admin).rows[0].changes


def test_enterprise_differences(db, admin, tmp_path):
    code = make_credit("91440300MA5F00001")
    path = write_xlsx(tmp_path / "e.xlsx", [["企业名称", "统一社会信用代码", "职工人数"],
                                            ["葵涌制衣厂", code, 30]])
    import_file(db, admin, path)
    again = write_xlsx(tmp_path / "e2.xlsx", [["企业名称", "统一社会信用代码", "职工人数"],
                                              ["葵涌制衣厂", code, 45]])
    preview = preview_file(again, db=db, actor=admin)
    assert [r.changes for r in preview.changed] == [[("headcount", 30, 45)]]
    assert apply_changes(db, admin, preview) == 1
    assert not preview_file(again, db=db, actor=admin).changed


def test_the_command_line_applies_the_differences_with_update(db, db_path, admin, tmp_path,
                                                              capsys):
    """A district building a station from its workbooks in any order: a hardship sheet
    registers its households' heads (no join date), the roster then differs; `--update`
    writes the roster's values, without it they are listed (a district's walk found the
    join dates and migrant flags lost, with no way on the command line to apply them)."""
    from station_app.cli import main

    db.close()
    first = write_xlsx(tmp_path / "first.xlsx", [
        ["姓名", "身份证号", "联系电话"], ["张一", IDS[0], "13800138000"],
        ["张二", IDS[1], None]])
    assert main(["import", str(first), "--db", str(db_path)]) == 0
    roster = write_xlsx(tmp_path / "roster.xlsx", [
        ["姓名", "身份证号", "入会时间", "是否农民工"],
        ["张一", IDS[0], "2019-03-01", "是"], ["张二", IDS[1], "2020-05-01", "否"]])
    assert main(["import", str(roster), "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    assert "2 row(s) already there differ" in out and "--update" in out
    assert [r[3] for r in _members(db_path)] == [None, None]  # listed, not applied
    assert main(["import", str(roster), "--db", str(db_path), "--update"]) == 0
    out = capsys.readouterr().out
    assert "2 record(s) already there updated from the sheet (--update)" in out
    assert [r[3] for r in _members(db_path)] == ["2019-03-01", "2020-05-01"]
    con = sqlfile.connect(db_path)
    try:
        assert con.execute("SELECT migrant_worker FROM members ORDER BY id_number"
                           ).fetchall() == [(1,), (0,)]
        assert con.execute("SELECT count(*) FROM audit_log WHERE action = 'update' AND "
                           "table_name = 'members'").fetchone()[0] >= 2
    finally:
        con.close()


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path
