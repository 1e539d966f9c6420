"""The sync page before enrollment, and its error in place when the district is away."""

from __future__ import annotations

import socket
from pathlib import Path

from station_app.domain.actor import CLI_ADMIN


def test_sync_page_says_what_to_do_and_reports_an_unreachable_district(qtbot, ctx, monkeypatch):
    from station_app.ui.pages.sync import SyncPage
    from sync import client as client_module

    monkeypatch.setattr(client_module, "RETRIES", (0.01,))
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    assert "Not enrolled" in page.status.text()
    assert str(ctx.db.pending_count()) in page.status.text()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    page.form.widgets["server"].setText(f"http://127.0.0.1:{port}")
    page.form.widgets["enrollment_code"].setText("ABCD-EF01-2345-6789")
    page.sync_now(quiet=True)
    assert not page.form.isEnabled()  # while the round runs, what it took stays shown
    qtbot.waitUntil(lambda: page.running is None, timeout=15_000)
    assert page.form.isEnabled()
    assert "无法连接区总工会服务器" in page.error.text()  # in the clerk's language
    assert page.error.isVisibleTo(page)
    assert "Not enrolled" not in page.status.text()  # (the error says it; once is enough)
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
    ky_code = enroll(district, "KY01", CLI_ADMIN).code
    dp_code = enroll(district, "DP02", CLI_ADMIN).code
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
            qtbot.waitUntil(lambda p=page: not p.loading, timeout=10_000)
        sync(ky_page, url, ky_code)
        assert "Last round: sent" in ky_page.status.text()
        assert "0 changes not yet sent" in ky_page.status.text()
        # a new code can still be typed (a revoked or replaced station gets one) …
        assert ky_page.form.widgets["enrollment_code"].isEnabled()
        ky_page.form.widgets["enrollment_code"].setText("3F2A-")  # … half typed when
        ky_page._auto()  # the automatic try comes: it neither sends nor clears it
        qtbot.waitUntil(lambda: ky_page.running is None, timeout=30_000)
        assert ky_page.last_error is None, ky_page.last_error
        assert ky_page.form.values()["enrollment_code"] == "3F2A-"
        ky_page.form.widgets["enrollment_code"].setText("")
        qtbot.waitUntil(lambda: not ky_page.conflicts.isVisibleTo(ky_page))  # none: no room
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
        qtbot.waitUntil(lambda: not ky_page.loading, timeout=10_000)
        panel = ky_page.conflicts
        qtbot.waitUntil(lambda: panel.count() == 1, timeout=10_000)
        assert panel.isVisibleTo(ky_page)
        assert "1 conflicts to review" in ky_page.status.text()
        # what a person recognises: the kind of record, its name, the fields that differ,
        # each version side by side
        view = panel.model.rows[0]
        assert [panel.model.data(panel.model.index(0, c)) for c in range(3)] == \
            ["Member", "张三", "备注、电话"]  # (the clerk works in Chinese)
        assert {r[0]: (r[1], r[2]) for r in panel.sides.rows} == {
            "备注": ("", "站点修改"), "电话": ("13900000000", "")}
        assert view.loser_source == "local"  # the district's version stands
        assert panel.resolve("loser").wait()
        qtbot.waitUntil(lambda: panel.count() == 0, timeout=10_000)
        # (the status line is read again by its own query, which may end a moment later)
        qtbot.waitUntil(lambda: "0 conflicts to review" in ky_page.status.text(),
                        timeout=10_000)
        sync(ky_page)  # the brought-back version goes to the district
    with district.reader() as s:  # the station's notes came back, over the correction
        row = s.get(Member, m.id)
        assert (row.notes, row.phone) == ("站点修改", None)
    dp_ctx.tasks.wait()
    dp.close()
    district.close()


def test_a_station_without_a_network_syncs_by_file_from_both_apps(qtbot, ctx, admin, db,
                                                                   tmp_path, settings):
    """KY01's Sync page writes a file (after a mistyped key is refused in place, keeping
    what was typed); the district view's Stations page reads it, a target is set there,
    and the page writes KY01's file back; KY01's page reads it: the target arrived, the
    outbox is empty. Reading the same files again changes nothing."""
    from sqlalchemy import func, select

    from station_app.domain.actor import Actor
    from station_app.domain.ids import DISTRICT_OWNER_ID
    from station_app.domain.models import Member, Target
    from station_app.domain.services import members, stations
    from station_app.storage.database import open_database
    from station_app.ui.context import AppContext
    from station_app.ui.pages.district import StationsPage
    from station_app.ui.pages.sync import SyncPage
    from station_app.ui.tasks import TaskRunner
    from sync.district import enroll

    boss = Actor("qu", "district_admin", None, "区总工会")
    district = open_database(tmp_path / "district.sqlite3", create=True)
    district.set_state("station_id", DISTRICT_OWNER_ID)
    with district.session(boss) as s:
        stations.upsert_station(s, "KY01", "葵涌社区工联会")
    key = enroll(district, "KY01", CLI_ADMIN).bundle_secret
    d_ctx = AppContext(db=district, actor=boss, lang="en", tasks=TaskRunner(district),
                       settings=settings, district=True)
    with db.session(admin) as s:
        members.register_member(s, {"name": "张三", "id_number": "11010519491231002X"})

    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    up, down = tmp_path / "ky01-up.bundle", tmp_path / "ky01-down.bundle"
    page.export_file(up)  # no key yet: said under the field, nothing written
    assert page.file_form.error_text("bundle_key") and not up.exists()
    page.file_form.widgets["bundle_key"].setText(key[:40])
    page.export_file(up)
    assert "40 位" in page.file_form.error_text("bundle_key") and not up.exists()
    assert page.file_form.values()["bundle_key"] == key[:40]  # what was typed stays
    page.file_form.widgets["bundle_key"].setText(key.upper())
    page.export_file(up)
    qtbot.waitUntil(lambda: page.running is None, timeout=15_000)
    assert up.exists() and page.file_status.text().startswith("1 changes written to"), \
        page.file_status.text()
    assert ctx.db.state()["bundle_secret"] == key  # kept: not asked again …
    assert "already given" in page.file_form.widgets["bundle_key"].placeholderText()
    assert page.file_form.widgets["bundle_key"].isEnabled()  # … but a typo can be replaced
    assert ctx.db.pending_count() == 1  # pending until the district's file says so

    view = StationsPage(d_ctx)
    qtbot.addWidget(view)
    view.show()
    view.activate()
    qtbot.waitUntil(lambda: not view.loading, timeout=10_000)
    for _ in range(2):  # the second time applies nothing
        view.import_file(up)
        qtbot.waitUntil(lambda: view.import_button.isEnabled(), timeout=15_000)
    assert "0 rows applied from 1 batches (1 batches had been read before)" in \
        view.file_status.text()  # the second read applied nothing
    with district.reader() as s:
        assert s.execute(select(func.count()).select_from(Member)).scalar_one() == 1
    with district.session(boss) as s:
        stations.set_target(s, 2026, "training_events", 40)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=15_000)
    # the station whose file was read is selected, across the reloads that followed
    qtbot.waitUntil(lambda: not view.ctx.tasks.busy, timeout=15_000)
    assert view.table.currentIndex().row() == 0
    view.export_file(path=down)
    qtbot.waitUntil(lambda: down.exists() and view.export_button.isEnabled(),
                    timeout=15_000)
    assert "KY01" in view.file_status.text()

    for _ in range(2):
        page.import_file(down)
        qtbot.waitUntil(lambda: page.running is None, timeout=15_000)
    assert "0 changes not yet sent" in page.status.text() or \
        "0 条更改尚未同步" in page.status.text(), page.status.text()
    with db.reader() as s:
        assert s.execute(select(func.count()).select_from(Target)).scalar_one() == 1
    assert ctx.db.pending_count() == 0
    d_ctx.tasks.wait()
    district.close()


def test_a_damaged_file_is_refused_with_a_message_and_nothing_read(qtbot, ctx, tmp_path):
    from station_app.ui.pages.sync import SyncPage

    ctx.db.set_state("bundle_secret", "ab" * 32)
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    junk = tmp_path / "junk.bundle"
    junk.write_bytes(b"not a sync file")
    before = ctx.db.state().get("pull_cursor")
    page.import_file(junk)
    qtbot.waitUntil(lambda: page.running is None, timeout=15_000)
    assert "不是同步文件" in page.file_status.text()
    assert ctx.db.state().get("pull_cursor") == before
    assert page.import_button.isEnabled() and page.sync_button.isEnabled()


def test_held_rows_are_listed_as_a_person_knows_them_with_the_reason(qtbot, ctx, admin):
    """A row the district refused: the page names it by kind and name, with the
    district's reason in the clerk's language."""
    from station_app.domain.services import members
    from station_app.ui.pages.sync import SyncPage
    from sync.outbound import hold

    with ctx.db.session(admin) as s:
        m = members.register_member(s, {"name": "张三", "id_number": "11010519491231002X"})
        hlc = m.hlc
    hold(ctx.db, [("members", m.id, hlc, "refused for a test\t测试用的拒绝原因")])
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    assert "1 changes the district refused are held" in page.status.text()
    assert "Member 张三: 测试用的拒绝原因" in page.status.text()


def test_the_sync_page_warns_of_plain_http(qtbot, ctx):
    """Plain HTTP beyond this computer (the station allowed it for its local network):
    the page says in red what that means."""
    from station_app.ui.pages.sync import SyncPage

    ctx.db.set_state("district_server", "http://192.168.1.20:8765")
    ctx.db.set_state("sync_plain_http", "1")
    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    assert page.plain_warning.isVisibleTo(page)
    assert page.form.values()["plain_http"] is True
    ctx.db.set_state("district_server", "https://district:8765")
    page.reload()
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    assert not page.plain_warning.isVisibleTo(page)


def test_the_districts_ca_and_fingerprint_are_kept_with_the_next_round(qtbot, ctx, tmp_path,
                                                                        monkeypatch):
    """A CA file chosen and a fingerprint typed on the page are kept (checked first) when
    the clerk starts a round — whether or not the district answers then."""
    import certifi

    from station_app.ui.pages.sync import SyncPage
    from sync import client as client_module

    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("hello")
    page.choose_ca(not_pem)
    assert "证书" in page.form.error_text("fingerprint") and page._ca_pem is None
    page.choose_ca(Path(certifi.where()))
    assert page._ca_pem and "next sync" in page.ca_label.text()
    page.form.widgets["server"].setText(f"https://127.0.0.1:{_free_port()}")
    page.form.widgets["fingerprint"].setText("ab" * 32)
    monkeypatch.setattr(client_module, "RETRIES", (0.01,))
    page.sync_now(quiet=True)
    qtbot.waitUntil(lambda: page.running is None, timeout=20_000)
    state = ctx.db.state()
    assert state["district_ca"] == Path(certifi.where()).read_text()
    assert state["district_fingerprint"] == ":".join(["AB"] * 32)
    assert page._ca_pem is None and "is kept" in page.ca_label.text()
    assert page.error.isVisibleTo(page)  # (nothing answers there)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_page_says_when_changes_went_to_the_district_for_review(qtbot, ctx):
    from station_app.ui.pages.sync import SyncPage
    from sync.client import SyncReport

    page = SyncPage(ctx)
    qtbot.addWidget(page)
    page.activate()
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    page.last_report = SyncReport(pushed=3, review=2)
    page.reload()
    qtbot.waitUntil(lambda: not page.loading, timeout=10_000)
    assert "2 changes to enterprises of other stations went to the district for review" \
        in page.status.text()
