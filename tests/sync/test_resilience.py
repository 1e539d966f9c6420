"""Sync under stress, on both back-ends: a push killed between batches, and pulls racing
concurrent pushes.

Everything is real: station SQLite files, the district on SQLite and on a real
PostgreSQL 15 (the ``district`` fixture), uvicorn on loopback, and a separate OS process
for the push that is killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from loopback import serve
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from test_convergence import credit_code, new_id_number

from station_app.domain.actor import CLI_ADMIN, Actor
from station_app.domain.models import (
    MODEL_BY_TABLE,
    Enterprise,
    Member,
    OutboxEntry,
    Station,
    SyncBatch,
    WatchListEntry,
)
from station_app.domain.services import enterprises, members, stations
from station_app.domain.services.setup import init_station
from station_app.storage.database import Database, open_database
from sync.changeset import from_wire
from sync.client import SyncClient, SyncReport
from sync.district import enroll
from sync.merge import apply_changeset
from sync.server.app import create_app

ROOT = Path(__file__).resolve().parents[2]
DISTRICT = Actor("district", "district_admin", None, "区总工会")
ADMIN = Actor("admin", "station_admin", 1, "站长")  # the first user init_station makes

def count(db: Database, model, *where) -> int:
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def ids_of(db: Database, model, *where) -> list[str]:
    with db.reader() as s:
        return list(s.execute(select(model.id).where(*where)).scalars())


@pytest.fixture
def server(district) -> Iterator[str]:
    with serve(create_app(district)) as url:
        yield url


# --------------------------------------------------------------------------- killed push

BATCH_ROWS = 200
N_MEMBERS = 3_000  # 15 batches of 200

PUSH_SCRIPT = textwrap.dedent("""
    import sys
    from station_app.storage.database import open_database
    from sync.client import SyncClient

    db = open_database(sys.argv[1], check=False)
    SyncClient(db, sys.argv[2], batch_rows=int(sys.argv[3]), max_batch_rows=int(sys.argv[3])).sync()
    print("finished")
""")


def _wait_until(condition: Callable[[], bool], proc: subprocess.Popen, timeout: float) -> None:
    """Poll ``condition`` tightly; fail if the pushing process ends or time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the push ended before it could be killed (exit {proc.returncode})"
                        f"\n{out}\n{err}")
        if time.monotonic() > deadline:
            pytest.fail("no batch reached the district in time")
        time.sleep(0.002)


def _settled(db: Database, model, *where) -> int:
    """The count once it stops moving (a batch in flight at the kill may still commit)."""
    last, stable_since = -1, time.monotonic()
    while True:
        now = count(db, model, *where)
        if now != last:
            last, stable_since = now, time.monotonic()
        elif time.monotonic() - stable_since > 0.5:
            return now
        time.sleep(0.05)


def test_a_push_killed_between_batches_resumes_without_loss_or_duplicates(
        db, db_path, admin, district, server):
    """A station process SIGKILLed in the middle of a many-batch push leaves the district
    with some whole batches applied; the next sync sends exactly the rest: afterwards the
    district holds every row of the station exactly once, equal to the station's, and the
    outbox is empty."""
    sid = db.station_id
    with db.session(admin) as s:
        result = members.bulk_register_members(
            s, [{"name": "会员" + "甲乙丙丁戊己庚辛壬癸"[i % 10], "id_number": new_id_number(),
                 "phone": f"139{i:08d}"} for i in range(N_MEMBERS)])
    assert not result.rejected and len(result.inserted) == N_MEMBERS
    assert count(db, OutboxEntry) == N_MEMBERS
    client = SyncClient(db, server, batch_rows=BATCH_ROWS, max_batch_rows=BATCH_ROWS)
    client.enroll(enroll(district, "KY01", CLI_ADMIN).code)  # the token is kept in the station file
    client.close()

    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen(
        [sys.executable, "-c", PUSH_SCRIPT, str(db_path), server, str(BATCH_ROWS)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # three batches at the district: the station sends one batch at a time, has
        # cleared at least the first, and is most likely waiting for the third's answer
        _wait_until(lambda: count(district, SyncBatch, SyncBatch.station_id == sid) >= 3,
                    proc, timeout=60)
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=10)
    assert proc.returncode == -signal.SIGKILL

    # the interrupted case really happened: some batches arrived and were acknowledged,
    # not all; what the district holds is whole batches
    applied = _settled(district, Member, Member.station_id == sid)
    batches = count(district, SyncBatch, SyncBatch.station_id == sid)
    assert 3 <= batches < N_MEMBERS // BATCH_ROWS
    assert applied == batches * BATCH_ROWS
    queued = count(db, OutboxEntry)
    # the station clears a batch's outbox entries on its helper thread, queued before it
    # reads the batch after next: by the time the third batch was sent, the first one's
    # entries were gone for certain (the second's most likely, but that may still run)
    assert N_MEMBERS - applied <= queued <= N_MEMBERS - BATCH_ROWS

    client = SyncClient(db, server, batch_rows=BATCH_ROWS, max_batch_rows=BATCH_ROWS)
    report = client.sync()
    client.close()
    assert report.held == []
    # sent again: at most the batch that was on its way and the one whose acknowledgement
    # was still being written (the district answers them as duplicates, changing nothing)
    assert N_MEMBERS - applied <= report.pushed <= N_MEMBERS - applied + 2 * BATCH_ROWS

    assert count(db, OutboxEntry) == 0
    for table, model in MODEL_BY_TABLE.items():
        assert count(district, model, model.station_id == sid) == \
            count(db, model, model.station_id == sid), table
    with db.reader() as s:
        here = dict(s.execute(select(Member.id, Member.hlc)).all())
    with district.reader() as s:
        there = s.execute(select(Member.id, Member.hlc, Member.id_number)
                          .where(Member.station_id == sid)).all()
    assert len(here) == N_MEMBERS
    seen = Counter(row_id for row_id, _hlc, _idn in there)
    assert [i for i, n in seen.items() if n > 1] == []
    assert len({idn for _id, _hlc, idn in there}) == N_MEMBERS  # no member twice
    assert {row_id: hlc for row_id, hlc, _idn in there} == here


# --------------------------------------------------------------------------- racing pulls

PUSHERS = ("KY01", "DP02", "PS03", "NA04")
ROUNDS = 6
ENTERPRISES_PER_ROUND = 4
MEMBERS_PER_ENTERPRISE = 6  # out-of-scope rows that lengthen each push transaction
PUSH_BATCH = 17
PULL_LIMIT = 7


def _pusher(db: Database, index: int, server: str, done: threading.Event) -> None:
    """Work at one station, pushed in small batches after every round."""
    client = SyncClient(db, server, batch_rows=PUSH_BATCH, max_batch_rows=PUSH_BATCH)
    try:
        for r in range(ROUNDS):
            with db.session(ADMIN) as s:
                for k in range(ENTERPRISES_PER_ROUND):
                    members.bulk_register_members(s, [
                        {"name": "会员甲", "id_number": new_id_number()}
                        for _ in range(MEMBERS_PER_ENTERPRISE)])
                    n = index * 10_000 + r * ENTERPRISES_PER_ROUND + k
                    ent = enterprises.register_enterprise(
                        s, {"name": f"测试企业{n}", "credit_code": credit_code(n)})
                    if k == 0:
                        enterprises.list_on_watch(s, ent.id, "欠薪")
            report = SyncReport()
            client.push(report)
            assert report.held == []
    finally:
        client.close()
        done.set()


def test_pulls_during_concurrent_pushes_never_skip_a_row(district, server, tmp_path):
    """DESIGN: "A change number becomes visible to pulls only once every lower number has
    committed, so concurrent pushes never make a station skip a row." Four stations push
    enterprises and watch-list listings (shared, so in every other station's pull scope)
    mixed with members (out of scope) concurrently over HTTP, while a fifth station pulls
    in small pages after its cursor. It receives every enterprise and listing exactly
    once, its cursor only moves forward, and nothing comes twice."""
    with district.session(DISTRICT) as s:
        for code in PUSHERS[2:]:
            stations.upsert_station(s, code, f"{code}社区工联会")
    dbs = []
    for code in PUSHERS:
        db = open_database(tmp_path / f"{code}.sqlite3", create=True)
        init_station(db, code, f"{code}社区工联会", "admin", "admin-pass-1")
        client = SyncClient(db, server)
        client.enroll(enroll(district, code, CLI_ADMIN).code)
        client.close()
        dbs.append(db)
    puller = open_database(tmp_path / "PL05.sqlite3", create=True)
    init_station(puller, "PL05", "PL05社区工联会", "admin", "admin-pass-1")
    client = SyncClient(puller, server)
    client.enroll(enroll(district, "PL05", CLI_ADMIN).code)
    client.close()
    token = puller.state()["sync_token"]

    received: list[tuple[str, str, str]] = []
    cursors: list[int] = [0]
    pulls_while_pushing = 0
    errors: list[BaseException] = []
    dones = [threading.Event() for _ in PUSHERS]

    def run(target: Callable[..., None], *args) -> threading.Thread:
        def guarded() -> None:
            try:
                target(*args)
            except BaseException as exc:  # reported by the main thread
                errors.append(exc)
        thread = threading.Thread(target=guarded, daemon=True)
        thread.start()
        return thread

    http = httpx.Client(base_url=server, timeout=30,
                        headers={"Authorization": f"Bearer {token}"})

    def pull_once() -> bool:
        """One page after the cursor, applied like the client does; whether there is more."""
        data = http.get("/v1/pull", params={"after": cursors[-1], "limit": PULL_LIMIT})
        assert data.status_code == 200, f"pull answered {data.status_code}: {data.text}"
        body = data.json()
        cs = from_wire(body["changeset"])
        if cs.count():
            received.extend(cs.keys())
            try:
                apply_changeset(puller, cs, pushing_station=None, from_district=True)
            except IntegrityError as exc:  # e.g. a listing whose enterprise never came
                raise AssertionError(f"a pulled row refers to one the puller was never "
                                     f"sent (skipped?): {exc.orig}") from exc
        assert body["cursor"] >= cursors[-1], "the cursor went back"
        if cs.count():  # rows move the cursor; so may changes outside the scope
            assert body["cursor"] > cursors[-1]
        cursors.append(body["cursor"])
        return bool(body["more"])

    def puller_loop() -> None:
        nonlocal pulls_while_pushing
        while not all(d.is_set() for d in dones):
            before = len(received)
            pull_once()
            if len(received) > before:
                pulls_while_pushing += 1
        while pull_once():  # drain
            pass

    started = time.monotonic()
    threads = [run(_pusher, db, i, server, done)
               for i, (db, done) in enumerate(zip(dbs, dones, strict=True))]
    reader = run(puller_loop)
    for thread in (*threads, reader):
        thread.join(60)
    http.close()
    elapsed = time.monotonic() - started
    if errors:
        raise errors[0]
    assert not any(t.is_alive() for t in (*threads, reader)), "a thread hung"

    expected_enterprises = set().union(*(ids_of(db, Enterprise) for db in dbs))
    expected_listings = set().union(*(ids_of(db, WatchListEntry) for db in dbs))
    n = len(PUSHERS) * ROUNDS * ENTERPRISES_PER_ROUND
    assert len(expected_enterprises) == n and len(expected_listings) == n // ENTERPRISES_PER_ROUND
    assert set(ids_of(district, Enterprise)) == expected_enterprises
    assert set(ids_of(district, WatchListEntry)) == expected_listings
    assert all(count(db, OutboxEntry) == 0 for db in dbs)

    # the pulls really raced the pushes
    assert pulls_while_pushing >= 2, (pulls_while_pushing, elapsed)
    # every in-scope row exactly once; nothing out of scope
    by_table: dict[str, list[str]] = {}
    for table, row_id, _hlc in received:
        by_table.setdefault(table, []).append(row_id)
    assert Counter(received).most_common(1)[0][1] == 1, "a row came twice with one stamp"
    assert set(by_table) <= {"stations", "enterprises", "watch_list_entries"}
    assert set(by_table["enterprises"]) == expected_enterprises
    assert len(by_table["enterprises"]) == n
    assert set(by_table["watch_list_entries"]) == expected_listings
    assert set(by_table["stations"]) == set(ids_of(district, Station))
    assert cursors == sorted(cursors)
    # and the puller's file holds them all
    assert set(ids_of(puller, Enterprise)) == expected_enterprises
    assert set(ids_of(puller, WatchListEntry)) == expected_listings
    for db in (*dbs, puller):
        db.close()
