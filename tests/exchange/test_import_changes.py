"""A re-import of rows already there: the differences with what is registered are listed
(a new phone, a new employer, another name for the same ID number), never applied
silently; applied when the clerk asks, through the services (validated, audited)."""

from __future__ import annotations

import sqlite3

from xlsx_helpers import make_credit, make_id, write_xlsx

from station_app.exchange.xlsx_import import apply_changes, import_file, preview_file

IDS = [make_id(f"4403051990010{i}123") for i in range(1, 5)]


def _members(db_path):
    con = sqlite3.connect(db_path)
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
    con = sqlite3.connect(db_path)
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
