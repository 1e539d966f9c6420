"""Initial push of the demo station over HTTP on loopback into a PostgreSQL 15 district.

A throwaway cluster is started from the binaries on the machine (``tests/pgserver.py``:
``fsync``, ``synchronous_commit`` and ``full_page_writes`` off, as for the tests) and
stopped at the end, whatever happens. The district service runs in its own process
(``district-server serve --db postgresql+psycopg://…``), the station client in this one.

Floor, in the same run and on the same cluster: the same rows into a second, freshly
initialised district database with psycopg 3 — per table, ``COPY`` into a temporary
staging table, then one ``INSERT … SELECT … ON CONFLICT (id) DO UPDATE``; one
transaction.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from bench.sync_push import (
    PUSHED_TABLES,
    bench_env,
    copy_stations,
    init_district,
    initial_push,
    prepare_district,
    push_figure,
    serve,
    station_rows,
)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def copy_upsert_floor(url: str, data: dict[str, tuple[list[str], list[tuple]]]) -> float:
    """COPY into a staging table + one INSERT … SELECT … ON CONFLICT per table; seconds."""
    import psycopg

    with psycopg.connect(_libpq(url)) as conn:
        t0 = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            for t in PUSHED_TABLES:
                cols, values = data[t]
                if not values:
                    continue
                names = ", ".join(cols)
                cur.execute(f"CREATE TEMP TABLE stage_{t} (LIKE {t} INCLUDING DEFAULTS) "
                            "ON COMMIT DROP")
                with cur.copy(f"COPY stage_{t} ({names}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
                sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in cols if c != "id")
                cur.execute(f"INSERT INTO {t} ({names}) SELECT {names} FROM stage_{t} "
                            f"ON CONFLICT (id) DO UPDATE SET {sets}")
        elapsed = time.perf_counter() - t0
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in PUSHED_TABLES}
    for t in PUSHED_TABLES:
        if counts[t] != len(data[t][1]):
            raise RuntimeError(f"floor: {t} holds {counts[t]} rows, {len(data[t][1])} sent")
    return elapsed


def run(table, demo: Path) -> None:
    from tests.pgserver import PostgresCluster, PostgresUnavailable

    label = "initial push over HTTP, PostgreSQL district"
    try:
        cluster = PostgresCluster()
    except PostgresUnavailable as exc:
        table.add(label, f"not run: {exc}", "", None, "≥ 25,000 rows/s")
        return
    tmp = Path(tempfile.mkdtemp(prefix="bench-sync-pg-"))
    env = bench_env(tmp)
    try:
        cluster.start()
        station_path = tmp / "station.sqlite3"
        shutil.copy(demo, station_path)
        url = cluster.new_database()
        code = prepare_district(url, demo, env)
        with serve(url, env, tmp / "server.log") as base:
            rows, elapsed, spent = initial_push(station_path, base, code)
        # floor: the same rows into a freshly initialised district on the same cluster
        floor_url = cluster.new_database()
        init_district(floor_url, env)
        copy_stations(floor_url, demo)
        data = station_rows(station_path)
        floor = copy_upsert_floor(floor_url, data)
        floor_rows = sum(len(v) for _c, v in data.values())
    finally:
        cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    table.add(f"{label} ({rows:,} rows)",
              push_figure(rows, elapsed, spent),
              f"{floor_rows / floor:,.0f} rows/s (COPY + upsert)",
              (floor_rows / floor) / (rows / elapsed), "≥ 25,000 rows/s")
