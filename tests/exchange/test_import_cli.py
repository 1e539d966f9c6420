"""``station-admin import`` end to end on real files (in-process, plus one subprocess)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from xlsx_helpers import make_credit, make_id, write_xlsx

from station_app.cli import main
from station_app.cliutil import EXIT_LOGIN
from station_app.storage import sqlfile
from tests.conftest import ADMIN_PASSWORD, CLERK_PASSWORD

ZHANG = make_id("44030519900101123")
LI = make_id("44030519910202224")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _members(db_path) -> list[tuple[str, str]]:
    con = sqlfile.connect(db_path)
    try:
        return con.execute("SELECT name, id_number FROM members ORDER BY name").fetchall()
    finally:
        con.close()


def test_import_members_twice_with_an_error_workbook(db_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    sheet = write_xlsx(tmp_path / "roster.xlsx", [
        ["序号", "姓名", "身份证号码", "联系电话"],
        [1, "张三", ZHANG, "13800138000"],
        [2, "李四", LI, None],
        [3, "王五", 4.40305e17, None],
        ["合计", "3人"],
    ], title="会员花名册", merge_title=4)
    errors = tmp_path / "out" / "errors.xlsx"
    code, out, err = run(capsys, "import", "--db", str(db_path), str(sheet), "--errors",
                         str(errors))
    assert code == 2, err  # some rows rejected, the rest committed
    assert "member roster (members), header on row 2" in out
    assert "imported 2, rejected 1, skipped 0 already there, ignored 1" in out
    assert "row 5: 身份证号码: Excel stored this ID number as a number" in out
    assert f"rejected rows written to {errors}" in out and errors.exists()
    assert _members(db_path) == [("张三", ZHANG), ("李四", LI)]

    code, out, err = run(capsys, "import", "--db", str(db_path), str(sheet), "--kind",
                         "members")
    assert code == 1  # nothing committed: the one new row was rejected
    assert "every row was rejected" in err
    assert "imported 0, rejected 1, skipped 2 already there" in out
    assert (tmp_path / "roster-errors.xlsx").exists()  # the default place
    assert len(_members(db_path)) == 2


def test_import_in_chinese_as_a_clerk(db_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    monkeypatch.setenv("STATION_PASSWORD", CLERK_PASSWORD)  # (--as clerk logs in as clerk)
    code_a = make_credit("91440300MA5F00001")
    typo = code_a[:-1] + ("0" if code_a[-1] != "0" else "1")
    sheet = write_xlsx(tmp_path / "企业.xlsx", [["企业名称", "统一社会信用代码", "职工人数"],
                                                ["葵涌制衣厂", typo, 30],
                                                ["大鹏酒楼", None, 12]])
    code, out, err = run(capsys, "import", "--db", str(db_path), str(sheet), "--as", "clerk")
    assert code == 2, err
    assert "企业名单 (enterprises)" in out
    assert "row 2: 统一社会信用代码：校验码" in out
    con = sqlfile.connect(db_path)
    actors = {a for (a,) in con.execute(
        "SELECT actor FROM audit_log WHERE table_name = 'enterprises'")}
    con.close()
    assert actors == {"clerk"}


def test_import_refuses_unknown_users_and_files(db_path, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    sheet = write_xlsx(tmp_path / "m.xlsx", [["姓名", "身份证号"], ["张三", ZHANG]])
    # --as names the user who logs in: an unknown one is a login refused (exit 3), in
    # the words of a wrong password (a login says not which users exist)
    code, _, err = run(capsys, "import", "--db", str(db_path), str(sheet), "--as", "nobody")
    assert code == EXIT_LOGIN and "Wrong user name or password" in err
    code, _, err = run(capsys, "import", "--db", str(db_path), str(tmp_path / "none.xlsx"))
    assert code == 1 and "error:" in err
    nohead = write_xlsx(tmp_path / "x.xlsx", [["a", "b"], [1, 2]])
    code, _, err = run(capsys, "import", "--db", str(db_path), str(nohead))
    assert code == 1 and "error:" in err
    assert _members(db_path) == []


def test_the_installed_command(db_path, tmp_path):
    sheet = write_xlsx(tmp_path / "m.xlsx", [["Name", "ID number"], ["Zhang San", ZHANG]])
    proc = subprocess.run(
        [sys.executable, "-m", "station_app.cli", "import", "--db", str(db_path), str(sheet)],
        capture_output=True, text=True, env={"LANG": "en_US.UTF-8", "PATH": "/usr/bin:/bin",
                                             "STATION_APP_HOME": str(tmp_path / "home"),
                                             "STATION_USER": "admin",
                                             "STATION_PASSWORD": ADMIN_PASSWORD},
        timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "imported 1, rejected 0" in proc.stdout


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path
