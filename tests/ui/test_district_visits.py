"""The district view's Station visits page (站点调研) and the stations form of the Stations
page: real widgets offscreen on a real district file, driven as a person would (typing,
choosing, clicking), with the list and the key-station figure read back from the page.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from station_app.domain.actor import Actor
from station_app.domain.ids import station_id_for
from station_app.domain.models import Station, Visit
from station_app.domain.services import stations, visits
from station_app.domain.services.setup import init_district
from station_app.storage.database import open_database
from station_app.ui.qt import QMessageBox, Qt

DISTRICT = Actor("qu", "district_admin", None, "区总工会")
TODAY = date.today()
KY01, DP02, NA03 = (station_id_for(c) for c in ("KY01", "DP02", "NA03"))


@pytest.fixture
def district(tmp_path):
    db = open_database(tmp_path / "district.sqlite3", create=True)
    init_district(db, "qu", "district-pass-1")
    with db.session(DISTRICT) as s:
        stations.create_station(s, "KY01", "葵涌社区工联会", street="葵涌办事处", is_key=True)
        stations.create_station(s, "DP02", "大鹏社区工联会", street="大鹏办事处", is_key=True)
        stations.create_station(s, "NA03", "南澳社区工联会", street="南澳办事处")
    yield db
    db.close()


@pytest.fixture
def win(qtbot, settings, district):
    from station_app.ui.context import AppContext
    from station_app.ui.main_window import MainWindow
    from station_app.ui.tasks import TaskRunner

    ctx = AppContext(db=district, actor=DISTRICT, lang="en", tasks=TaskRunner(district),
                     settings=settings, district=True)
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    ctx.tasks.wait()


def settle(qtbot, win) -> None:
    qtbot.waitUntil(lambda: not win.ctx.tasks.busy, timeout=10_000)


def type_into(qtbot, widget, text: str) -> None:
    """Replace a field's text as typed: key clicks for ASCII; Chinese arrives as an input
    method commits it, a whole word inserted at the cursor (QTest cannot type it)."""
    widget.setFocus()
    widget.clear()
    if text.isascii():
        qtbot.keyClicks(widget, text)
    elif hasattr(widget, "insertPlainText"):
        widget.insertPlainText(text)
    else:
        widget.insert(text)


def double_click(qtbot, view, pos) -> None:
    """A double-click as the mouse makes it: a press and release, then the double
    click (QAbstractItemView only reports one that follows a press on the same row)."""
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def choose(combo, data) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def stored_visits(db) -> list[Visit]:
    from sqlalchemy import select

    with db.reader() as s:
        return list(s.execute(select(Visit).order_by(Visit.visit_date)).scalars())


def open_visits(qtbot, win):
    win.open_page("station_visits")
    settle(qtbot, win)
    return win.page("station_visits")


def test_record_correct_and_delete_station_visits(qtbot, qtmodeltester, win, district,
                                                  monkeypatch):
    page = open_visits(qtbot, win)
    f = page.form.widgets
    titles = [win.nav.item(i).text() for i in range(win.nav.count())]
    assert "Station visits" in titles
    assert page.key_count.text() == f"Key stations visited in {TODAY.year}: 0 of 2"
    assert page.model.rows == []
    # the form's stations are the district's (its own row left out), key ones marked
    combo = page.station_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        "Choose a station", "DP02 大鹏社区工联会 (key station)",
        "KY01 葵涌社区工联会 (key station)", "NA03 南澳社区工联会"]

    # record one
    day = TODAY - timedelta(days=3) if TODAY.timetuple().tm_yday > 3 else TODAY
    type_into(qtbot, f["visit_date"], day.isoformat())
    choose(combo, KY01)
    type_into(qtbot, f["visitors"], "区总工会调研组")
    type_into(qtbot, f["findings"], "台账齐全、阵地规范")
    type_into(qtbot, f["actions"], "下季度复查")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(page.model.rows) == 1, timeout=10_000)
    settle(qtbot, win)
    qtmodeltester.check(page.model)
    row = page.model.rows[0]
    texts = [page.model.data(page.model.index(0, c)) for c in range(page.model.columnCount())]
    assert texts[:5] == [day.isoformat(), "KY01 葵涌社区工联会", "yes", "区总工会调研组",
                         "台账齐全、阵地规范"]
    assert page.key_count.text() == f"Key stations visited in {TODAY.year}: 1 of 2"
    assert page.message.text() == "Visit recorded."
    assert f["visitors"].text() == "" and page.box.title() == "Record a station visit"
    [stored] = stored_visits(district)
    assert (stored.kind, stored.target_station_id, stored.actions) == ("station", KY01,
                                                                       "下季度复查")

    # a failed save shows why under the fields and keeps everything typed
    type_into(qtbot, f["visit_date"], (TODAY + timedelta(days=5)).isoformat())
    choose(combo, DP02)
    type_into(qtbot, f["findings"], "这段文字不能丢")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.form.error_text("visitors") != "", timeout=10_000)
    assert page.form.error_text("visit_date")  # in the future
    assert f["visit_date"].text() == (TODAY + timedelta(days=5)).isoformat()
    assert f["findings"].toPlainText() == "这段文字不能丢"
    assert combo.currentData() == DP02
    assert len(stored_visits(district)) == 1
    # no station chosen: said under the station
    choose(combo, None)
    type_into(qtbot, f["visit_date"], TODAY.isoformat())
    type_into(qtbot, f["visitors"], "王主席")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.form.error_text("station") != "", timeout=10_000)
    assert page.form.error_text("station") == "Choose the station visited"
    choose(combo, DP02)
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(page.model.rows) == 2, timeout=10_000)
    settle(qtbot, win)
    assert page.key_count.text() == f"Key stations visited in {TODAY.year}: 2 of 2"

    # correct the first: a double-click opens the same form, filled in
    index = next(i for i, r in enumerate(page.model.rows) if r.id == row.id)
    rect = page.table.visualRect(page.model.index(index, 0))
    double_click(qtbot, page.table, rect.center())
    assert page.editing is not None and page.editing.id == row.id
    assert page.box.title() == f"Correct the visit of {day.isoformat()} to KY01 葵涌社区工联会"
    assert (f["visit_date"].text(), combo.currentData(), f["visitors"].text(),
            f["findings"].toPlainText()) == (day.isoformat(), KY01, "区总工会调研组",
                                            "台账齐全、阵地规范")
    type_into(qtbot, f["visitors"], "")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.form.error_text("visitors") != "", timeout=10_000)
    assert page.editing is not None and f["findings"].toPlainText() == "台账齐全、阵地规范"
    choose(combo, NA03)
    type_into(qtbot, f["visitors"], "李部长")
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.message.text() == "Correction saved.", timeout=10_000)
    settle(qtbot, win)
    with district.reader() as s:
        fixed = s.get(Visit, row.id)
        assert (fixed.target_station_id, fixed.visitors) == (NA03, "李部长")
    assert page.editing is None and len(page.model.rows) == 2
    # NA03 is not a key station: only DP02 counts now
    assert page.key_count.text() == f"Key stations visited in {TODAY.year}: 1 of 2"

    # the Edit button opens the selected one; the filter shows one station's visits
    choose(page.station_filter, NA03)
    qtbot.waitUntil(lambda: len(page.model.rows) == 1, timeout=10_000)
    settle(qtbot, win)
    page.table.selectRow(0)
    qtbot.mouseClick(page.edit_button, Qt.MouseButton.LeftButton)
    assert page.editing.id == row.id and f["visitors"].text() == "李部长"
    qtbot.mouseClick(page.cancel_button, Qt.MouseButton.LeftButton)
    assert page.editing is None and f["visitors"].text() == ""

    # delete: asked first, naming the visit; "No" keeps it
    asked: list[str] = []
    answers = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    monkeypatch.setattr(QMessageBox, "question",
                        lambda _parent, _title, text: asked.append(text) or answers.pop(0))
    page.table.selectRow(0)
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert asked == [f"Delete the visit of {day.isoformat()} to NA03 南澳社区工联会 (李部长)? "
                     "It no longer counts in any figure."]
    settle(qtbot, win)
    assert len(stored_visits(district)) == 2 and not any(v.deleted
                                                        for v in stored_visits(district))
    choose(page.station_filter, None)
    qtbot.waitUntil(lambda: len(page.model.rows) == 2, timeout=10_000)
    settle(qtbot, win)
    page.table.selectRow(next(i for i, r in enumerate(page.model.rows)
                              if r.station_code == "DP02"))
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(page.model.rows) == 1, timeout=10_000)
    settle(qtbot, win)
    assert "DP02" in asked[1] and page.message.text().startswith("Deleted the visit of")
    assert page.key_count.text() == f"Key stations visited in {TODAY.year}: 0 of 2"
    gone = [v for v in stored_visits(district) if v.deleted]
    assert [v.target_station_id for v in gone] == [DP02]  # a tombstone, kept


def test_the_year_shows_its_own_visits_and_figure(qtbot, win, district):
    last = TODAY.year - 1
    with district.session(DISTRICT) as s:
        for when, target in ((date(last, 3, 1), KY01), (date(last, 9, 9), DP02),
                             (date(last, 9, 10), NA03)):
            visits.record_visit(s, {"visit_date": when, "kind": "station",
                                    "target_station_id": target, "visitors": "调研组"})
    page = open_visits(qtbot, win)
    assert page.model.rows == []
    assert page.key_count.text().endswith("0 of 2")
    page.year.setValue(last)
    qtbot.waitUntil(lambda: len(page.model.rows) == 3, timeout=10_000)
    settle(qtbot, win)
    assert page.key_count.text() == f"Key stations visited in {last}: 2 of 2"
    assert [r.visit_date for r in page.model.rows] == [date(last, 9, 10), date(last, 9, 9),
                                                       date(last, 3, 1)]


def test_a_new_station_counts_and_shows_in_the_visit_form(qtbot, win, district):
    win.open_page("stations")
    settle(qtbot, win)
    page = win.page("stations")
    f = page.station_form.widgets
    assert page.station_box.title() == "New station"
    type_into(qtbot, f["station_code"], "la04")
    type_into(qtbot, f["station_name"], "澳头社区工联会")
    type_into(qtbot, f["street"], "澳头办事处")
    f["is_key"].setChecked(True)
    qtbot.mouseClick(page.save_station_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: any(r.code == "LA04" for r in page.model.rows), timeout=10_000)
    settle(qtbot, win)
    assert page.station_message.text() == "Station LA04 created."
    new = next(r for r in page.model.rows if r.code == "LA04")
    assert (new.name, new.street, new.key) == ("澳头社区工联会", "澳头办事处", True)
    assert page.station_box.title() == "Change station LA04"  # the form stays on it
    assert page.table.currentIndex().row() == page.model.rows.index(new)

    # a code that is taken: said under the code, nothing typed lost
    qtbot.mouseClick(page.new_station_button, Qt.MouseButton.LeftButton)
    assert f["station_code"].text() == "" and not f["station_code"].isReadOnly()
    type_into(qtbot, f["station_code"], "KY01")
    type_into(qtbot, f["station_name"], "另一个名字")
    qtbot.mouseClick(page.save_station_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.station_form.error_text("station_code") != "",
                    timeout=10_000)
    assert "KY01" in page.station_form.error_text("station_code")
    assert f["station_name"].text() == "另一个名字"
    type_into(qtbot, f["station_code"], "K")
    qtbot.mouseClick(page.save_station_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "2–32" in page.station_form.error_text("station_code"),
                    timeout=10_000)

    # change one: double-click, the code stays, name, street and key flag change
    row = next(i for i, r in enumerate(page.model.rows) if r.code == "DP02")
    rect = page.table.visualRect(page.model.index(row, 0))
    double_click(qtbot, page.table, rect.center())
    assert f["station_code"].text() == "DP02" and f["station_code"].isReadOnly()
    assert f["is_key"].isChecked() and f["street"].text() == "大鹏办事处"
    type_into(qtbot, f["station_name"], "大鹏新区社区工联会")
    type_into(qtbot, f["street"], "")
    f["is_key"].setChecked(False)
    qtbot.mouseClick(page.save_station_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.station_message.text().startswith("Station DP02 changed"),
                    timeout=10_000)
    settle(qtbot, win)
    with district.reader() as s:
        dp = s.get(Station, DP02)
        assert (dp.name, dp.street, dp.is_key) == ("大鹏新区社区工联会", None, False)

    # the visits page offers the new station and counts the key stations anew
    visits_page = open_visits(qtbot, win)
    assert visits_page.station_combo.findData(station_id_for("LA04")) > 0
    assert visits_page.key_count.text().endswith("0 of 2")  # KY01 and LA04


def test_a_clerk_at_the_district_is_refused_in_the_form(qtbot, settings, district):
    """The services check the role again: a user who is not a district admin (who could
    not log in to this view) gets the refusal in the form, and nothing is written."""
    from station_app.ui.context import AppContext
    from station_app.ui.pages.district_visits import StationVisitsPage
    from station_app.ui.tasks import TaskRunner

    ctx = AppContext(db=district, actor=Actor("clerk", "clerk"), lang="en",
                     tasks=TaskRunner(district), settings=settings, district=True)
    page = StationVisitsPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: page.station_combo.count() == 4, timeout=10_000)
    choose(page.station_combo, KY01)
    type_into(qtbot, page.form.widgets["visitors"], "某人")
    # the button is not offered (who may, from the permission table, on hovering) ...
    assert not page.save_button.isEnabled()
    assert "district admin" in page.save_button.toolTip()
    # ... and reached anyway, the service refuses it in the form
    assert not page.save().wait()
    qtbot.waitUntil(lambda: page.form.general.text() != "", timeout=10_000)
    assert "district admin" in page.form.general.text()
    assert stored_visits(district) == []
    ctx.tasks.wait()
