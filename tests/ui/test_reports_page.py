"""The Reports page on the fixed dataset: figures as of a date, each opening the records
behind it, and the workbook written from the page."""

from __future__ import annotations

import sys
from pathlib import Path

from python_calamine import CalamineWorkbook

sys.path.insert(0, str(Path(__file__).parent.parent / "unit"))
from test_services import build_world  # noqa: E402

from station_app.ui.qt import QDate  # noqa: E402


def test_each_figure_opens_its_records_and_the_report_exports(qtbot, qtmodeltester, window,
                                                              db, admin, district_admin,
                                                              tmp_path):
    build_world(db, admin, district_admin)
    window.open_page("reports")
    page = window.page("reports")
    page.as_of.setDate(QDate(2025, 6, 30))
    qtbot.waitUntil(lambda: page.report is not None
                    and page.report.summary.as_of.isoformat() == "2025-06-30", timeout=10_000)
    qtmodeltester.check(page.figures)
    rows = page.figures.rows
    visits = next(i for i, r in enumerate(rows) if r[0] == "enterprise_visits")
    assert rows[visits][2] == "7"  # KY01's enterprise visits by 2025-06-30
    page.figures_view.selectRow(visits)  # the list is read when the figure is opened
    qtbot.waitUntil(lambda: page.records.rowCount() == 7, timeout=10_000)
    assert page.records.headerData(1, page.records_view.horizontalHeader().orientation()) \
        == "企业"  # the clerk's language (this context is Chinese)
    assert "7 records" in page.records_title.text()
    qtmodeltester.check(page.records)
    quota = next(i for i, r in enumerate(rows) if r[0] == "quota_weeks_met")
    page.figures_view.selectRow(quota)
    assert page.records.rowCount() == 0 and "no list" in page.records_title.text()
    out = tmp_path / "r.xlsx"
    page.export_to(out)
    qtbot.waitUntil(lambda: "Written" in page.message.text(), timeout=10_000)
    names = CalamineWorkbook.from_path(str(out)).sheet_names
    assert names[0] == "工作汇总" and "走访企业" in names
