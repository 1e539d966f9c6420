"""``station-admin case show|sign`` in real processes on real files: the station head signs
a file off by name and password (the grassroots block), the district's administrator the
upper block on the district's database; ``show`` prints the file, its household and its
sign-offs, in force or voided by a later change."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import pytest

from station_app.domain.actor import Actor
from station_app.domain.ids import DISTRICT_OWNER_ID
from station_app.domain.services import hardship, members, users
from station_app.domain.validation import id_check_char
from station_app.storage.database import open_database

ADMIN_PASSWORD = "admin-pass-1"  # (tests/conftest.py)
HEAD = "11010119800101005"
HEAD += id_check_char(HEAD)


def cli(*argv: str, stdin: str = "", lang: str = "zh_CN.UTF-8",
        **login: str) -> subprocess.CompletedProcess:
    """station-admin in a process of its own; the login's credentials from the
    environment (tests/conftest.py's ``station_login``), or as ``login`` names them
    (``STATION_PASSWORD=None``: read from standard input)."""
    env = dict(os.environ, LANG=lang, LC_ALL=lang)
    for name, value in login.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run([sys.executable, "-m", "station_app.cli", *argv], input=stdin,
                          capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def case_id(db, admin) -> str:
    with db.session(admin) as s:
        m = members.register_member(s, {"name": "王秀英", "id_number": HEAD})
        case = hardship.open_case(s, m.id, {
            "category": "因病", "level": "深度困难", "household_size": 3,
            "registered_date": "2024-03-01", "political_status": "党员",
            "household_annual_income_fen": "36000"})
        hardship.add_household_member(s, case.id, {"name": "李小明", "relation": "子女",
                                                   "age": 12})
        return case.id


def test_the_station_head_signs_off_by_name_and_password(db, db_path, admin, case_id):
    db.close()
    # the signer is the user who logs in: a wrong password is a login refused (exit 3)
    wrong = cli("case", "sign", HEAD, "--db", str(db_path), "--as", "admin",
                "--password-stdin", stdin="not-the-password\n", STATION_PASSWORD=None)
    assert wrong.returncode == 3 and wrong.stderr.startswith("error:")
    assert "用户名或密码错误" in wrong.stderr
    unnamed = cli("case", "sign", HEAD, "--db", str(db_path))
    assert unnamed.returncode == 1 and "--as" in unnamed.stderr
    done = cli("case", "sign", HEAD, "--db", str(db_path), "--as", "admin", "--note",
               "情况属实", "--date", "2024-03-05", "--password-stdin",
               stdin=ADMIN_PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert "站长 于 2024-03-05 签署" in done.stdout
    again = cli("case", "sign", HEAD, "--db", str(db_path), "--as", "admin",
                "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
    assert again.returncode == 1 and "无需再次签署" in again.stderr
    shown = cli("case", "show", HEAD, "--db", str(db_path))
    assert shown.returncode == 0, shown.stderr
    for text in ("政治面貌: 中共党员", "家庭年总收入: 36000.00", "李小明, 子女, 12",
                 "基层工会审核: 站长 于 2024-03-05 签署 — 情况属实", "上级工会审核: 未签署"):
        assert text in shown.stdout, (text, shown.stdout)
    # a station admin's change voids it: shown as such, in English too
    db = open_database(db_path)
    with db.session(admin) as s:
        hardship.update_case(s, case_id, {"household_annual_income_fen": "40000"})
    db.close()
    shown = cli("case", "show", case_id, "--db", str(db_path), lang="en_US.UTF-8")
    assert "grassroots union's sign-off: signed off by 站长 on 2024-03-05; voided at" in \
        shown.stdout
    assert "Household annual income" in shown.stdout


def test_the_upper_block_is_signed_on_the_districts_database(tmp_path, db, admin, case_id):
    """The district's database holds the station's file (as a push brings it); its
    administrator signs the upper block there."""
    from sync.changeset import from_wire, to_wire
    from sync.merge import apply_changeset
    from sync.outbound import acknowledge, gather

    district = open_database(tmp_path / "district.sqlite3", create=True)
    district.set_state("station_id", DISTRICT_OWNER_ID)
    with district.session(Actor("district", "district_admin", None, "区总工会")) as s:
        from station_app.domain.services import stations

        stations.upsert_station(s, "KY01", "葵涌社区工联会")
        users.create_user(s, "qu", "district-pass-1", "district_admin", "李主席",
                          bootstrap=True)
    while (cs := gather(db)) is not None:
        result = apply_changeset(district, from_wire(to_wire(cs)),
                                 pushing_station=db.station_id)
        assert result.refused == []
        acknowledge(db, result.acks)
    district.close()
    done = cli("case", "sign", case_id, "--db", str(tmp_path / "district.sqlite3"), "--as",
               "qu", "--password-stdin", stdin="district-pass-1\n")
    assert done.returncode == 0, done.stderr
    assert f"李主席 于 {date.today().isoformat()} 签署" in done.stdout
    # the file's personal data on the district's database: shown to a district admin
    shown = cli("case", "show", case_id, "--db", str(tmp_path / "district.sqlite3"),
                STATION_USER="qu", STATION_PASSWORD="district-pass-1")
    assert "上级工会审核: 李主席 于" in shown.stdout
    assert "基层工会审核: 未签署" in shown.stdout


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path
