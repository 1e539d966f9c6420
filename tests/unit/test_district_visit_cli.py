"""``district-server station add|list`` and ``visit add|list|edit|delete`` on a real
district file: in-process for the outputs, one real process for the one-line error."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest

from station_app.storage import sqlfile
from sync.server.cli import main

LAST = date.today().year - 1


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def district(tmp_path, capsys, monkeypatch) -> str:
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    path = str(tmp_path / "district.sqlite3")
    monkeypatch.setattr(sys, "stdin", io.StringIO("district-pass-1\n"))
    assert run(capsys, "init", "--db", path, "--admin", "qu", "--password-stdin")[0] == 0
    for argv in (("KY01", "--name", "葵涌社区工联会", "--street", "葵涌办事处", "--key"),
                 ("DP02", "--name", "大鹏社区工联会", "--key"),
                 ("NA03", "--name", "南澳社区工联会")):
        code, out, err = run(capsys, "station", "add", *argv, "--db", path)
        assert code == 0, err
    return path


def q(path: str, sql: str) -> list[tuple]:
    con = sqlfile.connect(path)  # (encrypted: the key its command registered)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_stations_added_listed_and_set(district, capsys):
    code, out, err = run(capsys, "station", "add", "ky01", "--name", "重复", "--db", district)
    assert code == 1 and out == ""
    assert err == ("error: Station code: There is already a station with the code KY01 "
                   "(葵涌社区工联会): edit that one instead\n")
    code, out, _ = run(capsys, "station", "set", "NA03", "--street", "南澳办事处", "--key",
                       "--db", district)
    assert out == "station NA03: 南澳社区工联会 (南澳办事处) [key station]\n"
    code, out, _ = run(capsys, "station", "list", "--db", district)
    lines = out.splitlines()
    assert lines[1].split() == ["DP02", "大鹏社区工联会", "yes"]
    assert lines[2].split() == ["KY01", "葵涌社区工联会", "葵涌办事处", "yes"]
    assert lines[-1] == "3 station(s), 3 key station(s)"
    assert "DISTRICT" not in out  # the district's own row is not a station


def test_visits_added_listed_corrected_and_deleted(district, capsys):
    code, out, err = run(capsys, "visit", "add", "--station", "ky01", "--date",
                         f"{LAST}年3月10日", "--visitors", "王主席", "--findings", "台账齐全",
                         "--follow-up", f"{LAST}-06-30", "--db", district)
    assert code == 0, err
    assert out.startswith("visit recorded: ") and f"{LAST}-03-10  KY01" in out
    first = out.split()[2]
    run(capsys, "visit", "add", "--station", "NA03", "--date", f"{LAST}-05-01",
        "--visitors", "李部长", "--db", district)
    code, out, _ = run(capsys, "visit", "list", "--year", str(LAST), "--db", district)
    lines = out.splitlines()
    assert len(lines) == 3 and lines[1].startswith(first)
    assert "葵涌社区工联会" in lines[1] and "key" in lines[1] and "| 台账齐全" in lines[1]
    assert lines[-1] == (f"2 station visit(s) in {LAST}; key stations visited in {LAST}: "
                         "1 of 2")
    code, out, _ = run(capsys, "visit", "list", "--year", str(LAST), "--station", "NA03",
                       "--db", district)
    assert len(out.splitlines()) == 2 and "南澳社区工联会" in out

    # correct: the options given replace the stored values; '' clears
    code, out, err = run(capsys, "visit", "edit", first, "--station", "DP02", "--findings", "",
                         "--db", district)
    assert code == 0, err
    assert out.startswith("visit corrected: ")
    assert q(district, f"SELECT visitors, findings, follow_up_due FROM visits "
                       f"WHERE id = '{first}'") == [("王主席", None, f"{LAST}-06-30")]
    code, out, _ = run(capsys, "visit", "list", "--year", str(LAST), "--db", district)
    assert out.splitlines()[-1].endswith("key stations visited in "
                                         f"{LAST}: 1 of 2")  # DP02 now, not KY01
    assert q(district, "SELECT count(*) FROM audit_log WHERE table_name = 'visits' "
                       f"AND row_id = '{first}' AND action = 'update'") == [(1,)]
    for argv, message in (
            (("--follow-up", f"{LAST}-01-01"), "Follow-up due: The date cannot be before"),
            (("--date", (date.today() + timedelta(days=3)).isoformat()), "Visit date: "),
            (("--station", "ZZ99"), "There is no station ZZ99"),
            ((), "nothing to change")):
        code, out, err = run(capsys, "visit", "edit", first, *argv, "--db", district)
        assert code == 1 and out == "" and len(err.splitlines()) == 1, argv
        assert err.startswith("error: ") and message in err, (argv, err)

    # delete: a tombstone, no longer listed nor counted
    code, out, err = run(capsys, "visit", "delete", first, "--db", district)
    assert code == 0 and out.startswith(f"visit deleted: {first}")
    code, out, _ = run(capsys, "visit", "list", "--year", str(LAST), "--db", district)
    assert first not in out and out.splitlines()[-1].endswith(": 0 of 2")
    assert q(district, f"SELECT deleted FROM visits WHERE id = '{first}'") == [(1,)]
    code, _, err = run(capsys, "visit", "delete", first, "--db", district)
    assert code == 1 and "No such record" in err


def test_a_visit_to_an_unknown_station_is_one_line_in_chinese(district):
    done = subprocess.run([sys.executable, "-m", "sync.server.cli", "visit", "add",
                           "--station", "ZZ99", "--date", "2020-01-01", "--visitors", "王主席",
                           "--db", district], capture_output=True, text=True,
                          env={**os.environ, "LANG": "zh_CN.UTF-8"})
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: 站点编码：没有编码为 ZZ99 的站点：请先建立该站点（district-server enroll ZZ99 "
        "--name …）"]
    assert q(district, "SELECT count(*) FROM visits") == [(0,)]


def test_a_station_database_is_not_the_districts(tmp_path, capsys):
    from station_app.domain.services.setup import init_station
    from station_app.storage.database import open_database

    path = tmp_path / "station.sqlite3"
    db = open_database(path, create=True)
    init_station(db, "KY01", "葵涌社区工联会", "admin", "admin-pass-1")
    db.close()
    code, out, err = run(capsys, "visit", "add", "--station", "KY01", "--date", "2020-01-01",
                         "--visitors", "王主席", "--db", str(path))
    assert code == 1 and "is not a district database" in err
