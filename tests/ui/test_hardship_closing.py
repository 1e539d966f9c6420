"""Closing a hardship file on the page — 脱困 (exit) and 注销 (cancel) through the one
dialog, with the date and the reason — the lists a clerk relies on, and undoing a closing
recorded in error, driving the real widgets."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from station_app.domain.models import HardshipCase
from station_app.domain.services import hardship, members
from station_app.domain.validation import id_check_char

TODAY = date.today()


def make_id(n: int) -> str:
    first17 = f"11010119800101{n:03d}"
    return first17 + id_check_char(first17)


@pytest.fixture
def files(db, admin):
    """李四 (registered 100 days ago) and 王五 (registered 10 days ago), both open."""
    with db.session(admin) as s:
        out = {}
        for n, name, days in ((1, "李四", 100), (2, "王五", 10)):
            m = members.register_member(s, {"name": name, "id_number": make_id(n)})
            out[name] = hardship.open_case(s, m.id, {
                "category": "失业", "level": "相对困难", "household_size": 2,
                "registered_date": (TODAY - timedelta(days=days)).isoformat()}).id
        return out


def make_page(qtbot, ctx):
    from station_app.ui.pages.hardship import HardshipPage

    page = HardshipPage(ctx)
    qtbot.addWidget(page)
    page.resize(1200, 800)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: not page.loading)
    return page


def show(qtbot, page, case_id: str) -> None:
    page.open_record(case_id)
    qtbot.waitUntil(lambda: not page.loading and page.file is not None
                    and page.file.id == case_id)


def shown(qtbot, page, key: str) -> list[str]:
    from station_app.ui.pages.hardship import FILTERS

    page.filter.setCurrentIndex(FILTERS.index(key))
    qtbot.waitUntil(lambda: not page.loading)
    return sorted(r.name for r in page.list_model.rows)


def stored(db, case_id: str) -> tuple:
    with db.reader() as s:
        c = s.get(HardshipCase, case_id)
        return c.status, c.exit_date, c.exit_reason


def test_cancel_through_the_dialog(qtbot, db, ctx, files, tmp_path):
    from station_app.ui.qt import QDialogButtonBox

    page = make_page(qtbot, ctx)
    show(qtbot, page, files["李四"])
    assert page.cancel_button.isEnabled() and page.exit_button.isEnabled()
    assert not page.reopen_button.isVisible() and not page.closed_label.isVisible()
    page.cancel_button.click()
    dialog = page._dialog
    assert dialog.status == "cancelled" and dialog.isVisible()
    assert dialog.windowTitle() == "Cancel the file (注销)"
    assert dialog.form.widgets["cancel_date"].text() == TODAY.isoformat()
    dialog.grab().save(str(tmp_path / "cancel-dialog.png"))
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)

    # a date before the file was registered, no reason: both in place, nothing lost
    registered = TODAY - timedelta(days=100)
    early = (registered - timedelta(days=1)).isoformat()
    dialog.form.widgets["cancel_date"].setText(early)
    ok.click()
    qtbot.waitUntil(lambda: dialog.form.saving.done)
    assert registered.isoformat() in dialog.form.error_text("cancel_date")
    assert dialog.form.error_text("reason")
    assert dialog.isVisible() and dialog.form.widgets["cancel_date"].text() == early
    assert stored(db, files["李四"]) == ("open", None, None)

    when = TODAY - timedelta(days=3)
    dialog.form.widgets["cancel_date"].setText(f"{when.year}年{when.month}月{when.day}日")
    dialog.form.widgets["reason"].setPlainText("重复建档")
    ok.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert stored(db, files["李四"]) == ("cancelled", when, "重复建档")
    qtbot.waitUntil(lambda: not page.loading and page.file.status == "cancelled")
    # the page says how, when and why; the actions follow the status
    assert page.closed_label.isVisible()
    assert page.closed_label.text() == f"Cancelled (注销) on {when.isoformat()} — reason: 重复建档"
    assert "注销" in page.title.text()
    assert not page.cancel_button.isEnabled() and not page.exit_button.isEnabled()
    assert not page.add_entry_button.isEnabled()
    assert page.reopen_button.isVisible() and page.reopen_button.isEnabled()
    html = page.fields_view.toHtml()
    assert "注销日期" in html and when.isoformat() in html and "重复建档" in html
    assert "脱困日期" not in html
    page.grab().save(str(tmp_path / "cancelled-page.png"))

    # the lists: 注销 beside 脱困, with the date and the reason
    assert shown(qtbot, page, "cancelled") == ["李四"]
    row = page.list_model.rows[0]
    assert (row.closed_on, row.closed_because) == (when, "重复建档")
    from station_app.ui.qt import Qt

    headers = {page.list_model.headerData(c, Qt.Orientation.Horizontal): c
               for c in range(page.list_model.columnCount())}
    shown_dates = [page.list_model.data(page.list_model.index(0, headers[h]))
                   for h in ("Closed on", "Reason closed")]
    assert shown_dates == [when.isoformat(), "重复建档"]
    assert not page.list_view.isColumnHidden(headers["Closed on"])
    assert shown(qtbot, page, "exited") == []
    assert shown(qtbot, page, "open") == ["王五"]
    assert page.list_view.isColumnHidden(headers["Closed on"])
    assert shown(qtbot, page, "never_helped") == ["王五"]


def test_exit_through_the_same_dialog_and_closed_is_closed(qtbot, db, ctx, files):
    from station_app.ui.qt import QDialogButtonBox

    page = make_page(qtbot, ctx)
    show(qtbot, page, files["王五"])
    page.exit_button.click()
    dialog = page._dialog
    assert dialog.status == "exited" and dialog.windowTitle() == "Exit the file (脱困)"
    dialog.form.widgets["exit_date"].setText((TODAY + timedelta(days=1)).isoformat())
    dialog.form.widgets["reason"].setPlainText("再就业")
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    ok.click()
    qtbot.waitUntil(lambda: dialog.form.saving.done)
    assert "晚于今天" in dialog.form.error_text("exit_date")  # Chinese: the user's language
    dialog.form.widgets["exit_date"].setText(TODAY.isoformat())
    ok.click()
    qtbot.waitUntil(lambda: not dialog.isVisible())
    qtbot.waitUntil(lambda: not page.loading and page.file.status == "exited")
    assert page.closed_label.text() == f"Exited (脱困) on {TODAY.isoformat()} — reason: 再就业"
    assert "脱困日期" in page.fields_view.toHtml()
    assert shown(qtbot, page, "exited") == ["王五"]
    # reached anyway (a stale screen): the service refuses a second closing, with why
    assert not page.cancel_case(TODAY.isoformat(), "错建").wait()
    assert "不能再次办理" in page.last_message and page.message.isVisible()
    assert stored(db, files["王五"]) == ("exited", TODAY, "再就业")


def test_a_clerk_cannot_close_or_reopen(qtbot, db, make_ctx, clerk, admin, files):
    page = make_page(qtbot, make_ctx(clerk))
    show(qtbot, page, files["李四"])
    assert not page.cancel_button.isEnabled() and not page.exit_button.isEnabled()
    # who may, from the permission table, in the user's language
    assert "需要站点管理员权限" in page.cancel_button.toolTip()
    assert "需要站点管理员权限" in page.exit_button.toolTip()
    assert page.review_button.isEnabled() and page.add_entry_button.isEnabled()
    # the button is disabled; if reached anyway, the service refuses and nothing is written
    assert not page.cancel_case(TODAY.isoformat(), "错建").wait()
    assert "无权注销档案" in page.last_message
    assert stored(db, files["李四"]) == ("open", None, None)
    with db.session(admin) as s:
        hardship.exit_case(s, files["李四"], TODAY, "再就业")
    page.ctx.publish({"hardship_cases"})  # (as a write's operation does)
    show(qtbot, page, files["李四"])
    qtbot.waitUntil(lambda: not page.loading and page.file.status == "exited")
    assert page.reopen_button.isVisible() and not page.reopen_button.isEnabled()
    assert not page.reopen(confirmed=True).wait() and "无权" in page.last_message
    assert stored(db, files["李四"]) == ("exited", TODAY, "再就业")


def test_reopen_a_closing_made_in_error(qtbot, db, ctx, files, monkeypatch):
    from station_app.ui.pages import hardship as page_module

    with db.session(ctx.actor) as s:
        hardship.cancel_case(s, files["李四"], TODAY, "点错了")
    page = make_page(qtbot, ctx)
    assert shown(qtbot, page, "cancelled") == ["李四"]
    show(qtbot, page, files["李四"])
    asked = []

    def answer(_parent, title, text, *rest):
        asked.append(text)
        return page_module.QMessageBox.StandardButton.No

    monkeypatch.setattr(page_module.QMessageBox, "question", staticmethod(answer))
    page.reopen_button.click()
    assert asked and "李四" in asked[0]
    assert stored(db, files["李四"]) == ("cancelled", TODAY, "点错了")  # "No": nothing
    monkeypatch.setattr(page_module.QMessageBox, "question", staticmethod(
        lambda *a: page_module.QMessageBox.StandardButton.Yes))
    page.reopen_button.click()
    qtbot.waitUntil(lambda: not page.loading and page.file.status == "open")
    assert stored(db, files["李四"]) == ("open", None, None)
    assert not page.closed_label.isVisible() and not page.reopen_button.isVisible()
    assert page.current_filter() == "open"
    qtbot.waitUntil(lambda: sorted(r.name for r in page.list_model.rows) == ["李四", "王五"])
    assert page.add_entry_button.isEnabled()


def test_closed_file_in_chinese(qtbot, make_ctx, admin, db, files, qapp):
    from station_app.ui.i18n import install_language

    with db.session(admin) as s:
        hardship.cancel_case(s, files["李四"], TODAY, "重复建档")
    install_language(qapp, "zh")
    page = make_page(qtbot, make_ctx(admin, "zh"))
    show(qtbot, page, files["李四"])
    assert page.closed_label.text() == f"已注销（{TODAY.isoformat()}）— 原因：重复建档"
    assert page.cancel_button.text() == "注销…"
    assert page.reopen_button.text() == "撤销注销…"
    from station_app.ui.pages.hardship import FILTERS

    assert page.filter.itemText(FILTERS.index("cancelled")) == "已注销"
    page.ask_cancel()  # disabled for a closed file, but the dialog's words are checked
    dialog = page._dialog
    assert dialog.windowTitle() == "注销档案"
    dialog.reject()
