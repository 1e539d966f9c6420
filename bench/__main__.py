"""``make bench``: each figure beside its floor, measured in the same run.

The machines are shared and noisy, so every figure is printed next to a floor — the raw
library or SQL doing the same work — and the ratio between them. Medians and p95s over
many repetitions; the demo station is built once and cached under bench/.cache/.

    python -m bench [--members 100000] [--seed 7] [--quick] [--only sync]

``--only`` takes bench names or groups (station, ui, sync), comma-separated; e.g.
``--only sync-clients --clients 10`` iterates on one sync bench without the UI ones.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from station_app.storage.sqlfile import dbapi as sqlite3

CACHE = Path(__file__).with_name(".cache")


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def demo_db(members: int, seed: int) -> Path:
    """The cached demo station database (built on first use)."""
    from station_app.demo import build_demo
    from station_app.domain.services.setup import init_station
    from station_app.storage.database import open_database

    CACHE.mkdir(exist_ok=True)
    from station_app.storage.schema import SCHEMA_HEAD

    # named by schema revision: a demo of an older schema is built again (the benches
    # measure today's file, and a clone of an old one may lack today's tables)
    path = CACHE / f"demo-{members}-{seed}-{SCHEMA_HEAD}.sqlite3"
    if path.exists():
        return path
    tmp = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    print(f"building the demo station ({members:,} members, once; cached in {CACHE}) …",
          flush=True)
    t0 = time.perf_counter()
    db = open_database(tmp, create=True)
    init_station(db, "KY01", "葵涌社区工联会", "admin", "bench-pass-1")
    build_demo(db, members_count=members, seed=seed)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    os.replace(tmp, path)
    print(f"  built in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, figure: str, value: str, floor: str, ratio: float | None, target: str) -> None:
        self.rows.append((figure, value, floor, f"{ratio:.1f}×" if ratio else "", target))
        print(f"  {figure}: {value} (floor {floor})", flush=True)

    def print(self) -> None:
        head = ("figure", "measured", "floor (same run)", "ratio", "target")
        widths = [max(len(r[i]) for r in [head, *self.rows]) for i in range(5)]
        line = "  ".join(f"{{:<{w}}}" for w in widths)
        print()
        print(line.format(*head))
        print(line.format(*("-" * w for w in widths)))
        for r in self.rows:
            print(line.format(*r))


def _valid_id(rng: random.Random) -> str:
    from station_app.domain.validation import id_check_char

    body = f"440305{rng.randrange(1965, 2004)}{rng.randrange(1, 13):02d}" \
           f"{rng.randrange(1, 29):02d}{rng.randrange(1000):03d}"
    return body + id_check_char(body)


def bench_register(path: Path, table: Table, n: int) -> None:
    """One member registered through the service (a whole unit of work) vs a raw INSERT."""
    from station_app.domain.actor import Actor
    from station_app.domain.services.members import register_member
    from station_app.storage.database import open_database

    work = Path(tempfile.mkdtemp()) / "reg.sqlite3"
    shutil.copy(path, work)
    rng = random.Random(3)
    db = open_database(work, check=False)
    actor = Actor("bench", "station_admin", 1, "bench")
    # warm-up: imports, pinyin tables, statement caches
    for _ in range(20):
        with db.session(actor) as s:
            register_member(s, {"name": "王小明", "id_number": _valid_id(rng),
                                "phone": "13800138000"})
    times = []
    for i in range(n):
        data = {"name": "张" + "伟芳娜秀英"[i % 5], "id_number": _valid_id(rng),
                "phone": f"139{rng.randrange(10**8):08d}", "join_date": "2020-05-01"}
        t0 = time.perf_counter()
        with db.session(actor) as s:
            register_member(s, data)
        times.append(time.perf_counter() - t0)
    db.close()
    # floor: the same row written with sqlite3 in its own transaction (WAL, same pragmas)
    con = sqlite3.connect(work, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    floor = []
    for i in range(n):
        row = (f"bench-{i}", "x", "0000000000000-00000-x", "张伟", _valid_id(rng), "M",
               "1990-01-01", "13900000000", "active")
        t0 = time.perf_counter()
        con.execute("BEGIN")
        con.execute("INSERT INTO members (id, station_id, hlc, deleted, name, id_number, gender,"
                    " birth_date, phone, status, migrant_worker) "
                    "VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, 0)", row)
        con.execute("COMMIT")
        floor.append(time.perf_counter() - t0)
    con.close()
    shutil.rmtree(work.parent, ignore_errors=True)
    med, fmed = statistics.median(times) * 1000, statistics.median(floor) * 1000
    table.add("register member (service, median)", f"{med:.2f} ms", f"{fmed:.2f} ms",
              med / fmed, "≤ 5 ms")


SEARCH_FLOORS = {
    # The least raw SQL that finds a page of the same rows: one index read, no ranking.
    "name substring": "SELECT id, name FROM members WHERE deleted = 0 AND instr(name, ?) > 0 "
                      "ORDER BY name LIMIT 50",
    "pinyin initials": "SELECT m.id, m.name FROM member_name_keys k JOIN members m "
                       "ON m.name = k.name WHERE k.key >= ? AND k.key < ? AND m.deleted = 0 "
                       "LIMIT 50",
    # (no ORDER BY: SQLite would walk the name index and read every row to find few)
    "ID digits (4+)": "SELECT id FROM members WHERE deleted = 0 AND instr(id_number, ?) > 0",
    "phone prefix": "SELECT id, name FROM members WHERE deleted = 0 AND phone >= ? "
                    "AND phone < ? ORDER BY name LIMIT 50",
    # the last digits: a range of the reversed number's index
    "phone tail": "SELECT id, name FROM members WHERE deleted = 0 AND phone_tail >= ? "
                  "AND phone_tail < ? LIMIT 50",
    "given-name pinyin": "SELECT m.id, m.name FROM member_name_keys k JOIN members m "
                         "ON m.name = k.name WHERE k.key >= ? AND k.key < ? AND k.rank = 1 "
                         "AND m.deleted = 0 LIMIT 50",
}
# the kinds whose floor reads a range [q, q_next) of a key (the tail's reversed)
RANGE_FLOORS = {"pinyin initials", "phone prefix", "given-name pinyin"}


def search_queries(con, n: int) -> dict[str, list[str]]:
    """What clerks type into the search box, per kind, drawn from ``n`` members of the
    file ``con`` is open on (the same draw for every bench that searches)."""
    from station_app.domain.pinyin import GIVEN, ranked_keys, search_keys

    sample = con.execute("SELECT name, id_number, phone FROM members WHERE phone IS NOT NULL "
                         "ORDER BY random() LIMIT ?", (n,)).fetchall()
    rng = random.Random(5)
    return {
        "name substring": [name[rng.randrange(len(name))] if rng.random() < 0.5 else name[:2]
                           for name, _, _ in sample],
        "pinyin initials": [min(search_keys(name), key=len) for name, _, _ in sample],
        "ID digits (4+)": [idn[-rng.choice([4, 6, 8]):] for _, idn, _ in sample],
        "phone prefix": [phone[: rng.choice([4, 5, 7])] for _, _, phone in sample],
        "phone tail": [phone[-rng.choice([4, 5, 6]):] for _, _, phone in sample],
        # the given name's full spelling ("xiaoming" for 王小明)
        "given-name pinyin": [max((k for k, r in ranked_keys(name) if r == GIVEN), key=len,
                                  default=min(search_keys(name), key=len))
                              for name, _, _ in sample],
    }


def bench_search(path: Path, table: Table, n: int) -> None:
    from station_app.domain.pinyin import prefix_upper_bound
    from station_app.domain.services.members import search_members
    from station_app.storage.database import open_database

    con = sqlite3.connect(path)
    queries = search_queries(con, n)
    db = open_database(path, check=False)
    for kind, qs in queries.items():
        with db.reader() as s:
            for q in qs[:10]:  # warm-up
                search_members(s, q)
            times = []
            for q in qs:
                t0 = time.perf_counter()
                hits = search_members(s, q)
                times.append(time.perf_counter() - t0)
                assert hits, f"{kind}: nothing found for {q!r}"
        sql = SEARCH_FLOORS[kind]
        floor = []
        for q in qs:
            if kind in RANGE_FLOORS:
                params = (q, prefix_upper_bound(q))
            elif kind == "phone tail":
                params = (q[::-1], prefix_upper_bound(q[::-1]))
            else:
                params = (q,)
            t0 = time.perf_counter()
            con.execute(sql, params).fetchall()
            floor.append(time.perf_counter() - t0)
        p95, fp95 = _percentile(times, 95) * 1000, _percentile(floor, 95) * 1000
        table.add(f"search p95: {kind}", f"{p95:.2f} ms", f"{fp95:.2f} ms", p95 / fp95,
                  "≤ 30 ms")
    db.close()
    con.close()


def bench_bulk(table: Table, n: int) -> None:
    """The bulk path (validate, stamp, queue, audit, pinyin keys) vs a raw executemany."""
    from station_app.domain.actor import Actor
    from station_app.domain.ids import uuid7
    from station_app.domain.services.members import bulk_register_members, clean_member
    from station_app.domain.services.setup import init_station
    from station_app.storage.database import open_database

    rng = random.Random(11)
    seen: set[str] = set()
    rows = []
    while len(rows) < n:
        idn = _valid_id(rng)
        if idn in seen:
            continue
        seen.add(idn)
        rows.append({"name": rng.choice("王李张刘陈杨黄赵吴周") + rng.choice("伟芳娜秀英敏静丽强磊"),
                     "id_number": idn, "phone": f"138{rng.randrange(10**8):08d}",
                     "join_date": "2019-03-01", "ethnicity": "汉"})
    tmp = Path(tempfile.mkdtemp())
    db = open_database(tmp / "bulk.sqlite3", create=True)
    init_station(db, "KY01", "葵涌社区工联会", "admin", "bench-pass-1")
    actor = Actor("bench", "station_admin", 1, "bench")
    t0 = time.perf_counter()
    with db.session(actor) as s:
        result = bulk_register_members(s, rows)
    elapsed = time.perf_counter() - t0
    assert len(result.inserted) == n, result.rejected[:3]
    db.close()
    # floor: the same rows, already clean, with one executemany in one transaction
    floor_db = open_database(tmp / "floor.sqlite3", create=True)
    floor_db.close()
    cleaned = [clean_member(r).values for r in rows[:10]]  # shape only
    con = sqlite3.connect(tmp / "floor.sqlite3", isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    raw = [(uuid7(), "s", "0000000000000-00000-x", r["name"], r["id_number"], "M",
            "1990-01-01", r["phone"], "2019-03-01", "汉", "active") for r in rows]
    assert cleaned
    t0 = time.perf_counter()
    con.execute("BEGIN")
    con.executemany("INSERT INTO members (id, station_id, hlc, deleted, name, id_number, gender,"
                    " birth_date, phone, join_date, ethnicity, status, migrant_worker) "
                    "VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, 0)", raw)
    con.execute("COMMIT")
    floor = time.perf_counter() - t0
    con.close()
    shutil.rmtree(tmp, ignore_errors=True)
    table.add(f"bulk path ({n:,} members)", f"{n / elapsed:,.0f} members/s",
              f"{n / floor:,.0f} rows/s", (n / floor) / (n / elapsed), "reported")


BENCHES = ("register", "search", "bulk", "startup", "members-page", "gui-stall", "sync-push",
           "sync-pg", "sync-clients", "import", "export", "summary", "summary-pg", "cli",
           "encryption")
GROUPS = {"station": ("register", "search", "bulk"),
          "ui": ("startup", "members-page", "gui-stall"),
          "sync": ("sync-push", "sync-pg", "sync-clients"),
          "exchange": ("import", "export", "summary", "summary-pg"), "cli": ("cli",)}


def _selected(only: str | None) -> list[str]:
    if not only:
        return list(BENCHES)
    chosen: set[str] = set()
    for name in (n.strip() for n in only.split(",") if n.strip()):
        if name in GROUPS:
            chosen.update(GROUPS[name])
        elif name in BENCHES:
            chosen.add(name)
        else:
            raise SystemExit(f"--only: unknown bench {name!r} "
                             f"(choose from {', '.join([*GROUPS, *BENCHES])})")
    return [b for b in BENCHES if b in chosen]


def _interrupted(signum, _frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("--members", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run)")
    p.add_argument("--only", metavar="NAME[,NAME]",
                   help="run only these benches or groups: " + ", ".join([*GROUPS, *BENCHES]))
    p.add_argument("--clients", type=int, default=None,
                   help="stations syncing at once in sync-clients (default 50; 20 --quick)")
    p.add_argument("--sync-workers", type=int, default=1,
                   help="district-server serve --workers for sync-clients (default 1)")
    args = p.parse_args(argv)
    benches = _selected(args.only)
    # a TERM (or an INTERRUPT) unwinds like an exception, so every bench stops the servers,
    # clusters and client processes it started
    signal.signal(signal.SIGTERM, _interrupted)
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:  # started in the background
        signal.signal(signal.SIGINT, _interrupted)
    os.environ.setdefault("STATION_APP_HOME", str(CACHE / "home"))
    reps = 50 if args.quick else 300
    table = Table()
    failed: list[str] = []
    print(f"Station app benchmarks — {date.today()} — python {sys.version.split()[0]}, "
          f"sqlite {sqlite3.sqlite_version}, {os.cpu_count()} cpu(s)")
    path = demo_db(args.members, args.seed)
    if "register" in benches:
        bench_register(path, table, reps)
    if "search" in benches:
        bench_search(path, table, reps)
    if "bulk" in benches:
        bench_bulk(table, min(args.members, 20_000 if args.quick else 50_000))
    if "startup" in benches or "members-page" in benches:
        work = Path(tempfile.mkdtemp()) / "start.sqlite3"
        shutil.copy(path, work)
        # as a clerk's laptop holds it: encrypted, its key file beside it (the conversion
        # an older version's file gets at its first login); the key stays registered in
        # this process for the members-page bench, the client logs in for itself
        from station_app.domain.services.login import encrypt_plain_file
        from station_app.storage.database import open_database

        encrypted, _recovery = encrypt_plain_file(open_database(work, check=False))
        encrypted.close()
        if "startup" in benches:
            from bench import startup

            startup.run(table, work, reps=3 if args.quick else 7)
        if "members-page" in benches:
            from bench import members_page

            members_page.run(table, work, reps=50 if args.quick else 200)
        shutil.rmtree(work.parent, ignore_errors=True)

    def guarded(name: str, bench, *bench_args, **kwargs) -> None:
        # a failing sync bench is reported in the table; the others still run, and every
        # server, cluster and client process was stopped by the bench itself
        t0 = time.perf_counter()
        try:
            bench(table, *bench_args, **kwargs)
        except Exception as exc:
            import traceback

            traceback.print_exc()
            failed.append(name)
            table.add(f"{name}: FAILED", f"{type(exc).__name__}: {exc}"[:200], "", None, "")
        print(f"  ({name}: {time.perf_counter() - t0:.0f} s)", flush=True)

    if "gui-stall" in benches:
        from bench import gui_stall

        guarded("gui-stall", gui_stall.run, path, args.members, args.seed)
    if "sync-push" in benches:
        from bench import sync_push

        small = demo_db(max(1_000, args.members // 10), args.seed)
        guarded("sync-push", sync_push.run, path, small, rounds=3 if args.quick else 5)
    if "sync-pg" in benches:
        from bench import sync_pg

        guarded("sync-pg", sync_pg.run, path)
    if "sync-clients" in benches:
        from bench import sync_clients

        clients = args.clients or (20 if args.quick else 50)
        guarded("sync-clients", sync_clients.run, stations=clients,
                rows=500 if args.quick else 1_000, workers=args.sync_workers)
    if "import" in benches:
        from bench import xlsx_import

        guarded("import", xlsx_import.run, args.members, args.seed, reps=1 if args.quick else 2)
    if "export" in benches:
        from bench import exchange

        guarded("export", exchange.bench_export, path)
    if "summary" in benches:
        from bench import exchange

        guarded("summary", exchange.bench_summary, CACHE, demo_db)
    if "summary-pg" in benches:
        from bench import summary_pg

        guarded("summary-pg", summary_pg.run, reps=3 if args.quick else 5)
    if "cli" in benches:
        from bench import cli

        guarded("cli", cli.run, reps=3 if args.quick else 7)
    if "encryption" in benches:  # encrypted vs plain station file (bench/encryption.py)
        from bench import encryption

        guarded("encryption", encryption.run, path, seed=args.seed, quick=args.quick)
    table.print()
    # PySide6 objects made by the UI benches can crash CPython's final garbage collection
    # (a known shutdown-order problem); the figures are printed, so leave at once.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1 if failed else 0)


if __name__ == "__main__":
    sys.exit(main())
