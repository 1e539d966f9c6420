"""Member rosters as stations keep them: titles above the header, synonyms, full-width
digits, every date form, serial dates, √/×, ID numbers Excel turned into numbers."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from xlsx_helpers import make_id, write_xlsx

from station_app.domain.validation import ValidationError, parse_date
from station_app.exchange import import_cells
from station_app.exchange.xlsx_import import import_file, preview_file, read_file
from station_app.storage.sqlfile import dbapi as sqlite3

ZHANG = make_id("44030519900101123")  # male (digit 17 odd)
LI = make_id("44030519910202224")  # female
WANG = make_id("11010519850315001")
ZHAO = make_id("31011519770707455")
QIAN = make_id("44030619950505088")


def fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


def _count(db_path, table: str, where: str = "1") -> int:
    con = sqlite3.connect(db_path)
    try:
        return con.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def roster(tmp_path):
    """A roster with a merged two-line title, a blank row, synonyms and odd values."""
    return write_xlsx(
        tmp_path / "花名册.xlsx",
        [
            ["序号", "名字 ", "性别", "公民身份号码*", "手机号码", "单位名称", "入会日期",
             "会员证号", "是否农民工", "备注"],
            [1, " 张  三 ", "男", ZHANG, 13800138000, "葵涌制衣厂", 45049, 1001, "√", None],
            [2, "李四", "女", fullwidth(LI), fullwidth("13900139000") + "  ", "某厂",
             "2023/5/3", "A-02", "×", "调入"],
            [3, "王五", "男", WANG, None, None, "2023年5月3日", None, "是", None],
            [4, "赵六", "男", ZHAO, "0755-12345678", None, "2023.5.3", None, "Y", None],
            [5, "钱七", "女", QIAN.lower(), None, None, datetime(2023, 5, 3, 9, 30), None,
             "no", None],
            [6, None, None, None, None, None, None, None, None, None],  # a numbered blank row
            ["合计", "5 人"],
            ["填表人：小王", None, None, None, "审核人：老李"],
        ],
        title="葵涌社区工联会 2023 年会员花名册", merge_title=10, blank_after_title=True,
    )


def test_header_found_below_a_merged_title_by_synonyms(roster):
    result = read_file(roster)
    assert result.kind.code == "members"
    assert result.header_row == 3
    assert result.mapping == {0: "_seq", 1: "name", 2: "gender", 3: "id_number", 4: "phone",
                              5: "employer_name", 6: "join_date", 7: "card_no",
                              8: "migrant_worker", 9: "notes"}
    assert [r.row for r in result.rows] == [4, 5, 6, 7, 8]
    assert [(r.row, r.note.code) for r in result.ignored] == [(10, "import.ignored_total"),
                                                             (11, "import.ignored_note")]


def test_preview_cleans_what_real_sheets_hold(roster):
    result = preview_file(roster)
    assert [r.status for r in result.rows] == ["ok"] * 5, [result.messages(r) for r in
                                                           result.rows]
    by_name = {r.cleaned["name"]: r.cleaned for r in result.rows}
    assert set(by_name) == {"张三", "李四", "王五", "赵六", "钱七"}
    assert {v["join_date"] for v in by_name.values()} == {date(2023, 5, 3)}
    assert by_name["张三"]["phone"] == "13800138000"  # a number cell, without ".0"
    assert by_name["张三"]["card_no"] == "1001"
    assert by_name["李四"]["id_number"] == LI and by_name["李四"]["phone"] == "13900139000"
    assert by_name["钱七"]["id_number"] == QIAN.upper()
    assert [by_name[n]["migrant_worker"] for n in ("张三", "李四", "王五", "赵六", "钱七")] \
        == [True, False, True, True, False]
    assert by_name["张三"]["gender"] == "M" and by_name["张三"]["birth_date"] == date(1990, 1, 1)
    assert all(not r.warnings for r in result.rows)


def test_sheet_gender_that_contradicts_the_id_number_is_a_warning(tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", [["姓名", "性别", "出生日期", "身份证号"],
                                            ["张三", "女", "1990-01-02", ZHANG]])
    (row,) = preview_file(path).rows
    assert row.status == "ok"
    assert [w.code for w in row.warnings] == ["import.gender_mismatch", "import.birth_mismatch"]
    assert "以身份证号码为准" in row.warnings[0].message("zh")
    assert "ID number's is kept" in row.warnings[0].message("en")


def test_english_headers(tmp_path):
    path = write_xlsx(tmp_path / "en.xlsx", [
        ["No.", "Name", "ID number", "Phone", "Employer", "Join date", "Migrant worker"],
        [1, "Wang Fang", ZHANG, "13800138000", "ACME", "2020-01-31", "yes"],
    ])
    result = preview_file(path)
    assert result.kind.code == "members"
    (row,) = result.rows
    assert row.status == "ok", result.messages(row, "en")
    assert row.cleaned["employer_name"] == "ACME" and row.cleaned["migrant_worker"] is True


@pytest.mark.parametrize("cell, shown", [
    (440305199001011234, "4.40305E+17"),  # an int cell: read back as a float, digits lost
    (4.40305e17, "4.40305E+17"),
    (float(ZHANG[:17] + "0"), "4.40305E+17"),
    ("4.40305E+17", "4.40305E+17"),  # the shown text, copied as text
])
def test_id_numbers_excel_turned_into_numbers_are_rejected_with_the_explanation(
        tmp_path, cell, shown):
    path = write_xlsx(tmp_path / "n.xlsx", [["姓名", "身份证号码"], ["王五", cell]])
    result = preview_file(path)
    (row,) = result.rows
    assert row.status == "error"
    assert [e.code for e in row.errors] == ["import.id_excel_number"]
    zh, en = result.messages(row, "zh")[0], result.messages(row, "en")[0]
    assert zh.startswith("身份证号码：") and "文本" in zh and "丢失" in zh and shown in zh
    assert "format the column as text" in en and "lost its last digits" in en


def test_old_15_digit_id_as_a_number_is_exact_and_taken(tmp_path):
    path = write_xlsx(tmp_path / "old.xlsx", [["姓名", "身份证号"], ["老张", 440305650101123]])
    (row,) = preview_file(path).rows
    assert row.status == "ok"
    assert row.cleaned["id_number"] == make_id("44030519650101123")


def test_other_errors_of_a_cut_id_row_are_listed_too(tmp_path):
    path = write_xlsx(tmp_path / "m.xlsx", [["姓名", "身份证号", "联系电话", "入会时间"],
                                            ["王五", 4.40305e17, "12345", "2023-02-30"]])
    result = import_file_dry(path)
    (row,) = result.rows
    assert sorted(e.code for e in row.errors) == ["date.not_real", "import.id_excel_number",
                                                  "phone.invalid"]


def import_file_dry(path):
    return preview_file(path)


def test_import_twice_adds_nothing_twice(db, db_path, admin, roster, tmp_path):
    first = import_file(db, admin, roster)
    assert (first.imported, len(first.rejected), len(first.skipped)) == (5, 0, 0)
    assert _count(db_path, "members") == 5
    assert _count(db_path, "outbox", "table_name = 'members'") == 5
    assert _count(db_path, "member_name_keys") > 0
    second = import_file(db, admin, roster)
    assert (second.imported, len(second.rejected), len(second.skipped)) == (0, 0, 5)
    assert _count(db_path, "members") == 5


def test_same_id_twice_in_one_sheet(db, admin, tmp_path):
    path = write_xlsx(tmp_path / "d.xlsx", [["姓名", "身份证号"], ["张三", ZHANG],
                                            ["张三", ZHANG], ["李四", LI]])
    preview = preview_file(path)
    assert [r.status for r in preview.rows] == ["ok", "error", "ok"]
    assert preview.rows[1].errors[0].params == {"row": 2}
    result = import_file(db, admin, path)
    assert [r.status for r in result.rows] == ["ok", "error", "ok"]
    assert "第 2 行" in result.messages(result.rows[1])[0]  # the sheet's row, not an index


def test_employer_names_link_registered_enterprises(db, admin, tmp_path):
    from station_app.domain.models import Member
    from station_app.domain.services.enterprises import register_enterprise

    with db.session(admin) as s:
        eid = register_enterprise(s, {"name": "葵涌制衣厂"}).id
    path = write_xlsx(tmp_path / "e.xlsx", [["姓名", "身份证号", "工作单位"],
                                            ["张三", ZHANG, "葵涌制衣厂 "], ["李四", LI, "别处"]])
    import_file(db, admin, path)
    with db.reader() as s:
        got = {m.name: (m.employer_id, m.employer_name) for m in s.query(Member)}
    assert got == {"张三": (eid, "葵涌制衣厂"), "李四": (None, "别处")}


def test_preview_with_the_database_writes_nothing(db, db_path, admin, roster):
    import_file(db, admin, roster)
    before = (_count(db_path, "members"), _count(db_path, "audit_log"),
              _count(db_path, "outbox"))
    preview = preview_file(roster, db=db, actor=admin)
    assert [r.status for r in preview.rows] == ["duplicate"] * 5
    assert "已登记" in preview.messages(preview.rows[0])[0]
    assert (_count(db_path, "members"), _count(db_path, "audit_log"),
            _count(db_path, "outbox")) == before


def test_explicit_mapping_overrides_the_headers(tmp_path):
    path = write_xlsx(tmp_path / "x.xlsx", [["A", "B", "C"], ["张三", ZHANG, "x"]])
    with pytest.raises(ValidationError) as exc:
        read_file(path)
    assert exc.value.codes == ["import.no_header"]
    assert "姓名" in exc.value.messages()[0]
    result = preview_file(path, kind="members", header_row=1,
                          mapping={0: "name", 1: "id_number", 2: "notes"})
    (row,) = result.rows
    assert row.status == "ok" and row.cleaned["notes"] == "x"
    with pytest.raises(ValidationError) as exc:
        read_file(path, kind="members", header_row=1, mapping={0: "salary"})
    assert exc.value.codes == ["import.mapping_field"]


def test_a_repeated_header_row_is_not_data(tmp_path):
    head = ["姓名", "身份证号"]
    path = write_xlsx(tmp_path / "p.xlsx", [head, ["张三", ZHANG], head, ["李四", LI]])
    result = preview_file(path)
    assert [r.row for r in result.rows] == [2, 4]
    assert [r.note.code for r in result.ignored] == ["import.ignored_header"]


def test_the_sheet_with_the_header_is_chosen(tmp_path):
    path = write_xlsx(tmp_path / "s.xlsx", [["姓名", "身份证号"], ["张三", ZHANG]],
                      sheet="名册", extra_sheets=["说明"])
    assert read_file(path).sheet == "名册"
    with pytest.raises(ValidationError) as exc:
        read_file(path, sheet="没有")
    assert exc.value.codes == ["import.sheet_missing"]


def test_unreadable_files_say_so(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip file")
    for path, code in ((bad, "import.file_damaged"),
                       (tmp_path / "none.xlsx", "import.file_missing"),
                       (tmp_path / "x.csv", "import.file_type")):
        if code == "import.file_type":
            path.write_text("a,b")
        with pytest.raises(ValidationError) as exc:
            read_file(path)
        assert exc.value.codes == [code]


# --------------------------------------------------------------------------- error workbook


def test_error_workbook_is_ready_to_fix_and_import_again(db, db_path, admin, tmp_path):
    from openpyxl import load_workbook

    path = write_xlsx(tmp_path / "r.xlsx", [
        ["序号", "姓名", "身份证号码", "联系电话", "入会时间"],
        [1, "张三", ZHANG, "13800138000", "2023-05-03"],
        [2, "王五", 4.40305e17, "13700137000", date(2023, 5, 4)],
        [3, "李4", LI, "13900139000", "2023-05-05"],
    ], title="名册", merge_title=5)
    out = tmp_path / "errors.xlsx"
    result = import_file(db, admin, path, errors_path=out)
    assert (result.imported, len(result.rejected)) == (1, 2)
    assert result.errors_path == out
    ws = load_workbook(out).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0] == ["序号", "姓名", "身份证号码", "联系电话", "入会时间", "原行号", "错误原因"]
    assert [r[5] for r in rows[1:]] == [4, 5]
    assert "Excel" in rows[1][6] and "文本" in rows[1][6]
    assert rows[2][6].startswith("姓名：")
    assert ws["C2"].data_type == "s" and ws["C2"].number_format == "@"
    assert ws["C3"].value == LI and ws["D2"].value == "13700137000"
    assert ws["E2"].value.date() == date(2023, 5, 4)
    # the clerk fixes the two rows and imports the error workbook
    ws["C2"].value = WANG
    ws["B3"].value = "李四"
    ws.parent.save(out)
    again = import_file(db, admin, out)
    assert (again.imported, len(again.rejected)) == (2, 0)
    assert [h for _, h in again.unmapped] == ["原行号", "错误原因"]
    assert _count(db_path, "members") == 3


def test_error_workbook_in_english(db, admin, tmp_path):
    from openpyxl import load_workbook

    path = write_xlsx(tmp_path / "r.xlsx", [["Name", "ID number"], ["Wang", "123"]])
    result = import_file(db, admin, path, errors_path=tmp_path / "e.xlsx", lang="en")
    rows = list(load_workbook(result.errors_path).active.iter_rows(values_only=True))
    assert rows[0][-2:] == ("Row", "Reason")
    assert rows[1][-1].startswith("ID number: an ID card number has 18 characters")


def test_no_error_workbook_when_nothing_is_rejected(db, admin, roster, tmp_path):
    result = import_file(db, admin, roster, errors_path=tmp_path / "e.xlsx")
    assert result.errors_path is None and not (tmp_path / "e.xlsx").exists()


def test_a_clerk_imports_a_district_admin_decides_nothing_here(db, clerk, roster):
    assert import_file(db, clerk, roster).imported == 5


# --------------------------------------------------------------------------- properties


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2119, 1, 1)), st.data())
def test_every_date_form_of_a_date_reads_as_that_date(d, data):
    serial = 25569 + (d - date(1970, 1, 1)).days
    forms = [
        d.isoformat(), f"{d.year}/{d.month}/{d.day}", f"{d.year}.{d.month}.{d.day}",
        f"{d.year}年{d.month}月{d.day}日", f"{d.year} 年 {d.month:02d} 月 {d.day:02d} 日",
        d, datetime(d.year, d.month, d.day, 13, 45), serial, float(serial) + 0.25,
        int(d.strftime("%Y%m%d")), float(d.strftime("%Y%m%d")), d.strftime("%Y%m%d"),
    ]
    form = data.draw(st.sampled_from(forms))
    if isinstance(form, str):
        if data.draw(st.booleans()):
            form = fullwidth(form)
        form = data.draw(st.sampled_from(["", " ", "\u3000", "\u200b"])) + form + \
            data.draw(st.sampled_from(["", "  ", "\u3000"]))
    assert parse_date(import_cells.as_date(form)) == d


@given(st.integers(min_value=10**15, max_value=10**18 - 1))
def test_no_number_cell_beyond_15_digits_becomes_an_id_number(n):
    with pytest.raises(ValidationError) as exc:
        import_cells.as_id_number(float(n))
    assert exc.value.codes == ["import.id_excel_number"]


def test_date_cell_types(tmp_path):
    t = import_cells.as_date(timedelta(hours=3))
    with pytest.raises(ValidationError):
        parse_date(t)


def test_blank_means_white_space_and_invisible_characters():
    everything = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    assert set(import_cells.BLANK) >= set(everything)
    for blank in (None, "", "  ", "\u3000", "\u200b", " \ufeff\u00a0 "):
        assert import_cells.is_blank(blank)
    for not_blank in ("0", 0, "x\u200b", False):
        assert not import_cells.is_blank(not_blank)


def test_import_messages_come_in_both_languages_with_the_same_placeholders():
    from station_app.domain.validation import MESSAGES, message_placeholders

    codes = [c for c in MESSAGES if c.startswith(("import.", "enterprise."))]
    assert "import.id_excel_number" in codes and "enterprise.duplicate_in_file" in codes
    for code in codes:
        zh, en = message_placeholders(code)
        assert zh == en, code
