"""The command lines as district IT scripts them: fresh processes on small files, beside
``sqlite-utils tables`` on the same file in the same run.

Built once per run, in a temporary folder, with the installed commands themselves: a small
demo station (``station-admin demo --members 200``); a small district
(``district-server init``, ``enroll`` of the station, the station's ``sync-export`` file
read by ``district-server import-bundle``); a 10-row roster workbook (the 12 columns of
``bench/xlsx_import.py``). Then, in rounds (each command once a round, so a disturbance of
the shared machine falls on all of them alike), after one warm-up run of each (the files in
the page cache; the bytecode written, as an installed package has it):

- the floor: ``sqlite-utils tables`` on a plain copy of the station (Python, a CLI
  framework, SQLite, one query);
- ``station-admin report --db STATION --as-of TODAY --json``;
- ``district-server status --db DISTRICT``;
- ``station-admin import --db COPY ROSTER``: 10 new members into a fresh copy of the
  station file, copied before the clock starts; the copy lives in the same folder each
  time, so the day's backup (made by the first write of a day) was made by the warm-up,
  as for every import of the day after the first.

The station file is encrypted (``demo`` makes it so) and every ``station-admin`` command
logs in as scripts do: ``STATION_USER`` and ``STATION_PASSWORD`` in the environment. A
login derives the key that unwraps the data key from the password (scrypt, the cost of
the users' password hashes), once: the same derivation proves the password against the
user's hash. ``report`` (figures only) logs in lightly — that derivation, then the file
read with SQLite alone — and ``import`` fully (SQLAlchemy, the audit record). That
derivation alone (``keys.Wrap.unwrap``, in this process) is shown apart, beside the
figures it is part of.

Each figure is the median of ``reps`` rounds, from just before the process is started to
its exit, with its ratio to the floor's median and the target (≤ 2×, ≤ 2×, ≤ 3×).

    python -m bench.cli [--reps 7]
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

MEMBERS = 200
ROSTER_ROWS = 10
TARGETS = {"report": 2.0, "status": 2.0, "import": 3.0}
ADMIN, PASSWORD = "admin", "bench-pass-1"


def _command(name: str, module: str) -> list[str]:
    """The installed console script beside this interpreter (what scripts call), else the
    module run by this interpreter."""
    script = Path(sys.executable).with_name(name)
    return [str(script)] if script.exists() else [sys.executable, "-m", module]


STATION_ADMIN = _command("station-admin", "station_app.cli")
DISTRICT_SERVER = _command("district-server", "sync.server.cli")
SQLITE_UTILS = _command("sqlite-utils", "sqlite_utils")


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # an installed package has its bytecode; let the warm-up runs write it here too
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.setdefault("STATION_APP_HOME", tempfile.mkdtemp(prefix="bench-cli-home-"))
    # station-admin's credentials, as a script passes them (never as an argument)
    env["STATION_USER"], env["STATION_PASSWORD"] = ADMIN, PASSWORD
    return env


def _run(cmd: list[str], env: dict[str, str], stdin: str | None = None) -> str:
    result = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env,
                            timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}): "
                           f"{result.stderr.strip()[-500:]}")
    return result.stdout


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    result = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True, env=env, timeout=300)
    elapsed = time.perf_counter() - t0
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({result.returncode}): "
                           f"{result.stderr.strip()[-500:]}")
    return elapsed


def build(tmp: Path, env: dict[str, str]) -> tuple[Path, Path, Path]:
    """(station file, district file, roster workbook), made with the commands."""
    from bench.xlsx_import import workbook

    station, district = tmp / "station.sqlite3", tmp / "district.sqlite3"
    _run([*STATION_ADMIN, "demo", "--db", str(station), "--members", str(MEMBERS),
          "--seed", "7", "--admin-password", PASSWORD], env)
    _run([*DISTRICT_SERVER, "init", "--db", str(district), "--admin", "boss",
          "--password-stdin"], env, stdin="bench-pass-1\n")
    out = _run([*DISTRICT_SERVER, "enroll", "KY01", "--db", str(district),
                "--name", "葵涌社区工联会"], env)
    secret = next(line.split(": ", 1)[1] for line in out.splitlines()
                  if line.startswith("bundle secret"))
    bundle = tmp / "ky01.bundle"
    _run([*STATION_ADMIN, "sync-export", "--db", str(station), "--bundle-secret", secret,
          str(bundle)], env)
    _run([*DISTRICT_SERVER, "import-bundle", str(bundle), "--db", str(district)], env)
    roster = tmp / "roster.xlsx"
    shutil.copy(workbook(ROSTER_ROWS, 11), roster)
    return station, district, roster


def key_derivation_ms(station: Path, reps: int) -> float:
    """The median time of unwrapping the station's data key with the admin's password
    (``keys.Wrap.unwrap``: scrypt, then AES key unwrap), in this process."""
    from station_app.storage import keys

    wrap = keys.KeyFile.load(keys.key_file_path(station)).wraps[ADMIN][0]
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        assert wrap.unwrap(PASSWORD) is not None
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def plain_copy(station: Path, target: Path) -> Path:
    """A plain copy of the (encrypted) station file, for the floor: ``sqlite-utils`` is the
    standard library's SQLite, which cannot read an encrypted file; the same data and
    size, read by the same one query, keeps the floor what it was."""
    from station_app.storage import keys, sqlfile

    key = keys.KeyFile.load(keys.key_file_path(station)).unwrap(ADMIN, PASSWORD)
    con = sqlfile.connect(station, key=key)
    try:
        con.execute("ATTACH DATABASE ? AS plain KEY ''", (str(target),))
        con.execute("SELECT sqlcipher_export('plain')")
        con.execute("DETACH DATABASE plain")
    finally:
        con.close()
    return target


def run(table, *, reps: int = 7) -> None:
    env = _env()
    tmp = Path(tempfile.mkdtemp(prefix="bench-cli-"))
    try:
        station, district, roster = build(tmp, env)
        work = tmp / "work"
        work.mkdir()
        plain = plain_copy(station, tmp / "plain.sqlite3")
        copy = work / "station.sqlite3"

        def fresh_copy() -> None:
            for suffix in ("-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
            shutil.copy(station, copy)
            shutil.copy(f"{station}.keys", f"{copy}.keys")

        commands = {
            "floor": [*SQLITE_UTILS, "tables", str(plain)],
            "report": [*STATION_ADMIN, "report", "--db", str(station), "--as-of",
                       date.today().isoformat(), "--json"],
            "status": [*DISTRICT_SERVER, "status", "--db", str(district)],
            "import": [*STATION_ADMIN, "import", "--db", str(copy), str(roster)],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for round_ in range(reps + 1):  # round 0 warms up
            for name, cmd in commands.items():
                if name == "import":
                    fresh_copy()
                elapsed = _timed(cmd, env)
                if round_:
                    times[name].append(elapsed)
        med = {name: statistics.median(values) * 1000 for name, values in times.items()}
        floor = med["floor"]
        floor_text = f"{floor:.0f} ms (sqlite-utils tables)"
        for name, figure in (
            ("report", f"cli: station-admin report --json ({MEMBERS} members), median of {reps}"),
            ("status", f"cli: district-server status (1 station, {MEMBERS} members)"),
            ("import", f"cli: station-admin import, {ROSTER_ROWS}-row .xlsx"),
        ):
            ratio = med[name] / floor
            target = TARGETS[name]
            verdict = f"≤ {target:g}×" + ("" if ratio <= target else " — **not met**")
            table.add(figure, f"{med[name]:.0f} ms", floor_text, ratio, verdict)
        derive = key_derivation_ms(station, reps)
        table.add("cli: the login's key derivation alone (keys.Wrap.unwrap, part of report "
                  "and import)", f"{derive:.0f} ms", "—", None, "≤ 500 ms"
                  + ("" if derive <= 500 else " — **not met**"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    import argparse

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.__main__ import Table

    p = argparse.ArgumentParser(prog="python -m bench.cli")
    p.add_argument("--reps", type=int, default=7)
    args = p.parse_args()
    t = Table()
    run(t, reps=args.reps)
    t.print()
