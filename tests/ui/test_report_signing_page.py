"""The Reports page of a district that signs its report: the stations not synced since the
date flagged beside the figures, the report signed from the page and shown as signed, a
back-dated record then shown as a difference (red, "signed N, now M"), the printable
summary as a PDF with its fonts embedded and its Chinese text, the signed reports opened
as they were signed, and who may sign. Real widgets on real files, offscreen."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent.parent))
from pdftext import read_pdf  # noqa: E402

from station_app.domain.actor import (
    SYSTEM_LOGIN,
    SYSTEM_SETUP,
    Actor,  # noqa: E402
)
from station_app.domain.ids import station_id_for  # noqa: E402
from station_app.domain.models import SignedReport, StationCredential  # noqa: E402
from station_app.domain.services import events, stations, users  # noqa: E402
from station_app.domain.services.setup import init_district  # noqa: E402
from station_app.storage.database import open_database  # noqa: E402
from station_app.ui.qt import QDate  # noqa: E402

DISTRICT = Actor("district", "district_admin", None, "区总工会")


def training(db, code: str, when: date, title: str) -> None:
    saved = db._station_id
    db._station_id = station_id_for(code)
    try:
        with db.session(DISTRICT) as s:
            events.record_event(s, {"kind": "training", "event_date": when, "title": title,
                                    "person_times": 20})
    finally:
        db._station_id = saved


@pytest.fixture
def district_db(tmp_path):
    db = open_database(tmp_path / "district.sqlite3", create=True)
    init_district(db, "qu", "district-pass-1", display_name="李主席")
    with db.session(DISTRICT) as s:
        stations.upsert_station(s, "DP01", "大鹏社区工联会", is_key=True)
        stations.upsert_station(s, "DP02", "南澳社区工联会")
        stations.set_target(s, 2025, "training_events", 10)
    with db.session(SYSTEM_SETUP) as s:
        users.create_user(s, "staff", "staff-pass-1", "station_admin", "区里的工作人员",
                          bootstrap=True)
        s.add(StationCredential(station_id=station_id_for("DP01"), bundle_secret="0" * 64,
                                enrolled_at="2025-01-01T00:00:00.000000Z",
                                last_sync_at=datetime(2025, 7, 3, 4, tzinfo=UTC).strftime(
                                    "%Y-%m-%dT%H:%M:%S.%fZ")))
    training(db, "DP01", date(2025, 3, 1), "提素课堂1")
    training(db, "DP02", date(2025, 4, 1), "提素课堂2")
    yield db
    db.close()


@pytest.fixture
def district_window(qtbot, qapp, district_db, settings):
    from station_app.ui.context import AppContext
    from station_app.ui.i18n import install_language
    from station_app.ui.main_window import MainWindow
    from station_app.ui.tasks import TaskRunner

    with district_db.session(SYSTEM_LOGIN) as s:
        boss = users.authenticate(s, "qu", "district-pass-1")
    install_language(qapp, "zh")
    ctx = AppContext(db=district_db, actor=boss, lang="zh", tasks=TaskRunner(district_db),
                     settings=settings, district=True)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    ctx.tasks.wait()


def shown(qtbot, page, day: QDate) -> None:
    page.as_of.setDate(day)
    qtbot.waitUntil(lambda: page.report is not None and page.report.summary.as_of
                    == day.toPython(), timeout=10_000)
    page.ctx.tasks.wait()
    qtbot.wait(50)


def test_sign_from_the_page_then_a_back_dated_record_shows_in_red(qtbot, district_window,
                                                                  district_db, tmp_path):
    district_window.open_page("reports")
    page = district_window.page("reports")
    shown(qtbot, page, QDate(2025, 6, 30))
    # DP02 never synced: flagged beside the figures; DP01 synced after the date
    assert page.sync_label.isVisible()
    assert page.sync_label.text().startswith("1 个站点自 2025-06-30 起未同步，数字可能不完整：")
    assert "DP02 南澳社区工联会（从未同步）" in page.sync_label.text()
    assert "DP01" not in page.sync_label.text()
    assert page.sync_label.toolTip().splitlines() == [  # every station's, on hovering
        f"DP01 大鹏社区工联会: {_local('2025-07-03T04:00:00.000000Z')}", "DP02 南澳社区工联会: 从未同步"]
    assert not page.signed_label.isVisible() and page.sign_button.isEnabled()
    # the page's workbook carries the stations' syncs too, as the command line's does
    book = tmp_path / "report.xlsx"
    page.export_to(book)
    qtbot.waitUntil(lambda: book.exists() and "report.xlsx" in page.message.text(),
                    timeout=20_000)
    from openpyxl import load_workbook

    wb = load_workbook(book, read_only=True)
    assert "同步情况" in wb.sheetnames
    assert any("DP02" in str(c) for row in wb["同步情况"].iter_rows(values_only=True)
               for c in row)

    dialog = page.sign_dialog()  # what signing means, and the stations not synced
    assert "DP02" in dialog.findChild(type(page.sync_label), "sign-warning").text()
    dialog.note.setPlainText("上半年工作总结")
    dialog.accept()
    qtbot.waitUntil(lambda: page.signed_label.isVisible(), timeout=10_000)
    assert page.signed_label.text().startswith("已签署：李主席（qu），")
    assert "上半年工作总结" in page.signed_label.text()
    assert "与签署时的数字一致" in page.signed_label.text()
    with district_db.reader() as s:
        [signed] = s.query(SignedReport).all()
    assert signed.signed_by == "qu" and signed.note == "上半年工作总结"

    # DP02's back-dated event arrives after the signing
    training(district_db, "DP02", date(2025, 5, 5), "补录的提素课堂")
    page.reload()
    qtbot.waitUntil(lambda: "项数字与签署时不同" in page.signed_label.text(), timeout=10_000)
    text = page.signed_label.text()
    assert "提素活动（场）：签署时 2，现在 3" in text
    assert "提素活动受惠（人次）：签署时 40，现在 60" in text
    row = next(r for r in page.figures.rows if r[0] == "training_events")
    assert (row[2], row[4]) == ("3", "签署时 2")
    assert page.figures.foreground(row) is not None  # in red
    district_window.grab().save(str(tmp_path / "reports-signed-differs.png"))

    # the printable summary: a PDF of pages, its fonts embedded, the text in Chinese
    out = tmp_path / "report.pdf"
    page.save_pdf(out)
    qtbot.waitUntil(lambda: "已写入" in page.message.text() or "Written" in
                    page.message.text(), timeout=10_000)
    pdf = read_pdf(out)
    assert len(pdf.pages) >= 1 and pdf.fonts and all(pdf.fonts.values())
    assert any("CJK" in name or "Hei" in name or "Song" in name for name in pdf.fonts)
    for words in ("区总工会工作汇总报告", "截至2025年6月30日", "已签署", "签署时", "现在",
                  "自2025-06-30起未同步,数字可能不完整", "南澳社区工联会(从未同步)",
                  "编制人", "审核人", "负责人", "单位盖章", "生成时间"):
        assert words in pdf.text, words

    # the signed reports, opened as they were signed
    signed_dialog = page.open_signed()
    qtbot.waitUntil(lambda: signed_dialog.list.rowCount() == 1, timeout=10_000)
    signed_dialog.list_view.selectRow(0)
    qtbot.waitUntil(lambda: signed_dialog.comparison is not None, timeout=10_000)
    figures = {r[0]: r for r in signed_dialog.figures.rows}
    assert figures["training_events"][2:] == ("2", "3", True)
    assert figures["key_stations_total"][2:] == ("1", "1", False)
    assert "签署时：1 个站点" in signed_dialog.title.text()
    signed_dialog.grab().save(str(tmp_path / "signed-reports.png"))
    as_signed = tmp_path / "signed.pdf"
    signed_dialog.save_pdf(as_signed)
    qtbot.waitUntil(lambda: "已写入" in signed_dialog.message.text(), timeout=10_000)
    text = read_pdf(as_signed).text
    assert "本报告为签署时的数字" in text and "电子签署" in text
    # both PDFs are recorded as prints of the report, the signed one too
    from station_app.domain.models import ExportRecord

    def printed() -> list[str]:
        with district_window.ctx.db.reader() as s:
            return [r.file_name for r in s.query(ExportRecord).filter_by(what="report")]

    qtbot.waitUntil(lambda: "signed.pdf" in printed(), timeout=10_000)
    assert "report.pdf" in printed()
    signed_dialog.close()


def test_who_may_sign(qtbot, make_ctx, db, clerk, admin, district_db, settings):
    from station_app.ui.pages.reports import ReportsPage

    clerk_page = ReportsPage(make_ctx(clerk))
    qtbot.addWidget(clerk_page)
    assert not clerk_page.sign_button.isEnabled()
    assert "station administrator" in clerk_page.sign_button.toolTip()
    assert clerk_page.sign_dialog() is None
    admin_page = ReportsPage(make_ctx(admin))
    qtbot.addWidget(admin_page)
    assert admin_page.sign_button.isEnabled()
    # at the district a station admin does not sign the district's report, and the
    # service refuses it whatever the page shows
    from station_app.ui.context import AppContext
    from station_app.ui.tasks import TaskRunner

    with district_db.session(SYSTEM_LOGIN) as s:
        staff = users.authenticate(s, "staff", "staff-pass-1")
    ctx = AppContext(db=district_db, actor=staff, lang="en", tasks=TaskRunner(district_db),
                     settings=settings, district=True)
    page = ReportsPage(ctx)
    qtbot.addWidget(page)
    assert not page.sign_button.isEnabled()
    page.as_of.setDate(QDate(2025, 6, 30))
    page.reload()
    qtbot.waitUntil(lambda: page.report is not None, timeout=10_000)
    page.sign("")
    qtbot.waitUntil(lambda: "Not signed" in page.message.text(), timeout=10_000)
    assert "district admin" in page.message.text()
    ctx.tasks.wait()
    with district_db.reader() as s:
        assert s.query(SignedReport).count() == 0


def test_a_stations_own_report_shows_its_last_sync(qtbot, window, db):
    db.set_state("last_sync", "2025-07-01T01:00:00.000000Z")
    window.open_page("reports")
    page = window.page("reports")
    shown(qtbot, page, QDate(2025, 6, 30))
    assert page.sync_label.text().startswith("本站最近同步：2025-07-01")  # (its own clock)
    assert "未同步" not in page.sync_label.text()


def _local(text: str) -> str:
    from station_app.domain.signoff import local_text

    return local_text(text)
