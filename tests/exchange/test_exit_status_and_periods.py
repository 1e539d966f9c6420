"""What a script sees: the exit status of an import (0 all imported, 2 some rows rejected
and the rest committed, 1 nothing committed) from the real program on real workbooks;
usage errors exit 1 like every error; exports of a year or of a range, and the errors
for a period given wrong."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from xlsx_helpers import make_id, write_xlsx

from station_app.cli import main
from station_app.cliutil import EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, import_status
from station_app.storage import sqlfile
from tests.conftest import ADMIN_PASSWORD

ZHANG = make_id("44030519900101123")
LI = make_id("44030519910202224")
WANG = make_id("44030519920303335")
BAD = WANG[:-1] + ("1" if WANG[-1] == "0" else "0")  # a wrong check character


def station_admin(db_path: Path, tmp_path: Path, *argv: str) -> subprocess.CompletedProcess:
    """The installed program's way in, as a script runs it."""
    env = {"LANG": "en_US.UTF-8", "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "STATION_APP_HOME": str(tmp_path / "home"),
           "STATION_USER": "admin", "STATION_PASSWORD": ADMIN_PASSWORD}  # (its login)
    return subprocess.run([sys.executable, "-m", "station_app.cli", *argv, "--db", str(db_path)],
                          capture_output=True, text=True, env=env, timeout=120)


def members_in(db_path: Path) -> int:
    con = sqlfile.connect(db_path)
    try:
        return con.execute("SELECT count(*) FROM members").fetchone()[0]
    finally:
        con.close()


def test_the_import_status_rule():
    assert import_status(5, 0) == EXIT_OK == 0
    assert import_status(0, 0) == EXIT_OK  # nothing new: all already there
    assert import_status(3, 1) == EXIT_PARTIAL == 2
    assert import_status(0, 4) == EXIT_ERROR == 1


def test_a_script_tells_all_some_and_nothing_apart(db_path, tmp_path):
    all_good = write_xlsx(tmp_path / "all.xlsx", [["姓名", "身份证号码"], ["张三", ZHANG]])
    some_bad = write_xlsx(tmp_path / "some.xlsx", [["姓名", "身份证号码"], ["李四", LI],
                                                    ["错号", BAD]])
    all_bad = write_xlsx(tmp_path / "bad.xlsx", [["姓名", "身份证号码"],
                                                  ["错号", BAD],
                                                  ["无号", None]])
    proc = station_admin(db_path, tmp_path, "import", str(all_good))
    assert proc.returncode == 0, proc.stderr
    assert members_in(db_path) == 1
    proc = station_admin(db_path, tmp_path, "import", str(some_bad))
    assert proc.returncode == 2, proc.stderr
    assert "imported 1, rejected 1" in proc.stdout and proc.stderr == ""
    assert members_in(db_path) == 2  # the good row is in
    assert (tmp_path / "some-errors.xlsx").exists()
    proc = station_admin(db_path, tmp_path, "import", str(all_bad))
    assert proc.returncode == 1
    assert proc.stderr.strip() == "error: every row was rejected: nothing was imported"
    assert members_in(db_path) == 2
    # the same workbook again: every row already there, nothing rejected
    proc = station_admin(db_path, tmp_path, "import", str(all_good))
    assert proc.returncode == 0 and "skipped 1 already there" in proc.stdout
    # an error before anything is read: nothing committed
    proc = station_admin(db_path, tmp_path, "import", str(tmp_path / "missing.xlsx"))
    assert proc.returncode == 1 and proc.stderr.startswith("error:")
    # a usage error is an error too (never 2, which means rows were rejected)
    proc = station_admin(db_path, tmp_path, "import", str(all_good), "--kind", "planets")
    assert proc.returncode == 1 and "invalid choice" in proc.stderr


def test_usage_errors_exit_1_in_both_command_lines(tmp_path):
    env = {**os.environ, "STATION_APP_HOME": str(tmp_path / "home")}
    for module in ("station_app.cli", "sync.server.cli"):
        proc = subprocess.run([sys.executable, "-m", module, "--no-such-option"],
                              capture_output=True, text=True, env=env, timeout=120)
        assert proc.returncode == 1, (module, proc.stderr)
        assert "usage:" in proc.stderr
        proc = subprocess.run([sys.executable, "-m", module, "--help"], capture_output=True,
                              text=True, env=env, timeout=120)
        assert proc.returncode == 0, module


# --------------------------------------------------------------------------- periods


@pytest.fixture
def diary(db, admin):
    """Events and ledger entries over three years at KY01."""
    from station_app.domain.services import events, hardship, members

    with db.session(admin) as s:
        m = members.register_member(s, {"name": "王芳", "id_number": ZHANG})
        case = hardship.open_case(s, m.id, {"category": "因病", "level": "深度困难",
                                            "household_size": 2,
                                            "registered_date": date(2023, 1, 2)}).id
        for day in (date(2023, 11, 30), date(2024, 1, 15), date(2024, 6, 1),
                    date(2025, 2, 1)):
            events.record_event(s, {"kind": "普惠", "event_date": day,
                                    "title": f"普惠{day}", "person_times": 5})
            hardship.add_entry(s, case, {"kind": "慰问金", "entry_date": day,
                                         "amount": "100.50"})
    return db.path


def rows(path: Path) -> list[tuple]:
    """The dated rows of an export's first sheet (not a totals row)."""
    ws = load_workbook(path).worksheets[0]
    return [r for r in ws.iter_rows(min_row=3, values_only=True)
            if not (isinstance(r[0], str) and r[0].startswith("合计"))]


def test_exports_of_a_year_or_a_range(diary, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    year = tmp_path / "events-2024.xlsx"
    assert main(["export", "events", str(year), "--db", str(diary), "--year", "2024"]) == 0
    assert [r[0].date() for r in rows(year)] == [date(2024, 1, 15), date(2024, 6, 1)]
    assert "2024 年活动" in load_workbook(year).worksheets[0]["A1"].value
    span = tmp_path / "events-winter.xlsx"
    assert main(["export", "events", str(span), "--db", str(diary), "--from", "2023-11-01",
                 "--to", "2024-02-29"]) == 0
    assert [r[0].date() for r in rows(span)] == [date(2023, 11, 30), date(2024, 1, 15)]
    assert "2023-11-01 – 2024-02-29" in load_workbook(span).worksheets[0]["A1"].value
    ledger = tmp_path / "ledger.xlsx"
    assert main(["export", "ledger", str(ledger), "--db", str(diary), "--from", "2023-11-01",
                 "--to", "2024-02-29"]) == 0
    wb = load_workbook(ledger)
    assert [r[0].date() for r in rows(ledger)] == [date(2023, 11, 30), date(2024, 1, 15)]
    total = list(wb["按类别"].iter_rows(min_row=3, values_only=True))[-1]
    assert total[1:] == (2, 201)  # two entries of 100.50 yuan, a number
    visits = tmp_path / "visits.xlsx"
    assert main(["export", "visits", str(visits), "--db", str(diary), "--year", "2023"]) == 0
    assert "2023-01-01 – 2023-12-31" in load_workbook(visits).worksheets[0]["A1"].value
    capsys.readouterr()


@pytest.mark.parametrize("argv, message", [
    (["events", "--year", "2024", "--from", "2024-01-01", "--to", "2024-03-01"],
     "give --year, or --from and --to, not both"),
    (["ledger", "--from", "2024-01-01"], "a range needs both --from and --to"),
    (["visits", "--to", "2024-01-01"], "a range needs both --from and --to"),
    (["events", "--from", "2024-05-01", "--to", "2024-01-01"],
     "--from 2024-05-01 is after --to 2024-01-01"),
    (["ledger", "--from", "1.5.2024", "--to", "2024-06-01"], "--from must be a date"),
    (["roster", "--year", "2024"], "--year, --from and --to are for ledger, visits and events"),
    (["events", "--year", "24"], "--year must be a year from 1900 to 2100"),
])
def test_a_period_given_wrong_is_refused(diary, tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    out = tmp_path / "x.xlsx"
    code = main(["export", argv[0], str(out), "--db", str(diary), *argv[1:]])
    err = capsys.readouterr().err
    assert code == 1 and message in err and err.startswith("error:")
    assert not out.exists()


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path

