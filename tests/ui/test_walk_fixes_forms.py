"""Findings of a clerk's walk through the real window: forms, events, visits, the to-do
list — driven through the widgets on a real station database, offscreen."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from station_app.ui.qt import Qt
from tests.ui.test_work_pages import (
    add_enterprise,
    fill_visit,
    settled,
    visits_page,
)


def count(db, model) -> int:
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


# ---------------------------------------------------------------- 1. stale field errors


def test_a_corrected_field_loses_its_error_and_nothing_below_moves(qtbot, ctx, db, admin):
    """A date in the future is refused; as soon as the clerk corrects it the message
    under it goes, and the fields below stay where they were while the clerk types."""
    a = add_enterprise(db, admin, "甲公司", 40)
    page = visits_page(qtbot, ctx)
    fill_visit(qtbot, page, a)
    f = page.form.widgets
    f["visit_date"].setText((date.today() + timedelta(days=5)).isoformat())
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert not settled(qtbot, page.form)
    assert page.form.error_text("visit_date")
    qtbot.wait(50)
    below = f["visitors"].mapTo(page.form, f["visitors"].rect().topLeft()).y()
    f["visit_date"].clear()
    qtbot.keyClicks(f["visit_date"], date.today().isoformat())
    qtbot.wait(50)
    assert page.form.error_text("visit_date") == ""
    assert f["visit_date"].property("invalid") == "false"
    assert f["visitors"].mapTo(page.form, f["visitors"].rect().topLeft()).y() == below
    # the next save lays the form out afresh (and it is saved)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert settled(qtbot, page.form)


# ------------------------------------------ 2. an event the clerk may not correct


def events_page(qtbot, ctx):
    from station_app.ui.pages.events import EventsPage
    from tests.ui.test_work_pages import show

    return show(qtbot, EventsPage(ctx))


def test_double_click_on_an_event_the_clerk_may_not_correct_says_why(
        qtbot, make_ctx, db, admin, clerk):
    from station_app.domain.actor import SYSTEM_DEMO
    from station_app.domain.services.events import record_event

    with db.session(admin) as s:
        mine = record_event(s, {"kind": "training", "event_date": date.today(),
                                "title": "站长的培训"}).id
    with db.session(SYSTEM_DEMO) as s:
        demo = record_event(s, {"kind": "training", "event_date": date.today(),
                                "title": "演示的培训"}).id
    page = events_page(qtbot, make_ctx(clerk))
    for event_id, name in ((mine, "站长"), (demo, "演示数据")):
        row = page.model.keys.index(event_id)
        index = page.model.index(row, 2)
        rect = page.table.visualRect(index)
        qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton,
                          pos=rect.center())
        qtbot.waitUntil(lambda name=name: name in page.message.text(), timeout=10_000)
        assert "admin" not in page.message.text() and "demo" not in page.message.text()
        assert page.editing is None  # the form did not open it
        assert page.form.widgets["title"].text() == ""
        assert page.box.title() == page.tr("Add event")


def test_an_event_shown_from_elsewhere_that_the_clerk_may_not_correct_cannot_be_saved(
        qtbot, make_ctx, db, admin, clerk):
    from station_app.domain.services.events import record_event

    with db.session(admin) as s:
        event_id = record_event(s, {"kind": "training", "event_date": date.today(),
                                    "title": "站长的培训"}).id
    page = events_page(qtbot, make_ctx(clerk))
    page.open_record(event_id)
    qtbot.waitUntil(lambda: page.editing is not None, timeout=10_000)
    assert page.form.widgets["title"].text() == "站长的培训"
    assert not page.save_button.isEnabled()
    assert "站长" in page.save_button.toolTip()


def test_the_clerk_corrects_an_event_of_their_own_by_double_click(qtbot, make_ctx, db,
                                                                  clerk):
    from station_app.domain.services.events import record_event

    with db.session(clerk) as s:
        event_id = record_event(s, {"kind": "training", "event_date": date.today(),
                                    "title": "我的培训"}).id
    page = events_page(qtbot, make_ctx(clerk))
    rect = page.table.visualRect(page.model.index(page.model.keys.index(event_id), 2))
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: page.editing is not None, timeout=10_000)
    assert page.form.widgets["title"].text() == "我的培训"
    assert page.save_button.isEnabled()


# ---------------------------------------------- 3. one more click is not a second visit


def test_after_a_save_the_visit_form_is_ready_for_the_next_visit(qtbot, ctx, db, admin):
    from station_app.domain.models import Visit

    a = add_enterprise(db, admin, "甲公司", 42)
    page = visits_page(qtbot, ctx)
    fill_visit(qtbot, page, a)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert settled(qtbot, page.form)
    qtbot.waitUntil(lambda: page.compliance.visits == 1, timeout=10_000)
    assert page.fields.chosen_enterprise() is None  # the enterprise is cleared
    assert page.form.widgets["visit_date"].text() == date.today().isoformat()  # kept
    assert not page.form.dirty
    # one more click records nothing: the enterprise is asked for
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert not settled(qtbot, page.form)
    assert page.form.error_text("enterprise")
    assert count(db, Visit) == 1


def test_a_second_visit_the_same_day_is_asked_and_may_be_recorded(qtbot, ctx, db, admin):
    from station_app.domain.models import Visit
    from tests.ui.test_nothing_lost import Answer

    a = add_enterprise(db, admin, "甲公司", 43)
    page = visits_page(qtbot, ctx)
    fill_visit(qtbot, page, a)
    assert page.save().wait()
    # the same enterprise on the same day: asked; "do not record it" keeps the typing
    fill_visit(qtbot, page, a)
    page.form.widgets["findings"].setPlainText("回访")
    answer = Answer("do-not-record")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: answer.asked, timeout=10_000)
    assert "甲公司" in answer.text and date.today().isoformat() in answer.text
    assert count(db, Visit) == 1
    assert page.form.error_text("enterprise")
    assert page.form.widgets["findings"].toPlainText() == "回访"
    # asked again, "record another visit": a deliberate second visit is saved
    answer = Answer("record-again")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: answer.asked and count(db, Visit) == 2, timeout=10_000)
    # SPEC: the weekly quota counts enterprise visits (not distinct enterprises)
    qtbot.waitUntil(lambda: page.compliance.visits == 2, timeout=10_000)


def test_the_service_refuses_a_same_day_visit_only_when_asked_to_check(db, admin):
    import pytest

    from station_app.domain.services.visits import record_visit
    from station_app.domain.validation import ValidationError

    a = add_enterprise(db, admin, "甲公司", 44)
    data = {"enterprise_id": a, "visit_date": date.today(), "kind": "routine",
            "visitors": "李四", "operating_status": "normal"}
    with db.session(admin) as s:
        record_visit(s, data, check_same_day=True)
    with pytest.raises(ValidationError) as refused, db.session(admin) as s:
        record_visit(s, data, check_same_day=True)
    assert refused.value.errors[0].field == "enterprise"
    assert "甲公司" in refused.value.errors[0].message("zh")
    with db.session(admin) as s:
        record_visit(s, data)  # a deliberate second visit (and imports) are not checked


# ------------------------------------- 4. closing a follow-up: one line, the same way


def abnormal_visit(db, actor, enterprise_id):
    from station_app.domain.services.visits import record_visit

    with db.session(actor) as s:
        return record_visit(s, {
            "visit_date": date.today() - timedelta(days=2), "enterprise_id": enterprise_id,
            "visitors": "王五", "operating_status": "abnormal", "flags": "欠薪",
            "follow_up_due": date.today()}).visit.id


def closing_lines(db) -> list[str]:
    from station_app.domain.services.activity import recent_activity

    with db.reader() as s:
        return [a.text("zh")[1] for a in recent_activity(s) if "关闭跟进" in a.text("zh")[1]]


def test_closing_a_follow_up_from_the_to_do_list_is_one_line_of_activity(
        qtbot, make_ctx, db, clerk):
    from station_app.ui.main_window import MainWindow
    from tests.ui.test_dashboard_todo import dashboard, settle

    a = add_enterprise(db, clerk, "甲公司", 45)
    abnormal_visit(db, clerk, a)
    window = MainWindow(make_ctx(clerk))
    qtbot.addWidget(window)
    window.show()
    page = dashboard(qtbot, window)
    dialog = settle(qtbot, page, "follow_up", "close")
    # the outcome is optional, as in the visit diary
    assert dialog.form.layout_.labelForField(
        dialog.form.widgets["note"].parentWidget()).text() == dialog.tr("What came of it")
    assert dialog.save().wait()
    assert len(closing_lines(db)) == 1
    qtbot.waitUntil(lambda: page.loaded and not page.loading and not page.todo,
                    timeout=10_000)
    window.ctx.tasks.wait()


def test_the_visit_diary_closes_a_follow_up_as_the_to_do_list_does(qtbot, ctx, db, admin,
                                                                   db_path):
    import json

    from station_app.storage.sqlfile import dbapi as sqlite3

    a = add_enterprise(db, admin, "甲公司", 46)
    visit_id = abnormal_visit(db, admin, a)
    page = visits_page(qtbot, ctx)
    page.go_to_date(date.today() - timedelta(days=2), select=visit_id)
    qtbot.waitUntil(lambda: page.loaded and page.selected_id() == visit_id, timeout=10_000)
    dialog = page.close_follow_up(visit_id)
    # a day before the visit is refused, as in the to-do list; the outcome typed is kept
    dialog.form.widgets["closed_date"].setText(
        (date.today() - timedelta(days=5)).isoformat())
    dialog.form.widgets["outcome"].setPlainText("企业已补发工资")
    assert not dialog.save().wait()
    assert dialog.form.error_text("closed_date")
    dialog.form.widgets["closed_date"].setText(date.today().isoformat())
    assert dialog.save().wait()
    assert len(closing_lines(db)) == 1
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("select detail from audit_log where action = "
                            "'follow-up-closed' and row_id = ?", (visit_id,)).fetchall()
    assert [json.loads(r[0]) for r in rows] == [{"outcome": "企业已补发工资"}]


# ----------------------------------------- 5. the event form's error uses its words


def test_the_migrant_error_names_the_field_as_its_label_does(qtbot, make_ctx, db, admin):
    from station_app.ui.i18n import install_language
    from station_app.ui.qt import QApplication

    install_language(QApplication.instance(), "zh")
    page = events_page(qtbot, make_ctx(admin, "zh"))
    f = page.form.widgets
    f["title"].setText("提素培训")
    f["person_times"].setText("10")
    f["migrant_person_times"].setText("20")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert not settled(qtbot, page.form)
    label = page.form.layout_.labelForField(f["migrant_person_times"].parentWidget()).text()
    total = page.form.layout_.labelForField(f["person_times"].parentWidget()).text()
    assert label == "其中外来务工人员人次" and total == "服务人次"
    assert page.form.error_text("migrant_person_times") == (
        "其中外来务工人员人次（20）不能多于服务人次（10）")
