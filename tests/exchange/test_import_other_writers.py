"""Workbooks saved by other spreadsheet programs (LibreOffice is not installed here: the
files are written by hand in the shapes those programs save, see ``other_writers``)."""

from __future__ import annotations

from datetime import date

from other_writers import write_foreign_xlsx, write_ods
from xlsx_helpers import make_id

from station_app.exchange.xlsx_import import import_file, preview_file

ZHANG = make_id("44030519900101123")
LI = make_id("44030519910202224")
HEAD = ["序号", "姓名", "公民身份号码", "联系电话", "入会时间", "是否农民工"]


def test_xlsx_with_inline_and_shared_strings_and_date_styles(db, admin, tmp_path):
    path = write_foreign_xlsx(tmp_path / "wps.xlsx", "葵涌社区会员花名册", [
        HEAD,
        [1, "张三 ", ZHANG, "13800138000", date(2023, 5, 3), "是"],
        [2, "李四", LI, 13900139000, "2023年5月4日", "否"],
        [3, "王五", 4.40305199001011e17, None, None, None],
    ])
    preview = preview_file(path)
    assert preview.kind.code == "members" and preview.header_row == 2
    assert [r.status for r in preview.rows] == ["ok", "ok", "error"]
    assert preview.rows[0].cleaned["join_date"] == date(2023, 5, 3)
    assert preview.rows[1].cleaned["phone"] == "13900139000"
    assert preview.rows[2].errors[0].code == "import.id_excel_number"
    assert import_file(db, admin, path).imported == 2


def test_ods(db, admin, tmp_path):
    path = write_ods(tmp_path / "名册.ods", "葵涌社区会员花名册", [
        HEAD,
        [1, "张三", ZHANG, "13800138000", date(2023, 5, 3), "√"],
        [2, "李四", LI, 13900139000, 45050, "×"],
        [3, "王五", 440305199001011000, None, None, None],
    ])
    preview = preview_file(path)
    assert preview.kind.code == "members" and preview.header_row == 2
    assert [r.status for r in preview.rows] == ["ok", "ok", "error"]
    assert [r.cleaned["join_date"] for r in preview.rows[:2]] == [date(2023, 5, 3),
                                                                  date(2023, 5, 4)]
    assert preview.rows[2].errors[0].code == "import.id_excel_number"
    result = import_file(db, admin, path)
    assert (result.imported, len(result.rejected)) == (2, 1)
