"""The clerk's to-do list on the dashboard (issue 14, item 3), through the real widgets:
each kind appears when its situation is made through the services, opens its record in
the main window, and is settled with an outcome in the dialog, after which it is gone."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from station_app.domain.models import HardshipCase, Visit
from station_app.domain.services import enterprises, hardship, members, visits
from station_app.domain.validation import credit_code_check_char, id_check_char
from station_app.ui.qt import Qt

TODAY = date.today()


def make_id(n: int) -> str:
    first17 = f"11010119800101{n:03d}"
    return first17 + id_check_char(first17)


def credit(n: int) -> str:
    body = f"914403000{n:08d}"
    return body + credit_code_check_char(body)


def enterprise(db, actor, n: int, name: str) -> str:
    with db.session(actor) as s:
        return enterprises.register_enterprise(s, {"name": name, "credit_code": credit(n)}).id


def abnormal_visit(db, actor, ent: str) -> Visit:
    with db.session(actor) as s:
        return visits.record_visit(s, {
            "visit_date": TODAY - timedelta(days=3), "enterprise_id": ent, "visitors": "王五",
            "operating_status": "abnormal", "flags": "欠薪", "workers_involved": 12,
            "follow_up_due": TODAY - timedelta(days=1)}).visit


def due_case(db, actor) -> HardshipCase:
    with db.session(actor) as s:
        head = members.register_member(s, {"name": "李困难", "id_number": make_id(1)})
        return hardship.open_case(s, head.id, {
            "category": "illness", "level": "deep", "household_size": 3,
            "registered_date": TODAY - timedelta(days=400)})


def dashboard(qtbot, window):
    page = window.page("dashboard")
    window.open_page("dashboard")
    qtbot.waitUntil(lambda: page.loaded, timeout=10_000)
    return page


def reloaded(qtbot, page, test):
    qtbot.waitUntil(lambda: page.loaded and not page.loading and test(), timeout=10_000)


def kinds(page) -> list[str]:
    return [i.kind for i in page.todo]


def select(page, kind: str):
    row = kinds(page).index(kind)
    page.todo_table.selectRow(row)
    return page.todo[row]


def settle(qtbot, page, kind: str, action: str):
    select(page, kind)
    assert page.settle_button.isEnabled()
    page.settle_button.click()
    dialog = page.dialog
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    dialog.choose(action)
    return dialog


@pytest.fixture
def clerk_window(qtbot, make_ctx, clerk):
    """The main window of the clerk, opened (``clerk_window()``) once the test made its
    situation."""
    from station_app.ui.main_window import MainWindow

    made = []

    def open_window():
        ctx = make_ctx(clerk)
        win = MainWindow(ctx)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
        made.append(ctx)
        return win

    yield open_window
    for ctx in made:
        ctx.tasks.wait()


def test_a_follow_up_is_listed_opens_its_visit_and_closes_with_its_outcome(
        qtbot, clerk_window, db, clerk):
    ent = enterprise(db, clerk, 1, "鹏城电子")
    visit = abnormal_visit(db, clerk, ent)
    window = clerk_window()
    page = dashboard(qtbot, window)
    assert kinds(page) == ["follow_up"]
    assert "鹏城电子" in page.todo_model.data(page.todo_model.index(0, 2))
    # overdue: in red, and counted so
    assert page.todo_model.data(page.todo_model.index(0, 0),
                                Qt.ItemDataRole.ForegroundRole) is not None
    assert "overdue" in page.todo_label.text()

    # double-click opens its record: the visit diary
    select(page, "follow_up")
    opened = []
    window.ctx.signals.open_page.connect(lambda key, rid: opened.append((key, rid)))
    page.todo_table.doubleClicked.emit(page.todo_model.index(0, 2))
    assert opened == [("visits", visit.id)]
    assert window.current_key() == "visits"
    visits_page = window.page("visits")  # the visit opens in its correction form
    qtbot.waitUntil(lambda: getattr(visits_page, "dialog", None) is not None
                    and visits_page.dialog.isVisible()
                    and visits_page.dialog.visit_id == visit.id, timeout=10_000)
    visits_page.dialog.reject()

    page = dashboard(qtbot, window)
    dialog = settle(qtbot, page, "follow_up", "close")
    # a day before the visit: refused under its field, the note typed is kept (the note
    # is optional, as in the visit diary)
    dialog.form.widgets["on"].setText((TODAY - timedelta(days=10)).isoformat())
    dialog.form.widgets["note"].setPlainText("企业已补发 3 月工资")
    assert not dialog.save().wait()
    assert dialog.form.error_text("on")
    assert dialog.isVisible()
    assert dialog.form.widgets["note"].toPlainText() == "企业已补发 3 月工资"
    dialog.form.widgets["on"].setText(TODAY.isoformat())
    assert dialog.save().wait()
    assert not dialog.isVisible()
    reloaded(qtbot, page, lambda: kinds(page) == [])
    with db.reader() as s:
        assert s.get(Visit, visit.id).closed_date == TODAY
        assert visits.early_warnings(s, station_id=db.station_id) == []
    assert "Nothing to do" in page.todo_label.text()


def test_a_return_visit_settles_a_follow_up(qtbot, clerk_window, db, clerk):
    ent = enterprise(db, clerk, 1, "鹏城电子")
    visit = abnormal_visit(db, clerk, ent)
    window = clerk_window()
    page = dashboard(qtbot, window)
    dialog = settle(qtbot, page, "follow_up", "revisit")
    assert dialog.form.widgets["visitors"].text() == "专职工作者"  # who is acting
    assert dialog.form.widgets["note"].parentWidget().isHidden()
    f = dialog.form.widgets
    f["visitors"].setText("")
    assert not dialog.save().wait()
    assert dialog.form.error_text("visitors")
    f["visitors"].setText("王五")
    f["findings"].setPlainText("工资已发放")
    assert dialog.save().wait()
    reloaded(qtbot, page, lambda: kinds(page) == [])
    with db.reader() as s:
        assert s.get(Visit, visit.id).closed_date == TODAY
        assert len(visits.visits_in_week(s, db.station_id, *TODAY.isocalendar()[:2])) >= 1


def test_a_file_due_for_review_opens_the_file_and_is_reviewed(qtbot, clerk_window, db, clerk):
    case = due_case(db, clerk)
    window = clerk_window()
    page = dashboard(qtbot, window)
    assert kinds(page) == ["review"]
    item = select(page, "review")
    assert "李困难" in item.title.en
    page.open_button.click()
    assert window.current_key() == "hardship"
    qtbot.waitUntil(lambda: window.page("hardship").case_id == case.id, timeout=10_000)

    page = dashboard(qtbot, window)
    dialog = settle(qtbot, page, "review", "exit")
    # closing a file is a station admin's: offered disabled, saying who may
    assert not dialog.ok_button.isEnabled()
    assert dialog.ok_button.toolTip()
    dialog.choose("review")
    assert dialog.ok_button.isEnabled()
    dialog.form.widgets["on"].setText("not a date")
    assert not dialog.save().wait()
    assert dialog.form.error_text("on")  # the service's last_review_date, under "date"
    dialog.form.widgets["on"].setText(TODAY.isoformat())
    dialog.form.widgets["note"].setPlainText("入户核查，情况属实")
    assert dialog.save().wait()
    reloaded(qtbot, page, lambda: kinds(page) == [])
    with db.reader() as s:
        assert s.get(HardshipCase, case.id).last_review_date == TODAY


def test_a_watch_listed_enterprise_is_visited_from_the_list(qtbot, clerk_window, db, clerk):
    ent = enterprise(db, clerk, 1, "鹏城电子")
    with db.session(clerk) as s:
        enterprises.list_on_watch(s, ent, "欠薪风险", TODAY - timedelta(days=14))
    window = clerk_window()
    page = dashboard(qtbot, window)
    assert kinds(page) == ["watch_visit"]
    select(page, "watch_visit")
    page.open_button.click()
    assert window.current_key() == "enterprises"
    qtbot.waitUntil(lambda: window.page("enterprises").current_id == ent, timeout=10_000)

    page = dashboard(qtbot, window)
    dialog = settle(qtbot, page, "watch_visit", "visit")
    assert [dialog.action.itemData(i) for i in range(dialog.action.count())] == ["visit"]
    dialog.form.widgets["findings"].setPlainText("生产正常")
    assert dialog.save().wait()
    reloaded(qtbot, page, lambda: kinds(page) == [])
    with db.reader() as s:
        week = visits.weekly_compliance(s, db.station_id, *TODAY.isocalendar()[:2])
        assert week.overdue_watch_listed == ()


def test_a_row_the_district_refused_is_listed_with_its_reason_and_sent_again(
        qtbot, clerk_window, db, clerk):
    from sync.outbound import hold

    ent = enterprise(db, clerk, 1, "鹏城电子")
    with db.session(clerk) as s:
        v = visits.record_visit(s, {"visit_date": TODAY, "enterprise_id": ent,
                                    "visitors": "王五"}).visit
    with db.reader() as s:
        stamp = s.get(Visit, v.id).hlc
    hold(db, [("visits", v.id, stamp, "the station is unknown\t区总工会没有这个站点")])
    window = clerk_window()
    page = dashboard(qtbot, window)
    assert kinds(page) == ["refused"]
    assert page.todo_model.data(page.todo_model.index(0, 3)) == "区总工会没有这个站点"
    dialog = settle(qtbot, page, "refused", "retry")
    assert dialog.explain.isVisible()
    assert dialog.save().wait()
    reloaded(qtbot, page, lambda: kinds(page) == [])


def test_the_list_is_in_chinese_by_default(qtbot, make_ctx, clerk, db):
    from station_app.ui.i18n import install_language
    from station_app.ui.pages.dashboard import DashboardPage
    from station_app.ui.qt import QApplication

    ent = enterprise(db, clerk, 1, "鹏城电子")
    abnormal_visit(db, clerk, ent)
    install_language(QApplication.instance(), "zh")
    page = DashboardPage(make_ctx(clerk, "zh"))
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: page.loaded, timeout=10_000)
    assert page.todo_box.title() == "待办事项"
    assert page.todo_model.data(page.todo_model.index(0, 1)) == "跟进"
    assert page.todo_model.data(page.todo_model.index(0, 2)).startswith("跟进：鹏城电子")
    page.todo_table.selectRow(0)
    dialog = page.settle_item()
    assert dialog.action.itemText(0) == "关闭跟进"
    dialog.form.widgets["on"].setText((TODAY - timedelta(days=10)).isoformat())
    assert not dialog.save().wait()
    assert dialog.form.error_text("on") == (
        f"关闭日期不能早于走访日期 {(TODAY - timedelta(days=3)).isoformat()}")
    dialog.reject()
