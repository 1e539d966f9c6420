"""The members page on a 100,000-member station: first paint, scrolling to the end,
memory growth, and search from the debounce firing to the results on screen.

Offscreen, in this process, on a copy of the cached demo station. Floors, measured in the
same run: a ``QTableView`` over a ``QStandardItemModel`` with the same visible rows (first
paint), one raw ``SELECT`` of every id in name order (scrolling to the end), and the
search service alone (search).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from station_app.storage import sqlfile


def _rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run(table, db_path: Path, reps: int = 100) -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from station_app.domain.actor import Actor
    from station_app.domain.pinyin import search_keys
    from station_app.domain.services.members import search_members
    from station_app.storage.database import open_database
    from station_app.ui.context import AppContext
    from station_app.ui.i18n import setup_fonts
    from station_app.ui.pages.members import MembersPage
    from station_app.ui.qt import (
        QApplication,
        QEventLoop,
        QSettings,
        QStandardItem,
        QStandardItemModel,
        QTableView,
        QTimer,
    )
    from station_app.ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(["bench"])
    setup_fonts(app)  # the fonts the app paints with (a CJK face where there is one)
    db = open_database(db_path, check=False)
    settings = QSettings(str(Path(tempfile.mkdtemp()) / "s.ini"), QSettings.Format.IniFormat)
    ctx = AppContext(db=db, actor=Actor("admin", "station_admin", 1, "admin"), lang="zh",
                     tasks=TaskRunner(db), settings=settings)
    # warm-up: imports, statement caches, page cache
    warm = MembersPage(ctx)
    warm.resize(1200, 760)
    warm.show()
    warm.activate()
    app.processEvents()
    warm.table.viewport().grab()
    warm.close()
    warm.deleteLater()
    app.processEvents()

    # first rows painted
    rss0 = _rss_mib()
    t0 = time.perf_counter()
    page = MembersPage(ctx)
    page.resize(1200, 760)
    page.show()
    page.activate()
    app.processEvents()
    page.table.viewport().grab()
    first = time.perf_counter() - t0
    assert page.model.rowCount() > 0
    visible = max(1, page.table.viewport().height() // page.table.verticalHeader()
                  .defaultSectionSize())
    rows = [page.model.row_data(r) for r in range(min(visible, page.model.rowCount()))]
    t0 = time.perf_counter()
    floor_model = QStandardItemModel(len(rows), len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            floor_model.setItem(r, c, QStandardItem("" if value is None else str(value)))
    view = QTableView()
    view.setModel(floor_model)
    view.resize(page.table.size())
    view.show()
    app.processEvents()
    view.viewport().grab()
    floor_first = time.perf_counter() - t0
    view.close()
    table.add("members page: first rows painted", f"{first * 1000:.0f} ms",
              f"{floor_first * 1000:.0f} ms", first / floor_first, "≤ 150 ms")

    # scrolling to the end; each keyset page is read on the GUI thread (the one
    # exception to "reads off the GUI thread"): the longest must stay under a frame
    pages_ms: list[float] = []
    t0 = time.perf_counter()
    while page.model.canFetchMore():
        t1 = time.perf_counter()
        page.model.fetchMore()
        pages_ms.append((time.perf_counter() - t1) * 1000)
        page.table.scrollToBottom()
        app.processEvents()
    page.table.scrollToBottom()
    app.processEvents()
    page.table.viewport().grab()
    scroll = time.perf_counter() - t0
    growth = _rss_mib() - rss0
    con = sqlfile.connect(db_path)  # the raw driver, keyed as the file (the floor)
    t0 = time.perf_counter()
    n = len(con.execute("SELECT id FROM members WHERE deleted = 0 ORDER BY name_sort, name, id").fetchall())
    floor_scroll = time.perf_counter() - t0
    assert page.model.rowCount() == n, (page.model.rowCount(), n)
    table.add(f"members page: scroll to the end ({n:,})", f"{scroll * 1000:.0f} ms",
              f"{floor_scroll * 1000:.0f} ms", scroll / floor_scroll, "≤ 1 s")
    table.add("members page: memory growth", f"{growth:.0f} MiB", "", None, "≤ 80 MiB")
    # the other reads of the GUI thread: the first page with the count, a chunk of rows
    first_ms = []
    for _ in range(5):
        t1 = time.perf_counter()
        page.model.reload()
        first_ms.append((time.perf_counter() - t1) * 1000)
    chunk_ms = []
    for start in range(0, min(page.model.rowCount(), 5000), 1000):
        page.model.refresh_rows()
        t1 = time.perf_counter()
        page.model.row_data(start)
        chunk_ms.append((time.perf_counter() - t1) * 1000)
    table.add(f"members page: longest keyset page on the GUI thread ({len(pages_ms)} pages)",
              f"{max(pages_ms):.1f} ms", "", None, "≤ 16 ms")
    table.add("members page: first page and count on the GUI thread, longest of 5",
              f"{max(first_ms):.1f} ms", "", None, "≤ 16 ms")
    table.add("members page: a chunk of rows on the GUI thread, longest",
              f"{max(chunk_ms):.1f} ms", "", None, "≤ 16 ms")

    # search: from the debounce firing to the results painted
    sample = con.execute("SELECT name, id_number, phone FROM members WHERE phone IS NOT NULL "
                         "ORDER BY random() LIMIT ?", (reps,)).fetchall()
    con.close()
    rng = random.Random(9)
    queries = []
    for name, idn, phone in sample:
        q = rng.choice([name[:1], min(search_keys(name), key=len), idn[-6:], phone[:7]])
        if not queries or q != queries[-1]:  # (the same text again types nothing)
            queries.append(q)
    times, complete, floor = [], [], []
    # Time from the debounce timer firing, in the app's own flow: the text is typed (the
    # signal starts the debounce), the event loop idles through the debounce as it would
    # between keystrokes, and the mark is taken by a slot connected ahead of the search.
    fired: list[float] = []
    timer = page._search_timer
    timer.timeout.disconnect(page._run_search)
    timer.timeout.connect(lambda: fired.append(time.perf_counter()))
    timer.timeout.connect(page._run_search)
    for q in queries:
        fired.clear()
        loop = QEventLoop()
        page.model.modelReset.connect(loop.quit)
        page.search.setText(q)
        loop.exec()  # through the debounce, the search, and the reset of the model
        page.model.modelReset.disconnect(loop.quit)
        assert page.model.query == q and fired, (q, page.model.query)
        page.table.viewport().grab()  # the results painted
        times.append(time.perf_counter() - fired[0])
        while page.searching:  # the substring pass, when the query has one
            idle = QEventLoop()
            QTimer.singleShot(1, idle.quit)
            idle.exec()
        page.table.viewport().grab()
        complete.append(time.perf_counter() - fired[0])
        with db.reader() as s:
            t0 = time.perf_counter()
            search_members(s, q)
            floor.append(time.perf_counter() - t0)
    times.sort()
    floor.sort()
    p95, fp95 = times[int(len(times) * 0.95)], floor[int(len(floor) * 0.95)]
    table.add("search box: debounce → first results shown, p95", f"{p95 * 1000:.1f} ms",
              f"{fp95 * 1000:.1f} ms", p95 / fp95, "≤ 50 ms")
    complete.sort()
    cp95 = complete[int(len(complete) * 0.95)]
    table.add("search box: … → complete results, p95", f"{cp95 * 1000:.1f} ms",
              f"{fp95 * 1000:.1f} ms", cp95 / fp95, "")
    table.add("search box: median", f"{statistics.median(times) * 1000:.1f} ms",
              f"{statistics.median(floor) * 1000:.1f} ms", None, "")
    page.close()
    ctx.tasks.wait()
    page.deleteLater()
    view.deleteLater()
    app.processEvents()
    db.close()
