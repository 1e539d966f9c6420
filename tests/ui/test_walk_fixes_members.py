"""Findings of a clerk's walk through the members page, the roster export and backups:
工作单位 of a member linked to a registered enterprise (form, roster, re-import), a long
ID-number warning shown whole, a success notice that is not an error, export file names in
the user's language, backups told in words and listed at once."""

from __future__ import annotations

from datetime import date

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import select

from station_app.domain.models import Member
from station_app.domain.services import enterprises, members
from station_app.domain.validation import id_check_char
from station_app.ui.qt import QSplitter, QTimer

ENTERPRISE = "深圳市海湾宏达医疗器械有限公司"


def make_id(n: int) -> str:
    first17 = f"44030519900307{n:03d}"
    return first17 + id_check_char(first17)


@pytest.fixture
def linked(db, admin) -> str:
    """A member whose 工作单位 is a registered enterprise (employer_id, no typed text)."""
    with db.session(admin) as s:
        e = enterprises.register_enterprise(s, {"name": ENTERPRISE})
        m = members.register_member(s, {"name": "张三丰", "id_number": make_id(1),
                                        "employer_id": e.id, "join_date": "2020-01-02"})
        return m.id


def stored(db, member_id) -> Member:
    with db.reader() as s:
        return s.get(Member, member_id)


def members_page(qtbot, make_ctx, actor, lang="en"):
    from station_app.ui.pages.members import MembersPage

    page = MembersPage(make_ctx(actor, lang))
    qtbot.addWidget(page)
    page.resize(1200, 700)
    page.show()
    qtbot.waitExposed(page)
    page.activate()
    return page


def open_member(qtbot, page, member_id) -> None:
    page.open_record(member_id)
    qtbot.waitUntil(lambda: page.current_id == member_id and page.loaded is not None,
                    timeout=10_000)


def save(qtbot, page) -> None:
    op = page.save()
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    page.ctx.tasks.wait()


# --------------------------------------------------------------------------- 工作单位


def test_the_form_shows_a_linked_employer_and_keeps_the_link(qtbot, db, admin, make_ctx,
                                                             linked):
    page = members_page(qtbot, make_ctx, admin)
    open_member(qtbot, page, linked)
    employer = page.form.widgets["employer_name"]
    assert employer.text() == ENTERPRISE  # (the list's name, not an empty field)
    assert not page.form.dirty
    page.form.widgets["phone"].setText("13800000001")  # another field changed, saved
    save(qtbot, page)
    m = stored(db, linked)
    assert m.phone == "13800000001" and m.employer_id is not None and m.employer_name is None


def test_typing_a_registered_enterprise_links_it_else_it_is_kept_as_typed(
        qtbot, db, admin, make_ctx):
    with db.session(admin) as s:
        e_id = enterprises.register_enterprise(s, {"name": ENTERPRISE}).id
    page = members_page(qtbot, make_ctx, admin)
    page.new_member()
    page.name_edit.setText("李四")
    page.id_edit.setText(make_id(2))
    page.form.widgets["employer_name"].setText(ENTERPRISE)
    save(qtbot, page)
    qtbot.waitUntil(lambda: page.current_id is not None, timeout=10_000)
    first = stored(db, page.current_id)
    assert first.employer_id == e_id
    # a name no enterprise has: kept as typed, the link dropped
    open_member(qtbot, page, first.id)
    page.form.widgets["employer_name"].setText("个体/灵活就业")
    save(qtbot, page)
    m = stored(db, first.id)
    assert m.employer_id is None and m.employer_name == "个体/灵活就业"


def test_the_roster_shows_the_linked_employer_and_reimports_without_a_change(
        db, admin, linked, tmp_path):
    from station_app.exchange import xlsx_export as xe
    from station_app.exchange.xlsx_import import preview_file

    out = tmp_path / "roster.xlsx"
    with db.reader() as s:
        xe.export_roster(s, out, db.station_id, as_of=date.today())
    wb = CalamineWorkbook.from_path(str(out))
    rows = wb.get_sheet_by_name(wb.sheet_names[0]).to_python()
    row = next(r for r in rows if r[1] == "张三丰")
    assert row[rows[1].index("工作单位")] == ENTERPRISE
    sheet = preview_file(out, kind="members", db=db, actor=admin)
    back = next(r for r in sheet.rows if r.values.get("name") == "张三丰")
    assert back.values["employer_name"] == ENTERPRISE
    assert back.status == "duplicate" and not back.changes  # the same member, unchanged


# --------------------------------------------------------------------------- the form


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_long_id_number_warning_shows_whole(qtbot, qapp, db, admin, make_ctx, lang):
    from station_app.ui.i18n import install_language

    install_language(qapp, lang)
    page = members_page(qtbot, make_ctx, admin, lang)
    page.resize(1000, 600)
    splitter = page.findChild(QSplitter)
    splitter.setSizes([720, 280])  # a narrow form (as the tester's): the warning wraps
    page.new_member()
    page.id_edit.setText("440305199003071235")  # wrong check digit
    page.check_id_number()
    error = page.form.errors["id_number"]
    qtbot.waitUntil(lambda: error.isVisible(), timeout=5_000)
    assert len(error.text()) > 30
    holder = error.parentWidget()

    def whole() -> bool:  # the label as tall as its wrapped text, inside its row
        return (error.height() >= error.heightForWidth(error.width())
                > 2 * error.fontMetrics().height()
                and error.geometry().bottom() <= holder.rect().bottom())

    qtbot.waitUntil(whole, timeout=5_000)
    # nothing overlaps it: the next row starts below it, the form is not cut at the side
    phone = page.form.widgets["phone"]
    assert error.mapTo(page, error.rect().bottomLeft()).y() < \
        phone.mapTo(page, phone.rect().topLeft()).y()
    scroll = page.form_scroll
    assert scroll.widget().width() <= scroll.viewport().width()
    # a short window: the form scrolls (it is not squeezed over the warning)
    page.resize(1000, 300)
    qtbot.waitUntil(whole, timeout=5_000)


def test_a_deleted_member_is_said_plainly_and_the_notice_clears(qtbot, db, admin, make_ctx):
    with db.session(admin) as s:
        wrong = members.register_member(s, {"name": "王错录", "id_number": make_id(3)}).id
        other = members.register_member(s, {"name": "赵六", "id_number": make_id(4)}).id
    page = members_page(qtbot, make_ctx, admin)
    open_member(qtbot, page, wrong)

    def click_delete():
        box = page.asking
        if box is None:
            QTimer.singleShot(10, click_delete)
            return
        next(b for b in box.buttons() if b.objectName() == "delete").click()

    QTimer.singleShot(0, click_delete)
    op = page.delete()
    qtbot.waitUntil(lambda: op.done, timeout=10_000)
    assert op.ok
    qtbot.waitUntil(lambda: page.notice.isVisible(), timeout=5_000)
    assert "王错录" in page.notice.text()
    assert "#b00020" not in page.notice.styleSheet()  # not the colour of a refusal
    with db.reader() as s:
        assert s.execute(select(Member.deleted).where(Member.id == wrong)).scalar_one()
    # the next member chosen: the notice is gone
    page.ctx.tasks.wait()
    row = page.model.row_of(other)
    assert row >= 0
    page.table.setCurrentIndex(page.model.index(row, 0))
    qtbot.waitUntil(lambda: page.current_id == other, timeout=10_000)
    assert not page.notice.isVisible()


# --------------------------------------------------------------------------- the window


@pytest.fixture
def zh_window(qtbot, qapp, make_ctx, admin):
    from station_app.ui.i18n import install_language
    from station_app.ui.main_window import MainWindow

    install_language(qapp, "zh")
    ctx = make_ctx(admin, "zh")
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    ctx.tasks.wait()


def test_export_file_names_are_in_the_users_language(zh_window, monkeypatch):
    from station_app.ui.qt import QFileDialog

    asked: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda _p, _t, suggested, _f: (asked.append(suggested), ("", ""))[1])
    zh_window.export_excel("roster")
    zh_window.export_excel("ledger", period=(date(2026, 1, 1), date(2026, 12, 31)))
    zh_window.export_excel("visits", period=(date(2026, 1, 1), date(2026, 12, 31)))
    zh_window.export_excel("events", period=(date(2026, 3, 1), date(2026, 3, 31)))
    assert asked == [f"会员花名册-{date.today().isoformat()}.xlsx", "帮扶台账-2026.xlsx",
                     "走访日志-2026.xlsx", "活动-2026-03-01_2026-03-31.xlsx"]


def test_qts_file_dialog_speaks_chinese(zh_window):
    from station_app.ui.qt import QFileDialog, QLabel

    dialog = QFileDialog(zh_window, "导出 Excel")
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    texts = {w.objectName(): w.text() for w in dialog.findChildren(QLabel)}
    assert texts["lookInLabel"] == "查找范围(&L)："
    assert texts["fileTypeLabel"] == "文件类型(&T)："
    assert texts["fileNameLabel"].startswith("文件名称")
    dialog.deleteLater()


def test_a_backup_is_told_in_words_and_listed_at_once(qtbot, zh_window):
    settings = zh_window.page("settings")
    zh_window.open_page("settings")
    qtbot.waitUntil(lambda: settings.isVisible(), timeout=5_000)
    before = settings.backups.rowCount()
    zh_window.backup_now()
    bar = zh_window.statusBar()
    qtbot.waitUntil(lambda: bar.currentMessage().startswith("已备份"), timeout=10_000)
    said = bar.currentMessage()
    assert said.startswith("已备份（手动，") and ".sqlite3" not in said and "/" not in said
    assert "备份保存在" in bar.toolTip()  # the folder, on hover
    qtbot.waitUntil(lambda: settings.backups.rowCount() == before + 1, timeout=5_000)
    assert settings.backups.item(0, 1).text() != ""
