"""The district view: the app on a district database filled by sync from two stations.

Real files, real pushes (changesets through the merge), real widgets offscreen: the
stations page shows last syncs and open conflicts, the overview counts what the stations
sent, a duplicate member is settled by marking the row the member left 转出, a conflict
is settled by bringing the lost version back, a target set here reaches a station's pull.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from station_app.domain.actor import CLI_ADMIN, Actor
from station_app.domain.ids import DISTRICT_OWNER_ID
from station_app.domain.models import Member, StationCredential, SyncConflict, Target
from station_app.domain.services import members, stations
from station_app.domain.services.setup import init_station
from station_app.domain.validation import id_check_char
from station_app.storage.database import open_database
from sync.changeset import from_wire, to_wire
from sync.district import enroll, pull, redeem
from sync.merge import apply_changeset
from sync.outbound import acknowledge, gather, prune

DISTRICT = Actor("qu", "district_admin", None, "区总工会")


def idn(n: int) -> str:
    body = f"44030519800101{n:03d}"
    return body + id_check_char(body)


def wire(cs):
    """Through JSON and back, as over the network."""
    return from_wire(json.loads(json.dumps(to_wire(cs), ensure_ascii=False)))


def push(station, district) -> None:
    prune(station)
    while (cs := gather(station, limit=200)) is not None:
        acknowledge(station, apply_changeset(district, wire(cs),
                                             pushing_station=station.station_id).acks)


@pytest.fixture
def world(tmp_path):
    """A district (SQLite) and two stations that pushed: a member registered at both, and
    a correction at the district that lost to a later edit at the station."""
    district = open_database(tmp_path / "district.sqlite3", create=True)
    district.set_state("station_id", DISTRICT_OWNER_ID)
    with district.session(DISTRICT) as s:
        stations.upsert_station(s, "KY01", "葵涌社区工联会", is_key=True)
        stations.upsert_station(s, "DP02", "大鹏社区工联会")
    ky = open_database(tmp_path / "ky01.sqlite3", create=True)
    init_station(ky, "KY01", "葵涌社区工联会", "admin", "admin-pass-1")
    dp = open_database(tmp_path / "dp02.sqlite3", create=True)
    init_station(dp, "DP02", "大鹏社区工联会", "boss", "boss-pass-1")
    e = enroll(district, "KY01", CLI_ADMIN)
    redeem(district, ky.station_id, e.code)  # KY01 has synced; DP02 only has a code
    enroll(district, "DP02", CLI_ADMIN)
    ky_admin, dp_admin = Actor("admin", "station_admin"), Actor("boss", "station_admin")
    with ky.session(ky_admin) as s:
        moved = members.register_member(s, {"name": "张三", "id_number": idn(1)})
        edited = members.register_member(s, {"name": "李四", "id_number": idn(2)})
    with dp.session(dp_admin) as s:
        members.register_member(s, {"name": "张三", "id_number": idn(1)})
    push(ky, district)
    push(dp, district)
    with district.session(DISTRICT) as s:  # a correction at the district …
        s.get(Member, edited.id).phone = "13900000000"
    with ky.session(ky_admin) as s:  # … loses to a later edit at the station
        members.update_member(s, edited.id, {"notes": "站点修改"})
    push(ky, district)
    from sqlalchemy import update

    from station_app.domain.models import StationCredential

    with district.engine.begin() as conn:
        conn.execute(update(StationCredential).where(
            StationCredential.station_id == ky.station_id).values(
            last_sync_at="2026-11-20T08:00:00.000000Z"))
    yield district, ky, dp, moved, edited
    for db in (district, ky, dp):
        db.close()


@pytest.fixture
def district_window(qtbot, qapp, settings, world):
    from station_app.ui.context import AppContext
    from station_app.ui.main_window import MainWindow
    from station_app.ui.tasks import TaskRunner

    district = world[0]
    ctx = AppContext(db=district, actor=DISTRICT, lang="en", tasks=TaskRunner(district),
                     settings=settings, district=True)
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    ctx.tasks.wait()


def settle(qtbot, win) -> None:
    qtbot.waitUntil(lambda: not win.ctx.tasks.busy, timeout=10_000)


def test_the_district_pages_show_what_the_stations_sent(qtbot, qtmodeltester,
                                                        district_window, world):
    win = district_window
    titles = [win.nav.item(i).text() for i in range(win.nav.count())]
    assert titles == ["Overview", "Reports", "Stations", "Station visits", "Hardship files",
                      "Duplicate members",
                      "Sync conflicts", "Early warnings", "Targets", "Audit log", "Settings"]
    assert "district view" in win.windowTitle()
    win.open_page("stations")
    settle(qtbot, win)
    page = win.page("stations")
    qtmodeltester.check(page.model)
    rows = {r.code: r for r in page.model.rows}
    assert set(rows) == {"KY01", "DP02"}
    assert (rows["KY01"].enrollment, rows["KY01"].conflicts) == ("enrolled", 1)
    assert rows["KY01"].last_sync and rows["DP02"].last_sync is None
    assert rows["DP02"].enrollment == "code issued"
    assert "2 stations, 1 have synced, 1 open conflicts" in page.summary.text()
    win.open_page("overview")
    settle(qtbot, win)
    overview = win.page("overview")
    qtmodeltester.check(overview.figures)
    shares = dict(overview.shares.rows)
    assert shares  # one row per station
    assert "open sync conflicts" in win._status_pending.text()


def test_a_duplicate_member_is_settled_by_retiring_the_row_they_left(qtbot,
                                                                      district_window,
                                                                      world):
    district, ky, _dp, moved, _edited = world
    win = district_window
    win.open_page("duplicates")
    settle(qtbot, win)
    page = win.page("duplicates")
    assert len(page.model.rows) == 2
    assert all("*" in page.model.data(page.model.index(r, 0)) for r in range(2))  # masked
    assert "1 people" in page.summary.text()
    assert not page.retire_selected(confirm=False).wait()  # nothing selected: told what to do
    assert "Select the row" in page.message.text()
    row = next(i for i, r in enumerate(page.model.rows) if r.id == moved.id)
    page.table.selectRow(row)
    assert page.retire_selected(confirm=False).wait()
    settle(qtbot, win)
    assert page.model.rows == []
    with district.reader() as s:
        assert s.get(Member, moved.id).status == "transferred"
    cs, _cursor = pull(district, ky.station_id, 0)
    apply_changeset(ky, wire(cs), pushing_station=None, from_district=True)
    with ky.reader() as s:  # KY01 pulls its own row back, marked 转出
        assert s.get(Member, moved.id).status == "transferred"


def test_a_conflict_shows_both_versions_and_the_lost_one_comes_back(qtbot, district_window,
                                                                     world, monkeypatch):
    district, _ky, _dp, _moved, edited = world
    win = district_window
    win.open_page("conflicts")
    settle(qtbot, win)
    page = win.page("conflicts").panel
    assert len(page.model.rows) == 1
    sides = {r[0]: (r[1], r[2]) for r in page.sides.rows}
    assert sides == {"Notes": ("站点修改", ""), "Phone": ("", "13900000000")}
    from station_app.domain.services.conflicts import resolve_conflict

    with district.session(DISTRICT) as s:  # settled elsewhere while the page showed it
        resolve_conflict(s, page.model.rows[0].id, "winner")
    assert not page.resolve("loser").wait()  # told in place, nothing written
    assert "settled" in page.message.text()
    with district.session(DISTRICT) as s:  # (undone for the rest of the test)
        c = s.get(SyncConflict, page.model.rows[0].id)
        c.resolved_at = c.resolved_by = c.resolution = None
    from station_app.ui import conflicts as panel_module

    asked = []
    monkeypatch.setattr(panel_module.QMessageBox, "question", lambda _parent, _title, text:
                        asked.append(text) or panel_module.QMessageBox.StandardButton.No)
    assert not page.resolve("loser", confirm=True).wait()  # the button asks first: "no" settles
    assert "Member 李四" in asked[0]  # nothing, and names the record
    with district.reader() as s:
        assert s.get(SyncConflict, page.model.rows[0].id).resolved_at is None
    assert page.resolve("loser").wait()
    settle(qtbot, win)
    assert page.model.rows == []
    with district.reader() as s:
        assert s.get(Member, edited.id).phone == "13900000000"
        assert s.execute(select(SyncConflict.resolution)).scalar_one() == "kept loser"


def test_a_target_set_here_is_pulled_by_the_station(qtbot, district_window, world):
    district, ky, _dp, _moved, _edited = world
    win = district_window
    win.open_page("targets")
    settle(qtbot, win)
    page = win.page("targets")
    page.scope.setCurrentIndex(page.scope.findData("KY01"))
    page.figure.setCurrentIndex(page.figure.findData("enterprise_visits"))
    page.value.setText("abc")
    assert not page.save().wait()  # the error shows at the field, nothing saved
    assert page.form.error_text("value")
    page.value.setText("104")
    assert page.save().wait()
    settle(qtbot, win)
    assert [(t[0], t[2]) for t in page.model.rows] == [("enterprise_visits", 104)]
    cs, _cursor = pull(district, ky.station_id, 0)
    apply_changeset(ky, wire(cs), pushing_station=None, from_district=True)
    with ky.reader() as s:
        target = s.execute(select(Target)).scalar_one()
        assert (target.year, target.value) == (date.today().year, 104)


def test_only_district_admins_see_the_district_view(qapp, world, tmp_path):
    """Only a district admin settles conflicts (the district view's login asks for that
    role; the services check it again on every write)."""
    from station_app.domain.services.common import PermissionDenied
    from station_app.domain.services.conflicts import resolve_conflict

    district = world[0]
    with district.reader() as s:
        conflict_id = s.execute(select(SyncConflict.id)).scalar_one()
    with district.session(Actor("clerk", "clerk")) as s, pytest.raises(PermissionDenied):
        resolve_conflict(s, conflict_id, "winner")


def test_codes_are_issued_and_access_revoked_from_the_stations_page(qtbot, district_window,
                                                                     world):
    """A district admin issues DP02 a new code (shown once, with its file sync key) and
    revokes KY01 (a lost laptop): KY01's token stops working at once."""
    from sync.district import redeem, station_for_token

    district, ky, dp, _moved, _edited = world
    win = district_window
    win.open_page("stations")
    settle(qtbot, win)
    page = win.page("stations")
    assert not page.issue_code(show=False).wait()  # nothing selected: said
    assert "Select a station" in page.file_status.text()
    page.table.selectRow(next(i for i, r in enumerate(page.model.rows) if r.code == "DP02"))
    assert page.issue_code(show=False).wait()
    settle(qtbot, win)
    issued = page.last_issued
    assert "DP02" in page.file_status.text()
    token, secret = redeem(district, dp.station_id, issued.code)  # the code works
    assert secret == issued.bundle_secret
    settle(qtbot, win)
    with district.reader() as s:
        ky_token_holder = s.get(StationCredential, ky.station_id)
        assert ky_token_holder.token_hash is not None
    page.table.selectRow(next(i for i, r in enumerate(page.model.rows) if r.code == "KY01"))
    assert page.revoke_selected(confirm=False).wait()
    settle(qtbot, win)
    assert "revoked" in page.file_status.text()
    assert {r.code: r.enrollment for r in page.model.rows}["KY01"] == "revoked"
    assert station_for_token(district, token) == dp.station_id  # DP02 unaffected
    from station_app.domain.services.common import PermissionDenied
    from sync.district import enroll

    with pytest.raises(PermissionDenied):  # the service checks the role again
        enroll(district, "DP02", Actor("boss", "station_admin"))
