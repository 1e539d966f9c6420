"""Nothing typed is lost (issue 14, item 5), through the real window: the member form
asks 保存 / 放弃 / 留在此处 before New member, another row, another page or closing the
window discards what was typed, and each answer does what it says; a restore from a
backup says how many changes since it were never synced, then restarts the window on the
restored file; a member registered in error is deleted, or refused with the reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import false, func, select

from station_app.domain.models import Member
from station_app.domain.services import hardship, members
from station_app.domain.validation import id_check_char
from station_app.ui.qt import (
    QApplication,
    QDialogButtonBox,
    QKeySequence,
    QMessageBox,
    QPushButton,
    Qt,
    QTimer,
)
from tests.conftest import ADMIN_PASSWORD


def make_id(n: int) -> str:
    first17 = f"11010119800101{n % 1000:03d}"
    return first17 + id_check_char(first17)


def active_members(db) -> list[str]:
    with db.reader() as s:
        return list(s.execute(select(Member.name).where(Member.deleted == false())
                              .order_by(Member.name)).scalars())


def member_phone(db, member_id: str) -> str | None:
    with db.reader() as s:
        return s.get(Member, member_id).phone


class Answer:
    """Click a button (by object name) of the next message box that opens: the box runs
    its own event loop, so the click is polled from a timer."""

    def __init__(self, button: str) -> None:
        self.button = button
        self.text: str | None = None  # the box's text, once answered
        self._tries = 0
        QTimer.singleShot(0, self._poll)

    def _poll(self) -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            self.text = box.text() + "\n" + box.informativeText()
            names = {b.objectName(): b for b in box.findChildren(QPushButton)}
            assert self.button in names, sorted(names)
            names[self.button].click()
            return
        self._tries += 1
        if self._tries < 1000:
            QTimer.singleShot(10, self._poll)

    @property
    def asked(self) -> bool:
        return self.text is not None


@pytest.fixture
def page(qtbot, window):
    window.open_page("members")
    p = window.pages["members"]
    qtbot.waitUntil(lambda: not p.loading, timeout=10_000)
    return p


@pytest.fixture
def three(db, admin):
    with db.session(admin) as s:
        return [members.register_member(s, {"name": name, "id_number": make_id(n),
                                            "phone": f"1380000000{n}"}).id
                for n, name in ((1, "张三"), (2, "李四"), (3, "王五"))]


def type_member(page, name: str = "赵六", n: int = 7) -> None:
    page.name_edit.setText(name)  # (as an input method commits Chinese)
    page.id_edit.setText(make_id(n))


def settle(qtbot, page) -> None:
    qtbot.waitUntil(lambda: not page.loading and not page.model.loading, timeout=10_000)
    page.ctx.tasks.wait()
    qtbot.wait(20)
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)


def opened(qtbot, page, member_id: str) -> None:
    page.open_record(member_id)
    qtbot.waitUntil(lambda: page.current_id == member_id and page.selected_id() == member_id
                    and not page.form.dirty, timeout=10_000)


def click_row(qtbot, page, member_id: str) -> None:
    index = page.model.index(page.model.row_of(member_id), 0)
    page.table.scrollTo(index)
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.table.visualRect(index).center())


# -- New member ----------------------------------------------------------------------


def test_new_member_asks_and_each_answer_does_what_it_says(qtbot, page, db):
    page.new_member()
    type_member(page)
    assert page.form.dirty

    stay = Answer("stay")
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert stay.asked
    assert (page.name_edit.text(), page.id_edit.text()) == ("赵六", make_id(7))
    assert active_members(db) == []

    discard = Answer("discard")
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert discard.asked
    assert (page.name_edit.text(), page.id_edit.text()) == ("", "")
    assert not page.form.dirty and active_members(db) == []

    type_member(page, "钱七", 8)
    save = Answer("save")
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert save.asked
    assert active_members(db) == ["钱七"]
    settle(qtbot, page)
    # saved, then on to a blank form for the next member
    assert page.current_id is None
    assert (page.name_edit.text(), page.id_edit.text()) == ("", "")


def test_a_refused_save_keeps_the_clerk_on_the_form(qtbot, page, db):
    page.new_member()
    page.name_edit.setText("孙八")
    page.form.widgets["join_date"].setText("2999-01-01")  # in the future: refused
    save = Answer("save")
    qtbot.mouseClick(page.new_button, Qt.MouseButton.LeftButton)
    assert save.asked
    assert page.form.error_text("join_date")
    assert page.name_edit.text() == "孙八"
    assert active_members(db) == []
    page.form.revert()  # (the window closes clean)


def test_ctrl_n_with_typing_asks(qtbot, window, page):
    page.new_member()
    type_member(page)
    stay = Answer("stay")
    qtbot.keySequence(window, QKeySequence(QKeySequence.StandardKey.New))
    qtbot.waitUntil(lambda: stay.asked, timeout=3000)
    assert page.name_edit.text() == "赵六"
    window.activateWindow()  # (as the box closing gives the window back)
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    discard = Answer("discard")
    qtbot.keySequence(window, QKeySequence(QKeySequence.StandardKey.New))
    qtbot.waitUntil(lambda: discard.asked, timeout=3000)
    assert window.focusWidget() is page.name_edit
    assert page.name_edit.text() == ""


# -- another row -----------------------------------------------------------------------


def test_another_row_asks_stay_discard_save(qtbot, page, db, three):
    page.reload()
    zhang, li, _wang = three
    opened(qtbot, page, zhang)
    page.form.widgets["phone"].setText("13911112222")

    stay = Answer("stay")
    click_row(qtbot, page, li)
    qtbot.waitUntil(lambda: stay.asked, timeout=3000)
    settle(qtbot, page)
    assert page.current_id == zhang and page.selected_id() == zhang
    assert page.form.widgets["phone"].text() == "13911112222"

    discard = Answer("discard")
    click_row(qtbot, page, li)
    qtbot.waitUntil(lambda: discard.asked, timeout=3000)
    qtbot.waitUntil(lambda: page.current_id == li and page.name_edit.text() == "李四",
                    timeout=10_000)
    assert page.selected_id() == li
    assert member_phone(db, zhang) == "13800000001"  # nothing saved

    opened(qtbot, page, zhang)
    page.form.widgets["phone"].setText("13911112222")
    save = Answer("save")
    click_row(qtbot, page, li)
    qtbot.waitUntil(lambda: save.asked, timeout=3000)
    qtbot.waitUntil(lambda: page.current_id == li and page.name_edit.text() == "李四",
                    timeout=10_000)
    settle(qtbot, page)
    assert member_phone(db, zhang) == "13911112222"
    assert page.current_id == li and page.selected_id() == li
    assert page.name_edit.text() == "李四"


def test_an_unchanged_form_never_asks(qtbot, page, three):
    page.reload()
    opened(qtbot, page, three[0])
    click_row(qtbot, page, three[1])  # (a box would block here)
    qtbot.waitUntil(lambda: page.current_id == three[1], timeout=10_000)
    page.new_member()
    assert page.current_id is None


# -- another page, closing the window --------------------------------------------------


def test_another_page_asks(qtbot, window, page):
    page.new_member()
    type_member(page)
    nav = window.nav
    enterprises = next(i for i in range(nav.count())
                       if nav.item(i).data(Qt.ItemDataRole.UserRole) == "enterprises")
    members_row = nav.currentRow()

    stay = Answer("stay")
    qtbot.mouseClick(nav.viewport(), Qt.MouseButton.LeftButton,
                     pos=nav.visualItemRect(nav.item(enterprises)).center())
    assert stay.asked
    qtbot.wait(20)
    assert window.stack.currentWidget() is page
    assert nav.currentRow() == members_row
    assert page.name_edit.text() == "赵六"
    again = Answer("stay")
    assert window.open_page("events") is False  # (asked again: stay)
    assert again.asked and window.stack.currentWidget() is page

    discard = Answer("discard")
    qtbot.mouseClick(nav.viewport(), Qt.MouseButton.LeftButton,
                     pos=nav.visualItemRect(nav.item(enterprises)).center())
    assert discard.asked
    assert window.current_key() == "enterprises"
    assert window.stack.currentWidget() is window.pages["enterprises"]
    window.open_page("members")  # (a clean form: no box)
    assert page.name_edit.text() == "" and not page.form.dirty


def test_closing_the_window_or_ctrl_q_asks(qtbot, window, page, db):
    page.new_member()
    type_member(page)
    stay = Answer("stay")
    window.close()
    assert stay.asked and window.isVisible()
    assert page.name_edit.text() == "赵六"

    window.activateWindow()  # (as the box closing gives the window back)
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    stay = Answer("stay")
    qtbot.keySequence(window, QKeySequence("Ctrl+Q"))
    qtbot.waitUntil(lambda: stay.asked, timeout=3000)
    assert window.isVisible() and page.name_edit.text() == "赵六"

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=3000)
    save = Answer("save")
    window.close()
    assert save.asked and not window.isVisible()
    assert active_members(db) == ["赵六"]


def test_language_switch_asks(qtbot, window, page):
    page.new_member()
    type_member(page)
    stay = Answer("stay")
    window.set_language("en")
    assert stay.asked
    assert window.pages["members"] is page and page.name_edit.text() == "赵六"
    page.form.revert()


def test_a_form_of_any_page_is_guarded_by_one_line(qtbot, ctx):
    """Any page guards its Form with ``self.guard(form, save)``."""
    from station_app.ui.forms import Form
    from station_app.ui.operations import Op
    from station_app.ui.pages import Page

    page = Page(ctx)
    qtbot.addWidget(page)
    form = Form("zh", page)
    edit = form.line("name", "Name")
    form.set_values({"name": "loaded"})
    saves = []
    page.guard(form, save=lambda: saves.append(form.values()) or Op.refused())
    assert page.may_leave()  # unchanged: no box
    edit.setText("typed")
    assert form.dirty
    save = Answer("save")
    assert not page.may_leave()  # the save did not succeed: stay
    assert save.asked and saves == [{"name": "typed"}] and edit.text() == "typed"
    discard = Answer("discard")
    assert page.may_leave()
    assert discard.asked and edit.text() == "loaded" and not form.dirty


# -- restore ---------------------------------------------------------------------------


def test_restore_counts_unsynced_changes_then_restarts_on_the_backup(
        qtbot, window, ctx, db, admin, three):
    backup = db.backup("manual")
    with db.session(admin) as s:
        members.register_member(s, {"name": "赵六", "id_number": make_id(6)})
        members.update_member(s, three[0], {"phone": "13999999999"})
    page = window.page("members")
    window.open_page("members")
    qtbot.waitUntil(lambda: page.model.rowCount() == 4, timeout=10_000)

    # the count, and Cancel leaves everything as it was
    dialog = window.restore_from_backup()
    qtbot.waitUntil(lambda: dialog.unsynced is not None, timeout=10_000)
    assert dialog.selected() == backup
    assert dialog.unsynced == 2
    assert "2" in dialog.warning.text()
    dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    assert ctx.db is db and len(active_members(db)) == 4

    dialog = window.restore_from_backup()
    qtbot.waitUntil(lambda: dialog.unsynced == 2, timeout=10_000)
    dialog.ok.click()
    # the file is replaced, the login asks again on it, the window opens on it
    qtbot.waitUntil(lambda: getattr(window, "login_dialog", None) is not None, timeout=15_000)
    login = window.login_dialog
    login.form.widgets["username"].setText("admin")
    login.form.widgets["password"].setText(ADMIN_PASSWORD)
    login.try_login()
    qtbot.waitUntil(lambda: ctx.db is not db and "members" in window.pages, timeout=10_000)
    page = window.pages["members"]
    qtbot.waitUntil(lambda: not page.loading and page.model.rowCount() == 3, timeout=10_000)
    assert sorted(page.model.index(r, 0).data() for r in range(3)) == \
        sorted(["张三", "李四", "王五"])
    assert active_members(ctx.db) == sorted(["张三", "李四", "王五"])
    assert member_phone(ctx.db, three[0]) == "13800000001"
    said = window.statusBar().currentMessage()  # in words: when, why (not the file)
    assert "manual" in said and backup.name not in said
    # the file as it was before is kept as a backup
    from station_app.storage.backup import list_backups

    assert any(b.reason == "restore" for b in list_backups(ctx.db.path))
    ctx.tasks.wait()


def test_restore_with_nothing_unsynced_says_so(qtbot, window, db):
    db.backup("manual")
    dialog = window.restore_from_backup()
    qtbot.waitUntil(lambda: dialog.unsynced is not None, timeout=10_000)
    assert dialog.unsynced == 0 and dialog.ok.isEnabled()
    dialog.reject()


# -- delete ----------------------------------------------------------------------------


def test_a_member_registered_in_error_is_deleted(qtbot, page, db, three):
    page.reload()
    opened(qtbot, page, three[2])
    qtbot.waitUntil(lambda: page.delete_button.isEnabled(), timeout=10_000)
    cancel = Answer("cancel")
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert cancel.asked and "王五" in cancel.text
    assert len(active_members(db)) == 3
    yes = Answer("delete")
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert yes.asked
    qtbot.waitUntil(lambda: page.current_id is None and page.model.rowCount() == 2,
                    timeout=10_000)
    assert active_members(db) == sorted(["张三", "李四"])
    with db.reader() as s:  # a tombstone, for sync to carry
        assert s.execute(select(func.count()).select_from(Member)
                         .where(Member.id == three[2], Member.deleted)).scalar_one() == 1
    assert "王五" in page.notice.text()


def test_delete_refused_while_a_hardship_file_refers_to_the_member(qtbot, page, db, admin,
                                                                   three):
    with db.session(admin) as s:
        hardship.open_case(s, three[0], {
            "category": "illness", "level": "deep", "household_size": 3,
            "registered_date": date.today() - timedelta(days=10)})
    page.reload()
    opened(qtbot, page, three[0])
    assert not page.delete_button.isEnabled()
    assert "困难职工档案" in page.delete_button.toolTip()
    opened(qtbot, page, three[1])  # nothing refers to 李四
    assert page.delete_button.isEnabled()


def test_a_clerk_deletes_only_what_they_entered_this_week(qtbot, make_ctx, clerk, db,
                                                          three):
    from station_app.ui.pages.members import MembersPage

    with db.session(clerk) as s:
        own = members.register_member(s, {"name": "孙八", "id_number": make_id(8)}).id
    page = MembersPage(make_ctx(clerk))
    qtbot.addWidget(page)
    page.show()
    page.activate()
    opened(qtbot, page, three[0])  # the admin registered 张三
    assert not page.delete_button.isEnabled()
    assert page.delete_button.toolTip()
    opened(qtbot, page, own)
    assert page.delete_button.isEnabled()


def test_restore_asks_a_page_with_unsaved_typing_first(qtbot, window, page, db):
    db.backup("manual")
    page.new_member()
    type_member(page)
    stay = Answer("stay")
    assert window.restore_from_backup() is None
    assert stay.asked and page.name_edit.text() == "赵六"
    discard = Answer("discard")
    dialog = window.restore_from_backup()
    assert discard.asked and dialog is not None
    qtbot.waitUntil(lambda: dialog.unsynced is not None, timeout=10_000)
    dialog.reject()
