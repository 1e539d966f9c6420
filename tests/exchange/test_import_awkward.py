"""Awkward sheets as clerks keep them, each with the exact rows stored, the warnings shown
and the message: ID numbers ending in 000, year-month dates, optional fields that cannot
be read (kept in the notes), amounts from formulas, rosters that look like other kinds."""

from __future__ import annotations

from xlsx_helpers import make_id, write_xlsx

from station_app.exchange.xlsx_import import import_file, preview_file
from station_app.storage.sqlfile import dbapi as sqlite3

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


# --------------------------------------------------------------------------- optional fields


def test_optional_fields_that_cannot_be_read_are_kept_in_the_notes(db, db_path, admin,
                                                                   tmp_path):
    """A member is never refused for an optional field: a year and a month is a date,
    two phones give the first, a remark beside a phone is kept, a landline Excel stored
    as a number gets its 0 back, anything else is left empty with its text in the notes;
    each with a warning."""
    ids = [make_id(f"4403051990010{i}123") for i in range(1, 9)]
    path = write_xlsx(tmp_path / "r.xlsx", [
        ["姓名", "公民身份号码", "联系电话", "入会年月", "备注"],
        ["张一", ids[0], "13800138000", "2023.05", None],
        ["张二", ids[1], "13800138001/13900139001", "2023年05月", "调入"],
        ["张三", ids[2], "13800138002（本人）", 2023.05, None],
        ["张四", ids[3], 75512345678, 2023.1, None],  # 0755-12345678; Jan or Oct?
        ["张五", ids[4], "打给他女儿", "2023年上半年", None],
        ["张六", ids[5], "无", "/", None],
        ["张七", ids[6], "12345", "2023-05-03", "老会员"],
    ])
    preview = preview_file(path)
    assert [r.status for r in preview.rows] == ["ok"] * 7, [preview.messages(r)
                                                           for r in preview.rows]
    assert [[w.code for w in r.warnings] for r in preview.rows] == [
        [], ["import.phone_first"], ["import.phone_first"],
        ["import.phone_zero", "import.kept_in_notes"],
        ["import.kept_in_notes", "import.kept_in_notes"], [], ["import.kept_in_notes"]]
    msg = preview.warning_messages(preview.rows[4], "zh")[1]
    assert msg.startswith("入会年月：“2023年上半年”无法识别") and "备注" in msg
    result = import_file(db, admin, path)
    assert result.imported == 7 and not result.rejected
    from datetime import date

    may = date(2023, 5, 1).isoformat()
    assert _members(db_path) == [
        ("张一", ids[0], "13800138000", may, None),
        ("张七", ids[6], None, "2023-05-03", "老会员; 联系电话: 12345"),
        ("张三", ids[2], "13800138002", may, "联系电话: 13800138002(本人)"),
        ("张二", ids[1], "13800138001", may, "调入; 联系电话: 13800138001/13900139001"),
        ("张五", ids[4], None, None, "联系电话: 打给他女儿; 入会年月: 2023年上半年"),
        ("张六", ids[5], None, None, None),
        ("张四", ids[3], "0755-12345678", None, "入会年月: 2023.1"),
    ]
    assert [[w.code for w in r.warnings] for r in result.rows] == \
        [[w.code for w in r.warnings] for r in preview.rows]


def test_a_required_field_is_still_refused(tmp_path):
    path = write_xlsx(tmp_path / "r.xlsx", [["姓名", "公民身份号码", "联系电话"],
                                            ["张3", ZHANG, "12345"]])
    (row,) = preview_file(path).rows
    assert row.status == "error"
    assert sorted(e.code for e in row.errors) == ["name.chars", "phone.invalid"]
    assert row.values["phone"] == "12345"  # nothing moved to the notes for a refused row


def test_a_year_in_a_date_cell_is_not_a_day_of_1905(tmp_path):
    path = write_xlsx(tmp_path / "e.xlsx", [["活动日期", "活动类型", "活动名称"],
                                            [2023, "普惠", "送清凉"],
                                            [2023.05, "普惠", "送温暖"]])
    rows = preview_file(path).rows
    assert [[(e.code, e.params.get("value")) for e in r.errors] for r in rows] == [
        [("date.invalid", "2023")], [("date.invalid", "2023.05")]]


# --------------------------------------------------------------------------- amounts


def test_amounts_from_formulas_are_rounded_a_real_third_decimal_is_refused(tmp_path):
    head = ["姓名", "身份证号", "帮扶日期", "帮扶类型", "金额（元）", "家庭人口"]
    path = write_xlsx(tmp_path / "l.xlsx", [
        head[:5],
        ["张三", ZHANG, "2024-03-01", "慰问金", 300.29999999999995],  # =100.1*3
        ["张三", ZHANG, "2024-03-02", "慰问金", 0.1 + 0.2],
        ["张三", ZHANG, "2024-03-03", "慰问金", 300.305],
        ["张三", ZHANG, "2024-03-04", "慰问金", "300.305"],
    ])
    rows = preview_file(path, kind="ledger").rows
    assert [r.cleaned["amount_fen"] if r.cleaned else None for r in rows] == [
        30030, 30, None, None]
    assert [[e.code for e in r.errors] for r in rows[2:]] == [["amount.precision"]] * 2


def test_an_enterprise_keeps_what_it_cannot_read_in_its_notes(db, admin, tmp_path):
    from station_app.domain.models import Enterprise

    path = write_xlsx(tmp_path / "e.xlsx", [["企业名称", "职工人数", "是否建会", "联系电话"],
                                            ["葵涌制衣厂", "约50人", "筹建中", "0755-1234"]])
    result = import_file(db, admin, path)
    assert result.imported == 1
    assert [w.code for w in result.rows[0].warnings] == ["import.kept_in_notes"] * 3
    with db.reader() as s:
        (e,) = s.query(Enterprise).all()
    assert (e.headcount, e.union_established, e.contact_phone) == (None, False, None)
    assert e.notes == "职工人数: 约50人; 是否建会: 筹建中; 联系电话: 0755-1234"


def test_a_roster_with_household_size_is_a_roster(tmp_path):
    roster = write_xlsx(tmp_path / "r.xlsx", [
        ["序号", "姓名", "性别", "公民身份号码", "联系电话", "工作单位", "家庭人口"],
        [1, "张三", "男", ZHANG, "13800138000", "葵涌制衣厂", 3]])
    result = preview_file(roster)
    assert result.kind.code == "members" and result.valid
    files = write_xlsx(tmp_path / "h.xlsx", [
        ["困难类别", "姓名", "身份证号", "家庭人口", "人均收入"],
        ["因病", "张三", ZHANG, 3, 800]])
    assert preview_file(files).kind.code == "hardship"
    assert preview_file(roster, kind="hardship").kind.code == "hardship"  # when told


def test_the_sign_off_block_at_the_foot_of_a_hardship_sheet_is_not_a_household(tmp_path):
    path = write_xlsx(tmp_path / "h.xlsx", [
        ["困难类别", "困难程度", "姓名", "身份证号", "家庭人口"],
        ["因病", "深度困难", "张三", ZHANG, 3],
        ["基层工会意见：同意建档", "（盖章）", "2023年6月5日"],
        ["上级工会意见：", None, None, "（签字）"],
        ["（盖章）", "2023年6月8日"],
    ])
    result = preview_file(path)
    assert [r.row for r in result.rows] == [2]
    assert [(r.row, r.note.code) for r in result.ignored] == [
        (3, "import.ignored_note"), (4, "import.ignored_note"), (5, "import.ignored_note")]
