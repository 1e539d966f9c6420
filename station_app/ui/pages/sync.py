"""The sync page: the district's address, enrollment, last sync, pending changes,
conflicts to review, a Sync button (off the UI thread, with progress and cancel), an
automatic try in the background every few minutes when the district answers, and sync by
file for a station without a network (a signed file to carry to the district, and the
district's file back)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from station_app.ui.forms import ERROR_STYLE, Form
from station_app.ui.operations import QueryOp, WriteOp
from station_app.ui.pages import Page
from station_app.ui.qt import (
    QCheckBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTimer,
    QVBoxLayout,
    QWidget,
)

AUTO_SYNC_MS = 5 * 60 * 1000


class Unanswered(Exception):
    """A round the page does not start, with what to do (worded on the GUI thread) and
    the field it concerns."""

    def __init__(self, text: str, field: str | None = None):
        super().__init__(text)
        self.text, self.field = text, field

    def message(self, _lang: str = "zh") -> str:
        return self.text


class SyncPage(Page):
    key = "sync"
    watches = frozenset()  # reloads on every change: pending counts move with any write

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.running = None  # the Op of a round or a file under way (until it is shown)
        self.last_report = None
        self.last_error: str | None = None
        self.state: dict[str, str] = {}  # the station's sync state, as last read
        self.last_changed: frozenset[str] = frozenset()  # the tables the last round changed
        layout = QVBoxLayout(self)
        self.form = Form(ctx.lang, self)
        self.form.line("server", self.tr("District address"), "https://district:8765")
        self.form.line("enrollment_code", self.tr("Enrollment code (first time only)"))
        self.form.line("fingerprint", self.tr("District certificate fingerprint"),
                       self.tr("SHA-256, as the district printed it (when its certificate "
                               "is its own)"))
        ca_row = QHBoxLayout()
        self.ca_label = QLabel(self)
        self.ca_label.setObjectName("district-ca")
        self.ca_button = QPushButton(self.tr("District CA file…"), self)
        self.ca_button.clicked.connect(lambda: self.choose_ca())
        ca_row.addWidget(self.ca_label, 1)
        ca_row.addWidget(self.ca_button)
        ca_holder = QWidget(self)
        ca_holder.setLayout(ca_row)
        self.form.layout_.addRow(self.tr("District CA"), ca_holder)
        self.form.add("plain_http", "", QCheckBox(
            self.tr("Allow plain HTTP to the district on the local network (not encrypted)"),
            self))
        layout.addWidget(self.form)
        # plain HTTP beyond this computer: the station's data and token travel in clear
        self.plain_warning = QLabel(self.tr(
            "Warning: this station syncs without encryption (plain HTTP). Anyone on the "
            "local network can read its members' data and its access token. Ask the "
            "district for an https:// address, and untick the plain HTTP setting."), self)
        self.plain_warning.setObjectName("plain-http-warning")
        self.plain_warning.setWordWrap(True)
        self.plain_warning.setStyleSheet(ERROR_STYLE)
        self.plain_warning.hide()
        layout.addWidget(self.plain_warning)
        # ticked (not yet in use): the same red warning, said before the first round
        self.form.widgets["plain_http"].toggled.connect(lambda _on: self._warn_plain())
        self.form.widgets["server"].textChanged.connect(lambda _t: self._warn_plain())
        self._ca_pem: str | None = None  # a CA file chosen, kept at the next round
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
        self.error = QLabel(self)  # what went wrong last, apart from the state above
        self.error.setObjectName("sync-error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(ERROR_STYLE)
        self.error.hide()
        layout.addWidget(self.error)
        layout.addWidget(self._file_box())
        from station_app.ui.conflicts import ConflictsPanel

        self.conflicts_title = QLabel(self.tr("Conflicts to review"), self)
        layout.addWidget(self.conflicts_title)
        self.conflicts = ConflictsPanel(ctx, self)
        self.conflicts.settled.connect(self._settled)
        self.conflicts.loaded.connect(self._show_conflicts)
        layout.addWidget(self.conflicts, 1)
        layout.addStretch(0)
        self._show_conflicts(0)
        self.timer = QTimer(self, interval=AUTO_SYNC_MS, timeout=self._auto)
        self.timer.start()

    def _file_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("Without a network: sync by file"), self)
        inner = QVBoxLayout(box)
        note = QLabel(self.tr(
            "Write this station's changes to a file and take it to the district (USB stick, "
            "e-mail); read the file the district gives back here. The changes stay pending "
            "until the district's file is read."), box)
        note.setWordWrap(True)
        inner.addWidget(note)
        self.file_form = Form(self.ctx.lang, box)
        self.file_form.line("bundle_key", self.tr("File sync key (first time only)"),
                            self.tr("the 64-character key the district printed"))
        inner.addWidget(self.file_form)
        row = QHBoxLayout()
        self.export_button = QPushButton(self.tr("Write a file for the district…"), box)
        self.export_button.setObjectName("bundle-export")
        self.export_button.clicked.connect(lambda: self.export_file())
        self.import_button = QPushButton(self.tr("Read the district's file…"), box)
        self.import_button.setObjectName("bundle-import")
        self.import_button.clicked.connect(lambda: self.import_file())
        row.addWidget(self.export_button)
        row.addWidget(self.import_button)
        row.addStretch(1)
        inner.addLayout(row)
        self.file_status = QLabel(box)
        self.file_status.setObjectName("bundle-status")
        self.file_status.setWordWrap(True)
        self.file_status.hide()  # shown with the first outcome (no empty strip before)
        inner.addWidget(self.file_status)
        return box

    # -- data --------------------------------------------------------------------------

    def reload(self, then=None) -> None:
        """Read the station's sync state off the GUI thread and show it; ``then()``
        after it is shown."""
        from station_app.domain.services.reads import sync_overview
        from sync.outbound import held_records

        lang = self.ctx.lang

        def read(db):
            return sync_overview(db), held_records(db, lang)

        def show(answer) -> None:
            self._show_state(*answer)
            if then is not None:
                then()

        def failed(exc: BaseException) -> None:
            self.error.setText(self.ctx.explain(exc))
            self.error.show()
            if then is not None:
                then()

        QueryOp.on_db(self.ctx, self, read, key="state").success(show).failure(failed).run()
        self.conflicts.reload()

    def _show_state(self, overview, held) -> None:
        from station_app.ui.pages.dashboard import local_time

        state = self.state = overview.state
        self._ca_kept()
        self.form.set_values({"server": state.get("district_server", ""),
                              "fingerprint": state.get("district_fingerprint", ""),
                              "plain_http": bool(state.get("sync_plain_http"))})
        self.ca_label.setText(
            self.tr("a CA file chosen; kept at the next sync") if self._ca_pem
            else self.tr("the district's CA is kept") if state.get("district_ca")
            else self.tr("none (the system's certificate authorities)"))
        self._warn_plain()
        enrolled = bool(state.get("sync_token"))
        # open even once enrolled: a station the district revoked (or whose laptop was
        # replaced) is given a new code, and it goes here
        self.form.widgets["enrollment_code"].setPlaceholderText(
            self.tr("enrolled; type a code only when the district gives you a new one")
            if enrolled else "")
        keyed = bool(state.get("bundle_secret"))
        self.file_form.widgets["bundle_key"].setPlaceholderText(
            self.tr("already given; type it only to replace it") if keyed
            else self.tr("the 64-character key the district printed"))
        lines = [
            self.tr("Last sync: %1").replace("%1", local_time(state["last_sync"]))
            if state.get("last_sync") else self.tr("Never synced yet."),
            self.tr("%1 changes not yet sent").replace("%1", str(overview.pending)),
            self.tr("%1 conflicts to review").replace("%1", str(overview.open_conflicts)),
        ]
        if not enrolled and keyed:
            lines.append(self.tr("This station syncs by file (below). To sync over the "
                                 "network, enter the district address and an enrollment "
                                 "code."))
        elif not enrolled and not self.last_error:  # (an error says it already)
            lines.append(self.tr("Not enrolled: enter the district address and the "
                                 "enrollment code the district gave you."))
        if self.last_report is not None:
            rep = self.last_report
            lines.append(self.tr("Last round: sent %1, received %2.")
                         .replace("%1", str(rep.pushed)).replace("%2", str(rep.pulled)))
            if rep.review:
                lines.append(self.tr(
                    "%1 changes to enterprises of other stations went to the district for "
                    "review; until it accepts them, the district's version stands.")
                    .replace("%1", str(rep.review)))
        lines += self._held_lines(*held)
        self.status.setText("\n".join(lines))
        self.error.setText(self.last_error or "")
        self.error.setVisible(bool(self.last_error))

    def _warn_plain(self) -> None:
        """The red warning under the plain HTTP setting: in use (the address kept is
        plain HTTP beyond this computer), or ticked and about to be."""
        in_use = self._in_clear(self.state)
        typed = self.form.widgets["server"].text().strip().lower()
        ticked = self.form.widgets["plain_http"].isChecked() and \
            not typed.startswith("https://")  # (an https address never uses it)
        if in_use:
            self.plain_warning.setText(self.tr(
                "Warning: this station syncs without encryption (plain HTTP). Anyone on the "
                "local network can read its members' data and its access token. Ask the "
                "district for an https:// address, and untick the plain HTTP setting."))
        elif ticked:
            self.plain_warning.setText(self.tr(
                "Warning: with plain HTTP the station's data and its access token travel "
                "unencrypted on the local network, where anyone on it can read them. Allow "
                "it only on a network you trust, and only until the district gives an "
                "https:// address."))
        self.plain_warning.setVisible(in_use or ticked)

    @staticmethod
    def _in_clear(state: dict[str, str]) -> bool:
        """Whether the address kept sends the station's data in clear beyond this
        computer (plain HTTP to the local network, which the station allowed)."""
        from sync.tls import is_loopback_host

        address = state.get("district_server", "")
        if not address.startswith("http://"):
            return False
        try:
            import httpx

            return not is_loopback_host(httpx.URL(address).host)
        except (ValueError, httpx.InvalidURL):
            return False

    def _ca_kept(self) -> None:
        """The CA file chosen is no longer pending once the station keeps it (the round
        keeps it first, whether or not the district then answers)."""
        if self._ca_pem and self.state.get("district_ca") == self._ca_pem:
            self._ca_pem = None

    def choose_ca(self, path: Path | None = None) -> None:
        """The district's CA file (PEM), kept with the next round."""
        from sync.tls import TransportRefused, clean_ca

        if path is None:
            chosen, _f = QFileDialog.getOpenFileName(
                self, self.tr("The district's CA file"), "",
                self.tr("Certificates (*.pem *.crt *.cer);;All files (*)"))
            if not chosen:
                return
            path = Path(chosen)
        try:
            pem = clean_ca(path.read_text(encoding="ascii", errors="replace"))
        except (OSError, TransportRefused) as exc:
            self.form.show_error("fingerprint", getattr(exc, "zh" if self.ctx.zh else "en",
                                                        str(exc)))
            return
        self.form.clear_errors()
        self._ca_pem = pem
        self.ca_label.setText(self.tr("a CA file chosen; kept at the next sync"))

    def _show_conflicts(self, count: int) -> None:
        """The conflicts panel takes room only when there is something to review."""
        self.conflicts_title.setVisible(count > 0)
        self.conflicts.setVisible(count > 0)

    def _held_lines(self, total: int, shown: list[tuple[str, str, str]]) -> list[str]:
        """The rows the district refused, each as a person knows it, with the reason in
        the clerk's language (``sync.outbound.held_records``)."""
        from station_app.ui.conflicts import table_label

        if not total:
            return []
        lines = [self.tr("%1 changes the district refused are held (Sync now tries them "
                         "again):").replace("%1", str(total))]
        lines += [f"  {table_label(t)} {label}: {reason}" for t, label, reason in shown]
        if total > len(shown):
            lines.append(f"  … +{total - len(shown)}")
        return lines

    # -- actions -----------------------------------------------------------------------

    def sync_now(self, *, quiet: bool = False, auto: bool = False) -> None:
        """One round with the district; ``quiet``: no progress dialog; ``auto``: the
        page's own try (the address and code kept, not what the fields hold; held rows
        left for a round a person starts)."""
        if self.running is not None:
            return
        values = self.form.values()
        # an automatic try never takes what is being typed in the fields
        server = None if auto else values["server"].strip() or None
        code = None if auto else values["enrollment_code"].strip() or None
        transport = None if auto else {"fingerprint": values["fingerprint"],
                                       "ca_pem": self._ca_pem,
                                       "plain_lan": values["plain_http"]}
        # what the progress dialog says, per stage (made here, on the GUI thread)
        sending = self.tr("Sending this station's changes: %1 of %2")
        receiving = self.tr("Receiving the district's changes: %1")
        no_address = self.tr("Enter the district's address first (District address, above: "
                             "as the district office gave it, like https://district:8765), "
                             "then press Sync now.")
        no_code = self.tr("Enter the enrollment code the district gave this station (only "
                          "the first time), then press Sync now.")

        def progress(task, stage: str, done: int, total: int) -> None:
            if stage == "push":
                text = sending.replace("%1", f"{done:,}").replace("%2", f"{total:,}")
                task.progress(done, total, text)
            else:  # the district's changes: how many there are is known only at the end
                task.progress(0, 0, receiving.replace("%1", f"{done:,}"))

        def work(task) -> Any:
            from sync.client import SyncClient, set_transport


            if transport is not None:  # (checked before it replaces what is kept)
                set_transport(task.db, **transport)
            if server is None and not task.db.state().get("district_server"):
                raise Unanswered(no_address, "server")  # (the client's text is the CLI's)
            client = SyncClient(task.db, server,
                                progress=lambda stage, done, total: progress(
                                    task, stage, done, total),
                                cancelled=lambda: task.cancelled)
            try:
                if not code and not client.token:  # (the address is kept meanwhile)
                    raise Unanswered(no_code, "enrollment_code")
                if task.db.state().get("needs_reseed") and client.token:
                    # restored from a backup: the district's copy comes back first
                    return client.reseed()
                # held rows are tried again when a person asks, not every few minutes
                return client.sync(code, retry_held=not auto)
            finally:
                client.close()

        def done(report) -> None:
            # (the pages showing the tables the round changed refresh: published)
            self.last_report, self.last_error = report, None
            self.last_changed = self.running.changed if self.running is not None else set()
            if code:  # used: cleared (a code typed meanwhile by hand stays)
                self.form.set_values({"enrollment_code": ""})
            self.reload(then=self._idle)

        def failed(exc: BaseException) -> None:
            self.last_error = self.ctx.explain(exc)
            self.last_report = None  # (the round before is no news any more)
            if isinstance(exc, Unanswered) and exc.field:
                self.form.show_error(exc.field, exc.text)
            self.reload(then=self._idle)

        self._set_busy(True)
        op = WriteOp.work(self.ctx, self, work).success(done).failure(failed)
        if not quiet:
            op.with_progress(self.tr("Syncing with the district…"), self)
        self.running = op.run()

    def _idle(self) -> None:
        """A round or a file is over and its outcome shown."""
        self.running = None
        self._set_busy(False)

    def _typed_key(self) -> str | None:
        """The key typed, checked for its form ("" when none is typed and one is kept);
        None, with the reason under the field, when it is mistyped or when the station
        has none yet. What was typed stays."""
        from sync.bundle import BundleError, clean_bundle_key

        typed = self.file_form.values()["bundle_key"].strip()
        if typed:
            try:
                key = clean_bundle_key(typed, (self.ctx.db.station_id,
                                               self.state.get("station_code", "")))
            except BundleError as exc:
                self.file_form.show_error("bundle_key", exc.message(self.ctx.lang))
                return None
            self.file_form.clear_errors()
            return key
        if not self.state.get("bundle_secret"):
            self.file_form.show_error("bundle_key", self.tr(
                "Enter the file sync key the district gave this station first."))
            return None
        self.file_form.clear_errors()
        return ""

    def _file_task(self, work, on_done, label: str) -> None:
        def finished(result) -> None:
            on_done(result)
            self.reload(then=self._idle)

        def failed(exc: BaseException) -> None:
            self._say_file(self.ctx.explain(exc))
            self.reload(then=self._idle)

        self._set_busy(True)
        self.running = WriteOp.work(self.ctx, self, work).success(finished).failure(failed) \
            .with_progress(label, self).run()

    def _say_file(self, text: str) -> None:
        self.file_status.setText(text)
        self.file_status.setVisible(bool(text))

    def _set_busy(self, busy: bool) -> None:
        # the fields too: what the running round took from them stays what they show
        for widget in (self.sync_button, self.export_button, self.import_button,
                       self.ca_button, self.form, self.file_form):
            widget.setEnabled(not busy)

    def _file_ready(self, path: Path | None, save: bool) -> tuple[str, Path] | None:
        """Before a file action: nothing else running, the key typed right (or one
        kept), a file chosen (``path``, or asked for). (typed key or "", path) or None."""
        if self.running is not None:
            return None
        key = self._typed_key()
        if key is None or path is not None:
            return None if key is None else (key, path)
        if save:
            code = self.state.get("station_code", "station")
            chosen, _f = QFileDialog.getSaveFileName(
                self, self.tr("Write a file for the district"),
                f"{code}-to-district-{date.today().isoformat()}.bundle",
                self.tr("Sync file (*.bundle)"))
        else:
            chosen, _f = QFileDialog.getOpenFileName(
                self, self.tr("Read the district's file"), "", self.tr("Sync file (*.bundle)"))
        return (key, Path(chosen)) if chosen else None

    def export_file(self, path: Path | None = None) -> None:
        """Every pending change into a signed file for the district."""
        ready = self._file_ready(path, save=True)
        if ready is None:
            return
        key, path = ready
        if key:  # typed: it is this station's key from now on (the district's file proves
            # it; a mistyped one is replaced by typing it again — the field stays open)
            self.file_form.set_values({"bundle_key": ""})
        written = self.tr("%1 changes written to %2. Take the file to the district; they "
                          "stay pending until the district's file is read here.")

        def work(task) -> int:
            from sync.bundle import export_station_bundle, set_station_key

            if key:
                set_station_key(task.db, key)
            return export_station_bundle(task.db, path)

        self._file_task(work, lambda n: self._say_file(
            written.replace("%1", f"{n:,}").replace("%2", str(path))),
            self.tr("Writing the sync file…"))

    def import_file(self, path: Path | None = None) -> None:
        """The district's file: its changes (watch list, targets …), acknowledgements."""
        ready = self._file_ready(path, save=False)
        if ready is None:
            return
        key, path = ready
        read = self.tr("The district's file is read: %1 changes received, %2 conflicts to "
                       "review.")

        def work(task):
            from sync.bundle import import_district_bundle

            return import_district_bundle(task.db, path, key or None)

        def done(result) -> None:
            self.file_form.set_values({"bundle_key": ""})  # kept: the file proved it
            self._say_file(read.replace("%1", str(result.inserted + result.updated))
                                     .replace("%2", str(result.conflicts)))

        self._file_task(work, done, self.tr("Reading the district's file…"))

    def _settled(self, _table: str) -> None:
        self.reload()  # (the pages showing what changed refresh: published)

    def _auto(self) -> None:
        """The automatic try: when the state last read says the station is enrolled."""
        if self.state.get("sync_token") and self.state.get("district_server"):
            self.sync_now(quiet=True, auto=True)
