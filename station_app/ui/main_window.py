"""The main window: navigation, pages, status bar, menus, shortcuts, remembered state.

Leaving a page (another page, the language switch, a restore, closing the window or
Ctrl+Q) asks the page first (``Page.may_leave``): a form with unsaved typing asks 保存 /
放弃 / 留在此处, and staying cancels the move. A restore from a backup says how many
changes made since that backup were never synced, then replaces the file and restarts
the window on it (the login again, the pages built anew), without closing the app.
"""

from __future__ import annotations

import importlib
import logging

from station_app.storage.backup import list_backups
from station_app.ui.context import AppContext
from station_app.ui.i18n import install_language
from station_app.ui.pages import DISTRICT_PAGES, PAGES, BrokenPage, Page
from station_app.ui.qt import (
    QAction,
    QApplication,
    QCloseEvent,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QShortcut,
    QStackedWidget,
    Qt,
    QTimer,
    QWidget,
)

log = logging.getLogger(__name__)


def _log_file() -> str:
    """The client's log file, to name in an error a person reports."""
    from station_app.paths import log_dir

    return str(log_dir() / "station-app.log")


class MainWindow(QMainWindow):
    """With ``deferred=True`` the window shows before its database is open (``ctx.db``
    is None); ``start(db)`` then opens the last page. The app starts this way after login,
    so the first paint never waits for the database layer."""

    def __init__(self, ctx: AppContext, *, deferred: bool = False):
        super().__init__()
        self.ctx = ctx
        self.district = ctx.district
        self.page_list = DISTRICT_PAGES if self.district else PAGES
        self.home = self.page_list[0][0]
        self.pages: dict[str, QWidget] = {}
        self._row = -1  # the navigation row shown (a refused move goes back to it)
        self._asking = False  # a page is asked whether it may be left
        self.page_errors: dict[str, BaseException] = {}  # pages that failed to load
        self.setObjectName("MainWindow")
        self.nav = QListWidget(self)
        self.nav.setObjectName("navigation")
        self.nav.setFixedWidth(150)
        self.stack = QStackedWidget(self)
        body = QWidget(self)
        row = QHBoxLayout(body)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.nav)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(body)
        self._status_user = QLabel(self)
        self._status_pending = QLabel(self)
        self._status_sync = QLabel(self)
        for w in (self._status_user, self._status_pending, self._status_sync):
            self.statusBar().addPermanentWidget(w)
        self._build_menus()
        self._build_nav()
        self.nav.currentRowChanged.connect(self._show_row)
        ctx.signals.changed.connect(lambda _tables: self.refresh_status())
        ctx.signals.open_page.connect(self.open_page)
        QShortcut(QKeySequence.StandardKey.New, self, activated=self._new_member)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self._focus_search)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self._save_current)
        # keep "pending changes" true when another process (the CLI) writes
        self._status_timer = QTimer(self, interval=30_000, timeout=self.refresh_status)
        self._restore_geometry()
        if deferred:
            self._status_user.setText(self.tr("Opening the database…"))
        else:
            self.start()

    def start(self, db=None) -> None:
        """Attach the database (deferred start) and show the page used last."""
        if db is not None:
            from station_app.ui.tasks import TaskRunner

            self.ctx.db = db
            self.ctx.tasks = TaskRunner(db, self)
        self._restore_page()
        self.refresh_status()
        self._status_timer.start()

    # -- structure ---------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        bar.clear()
        file_menu = bar.addMenu(self.tr("&File"))
        backup = QAction(self.tr("Back up now"), self)
        backup.triggered.connect(self.backup_now)
        file_menu.addAction(backup)
        restore = QAction(self.tr("Restore from a backup…"), self)
        restore.triggered.connect(self.restore_from_backup)
        file_menu.addAction(restore)
        file_menu.addSeparator()
        if not self.district:
            imp = QAction(self.tr("Import from Excel…"), self)
            imp.triggered.connect(self.import_excel)
            file_menu.addAction(imp)
        export = file_menu.addMenu(self.tr("Export to Excel"))
        for kind, text in (("roster", self.tr("Member roster")),
                           ("ledger", self.tr("Hardship ledger…")),
                           ("visits", self.tr("Visit diary…")),
                           ("events", self.tr("Events…"))):
            act = QAction(text, self)
            act.triggered.connect(lambda _=False, kind=kind: self.export_excel(kind))
            export.addAction(act)
        file_menu.addSeparator()
        quit_ = QAction(self.tr("Quit"), self)
        # Ctrl+Q where the platform names no key of its own for Quit (Windows, offscreen)
        quit_.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
                           or [QKeySequence("Ctrl+Q")])
        quit_.triggered.connect(self.close)
        file_menu.addAction(quit_)
        view = bar.addMenu(self.tr("&View"))
        for lang, text in (("zh", "中文"), ("en", "English")):
            act = QAction(text, self)
            act.setCheckable(True)
            act.setChecked(self.ctx.lang == lang)
            act.triggered.connect(lambda _=False, lang=lang: self.set_language(lang))
            view.addAction(act)

    def _build_nav(self) -> None:
        self.nav.clear()
        for key, title, _factory in self.page_list:
            item = QListWidgetItem(self.tr(title))
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.nav.addItem(item)

    def page(self, key: str) -> QWidget:
        """The page for a key, built on first use. A page that fails to load or build is
        an error: logged with its traceback, kept in ``page_errors`` and shown in the
        page's place (never hidden behind a placeholder)."""
        if key not in self.pages:
            title, factory = next((t, f) for k, t, f in self.page_list if k == key)
            module, _, cls = factory.partition(":")
            try:
                page = getattr(importlib.import_module(module), cls)(self.ctx, self)
            except Exception as exc:  # noqa: BLE001 - shown and logged, the app goes on
                log.exception("the page %s (%s) failed to load", key, factory)
                self.page_errors[key] = exc
                page = BrokenPage(self.ctx, self.tr(title), exc, _log_file(), self)
            page.setObjectName(f"page-{key}")
            self.pages[key] = page
            self.stack.addWidget(page)
        return self.pages[key]

    def _show_row(self, row: int) -> None:
        if row < 0 or self.ctx.db is None:
            return  # (the navigation got focus before the database is attached)
        key = self.page_list[row][0]
        leaving = self.stack.currentWidget()
        if row != self._row and isinstance(leaving, Page) and leaving is not \
                self.pages.get(key):
            self._asking = True
            try:
                stay = not leaving.may_leave()
            finally:
                self._asking = False
            if stay:
                self._back_to(self._row)
                QTimer.singleShot(0, self._back_to)  # (after a click's own selection)
                return
        self._row = row
        page = self.page(key)
        self.stack.setCurrentWidget(page)
        if isinstance(page, Page):
            page.activate()
        self.ctx.settings.setValue(self._page_setting, key)

    def _back_to(self, row: int | None = None) -> None:
        """The navigation shows the page shown again (a move the page refused)."""
        if self._asking:
            return  # (another move is being asked about: its answer decides)
        self.nav.blockSignals(True)
        self.nav.setCurrentRow(self._row if row is None else row)
        self.nav.blockSignals(False)

    def may_leave(self) -> bool:
        """Whether every page may be left (asked before closing, a restore, the language
        switch): the page shown first, then any other with unsaved typing."""
        shown = self.stack.currentWidget()
        pages = [shown] + [p for p in self.pages.values() if p is not shown]
        return all(p.may_leave() for p in pages if isinstance(p, Page))

    def open_page(self, key: str, record_id: object = None) -> bool:
        """Show a page (and a record on it); False when the page shown may not be left
        (the clerk chose to stay with unsaved typing)."""
        row = next(i for i, (k, _t, _f) in enumerate(self.page_list) if k == key)
        if self.nav.currentRow() == row:
            self._show_row(row)  # already current (e.g. before the deferred start): show it
        else:
            self.nav.setCurrentRow(row)
        if self._row != row:
            return False
        page = self.page(key)
        if record_id is not None and isinstance(page, Page):
            page.open_record(str(record_id))
        return True

    @property
    def _page_setting(self) -> str:
        return "window/district_page" if self.district else "window/page"

    def current_key(self) -> str:
        return self.page_list[max(self.nav.currentRow(), 0)][0]

    # -- status bar --------------------------------------------------------------------

    def refresh_status(self) -> None:
        """User and station, the count of unsent changes and the last sync, from a read
        off the GUI thread."""
        from station_app.domain.services.reads import sync_overview
        from station_app.ui.operations import QueryOp

        ctx = self.ctx
        if ctx.db is None:
            return
        if self.district:
            self._refresh_district_status()
            return
        who = ctx.actor.display_name or ctx.actor.username

        def show(overview) -> None:
            from station_app.ui.pages.dashboard import local_time

            state = overview.state
            self._status_user.setText(self.tr("%1 · station %2").replace("%1", who)
                                      .replace("%2", state.get("station_code", "")))
            last = state.get("last_sync")
            self._status_sync.setText(self.tr("Last sync: %1").replace("%1", local_time(last))
                                      if last else self.tr("Sync not set up"))
            self._status_pending.setText(
                self.tr("%1 changes not yet sent").replace("%1", str(overview.pending)))

        QueryOp.on_db(ctx, self, sync_overview, key="status").success(show).run()

    def _refresh_district_status(self) -> None:
        from station_app.domain.services.reads import open_conflict_count
        from station_app.ui.operations import QueryOp

        ctx = self.ctx
        self._status_user.setText(self.tr("%1 · district").replace(
            "%1", ctx.actor.display_name or ctx.actor.username))
        self._status_sync.setText("")

        def show(count: int) -> None:
            self._status_pending.setText(
                self.tr("%1 open sync conflicts").replace("%1", str(count)))

        QueryOp(ctx, self, open_conflict_count, key="status").success(show).run()

    # -- actions -----------------------------------------------------------------------

    def _call_page(self, key: str | None, method: str) -> None:
        page = self.page(key) if key else self.stack.currentWidget()
        fn = getattr(page, method, None)
        if callable(fn):
            fn()

    def _new_member(self) -> None:
        if self.district or not self.open_page("members"):
            return
        self._call_page("members", "new_member")

    def _focus_search(self) -> None:
        self._call_page(None, "focus_search")

    def _save_current(self) -> None:
        self._call_page(None, "save")

    def backup_now(self) -> None:
        from station_app.ui.operations import QueryOp

        def done(path) -> None:
            # in words (when, why); the folder on hover, the list in Settings refreshed
            when, why = self.backup_words(path)
            self.statusBar().showMessage(
                self.tr("Backed up (%1, %2)").replace("%1", why).replace("%2", when), 10000)
            self._backup_folder_tip(path)
            settings = self.pages.get("settings")  # its list of backups, at once
            if settings is not None:
                settings.show_backups()

        # (a copy of the file: it changes no table)
        QueryOp.on_db(self.ctx, self, lambda db: db.backup("manual"), key="backup") \
            .success(done).failure(self._error) \
            .with_progress(self.tr("Backing up…"), self).run()

    def backup_words(self, backup) -> tuple[str, str]:
        """(when, why) of one of this database's backups, as people say them
        ("2026-12-05 19:50", "manual"); the file's name when it is not one of them."""
        from pathlib import Path

        name = Path(backup).name
        found = next((b for b in list_backups(self.ctx.db.path) if b.path.name == name),
                     None) if self.ctx.db.path is not None else None
        if found is None:
            return name, ""
        reasons = {"manual": self.tr("manual"), "daily": self.tr("daily"),
                   "migration": self.tr("pre-upgrade"), "restore": self.tr("pre-restore")}
        return found.taken_at.strftime("%Y-%m-%d %H:%M"), reasons.get(found.reason,
                                                                      found.reason)

    def _backup_folder_tip(self, backup) -> None:
        """The backups' folder on hover over the status bar while its message shows."""
        from pathlib import Path

        bar = self.statusBar()
        bar.setToolTip(self.tr("Backups are kept in %1").replace(
            "%1", str(Path(backup).parent)))
        QTimer.singleShot(15000, bar, lambda: bar.setToolTip(""))  # (not after it is gone)

    def import_excel(self):
        from station_app.ui.import_dialog import ImportDialog

        dialog = ImportDialog(self.ctx, self)
        dialog.open()
        return dialog

    def export_excel(self, kind: str, path=None, period=None) -> None:
        """Write one of the usual sheets (this station's, or every station's at the
        district) off the UI thread. The ledger, the visit diary and the events cover a
        year or a range (``period``: first and last day), asked for when not given."""
        from datetime import date
        from pathlib import Path

        from station_app.ui.qt import QFileDialog

        titles = {"ledger": self.tr("Hardship ledger"), "visits": self.tr("Visit diary"),
                  "events": self.tr("Events")}
        if kind in titles and period is None:
            from station_app.ui.export_dialog import PeriodDialog

            dialog = PeriodDialog(titles[kind], self)
            if not dialog.exec():
                return
            period = dialog.period()
        if path is None:
            if period is None:
                when = date.today().isoformat()
            elif period == (date(period[0].year, 1, 1), date(period[0].year, 12, 31)):
                when = str(period[0].year)
            else:
                when = f"{period[0].isoformat()}_{period[1].isoformat()}"
            names = {"roster": self.tr("Member roster", "file name"),
                     "ledger": self.tr("Hardship ledger", "file name"),
                     "visits": self.tr("Visit diary", "file name"),
                     "events": self.tr("Events", "file name")}
            suggested = f"{names.get(kind, kind)}-{when}.xlsx"  # (in the user's language)
            chosen, _f = QFileDialog.getSaveFileName(
                self, self.tr("Export to Excel"), suggested,
                self.tr("Excel workbook (*.xlsx)"))
            if not chosen:
                return
            path = Path(chosen)
        scope = None if self.district else self.ctx.db.station_id
        lang, actor = self.ctx.lang, self.ctx.actor

        def read(s, full: bool):
            from station_app.exchange import xlsx_export as xe

            if kind == "roster":
                return xe.export_roster(s, path, scope, lang=lang, full_ids=full)
            start, end = period
            if kind == "ledger":
                return xe.export_ledger(s, path, scope, xe.Period(start, end), lang=lang,
                                        full_ids=full)
            if kind == "visits":
                return xe.export_visits(s, path, scope, start, end, lang=lang)
            return xe.export_events(s, path, scope, xe.Period(start, end), lang=lang)

        def work(task):
            # ID numbers masked unless the user may have them; recorded as an export
            from station_app.exchange.xlsx_export import export_recorded

            return export_recorded(task.db, actor, kind, path, read)

        def done(n) -> None:
            self.statusBar().showMessage(self.tr("%1 rows written to %2")
                                         .replace("%1", str(n)).replace("%2", str(path)), 10000)

        from station_app.ui.operations import WriteOp

        self.exporting = WriteOp.work(self.ctx, self, work).success(done) \
            .failure(self._error).with_progress(self.tr("Writing the workbook…"), self).run()

    def restore_from_backup(self):
        """Choose a backup (the dialog says how many changes made since it were never
        synced, and may be cancelled); then ``restore(chosen)``. Returns the dialog."""
        from station_app.ui.dialogs import RestoreDialog

        if self.ctx.db.path is None:
            return None
        if not list_backups(self.ctx.db.path):
            QMessageBox.information(self, self.tr("Restore"), self.tr("There is no backup yet."))
            return None
        if not self.may_leave():
            return None
        dialog = RestoreDialog(self.ctx, self.ctx.db.path, self)
        dialog.accepted.connect(lambda: self.restore(dialog.chosen))
        dialog.finished.connect(dialog.deleteLater)
        self.restore_dialog = dialog
        dialog.open()
        return dialog

    def restore(self, backup) -> None:
        """Replace the database with ``backup`` and restart on it: the pages and the
        database are closed, the file restored (off the GUI thread; the current file
        kept as a backup), then the login asks again and the window opens on the
        restored file. A restore that fails leaves the current file and says why."""
        from pathlib import Path

        from station_app.storage.backup import restore_backup
        from station_app.ui.operations import QueryOp

        path = self.ctx.db.path
        self._status_timer.stop()
        self.ctx.tasks.wait(30_000)
        self._drop_pages()
        old = self.ctx.db
        old.close()
        self.restoring = QueryOp.on_db(
            self.ctx, self, lambda _db: restore_backup(path, Path(backup)), key="restore") \
            .success(lambda _saved: self._reopen(path, restored=Path(backup))) \
            .failure(lambda exc: (self._error(exc), self._reopen(path))) \
            .with_progress(self.tr("Restoring the backup…"), self).run()

    def _reopen(self, path, restored=None) -> None:
        """Open the (restored) file, log in on it and show the window on it; the app
        closes when the login is cancelled."""
        from pathlib import Path

        from station_app.storage import sqlfile
        from station_app.storage.database import StorageError, open_database
        from station_app.storage.keys import key_file_path
        from station_app.ui.dialogs import LoginDialog
        from station_app.ui.qt import QDialog

        db = None
        if not (sqlfile.is_plain(path) is False and key_file_path(path).exists()):
            try:  # (an encrypted station file is opened by the login itself)
                db = open_database(path, check=False)
            except StorageError as exc:
                QMessageBox.critical(self, self.tr("Station app"), exc.message(self.ctx.lang))
                self.close()
                return
        self._status_user.setText(self.tr("Restored: log in again"))
        login = LoginDialog(db if db is not None else Path(path), self.ctx.lang, self)
        login.setWindowModality(Qt.WindowModality.WindowModal)
        self.login_dialog = login

        def done(result: int) -> None:
            self.login_dialog = None
            login.deleteLater()
            opened = login.login.db if login.login is not None else db
            if result != QDialog.DialogCode.Accepted or login.actor is None:
                self.ctx.db = opened  # (closed with the app)
                self.close()
                return
            self.ctx.actor = login.actor
            self._attach(opened)
            if restored is not None:
                when, why = self.backup_words(restored)
                self.statusBar().showMessage(
                    self.tr("Restored from the %2 backup of %1").replace("%1", when)
                    .replace("%2", why).replace("  ", " "), 15000)
                self._backup_folder_tip(restored)

        login.finished.connect(done)
        login.open()

    def _attach(self, db) -> None:
        from station_app.ui.tasks import TaskRunner

        old = self.ctx.tasks
        self.ctx.db = db
        self.ctx.tasks = TaskRunner(db, self)
        if old is not None:
            old.deleteLater()
        self._row = -1
        self._build_menus()
        self._restore_page()
        self.refresh_status()
        self._status_timer.start()

    def _drop_pages(self) -> None:
        for page in list(self.pages.values()):
            self.stack.removeWidget(page)
            page.deleteLater()
        self.pages.clear()
        self.page_errors.clear()

    def set_language(self, lang: str) -> None:
        if lang == self.ctx.lang or not self.may_leave():
            self._build_menus()  # (the language ticked is the one shown)
            return
        install_language(QApplication.instance(), lang)
        self.ctx.lang = lang
        self.ctx.settings.setValue("ui/lang", lang)
        key = self.current_key()
        self._drop_pages()
        self._build_menus()
        self.nav.blockSignals(True)
        self._build_nav()
        self.nav.blockSignals(False)
        self._row = -1
        self.setWindowTitle(self._title())
        self.refresh_status()
        self.open_page(key)

    def _title(self) -> str:
        return (self.tr("Station app — district view") if self.district
                else self.tr("Station app"))

    def _error(self, exc: BaseException) -> None:
        QMessageBox.warning(self, self.tr("Station app"), self.ctx.explain(exc))

    # -- state -------------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        s = self.ctx.settings
        self.setWindowTitle(self._title())
        geometry = s.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 760)
        state = s.value("window/state")
        if state is not None:
            self.restoreState(state)

    def _restore_page(self) -> None:
        s = self.ctx.settings
        key = s.value(self._page_setting, self.home)
        keys = [k for k, _t, _f in self.page_list]
        self.open_page(key if key in keys else self.home)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt name)
        if not self.may_leave():  # unsaved typing, and the clerk chose to stay
            event.ignore()
            return
        s = self.ctx.settings
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        if self.ctx.tasks is not None:
            self.ctx.tasks.wait(10_000)
        super().closeEvent(event)
