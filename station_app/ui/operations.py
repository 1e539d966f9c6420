"""One way for a page to read and one way to write (after Anki's ``aqt/operations``).

Pages run no SQL. They build an operation around a named service call and run it:

- ``QueryOp(ctx, owner, read)`` reads: ``read(session)`` runs on a worker thread in a
  read-only unit of work of the acting user, and ``success(result)`` runs on the GUI
  thread. A result is dropped when a newer query of the same ``key`` was started for the
  same owner meanwhile (the search typed further, the week changed), or when the owner
  widget is gone — the pages keep no counters of their own.
- ``WriteOp(ctx, owner, write)`` writes: ``write(session)`` runs on a worker thread as
  one unit of work (``Database.session(actor)``: all or nothing). On success the set of
  tables the unit of work actually changed — from the capture hook, the bulk path and
  the sync merge alike — goes to ``ctx.publish``, and every page that shows one of them
  refreshes; then ``success(result)``. A refusal (``ValidationError``) shows under its
  fields when a form is given, anything else (a busy database …) as a sentence through
  ``AppContext.explain``; nothing typed is cleared.
- ``WriteOp.work(ctx, owner, fn)`` is the same for work that opens its own units of work
  (an import, a sync round, a sync file): ``fn(task)`` may report progress and check for
  cancellation; the tables changed by every unit of work it committed are published.

Both build on ``TaskRunner``: progress appears only after ``PROGRESS_DELAY_MS`` (when a
label is given), with Cancel for work that checks. ``run()`` returns an ``Op``, the
handle a caller (or a test) may look at: ``done``, ``ok``, ``result``, ``error``,
``changed``; ``wait()`` turns the event loop until it is done.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from station_app.ui.qt import QEventLoop, QMessageBox, QObject, QTimer, QWidget, is_alive

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from station_app.ui.context import AppContext
    from station_app.ui.forms import Form
    from station_app.ui.tasks import Task

log = logging.getLogger(__name__)

_GENERATIONS = "_op_generations"  # on the owner: key -> the newest query started
_RUNNING = "_op_running"  # on the owner: how many operations it is waiting for


class Op:
    """The handle of one operation run: what became of it."""

    def __init__(self) -> None:
        self.done = False
        self.ok: bool | None = None
        self.result: Any = None
        self.error: BaseException | None = None
        self.dropped = False  # a query whose result was not shown (stale, owner gone)
        self.changed: frozenset[str] = frozenset()
        self.task: Task | None = None

    def _finish(self, ok: bool, result: Any = None, error: BaseException | None = None
                ) -> None:
        self.done, self.ok, self.result, self.error = True, ok, result, error

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Turn the event loop until the operation is done (tests, and a caller that
        must know before it goes on); True when it succeeded."""
        deadline = time.monotonic() + timeout_ms / 1000
        while not self.done and time.monotonic() < deadline:
            loop = QEventLoop()
            QTimer.singleShot(5, loop.quit)
            loop.exec()
        return bool(self.ok)

    def __bool__(self) -> bool:  # an Op is never mistaken for "it worked"
        raise TypeError("an Op is not a truth value: look at op.ok (after op.wait())")

    @classmethod
    def refused(cls, error: BaseException | None = None) -> Op:
        """An operation that did not start (a check on the page refused it)."""
        op = cls()
        op._finish(False, None, error)
        return op


def supersede(owner: QObject, key: str = "") -> None:
    """Drop the results of ``owner``'s queries of ``key`` still on their way (what they
    answer is no longer asked: the search box was cleared)."""
    generations: dict[str, int] = getattr(owner, _GENERATIONS, None) or {}
    generations[key] = generations.get(key, 0) + 1
    setattr(owner, _GENERATIONS, generations)


def running(owner: QObject) -> int:
    """How many operations ``owner`` is waiting for (a page's "loading")."""
    return getattr(owner, _RUNNING, 0) if is_alive(owner) else 0


def _count(owner: QObject | None, delta: int) -> None:
    if owner is not None and is_alive(owner):
        setattr(owner, _RUNNING, getattr(owner, _RUNNING, 0) + delta)


def _alive(owner: QObject | None) -> bool:
    return owner is None or is_alive(owner)


class QueryOp:
    """A read off the GUI thread; see the module doc."""

    def __init__(self, ctx: AppContext, owner: QObject, read: Callable[[Session], Any], *,
                 key: str = "", on_db: bool = False) -> None:
        self.ctx, self.owner, self.read, self.key = ctx, owner, read, key
        self._on_db = on_db
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._label: str | None = None
        self._parent: QWidget | None = None

    @classmethod
    def on_db(cls, ctx: AppContext, owner: QObject, read: Callable[[Any], Any], *,
              key: str = "") -> QueryOp:
        """A read given the ``Database`` itself (``read(db)``): for named reads that
        open their own read-only units of work (local state, the outbox …)."""
        return cls(ctx, owner, read, key=key, on_db=True)

    def success(self, cb: Callable[[Any], None]) -> QueryOp:
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> QueryOp:
        self._failure = cb
        return self

    def with_progress(self, label: str, parent: QWidget | None = None) -> QueryOp:
        self._label, self._parent = label, parent
        return self

    def run(self) -> Op:
        op = Op()
        owner, key, read, actor, on_db = self.owner, self.key, self.read, self.ctx.actor, \
            self._on_db
        generations: dict[str, int] = getattr(owner, _GENERATIONS, None) or {}
        setattr(owner, _GENERATIONS, generations)
        generation = generations[key] = generations.get(key, 0) + 1
        _count(owner, 1)

        def stale() -> bool:
            return not is_alive(owner) or getattr(owner, _GENERATIONS, {}).get(key) != generation

        def work(task: Task) -> Any:
            if stale():  # a newer query was started before this one began
                task.cancel()
                task.check()
            if on_db:
                return read(task.db)
            with task.db.reader(actor) as s:
                s.info["task"] = task
                return read(s)

        def succeeded(result: Any) -> None:
            _count(owner, -1)
            if stale():
                op.dropped = True
                op._finish(True, result)
                return
            op._finish(True, result)
            if self._success is not None:
                self._success(result)

        def failed(exc: BaseException) -> None:
            _count(owner, -1)
            op._finish(False, None, exc)
            if stale():
                op.dropped = True
                return
            if self._failure is not None:
                self._failure(exc)
            else:
                log.error("a read failed: %s", getattr(exc, "codes", exc))

        def cancelled() -> None:
            _count(owner, -1)
            op.dropped = True
            op._finish(False, None, None)

        op.task = self.ctx.tasks.run(work, on_done=succeeded, on_error=failed,
                                     on_cancel=cancelled, label=self._label,
                                     parent=self._parent or _widget(owner))
        return op


class WriteOp:
    """A write off the GUI thread, in one unit of work; see the module doc."""

    def __init__(self, ctx: AppContext, owner: QObject | None,
                 write: Callable[[Session], Any] | None = None, *,
                 work: Callable[[Task], Any] | None = None) -> None:
        if (write is None) == (work is None):
            raise TypeError("a WriteOp runs either write(session) or work(task)")
        self.ctx, self.owner, self.write, self._work = ctx, owner, write, work
        self._success: Callable[[Any], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._form: Form | None = None
        self._rename: dict[str, str] | None = None
        self._busy: tuple[QWidget, ...] = ()
        self._label: str | None = None
        self._parent: QWidget | None = None

    @classmethod
    def work(cls, ctx: AppContext, owner: QObject | None, fn: Callable[[Task], Any]
             ) -> WriteOp:
        """Work that opens its own units of work (``fn(task)``, ``task.db``)."""
        return cls(ctx, owner, work=fn)

    def success(self, cb: Callable[[Any], None]) -> WriteOp:
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> WriteOp:
        """``cb(exc)`` for a refusal or an error (after a form showed it, if given)."""
        self._failure = cb
        return self

    def form(self, form: Form, rename: dict[str, str] | None = None) -> WriteOp:
        """Show a refusal under the form's fields (``rename``: a service's field names
        mapped to the form's), any other error at the top of the form."""
        self._form, self._rename = form, rename
        return self

    def busy(self, *widgets: QWidget) -> WriteOp:
        """Widgets disabled while the write runs (the button that started it)."""
        self._busy = widgets
        return self

    def with_progress(self, label: str, parent: QWidget | None = None) -> WriteOp:
        self._label, self._parent = label, parent
        return self

    def run(self) -> Op:
        op = Op()
        ctx, owner, write, fn = self.ctx, self.owner, self.write, self._work
        actor, form = ctx.actor, self._form
        if form is not None:
            form.clear_errors()
        for w in self._busy:
            w.setEnabled(False)
        _count(owner, 1)

        def job(task: Task) -> tuple[Any, frozenset[str]]:
            with task.db.collect_changes() as changed:
                if fn is not None:
                    result = fn(task)
                else:
                    with task.db.session(actor) as s:
                        result = write(s)
            return result, frozenset(changed)

        def settle() -> None:
            _count(owner, -1)
            for w in self._busy:
                if is_alive(w):
                    w.setEnabled(True)

        def succeeded(answer: tuple[Any, frozenset[str]]) -> None:
            result, changed = answer
            settle()
            op.changed = changed
            op._finish(True, result)
            ctx.publish(changed)  # the pages showing these tables refresh
            if self._success is not None and _alive(owner):
                self._success(result)

        def failed(exc: BaseException) -> None:
            settle()
            op._finish(False, None, exc)
            if not _alive(owner):
                log.warning("a write failed after its window closed: %s", getattr(exc, "codes", exc))
                return
            if form is not None and is_alive(form):
                form.show_failure(ctx, exc, self._rename)
            if self._failure is not None:
                self._failure(exc)
            elif form is None:
                QMessageBox.warning(_widget(owner), _title(), ctx.explain(exc))

        def cancelled() -> None:
            settle()
            op._finish(False, None, None)

        op.task = ctx.tasks.run(job, on_done=succeeded, on_error=failed,
                                on_cancel=cancelled, label=self._label,
                                parent=self._parent or _widget(owner))
        return op


def _widget(owner: QObject | None) -> QWidget | None:
    return owner if isinstance(owner, QWidget) and is_alive(owner) else None


def _title() -> str:
    from station_app.ui.qt import QCoreApplication

    return QCoreApplication.translate("MainWindow", "Station app")


def changed_any(changed: Iterable[str], watched: Iterable[str]) -> bool:
    """Whether a set of changed tables touches any of the watched ones."""
    return bool(set(changed) & set(watched))
