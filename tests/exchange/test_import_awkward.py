"""Awkward sheets as clerks keep them, each with the exact rows stored, the warnings shown
and the message: ID numbers ending in 000, year-month dates, optional fields that cannot
be read (kept in the notes), amounts from formulas, rosters that look like other kinds."""

from __future__ import annotations

import sqlite3

from xlsx_helpers import make_id, write_xlsx

from station_app.exchange.xlsx_import import import_file, preview_file

ZHANG = make_id("44030519900101123")


def _members(db_path) -> list[tuple]:
    con = sqlite3.connect(db_path)
    try:
        return con.execute("SELECT name, id_number, phone, join_date, notes FROM members "
                           "ORDER BY name").fetchall()
    finally:
        con.close()


def _zeros(n: int) -> str:
    """An ID number ending in 000 whose check character fails (a typo, or a cut)."""
    for i in range(n, n + 200):
        body = f"44030519900101{i % 10}00"
        if make_id(body)[-1] != "0":
            return body + "0"
    raise AssertionError


def test_a_lone_number_ending_in_000_is_a_typo_not_excel(tmp_path):
    path = write_xlsx(tmp_path / "t.xlsx", [["姓名", "身份证号"], ["张三", ZHANG],
                                            ["李四", _zeros(1)]])
    (_ok, row) = preview_file(path).rows
    assert [e.code for e in row.errors] == ["id.checksum"]
    assert "对照身份证" in row.errors[0].message("zh")


def test_numbers_ending_in_000_where_excel_cut_others_are_explained(tmp_path):
    # two texts ending in 000 (a column converted to text after Excel cut it) …
    path = write_xlsx(tmp_path / "t.xlsx", [["姓名", "身份证号"], ["李四", _zeros(1)],
                                            ["王五", _zeros(5)]])
    assert [[e.code for e in r.errors] for r in preview_file(path).rows] == [
        ["import.id_excel_number"]] * 2
    # … or one beside a number cell Excel cut
    path = write_xlsx(tmp_path / "u.xlsx", [["姓名", "身份证号"], ["李四", _zeros(1)],
                                            ["王五", 4.40305199001011e17]])
    rows = preview_file(path).rows
    assert [[e.code for e in r.errors] for r in rows] == [["import.id_excel_number"]] * 2
    assert _zeros(1) in rows[0].errors[0].message("zh") and "文本" in rows[0].errors[0].message()
