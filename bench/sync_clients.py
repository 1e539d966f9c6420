"""Many stations syncing at once with one district service (SQLite district).

The district (``district-server serve``, in its own process group) knows ``stations``
stations, each enrolled with its own one-time code. Each station is a distinct station
file (``init_station`` with its own code, hence its own station id and node id) holding
``rows`` members registered through the bulk path, so ``rows`` pending changes (built
once and cached under bench/.cache/, like the demo station). One process per station
(forked from a fresh forkserver that has the imports loaded, never from the bench
process, which may hold Qt) copies its file and enrolls; then all wait at a barrier and
sync at once, with the app's own client settings (``SyncClient`` defaults: batches of
1,000 rows, 30 s timeout, its retries).

Reported: errors — stations whose sync failed, answers other than 2xx, network errors
(each one a retry by the client), rows the district refused — , rows/s over the whole run
(from the barrier to the last station done), the p95 of one push request (a batch) and of
a whole station sync. Then the district is checked to hold exactly stations × rows rows of
those stations and every station's outbox to be empty; a station whose sync failed syncs
once more, alone, and the district is counted again (is anything lost?).

Floor, in the same run: the same rows upserted into a fresh district file with one raw
``executemany`` per table, all stations in one transaction.
"""

from __future__ import annotations

import os
import random
import shutil
import tempfile
import time
import traceback
from collections import Counter
from datetime import date
from pathlib import Path

from bench.sync_push import (
    PUSHED_TABLES,
    bench_env,
    district_connect,
    init_district,
    serve,
    sqlite_upsert_floor,
    station_rows,
)

CACHE = Path(__file__).with_name(".cache")
CACHE_LOG = CACHE / "sync-clients-server.log"
PRELOAD = ["httpx", "sqlalchemy", "station_app.domain.models",
           "station_app.domain.services.members", "station_app.domain.services.setup",
           "station_app.storage.database", "sync.client", "bench.sync_clients"]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def station_code(i: int) -> str:
    return f"BN{i + 1:03d}"


def build_station(path: Path, code: str, rows: int, seed: int) -> None:
    """A station file of its own: ``rows`` members through the bulk path, all pending."""
    from station_app.demo import ETHNICITIES, PHONE_PREFIX, _between, _id_number, _name
    from station_app.domain.actor import Actor
    from station_app.domain.services.members import bulk_register_members
    from station_app.domain.services.setup import init_station
    from station_app.storage.database import open_database

    rng = random.Random(seed)
    seen: set[str] = set()
    data = []
    while len(data) < rows:
        birth = _between(rng, date(1962, 1, 1), date(2004, 12, 31))
        idn = _id_number(rng, birth)
        if idn in seen:
            continue
        seen.add(idn)
        data.append({"name": _name(rng), "id_number": idn,
                     "ethnicity": rng.choice(ETHNICITIES),
                     "phone": rng.choice(PHONE_PREFIX) + f"{rng.randrange(10**8):08d}",
                     "join_date": "2020-05-01", "card_no": f"{len(data) + 1:07d}"})
    db = open_database(path, create=True)
    try:
        init_station(db, code, f"基准站点{code}", "admin", "bench-pass-1")
        with db.session(Actor("bench", "station_admin", None, "bench")) as s:
            result = bulk_register_members(s, data)
        if len(result.inserted) != rows:
            raise RuntimeError(f"{code}: {len(result.rejected)} member(s) rejected: "
                               f"{result.rejected[:2]}")
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()


def cached_station(code: str, rows: int, seed: int) -> Path:
    """The station file, built once and cached under bench/.cache/ like the demo (a copy
    is never enrolled: enrollment and sync happen on a copy made for the run)."""
    path = CACHE / f"stations-{rows}" / f"{code}.sqlite3"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".building-{os.getpid()}")
        build_station(tmp, code, rows, seed)
        os.replace(tmp, path)
    return path


def _client_class():
    import httpx

    from sync.client import SyncClient

    class TimedClient(SyncClient):
        """The app's client, with every HTTP exchange timed and every failure counted."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.push_times: list[float] = []
            self.failures: list[str] = []
            request = self.http.request

            def timed(method, path, **kw):
                t0 = time.perf_counter()
                try:
                    response = request(method, path, **kw)
                except httpx.TransportError as exc:
                    self.failures.append(f"network error on {method} {path} after "
                                         f"{time.perf_counter() - t0:.1f} s: {exc!r}")
                    raise
                if response.status_code >= 300:
                    self.failures.append(f"{response.status_code} on {method} {path} after "
                                         f"{time.perf_counter() - t0:.2f} s: "
                                         f"{response.text[:300]}")
                elif path == "/v1/push":
                    self.push_times.append(time.perf_counter() - t0)
                return response

            self.http.request = timed

    return TimedClient


def station_worker(index: int, path: str, url: str, code: str, rows: int, barrier,
                   results) -> None:
    """One station: copy its file, enroll, wait for the others, sync; report a dict."""
    out: dict = {"index": index, "code": station_code(index), "push_times": [],
                 "failures": [], "error": None, "pushed": 0, "held": [], "pending": None}
    db = client = None
    try:
        from station_app.storage.database import open_database

        shutil.copy(cached_station(station_code(index), rows, seed=1000 + index), path)
        db = open_database(path, check=False)
        client = _client_class()(db, url)
        client.enroll(code)
        out["before"] = db.pending_count()
    except Exception:
        out["error"] = "before the start: " + traceback.format_exc(limit=3)
    try:
        barrier.wait(600)
    except Exception as exc:  # broken barrier: another station failed to get ready
        out["error"] = out["error"] or f"barrier: {exc!r}"
    if out["error"] is None:
        out["start"] = time.monotonic()
        try:
            out["held"] = client.sync().held
        except Exception as exc:
            out["error"] = f"{type(exc).__name__}: {exc}"
        out["end"] = time.monotonic()
        out["pending"] = db.pending_count()
        # acknowledged by the district, even when the round failed after its push
        out["pushed"] = out["before"] - out["pending"]
    elif db is not None:
        out["pending"] = db.pending_count()
    if client is not None:
        out["push_times"], out["failures"] = client.push_times, client.failures
        client.close()
    if db is not None:
        db.close()
    results.put(out)


def _stop_helpers() -> None:
    """Stop multiprocessing's forkserver and resource tracker now rather than a moment
    after this process exits: the bench leaves no process of its own behind. (Called once
    the barrier and the queue are gone: their semaphores unregister from the tracker.)"""
    import gc
    from multiprocessing import forkserver, resource_tracker

    gc.collect()
    for helper in (getattr(forkserver, "_forkserver", None),
                   getattr(resource_tracker, "_resource_tracker", None)):
        stop = getattr(helper, "_stop", None)
        if stop is not None:
            stop()


def _collect(results, procs, *, deadline: float) -> list[dict]:
    """Every station's report; a station process that died without one is reported too."""
    import queue

    outs: list[dict] = []
    while len(outs) < len(procs) and time.monotonic() < deadline:
        try:
            outs.append(results.get(timeout=1))
        except queue.Empty:
            if not any(p.is_alive() for p in procs):
                try:
                    while True:
                        outs.append(results.get(timeout=1))
                except queue.Empty:
                    break
    seen = {o["index"] for o in outs}
    for i, p in enumerate(procs):
        if i not in seen:
            outs.append({"index": i, "code": station_code(i), "push_times": [],
                         "failures": [], "pushed": 0, "held": [], "pending": None,
                         "error": f"the station process gave no report (exit code "
                                  f"{p.exitcode})"})
    return outs


def _sync_alone(path: Path, url: str, code: str) -> int:
    """One more plain sync round of a station (enrolling first if its enrollment failed);
    its pending changes after (-1: failed)."""
    from station_app.storage.database import open_database
    from sync.client import SyncClient, SyncError

    if not path.exists():
        return -1
    db = open_database(path, check=False)
    try:
        client = SyncClient(db, url)
        try:
            client.sync(None if client.token else code)
        except SyncError as exc:
            print(f"    {path.stem}: failed again: {exc}")
            return -1
        finally:
            client.close()
        return db.pending_count()
    finally:
        db.close()


def _district_counts(district_path: Path, codes: list[str]) -> dict[str, int]:
    from station_app.domain.ids import station_id_for

    ids = [station_id_for(c) for c in codes]
    marks = ", ".join("?" * len(ids))
    con = district_connect(district_path)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t} WHERE station_id IN ({marks})",
                               ids).fetchone()[0] for t in PUSHED_TABLES}
    finally:
        con.close()


def run(table, *, stations: int = 50, rows: int = 1_000, workers: int = 1) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-sync-clients-"))
    try:
        _run(table, tmp, stations, rows, workers)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _run(table, tmp: Path, stations: int, rows: int, workers: int) -> None:
    import multiprocessing

    from station_app.domain.actor import CLI_ADMIN, SYSTEM_SETUP
    from station_app.domain.services import stations as station_service
    from station_app.storage.database import open_database
    from sync.district import enroll

    label = f"{stations} stations syncing at once ({rows:,} changes each"
    label += f", {workers} server workers)" if workers > 1 else ")"
    env = bench_env(tmp)
    district_path = tmp / "district.sqlite3"
    codes = [station_code(i) for i in range(stations)]
    init_district(str(district_path), env)
    district = open_database(district_path)
    try:
        with district.session(SYSTEM_SETUP) as s:
            for code in codes:
                station_service.upsert_station(s, code, f"基准站点{code}")
        enrollment = {code: enroll(district, code, CLI_ADMIN).code for code in codes}
    finally:
        district.close()

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(PRELOAD)
    barrier = ctx.Barrier(stations + 1)
    results = ctx.Queue()
    procs = []
    try:
        with serve(str(district_path), env, tmp / "server.log", workers=workers) as url:
            print(f"  preparing {stations} stations of {rows:,} members …", flush=True)
            for i, code in enumerate(codes):
                p = ctx.Process(target=station_worker, daemon=True, args=(
                    i, str(tmp / f"station-{code}.sqlite3"), url, enrollment[code], rows,
                    barrier, results))
                p.start()
                procs.append(p)
            t0 = time.monotonic()
            barrier.wait(600)  # every station built and enrolled
            go = time.monotonic()
            print(f"  … ready in {go - t0:.0f} s; syncing at once", flush=True)
            outs = _collect(results, procs, deadline=go + 900)
            print(f"  … done in {time.monotonic() - go:.0f} s", flush=True)
            for p in procs:
                p.join(30)
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join(10)
        results.close()
        results.join_thread()
        procs.clear()  # their arguments hold the barrier and the queue
        del barrier, results
        _stop_helpers()
    server_log = (tmp / "server.log").read_text(errors="replace")
    CACHE_LOG.parent.mkdir(exist_ok=True)
    CACHE_LOG.write_text(server_log)

    failed = [o for o in outs if o["error"]]
    failures = [f for o in outs for f in o["failures"]]
    held = [h for o in outs for h in o["held"]]
    not_ready = [o["code"] for o in outs if o.get("before", rows) != rows]
    pending = sum(o["pending"] or 0 for o in outs)
    pushed = sum(o["pushed"] for o in outs)
    end = max((o["end"] for o in outs if "end" in o), default=go)
    push_times = [t for o in outs for t in o["push_times"]]
    sync_times = [o["end"] - o["start"] for o in outs if not o["error"]]
    expected = stations * rows
    at_district = sum(_district_counts(district_path, codes).values())
    again: list[int] = []
    if failed:  # each failed station syncs once more, alone: is anything lost?
        with serve(str(district_path), env, tmp / "server-again.log") as url:
            again = [_sync_alone(tmp / f"station-{o['code']}.sqlite3", url,
                                 enrollment[o["code"]]) for o in failed]
        at_district_after = sum(_district_counts(district_path, codes).values())

    # floor: the same rows of every station upserted raw into a fresh district
    floor_path = tmp / "floor.sqlite3"
    init_district(str(floor_path), env)
    data: dict[str, tuple[list[str], list[tuple]]] = {}
    for code in codes:
        path = tmp / f"station-{code}.sqlite3"
        if path.exists():
            for t, (cols, values) in station_rows(path).items():
                data.setdefault(t, (cols, []))[1].extend(values)
    floor = sqlite_upsert_floor(floor_path, data)
    floor_rate = sum(len(v) for _c, v in data.values()) / floor

    kinds = Counter(f.split(" after ", 1)[0] for f in failures)
    table.add(f"{label}: errors",
              f"{len(failed)} of {stations} station syncs failed; {len(failures)} failed "
              f"request(s){': ' if kinds else ''}"
              + ", ".join(f"{n} × {k}" for k, n in kinds.most_common())
              + (f"; {len(held)} row(s) refused" if held else "")
              + (f"; not {rows:,} pending at the start: {', '.join(not_ready[:5])}"
                 if not_ready else ""), "", None, "0")
    for o in failed[:5]:
        print(f"    {o['code']}: {o['error'].strip().splitlines()[-1]}")
    for f in failures[:8]:
        print(f"    {f}")
    tracebacks = server_log.count("Traceback")
    if tracebacks:
        errors = Counter(line for line in server_log.splitlines()
                         if line.startswith(("sqlalchemy.exc.", "sqlite3.", "psycopg.")))
        print(f"    the server log ({CACHE_LOG}) holds {tracebacks} traceback(s):")
        for line, n in errors.most_common(5):
            print(f"      {n} × {line[:200]}")
    rate = pushed / (end - go) if pushed else 0.0
    table.add(f"{label}: throughput ({pushed:,} rows acknowledged)", f"{rate:,.0f} rows/s",
              f"{floor_rate:,.0f} rows/s", floor_rate / rate if rate else None, "reported")
    if push_times:
        table.add(f"{label}: one push request, p95 ({len(push_times)} requests)",
                  f"{_percentile(push_times, 95) * 1000:,.0f} ms "
                  f"(median {_percentile(push_times, 50) * 1000:,.0f} ms)", "", None,
                  "reported")
    if sync_times:
        table.add(f"{label}: whole station sync, p95 ({len(sync_times)} stations)",
                  f"{_percentile(sync_times, 95):.2f} s "
                  f"(median {_percentile(sync_times, 50):.2f} s)", "", None, "reported")
    table.add(f"{label}: rows at the district",
              f"{at_district:,} of {expected:,}; {pending:,} still pending at the stations",
              "", None, f"exactly {expected:,}, 0 pending")
    if failed:
        table.add(f"{label}: after one more sync of each failed station, alone",
                  f"{at_district_after:,} of {expected:,}; "
                  f"{sum(max(n, 0) for n in again):,} still pending; "
                  f"{sum(1 for n in again if n < 0)} failed again", "", None,
                  f"exactly {expected:,}, 0 pending")
