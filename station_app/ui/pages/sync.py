"""The sync page: the district's address, enrollment, last sync, pending changes,
conflicts to review, a Sync button (off the UI thread, with progress and cancel), and an
automatic try in the background every few minutes when the district answers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from station_app.ui.forms import Form
from station_app.ui.pages import Page
from station_app.ui.qt import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTimer,
    QVBoxLayout,
    QWidget,
)

AUTO_SYNC_MS = 5 * 60 * 1000


class SyncPage(Page):
    key = "sync"
    watches = frozenset()  # reloads on every change: pending counts move with any write

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.running = None
        self.last_report = None
        self.last_error: str | None = None
        layout = QVBoxLayout(self)
        self.form = Form(ctx.lang, self)
        self.form.line("server", self.tr("District address"), "http://district:8765")
        self.form.line("enrollment_code", self.tr("Enrollment code (first time only)"))
        layout.addWidget(self.form)
        row = QHBoxLayout()
        self.sync_button = QPushButton(self.tr("Sync now"), self)
        self.sync_button.setObjectName("sync-now")
        self.sync_button.clicked.connect(self.sync_now)
        row.addWidget(self.sync_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addWidget(QLabel(self.tr("Conflicts to review"), self))
        self.conflicts = QTableWidget(0, 4, self)
        self.conflicts.setHorizontalHeaderLabels(
            [self.tr("Table"), self.tr("Record"), self.tr("Kept"), self.tr("Detected")])
        self.conflicts.horizontalHeader().setStretchLastSection(True)
        self.conflicts.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.conflicts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.conflicts, 1)
        row = QHBoxLayout()
        self.keep_button = QPushButton(self.tr("Keep the version that stands"), self)
        self.keep_button.clicked.connect(lambda: self.settle("winner"))
        self.restore_button = QPushButton(self.tr("Bring the other version back"), self)
        self.restore_button.clicked.connect(lambda: self.settle("loser"))
        row.addWidget(self.keep_button)
        row.addWidget(self.restore_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.conflict_ids: list[int] = []
        self.timer = QTimer(self, interval=AUTO_SYNC_MS, timeout=self._auto)
        self.timer.start()

    # -- data --------------------------------------------------------------------------

    def reload(self) -> None:
        from station_app.domain.models import SyncConflict

        state = self.ctx.db.state()
        self.form.set_values({"server": state.get("district_server", "")})
        enrolled = bool(state.get("sync_token"))
        self.form.widgets["enrollment_code"].setEnabled(not enrolled)
        with self.ctx.db.reader() as s:
            rows = s.execute(select(SyncConflict).where(SyncConflict.resolved_at.is_(None))
                             .order_by(SyncConflict.id.desc()).limit(200)).scalars().all()
            open_conflicts = s.execute(select(func.count()).select_from(SyncConflict).where(
                SyncConflict.resolved_at.is_(None))).scalar_one()
        self.conflicts.setRowCount(len(rows))
        self.conflict_ids = [c.id for c in rows]
        may_settle = self.ctx.actor.at_least("station_admin") and bool(rows)
        self.keep_button.setEnabled(may_settle)
        self.restore_button.setEnabled(may_settle)
        for r, c in enumerate(rows):
            kept = self.tr("district's version") if c.loser_source == "local" \
                else self.tr("this station's version")
            for col, text in enumerate((c.table_name, c.row_id, kept, c.detected_at[:16])):
                self.conflicts.setItem(r, col, QTableWidgetItem(text))
        lines = [
            self.tr("Last sync: %1").replace("%1", state.get("last_sync", "")[:16])
            if state.get("last_sync") else self.tr("Never synced yet."),
            self.tr("%1 changes not yet sent").replace("%1", str(self.ctx.db.pending_count())),
            self.tr("%1 conflicts to review").replace("%1", str(open_conflicts)),
        ]
        if not enrolled:
            lines.append(self.tr("Not enrolled: enter the district address and the "
                                 "enrollment code the district gave you."))
        if self.last_report is not None:
            rep = self.last_report
            lines.append(self.tr("Last round: sent %1, received %2.")
                         .replace("%1", str(rep.pushed)).replace("%2", str(rep.pulled)))
            lines += [self.tr("Held for review: %1").replace("%1", h) for h in rep.held]
        if self.last_error:
            lines.append(self.last_error)
        self.status.setText("\n".join(lines))

    # -- actions -----------------------------------------------------------------------

    def sync_now(self, *, quiet: bool = False) -> None:
        if self.running is not None:
            return
        values = self.form.values()
        server = values["server"].strip() or None
        code = values["enrollment_code"].strip() or None
        lang = self.ctx.lang
        # what the progress dialog says, per stage (made here, on the GUI thread)
        sending = self.tr("Sending this station's changes: %1 of %2")
        receiving = self.tr("Receiving the district's changes: %1")

        def progress(task, stage: str, done: int, total: int) -> None:
            if stage == "push":
                text = sending.replace("%1", f"{done:,}").replace("%2", f"{total:,}")
                task.progress(done, total, text)
            else:  # the district's changes: how many there are is known only at the end
                task.progress(0, 0, receiving.replace("%1", f"{done:,}"))

        def work(task) -> Any:
            from sync.client import SyncClient

            client = SyncClient(task.db, server,
                                progress=lambda stage, done, total: progress(
                                    task, stage, done, total),
                                cancelled=lambda: task.cancelled)
            try:
                if task.db.state().get("needs_reseed") and client.token:
                    # restored from a backup: the district's copy comes back first
                    return client.reseed()
                return client.sync(code)
            finally:
                client.close()

        def done(report) -> None:
            self.running = None
            self.sync_button.setEnabled(True)
            self.last_report, self.last_error = report, None
            self.form.set_values({"enrollment_code": ""})
            self.ctx.notify("members", "enterprises", "targets", "stations",
                            "watch_list_entries", "hardship_cases", "ledger_entries")
            self.reload()

        def failed(exc: BaseException) -> None:
            self.running = None
            self.sync_button.setEnabled(True)
            message = getattr(exc, "message", None)
            self.last_error = message(lang) if callable(message) else str(exc)
            self.reload()

        self.sync_button.setEnabled(False)
        self.running = self.ctx.tasks.run(
            work, on_done=done, on_error=failed,
            label=None if quiet else self.tr("Syncing with the district…"), parent=self,
            owner=self)

    def settle(self, keep: str) -> bool:
        """Settle the selected conflict (station admins): keep the version that stands, or
        write the other one back as a new change, which the next sync sends."""
        from station_app.domain.services.conflicts import resolve_conflict
        from station_app.domain.validation import ValidationError

        row = self.conflicts.currentRow()
        if not 0 <= row < len(self.conflict_ids):
            self.last_error = self.tr("Select a conflict first.")
            self.reload()
            return False
        try:
            with self.ctx.db.session(self.ctx.actor) as s:
                view = resolve_conflict(s, self.conflict_ids[row], keep)
        except ValidationError as exc:
            self.last_error = "；".join(exc.messages(self.ctx.lang))
            self.reload()
            return False
        self.last_error = None
        self.ctx.notify("sync_conflicts", view.table)
        self.reload()
        return True

    def _auto(self) -> None:
        state = self.ctx.db.state()
        if state.get("sync_token") and state.get("district_server"):
            self.sync_now(quiet=True)
