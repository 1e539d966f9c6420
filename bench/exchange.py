"""Excel out and the work summary.

- Roster export of the 100,000-member demo station (SQL read, labels, title row, widths,
  write-only openpyxl) beside its floor: a bare openpyxl write-only dump of the same rows
  (already in memory) into a workbook, in the same run.
- The work summary (every figure of the catalogue and the targets) for a district of 25
  stations × 20,000 members with a year of visits, ledger and events; floor: one raw
  ``SELECT count(*)`` of the year's visits over the same file.

The district file is made once (cached under bench/.cache): a 20,000-member demo station
cloned 25 times in SQL, each clone with its own station id and its own ids (a per-station
prefix on every id and on every reference to a cloned row). Its members are made like a
district's: each clone's people are its own (another area code), 2 % of them moved from
the station before (their row there marked 转出 on the day of the move, so the district
counts them once), and about 3 % left (退会), 1 % died (去世) and 2 % transferred out of
the district (转出), on days spread over the years since they joined — the membership
figures count persons over all of it.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from station_app.storage.sqlfile import dbapi as sqlite3

STATIONS = 25
PER_STATION = 20_000


def bench_export(table, demo: Path) -> None:
    from openpyxl import Workbook

    from station_app.exchange.xlsx_export import ROSTER_HEADERS, export_roster, roster_rows
    from station_app.storage.database import open_database

    tmp = Path(tempfile.mkdtemp())
    db = open_database(demo, check=False, upgrade=True)
    try:
        with db.reader() as s:
            rows = list(roster_rows(s, db.station_id, as_of=date.today()))
        times, floors = [], []
        for i in range(3):
            t0 = time.perf_counter()
            with db.reader() as s:
                n = export_roster(s, tmp / f"roster{i}.xlsx", db.station_id)
            times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            wb = Workbook(write_only=True)
            ws = wb.create_sheet()
            ws.append([h[0] for h in ROSTER_HEADERS])
            for row in rows:
                ws.append(row)
            wb.save(tmp / f"floor{i}.xlsx")
            floors.append(time.perf_counter() - t0)
    finally:
        db.close()
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()
    t, f = statistics.median(times), statistics.median(floors)
    table.add(f"export: member roster ({n:,} rows, median of 3)", f"{t:.2f} s", f"{f:.2f} s",
              t / f, "≤ 1.2× floor")


def _clone_columns(model) -> tuple[list[str], list[str], list[str]]:
    """(columns whose values are ids of cloned rows, columns naming the owning station,
    other columns naming a station — a visit's target)."""
    ids, owners, other_stations = [], [], []
    for col in model.__table__.columns:
        refs = {fk.column.table.name for fk in col.foreign_keys}
        # (an enterprise's credit code is unique: each clone gets its own, or INSERT OR
        # IGNORE would keep the first station's enterprises only and leave the others'
        # visits pointing nowhere)
        if col.key == "id" or (refs and "stations" not in refs) or col.key == "credit_code":
            ids.append(col.name)
        elif col.key == "station_id":
            owners.append(col.name)
        elif "stations" in refs:
            other_stations.append(col.name)
    return ids, owners, other_stations


def district_db(cache: Path, demo_for) -> Path:
    """The cached 25-station district file (built on first use)."""
    from station_app.domain.actor import SYSTEM_SETUP
    from station_app.domain.ids import DISTRICT_OWNER_ID, station_id_for
    from station_app.domain.models import MODEL_BY_TABLE
    from station_app.domain.services import stations
    from station_app.storage.database import open_database
    from station_app.storage.schema import SCHEMA_HEAD
    from sync.changeset import APPLY_ORDER

    # named by schema revision: a file cloned at an older one is built again, not migrated
    path = cache / f"district-{STATIONS}x{PER_STATION}-members-{SCHEMA_HEAD}.sqlite3"
    if path.exists():
        return path
    source = demo_for(PER_STATION, 11)
    print(f"building the district ({STATIONS} × {PER_STATION:,} members, once) …", flush=True)
    t0 = time.perf_counter()
    tmp = path.with_suffix(".building")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{tmp}{suffix}").unlink(missing_ok=True)
    db = open_database(tmp, create=True)
    db.set_state("station_id", DISTRICT_OWNER_ID)
    codes = [f"S{k:02d}" for k in range(STATIONS)]
    with db.session(SYSTEM_SETUP) as s:
        for k, code in enumerate(codes):
            stations.upsert_station(s, code, f"第{k + 1}社区工联会", is_key=k % 3 == 0)
    db.close()
    con = sqlite3.connect(tmp)
    con.execute("ATTACH DATABASE ? AS src", (str(source),))
    src_station = con.execute(
        "SELECT value FROM src.local_state WHERE key = 'station_id'").fetchone()[0]
    # the source's stations (a visit's target station) become the district's, in turn
    src_stations = [r[0] for r in con.execute("SELECT id FROM src.stations ORDER BY code")]
    to_district = " ".join(f"WHEN '{sid}' THEN '{station_id_for(codes[i % len(codes)])}'"
                           for i, sid in enumerate(src_stations))
    for k, code in enumerate(codes):
        prefix = f"{k:02x}"
        new_station = station_id_for(code)
        for table in APPLY_ORDER:
            if table in ("stations", "targets"):
                continue
            model = MODEL_BY_TABLE[table]
            ids, owners, other_stations = _clone_columns(model)
            select = []
            for col in model.__table__.columns:
                name = col.name
                if name in ids:
                    select.append(f"CASE WHEN {name} IS NULL THEN NULL "
                                  f"ELSE '{prefix}' || substr({name}, 3) END")
                elif name in owners:
                    select.append(f"CASE WHEN {name} = '{src_station}' THEN '{new_station}' "
                                  f"ELSE {name} END")
                elif name in other_stations:
                    select.append(f"CASE {name} {to_district} ELSE NULL END")
                else:
                    select.append(name)
            names = ", ".join(c.name for c in model.__table__.columns)
            con.execute(f"INSERT OR IGNORE INTO main.{table} ({names}) "
                        f"SELECT {', '.join(select)} FROM src.{table}")
        con.commit()
    _district_members(con, codes, station_id_for)
    con.execute("DETACH DATABASE src")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    os.replace(tmp, path)
    print(f"  built in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def _district_members(con: sqlite3.Connection, codes: list[str], station_id_for) -> None:
    """The cloned members made a district's (see the module doc): every station's people
    its own but for the 2 % who moved there from the station before, and statuses."""
    today = date.today().isoformat()
    # the people who moved to an odd-numbered station from the one before (the clones of a
    # source row share its sequence digits at every station)
    mover = "CAST(substr(id_number, 15, 3) AS INTEGER) % 25 = 0"
    for k, code in enumerate(codes):
        sid = station_id_for(code)
        area = f"{11 + k:02d}"  # a province code of the station's own
        moved = mover if k % 2 else "0"
        con.execute(f"UPDATE members SET id_number = CASE WHEN {moved} THEN ? ELSE ? END "
                    "|| substr(id_number, 3) WHERE station_id = ?",
                    (f"{10 + k:02d}", area, sid))
        # leaving statuses, dated between the join date and today
        con.execute(
            "UPDATE members SET status = CASE rowid % 100 WHEN 1 THEN 'left' WHEN 2 THEN "
            "'left' WHEN 3 THEN 'left' WHEN 4 THEN 'deceased' ELSE 'transferred' END, "
            "status_date = min(?, date(coalesce(join_date, '2015-01-01'), "
            "'+' || (rowid % 1500) || ' days')) "
            f"WHERE station_id = ? AND rowid % 100 BETWEEN 1 AND 6 AND NOT ({moved})",
            (today, sid))
        if k % 2:  # the rows the movers left behind: 转出 on the day they moved
            con.execute(
                "UPDATE members SET status = 'transferred', status_date = min(?, "
                "date(coalesce(join_date, '2015-01-01'), '+' || (rowid % 1500) || ' days')) "
                "WHERE station_id = ? AND status = 'active' AND id_number IN "
                f"(SELECT id_number FROM members WHERE station_id = ? AND {moved})",
                (today, station_id_for(codes[k - 1]), sid))
    con.commit()


def bench_summary(table, cache: Path, demo_for) -> None:
    from station_app.domain.services.metrics import compute_summary
    from station_app.storage.database import open_database

    path = district_db(cache, demo_for)
    db = open_database(path, check=False)
    as_of = date.today()
    try:
        with db.reader() as s:
            members = s.connection().exec_driver_sql(
                "SELECT count(*) FROM members").scalar_one()
            compute_summary(s, as_of, None)  # warm the page cache, as a second look would
        times = []
        for _ in range(5):
            with db.reader() as s:
                t0 = time.perf_counter()
                summary = compute_summary(s, as_of, None)
                times.append(time.perf_counter() - t0)
    finally:
        db.close()
    con = sqlite3.connect(path)
    floors = []
    for _ in range(5):
        t0 = time.perf_counter()
        con.execute("SELECT count(*) FROM visits WHERE deleted = 0 AND visit_date >= ? AND "
                    "visit_date <= ?", (date(as_of.year, 1, 1).isoformat(),
                                        as_of.isoformat())).fetchone()
        floors.append(time.perf_counter() - t0)
    con.close()
    t, f = statistics.median(times), statistics.median(floors)
    on_roll = summary.values.get("members_on_roll")
    persons = f", {on_roll:,} on the roll" if on_roll is not None else ""
    table.add(f"work summary, district of {STATIONS} stations ({members:,} members"
              f"{persons}, {summary.values['enterprise_visits']:,} visits this year)",
              f"{t * 1000:.0f} ms", f"{f * 1000:.1f} ms", t / f, "≤ 1 s")


def run(table, demo: Path, cache: Path, demo_for) -> None:
    bench_export(table, demo)
    bench_summary(table, cache, demo_for)


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.__main__ import CACHE, Table, demo_db

    os.environ.setdefault("STATION_APP_HOME", str(CACHE / "home"))
    t = Table()
    run(t, demo_db(100_000, 7), CACHE, demo_db)
    t.print()
