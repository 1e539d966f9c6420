"""Cold start of the client to its main window, beside a bare PySide6 QMainWindow start.

"Cold" means a new process with a warm disk cache. The app is started with the benchmark
login (``--bench-login admin`` with ``STATION_APP_BENCH=1``, which skips the login dialog
and nothing else) and prints ``window-shown`` once the main window is on screen; the time
is measured from process start to that line. Peak memory is the child's maximum RSS.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

BARE = """
import sys
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow(); w.resize(1200, 760); w.show(); app.processEvents()
print("window-shown", flush=True)
"""


def _time_until_shown(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "window-shown":
            break
    elapsed = time.perf_counter() - t0
    proc.wait(timeout=120)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(after, before) / 1024  # KiB → MiB (Linux reports KiB)


def run(table, db_path: Path, reps: int = 7) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "STATION_APP_BENCH": "1",
           "STATION_APP_HOME": str(db_path.parent / "home")}
    app_cmd = [sys.executable, "-m", "station_app", "--db", str(db_path), "--bench-login",
               "admin", "--quit-after-show"]
    bare_cmd = [sys.executable, "-c", BARE]
    _time_until_shown(app_cmd, env)  # warm the disk cache and byte-code
    _time_until_shown(bare_cmd, env)
    app_times, bare_times, peaks = [], [], []
    for _ in range(reps):
        t, _rss = _time_until_shown(bare_cmd, env)
        bare_times.append(t)
        # RUSAGE_CHILDREN keeps the maximum over all children: measure the app in a
        # separate grandchild so its peak is its own.
        probe = subprocess.run(
            [sys.executable, "-c",
             "import resource, subprocess, sys, time; t=time.perf_counter();"
             "p=subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, text=True);"
             "[None for l in p.stdout if l.strip()=='window-shown' and "
             "print(time.perf_counter()-t, flush=True)];"
             "p.wait(); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
             *app_cmd], capture_output=True, text=True, env=env, timeout=180)
        shown, peak = probe.stdout.split()[:2]
        app_times.append(float(shown))
        peaks.append(int(peak) / 1024)
    app_med, bare_med = statistics.median(app_times), statistics.median(bare_times)
    table.add("cold start to main window (median)", f"{app_med * 1000:.0f} ms",
              f"{bare_med * 1000:.0f} ms", app_med / bare_med, "≤ 3× bare")
    table.add("cold start peak memory", f"{max(peaks):.0f} MiB", "", None, "≤ 150 MiB")
