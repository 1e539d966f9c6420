"""``station-admin case exit|cancel|reopen`` on real files: the file found by the household
head's 身份证号 or its id, one-line errors in the user's language, nothing half-written."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

import pytest

from station_app.cli import main
from station_app.domain.services import hardship, members
from station_app.domain.validation import id_check_char
from station_app.storage import sqlfile
from tests.conftest import ADMIN_PASSWORD, CLERK_PASSWORD

TODAY = date.today()


def make_id(n: int) -> str:
    first17 = f"11010119800101{n:03d}"
    return first17 + id_check_char(first17)


ZHANG, LI, WANG = make_id(1), make_id(2), make_id(3)


@pytest.fixture
def files(db, db_path, admin):
    """张三 and 李四 with open files registered a year ago; 王五 a member without one."""
    registered = TODAY - timedelta(days=365)
    with db.session(admin) as s:
        ids = {}
        for name, idn in (("张三", ZHANG), ("李四", LI)):
            m = members.register_member(s, {"name": name, "id_number": idn})
            ids[name] = hardship.open_case(s, m.id, {
                "category": "因病", "level": "深度困难", "household_size": 3,
                "registered_date": registered}).id
        members.register_member(s, {"name": "王五", "id_number": WANG})
    db.close()
    return ids


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def state(db_path) -> dict[str, tuple]:
    con = sqlfile.connect(db_path)
    try:
        return {name: (status, exit_date, reason) for name, status, exit_date, reason in
                con.execute("SELECT m.name, c.status, c.exit_date, c.exit_reason FROM "
                            "hardship_cases c JOIN members m ON m.id = c.member_id")}
    finally:
        con.close()


def on_file(capsys, db_path, as_of: date) -> int:
    code, out, err = run(capsys, "report", "--db", str(db_path), "--as-of", as_of.isoformat(),
                         "--json")
    assert code == 0, err
    return json.loads(out[:out.rindex("}") + 1])["values"]["hardship_cases_open"]


def test_exit_by_id_number_and_cancel_by_file_id(files, db_path, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    exit_day = TODAY - timedelta(days=30)
    code, out, err = run(capsys, "case", "exit", "--db", str(db_path), ZHANG, "--date",
                         f"{exit_day.year}年{exit_day.month}月{exit_day.day}日",
                         "--reason", "再就业")
    assert code == 0, err
    assert out.startswith(f"file {files['张三']} of 张三 (")
    assert ZHANG not in out  # the ID number masked
    assert f"Exited on {exit_day.isoformat()}, reason: 再就业" in out
    code, out, err = run(capsys, "case", "cancel", "--db", str(db_path), files["李四"],
                         "--reason", "重复建档")
    assert code == 0, err
    assert f"Cancelled on {TODAY.isoformat()}" in out
    assert state(db_path) == {"张三": ("exited", exit_day.isoformat(), "再就业"),
                              "李四": ("cancelled", TODAY.isoformat(), "重复建档")}
    assert on_file(capsys, db_path, exit_day - timedelta(days=1)) == 2
    assert on_file(capsys, db_path, exit_day) == 1
    assert on_file(capsys, db_path, TODAY) == 0

    # an exit made in error is undone by the head's ID number
    code, out, err = run(capsys, "case", "reopen", "--db", str(db_path), ZHANG)
    assert code == 0, err
    assert out.rstrip().endswith("open, registered "
                                 f"{(TODAY - timedelta(days=365)).isoformat()} again")
    assert state(db_path)["张三"] == ("open", None, None)
    assert on_file(capsys, db_path, TODAY) == 1


@pytest.mark.parametrize("argv, zh, en", [
    (["exit", WANG, "--reason", "x"], f"身份证号码：{WANG} 没有在档的困难职工档案",
     f"ID card number: {WANG} has no open hardship file"),
    (["exit", ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1"), "--reason", "x"],
     "校验位", "check character"),
    (["exit", ZHANG, "--date", (TODAY + timedelta(days=1)).isoformat(), "--reason", "x"],
     "脱困日期：日期", "Exit date: the date"),
    (["cancel", ZHANG, "--date", "2000-01-01", "--reason", "x"],
     "注销日期：日期不能早于建档日期", "Cancellation date: The date cannot be before"),
    (["cancel", ZHANG], "原因：此项必填", "Reason: this field is required"),
    (["exit", ZHANG, "--date", "上周", "--reason", "x"], "无法识别日期“上周”",
     "cannot read the date “上周”"),
    (["reopen", ZHANG], "没有已关闭（脱困或注销）的困难职工档案",
     "has no closed (exited or cancelled) hardship file"),
    (["exit", "0190a0a0-0000-7000-8000-000000000000", "--reason", "x"], "找不到该记录",
     "No such record"),
])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_errors_are_one_line_and_write_nothing(files, db_path, capsys, monkeypatch, argv,
                                               zh, en, lang):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8" if lang == "zh" else "en_US.UTF-8")
    before = state(db_path)
    code, out, err = run(capsys, "case", argv[0], "--db", str(db_path), *argv[1:])
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert (zh if lang == "zh" else en) in lines[0]
    assert state(db_path) == before


def test_closed_is_closed_and_a_clerk_is_refused(files, db, db_path, capsys, monkeypatch,
                                                 clerk):
    # the fixture's db was closed; the clerk user exists in the template
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.setenv("STATION_PASSWORD", CLERK_PASSWORD)  # (--as clerk logs in as clerk)
    code, _out, err = run(capsys, "case", "exit", "--db", str(db_path), ZHANG, "--reason",
                          "再就业", "--as", "clerk")
    assert code == 1 and "无权办理脱困" in err and "站点管理员" in err
    monkeypatch.setenv("STATION_PASSWORD", ADMIN_PASSWORD)
    assert run(capsys, "case", "exit", "--db", str(db_path), ZHANG, "--reason", "再就业",
               "--as", "admin")[0] == 0
    code, _out, err = run(capsys, "case", "cancel", "--db", str(db_path), files["张三"],
                          "--reason", "错建")
    assert code == 1
    assert f"档案已于 {TODAY.isoformat()} 脱困，不能再次办理" in err
    assert state(db_path)["张三"] == ("exited", TODAY.isoformat(), "再就业")


def test_the_installed_command(files, db_path):
    """As a program: the entry point, its exit status and its one line."""
    result = subprocess.run(
        [sys.executable, "-m", "station_app.cli", "case", "cancel", "--db", str(db_path),
         LI, "--reason", "户主已去世"], capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "STATION_APP_HOME": str(db_path.parent),
             "STATION_USER": "admin", "STATION_PASSWORD": ADMIN_PASSWORD})
    assert result.returncode == 0, result.stderr
    assert "李四" in result.stdout and "Cancelled on" in result.stdout
    result = subprocess.run(
        [sys.executable, "-m", "station_app.cli", "case", "cancel", "--db", str(db_path),
         LI, "--reason", "again"], capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "STATION_APP_HOME": str(db_path.parent),
             "STATION_USER": "admin", "STATION_PASSWORD": ADMIN_PASSWORD})
    assert result.returncode == 1
    assert result.stderr.strip() == f"error: ID card number: {LI} has no open hardship file"


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path
