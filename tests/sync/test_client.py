"""Two stations and a district over real HTTP on loopback (uvicorn), on both back-ends."""

from __future__ import annotations

import pytest
from loopback import free_port, serve
from sqlalchemy import func, select

from station_app.domain.actor import CLI_ADMIN, Actor
from station_app.domain.models import Member, OutboxEntry, Target
from station_app.domain.services import members, stations
from station_app.domain.validation import id_check_char
from station_app.storage.database import open_database

DISTRICT = Actor("district", "district_admin", None, "区总工会")



@pytest.fixture
def server(district):
    from sync.server.app import create_app

    with serve(create_app(district)) as url:
        yield url


def idn(n: int) -> str:
    body = f"44030519800101{n:03d}"
    return body + id_check_char(body)


def count(db, model, *where) -> int:
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def second_station(template_db, tmp_path):
    """Another station's file (DP02), set up like the template."""
    from station_app.domain.services.setup import init_station

    db = open_database(tmp_path / "dp02.sqlite3", create=True)
    init_station(db, "DP02", "大鹏社区工联会", "boss", "boss-pass-1")
    return db


def test_two_stations_and_the_district(db, admin, district, server, tmp_path, template_db):
    from sync.client import SyncClient, SyncError
    from sync.district import enroll

    code = enroll(district, "KY01", CLI_ADMIN).code
    with db.session(admin) as s:
        for n in range(1, 6):
            members.register_member(s, {"name": "会员" + "甲乙丙丁戊"[n - 1],
                                        "id_number": idn(n)})
    client = SyncClient(db, server, batch_rows=2, max_batch_rows=2)
    with pytest.raises(SyncError, match="not enrolled"):
        client.sync()
    report = client.sync(code)
    client.close()
    assert report.pushed >= 5 and report.batches >= 3
    assert count(db, OutboxEntry) == 0
    assert count(district, Member) == 5
    assert db.state()["district_server"] == server
    assert db.state()["last_sync"]

    # the district sets a target; the other station enrolls and syncs; both receive it
    with district.session(DISTRICT) as s:
        stations.set_target(s, 2026, "training_events", 40)
    other = second_station(template_db, tmp_path)
    other_code = enroll(district, "DP02", CLI_ADMIN).code
    with other.session(Actor("boss", "station_admin")) as s:
        members.register_member(s, {"name": "李四", "id_number": idn(9)})
    c2 = SyncClient(other, server)
    c2.sync(other_code)
    c2.close()
    again = SyncClient(db)  # the address is remembered
    again.sync()
    again.close()
    assert count(db, Target) == 1 and count(other, Target) == 1
    assert count(district, Member) == 6
    assert count(db, Member) == 5 and count(other, Member) == 1  # each its own members
    other.close()


def test_a_refused_row_is_held_and_the_rest_goes_on(db, admin, district, server):
    """A row the district refuses does not block the queue: it is held for the clerk,
    with the district's reason. Each round a person starts tries it again (the page's
    automatic tries do not); once the district knows what was missing it goes through."""
    from station_app.domain.actor import SYSTEM_SYNC
    from station_app.domain.ids import DISTRICT_OWNER_ID, enterprise_id_for
    from station_app.domain.models import Enterprise, Visit
    from station_app.domain.services import enterprises, visits
    from station_app.domain.validation import credit_code_check_char
    from sync.client import SyncClient
    from sync.district import enroll

    code = enroll(district, "KY01", CLI_ADMIN).code
    with db.session(admin) as s:
        members.register_member(s, {"name": "张三", "id_number": idn(1)})
        members.register_member(s, {"name": "李四", "id_number": idn(2)})
    credit = "91440300MA5000001"
    credit += credit_code_check_char(credit)
    with db.session(SYSTEM_SYNC, source="sync") as s:
        # an enterprise the district has never heard of (a local copy gone astray)
        s.add(Enterprise(id=enterprise_id_for(credit), station_id=DISTRICT_OWNER_ID,
                         hlc=db.clock.tick(), name="外区企业", credit_code=credit))
    with db.session(admin) as s:
        visit = visits.record_visit(s, {"visit_date": "2026-11-20",
                                        "enterprise_id": enterprise_id_for(credit),
                                        "visitors": "王芳"}).visit
    client = SyncClient(db, server)
    report = client.sync(code)
    client.close()
    assert len(report.held) == 1 and visit.id in report.held[0]
    assert "does not have" in report.held[0] and "nothing of this batch" not in report.held[0]
    assert report.still_held == 1
    assert count(district, Member) == 2
    assert count(district, Visit) == 0
    assert count(db, OutboxEntry) == 1  # kept for the clerk, not lost
    again = SyncClient(db)
    quiet = again.sync(retry_held=False)  # an automatic try leaves it be
    assert (quiet.held, quiet.still_held, quiet.pushed) == ([], 1, 0)
    tried = again.sync()  # a person's try: refused again, still held
    assert len(tried.held) == 1 and tried.still_held == 1
    with district.session(DISTRICT) as s:  # the district learns of the enterprise …
        enterprises.register_enterprise(s, {"name": "外区企业", "credit_code": credit})
    done = again.sync()  # … and the held visit goes through
    again.close()
    assert (done.held, done.still_held) == ([], 0)
    assert count(district, Visit) == 1 and count(db, OutboxEntry) == 0


def test_unreachable_district_is_a_clear_error(db, monkeypatch):
    from sync import client as client_module
    from sync.client import SyncClient, SyncError

    monkeypatch.setattr(client_module, "RETRIES", (0.01,))
    c = SyncClient(db, f"http://127.0.0.1:{free_port()}")
    c.token = "x"
    with pytest.raises(SyncError, match="cannot be reached"):
        c.sync()
    c.close()


def test_station_admin_sync_command(db_path, district, server, capsys):
    from station_app.cli import main
    from sync.district import enroll

    code = enroll(district, "KY01", CLI_ADMIN).code
    assert main(["sync", "--db", str(db_path), "--server", server,
                 "--enrollment-code", code]) == 0
    assert "sent" in capsys.readouterr().out
    assert main(["sync", "--db", str(db_path)]) == 0
    assert main(["sync", "--db", str(db_path), "--server", server,
                 "--enrollment-code", code]) == 1  # a used code
    assert "error:" in capsys.readouterr().err


def test_reseed_after_restoring_a_backup_loses_nothing(db_path, admin, district, server):
    from station_app.storage.backup import make_backup, restore_backup
    from sync.client import SyncClient, SyncError
    from sync.district import enroll

    code = enroll(district, "KY01", CLI_ADMIN).code
    db = open_database(db_path)
    with db.session(admin) as s:
        members.register_member(s, {"name": "张三", "id_number": idn(1)})
    c = SyncClient(db, server)
    c.sync(code)
    c.close()
    backup = make_backup(db_path, "manual")  # the laptop's last backup …
    with db.session(admin) as s:  # … then a day's work that reached the district
        members.register_member(s, {"name": "李四", "id_number": idn(2)})
    c = SyncClient(db)
    c.sync()
    c.close()
    old_node = db.node_id
    db.close()
    restore_backup(db_path, backup)  # the disk failed; the backup comes back
    db = open_database(db_path)
    assert count(db, Member) == 1
    c = SyncClient(db)
    with pytest.raises(SyncError, match="reseed"):
        c.sync()
    c.reseed()
    c.close()
    assert count(db, Member) == 2  # the day's work came back from the district
    assert db.node_id != old_node
    assert "needs_reseed" not in db.state()
    c = SyncClient(db)
    c.sync()  # and ordinary syncs go on
    c.close()
    db.close()


def test_a_busy_district_answers_503_and_the_client_tries_again(db, admin, tmp_path,
                                                                monkeypatch, caplog):
    """Another process holds the SQLite district's write lock past the busy timeout: the
    push is answered 503 with nothing applied, and the client sends it again after a
    pause until it goes in."""
    import logging
    import threading

    from station_app.domain.ids import DISTRICT_OWNER_ID
    from station_app.storage import engine as engine_module
    from station_app.storage.sqlfile import dbapi as sqlite3
    from sync.client import SyncClient
    from sync.district import enroll
    from sync.server.app import create_app

    district = open_database(tmp_path / "district.sqlite3", create=True)
    district.set_state("station_id", DISTRICT_OWNER_ID)
    with district.session(DISTRICT) as s:
        stations.upsert_station(s, "KY01", "葵涌社区工联会")
    code = enroll(district, "KY01", CLI_ADMIN).code
    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 200)
    district.engine.dispose()  # new connections, with the short timeout
    with db.session(admin) as s:
        for n in range(1, 4):
            members.register_member(s, {"name": "会员", "id_number": idn(n)})
    with serve(create_app(district)) as url:
        client = SyncClient(db, url)
        client.enroll(code)
        other = sqlite3.connect(tmp_path / "district.sqlite3", isolation_level=None,
                                check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")  # another process writing, for a while
        release = threading.Timer(1.5, lambda: other.execute("COMMIT"))
        release.start()
        caplog.set_level(logging.INFO, logger="sync.client")
        try:
            report = client.sync()
        finally:
            release.join()
            other.close()
            client.close()
    assert report.pushed == 3
    assert any("district busy" in r.getMessage() for r in caplog.records)
    assert count(district, Member) == 3
    assert count(db, OutboxEntry) == 0
    district.close()


def _bulk_members(db, admin, n: int, note: str = "") -> None:
    with db.session(admin) as s:
        result = members.bulk_register_members(
            s, [{"name": "会员", "id_number": idn(i), "notes": note or None}
                for i in range(1, n + 1)])
    assert len(result.inserted) == n


def test_a_push_grows_its_batches_while_the_district_keeps_up(db, admin, district, server):
    """A long queue starts at the first batch size and doubles while the district applies
    full batches quickly (fewer, larger transactions), never past the district's limit;
    everything arrives once."""
    from sync.client import SyncClient
    from sync.district import enroll

    _bulk_members(db, admin, 600)
    sizes: list[int] = []
    shown: list[tuple[int, int]] = []
    client = SyncClient(db, server, batch_rows=10,
                        progress=lambda stage, done, total: stage == "push"
                        and shown.append((done, total)))
    send = client._send

    def counted(cs, *args, **kwargs):
        sizes.append(cs.count())
        return send(cs, *args, **kwargs)

    client._send = counted
    report = client.sync(enroll(district, "KY01", CLI_ADMIN).code)
    client.close()
    # the progress shown counts against everything queued, not the batch on its way
    assert [done for done, _ in shown] == [sum(sizes[:i]) for i in range(len(sizes))]
    assert {total for _, total in shown} == {600}
    assert client.limits == (20_000, 16 * 1024 * 1024)  # what the district said it takes
    assert sizes[:3] == [10, 10, 20]  # the second was gathered while the first was away
    assert sizes == sorted(sizes[:-1]) + sizes[-1:] and max(sizes) >= 160
    assert sum(sizes) == report.pushed == 600
    assert count(district, Member) == 600 and count(db, OutboxEntry) == 0


def test_a_push_keeps_each_batch_under_the_districts_body_limit(db, admin, district,
                                                                monkeypatch):
    """Rows with long texts: a batch is cut (oldest first) until its JSON fits within the
    district's body limit, so a queue of long notes never meets a 413; all arrive once."""
    import orjson

    import sync.server.app as server_app
    from sync.changeset import to_wire
    from sync.client import SyncClient
    from sync.district import enroll

    monkeypatch.setattr(server_app, "MAX_BODY", 64 * 1024)
    _bulk_members(db, admin, 120, note="走访记录" * 500)  # ~6 KB of JSON a row
    bodies: list[int] = []
    with serve(server_app.create_app(district)) as url:
        client = SyncClient(db, url, batch_rows=1_000)
        send = client._send

        def measured(cs, *args, **kwargs):
            bodies.append(len(orjson.dumps(to_wire(cs))))
            return send(cs, *args, **kwargs)

        client._send = measured
        report = client.sync(enroll(district, "KY01", CLI_ADMIN).code)
        client.close()
    assert report.pushed == 120 and report.held == []
    assert len(bodies) >= 10 and max(bodies) <= 48 * 1024
    assert count(district, Member) == 120 and count(db, OutboxEntry) == 0


def test_a_mistyped_address_is_refused_and_the_one_kept_stays(db):
    from sync.client import SyncClient, SyncError

    SyncClient(db, "district:8765").close()  # no scheme: https:// is meant
    assert db.state()["district_server"] == "https://district:8765"
    SyncClient(db, "localhost:8765").close()  # (this computer: http://)
    assert db.state()["district_server"] == "http://localhost:8765"
    SyncClient(db, "district:8765").close()
    for typo in ("ht!tp:/x y", "http://"):
        with pytest.raises(SyncError) as refused:
            SyncClient(db, typo)
        assert "not a web address" in refused.value.message("en")
        assert "不是有效的网址" in refused.value.message("zh")
    assert db.state()["district_server"] == "https://district:8765"


def test_a_web_server_that_is_not_the_district_says_so(db, tmp_path):
    """An address that answers with a web page (a wrong port): the clerk is told to check
    the address, not shown the page."""
    import threading
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from sync.client import SyncClient, SyncError

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    web = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(tmp_path)))
    threading.Thread(target=web.serve_forever, daemon=True).start()
    try:
        client = SyncClient(db, f"http://127.0.0.1:{web.server_address[1]}")
        client.token = "x"
        with pytest.raises(SyncError) as refused:
            client.sync()
        client.close()
    finally:
        web.shutdown()
        web.server_close()
    assert "not as a district sync service" in refused.value.message("en")
    assert "<" not in refused.value.message("en")  # no HTML
    assert "核对服务器地址" in refused.value.message("zh")


def test_a_wrong_enrollment_code_is_named_as_such(db, district, server):
    from sync.client import SyncClient, SyncError
    from sync.district import enroll

    enroll(district, "KY01", CLI_ADMIN)
    client = SyncClient(db, server)
    with pytest.raises(SyncError) as refused:
        client.sync("AAAA-BBBB-CCCC-DDDD")
    client.close()
    assert "did not accept the enrollment code" in refused.value.message("en")
    assert "注册码" in refused.value.message("zh")


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path


def test_a_station_whose_file_is_lost_for_good_starts_again_from_the_district(
        db_path, admin, district, server, tmp_path):
    """No password, no key file, no recovery key: the file cannot be opened by anyone.
    The station sets up a new encrypted file under its code, the district enrolls it
    again, and a re-seed brings back everything that had reached the district."""
    from station_app.domain.services.login import create_station, login
    from station_app.storage import sqlfile
    from sync.client import SyncClient
    from sync.district import enroll

    db = open_database(db_path)
    with db.session(admin) as s:
        for n, name in ((1, "张三"), (2, "李四"), (3, "王五")):
            members.register_member(s, {"name": name, "id_number": idn(n)})
    c = SyncClient(db, server)
    c.sync(enroll(district, "KY01", CLI_ADMIN).code)
    c.close()
    db.close()
    # the laptop is gone (or its only admin forgot the password and lost the paper)
    fresh = tmp_path / "new-laptop" / "station.sqlite3"
    made = create_station(fresh, "KY01", "葵涌社区工联会", "boss", "Fresh-Start-2026")
    c = SyncClient(made.db, server)
    c.sync(enroll(district, "KY01", CLI_ADMIN).code)  # enrolled again by the district
    assert count(made.db, Member) == 0  # an ordinary pull sends a station's own rows only
    c.reseed()
    c.close()
    assert count(made.db, Member) == 3
    made.db.close()
    sqlfile.forget(fresh)
    again = login(fresh, "boss", "Fresh-Start-2026")  # the new file, under its own key
    try:
        assert count(again.db, Member) == 3
    finally:
        again.db.close()
