"""`station-admin report` for a district that signs its report: each station's last sync
beside the figures (text, JSON, workbook, the printable HTML), `--sign` as a user of the
database with that user's password (a real process reading it from standard input),
`--signed` and `--compare` after a back-dated record, and the options that do not go
together. The fast path (sqlite3 alone) and the full path print the same JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from station_app.cli import main
from station_app.cliutil import EXIT_LOGIN
from station_app.domain.actor import SYSTEM_SETUP, Actor
from station_app.domain.ids import station_id_for
from station_app.domain.models import SignedReport, StationCredential
from station_app.domain.services import events, stations, users
from station_app.domain.services.setup import init_district, init_station
from station_app.storage.database import open_database

DISTRICT = Actor("district", "district_admin", None, "区总工会")
D = "2025-06-30"


def training(db, code: str | None, when: date, title: str) -> None:
    saved = db._station_id
    if code:
        db._station_id = station_id_for(code)
    try:
        with db.session(DISTRICT) as s:
            events.record_event(s, {"kind": "training", "event_date": when, "title": title,
                                    "person_times": 20})
    finally:
        db._station_id = saved


@pytest.fixture
def district_file(tmp_path) -> Path:
    """DP01 synced on 2025-07-03, DP02 never; a training event each; a district target."""
    path = tmp_path / "district.sqlite3"
    db = open_database(path, create=True)
    init_district(db, "qu", "district-pass-1", display_name="李主席")
    with db.session(DISTRICT) as s:
        stations.upsert_station(s, "DP01", "大鹏社区工联会")
        stations.upsert_station(s, "DP02", "南澳社区工联会")
        stations.set_target(s, 2025, "training_events", 10)
    with db.session(SYSTEM_SETUP) as s:
        users.create_user(s, "staff", "staff-pass-1", "station_admin", "工作人员",
                          bootstrap=True)
        s.add(StationCredential(station_id=station_id_for("DP01"), bundle_secret="0" * 64,
                                enrolled_at="2025-01-01T00:00:00.000000Z",
                                last_sync_at=datetime(2025, 7, 3, 4, tzinfo=UTC).strftime(
                                    "%Y-%m-%dT%H:%M:%S.%fZ")))
    training(db, "DP01", date(2025, 3, 1), "提素课堂1")
    training(db, "DP02", date(2025, 4, 1), "提素课堂2")
    db.close()
    return path


def station_admin(tmp_path: Path, *argv: str, password: str | None = None,
                  lang: str = "en_US.UTF-8", user: str | None = None
                  ) -> subprocess.CompletedProcess:
    """The installed program's way in, as a script runs it: on a station's file ``user``
    logs in (STATION_USER) with ``password``, the first line of standard input (the
    signature's too when the signer is the user logged in)."""
    env = {"LANG": lang, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "STATION_APP_HOME": str(tmp_path / "home")}
    if user is not None:
        env["STATION_USER"] = user
    return subprocess.run([sys.executable, "-m", "station_app.cli", *argv],
                          input=None if password is None else password + "\n",
                          capture_output=True, text=True, env=env, timeout=120)


def district_login(monkeypatch) -> None:
    """station-admin's credentials for the district's file: its district admin."""
    monkeypatch.setenv("STATION_USER", "qu")
    monkeypatch.setenv("STATION_PASSWORD", "district-pass-1")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_report_names_the_stations_not_synced_since_d(district_file, tmp_path, capsys,
                                                          monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    db = str(district_file)
    code, out, _ = run(capsys, "report", "--db", db, "--as-of", D)
    assert code == 0
    assert "warning: 1 station not synced since 2025-06-30: figures may be incomplete: " \
           "DP02 南澳社区工联会 (never synced)" in out
    code, out, _ = run(capsys, "report", "--db", db, "--as-of", "2025-07-10")
    assert "2 stations not synced since 2025-07-10" in out
    code, out, _ = run(capsys, "report", "--db", db, "--as-of", D, "--station", "DP01")
    assert "every station synced on 2025-06-30 or later" in out
    data = json.loads(run(capsys, "report", "--db", db, "--as-of", D, "--json")[1])
    assert data["sync"]["not_synced"] == ["DP02"] and data["signed"] == []
    assert [s["code"] for s in data["sync"]["stations"]] == ["DP01", "DP02"]
    assert data["values"]["training_events"] == 2  # (the figures as before: nothing renamed)
    # the workbook: the warning under the figures, and a sheet of every station's sync
    district_login(monkeypatch)  # (its lists: the district's personal data)
    book = tmp_path / "r.xlsx"
    assert run(capsys, "report", "--db", db, "--as-of", D, "--xlsx", str(book))[0] == 0
    wb = CalamineWorkbook.from_path(str(book))
    summary = wb.get_sheet_by_name(wb.sheet_names[0]).to_python()
    assert any(str(r[0]).startswith("1 station not synced since 2025-06-30") for r in summary)
    assert "Sync" in wb.sheet_names
    sync = wb.get_sheet_by_name("Sync").to_python()
    assert [r[0] for r in sync[2:]] == ["DP01", "DP02"]
    assert sync[3][3] == "no: figures may be incomplete" and sync[2][3] == "yes"


def test_sign_compare_and_show_as_signed(district_file, tmp_path, capsys, monkeypatch):
    db = str(district_file)
    # a wrong password signs nothing; the user's own does (a real process, read from stdin)
    proc = station_admin(tmp_path, "report", "--db", db, "--as-of", D, "--sign", "--as", "qu",
                         "--password-stdin", "--note", "上半年", password="wrong")
    assert proc.returncode == EXIT_LOGIN and "Wrong user name or password" in proc.stderr
    proc = station_admin(tmp_path, "report", "--db", db, "--as-of", D, "--sign", "--as", "qu",
                         "--password-stdin", "--note", "上半年", password="district-pass-1",
                         lang="zh_CN.UTF-8")
    assert proc.returncode == 0, proc.stderr
    assert "已签署：李主席（qu），" in proc.stdout and "备注：上半年" in proc.stdout
    proc = station_admin(tmp_path, "report", "--db", db, "--as-of", D, "--sign", "--as",
                         "staff", "--password-stdin", password="staff-pass-1")
    assert proc.returncode == 1 and "may not sign the district's report" in proc.stderr

    monkeypatch.setenv("LANG", "en_US.UTF-8")
    code, out, _ = run(capsys, "report", "--db", db, "--as-of", D)
    assert "Signed: 李主席 (qu), " in out and "every figure is as signed" in out
    # a back-dated record: DP02's event of May, after the signing
    district = open_database(district_file)
    training(district, "DP02", date(2025, 5, 20), "补录的提素课堂")
    district.close()
    code, out, _ = run(capsys, "report", "--db", db, "--as-of", D, "--compare")
    assert code == 0
    assert "3 figures differ from what was signed" in out
    assert "Training events: signed 2, now 3" in out
    data = json.loads(run(capsys, "report", "--db", db, "--as-of", D, "--compare",
                          "--json")[1])
    assert [(d["metric"], d["signed"], d["now"]) for d in data["differences"]] == [
        ("training_events", 2, 3), ("training_person_times", 40, 60),
        ("training_events", 2, 3)]
    assert data["now"]["values"]["training_events"] == 3 and data["intact"]
    listed = json.loads(run(capsys, "report", "--db", db, "--signed", "--json")[1])
    assert [(v["as_of"], v["signed_by"], v["note"]) for v in listed] == [(D, "qu", "上半年")]
    signed_id = listed[0]["id"]
    code, out, _ = run(capsys, "report", "--db", db, "--signed", signed_id[:13])
    assert code == 0 and "Training events" in out and "      2\n" in out  # as signed
    assert "warning: 1 station not synced since 2025-06-30" in out  # as it was then
    data = json.loads(run(capsys, "report", "--db", db, "--as-of", D, "--json")[1])
    assert [d["metric"] for d in data["signed"][0]["differences"]][:2] == [
        "training_events", "training_person_times"]
    # the printable summary of the report as signed
    page = tmp_path / "signed.html"
    assert run(capsys, "report", "--db", db, "--signed", signed_id, "--html", str(page))[0] == 0
    text = page.read_text(encoding="utf-8")
    for words in ("District: Work summary report", "The figures as they were signed",
                  "Prepared by", "Reviewed by", "Head of office", "Signed in the app",
                  "3 figures differ from what was signed", "never synced"):
        assert words in text, words
    with open_database(district_file).reader() as s:
        assert s.query(SignedReport).count() == 1


def test_the_fast_path_prints_what_the_full_path_prints(district_file, tmp_path, capsys,
                                                        monkeypatch):
    db = str(district_file)
    district_login(monkeypatch)  # (--xlsx: the district's personal data)
    proc = station_admin(tmp_path, "report", "--db", db, "--as-of", D, "--sign", "--as", "qu",
                         "--password-stdin", password="district-pass-1")
    assert proc.returncode == 0, proc.stderr
    fast = json.loads(run(capsys, "report", "--db", db, "--as-of", D, "--json")[1])
    full = json.loads(run(capsys, "report", "--db", db, "--as-of", D, "--json", "--xlsx",
                          str(tmp_path / "r.xlsx"))[1].rsplit("written:", 1)[0])
    assert fast == full and fast["signed"] and fast["sync"]["stations"]


@pytest.mark.parametrize("argv, message", [
    (["--sign"], "--sign needs --as USER"),
    (["--sign", "--as", "qu", "--station", "DP01"], "signs this database's own report"),
    (["--note", "x"], "--note goes with --sign"),
    (["--signed", "--compare"], "--signed or --compare: one at a time"),
    (["--compare", "--xlsx", "x.xlsx"], "--xlsx does not go with --compare"),
    (["--compare"], "has not been signed"),
    (["--signed", "0000"], "there is no signed report 0000"),
])
def test_what_does_not_go_together_is_refused_in_one_line(district_file, capsys, monkeypatch,
                                                          argv, message):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    code, out, err = run(capsys, "report", "--db", str(district_file), "--as-of", D, *argv)
    assert code == 1 and message in err and err.count("\n") == 1, err


def test_a_stations_admin_signs_its_own_report_and_a_clerk_may_not(tmp_path, capsys,
                                                                   monkeypatch):
    path = tmp_path / "ky01.sqlite3"
    db = open_database(path, create=True)
    init_station(db, "KY01", "葵涌社区工联会", "admin", "admin-pass-1", display_name="王站长")
    with db.session(SYSTEM_SETUP) as s:
        users.create_user(s, "clerk", "clerk-pass-1", "clerk", "小李", bootstrap=True)
    db.close()
    proc = station_admin(tmp_path, "report", "--db", str(path), "--as-of", D, "--sign",
                         "--as", "clerk", "--password-stdin", password="clerk-pass-1",
                         user="clerk")
    assert proc.returncode == 1 and "may not sign the station's report" in proc.stderr
    proc = station_admin(tmp_path, "report", "--db", str(path), "--as-of", D, "--sign",
                         "--as", "admin", "--password-stdin", "--json",
                         password="admin-pass-1", user="admin")
    assert proc.returncode == 0, proc.stderr
    signed = json.loads(proc.stdout)  # (the file encrypted at the clerk's login before)
    assert (signed["scope"], signed["station"], signed["signed_by_name"]) == (
        "station", "KY01", "王站长")
    assert signed["content"]["sync"] == {"last_sync": None}
    monkeypatch.setenv("STATION_USER", "admin")
    monkeypatch.setenv("STATION_PASSWORD", "admin-pass-1")
    code, out, _ = run(capsys, "report", "--db", str(path), "--as-of", D)
    assert "Not yet synced with the district" in out or "本站尚未与区总工会同步" in out
