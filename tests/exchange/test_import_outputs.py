"""Where an import writes its error workbook: checked before anything is imported; written
in the import's transaction (to a file beside it that takes its name once committed), so
the rows and their error workbook are there together or not at all; never a failure
reported for work that was committed."""

from __future__ import annotations

import json
import os

import pytest
from xlsx_helpers import make_id, write_xlsx

from station_app.domain.validation import ValidationError
from station_app.exchange.xlsx_import import check_errors_path, import_file
from station_app.storage.sqlfile import dbapi as sqlite3

ZHANG = make_id("44030519900101123")


def _count(db_path, sql: str) -> int:
    con = sqlite3.connect(db_path)
    try:
        return con.execute(sql).fetchone()[0]
    finally:
        con.close()


@pytest.fixture
def sheet(tmp_path):
    return write_xlsx(tmp_path / "m.xlsx", [["姓名", "身份证号"], ["张三", ZHANG],
                                            ["王五", 4.40305e17]])


def test_a_place_that_cannot_take_the_workbook_is_refused_before_importing(
        db, db_path, admin, sheet, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    cases = [
        (tmp_path, "import.errors_path_folder", "是一个文件夹"),
        (tmp_path / "errors.csv", "import.errors_path_suffix", ".xlsx"),
        (blocker / "errors.xlsx", "import.errors_path_unwritable", "未导入任何内容"),
    ]
    for target, code, words in cases:
        with pytest.raises(ValidationError) as exc:
            import_file(db, admin, sheet, errors_path=target)
        assert exc.value.codes == [code]
        assert words in exc.value.messages()[0]
    with pytest.raises(ValidationError) as exc:
        import_file(db, admin, sheet, errors_path=sheet)
    assert exc.value.codes == ["import.errors_path_source"]
    with pytest.raises(ValidationError) as exc:  # the same file by another name
        os.link(sheet, tmp_path / "link.xlsx")
        import_file(db, admin, sheet, errors_path=tmp_path / "link.xlsx")
    assert exc.value.codes == ["import.errors_path_source"]
    assert _count(db_path, "SELECT count(*) FROM members") == 0  # nothing imported
    assert list(tmp_path.glob(".*tmp*")) == [] and list(tmp_path.glob(".*probe")) == []


def test_the_folder_is_made_and_the_export_recorded_with_the_rows(db, db_path, admin, sheet,
                                                                  tmp_path):
    out = tmp_path / "new" / "folder" / "errors.xlsx"
    result = import_file(db, admin, sheet, errors_path=out)
    assert result.errors_path == out and out.exists() and result.errors_problem is None
    assert (result.imported, len(result.rejected)) == (1, 1)
    con = sqlite3.connect(db_path)
    (detail,), = con.execute("SELECT detail FROM audit_log WHERE action = 'export'")
    con.close()
    assert json.loads(detail) == {"what": "import-errors", "kind": "members",
                                  "source": "m.xlsx", "file": str(out), "rows": 1}
    assert [p.name for p in out.parent.iterdir()] == ["errors.xlsx"]  # no temporary left


def test_rows_and_their_error_workbook_together_or_not_at_all(db, db_path, admin, sheet,
                                                              tmp_path, monkeypatch):
    """A write failing inside the transaction leaves neither rows nor a workbook; the last
    step failing after the commit is told, never raised, and the workbook is kept."""
    from station_app.exchange import xlsx_import

    out = tmp_path / "errors.xlsx"

    def disk_full(*_a, **_k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsx_import, "write_error_workbook", disk_full)
    with pytest.raises(OSError):
        import_file(db, admin, sheet, errors_path=out)
    assert _count(db_path, "SELECT count(*) FROM members") == 0
    assert list(tmp_path.glob("*errors*")) == []
    monkeypatch.undo()

    def no_rename(*_a, **_k):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(xlsx_import.os, "replace", no_rename)
    result = import_file(db, admin, sheet, errors_path=out)
    assert result.written and result.imported == 1
    assert result.errors_problem == "Permission denied"
    assert result.errors_path != out and result.errors_path.exists()
    assert _count(db_path, "SELECT count(*) FROM members") == 1


def test_check_errors_path_keeps_a_good_path(tmp_path):
    assert check_errors_path(tmp_path / "x.XLSX") == tmp_path / "x.XLSX"
    assert list(tmp_path.iterdir()) == []
