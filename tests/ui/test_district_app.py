"""The district view as the app opens it (``app.run_district``): the login through the
password check, then the district's file gets the same care as a station's — its
integrity checked and its daily backup taken (a district's walk found none)."""

from __future__ import annotations

from pathlib import Path

from station_app.app import run_district
from station_app.domain.services.setup import init_district
from station_app.storage.backup import list_backups
from station_app.storage.database import open_database
from station_app.ui.dialogs import LoginDialog
from station_app.ui.main_window import MainWindow
from station_app.ui.qt import QApplication, QSettings, QTimer


def test_the_district_view_logs_in_and_takes_the_daily_backup(qapp, tmp_path: Path):
    path = tmp_path / "district.sqlite3"
    db = open_database(path, create=True)
    init_district(db, "qu", "district-pass-1")
    db.close()
    seen: dict[str, object] = {}

    def drive() -> None:
        for w in QApplication.topLevelWidgets():
            if isinstance(w, LoginDialog) and w.isVisible() and "login" not in seen:
                w.form.widgets["username"].setText("qu")
                w.form.widgets["password"].setText("district-pass-1")
                seen["login"] = True
                w.try_login()  # what OK does
            if isinstance(w, MainWindow) and w.isVisible():
                tasks = w.ctx.tasks
                seen["tries"] = int(seen.get("tries", 0)) + 1
                if tasks is not None and not tasks.busy and (
                        list_backups(path) or seen["tries"] > 200):  # (10 s at most)
                    seen["window"] = w.district
                    w.close()
                    return
        QTimer.singleShot(50, drive)

    QTimer.singleShot(50, drive)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    assert run_district(qapp, path, "zh", settings) == 0
    assert seen["login"] is True and seen["window"] is True
    assert [b.reason for b in list_backups(path)] == ["daily"]
