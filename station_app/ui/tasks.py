"""Work off the UI thread: the one place the client runs anything slow.

``TaskRunner.run(fn, on_done=…)`` runs ``fn(task)`` on a worker thread. ``fn`` opens its
own database session (``task.db.reader()`` / ``task.db.session(actor)``), may report
``task.progress(done, total, text)`` and should call ``task.check()`` now and then, which
raises ``Cancelled`` once the user cancelled. The result (or the error) comes back on the
UI thread through a queued signal. A progress dialog with a Cancel button appears only
when the work takes longer than ``PROGRESS_DELAY_MS`` and the caller gave a label, so
quick work never flashes a dialog (Anki waits about 600 ms the same way).

Database work goes to a small pool (SQLite in WAL lets readers run beside one writer);
each task has its own session, never shared across threads. Pages do not call this
directly: they run their reads and writes through ``ui.operations`` (``QueryOp``,
``WriteOp``), which build on it.
"""

from __future__ import annotations

import gc
import logging
import sys
import threading
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from station_app.storage.database import Database

from station_app.ui.qt import (
    QObject,
    QProgressDialog,
    QRunnable,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
    is_alive,
)

log = logging.getLogger(__name__)

PROGRESS_DELAY_MS = 600

# How long a thread may keep the interpreter lock while another waits for it (Python's
# default is 5 ms). Every call Qt makes into Python on the GUI thread — a model's data(),
# a delegate, a slot — waits for the lock while a worker runs Python-bound work (an
# import's checks), and one repaint makes dozens of such calls: at 5 ms a wait, the
# progress dialog's first layout during a 100,000-row import took about 100 ms; at 0.5 ms
# about 50 (bench/gui_stall.py, docs/BENCHMARKS.md), the import no slower.
SWITCH_INTERVAL_S = 0.0005


class Cancelled(Exception):
    """Raised inside a task by ``task.check()`` after the user cancelled."""


class _QuietCollector:
    """While long work runs (a task with a progress label: an import, a sync round, an
    export), Python's cyclic garbage collector waits. Its full collections hold the
    interpreter lock for as long as they walk every live object — 50 to 400 ms each, a
    dozen times during a 100,000-row import, whichever thread triggers them — and the
    GUI thread stands still meanwhile (``bench/gui_stall.py`` measured it). When the last
    long task ends, what it left alive (its result: the rows an import shows) is frozen
    out of later collections (``gc.freeze``: a list splice, no walk) before collecting
    resumes, so the walk never comes later either. Objects still die when their last
    reference goes; only cyclic garbage a long task made stays until the app quits (some
    19,000 objects, a few MB, for a 100,000-row import)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.paused = False

    def enter(self) -> None:
        with self.lock:
            if self.depth == 0 and gc.isenabled():
                gc.disable()
                self.paused = True
            self.depth += 1

    def leave(self) -> None:
        with self.lock:
            self.depth -= 1
            if self.depth == 0 and self.paused:
                self.paused = False
                gc.freeze()
                gc.enable()


QUIET_COLLECTOR = _QuietCollector()


class Task(QObject):
    """One piece of background work; lives on the UI thread, ``fn`` runs on a worker."""

    finished = Signal(object)
    failed = Signal(object, str)
    progressed = Signal(int, int, str)

    def __init__(self, db: Database, fn: Callable[[Task], Any], label: str | None):
        super().__init__()
        self.db = db
        self.fn = fn
        self.label = label
        self._cancel = threading.Event()
        self.done = False

    # -- called from the worker -----------------------------------------------------

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def progress(self, done: int, total: int = 0, text: str = "") -> None:
        self.check()
        self.progressed.emit(done, total, text)

    # -- called from the UI -----------------------------------------------------------

    def cancel(self) -> None:
        self._cancel.set()


class _Runnable(QRunnable):
    def __init__(self, task: Task):
        super().__init__()
        self.task = task
        self.setAutoDelete(True)

    def run(self) -> None:  # worker thread
        from station_app.domain.validation import ValidationError

        task = self.task
        try:
            result = task.fn(task)
        except Cancelled:
            task.failed.emit(Cancelled(), "")
        except ValidationError as exc:  # a refusal a person reads, not a fault
            log.info("refused: %s", exc.codes)  # (its words may name a member)
            task.failed.emit(exc, "")
        except Exception as exc:  # reported on the UI thread
            log.exception("background task failed")
            task.failed.emit(exc, traceback.format_exc())
        else:
            task.finished.emit(result)


class TaskRunner(QObject):
    """Runs tasks on a thread pool and keeps them alive until they report back."""

    def __init__(self, db: Database, parent: QObject | None = None, threads: int = 2):
        super().__init__(parent)
        self.db = db
        if sys.getswitchinterval() > SWITCH_INTERVAL_S:
            sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._running: set[Task] = set()

    def run(
        self,
        fn: Callable[[Task], Any],
        *,
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
        label: str | None = None,
        parent=None,
        owner: QObject | None = None,
    ) -> Task:
        """Run ``fn(task)`` on the pool; ``on_done``/``on_error`` run on the GUI thread.
        ``owner``: the widget the callbacks update; when it is gone by the time the task
        reports (a window closed meanwhile), the result is dropped."""
        task = Task(self.db, fn, label)
        self._running.add(task)
        dialog: list[QProgressDialog] = []
        if label:  # long work: no collector walk while it runs (see _QuietCollector)
            QUIET_COLLECTOR.enter()

        def show_progress() -> None:
            if task.done or not label:
                return
            box = QProgressDialog(label, QProgressDialog.tr("Cancel"), 0, 0, parent)
            box.setWindowModality(Qt.WindowModality.WindowModal)
            box.setMinimumDuration(0)
            box.canceled.connect(task.cancel)
            box.show()
            dialog.append(box)

        def finish() -> None:
            task.done = True
            self._running.discard(task)
            if label:
                QUIET_COLLECTOR.leave()
            for box in dialog:
                box.reset()
                box.deleteLater()

        def on_progress(done: int, total: int, text: str) -> None:
            for box in dialog:
                box.setMaximum(total)
                box.setValue(done)
                if text:
                    box.setLabelText(text)

        def owner_gone() -> bool:
            return owner is not None and not is_alive(owner)

        def succeeded(result: Any) -> None:
            finish()
            if on_done is not None and not owner_gone():
                on_done(result)

        def failed(exc: BaseException, _tb: str) -> None:
            finish()
            if isinstance(exc, Cancelled):
                if on_cancel is not None:
                    on_cancel()
                return
            if owner_gone():
                log.warning("a task failed after its window closed: %s", getattr(exc, "codes", exc))
                return
            if on_error is not None:
                on_error(exc)
            else:
                log.error("unhandled task error: %s", getattr(exc, "codes", exc))

        task.finished.connect(succeeded)
        task.failed.connect(failed)
        task.progressed.connect(on_progress)
        if label:
            QTimer.singleShot(PROGRESS_DELAY_MS, show_progress)
        self.pool.start(_Runnable(task))
        return task

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until every task finished (tests and shutdown)."""
        return self.pool.waitForDone(msecs)

    @property
    def busy(self) -> bool:
        return bool(self._running)
