"""Correcting events and enterprises through the real widgets (offscreen, real SQLite):
an event opened in its form by a double-click, *Edit…* or the context menu, corrected and
deleted after asking; an enterprise corrected, deleted while nothing refers to it and
refused — the service's sentence — while a visit does; enterprise names never elided.
Edit and Delete are offered by the permission table (a clerk: what they entered this
week)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from station_app.domain.models import AuditRecord, Enterprise, Event
from station_app.domain.services import enterprises, events, visits
from station_app.domain.validation import credit_code_check_char
from station_app.ui.qt import QMessageBox, Qt

TODAY = date.today()


def credit(n: int) -> str:
    body = f"91440300MA5F{n:05d}"
    return body + credit_code_check_char(body)


def type_into(qtbot, widget, text: str) -> None:
    """Replace a field's text as typed (Chinese arrives as an input method commits it)."""
    widget.setFocus()
    widget.clear()
    if text.isascii():
        qtbot.keyClicks(widget, text)
    elif hasattr(widget, "insertPlainText"):
        widget.insertPlainText(text)
    else:
        widget.insert(text)


def double_click(qtbot, view, row: int) -> None:
    pos = view.visualRect(view.model().index(row, 0)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def shown(qtbot, page):
    qtbot.addWidget(page)
    page.resize(1200, 760)
    page.show()
    page.activate()
    settle(qtbot, page)
    return page


def settle(qtbot, page) -> None:
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)


def answer(monkeypatch, *answers) -> list[str]:
    """QMessageBox.question answered in turn; returns the questions asked."""
    asked: list[str] = []
    queue = list(answers)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _parent, _title, text: asked.append(text) or queue.pop(0))
    return asked


@pytest.fixture
def an_event(db, admin):
    with db.session(admin) as s:
        return events.record_event(s, {
            "kind": "legal", "event_date": TODAY, "title": "法律咨询进社区",
            "place": "葵涌广场", "person_times": "40", "migrant_person_times": "12",
            "notes": "与司法所合办"}).id


def events_page(qtbot, make_ctx, actor):
    from station_app.ui.pages.events import EventsPage

    return shown(qtbot, EventsPage(make_ctx(actor, "en")))


def stored_event(db, event_id) -> Event:
    with db.reader() as s:
        return s.get(Event, event_id)


# --------------------------------------------------------------------------- events


def test_an_event_is_corrected_in_its_form(qtbot, db, admin, make_ctx, an_event):
    page = events_page(qtbot, make_ctx, admin)
    assert [r[2] for r in page.model.rows] == ["法律咨询进社区"]
    header = page.table.horizontalHeader()  # no header cut, no title elided
    for col in range(page.model.columnCount()):
        assert header.sectionSize(col) >= header.fontMetrics().horizontalAdvance(
            page.model.headers[col])
    assert page.model.data(page.model.index(0, 2), Qt.ItemDataRole.ToolTipRole) \
        == "法律咨询进社区"
    f = page.form.widgets
    double_click(qtbot, page.table, 0)
    qtbot.waitUntil(lambda: page.editing is not None, timeout=10_000)
    # the form is filled with the event as stored, and says what it corrects
    assert (f["title"].text(), f["location"].text(), f["person_times"].text(),
            f["migrant_person_times"].text(), f["notes"].toPlainText()) == (
        "法律咨询进社区", "葵涌广场", "40", "12", "与司法所合办")
    assert f["kind"].currentData() == "legal"
    assert page.box.title() == f"Correct the event of {TODAY.isoformat()}: 法律咨询进社区"
    assert page.save_button.text() == "Save the correction" and page.save_button.isEnabled()
    assert page.cancel_button.isVisible()

    # a refusal shows under its field and keeps everything typed
    type_into(qtbot, f["title"], "法律咨询进社区（第二场）")
    type_into(qtbot, f["migrant_person_times"], "50")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(page.form.error_text("migrant_person_times")),
                    timeout=10_000)
    assert "50" in page.form.error_text("migrant_person_times")
    assert f["title"].text() == "法律咨询进社区（第二场）" and page.editing is not None
    assert stored_event(db, an_event).migrant_person_times == 12

    type_into(qtbot, f["migrant_person_times"], "15")
    type_into(qtbot, f["person_times"], "45")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.message.text() == "Correction saved.", timeout=10_000)
    qtbot.waitUntil(lambda: page.model.rows and page.model.rows[0][2]
                    == "法律咨询进社区（第二场）", timeout=10_000)
    settle(qtbot, page)
    assert page.model.rows[0][4:] == (45, 15)
    assert page.editing is None and page.box.title() == "Add event"
    assert "person-times" in page.totals_label.text()
    event = stored_event(db, an_event)
    assert (event.title, event.person_times, event.migrant_person_times) == (
        "法律咨询进社区（第二场）", 45, 15)
    with db.reader() as s:  # the correction is audited
        actions = s.execute(select(AuditRecord.action, AuditRecord.actor).where(
            AuditRecord.table_name == "events", AuditRecord.row_id == an_event)
            .order_by(AuditRecord.id)).all()
    assert [tuple(a) for a in actions] == [("insert", "admin"), ("update", "admin")]


@pytest.mark.qt_log_ignore("This plugin does not support")  # (a popup, offscreen)
def test_the_edit_button_and_the_context_menu_open_the_event(qtbot, db, admin, make_ctx,
                                                             an_event):
    page = events_page(qtbot, make_ctx, admin)
    assert not page.edit_button.isEnabled()  # nothing chosen yet
    assert page.edit_button.toolTip() == "Select an event first."
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.edit_button.isEnabled(), timeout=10_000)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.editing is not None, timeout=10_000)
    assert page.form.widgets["title"].text() == "法律咨询进社区"
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    assert page.editing is None and page.form.widgets["title"].text() == ""

    pos = page.table.visualRect(page.model.index(0, 0)).center()
    page.table.customContextMenuRequested.emit(pos)  # (a right-click on the row)
    menu = page.menu
    settle(qtbot, page)
    texts = [a.text() for a in menu.actions()]
    assert texts == ["Edit…", "Delete…"]
    assert all(a.isEnabled() for a in menu.actions())
    menu.actions()[0].trigger()
    qtbot.waitUntil(lambda: page.editing is not None, timeout=10_000)
    assert page.editing[0] == an_event
    menu.close()


def test_an_event_is_deleted_after_asking(qtbot, db, admin, make_ctx, an_event,
                                          monkeypatch):
    page = events_page(qtbot, make_ctx, admin)
    asked = answer(monkeypatch, QMessageBox.StandardButton.No,
                   QMessageBox.StandardButton.Yes)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.delete_button.isEnabled(), timeout=10_000)
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert asked == [f"Delete the event of {TODAY.isoformat()}: 法律咨询进社区? It no longer "
                     "counts in any figure."]
    settle(qtbot, page)
    assert not stored_event(db, an_event).deleted and len(page.model.rows) == 1

    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.model.rows == [], timeout=10_000)
    settle(qtbot, page)
    assert page.message.text() == f"Deleted the event of {TODAY.isoformat()}: 法律咨询进社区."
    assert stored_event(db, an_event).deleted  # a tombstone, kept for sync
    assert page.totals_label.text().startswith("0 events")


def test_a_clerk_is_offered_only_what_they_entered(qtbot, db, clerk, make_ctx, an_event):
    with db.session(clerk) as s:
        own = events.record_event(s, {"kind": "training", "event_date": TODAY,
                                      "title": "技能培训"}).id
    page = events_page(qtbot, make_ctx, clerk)
    rows = {page.model.key_at(i): i for i in range(page.model.rowCount())}
    page.table.selectRow(rows[an_event])
    qtbot.waitUntil(lambda: "entered this record" in page.edit_button.toolTip(),
                    timeout=10_000)
    assert not page.edit_button.isEnabled() and not page.delete_button.isEnabled()
    assert page.delete_button.toolTip().startswith("站长 entered this record")
    page.table.selectRow(rows[own])
    qtbot.waitUntil(lambda: page.edit_button.isEnabled(), timeout=10_000)
    assert page.delete_button.isEnabled()


def test_an_event_moved_to_another_year_is_shown_there(qtbot, db, admin, make_ctx,
                                                      an_event):
    page = events_page(qtbot, make_ctx, admin)
    double_click(qtbot, page.table, 0)
    qtbot.waitUntil(lambda: page.editing is not None, timeout=10_000)
    last_year = date(TODAY.year - 1, 6, 1)
    type_into(qtbot, page.form.widgets["event_date"], last_year.isoformat())
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.year_box.value() == last_year.year, timeout=10_000)
    qtbot.waitUntil(lambda: page.model.rows and page.model.rows[0][0]
                    == last_year.isoformat(), timeout=10_000)
    settle(qtbot, page)
    assert page.selected_id() == an_event


# --------------------------------------------------------------------------- enterprises


# (as stored: the service keeps a name's brackets half-width)
LONG = "深圳市大鹏新区葵涌街道某某精密电子科技股份有限公司第二分公司(坝光生产基地)"


@pytest.fixture
def firms(db, admin):
    with db.session(admin) as s:
        long = enterprises.register_enterprise(s, {"name": LONG, "credit_code": credit(1)})
        visited = enterprises.register_enterprise(s, {"name": "葵涌五金厂",
                                                      "credit_code": credit(2)})
        visits.record_visit(s, {"visit_date": TODAY, "enterprise_id": visited.id,
                                "kind": "routine", "visitors": "王五"})
        return long.id, visited.id


def enterprises_page(qtbot, make_ctx, actor, lang="zh"):
    from station_app.ui.pages.enterprises import EnterprisesPage

    return shown(qtbot, EnterprisesPage(make_ctx(actor, lang)))


def choose(qtbot, page, enterprise_id) -> None:
    page.open_record(enterprise_id)
    qtbot.waitUntil(lambda: page.current_id == enterprise_id
                    and page.title_label.text() != "New enterprise", timeout=10_000)
    settle(qtbot, page)


def stored(db, enterprise_id) -> Enterprise:
    with db.reader() as s:
        return s.get(Enterprise, enterprise_id)


def test_an_enterprise_is_corrected_and_names_are_never_elided(qtbot, db, admin, make_ctx,
                                                               firms):
    page = enterprises_page(qtbot, make_ctx, admin, "en")
    long_id, _visited = firms
    row = page.model.keys.index(long_id)
    index = page.proxy.mapFromSource(page.model.index(row, 0))
    # the name column fits the longest name; every cell has its full text on hover
    width = page.table.fontMetrics().horizontalAdvance(LONG)
    assert page.table.columnWidth(0) >= width
    assert page.proxy.data(index, Qt.ItemDataRole.ToolTipRole) == LONG
    header = page.table.horizontalHeader()
    for col in range(page.model.columnCount()):
        assert header.sectionSize(col) >= header.fontMetrics().horizontalAdvance(
            page.model.headers[col])

    page.table.setCurrentIndex(index)
    qtbot.waitUntil(lambda: page.current_id == long_id
                    and page.save_button.text() == "Save changes", timeout=10_000)
    settle(qtbot, page)
    type_into(qtbot, page.form.widgets["enterprise_name"], "葵涌精密电子")
    type_into(qtbot, page.form.widgets["employee_count"], "120")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.message.text() == "Saved.", timeout=10_000)
    qtbot.waitUntil(lambda: "葵涌精密电子" in [r[0] for r in page.model.rows],
                    timeout=10_000)
    settle(qtbot, page)
    ent = stored(db, long_id)
    assert (ent.name, ent.headcount) == ("葵涌精密电子", 120)


def test_an_enterprise_registered_in_error_is_deleted_after_asking(
        qtbot, db, admin, make_ctx, firms, monkeypatch):
    page = enterprises_page(qtbot, make_ctx, admin)
    long_id, _visited = firms
    assert not page.delete_button.isEnabled()  # nothing chosen
    choose(qtbot, page, long_id)
    qtbot.waitUntil(lambda: page.delete_button.isEnabled(), timeout=10_000)
    asked = answer(monkeypatch, QMessageBox.StandardButton.No,
                   QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and LONG in asked[0]
    settle(qtbot, page)
    assert not stored(db, long_id).deleted
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: long_id not in page.model.keys, timeout=10_000)
    settle(qtbot, page)
    assert stored(db, long_id).deleted  # a tombstone
    assert page.current_id is None and page.message.text() == f"Deleted {LONG}."


def test_an_enterprise_a_visit_refers_to_is_not_deleted(qtbot, db, admin, make_ctx,
                                                         firms, monkeypatch):
    page = enterprises_page(qtbot, make_ctx, admin)
    _long, visited = firms
    choose(qtbot, page, visited)
    # not offered: the tooltip is the table's sentence, naming what refers to it
    qtbot.waitUntil(lambda: "1 条走访记录" in page.delete_button.toolTip(), timeout=10_000)
    assert not page.delete_button.isEnabled()
    assert page.delete_button.toolTip() == "不能删除企业：还有记录引用它（1 条走访记录）"
    # and the service refuses it with the same sentence (pressed before the button knew)
    answer(monkeypatch, QMessageBox.StandardButton.Yes)
    page.delete_current()
    qtbot.waitUntil(lambda: "1 条走访记录" in page.message.text(), timeout=10_000)
    assert page.message.text() == "不能删除企业：还有记录引用它（1 条走访记录）"
    assert not stored(db, visited).deleted and page.current_id == visited


def test_a_clerk_deletes_only_an_enterprise_they_registered(qtbot, db, clerk, make_ctx,
                                                            firms):
    with db.session(clerk) as s:
        own = enterprises.register_enterprise(s, {"name": "新登记的企业"}).id
    page = enterprises_page(qtbot, make_ctx, clerk)
    choose(qtbot, page, firms[0])
    qtbot.waitUntil(lambda: "站长" in page.delete_button.toolTip(), timeout=10_000)
    assert not page.delete_button.isEnabled()
    choose(qtbot, page, own)
    qtbot.waitUntil(lambda: page.delete_button.isEnabled(), timeout=10_000)


# --------------------------------------------------------------------------- nothing lost


class Answer:
    """Click a button (by object name) of the next message box that opens: the box runs
    its own event loop, so the click is polled from a timer."""

    def __init__(self, button: str) -> None:
        from station_app.ui.qt import QTimer

        self.button = button
        self.text: str | None = None
        self._tries = 0
        QTimer.singleShot(0, self._poll)

    def _poll(self) -> None:
        from station_app.ui.qt import QApplication, QPushButton, QTimer

        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            self.text = box.text()
            names = {b.objectName(): b for b in box.findChildren(QPushButton)}
            names[self.button].click()
            return
        self._tries += 1
        if self._tries < 1000:
            QTimer.singleShot(10, self._poll)


def test_another_event_asks_before_a_correction_is_lost(qtbot, db, admin, make_ctx,
                                                        an_event):
    with db.session(admin) as s:
        other = events.record_event(s, {"kind": "training", "event_date": TODAY,
                                        "title": "技能培训"}).id
    page = events_page(qtbot, make_ctx, admin)
    rows = {page.model.key_at(i): i for i in range(page.model.rowCount())}
    double_click(qtbot, page.table, rows[an_event])
    qtbot.waitUntil(lambda: page.editing is not None, timeout=10_000)
    title = page.form.widgets["title"]
    type_into(qtbot, title, "法律咨询（改）")
    stay = Answer("stay")
    double_click(qtbot, page.table, rows[other])
    settle(qtbot, page)
    assert stay.text and page.editing[0] == an_event and title.text() == "法律咨询（改）"
    discard = Answer("discard")
    double_click(qtbot, page.table, rows[other])
    qtbot.waitUntil(lambda: page.editing is not None and page.editing[0] == other,
                    timeout=10_000)
    assert discard.text and title.text() == "技能培训"
    assert stored_event(db, an_event).title == "法律咨询进社区"
    # "Cancel the correction" with changes asks too; saving from the box keeps them
    type_into(qtbot, title, "技能培训（第二期）")
    save = Answer("save")
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: stored_event(db, other).title == "技能培训（第二期）",
                    timeout=10_000)
    settle(qtbot, page)
    assert save.text and page.editing is None and title.text() == ""


def test_another_enterprise_asks_before_typing_is_lost(qtbot, db, admin, make_ctx, firms):
    long_id, visited = firms
    page = enterprises_page(qtbot, make_ctx, admin, "en")
    choose(qtbot, page, long_id)
    name = page.form.widgets["enterprise_name"]
    type_into(qtbot, name, "改过的名字")
    stay = Answer("stay")
    index = page.proxy.mapFromSource(page.model.index(page.model.keys.index(visited), 0))
    page.table.setCurrentIndex(index)
    qtbot.waitUntil(lambda: stay.text is not None, timeout=10_000)
    settle(qtbot, page)
    assert page.current_id == long_id and name.text() == "改过的名字"
    assert page.proxy.data(page.table.currentIndex(), KEY) == long_id
    discard = Answer("discard")
    page.table.setCurrentIndex(index)
    qtbot.waitUntil(lambda: page.current_id == visited
                    and page.title_label.text() == "葵涌五金厂", timeout=10_000)
    settle(qtbot, page)
    assert discard.text and name.text() == "葵涌五金厂"
    assert stored(db, long_id).name == LONG


KEY = Qt.ItemDataRole.UserRole
