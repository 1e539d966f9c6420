"""``station-app``: the desktop client's entry point."""

from __future__ import annotations

import argparse
import locale
import sys
from pathlib import Path

from station_app import __version__


def _default_lang() -> str:
    lang = (locale.getlocale()[0] or "").lower()
    return "zh_CN" if lang.startswith("zh") or not lang else "en"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="station-app", description="Station app desktop client")
    p.add_argument("--db", type=Path, help="database file (default: the platform data folder)")
    p.add_argument("--lang", choices=["zh_CN", "en"], default=None)
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    args = p.parse_args(argv)

    from station_app.logs import setup_logging
    from station_app.paths import default_db_path
    from station_app.storage.database import StorageError, open_database

    setup_logging("station-app")
    lang = "zh" if (args.lang or _default_lang()).startswith("zh") else "en"
    from station_app.ui.qt import QApplication, QMessageBox
    from station_app.ui.shell import MainWindow, login_dialog, setup_dialog

    app = QApplication.instance() or QApplication(sys.argv[:1])
    path = args.db or default_db_path()
    try:
        db = open_database(path, create=True)
    except StorageError as exc:
        QMessageBox.critical(None, "Station app", exc.message(lang))
        return 1
    if not db.station_id and not setup_dialog(db, lang):
        return 0
    actor = login_dialog(db, lang)
    if actor is None:
        return 0
    db.daily_backup()
    window = MainWindow(db, actor, lang)
    window.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
