"""A station that is never online, through both command lines: files both ways."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from station_app.domain.models import Member, OutboxEntry, Target
from station_app.domain.services import members
from station_app.domain.validation import id_check_char
from station_app.storage.database import open_database
from station_app.storage.keys import read_district_key


def run(main, capsys, monkeypatch, *argv, stdin=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_files_both_ways_and_district_commands(db_path, admin, tmp_path, capsys, monkeypatch):
    from station_app.cli import main as station
    from sync.server.cli import main as district

    d = str(tmp_path / "district.sqlite3")
    assert run(district, capsys, monkeypatch, "init", "--db", d, "--admin", "qu",
               "--password-stdin", stdin="district-pass-1\n")[0] == 0
    code, out, err = run(district, capsys, monkeypatch, "enroll", "KY01", "--db", d,
                         "--name", "葵涌社区工联会")
    assert code == 0, err
    secret = next(line.split(": ", 1)[1] for line in out.splitlines()
                  if line.startswith("bundle secret"))
    db = open_database(db_path)
    with db.session(admin) as s:
        for n in (1, 2):
            body = f"44030519800101{n:03d}"
            members.register_member(s, {"name": "会员" + "甲乙"[n - 1],
                                        "id_number": body + id_check_char(body)})
    db.close()
    up, down = tmp_path / "up.bundle", tmp_path / "down.bundle"
    assert run(station, capsys, monkeypatch, "sync-export", "--db", str(db_path), str(up),
               "--bundle-secret", secret)[0] == 0
    code, out, err = run(district, capsys, monkeypatch, "import-bundle", str(up), "--db", d)
    assert code == 0 and "2 row(s) applied" in out, err
    assert run(district, capsys, monkeypatch, "target", "set", "--db", d, "--year", "2026",
               "--metric", "training_events", "--value", "40")[0] == 0
    assert run(district, capsys, monkeypatch, "export-bundle", "KY01", str(down),
               "--db", d)[0] == 0
    assert run(station, capsys, monkeypatch, "sync-import", "--db", str(db_path),
               str(down))[0] == 0
    db = open_database(db_path)
    with db.reader() as s:
        assert s.execute(select(func.count()).select_from(OutboxEntry)).scalar_one() == 0
        assert s.execute(select(func.count()).select_from(Target)).scalar_one() == 1
        member_id = s.execute(select(Member.id).limit(1)).scalar_one()
    db.close()
    # the district's other commands on the same data
    code, out, _ = run(district, capsys, monkeypatch, "duplicates", "--db", d, "--user", "qu",
                       stdin="district-pass-1\n")  # (names and ID numbers: a login)
    assert code == 0 and "no member is active in two stations" in out
    assert run(district, capsys, monkeypatch, "enroll", "DP02", "--db", d, "--name",
               "大鹏社区工联会")[0] == 0
    code, out, err = run(district, capsys, monkeypatch, "transfer", member_id, "--to", "DP02",
                         "--db", d)
    assert code == 0 and "DP02" in out, err
    code, out, _ = run(district, capsys, monkeypatch, "backup", "--db", d)
    assert code == 0 and out.strip().endswith(".sqlite3")
    copy = tmp_path / "copies" / "district-copy.sqlite3"  # --out: that file, a sound copy
    code, out, err = run(district, capsys, monkeypatch, "backup", "--db", d, "--out", str(copy))
    assert code == 0 and out.strip() == str(copy), err
    # encrypted with the district's key (its key file stays beside the database only)
    assert not (copy.parent / "district.sqlite3.key").exists()
    copied = open_database(copy, key=read_district_key(Path(f"{d}.key")), key_file=False)
    with copied.reader() as s:
        assert s.execute(select(func.count()).select_from(Member)).scalar_one() == 3
    copied.close()
    code, _out, err = run(district, capsys, monkeypatch, "backup", "--db", d, "--out",
                          str(copy))  # never over an existing file
    assert code == 1 and "exists already" in err
    code, out, _ = run(district, capsys, monkeypatch, "status", "--db", d)
    assert "KY01" in out and "DP02" in out
    # a file is refused when it was made for another station's key
    code, _, err = run(station, capsys, monkeypatch, "sync-import", "--db", str(db_path),
                       str(up))
    assert code == 1 and "error:" in err


def test_init_takes_any_user_name_and_leaves_nothing_when_it_fails(tmp_path, capsys,
                                                                    monkeypatch):
    """A user name with digits is a user name, not a person's name to check; a refused
    init (a password too short) leaves no half-made database behind."""
    from sync.server.cli import main as district

    bad = tmp_path / "bad.sqlite3"
    code, _out, err = run(district, capsys, monkeypatch, "init", "--db", str(bad),
                          "--admin", "admin1", "--password-stdin", stdin="short\n")
    assert code != 0 and "password" in err.lower() and not bad.exists()
    good = tmp_path / "district.sqlite3"
    code, out, err = run(district, capsys, monkeypatch, "init", "--db", str(good),
                         "--admin", "admin1", "--password-stdin", stdin="district-pass-1\n")
    assert code == 0, err
    assert "admin1" in out
    missing = tmp_path / "typo.sqlite3"  # a mistyped --db: said, nothing created
    code, _out, err = run(district, capsys, monkeypatch, "status", "--db", str(missing))
    assert code == 1 and "district-server init" in err and not missing.exists()


def test_station_init_takes_a_user_name_with_digits(tmp_path, capsys, monkeypatch):
    from station_app.cli import main as station

    code, out, err = run(station, capsys, monkeypatch, "init", "--db",
                         str(tmp_path / "ky02.sqlite3"), "--station-code", "KY02",
                         "--station-name", "葵涌二社区工联会", "--admin", "ky2",
                         "--password-stdin", stdin="station-pass-1\n")
    assert code == 0, err


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path
