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
    init_station(db, "KY01", "葵涌社区工联会", "admin", "screens-ky01-pw", display_name="王芳")
    build_demo(db, members_count=5000, seed=3)
    from station_app.domain.actor import SYSTEM_LOGIN

    with db.session(SYSTEM_LOGIN) as s:
        actor = authenticate(s, "admin", "screens-ky01-pw")
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
    district_screenshots(app, db, tmp)
    db.close()
    login_screenshots(app, tmp)
    return 0


def login_screenshots(app, tmp: Path) -> None:
    """The login of an encrypted station (its station named from the key file) and the
    recovery key as the set-up shows it once."""
    from station_app.domain.services.login import create_station, key_file_info
    from station_app.storage import sqlfile
    from station_app.ui.dialogs import LoginDialog, RecoveryKeyDialog

    path = tmp / "keyed" / "station.sqlite3"
    made = create_station(path, "KY01", "葵涌社区工联会", "wangfang", "screens-ky01-pw")
    made.db.close()
    sqlfile.forget(path)
    info = key_file_info(path)
    login = LoginDialog(path, "zh", station_code=f"{info.station_code} {info.station_name}")
    login.form.widgets["username"].setText("wangfang")
    recovery = RecoveryKeyDialog(made.recovery_key, "zh")
    OUT.mkdir(parents=True, exist_ok=True)
    for name, dialog in (("login", login), ("recovery-key", recovery)):
        dialog.show()
        app.processEvents()
        dialog.grab().save(str(OUT / f"{name}.png"))
        print(OUT / f"{name}.png")
        dialog.close()


def _wire(cs):
    import json

    from sync.changeset import from_wire, to_wire

    return from_wire(json.loads(json.dumps(to_wire(cs), ensure_ascii=False)))


def district_screenshots(app, station, tmp: Path) -> None:
    """The district view over a district the demo station (and a neighbour) synced into:
    one member registered at both, one correction that lost to a later station edit."""
    from sqlalchemy import select

    from station_app.domain.actor import Actor
    from station_app.domain.ids import DISTRICT_OWNER_ID
    from station_app.domain.models import Member
    from station_app.domain.services import members, stations
    from station_app.domain.services.setup import init_station
    from station_app.storage.database import open_database
    from station_app.ui.context import AppContext
    from station_app.ui.main_window import MainWindow
    from station_app.ui.pages import DISTRICT_PAGES
    from station_app.ui.qt import QSettings
    from station_app.ui.tasks import TaskRunner
    from sync.merge import apply_changeset
    from sync.outbound import acknowledge, gather, prune

    boss = Actor("qu", "district_admin", None, "李科长")
    district = open_database(tmp / "district.sqlite3", create=True)
    district.set_state("station_id", DISTRICT_OWNER_ID)
    with station.reader() as s:  # the district owns the stations the demo refers to
        known = [(st.code, st.name, st.street, st.is_key) for st in stations.stations(s)]
    with district.session(boss) as s:
        for code, name, street, key in known:
            stations.upsert_station(s, code, name, street=street, is_key=bool(key))
        stations.upsert_station(s, "DP02", "大鹏社区工联会")
    neighbour = open_database(tmp / "dp02.sqlite3", create=True)
    init_station(neighbour, "DP02", "大鹏社区工联会", "boss", "boss-pass-1")

    def push(db) -> None:
        prune(db)
        while (cs := gather(db, limit=5_000)) is not None:
            acknowledge(db, apply_changeset(district, _wire(cs),
                                            pushing_station=db.station_id).acks)

    with station.reader() as s:
        moved = s.execute(select(Member).where(Member.status == "active").limit(2)).scalars().all()
    with neighbour.session(Actor("boss", "station_admin")) as s:
        members.register_member(s, {"name": moved[0].name, "id_number": moved[0].id_number})
    push(station)
    push(neighbour)
    with district.session(boss) as s:
        s.get(Member, moved[1].id).phone = "13900000000"
    with station.session(Actor("admin", "station_admin")) as s:
        members.update_member(s, moved[1].id, {"notes": "本人来电更新"})
    push(station)
    from datetime import date, timedelta

    from station_app.domain.ids import station_id_for
    from station_app.domain.services import visits

    with district.session(boss) as s:  # the district's own visits to its stations
        today = date.today()
        for days, code, findings in ((70, "KY01", "阵地建设规范，台账齐全"),
                                     (45, "DP03", "会员发展滞后，已督促"),
                                     (30, "DP05", "职工之家活动丰富"),
                                     (12, "DP11", "新任专职人员，指导台账建立"),
                                     (4, "DP20", "场地待落实，下月复查")):
            when = max(date(today.year, 1, 1), today - timedelta(days=days))
            visits.record_visit(s, {"visit_date": when, "kind": "station",
                                    "target_station_id": station_id_for(code),
                                    "visitors": "李科长、王干事", "findings": findings,
                                    "actions": "季度回访",
                                    "follow_up_due": when + timedelta(days=90)})
    settings = QSettings(str(tmp / "district.ini"), QSettings.Format.IniFormat)
    ctx = AppContext(db=district, actor=boss, lang="zh", tasks=TaskRunner(district),
                     settings=settings, district=True)
    window = MainWindow(ctx)
    window.resize(1280, 800)
    window.show()
    for key, _title, _factory in DISTRICT_PAGES:
        if key == "settings":
            continue
        window.open_page(key)
        for _ in range(30):
            app.processEvents()
            ctx.tasks.wait(200)
        app.processEvents()
        window.grab().save(str(OUT / f"district-{key}.png"))
        print(OUT / f"district-{key}.png")
    window.close()
    ctx.tasks.wait()
    neighbour.close()
    district.close()


if __name__ == "__main__":
    sys.exit(main())
