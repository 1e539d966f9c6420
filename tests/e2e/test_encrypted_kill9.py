"""kill -9 on an ENCRYPTED station file (issue 15, item 8, "Tests and bench").

Everything is real: a station file made as the app makes one (``login.create_station``:
SQLCipher, its key file beside it), opened in a separate OS process by a login with the
password in ``STATION_PASSWORD``, and that process killed with SIGKILL:

* an import of a roster workbook, killed at random moments several times: the import
  service after a login, and ``station-admin import --user admin`` as a whole;
* a sync round to a district server on loopback (uvicorn, an encrypted SQLite district
  opened with its key file), killed between batches.

After every kill the file opens with the password (``login.login``), passes
``PRAGMA quick_check``, is still encrypted, and holds nothing half applied: the import's
rows all or none (with their outbox entries and the import's record), the outbox
consistent with what the district acknowledged. A last run to the end gives the
expected counts. The existing kill -9 trials' helpers are reused
(``tests/sync/test_resilience.py``).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

SYNC_TESTS = Path(__file__).resolve().parents[1] / "sync"
if str(SYNC_TESTS) not in sys.path:
    sys.path.insert(0, str(SYNC_TESTS))

from loopback import serve  # noqa: E402
from test_resilience import _settled, _wait_until, count  # noqa: E402

from station_app.domain.actor import CLI_ADMIN, Actor  # noqa: E402
from station_app.domain.models import AuditRecord, Member, OutboxEntry, SyncBatch  # noqa: E402
from station_app.storage import sqlfile  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Kill9-harbour-lamp"
DISTRICT = Actor("district", "district_admin", None, "区总工会")

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    return dict(os.environ, STATION_PASSWORD=PASSWORD,
                PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _station(folder: Path) -> Path:
    """A new encrypted station, closed (its key forgotten: the next opener logs in)."""
    from station_app.domain.services.login import create_station

    path = folder / "station" / "station.sqlite3"
    path.parent.mkdir(parents=True)
    made = create_station(path, "KY01", "葵涌社区工联会", "admin", PASSWORD)
    made.db.close()
    sqlfile.forget(path)
    return path


def _login(path: Path):
    """The file opened as the app opens it, checked: encrypted, whole."""
    from station_app.domain.services.login import login

    assert sqlfile.is_plain(path) is False
    done = login(path, "admin", PASSWORD)
    with done.db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA quick_check").scalar() == "ok"
    return done


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=20)


# --------------------------------------------------------------------------- import

ROWS = 2_000
IMPORT_SCRIPT = textwrap.dedent("""
    import os, sys
    from station_app.domain.services.login import login
    from station_app.exchange.xlsx_import import import_file

    done = login(sys.argv[1], "admin", os.environ["STATION_PASSWORD"])
    print("ready", flush=True)
    result = import_file(done.db, done.actor, sys.argv[2])
    done.db.close()
    print("imported", result.imported, flush=True)
""")


def _roster(path: Path, rows: int) -> None:
    from openpyxl import Workbook

    from station_app.domain.validation import id_check_char

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("会员花名册")
    ws.append(["序号", "姓名", "性别", "公民身份号码", "联系电话", "入会时间"])
    for n in range(rows):
        body = f"440305{1960 + n // 300}{n % 12 + 1:02d}{n % 28 + 1:02d}{n % 1000:03d}"
        ws.append([n + 1, "会员" + "甲乙丙丁戊己庚辛壬癸"[n % 10] + "伟芳娜秀英"[n // 10 % 5],
                   "男" if int(body[16]) % 2 else "女", body + id_check_char(body),
                   f"139{n:08d}", "2020-05-01"])
    wb.save(path)


def _import(path: Path, roster: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", IMPORT_SCRIPT, str(path), str(roster)],
                            cwd=ROOT, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    if line.strip() != "ready":
        _kill(proc)
        pytest.fail(f"the import process did not log in: {line!r} {proc.stderr.read()}")
    return proc


def _import_state(path: Path) -> tuple[int, int, int]:
    """(members, outbox entries of members, import records) of the file, opened by a
    login and checked."""
    from station_app.domain.services.imports import IMPORT

    done = _login(path)
    try:
        return (count(done.db, Member), count(done.db, OutboxEntry,
                                              OutboxEntry.table_name == "members"),
                count(done.db, AuditRecord, AuditRecord.action == IMPORT))
    finally:
        done.db.close()


def _station_admin_import(path: Path, roster: Path) -> subprocess.Popen:
    """``station-admin import`` as an admin runs it: ``--user``, the password in
    ``STATION_PASSWORD``."""
    return subprocess.Popen([sys.executable, "-m", "station_app.cli", "import", "--db",
                             str(path), "--user", "admin", str(roster)],
                            cwd=ROOT, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _timed(proc: subprocess.Popen) -> float:
    t0 = time.monotonic()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and f"imported {ROWS}" in out, (out, err)
    return time.monotonic() - t0


def test_an_import_killed_at_random_moments_leaves_all_its_rows_or_none(tmp_path):
    """Six kills of the import service in a process of its own, at random moments after
    its login (so within the import), then three of ``station-admin import`` at random
    moments of the whole command; a last ``station-admin import`` to the end."""
    path = _station(tmp_path)
    roster = tmp_path / "roster.xlsx"
    _roster(roster, ROWS)
    rng = random.Random(15)

    # how long each takes (the import after the login; the whole command), the quicker
    # of two runs on new stations of their own (the first run of all is the slowest)
    took = {"service": min(_timed(_import(_station(tmp_path / f"scratch-{i}"), roster))
                           for i in range(2)),
            "station-admin": min(_timed(_station_admin_import(
                _station(tmp_path / f"scratch-cli-{i}"), roster)) for i in range(2))}

    outcomes = []
    trials = [("service", 0.05, 0.8)] * 6 + [("station-admin", 0.3, 0.9)] * 3
    for trial, (how, low, high) in enumerate(trials):
        proc = (_import(path, roster) if how == "service"
                else _station_admin_import(path, roster))
        time.sleep(rng.uniform(low, high) * took[how])
        finished = proc.poll() is not None
        _kill(proc)
        members, queued, records = _import_state(path)
        # all or none: the rows, their outbox entries and the import's record together
        assert (members, queued, records) in ((0, 0, 0), (ROWS, ROWS, 1)), (
            how, members, queued, records)
        outcomes.append(f"{how}: {'done' if members else 'none'}")
        if members:  # the kill came after the commit: the next trial on a new station
            assert finished or proc.returncode == -signal.SIGKILL
            path = _station(tmp_path / f"after-{trial}")
    interrupted = [o for o in outcomes if o.endswith("none")]
    assert len(interrupted) >= 4, f"too few kills interrupted the import: {outcomes}"

    proc = _station_admin_import(path, roster)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0 and f"imported {ROWS}" in out, (out, err)
    assert _import_state(path) == (ROWS, ROWS, 1)
    for suffix in ("-journal", ".encrypting"):
        assert not Path(f"{path}{suffix}").exists()


# --------------------------------------------------------------------------- sync

N_MEMBERS = 2_000
BATCH_ROWS = 100  # 20 batches
SYNC_SCRIPT = textwrap.dedent("""
    import os, sys
    from station_app.domain.services.login import login
    from sync.client import SyncClient

    done = login(sys.argv[1], "admin", os.environ["STATION_PASSWORD"])
    rows = int(sys.argv[3])
    SyncClient(done.db, sys.argv[2], batch_rows=rows, max_batch_rows=rows).sync()
    done.db.close()
    print("finished", flush=True)
""")


@pytest.fixture
def district(tmp_path):
    """An encrypted SQLite district (its raw key file beside it) with KY01 and DP02."""
    from station_app.domain.ids import DISTRICT_OWNER_ID
    from station_app.domain.services import stations
    from station_app.storage import keys
    from station_app.storage.database import open_database

    path = tmp_path / "district" / "district.sqlite3"
    path.parent.mkdir()
    key = keys.create_district_key(keys.district_key_path(path))
    db = open_database(path, create=True, key=key)
    db.set_state("station_id", DISTRICT_OWNER_ID)
    with db.session(DISTRICT) as s:
        stations.upsert_station(s, "KY01", "葵涌社区工联会", is_key=True)
        stations.upsert_station(s, "DP02", "大鹏社区工联会")
    assert sqlfile.is_plain(path) is False
    yield db
    db.close()


def test_a_sync_round_killed_midway_leaves_the_outbox_consistent(tmp_path, district):
    from station_app.domain.services import members
    from sync.client import SyncClient
    from sync.district import enroll
    from sync.server.app import create_app

    path = _station(tmp_path)
    done = _login(path)
    sid = done.db.station_id
    with done.db.session(done.actor) as s:
        result = members.bulk_register_members(s, [
            {"name": "会员" + "甲乙丙丁戊己庚辛壬癸"[i % 10],
             "id_number": _id_number(i), "phone": f"139{i:08d}"} for i in range(N_MEMBERS)])
    assert not result.rejected
    with serve(create_app(district)) as url:
        client = SyncClient(done.db, url)
        client.enroll(enroll(district, "KY01", CLI_ADMIN).code)
        client.close()
        done.db.close()
        sqlfile.forget(path)

        before = 0
        for batches in (3, 9):  # killed early, then again further on
            proc = subprocess.Popen([sys.executable, "-c", SYNC_SCRIPT, str(path), url,
                                     str(BATCH_ROWS)], cwd=ROOT, env=_env(),
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            try:
                _wait_until(lambda n=batches: count(district, SyncBatch,
                                                    SyncBatch.station_id == sid) >= n,
                            proc, timeout=60)
            finally:
                _kill(proc)
            assert proc.returncode == -signal.SIGKILL
            applied = _settled(district, Member, Member.station_id == sid)
            held = count(district, SyncBatch, SyncBatch.station_id == sid)
            assert before < applied < N_MEMBERS  # some further batches, not all
            if not before:  # whole batches (a later round may send again rows the
                assert applied == held * BATCH_ROWS  # district held: fewer new ones)
            before = applied

            opened = _login(path)
            try:
                with opened.db.reader() as s:
                    queued = set(s.execute(select(OutboxEntry.row_id).where(
                        OutboxEntry.table_name == "members")).scalars())
                    here = set(s.execute(select(Member.id)).scalars())
            finally:
                opened.db.close()
            with district.reader() as s:
                there = set(s.execute(select(Member.id).where(
                    Member.station_id == sid)).scalars())
            assert len(here) == N_MEMBERS
            # consistent: a row left the outbox only once the district held it; a row
            # the district holds may still be queued (its acknowledgement was cut off)
            assert here - queued <= there, len((here - queued) - there)
            assert N_MEMBERS - applied <= len(queued) < N_MEMBERS

        # a last round to the end
        opened = _login(path)
        try:
            client = SyncClient(opened.db, url, batch_rows=BATCH_ROWS,
                                max_batch_rows=BATCH_ROWS)
            report = client.sync()
            client.close()
            assert report.held == []
            assert count(opened.db, OutboxEntry) == 0
            with opened.db.reader() as s:
                mine = dict(s.execute(select(Member.id, Member.hlc)).all())
        finally:
            opened.db.close()
    with district.reader() as s:
        theirs = s.execute(select(Member.id, Member.hlc).where(
            Member.station_id == sid)).all()
        assert s.execute(select(func.count(func.distinct(Member.id_number))).where(
            Member.station_id == sid)).scalar_one() == N_MEMBERS
    assert len(theirs) == N_MEMBERS and dict(theirs) == mine


def _id_number(i: int) -> str:
    from station_app.domain.validation import id_check_char

    body = f"440306{1970 + i // 400}{i % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}"
    return body + id_check_char(body)
