"""station-admin, end to end on real files (in-process, plus the installed entry point)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from station_app.cli import main
from station_app.domain.actor import CLI_ADMIN, SYSTEM_LOGIN
from station_app.storage import sqlfile


def run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def station(tmp_path, capsys, monkeypatch) -> Path:
    path = tmp_path / "s.sqlite3"
    code, out, err = run(capsys, "init", "--db", str(path), "--station-code", "ky01",
                         "--station-name", "葵涌社区工联会", "--admin", "boss",
                         "--password-stdin", stdin="boss-pass-1\n", monkeypatch=monkeypatch)
    assert code == 0, err
    assert "KY01" in out and "recovery key" in out
    # every other command logs in, as a script does: the user and the password in the
    # environment
    monkeypatch.setenv("STATION_USER", "boss")
    monkeypatch.setenv("STATION_PASSWORD", "boss-pass-1")
    return path


def test_init_refuses_a_second_time_and_leaves_no_file_on_bad_input(
        station, tmp_path, capsys, monkeypatch):
    code, _, err = run(capsys, "init", "--db", str(station), "--station-code", "X2",
                       "--station-name", "n", "--admin", "a", "--password-stdin",
                       stdin="long-enough-1\n", monkeypatch=monkeypatch)
    assert code == 1 and "KY01" in err
    bad = tmp_path / "bad.sqlite3"
    code, _, err = run(capsys, "init", "--db", str(bad), "--station-code", "!",
                       "--station-name", "n", "--admin", "a", "--password-stdin",
                       stdin="long-enough-1\n", monkeypatch=monkeypatch)
    assert code == 1 and "error:" in err
    assert not bad.exists()
    short = tmp_path / "short.sqlite3"
    code, _, err = run(capsys, "init", "--db", str(short), "--station-code", "AB",
                       "--station-name", "n", "--admin", "a", "--password-stdin",
                       stdin="short\n", monkeypatch=monkeypatch)
    assert code == 1 and "8" in err
    assert not short.exists()


def test_users(station, capsys, monkeypatch):
    code, out, err = run(capsys, "user", "add", "--db", str(station), "wang",
                         "--role", "clerk", "--display-name", "王芳", "--password-stdin",
                         stdin="clerk-pass-1\n", monkeypatch=monkeypatch)
    assert code == 0, err
    code, out, _ = run(capsys, "user", "list", "--db", str(station))
    assert "wang" in out and "boss" in out and "clerk" in out
    code, _, err = run(capsys, "user", "add", "--db", str(station), "wang", "--password-stdin",
                       stdin="clerk-pass-2\n", monkeypatch=monkeypatch)
    assert code == 1 and "wang" in err
    code, _, err = run(capsys, "user", "reset-password", "--db", str(station), "wang",
                       "--password-stdin", stdin="new-pass-123\n", monkeypatch=monkeypatch)
    assert code == 0, err
    from station_app.domain.services.users import authenticate
    from station_app.storage.database import open_database

    db = open_database(station)
    with db.session(SYSTEM_LOGIN) as s:
        assert authenticate(s, "wang", "new-pass-123").role == "clerk"
    db.close()


def test_demo_check_summary(tmp_path, capsys, monkeypatch):
    path = tmp_path / "demo.sqlite3"
    code, out, err = run(capsys, "demo", "--db", str(path), "--members", "400", "--seed", "3",
                         "--admin-password", "demo-pass-1")
    assert code == 0, err
    assert "400 members" in out and "recovery key" in out
    monkeypatch.setenv("STATION_USER", "admin")
    monkeypatch.setenv("STATION_PASSWORD", "demo-pass-1")
    code, out, err = run(capsys, "check", "--db", str(path), "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"], report["problems"]
    assert report["counts"]["members"] == 400
    code, out, _ = run(capsys, "summary", "--db", str(path), "--json")
    figures = json.loads(out)["values"]
    assert code == 0 and figures["enterprise_visits"] > 0
    # the same seed gives the same data
    again = tmp_path / "again.sqlite3"
    run(capsys, "demo", "--db", str(again), "--members", "400", "--seed", "3",
        "--admin-password", "demo-pass-1")
    names = [sqlfile.connect(p).execute("SELECT group_concat(name) FROM "
                                        "(SELECT name FROM members ORDER BY card_no)").fetchone()
             for p in (path, again)]
    assert names[0] == names[1]


def test_check_reports_a_dropped_trigger(station, capsys):
    con = sqlfile.connect(station)
    con.execute("DROP TRIGGER ledger_entries_no_update")
    con.commit()
    con.close()
    code, out, _ = run(capsys, "check", "--db", str(station))
    assert code == 1
    assert "ledger_entries_no_update" in out


def test_backup_and_restore(station, capsys):
    from station_app.domain.services import members
    from station_app.domain.validation import id_check_char
    from station_app.storage.database import open_database

    code, out, _ = run(capsys, "backup", "--db", str(station))
    assert code == 0 and Path(out.strip()).exists()
    db = open_database(station)
    body = "44030519800101123"
    with db.session(CLI_ADMIN) as s:
        members.register_member(s, {"name": "张三", "id_number": body + id_check_char(body)})
    db.close()
    code, out, err = run(capsys, "restore", "--db", str(station))
    assert code == 0, err
    assert sqlfile.connect(station).execute("SELECT count(*) FROM members").fetchone()[0] == 0
    code, out, _ = run(capsys, "backups", "--db", str(station))
    assert "manual" in out and "restore" in out


def test_restore_without_backup_is_an_error(station, capsys):
    code, _, err = run(capsys, "restore", "--db", str(station))
    assert code == 1 and "no good backup" in err


def test_newer_database_is_refused(station, capsys):
    con = sqlfile.connect(station)
    con.execute("UPDATE alembic_version SET version_num = '9999'")
    con.commit()
    con.close()
    before = station.read_bytes()
    code, _, err = run(capsys, "check", "--db", str(station))
    assert code == 1 and "newer" in err
    assert station.read_bytes() == before


def test_clock_correct(station, capsys):
    code, out, err = run(capsys, "clock", "--db", str(station), "--correct")
    assert code == 0, err
    assert "re-stamped" in out


def test_missing_database(tmp_path, capsys):
    code, _, err = run(capsys, "check", "--db", str(tmp_path / "none.sqlite3"))
    assert code == 1 and "station-admin init" in err


def test_entry_point_runs_without_qt(tmp_path):
    """The installed console script works in a fresh interpreter that cannot import Qt."""
    script = (
        "import sys; sys.modules['PySide6'] = None\n"
        "from station_app.cli import main\n"
        f"sys.exit(main(['demo', '--db', r'{tmp_path / 'x.sqlite3'}', '--members', '50',"
        " '--admin-password', 'demo-pass-1']))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "50 members" in result.stdout
