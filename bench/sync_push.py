"""Initial push of the demo station over HTTP on loopback into a SQLite district, and
incremental rounds on a large and a small station.

The district service runs in its own process (``district-server serve``), the station
client in this one, so neither steals the other's interpreter. Floor, in the same run: the
same rows written into a fresh district file by one raw ``executemany`` upsert per table.

The helpers here (a district made ready for a station, a server process that never
outlives the bench, the station's rows for a floor) are shared by the PostgreSQL and the
concurrent-clients benches.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from station_app.storage.sqlfile import dbapi as sqlite3

CLI = [sys.executable, "-m", "sync.server.cli"]
ADMIN_PASSWORD = "district-pass-1\n"
# The tables a station pushes, parents first (as sync.changeset.APPLY_ORDER).
PUSHED_TABLES = ["enterprises", "watch_list_entries", "members", "hardship_cases",
                 "household_members", "ledger_entries", "visits", "events", "event_members"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env(tmp: Path) -> dict[str, str]:
    """The environment of the server and CLI processes: their logs go under ``tmp``."""
    return {**os.environ, "STATION_APP_HOME": str(tmp / "home")}


def init_district(target: str, env: dict[str, str]) -> None:
    """``district-server init`` of a fresh district (a file path or a database URL)."""
    done = subprocess.run([*CLI, "init", "--db", target, "--admin", "qu", "--password-stdin"],
                          input=ADMIN_PASSWORD, text=True, env=env, capture_output=True)
    if done.returncode:
        raise RuntimeError(f"district-server init failed: {done.stderr.strip()}")


def district_connect(path: Path, **kwargs):
    """A raw connection to a SQLite district made by ``district-server init``: encrypted
    with the key file beside it."""
    from station_app.storage import sqlfile
    from station_app.storage.keys import district_key_path, read_district_key

    return sqlfile.connect(path, key=read_district_key(district_key_path(path)), **kwargs)


def copy_stations(target: str, demo: Path) -> None:
    """The district owns the stations; the demo station holds local copies of them."""
    from station_app.domain.actor import SYSTEM_SETUP
    from station_app.domain.services import stations as station_service
    from station_app.storage.database import open_database

    src = sqlite3.connect(demo)
    rows = src.execute("SELECT code, name, street, is_key FROM stations").fetchall()
    src.close()
    district = open_database(target)
    try:
        with district.session(SYSTEM_SETUP) as s:
            for code, name, street, key in rows:
                station_service.upsert_station(s, code, name, street=street, is_key=bool(key))
    finally:
        district.close()


def prepare_district(target: str, demo: Path, env: dict[str, str]) -> str:
    """A fresh district knowing the demo's stations; returns KY01's enrollment code."""
    from station_app.domain.actor import CLI_ADMIN
    from station_app.storage.database import open_database
    from sync.district import enroll

    init_district(target, env)
    copy_stations(target, demo)
    district = open_database(target)
    try:
        return enroll(district, "KY01", CLI_ADMIN).code
    finally:
        district.close()


@contextmanager
def serve(target: str, env: dict[str, str], log: Path, *, workers: int = 1,
          ready_timeout: float = 60, checks: bool = True) -> Iterator[str]:
    """``district-server serve`` in a process group of its own; yields its base URL once it
    answers, and always stops the group (uvicorn's workers too) on the way out.
    ``checks=False``: the bench's own server without the district's checks of pushed rows
    (``bench.unchecked_server``), to measure what they cost."""
    import httpx

    port = free_port()
    args = [*CLI, "serve", "--db", target, "--port", str(port), "--log-level",
            os.environ.get("BENCH_SERVER_LOG", "warning"),
            "--no-daily-backup"]  # (a backup running beside the push would be timed too)
    if workers > 1:
        args += ["--workers", str(workers)]
    if not checks:
        args = [sys.executable, "-m", "bench.unchecked_server", target, str(port)]
    with open(log, "w") as log_file:
        server = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=log_file,
                                  start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"district-server serve exited ({server.returncode}): "
                                   f"{log.read_text()[-2000:]}")
            try:
                if httpx.get(url + "/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("district-server serve did not answer in time")
            time.sleep(0.1)
        yield url
    except BaseException:
        sys.stderr.write(log.read_text()[-3000:])
        raise
    finally:
        stop_group(server)


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the process group we started, SIGKILL if it lingers."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            pass
    try:  # workers left behind by a parent that died first
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    if process.poll() is None:
        process.wait(10)


def initial_push(station_path: Path, url: str, code: str
                 ) -> tuple[int, float, dict[str, float]]:
    """Enroll, then one whole sync round of the station's full outbox; rows, seconds, and
    the seconds spent waiting for each endpoint."""
    from station_app.storage.database import open_database
    from sync.client import SyncClient

    station = open_database(station_path, check=False)
    try:
        client = SyncClient(station, url, timeout=300)  # the app's batch sizes: 1,000, growing
        try:
            client.enroll(code)
            spent = time_requests(client)
            t0 = time.perf_counter()
            report = client.sync()
            elapsed = time.perf_counter() - t0
        finally:
            client.close()
        if report.held:
            raise RuntimeError(f"the district refused rows: {report.held[:3]}")
        if station.pending_count():
            raise RuntimeError(f"{station.pending_count()} change(s) still pending")
    finally:
        station.close()
    return report.pushed, elapsed, spent


def push_figure(rows: int, elapsed: float, spent: dict[str, float]) -> str:
    """rows/s, and where the round's time went (waiting for push, for pull; the rest is
    the station's own work: gathering, encoding, acknowledging, applying)."""
    push, pull = spent.get("/v1/push", 0.0), spent.get("/v1/pull", 0.0)
    rest = elapsed - sum(spent.values())
    return (f"{rows / elapsed:,.0f} rows/s ({elapsed:.1f} s: push requests {push:.1f}, "
            f"pull {pull:.1f}, station ≈ {rest:.1f} s)")


def time_requests(client) -> dict[str, float]:
    """Seconds spent in the client's HTTP exchanges, by path (filled as it syncs)."""
    spent: dict[str, float] = {}
    request = client.http.request

    def timed(method, path, **kwargs):
        t0 = time.perf_counter()
        try:
            return request(method, path, **kwargs)
        finally:
            spent[path] = spent.get(path, 0.0) + time.perf_counter() - t0

    client.http.request = timed
    return spent


def incremental_rounds(station_path: Path, rounds: int, changed: int = 100
                       ) -> list[tuple[float, dict[str, float]]]:
    """``rounds`` times: ``changed`` members edited at the station (untimed), then one
    whole sync round (clock check, push, pull) timed. Per round: seconds, and the seconds
    spent waiting for each endpoint."""
    from sqlalchemy import select

    from station_app.domain.actor import Actor
    from station_app.domain.models import Member
    from station_app.storage.database import open_database
    from sync.client import SyncClient

    station = open_database(station_path, check=False)
    actor = Actor("bench", "station_admin")
    times = []
    try:
        for r in range(rounds):
            with station.session(actor) as s:
                for m in s.execute(select(Member).order_by(Member.id)
                                   .offset(r * changed).limit(changed)).scalars():
                    m.notes = f"增量同步测试 {r}"
            assert station.pending_count() == changed, station.pending_count()
            client = SyncClient(station, timeout=300)
            spent = time_requests(client)
            try:
                t0 = time.perf_counter()
                report = client.sync()
                times.append((time.perf_counter() - t0, spent))
            finally:
                client.close()
            if report.pushed != changed or station.pending_count():
                raise RuntimeError(f"incremental round {r}: pushed {report.pushed}, "
                                   f"{station.pending_count()} still pending")
    finally:
        station.close()
    return times


def station_rows(station_path: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    """The station's own rows of every pushed table: {table: (columns, rows)}."""
    src = sqlite3.connect(station_path)
    data = {}
    for t in PUSHED_TABLES:
        cur = src.execute(f"SELECT * FROM {t} WHERE station_id = "
                          "(SELECT value FROM local_state WHERE key = 'station_id')")
        data[t] = ([d[0] for d in cur.description], cur.fetchall())
    src.close()
    return data


def sqlite_upsert_floor(floor_path: Path, data: dict[str, tuple[list[str], list[tuple]]]
                        ) -> float:
    """One raw ``executemany`` upsert per table in one transaction; seconds."""
    from sync.server.cli import SERVER_CACHE_MIB

    dst = district_connect(floor_path, isolation_level=None)  # (encrypted, as the district)
    dst.execute("PRAGMA journal_mode=WAL")
    dst.execute("PRAGMA synchronous=NORMAL")
    # the page cache the district service gives its connections: the same footing
    dst.execute(f"PRAGMA cache_size=-{SERVER_CACHE_MIB * 1024}")
    t0 = time.perf_counter()
    dst.execute("BEGIN")
    for t in PUSHED_TABLES:
        cols, values = data[t]
        if not values:
            continue
        sets = ", ".join(f"{c} = excluded.{c}" for c in cols if c != "id")
        dst.executemany(f"INSERT INTO {t} ({', '.join(cols)}) VALUES "
                        f"({', '.join('?' * len(cols))}) ON CONFLICT(id) DO UPDATE SET {sets}",
                        values)
    dst.execute("COMMIT")
    elapsed = time.perf_counter() - t0
    dst.close()
    return elapsed


def _push_and_rounds(demo: Path, tmp: Path, name: str, rounds: int, *, checks: bool = True
                     ) -> tuple[Path, int, float, dict[str, float],
                                list[tuple[float, dict[str, float]]]]:
    """A copy of ``demo`` pushed whole into a fresh SQLite district, then ``rounds``
    incremental rounds against it (``checks=False``: by the bench's server without the
    district's checks)."""
    env = bench_env(tmp)
    station_path = tmp / f"{name}-station.sqlite3"
    shutil.copy(demo, station_path)
    district_path = tmp / f"{name}-district.sqlite3"
    code = prepare_district(str(district_path), demo, env)
    with serve(str(district_path), env, tmp / f"{name}-server.log", checks=checks) as url:
        rows, elapsed, spent = initial_push(station_path, url, code)
        times = incremental_rounds(station_path, rounds)
    return station_path, rows, elapsed, spent, times


CHECK_TURNS = 3  # pushes with and without the district's checks, in turns


def run(table, demo: Path, small_demo: Path | None = None, *, rounds: int = 5) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-sync-"))
    try:
        # what the district's checks of the rows (sync.validate) cost the push, in the
        # same run: the same push by the bench's server without them, in turns with the
        # product's (the best of each: other work on the machine only ever adds time)
        plain_times, checked_times = [], []
        for turn in range(CHECK_TURNS):
            _path, plain_rows, plain, _spent, _rounds = _push_and_rounds(
                demo, tmp, f"unchecked{turn}", 0, checks=False)
            plain_times.append(plain)
            if turn < CHECK_TURNS - 1:
                checked_times.append(_push_and_rounds(demo, tmp, f"checked{turn}", 0)[2])
        station_path, rows, elapsed, spent, big = _push_and_rounds(demo, tmp, "big", rounds)
        checked_times.append(elapsed)
        if plain_rows != rows:
            raise RuntimeError(f"the pushes differ: {plain_rows} vs {rows} rows")
        table.add(f"initial push, with the district's checks of every row vs without "
                  f"({rows:,} rows, best of {CHECK_TURNS} each)",
                  f"{min(checked_times):.2f} s = {min(checked_times) / min(plain_times):.2f}× "
                  f"({', '.join(f'{t:.2f}' for t in checked_times)})",
                  f"{min(plain_times):.2f} s ({', '.join(f'{t:.2f}' for t in plain_times)})",
                  min(checked_times) / min(plain_times), "≤ 1.2×")
        # floor: the same rows, one executemany upsert per table into a fresh district
        floor_path = tmp / "floor.sqlite3"
        init_district(str(floor_path), bench_env(tmp))
        data = station_rows(station_path)
        floor = sqlite_upsert_floor(floor_path, data)
        floor_rows = sum(len(v) for _c, v in data.values())
        table.add(f"initial push over HTTP, SQLite district ({rows:,} rows)",
                  push_figure(rows, elapsed, spent), f"{floor_rows / floor:,.0f} rows/s",
                  (floor_rows / floor) / (rows / elapsed), "≥ 25,000 rows/s")
        big_members = _members(demo)
        med_big = _incremental_row(table, big, big_members)
        if small_demo is None:
            return
        small = _push_and_rounds(small_demo, tmp, "small", rounds)[-1]
        small_members = _members(small_demo)
        med_small = _incremental_row(table, small, small_members)
        table.add(f"incremental sync: {big_members:,} vs {small_members:,} members",
                  f"{med_big * 1000:.0f} ms", f"{med_small * 1000:.0f} ms",
                  med_big / med_small, "≤ 1.3×")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _incremental_row(table, rounds: list[tuple[float, dict[str, float]]], members: int
                     ) -> float:
    """The median round, with the medians of the time waiting for each endpoint."""
    med = statistics.median(t for t, _spent in rounds)
    parts = {path.rsplit("/", 1)[-1]: statistics.median(spent.get(path, 0.0)
                                                        for _t, spent in rounds)
             for path in ("/v1/health", "/v1/push", "/v1/pull")}
    station_side = med - sum(parts.values())
    detail = ", ".join(f"{k} {v * 1000:.0f}" for k, v in parts.items())
    table.add(f"incremental sync, 100 changed rows, {members:,} members "
              f"(median of {len(rounds)})",
              f"{med * 1000:.0f} ms ({detail}, station ≈ {station_side * 1000:.0f} ms)",
              "", None, "≤ 0.5 s")
    return med


def _members(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT count(*) FROM members").fetchone()[0]
    finally:
        con.close()
