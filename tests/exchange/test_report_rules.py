"""The work report's figures, with no figure silently wrong: ``summary`` is ``report``;
an unknown station is refused; a target is measured over its own scope, the same on a
station's file, on the district's with ``--station`` and in every output (text, JSON,
workbook); a report as of a past date counts that date's year; the report workbook holds
money as numbers under readable sheet names."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).parent.parent / "unit"))
from test_services import EVENT_CODES, KIND_CODES, credit, make_id  # noqa: E402

from station_app.cli import main  # noqa: E402
from station_app.domain.actor import Actor  # noqa: E402
from station_app.domain.ids import DISTRICT_OWNER_ID, station_id_for  # noqa: E402
from station_app.domain.services import (  # noqa: E402
    enterprises,
    events,
    hardship,
    members,
    stations,
    visits,
)
from station_app.domain.services.setup import init_district, init_station  # noqa: E402
from station_app.storage.database import open_database  # noqa: E402
from tests.conftest import encrypt_station_file  # noqa: E402

DISTRICT = Actor("district", "district_admin", None, "区总工会")
CLERK = Actor("clerk", "clerk", None, "专职工作者")
ADMIN = Actor("admin", "station_admin", None, "站长")
D = "2025-06-30"


@contextmanager
def as_station(db, code: str | None):
    saved = db._station_id
    db._station_id = station_id_for(code) if code else DISTRICT_OWNER_ID
    try:
        yield
    finally:
        db._station_id = saved


def training(db, code: str | None, n: int, when: date = date(2025, 3, 1)) -> None:
    with as_station(db, code) if code else _same(), db.session(CLERK) as s:
        for i in range(n):
            events.record_event(s, {"kind": EVENT_CODES["training"], "event_date": when,
                                    "title": f"提素课堂{i + 1}", "person_times": 20})


@contextmanager
def _same():
    yield


def targets(db) -> None:
    with db.session(DISTRICT) as s:
        stations.set_target(s, 2025, "training_events", 40)  # the district's
        stations.set_target(s, 2025, "training_events", 5, "DP01")
        stations.set_target(s, 2025, "training_events", 6, "DP02")
        stations.set_target(s, 2024, "training_events", 99)  # another year's


@pytest.fixture
def district_file(tmp_path) -> Path:
    """A district database: DP01 did 1 training event, DP02 7; the district's target of
    40 and each station's own."""
    path = tmp_path / "district.sqlite3"
    db = open_database(path, create=True)
    init_district(db, "qu", "district-pass-1")
    with db.session(DISTRICT) as s:
        stations.upsert_station(s, "DP01", "大鹏社区工联会")
        stations.upsert_station(s, "DP02", "南澳社区工联会")
    targets(db)
    training(db, "DP01", 1)
    training(db, "DP02", 7)
    db.close()
    return path


@pytest.fixture
def station_file(tmp_path, station_login) -> Path:
    """DP01's own file: its 1 training event, the targets pulled from the district;
    encrypted, station-admin's credentials (its admin's) in the environment."""
    path = tmp_path / "dp01.sqlite3"
    db = open_database(path, create=True)
    init_station(db, "DP01", "大鹏社区工联会", "admin", "admin-pass-1")
    with db.session(DISTRICT) as s:
        stations.upsert_station(s, "DP02", "南澳社区工联会")
    targets(db)
    training(db, None, 1)
    db.close()
    encrypt_station_file(path)
    return path


def district_login(monkeypatch) -> None:
    """station-admin's credentials for the district's file: its district admin."""
    monkeypatch.setenv("STATION_USER", "qu")
    monkeypatch.setenv("STATION_PASSWORD", "district-pass-1")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def report_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, "report", "--as-of", D, "--json", *argv)
    assert code == 0, err
    return json.loads(out)


# --------------------------------------------------------------------------- summary = report


@pytest.mark.parametrize("which", ["district", "station"])
def test_summary_is_report(which, district_file, station_file, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    path = str(district_file if which == "district" else station_file)
    for extra in (["--json"], []):
        outputs = []
        for command in ("report", "summary"):
            code, out, err = run(capsys, command, "--db", path, "--as-of", D, *extra)
            assert code == 0, err
            outputs.append(out)
        assert outputs[0] == outputs[1]
    data = json.loads(run(capsys, "summary", "--db", path, "--as-of", D, "--json")[1])
    # the district's file covers the district (it printed all zeros before)
    assert data["values"]["training_events"] == (8 if which == "district" else 1)
    assert data["station"] == (None if which == "district" else "DP01")
    # --district, kept for the former summary's scripts: the district's, or refused
    code, out, err = run(capsys, "summary", "--db", path, "--as-of", D, "--district", "--json")
    if which == "district":
        assert code == 0 and json.loads(out) == data
    else:
        assert code == 1 and "this is a station's database" in err


def test_an_unknown_station_is_refused_with_the_codes_there_are(district_file, capsys,
                                                                 monkeypatch, tmp_path):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    district_login(monkeypatch)  # (--xlsx, export: the district's personal data)
    for command in (["report"], ["summary"], ["report", "--xlsx", str(tmp_path / "r.xlsx")],
                    ["export", "roster", str(tmp_path / "x.xlsx")]):
        code, out, err = run(capsys, *command, "--db", str(district_file), "--station", "XX99")
        assert code == 1, command
        assert out == ""
        assert err.strip() == ("error: --station: no station XX99 in this database; the "
                               "stations are: DP01, DP02")
    assert not (tmp_path / "r.xlsx").exists() and not (tmp_path / "x.xlsx").exists()
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    code, _out, err = run(capsys, "report", "--db", str(district_file), "--station", "xx99")
    assert code == 1 and "没有站点 XX99" in err and "DP01, DP02" in err
    # a known code in any case is taken
    assert report_json(capsys, "--db", str(district_file), "--station", "dp02")[
        "values"]["training_events"] == 7


# --------------------------------------------------------------------------- targets


def test_a_target_is_measured_over_its_own_scope(district_file, station_file, capsys):
    district = report_json(capsys, "--db", str(district_file))
    assert district["targets"] == [
        {"metric": "training_events", "scope": "district", "target": 40, "progress": 8,
         "percent": 20, "station_part": None},
        {"metric": "training_events", "scope": "DP01", "target": 5, "progress": 1,
         "percent": 20, "station_part": None},
        {"metric": "training_events", "scope": "DP02", "target": 6, "progress": 7,
         "percent": 116, "station_part": None},
    ]
    one = report_json(capsys, "--db", str(district_file), "--station", "DP01")
    assert one["targets"] == [
        # the district's target: labelled as the district's, with DP01's part only
        {"metric": "training_events", "scope": "district", "target": 40, "progress": None,
         "percent": None, "station_part": 1},
        {"metric": "training_events", "scope": "DP01", "target": 5, "progress": 1,
         "percent": 20, "station_part": None},
    ]
    own = report_json(capsys, "--db", str(station_file))
    assert own["targets"] == one["targets"]  # the same on the station's own file
    assert own["values"]["training_events"] == one["values"]["training_events"] == 1


def test_the_text_report_lists_the_targets(district_file, station_file, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    code, out, _ = run(capsys, "report", "--db", str(district_file), "--as-of", D)
    assert code == 0
    assert "targets of 2025:" in out
    assert "Training events — district target 40; progress 8 (20%)" in out
    assert "Training events — DP02 target 6; progress 7 (116%)" in out
    assert "99" not in out.split("targets of 2025:")[1]  # not 2024's target
    for path in (station_file, district_file):
        extra = ["--station", "DP01"] if path == district_file else []
        code, out, _ = run(capsys, "report", "--db", str(path), "--as-of", D, *extra)
        assert "Training events — district target 40; this station's part: 1" in out
        assert "Training events — DP01 target 5; progress 1 (20%)" in out
        assert "progress 8" not in out
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    code, out, _ = run(capsys, "report", "--db", str(station_file), "--as-of", D)
    assert "提素活动（场） — 全区目标 40；本站完成 1" in out


def test_the_workbook_shows_the_targets_by_the_same_rule(district_file, tmp_path, capsys,
                                                         monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    district_login(monkeypatch)  # (the workbook's lists: the district's personal data)
    out = tmp_path / "dp01.xlsx"
    code, _o, err = run(capsys, "report", "--db", str(district_file), "--as-of", D,
                        "--station", "DP01", "--xlsx", str(out))
    assert code == 0, err
    ws = load_workbook(out)["年度目标"]
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True)]
    assert rows == [("提素活动（场）", "全区", 40, None, None, 1),
                    ("提素活动（场）", "DP01", 5, 1, 20, None)]


# --------------------------------------------------------------------------- the workbook


@pytest.fixture
def money_world(tmp_path, station_login) -> Path:
    path = tmp_path / "station.sqlite3"
    db = open_database(path, create=True)
    init_station(db, "KY01", "葵涌社区工联会", "admin", "admin-pass-1")
    with db.session(ADMIN) as s:
        m1 = members.register_member(s, {"name": "王芳", "id_number": make_id(1)})
        m2 = members.register_member(s, {"name": "李强", "id_number": make_id(2)})
        case = {"category": "因病", "level": "深度困难", "household_size": 3,
                "registered_date": date(2025, 1, 5)}
        c1 = hardship.open_case(s, m1.id, case).id
        c2 = hardship.open_case(s, m2.id, case).id
        hardship.add_entry(s, c1, {"kind": "慰问金", "entry_date": date(2025, 2, 1),
                                   "amount": "60.00"})
        hardship.add_entry(s, c2, {"kind": "慰问金", "entry_date": date(2025, 3, 1),
                                   "amount": "1234.56"})
        bad = hardship.add_entry(s, c2, {"kind": "送温暖", "entry_date": date(2025, 4, 1),
                                         "amount": "500"}).id
        hardship.reverse_entry(s, bad, "金额录错", date(2025, 4, 2))
    db.close()
    encrypt_station_file(path)
    return path


def test_the_report_workbook_has_money_as_numbers_and_readable_sheet_names(
        money_world, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    out = tmp_path / "report.xlsx"
    assert main(["report", "--db", str(money_world), "--as-of", D, "--xlsx", str(out)]) == 0
    capsys.readouterr()
    wb = load_workbook(out)
    names = wb.sheetnames
    assert len(names) == len(set(n.casefold() for n in names))
    assert all(len(n) <= 31 for n in names)
    assert "帮扶金额（元）" in names and not any("（分）" in n for n in names)
    assert "在档困难职工" in names and "在册会员" in names
    summary = {r[0].value: r[1] for r in wb["工作汇总"].iter_rows(min_row=3) if r[0].value}
    paid = summary["帮扶金额合计（元）"]
    assert isinstance(paid.value, int | float) and paid.number_format == "0.00"
    assert Decimal(str(paid.value)) == Decimal("1294.56")
    assert summary["在档困难职工（名）"].number_format == "General"  # a count stays a count
    listed = wb["帮扶金额（元）"]
    amounts = [r[3] for r in listed.iter_rows(min_row=3)]
    assert all(isinstance(c.value, int | float) and c.number_format == "0.00" for c in amounts)
    assert sum(Decimal(str(c.value)) for c in amounts) == Decimal("1294.56")  # SUM works


def test_the_ledger_workbook_has_money_as_numbers(money_world, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    out = tmp_path / "ledger.xlsx"
    assert main(["export", "ledger", str(out), "--db", str(money_world), "--year", "2025"]) == 0
    capsys.readouterr()
    wb = load_workbook(out)
    entries = [r for r in wb["台账"].iter_rows(min_row=3)]
    cells = [r[4] for r in entries]
    assert all(isinstance(c.value, int | float) and c.number_format == "0.00" for c in cells)
    assert entries[-1][0].value.startswith("合计")  # the sheet's own totals row
    assert sum(Decimal(str(c.value)) for c in cells[:-1]) == Decimal("1294.56") == Decimal(
        str(cells[-1].value))  # with the reversal
    by_kind = [r for r in wb["按类别"].iter_rows(min_row=3)]
    total = by_kind[-1]
    assert total[0].value == "合计" and Decimal(str(total[2].value)) == Decimal("1294.56")
    assert total[2].number_format == "0.00"
    by_case = {r[0].value: Decimal(str(r[2].value)) for r in wb["按困难户"].iter_rows(min_row=3)}
    assert by_case == {"王芳": Decimal("60"), "李强": Decimal("1234.56")}


# --------------------------------------------------------------------------- past dates


def test_a_report_as_of_a_past_date_counts_that_dates_year(tmp_path, capsys, station_login):
    """Records of 2022–2024; the report as of 2023-05-31 counts 2023 up to that day,
    2023's targets and 2023's quota weeks, whatever today is."""
    path = tmp_path / "station.sqlite3"
    db = open_database(path, create=True)
    init_station(db, "KY01", "葵涌社区工联会", "admin", "admin-pass-1")
    with db.session(ADMIN) as s:
        ent = enterprises.register_enterprise(s, {"name": "葵涌制衣厂",
                                                  "credit_code": credit(1)}).id
        for n, joined in enumerate((date(2022, 3, 1), date(2023, 2, 1), date(2023, 5, 31),
                                    date(2023, 6, 1), date(2024, 1, 2)), start=1):
            members.register_member(s, {"name": "会员" + "甲乙丙丁戊"[n - 1],
                                        "id_number": make_id(n), "join_date": joined})
        for day in (date(2022, 12, 30), date(2023, 1, 3), date(2023, 1, 4), date(2023, 5, 31),
                    date(2023, 6, 1), date(2024, 2, 2)):
            visits.record_visit(s, {"visit_date": day, "kind": KIND_CODES["routine"],
                                    "enterprise_id": ent, "visitors": "走访人"})
        for day in (date(2022, 6, 1), date(2023, 4, 1), date(2023, 7, 1), date(2024, 3, 3)):
            events.record_event(s, {"kind": EVENT_CODES["training"], "event_date": day,
                                    "title": f"提素{day}", "person_times": 10})
    with db.session(DISTRICT) as s:
        for year, value in ((2022, 10), (2023, 20), (2024, 30)):
            stations.set_target(s, year, "training_events", value, "KY01")
    db.close()
    encrypt_station_file(path)
    data = report_json(capsys, "--db", str(path), "--as-of", "2023-05-31")
    values = data["values"]
    assert values["enterprise_visits"] == 3
    assert values["training_events"] == 1
    assert values["members_on_roll"] == 3 and values["members_joined"] == 2
    assert values["quota_weeks_total"] == 21  # ISO weeks 1–21 of 2023 (Sunday 28 May)
    assert values["quota_weeks_met"] == 1  # week 1: two visits
    assert data["targets"] == [{"metric": "training_events", "scope": "KY01", "target": 20,
                                "progress": 1, "percent": 5, "station_part": None}]
    # the full path (with the workbook) counts the same
    out = tmp_path / "r.xlsx"
    code, printed, _ = run(capsys, "report", "--db", str(path), "--as-of", "2023-05-31",
                           "--json", "--xlsx", str(out))
    assert code == 0
    assert json.loads(printed[:printed.rindex("}") + 1]) == data
