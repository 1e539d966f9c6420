"""The district view: the app opened on the district database (district admins only).

Pages: the stations with their last sync and open conflicts (created and changed there:
code, name, street office, key-station flag; and their sync files, for stations without
a network); the district's visits to the stations (站点调研, in ``district_visits``); the
consolidated figures as of a date, with each station's share; members active at two
stations (settled by marking the row at the station they left 转出); the sync conflicts
with both versions side by side; early-warning enterprises; the targets of a year,
editable here and pulled by the stations. Every read and every write runs off the UI
thread (``ui.operations``): named reads, and each write one unit of work through the
services (which check the district-admin role again).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from station_app.domain.services.reads import DuplicateRow  # noqa: F401  (this page's rows)
from station_app.ui.forms import Form
from station_app.ui.operations import Op, WriteOp
from station_app.ui.pages import Page
from station_app.ui.pages.dashboard import local_time
from station_app.ui.permissions import offer
from station_app.ui.qt import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    Qt,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from station_app.ui.tables import RowsModel, as_of_bar, read_only_table

if TYPE_CHECKING:
    from sync.district import StationStatus


def _selected(view: QTableView, model: RowsModel) -> Any:
    index = view.currentIndex()
    return model.row_at(index.row()) if index.isValid() else None


# --------------------------------------------------------------------------- stations




class StationsPage(Page):
    key = "stations"
    watches = frozenset({"stations", "station_credentials", "sync_conflicts", "sync_batches"})

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        states = {"not enrolled": self.tr("not enrolled"), "code issued": self.tr("code issued"),
                  "code expired": self.tr("code expired"),
                  "enrolled": self.tr("enrolled"), "by file": self.tr("syncs by file"),
                  "new code issued": self.tr("enrolled, new code issued"),
                  "revoked": self.tr("revoked")}
        self.model = RowsModel(self)
        self.model.columns = [
            (self.tr("Code"), lambda r: r.code),
            (self.tr("Station"), lambda r: r.name),
            (self.tr("Street"), lambda r: r.street),
            (self.tr("Key station"), lambda r: self.tr("yes") if r.key else ""),
            (self.tr("Enrollment"), lambda r: states.get(r.enrollment, r.enrollment)),
            (self.tr("Open conflicts"), lambda r: str(r.conflicts)),
            (self.tr("Last sync"), lambda r: local_time(r.last_sync) or self.tr("never")),
        ]
        self.model.numeric = {5}
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        layout.addWidget(self.summary)
        self.table = read_only_table(self, self.model)
        self.table.setObjectName("stations-table")
        self.table.doubleClicked.connect(lambda index: self.edit_station(index.row()))
        layout.addWidget(self.table, 1)
        layout.addWidget(self._station_form())
        row = QHBoxLayout()
        self.enroll_button = QPushButton(self.tr("Issue an enrollment code…"), self)
        self.enroll_button.setObjectName("enroll")
        self.enroll_button.clicked.connect(lambda: self.issue_code())
        self.revoke_button = QPushButton(self.tr("Revoke…"), self)
        self.revoke_button.setObjectName("revoke")
        self.revoke_button.clicked.connect(lambda: self.revoke_selected())
        row.addWidget(self.enroll_button)
        row.addWidget(self.revoke_button)
        row.addStretch(1)
        layout.addLayout(row)
        # stations without a network sync by file: theirs in, the district's back
        row = QHBoxLayout()
        self.import_button = QPushButton(self.tr("Read a station's file…"), self)
        self.import_button.setObjectName("bundle-import")
        self.import_button.clicked.connect(lambda: self.import_file())
        self.export_button = QPushButton(self.tr("Write a file for the selected station…"),
                                         self)
        self.export_button.setObjectName("bundle-export")
        self.export_button.clicked.connect(lambda: self.export_file())
        row.addWidget(self.import_button)
        row.addWidget(self.export_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.file_status = QLabel(self)
        self.file_status.setObjectName("bundle-status")
        self.file_status.setWordWrap(True)
        layout.addWidget(self.file_status)

    # -- creating and changing stations (code, name, street office, key-station flag)

    def _station_form(self) -> QGroupBox:
        self.editing_code: str | None = None  # the station the form changes; None: new
        self._wanted: str | None = None  # a station just saved, selected once listed
        self.station_box = QGroupBox(self)
        inner = QHBoxLayout(self.station_box)
        self.station_form = Form(self.ctx.lang, self.station_box)
        f = self.station_form
        f.line("station_code", self.tr("Code *"), self.tr("e.g. KY01"))
        f.line("station_name", self.tr("Name *"), self.tr("e.g. 葵涌社区工联会"))
        f.line("street", self.tr("Street office (办事处)"))
        self.key_box = f.add("is_key", self.tr("Key station (重点推进)"),
                             QCheckBox(self.tr("counted among the key stations"),
                                       self.station_box))
        inner.addWidget(f, 1)
        buttons = QVBoxLayout()
        self.save_station_button = QPushButton(self.tr("Save station"), self.station_box)
        self.save_station_button.setObjectName("save-station")
        self.save_station_button.clicked.connect(lambda: self.save_station())
        self.new_station_button = QPushButton(self.tr("New station"), self.station_box)
        self.new_station_button.setObjectName("new-station")
        self.new_station_button.clicked.connect(lambda: self.new_station())
        self.edit_station_button = QPushButton(self.tr("Edit the selected station"),
                                               self.station_box)
        self.edit_station_button.setObjectName("edit-station")
        self.edit_station_button.clicked.connect(lambda: self.edit_station())
        for b in (self.save_station_button, self.new_station_button,
                  self.edit_station_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        inner.addLayout(buttons)
        self.station_message = QLabel(self.station_box)
        self.station_message.setObjectName("station-message")
        self.station_message.setWordWrap(True)
        buttons.addWidget(self.station_message)
        self._station_mode()
        offer(self.new_station_button, self.ctx, "station.create")
        return self.station_box

    def _station_mode(self) -> None:
        code = self.station_form.widgets["station_code"]
        code.setReadOnly(self.editing_code is not None)
        self.station_box.setTitle(
            self.tr("New station") if self.editing_code is None
            else self.tr("Change station %1").replace("%1", self.editing_code))
        offer(self.save_station_button, self.ctx,
              "station.create" if self.editing_code is None else "station.edit")

    def new_station(self) -> None:
        """An empty form for a new station."""
        self.editing_code = None
        self.station_form.clear_errors()
        self.station_form.set_values({"station_code": "", "station_name": "", "street": "",
                                      "is_key": False})
        self._station_mode()

    def edit_station(self, row: int | None = None) -> bool:
        """The form filled with a station (the selected one without ``row``) to change
        its name, street office and key-station flag (its code stays)."""
        station = self.model.row_at(row) if row is not None \
            else _selected(self.table, self.model)
        if station is None:
            self.station_message.setText(self.tr("Select a station first."))
            return False
        self.editing_code = station.code
        self.station_form.clear_errors()
        self.station_form.set_values({"station_code": station.code,
                                      "station_name": station.name,
                                      "street": station.street or "", "is_key": station.key})
        self.station_message.clear()
        self._station_mode()
        return True

    def save_station(self) -> Op:
        """Create the station, or save the changes; refusals under their fields, nothing
        typed lost. Written off the GUI thread; the stations pull it at their next sync."""
        from station_app.domain.services import stations

        values, editing = self.station_form.values(), self.editing_code

        def work(s):
            if editing is None:
                st = stations.create_station(
                    s, values["station_code"], values["station_name"],
                    street=values["street"], is_key=values["is_key"])
            else:
                st = stations.set_station(s, editing, name=values["station_name"],
                                          street=values["street"], is_key=values["is_key"])
            return st.id, st.code

        created = self.tr("Station %1 created.")
        changed = self.tr("Station %1 changed: the stations pull it at their next sync.")

        def done(result) -> None:
            station_id, code = result
            self.station_message.setText((created if editing is None else changed)
                                         .replace("%1", code))
            self.editing_code = code
            self._station_mode()
            self._wanted = station_id
            self.refresh_now()

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, stations.ValidationError):  # (those: under the fields)
                self.station_message.setText(self.ctx.explain(exc))

        return self.station_form.submit(self.ctx, work, saved=done, failed=failed,
                                        busy=(self.save_station_button,))

    def _select(self, station_id: str | None) -> None:
        """Select the station's row (a reload keeps the selected station selected)."""
        row = next((i for i, r in enumerate(self.model.rows) if r.id == station_id), None)
        if row is not None:
            self.table.selectRow(row)

    def issue_code(self, *, show: bool = True) -> Op:
        """A new one-time enrollment code (and the station's file sync key) for the
        selected station, shown once to pass on (``last_issued`` holds it); it replaces
        earlier codes and lifts a revocation. Written off the GUI thread (a busy district
        database may keep a writer waiting). False when nothing was asked for."""
        from sync.district import enroll

        row = _selected(self.table, self.model)
        if row is None:
            self.file_status.setText(self.tr("Select a station first."))
            return Op.refused()
        actor = self.ctx.actor
        text = self.tr(
            "Enrollment code for %1 (once; it replaces earlier codes):\n\n%2\n\n"
            "File sync key (for a station without a network):\n\n%3\n\n"
            "Give them to the station in person or by a safe channel.")
        issued_text = self.tr("A new enrollment code was issued for %1.").replace("%1", row.code)

        def done(issued) -> None:
            self.last_issued = issued
            self.file_status.setText(issued_text)
            self.refresh_now()
            if show:
                box = QMessageBox(QMessageBox.Icon.Information, self.tr("Enrollment code"),
                                  text.replace("%1", row.code).replace("%2", issued.code)
                                  .replace("%3", issued.bundle_secret),
                                  QMessageBox.StandardButton.Ok, self)
                box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                box.exec()

        return WriteOp.work(self.ctx, self, lambda task: enroll(task.db, row.code, actor)) \
            .success(done) \
            .failure(lambda exc: self.file_status.setText(self.ctx.explain(exc))).run()

    def revoke_selected(self, *, confirm: bool = True) -> Op:
        """The selected station's access stops at once (a lost laptop): its token, its
        pending code and its files are refused until it is given a new code (and a new
        file sync key). Written off the GUI thread. False when nothing was asked for."""
        from sync.district import revoke

        row = _selected(self.table, self.model)
        if row is None:
            self.file_status.setText(self.tr("Select a station first."))
            return Op.refused()
        if confirm and QMessageBox.question(self, self.tr("Revoke"), self.tr(
                "Revoke %1's access? Its syncs and files are refused until it is given a "
                "new enrollment code.").replace("%1", row.code)) \
                != QMessageBox.StandardButton.Yes:
            return Op.refused()
        actor = self.ctx.actor
        revoked = self.tr("%1's access is revoked.").replace("%1", row.code)
        never = self.tr("%1 was never enrolled: nothing to revoke.").replace("%1", row.code)

        def done(was_enrolled: bool) -> None:
            self.file_status.setText(revoked if was_enrolled else never)
            self.refresh_now()

        return WriteOp.work(self.ctx, self, lambda task: revoke(task.db, row.code, actor)) \
            .success(done) \
            .failure(lambda exc: self.file_status.setText(self.ctx.explain(exc))).run()

    def _file_task(self, work, on_done, label: str) -> Op:
        def done(result) -> None:
            on_done(result)
            self.refresh_now()

        return WriteOp.work(self.ctx, self, work).success(done) \
            .failure(lambda exc: self.file_status.setText(self.ctx.explain(exc))) \
            .busy(self.import_button, self.export_button).with_progress(label, self).run()

    def _busy(self, busy: bool) -> None:
        self.import_button.setEnabled(not busy)
        self.export_button.setEnabled(not busy)

    def import_file(self, path: Path | None = None) -> None:
        """Apply a station's sync file (each of its batches once, however often read)."""
        if path is None:
            chosen, _f = QFileDialog.getOpenFileName(
                self, self.tr("Read a station's file"), "", self.tr("Sync file (*.bundle)"))
            if not chosen:
                return
            path = Path(chosen)
        read = self.tr("%1 read: %2 rows applied from %3 batches (%4 batches had been read "
                       "before). The station is selected: write its file back so that it "
                       "knows.")
        refused_text = self.tr("%1 rows refused (the station's file back tells it why):")
        lang = self.ctx.lang

        def work(task):
            from sync.bundle import import_station_bundle

            return import_station_bundle(task.db, path)

        def done(results) -> None:
            lines = [read.replace("%1", path.name)
                     .replace("%2", f"{sum(r.inserted + r.updated for r in results):,}")
                     .replace("%3", str(len(results)))
                     .replace("%4", str(sum(1 for r in results if r.duplicate)))]
            refused = [r for result in results for r in result.refused]
            if refused:
                from station_app.ui.conflicts import table_label
                from sync.merge import reason_text

                lines.append(refused_text.replace("%1", str(len(refused))))
                lines += [f"  {table_label(table)} {row_id[:8]}…: "
                          f"{reason_text(reason, lang)}"
                          for table, row_id, _h, reason in refused[:10]]
            self.file_status.setText("\n".join(lines))
            if results:  # the station whose file it was, ready for its file back
                self._select(results[0].station_id)

        self._file_task(work, done, self.tr("Reading the station's file…"))

    def export_file(self, code: str | None = None, path: Path | None = None) -> None:
        """The district's file for a station: what it would pull, and acknowledgements."""
        if code is None:
            chosen_row = _selected(self.table, self.model)
            if chosen_row is None:
                self.file_status.setText(self.tr("Select a station first."))
                return
            code = chosen_row.code
        if path is None:
            chosen, _f = QFileDialog.getSaveFileName(
                self, self.tr("Write a file for the station"),
                f"district-to-{code}-{date.today().isoformat()}.bundle",
                self.tr("Sync file (*.bundle)"))
            if not chosen:
                return
            path = Path(chosen)
        written = self.tr("%1 changes and the acknowledgements written to %2, for station "
                          "%3.")

        def work(task) -> int:
            from station_app.domain.ids import station_id_for
            from sync.bundle import export_district_bundle

            return export_district_bundle(task.db, station_id_for(code), path)

        self._file_task(work, lambda n: self.file_status.setText(
            written.replace("%1", f"{n:,}").replace("%2", str(path)).replace("%3", code)),
            self.tr("Writing the station's file…"))

    def reload(self) -> None:
        from sync.district import station_status

        def done(rows: list[StationStatus]) -> None:
            # the station just saved, else the one selected when the rows arrive
            chosen = _selected(self.table, self.model)
            wanted = self._wanted or (chosen.id if chosen else None)
            self.model.set_rows(rows)
            self._select(wanted)
            if any(r.id == self._wanted for r in rows):
                self._wanted = None
            synced = sum(1 for r in rows if r.last_sync)
            self.summary.setText(self.tr("%1 stations, %2 have synced, %3 open conflicts")
                                 .replace("%1", str(len(rows))).replace("%2", str(synced))
                                 .replace("%3", str(sum(r.conflicts for r in rows))))

        self.query(station_status, key="stations", success=done)


# --------------------------------------------------------------------------- overview


class OverviewPage(Page):
    """The consolidated figures as of a date, and each station's share of them."""

    key = "overview"
    watches = frozenset()  # everything counts: reload whenever anything changed
    SHARE_COLUMNS = ("enterprise_visits", "enterprise_visits_watchlisted",
                     "hardship_cases_open", "hardship_cases_visited", "training_events")

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        from station_app.domain.services.reports import figure_label

        layout = QVBoxLayout(self)
        bar, self.as_of = as_of_bar(self, self.tr("As of"), self.reload)
        layout.addLayout(bar)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.figures = RowsModel(self)
        self.figures.columns = [(self.tr("Figure"), lambda r: r[0]),
                                (self.tr("District"), lambda r: r[1])]
        self.figures.numeric = {1}
        self.figures_view = read_only_table(split, self.figures)
        self.figures_view.setObjectName("district-figures")
        self.shares = RowsModel(self)
        self.shares.columns = [(self.tr("Station"), lambda r: r[0])] + [
            (figure_label(c, ctx.lang), lambda r, i=i: str(r[1][i])) for i, c in
            enumerate(self.SHARE_COLUMNS)]
        self.shares.numeric = set(range(1, len(self.SHARE_COLUMNS) + 1))
        self.shares_view = read_only_table(split, self.shares)
        self.shares_view.setObjectName("station-shares")
        split.addWidget(self.figures_view)
        split.addWidget(self.shares_view)
        layout.addWidget(split, 1)

    def on_as_of(self) -> date:
        return self.as_of.date().toPython()

    def reload(self) -> None:
        from station_app.domain.services.reads import district_overview

        as_of, columns = self.on_as_of(), self.SHARE_COLUMNS

        def done(result) -> None:
            from station_app.domain.services.reports import figure_label, figure_text

            summary, shares = result
            self.figures.set_rows([(figure_label(code, self.ctx.lang), figure_text(code, v))
                                   for code, v in summary.values.items()])
            self.shares.set_rows(shares)

        # (only the newest date's answer is shown)
        self.query(lambda s: district_overview(s, as_of, columns), key="overview",
                   success=done)


# --------------------------------------------------------------------------- duplicates


class DuplicatesPage(Page):
    """The same ID number active at two stations; settle by retiring the row at the
    station the member left."""

    key = "duplicates"
    watches = frozenset({"members"})

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        from station_app.domain.validation import mask_id_number

        self.model = RowsModel(self)
        self.model.columns = [
            (self.tr("ID number"), lambda r: mask_id_number(r.id_number)),
            (self.tr("Name"), lambda r: r.name),
            (self.tr("Station"), lambda r: r.station),
            (self.tr("Join date"), lambda r: r.join_date.isoformat() if r.join_date else ""),
        ]
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.table = read_only_table(self, self.model)
        self.table.setObjectName("duplicates-table")
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.retire_button = QPushButton(self.tr("The member left this station (转出)…"), self)
        self.retire_button.clicked.connect(self.retire_selected)
        row.addWidget(self.retire_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)

    def reload(self) -> None:
        from station_app.domain.services.reads import duplicate_members

        def done(rows: list[DuplicateRow]) -> None:
            self.model.set_rows(rows)
            people = len({r.id_number for r in rows})
            self.summary.setText(self.tr(
                "%1 people are active members at more than one station. Select the row of "
                "the station a member left and mark it 转出; the other station keeps them.")
                .replace("%1", str(people)))
            offer(self.retire_button, self.ctx, "member.retire_duplicate", also=bool(rows))

        self.query(duplicate_members, key="duplicates", success=done)

    def retire_selected(self, *, confirm: bool = True) -> Op:
        from station_app.domain.services.members import retire_duplicate

        row = _selected(self.table, self.model)
        if row is None:
            self.message.setText(self.tr("Select the row of the station the member left."))
            return Op.refused()
        keep = next((r for r in self.model.rows
                     if r.id_number == row.id_number and r.id != row.id), None)
        if keep is None:
            return Op.refused()
        if confirm and QMessageBox.question(self, self.tr("Duplicate members"), self.tr(
                "Mark %1 as transferred out of %2? %3 keeps the member.")
                .replace("%1", row.name).replace("%2", row.station)
                .replace("%3", keep.station)) != QMessageBox.StandardButton.Yes:
            return Op.refused()

        def done(_member) -> None:
            self.message.setText(self.tr("Done: the station pulls the change at its next "
                                         "sync."))
            self.refresh_now()

        # a refusal names what to fix; nothing was written
        return self.write(lambda s: retire_duplicate(s, row.id, keep.id, date.today()),
                          success=done,
                          failure=lambda exc: self.message.setText(self.ctx.explain(exc)),
                          busy=(self.retire_button,))


# --------------------------------------------------------------------------- conflicts


class ConflictsPage(Page):
    """Both versions side by side; keep the standing one or bring the lost one back."""

    key = "conflicts"
    watches = frozenset({"sync_conflicts"})

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        from station_app.ui.conflicts import ConflictsPanel

        layout = QVBoxLayout(self)
        self.panel = ConflictsPanel(ctx, self, district=True)
        layout.addWidget(self.panel)  # (a settled conflict's tables are published)

    def reload(self) -> None:
        self.panel.reload()


# --------------------------------------------------------------------------- warnings


class WarningsPage(Page):
    key = "warnings"
    watches = frozenset({"visits", "watch_list_entries", "enterprises"})

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        reasons = {"abnormal": self.tr("abnormal finding, follow-up open"),
                   "watch_unvisited": self.tr("watch-listed, not visited this week")}
        self.model = RowsModel(self)
        self.model.columns = [
            (self.tr("Enterprise"), lambda w: w.enterprise_name),
            (self.tr("Warning"), lambda w: reasons.get(w.reason, w.reason)),
            (self.tr("Since"), lambda w: w.since.isoformat() if w.since else ""),
            (self.tr("Findings"), lambda w: w.flags or ""),
        ]
        layout = QVBoxLayout(self)
        self.summary = QLabel(self)
        layout.addWidget(self.summary)
        self.table = read_only_table(self, self.model)
        self.table.setObjectName("warnings-table")
        layout.addWidget(self.table, 1)

    def reload(self) -> None:
        from station_app.domain.services.visits import early_warnings

        def done(rows) -> None:
            self.model.set_rows(rows)
            self.summary.setText(self.tr("%1 early warnings").replace("%1", str(len(rows))))

        self.query(early_warnings, key="warnings", success=done)


# --------------------------------------------------------------------------- targets


class TargetsPage(Page):
    """The targets of a year with their progress; set one for the district or a station."""

    key = "targets"
    watches = frozenset({"targets"})

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        from station_app.domain.figures import figure_text
        from station_app.domain.services.metrics import METRICS

        self._metric = {code: (m.zh if ctx.zh else m.en) for code, m in METRICS.items()}
        self.names: dict[str, tuple[str, str]] = {}
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Year"), self))
        self.year = QSpinBox(self)
        self.year.setRange(2000, 2100)
        self.year.setValue(date.today().year)
        self.year.valueChanged.connect(lambda _v: self.reload())
        bar.addWidget(self.year)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.model = RowsModel(self)
        self.model.columns = [
            (self.tr("Scope"), lambda t: self.names.get(t[1], ("", self.tr("District")))[1]
             if t[1] else self.tr("District")),
            (self.tr("Figure"), lambda t: self._metric.get(t[0], t[0])),
            # money in yuan (the figures count fen), as the reports show it
            (self.tr("Target"), lambda t: figure_text(t[0], t[2])),
            (self.tr("Progress"), lambda t: figure_text(t[0], t[3])),
            (self.tr("Done"), lambda t: f"{min(100, t[3] * 100 // t[2])}%" if t[2] else ""),
        ]
        self.model.numeric = {2, 3, 4}
        self.table = read_only_table(self, self.model)
        self.table.setObjectName("targets-table")
        layout.addWidget(self.table, 1)
        box = QGroupBox(self.tr("Set a target"), self)
        self.form = Form(ctx.lang, box)
        self.scope = self.form.add("station_code", self.tr("Scope"), QComboBox(box))
        # (not "metric": that would shadow QWidget.metric(), which Qt calls while painting)
        self.figure = self.form.add("metric", self.tr("Figure"), QComboBox(box))
        for code, text in self._metric.items():
            self.figure.addItem(text, code)
        self.value = self.form.line("value", self.tr("Target"))
        self.figure.currentIndexChanged.connect(self._metric_chosen)
        self._metric_chosen()
        save = QPushButton(self.tr("Save target"), box)
        save.clicked.connect(self.save)
        offer(save, ctx, "target.set")
        inner = QVBoxLayout(box)
        inner.addWidget(self.form)
        inner.addWidget(save, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(box)
        self.message = QLabel(self)
        layout.addWidget(self.message)

    def reload(self) -> None:
        from station_app.domain.services.reads import targets_of_year

        year = self.year.value()
        as_of = date(year, 12, 31) if year < date.today().year else date.today()

        def done(result) -> None:
            self.names, codes, targets = result
            current = self.scope.currentData()
            self.scope.clear()
            self.scope.addItem(self.tr("District"), "")
            for code, name in codes:
                self.scope.addItem(f"{code} {name}", code)
            index = self.scope.findData(current)
            self.scope.setCurrentIndex(max(index, 0))
            self.model.set_rows(targets)

        # (only the newest year's answer is shown)
        self.query(lambda s: targets_of_year(s, year, as_of), key="targets", success=done)

    def _metric_chosen(self, *_args) -> None:
        """A money figure's target is typed in yuan (stored in fen, as the figure)."""
        money = str(self.figure.currentData() or "").endswith("_fen")
        self.value.setPlaceholderText(self.tr("in yuan, like 1,000 or 1,000.50") if money
                                      else self.tr("a whole number"))
        self.form.layout_.labelForField(self.value.parentWidget()).setText(
            self.tr("Target (yuan)") if money else self.tr("Target"))

    def save(self) -> Op:
        from station_app.domain.services.stations import set_target
        from station_app.domain.validation import parse_amount_fen

        year, metric = self.year.value(), self.figure.currentData()
        code, value = self.scope.currentData() or None, self.value.text()

        def write(s):
            amount = value
            if str(metric).endswith("_fen"):  # typed in yuan: the figure counts fen
                amount = parse_amount_fen(value, field="value", allow_zero=True)
            return set_target(s, year, metric, amount, code).id

        def saved(_target) -> None:
            self.message.setText(self.tr("Saved: the stations pull it at their next sync."))
            self.refresh_now()

        return self.form.submit(self.ctx, write, saved=saved)
