"""The district's SQLite file encrypted with the key file ``district-server init`` writes
beside it (``--key-file`` elsewhere), its backups encrypted with the same key, and the
commands that print members' names and ID numbers (``duplicates``, ``conflicts list``)
behind a district administrator's login — on real files, a real ``serve`` process and,
for the login, PostgreSQL too."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from loopback import free_port
from sqlalchemy import select
from test_conflicts import make_conflict
from test_push import DISTRICT

from station_app.cliutil import EXIT_LOGIN
from station_app.domain.actor import SYSTEM_SETUP
from station_app.domain.ids import station_id_for
from station_app.domain.models import Member
from station_app.domain.services import stations, users
from station_app.storage import sqlfile
from station_app.storage.backup import list_backups
from station_app.storage.database import open_database
from sync.server.cli import main

PASSWORD = "district-pass-1"
CLERK_PASSWORD = "clerk-pass-2026"
PLAIN = b"SQLite format 3\x00"


def district(capsys, monkeypatch, *argv: str, stdin: str | None = None, env=None):
    """``district-server ARGV`` in this process: (exit status, stdout, stderr)."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin or ""))
    for name in ("DISTRICT_USER", "DISTRICT_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def init(capsys, monkeypatch, target: str, *extra: str) -> str:
    code, out, err = district(capsys, monkeypatch, "init", "--db", target, "--admin", "qu",
                              "--password-stdin", *extra, stdin=PASSWORD + "\n")
    assert code == 0, err
    return out


def forget_keys(path: Path) -> None:
    """As a fresh process: no key registered for the file (the command must find it)."""
    sqlfile.forget(path)


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    return lines[0]


# --------------------------------------------------------------------------- the file


def test_init_writes_an_encrypted_file_and_a_private_key_file_beside_it(tmp_path, capsys,
                                                                          monkeypatch):
    target = tmp_path / "district.sqlite3"
    out = init(capsys, monkeypatch, str(target))
    key_file = Path(f"{target}.key")
    assert target.read_bytes()[:16] != PLAIN and b"CREATE TABLE" not in target.read_bytes()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not Path(f"{target}.keys").exists()  # (no per-user key file at the district)
    assert str(key_file) in out and "back it up apart from the database" in out
    assert "0600" in out
    # every command finds the key file beside the file, without an option
    forget_keys(target)
    code, out, err = district(capsys, monkeypatch, "station", "add", "KY01", "--db",
                              str(target), "--name", "葵涌社区工联会", "--key")
    assert code == 0, err
    forget_keys(target)
    code, out, err = district(capsys, monkeypatch, "status", "--db", str(target))
    assert code == 0 and "KY01" in out, err
    # init again: refused, the key file left as it was
    before = key_file.read_bytes()
    code, _, err = district(capsys, monkeypatch, "init", "--db", str(target), "--admin",
                            "qu", "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 1 and "already initialised" in one_line(err)
    assert key_file.read_bytes() == before


def test_a_key_file_elsewhere_is_named_with_key_file(tmp_path, capsys, monkeypatch):
    target = tmp_path / "data" / "district.sqlite3"
    target.parent.mkdir()
    key_file = tmp_path / "secrets" / "district.key"
    out = init(capsys, monkeypatch, str(target), "--key-file", str(key_file))
    assert f"--key-file {key_file}" in out
    assert not Path(f"{target}.key").exists() and key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    forget_keys(target)
    code, _, err = district(capsys, monkeypatch, "station", "list", "--db", str(target))
    line = one_line(err)
    assert code == 1 and "--key-file" in line and "is encrypted" in line
    code, out, err = district(capsys, monkeypatch, "station", "list", "--db", str(target),
                              "--key-file", str(key_file))
    assert code == 0 and "0 station(s)" in out, err


def test_without_its_key_file_or_with_another_a_clear_one_line_error(tmp_path, capsys,
                                                                      monkeypatch):
    target = tmp_path / "district.sqlite3"
    init(capsys, monkeypatch, str(target))
    other = tmp_path / "other" / "district.sqlite3"
    other.parent.mkdir()
    init(capsys, monkeypatch, str(other))  # another district's key
    key_file = Path(f"{target}.key")
    key_file.rename(tmp_path / "kept.key")
    for argv in (["status"], ["station", "list"], ["backup"], ["serve"]):
        forget_keys(target)
        code, out, err = district(capsys, monkeypatch, *argv, "--db", str(target))
        line = one_line(err)
        assert code == 1 and out == "", argv
        assert line == (f"error: {target} is encrypted and its key file {key_file} is "
                        "missing: give the district's key file with --key-file PATH"), argv
    forget_keys(target)
    code, _, err = district(capsys, monkeypatch, "status", "--db", str(target),
                            "--key-file", f"{other}.key")
    assert code == 1 and one_line(err) == (
        f"error: the key file {other}.key does not open {target}: give the district's own "
        "key file with --key-file PATH")
    (tmp_path / "junk.key").write_text("not a key\n")
    code, _, err = district(capsys, monkeypatch, "status", "--db", str(target),
                            "--key-file", str(tmp_path / "junk.key"))
    assert code == 1 and "not a district key file" in one_line(err)
    assert "--key-file" in one_line(err)


def test_backups_are_encrypted_with_the_same_key(tmp_path, capsys, monkeypatch):
    target = tmp_path / "district.sqlite3"
    init(capsys, monkeypatch, str(target))
    forget_keys(target)
    code, out, err = district(capsys, monkeypatch, "backup", "--db", str(target))
    assert code == 0, err
    beside = Path(out.strip())
    copy = tmp_path / "copies" / "district-copy.sqlite3"
    forget_keys(target)
    code, out, err = district(capsys, monkeypatch, "backup", "--db", str(target), "--out",
                              str(copy))
    assert code == 0, err
    key = bytes.fromhex(Path(f"{target}.key").read_text().strip())
    for made in (beside, copy):
        assert made.read_bytes()[:16] != PLAIN, made
        assert stat.S_IMODE(made.stat().st_mode) == 0o600
        con = sqlfile.connect(made, key=key, read_only=True)
        try:
            assert con.execute("SELECT username FROM users").fetchall() == [("qu",)]
        finally:
            con.close()
    # the district's raw key never goes with its backups
    assert not list(beside.parent.glob("*.key"))


def test_a_plain_district_of_an_older_version_is_encrypted_once_with_its_backups(
        tmp_path, capsys, monkeypatch):
    from station_app.domain.services.setup import init_district
    from station_app.storage.backup import make_backup

    target = tmp_path / "district.sqlite3"
    db = open_database(target, create=True)  # no key: a plain file, as before
    init_district(db, "qu", PASSWORD)
    db.close()
    old = make_backup(target, "manual")
    assert target.read_bytes()[:16] == PLAIN and old.read_bytes()[:16] == PLAIN
    code, out, err = district(capsys, monkeypatch, "encrypt", "--db", str(target))
    assert code == 0, err
    assert "is encrypted now; 1 plain backup(s) encrypted" in out
    assert target.read_bytes()[:16] != PLAIN and old.read_bytes()[:16] != PLAIN
    assert stat.S_IMODE(Path(f"{target}.key").stat().st_mode) == 0o600
    forget_keys(target)
    code, out, err = district(capsys, monkeypatch, "duplicates", "--db", str(target),
                              "--user", "qu", stdin=PASSWORD + "\n")
    assert code == 0 and "no member is active in two stations" in out, err
    code, out, _ = district(capsys, monkeypatch, "encrypt", "--db", str(target))
    assert code == 0 and "was encrypted already" in out
    assert [b.reason for b in list_backups(target)] == ["manual"]


# --------------------------------------------------------------------------- serve


def _serve(target: Path, *extra: str) -> subprocess.CompletedProcess | None:
    """``district-server serve`` in its own process: None once it answers /v1/health (then
    stopped), or the finished process when it exited first."""
    import httpx

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "sync.server.cli", "serve", "--db", str(target), "--port",
         str(port), "--log-level", "warning", "--no-daily-backup", *extra],
        env=os.environ.copy(), stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if server.poll() is not None:
                return subprocess.CompletedProcess(server.args, server.returncode, "",
                                                   server.stderr.read())
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1
                             ).status_code == 200:
                    return None
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        pytest.fail("district-server serve did not answer in time")
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(30)


def test_serve_opens_the_encrypted_file_with_no_option_or_with_key_file(tmp_path, capsys,
                                                                       monkeypatch):
    target = tmp_path / "district.sqlite3"
    init(capsys, monkeypatch, str(target))
    assert _serve(target) is None
    moved = tmp_path / "kept.key"
    Path(f"{target}.key").rename(moved)
    assert _serve(target, "--key-file", str(moved), "--workers", "2") is None  # each worker
    failed = _serve(target)
    assert failed is not None and failed.returncode == 1
    assert one_line(failed.stderr).endswith("give the district's key file with --key-file "
                                            "PATH")


# --------------------------------------------------------------------------- the login


@pytest.fixture(params=["sqlite", "postgresql"])
def with_conflict(request, tmp_path, db, admin, capsys, monkeypatch) -> str:
    """A district made by ``init`` (administrator qu; a clerk account too) holding one open
    conflict and one member active in two stations; its path or URL."""
    target = (str(tmp_path / "district.sqlite3") if request.param == "sqlite"
              else request.getfixturevalue("pg_url"))
    init(capsys, monkeypatch, target)
    d = open_database(target)
    try:
        with d.session(SYSTEM_SETUP) as s:
            users.create_user(s, "clerk", CLERK_PASSWORD, "clerk", bootstrap=True)
        with d.session(DISTRICT) as s:
            stations.upsert_station(s, "DP02", "大鹏社区工联会")
        member_id = make_conflict(db, admin, d)
        with d.session(DISTRICT) as s:  # the same person active at DP02 too
            m = s.get(Member, member_id)
            copy = {c.key: getattr(m, c.key) for c in Member.__table__.columns
                    if c.key not in ("id", "station_id", "hlc", "node_id")}
            s.add(Member(**copy, id=member_id[:-4] + "dp02", station_id=station_id_for("DP02")))
    finally:
        d.close()
    forget_keys(tmp_path / "district.sqlite3")
    return target


@pytest.mark.parametrize("command", [["duplicates"], ["conflicts", "list"]])
def test_personal_data_needs_a_district_admins_login(with_conflict, command, capsys,
                                                     monkeypatch):
    target = with_conflict
    run = lambda *extra, **kw: district(capsys, monkeypatch, *command, "--db", target,  # noqa: E731
                                        *extra, **kw)
    code, out, err = run()  # no login at all
    assert code == EXIT_LOGIN and out == ""
    assert "log in as a district administrator with --user NAME (or DISTRICT_USER)" \
        in one_line(err)
    code, out, err = run("--user", "qu")  # a user, no password
    assert code == EXIT_LOGIN and out == "" and "DISTRICT_PASSWORD" in one_line(err)
    code, out, err = run("--user", "qu", stdin="wrong-pass-1\n")
    assert code == EXIT_LOGIN and out == ""
    assert "Wrong user name or password" in one_line(err)
    code, out, err = run(env={"DISTRICT_USER": "clerk", "DISTRICT_PASSWORD": CLERK_PASSWORD})
    assert code == EXIT_LOGIN and out == ""
    assert one_line(err) == ("error: clerk is not a district administrator: only a "
                             "district administrator may see "
                             + ("the members active in two stations"
                                if command == ["duplicates"] else "the conflicts' values"))
    expected = "张三" if command == ["duplicates"] else "13900000000"
    code, out, err = run(env={"DISTRICT_USER": "qu", "DISTRICT_PASSWORD": PASSWORD})
    assert code == 0 and expected in out, err
    code, out, err = run("--user", "qu", stdin=PASSWORD + "\n")
    assert code == 0 and expected in out, err
    if command == ["duplicates"]:
        assert "DP02:" in out and out.count(":") == 2  # (a row at each station)


def test_a_locked_district_admin_is_refused_even_with_the_right_password(
        tmp_path, capsys, monkeypatch):
    target = str(tmp_path / "district.sqlite3")
    init(capsys, monkeypatch, target)
    for _ in range(users.LOCK_AFTER):
        code, _, err = district(capsys, monkeypatch, "duplicates", "--db", target, "--user",
                                "qu", stdin="wrong-pass-1\n")
        assert code == EXIT_LOGIN
    code, out, err = district(capsys, monkeypatch, "duplicates", "--db", target,
                              env={"DISTRICT_USER": "qu", "DISTRICT_PASSWORD": PASSWORD})
    assert code == EXIT_LOGIN and out == "" and "locked" in one_line(err).lower()


def test_a_district_admin_whose_password_was_reset_changes_it_first(tmp_path, capsys,
                                                                    monkeypatch):
    from station_app.domain.models import User

    target = str(tmp_path / "district.sqlite3")
    init(capsys, monkeypatch, target)
    d = open_database(target)
    with d.session(SYSTEM_SETUP) as s:
        users.create_user(s, "li", CLERK_PASSWORD, "district_admin", bootstrap=True)
        s.execute(select(User).where(User.username == "li")).scalar_one() \
            .must_change_password = True  # (as a reset by another administrator leaves it)
    d.close()
    code, out, err = district(capsys, monkeypatch, "conflicts", "list", "--db", target,
                              "--user", "li", stdin=CLERK_PASSWORD + "\n")
    assert code == EXIT_LOGIN and out == ""
    assert one_line(err) == ("error: user 'li' must choose a new password first: log in to "
                             "the district view (station-app --db DATABASE), which asks for "
                             "one")


def test_the_password_is_never_an_argument():
    from sync.server.cli import build_parser

    parser = build_parser()
    with pytest.raises(SystemExit):
        parser.parse_args(["duplicates", "--password", PASSWORD])


def test_the_migration_backup_of_an_encrypted_district_is_encrypted(tmp_path, capsys,
                                                                     monkeypatch):
    """A district at an older schema (revision 0012, encrypted with its key file) is
    upgraded by the first command that opens it; the backup taken before is encrypted
    with the same key."""
    import shutil

    from station_app.domain.ids import DISTRICT_OWNER_ID
    from station_app.storage.keys import create_district_key

    old = tmp_path / "old.sqlite3"
    shutil.copy(Path(__file__).resolve().parents[1] / "golden" / "station-0012.sqlite3", old)
    con = sqlfile.connect(old)
    con.execute("UPDATE local_state SET value = ? WHERE key = 'station_id'",
                (DISTRICT_OWNER_ID,))
    con.commit()
    con.close()
    target = tmp_path / "district.sqlite3"
    key = create_district_key(Path(f"{target}.key"))
    sqlfile.encrypt_copy(old, target, key)
    code, out, err = district(capsys, monkeypatch, "station", "list", "--db", str(target))
    assert code == 0, err
    [backup] = [b for b in list_backups(target) if b.reason == "migration"]
    assert backup.path.read_bytes()[:16] != PLAIN
    con = sqlfile.connect(backup.path, key=key, read_only=True)
    try:
        assert con.execute("SELECT version_num FROM alembic_version").fetchone() == ("0012",)
    finally:
        con.close()
