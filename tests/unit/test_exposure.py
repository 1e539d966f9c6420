"""Least exposure (issue 15, item 10), below the widgets: the export mask, who gets full
ID numbers (the permission table), the command line's exports recorded, the report's
lists masked for a clerk, a record's rules."""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from station_app.domain.models import ExportRecord
from station_app.domain.services import exposure, members
from station_app.domain.validation import ValidationError, id_check_char


def idn(n: int) -> str:
    body = f"44030519800303{n:03d}"
    return body + id_check_char(body)


def test_the_export_mask_keeps_the_area_and_the_last_four():
    assert exposure.mask_for_export("44030519800303001X") == "440305********001X"
    assert exposure.mask_for_export("440305800303001") == "440305*****3001"  # 15 digits
    assert exposure.mask_for_export("1234567890") == "**********"
    assert exposure.mask_for_export(None) is None and exposure.mask_for_export("") == ""
    assert exposure.mask_account("6222021234567890123") == "*" * 15 + "0123"


def test_full_ids_follow_the_permission_table(db, admin, clerk, district_admin):
    for actor, full in ((clerk, False), (admin, True), (district_admin, True)):
        with db.reader(actor) as s:
            assert exposure.full_ids_allowed(s) is full
    with db.reader() as s:  # nobody: masked
        assert not exposure.full_ids_allowed(s)


def test_a_record_keeps_the_file_name_only(db, clerk):
    with db.session(clerk) as s:
        r = exposure.record(s, "export", "ledger", 12, "/home/li/文档/台账 2026.xlsx")
        w = exposure.record(s, "print", "case_file", 1, r"C:\Users\li\档案.pdf")
        p = exposure.record(s, "print", "report", 9, None)
    assert (r.file_name, w.file_name, p.file_name) == ("台账 2026.xlsx", "档案.pdf", None)
    assert (r.actor, r.actor_role, r.full_ids) == ("clerk", "clerk", False)
    with pytest.raises(ValidationError), db.session(clerk) as s:
        exposure.record(s, "export", "everything", 1, "x.xlsx")


def test_the_records_are_append_only(db, clerk):
    from station_app.storage import sqlfile

    with db.session(clerk) as s:
        rid = exposure.record(s, "export", "roster", 3, "a.xlsx").id
    con = sqlfile.connect(db.path)  # (encrypted: the key this process knows)
    try:
        for sql in ("UPDATE export_records SET row_count = 0", "DELETE FROM export_records"):
            with pytest.raises(sqlfile.DatabaseError, match="append-only"):
                con.execute(sql)
    finally:
        con.close()
    with db.reader() as s:
        assert s.get(ExportRecord, rid).row_count == 3


def test_the_command_lines_exports_are_recorded(db, db_path, admin, tmp_path):
    from station_app.cli import main

    with db.session(admin) as s:
        members.register_member(s, {"name": "张三", "id_number": idn(1),
                                    "join_date": date(2024, 1, 1)})
    out = tmp_path / "out" / "roster.xlsx"
    out.parent.mkdir()
    assert main(["export", "roster", str(out), "--db", str(db_path)]) == 0
    with db.reader() as s:
        (r,) = s.execute(select(ExportRecord)).scalars()
    assert (r.action, r.what, r.row_count, r.file_name, r.full_ids) == (
        "export", "roster", 1, "roster.xlsx", True)
    assert r.actor == "admin"  # the user who logged in (STATION_USER)
    ws = openpyxl.load_workbook(out).active
    assert idn(1) in [c.value for c in ws[3]]


def test_a_clerks_report_workbook_masks_the_lists(db, admin, clerk, tmp_path):
    from station_app.domain.services.reports import build_report
    from station_app.exchange.xlsx_export import export_recorded, export_report

    with db.session(admin) as s:
        members.register_member(s, {"name": "张三", "id_number": idn(1),
                                    "join_date": date.today()})
    out = tmp_path / "report.xlsx"

    def write(s, full):
        report = build_report(s, date.today(), db.station_id, with_lists=True)
        return export_report(report, out, full_ids=full)

    export_recorded(db, clerk, "report", out, write)
    cells = {c.value for ws in openpyxl.load_workbook(out).worksheets
             for row in ws.iter_rows() for c in row}
    assert idn(1) not in cells and idn(1)[:6] + "*" * 8 + idn(1)[-4:] in cells


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path
