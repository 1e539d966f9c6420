"""Bench-only driver of one real client start, through the login dialog (a child process
of ``bench/startup.py``; never imported by the product).

    python bench/startup_harness.py --db FILE     # the client: station_app.app.main
    python bench/startup_harness.py --bare        # the floor: a bare QMainWindow

The client runs unchanged: ``station_app.app.main(["--db", FILE])``. The harness only
creates the ``QApplication`` first (``main`` takes ``QApplication.instance()`` when there
is one) so it can install an application-wide event filter before ``main`` runs; from
there it watches, as a clerk would:

1. the login dialog's first paint → ``login-shown``;
2. it reads the user name and the password from stdin (two lines; not on the command line),
   types them into the dialog's real fields with key events and clicks its real OK button,
   so ``authenticate`` checks the password as for a clerk → ``login-submitted``; a refused
   login prints ``login-failed`` with the dialog's own error text and the harness exits 3;
3. the first paint of the first page, once the main window has attached its database
   (``window.start`` has run) → ``window-ready`` with the peak memory so far, then it
   closes the window and the client exits as after a clerk's close (a first page shown
   as broken prints ``page-broken`` and the harness exits 3).

``--bare`` starts a bare PySide6 ``QMainWindow`` (1200 × 760, the main window's default
size) with the same filter and prints ``window-ready`` at its first paint.

A mark is printed from a zero-delay timer queued by the paint event: it fires once the
whole window has been painted and flushed. Each line is
``harness <event> <CLOCK_MONOTONIC seconds> [key=value …]``; an error in the harness's own
steps prints ``harness-error`` and exits 4 (never a hang).
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def now() -> float:
    # CLOCK_MONOTONIC, asked for by name: on Linux it is one system-wide clock (seconds
    # since boot, never set back), so the parent's reading taken just before it spawned
    # this process and the readings here share one origin and subtract to "time since
    # process start". (time.perf_counter()/time.monotonic() only promise differences
    # within one process; the process start time in /proc/self/stat counts 10 ms ticks.)
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def peak_kib() -> int:
    """This process's peak resident memory so far (VmHWM), KiB."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def guarded(callback):
    """The harness's own step; an error in it ends the process (never a hang)."""

    def run(*args):
        try:
            callback(*args)
        except BaseException:
            import traceback

            traceback.print_exc()
            print(f"harness harness-error {now():.6f}", flush=True)
            os._exit(4)

    return run


def emit(event: str, t: float, **fields: object) -> None:
    extra = "".join(f" {k}={v}" for k, v in fields.items())
    print(f"harness {event} {t:.6f}{extra}", flush=True)


def main(argv: list[str]) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="startup_harness")
    p.add_argument("--db", help="the station file to open (the client)")
    p.add_argument("--bare", action="store_true", help="a bare QMainWindow (the floor)")
    args = p.parse_args(argv)
    if not args.bare and not args.db:
        p.error("--db FILE or --bare")

    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    paint = QEvent.Type.Paint

    class Watcher(QObject):
        """Application-wide while it waits for a paint; does nothing else on any event."""

        def __init__(self, app: QApplication):
            super().__init__()
            self.app = app
            self.state = "bare" if args.bare else "login"
            self.ready = False
            self.failed = ""
            app.installEventFilter(self)

        def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt name)
            if event.type() != paint:
                return False
            if self.state == "login":
                if obj.metaObject().className() == "LoginDialog":
                    self.state = "typing"
                    self.app.removeEventFilter(self)
                    QTimer.singleShot(0, lambda d=obj: guarded(self.login)(d))
            elif self.state == "window":
                window = obj.window()
                if (obj.objectName().startswith("page-")
                        and window.objectName() == "MainWindow"
                        and getattr(window.ctx, "db", None) is not None):
                    self.state = "done"
                    self.app.removeEventFilter(self)
                    if obj.metaObject().className() == "BrokenPage":  # failed to build
                        self.failed = f"{obj.objectName()} could not be built"
                        emit("page-broken", now(), message=repr(self.failed))
                        QTimer.singleShot(0, window.close)
                    else:
                        QTimer.singleShot(0, lambda w=window: guarded(self.shown)(w))
            elif self.state == "bare" and obj.isWindow():
                self.state = "done"
                self.app.removeEventFilter(self)
                QTimer.singleShot(0, lambda w=obj: guarded(self.shown)(w))
            return False

        def login(self, dialog) -> None:
            emit("login-shown", now())
            from PySide6.QtCore import Qt
            from PySide6.QtTest import QTest
            from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

            user = sys.stdin.readline().rstrip("\n")
            password = sys.stdin.readline().rstrip("\n")
            QTest.keyClicks(dialog.findChild(QLineEdit, "username"), user)
            QTest.keyClicks(dialog.findChild(QLineEdit, "password"), password)
            ok = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok)
            self.state = "window"
            self.app.installEventFilter(self)
            emit("login-submitted", now())
            QTest.mouseClick(ok, Qt.MouseButton.LeftButton)  # the dialog's try_login runs
            if dialog.isVisible():  # a refused login keeps the dialog open with its error
                self.state = "failed"
                self.app.removeEventFilter(self)
                errors = [label.text() for label in dialog.form.errors.values()
                          if label.text()] + [dialog.form.general.text()]
                self.failed = (" ".join(e for e in errors if e).replace("\n", " ")
                               or "the dialog stayed open with no error shown")
                emit("login-failed", now(), message=repr(self.failed))
                dialog.reject()

        def shown(self, window) -> None:
            t, actor = now(), getattr(getattr(window, "ctx", None), "actor", None)
            emit("window-ready", t, peak_kib=peak_kib(), user=getattr(actor, "username", "-"),
                 role=getattr(actor, "role", "-"))
            self.ready = True
            window.close()

    app = QApplication([sys.argv[0]])
    watcher = Watcher(app)
    if args.bare:
        from PySide6.QtWidgets import QMainWindow

        w = QMainWindow()
        w.resize(1200, 760)
        w.show()
        app.exec()
    else:
        from station_app.app import main as station_app

        station_app(["--db", args.db])
    if watcher.failed:
        return 3
    if not watcher.ready:
        print(f"harness never-ready 0 state={watcher.state}", flush=True)
        return 2
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    # PySide6 can crash CPython's final garbage collection (see bench/__main__.py); the
    # lines are printed, so leave at once with the harness's own verdict.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
