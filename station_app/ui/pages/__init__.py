"""The pages of the main window. Each is a ``Page`` built from an ``AppContext``.

``PAGES`` lists them in navigation order as (key, title source string, factory path);
the main window imports a page's module only when it is first shown, so start-up stays
fast.

A page reads and writes only through ``ui.operations`` (``self.query``, ``self.write``):
named service calls off the GUI thread. It declares the tables it shows (``watches``);
after any write the tables that write changed are published, and a page that shows one of
them reloads (at once when visible, else when next shown).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from station_app.ui.context import AppContext
from station_app.ui.qt import QT_TRANSLATE_NOOP, QLabel, Qt, QVBoxLayout, QWidget


class Page(QWidget):
    """Base of every page: ``activate()`` when shown, ``on_changed(tables)`` after writes."""

    key = ""
    # tables whose changes make this page reload when it is next shown
    watches: frozenset[str] = frozenset()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._stale = True
        ctx.signals.changed.connect(self._changed)

    def _changed(self, tables: set[str]) -> None:
        if not self.watches or tables & self.watches:
            self._stale = True
            if self.isVisible():
                self.activate()

    def activate(self) -> None:
        """Called when the page is shown; reload if something it shows changed."""
        if self._stale:
            self._stale = False
            self.reload()

    def reload(self) -> None:
        """Load the page's data (off the UI thread when it can take long)."""

    def refresh_now(self) -> None:
        """After the page's own write: reload now when the write made it stale, even
        while hidden (a visible page reloaded when the change was published)."""
        if self._stale:
            self._stale = False
            self.reload()

    def open_record(self, record_id: str) -> None:
        """Show one record (used by other pages and the dashboard)."""

    def guard(self, form, save: Callable[[], Any] | None = None,
              may_save: Callable[[], bool] = lambda: True) -> None:
        """Ask before leaving the page with ``form`` changed (``Form.ask_to_leave``:
        save with ``save()`` / discard / stay)."""
        self.__dict__.setdefault("_guarded", []).append((form, save, may_save))

    def may_leave(self) -> bool:
        """Whether the page may be left (another page, closing the window): each guarded
        form unchanged, saved or discarded after asking."""
        return all(form.ask_to_leave(save, may_save=may_save())
                   for form, save, may_save in self.__dict__.get("_guarded", ()))

    # -- the operations (ui.operations) -------------------------------------------------

    def query(self, read: Callable[[Any], Any], *, key: str = "",
              success: Callable[[Any], None] | None = None,
              failure: Callable[[BaseException], None] | None = None):
        """Run ``read(session)`` (a named service query) off the GUI thread; a newer
        query of the same ``key`` makes an older one's result be dropped."""
        from station_app.ui.operations import QueryOp

        op = QueryOp(self.ctx, self, read, key=key)
        if success is not None:
            op.success(success)
        if failure is not None:
            op.failure(failure)
        return op.run()

    def write(self, write: Callable[[Any], Any], *,
              success: Callable[[Any], None] | None = None,
              failure: Callable[[BaseException], None] | None = None,
              label: str | None = None, busy: tuple[QWidget, ...] = ()):
        """Run ``write(session)`` (a service call) off the GUI thread as one unit of
        work; the changed tables are published, then ``success(result)``."""
        from station_app.ui.operations import WriteOp

        op = WriteOp(self.ctx, self, write).busy(*busy)
        if success is not None:
            op.success(success)
        if failure is not None:
            op.failure(failure)
        if label:
            op.with_progress(label, self)
        return op.run()

    @property
    def loading(self) -> bool:
        """True while an operation of this page is under way (tests wait on this)."""
        from station_app.ui.operations import running

        return running(self) > 0


class BrokenPage(Page):
    """Shown in place of a page whose module failed to load or build: the error itself and
    where the log is, never a "comes later" placeholder. The main window logs the error
    with its traceback and keeps it in ``MainWindow.page_errors``."""

    def __init__(self, ctx: AppContext, title: str, error: BaseException, log_path: str,
                 parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.error = error
        layout = QVBoxLayout(self)
        text = self.tr("The page “%1” could not be opened: %2\n\nThis is a fault of the app, "
                       "not of your data. Please report it with the log file:\n%3")
        label = QLabel(text.replace("%1", title).replace("%2", f"{type(error).__name__}: "
                                                          f"{error}").replace("%3", log_path),
                       self)
        label.setObjectName("page-error")
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        label.setStyleSheet("color: #b00020;")
        layout.addWidget(label)
        layout.addStretch(1)


# (key, title as a source string for tr(), "module:Class")
PAGES: list[tuple[str, str, str]] = [
    ("dashboard", QT_TRANSLATE_NOOP("MainWindow", "Dashboard"),
     "station_app.ui.pages.dashboard:DashboardPage"),
    ("members", QT_TRANSLATE_NOOP("MainWindow", "Members"),
     "station_app.ui.pages.members:MembersPage"),
    ("enterprises", QT_TRANSLATE_NOOP("MainWindow", "Enterprises"),
     "station_app.ui.pages.enterprises:EnterprisesPage"),
    ("hardship", QT_TRANSLATE_NOOP("MainWindow", "Hardship ledger"),
     "station_app.ui.pages.hardship:HardshipPage"),
    ("visits", QT_TRANSLATE_NOOP("MainWindow", "Visit diary"),
     "station_app.ui.pages.visits:VisitsPage"),
    ("events", QT_TRANSLATE_NOOP("MainWindow", "Events"),
     "station_app.ui.pages.events:EventsPage"),
    ("reports", QT_TRANSLATE_NOOP("MainWindow", "Reports"),
     "station_app.ui.pages.reports:ReportsPage"),
    ("sync", QT_TRANSLATE_NOOP("MainWindow", "Sync"), "station_app.ui.pages.sync:SyncPage"),
    ("audit", QT_TRANSLATE_NOOP("MainWindow", "Audit log"), "station_app.ui.pages.audit:AuditPage"),
    ("settings", QT_TRANSLATE_NOOP("MainWindow", "Settings"),
     "station_app.ui.pages.settings:SettingsPage"),
]

# The district view: the same app opened on the district database.
DISTRICT_PAGES: list[tuple[str, str, str]] = [
    ("overview", QT_TRANSLATE_NOOP("MainWindow", "Overview"),
     "station_app.ui.pages.district:OverviewPage"),
    ("reports", QT_TRANSLATE_NOOP("MainWindow", "Reports"),
     "station_app.ui.pages.reports:ReportsPage"),
    ("stations", QT_TRANSLATE_NOOP("MainWindow", "Stations"),
     "station_app.ui.pages.district:StationsPage"),
    ("station_visits", QT_TRANSLATE_NOOP("MainWindow", "Station visits"),
     "station_app.ui.pages.district_visits:StationVisitsPage"),
    ("hardship", QT_TRANSLATE_NOOP("MainWindow", "Hardship files"),
     "station_app.ui.pages.district_hardship:DistrictHardshipPage"),
    ("duplicates", QT_TRANSLATE_NOOP("MainWindow", "Duplicate members"),
     "station_app.ui.pages.district:DuplicatesPage"),
    ("conflicts", QT_TRANSLATE_NOOP("MainWindow", "Sync conflicts"),
     "station_app.ui.pages.district:ConflictsPage"),
    ("warnings", QT_TRANSLATE_NOOP("MainWindow", "Early warnings"),
     "station_app.ui.pages.district:WarningsPage"),
    ("targets", QT_TRANSLATE_NOOP("MainWindow", "Targets"),
     "station_app.ui.pages.district:TargetsPage"),
    ("audit", QT_TRANSLATE_NOOP("MainWindow", "Audit log"), "station_app.ui.pages.audit:AuditPage"),
    ("settings", QT_TRANSLATE_NOOP("MainWindow", "Settings"),
     "station_app.ui.pages.settings:SettingsPage"),
]
