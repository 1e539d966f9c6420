"""The import wizard with a real workbook laid out as stations keep them: a merged title
row above the headers, Chinese synonyms, one ID number Excel cut, one bad date."""

from __future__ import annotations

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from station_app.domain.models import Member
from station_app.domain.validation import id_check_char


def idn(n: int) -> str:
    body = f"44030519850101{n:03d}"
    return body + id_check_char(body)


def roster(path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["葵涌社区工联会会员花名册"])
    ws.merge_cells("A1:E1")
    ws.append(["序号", "名字", "公民身份号码", "手机", "入会日期"])
    ws.append([1, "张三", idn(1), "13800138000", "2023年5月3日"])
    ws.append([2, "李四 ", idn(2), "13800138001", "2023/5/4"])
    ws.append([3, "王五", 4.40305198501e17, "13800138002", "2023.5.5"])  # cut by Excel
    typo = idn(4)[:-1] + ("1" if idn(4)[-1] != "1" else "2")
    ws.append([4, "赵六", typo, "13800138003", "2023-05-06"])  # a typo in the ID number
    wb.save(path)


def members_count(db) -> int:
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(Member)).scalar_one()


def test_preview_then_import_then_save_the_rejected_rows(qtbot, window, db, tmp_path):
    path = tmp_path / "花名册.xlsx"
    roster(path)
    before = members_count(db)
    dialog = window.import_excel()
    qtbot.addWidget(dialog)
    dialog.path.setText(str(path))
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    result = dialog.result
    assert (len(result.valid), len(result.rejected)) == (2, 2)
    assert result.header_row == 2
    assert "2 rows ready, 2 with errors" in dialog.summary.text()
    reasons = [dialog.rows.item(r, 2).text() for r in range(dialog.rows.rowCount())]
    assert any("Excel" in t for t in reasons)  # the cut ID number is explained
    headers = [dialog.mapping.item(r, 0).text() for r in range(dialog.mapping.rowCount())]
    assert headers[:3] == ["序号", "名字", "公民身份号码"]
    assert members_count(db) == before  # a preview writes nothing
    dialog.run_import()
    qtbot.waitUntil(lambda: dialog.imported is not None, timeout=10_000)
    assert members_count(db) == before + 2
    assert "Imported 2 rows; 2 rejected" in dialog.summary.text()
    assert dialog.errors_button.isEnabled()
    dialog.save_errors(tmp_path / "errors.xlsx")
    qtbot.waitUntil(lambda: dialog.saved is not None, timeout=10_000)
    assert dialog.saved == tmp_path / "errors.xlsx"
    ws = load_workbook(dialog.saved).active
    values = [c.value for row in ws.iter_rows() for c in row]
    assert "王五" in values and "赵六" in values and "张三" not in values
    # the same workbook again adds nothing twice
    dialog.imported = dialog.result = None
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    assert len(dialog.result.valid) == 0 and len(dialog.result.skipped) == 2


def test_correcting_the_mapping_runs_the_preview_again(qtbot, window, tmp_path):
    path = tmp_path / "花名册.xlsx"
    roster(path)
    dialog = window.import_excel()
    qtbot.addWidget(dialog)
    dialog.path.setText(str(path))
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    phone_row = next(r for r in range(dialog.mapping.rowCount())
                     if dialog.mapping.item(r, 0).text() == "手机")
    box = dialog.mapping.cellWidget(phone_row, 1)
    assert box.currentData() == "phone"
    first = dialog.result
    box.setCurrentIndex(box.findData("_ignore"))  # leave the phone column out
    qtbot.waitUntil(lambda: dialog.result is not first, timeout=10_000)
    assert "phone" not in dialog.result.mapping.values()


def test_saving_the_rejected_rows_is_recorded_and_a_bad_place_is_told(qtbot, window, db,
                                                                      tmp_path):
    from station_app.domain.models import AuditRecord

    path = tmp_path / "花名册.xlsx"
    roster(path)
    dialog = window.import_excel()
    qtbot.addWidget(dialog)
    dialog.path.setText(str(path))
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    dialog.run_import()
    qtbot.waitUntil(lambda: dialog.imported is not None, timeout=10_000)
    dialog.save_errors(tmp_path)  # a folder, not a file
    qtbot.waitUntil(lambda: dialog.saved is not None, timeout=10_000)
    assert isinstance(dialog.saved, Exception)
    assert "是一个文件夹" in dialog.summary.text()  # the app's language
    dialog.save_errors(tmp_path / "rejected.xlsx")
    qtbot.waitUntil(lambda: not isinstance(dialog.saved, Exception | None), timeout=10_000)
    with db.reader() as s:
        exports = [a for a in s.query(AuditRecord) if a.action == "export"]
    assert len(exports) == 1 and '"rows": 2' in exports[0].detail
    assert "rejected.xlsx" in exports[0].detail and exports[0].actor == "admin"


def test_a_database_held_by_another_writer_is_told_in_a_sentence(qtbot, window, db, db_path,
                                                                  tmp_path, monkeypatch):
    from station_app.storage import engine
    from station_app.storage.sqlfile import dbapi as sqlite3

    path = tmp_path / "花名册.xlsx"
    roster(path)
    monkeypatch.setattr(engine, "BUSY_TIMEOUT_MS", 200)
    db.engine.dispose()  # new connections wait 0.2 s, not 10 s
    dialog = window.import_excel()
    qtbot.addWidget(dialog)
    dialog.path.setText(str(path))
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program writing
    try:
        dialog.run_import()
        qtbot.waitUntil(lambda: "另一个程序" in dialog.summary.text(), timeout=10_000)
    finally:
        other.execute("ROLLBACK")
        other.close()
    text = dialog.summary.text()
    assert "sqlite3" not in text and "BEGIN" not in text and "没有写入任何内容" in text
    assert dialog.import_button.isEnabled()  # try again when the other work is done
    before = members_count(db)
    dialog.run_import()
    qtbot.waitUntil(lambda: dialog.imported is not None, timeout=10_000)
    assert members_count(db) == before + 2


def test_warnings_are_shown_before_importing(qtbot, window, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "性别", "公民身份号码"])
    ws.append(["张三", "女", idn(1)])  # the ID number says male
    ws.append(["李四", "男", idn(3)])
    wb.save(tmp_path / "w.xlsx")
    dialog = window.import_excel()
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "w.xlsx"))
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    assert "1 of the ready rows have a warning" in dialog.summary.text()
    assert dialog.rows.rowCount() == 1
    assert dialog.rows.item(0, 0).text() == "2" and dialog.rows.item(0, 1).text() == "ready"
    assert "性别" in dialog.rows.item(0, 3).text() and "男" in dialog.rows.item(0, 3).text()
    assert dialog.rows.horizontalHeaderItem(3).text().startswith("Warnings")


def test_a_workbook_with_two_rosters_offers_its_sheets(qtbot, window, db, tmp_path):
    from station_app.ui.qt import Qt

    wb = Workbook()
    wb.active.title = "说明"
    wb.active.append(["填表说明"])
    for title, rows in (("一月", [("张三", idn(1))]), ("二月", [("李四", idn(2)),
                                                               ("王五", idn(3))])):
        ws = wb.create_sheet(title)
        ws.append(["姓名", "公民身份号码"])
        for row in rows:
            ws.append(list(row))
    wb.save(tmp_path / "两月.xlsx")
    dialog = window.import_excel()
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "两月.xlsx"))
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    assert dialog.sheets.isVisible() and dialog.sheets.count() == 2
    assert [dialog.sheets.item(i).text() for i in range(2)] == ["一月", "二月"]
    assert dialog.chosen_sheets() == ["一月"] and len(dialog.result.valid) == 1
    first = dialog.result
    dialog.sheets.item(1).setCheckState(Qt.CheckState.Checked)  # both
    qtbot.waitUntil(lambda: dialog.result is not first, timeout=10_000)
    assert len(dialog.result.valid) == 3 and "2 sheets (一月、二月)" in dialog.summary.text()
    second = dialog.result
    dialog.sheets.item(0).setCheckState(Qt.CheckState.Unchecked)  # only the second
    qtbot.waitUntil(lambda: dialog.result is not second, timeout=10_000)
    assert [sh.sheet for sh in dialog.result.sheets] == ["二月"]
    dialog.sheets.item(0).setCheckState(Qt.CheckState.Checked)
    qtbot.waitUntil(lambda: len(dialog.result.sheets) == 2, timeout=10_000)
    before = members_count(db)
    dialog.run_import()
    qtbot.waitUntil(lambda: dialog.imported is not None, timeout=10_000)
    assert members_count(db) == before + 3


def test_a_sheet_without_headers_gets_its_columns_set_by_hand(qtbot, window, db, tmp_path):
    wb = Workbook()
    wb.active.append(["张三", idn(1), "13800138000"])  # no header row at all
    wb.active.append(["李四", idn(2), "13800138001"])
    wb.save(tmp_path / "无表头.xlsx")
    dialog = window.import_excel()
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "无表头.xlsx"))
    dialog.preview()
    qtbot.waitUntil(lambda: "choose what the sheet holds" in dialog.summary.text(),
                    timeout=10_000)
    dialog.kind.setCurrentIndex(dialog.kind.findData("members"))
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.mapping.rowCount() == 3, timeout=10_000)
    assert "No headers were found" in dialog.summary.text()
    assert [dialog.mapping.item(r, 0).text() for r in range(3)] == [
        "A: 张三", f"B: {idn(1)}", "C: 13800138000"]
    for r, field in enumerate(("name", "id_number", "phone")):
        box = dialog.mapping.cellWidget(r, 1)
        previous = dialog.result
        box.setCurrentIndex(box.findData(field))
        qtbot.waitUntil(lambda previous=previous: dialog.result is not previous,
                        timeout=10_000)
    assert dialog.result.mapping == {0: "name", 1: "id_number", 2: "phone"}
    assert [(r.row, r.status) for r in dialog.result.rows] == [(1, "ok"), (2, "ok")]
    before = members_count(db)
    dialog.run_import()
    qtbot.waitUntil(lambda: dialog.imported is not None, timeout=10_000)
    assert members_count(db) == before + 2


def test_differences_are_shown_and_applied_when_the_clerk_says(qtbot, window, db, tmp_path):
    from station_app.domain.services.members import find_active_by_id_number

    wb = Workbook()
    wb.active.append(["姓名", "公民身份号码", "手机"])
    wb.active.append(["张三", idn(1), "13800138000"])
    wb.save(tmp_path / "a.xlsx")
    dialog = window.import_excel()
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "a.xlsx"))
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    dialog.run_import()
    qtbot.waitUntil(lambda: dialog.imported is not None, timeout=10_000)
    wb.active["A2"], wb.active["C2"] = "张叁", "13900139000"
    wb.save(tmp_path / "b.xlsx")
    dialog.imported = dialog.result = None
    dialog.path.setText(str(tmp_path / "b.xlsx"))
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    assert "1 rows already there differ" in dialog.summary.text()
    assert dialog.changes_button.isEnabled()
    fix = dialog.rows.item(0, 2).text()
    assert "differs:" in fix and "13800138000 → 13900139000" in fix and "张三 → 张叁" in fix
    chooser, choices = dialog.changes_chooser()
    qtbot.addWidget(chooser)
    texts = [choices.item(i).text() for i in range(choices.count())]
    assert texts == ["Row 2: 姓名：张三 → 张叁", "Row 2: 手机：13800138000 → 13900139000"]
    assert [f for _r, f in dialog.picked(choices)] == ["phone"]  # the name left unticked
    shown = dialog.result
    dialog.apply_differences(dialog.picked(choices))
    qtbot.waitUntil(lambda: dialog.applied is not None, timeout=10_000)
    assert dialog.applied == 1
    with db.reader() as s:
        m = find_active_by_id_number(s, idn(1))
        assert (m.name, m.phone) == ("张三", "13900139000")
    # checked again: only the name still differs
    qtbot.waitUntil(lambda: dialog.result is not shown and dialog.result is not None,
                    timeout=10_000)
    assert [r.changes for r in dialog.result.changed] == [[("name", "张三", "张叁")]]


def test_the_last_import_undone_from_the_wizard(qtbot, window, db, tmp_path):
    path = tmp_path / "花名册.xlsx"
    roster(path)
    before = members_count(db)
    dialog = window.import_excel()
    qtbot.addWidget(dialog)
    dialog.path.setText(str(path))
    dialog.preview()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    dialog.run_import()
    qtbot.waitUntil(lambda: dialog.imported is not None, timeout=10_000)
    dialog.undo_import()
    qtbot.waitUntil(lambda: dialog.undone is not None, timeout=10_000)
    assert "was undone: 2 rows removed" in dialog.summary.text()
    with db.reader() as s:
        from station_app.domain.models import Member

        alive = s.execute(select(func.count()).select_from(Member).where(
            Member.deleted.is_(False))).scalar_one()
    assert alive == before
    dialog.undo_import()
    qtbot.waitUntil(lambda: isinstance(dialog.undone, Exception), timeout=10_000)
    assert "撤销过了" in dialog.summary.text()  # the app's language: Chinese
