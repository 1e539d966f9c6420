"""The minimal shell renders offscreen on a real database (the client issue extends this)."""

from __future__ import annotations


def test_main_window_shows_the_station(qtbot, db, admin):
    from station_app.ui.shell import MainWindow

    window = MainWindow(db, admin, "zh")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    text = window.centralWidget().text()
    assert "KY01" in text
    assert "累计走访企业" in text


def test_setup_form_keeps_input_and_shows_errors_in_place(qtbot, tmp_path):
    from station_app.storage.database import open_database
    from station_app.ui.shell import _Form

    db = open_database(tmp_path / "new.sqlite3", create=True)
    from station_app.domain.services.setup import init_station

    form = _Form("setup", [("code", "Station code", False), ("name", "Name", False),
                           ("admin", "Admin", False), ("password", "Password", True)])
    qtbot.addWidget(form)
    form.on_accept = lambda v: init_station(db, v["code"], v["name"], v["admin"], v["password"])
    form.edits["code"].setText("KY01")
    form.edits["name"].setText("葵涌社区工联会")
    form.edits["admin"].setText("boss")
    form.edits["password"].setText("short")
    form._try_accept()
    assert "8" in form.error.text()  # the password rule, shown in the form
    assert form.edits["name"].text() == "葵涌社区工联会"  # what was typed is kept
    assert db.station_id is None  # nothing saved
    form.edits["password"].setText("long-enough-1")
    form._try_accept()
    assert db.station_id is not None
    db.close()
