"""The GUI thread while long work runs: the longest gap between turns of its event loop.

Two pieces of work a clerk starts and waits for, each run from its own widget exactly as
the app runs it (``ui.operations``: on a worker thread, the result back by a signal,
progress after 600 ms):

* a 100,000-row roster imported from the import wizard (preview, then import) into a
  fresh station file;
* an initial sync from the Sync page: a copy of the 100,000-member demo station enrolls
  with a real ``district-server serve`` on loopback (its own process, as
  ``bench/sync_push.py`` starts it) and sends everything.

A timer on the GUI thread ticks every ``TICK_MS``; the figure is the longest gap between
two ticks while the work runs, against 50 ms (a gap longer than that is a stall a clerk
sees: the window stops painting, the progress dialog freezes). The floor, measured in the
same run, is the longest gap with nothing running: what the timer and the machine give.

    python -m bench.gui_stall [--members 100000] [--seed 7] [--only import|sync]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

TICK_MS = 5
TARGET_MS = 50


class Gaps:
    """The gaps between turns of the GUI thread's event loop (a ``TICK_MS`` timer)."""

    def __init__(self) -> None:
        from station_app.ui.qt import QTimer

        self.last = 0.0
        self.gaps: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last:
            self.gaps.append((now - self.last) * 1000)
        self.last = now

    def start(self) -> None:
        self.gaps.clear()
        self.last = 0.0
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    @property
    def longest(self) -> float:
        return max(self.gaps, default=0.0)

    def over(self, ms: float) -> int:
        return sum(1 for g in self.gaps if g > ms)


def _spin_until(done, timeout: float) -> None:
    """Turn the event loop (as the app's would) until ``done()`` or the timeout."""
    from station_app.ui.qt import QApplication, QEventLoop, QTimer

    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError("the work did not finish in time")
        loop = QEventLoop()
        QTimer.singleShot(20, loop.quit)
        loop.exec()
    QApplication.processEvents()


def _idle_floor(seconds: float = 2.0) -> float:
    """The longest gap with nothing running: what the timer and the machine give."""
    gaps = Gaps()
    gaps.start()
    end = time.monotonic() + seconds
    _spin_until(lambda: time.monotonic() >= end, timeout=seconds + 5)
    gaps.stop()
    return gaps.longest


def _context(db, tmp: Path):
    from station_app.domain.actor import SYSTEM_LOGIN
    from station_app.domain.services.users import authenticate
    from station_app.ui.context import AppContext
    from station_app.ui.qt import QSettings
    from station_app.ui.tasks import TaskRunner

    with db.session(SYSTEM_LOGIN) as s:
        actor = authenticate(s, "admin", PASSWORD)
    settings = QSettings(str(tmp / "settings.ini"), QSettings.Format.IniFormat)
    return AppContext(db=db, actor=actor, lang="zh", tasks=TaskRunner(db), settings=settings)


PASSWORD = "bench-pass-1"  # the demo station's (bench/__main__.demo_db)


def stall_import(table, members: int, seed: int, tmp: Path, floor: float) -> None:
    """The roster imported from the wizard into a fresh station."""
    from bench.xlsx_import import workbook
    from station_app.domain.services.setup import init_station
    from station_app.storage.database import open_database
    from station_app.ui.main_window import MainWindow

    book = workbook(members, seed)
    db = open_database(tmp / "import.sqlite3", create=True)
    init_station(db, "KY01", "葵涌社区工联会", "admin", PASSWORD)
    ctx = _context(db, tmp)
    window = MainWindow(ctx)
    window.resize(1200, 760)
    window.show()
    dialog = window.import_excel()
    dialog.path.setText(str(book))
    gaps = Gaps()
    gaps.start()
    t0 = time.perf_counter()
    dialog.preview()
    _spin_until(lambda: dialog.result is not None, timeout=1800)
    checked = time.perf_counter() - t0
    dialog.run_import()
    _spin_until(lambda: dialog.imported is not None, timeout=1800)
    elapsed = time.perf_counter() - t0
    gaps.stop()
    imported = dialog.imported.imported
    if imported < members * 0.9:
        raise RuntimeError(f"only {imported} rows imported")
    table.add(f"GUI thread during a {members:,}-row import from the wizard "
              f"(checked {checked:.0f} s, imported {elapsed - checked:.0f} s): longest gap",
              f"{gaps.longest:.0f} ms", f"{floor:.0f} ms", gaps.longest / max(floor, 1),
              f"≤ {TARGET_MS} ms")
    print(f"    gaps over {TARGET_MS} ms: {gaps.over(TARGET_MS)} of {len(gaps.gaps):,}; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    dialog.close()
    window.close()
    ctx.tasks.wait()
    db.close()


def stall_sync(table, demo: Path, tmp: Path, floor: float) -> None:
    """An initial sync of the 100,000-member station from the Sync page."""
    from bench.sync_push import bench_env, prepare_district, serve
    from station_app.storage.database import open_database
    from station_app.ui.main_window import MainWindow

    station_path = tmp / "station.sqlite3"
    shutil.copy(demo, station_path)
    env = bench_env(tmp)
    district_path = tmp / "district.sqlite3"
    code = prepare_district(str(district_path), demo, env)
    db = open_database(station_path, check=False)
    rows = db.pending_count()
    ctx = _context(db, tmp)
    window = MainWindow(ctx)
    window.resize(1200, 760)
    window.show()
    window.open_page("sync")
    page = window.page("sync")
    _spin_until(lambda: not page.loading, timeout=60)
    with serve(str(district_path), env, tmp / "server.log") as url:
        page.form.widgets["server"].setText(url)
        page.form.widgets["enrollment_code"].setText(code)
        gaps = Gaps()
        gaps.start()
        t0 = time.perf_counter()
        page.sync_now()  # with its progress dialog, as a clerk starts it
        _spin_until(lambda: page.running is None, timeout=3600)
        elapsed = time.perf_counter() - t0
        gaps.stop()
    if page.last_error:
        raise RuntimeError(f"the sync failed: {page.last_error}")
    table.add(f"GUI thread during an initial sync from the Sync page ({rows:,} rows, "
              f"{elapsed:.0f} s): longest gap", f"{gaps.longest:.0f} ms", f"{floor:.0f} ms",
              gaps.longest / max(floor, 1), f"≤ {TARGET_MS} ms")
    print(f"    gaps over {TARGET_MS} ms: {gaps.over(TARGET_MS)} of {len(gaps.gaps):,}; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)
    window.close()
    ctx.tasks.wait()
    db.close()


def run(table, demo: Path, members: int, seed: int, *, only: str | None = None) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from station_app.ui.i18n import setup_fonts
    from station_app.ui.qt import QApplication

    app = QApplication.instance() or QApplication(["bench"])
    setup_fonts(app)
    print(f"    load average before: {os.getloadavg()[0]:.1f} ({os.cpu_count()} cpu(s))",
          flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="gui-stall-"))
    try:
        floor = _idle_floor()
        if only in (None, "import"):
            stall_import(table, members, seed, tmp, floor)
        if only in (None, "sync"):
            stall_sync(table, demo, tmp, floor)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    from bench.__main__ import CACHE, Table, demo_db

    p = argparse.ArgumentParser(prog="python -m bench.gui_stall")
    p.add_argument("--members", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--only", choices=("import", "sync"))
    args = p.parse_args()
    os.environ.setdefault("STATION_APP_HOME", str(CACHE / "home"))
    table = Table()
    run(table, demo_db(args.members, args.seed), args.members, args.seed, only=args.only)
    table.print()


if __name__ == "__main__":
    main()
