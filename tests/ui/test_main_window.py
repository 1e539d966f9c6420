"""The shell: navigation, remembered page, status bar, language switch, self-test."""

from __future__ import annotations

import os
import subprocess
import sys

from station_app.ui.pages import DISTRICT_PAGES, PAGES
from station_app.ui.qt import QLabel


def test_every_page_opens(window):
    for key, _title, _factory in PAGES:
        window.open_page(key)
        assert window.stack.currentWidget() is window.pages[key]
        assert window.current_key() == key


def test_status_bar_shows_user_station_and_pending(qtbot, window, ctx):
    qtbot.waitUntil(lambda: str(ctx.db.pending_count()) in window._status_pending.text())
    texts = " ".join(w.text() for w in (window._status_user, window._status_pending,
                                       window._status_sync))
    assert "KY01" in texts


def test_deferred_window_shows_before_its_database(qtbot, ctx, settings):
    """The window paints first; start(db) then opens the page used last."""
    from station_app.ui.context import AppContext
    from station_app.ui.main_window import MainWindow

    early = AppContext(db=None, actor=ctx.actor, lang="en", tasks=None, settings=settings)
    win = MainWindow(early, deferred=True)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    assert win.pages == {}
    win.start(ctx.db)
    assert win.current_key() in win.pages
    qtbot.waitUntil(lambda: "KY01" in win._status_user.text())
    early.tasks.wait()


def test_last_page_is_remembered(qtbot, ctx, window):
    from station_app.ui.main_window import MainWindow

    window.open_page("events")
    window.close()
    again = MainWindow(ctx)
    qtbot.addWidget(again)
    assert again.current_key() == "events"


def test_language_switch(qapp, window, ctx):
    from station_app.ui.i18n import install_language

    install_language(qapp, "zh")
    window.set_language("en")
    assert window.nav.item(1).text() == "Members"
    window.set_language("zh")
    assert window.nav.item(1).text() == "会员"


def test_self_test_from_source():
    """A demo station, a district filled from it by file, every page of both."""
    result = subprocess.run([sys.executable, "-m", "station_app", "--self-test"],
                            capture_output=True, text=True, timeout=180,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "self-test ok" in result.stdout
    for key, _t, _f in PAGES:
        assert f"station page {key}: ok" in result.stdout
    for key, _t, _f in DISTRICT_PAGES:
        assert f"district page {key}: ok" in result.stdout
    assert "sync by file:" in result.stdout


BREAK_A_PAGE = """
import sys
from station_app.ui import pages
pages.DISTRICT_PAGES[1] = ("reports", "Reports", "station_app.ui.pages.gone:ReportsPage")
from station_app.ui.selftest import run
sys.exit(run())
"""


def test_self_test_fails_when_a_page_does_not_load():
    """What a frozen build that left a page module out would do: the self-test fails."""
    result = subprocess.run([sys.executable, "-c", BREAK_A_PAGE], capture_output=True,
                            text=True, timeout=180,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "district page 'reports' did not load" in result.stdout
    assert "station_app.ui.pages.gone" in result.stdout
    assert "self-test FAILED" in result.stdout


def test_a_page_that_fails_to_load_is_an_error_shown_and_logged(qtbot, ctx, monkeypatch,
                                                                 caplog):
    """Never a "comes later" placeholder: the error in the page's place, and in the log."""
    from station_app.ui import main_window as mw
    from station_app.ui.pages import BrokenPage

    broken = [(k, t, "station_app.ui.pages.gone:ReportsPage" if k == "reports" else f)
              for k, t, f in PAGES]
    monkeypatch.setattr(mw, "PAGES", broken)
    win = mw.MainWindow(ctx)
    qtbot.addWidget(win)
    with caplog.at_level("ERROR"):
        win.open_page("reports")
    page = win.pages["reports"]
    assert isinstance(page, BrokenPage)
    assert win.stack.currentWidget() is page
    assert isinstance(win.page_errors["reports"], ModuleNotFoundError)
    assert "station_app.ui.pages.gone" in page.findChild(QLabel, "page-error").text()
    assert any("reports" in r.getMessage() and r.exc_info for r in caplog.records)
    win.open_page("members")  # the other pages still work
    assert "members" not in win.page_errors


def test_a_deferred_window_shows_its_first_page_once_the_database_is_attached(qtbot, ctx):
    """The window comes up before the database is open; if the navigation takes the focus
    (and the first row) meanwhile, nothing is built without a database, and the page is
    loaded once the database is attached — not left empty."""
    from station_app.ui.main_window import MainWindow

    db = ctx.db
    ctx.db = None
    win = MainWindow(ctx, deferred=True)
    qtbot.addWidget(win)
    win.show()
    win.nav.setCurrentRow(0)  # as when the list gets the focus before start()
    assert win.pages == {}
    win.start(db)
    page = win.page("dashboard")
    qtbot.waitUntil(lambda: page.loaded, timeout=10_000)
    assert win.stack.currentWidget() is page


def test_a_task_reporting_after_its_window_closed_is_dropped(qtbot, ctx):
    """A background task (the count of unsent changes) that reports after the widget it
    updates was deleted drops its result instead of raising in the event loop; a task
    whose owner lives reports as usual."""
    import threading

    from station_app.ui.qt import QLabel, is_alive

    gate = threading.Event()
    gone, alive = QLabel(), QLabel()
    shown: list[str] = []

    def slow(task):
        gate.wait(10)
        return task.db.pending_count()

    ctx.tasks.run(slow, on_done=lambda n: gone.setText(str(n)), owner=gone)
    ctx.tasks.run(slow, on_done=lambda n: shown.append(str(n)), owner=alive)
    gone.deleteLater()
    qtbot.waitUntil(lambda: not is_alive(gone))
    gate.set()
    assert ctx.tasks.wait()
    qtbot.waitUntil(lambda: shown == [str(ctx.db.pending_count())])
