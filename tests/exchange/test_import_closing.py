"""Hardship files closed from the sheet: 脱困日期/脱困原因 (exited) and 注销日期/注销原因
(cancelled) on the 困难职工档案表, read from real .xlsx files; a file closed on the sheet
leaves the files on record from its closing date on."""

from __future__ import annotations

from datetime import date

import pytest
from xlsx_helpers import make_id, write_xlsx

from station_app.cli import main
from station_app.domain import figures
from station_app.domain.models import HardshipCase
from station_app.domain.services import metrics
from station_app.exchange.xlsx_import import import_file, preview_file
from station_app.storage import sqlfile

# the SPEC layout's first columns, then the file's dates and the closing columns
HEAD = ["困难类别", "姓名", "民族", "性别", "身份证号", "家庭人口", "人均收入", "主要致困原因",
        "建档日期",
        "脱困日期", "脱困原因", "注销日期", "注销原因"]


def person(n: int) -> str:
    return make_id(f"44030519800101{n:03d}")


def row(n: int, name: str, registered=None, exit_date=None, exit_reason=None,
        cancel_date=None, cancel_reason=None) -> list:
    return ["深度困难职工", name, "汉", "男" if int(person(n)[16]) % 2 else "女", person(n), 3,
            800, "因病", registered, exit_date, exit_reason, cancel_date, cancel_reason]


def statuses(db) -> dict[str, tuple]:
    with db.reader() as s:
        return {c.member.name: (c.status, c.exit_date, c.exit_reason)
                for c in s.query(HardshipCase).filter_by(deleted=False)}


def count_files(db_path) -> int:
    con = sqlfile.connect(db_path)
    try:
        return con.execute("SELECT count(*) FROM hardship_cases").fetchone()[0]
    finally:
        con.close()


def on_file(db, as_of: date) -> int:
    with db.reader() as s:
        return metrics.metric_value(s, "hardship_cases_open", figures.Scope(as_of, None))


def test_closing_columns_open_and_close_in_one_go(db, db_path, admin, tmp_path):
    path = write_xlsx(tmp_path / "档案.xlsx", [
        HEAD,
        row(1, "甲", "2023-01-05"),
        row(2, "乙", "2023-01-05", "2023年5月6日", "再就业"),
        row(3, "丙", date(2023, 2, 1), None, None, "2023/4/1", "重复建档"),
        row(4, "丁", "2023-01-05", "2023-05-06", "再就业", "2023-05-07", "错建"),
        row(5, "戊", "2023-01-05", None, None, None, "错建"),
        row(6, "己", "2023-03-01", "2023-02-28", "早于建档"),
        row(7, "庚", None, "2023-05-06", "再就业"),
        row(8, "辛", "2023-01-05", "2023-05-06", None),
    ], title="困难职工档案表", merge_title=len(HEAD))
    preview = preview_file(path)
    assert preview.kind.code == "hardship"
    # the closing columns are read, not left out
    assert not preview.unmapped
    assert {"exit_date", "exit_reason", "cancel_date", "cancel_reason"} <= set(
        preview.mapping.values())
    assert preview.rows[1].cleaned["exit_date"] == date(2023, 5, 6)

    result = import_file(db, admin, path)
    by_name = {r.values["name"]: r for r in result.rows}
    assert {n: r.status for n, r in by_name.items()} == {
        "甲": "ok", "乙": "ok", "丙": "ok", "丁": "error", "戊": "error", "己": "error",
        "庚": "error", "辛": "error"}
    assert result.extra_counts == {"member_registered": 3, "file_closed": 2}
    # both dates: refused, naming both columns
    msgs = result.messages(by_name["丁"])
    assert any(m.startswith("脱困日期：") for m in msgs)
    assert any(m.startswith("注销日期：") for m in msgs)
    assert all("只能以一种方式关闭" in m for m in msgs)
    assert result.messages(by_name["丁"], "en")[0].startswith("脱困日期: the row has both")
    assert [(e.field, e.code) for e in by_name["戊"].errors] == [
        ("cancel_date", "import.closing_reason_without_date")]
    assert result.messages(by_name["戊"])[0].startswith("注销日期：填写了原因但没有日期")
    assert [(e.field, e.code) for e in by_name["己"].errors] == [
        ("exit_date", "case.closed_before_registered")]
    assert [(e.field, e.code) for e in by_name["庚"].errors] == [
        ("registered_date", "import.closing_needs_registered")]
    assert result.messages(by_name["庚"])[0].startswith("建档日期：")
    assert [(e.field, e.code) for e in by_name["辛"].errors] == [
        ("exit_reason", "text.required")]
    assert result.messages(by_name["辛"])[0].startswith("脱困原因：")

    assert statuses(db) == {
        "甲": ("open", None, None),
        "乙": ("exited", date(2023, 5, 6), "再就业"),
        "丙": ("cancelled", date(2023, 4, 1), "重复建档"),
    }
    assert on_file(db, date(2023, 3, 31)) == 3
    assert on_file(db, date(2023, 4, 1)) == 2   # cancelled that day
    assert on_file(db, date(2023, 5, 5)) == 2
    assert on_file(db, date(2023, 5, 6)) == 1   # exited that day

    # the same sheet again adds nothing: the closed files are already there, with why
    again = import_file(db, admin, path)
    assert again.imported == 0 and len(again.skipped) == 3
    notes = {r.values["name"]: r.note for r in again.rows if r.status == "duplicate"}
    assert notes["甲"] is None
    assert notes["乙"].code == "import.case_already_closed"
    assert "2023-05-06 脱困" in again.messages(again.rows[1])[0]
    assert count_files(db_path) == 3


def test_a_second_sheet_with_exit_dates_closes_the_files_already_there(db, db_path, admin,
                                                                        tmp_path):
    layout = ["姓名", "身份证号", "家庭人口", "困难类别", "困难程度", "建档日期"]
    first = write_xlsx(tmp_path / "档案.xlsx", [
        layout,
        ["甲", person(1), 3, "因病", "深度困难", "2023-01-05"],
        ["乙", person(2), 2, "失业", "相对困难", "2023-01-05"],
        ["丙", person(3), 2, "因残", "深度困难", "2023-01-05"],
    ])
    assert import_file(db, admin, first).imported == 3
    # the office's next copy of the sheet: a 脱困时间 column (a synonym), text dates
    later = write_xlsx(tmp_path / "档案-更新.xlsx", [
        [*layout, "脱困时间", "脱困情况", "注销时间", "注销理由"],
        ["甲", person(1), 3, "因病", "深度困难", "2023-01-05", "2023年6月30日", "子女就业",
         None, None],
        ["乙", person(2), 2, "失业", "相对困难", "2023-01-05", None, None, "2023.2.1",
         "户主已去世"],
        ["丙", person(3), 2, "因残", "深度困难", "2023-01-05", None, None, None, None],
        ["丁", person(4), 2, "因病", "深度困难", "2023-01-05", "2023-05-01", "再就业", None,
         None],
    ])
    result = import_file(db, admin, later)
    assert [r.status for r in result.rows] == ["ok", "ok", "duplicate", "ok"]
    assert result.extra_counts == {"file_closed": 3, "member_registered": 1}
    assert not result.unmapped
    assert statuses(db) == {
        "甲": ("exited", date(2023, 6, 30), "子女就业"),
        "乙": ("cancelled", date(2023, 2, 1), "户主已去世"),
        "丙": ("open", None, None),
        "丁": ("exited", date(2023, 5, 1), "再就业"),
    }
    assert count_files(db_path) == 4  # closed where they were, not opened again

    # a closing before the file there was registered is refused (its own 建档日期)
    early = write_xlsx(tmp_path / "档案-早.xlsx", [
        ["姓名", "身份证号", "家庭人口", "脱困日期", "脱困原因"],
        ["丙", person(3), 2, "2022-12-31", "再就业"],
    ])
    result = import_file(db, admin, early)
    assert [(e.field, e.code) for e in result.rows[0].errors] == [
        ("exit_date", "case.closed_before_registered")]
    assert "2023-01-05" in result.messages(result.rows[0])[0]
    # a list of exits alone (no category or level): enough to close the file there
    exits = write_xlsx(tmp_path / "脱困名单.xlsx", [
        ["姓名", "身份证号", "家庭人口", "脱困日期", "脱困原因"],
        ["丙", person(3), 2, "2023-07-01", "低保转出"],
    ])
    result = import_file(db, admin, exits)
    assert [r.status for r in result.rows] == ["ok"]
    assert statuses(db)["丙"] == ("exited", date(2023, 7, 1), "低保转出")

    # a household back in hardship after its exit: a 建档日期 after it opens a new file
    back = write_xlsx(tmp_path / "档案-再次.xlsx", [
        layout, ["甲", person(1), 3, "因病", "深度困难", "2023-09-01"],
        ["乙", person(2), 2, "失业", "相对困难", "2023-01-05"]])
    result = import_file(db, admin, back)
    assert [r.status for r in result.rows] == ["ok", "duplicate"]
    assert result.rows[1].note.code == "import.case_already_closed"
    with db.reader() as s:
        jia = sorted((c.registered_date, c.status) for c in s.query(HardshipCase)
                     if c.member.name == "甲")
    assert jia == [(date(2023, 1, 5), "exited"), (date(2023, 9, 1), "open")]


def test_closing_takes_a_station_admin_and_the_preview_writes_nothing(db, db_path, admin,
                                                                      clerk, tmp_path):
    path = write_xlsx(tmp_path / "档案.xlsx", [
        HEAD,
        row(1, "甲", "2023-01-05"),
        row(2, "乙", "2023-01-05", "2023-05-06", "再就业"),
    ])
    preview = preview_file(path, db=db, actor=admin)
    assert [r.status for r in preview.rows] == ["ok", "ok"]
    assert preview.rows[1].extra == {"member_registered": True, "file_closed": True}
    assert count_files(db_path) == 0

    result = import_file(db, clerk, path)
    assert [r.status for r in result.rows] == ["ok", "error"]
    assert [e.code for e in result.rows[1].errors] == ["perm.denied"]
    assert "办理脱困" in result.messages(result.rows[1])[0]
    assert statuses(db) == {"甲": ("open", None, None)}  # 乙: neither member nor file
    assert result.extra_counts == {"member_registered": 1}


def test_the_districts_81_households_of_which_2_closed(db, admin, tmp_path, capsys,
                                                       monkeypatch, db_path):
    """The report's 79 on file: 81 rows, one exited and one cancelled before D."""
    rows = [row(n, f"户主{chr(0x4e00 + n)}", "2024-03-01") for n in range(1, 80)]
    rows.append(row(80, "户主甲", "2024-03-01", "2025-03-31", "再就业"))
    rows.append(row(81, "户主乙", "2024-03-01", None, None, "2025-01-10", "重复建档"))
    path = write_xlsx(tmp_path / "困难职工.xlsx", [HEAD, *rows], title="困难职工档案表",
                      merge_title=len(HEAD))
    db.close()
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert main(["import", "--db", str(db_path), str(path)]) == 0
    out = capsys.readouterr().out
    assert "imported 81, rejected 0" in out
    assert "file closed: 2" in out
    assert "脱困日期" not in out and "注销" not in out  # no "columns not imported"
    assert main(["report", "--db", str(db_path), "--as-of", "2025-06-30", "--json"]) == 0
    import json

    values = json.loads(capsys.readouterr().out)["values"]
    assert values["hardship_cases_open"] == 79
    assert main(["report", "--db", str(db_path), "--as-of", "2024-12-31", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["values"]["hardship_cases_open"] == 81


@pytest.mark.parametrize("header", ["脱困日期", "脱困时间", "脱困年月"])
def test_exit_date_headers(tmp_path, header):
    path = write_xlsx(tmp_path / "h.xlsx", [["姓名", "身份证号", "家庭人口", header],
                                            ["甲", person(1), 3, "2023-05-06"]])
    assert preview_file(path).mapping[3] == "exit_date"


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path
