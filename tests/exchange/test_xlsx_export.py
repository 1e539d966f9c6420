"""Excel out: each export opens cleanly (read back with openpyxl and python-calamine),
has its title row, a frozen header, IDs as text, and figures that agree with the
services — on the fixed dataset of tests/unit/test_services.py."""

from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).parent.parent / "unit"))
from test_services import KY01, build_world, make_id  # noqa: E402

from station_app.domain.ids import station_id_for  # noqa: E402
from station_app.domain.models import HardshipCase  # noqa: E402
from station_app.domain.services import hardship, members  # noqa: E402
from station_app.domain.services.reports import build_report  # noqa: E402
from station_app.exchange import xlsx_export as xe  # noqa: E402


@pytest.fixture
def world(db, admin, district_admin):
    return build_world(db, admin, district_admin)


def cells(path: Path, sheet: str | int = 0) -> list[list]:
    wb = CalamineWorkbook.from_path(str(path))
    name = wb.sheet_names[sheet] if isinstance(sheet, int) else sheet
    return wb.get_sheet_by_name(name).to_python()


def test_the_roster_keeps_ids_as_text_under_a_title_and_a_frozen_header(db, admin, world,
                                                                         tmp_path):
    with db.session(admin) as s:
        members.register_member(s, {"name": "王五", "id_number": "11010519491231002X",
                                    "phone": "13800138000"})
    out = tmp_path / "roster.xlsx"
    with db.reader() as s:
        n = xe.export_roster(s, out, KY01, as_of=date(2025, 12, 31))
        expected = len(list(xe.roster_rows(s, KY01, as_of=date(2025, 12, 31))))
    rows = cells(out)
    assert n == expected == len(rows) - 2
    assert "会员名册" in rows[0][0] and "2025-12-31" in rows[0][0]
    # the office's 会员花名册 layout, which the import reads back
    assert rows[1] == ["序号", "姓名", "性别", "民族", "公民身份号码", "出生日期", "联系电话",
                       "工作单位", "入会时间", "会员证号", "是否农民工", "备注"]
    assert [r[0] for r in rows[2:]] == list(range(1, n + 1))
    wang = next(r for r in rows[2:] if r[1] == "王五")
    assert wang[4] == "11010519491231002X" and wang[6] == "13800138000"  # text, whole
    ws = load_workbook(out).active
    assert ws.freeze_panes == "A3"
    assert ws["E3"].data_type == "s"  # stored as text: Excel keeps every digit
    assert ws.column_dimensions["E"].width >= 18


def test_the_roster_as_of_a_date_lists_the_members_on_the_roll_that_day(db, admin, world,
                                                                        tmp_path):
    """Joined after the date, or left on or before it: not on that day's roster (a walk
    found left and deceased members on a roster 'as of' a date)."""
    from station_app.exchange.xlsx_import import import_file

    with db.session(admin) as s:
        late = members.register_member(s, {"name": "晚入会", "id_number": make_id(901),
                                            "join_date": "2026-03-01"})
        gone = members.register_member(s, {"name": "已退会", "id_number": make_id(902),
                                            "join_date": "2020-01-01"})
        members.change_status(s, gone.id, "left", date(2025, 6, 1))
    out = tmp_path / "roster.xlsx"
    with db.reader() as s:
        xe.export_roster(s, out, KY01, as_of=date(2025, 12, 31))
        everyone = {r[1] for r in xe.roster_rows(s, KY01)}
    names = {r[1] for r in cells(out)[2:]}
    assert {"晚入会", "已退会"} <= everyone and not names & {"晚入会", "已退会"}
    # and the file reads back as a roster (every row already there)
    back = import_file(db, admin, out)
    assert back.kind.code == "members" and not back.rejected and back.imported == 0
    assert late.id


def test_the_district_roster_has_a_sheet_per_station_and_a_summary(db, world, tmp_path):
    out = tmp_path / "district.xlsx"
    with db.reader() as s:
        total = xe.export_roster(s, out, None, lang="en")
    wb = CalamineWorkbook.from_path(str(out))
    assert wb.sheet_names[0] == "Summary"
    summary = wb.get_sheet_by_name("Summary").to_python()
    per_station = {r[0]: r[2] for r in summary[2:-1]}
    assert summary[-1][0] == "Total" and summary[-1][2] == total == sum(per_station.values())
    for name in wb.sheet_names[1:]:
        code = name.split(" ")[0]
        assert len(wb.get_sheet_by_name(name).to_python()) - 2 == per_station[code]


def test_the_ledger_shows_reversals_and_totals_that_count(db, world, tmp_path):
    out = tmp_path / "ledger.xlsx"
    with db.reader() as s:
        written = xe.export_ledger(s, out, KY01, 2025, lang="en")
        counted = hardship.ledger_totals(s, group_by=(), station_id=KY01, year=2025)
    rows = cells(out, "Ledger")
    assert written == len(rows) - 3  # title, header, the entries, the totals row
    marks = [r[9] for r in rows[2:-1]]
    assert marks.count("reversal") == 2 and marks.count("reversed") == 2
    by_kind = cells(out, "By kind")
    total = by_kind[-1]
    assert total[0] == "Total"
    assert Decimal(str(total[2])) * 100 == sum(counted.by_key.values())
    # the lines of the ledger add up to the same money (a reversal cancels its original),
    # and its own totals row says so
    assert round(Decimal(str(sum(r[4] for r in rows[2:-1]))), 2) == Decimal(str(total[2]))
    assert rows[-1][0].startswith("Total") and Decimal(str(rows[-1][4])) == Decimal(
        str(total[2]))
    by_case = cells(out, "By household")
    assert Decimal(str(sum(r[2] for r in by_case[2:]))) == Decimal(str(total[2]))


def test_a_ledger_of_a_period_counts_as_the_report_does_at_its_end(db, admin, world,
                                                                   tmp_path):
    """An entry of the first half-year reversed in the second: the half-year's ledger
    counts it, as the report as of 30 June does (a clerk's walk found the detail adding to
    620.50 while the totals said 120.00 and the Reports page 620.50)."""
    from station_app.domain.services.metrics import compute_summary
    from station_app.exchange.xlsx_export import Period

    with db.session(admin) as s:
        case = s.query(HardshipCase).filter(HardshipCase.station_id == KY01).first()
        entry = hardship.add_entry(s, case.id, {"entry_date": "2026-03-05",
                                                "kind": "condolence", "amount": "500.50"})
        hardship.reverse_entry(s, entry.id, "录错", on=date(2026, 8, 1))
    half = Period(date(2026, 1, 1), date(2026, 6, 30))
    out = tmp_path / "half.xlsx"
    with db.reader() as s:
        xe.export_ledger(s, out, KY01, half, lang="en")
        paid = compute_summary(s, date(2026, 6, 30), KY01).values["hardship_paid_fen"]
    rows = cells(out, "Ledger")
    line = next(r for r in rows[2:-1] if r[4] == 500.5)
    assert line[9] == ""  # not yet reversed on 30 June
    totals = Decimal(str(cells(out, "By kind")[-1][2]))
    assert Decimal(str(rows[-1][4])) == totals == round(
        Decimal(str(sum(r[4] for r in rows[2:-1]))), 2) == Decimal(paid) / 100


def test_case_files_one_printable_sheet_per_household(db, world, tmp_path):
    out = tmp_path / "files.xlsx"
    with db.reader() as s:
        ids = [c.id for c in s.query(HardshipCase).filter(HardshipCase.station_id == KY01)]
        assert xe.export_case_files(s, out, ids) == len(ids)
    wb = load_workbook(out)
    assert len(wb.sheetnames) == len(ids)
    ws = wb.worksheets[0]
    assert ws["A1"].value == "困难职工档案表"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert any(r[0].value == "合计（元）" for r in ws.iter_rows())


def test_visits_and_events_of_a_period(db, world, tmp_path):
    v, e = tmp_path / "visits.xlsx", tmp_path / "events.xlsx"
    with db.reader() as s:
        nv = xe.export_visits(s, v, station_id_for("KY02"), date(2025, 1, 1),
                              date(2025, 12, 31))
        ne = xe.export_events(s, e, KY01, 2025)
    assert nv == 4 and len(cells(v)) == 6  # KY02's four visits of 2025
    events = cells(e)
    assert ne == len(events) - 2 == 5  # KY01's 2025 events, the deleted one left out
    from station_app.domain.choices import EVENT_KIND

    kinds = {r[1] for r in events[2:]}
    assert kinds and not kinds & set(EVENT_KIND)  # labels, not codes


def test_the_report_workbook_carries_the_figures_and_their_lists(db, world, tmp_path):
    out = tmp_path / "report.xlsx"
    with db.reader() as s:
        report = build_report(s, date(2025, 6, 30), None)
    xe.export_report(report, out)
    wb = CalamineWorkbook.from_path(str(out))
    figures = {r[0]: r[1] for r in wb.get_sheet_by_name("工作汇总").to_python()[2:] if r[0]}
    assert figures["累计走访企业（次）"] == report.summary.values["enterprise_visits"] == 9
    assert figures["帮扶金额合计（元）"] * 100 == report.summary.values["hardship_paid_fen"]
    visits = wb.get_sheet_by_name("走访企业").to_python()
    assert len(visits) - 2 == 9
