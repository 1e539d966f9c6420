"""The login screen on an encrypted station file: the key file names the station, a
wrong password is refused in the dialog, the recovery key opens the file for an admin
who forgot the password, and the recovery key is shown once, closed only once kept."""

from __future__ import annotations

import pytest

from station_app.domain.services import login as logins
from station_app.storage import sqlfile

PASSWORD = "Keyed-Station-42"


@pytest.fixture
def station(tmp_path):
    path = tmp_path / "station.sqlite3"
    made = logins.create_station(path, "KY07", "科园社区工联会", "admin", PASSWORD)
    made.db.close()
    sqlfile.forget(path)
    return path, made.recovery_key


def test_the_login_opens_the_file_with_the_password(qtbot, station):
    from station_app.ui.dialogs import LoginDialog

    path, _ = station
    info = logins.key_file_info(path)
    dialog = LoginDialog(path, "zh", station_code=f"{info.station_code} {info.station_name}")
    qtbot.addWidget(dialog)
    assert "KY07" in dialog.windowTitle()
    assert dialog.station_label.text() == "KY07 科园社区工联会"
    dialog.form.widgets["username"].setText("admin")
    dialog.form.widgets["password"].setText("not-the-password")
    dialog.try_login()
    assert dialog.actor is None
    assert dialog.form.error_text("password") == "用户名或密码错误"
    assert sqlfile.key_for(path) is None
    dialog.form.widgets["password"].setText(PASSWORD)
    dialog.try_login()
    assert dialog.actor is not None and dialog.actor.username == "admin"
    assert dialog.login.db.station_id and dialog.database is dialog.login.db
    dialog.login.db.close()


def test_the_recovery_key_sets_a_new_password_from_the_login_screen(qtbot, station):
    from station_app.ui.dialogs import LoginDialog

    path, recovery = station
    dialog = LoginDialog(path, "zh", station_code="KY07")
    qtbot.addWidget(dialog)
    dialog.recover_button.click()
    rec = dialog.recovery
    f = rec.form.widgets
    f["recovery_key"].setText("ABCD-EFGH")
    f["username"].setText("admin")
    f["password"].setText("Found-Again-77")
    f["password_again"].setText("Found-Again-77")
    rec.save()
    assert rec.login is None and "14 组" in rec.form.error_text("recovery_key")
    f["recovery_key"].setText(recovery)
    f["password_again"].setText("Found-Again-7")
    rec.save()  # the repeated password differs: said there, nothing changed
    assert rec.login is None and rec.form.error_text("password_again")
    f["password_again"].setText("Found-Again-77")
    rec.save()
    assert dialog.actor is not None and dialog.actor.username == "admin"
    dialog.login.db.close()
    sqlfile.forget(path)
    again = logins.login(path, "admin", "Found-Again-77")
    again.db.close()


def test_the_recovery_key_is_shown_until_the_clerk_says_it_is_kept(qtbot, station):
    from station_app.ui.dialogs import RecoveryKeyDialog
    from station_app.ui.qt import QApplication

    _, recovery = station
    dialog = RecoveryKeyDialog(recovery, "zh")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.key_label.text().replace("\n", "") == recovery
    assert not dialog.ok.isEnabled()
    dialog.reject()  # Esc: not yet
    assert dialog.isVisible()
    [copy] = [b for b in dialog.buttons.buttons() if b is not dialog.ok]
    copy.click()
    assert QApplication.clipboard().text() == recovery
    dialog.kept.setChecked(True)
    assert dialog.ok.isEnabled()
    dialog.ok.click()
    assert not dialog.isVisible()
