"""Storage: the open lifecycle, damaged files, backups, the hybrid logical clock and
clock correction."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station_app.domain.services import hardship, members
from station_app.domain.validation import id_check_char
from station_app.storage import backup as backups
from station_app.storage.clock import COUNTER_MAX, HybridClock, Stamp, wall_ms
from station_app.storage.database import (
    SCHEMA_HEAD,
    DamagedDatabaseError,
    MissingDatabaseError,
    NewerDatabaseError,
    NotStationDatabaseError,
    migrate,
    open_database,
)
from station_app.storage.engine import BUSY_TIMEOUT_MS, make_engine
from station_app.storage.sqlfile import dbapi as sqlite3

ROOT = Path(__file__).resolve().parents[2]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"


def make_id(n: int, born: date = date(1980, 1, 1), area: str = "110101") -> str:
    """A valid 18-character ID number; ``n`` (0..) picks sequence and birth date."""
    born = born + timedelta(days=n // 1000)
    first17 = f"{area}{born:%Y%m%d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def member_rows(count: int, start: int = 0) -> list[dict]:
    rows = []
    for i in range(start, start + count):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]
        rows.append({"name": name, "id_number": make_id(i), "phone": f"139{i:08d}"})
    return rows


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path)


def scalar(path: Path, sql: str, *args):
    con = raw(path)
    try:
        return con.execute(sql, args).fetchone()[0]
    finally:
        con.close()


def run_python(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120,
    )


# --------------------------------------------------------------------------- open lifecycle


def test_missing_file_without_create(tmp_path):
    with pytest.raises(MissingDatabaseError) as err:
        open_database(tmp_path / "nope.sqlite3")
    assert "nope.sqlite3" in err.value.message("en")
    assert not (tmp_path / "nope.sqlite3").exists()


def test_foreign_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "other.sqlite3"
    con = raw(path)
    con.execute("CREATE TABLE things (id INTEGER PRIMARY KEY, x TEXT)")
    con.execute("INSERT INTO things (x) VALUES ('a')")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(NotStationDatabaseError):
        open_database(path)
    assert path.read_bytes() == before


def test_newer_database_is_refused_and_left_untouched(db_path):
    con = raw(db_path)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    assert not Path(f"{db_path}-wal").exists() or Path(f"{db_path}-wal").stat().st_size == 0
    before = db_path.read_bytes()
    with pytest.raises(NewerDatabaseError) as err:
        open_database(db_path)
    assert "9999" in err.value.message("en") and "9999" in err.value.message("zh")
    assert db_path.read_bytes() == before
    # no backup, no migration was attempted
    assert backups.list_backups(db_path) == []


def test_current_database_opens_without_alembic_or_pypinyin(db_path):
    code = f"""
import sys
from station_app.storage.database import open_database
db = open_database({str(db_path)!r})
with db.reader() as s:
    from station_app.domain.models import Station
    assert s.query(Station).count() == 1
db.close()
assert 'alembic' not in sys.modules, 'alembic imported'
assert 'pypinyin' not in sys.modules, 'pypinyin imported'
print('ok')
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_pragmas_on_every_connection(db):
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS
    # a second, fresh connection gets them too
    raw_conn = db.engine.raw_connection()
    try:
        assert raw_conn.cursor().execute("PRAGMA foreign_keys").fetchone()[0] == 1
    finally:
        raw_conn.close()


def test_create_makes_a_head_database(tmp_path):
    path = tmp_path / "new" / "station.sqlite3"
    db = open_database(path, create=True)
    try:
        assert db.state()["node_id"]
        assert db.check_integrity() == []
    finally:
        db.close()
    assert scalar(path, "SELECT version_num FROM alembic_version") == SCHEMA_HEAD


# --------------------------------------------------------------------------- damaged file


def _fill(db, admin, count: int = 3000) -> None:
    with db.session(admin) as s:
        result = members.bulk_register_members(s, member_rows(count))
        assert not result.rejected
        assert len(result.inserted) == count


def test_damaged_file_names_the_newest_good_backup_and_restore_works(db, admin, db_path):
    _fill(db, admin)
    good = db.backup("manual")
    assert backups.is_good(good)
    db.close()
    assert not Path(f"{db_path}-wal").exists()

    size = db_path.stat().st_size
    assert size > 200_000
    start, end = size // 3, 2 * size // 3
    noise = bytes((i * 131 + 17) % 251 for i in range(end - start))
    with open(db_path, "r+b") as f:
        f.seek(start)
        f.write(noise)

    with pytest.raises(DamagedDatabaseError) as err:
        open_database(db_path)
    exc = err.value
    assert exc.backup is not None and exc.backup.path == good
    assert str(good) in exc.message("en")
    assert str(good) in exc.message("zh")

    replaced = backups.restore_backup(db_path, exc.backup.path)
    assert replaced is None  # the damaged file could not be backed up; it was set aside
    assert any(p.name.endswith(".damaged.sqlite3") for p in backups.backup_dir(db_path).iterdir())

    restored = open_database(db_path)
    try:
        assert restored.check_integrity() == []
        state = restored.state()
        assert state["needs_reseed"] == good.name
        with restored.reader() as s:
            from station_app.domain.models import Member

            assert s.query(Member).count() == 3000
    finally:
        restored.close()


def test_damaged_file_without_backup_says_so(db, admin, db_path):
    _fill(db, admin, 2000)
    db.close()
    size = db_path.stat().st_size
    with open(db_path, "r+b") as f:
        f.seek(size // 3)
        f.write(b"\xa5" * (size // 3))
    with pytest.raises(DamagedDatabaseError) as err:
        open_database(db_path)
    assert err.value.backup is None
    assert "No good backup" in err.value.message("en")


@pytest.mark.parametrize("check", [True, False])
def test_damaged_local_state_page_is_a_damaged_database_not_a_crash(db, db_path, check):
    good = db.backup("manual")
    db.close()
    con = raw(db_path)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'local_state'"
    ).fetchone()[0]
    con.close()
    with open(db_path, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xa5" * page_size)
    with pytest.raises(DamagedDatabaseError) as err:
        open_database(db_path, check=check)
    assert str(good) in err.value.message("zh")


def test_quick_check_reports_problems(db, admin, db_path):
    _fill(db, admin, 2000)
    db.close()
    size = db_path.stat().st_size
    with open(db_path, "r+b") as f:
        f.seek(size // 2)
        f.write(b"\x00\xff" * 8192)
    opened = open_database(db_path, check=False)
    try:
        assert opened.check_integrity() != []
    finally:
        opened.close()


# --------------------------------------------------------------------------- backups


@pytest.mark.parametrize("reason", sorted(backups.KEEP))
def test_rotation_keeps_keep_per_reason(db_path, reason):
    keep = backups.KEEP[reason]
    other = backups.make_backup(db_path, "manual" if reason != "manual" else "daily")
    made = [backups.make_backup(db_path, reason) for _ in range(keep + 3)]
    mine = [b for b in backups.list_backups(db_path) if b.reason == reason]
    assert len(mine) == keep
    # the newest are kept, newest first
    assert [b.path for b in mine] == list(reversed(made))[:keep]
    for old in made[:3]:
        assert not old.exists()
    assert other.exists()  # other reasons are not rotated away
    assert all(backups.is_good(b.path) for b in mine)


def test_daily_backup_once_per_day(db_path):
    first = backups.daily_backup(db_path)
    assert first is not None and first.exists()
    assert backups.daily_backup(db_path) is None
    dailies = [b for b in backups.list_backups(db_path) if b.reason == "daily"]
    assert len(dailies) == 1
    # yesterday's daily backup does not count for today
    yesterday = (datetime.now() - timedelta(days=1)).strftime(backups.STAMP)
    first.rename(first.with_name(f"{db_path.stem}.{yesterday}.daily.sqlite3"))
    again = backups.daily_backup(db_path)
    assert again is not None
    assert len([b for b in backups.list_backups(db_path) if b.reason == "daily"]) == 2


def test_restore_keeps_a_restore_backup_of_the_replaced_file(db, admin, db_path):
    saved = db.backup("manual")
    with db.session(admin) as s:
        members.register_member(s, {"name": "张三", "id_number": make_id(1)})
    db.close()

    replaced = backups.restore_backup(db_path, saved)
    assert replaced is not None
    info = [b for b in backups.list_backups(db_path) if b.path == replaced]
    assert info and info[0].reason == "restore"
    # the replaced file (with 张三) is in the restore backup; the restored file is not
    assert scalar(replaced, "SELECT count(*) FROM members") == 1
    assert scalar(db_path, "SELECT count(*) FROM members") == 0
    assert scalar(db_path, "SELECT value FROM local_state WHERE key = 'needs_reseed'") == \
        saved.name
    reopened = open_database(db_path)
    reopened.close()


def test_restore_refuses_a_bad_backup(db_path, tmp_path):
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database" * 100)
    before = db_path.read_bytes()
    with pytest.raises(backups.BackupError):
        backups.restore_backup(db_path, bad)
    assert db_path.read_bytes() == before


def test_backup_before_upgrading_an_old_database(tmp_path):
    path = tmp_path / "old.sqlite3"
    engine = make_engine(path)
    migrate(engine, "0001")
    engine.dispose()
    assert scalar(path, "SELECT version_num FROM alembic_version") == "0001"
    assert backups.list_backups(path) == []

    db = open_database(path)
    db.close()
    assert scalar(path, "SELECT version_num FROM alembic_version") == SCHEMA_HEAD
    made = backups.list_backups(path)
    assert [b.reason for b in made] == ["migration"]
    assert scalar(made[0].path, "SELECT version_num FROM alembic_version") == "0001"
    # opening a current database makes no further backup
    open_database(path).close()
    assert len(backups.list_backups(path)) == 1


def test_no_upgrade_when_told_not_to(tmp_path):
    from station_app.storage.database import StorageError

    path = tmp_path / "old.sqlite3"
    engine = make_engine(path)
    migrate(engine, "0001")
    engine.dispose()
    with pytest.raises(StorageError):
        open_database(path, upgrade=False)
    assert scalar(path, "SELECT version_num FROM alembic_version") == "0001"


# --------------------------------------------------------------------------- HLC

NODE = "a1b2c3d4e5f60718"
WALL = st.integers(min_value=0, max_value=10**13 - 10**6)


def _width() -> int:
    return 13 + 1 + 5 + 1 + len(NODE)


@given(st.lists(WALL, min_size=1, max_size=200))
def test_tick_strictly_increases_whatever_the_wall_clock_does(walls):
    feed = iter(walls)
    last_wall = [walls[0]]

    def now():
        last_wall[0] = next(feed, last_wall[0])
        return last_wall[0]

    clock = HybridClock(NODE, now_fn=now)
    stamps = [clock.tick() for _ in range(len(walls) + 5)]
    for a, b in zip(stamps, stamps[1:], strict=False):
        assert a < b
        assert Stamp.parse(a) < Stamp.parse(b)
    assert all(len(s) == _width() for s in stamps)
    assert clock.last() == stamps[-1]


@given(WALL, st.integers(0, COUNTER_MAX), WALL, st.lists(WALL, max_size=5))
def test_observe_then_tick_is_after_the_remote_stamp(remote_wall, remote_counter, local_wall,
                                                     later):
    remote = str(Stamp(remote_wall, remote_counter, "ffffffffffffffff"))
    feed = iter([local_wall, *later])
    clock = HybridClock(NODE, now_fn=lambda: next(feed, local_wall))
    clock.tick()
    clock.observe(remote)
    prev = remote
    for _ in range(len(later) + 2):
        stamp = clock.tick()
        parsed, rp = Stamp.parse(stamp), Stamp.parse(prev)
        assert (parsed.wall_ms, parsed.counter) > (rp.wall_ms, rp.counter)
        assert stamp[:19] > prev[:19]
        assert len(stamp) == _width()
        prev = stamp


@given(WALL, st.integers(0, COUNTER_MAX), WALL, st.integers(0, COUNTER_MAX))
def test_stamps_compare_as_strings_like_wall_then_counter(w1, c1, w2, c2):
    a, b = Stamp(w1, c1, NODE), Stamp(w2, c2, NODE)
    sa, sb = str(a), str(b)
    assert len(sa) == len(sb) == _width()
    assert (sa < sb) == ((w1, c1) < (w2, c2))
    assert (sa == sb) == ((w1, c1) == (w2, c2))
    assert Stamp.parse(sa) == a


def test_counter_overflow_moves_to_the_next_millisecond():
    clock = HybridClock(NODE, now_fn=lambda: 1_000)
    clock.observe(str(Stamp(1_000, COUNTER_MAX - 1, "x")))
    a, b, c = clock.tick(), clock.tick(), clock.tick()
    assert (Stamp.parse(a).wall_ms, Stamp.parse(a).counter) == (1_000, COUNTER_MAX)
    assert (Stamp.parse(b).wall_ms, Stamp.parse(b).counter) == (1_001, 0)
    assert a < b < c and len({len(a), len(b), len(c)}) == 1


def test_clock_resumes_from_the_stored_stamp(db, admin):
    with db.session(admin) as s:
        members.register_member(s, {"name": "张三", "id_number": make_id(1)})
    stored = db.state()["hlc"]
    assert stored == db.clock.last()
    again = open_database(db.path)
    try:
        assert again.clock.last() >= stored
        assert again.clock.tick() > stored
    finally:
        again.close()


def _outbox_hlcs(path: Path) -> list[str]:
    con = raw(path)
    try:
        return [r[0] for r in con.execute("SELECT hlc FROM outbox ORDER BY seq")]
    finally:
        con.close()


def test_two_databases_on_one_file_stay_ordered(db, admin, db_path):
    other = open_database(db_path)
    try:
        # the second process's wall clock lags an hour behind: only re-reading the stored
        # clock at each write keeps its stamps after the first's
        other.clock._now = lambda: wall_ms() - 3_600_000
        n = 0
        for round_ in range(4):
            for database in (db, other, other, db):
                with database.session(admin) as s:
                    members.register_member(
                        s, {"name": "李四", "id_number": make_id(100 + n)}
                    )
                    n += 1
                    if round_ % 2:
                        m = members.register_member(
                            s, {"name": "王五", "id_number": make_id(100 + n)}
                        )
                        n += 1
                        members.update_member(s, m.id, {"phone": "13800138000"})
        hlcs = _outbox_hlcs(db_path)
        assert len(hlcs) >= n
        assert all(a < b for a, b in zip(hlcs, hlcs[1:], strict=False)), hlcs
        rows = scalar(db_path, "SELECT max(hlc) FROM members")
        assert scalar(db_path, "SELECT value FROM local_state WHERE key='hlc'") >= rows
    finally:
        other.close()


# --------------------------------------------------------------------------- correct_clock

TWO_HOURS = 2 * 3_600_000


def test_correct_clock_restamps_pending_rows(db, admin, db_path):
    db.clock._now = lambda: wall_ms() + TWO_HOURS
    with db.session(admin) as s:
        m = members.register_member(s, {"name": "张三", "id_number": make_id(1)})
        case = hardship.open_case(s, m.id, {"category": "因病", "level": "深度困难",
                                            "household_size": 3})
        entry = hardship.add_entry(s, case.id, {"kind": "慰问金", "amount": "500"})
    with db.session(admin) as s:
        hardship.reverse_entry(s, entry.id, "录入错误")
    db.clock._now = wall_ms  # the laptop clock was fixed

    future_before = scalar(db_path, "SELECT max(hlc) FROM outbox")
    assert Stamp.parse(future_before).wall_ms > wall_ms() + TWO_HOURS - 60_000
    assert db.clock_ahead_ms() > TWO_HOURS - 60_000
    pending_rows = scalar(
        db_path, "SELECT count(*) FROM (SELECT DISTINCT table_name, row_id FROM outbox)"
    )
    assert pending_rows == db.pending_count()

    count = db.correct_clock(admin)
    real = wall_ms()
    assert count == pending_rows
    con = raw(db_path)
    try:
        outbox = con.execute("SELECT table_name, row_id, hlc FROM outbox").fetchall()
        assert {t for t, _, _ in outbox} >= {"members", "hardship_cases", "ledger_entries"}
        for table, row_id, hlc in outbox:
            assert abs(Stamp.parse(hlc).wall_ms - real) < 60_000
            row_hlc = con.execute(f"SELECT hlc FROM {table} WHERE id = ?", (row_id,)).fetchone()
            assert row_hlc[0] == hlc
        # ledger content untouched, only the stamp changed
        amounts = sorted(r[0] for r in con.execute("SELECT amount_fen FROM ledger_entries"))
        assert amounts == [-50000, 50000]
        stored = con.execute("SELECT value FROM local_state WHERE key = 'hlc'").fetchone()[0]
        assert abs(Stamp.parse(stored).wall_ms - real) < 60_000
        audit = con.execute(
            "SELECT actor, detail FROM audit_log WHERE action = 'clock'"
        ).fetchall()
        assert len(audit) == 1
        assert audit[0][0] == "admin"
        assert json.loads(audit[0][1])["restamped"] == count
    finally:
        con.close()
    assert db.clock_ahead_ms() < 60_000
    # new writes follow the corrected clock and sort after the re-stamped rows
    with db.session(admin) as s:
        m2 = members.register_member(s, {"name": "李四", "id_number": make_id(2)})
    assert abs(Stamp.parse(m2.hlc).wall_ms - wall_ms()) < 60_000
    assert m2.hlc > max(h for _, _, h in outbox)


def test_correct_clock_with_nothing_pending(db_path):
    con = raw(db_path)
    con.execute("DELETE FROM outbox")
    con.commit()
    con.close()
    from station_app.domain.actor import CLI_ADMIN

    db = open_database(db_path)
    try:
        assert db.correct_clock(CLI_ADMIN) == 0
        assert scalar(db_path, "SELECT count(*) FROM audit_log WHERE action = 'clock'") == 1
    finally:
        db.close()


def test_wall_clock_is_near_real_time():
    # sanity for the helpers above: wall_ms is Unix milliseconds
    assert abs(wall_ms() - int(time.time() * 1000)) < 5_000



def test_a_station_syncs_normally_and_the_district_service_durably(db, tmp_path,
                                                                   monkeypatch):
    """A station's commits survive the app crashing (WAL, synchronous NORMAL); the
    district service, whose acknowledgements let stations forget what they sent, syncs
    every commit to disk (FULL) — also on connections opened later."""
    import io

    from sync.server.cli import _open, main

    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    path = tmp_path / "district.sqlite3"
    monkeypatch.setattr("sys.stdin", io.StringIO("district-pass-1\n"))
    assert main(["init", "--db", str(path), "--admin", "qu", "--password-stdin"]) == 0
    district = _open(type("Args", (), {"db": str(path)})())
    try:
        for _ in range(2):
            raw = district.engine.raw_connection()
            try:
                assert raw.cursor().execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
            finally:
                raw.close()
    finally:
        district.close()
