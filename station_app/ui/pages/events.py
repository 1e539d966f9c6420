"""Events (活动): legal service, training (提素), inclusive service (普惠), campaigns —
a list for one year and a form to add one."""

from __future__ import annotations

from datetime import date
from typing import Any

from station_app.domain.choices import EVENT_KIND, label
from station_app.ui.forms import Form, choice_combo
from station_app.ui.pages import Page
from station_app.ui.pages.enterprises import RowsModel
from station_app.ui.permissions import offer
from station_app.ui.qt import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
)
from station_app.ui.tables import read_only_table

# form field (named like the service's error field) → service data key
FIELD_TO_DATA = {
    "kind": "kind",
    "event_date": "event_date",
    "title": "title",
    "location": "place",
    "person_times": "person_times",
    "migrant_person_times": "migrant_person_times",
    "notes": "notes",
}


class EventsPage(Page):
    key = "events"
    watches = frozenset({"events"})

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.loaded = False

        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Year"), self))
        self.year_box = QSpinBox(self)
        self.year_box.setRange(2000, 2100)
        self.year_box.setValue(date.today().year)
        top.addWidget(self.year_box)
        self.totals_label = QLabel(self)
        top.addWidget(self.totals_label)
        top.addStretch(1)
        outer.addLayout(top)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(splitter, 1)
        self.model = RowsModel([
            self.tr("Date"), self.tr("Kind"), self.tr("Title"), self.tr("Place"),
            self.tr("Person-times"), self.tr("Migrant person-times"),
        ], self)
        self.table = read_only_table(splitter, fit_contents=False)
        self.table.setModel(self.model)

        box = QGroupBox(self.tr("Add event"), splitter)
        bv = QVBoxLayout(box)
        self.form = Form(ctx.lang, box)
        f = self.form
        f.add("kind", self.tr("Kind *"), choice_combo(EVENT_KIND, ctx.lang))
        f.line("event_date", self.tr("Date *"), self.tr("YYYY-MM-DD"))
        f.line("title", self.tr("Title *"))
        f.line("location", self.tr("Place"))
        f.line("person_times", self.tr("Person-times"))
        f.line("migrant_person_times", self.tr("Of whom migrant workers"))
        notes = QPlainTextEdit(box)
        notes.setMaximumHeight(70)
        f.add("notes", self.tr("Notes"), notes)
        bv.addWidget(f)
        self.save_button = QPushButton(self.tr("Save event"), box)
        bv.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        self.message = QLabel(box)
        self.message.setWordWrap(True)
        bv.addWidget(self.message)
        bv.addStretch(1)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.form.set_values({"event_date": date.today()})
        offer(self.save_button, ctx, "event.create")

        self.year_box.valueChanged.connect(lambda _v: self.reload())
        self.save_button.clicked.connect(self.save)

    def reload(self) -> None:
        from station_app.domain.services.reads import events_of_year

        self.loaded = False
        station_id, year = self.ctx.db.station_id, self.year_box.value()
        self.query(lambda s: events_of_year(s, year, station_id), key="year",
                   success=self._loaded,
                   failure=lambda exc: self.message.setText(self.ctx.explain(exc)))

    def _loaded(self, rows: list[tuple]) -> None:
        lang = self.ctx.lang
        self.model.set_rows(
            [(d.isoformat(), label(EVENT_KIND, k, lang), t, p or "", pt, mpt)
             for _i, d, k, t, p, pt, mpt in rows],
            [r[0] for r in rows])
        self.totals_label.setText(
            self.tr("%1 events, %2 person-times, %3 of them migrant workers")
            .replace("%1", str(len(rows))).replace("%2", str(sum(r[5] for r in rows)))
            .replace("%3", str(sum(r[6] for r in rows))))
        self.loaded = True

    def form_data(self) -> dict[str, Any]:
        values = self.form.values()
        return {d: values.get(f) for f, d in FIELD_TO_DATA.items()}

    def save(self):
        """Record the event in the form (off the GUI thread); returns the ``Op``."""
        from station_app.domain.services import events as svc

        data = self.form_data()
        self.message.clear()

        def saved(year: int) -> None:
            self.message.setText(self.tr("Event saved."))
            self.form.set_values({"title": "", "location": "", "person_times": "",
                                  "migrant_person_times": "", "notes": ""})
            if self.year_box.value() != year:
                self.year_box.blockSignals(True)
                self.year_box.setValue(year)
                self.year_box.blockSignals(False)
                self._stale = True  # the list shows another year now
            self.refresh_now()

        return self.form.submit(self.ctx, lambda s: svc.record_event(s, data).event_date.year,
                                saved=saved, busy=(self.save_button,))
