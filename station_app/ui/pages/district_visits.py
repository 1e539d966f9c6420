"""The district's visit diary (站点调研): its visits to the stations, a year at a time.

The list of a year (optionally of one station), the form to record a visit or correct
one (double-click a row, or *Edit*), deleting one (asked first, by name), and the
figure the half-year report quotes: key stations visited this year, of all key stations
(the metric catalogue's ``key_stations_visited`` / ``key_stations_total``). Every read
and write runs off the GUI thread through the services, which check the district
administrator's role and that this is the district database.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from station_app.ui.forms import Form
from station_app.ui.operations import Op
from station_app.ui.pages import Page
from station_app.ui.permissions import offer
from station_app.ui.qt import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
)
from station_app.ui.tables import RowsModel, read_only_table

if TYPE_CHECKING:
    from station_app.domain.services.visits import StationVisitRow

# the services' error fields → this form's fields, where they differ
RENAME = {"target": "station", "target_station_id": "station"}


def _as_of(year: int) -> date:
    """The date a year's figure is counted to: today in the current year, else its end."""
    today = date.today()
    return today if year == today.year else date(year, 12, 31)


def _one_line(text: str | None, width: int = 60) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


class StationVisitsPage(Page):
    key = "station_visits"
    watches = frozenset({"visits", "stations"})

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.editing: StationVisitRow | None = None  # the visit the form corrects
        self.stations: list[tuple[str, str, str, bool]] = []  # (id, code, name, key)
        self.counts: tuple[int, int] | None = None  # key stations (visited, total)
        self._select_after: str | None = None  # a visit just saved, selected once listed

        outer = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Year"), self))
        self.year = QSpinBox(self)
        self.year.setObjectName("year")
        self.year.setRange(2000, 2100)
        self.year.setValue(date.today().year)
        self.year.valueChanged.connect(lambda _v: self.reload())
        bar.addWidget(self.year)
        bar.addWidget(QLabel(self.tr("Station"), self))
        self.station_filter = QComboBox(self)
        self.station_filter.setObjectName("station-filter")
        self.station_filter.addItem(self.tr("All stations"), None)
        self.station_filter.currentIndexChanged.connect(lambda _i: self._filter_changed())
        bar.addWidget(self.station_filter)
        bar.addSpacing(24)
        self.key_count = QLabel(self)
        self.key_count.setObjectName("key-count")
        font = self.key_count.font()
        font.setBold(True)
        self.key_count.setFont(font)
        bar.addWidget(self.key_count)
        bar.addStretch(1)
        outer.addLayout(bar)

        split = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(split, 1)

        left = QWidget(split)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        yes = self.tr("yes")
        self.model = RowsModel(self)
        self.model.columns = [
            (self.tr("Date"), lambda r: r.visit_date.isoformat()),
            (self.tr("Station"), lambda r: f"{r.station_code} {r.station_name}"),
            (self.tr("Key station"), lambda r: yes if r.is_key else ""),
            (self.tr("Visitors"), lambda r: r.visitors),
            (self.tr("Findings"), lambda r: _one_line(r.findings)),
            (self.tr("Follow-up due"),
             lambda r: r.follow_up_due.isoformat() if r.follow_up_due else ""),
        ]
        self.table = read_only_table(left, self.model)
        self.table.setObjectName("station-visits-table")
        self.table.doubleClicked.connect(lambda index: self.edit_row(index.row()))
        lv.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        self.new_button = QPushButton(self.tr("New visit"), left)
        self.new_button.setObjectName("new-visit")
        self.new_button.clicked.connect(lambda: self.new_visit())
        self.edit_button = QPushButton(self.tr("Edit…"), left)
        self.edit_button.setObjectName("edit-visit")
        self.edit_button.clicked.connect(lambda: self.edit_selected())
        self.delete_button = QPushButton(self.tr("Delete…"), left)
        self.delete_button.setObjectName("delete-visit")
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        for b, action in ((self.new_button, "station_visit.record"),
                          (self.edit_button, "station_visit.edit"),
                          (self.delete_button, "station_visit.delete")):
            buttons.addWidget(b)
            offer(b, ctx, action)
        buttons.addStretch(1)
        lv.addLayout(buttons)
        self.message = QLabel(left)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        lv.addWidget(self.message)

        scroll = QScrollArea(split)
        scroll.setWidgetResizable(True)
        self.box = QGroupBox(scroll)
        bv = QVBoxLayout(self.box)
        self.form = Form(ctx.lang, self.box)
        f = self.form
        f.line("visit_date", self.tr("Visit date *"), self.tr("YYYY-MM-DD"))
        self.station_combo = f.add("station", self.tr("Station *"), QComboBox(self.box))
        f.line("visitors", self.tr("Visitors *"))
        for field, text in (("findings", self.tr("Findings")), ("actions", self.tr("Actions"))):
            edit = QPlainTextEdit(self.box)
            edit.setMaximumHeight(80)
            f.add(field, text, edit)
        f.line("follow_up_due", self.tr("Follow-up due"), self.tr("YYYY-MM-DD"))
        bv.addWidget(f)
        row = QHBoxLayout()
        self.save_button = QPushButton(self.tr("Save visit"), self.box)
        self.save_button.setObjectName("save-visit")
        self.save_button.clicked.connect(lambda: self.save())
        offer(self.save_button, ctx, "station_visit.record")
        self.cancel_button = QPushButton(self.tr("Cancel the correction"), self.box)
        self.cancel_button.setObjectName("cancel-edit")
        self.cancel_button.clicked.connect(lambda: self.new_visit())
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.save_button)
        bv.addLayout(row)
        bv.addStretch(1)
        scroll.setWidget(self.box)
        split.addWidget(left)
        split.addWidget(scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.form.set_values({"visit_date": date.today()})
        self._show_mode()

    # -- loading ------------------------------------------------------------------------

    def reload(self) -> None:
        from station_app.domain.services.reads import station_visit_year

        year = self.year.value()
        station_id = self.station_filter.currentData()
        # (only the newest year's and station's answer is shown)
        self.query(lambda s: station_visit_year(s, year, station_id, _as_of(year)),
                   key="visits", success=lambda result: self._loaded(year, result),
                   failure=lambda exc: self.message.setText(self.ctx.explain(exc)))

    def _loaded(self, year: int, result: dict[str, Any]) -> None:
        chosen = self._selected()
        wanted = self._select_after or (chosen.id if chosen is not None else None)
        self._select_after = None
        self.stations = result["stations"]
        self._fill_stations()
        self.model.set_rows(result["visits"])
        if wanted is not None:
            self.select(wanted)
        self.counts = visited, total = result["counts"]
        self.key_count.setText(self.tr("Key stations visited in %1: %2 of %3")
                               .replace("%1", str(year)).replace("%2", str(visited))
                               .replace("%3", str(total)))

    def _fill_stations(self) -> None:
        """The stations of the filter and of the form (keeping what is chosen)."""
        key = self.tr("key station")
        for combo, first in ((self.station_filter, self.tr("All stations")),
                             (self.station_combo, self.tr("Choose a station"))):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(first, None)
            for sid, code, name, is_key in self.stations:
                combo.addItem(f"{code} {name}" + (f" ({key})" if is_key else ""), sid)
            index = combo.findData(current)
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def _filter_changed(self) -> None:
        self.reload()

    def _selected(self) -> StationVisitRow | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def select(self, visit_id: str) -> bool:
        row = next((i for i, r in enumerate(self.model.rows) if r.id == visit_id), None)
        if row is not None:
            self.table.selectRow(row)
        return row is not None

    # -- the form -----------------------------------------------------------------------

    def _show_mode(self) -> None:
        if self.editing is None:
            self.box.setTitle(self.tr("Record a station visit"))
            self.cancel_button.hide()
        else:
            self.box.setTitle(self.tr("Correct the visit of %1 to %2")
                              .replace("%1", self.editing.visit_date.isoformat())
                              .replace("%2", f"{self.editing.station_code} "
                                             f"{self.editing.station_name}"))
            self.cancel_button.show()

    def new_visit(self) -> None:
        """An empty form for a new visit (leaving a correction unsaved)."""
        self.editing = None
        self.form.clear_errors()
        self.form.set_values({"visit_date": date.today(), "station": None, "visitors": "",
                              "findings": "", "actions": "", "follow_up_due": None})
        self._show_mode()
        self.form.widgets["visit_date"].setFocus()

    def edit_row(self, row: int) -> bool:
        visit = self.model.row_at(row)
        if visit is None:
            return False
        self.editing = visit
        self.form.clear_errors()
        self.form.set_values({"visit_date": visit.visit_date, "station": visit.station_id,
                              "visitors": visit.visitors, "findings": visit.findings,
                              "actions": visit.actions, "follow_up_due": visit.follow_up_due})
        self._show_mode()
        self.message.clear()
        return True

    def edit_selected(self) -> bool:
        index = self.table.currentIndex()
        if not index.isValid():
            self.message.setText(self.tr("Select a visit first."))
            return False
        return self.edit_row(index.row())

    def _data(self) -> dict[str, Any]:
        v = self.form.values()
        return {"kind": "station", "visit_date": v["visit_date"],
                "target_station_id": v["station"], "visitors": v["visitors"],
                "findings": v["findings"], "actions": v["actions"],
                "follow_up_due": v["follow_up_due"]}

    def save(self) -> Op:
        """Record the visit, or save the correction (off the GUI thread); a refusal is
        shown under its fields and nothing typed is lost. Returns the ``Op``."""
        from station_app.domain.services import visits

        data = self._data()
        editing = self.editing.id if self.editing is not None else None

        def work(s) -> str:
            if editing is not None:
                return visits.update_visit(s, editing, data).visit.id
            return visits.record_visit(s, data).visit.id

        def done(visit_id: str) -> None:
            self.message.setText(self.tr("Correction saved.") if editing
                                 else self.tr("Visit recorded."))
            self.new_visit()
            self._select_after = visit_id
            self.refresh_now()

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, visits.ValidationError):  # (those: under the fields)
                self.message.setText(self.ctx.explain(exc))

        return self.form.submit(self.ctx, work, rename=RENAME, saved=done, failed=failed,
                                busy=(self.save_button,))

    def delete_selected(self, *, confirm: bool = True) -> Op:
        """Delete the selected visit (a tombstone: it counts for nothing any more), once
        asked. Returns the ``Op`` (refused when nothing was asked for)."""
        visit = self._selected()
        if visit is None:
            self.message.setText(self.tr("Select a visit first."))
            return Op.refused()
        named = self.tr("the visit of %1 to %2 (%3)").replace(
            "%1", visit.visit_date.isoformat()).replace(
            "%2", f"{visit.station_code} {visit.station_name}").replace("%3", visit.visitors)
        if confirm and QMessageBox.question(
                self, self.tr("Delete a visit"),
                self.tr("Delete %1? It no longer counts in any figure.").replace("%1", named)
        ) != QMessageBox.StandardButton.Yes:
            return Op.refused()

        def work(s) -> None:
            from station_app.domain.services import visits

            visits.delete_visit(s, visit.id)

        def done(_none) -> None:
            self.message.setText(self.tr("Deleted %1.").replace("%1", named))
            if self.editing is not None and self.editing.id == visit.id:
                self.new_visit()
            self.refresh_now()

        return self.write(work, success=done,
                          failure=lambda exc: self.message.setText(self.ctx.explain(exc)))
