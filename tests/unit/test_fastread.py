"""The command lines' sqlite3-only path (``storage.fastread``): the same selects as the
services, compiled ahead for SQLite, give the same figures and the same station status
on the same files; the generated SQL is current; the commands that take it never load
SQLAlchemy; and a file it does not take (an older schema, a server) goes the full way."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from test_services import KY01, build_world

from station_app.domain import figures
from station_app.domain.actor import CLI_ADMIN
from station_app.domain.ids import station_id_for
from station_app.domain.services import metrics, metrics_sqlite, stations
from station_app.storage import sqlfile
from station_app.storage.fastread import Snapshot
from station_app.storage.sqlgen import render

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("module, attribute, generated", [
    ("station_app.domain.services.metrics", "QUERIES",
     "station_app/domain/services/metrics_sqlite.py"),
    ("sync.district", "STATUS_QUERIES", "sync/district_sqlite.py"),
])
def test_the_compiled_selects_are_current(module, attribute, generated):
    spec = module if attribute == "QUERIES" else f"{module}:{attribute}"
    assert (ROOT / generated).read_text(encoding="utf-8") == render(module, attribute), (
        f"{generated} is stale: run `python -m station_app.storage.sqlgen {spec} > {generated}`")


def test_both_paths_count_the_same_figures(db, db_path, admin, district_admin):
    build_world(db, admin, district_admin)
    with db.session(district_admin) as s:  # a station's own target beside the district's
        stations.set_target(s, 2025, "enterprise_visits", 12, "KY01")
        stations.set_target(s, 2025, "hardship_paid_fen", 100000, "KY02")
    scopes = (None, KY01, station_id_for("KY02"), station_id_for("KY04"))
    days = (date(2025, 1, 5), date(2025, 6, 30), date(2025, 12, 31), date(2026, 3, 1))
    with db.reader() as s:
        expected = {(d, sid): metrics.compute_summary(s, d, sid) for d in days for sid in scopes}
        names = {sid: figures.station_name(metrics.session_run(s), sid) for sid in scopes if sid}
    snap = Snapshot.open(db_path, check=True)
    assert snap is not None and snap.station_id == db.station_id and not snap.is_district
    with snap:
        run = snap.run(metrics_sqlite.QUERIES)
        for (d, sid), summary in expected.items():
            got = figures.compute_summary(run, d, sid)
            assert got == summary, (d, sid)
        assert any(summary.targets for summary in expected.values())
        for sid, name in names.items():
            assert figures.station_name(run, sid) == name
        report = figures.summary_report(run, date(2025, 6, 30), KY01)
    assert report.station_code == "KY01"
    assert report.summary == expected[(date(2025, 6, 30), KY01)]


def test_report_json_is_the_same_either_way(db, db_path, admin, district_admin, tmp_path,
                                            capsys):
    """The command's own output: without --xlsx it reads the file with sqlite3 alone,
    with --xlsx through the services (and writes the workbook too)."""
    from station_app.cli import main

    build_world(db, admin, district_admin)
    db.close()
    outputs = []
    for extra in ([], ["--xlsx", str(tmp_path / "r.xlsx")]):
        for station in ([], ["--station", "KY02"]):
            assert main(["report", "--db", str(db_path), "--as-of", "2025-06-30", "--json",
                         *station, *extra]) == 0
            out = capsys.readouterr().out
            outputs.append(json.loads(out[:out.rindex("}") + 1]))
    assert outputs[0] == outputs[2] and outputs[1] == outputs[3]
    assert outputs[0]["station"] == "KY01" and outputs[1]["station"] == "KY02"


def test_both_paths_give_the_same_station_status(tmp_path, district_admin):
    from station_app.storage.database import open_database
    from sync import district, district_sqlite, status

    path = tmp_path / "district.sqlite3"
    db = open_database(path, create=True)
    from station_app.domain.ids import DISTRICT_CODE, DISTRICT_OWNER_ID

    db.set_state("station_id", DISTRICT_OWNER_ID)
    db.set_state("station_code", DISTRICT_CODE)
    with db.session(district_admin) as s:
        for code in ("KY01", "DP02", "LG03", "PS04", "NA05"):
            stations.upsert_station(s, code, f"{code} 社区工联会", is_key=code == "KY01")
    for code in ("KY01", "DP02", "LG03", "PS04"):
        district.enroll(db, code, CLI_ADMIN)
    district.revoke(db, "PS04", CLI_ADMIN)
    db.close()
    con = sqlfile.connect(path)
    ky01, dp02, lg03 = (station_id_for(c) for c in ("KY01", "DP02", "LG03"))
    # KY01 enrolled online, DP02 only ever sent files, LG03 enrolled and given a new code
    con.execute("UPDATE station_credentials SET token_hash = 't', enrollment_hash = NULL, "
                "last_sync_at = '2026-11-20T08:00:00Z' WHERE station_id = ?", (ky01,))
    con.execute("UPDATE station_credentials SET enrollment_hash = NULL, "
                "last_sync_at = '2026-11-21T09:00:00Z' WHERE station_id = ?", (dp02,))
    con.execute("UPDATE station_credentials SET token_hash = 't' WHERE station_id = ?",
                (lg03,))
    conflict = ("INSERT INTO sync_conflicts (table_name, row_id, winner_hlc, loser_hlc, winner,"
                " loser, loser_source, detected_at, resolved_at, station_id) "
                "VALUES ('members', ?, 'a', 'b', ?, '{}', 'remote', 'now', ?, ?)")
    con.execute(conflict, ("r1", json.dumps({"station_id": ky01}), None, dp02))
    con.execute(conflict, ("r2", json.dumps({"station_id": ky01}), None, None))  # before 0008
    con.execute(conflict, ("r3", json.dumps({"station_id": ky01}), "later", ky01))  # settled
    con.commit()
    con.close()
    db = open_database(path)
    with db.reader() as s:
        expected = district.station_status(s)
    db.close()
    assert {r.code: (r.enrollment, r.conflicts) for r in expected} == {
        "KY01": ("enrolled", 1), "DP02": ("by file", 1), "LG03": ("new code issued", 0),
        "PS04": ("revoked", 0), "NA05": ("not enrolled", 0)}
    snap = Snapshot.open(path)
    assert snap is not None and snap.is_district
    with snap:
        assert status.station_status(snap.run(district_sqlite.QUERIES)) == expected


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_the_quick_commands_never_load_sqlalchemy(db_path, tmp_path, monkeypatch, capsys):
    import io

    from sync.server.cli import main as district_main

    district = tmp_path / "district.sqlite3"
    monkeypatch.setattr(sys, "stdin", io.StringIO("district-pass-1\n"))
    assert district_main(["init", "--db", str(district), "--admin", "qu",
                          "--password-stdin"]) == 0
    capsys.readouterr()
    code = f"""
import contextlib, io, sys
from station_app.cli import main as station
from sync.server.cli import main as district
out = io.StringIO()
with contextlib.redirect_stdout(out):
    assert station(["report", "--db", {str(db_path)!r}, "--json"]) == 0
    assert station(["report", "--db", {str(db_path)!r}]) == 0
    assert station(["summary", "--db", {str(db_path)!r}, "--json"]) == 0
    assert district(["status", "--db", {str(district)!r}]) == 0
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "alembic",
                "pypinyin", "stdnum", "openpyxl", "python_calamine"))
assert not loaded, loaded
assert '"values"' in out.getvalue() and "station " in out.getvalue()
print("ok")
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_an_older_file_goes_the_full_way_and_is_upgraded(tmp_path, capsys, station_login):
    from station_app.cli import main
    from station_app.domain.services.users import hash_password
    from tests.conftest import ADMIN_PASSWORD

    old = tmp_path / "old.sqlite3"
    shutil.copy(ROOT / "tests" / "golden" / "station-0001.sqlite3", old)
    con = sqlfile.connect(old)  # (a plain file of revision 0001 with a station admin)
    con.execute("INSERT INTO users (username, display_name, role, password_hash, "
                "created_at) VALUES ('admin', '站长', 'station_admin', ?, "
                "'2025-01-01T00:00:00.000000Z')", (hash_password(ADMIN_PASSWORD),))
    con.commit()
    con.close()
    assert Snapshot.open(old) is None
    assert main(["report", "--db", str(old), "--json"]) == 0
    assert '"values"' in capsys.readouterr().out
    assert Snapshot.open(old) is not None  # upgraded by the full path


def test_what_the_quick_path_refuses_it_refuses_like_the_full_path(db_path, tmp_path):
    from station_app.storage.database import StorageError, open_database

    assert Snapshot.open("postgresql+psycopg://u:p@localhost/x") is None
    newer = tmp_path / "newer.sqlite3"
    shutil.copy(db_path, newer)
    sqlfile.remember(newer, sqlfile.key_for(db_path))  # (its key, as after a login)
    con = sqlfile.connect(newer)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    foreign = tmp_path / "foreign.sqlite3"
    con = sqlfile.connect(foreign)
    con.execute("CREATE TABLE things (x)")
    con.commit()
    con.close()
    for path in (newer, foreign, tmp_path / "missing.sqlite3"):
        with pytest.raises(StorageError) as quick:
            Snapshot.open(path)
        with pytest.raises(StorageError) as full:
            open_database(path)
        assert type(quick.value) is type(full.value)
        assert quick.value.message("en") == full.value.message("en")


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path


def test_the_quick_look_logs_in_lightly_and_refuses_like_a_login(db_path, capsys,
                                                                  monkeypatch):
    """``report`` (figures only) unlocks the key with the password and reads the file,
    writing nothing to it; a wrong password, a locked account and a password someone
    else set are refused as the full login refuses them (exit 3, one line)."""
    import io
    import json as jsonlib

    from station_app.cli import main
    from station_app.cliutil import EXIT_LOGIN
    from station_app.storage import keys
    from tests.conftest import ADMIN_PASSWORD, CLERK_PASSWORD

    monkeypatch.setenv("LANG", "en_US.UTF-8")

    def audit() -> int:
        con = sqlfile.connect(db_path)
        try:
            return con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
        finally:
            con.close()

    def report(*extra: str) -> tuple[int, str, str]:
        code = main(["report", "--db", str(db_path), "--json", *extra])
        out, err = capsys.readouterr()
        return code, out, err

    before = audit()
    code, out, err = report()
    assert code == 0, err
    assert jsonlib.loads(out)["station"] == "KY01"
    assert audit() == before  # a look, not a login: nothing recorded, nothing written
    # the password from standard input, as for every command
    monkeypatch.delenv("STATION_PASSWORD")
    monkeypatch.setattr(sys, "stdin", io.StringIO(ADMIN_PASSWORD + "\n"))
    assert report()[0] == 0
    # wrong passwords: refused, kept in the key file, and five lock the account
    monkeypatch.setenv("STATION_PASSWORD", "not-the-password")
    for _ in range(5):
        code, out, err = report()
        assert (code, out) == (EXIT_LOGIN, "") and err.count("\n") == 1, err
    assert "locked until" in err
    kf = keys.KeyFile.load(keys.key_file_path(db_path))
    assert len(kf.failures["admin"]) == 5
    monkeypatch.setenv("STATION_PASSWORD", ADMIN_PASSWORD)
    code, out, err = report()
    assert (code, out) == (EXIT_LOGIN, "") and "locked until" in err
    monkeypatch.setenv("STATION_PASSWORD", CLERK_PASSWORD)
    code, out, err = report("--user", "clerk")  # another user is not locked
    assert code == 0, err


def test_a_password_someone_else_set_reads_nothing_quickly(db_path, capsys, monkeypatch):
    import io

    from station_app.cli import main
    from station_app.cliutil import EXIT_LOGIN

    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.setattr(sys, "stdin", io.StringIO("reset-pass-7\n"))
    assert main(["user", "reset-password", "--db", str(db_path), "--user", "admin", "clerk",
                 "--password-stdin"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("STATION_PASSWORD", "reset-pass-7")
    code = main(["report", "--db", str(db_path), "--user", "clerk"])
    out, err = capsys.readouterr()
    assert (code, out) == (EXIT_LOGIN, "")
    assert "must choose a new password first" in err and "change-password" in err
