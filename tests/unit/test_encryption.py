"""Encryption at rest (issue 15 item 8): the station file, its WAL and backups encrypted
with a data key that only the users' passwords (or the recovery key) unwrap."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station_app.domain.actor import SYSTEM_LOGIN
from station_app.domain.services import login as logins
from station_app.domain.services import members, users
from station_app.domain.validation import ValidationError
from station_app.storage import keys, sqlfile
from station_app.storage.backup import list_backups
from tests.conftest import ADMIN_PASSWORD, CLERK_PASSWORD

PASSWORD = "Keyed-Station-42"
PLAIN = b"SQLite format 3\x00"


def codes(exc: ValidationError) -> list[str]:
    return [e.code for e in exc.errors]


@pytest.fixture
def station(tmp_path):
    """A new encrypted station (as the wizard and ``station-admin init`` make it), closed
    and its key forgotten: as a laptop is before anyone logs in."""
    path = tmp_path / "station.sqlite3"
    made = logins.create_station(path, "KY07", "科园社区工联会", "admin", PASSWORD)
    with made.db.session(made.actor) as s:
        members.register_member(s, {"name": "王秀英", "id_number": "110101199003074258",
                                    "phone": "13912345678"})
        users.create_user(s, "clerk", CLERK_PASSWORD, "clerk")
    made.db.backup("manual")
    made.db.close()
    sqlfile.forget(path)
    return path, made.recovery_key


def fresh(path: Path) -> None:
    """Forget every key this process knows for the file (a new start of the app)."""
    sqlfile.forget(path)


def test_the_file_its_backups_and_key_file_give_nothing_away(station):
    path, _recovery = station
    assert path.read_bytes()[:16] != PLAIN
    for backup in list_backups(path):
        assert backup.path.read_bytes()[:16] != PLAIN
    everything = b"".join(p.read_bytes() for p in path.parent.rglob("*") if p.is_file())
    for secret in ("王秀英", "110101199003074258", "13912345678", PASSWORD):
        assert secret.encode() not in everything
    for p in (path, keys.key_file_path(path)):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    # the system's own SQLite (another program) cannot read it
    probe = subprocess.run([sys.executable, "-c",
                            "import sqlite3, sys; sqlite3.connect(sys.argv[1])"
                            ".execute('select count(*) from members').fetchall()", str(path)],
                           capture_output=True, text=True)
    assert probe.returncode != 0 and "not a database" in probe.stderr


def test_the_login_screen_reads_the_key_file_only(station):
    path, _ = station
    info = logins.key_file_info(path)
    assert (info.station_code, info.station_name, info.encrypted) == (
        "KY07", "科园社区工联会", True)
    assert sqlfile.key_for(path) is None  # nothing was unwrapped to show it


def test_a_user_logs_in_with_their_own_password_and_acts_as_themselves(station):
    path, _ = station
    done = logins.login(path, "CLERK", CLERK_PASSWORD)
    try:
        assert done.actor.username == "clerk" and done.actor.role == "clerk"
        assert done.must_change  # a password the admin chose
        with done.db.reader() as s:
            assert [m.name for m in members.search_members(s, "wxy")] == ["王秀英"]
    finally:
        done.db.close()


def test_wrong_passwords_are_kept_in_the_key_file_lock_and_reach_the_audit_log(station):
    path, _ = station
    now = datetime.now(UTC)
    for n in range(users.LOCK_AFTER):
        with pytest.raises(ValidationError) as refused:
            logins.login(path, "admin", f"wrong-{n}", now=now + timedelta(seconds=n))
        expected = "user.locked" if n == users.LOCK_AFTER - 1 else "user.login_failed"
        assert codes(refused.value) == [expected]
    assert sqlfile.key_for(path) is None  # the file was never opened
    # locked: the right password is refused too, with the time the lock ends
    with pytest.raises(ValidationError) as refused:
        logins.login(path, "admin", PASSWORD, now=now + timedelta(minutes=5))
    assert codes(refused.value) == ["user.locked"]
    # once the lock ran out, the right password opens, and the attempts are audited
    later = now + users.LOCK_FOR + timedelta(minutes=1)
    done = logins.login(path, "admin", PASSWORD, now=later)
    try:
        with done.db.engine.connect() as conn:
            actions = [r[0] for r in conn.exec_driver_sql(
                "SELECT action FROM audit_log WHERE table_name = 'users' ORDER BY id")]
        assert actions.count("login-failed") == users.LOCK_AFTER
        assert "user-locked" in actions and actions[-1] == "login"
    finally:
        done.db.close()
    assert keys.KeyFile.load(keys.key_file_path(path)).failures == {}


def test_a_changed_password_rewraps_the_key_and_the_old_one_opens_nothing(station):
    path, _ = station
    done = logins.login(path, "admin", PASSWORD)
    with done.db.session(done.actor) as s:
        users.change_own_password(s, done.actor, PASSWORD, "Another-Secret-9")
        users.set_active(s, "clerk", False)
    done.db.close()
    fresh(path)
    kf = keys.KeyFile.load(keys.key_file_path(path))
    assert {name: len(w) for name, w in kf.wraps.items()} == {"admin": 1}  # clerk disabled
    assert kf.unwrap("admin", PASSWORD) is None
    with pytest.raises(ValidationError):
        logins.login(path, "admin", PASSWORD)
    logins.login(path, "admin", "Another-Secret-9").db.close()


def test_a_change_rolled_back_leaves_the_old_password_alone(station):
    path, _ = station
    done = logins.login(path, "admin", PASSWORD)
    with pytest.raises(RuntimeError), done.db.session(done.actor) as s:
        users.change_own_password(s, done.actor, PASSWORD, "Never-Committed-5")
        # while the change is under way both passwords open the key file
        kf = keys.KeyFile.load(keys.key_file_path(path))
        assert kf.unwrap("admin", "Never-Committed-5") == done.db.key
        raise RuntimeError("the unit of work fails after the change")
    done.db.close()
    kf = keys.KeyFile.load(keys.key_file_path(path))
    assert kf.unwrap("admin", "Never-Committed-5") is None
    assert kf.unwrap("admin", PASSWORD) is not None


def test_the_recovery_key_opens_the_file_without_its_key_file(station):
    path, recovery = station
    keys.key_file_path(path).unlink()
    with pytest.raises(logins.MissingKeyFileError):
        logins.login(path, "admin", PASSWORD)
    with pytest.raises(ValidationError) as refused:
        logins.recover(path, recovery[:-1] + ("A" if recovery[-1] != "A" else "B"),
                       "admin", "Found-Again-77")
    assert codes(refused.value) == ["recovery.not_a_key"]
    with pytest.raises(ValidationError) as refused:  # only for a station admin
        logins.recover(path, recovery, "clerk", "Found-Again-77")
    assert codes(refused.value) == ["user.recover_admin_only"]
    done = logins.recover(path, recovery.lower().replace("-", " "), "admin",
                          "Found-Again-77")
    done.db.close()
    fresh(path)
    assert keys.key_file_path(path).exists()
    logins.login(path, "admin", "Found-Again-77").db.close()


def test_another_stations_recovery_key_does_not_open_this_file(station, tmp_path):
    path, _ = station
    other = logins.create_station(tmp_path / "other" / "s.sqlite3", "KY08", "别的站", "admin",
                                  PASSWORD)
    other.db.close()
    with pytest.raises(ValidationError) as refused:
        logins.recover(path, other.recovery_key, "admin", "Found-Again-77")
    assert codes(refused.value) == ["recovery.wrong_file"]
    assert "另一个站点" in refused.value.errors[0].message("zh")


def test_a_restored_older_backup_opens_with_the_current_password(station):
    path, _ = station
    done = logins.login(path, "admin", PASSWORD)
    older = list_backups(path)[0].path
    with done.db.session(done.actor) as s:
        users.change_own_password(s, done.actor, PASSWORD, "Changed-Later-3")
    done.db.close()
    from station_app.storage.backup import restore_backup

    restore_backup(path, older)  # (the key is known: the app restores while logged in)
    fresh(path)
    done = logins.login(path, "admin", "Changed-Later-3")
    try:
        with done.db.engine.connect() as conn:
            details = [json.loads(r[0]) for r in conn.exec_driver_sql(
                "SELECT detail FROM audit_log WHERE action = 'password'")]
        assert {"username": "admin", "kept_from": "key file"} in details
    finally:
        done.db.close()


def test_a_plain_file_is_encrypted_once_at_its_first_login(db_path):
    from station_app.storage.backup import make_backup

    make_backup(db_path, "daily")  # a plain backup from the older version
    done = logins.login(db_path, "admin", ADMIN_PASSWORD)
    try:
        assert done.recovery_key and keys.parse_recovery(done.recovery_key) == done.db.key
        assert db_path.read_bytes()[:16] != PLAIN
        for backup in list_backups(db_path):
            assert backup.path.read_bytes()[:16] != PLAIN, backup.path
        assert {b.reason for b in list_backups(db_path)} >= {"daily", "encrypt"}
        assert not Path(f"{db_path}.encrypting").exists()
        with done.db.reader() as s:
            assert {u.username for u in users.list_users(s)} == {"admin", "clerk"}
    finally:
        done.db.close()
    fresh(db_path)
    # every user keeps their password: the clerk's wrap came from their password hash
    again = logins.login(db_path, "clerk", CLERK_PASSWORD)
    assert again.recovery_key is None
    again.db.close()


def test_a_district_file_opens_with_its_raw_key_file(tmp_path):
    from station_app.domain.services.setup import init_district
    from station_app.storage.database import open_database

    path = tmp_path / "district.sqlite3"
    key = keys.create_district_key(keys.district_key_path(path))
    assert stat.S_IMODE(keys.district_key_path(path).stat().st_mode) == 0o600
    db = open_database(path, create=True, key=key, key_file=False)
    init_district(db, "district", PASSWORD)
    db.close()
    fresh(path)
    assert path.read_bytes()[:16] != PLAIN
    db = open_database(path)  # unattended: the key file beside it
    try:
        assert db.is_district and db.key == key and db.key_file is None
    finally:
        db.close()
    fresh(path)
    shutil.move(keys.district_key_path(path), tmp_path / "elsewhere.key")
    with pytest.raises(sqlfile.LockedDatabaseError):
        open_database(path)


@given(st.binary(min_size=32, max_size=32))
def test_a_recovery_key_reads_back_and_a_typo_is_caught(key):
    text = keys.recovery_text(key)
    assert len(text.split("-")) == 14
    assert keys.parse_recovery(text) == key
    assert keys.parse_recovery(text.lower().replace("-", " ")) == key
    swapped = text[:5] + ("A" if text[5] != "A" else "B") + text[6:]
    with pytest.raises(keys.RecoveryKeyError):
        keys.parse_recovery(swapped)


def test_an_encrypted_file_needs_its_key_for_every_path(station):
    from station_app.storage.database import open_database
    from station_app.storage.schema import peek_station

    path, _ = station
    assert peek_station(path) is None
    with pytest.raises(sqlfile.LockedDatabaseError):
        open_database(path)
    done = logins.login(path, "admin", PASSWORD)
    try:
        with done.db.session(SYSTEM_LOGIN) as s:
            assert users.authenticate(s, "admin", PASSWORD).username == "admin"
        assert os.path.exists(f"{path}-wal")
        assert stat.S_IMODE(os.stat(f"{path}-wal").st_mode) == 0o600
        wal = Path(f"{path}-wal").read_bytes()
        assert "王秀英".encode() not in wal
    finally:
        done.db.close()


def test_a_clerk_locked_while_the_file_was_closed_is_seen_and_unlocked_by_the_admin(station):
    path, _ = station
    now = datetime.now(UTC)
    for n in range(users.LOCK_AFTER):
        with pytest.raises(ValidationError):
            logins.login(path, "clerk", f"wrong-{n}", now=now)
    done = logins.login(path, "admin", PASSWORD)  # the admin's login reads the key file
    try:
        with done.db.reader(done.actor) as s:
            locked = {a.username: a.locked_until for a in users.accounts(s)}
        assert locked["clerk"] and not locked["admin"]
        with done.db.session(done.actor) as s:
            users.unlock_user(s, "clerk")
    finally:
        done.db.close()
    fresh(path)
    assert keys.KeyFile.load(keys.key_file_path(path)).failures == {}
    logins.login(path, "clerk", CLERK_PASSWORD).db.close()


def test_a_read_only_look_unwraps_the_key_without_writing(station):
    from station_app.storage.fastread import Snapshot

    path, _ = station
    before = path.stat().st_mtime_ns, Path(f"{path}-wal").exists()
    with pytest.raises(ValidationError):
        logins.unlock_to_read(path, "admin", "wrong-password")
    assert sqlfile.key_for(path) is None
    assert len(keys.KeyFile.load(keys.key_file_path(path)).failures["admin"]) == 1
    logins.unlock_to_read(path, "admin", PASSWORD)
    snap = Snapshot.open(path, check=False)
    try:
        assert snap.state["station_code"] == "KY07"
    finally:
        snap.close()
    assert (path.stat().st_mtime_ns, Path(f"{path}-wal").exists()) == before


def test_a_clerks_first_login_encrypts_but_the_recovery_key_waits_for_an_admin(db_path):
    done = logins.login(db_path, "clerk", CLERK_PASSWORD)
    try:
        assert done.recovery_key is None
        assert db_path.read_bytes()[:16] != PLAIN
        assert keys.KeyFile.load(keys.key_file_path(db_path)).recovery_pending
    finally:
        done.db.close()
    fresh(db_path)
    again = logins.login(db_path, "clerk", CLERK_PASSWORD)  # still not for a clerk
    again.db.close()
    assert again.recovery_key is None
    fresh(db_path)
    admin = logins.login(db_path, "admin", ADMIN_PASSWORD)
    try:
        assert admin.recovery_key is not None
        assert keys.parse_recovery(admin.recovery_key) == admin.db.key
    finally:
        admin.db.close()
    fresh(db_path)
    later = logins.login(db_path, "admin", ADMIN_PASSWORD)  # shown once
    later.db.close()
    assert later.recovery_key is None


def test_any_user_name_typed_reaches_the_audit_log_as_valid_json(station):
    path, _ = station
    with pytest.raises(ValidationError):
        logins.login(path, 'o"brien\\', "whatever-1")  # a name nobody has, oddly typed
    done = logins.login(path, "admin", PASSWORD)
    try:
        with done.db.engine.connect() as conn:
            details = [json.loads(r[0]) for r in conn.exec_driver_sql(
                "SELECT detail FROM audit_log WHERE action = 'login-failed'")]
    finally:
        done.db.close()
    assert {"username": 'o"brien\\', "key_file": True} in details
