"""The shell: navigation, remembered page, status bar, language switch, self-test."""

from __future__ import annotations

import subprocess
import sys

from station_app.ui.pages import PAGES


def test_every_page_opens(window):
    for key, _title, _factory in PAGES:
        window.open_page(key)
        assert window.stack.currentWidget() is window.pages[key]
        assert window.current_key() == key


def test_status_bar_shows_user_station_and_pending(window, ctx):
    texts = " ".join(w.text() for w in (window._status_user, window._status_pending,
                                       window._status_sync))
    assert "KY01" in texts
    assert str(ctx.db.pending_count()) in texts


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
    result = subprocess.run([sys.executable, "-m", "station_app", "--self-test"],
                            capture_output=True, text=True, timeout=120,
                            env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr
    assert "self-test ok" in result.stdout
