"""Events (活动): legal service, training (提素), inclusive service (普惠), campaigns —
a list for one year and a form to add one or correct one: double-click a row, *Edit…* or
the row's context menu opens it in the form filled in (``events.update_event``);
*Delete…* asks, then deletes it (``events.delete_event``, a tombstone sync carries). Both
are offered by the permission table for the row chosen (a clerk: what they entered this
week; a station admin: any time); a double-click on an event the user may not correct
says why (the table's sentence) instead of opening it in the form, and an event shown
from elsewhere (``open_record``) that the user may not correct is shown with its save
disabled, the reason in the tooltip."""

from __future__ import annotations

from datetime import date
from typing import Any

from station_app.domain.choices import EVENT_KIND, label
from station_app.ui.forms import Form, choice_combo
from station_app.ui.operations import Op
from station_app.ui.pages import Page
from station_app.ui.pages.enterprises import RowsModel, refusal
from station_app.ui.permissions import offer
from station_app.ui.qt import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
)
from station_app.ui.tables import fit_columns, read_only_table

RED = "#b00020"  # a refusal said on the page

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
        # the event the form corrects: (id, date, title); None: the form adds one
        self.editing: tuple[str, date, str] | None = None
        self._select_after: str | None = None  # an event just saved, selected once listed
        self.menu: QMenu | None = None  # the list's context menu, while shown
        self.editing_facts = None  # the permission facts of the event the form corrects

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
        left = QWidget(splitter)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        self.table = read_only_table(left, fit_contents=False)
        self.table.setObjectName("events-table")
        self.table.setModel(self.model)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.table.doubleClicked.connect(lambda index: self.edit_row(index.row()))
        self.table.selectionModel().currentRowChanged.connect(
            lambda _current, _previous: self._offer_row_actions())
        lv.addWidget(self.table, 1)
        row_buttons = QHBoxLayout()
        self.edit_button = QPushButton(self.tr("Edit…"), left)
        self.edit_button.setObjectName("edit-event")
        self.edit_button.clicked.connect(lambda: self.edit_selected())
        self.delete_button = QPushButton(self.tr("Delete…"), left)
        self.delete_button.setObjectName("delete-event")
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        row_buttons.addWidget(self.edit_button)
        row_buttons.addWidget(self.delete_button)
        row_buttons.addStretch(1)
        lv.addLayout(row_buttons)

        box = QGroupBox(self.tr("Add event"), splitter)
        self.box = box
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
        self.save_button.setObjectName("save-event")
        self.cancel_button = QPushButton(self.tr("Cancel the correction"), box)
        self.cancel_button.setObjectName("cancel-edit")
        self.cancel_button.clicked.connect(lambda: self.new_event())
        form_buttons = QHBoxLayout()
        form_buttons.addStretch(1)
        form_buttons.addWidget(self.cancel_button)
        form_buttons.addWidget(self.save_button)
        bv.addLayout(form_buttons)
        self.message = QLabel(box)
        self.message.setWordWrap(True)
        bv.addWidget(self.message)
        bv.addStretch(1)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.form.set_values({"event_date": date.today()})
        self._show_mode()
        self._offer_row_actions()
        # leaving with the form changed asks save / discard / stay (``Form.ask_to_leave``)
        self.guard(self.form, save=self.save, may_save=self.save_button.isEnabled)

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
        chosen = self.selected_id()
        wanted = self._select_after or chosen
        self._select_after = None
        self.model.set_rows(
            [(d.isoformat(), label(EVENT_KIND, k, lang), t, p or "", pt, mpt)
             for _i, d, k, t, p, pt, mpt in rows],
            [r[0] for r in rows])
        fit_columns(self.table, most=1000)  # a name is never cut
        self.totals_label.setText(
            self.tr("%1 events, %2 person-times, %3 of them migrant workers")
            .replace("%1", str(len(rows))).replace("%2", str(sum(r[5] for r in rows)))
            .replace("%3", str(sum(r[6] for r in rows))))
        self.loaded = True
        if wanted is not None:
            self.select(wanted)
        self._offer_row_actions()

    # -- the row chosen ------------------------------------------------------------------

    def selected_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.key_at(index.row()) if index.isValid() else None

    def select(self, event_id: str) -> bool:
        try:
            row = self.model.keys.index(event_id)
        except ValueError:
            return False
        self.table.selectRow(row)
        return True

    def _offer_row_actions(self) -> None:
        """Edit and Delete as the permission table judges the chosen event (read off the
        GUI thread: who entered it and when); disabled with the reason otherwise."""
        from station_app.domain.services.reads import record_facts

        event_id = self.selected_id()
        for button, action in ((self.edit_button, "event.edit"),
                               (self.delete_button, "event.delete")):
            offer(button, self.ctx, action, also=event_id is not None,
                  tip="" if event_id else self.tr("Select an event first."))
        if event_id is None:
            return

        def facts(record) -> None:
            if record is None or self.selected_id() != event_id:
                return
            for button, action in ((self.edit_button, "event.edit"),
                                   (self.delete_button, "event.delete")):
                offer(button, self.ctx, action, record)

        self.query(lambda s: record_facts(s, "events", event_id), key="facts",
                   success=facts)

    def _context_menu(self, pos) -> QMenu | None:
        """Edit and Delete on the row under the pointer (enabled as the buttons are)."""
        index = self.table.indexAt(pos)
        if not index.isValid():
            return None
        self.table.selectRow(index.row())
        menu = self.menu = QMenu(self)
        for text, button, act in ((self.tr("Edit…"), self.edit_button, self.edit_selected),
                                  (self.tr("Delete…"), self.delete_button,
                                   self.delete_selected)):
            action = menu.addAction(text)
            action.setEnabled(button.isEnabled())
            action.setToolTip(button.toolTip())
            action.triggered.connect(lambda _checked=False, act=act: act())
        menu.popup(self.table.viewport().mapToGlobal(pos))
        return menu

    # -- the form: add or correct ----------------------------------------------------------

    def _show_mode(self) -> None:
        if self.editing is None:
            self.box.setTitle(self.tr("Add event"))
            self.save_button.setText(self.tr("Save event"))
            self.cancel_button.hide()
            offer(self.save_button, self.ctx, "event.create")
        else:
            _id, day, title = self.editing
            self.box.setTitle(self.tr("Correct the event of %1: %2")
                              .replace("%1", day.isoformat()).replace("%2", title))
            self.save_button.setText(self.tr("Save the correction"))
            self.cancel_button.show()
            offer(self.save_button, self.ctx, "event.edit", self.editing_facts)

    def new_event(self, *, ask: bool = True) -> None:
        """An empty form for a new event (a correction with changes asks first: save /
        discard / stay)."""
        if ask and not self.may_leave():
            return
        self.editing = None
        self.editing_facts = None
        self.form.clear_errors()
        self.form.set_values({"kind": next(iter(EVENT_KIND)), "event_date": date.today(),
                              "title": "", "location": "", "person_times": "",
                              "migrant_person_times": "", "notes": ""})
        self._show_mode()

    def edit_row(self, row: int) -> Op:
        """Open the event of list row ``row`` in the form, filled in (read off the GUI
        thread). Returns the ``Op``."""
        event_id = self.model.key_at(row)
        if event_id is None:
            return Op.refused()
        self.table.selectRow(row)
        return self.edit_event(event_id, refuse=True)

    def edit_selected(self) -> Op:
        event_id = self.selected_id()
        if event_id is None:
            self.message.setText(self.tr("Select an event first."))
            return Op.refused()
        return self.edit_event(event_id, refuse=True)

    def edit_event(self, event_id: str, *, refuse: bool = False) -> Op:
        """Open an event in the form (the form changed asks first: save / discard /
        stay). ``refuse``: an event the user may not correct is not opened, the reason
        is said instead (a double-click, *Edit…*); otherwise it is shown with its save
        disabled. Returns the ``Op`` of the read."""
        from station_app.domain.services.reads import event_form, record_facts

        def filled(read: tuple[Any, dict[str, Any] | None]) -> None:
            facts, values = read
            if values is None:
                self.message.setStyleSheet("")
                self.message.setText(self.tr("That event is no longer there."))
                return
            decision = self.ctx.may("event.edit", facts)
            if refuse and not decision.ok:
                self.message.setStyleSheet(f"color: {RED};")
                self.message.setText(decision.text(self.ctx.lang))
                return
            if not (self.editing is not None and self.editing[0] == event_id) \
                    and not self.may_leave():
                return
            self.message.setStyleSheet("")
            self.editing = (event_id, values["event_date"], values["title"])
            self.editing_facts = facts
            self.form.clear_errors()
            self.form.set_values({f: values[d] for f, d in FIELD_TO_DATA.items()})
            self._show_mode()
            self.message.clear()
            self.form.widgets["title"].setFocus()
            if self.year_box.value() != values["event_date"].year:
                self._select_after = event_id
                self.year_box.setValue(values["event_date"].year)  # (lists that year)

        return self.query(lambda s: (record_facts(s, "events", event_id),
                                     event_form(s, event_id)),
                          key="form", success=filled,
                          failure=lambda exc: self.message.setText(self.ctx.explain(exc)))

    def open_record(self, record_id: str) -> None:
        """Show one event: its year's list with it chosen, and it in the form."""
        self._select_after = record_id
        self.edit_event(record_id)
        self._stale = True
        if self.isVisible():
            self.activate()

    def delete_selected(self, *, confirm: bool = True) -> Op:
        """Delete the chosen event (a tombstone: kept, synced, counting for nothing) once
        asked. Returns the ``Op`` (refused when nothing was asked for)."""
        from station_app.domain.services import events as svc

        index = self.table.currentIndex()
        event_id = self.selected_id()
        if event_id is None:
            self.message.setText(self.tr("Select an event first."))
            return Op.refused()
        day, title = self.model.rows[index.row()][0], self.model.rows[index.row()][2]
        named = self.tr("the event of %1: %2").replace("%1", day).replace("%2", title)
        if confirm and QMessageBox.question(
                self, self.tr("Delete an event"),
                self.tr("Delete %1? It no longer counts in any figure.").replace("%1", named)
        ) != QMessageBox.StandardButton.Yes:
            return Op.refused()

        def done(_event) -> None:
            self.message.setText(self.tr("Deleted %1.").replace("%1", named))
            if self.editing is not None and self.editing[0] == event_id:
                self.new_event(ask=False)
            self.refresh_now()

        return self.write(lambda s: svc.delete_event(s, event_id).id, success=done,
                          failure=lambda exc: self.message.setText(refusal(self.ctx, exc)),
                          busy=(self.delete_button,))

    def form_data(self) -> dict[str, Any]:
        values = self.form.values()
        return {d: values.get(f) for f, d in FIELD_TO_DATA.items()}

    def save(self):
        """Record the event in the form, or save the correction (off the GUI thread; a
        refusal under its fields, nothing typed lost); returns the ``Op``."""
        from station_app.domain.services import events as svc

        data = self.form_data()
        editing = self.editing[0] if self.editing is not None else None
        self.message.clear()
        self.message.setStyleSheet("")

        def work(s) -> tuple[str, int]:
            event = (svc.update_event(s, editing, data) if editing
                     else svc.record_event(s, data))
            return event.id, event.event_date.year

        def saved(result: tuple[str, int]) -> None:
            event_id, year = result
            if editing:
                self.message.setText(self.tr("Correction saved."))
                self.new_event(ask=False)
            else:
                self.message.setText(self.tr("Event saved."))
                self.form.set_values({"title": "", "location": "", "person_times": "",
                                      "migrant_person_times": "", "notes": ""})
            self._select_after = event_id
            if self.year_box.value() != year:
                self.year_box.blockSignals(True)
                self.year_box.setValue(year)
                self.year_box.blockSignals(False)
                self._stale = True  # the list shows another year now
            self.refresh_now()

        return self.form.submit(self.ctx, work, saved=saved, busy=(self.save_button,))
