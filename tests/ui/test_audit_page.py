"""Accounts and least exposure through the real widgets (issue 15, items 9 and 10).

- the login dialog: five wrong passwords lock the account; the message says so, until
  when, in Chinese, and wraps (never clipped); the right password is refused then too;
- a password someone else set: the login asks for a new one before the window opens;
- File → Export: a clerk's roster has masked ID numbers, an admin's full ones; each
  export is recorded; a clerk's printed hardship file (PDF) is masked and recorded;
- the audit log page (审计日志): a station admin sees the exports, the lock and the
  logins in words; a clerk is told who may look; the district view lists every station's
  exports with a station filter.
"""

from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from sqlalchemy import select

from station_app.domain.actor import SYSTEM_LOGIN
from station_app.domain.models import ExportRecord, User
from station_app.domain.services import hardship, members, users
from station_app.domain.validation import id_check_char
from station_app.ui.qt import QDialogButtonBox

CLERK_PASSWORD = "clerk-pass-1"  # (tests/conftest.py)


def idn(n: int) -> str:
    body = f"44030519800202{n:03d}"
    return body + id_check_char(body)


def ok(dialog) -> None:
    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()


def type_login(qtbot, dialog, username: str, password: str) -> None:
    dialog.form.widgets["username"].setText(username)
    dialog.form.widgets["password"].setText(password)
    ok(dialog)


# --------------------------------------------------------------------------- the login


def test_the_login_says_the_account_is_locked_until_when_in_chinese(qtbot, db):
    from station_app.ui.dialogs import LoginDialog

    dialog = LoginDialog(db, "zh", station_code="KY01")
    qtbot.addWidget(dialog)
    dialog.show()
    for _ in range(4):
        type_login(qtbot, dialog, "clerk", "wrong-pass-1")
        assert "用户名或密码" in dialog.form.error_text("password") or \
            dialog.form.error_text("password")
    type_login(qtbot, dialog, "clerk", "wrong-pass-1")
    label = dialog.form.errors["username"]
    text = label.text()
    assert "账号已锁定至" in text and "站点管理员解锁" in text
    # the long sentence wraps and shows whole: every line it needs fits in the label
    assert label.isVisible() and label.wordWrap()
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()))
    assert label.width() <= dialog.width()
    # the right password while locked: refused with the same sentence, no login
    type_login(qtbot, dialog, "clerk", CLERK_PASSWORD)
    assert dialog.actor is None and "账号已锁定至" in dialog.form.errors["username"].text()
    assert not dialog.result()


def test_a_password_someone_else_set_is_changed_before_the_window_opens(qtbot, db, admin):
    from station_app.ui.dialogs import LoginDialog

    with db.session(admin) as s:
        users.create_user(s, "worker", "temp-pass-77", "clerk", "小王")
    dialog = LoginDialog(db, "zh", station_code="KY01")
    qtbot.addWidget(dialog)
    dialog.show()
    type_login(qtbot, dialog, "worker", "temp-pass-77")
    assert dialog.actor is None  # not yet: a new password first
    change = dialog.new_password
    assert change is not None and change.isVisible()
    assert "administrator set your password" in change.findChild(
        type(change.form.general), "must-change").text()
    # a weak one is refused as typed, under its field, in Chinese
    change.form.widgets["password"].setText("12345678")
    assert "连续" in change.form.error_text("password")
    ok(change)
    assert change.isVisible() and dialog.actor is None
    change.form.widgets["password"].setText("my-own-pass-9")
    change.form.widgets["password_again"].setText("my-own-pass-9")
    assert change.form.error_text("password") == ""
    ok(change)
    qtbot.waitUntil(lambda: dialog.actor is not None)
    assert dialog.actor.username == "worker" and dialog.result()
    with db.reader() as s:
        assert not s.execute(select(User.must_change_password)
                             .where(User.username == "worker")).scalar_one()
    with db.session(SYSTEM_LOGIN) as s:
        assert users.authenticate(s, "worker", "my-own-pass-9").username == "worker"


def test_cancelling_the_new_password_does_not_log_in(qtbot, db, admin):
    from station_app.ui.dialogs import LoginDialog

    with db.session(admin) as s:
        users.reset_password(s, "clerk", "reset-pass-55")
    dialog = LoginDialog(db, "zh", station_code="KY01")
    qtbot.addWidget(dialog)
    dialog.show()
    type_login(qtbot, dialog, "clerk", "reset-pass-55")
    dialog.new_password.reject()
    assert dialog.actor is None and dialog.isVisible()


# --------------------------------------------------------------------------- exports


@pytest.fixture
def roster(db, admin):
    with db.session(admin) as s:
        for n, name in enumerate(("张三", "李四"), 1):
            members.register_member(s, {"name": name, "id_number": idn(n),
                                        "join_date": date(2024, 1, 1)})
    return {idn(1), idn(2)}


def export_roster(qtbot, make_ctx, actor, path):
    from station_app.ui.main_window import MainWindow

    ctx = make_ctx(actor)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    win.export_excel("roster", path=path)
    qtbot.waitUntil(lambda: path.exists() and not ctx.tasks.busy, timeout=10_000)
    qtbot.waitUntil(lambda: "rows written" in win.statusBar().currentMessage(),
                    timeout=10_000)
    ws = openpyxl.load_workbook(path).active
    header = [c.value for c in ws[2]]
    column = header.index("ID number") + 1 if "ID number" in header else \
        header.index("公民身份号码") + 1
    return {ws.cell(r, column).value for r in range(3, ws.max_row + 1)}


def test_a_clerks_roster_masks_the_id_numbers_and_an_admins_does_not(
        qtbot, make_ctx, db, admin, clerk, roster, tmp_path):
    mine = export_roster(qtbot, make_ctx, clerk, tmp_path / "clerk.xlsx")
    assert mine == {n[:6] + "*" * 8 + n[-4:] for n in roster}
    full = export_roster(qtbot, make_ctx, admin, tmp_path / "admin.xlsx")
    assert full == roster
    with db.reader() as s:
        records = [(r.actor, r.what, r.row_count, r.file_name, r.full_ids) for r in
                   s.execute(select(ExportRecord).order_by(ExportRecord.at)).scalars()]
    assert records == [("clerk", "roster", 2, "clerk.xlsx", False),
                       ("admin", "roster", 2, "admin.xlsx", True)]


def test_a_clerks_printed_file_is_masked_and_recorded(qtbot, make_ctx, db, admin, clerk,
                                                      roster, tmp_path):
    from station_app.exchange.casefile import case_file_for_print
    from station_app.ui.pages.hardship import HardshipPage

    with db.session(admin) as s:
        head = members.find_member(s, idn(1))
        case = hardship.open_case(s, head.id, {"category": "因病", "level": "深度困难",
                                               "household_size": 2})
        hardship.add_household_member(s, case.id, {"name": "李小明", "relation": "子女",
                                                   "id_number": idn(3)})
    with db.reader(clerk) as s:
        cf = case_file_for_print(s, case.id)
    assert cf.member["id_number"] == idn(1)[:6] + "*" * 8 + idn(1)[-4:]
    assert cf.household[0].id_number == idn(3)[:6] + "*" * 8 + idn(3)[-4:]
    with db.reader(admin) as s:
        assert case_file_for_print(s, case.id).member["id_number"] == idn(1)
    ctx = make_ctx(clerk)
    page = HardshipPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    page.show_case(case.id)
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    pdf = tmp_path / "档案.pdf"
    page.save_pdf(str(pdf))
    qtbot.waitUntil(lambda: pdf.exists() and not page.loading, timeout=10_000)

    def recorded():
        with db.reader() as s:
            return [(r.action, r.what, r.file_name, r.full_ids)
                    for r in s.execute(select(ExportRecord)).scalars()]

    qtbot.waitUntil(lambda: recorded() == [("print", "case_file", "档案.pdf", False)],
                    timeout=10_000)


# --------------------------------------------------------------------------- the page


def test_the_audit_page_lists_exports_locks_and_logins_in_words(
        qtbot, make_ctx, db, admin, clerk, roster, tmp_path):
    from station_app.ui.dialogs import LoginDialog
    from station_app.ui.i18n import install_language
    from station_app.ui.pages.audit import AuditPage

    export_roster(qtbot, make_ctx, clerk, tmp_path / "clerk.xlsx")
    dialog = LoginDialog(db, "zh", station_code="KY01")
    qtbot.addWidget(dialog)
    for _ in range(5):
        type_login(qtbot, dialog, "clerk", "wrong-pass-1")
    install_language(qtbot_app(), "zh_CN")
    page = AuditPage(make_ctx(admin, "zh"))
    qtbot.addWidget(page)
    page.resize(1100, 700)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: not page.loading and bool(page.model.rows), timeout=10_000)
    headers = [page.model.headerData(i, _horizontal()) for i in range(page.model.columnCount())]
    assert headers == ["时间", "用户", "操作", "详情"]
    lines = [(r.who, r.what, r.detail) for r in page.model.rows]
    whats = [w for _who, w, _d in lines]
    assert "导出会员名册，2 条" in whats
    assert "账号被锁定：clerk" in whats and whats.count("登录失败（密码错误）：clerk") == 5
    locked = next(line for line in lines if line[1] == "账号被锁定：clerk")
    assert locked[0] == "专职工作者（clerk）" and locked[2].startswith("锁定至 ")
    exported = next(line for line in lines if line[1] == "导出会员名册，2 条")
    assert exported[0].startswith("专职工作者（clerk）") and "clerk.xlsx" in exported[2]
    assert "身份证号码已遮蔽" in exported[2]
    # newest first: the lock came after the export
    assert whats.index("账号被锁定：clerk") < whats.index("导出会员名册，2 条")
    # only the exports
    page.kind.setCurrentIndex(page.kind.findData("exports"))
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    assert [r.what for r in page.model.rows] == ["导出会员名册，2 条"]
    # nothing internal: no table names, no "system"
    texts = " ".join(f"{r.who} {r.what} {r.detail}" for r in page.model.rows)
    assert "export_records" not in texts and "insert" not in texts


def test_a_clerk_is_told_who_may_look(qtbot, make_ctx, clerk):
    from station_app.ui.pages.audit import AuditPage

    page = AuditPage(make_ctx(clerk, "zh"))
    qtbot.addWidget(page)
    page.show()
    page.activate()
    assert page.model.rows == [] and "站点管理员" in page.summary.text()


def test_the_page_is_in_the_station_and_district_navigation():
    from station_app.ui.pages import DISTRICT_PAGES, PAGES

    assert ("audit" in [k for k, _t, _f in PAGES]
            and "audit" in [k for k, _t, _f in DISTRICT_PAGES])


def qtbot_app():
    from station_app.ui.qt import QApplication

    return QApplication.instance()


def _horizontal():
    from station_app.ui.qt import Qt

    return Qt.Orientation.Horizontal
