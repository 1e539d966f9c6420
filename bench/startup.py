"""Cold start of the client through its real login, beside a bare PySide6 QMainWindow start.

"Cold" means a new process with a warm disk cache. Each start is a new process running
``bench/startup_harness.py``: the unchanged client (``station_app.app.main(["--db",
FILE])``, offscreen), driven from outside the product as a clerk would drive it — the
harness waits for the login dialog on screen, types the demo's user name and password into
its fields and clicks OK, so the password is checked by ``authenticate``; a refused login
fails the bench. The client has no flag or switch that skips the login.

Figures, medians over ``reps`` starts after one warm-up start of each:

- process start → login dialog on screen, beside a bare ``QMainWindow`` process started and
  shown the same way (same harness, same event filter) in the same run;
- login (OK clicked) → main window on screen with its first page built on the database;
- the client's peak memory (VmHWM) up to that moment, the highest of the runs.

Times are differences of CLOCK_MONOTONIC readings: the parent's just before it spawns the
child, the child's at each mark (see ``startup_harness.now``).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HARNESS = Path(__file__).with_name("startup_harness.py")
USER, PASSWORD = "admin", "bench-pass-1"  # the demo station's (bench/__main__.py: demo_db)


def _start(args: list[str], env: dict[str, str], credentials: str = "") -> dict[str, tuple]:
    """One harness process: its marks as {event: (seconds after spawn, fields)}."""
    cmd = [sys.executable, str(HARNESS), *args]
    t0 = time.clock_gettime(time.CLOCK_MONOTONIC)
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        out, err = proc.communicate(credentials, timeout=90)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise RuntimeError(f"startup harness timed out: {' '.join(args)}") from None
    marks: dict[str, tuple] = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "harness":
            fields = dict(p.split("=", 1) for p in parts[3:] if "=" in p)
            if parts[1] in ("login-failed", "page-broken"):
                fields = {"message": line.split("message=", 1)[-1]}
            marks[parts[1]] = (float(parts[2]) - t0, fields)
    if proc.returncode != 0 or "window-ready" not in marks:
        if "login-failed" in marks:
            raise RuntimeError("startup: the client refused the login "
                               f"({marks['login-failed'][1]['message']})")
        if "page-broken" in marks:
            raise RuntimeError(f"startup: {marks['page-broken'][1]['message']}")
        tail = " | ".join(err.strip().splitlines()[-5:])
        raise RuntimeError(f"startup harness exited {proc.returncode} without the window "
                           f"({' '.join(args)}): {out.strip()[-300:]} {tail}")
    return marks


def run(table, db_path: Path, reps: int = 7, *, password: str = PASSWORD) -> None:
    # QSettings (last page, window geometry, a pending restore) in a folder of the bench,
    # so neither the user's settings nor an earlier bench's leak into the figures
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "STATION_APP_HOME": str(db_path.parent / "home"),
           "XDG_CONFIG_HOME": str(db_path.parent / "config")}
    app_args = ["--db", str(db_path)]
    credentials = f"{USER}\n{password}\n"
    _start(app_args, env, credentials)  # warm the disk cache and byte-code
    _start(["--bare"], env)
    to_login, to_window, bare, peaks = [], [], [], []
    for _ in range(reps):
        bare.append(_start(["--bare"], env)["window-ready"][0])
        marks = _start(app_args, env, credentials)
        if marks["window-ready"][1].get("user") != USER:
            raise RuntimeError(f"startup: the main window opened for {marks['window-ready'][1]}")
        to_login.append(marks["login-shown"][0])
        to_window.append(marks["window-ready"][0] - marks["login-submitted"][0])
        peaks.append(int(marks["window-ready"][1]["peak_kib"]) / 1024)
    login_med, bare_med = statistics.median(to_login), statistics.median(bare)
    window_med = statistics.median(to_window)
    table.add("cold start: process start → login dialog shown (median)",
              f"{login_med * 1000:.0f} ms", f"{bare_med * 1000:.0f} ms", login_med / bare_med,
              "≤ 2× bare")
    table.add("cold start: login → main window with its first page (median)",
              f"{window_med * 1000:.0f} ms", "", None, "reported")
    table.add("cold start peak memory (to the main window)", f"{max(peaks):.0f} MiB", "",
              None, "≤ 150 MiB")
