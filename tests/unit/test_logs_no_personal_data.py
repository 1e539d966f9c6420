"""The app's log files hold no personal data (issue 15, item 8: "logs must hold no
personal data (a test greps them)").

Real work that logs, with the app's own logging (``station_app.logs.setup_logging``, at
its most talkative level) writing into this test's log folder: an encrypted station set
up, members registered, a duplicate refused through the app's task runner (as a page's
write is), a wrong password, an import with rejected rows and its error workbook, a
backup, a sync file written, a login, ``station-admin import`` with a wrong password and
with the right one (its own log file), a file from an older version converted at its
first login, a database error as the command line and the task runner log them. Then
every log file is read: no member's name, ID number (whole, its 17 digits, the check
character in either case), phone, no password, no recovery key and no bundle key.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from station_app.domain.actor import Actor
from station_app.domain.validation import ValidationError, id_check_char

ADMIN_PASSWORD = "Kd8-harbour-lamp"
WRONG_PASSWORD = "Kd8-harbour-lump"
OLD_PASSWORD = "Ob5-quiet-orchard"

# distinctive names: nothing else the app writes contains them
NEW_PEOPLE = [("欧阳娜娜", "440305198703150", "13912345678"),
              ("司马翠萍", "440306199211020", "13787654321"),
              ("诸葛建国", "440307197601230", "15811223344")]
IMPORTED = [("上官秀英", "440305198001010", "13600001111"),
            ("东方明珠", "440305198502020", "13600002222")]
REJECTED = ("皇甫玉兰", "44030519900303123", "13600003333")  # check character wrong
OLD_PEOPLE = [("令狐冲霄", "440303196512120", "13555556666")]


def _id(body15: str) -> str:
    """A valid ID number from 15 digits (two more digits chosen so the check is X for
    the first person: the case-folding of X is tried too)."""
    for tail in range(100):
        body = f"{body15}{tail:02d}"
        if body15 == NEW_PEOPLE[0][1] and id_check_char(body) != "X":
            continue
        return body + id_check_char(body)
    raise AssertionError("no ID number")


@pytest.fixture
def log_folder(tmp_path, monkeypatch) -> Path:
    """The app's logging set up as the app does it, into ``tmp_path/home/logs``; taken
    down afterwards."""
    from station_app.logs import setup_logging

    monkeypatch.setenv("STATION_APP_HOME", str(tmp_path / "home"))
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    monkeypatch.setattr(root, "_station_configured", False, raising=False)
    setup_logging("station-app", verbose=True)
    yield tmp_path / "home" / "logs"
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def _roster(path: Path, people: list[tuple[str, str, str]]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "姓名", "公民身份号码", "联系电话"])
    for i, (name, idn, phone) in enumerate(people, 1):
        ws.append([i, name, idn, phone])
    wb.save(path)


def test_the_log_files_hold_no_names_id_numbers_phones_passwords_or_keys(
        tmp_path, log_folder, qtbot):
    from station_app.domain.models import Member
    from station_app.domain.services import login, members
    from station_app.domain.services.setup import init_station
    from station_app.exchange.xlsx_import import import_file
    from station_app.storage.backup import make_backup
    from station_app.storage.database import open_database
    from station_app.ui.tasks import TaskRunner
    from sync.bundle import export_station_bundle, new_bundle_key, set_station_key

    new_people = [(n, _id(i), p) for n, i, p in NEW_PEOPLE]
    imported = [(n, _id(i), p) for n, i, p in IMPORTED]
    bad_id = REJECTED[1] + ("0" if id_check_char(REJECTED[1]) != "0" else "1")
    old_people = [(n, _id(i), p) for n, i, p in OLD_PEOPLE]

    # an encrypted station, set up as the app sets one up
    path = tmp_path / "station" / "station.sqlite3"
    path.parent.mkdir()
    made = login.create_station(path, "KY01", "葵涌社区工联会", "admin", ADMIN_PASSWORD)
    db, admin = made.db, made.actor
    recovery = [made.recovery_key]
    for name, idn, phone in new_people:
        with db.session(admin) as s:
            members.register_member(s, {"name": name, "id_number": idn, "phone": phone,
                                        "join_date": "2020-05-01"})

    # the same ID number again, through the app's task runner as a page's write runs:
    # refused, and the refusal names the member who has it (on screen, not in the log)
    runner = TaskRunner(db)
    refusals: list[BaseException] = []

    def again(task):
        with task.db.session(admin) as s:
            members.register_member(s, {"name": "欧阳娜", "id_number": new_people[0][1]})

    runner.run(again, on_error=refusals.append)
    qtbot.waitUntil(lambda: bool(refusals), timeout=10_000)
    assert isinstance(refusals[0], ValidationError)
    assert new_people[0][0] in str(refusals[0])  # the clerk is told whose it is
    runner.pool.waitForDone(5_000)

    # an import with a rejected row and a duplicate, its error workbook written
    roster = tmp_path / "roster.xlsx"
    _roster(roster, [*imported, (REJECTED[0], bad_id, REJECTED[2]), new_people[1]])
    result = import_file(db, admin, roster, errors_path=tmp_path / "roster-errors.xlsx")
    assert result.imported == len(imported) and result.rejected
    assert result.errors_path is not None and result.errors_path.exists()

    # a backup, a sync file for the district (the bundle key the district gave)
    make_backup(path, "manual")
    bundle_key = new_bundle_key(db.station_id)
    set_station_key(db, bundle_key)
    sync_file = tmp_path / "KY01.sync"
    assert export_station_bundle(db, sync_file) > 0

    # a database error as the command line and the task runner log them (with the
    # traceback): the statement's values stay out of it
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError) as failed:
        with db.session(admin) as s:
            s.add(Member(id="m-1", station_id=db.station_id, hlc="x", name=new_people[2][0],
                         id_number=new_people[2][1], phone=new_people[2][2], gender="M",
                         status="active", migrant_worker=False))
            s.add(Member(id="m-1", station_id=db.station_id, hlc="x", name=new_people[2][0],
                         id_number=new_people[2][1], phone=new_people[2][2], gender="M",
                         status="active", migrant_worker=False))
    logging.getLogger("station_app.cli").error("station-admin %s failed", "add",
                                               exc_info=failed.value)
    db.close()

    # a wrong password, then the right one
    with pytest.raises(ValidationError):
        login.login(path, "admin", WRONG_PASSWORD)
    login.login(path, "admin", ADMIN_PASSWORD).db.close()

    # the command line, which logs to its own file: a wrong password, then an import of
    # the same roster (its rows there already, the bad one rejected again: exit 1)
    import subprocess
    import sys

    cli = [sys.executable, "-m", "station_app.cli"]
    for password, expected in ((WRONG_PASSWORD, 3), (ADMIN_PASSWORD, 1)):
        done = subprocess.run([*cli, "import", "--db", str(path), "--user", "admin",
                               str(roster)], capture_output=True, text=True, timeout=120,
                              env={**os.environ, "STATION_PASSWORD": password})
        assert done.returncode == expected, (done.stdout, done.stderr)

    # a file from an older version: plain, converted at its first login
    old = tmp_path / "old" / "station.sqlite3"
    old.parent.mkdir()
    plain = open_database(old, create=True)
    init_station(plain, "DP02", "大鹏社区工联会", "admin", OLD_PASSWORD)
    with plain.session(Actor("admin", "station_admin", 1, "站长")) as s:
        for name, idn, phone in old_people:
            members.register_member(s, {"name": name, "id_number": idn, "phone": phone})
    plain.close()
    converted = login.login(old, "admin", OLD_PASSWORD)
    assert converted.recovery_key
    recovery.append(converted.recovery_key)
    converted.db.close()

    # the sync file gives nothing away either
    sealed = sync_file.read_bytes()
    for name, idn, phone in new_people + imported:
        assert name.encode() not in sealed and idn.encode() not in sealed
        assert phone.encode() not in sealed

    # every log file, read whole
    files = sorted(p for p in log_folder.rglob("*") if p.is_file())
    assert files, "the app wrote no log file"
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)
    # the work above was logged (else this test proves nothing)
    assert "encrypted" in text and "refused" in text and "backup manual" in text
    assert "station-admin add failed" in text and "IntegrityError" in text
    assert any(p.name.startswith("station-admin") for p in files), files

    secrets = {"password": [ADMIN_PASSWORD, WRONG_PASSWORD, OLD_PASSWORD],
               "recovery key": recovery + [r.replace("-", "") for r in recovery],
               "bundle key": [bundle_key]}
    for name, idn, phone in [*new_people, *imported, *old_people,
                             (REJECTED[0], bad_id, REJECTED[2])]:
        secrets.setdefault("name", []).append(name)
        secrets.setdefault("ID number", []).extend(
            {idn, idn.lower(), idn[:17]})
        secrets.setdefault("phone", []).append(phone)
    found = {kind: [v for v in values if v in text] for kind, values in secrets.items()}
    assert {k: v for k, v in found.items() if v} == {}, (
        "personal data in the log:\n" + "\n".join(
            line for line in text.splitlines()
            if any(v in line for values in found.values() for v in values))[:3000])
