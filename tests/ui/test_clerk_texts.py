"""What a clerk reads (issue 14, items 7 and 10), through the real widgets: recent
activity in sentences by people's names, sync errors in words, backup reasons and the
set-up wizard's password rules in Chinese, money targets in yuan, and a clerk's own
password change."""

from __future__ import annotations

import re
import socket
from datetime import date

import pytest

from station_app.domain.actor import SYSTEM_LOGIN
from station_app.domain.services import enterprises, hardship, members, users, visits
from station_app.domain.validation import credit_code_check_char, id_check_char

CLERK_PASSWORD = "clerk-pass-1"  # (tests/conftest.py: the template's clerk)
TODAY = date.today()
INTERNAL = re.compile(r"\b(insert|update|delete|system|setup|sync|members|ledger_entries|"
                      r"visits|hardship_cases|audit_log)\b|[a-z]+\.[a-z_]+")


def make_id(n: int) -> str:
    first17 = f"11010119800101{n:03d}"
    return first17 + id_check_char(first17)


def chinese(qapp):
    from station_app.ui.i18n import install_language

    install_language(qapp, "zh")


def shown(qtbot, page):
    qtbot.addWidget(page)
    page.show()
    page.activate()
    return page


def cells(table) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())]


# --------------------------------------------------------------------------- activity


def test_recent_activity_reads_as_sentences_by_name(qtbot, qapp, make_ctx, db, admin, clerk):
    from station_app.ui.pages.dashboard import DashboardPage

    with db.session(clerk) as s:
        zhang = members.register_member(s, {"name": "张三", "id_number": make_id(1)})
        body = "914403000" + "00000001"
        ent = enterprises.register_enterprise(
            s, {"name": "鹏城电子", "credit_code": body + credit_code_check_char(body)})
        v = visits.record_visit(s, {"visit_date": TODAY, "enterprise_id": ent.id,
                                    "visitors": "王五"}).visit
    with db.session(clerk) as s:
        visits.update_visit(s, v.id, {"visitors": "王五、赵六"})
    with db.session(admin) as s:
        case = hardship.open_case(s, zhang.id, {"category": "illness", "level": "deep",
                                                "household_size": 3})
        entry = hardship.add_entry(s, case.id, {"kind": "慰问金", "amount": "500"})
    with db.session(admin) as s:
        hardship.reverse_entry(s, entry.id, "金额录错")
    with db.session(SYSTEM_LOGIN) as s:
        users.authenticate(s, "clerk", CLERK_PASSWORD)

    chinese(qapp)
    page = shown(qtbot, DashboardPage(make_ctx(admin)))
    qtbot.waitUntil(lambda: page.loaded, timeout=10_000)
    rows = cells(page.activity)
    headers = [page.activity.horizontalHeaderItem(c).text()
               for c in range(page.activity.columnCount())]
    assert headers == ["时间", "操作人", "内容"]
    said = [(who, what) for _at, who, what in rows]
    assert ("专职工作者", "登录") in said  # the person who logged in, not the login tool
    assert ("站长", "冲正帮扶记录 张三 500.00 元") in said
    assert ("站长", "登记帮扶 张三 500.00 元") in said
    assert ("站长", "建立困难职工档案 张三") in said
    assert ("专职工作者", f"修改走访记录 鹏城电子 {TODAY.isoformat()}") in said
    assert ("专职工作者", f"登记走访记录 鹏城电子 {TODAY.isoformat()}") in said
    assert ("专职工作者", "登记企业 鹏城电子") in said
    assert ("专职工作者", "登记会员 张三") in said
    for row in rows:  # no table, no action code, no user called "system"
        assert not INTERNAL.search(" ".join(row[1:])), row


def test_the_tools_read_as_what_they_are():
    from station_app.domain.services.activity import who

    assert who("sync", {}).zh == "同步"
    assert who("setup", {}).zh == "初始设置"
    assert who("system", {}).zh == "系统" and who("system", {}).en == "The app"
    assert who("cli:wang", {}).zh == "命令行（wang）"
    assert who("clerk", {"clerk": "专职工作者"}).zh == "专职工作者"


def test_a_run_of_rows_reads_as_one_line(qtbot, make_ctx, db, admin):
    from station_app.domain.services.activity import recent_activity

    with db.session(admin) as s:
        for n, name in enumerate(("赵一", "钱二", "孙三", "李四", "周五"), 1):
            members.register_member(s, {"name": name, "id_number": make_id(n)})
    with db.reader() as s:
        [first, *_rest] = recent_activity(s, 3)
    assert first.count == 5
    assert first.what.zh == "登记会员 周五 等 5 条"
    assert first.what.en == "Registered member 周五 and 4 more"


# --------------------------------------------------------------------------- sync


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_district_that_cannot_be_reached_is_said_in_words(qtbot, make_ctx, admin,
                                                           monkeypatch):
    from station_app.ui.pages.sync import SyncPage
    from sync import client as client_module

    monkeypatch.setattr(client_module, "RETRIES", (0.01,))
    for lang in ("zh", "en"):
        page = shown(qtbot, SyncPage(make_ctx(admin, lang)))
        qtbot.waitUntil(lambda p=page: not p.loading, timeout=10_000)
        port = closed_port()
        page.form.widgets["server"].setText(f"http://127.0.0.1:{port}")
        page.form.widgets["enrollment_code"].setText("ABCD-EF01-2345-6789")
        page.sync_now(quiet=True)
        qtbot.waitUntil(lambda p=page: p.running is None, timeout=15_000)
        text = page.error.text()
        assert "Errno" not in text and "Connection refused" not in text, text
        assert f"127.0.0.1:{port}" in text
        if lang == "zh":
            assert text.startswith("无法连接区总工会服务器")
            assert "请检查" in text and "文件同步" in text
        else:
            assert "could not be reached" in text and "Check that" in text


def test_no_address_asks_for_it_on_the_page(qtbot, qapp, make_ctx, admin):
    from station_app.ui.pages.sync import SyncPage

    chinese(qapp)
    page = shown(qtbot, SyncPage(make_ctx(admin)))
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    page.sync_now(quiet=True)
    qtbot.waitUntil(lambda: page.running is None, timeout=15_000)
    text = page.form.error_text("server")
    assert text.startswith("请先填写区总工会服务器地址")
    assert "--server" not in page.error.text() and "--server" not in text


def test_a_file_that_cannot_be_written_is_said_in_words(make_ctx, admin, tmp_path):
    ctx = make_ctx(admin)
    try:
        (tmp_path / "missing" / "x.bundle").read_bytes()
    except OSError as exc:
        text = ctx.explain(exc)
    assert "Errno" not in text and text.startswith("找不到文件")


# --------------------------------------------------------------------------- backups


def test_backup_reasons_are_in_chinese(qtbot, qapp, make_ctx, admin, db):
    from station_app.ui.pages.settings import SettingsPage

    db.backup("manual")
    db.backup("daily")
    chinese(qapp)
    page = shown(qtbot, SettingsPage(make_ctx(admin)))
    reasons = {row[1] for row in cells(page.backups)}
    assert {"手动（文件菜单）", "每日自动"} <= reasons
    assert not reasons & {"manual", "daily", "migration", "restore"}


# --------------------------------------------------------------------------- targets


@pytest.fixture
def district_db(tmp_path):
    from station_app.domain.services.setup import init_district
    from station_app.storage.database import open_database

    db = open_database(tmp_path / "district.sqlite3", create=True)
    init_district(db, "qu", "district-pass-1", display_name="李主席")
    yield db
    db.close()


def test_a_money_target_is_typed_and_shown_in_yuan(qtbot, qapp, settings, district_db,
                                                    district_admin):
    from station_app.domain.models import Target
    from station_app.ui.context import AppContext
    from station_app.ui.pages.district import TargetsPage
    from station_app.ui.tasks import TaskRunner

    ctx = AppContext(db=district_db, actor=district_admin, lang="en",
                     tasks=TaskRunner(district_db), settings=settings, district=True)
    page = shown(qtbot, TargetsPage(ctx))
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    page.figure.setCurrentIndex(page.figure.findData("hardship_paid_fen"))
    assert "yuan" in page.value.placeholderText()
    page.value.setText("1,000")
    assert page.save().wait()
    with district_db.reader() as s:
        [target] = s.query(Target).filter_by(metric="hardship_paid_fen").all()
        assert target.value == 100_000  # fen
    qtbot.waitUntil(lambda: any(r[0] == "hardship_paid_fen" for r in page.model.rows),
                    timeout=10_000)
    row = next(i for i, r in enumerate(page.model.rows) if r[0] == "hardship_paid_fen")
    assert page.model.data(page.model.index(row, 2)).startswith("1,000")
    # a count is still a whole number; a bad amount is refused under its field
    page.value.setText("12.345")
    assert not page.save().wait()
    assert page.form.error_text("value")
    assert page.value.text() == "12.345"
    ctx.tasks.wait()


# --------------------------------------------------------------------------- passwords


def test_a_clerk_changes_their_own_password(qtbot, make_ctx, clerk, db):
    from station_app.ui.pages.settings import SettingsPage

    page = shown(qtbot, SettingsPage(make_ctx(clerk, "en")))
    assert page.password_box.isVisible()
    f = page.password_form.widgets
    # the rules as it is typed, under the field
    qtbot.keyClicks(f["password"], "1234")
    assert "8" in page.password_form.error_text("password")
    f["password"].clear()
    qtbot.keyClicks(f["password"], "12345678")
    assert "consecutive" in page.password_form.error_text("password")
    f["password"].clear()
    qtbot.keyClicks(f["password"], "Green-Tea-2025")
    assert page.password_form.error_text("password") == ""
    assert "Strong" in page.password_strength.text()
    qtbot.keyClicks(f["password_again"], "Green-Tea")
    assert page.password_form.error_text("password_again")
    qtbot.keyClicks(f["password_again"], "-2025")
    assert page.password_form.error_text("password_again") == ""

    # a wrong current password: refused under its field, everything typed kept
    f["old_password"].setText("not-my-password")
    assert not page.change_password().wait()
    assert page.password_form.error_text("old_password") == "The current password is wrong"
    assert f["password"].text() == "Green-Tea-2025"
    f["old_password"].setText(CLERK_PASSWORD)
    assert page.change_password().wait()
    assert "changed" in page.password_message.text()
    assert f["password"].text() == "" and f["old_password"].text() == ""
    with db.session(SYSTEM_LOGIN) as s:
        assert users.authenticate(s, "clerk", "Green-Tea-2025").username == "clerk"


def test_the_wizard_checks_the_password_as_it_is_typed(qtbot, qapp, tmp_path):
    from station_app.ui.dialogs import SetupWizard

    chinese(qapp)
    wizard = SetupWizard(tmp_path / "new.sqlite3", "zh")
    try:
        qtbot.addWidget(wizard)
        wizard.show()
        s = wizard.station.form.widgets
        s["station_code"].setText("KY09")
        s["station_name"].setText("新站点")
        wizard.next()
        assert wizard.currentPage() is wizard.admin
        a = wizard.admin.form.widgets
        a["username"].setText("admin")
        qtbot.keyClicks(a["password"], "admin123")
        # before Finish, before Next: said under the field, in Chinese
        assert wizard.admin.form.error_text("password") == "这是一个常见密码，很容易被猜到，请换一个"
        assert wizard.admin.strength.text() == "密码强度：不可用"
        a["password"].clear()
        qtbot.keyClicks(a["password"], "Station-Key-77")
        assert wizard.admin.form.error_text("password") == ""
        qtbot.keyClicks(a["password_again"], "Station-Key-7")
        assert wizard.admin.form.error_text("password_again") == "两次输入的密码不一致"
        wizard.next()  # refused: still on the page, no message key anywhere
        assert wizard.currentPage() is wizard.admin
        for label in wizard.admin.form.errors.values():
            assert "." not in label.text() or "。" in label.text(), label.text()
        qtbot.keyClicks(a["password_again"], "7")
        assert wizard.admin.form.error_text("password_again") == ""
        wizard.next()
        assert wizard.currentPage() is wizard.district
        assert wizard.validateCurrentPage()
        with wizard.db.session(SYSTEM_LOGIN) as session:
            assert users.authenticate(session, "admin", "Station-Key-77").username == "admin"
    finally:
        if wizard.db is not None:
            wizard.db.close()



def test_a_reset_password_is_checked_as_it_is_typed(qtbot, make_ctx, admin):
    from station_app.ui.pages.settings import SettingsPage

    page = shown(qtbot, SettingsPage(make_ctx(admin, "en")))
    qtbot.waitUntil(lambda: "clerk" in page.usernames, timeout=10_000)
    page.users.selectRow(page.usernames.index("clerk"))
    dialog = page.reset_password()
    f = dialog.form.widgets
    qtbot.keyClicks(f["password"], "clerk")
    assert "8" in dialog.form.error_text("password")
    qtbot.keyClicks(f["password"], "-garden-9")
    assert dialog.form.error_text("password") == ""
    qtbot.keyClicks(f["password_again"], "clerk-")
    assert dialog.form.error_text("password_again") == "The two passwords differ"
    assert not dialog.save().wait()
    assert dialog.isVisible()
    dialog.reject()
