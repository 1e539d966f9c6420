"""A clerk's first day, through the real widgets on a real file (offscreen):

set-up wizard → login → register a member → find her by pinyin initials → open a hardship
file → an entry and its reversal → totals right → two visits → the weekly panel is met.
"""

from __future__ import annotations

from datetime import date

from station_app.domain.validation import credit_code_check_char, id_check_char
from station_app.ui.qt import QDialogButtonBox, QLineEdit, Qt, QWizard


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.clear()
    if text.isascii():
        qtbot.keyClicks(edit, text)
    else:  # QTest types ASCII only; Chinese arrives as an input method commits it
        edit.setText(text)


def test_a_clerk_day(qtbot, tmp_path, settings, monkeypatch):
    from station_app.domain.services import enterprises
    from station_app.ui.context import AppContext
    from station_app.ui.dialogs import LoginDialog, SetupWizard
    from station_app.ui.main_window import MainWindow
    from station_app.ui.tasks import TaskRunner

    path = tmp_path / "station.sqlite3"

    # -- the set-up wizard: a wrong password pair is refused in place, then all is fine
    wizard = SetupWizard(path, "zh")
    qtbot.addWidget(wizard)
    wizard.show()
    station = wizard.station.form.widgets
    type_into(qtbot, station["station_code"], "ky01")
    type_into(qtbot, station["station_name"], "葵涌社区工联会")
    wizard.next()
    admin = wizard.admin.form.widgets
    type_into(qtbot, admin["username"], "wangfang")
    type_into(qtbot, admin["display_name"], "王芳")
    type_into(qtbot, admin["password"], "first-day-1")
    type_into(qtbot, admin["password_again"], "first-day-2")
    wizard.next()
    assert wizard.currentPage() is wizard.admin
    assert wizard.admin.form.error_text("password_again")
    type_into(qtbot, admin["password_again"], "first-day-1")
    wizard.next()
    assert wizard.currentPage() is wizard.district
    wizard.button(QWizard.WizardButton.FinishButton).click()
    db = wizard.db
    assert db.station_id is not None
    assert db.state()["station_code"] == "KY01"
    # the file is encrypted; its key file names the station for the login screen
    assert path.read_bytes()[:16] != b"SQLite format 3\x00"
    assert wizard.login.recovery_key and len(wizard.login.recovery_key.split("-")) == 14
    db.close()
    from station_app.storage import sqlfile

    sqlfile.forget(path)  # (as a new start of the app: the key is known to nobody)

    # -- login: a wrong password says so in the dialog; the right one lets her in
    login = LoginDialog(path, "zh", station_code="KY01")
    qtbot.addWidget(login)
    type_into(qtbot, login.form.widgets["username"], "wangfang")
    type_into(qtbot, login.form.widgets["password"], "wrong-password")
    login.try_login()
    assert login.actor is None and login.form.error_text("password")
    type_into(qtbot, login.form.widgets["password"], "first-day-1")
    login.try_login()
    assert login.actor is not None and login.actor.role == "station_admin"
    db = login.database

    ctx = AppContext(db=db, actor=login.actor, lang="zh", tasks=TaskRunner(db),
                     settings=settings)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()

    # -- register a member (Ctrl+N opens the empty form) and find her by "zs"
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    members = window.page("members")
    body = "44030519850615232"
    type_into(qtbot, members.form.widgets["name"], "张三")
    type_into(qtbot, members.form.widgets["id_number"], "4403051985061523")  # one short
    members.save_button.click()
    qtbot.waitUntil(lambda: members.form.saving.done, timeout=10_000)
    assert members.form.error_text("id_number")  # in place, nothing saved
    with db.reader() as s:
        assert s.execute(__import__("sqlalchemy").text("SELECT count(*) FROM members")
                         ).scalar_one() == 0
    type_into(qtbot, members.form.widgets["id_number"], body + id_check_char(body))
    type_into(qtbot, members.form.widgets["phone"], "13912345678")
    members.save_button.click()
    qtbot.waitUntil(lambda: members.form.saving.done, timeout=10_000)
    assert members.form.saving.ok and members.current_id is not None
    type_into(qtbot, members.search, "zs")
    qtbot.waitUntil(lambda: members.model.query == "zs", timeout=5000)
    assert [members.model.index(r, 0).data() for r in range(members.model.rowCount())] == \
        ["张三"]

    # -- open her hardship file, add 慰问金 500 and reverse it, add a household visit
    window.open_page("hardship")
    hardship_page = window.page("hardship")
    qtbot.waitUntil(lambda: not hardship_page.loading)
    dialog = hardship_page.new_case()
    qtbot.keyClicks(dialog.search, "zs")
    qtbot.waitUntil(lambda: dialog.hits.count() == 1, timeout=5000)
    from station_app.ui.forms import set_combo_code

    set_combo_code(dialog.form.widgets["category"], "illness")
    set_combo_code(dialog.form.widgets["level"], "deep")
    dialog.form.widgets["household_size"].setText("3")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: dialog.case_id is not None, timeout=10_000)
    qtbot.waitUntil(lambda: hardship_page.file is not None and not hardship_page.loading)
    form = hardship_page.entry_form
    set_combo_code(form.widgets["kind"], "condolence")
    form.widgets["amount"].setText("500")
    hardship_page.add_entry_button.click()
    qtbot.waitUntil(lambda: not hardship_page.loading)
    set_combo_code(form.widgets["kind"], "home_visit")
    form.widgets["amount"].setText("")
    hardship_page.add_entry_button.click()
    qtbot.waitUntil(lambda: not hardship_page.loading
                    and len(hardship_page.ledger_model.rows) == 2)
    assert hardship_page.file.total_fen == 50000
    row = next(i for i, e in enumerate(hardship_page.ledger_model.rows)
               if e.kind == "condolence")
    hardship_page.ledger_view.selectRow(row)
    hardship_page.reverse_button.click()
    hardship_page._dialog.form.widgets["reason"].setPlainText("金额录错")
    hardship_page._dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not hardship_page.loading
                    and len(hardship_page.ledger_model.rows) == 3)
    assert hardship_page.file.total_fen == 0
    assert hardship_page.file.totals_by_kind == {"home_visit": 0}

    # -- two enterprise visits this week: the weekly panel says the quota is met
    codes = []
    with db.session(login.actor) as s:
        for n, name in enumerate(("深圳市葵涌五金厂", "深圳市溪涌电子有限公司")):
            body17 = f"91440300MA5{n:06d}"
            ent = enterprises.register_enterprise(
                s, {"name": name, "credit_code": body17 + credit_code_check_char(body17)})
            codes.append(ent.id)
    ctx.publish({"enterprises"})  # (written here directly, as another window would)
    window.open_page("visits")
    visits_page = window.page("visits")
    qtbot.waitUntil(lambda: visits_page.loaded)
    assert visits_page.compliance.visits == 0 and not visits_page.compliance.met
    for enterprise_id in codes:
        visits_page.choose_enterprise(enterprise_id)
        fields = visits_page.form.widgets
        fields["visit_date"].setText(date.today().isoformat())
        fields["visitors"].setText("王芳")
        assert visits_page.save().wait()
    qtbot.waitUntil(lambda: visits_page.loaded and visits_page.compliance.visits == 2)
    assert visits_page.compliance.met
    window.close()
    ctx.tasks.wait()
    db.close()
