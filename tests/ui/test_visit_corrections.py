"""The visit diary's corrections, driven through its widgets on a real station file:
a visit corrected in the dialog (double-click, *Edit…* or the context menu) and deleted
after asking, a follow-up closed (its early warning goes), the week signed off by the
station head and a change after the sign-off shown as such, the buttons a user may not
use disabled with the permission table's sentence, and the list going to the week of a
visit saved or opened from elsewhere."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from station_app.ui.qt import QApplication, QDialog, QMessageBox, QPushButton, Qt, QTimer

TODAY = date.today()
THIS_WEEK = TODAY.isocalendar()[:2]


def credit_code(n: int) -> str:
    from station_app.domain.validation import credit_code_check_char

    body = f"91440300{n:09d}"
    return body + credit_code_check_char(body)


def add_enterprise(db, actor, name: str, n: int) -> str:
    from station_app.domain.services import enterprises

    with db.session(actor) as s:
        return enterprises.register_enterprise(
            s, {"name": name, "credit_code": credit_code(n), "headcount": "30"}).id


def add_visit(db, actor, enterprise_id: str, **data) -> str:
    from station_app.domain.services import visits

    values = {"visit_date": TODAY, "enterprise_id": enterprise_id, "visitors": "李四",
              "workers_served": 5} | data
    with db.session(actor) as s:
        return visits.record_visit(s, values).visit.id


def stored(db, visit_id: str):
    from station_app.domain.models import Visit

    with db.reader() as s:
        v = s.get(Visit, visit_id)
        s.expunge(v)
        return v


def visits_page(qtbot, ctx):
    from station_app.ui.pages.visits import VisitsPage

    page = VisitsPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: page.loaded and not page.loading, timeout=10_000)
    return page


def reloaded(qtbot, page) -> None:
    qtbot.waitUntil(lambda: page.loaded and not page.loading, timeout=10_000)


def dialog_open(qtbot, page, kind) -> QDialog:
    qtbot.waitUntil(lambda: isinstance(page.dialog, kind) and page.dialog.isVisible(),
                    timeout=10_000)
    return page.dialog


def click(qtbot, button) -> None:
    assert button.isEnabled(), button.toolTip()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def double_click(qtbot, page, visit_id: str) -> None:
    """Double-click a visit's row, as a clerk does (a press first: the view opens what
    was pressed)."""
    row = page.model.keys.index(visit_id)
    pos = page.table.visualRect(page.model.index(row, 1)).center()
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(page.table.viewport(), Qt.MouseButton.LeftButton, pos=pos)


# --------------------------------------------------------------------------- correcting


def test_a_visit_is_corrected_in_the_dialog_and_the_list_and_audit_show_it(
        qtbot, ctx, db, admin):
    from station_app.domain.models import AuditRecord
    from station_app.ui.pages.visits import VisitDialog

    a = add_enterprise(db, admin, "甲公司", 1)
    b = add_enterprise(db, admin, "乙公司", 2)
    vid = add_visit(db, admin, a, findings="正常")
    page = visits_page(qtbot, ctx)
    assert page.row_of(vid)[1] == "甲公司"

    # a double-click on the row opens the visit in the form, filled with its values
    double_click(qtbot, page, vid)
    dialog = dialog_open(qtbot, page, VisitDialog)
    f = dialog.form.widgets
    assert f["visitors"].text() == "李四"
    assert f["workers_served"].text() == "5"
    assert f["findings"].toPlainText() == "正常"
    assert dialog.fields.chosen_enterprise() == a
    assert not dialog.warning.isVisible()

    # a refusal shows under its field and keeps what was typed
    f["visitors"].setText("")
    f["findings"].setPlainText("发现拖欠工资苗头")
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: dialog.form.saving.done, timeout=10_000)
    assert dialog.form.error_text("visitors") and dialog.isVisible()
    assert f["findings"].toPlainText() == "发现拖欠工资苗头"

    f["visitors"].setText("王五、李四")
    dialog.fields.choose_enterprise(b)
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    reloaded(qtbot, page)
    qtbot.waitUntil(lambda: page.row_of(vid)[1] == "乙公司", timeout=10_000)
    assert page.row_of(vid)[3] == "王五、李四"
    assert page.selected_id() == vid
    assert page.list_message.text() == "The visit is corrected."
    v = stored(db, vid)
    assert (v.enterprise_id, v.visitors, v.findings) == (b, "王五、李四", "发现拖欠工资苗头")
    with db.reader() as s:
        audit = s.execute(select(AuditRecord.actor, AuditRecord.action).where(
            AuditRecord.table_name == "visits", AuditRecord.row_id == vid)
            .order_by(AuditRecord.id)).all()
    assert audit[0] == ("admin", "insert") and ("admin", "update") in audit[1:]


def test_the_edit_button_and_the_context_menu_open_the_same_dialog(qtbot, ctx, db, admin,
                                                                    monkeypatch):
    from station_app.ui.pages.visits import VisitDialog

    a = add_enterprise(db, admin, "甲公司", 3)
    vid = add_visit(db, admin, a)
    page = visits_page(qtbot, ctx)
    # nothing selected: the row's buttons wait for a choice
    assert not page.edit_button.isEnabled()
    assert page.edit_button.toolTip() == "Select a visit first."
    page.select(vid)
    assert page.edit_button.isEnabled() and page.delete_button.isEnabled()
    click(qtbot, page.edit_button)
    dialog = dialog_open(qtbot, page, VisitDialog)
    # leaving with a change asks first: stay keeps the dialog and what was typed
    dialog.form.widgets["visitors"].setText("王五")
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Cancel)
    click(qtbot, dialog.cancel_button)
    assert dialog.isVisible() and dialog.form.widgets["visitors"].text() == "王五"
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Discard)
    click(qtbot, dialog.cancel_button)
    assert not dialog.isVisible()
    assert stored(db, vid).visitors == "李四"

    menu = page.context_menu(vid)
    actions = {a.objectName(): a for a in menu.actions()}
    assert actions["edit"].isEnabled() and actions["delete"].isEnabled()
    assert not actions["close-follow-up"].isEnabled()
    assert actions["close-follow-up"].toolTip() == "This visit has no follow-up to close."
    actions["edit"].trigger()
    second = dialog_open(qtbot, page, VisitDialog)
    assert second is not dialog and second.visit_id == vid
    second.reject()
    # and so does F2 on the list
    page.activateWindow()  # (the dialog was the active window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is page, timeout=5_000)
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_F2)
    third = dialog_open(qtbot, page, VisitDialog)
    assert third is not second and third.visit_id == vid


def test_a_visit_is_deleted_only_once_confirmed(qtbot, ctx, db, admin, monkeypatch):
    from station_app.domain.models import Visit

    a = add_enterprise(db, admin, "甲公司", 4)
    vid = add_visit(db, admin, a)
    keep = add_visit(db, admin, a, visitors="王五")
    page = visits_page(qtbot, ctx)
    assert page.compliance.visits == 2
    page.select(vid)
    asked = []

    def no(*args, **kw):
        asked.append(args[2])
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", no)
    click(qtbot, page.delete_button)
    assert "甲公司" in asked[0] and TODAY.isoformat() in asked[0]
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_Delete)  # the Delete key asks the same
    assert len(asked) == 2
    assert page.deleting is None and not stored(db, vid).deleted
    assert page.model.rowCount() == 2

    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    menu = page.context_menu(vid)
    next(a for a in menu.actions() if a.objectName() == "delete").trigger()
    assert page.deleting.wait()
    reloaded(qtbot, page)
    qtbot.waitUntil(lambda: page.model.keys == [keep], timeout=10_000)
    assert page.compliance.visits == 1
    assert page.list_message.text().startswith("Deleted the visit of")
    # a tombstone: kept, marked deleted, for sync to carry
    with db.reader() as s:
        assert s.get(Visit, vid).deleted


def test_a_clerk_may_not_correct_someone_elses_visit(qtbot, make_ctx, db, admin, clerk):
    from station_app.ui.pages.visits import VisitDialog

    a = add_enterprise(db, admin, "甲公司", 5)
    theirs = add_visit(db, admin, a)
    mine = add_visit(db, clerk, a, visitors="专职工作者")
    page = visits_page(qtbot, make_ctx(clerk))
    page.select(theirs)
    for button in (page.edit_button, page.delete_button):
        assert not button.isEnabled()
        assert "站长" in button.toolTip() and "本人本周录入" in button.toolTip()
    menu = page.context_menu(theirs)
    assert not any(a.isEnabled() for a in menu.actions())
    # a double-click says why instead of opening anything
    double_click(qtbot, page, theirs)
    assert "本人本周录入" in page.list_message.text()
    assert page.dialog is None
    # their own visit of this week they correct
    page.select(mine)
    assert page.edit_button.isEnabled() and page.delete_button.isEnabled()
    click(qtbot, page.edit_button)
    dialog = dialog_open(qtbot, page, VisitDialog)
    dialog.form.widgets["workers_served"].setText("12")
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: stored(db, mine).workers_served == 12, timeout=10_000)


# --------------------------------------------------------------------------- follow-ups


def test_a_follow_up_is_closed_and_its_early_warning_goes(qtbot, ctx, db, admin):
    from station_app.domain.services.visits import early_warnings
    from station_app.ui.pages.visits import CloseFollowUpDialog

    a = add_enterprise(db, admin, "甲公司", 6)
    due = TODAY + timedelta(days=7)
    vid = add_visit(db, admin, a, operating_status="abnormal", flags=["wage_arrears"],
                    follow_up_due=due)
    normal = add_visit(db, admin, a)
    with db.reader() as s:
        assert [w.reason for w in early_warnings(s)] == ["abnormal"]
    page = visits_page(qtbot, ctx)
    assert page.row_of(vid)[7] == f"{due.isoformat()}, open"
    assert page.row_of(normal)[7] == ""
    page.select(normal)
    assert not page.close_button.isEnabled()
    page.select(vid)
    assert page.close_button.isEnabled()
    click(qtbot, page.close_button)
    dialog = dialog_open(qtbot, page, CloseFollowUpDialog)
    date_field = dialog.form.widgets["closed_date"]
    assert date_field.text() == TODAY.isoformat()
    # a day still to come is refused under the field
    date_field.setText((TODAY + timedelta(days=3)).isoformat())
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: dialog.form.saving.done, timeout=10_000)
    assert dialog.form.error_text("closed_date") and dialog.isVisible()
    date_field.setText(TODAY.isoformat())
    click(qtbot, dialog.ok_button)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    reloaded(qtbot, page)
    qtbot.waitUntil(lambda: page.row_of(vid)[7] == f"closed {TODAY.isoformat()}",
                    timeout=10_000)
    assert stored(db, vid).closed_date == TODAY
    with db.reader() as s:
        assert early_warnings(s) == []
    page.select(vid)
    assert not page.close_button.isEnabled()
    assert page.close_button.toolTip() == f"The follow-up was closed on {TODAY.isoformat()}."


def test_an_overdue_follow_up_is_red(qtbot, ctx, db, admin):
    from station_app.ui.qt import QBrush

    a = add_enterprise(db, admin, "甲公司", 7)
    past = TODAY - timedelta(days=14)
    vid = add_visit(db, admin, a, visit_date=past, follow_up_due=past + timedelta(days=2),
                    findings="待复查")
    page = visits_page(qtbot, ctx)
    page.go_to_date(past)
    reloaded(qtbot, page)
    qtbot.waitUntil(lambda: vid in page.model.keys, timeout=10_000)
    assert page.row_of(vid)[7].endswith("overdue")
    brush = page.model.data(page.model.index(0, 7), Qt.ItemDataRole.ForegroundRole)
    assert isinstance(brush, QBrush) and brush.color().name() == "#b00020"


# --------------------------------------------------------------------------- sign-off


def test_the_station_head_signs_the_week_off(qtbot, qapp, make_ctx, db, admin, clerk):
    from station_app.domain.services.visits import week_signoffs
    from station_app.ui.i18n import install_language
    from station_app.ui.pages.visits import SignWeekDialog

    a = add_enterprise(db, admin, "甲公司", 8)
    add_visit(db, clerk, a)
    add_visit(db, clerk, a, visitors="王五")
    # a clerk sees the state; the button is not offered
    clerk_page = visits_page(qtbot, make_ctx(clerk))
    assert clerk_page.signoff_label.text() == "This week's visits are not signed off."
    assert not clerk_page.sign_button.isEnabled()
    assert "站点管理员" in clerk_page.sign_button.toolTip()

    install_language(qapp, "zh_CN")
    page = visits_page(qtbot, make_ctx(admin))
    assert page.signoff_label.text() == "本周走访尚未签字。"
    click(qtbot, page.sign_button)
    dialog = dialog_open(qtbot, page, SignWeekDialog)
    dialog.form.widgets["note"].setPlainText("本周走访已核")
    click(qtbot, dialog.sign_button)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    reloaded(qtbot, page)
    qtbot.waitUntil(lambda: page.signoff_label.text().startswith("已签字"), timeout=10_000)
    assert page.signoff_label.text() == f"已签字 站长 {TODAY.isoformat()}（本周走访已核）"
    # signed and unchanged: nothing to sign again
    assert not page.sign_button.isEnabled()
    assert page.sign_button.toolTip() == "已签字，签字后没有修改。"
    with db.reader() as s:
        [view] = week_signoffs(s, *THIS_WEEK)
    assert view.in_force and view.signed_by == "admin" and view.note == "本周走访已核"


def test_a_change_after_sign_off_voids_it_visibly(qtbot, make_ctx, db, admin, clerk):
    from station_app.domain.services import visits
    from station_app.ui.pages.visits import VisitDialog

    a = add_enterprise(db, admin, "甲公司", 9)
    vid = add_visit(db, clerk, a)
    with db.session(admin) as s:
        visits.sign_week(s, *THIS_WEEK, note="已核")
    # the clerk who entered it may no longer correct it: the week is signed
    clerk_page = visits_page(qtbot, make_ctx(clerk))
    clerk_page.select(vid)
    assert not clerk_page.edit_button.isEnabled()
    assert "签署" in clerk_page.edit_button.toolTip()

    page = visits_page(qtbot, make_ctx(admin))
    assert page.signoff_label.text() == f"Signed off: 站长, {TODAY.isoformat()}（已核）"
    page.select(vid)
    click(qtbot, page.edit_button)
    dialog = dialog_open(qtbot, page, VisitDialog)
    # the station head is told before saving that it voids the sign-off
    assert dialog.warning.isVisible()
    assert "voids the sign-off" in dialog.warning.text()
    dialog.form.widgets["findings"].setPlainText("补充：企业已整改")
    click(qtbot, dialog.save_button)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.DialogCode.Accepted, timeout=10_000)
    reloaded(qtbot, page)
    qtbot.waitUntil(lambda: page.signoff_label.text().startswith("Changed after sign-off"),
                    timeout=10_000)
    text = page.signoff_label.text()
    assert "站长" in text and "走访情况" in text  # who voided it, and which field changed
    assert page.signoff_label.styleSheet() == "color: #b00020;"
    # the station head may sign it off again
    assert page.sign_button.isEnabled() and page.sign_button.text() == "Sign off again…"


def test_a_change_arrived_without_voiding_shows_what_differs(qtbot, ctx, db, admin):
    """A change the sign-off did not see (as one brought by sync): the week shows it
    changed after sign-off, naming what differs."""
    from station_app.domain.models import Visit
    from station_app.domain.services import visits

    a = add_enterprise(db, admin, "甲公司", 10)
    vid = add_visit(db, admin, a)
    with db.session(admin) as s:
        visits.sign_week(s, *THIS_WEEK)
    with db.session(admin) as s:  # (behind the services' back, as a merge writes)
        s.get(Visit, vid).workers_served = 9
    page = visits_page(qtbot, ctx)
    text = page.signoff_label.text()
    assert text.startswith("Changed after sign-off: 站长 signed off on")
    assert "甲公司" in text and "5" in text and "9" in text
    assert page.sign_button.isEnabled()


# --------------------------------------------------------------------------- going there


def test_a_back_dated_visit_saved_shows_its_week(qtbot, ctx, db, admin):
    a = add_enterprise(db, admin, "甲公司", 11)
    page = visits_page(qtbot, ctx)
    assert (page.iso_year, page.iso_week) == THIS_WEEK
    day = date(TODAY.year - 1, 3, 5)
    page.choose_enterprise(a)
    page.form.widgets["visit_date"].setText(day.isoformat())
    page.form.widgets["visitors"].setText("李四")
    op = page.save()
    assert op.wait()
    qtbot.waitUntil(lambda: (page.iso_year, page.iso_week) == day.isocalendar()[:2],
                    timeout=10_000)
    reloaded(qtbot, page)
    [vid] = page.model.keys
    assert page.selected_id() == vid and page.row_of(vid)[0] == day.isoformat()
    assert page.week_title.text().startswith(f"{day.isocalendar()[0]} week ")


def test_the_dispute_hint_says_the_involved_are_the_served(qtbot, ctx):
    page = visits_page(qtbot, ctx)
    kind = page.form.widgets["kind"]
    hint = page.fields.dispute_hint
    assert not hint.isVisible()
    kind.setCurrentIndex(kind.findData("dispute"))
    assert hint.isVisible() and "workers involved are the workers served" in hint.text()
    assert page.form.widgets["workers_served"].placeholderText()
    kind.setCurrentIndex(kind.findData("routine"))
    assert not hint.isVisible()


def test_open_record_opens_a_visit_in_its_week(qtbot, window, ctx, db, admin):
    from station_app.ui.pages.visits import VisitDialog

    a = add_enterprise(db, admin, "甲公司", 12)
    day = TODAY - timedelta(days=21)
    vid = add_visit(db, admin, a, visit_date=day, findings="三周前的走访")
    ctx.signals.open_page.emit("visits", vid)
    page = window.page("visits")
    dialog = dialog_open(qtbot, page, VisitDialog)
    assert (page.iso_year, page.iso_week) == day.isocalendar()[:2]
    assert dialog.visit_id == vid and page.selected_id() == vid
    assert dialog.form.widgets["findings"].toPlainText() == "三周前的走访"
    dialog.reject()
    # an enterprise's id still chooses it in the add-visit form (nothing typed yet)
    page.open_record(a)
    qtbot.waitUntil(lambda: page.fields.chosen_enterprise() == a, timeout=10_000)
    assert not page.form.dirty


def answer_next_box(button: str) -> list[str]:
    """Click a button (by object name) of the next message box that opens (it runs its
    own event loop: polled from a timer); the box's text is put in the list returned."""
    seen: list[str] = []

    def poll(tries: int = 0) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append(box.text())
            {b.objectName(): b for b in box.findChildren(QPushButton)}[button].click()
        elif tries < 500:
            QTimer.singleShot(10, lambda: poll(tries + 1))

    QTimer.singleShot(0, poll)
    return seen


def test_leaving_a_half_typed_visit_asks_first(qtbot, window, ctx, db, admin):
    add_enterprise(db, admin, "甲公司", 13)
    window.open_page("visits")
    page = window.page("visits")
    reloaded(qtbot, page)
    page.form.widgets["findings"].setPlainText("工资按时发放")
    stay = answer_next_box("stay")
    assert window.open_page("dashboard") is False
    assert stay and window.current_key() == "visits"
    assert page.form.widgets["findings"].toPlainText() == "工资按时发放"
    discard = answer_next_box("discard")
    window.open_page("dashboard")
    assert discard and window.current_key() == "dashboard"
    assert page.form.widgets["findings"].toPlainText() == ""
