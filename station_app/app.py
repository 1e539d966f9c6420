"""``station-app``: the desktop client's entry point and its lifecycle.

Open in this order: translators and fonts → a restore the user asked for at the last
close → the database (no integrity check yet: it runs in the background after the first
paint) → the set-up wizard on a new file → login → the main window → background checks
(quick_check, the daily backup).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from station_app import __version__

log = logging.getLogger("station_app.app")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="station-app", description="Station app desktop client")
    p.add_argument("--db", help="database file (default: the platform data folder), or a "
                               "district database's file or postgresql+psycopg:// URL (the "
                               "district view, for district administrators)")
    p.add_argument("--lang", choices=["zh_CN", "en"], default=None,
                   help="interface language (default: the system's; Chinese on a Chinese system)")
    p.add_argument("--self-test", action="store_true",
                   help="set up a demo station and a district synced from it in a "
                        "temporary folder, open every page of both, exit 0 when nothing "
                        "went wrong (offscreen unless QT_QPA_PLATFORM says otherwise)")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return p.parse_args(argv)


def _settings():
    from station_app.ui.qt import QSettings

    return QSettings("StationApp", "StationApp")


def open_station(path: Path, lang: str):
    """Open the database for the UI; on a damaged file offer the newest good backup."""
    from station_app.storage.backup import restore_backup
    from station_app.storage.database import DamagedDatabaseError, StorageError, open_database
    from station_app.ui.qt import QMessageBox

    try:
        return open_database(path, create=True, check=False)
    except DamagedDatabaseError as exc:
        if exc.backup is None:
            QMessageBox.critical(None, "Station app", exc.message(lang))
            return None
        answer = QMessageBox.question(
            None, "Station app",
            exc.message(lang) + "\n\n" + ("现在恢复这个备份吗？" if lang == "zh"
                                          else "Restore this backup now?"))
        if answer != QMessageBox.StandardButton.Yes:
            return None
        restore_backup(path, exc.backup.path)
        return open_database(path)
    except StorageError as exc:
        QMessageBox.critical(None, "Station app", exc.message(lang))
        return None


def after_first_paint(ctx, window) -> None:
    """Work the first paint does not need: integrity check and the daily backup."""
    from station_app.ui.qt import QMessageBox

    def work(task):
        problems = task.db.check_integrity()
        if not problems:
            task.db.daily_backup()
        return problems

    def done(problems) -> None:
        if problems:
            QMessageBox.warning(window, window.tr("Station app"), window.tr(
                "The database file failed its integrity check. Restore a backup from the "
                "File menu.") + "\n" + "\n".join(problems[:3]))

    ctx.tasks.run(work, on_done=done)


def build_window(db, actor, lang: str, settings):
    from station_app.ui.context import AppContext
    from station_app.ui.main_window import MainWindow
    from station_app.ui.tasks import TaskRunner

    ctx = AppContext(db=db, actor=actor, lang=lang, tasks=TaskRunner(db), settings=settings)
    return ctx, MainWindow(ctx)


def self_test() -> int:
    """A demo station and a district filled from it by sync file, every page of both
    opened; 0 when nothing went wrong (see ``station_app.ui.selftest``)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from station_app.ui.selftest import run

    return run()


def frozen_postgres_message(lang: str) -> str:
    """The packaged app has no PostgreSQL driver (build.spec leaves psycopg out)."""
    if lang == "zh":
        return ("这个安装包只能打开 SQLite 格式的区总工会数据库文件，不能连接 PostgreSQL。"
                "请在装有 Python 的电脑上安装 station_app 软件包（pip install "
                "\"station_app-….whl[gui,server]\"），再用 station-app --db 打开该地址。")
    return ("This packaged app opens SQLite district files only; it cannot connect to "
            "PostgreSQL. Install the station_app package with pip (pip install "
            "\"station_app-….whl[gui,server]\") and open the address with station-app --db.")


def run_district(app, target, lang: str, settings) -> int:
    """The district view: the district database (a file or a PostgreSQL URL), a district
    administrator's login, the district pages."""
    from station_app.storage.database import StorageError, open_database
    from station_app.storage.errors import MissingExtraError
    from station_app.ui.context import AppContext
    from station_app.ui.dialogs import LoginDialog
    from station_app.ui.main_window import MainWindow
    from station_app.ui.qt import QDialog, QMessageBox

    try:
        db = open_database(target, check=False)
    except MissingExtraError as exc:
        QMessageBox.critical(None, "Station app", frozen_postgres_message(lang)
                             if getattr(sys, "frozen", False) else exc.message(lang))
        return 1
    except StorageError as exc:
        QMessageBox.critical(None, "Station app", exc.message(lang))
        return 1
    if not db.is_district:
        QMessageBox.critical(None, "Station app", "这不是区总工会数据库。" if lang == "zh"
                             else "This is not a district database.")
        db.close()
        return 1
    login = LoginDialog(db, lang, station_code="区总工会" if lang == "zh" else "District")
    while True:
        if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
            db.close()
            return 0
        if login.actor.role == "district_admin":
            break
        QMessageBox.warning(login, "Station app", "区总工会视图仅限区级管理员使用。"
                            if lang == "zh" else "The district view is for district "
                            "administrators only.")
    ctx = AppContext(db=db, actor=login.actor, lang=lang, tasks=None, settings=settings,
                     district=True)
    window = MainWindow(ctx, deferred=True)
    window.show()
    window.start(db)
    after_first_paint(ctx, window)  # a district file too: its integrity, its daily backup
    code = app.exec()
    ctx.tasks.wait()
    db.close()
    return code


class DatabaseLoader:
    """Loads the database layer (SQLAlchemy, models, services) on a thread while the UI
    is idle — behind the login dialog, or after the first paint — and opens the file on
    the UI thread when it is needed."""

    def __init__(self, path: Path, lang: str):
        self.path, self.lang = path, lang
        self._thread = None
        self._db = None

    def start(self) -> None:
        import threading

        def preload() -> None:
            import station_app.domain.services.users  # noqa: F401
            import station_app.storage.database  # noqa: F401

        self._thread = threading.Thread(target=preload, name="preload", daemon=True)
        self._thread.start()

    def get(self):
        if self._db is None:
            if self._thread is not None:
                self._thread.join()
            self._db = open_station(self.path, self.lang)
            if self._db is None:
                raise SystemExit(1)
        return self._db


def utf8_locale() -> None:
    """Qt needs a UTF-8 locale; with none set (a bare session: no LANG, or LANG=C) it warns
    and switches by itself. The python3 command coerces such a locale to UTF-8 (PEP 538);
    the frozen app does it here, before Qt starts."""
    if not sys.platform.startswith("linux"):
        return
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = os.environ.get(name)
        if value:  # the first one set decides
            if value not in ("C", "POSIX"):
                return
            break
    os.environ["LC_CTYPE"] = "C.UTF-8"
    os.environ.pop("LC_ALL", None)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    utf8_locale()
    from station_app.logs import setup_logging

    setup_logging("station-app")
    if args.self_test:
        return self_test()
    from station_app.domain.ids import DISTRICT_OWNER_ID
    from station_app.paths import default_db_path
    from station_app.storage.backup import restore_backup
    from station_app.storage.schema import peek_station
    from station_app.ui.i18n import (
        app_icon,
        install_language,
        normalize_lang,
        setup_fonts,
        system_lang,
    )
    from station_app.ui.qt import QApplication, QDialog, QTimer

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Station app")
    app.setOrganizationName("StationApp")
    app.setDesktopFileName("station-app")  # resources/linux/station-app.desktop
    app.setWindowIcon(app_icon())
    settings = _settings()
    lang = (normalize_lang(args.lang) or normalize_lang(settings.value("ui/lang"))
            or system_lang())
    install_language(app, lang)
    setup_fonts(app)
    if args.db and "://" in args.db and not args.db.startswith("sqlite"):
        return run_district(app, args.db, lang, settings)
    path = Path(args.db).expanduser() if args.db else default_db_path()

    pending = settings.value("restore/pending")
    if pending:
        settings.remove("restore/pending")
        try:
            restore_backup(path, Path(pending))
        except Exception:  # noqa: BLE001 - reported, then the app opens what there is
            log.exception("restore of %s failed", pending)

    from station_app.storage import sqlfile
    from station_app.storage.keys import KeyFile, district_key_path, key_file_path

    plain = sqlfile.is_plain(path)
    if district_key_path(path).exists():  # an encrypted district file, opened unattended
        return run_district(app, path, lang, settings)
    peek = peek_station(path) if plain else None
    if peek is not None and peek.get("station_id") == DISTRICT_OWNER_ID:
        return run_district(app, path, lang, settings)
    if plain is None or (plain and peek is None and not _set_up(path, lang)):
        # no station here yet: the set-up wizard makes its encrypted file
        return run_setup(app, path, lang, settings)
    from station_app.ui.dialogs import LoginDialog

    code = name = ""
    if plain:
        code = peek.get("station_code", "") if peek else ""
    else:
        keys = KeyFile.load(key_file_path(path))
        code, name = (keys.station_code, keys.station_name) if keys else ("", "")
    login = LoginDialog(path, lang, station_code=f"{code} {name}".strip())
    loader = DatabaseLoader(path, lang)
    QTimer.singleShot(0, loader.start)  # load the database layer while the clerk types
    if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
        if login.login is not None:
            login.login.db.close()
        return 0
    return run_station(app, login.login, lang, settings)


def _set_up(path: Path, lang: str) -> bool:
    """Whether a plain file (an older version's) belongs to a station already; one that
    is older or damaged gets the careful open first (a migration, a backup offered)."""
    db = open_station(path, lang)
    if db is None:
        raise SystemExit(1)
    try:
        return bool(db.station_id)
    finally:
        db.close()


def run_setup(app, path: Path, lang: str, settings) -> int:
    """A new station: the wizard makes its encrypted file and first administrator, the
    recovery key is shown once, and the administrator is logged in."""
    from station_app.domain.services.login import remove_station_files
    from station_app.ui.dialogs import SetupWizard
    from station_app.ui.qt import QDialog

    if path.exists() and path.stat().st_size == 0:
        path.unlink()  # (an empty file left by an older version's cancelled set-up)
    wizard = SetupWizard(path, lang)
    if wizard.exec() != QDialog.DialogCode.Accepted or wizard.login is None:
        if wizard.login is not None:
            wizard.login.db.close()
        else:
            remove_station_files(path)
        return 0
    return run_station(app, wizard.login, lang, settings)


def run_station(app, login, lang: str, settings) -> int:
    """The station's main window for a login; the recovery key first when this login
    made it (a new station, a plain file encrypted)."""
    from station_app.ui.context import AppContext
    from station_app.ui.dialogs import RecoveryKeyDialog
    from station_app.ui.main_window import MainWindow
    from station_app.ui.qt import QTimer

    if login.recovery_key:
        RecoveryKeyDialog(login.recovery_key, lang).exec()
    ctx = AppContext(db=None, actor=login.actor, lang=lang, tasks=None, settings=settings)
    window = MainWindow(ctx, deferred=True)
    window.show()

    def open_and_start() -> None:
        window.start(login.db)
        after_first_paint(ctx, window)

    QTimer.singleShot(0, open_and_start)
    code = app.exec()
    if ctx.tasks is not None:
        ctx.tasks.wait()
    if ctx.db is not None:
        ctx.db.close()
    return code


if __name__ == "__main__":
    sys.exit(main())
