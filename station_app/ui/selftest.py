"""``station-app --self-test``: prove that this build of the app works, end to end.

Runs from source and from the frozen build (``make dist`` runs it under a real X display,
``xvfb-run`` with ``QT_QPA_PLATFORM=xcb``). In a throwaway folder it

1. sets up a demo station (the migrations, the services, the demo data),
2. sets up a district and fills it from that station by sync file, both ways (enrollment,
   the station's signed file, the district's file back),
3. logs in through the real password check on each, builds the station's main window and
   opens every station page, then the district view and every district page,

and fails on any error on the way: a page that did not load, an exception in the event
loop, an error logged (a background task that failed), a Qt critical message, a message
box that popped up, a Chinese catalogue that did not load. Nothing of the user's data or
settings is touched.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PASSWORD = "self-test-1"
# Qt messages that say nothing about this app (the offscreen platform's, a window
# manager missing under Xvfb)
BENIGN_QT = ("propagateSizeHints", "QXcbConnection: XCB error: 3 (BadWindow)")


class SelfTestFailed(Exception):
    pass


class _Errors(logging.Handler):
    """Everything that went wrong, from the log, the event loop and Qt."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.items: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.items.append(f"log: {record.name}: {record.getMessage()}"
                          + (f" ({record.exc_info[1]!r})" if record.exc_info else ""))


def run(say: Callable[[str], None] = print) -> int:
    """The self-test; 0 when everything worked, 1 with each error printed otherwise."""
    from station_app.ui.qt import QApplication, QtMsgType, qInstallMessageHandler

    errors = _Errors()
    logging.getLogger().addHandler(errors)

    def qt_message(kind, _context, text: str) -> None:
        if kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg) or (
                kind == QtMsgType.QtWarningMsg and not any(b in text for b in BENIGN_QT)):
            errors.items.append(f"Qt: {text}")

    def excepthook(kind, value, tb) -> None:
        import traceback

        errors.items.append("exception: " + "".join(
            traceback.format_exception(kind, value, tb)).strip())

    previous_hook = sys.excepthook
    sys.excepthook = excepthook
    previous_handler = qInstallMessageHandler(qt_message)
    app = QApplication.instance() or QApplication(["station-app"])
    t0 = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="station-self-test-") as tmp:
            _run(app, Path(tmp), errors, say)
    except SelfTestFailed as exc:
        errors.items.append(str(exc))
    except Exception as exc:  # noqa: BLE001 - every failure is reported, not raised
        import traceback

        errors.items.append("exception: " + "".join(traceback.format_exception(exc)).strip())
    finally:
        qInstallMessageHandler(previous_handler)
        sys.excepthook = previous_hook
        logging.getLogger().removeHandler(errors)
    if errors.items:
        for item in errors.items:
            say(f"self-test error: {item}")
        say(f"self-test FAILED ({len(errors.items)} error(s))")
        return 1
    say(f"self-test ok ({time.monotonic() - t0:.1f} s, platform "
        f"{QApplication.platformName()})")
    return 0


def _run(app, tmp: Path, errors: _Errors, say: Callable[[str], None]) -> None:
    from station_app.demo import build_demo
    from station_app.domain.services.login import create_station, login
    from station_app.domain.services.setup import init_district
    from station_app.storage import keys, sqlfile
    from station_app.storage.database import open_database
    from station_app.ui.i18n import app_icon, install_language, resources_dir, setup_fonts
    from station_app.ui.pages import DISTRICT_PAGES, PAGES
    from station_app.ui.qt import QCoreApplication
    from sync import bundle, district

    icon = app_icon()
    if icon.isNull() or not icon.availableSizes():
        raise SelfTestFailed(f"the application icon is missing from {resources_dir()}")
    app.setWindowIcon(icon)
    if not install_language(app, "zh"):
        raise SelfTestFailed("the Chinese catalogue (station_app_zh_CN.qm) did not load")
    if QCoreApplication.translate("MainWindow", "Reports") == "Reports":
        raise SelfTestFailed("the Chinese catalogue loaded but translates nothing")
    say(f"font: {setup_fonts(app) or 'no CJK font found (Qt falls back)'}")

    # the station's file encrypted as the set-up wizard makes it, then opened by a login
    # (the key unwrapped with the password); the district's with its raw key file
    made = create_station(tmp / "station.sqlite3", "TEST", "自检社区工联会", "admin",
                          PASSWORD)
    made.db.close()
    sqlfile.forget(tmp / "station.sqlite3")
    station = login(tmp / "station.sqlite3", "admin", PASSWORD).db
    if sqlfile.is_plain(station.path) is not False:
        raise SelfTestFailed("the station's file is not encrypted")
    say("station file: encrypted (SQLCipher), opened by the login")
    dist_path = tmp / "district.sqlite3"
    dist = open_database(dist_path, create=True, key_file=False,
                         key=keys.create_district_key(keys.district_key_path(dist_path)))
    try:
        sid = station.station_id
        result = build_demo(station, members_count=300, seed=1)
        say(f"demo station: {result.members} members, {result.cases} hardship files, "
            f"{result.visits} visits, {result.events} events")
        init_district(dist, "district", PASSWORD)
        from station_app.domain.actor import SYSTEM_SETUP, cli_admin
        from station_app.domain.services import stations

        with dist.session(SYSTEM_SETUP) as s:
            stations.upsert_station(s, "TEST", "自检社区工联会")
        enrollment = district.enroll(dist, "TEST", cli_admin("self-test"))
        bundle.set_station_key(station, enrollment.bundle_secret)
        up, down = tmp / "up.bundle", tmp / "down.bundle"
        rows = bundle.export_station_bundle(station, up)
        applied = sum(r.inserted + r.updated for r in bundle.import_station_bundle(dist, up))
        bundle.export_district_bundle(dist, sid, down)
        bundle.import_district_bundle(station, down)
        say(f"sync by file: {rows} rows sent, {applied} applied at the district")
        if not applied:
            raise SelfTestFailed("the district applied nothing of the station's file")
        if getattr(sys, "frozen", False):
            _frozen_refuses_postgres(say)
        _open_every_page(app, station, "admin", PAGES, errors, say, district_view=False)
        _open_every_page(app, dist, "district", DISTRICT_PAGES, errors, say,
                         district_view=True)
    finally:
        station.close()
        dist.close()


def _frozen_refuses_postgres(say: Callable[[str], None]) -> None:
    """The packaged app has no PostgreSQL driver: a PostgreSQL address gets the message
    that says so (docs/CLIENT.md), not a crash."""
    from station_app.storage.database import open_database
    from station_app.storage.errors import MissingExtraError

    try:
        open_database("postgresql+psycopg://selftest@127.0.0.1:9/none", check=False)
    except MissingExtraError:
        say("PostgreSQL address: refused with the message of a build without psycopg")
        return
    except Exception as exc:  # noqa: BLE001 - any other outcome is the failure
        raise SelfTestFailed(f"a PostgreSQL address gave {exc!r}, not the message that "
                             "this build opens SQLite files only") from exc
    raise SelfTestFailed("a PostgreSQL address opened in a build without psycopg")


def _open_every_page(app, db, username: str, pages, errors: _Errors,
                     say: Callable[[str], None], *, district_view: bool) -> None:
    from station_app.domain.actor import SYSTEM_LOGIN
    from station_app.domain.services.users import authenticate
    from station_app.ui.context import AppContext
    from station_app.ui.main_window import MainWindow
    from station_app.ui.qt import QSettings, QTimer

    with db.session(SYSTEM_LOGIN) as s:
        actor = authenticate(s, username, PASSWORD)
    settings = QSettings(str(Path(db.path).with_suffix(".ini")), QSettings.Format.IniFormat)
    ctx = AppContext(db=None, actor=actor, lang="zh", tasks=None, settings=settings,
                     district=district_view)
    window = MainWindow(ctx, deferred=True)
    window.show()
    window.start(db)
    # a message box or any other modal window is an error here: note it and close it
    watchdog = QTimer(interval=100)

    def close_modals() -> None:
        modal = app.activeModalWidget()
        if modal is not None:
            text = getattr(modal, "text", lambda: "")()
            errors.items.append(f"a window popped up: {modal.windowTitle()} {text}".strip())
            modal.close()

    watchdog.timeout.connect(close_modals)
    watchdog.start()
    view = "district" if district_view else "station"
    try:
        for key, _title, _factory in pages:
            before = len(errors.items)
            window.open_page(key)
            _settle(app, ctx)
            if key in window.page_errors:
                raise SelfTestFailed(f"the {view} page {key!r} did not load: "
                                     f"{window.page_errors[key]!r}")
            page = window.pages[key]
            if not page.isVisible():
                raise SelfTestFailed(f"the {view} page {key!r} is not shown")
            say(f"{view} page {key}: {'ok' if len(errors.items) == before else 'ERROR'}")
    finally:
        watchdog.stop()
        window.close()
        _settle(app, ctx)
        window.deleteLater()
        app.processEvents()


def _settle(app, ctx, seconds: float = 20.0) -> None:
    """Let the page's background work finish and its results arrive."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        if ctx.tasks is None or (not ctx.tasks.busy and ctx.tasks.pool.activeThreadCount() == 0):
            app.processEvents()
            return
        time.sleep(0.01)
    raise SelfTestFailed("a page's background work did not finish within "
                         f"{seconds:.0f} s")
