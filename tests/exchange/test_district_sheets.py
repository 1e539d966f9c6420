"""The district's own sheets: its visits to the stations (站点调研) and its stations,
imported into the district database from .xlsx files written here with openpyxl (title
rows, header synonyms, Chinese text dates, totals rows, as offices write them), through
``import_file`` and ``district-server import``; a station's database refuses both."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime

import pytest
from xlsx_helpers import make_id, write_xlsx

from station_app.domain.actor import Actor
from station_app.domain.ids import DISTRICT_OWNER_ID, station_id_for
from station_app.domain.services import metrics, stations
from station_app.domain.services.setup import init_district
from station_app.domain.validation import ValidationError
from station_app.exchange.xlsx_import import import_file, preview_file, read_file
from station_app.storage import sqlfile
from station_app.storage.database import open_database

DISTRICT = Actor("qu", "district_admin", None, "区总工会")
LAST = date.today().year - 1  # dates of last year: never in the future
KY01, DP02 = station_id_for("KY01"), station_id_for("DP02")


@pytest.fixture
def district_path(tmp_path):
    path = tmp_path / "district.sqlite3"
    db = open_database(path, create=True)
    init_district(db, "qu", "district-pass-1")
    with db.session(DISTRICT) as s:
        stations.create_station(s, "KY01", "葵涌社区工联会", street="葵涌办事处", is_key=True)
        stations.create_station(s, "DP02", "大鹏社区工联会", street="大鹏办事处", is_key=True)
        stations.create_station(s, "NA03", "南澳社区工联会", street="南澳办事处")
        stations.create_station(s, "XC01", "新城社区工联会")
        stations.create_station(s, "XC02", "新城社区工联会")
    db.close()
    return path


@pytest.fixture
def district(district_path):
    db = open_database(district_path)
    yield db
    db.close()


def q(path, sql: str) -> list[tuple]:
    con = sqlfile.connect(path)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def key_figure(db, as_of: date) -> tuple[int, int]:
    with db.reader() as s:
        scope = metrics.Scope(as_of, None)
        return (metrics.metric_value(s, "key_stations_visited", scope),
                metrics.metric_value(s, "key_stations_total", scope))


def station_visit_sheet(path):
    return write_xlsx(path, [
        ["序号", "走访日期*", "社区工联会编码", "社区工联会", "走访类型", "走访人*", "走访情况",
         "处理措施", "跟进期限"],
        [1, f"{LAST}年3月10日", "KY01", "葵涌社区工联会", "站点调研", "王主席", "台账齐全",
         "季度回访", f"{LAST}/6/30"],
        [2, datetime(LAST, 4, 2), None, "大鹏", None, "李部长", "阵地规范", None, None],
        [3, f"{LAST}-05-06", "dp02", "大鹏社区工联会", "站点调研", "李部长", None, None, None],
        [4, f"{LAST}-05-07", "ZZ99", None, None, "王主席", None, None, None],
        [5, f"{LAST}-05-08", None, "不存在社区工联会", None, "王主席", None, None, None],
        [6, f"{LAST}-05-09", "NA03", None, "日常走访", "王主席", None, None, None],
        [7, f"{LAST}-05-10", None, "新城社区工联会", None, "王主席", None, None, None],
        [8, f"{LAST}-05-11", "KY01", "大鹏社区工联会", None, "王主席", None, None, None],
        [9, f"{LAST}年3月10日", "KY01", None, None, "王主席", None, None, None],
        [10, "2999-01-01", "NA03", None, None, "", None, None, None],
        [11, f"{LAST}-05-12", None, None, None, "王主席", None, None, None],
        ["合计", "11次"],
    ], title=f"{LAST}年站点调研记录", merge_title=9, blank_after_title=True)


def test_station_visits_from_a_sheet(district, tmp_path):
    sheet = station_visit_sheet(tmp_path / "站点调研.xlsx")
    assert read_file(sheet).kind.code == "station_visits"  # told by its headers
    result = import_file(district, DISTRICT, sheet, errors_path=tmp_path / "errors.xlsx",
                         lang="en")
    assert result.header_row == 3
    assert [r.row for r in result.valid] == [4, 5, 6]
    assert [r.row for r in result.skipped] == [12]  # row 9: the same as row 1
    assert [r.row for r in result.ignored] == [15]  # the totals row
    reasons = {r.row: result.messages(r, "en") for r in result.rejected}
    assert reasons[7] == ["社区工联会编码: there is no station “ZZ99”: create it first (the "
                          "district view's Stations page, or district-server station add), "
                          "or check the code and the name"]
    assert "“不存在社区工联会”" in reasons[8][0] and reasons[8][0].startswith("社区工联会:")
    assert reasons[9] == ["走访类型: this sheet holds station visits (站点调研) only, not "
                          "“Routine visit”: import enterprise visits as a visit diary at the "
                          "station"]
    assert "2 stations are called “新城社区工联会” (XC01、XC02)" in reasons[10][0]
    assert "the code KY01 is “葵涌社区工联会”, not “大鹏社区工联会”" in reasons[11][0]
    assert len(reasons[13]) == 2  # a future date and no visitors, both said
    assert "name the station" in reasons[14][0]
    assert (tmp_path / "errors.xlsx").exists()
    rows = q(district.path, "SELECT s.code, v.visit_date, v.visitors, v.findings, "
                            "v.follow_up_due, v.kind, v.station_id = '" + DISTRICT_OWNER_ID
             + "' FROM visits v JOIN stations s ON s.id = v.target_station_id "
               "ORDER BY v.visit_date")
    assert rows == [("KY01", f"{LAST}-03-10", "王主席", "台账齐全", f"{LAST}-06-30", "station", 1),
                    ("DP02", f"{LAST}-04-02", "李部长", "阵地规范", None, "station", 1),
                    ("DP02", f"{LAST}-05-06", "李部长", None, None, "station", 1)]
    assert key_figure(district, date(LAST, 12, 31)) == (2, 2)
    assert key_figure(district, date(LAST, 3, 31)) == (1, 2)

    again = import_file(district, DISTRICT, sheet)
    assert again.imported == 0 and len(again.skipped) == 4 and len(again.rejected) == 7
    assert q(district.path, "SELECT count(*) FROM visits") == [(3,)]


def test_the_error_workbook_of_station_visits_imports_once_fixed(district, tmp_path):
    from openpyxl import load_workbook

    sheet = station_visit_sheet(tmp_path / "站点调研.xlsx")
    import_file(district, DISTRICT, sheet, errors_path=tmp_path / "errors.xlsx")
    wb = load_workbook(tmp_path / "errors.xlsx")
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header[:9] == ["序号", "走访日期*", "社区工联会编码", "社区工联会", "走访类型", "走访人*",
                          "走访情况", "处理措施", "跟进期限"]
    assert ws.max_row == 8  # the header and the seven rejected rows
    # fix the unknown code: ZZ99 was NA03
    for row in ws.iter_rows(min_row=2):
        if row[2].value == "ZZ99":
            row[2].value = "NA03"
    wb.save(tmp_path / "fixed.xlsx")
    fixed = import_file(district, DISTRICT, tmp_path / "fixed.xlsx", kind="station_visits")
    assert fixed.imported == 1 and len(fixed.rejected) == 6


def test_stations_from_a_sheet(district, tmp_path):
    sheet = write_xlsx(tmp_path / "社区工联会名单.xlsx", [
        ["序号", "编码", "名称", "所属办事处", "是否重点推进"],
        [1, "la04", "澳头社区工联会", "澳头办事处", "是"],
        [2, "KY01", "葵涌社区工联会", None, None],  # as stored: already there
        [3, "DP02", "大鹏新区社区工联会", None, "否"],  # renamed, no longer a key station
        [4, "NA03", "南澳社区工联会", "南澳街道办", "√"],
        [5, "X", "坏编码", None, None],
        [6, "LB05", "", None, "是"],
        [7, "LA04", "澳头（重复）", None, None],
        [8, "LC06", "溪涌社区工联会", None, "也许"],
    ], title="大鹏新区社区工联会名单", merge_title=5)
    assert read_file(sheet).kind.code == "stations"
    assert key_figure(district, date.today()) == (0, 2)
    result = import_file(district, DISTRICT, sheet)
    assert [r.row for r in result.valid] == [3, 5, 6]
    assert result.extra_counts == {"stations_changed": 2}
    assert [r.row for r in result.skipped] == [4, 9]
    assert {r.row: [e.code for e in r.errors] for r in result.rejected} == {
        7: ["station.code_invalid"], 8: ["text.required"], 10: ["bool.invalid"]}
    got = {code: (name, street, key) for code, name, street, key in q(
        district.path, "SELECT code, name, street, is_key FROM stations")}
    assert got["LA04"] == ("澳头社区工联会", "澳头办事处", 1)
    assert got["KY01"] == ("葵涌社区工联会", "葵涌办事处", 1)
    assert got["DP02"] == ("大鹏新区社区工联会", "大鹏办事处", 0)  # street kept (blank cell)
    assert got["NA03"] == ("南澳社区工联会", "南澳街道办", 1)
    assert "LB05" not in got and "LC06" not in got
    assert key_figure(district, date.today()) == (0, 3)  # KY01, LA04, NA03
    # audited like every write
    assert q(district.path, "SELECT count(*) FROM audit_log WHERE table_name = 'stations' "
                            "AND action = 'update'") == [(2,)]


def test_a_station_database_refuses_the_districts_sheets(db, admin, tmp_path):
    visits_sheet = station_visit_sheet(tmp_path / "站点调研.xlsx")
    stations_sheet = write_xlsx(tmp_path / "名单.xlsx", [
        ["编码", "名称", "办事处"], ["LA04", "澳头社区工联会", "澳头办事处"]])
    for sheet, label in ((visits_sheet, "站点调研记录"), (stations_sheet, "社区工联会名单")):
        for run in (lambda sheet=sheet: import_file(db, admin, sheet),
                    lambda sheet=sheet: preview_file(sheet, db=db, actor=admin)):
            with pytest.raises(ValidationError) as err:
                run()
            assert [e.code for e in err.value.errors] == ["import.district_only"]
            assert f"“{label}”是区总工会的表" in err.value.messages("zh")[0]
            assert "district-server import" in err.value.messages("en")[0]
    assert q(db.path, "SELECT count(*) FROM visits") == [(0,)]
    assert q(db.path, "SELECT count(*) FROM stations WHERE code = 'LA04'") == [(0,)]


# --------------------------------------------------------------------------- the command


def run(capsys, *argv: str) -> tuple[int, str, str]:
    from sync.server.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_district_server_import_and_its_exit_status(district_path, tmp_path, capsys,
                                                    monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    db = str(district_path)
    sheet = station_visit_sheet(tmp_path / "站点调研.xlsx")
    code, out, err = run(capsys, "import", str(sheet), "--db", db)
    assert code == 2, err  # some rows rejected, the rest committed
    assert "station visits (station_visits), header on row 3" in out
    assert "imported 3, rejected 7, skipped 1 already there, ignored 1" in out
    assert "row 7: 社区工联会编码: there is no station “ZZ99”" in out
    assert f"rejected rows written to {tmp_path / '站点调研-errors.xlsx'}" in out
    code, out, err = run(capsys, "import", str(sheet), "--db", db, "--kind", "station_visits")
    assert code == 1 and err == "error: every row was rejected: nothing was imported\n"
    assert "imported 0, rejected 7, skipped 4 already there" in out

    good = write_xlsx(tmp_path / "ok.xlsx", [
        ["调研日期", "站点名称", "调研人员", "调研情况"],
        [f"{LAST}.11.3", "南澳", "王主席", "会员发展好"]])
    code, out, err = run(capsys, "import", str(good), "--db", db)
    assert code == 0, err
    assert "imported 1, rejected 0" in out
    code, out, _ = run(capsys, "visit", "list", "--year", str(LAST), "--db", db)
    assert out.splitlines()[-1] == (f"4 station visit(s) in {LAST}; key stations visited in "
                                    f"{LAST}: 2 of 2")

    names = write_xlsx(tmp_path / "names.xlsx", [
        ["社区工联会编码", "社区工联会名称", "街道", "重点推进"], ["LA04", "澳头社区工联会", "澳头办事处", "是"]])
    code, out, err = run(capsys, "import", str(names), "--db", db)
    assert code == 0, err
    assert "社区工联会名单 (stations)" in out or "stations (stations)" in out
    assert q(district_path, "SELECT is_key FROM stations WHERE code = 'LA04'") == [(1,)]

    roster = write_xlsx(tmp_path / "roster.xlsx", [
        ["姓名", "身份证号码"], ["张三", make_id("44030519900101123")]])
    code, out, err = run(capsys, "import", str(roster), "--db", db)
    assert code == 1 and out == ""
    assert err.startswith("error: roster.xlsx looks like a station's sheet (member roster, "
                          "members): import it at the station with station-admin import")
    code, _, err = run(capsys, "import", str(tmp_path / "missing.xlsx"), "--db", db)
    assert code == 1 and err.startswith("error: ") and len(err.splitlines()) == 1


def test_station_admin_import_refuses_a_district_sheet_in_one_line(db_path, tmp_path):
    """As a program: one line in the clerk's language, exit 1, nothing written."""
    sheet = station_visit_sheet(tmp_path / "站点调研.xlsx")
    done = subprocess.run([sys.executable, "-m", "station_app.cli", "import", "--db",
                           str(db_path), str(sheet)], capture_output=True, text=True,
                          env={**os.environ, "LANG": "zh_CN.UTF-8"})
    assert done.returncode == 1, done
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: ") and "“站点调研记录”是区总工会的表" in line
    assert q(db_path, "SELECT count(*) FROM visits") == [(0,)]


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path
