"""``station-admin member find|status``, ``enterprise find``, ``ledger list|reverse`` and
``district-server transfer|watch list`` by 身份证号 / 统一社会信用代码, on real files:
in-process for the outputs, real processes where the one-line error and the exit status
are what a script sees."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date, timedelta

import pytest

from station_app.cli import main as station_admin
from station_app.domain.actor import Actor
from station_app.domain.ids import DISTRICT_OWNER_ID, station_id_for
from station_app.domain.services import (
    enterprises,
    hardship,
    members,
    metrics,
    stations,
    users,
)
from station_app.domain.validation import (
    ValidationError,
    credit_code_check_char,
    id_check_char,
)
from station_app.storage import sqlfile
from station_app.storage.database import open_database
from sync.server.cli import main as district_server
from tests.conftest import CLERK_PASSWORD

LAST = date.today().year - 1


def make_id(body: str) -> str:
    return body + id_check_char(body)


ZHANG, LI, WANG = (make_id(f"44030519900101{n:03d}") for n in (123, 224, 325))
CODE = "91440300MA5F0000" + "1"
CODE = CODE + credit_code_check_char(CODE)


def run(capsys, main, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def q(path, sql: str, *params) -> list[tuple]:
    con = sqlfile.connect(path)  # (an encrypted district: the key its command registered)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


@pytest.fixture(autouse=True)
def english(monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("STATION_LANG", raising=False)


@pytest.fixture
def station(db, db_path, admin):
    """张三 and 李四 (张三 with a file and two entries), 王五; one enterprise."""
    with db.session(admin) as s:
        zhang = members.register_member(s, {"name": "张三", "id_number": ZHANG,
                                            "phone": "13800138000",
                                            "join_date": f"{LAST - 5}-01-01"})
        members.register_member(s, {"name": "李四", "id_number": LI})
        members.register_member(s, {"name": "王五", "id_number": WANG})
        case = hardship.open_case(s, zhang.id, {"category": "因病", "level": "深度困难",
                                                "household_size": 3,
                                                "registered_date": f"{LAST - 1}-01-05"})
        visit = hardship.add_entry(s, case.id, {"kind": "入户走访",
                                                "entry_date": f"{LAST}-02-10"})
        paid = hardship.add_entry(s, case.id, {"kind": "慰问金", "amount": 500,
                                               "entry_date": f"{LAST}-03-01"})
        enterprises.register_enterprise(s, {"name": "葵涌制衣厂", "credit_code": CODE})
        ids = {"zhang": zhang.id, "case": case.id, "visit": visit.id, "paid": paid.id}
    db.close()
    return ids


# --------------------------------------------------------------------------- members


def test_member_find_prints_ids_and_masked_id_numbers(station, db_path, capsys):
    for query in ("张", "zs", ZHANG[-6:], "1380013"):
        code, out, err = run(capsys, station_admin, "member", "find", query, "--db",
                             str(db_path))
        assert code == 0, err
        lines = out.splitlines()
        assert lines[-1] == "1 member(s)", (query, out)
        assert lines[0].split() == [station["zhang"], f"{ZHANG[:6]}********{ZHANG[-4:]}",
                                    "张三", "KY01", "Active"]
        assert ZHANG not in out
    code, out, _ = run(capsys, station_admin, "member", "find", "4403", "--db", str(db_path),
                       "--limit", "2")
    assert out.splitlines()[-1] == "2 member(s) (the first ones: --limit shows more)"


def test_member_status_by_id_number_and_back(station, db_path, capsys):
    code, out, err = run(capsys, station_admin, "member", "status", LI, "--status", "left",
                         "--date", f"{LAST}年4月1日", "--reason", "调离本市", "--db",
                         str(db_path))
    assert code == 0, err
    assert out.startswith("member ") and out.rstrip().endswith(f"Left {LAST}-04-01")
    code, out, err = run(capsys, station_admin, "member", "status", WANG, "--status",
                         "deceased", "--date", f"{LAST}-05-02", "--db", str(db_path))
    assert code == 0, err
    db = open_database(db_path)
    try:
        with db.reader() as s:
            scope = metrics.Scope(date(LAST, 12, 31), station_id_for("KY01"))
            assert metrics.metric_value(s, "members_left", scope) == 1
            assert metrics.metric_value(s, "members_deceased", scope) == 1
            assert metrics.metric_value(s, "members_on_roll", scope) == 1
    finally:
        db.close()
    assert q(db_path, "SELECT status, status_date, notes FROM members WHERE name = '李四'") \
        == [("left", f"{LAST}-04-01", f"退会 {LAST}-04-01：调离本市")]
    # recorded in error: active again (the one row that left)
    code, out, err = run(capsys, station_admin, "member", "status", LI, "--status", "active",
                         "--date", f"{LAST}-04-02", "--db", str(db_path))
    assert code == 0, err
    assert q(db_path, "SELECT status FROM members WHERE name = '李四'") == [("active",)]


def test_member_status_refusals_say_what_to_do(station, db_path, capsys):
    future = (date.today() + timedelta(days=2)).isoformat()
    cases = [
        (("member", "status", LI, "--status", "left", "--date", future),
         f"error: Status date: the date {future} is after today"),
        (("member", "status", ZHANG, "--status", "left", "--date", f"{LAST - 6}-01-01"),
         f"error: Status date: The status date cannot be before joining ({LAST - 5}-01-01)"),
        (("member", "status", make_id("11010119700101001"), "--status", "left", "--date",
          f"{LAST}-01-01"), "no active member with the ID number"),
        (("member", "status", LI, "--status", "active", "--date", f"{LAST}-01-01"),
         "no former member with the ID number"),
        (("ledger", "reverse", "no-such-entry", "--reason", "x"),
         "There is no ledger entry no-such-entry: station-admin ledger list ID_NUMBER shows"),
    ]
    for argv, said in cases:
        code, out, err = run(capsys, station_admin, *argv, "--db", str(db_path))
        assert (code, out) == (1, ""), argv
        assert said in err, (argv, err)
    assert q(db_path, "SELECT count(*) FROM members WHERE status != 'active'") == [(0,)]


def test_one_line_error_and_exit_status_in_a_real_process(station, db_path, tmp_path):
    env = {**os.environ, "STATION_APP_HOME": str(tmp_path / "home"), "LANG": "zh_CN.UTF-8"}
    done = subprocess.run([sys.executable, "-m", "station_app.cli", "member", "status",
                           "440305199001011230", "--status", "left", "--date", f"{LAST}-01-01",
                           "--db", str(db_path)], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1
    assert "校验" in done.stderr or "身份证" in done.stderr


# --------------------------------------------------------------------------- enterprises


def test_enterprise_find(station, db_path, capsys):
    for query in ("制衣", CODE[:6].lower(), CODE):
        code, out, err = run(capsys, station_admin, "enterprise", "find", query, "--db",
                             str(db_path))
        assert code == 0, err
        first = out.splitlines()[0].split()
        assert first[1:4] == [CODE, "葵涌制衣厂", "KY01"], (query, out)
        assert out.splitlines()[-1] == "1 enterprise(s)"
    code, out, _ = run(capsys, station_admin, "enterprise", "find", "没有", "--db",
                       str(db_path))
    assert out == "0 enterprise(s)\n"


# --------------------------------------------------------------------------- the ledger


def test_ledger_list_and_reverse(station, db_path, capsys):
    code, out, err = run(capsys, station_admin, "ledger", "list", ZHANG, "--db", str(db_path))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"file {station['case']} of 张三 (")
    assert lines[1].split()[:2] == [station["visit"], f"{LAST}-02-10"]
    assert lines[2].split()[:2] == [station["paid"], f"{LAST}-03-01"]
    assert lines[-1] == "  2 entries; 2 count (not reversed), 500.00 yuan"
    code, out, err = run(capsys, station_admin, "ledger", "reverse", station["paid"],
                         "--reason", "误录", "--date", f"{LAST}-03-05", "--db", str(db_path))
    assert code == 0, err
    assert out.startswith(f"entry {station['paid']} ({LAST}-03-01 Condolence payment 500.00)"
                          " reversed by ")
    reversal = out.split()[-3]
    code, out, _ = run(capsys, station_admin, "ledger", "list", station["case"], "--year",
                       str(LAST), "--db", str(db_path))
    assert f"reversed by {reversal} on {LAST}-03-05" in out
    assert f"reversal of {station['paid']}: 误录" in out
    assert out.splitlines()[-1] == f"  3 entries in {LAST}; 1 count (not reversed), 0.00 yuan"
    # at most once, never a reversal's reversal, never before the entry
    for entry, said in ((station["paid"], "already been reversed"),
                        (reversal, "A reversal cannot itself be reversed")):
        code, out, err = run(capsys, station_admin, "ledger", "reverse", entry, "--reason",
                             "再冲", "--db", str(db_path))
        assert code == 1 and said in err
    code, _, err = run(capsys, station_admin, "ledger", "reverse", station["visit"],
                       "--reason", "x", "--date", f"{LAST}-01-01", "--db", str(db_path))
    assert code == 1 and f"cannot be before {LAST}-02-10" in err
    code, _, err = run(capsys, station_admin, "ledger", "reverse", station["visit"],
                       "--db", str(db_path))
    assert code == 1 and "Reason" in err
    assert q(db_path, "SELECT count(*) FROM ledger_entries") == [(3,)]


def test_a_reversal_takes_a_station_admin(station, db_path, capsys, monkeypatch):
    monkeypatch.setenv("STATION_PASSWORD", CLERK_PASSWORD)  # (--as clerk logs in as clerk)
    code, _, err = run(capsys, station_admin, "ledger", "reverse", station["paid"], "--reason",
                       "误录", "--as", "clerk", "--db", str(db_path))
    assert code == 1 and "may not reverse ledger entries" in err
    assert q(db_path, "SELECT count(*) FROM ledger_entries") == [(2,)]


# --------------------------------------------------------------------------- the district


DISTRICT = Actor("qu", "district_admin", None, "区总工会")
CLERK = Actor("clerk", "clerk", None, "专职工作者")


@pytest.fixture
def district(tmp_path, capsys, monkeypatch):
    """A district with KY01, KY02, DP03: 张三 active at KY01 and KY02 (the same person
    registered by both), 李四 at KY01; one enterprise."""
    path = tmp_path / "district.sqlite3"
    monkeypatch.setattr(sys, "stdin", io.StringIO("district-pass-1\n"))
    assert run(capsys, district_server, "init", "--db", str(path), "--admin", "qu",
               "--password-stdin")[0] == 0
    db = open_database(path)
    try:
        with db.session(DISTRICT) as s:
            for code in ("KY01", "KY02", "DP03"):
                stations.create_station(s, code, f"{code}社区工联会")
        for code, people in (("KY01", (("张三", ZHANG), ("李四", LI))),
                             ("KY02", (("张三", ZHANG),))):
            db._station_id = station_id_for(code)
            with db.session(CLERK) as s:
                for name, idn in people:
                    members.register_member(s, {"name": name, "id_number": idn,
                                                "join_date": f"{LAST - 3}-01-01"})
                if code == "KY01":
                    enterprises.register_enterprise(s, {"name": "葵涌制衣厂",
                                                        "credit_code": CODE})
        db._station_id = DISTRICT_OWNER_ID
    finally:
        db.close()
    return path


def test_transfer_and_watch_list_by_id_number_and_credit_code(district, capsys,
                                                              monkeypatch):
    db = str(district)
    # station-admin's member find on the district's database: a district admin logs in
    monkeypatch.setenv("STATION_USER", "qu")
    monkeypatch.setenv("STATION_PASSWORD", "district-pass-1")
    code, out, err = run(capsys, district_server, "transfer", LI, "--to", "DP03", "--date",
                         f"{LAST}-02-20", "--db", db)
    assert code == 0, err
    assert q(district, "SELECT s.code, m.status, m.status_date FROM members m JOIN stations s "
                       "ON s.id = m.station_id WHERE m.id_number = ? ORDER BY s.code", LI) == [
        ("DP03", "active", f"{LAST}-02-20"), ("KY01", "transferred", f"{LAST}-02-20")]
    # the same person active at two stations: the candidates, then the row's id
    code, out, err = run(capsys, district_server, "transfer", ZHANG, "--to", "DP03", "--db", db)
    assert code == 1 and out == ""
    assert "has 2 member rows: KY01 张三 Active " in err and "; KY02 张三 Active " in err
    assert ZHANG not in err
    code, out, _ = run(capsys, station_admin, "member", "find", ZHANG, "--db", db, "--station",
                       "KY02")
    row = out.splitlines()[0].split()
    assert row[3] == "KY02" and out.splitlines()[-1] == "1 member(s)"
    code, out, err = run(capsys, district_server, "transfer", row[0], "--to", "DP03", "--date",
                         f"{LAST}-03-01", "--db", db)
    assert code == 0, err
    # the watch list: by credit code, dated the day it happened
    code, out, err = run(capsys, district_server, "watch", "list", CODE, "--reason", "欠薪",
                         "--date", f"{LAST}-04-10", "--db", db)
    assert code == 0, err
    assert out.endswith(f"(葵涌制衣厂) put on the watch list on {LAST}-04-10\n")
    code, out, _ = run(capsys, station_admin, "enterprise", "find", "制衣", "--db", db)
    assert f"watch-listed since {LAST}-04-10" in out
    for argv, said in (
            (("watch", "unlist", CODE, "--reason", "整改", "--date", f"{LAST}-04-01"),
             f"cannot be before the enterprise's latest watch-list change ({LAST}-04-10"),
            (("watch", "unlist", CODE, "--reason", "整改", "--date",
              (date.today() + timedelta(days=1)).isoformat()), "is after today"),
            (("watch", "list", CODE[:-1], "--reason", "x"), "Unified social credit code"),
            (("watch", "list", CODE[:-1] + ("0" if CODE[-1] != "0" else "1"), "--reason",
              "x"), "the check character")):
        code, out, err = run(capsys, district_server, *argv, "--db", db)
        assert code == 1 and said in err, (argv, err)
    code, out, err = run(capsys, district_server, "watch", "unlist", CODE, "--reason", "整改",
                         "--date", f"{LAST}-06-01", "--db", db)
    assert code == 0, err
    assert q(district, "SELECT action, entry_date FROM watch_list_entries ORDER BY entry_date") \
        == [("listed", f"{LAST}-04-10"), ("unlisted", f"{LAST}-06-01")]


def test_an_unknown_credit_code_is_said(district, capsys):
    other = "91440300MA5F0000" + "2"
    other += credit_code_check_char(other)
    code, out, err = run(capsys, district_server, "watch", "list", other, "--reason", "x",
                         "--db", str(district))
    assert code == 1 and f"no enterprise with the credit code {other}" in err


def test_the_lookups_on_postgres(pg_url, district_admin, capsys, monkeypatch):
    """find_member, the enterprise search, the reversal's candidates: the same answers on
    the district's PostgreSQL (strpos for instr, the NOT EXISTS of reversed entries)."""
    db = open_database(pg_url, create=True)
    db.set_state("station_id", DISTRICT_OWNER_ID)
    try:
        with db.session(district_admin) as s:
            for code in ("KY01", "KY02"):
                stations.upsert_station(s, code, f"{code}社区工联会")
            # station-admin prints members of the district's database to a district admin
            users.create_user(s, "qu", "district-pass-1", "district_admin", bootstrap=True)
        ids = {}
        for code in ("KY01", "KY02"):
            db._station_id = station_id_for(code)
            with db.session(CLERK) as s:
                ids[code] = members.register_member(s, {"name": "张三", "id_number": ZHANG}).id
        db._station_id = DISTRICT_OWNER_ID
        with db.session(district_admin) as s:
            s.info["ctx"].station_id = station_id_for("KY01")
            enterprises.register_enterprise(s, {"name": "葵涌制衣厂", "credit_code": CODE})
            case = hardship.open_case(s, ids["KY01"], {
                "category": "因病", "level": "深度困难", "household_size": 2,
                "registered_date": f"{LAST - 1}-01-01"})
            first = hardship.add_entry(s, case.id, {"kind": "慰问金", "amount": 300,
                                                    "entry_date": f"{LAST}-01-10"})
            second = hardship.add_entry(s, case.id, {"kind": "慰问金", "amount": 300,
                                                     "entry_date": f"{LAST}-02-10"})
            hardship.reverse_entry(s, second.id, "误录", f"{LAST}-02-11")
        with db.reader() as s:
            with pytest.raises(ValidationError) as err:
                members.find_member(s, ZHANG, active=True)
            assert "has 2 member rows: KY01 张三 Active" in err.value.messages("en")[0]
            assert enterprises.find_enterprise(s, CODE.lower()).name == "葵涌制衣厂"
            assert [e.name for e in enterprises.search_enterprises(s, "制衣")] == ["葵涌制衣厂"]
            assert [e.name for e in enterprises.search_enterprises(s, CODE[2:8].lower())] \
                == ["葵涌制衣厂"]
            found = hardship.reversal_candidates(s, [ids["KY01"]], "condolence", 30000,
                                                 date(LAST, 3, 1))
            assert [e.id for e in found] == [first.id]  # the reversed one is not a candidate
    finally:
        db.close()
    monkeypatch.setenv("STATION_USER", "qu")
    monkeypatch.setenv("STATION_PASSWORD", "district-pass-1")
    code, out, err = run(capsys, station_admin, "member", "find", "zs", "--db", pg_url,
                         "--station", "KY02")
    assert code == 0, err
    assert out.splitlines()[0].split()[0] == ids["KY02"]
    code, out, err = run(capsys, station_admin, "ledger", "list", ZHANG, "--db", pg_url)
    assert code == 0, err
    assert "reversed by " in out and out.splitlines()[-1].endswith("300.00 yuan")


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path
