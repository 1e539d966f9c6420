"""The sync conflicts a person reviews, at a station (its Sync page) and at the district
(its Conflicts page): the list, the fields that differ with both versions side by side,
and the two ways to settle one — keep the version that stands, or bring the lost one back
(a new change, synced like any edit). The service checks the role again."""

from __future__ import annotations

from typing import Any

from station_app.domain.validation import FIELD_LABELS
from station_app.ui.pages.dashboard import local_time
from station_app.ui.qt import (
    QT_TRANSLATE_NOOP,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)
from station_app.ui.qt import tr as translate_in
from station_app.ui.tables import RowsModel, read_only_table

# The kinds of synced record, as a person names them (context "Records" in translations).
TABLES = {
    "members": QT_TRANSLATE_NOOP("Records", "Member"),
    "enterprises": QT_TRANSLATE_NOOP("Records", "Enterprise"),
    "watch_list_entries": QT_TRANSLATE_NOOP("Records", "Watch-list entry"),
    "hardship_cases": QT_TRANSLATE_NOOP("Records", "Hardship file"),
    "household_members": QT_TRANSLATE_NOOP("Records", "Household member"),
    "ledger_entries": QT_TRANSLATE_NOOP("Records", "Ledger entry"),
    "visits": QT_TRANSLATE_NOOP("Records", "Visit"),
    "events": QT_TRANSLATE_NOOP("Records", "Event"),
    "event_members": QT_TRANSLATE_NOOP("Records", "Event participant"),
    "targets": QT_TRANSLATE_NOOP("Records", "Target"),
    "stations": QT_TRANSLATE_NOOP("Records", "Station"),
}


def table_label(table: str) -> str:
    """A synced table's records as a person names them, in the app's language."""
    return translate_in("Records", TABLES[table]) if table in TABLES else table


class ConflictsPanel(QWidget):
    """``district``: a column names each conflict's station, and settling needs a district
    admin; at a station, a station admin. ``settled(table)`` follows every settlement."""

    settled = Signal(str)
    loaded = Signal(int)  # how many conflicts are listed, after each reload

    def __init__(self, ctx, parent: QWidget | None = None, *, district: bool = False):
        super().__init__(parent)
        self.ctx = ctx
        self.district = district
        self.names: dict[str, tuple[str, str]] = {}  # station id → (code, name)
        self.labels: dict[int, str] = {}  # conflict id → the record as a person knows it
        tables = {t: table_label(t) for t in TABLES}
        self.model = RowsModel(self)
        columns = [
            (self.tr("Record"), lambda v: tables.get(v.table, v.table)),
            (self.tr("Name"), lambda v: self.labels.get(v.id, "")),
            (self.tr("Fields that differ"), lambda v: "、".join(
                self._field(k) for k in v.differing) if self.ctx.zh else ", ".join(
                self._field(k) for k in v.differing)),
            (self.tr("Current version"), self._standing),
            (self.tr("Detected"), lambda v: local_time(v.detected_at)),
        ]
        if district:
            columns.insert(0, (self.tr("Station"),
                               lambda v: self.names.get(v.station_id, ("", ""))[0]))
        self.model.columns = columns
        self.sides = RowsModel(self)
        self.sides.columns = [(self.tr("Field"), lambda r: r[0]),
                              (self.tr("Current version"), lambda r: r[1]),
                              (self.tr("Overwritten version"), lambda r: r[2])]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.table = read_only_table(split, self.model)
        self.table.setObjectName("conflicts-table")
        self.side_view = read_only_table(split, self.sides)
        self.side_view.setObjectName("conflict-sides")
        split.addWidget(self.table)
        split.addWidget(self.side_view)
        layout.addWidget(split, 1)
        row = QHBoxLayout()
        self.keep_winner = QPushButton(self.tr("Keep the current version"), self)
        self.keep_loser = QPushButton(self.tr("Bring the overwritten version back"), self)
        self.keep_winner.clicked.connect(lambda: self.resolve("winner", confirm=True))
        self.keep_loser.clicked.connect(lambda: self.resolve("loser", confirm=True))
        row.addWidget(self.keep_winner)
        row.addWidget(self.keep_loser)
        row.addStretch(1)
        layout.addLayout(row)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self._show_sides())
        self._buttons()

    # -- data --------------------------------------------------------------------------

    def reload(self) -> None:
        from station_app.ui.operations import QueryOp

        district, lang = self.district, self.ctx.lang

        def read(s):
            from station_app.domain.services.conflicts import describe, list_conflicts
            from station_app.domain.services.stations import station_names

            views = list_conflicts(s)
            names = station_names(s) if district else {}
            return names, describe(s, views, lang), views

        def done(result) -> None:
            self.names, self.labels, views = result
            self.model.set_rows(views)
            self.sides.set_rows([])
            self._buttons()
            if views:
                self.table.selectRow(0)
            self.loaded.emit(len(views))

        QueryOp(self.ctx, self, read, key="conflicts").success(done).run()

    def count(self) -> int:
        return self.model.rowCount()

    def selected(self) -> Any:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def _field(self, key: str) -> str:
        labels = FIELD_LABELS.get(key)
        return labels[0 if self.ctx.zh else 1] if labels else key

    def _standing(self, view) -> str:
        """Whose version stands: the conflict keeps the other one for review."""
        if self.district:
            return self.tr("the station's") if view.loser_source == "local" \
                else self.tr("the district's")
        return self.tr("the district's") if view.loser_source == "local" \
            else self.tr("this station's")

    def _buttons(self) -> None:
        from station_app.ui.permissions import offer

        action = "conflict.resolve_district" if self.district else "conflict.resolve_station"
        for button in (self.keep_winner, self.keep_loser):
            offer(button, self.ctx, action, also=self.selected() is not None)

    def _show_sides(self) -> None:
        view = self.selected()
        self._buttons()
        if view is None:
            self.sides.set_rows([])
            return

        def text(value: Any) -> str:
            return "" if value is None else str(value)

        self.sides.set_rows([(self._field(k), text(view.winner.get(k)), text(view.loser.get(k)))
                             for k in view.differing])

    # -- settling ----------------------------------------------------------------------

    def resolve(self, keep: str, *, confirm: bool = False):
        """Settle the selected conflict (off the GUI thread); returns the ``Op`` (refused,
        with the reason shown, when nothing was asked). ``confirm``: ask first, naming the
        record and what happens to it."""
        from station_app.domain.services.conflicts import resolve_conflict
        from station_app.ui.operations import Op, WriteOp

        view = self.selected()
        if view is None:
            self.message.setText(self.tr("Select a conflict first."))
            return Op.refused()
        if confirm:
            name = f"{table_label(view.table)} {self.labels.get(view.id, '')}"
            question = (self.tr("Keep the current version of %1? The overwritten version "
                                "is set aside for good.") if keep == "winner" else
                        self.tr("Write the overwritten version of %1 back over the current "
                                "one? It is sent on like any change."))
            if QMessageBox.question(self, self.tr("Settle the conflict"),
                                    question.replace("%1", name)) \
                    != QMessageBox.StandardButton.Yes:
                return Op.refused()

        def settled(_result) -> None:
            if keep == "winner":
                self.message.setText(self.tr("Settled."))
            elif self.district:
                self.message.setText(self.tr("Settled: the overwritten version is written "
                                             "back; the station pulls it at its next sync."))
            else:
                self.message.setText(self.tr("Settled: the overwritten version is written "
                                             "back; the next sync sends it."))
            self.settled.emit(view.table)

        return WriteOp(self.ctx, self, lambda s: resolve_conflict(s, view.id, keep)) \
            .success(settled).failure(lambda exc: self.message.setText(self.ctx.explain(exc))) \
            .busy(self.keep_winner, self.keep_loser).run()
