"""The district view's hardship-files page (困难职工档案): every station's files as they
arrived by sync, read-only, filtered by station and status; the detail pane with the
file, its household and its sign-offs; the upper union's sign-off (上级工会审核意见) given
and withdrawn — with a reason — there, its one write; and a station's change after the
sign-off shown as such ("签字后有修改", what differs). Real files, a real push through the
merge, real widgets offscreen."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from station_app.domain.actor import SYSTEM_LOGIN, Actor
from station_app.domain.models import CaseUpperSignOff
from station_app.domain.services import hardship, members, stations, users
from station_app.domain.services.setup import init_district
from station_app.domain.validation import id_check_char
from station_app.storage.database import open_database
from station_app.ui.qt import Qt
from sync.changeset import from_wire, to_wire
from sync.merge import apply_changeset
from sync.outbound import acknowledge, gather, prune

TODAY = date.today()


def idn(n: int) -> str:
    body = f"44030519790303{n:03d}"
    return body + id_check_char(body)


def push(station, district) -> None:
    """The station's changes to the district, through JSON as over the network."""
    prune(station)
    while (cs := gather(station, limit=200)) is not None:
        wired = from_wire(json.loads(json.dumps(to_wire(cs), ensure_ascii=False)))
        acknowledge(station, apply_changeset(district, wired,
                                             pushing_station=station.station_id).acks)


def type_into(qtbot, widget, text: str) -> None:
    widget.setFocus()
    widget.clear()
    if text.isascii():
        qtbot.keyClicks(widget, text)
    elif hasattr(widget, "insertPlainText"):
        widget.insertPlainText(text)
    else:
        widget.insert(text)


@pytest.fixture
def district(tmp_path):
    db = open_database(tmp_path / "district.sqlite3", create=True)
    init_district(db, "qu", "district-pass-1", display_name="李主席")
    with db.session(Actor("qu", "district_admin", None, "李主席")) as s:
        stations.upsert_station(s, "KY01", "葵涌社区工联会", is_key=True)
        stations.upsert_station(s, "DP02", "大鹏社区工联会")
    yield db
    db.close()


@pytest.fixture
def files(db, admin, district):
    """At station KY01: 王秀英's file, signed off by the station head, and 李四's, closed
    (脱困); both pushed to the district."""
    with db.session(admin) as s:
        head = members.register_member(s, {"name": "王秀英", "id_number": idn(1)})
        signed = hardship.open_case(s, head.id, {
            "category": "因病", "level": "深度困难", "household_size": 3,
            "household_annual_income_fen": "36000", "political_status": "群众",
            "registered_date": date(TODAY.year, 1, 5) if TODAY >= date(TODAY.year, 1, 5)
            else TODAY})
        hardship.add_household_member(s, signed.id, {"name": "李小明", "relation": "子女",
                                                     "id_number": idn(2), "age": "12"})
        hardship.sign_case(s, signed.id, note="情况属实")
        other = members.register_member(s, {"name": "李四", "id_number": idn(3)})
        closed = hardship.open_case(s, other.id, {"category": "失业", "level": "相对困难",
                                                  "household_size": 2})
        hardship.exit_case(s, closed.id, TODAY, "已再就业")
    push(db, district)
    return signed.id, closed.id


def district_window(qtbot, settings, district, actor):
    from station_app.ui.context import AppContext
    from station_app.ui.main_window import MainWindow
    from station_app.ui.tasks import TaskRunner

    ctx = AppContext(db=district, actor=actor, lang="en", tasks=TaskRunner(district),
                     settings=settings, district=True)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def boss(district) -> Actor:
    with district.session(SYSTEM_LOGIN) as s:
        return users.authenticate(s, "qu", "district-pass-1")


@pytest.fixture
def win(qtbot, settings, district, boss):
    window = district_window(qtbot, settings, district, boss)
    yield window
    window.ctx.tasks.wait()


def settle(qtbot, win) -> None:
    qtbot.waitUntil(lambda: not win.ctx.tasks.busy, timeout=10_000)


def open_files(qtbot, win):
    win.open_page("hardship")
    settle(qtbot, win)
    return win.page("hardship")


def cells(page, row: int) -> list[str]:
    return [page.model.data(page.model.index(row, c)) for c in range(page.model.columnCount())]


def choose_file(qtbot, win, page, case_id) -> None:
    row = next(i for i, r in enumerate(page.model.rows) if r.id == case_id)
    page.table.selectRow(row)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.id == case_id,
                    timeout=10_000)
    settle(qtbot, win)


def test_the_district_lists_every_stations_files(qtbot, qtmodeltester, win, files):
    signed, closed = files
    titles = [win.nav.item(i).text() for i in range(win.nav.count())]
    assert "Hardship files" in titles
    page = open_files(qtbot, win)
    qtmodeltester.check(page.model)
    # open files by default: 王秀英's, with its grassroots sign-off
    assert [r.id for r in page.model.rows] == [signed]
    assert cells(page, 0) == [
        "KY01 葵涌社区工联会", "王秀英", "Illness", "Deep hardship", "Open",
        page.model.rows[0].file.registered_date.isoformat(),
        page.model.rows[0].last_review_date.isoformat(),
        f"站长 {TODAY.isoformat()}", "not signed"]
    assert page.count_label.text() == "1 files"
    # every status; one station's
    page.status_filter.setCurrentIndex(page.status_filter.findData(None))
    qtbot.waitUntil(lambda: len(page.model.rows) == 2, timeout=10_000)
    assert {r.file.head_name: r.file.status for r in page.model.rows} == {
        "王秀英": "open", "李四": "exited"}
    page.status_filter.setCurrentIndex(page.status_filter.findData("exited"))
    qtbot.waitUntil(lambda: [r.id for r in page.model.rows] == [closed], timeout=10_000)
    filters = page.station_filter
    assert [filters.itemText(i) for i in range(filters.count())] == [
        "All stations", "DP02 大鹏社区工联会", "KY01 葵涌社区工联会"]
    filters.setCurrentIndex(filters.findText("DP02 大鹏社区工联会"))
    qtbot.waitUntil(lambda: page.model.rows == [], timeout=10_000)
    settle(qtbot, win)
    assert page.detail is None and page.title.text() == "Choose a file in the list."


def test_the_upper_union_signs_a_file_and_sees_a_later_change(qtbot, win, files, db,
                                                              admin, district):
    signed, _closed = files
    page = open_files(qtbot, win)
    choose_file(qtbot, win, page, signed)
    # the detail pane: the file, its household (ID masked), the station's sign-off
    assert page.title.text() == f"王秀英 ({idn(1)[:6]}{'*' * 8}{idn(1)[-4:]}) — KY01 葵涌社区工联会"
    text = page.file_view.toPlainText()
    assert "Political status\n群众" in text and "Household annual income\n36000.00" in text
    assert "(empty)" not in text
    assert page.household.item(0, 0).text() == "李小明"
    assert page.household.item(0, 2).text() == idn(2)[:6] + "*" * 8 + idn(2)[-4:]
    assert page.grassroots_label.text() == (
        f"Grassroots union: signed off by 站长 on {TODAY.isoformat()}")
    assert page.upper_label.text() == "Upper union: not signed"
    assert page.changed_label.isHidden()
    assert page.sign_button.isEnabled() and not page.withdraw_button.isEnabled()

    # a date before the file was opened is refused under it, the opinion kept
    type_into(qtbot, page.form.widgets["signed_date"], "2001-02-03")
    type_into(qtbot, page.form.widgets["note"], "同意纳入帮扶")
    qtbot.mouseClick(page.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(page.form.error_text("signed_date")), timeout=10_000)
    assert "registered" in page.form.error_text("signed_date")
    assert page.form.widgets["note"].toPlainText() == "同意纳入帮扶"
    # sign the upper block with a date and the opinion
    type_into(qtbot, page.form.widgets["signed_date"], TODAY.isoformat())
    qtbot.mouseClick(page.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.message.text() == "Signed off.", timeout=10_000)
    qtbot.waitUntil(lambda: "李主席" in page.upper_label.text(), timeout=10_000)
    settle(qtbot, win)
    assert page.upper_label.text() == (
        f"Upper union: signed off by 李主席 on {TODAY.isoformat()}")
    assert cells(page, 0)[-1] == f"李主席 {TODAY.isoformat()}"
    assert not page.sign_button.isEnabled() and page.withdraw_button.isEnabled()
    assert page.sign_button.toolTip() == ("The upper union signed this file off and "
                                          "nothing changed since.")
    assert [page.history.item(r, 0).text() for r in range(page.history.rowCount())] == [
        "Upper union", "Grassroots union"]
    assert page.history.item(0, 3).text() == "同意纳入帮扶"
    with district.reader() as s:
        row = s.execute(select(CaseUpperSignOff)).scalar_one()
    assert (row.case_id, row.signed_by, row.note) == (signed, "qu", "同意纳入帮扶")

    # the station's head changes the file after both sign-offs; it reaches the district
    with db.session(admin) as s:
        hardship.add_household_member(s, signed, {"name": "王芳", "relation": "配偶"})
    push(db, district)
    page.reload()
    qtbot.waitUntil(lambda: page.changed_label.isVisible(), timeout=10_000)
    settle(qtbot, win)
    assert page.changed_label.text() == (
        "Changed after sign-off: Household member 王芳: added after signing")
    assert cells(page, 0)[-1] == f"李主席 {TODAY.isoformat()} (changed after sign-off)"
    assert "(voided)" in cells(page, 0)[-2]  # the station's own sign-off was voided there
    assert "changed since" in page.upper_label.text()
    assert page.history.item(0, 4).text() == "changed after sign-off"
    # the upper union may sign the file as it is now
    assert page.sign_button.isEnabled()


def test_withdrawing_the_upper_sign_off_asks_for_a_reason(qtbot, win, files, district):
    signed, _closed = files
    page = open_files(qtbot, win)
    choose_file(qtbot, win, page, signed)
    qtbot.mouseClick(page.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.withdraw_button.isEnabled(), timeout=10_000)
    settle(qtbot, win)

    qtbot.mouseClick(page.withdraw_button, Qt.MouseButton.LeftButton)
    dialog = page.withdraw_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # no reason given
    qtbot.waitUntil(lambda: bool(dialog.form.error_text("reason")), timeout=10_000)
    assert dialog.isVisible()
    with district.reader() as s:
        assert s.execute(select(CaseUpperSignOff.void_at)).scalar_one() is None
    type_into(qtbot, dialog.form.widgets["reason"], "误签，应先核实收入")
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    qtbot.waitUntil(lambda: "voided" in page.upper_label.text(), timeout=10_000)
    settle(qtbot, win)
    assert page.message.text() == "The sign-off was withdrawn."
    assert "误签，应先核实收入" in page.upper_label.text()
    assert cells(page, 0)[-1] == f"李主席 {TODAY.isoformat()} (withdrawn)"
    assert page.history.item(0, 4).text() == "withdrawn: 误签，应先核实收入"
    assert page.sign_button.isEnabled() and not page.withdraw_button.isEnabled()
    with district.reader() as s:
        row = s.execute(select(CaseUpperSignOff)).scalar_one()
    assert row.void_by == "qu" and "误签" in row.void_reason


def test_only_a_district_admin_is_offered_the_sign_off(qtbot, settings, district, files):
    window = district_window(qtbot, settings, district, Actor("someone", "clerk", None,
                                                              "某人"))
    try:
        page = open_files(qtbot, window)
        choose_file(qtbot, window, page, files[0])
        assert not page.sign_button.isEnabled() and not page.withdraw_button.isEnabled()
        assert page.sign_button.toolTip() == (
            "Your role (Clerk) may not sign files off (the upper union's block); it needs "
            "a district admin")
    finally:
        window.ctx.tasks.wait()
