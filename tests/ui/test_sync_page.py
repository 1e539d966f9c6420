"""The sync page before enrollment, and its error in place when the district is away."""

from __future__ import annotations

import socket


def test_sync_page_says_what_to_do_and_reports_an_unreachable_district(qtbot, ctx, monkeypatch):
    from station_app.ui.pages.sync import SyncPage
    from sync import client as client_module

    monkeypatch.setattr(client_module, "RETRIES", (0.01,))
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    assert "Not enrolled" in page.status.text()
    assert str(ctx.db.pending_count()) in page.status.text()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    page.form.widgets["server"].setText(f"http://127.0.0.1:{port}")
    page.form.widgets["enrollment_code"].setText("ABCD-EF01-2345-6789")
    page.sync_now(quiet=True)
    qtbot.waitUntil(lambda: page.running is None, timeout=15_000)
    assert "无法连接区总工会服务器" in page.status.text()  # in the clerk's language
    assert page.sync_button.isEnabled()
    # the address typed is remembered for the next try
    assert ctx.db.state()["district_server"] == f"http://127.0.0.1:{port}"


def test_two_stations_sync_through_the_page_and_settle_a_conflict(qtbot, ctx, admin, db,
                                                                   tmp_path, qapp, settings):
    """The app end to end over real HTTP: KY01 enrolls from its Sync page and sends a
    member and an enterprise; DP02 enrolls from its own page and receives the enterprise;
    a correction at the district that arrived while KY01 still had its own edit pending
    wins (it is newer) and is listed on KY01's page; settled there by bringing KY01's
    version back, which the next round sends."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent.parent / "sync"))
    from loopback import serve

    from station_app.domain.actor import Actor
    from station_app.domain.ids import DISTRICT_OWNER_ID
    from station_app.domain.models import Enterprise, Member
    from station_app.domain.services import enterprises, members, stations
    from station_app.domain.services.setup import init_station
    from station_app.storage.database import open_database
    from station_app.ui.context import AppContext
    from station_app.ui.pages.sync import SyncPage
    from station_app.ui.tasks import TaskRunner
    from sync.district import enroll
    from sync.server.app import create_app

    boss = Actor("qu", "district_admin", None, "区总工会")
    district = open_database(tmp_path / "district.sqlite3", create=True)
    district.set_state("station_id", DISTRICT_OWNER_ID)
    with district.session(boss) as s:
        stations.upsert_station(s, "KY01", "葵涌社区工联会")
        stations.upsert_station(s, "DP02", "大鹏社区工联会")
    ky_code, dp_code = enroll(district, "KY01").code, enroll(district, "DP02").code
    dp = open_database(tmp_path / "dp02.sqlite3", create=True)
    init_station(dp, "DP02", "大鹏社区工联会", "boss", "boss-pass-1")
    dp_ctx = AppContext(db=dp, actor=Actor("boss", "station_admin"), lang="en",
                        tasks=TaskRunner(dp), settings=settings)
    with db.session(admin) as s:
        m = members.register_member(s, {"name": "张三", "id_number": "11010519491231002X"})
        enterprises.register_enterprise(s, {"name": "葵涌制衣厂",
                                            "credit_code": "91440300618874393H"})

    def sync(page, url=None, code=None) -> None:
        if url:
            page.form.widgets["server"].setText(url)
        if code:
            page.form.widgets["enrollment_code"].setText(code)
        page.sync_now(quiet=True)
        qtbot.waitUntil(lambda: page.running is None, timeout=30_000)
        assert page.last_error is None, page.last_error

    with serve(create_app(district)) as url:
        ky_page, dp_page = SyncPage(ctx), SyncPage(dp_ctx)
        for page in (ky_page, dp_page):
            qtbot.addWidget(page)
            page.show()
            page.activate()
        sync(ky_page, url, ky_code)
        assert "Last round: sent" in ky_page.status.text()
        assert "0 changes not yet sent" in ky_page.status.text()
        sync(dp_page, url, dp_code)
        with dp.reader() as s:  # the shared enterprise reached the other station
            assert s.query(Enterprise).filter_by(name="葵涌制衣厂").count() == 1
        with db.session(admin) as s:  # an edit at the station, not sent yet …
            members.update_member(s, m.id, {"notes": "站点修改"})
        with district.session(boss) as s:  # … and a later correction at the district
            s.get(Member, m.id).phone = "13900000000"
        from sync.client import SyncClient, SyncReport

        client = SyncClient(db)  # the district's changes arrive before the edit is sent
        client.pull(SyncReport())
        client.close()
        ky_page.reload()
        assert ky_page.conflicts.rowCount() == 1
        assert "1 conflicts to review" in ky_page.status.text()
        ky_page.conflicts.selectRow(0)
        assert ky_page.settle("loser")
        assert ky_page.conflicts.rowCount() == 0
        sync(ky_page)  # the brought-back version goes to the district
    with district.reader() as s:  # the station's notes came back, over the correction
        row = s.get(Member, m.id)
        assert (row.notes, row.phone) == ("站点修改", None)
    dp_ctx.tasks.wait()
    dp.close()
    district.close()
