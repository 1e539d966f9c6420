"""Encryption at rest, measured: the same work on an encrypted station file and on a plain
one, in the same run, in turns (issue 15, item 8).

The pair is made from the cached demo station (``bench.__main__.demo_db``): the plain
file is the demo rewritten by ``VACUUM INTO``, the encrypted one the demo converted by
the product's own conversion of a file from an older version
(``login.encrypt_plain_file``: ``sqlcipher_export`` into a new file, the key file
written from the users' password hashes). Both are freshly written copies of the same
rows, pages in the same order, so the only difference is the encryption. Each figure is
printed as ``encrypted`` beside ``plain`` (the floor column) and their ratio:

* register: ``members.register_member`` per row, each its own unit of work, in turns on
  the two files (the same rows on both); median ms per row;
* search: ``members.search_members`` per kind, the queries ``bench_search`` draws (name
  substring, pinyin initials, ID digits, phone prefix and tail, given-name pinyin);
  p95 per kind, the target ≤ 30 ms on the encrypted file;
* import: ``xlsx_import.import_file`` of a roster workbook (10,000 rows by default) into a
  new station: plain made as before (``open_database(create=True)`` + ``init_station``),
  encrypted as the app makes it (``login.create_station``); median of the turns;
* the initial push: a copy of each file enrolled and pushed whole over HTTP on loopback
  to a ``district-server serve`` process, each into a fresh district made by
  ``district-server init`` (the same for both: only the station's file differs)
  (``bench.sync_push``); median of the turns;
* the key derivation at login: ``keys.Wrap.unwrap`` of the admin's wrap in the real key
  file beside the encrypted file (scrypt + HKDF + AES key unwrap), beside the password
  check every login made before (``users.verify_password``, the same scrypt);
* a whole login: ``login.login`` (key file read, unwrap, open, authenticate, key file
  kept in step), beside what a login on a plain file did (open, authenticate): both run
  scrypt once.

    python -m bench --only encryption [--members 100000] [--quick]
    python -m bench.encryption [--members 20000] [--rows 10000] [--quick]
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "bench-pass-1"  # the demo station's admin password (bench.__main__.demo_db)


@dataclass
class Pair:
    plain: Path
    encrypted: Path
    key: bytes


def _pair(demo: Path, tmp: Path) -> Pair:
    """The plain and the encrypted copy of the demo station (see the module doc)."""
    from station_app.domain.services.login import encrypt_plain_file
    from station_app.storage.database import open_database
    from station_app.storage.sqlfile import dbapi

    plain, encrypted = tmp / "plain.sqlite3", tmp / "encrypted.sqlite3"
    for target in (plain, encrypted):
        con = dbapi.connect(str(demo))
        try:
            con.execute("VACUUM INTO ?", (str(target),))
        finally:
            con.close()
    t0 = time.perf_counter()
    db, _recovery = encrypt_plain_file(open_database(encrypted, check=False))
    db.close()
    print(f"  encrypted a copy of the demo station in {time.perf_counter() - t0:.1f} s "
          "(conversion of a plain file, its backup included)", flush=True)
    from station_app.storage import sqlfile

    key = sqlfile.key_for(encrypted)
    assert key is not None and sqlfile.is_plain(encrypted) is False
    return Pair(plain, encrypted, key)


def _copy(pair: Pair, source: Path, target: Path) -> Path:
    """A copy of one of the pair (closed, so its WAL is in the file); an encrypted copy
    gets its key registered, as the login registers it."""
    from station_app.storage import sqlfile

    shutil.copy(source, target)
    if source == pair.encrypted:
        sqlfile.remember(target, pair.key)
    return target


def _row(table, figure: str, encrypted: float, plain: float, unit: str, target: str,
         digits: int = 2) -> None:
    table.add(figure, f"{encrypted:.{digits}f} {unit}", f"{plain:.{digits}f} {unit} plain",
              encrypted / plain, target)


# --------------------------------------------------------------------------- register


def _members_data(n: int) -> list[dict]:
    from bench.__main__ import _valid_id

    rng = random.Random(3)
    seen: set[str] = set()
    rows = []
    while len(rows) < n:
        idn = _valid_id(rng)
        if idn in seen:
            continue
        seen.add(idn)
        rows.append({"name": "张" + "伟芳娜秀英"[len(rows) % 5], "id_number": idn,
                     "phone": f"139{rng.randrange(10**8):08d}", "join_date": "2020-05-01"})
    return rows


def bench_register(table, pair: Pair, n: int, turns: int = 3) -> None:
    """``register_member`` per row on both files, in turns of n/turns rows each."""
    from station_app.domain.actor import Actor
    from station_app.domain.services.members import register_member
    from station_app.storage.database import open_database

    actor = Actor("bench", "station_admin", 1, "bench")
    warm = 20
    rows = _members_data(n + warm)
    dbs = {"plain": open_database(pair.plain, check=False),
           "encrypted": open_database(pair.encrypted, check=False)}
    times: dict[str, list[float]] = {"plain": [], "encrypted": []}
    try:
        for db in dbs.values():  # warm-up: imports, pinyin tables, statement caches
            for data in rows[:warm]:
                with db.session(actor) as s:
                    register_member(s, dict(data))
        per_turn = -(-n // turns)
        for turn in range(turns):
            chunk = rows[warm + turn * per_turn: warm + (turn + 1) * per_turn]
            for name in (("plain", "encrypted") if turn % 2 == 0 else ("encrypted", "plain")):
                db = dbs[name]
                for data in chunk:
                    t0 = time.perf_counter()
                    with db.session(actor) as s:
                        register_member(s, dict(data))
                    times[name].append(time.perf_counter() - t0)
    finally:
        for db in dbs.values():
            db.close()
    enc, plain = (statistics.median(times[k]) * 1000 for k in ("encrypted", "plain"))
    _row(table, f"encrypted vs plain: register member (service, median of {n})", enc, plain,
         "ms", "≤ 1.3×")


# --------------------------------------------------------------------------- search


def _queries(path: Path, n: int) -> dict[str, list[str]]:
    """The queries ``bench.__main__.bench_search`` draws, from the plain file."""
    from bench.__main__ import search_queries
    from station_app.storage.sqlfile import dbapi

    con = dbapi.connect(str(path))
    try:
        return search_queries(con, n)
    finally:
        con.close()


def bench_search(table, pair: Pair, n: int) -> None:
    """p95 of ``search_members`` per kind, the two files in turns (half the queries, the
    other file, the other half), each on its warm connection."""
    from bench.__main__ import _percentile
    from station_app.domain.services.members import search_members
    from station_app.storage.database import open_database

    queries = _queries(pair.plain, n)
    dbs = {"plain": open_database(pair.plain, check=False),
           "encrypted": open_database(pair.encrypted, check=False)}
    try:
        for kind, qs in queries.items():
            times: dict[str, list[float]] = {"plain": [], "encrypted": []}
            halves = (qs[: len(qs) // 2], qs[len(qs) // 2:])
            readers = {name: db.reader() for name, db in dbs.items()}
            sessions = {name: r.__enter__() for name, r in readers.items()}
            try:
                for s in sessions.values():
                    for q in qs[:10]:  # warm-up
                        search_members(s, q)
                for half, order in zip(halves, (("plain", "encrypted"), ("encrypted", "plain")),
                                       strict=True):
                    for name in order:
                        s = sessions[name]
                        for q in half:
                            t0 = time.perf_counter()
                            hits = search_members(s, q)
                            times[name].append(time.perf_counter() - t0)
                            assert hits, f"{kind}: nothing found for {q!r} ({name})"
            finally:
                for r in readers.values():
                    r.__exit__(None, None, None)
            enc, plain = (_percentile(times[k], 95) * 1000 for k in ("encrypted", "plain"))
            _row(table, f"encrypted vs plain: search p95, {kind}", enc, plain, "ms",
                 "≤ 30 ms encrypted")
    finally:
        for db in dbs.values():
            db.close()


# --------------------------------------------------------------------------- import


def bench_import(table, rows: int, seed: int, tmp: Path, turns: int = 3) -> None:
    """``import_file`` of a ``rows``-member roster into a new plain station and a new
    encrypted one (``login.create_station``), in turns; medians."""
    from bench.xlsx_import import WARN_EVERY, _fresh_station, workbook
    from station_app.domain.actor import Actor
    from station_app.domain.services.login import create_station
    from station_app.exchange.xlsx_import import import_file
    from station_app.storage.sqlfile import is_plain

    xlsx = workbook(rows, seed)
    small = workbook(200, 1)
    actor = Actor("bench", "station_admin", 1, "bench")

    def station(name: str, i: int):
        path = tmp / f"import-{name}-{i}.sqlite3"
        if name == "plain":
            return _fresh_station(path)
        return create_station(path, "KY01", "葵涌社区工联会", "admin", PASSWORD).db

    warm = station("encrypted", -1)  # imports, pinyin tables, calamine, the page cache
    import_file(warm, actor, small)
    warm.close()
    times: dict[str, list[float]] = {"plain": [], "encrypted": []}
    for i in range(turns):
        for name in (("plain", "encrypted") if i % 2 == 0 else ("encrypted", "plain")):
            db = station(name, i)
            assert is_plain(db.path) is (name == "plain")
            t0 = time.perf_counter()
            result = import_file(db, actor, xlsx, errors_path=tmp / f"errors-{name}-{i}.xlsx")
            times[name].append(time.perf_counter() - t0)
            db.close()
            assert result.imported == rows and len(result.warned) == rows // WARN_EVERY, (
                result.imported, len(result.warned))
    enc, plain = (statistics.median(times[k]) for k in ("encrypted", "plain"))
    _row(table, f"encrypted vs plain: xlsx import ({rows:,} members into a new station, "
         f"median of {turns})", enc, plain, "s", "≤ 1.3×")


# --------------------------------------------------------------------------- push


def bench_push(table, pair: Pair, demo: Path, tmp: Path, turns: int = 2) -> None:
    """A copy of each file pushed whole to a fresh district over HTTP on loopback, in
    turns; medians."""
    from bench.sync_push import bench_env, initial_push, prepare_district, serve

    env = bench_env(tmp)
    times: dict[str, list[float]] = {"plain": [], "encrypted": []}
    pushed: dict[str, int] = {}
    for i in range(turns):
        for name in (("plain", "encrypted") if i % 2 == 0 else ("encrypted", "plain")):
            source = pair.plain if name == "plain" else pair.encrypted
            station = _copy(pair, source, tmp / f"push-{name}-{i}.sqlite3")
            district = tmp / f"district-{name}-{i}.sqlite3"
            code = prepare_district(str(district), demo, env)
            with serve(str(district), env, tmp / f"server-{name}-{i}.log") as url:
                rows, elapsed, _spent = initial_push(station, url, code)
            times[name].append(elapsed)
            pushed[name] = rows
            for path in (station, district):
                for suffix in ("", "-wal", "-shm", ".keys"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
    if pushed["plain"] != pushed["encrypted"]:
        raise RuntimeError(f"the pushes differ: {pushed}")
    enc, plain = (statistics.median(times[k]) for k in ("encrypted", "plain"))
    rows = pushed["plain"]
    table.add(f"encrypted vs plain: initial push over HTTP ({rows:,} rows, median of "
              f"{turns})", f"{enc:.2f} s ({rows / enc:,.0f} rows/s)",
              f"{plain:.2f} s plain ({rows / plain:,.0f} rows/s)", enc / plain, "≤ 1.3×")


# --------------------------------------------------------------------------- login


def bench_login(table, pair: Pair, reps: int) -> None:
    """The key derivation (one wrap unwrapped) and a whole login, medians of ``reps``."""
    from station_app.domain.actor import SYSTEM_LOGIN
    from station_app.domain.services import users
    from station_app.domain.services.login import login
    from station_app.storage import keys
    from station_app.storage.database import open_database
    from station_app.storage.sqlfile import dbapi

    kf = keys.KeyFile.load(keys.key_file_path(pair.encrypted))
    assert kf is not None and kf.wraps.get("admin"), "no key file beside the encrypted file"
    wrap = kf.wraps["admin"][0]
    con = dbapi.connect(str(pair.plain))
    try:
        stored = con.execute("SELECT password_hash FROM users WHERE username = 'admin'"
                             ).fetchone()[0]
    finally:
        con.close()
    unwrap, verify = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        assert wrap.unwrap(PASSWORD) == pair.key
        unwrap.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        assert users.verify_password(PASSWORD, stored)
        verify.append(time.perf_counter() - t0)
    table.add(f"key derivation at login (Wrap.unwrap: scrypt n={wrap.n}, r={wrap.r}, "
              f"p={wrap.p} + HKDF + AES key unwrap; median of {reps})",
              f"{statistics.median(unwrap):.3f} s",
              f"{statistics.median(verify):.3f} s password check",
              statistics.median(unwrap) / statistics.median(verify), "≤ 0.5 s")
    whole, before = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        done = login(pair.encrypted, "admin", PASSWORD)
        whole.append(time.perf_counter() - t0)
        done.db.close()
        t0 = time.perf_counter()
        db = open_database(pair.plain, check=False)
        with db.session(SYSTEM_LOGIN) as s:
            users.authenticate(s, "admin", PASSWORD)
        before.append(time.perf_counter() - t0)
        db.close()
    enc, plain = statistics.median(whole), statistics.median(before)
    table.add(f"whole login (login.login: key file, unwrap, open, authenticate; median of "
              f"{reps})", f"{enc:.3f} s", f"{plain:.3f} s plain (open, authenticate)",
              enc / plain, "≤ 1.3×")


# --------------------------------------------------------------------------- all


def run(table, demo: Path, *, seed: int = 7, rows: int = 10_000, quick: bool = False
        ) -> None:
    """Every figure of the module doc on copies of ``demo`` (the cached demo station)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-encryption-"))
    try:
        pair = _pair(demo, tmp)
        bench_login(table, pair, reps=3 if quick else 7)
        bench_register(table, pair, 60 if quick else 300)
        bench_search(table, pair, 60 if quick else 300)
        bench_import(table, rows, seed, tmp, turns=1 if quick else 3)
        bench_push(table, pair, demo, tmp, turns=1 if quick else 2)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    import argparse

    from bench.__main__ import CACHE, Table, demo_db

    p = argparse.ArgumentParser(prog="python -m bench.encryption")
    p.add_argument("--members", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--rows", type=int, default=10_000, help="rows of the imported roster")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    os.environ.setdefault("STATION_APP_HOME", str(CACHE / "home"))
    t = Table()
    run(t, demo_db(args.members, args.seed), seed=args.seed, rows=args.rows,
        quick=args.quick)
    t.print()
    os._exit(0)
