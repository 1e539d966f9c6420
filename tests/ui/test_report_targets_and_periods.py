"""The Reports page and the dashboard show targets by the one rule (a district target on a
station: labelled the district's, with the station's part only); the membership figures
open their lists; File → Export asks for a year or a range, this year by default and
last year one click away."""

from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from station_app.domain.services import events, members, stations
from station_app.ui.qt import QDate

YEAR = date.today().year


def training(db, actor, n: int, when: date) -> None:
    with db.session(actor) as s:
        for i in range(n):
            events.record_event(s, {"kind": "提素", "event_date": when,
                                    "title": f"提素课堂{i + 1}", "person_times": 10})


def test_the_reports_page_shows_a_district_target_as_the_districts(qtbot, window, db, admin,
                                                                   district_admin):
    with db.session(district_admin) as s:
        stations.set_target(s, 2025, "training_events", 40)
        stations.set_target(s, 2025, "training_events", 4, "KY01")
    training(db, admin, 3, date(2025, 3, 1))
    window.open_page("reports")
    page = window.page("reports")
    page.as_of.setDate(QDate(2025, 6, 30))
    qtbot.waitUntil(lambda: page.report is not None
                    and page.report.summary.as_of == date(2025, 6, 30), timeout=10_000)
    rows = page.targets.rows
    # the figures' names in the data's language (this context is Chinese), the page's
    # own words in the interface's (English here)
    assert rows == [("提素活动（场）", "District", "40", "this station's part: 3", ""),
                    ("提素活动（场）", "KY01", "4", "3", "75%")]
    assert "2025" in page.targets_title.text()
    page.as_of.setDate(QDate(2024, 6, 30))  # another year: its own targets (none)
    qtbot.waitUntil(lambda: page.report.summary.as_of == date(2024, 6, 30), timeout=10_000)
    assert page.targets.rows == [] and "No targets" in page.targets_title.text()


def test_a_membership_figure_opens_one_row_per_person(qtbot, window, db, admin):
    with db.session(admin) as s:
        for n, name in enumerate(("王芳", "李强", "张伟"), start=1):
            members.register_member(s, {"name": name, "id_number": _idn(n),
                                        "join_date": date(2025, 1, n),
                                        "migrant_worker": n != 2})
    window.open_page("reports")
    page = window.page("reports")
    page.as_of.setDate(QDate(2025, 6, 30))
    qtbot.waitUntil(lambda: page.report is not None
                    and page.report.summary.as_of == date(2025, 6, 30), timeout=10_000)
    codes = [r[0] for r in page.figures.rows]
    migrant = codes.index("members_migrant")
    assert page.figures.rows[migrant][2] == "2"
    page.figures_view.selectRow(migrant)
    qtbot.waitUntil(lambda: page.records.rowCount() == 2, timeout=10_000)
    assert {page.records.rows[i][0] for i in range(2)} == {"王芳", "张伟"}
    assert "在册会员中的农民工" in page.records_title.text()  # how it counts


def _idn(n: int) -> str:
    from station_app.domain.validation import id_check_char

    first17 = f"11010119800101{n:03d}"
    return first17 + id_check_char(first17)


def test_the_dashboard_gives_a_station_its_part_of_a_district_target(qtbot, ctx, db, admin,
                                                                     district_admin):
    from station_app.ui.pages.dashboard import DashboardPage

    with db.session(district_admin) as s:
        stations.set_target(s, YEAR, "training_events", 40)
    training(db, admin, 2, date(YEAR, 1, 1))
    page = DashboardPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: page.loaded, timeout=10_000)
    assert page.bars == []  # no progress bar passes the station's count off as the district's
    part = page.findChild(type(page.status), "target-part-training_events")
    assert part is not None and part.text() == "District target: 40; this station's part: 2"


def test_the_period_dialog_defaults_to_this_year_with_last_year_one_click_away(qtbot):
    from station_app.ui.export_dialog import PeriodDialog

    dialog = PeriodDialog("Hardship ledger", today=date(2026, 1, 8))
    qtbot.addWidget(dialog)
    assert dialog.period() == (date(2026, 1, 1), date(2026, 12, 31))
    dialog.last_year.click()
    assert dialog.period() == (date(2025, 1, 1), date(2025, 12, 31))
    dialog.start.setDate(QDate(2025, 10, 1))
    dialog.end.setDate(QDate(2026, 1, 8))
    assert dialog.by_range.isChecked()
    assert dialog.period() == (date(2025, 10, 1), date(2026, 1, 8))
    dialog.start.setDate(QDate(2026, 2, 1))  # after the last day: refused, the dialog stays
    dialog._ok()
    assert dialog.result() == 0 and "2026-01-08" in dialog.message.text()


def test_file_export_writes_the_period_asked_for(qtbot, window, db, admin, tmp_path):
    training(db, admin, 1, date(2024, 11, 30))
    training(db, admin, 2, date(2025, 2, 1))
    out = tmp_path / "events.xlsx"
    window.export_excel("events", out, (date(2024, 11, 1), date(2025, 1, 31)))
    qtbot.waitUntil(lambda: str(out) in window.statusBar().currentMessage(), timeout=10_000)
    ws = load_workbook(out).active
    assert "2024-11-01 – 2025-01-31" in ws["A1"].value
    assert [r[0].date() for r in ws.iter_rows(min_row=3, values_only=True)] == \
        [date(2024, 11, 30)]
    last = tmp_path / "events-2025.xlsx"
    window.export_excel("events", last, (date(2025, 1, 1), date(2025, 12, 31)))
    qtbot.waitUntil(lambda: str(last) in window.statusBar().currentMessage(), timeout=10_000)
    assert len(list(load_workbook(last).active.iter_rows(min_row=3))) == 2
