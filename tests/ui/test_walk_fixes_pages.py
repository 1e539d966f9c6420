"""Findings of a tester's walk through the real window, fixed and checked through the
widgets: the 冲正 dialog keeps its reason's refusal in place, the 脱困 dialog marks its
required reason, the closed file's undo says what it undoes, the 建档 dialog shows no
value that is not one, the hardship list has the room of its columns."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from station_app.domain.services import hardship, members
from station_app.domain.validation import id_check_char
from station_app.ui.qt import Qt

TODAY = date.today()


def make_id(n: int) -> str:
    first17 = f"11010119800101{n:03d}"
    return first17 + id_check_char(first17)


@pytest.fixture
def files(db, admin):
    """李四 (open, one 500-yuan entry) and 王五 (exited)."""
    with db.session(admin) as s:
        out = {}
        for n, name in ((1, "李四"), (2, "王五")):
            m = members.register_member(s, {"name": name, "id_number": make_id(n)})
            out[name] = hardship.open_case(s, m.id, {
                "category": "失业", "level": "相对困难", "household_size": 2,
                "registered_date": (TODAY - timedelta(days=30)).isoformat()}).id
        hardship.add_entry(s, out["李四"], {"kind": "condolence", "amount": "500",
                                            "entry_date": TODAY.isoformat()})
        hardship.close_case(s, out["王五"], "exited", TODAY.isoformat(), "再就业")
        return out


def make_page(qtbot, ctx, width: int = 1200):
    from station_app.ui.pages.hardship import HardshipPage

    page = HardshipPage(ctx)
    qtbot.addWidget(page)
    page.resize(width, 800)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: not page.loading)
    return page


def show(qtbot, page, case_id: str) -> None:
    page.open_record(case_id)
    qtbot.waitUntil(lambda: not page.loading and page.file is not None
                    and page.file.id == case_id)


def ledger_rows(db, case_id: str) -> int:
    with db.reader() as s:
        return len(hardship.case_entries(s, case_id))


def test_a_reversal_without_a_reason_stays_in_its_dialog(qtbot, db, admin, make_ctx,
                                                           files, qapp):
    from station_app.ui.i18n import install_language

    install_language(qapp, "zh")
    page = make_page(qtbot, make_ctx(admin, "zh"))
    show(qtbot, page, files["李四"])
    page.ledger_view.selectRow(0)
    assert page.reverse_button.isEnabled()
    page.reverse_button.click()
    dialog = page._dialog
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.form.layout_.labelForField(
        dialog.form.widgets["reason"].parentWidget()).text() == "原因 *"
    # 确定 with the reason empty: the refusal under the field, the dialog still open
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: dialog.form.error_text("reason") != "")
    assert "必填" in dialog.form.error_text("reason")
    assert dialog.isVisible() and not page.message.isVisible()
    assert ledger_rows(db, files["李四"]) == 1
    # typed, refused for another reason (none here), then saved: the dialog closes
    dialog.form.widgets["reason"].setPlainText("金额录错")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    qtbot.waitUntil(lambda: not page.loading and len(page.ledger_model.rows) == 2)
    assert ledger_rows(db, files["李四"]) == 2
    assert page.file.total_fen == 0


def test_the_exit_dialog_marks_the_reason_and_the_undo_says_what(qtbot, admin, make_ctx,
                                                                 files, qapp):
    from station_app.ui.i18n import install_language

    install_language(qapp, "zh")
    page = make_page(qtbot, make_ctx(admin, "zh"))
    show(qtbot, page, files["李四"])
    dialog = page.ask_exit()
    label = dialog.form.layout_.labelForField(dialog.form.widgets["reason"].parentWidget())
    assert label.text() == "原因 *"
    dialog.reject()
    show(qtbot, page, files["王五"])
    assert page.reopen_button.isVisible() and page.reopen_button.text() == "撤销脱困…"


def test_the_open_file_dialog_shows_no_false_value(qtbot, admin, make_ctx, files, qapp):
    from station_app.ui.i18n import install_language

    install_language(qapp, "zh")
    page = make_page(qtbot, make_ctx(admin, "zh"))
    dialog = page.new_case()
    size = dialog.form.widgets["household_size"]
    assert size.text() == "" and not size.placeholderText().strip().isdigit()
    assert "人" in size.placeholderText()  # a hint that reads as one
    for field, text in (("household_size", "家庭人口 *"), ("category", "困难类别 *"),
                        ("level", "困难程度 *")):  # (the required ones marked)
        label = dialog.form.layout_.labelForField(dialog.form.widgets[field].parentWidget())
        assert label.text() == text
    # the registration date filled in is the date saved (not a grey look-alike)
    assert dialog.form.widgets["registered_date"].text() == TODAY.isoformat()
    dialog.reject()


def test_the_hardship_list_shows_its_dates_whole(qtbot, admin, make_ctx, files, qapp):
    from station_app.ui.i18n import install_language

    install_language(qapp, "zh")
    # the walk's window: 1,170 px, the navigation taking 150
    page = make_page(qtbot, make_ctx(admin, "zh"), width=1020)
    qtbot.waitUntil(lambda: len(page.list_model.rows) >= 1)
    view = page.list_view
    qtbot.waitUntil(lambda: page._balanced)
    registered = 4
    assert page.list_model.headerData(registered, Qt.Orientation.Horizontal) == "建档日期"
    right = view.columnViewportPosition(registered) + view.columnWidth(registered)
    assert right <= view.viewport().width(), (right, view.viewport().width())
    text = view.model().index(0, registered).data()
    assert view.columnWidth(registered) >= view.fontMetrics().horizontalAdvance(text)


def test_the_enterprises_list_is_in_pinyin_order(qtbot, db, admin, make_ctx):
    from station_app.domain.services import enterprises
    from station_app.ui.pages.enterprises import EnterprisesPage

    with db.session(admin) as s:
        for name in ("信达电子", "南山物流", "华南制衣", "同创科技"):
            enterprises.register_enterprise(s, {"name": name})
    page = EnterprisesPage(make_ctx(admin, "zh"))
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: page.proxy.rowCount() == 4)

    def names() -> list[str]:
        return [page.proxy.index(r, 0).data() for r in range(page.proxy.rowCount())]

    assert names() == ["华南制衣", "南山物流", "同创科技", "信达电子"]
    page.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # (the header clicked)
    assert names() == ["信达电子", "同创科技", "南山物流", "华南制衣"]
    # a new one joins in its place
    with db.session(admin) as s:
        enterprises.register_enterprise(s, {"name": "安居建筑"})
    page.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    page.reload()
    qtbot.waitUntil(lambda: page.proxy.rowCount() == 5)
    assert names()[0] == "安居建筑"


def test_ticking_plain_http_warns_in_red(qtbot, ctx):
    """The walk ticked 允许在局域网内以明文 HTTP 连接区总工会 and saw no warning."""
    from station_app.ui.pages.sync import SyncPage

    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    assert not page.plain_warning.isVisibleTo(page)
    box = page.form.widgets["plain_http"]
    box.setChecked(True)
    assert page.plain_warning.isVisibleTo(page)
    assert "unencrypted" in page.plain_warning.text()
    page.form.widgets["server"].setText("https://district:8765")  # (never plain)
    assert not page.plain_warning.isVisibleTo(page)
    page.form.widgets["server"].setText("http://192.168.1.20:8765")
    assert page.plain_warning.isVisibleTo(page)
    box.setChecked(False)
    assert not page.plain_warning.isVisibleTo(page)


def test_the_reports_page_gives_its_figures_and_targets_room(qtbot, window, db,
                                                             district_admin):
    """The walk saw the figures and the targets squeezed into the left third (the targets
    scrolling sideways) beside an empty right panel."""
    from station_app.domain.services import stations

    with db.session(district_admin) as s:
        stations.set_target(s, TODAY.year, "training_events", 40)
        stations.set_target(s, TODAY.year, "training_events", 4, "KY01")
    window.resize(1170, 770)
    window.open_page("reports")
    page = window.page("reports")
    qtbot.waitUntil(lambda: page.report is not None and bool(page.targets.rows),
                    timeout=10_000)
    qtbot.waitUntil(lambda: page._balanced)
    qtbot.wait(50)
    for view in (page.figures_view, page.targets_view):
        assert view.horizontalScrollBar().maximum() == 0, view.objectName()
    left, right = page.split.sizes()
    assert left >= 0.4 * (left + right) and right >= 0.4 * (left + right)


def test_the_dashboards_to_do_list_takes_the_room(qtbot, make_ctx, db, clerk):
    """The walk saw about 3 of 20 to-do items in a 1,170 × 770 window."""
    from station_app.domain.services import enterprises, visits
    from station_app.domain.validation import credit_code_check_char
    from station_app.ui.main_window import MainWindow

    with db.session(clerk) as s:
        for n in range(20):
            body = f"914403000{n + 1:08d}"
            ent = enterprises.register_enterprise(
                s, {"name": f"企业{n:02d}", "credit_code": body + credit_code_check_char(body)})
            visits.record_visit(s, {
                "visit_date": TODAY - timedelta(days=3), "enterprise_id": ent.id,
                "visitors": "王五", "operating_status": "abnormal", "flags": "欠薪",
                "workers_involved": 12, "follow_up_due": TODAY - timedelta(days=1)})
    ctx = make_ctx(clerk)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1170, 770)
    win.show()
    qtbot.waitExposed(win)
    page = win.page("dashboard")
    win.open_page("dashboard")
    qtbot.waitUntil(lambda: page.loaded and len(page.todo) >= 20, timeout=10_000)
    view = page.todo_table
    seen = view.viewport().height() // view.verticalHeader().defaultSectionSize()
    assert seen >= 8, seen
    ctx.tasks.wait()


def test_the_audit_page_shows_a_follow_up_closed_in_words(qtbot, make_ctx, db, admin,
                                                          clerk, qapp):
    """The walk saw 操作 "follow-up-closed走访记录" and 详情 "字段：closed_date"."""
    import re

    from station_app.domain.services import enterprises, todo, visits
    from station_app.domain.validation import credit_code_check_char
    from station_app.ui.i18n import install_language
    from station_app.ui.pages.audit import AuditPage

    body = "91440300000000099"
    with db.session(clerk) as s:
        ent = enterprises.register_enterprise(
            s, {"name": "鹏城电子", "credit_code": body + credit_code_check_char(body)})
        visits.record_visit(s, {
            "visit_date": TODAY - timedelta(days=3), "enterprise_id": ent.id,
            "visitors": "王五", "operating_status": "abnormal", "flags": "欠薪",
            "workers_involved": 12, "follow_up_due": TODAY - timedelta(days=1)})
    with db.reader() as s:
        station = s.get(type(ent), ent.id).station_id
        item = next(i for i in todo.todo_items(s, station, TODAY) if i.kind == "follow_up")
    with db.session(clerk) as s:
        todo.close_item(s, clerk, item, {"action": "close", "note": "工资已发放"})
    install_language(qapp, "zh_CN")
    page = AuditPage(make_ctx(admin, "zh"))
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: not page.loading and bool(page.model.rows), timeout=10_000)
    shown = [(page.model.index(r, 2).data(), page.model.index(r, 3).data())
             for r in range(page.model.rowCount())]
    assert ("完成了走访的后续跟进", "结果：工资已发放") in shown
    assert ("修改走访记录", "字段：关闭日期") in shown
    for what, detail in shown:  # (user names aside, nothing in ASCII letters)
        text = f"{what} {detail}".replace("clerk", "").replace("admin", "")
        assert not re.search(r"[A-Za-z_]{2,}", text), text
