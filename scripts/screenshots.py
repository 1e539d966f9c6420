"""Render each page of a demo station to PNG under docs/screenshots (``make screenshots``).

Offscreen, in Chinese, on a demo database built through the services (5,000 members).
Needs a CJK font (Debian: fonts-noto-cjk) for the glyphs to show.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"


def main() -> int:
    os.environ.setdefault("STATION_APP_HOME", tempfile.mkdtemp())
    from station_app.demo import build_demo
    from station_app.domain.services.setup import init_station
    from station_app.domain.services.users import authenticate
    from station_app.storage.database import open_database
    from station_app.ui.context import AppContext
    from station_app.ui.i18n import install_language, setup_fonts
    from station_app.ui.main_window import MainWindow
    from station_app.ui.pages import PAGES
    from station_app.ui.qt import QApplication, QSettings
    from station_app.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    install_language(app, "zh")
    setup_fonts(app)
    tmp = Path(tempfile.mkdtemp())
    db = open_database(tmp / "demo.sqlite3", create=True)
    init_station(db, "KY01", "葵涌社区工联会", "admin", "admin123", display_name="王芳")
    build_demo(db, members_count=5000, seed=3)
    with db.session() as s:
        actor = authenticate(s, "admin", "admin123")
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    ctx = AppContext(db=db, actor=actor, lang="zh", tasks=TaskRunner(db), settings=settings)
    window = MainWindow(ctx)
    window.resize(1280, 800)
    window.show()
    OUT.mkdir(parents=True, exist_ok=True)
    for key, _title, _factory in PAGES:
        window.open_page(key)
        for _ in range(30):  # let background loads land
            app.processEvents()
            ctx.tasks.wait(200)
        app.processEvents()
        window.grab().save(str(OUT / f"{key}.png"))
        print(OUT / f"{key}.png")
    window.close()
    ctx.tasks.wait()
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
