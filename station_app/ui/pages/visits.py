"""The visit diary (走访日志): one ISO week at a time, the weekly quota panel
(走访日志制度: ≥ 2 enterprise visits, every watch-listed enterprise visited), the form to
add a visit, and what a clerk does to the visits listed: correct one (double-click, *Edit…*
or the context menu: the same form in a dialog, filled with the visit), delete one (asked
first; a tombstone sync carries), close a follow-up (the day it was settled; its early
warning goes). The station head signs the week off; a change after the sign-off shows as
such. An abnormal finding offers to put the enterprise on the watch list.

Who may correct or delete which visit is the permission table's (``visit.edit``,
``visit.delete``): a button the user may not use is disabled with the table's sentence.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from station_app.domain.choices import OPERATING_STATUS, VISIT_FLAG, VISIT_KIND, label
from station_app.ui.forms import Form, ask, choice_combo
from station_app.ui.operations import Op
from station_app.ui.pages import Page
from station_app.ui.pages.enterprises import RowsModel
from station_app.ui.permissions import offer
from station_app.ui.qt import (
    QBrush,
    QCheckBox,
    QColor,
    QComboBox,
    QCoreApplication,
    QDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QKeySequence,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QShortcut,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
)
from station_app.ui.tables import read_only_table

# form field (named like the service's error field) → service data key
FIELD_TO_DATA = {
    "enterprise": "enterprise_id",
    "visit_date": "visit_date",
    "kind": "kind",
    "visitors": "visitors",
    "workers_served": "workers_served",
    "operating_status": "operating_status",
    "workers_involved": "workers_involved",
    "findings": "findings",
    "actions": "actions",
    "follow_up_due": "follow_up_due",
}
RED, GREEN, GREY = "#b00020", "#1b5e20", "#555555"


def week_label(widget: QWidget, iso_year: int, iso_week: int) -> str:
    monday = date.fromisocalendar(iso_year, iso_week, 1)
    sunday = monday + timedelta(days=6)
    text = QCoreApplication.translate("VisitsPage", "%1 week %2 (%3 – %4)")
    return (text.replace("%1", str(iso_year))
            .replace("%2", str(iso_week)).replace("%3", monday.strftime("%m-%d"))
            .replace("%4", sunday.strftime("%m-%d")))


def _local_time(utc_text: str | None) -> str:
    """A UTC time as stored ("2026-05-04T08:30:00.000Z") in the computer's time."""
    if not utc_text:
        return ""
    try:
        when = datetime.fromisoformat(utc_text.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return utc_text[:16].replace("T", " ")
    return when.strftime("%Y-%m-%d %H:%M")


class FlagBoxes(QWidget):
    """One check box per finding flag (欠薪, 停产减产 …); ``codes()`` are the ticked ones."""

    def __init__(self, lang: str, parent: QWidget | None = None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for i, code in enumerate(VISIT_FLAG):
            box = QCheckBox(label(VISIT_FLAG, code, lang), self)
            box.setObjectName(f"flag-{code}")
            grid.addWidget(box, i // 3, i % 3)
            self.boxes[code] = box

    def codes(self) -> list[str]:
        return [c for c, b in self.boxes.items() if b.isChecked()]

    def set_codes(self, codes) -> None:
        for c, b in self.boxes.items():
            b.setChecked(c in (codes or ()))

    def clear(self) -> None:
        for b in self.boxes.values():
            b.setChecked(False)


class VisitForm(QWidget):
    """The fields of an enterprise visit: the page's add form and the correction dialog
    show the same. ``data()`` is what ``record_visit`` / ``update_visit`` take."""

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.form = f = Form(ctx.lang, self)
        outer.addWidget(f)
        self.enterprise_combo = QComboBox(self)
        self.enterprise_combo.setEditable(True)
        self.enterprise_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.enterprise_combo.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(completer.CompletionMode.PopupCompletion)
        f.add("enterprise", self.tr("Enterprise *"), self.enterprise_combo)
        f.line("visit_date", self.tr("Visit date *"), self.tr("YYYY-MM-DD"))
        f.add("kind", self.tr("Kind"), choice_combo(
            VISIT_KIND, ctx.lang, codes=[c for c in VISIT_KIND if c != "station"]))
        f.line("visitors", self.tr("Visitors *"))
        f.line("workers_served", self.tr("Workers served"))
        f.add("operating_status", self.tr("Operating status"),
              choice_combo(OPERATING_STATUS, ctx.lang))
        self.flags = FlagBoxes(ctx.lang, self)
        f.add("flags", self.tr("Abnormal findings"), self.flags)
        f.line("workers_involved", self.tr("Workers involved"))
        # SPEC: on a 劳资纠纷处置 visit the workers involved are the workers served
        self.dispute_hint = QLabel(self.tr(
            "A labour-dispute visit: the workers involved are the workers served. Leave "
            "“Workers served” empty and the workers involved are counted as served."), self)
        self.dispute_hint.setObjectName("dispute-hint")
        self.dispute_hint.setWordWrap(True)
        self.dispute_hint.setStyleSheet(f"color: {GREY};")
        f.layout_.addRow("", self.dispute_hint)
        for field, text in (("findings", self.tr("Findings")), ("actions", self.tr("Actions"))):
            edit = QPlainTextEdit(self)
            edit.setMaximumHeight(60)
            f.add(field, text, edit)
        f.line("follow_up_due", self.tr("Follow-up due"), self.tr("YYYY-MM-DD"))
        f.widgets["operating_status"].currentIndexChanged.connect(self._update_flags_enabled)
        f.widgets["kind"].currentIndexChanged.connect(self._update_hint)
        self._update_flags_enabled()
        self._update_hint()

    def _update_flags_enabled(self, *_args) -> None:
        abnormal = self.form.widgets["operating_status"].currentData() == "abnormal"
        self.flags.setEnabled(abnormal)
        if not abnormal:
            self.flags.clear()

    def _update_hint(self, *_args) -> None:
        dispute = self.form.widgets["kind"].currentData() == "dispute"
        self.dispute_hint.setVisible(dispute)
        self.form.widgets["workers_served"].setPlaceholderText(
            self.tr("= workers involved, when left empty") if dispute else "")

    # -- the enterprise picker ----------------------------------------------------------

    def set_enterprises(self, choices, extra: tuple[str, str] | None = None) -> None:
        """The enterprises to pick from ((id, name, credit code)), keeping the choice;
        ``extra``: (id, name) of one no longer listed (a visit's, being corrected)."""
        combo = self.enterprise_combo
        chosen = self.chosen_enterprise()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("", None)
        for i, n, c in choices:
            combo.addItem(f"{n}（{c}）" if c else n, i)
        if extra is not None and combo.findData(extra[0]) < 0:
            combo.addItem(extra[1], extra[0])
        index = combo.findData(chosen) if chosen else 0
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    def chosen_enterprise(self) -> str | None:
        combo = self.enterprise_combo
        index = combo.currentIndex()
        if index < 0 or combo.currentText().strip() != combo.itemText(index).strip():
            found = combo.findText(combo.currentText().strip())
            if found < 0:
                return None
            index = found
        return combo.itemData(index)

    def choose_enterprise(self, enterprise_id: str | None) -> None:
        index = self.enterprise_combo.findData(enterprise_id) if enterprise_id else 0
        self.enterprise_combo.setCurrentIndex(max(index, 0))

    # -- values -------------------------------------------------------------------------

    def data(self) -> dict[str, Any]:
        values = self.form.values()
        data = {d: values.get(f) for f, d in FIELD_TO_DATA.items()}
        data["enterprise_id"] = self.chosen_enterprise()
        data["flags"] = self.flags.codes()
        return data

    def set_data(self, values: dict[str, Any]) -> None:
        """Fill the form from a visit (``visits.visit_values``)."""
        self.form.clear_errors()
        self.form.set_values({f: values.get(d) for f, d in FIELD_TO_DATA.items()
                              if f != "enterprise"})
        self.choose_enterprise(values.get("enterprise_id"))
        self._update_flags_enabled()
        self.flags.set_codes(values.get("flags") or [])


class VisitDialog(QDialog):
    """Correct a visit: the visit form filled with its values; *Save* runs
    ``update_visit`` off the GUI thread, a refusal shows under its field and keeps what
    was typed; closing with changes asks first (save / discard / stay)."""

    def __init__(self, page: VisitsPage, visit_id: str, values: dict[str, Any],
                 warning: str = ""):
        super().__init__(page)
        self.page = page
        self.ctx = page.ctx
        self.visit_id = visit_id
        self.result_: Any = None
        self.setWindowTitle(self.tr("Correct a visit"))
        self.setObjectName("visit-dialog")
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        self.warning = QLabel(warning, self)
        self.warning.setObjectName("voids-warning")
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet(f"color: {RED};")
        self.warning.setVisible(bool(warning))
        layout.addWidget(self.warning)
        self.fields = VisitForm(self.ctx, self)
        self.form = self.fields.form
        names = page.enterprise_names
        eid = values.get("enterprise_id")
        self.fields.set_enterprises(page.enterprise_choices,
                                    (eid, names.get(eid, "")) if eid else None)
        self.fields.set_data(values)
        self.form.mark_clean()  # (the visit as loaded)
        layout.addWidget(self.fields)
        row = QHBoxLayout()
        row.addStretch(1)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setObjectName("cancel")
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton(self.tr("Save the correction"), self)
        self.save_button.setObjectName("save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(lambda: self.save())
        row.addWidget(self.cancel_button)
        row.addWidget(self.save_button)
        layout.addLayout(row)
        self.initial = self.fields.data()

    def changed(self) -> bool:
        return self.fields.data() != self.initial

    def save(self) -> Op:
        from station_app.domain.services import visits as svc

        data = self.fields.data()
        visit_id = self.visit_id

        def work(s):
            result = svc.update_visit(s, visit_id, data)
            return result.visit.visit_date, result.visit.enterprise_id, result.propose_listing

        def saved(answer) -> None:
            self.result_ = answer
            self.done(QDialog.DialogCode.Accepted)
            self.page._corrected(visit_id, *answer)

        return self.form.submit(self.ctx, work, saved=saved, busy=(self.save_button,))

    def reject(self) -> None:
        """Close; with changes not saved, ask first: save, discard or stay."""
        if self.changed() and not (self.form.saving is not None and not self.form.saving.done):
            answer = QMessageBox.question(
                self, self.tr("Correct a visit"),
                self.tr("The correction is not saved. Save it?"),
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
            if answer == QMessageBox.StandardButton.Save:
                self.save()
                return
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()


class CloseFollowUpDialog(QDialog):
    """Close a visit's follow-up: the day it was settled (today unless told) and what
    came of it (optional) — the same as the to-do list's 处理… (``visits.close_follow_up``)."""

    def __init__(self, page: VisitsPage, visit_id: str, what: str):
        super().__init__(page)
        self.page = page
        self.ctx = page.ctx
        self.visit_id = visit_id
        self.setWindowTitle(self.tr("Close the follow-up"))
        self.setObjectName("close-follow-up-dialog")
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Close the follow-up of %1: its early warning goes.")
                       .replace("%1", what), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.form = Form(self.ctx.lang, self)
        self.form.line("closed_date", self.tr("Closed on *"), self.tr("YYYY-MM-DD"))
        outcome = QPlainTextEdit(self)
        outcome.setMaximumHeight(60)
        outcome.setPlaceholderText(self.tr("Optional, for instance: the wages were paid"))
        self.form.add("outcome", self.tr("What came of it"), outcome)
        self.form.set_values({"closed_date": date.today()})
        layout.addWidget(self.form)
        row = QHBoxLayout()
        row.addStretch(1)
        cancel = QPushButton(self.tr("Cancel"), self)
        cancel.clicked.connect(self.reject)
        self.ok_button = QPushButton(self.tr("Close the follow-up"), self)
        self.ok_button.setObjectName("close-follow-up")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(lambda: self.save())
        row.addWidget(cancel)
        row.addWidget(self.ok_button)
        layout.addLayout(row)

    def save(self) -> Op:
        from station_app.domain.services import visits as svc

        values = self.form.values()
        on, note = values["closed_date"], values["outcome"]
        visit_id = self.visit_id

        def work(s):
            return svc.close_follow_up(s, visit_id, on=on, note=note).closed_date

        def saved(day) -> None:
            self.done(QDialog.DialogCode.Accepted)
            self.page._follow_up_closed(day)

        return self.form.submit(self.ctx, work, saved=saved, busy=(self.ok_button,))


class SignWeekDialog(QDialog):
    """The station head signs off the shown week's visits, with a note if wanted."""

    def __init__(self, page: VisitsPage, iso_year: int, iso_week: int, count: int):
        super().__init__(page)
        self.page = page
        self.ctx = page.ctx
        self.week = (iso_year, iso_week)
        self.setWindowTitle(self.tr("Sign off the week's visits"))
        self.setObjectName("sign-week-dialog")
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("Sign off the %1 enterprise visits of %2 as the station head. "
                               "A later change to them voids the sign-off.")
                       .replace("%1", str(count))
                       .replace("%2", week_label(self, iso_year, iso_week)), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.form = Form(self.ctx.lang, self)
        note = QPlainTextEdit(self)
        note.setMaximumHeight(80)
        self.form.add("note", self.tr("Note"), note)
        layout.addWidget(self.form)
        row = QHBoxLayout()
        row.addStretch(1)
        cancel = QPushButton(self.tr("Cancel"), self)
        cancel.clicked.connect(self.reject)
        self.sign_button = QPushButton(self.tr("Sign off"), self)
        self.sign_button.setObjectName("sign")
        self.sign_button.setDefault(True)
        self.sign_button.clicked.connect(lambda: self.save())
        row.addWidget(cancel)
        row.addWidget(self.sign_button)
        layout.addLayout(row)

    def save(self) -> Op:
        from station_app.domain.services import visits as svc

        note = self.form.values()["note"]
        year, week = self.week

        def work(s):
            return svc.sign_week(s, year, week, note=note).signed_by_name

        def saved(_who) -> None:
            self.done(QDialog.DialogCode.Accepted)
            self.page._signed()

        return self.form.submit(self.ctx, work, saved=saved, busy=(self.sign_button,))


class VisitRows(RowsModel):
    """The week's visits; an open follow-up past its day in red, every cell's full text
    on hover."""

    def __init__(self, headers, parent=None):
        super().__init__(headers, parent)
        self.overdue: set[int] = set()

    def data(self, index, role: int = Qt.ItemDataRole.DisplayRole):
        if index.isValid() and 0 <= index.row() < len(self.rows):
            if role == Qt.ItemDataRole.ForegroundRole and index.row() in self.overdue:
                return QBrush(QColor(RED))
            if role == Qt.ItemDataRole.ToolTipRole:
                value = self.rows[index.row()][index.column()]
                return "" if value is None else str(value)
        return super().data(index, role)


class VisitsPage(Page):
    key = "visits"
    watches = frozenset({"visits", "enterprises", "watch_list_entries", "signoffs"})

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        from station_app.domain.services.visits import this_week

        self.iso_year, self.iso_week = this_week()
        self.compliance = None
        self.loaded = False
        self.listing = None  # the Op putting an enterprise on the watch list, when asked
        self.enterprise_names: dict[str, str] = {}
        self.enterprise_choices: list[tuple[str, str, str | None]] = []
        self.visits: dict[str, tuple] = {}  # id → the row of visit_week
        self.closed: dict[str, date] = {}
        self.facts: dict[str, Any] = {}
        self.signoffs: tuple = ()
        self.dialog: QDialog | None = None  # the correction / follow-up / sign-off dialog
        self.deleting: Op | None = None
        self._select_after: str | None = None  # a visit to select once the week is listed
        self._edit_after: str | None = None  # … and to open in the correction dialog
        self._pending_enterprise: str | None = None  # open_record of an enterprise

        outer = QVBoxLayout(self)
        nav = QHBoxLayout()
        self.prev_button = QPushButton(self.tr("◀ Previous week"), self)
        self.week_title = QLabel(self)
        font = self.week_title.font()
        font.setBold(True)
        self.week_title.setFont(font)
        self.next_button = QPushButton(self.tr("Next week ▶"), self)
        self.today_button = QPushButton(self.tr("This week"), self)
        nav.addWidget(self.prev_button)
        nav.addWidget(self.week_title)
        nav.addWidget(self.next_button)
        nav.addWidget(self.today_button)
        nav.addStretch(1)
        outer.addLayout(nav)

        # the week's sign-off: who and when, or what changed since
        sign_row = QHBoxLayout()
        self.signoff_label = QLabel(self)
        self.signoff_label.setObjectName("week-signoff")
        self.signoff_label.setWordWrap(True)
        self.signoff_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sign_button = QPushButton(self.tr("Sign off the week…"), self)
        self.sign_button.setObjectName("sign-week")
        sign_row.addWidget(self.signoff_label, 1)
        sign_row.addWidget(self.sign_button, 0, Qt.AlignmentFlag.AlignTop)
        outer.addLayout(sign_row)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(splitter, 1)

        left = QWidget(splitter)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        panel = QGroupBox(self.tr("Weekly visit quota"), left)
        pv = QVBoxLayout(panel)
        self.quota_label = QLabel(panel)
        self.shortfall_label = QLabel(panel)
        self.met_label = QLabel(panel)
        self.met_label.setWordWrap(True)
        pv.addWidget(self.quota_label)
        pv.addWidget(self.shortfall_label)
        pv.addWidget(self.met_label)
        pv.addWidget(QLabel(self.tr("Watch-listed enterprises not visited in the week:"),
                            panel))
        self.overdue_list = QListWidget(panel)
        self.overdue_list.setMaximumHeight(120)
        pv.addWidget(self.overdue_list)
        lv.addWidget(panel)

        self.model = VisitRows([
            self.tr("Date"), self.tr("Enterprise"), self.tr("Kind"), self.tr("Visitors"),
            self.tr("Workers served"), self.tr("Operating status"), self.tr("Findings flags"),
            self.tr("Follow-up"),
        ], self)
        # (a week's visits are few: the columns fit their contents)
        self.table = read_only_table(left)
        self.table.setObjectName("visits-table")
        self.table.setModel(self.model)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu_requested)
        self.table.doubleClicked.connect(
            lambda index: self.edit_visit(self.model.key_at(index.row())))
        self.table.selectionModel().currentRowChanged.connect(
            lambda *_a: self._update_buttons())
        # the keys of a list: Enter or F2 corrects the visit chosen, Delete deletes it
        for keys, act in ((Qt.Key.Key_Return, lambda: self.edit_visit(self.selected_id())),
                          (Qt.Key.Key_F2, lambda: self.edit_visit(self.selected_id())),
                          (QKeySequence.StandardKey.Delete, lambda: self.delete_selected())):
            shortcut = QShortcut(QKeySequence(keys), self.table)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(act)
        lv.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.edit_button = QPushButton(self.tr("Edit…"), left)
        self.edit_button.setObjectName("edit-visit")
        self.edit_button.clicked.connect(lambda: self.edit_visit(self.selected_id()))
        self.delete_button = QPushButton(self.tr("Delete…"), left)
        self.delete_button.setObjectName("delete-visit")
        self.delete_button.clicked.connect(lambda: self.delete_selected())
        self.close_button = QPushButton(self.tr("Close follow-up…"), left)
        self.close_button.setObjectName("close-follow-up")
        self.close_button.clicked.connect(lambda: self.close_follow_up(self.selected_id()))
        for b in (self.edit_button, self.delete_button, self.close_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        lv.addLayout(buttons)
        self.list_message = QLabel(left)
        self.list_message.setObjectName("list-message")
        self.list_message.setWordWrap(True)
        lv.addWidget(self.list_message)

        # -- add-visit form ----------------------------------------------------------
        scroll = QScrollArea(splitter)
        scroll.setWidgetResizable(True)
        box = QGroupBox(self.tr("Add visit"))
        bv = QVBoxLayout(box)
        self.fields = VisitForm(ctx, box)
        self.asking: QMessageBox | None = None  # the same-day question, while open
        self.form = self.fields.form
        self.flags = self.fields.flags
        self.enterprise_combo = self.fields.enterprise_combo
        bv.addWidget(self.fields)
        self.save_button = QPushButton(self.tr("Save visit"), box)
        bv.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        self.message = QLabel(box)
        self.message.setWordWrap(True)
        bv.addWidget(self.message)
        bv.addStretch(1)
        scroll.setWidget(box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        self.form.set_values({"visit_date": date.today(), "visitors":
                              ctx.actor.display_name or ctx.actor.username})
        offer(self.save_button, ctx, "visit.create")
        # leaving the page with a visit half typed asks first (save / discard / stay)
        self.guard(self.form, save=self.save, may_save=self.save_button.isEnabled)

        self.prev_button.clicked.connect(lambda: self.shift_week(-1))
        self.next_button.clicked.connect(lambda: self.shift_week(1))
        self.today_button.clicked.connect(self.go_this_week)
        self.save_button.clicked.connect(self.save)
        self.sign_button.clicked.connect(lambda: self.sign_week())
        self.overdue_list.itemActivated.connect(self._open_enterprise)
        self._show_week_title()
        self._show_signoff()
        self._update_buttons()

    # -- week ----------------------------------------------------------------------------

    def _show_week_title(self) -> None:
        self.week_title.setText(week_label(self, self.iso_year, self.iso_week))
        self.quota_label.setText("")

    def shift_week(self, weeks: int) -> None:
        monday = date.fromisocalendar(self.iso_year, self.iso_week, 1) + timedelta(weeks=weeks)
        self.set_week(*monday.isocalendar()[:2])

    def go_this_week(self) -> None:
        from station_app.domain.services.visits import this_week

        self.set_week(*this_week())

    def set_week(self, iso_year: int, iso_week: int) -> None:
        self.iso_year, self.iso_week = iso_year, iso_week
        self._show_week_title()
        self.reload()

    def go_to_date(self, day: date, select: str | None = None) -> None:
        """Show the week of ``day`` (and select the visit ``select`` once listed)."""
        self._select_after = select
        year, week = day.isocalendar()[:2]
        if (year, week) != (self.iso_year, self.iso_week):
            self.set_week(year, week)
        else:
            self.reload()

    # -- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        from station_app.domain.services.reads import visit_week

        self.loaded = False
        station_id, year, week = self.ctx.db.station_id, self.iso_year, self.iso_week
        self.query(lambda s: visit_week(s, station_id, year, week), key="week",
                   success=self._loaded, failure=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(self.ctx.explain(exc))

    def _loaded(self, result) -> None:
        lang = self.ctx.lang
        sep = "、" if lang.startswith("zh") else ", "
        wanted = self._select_after or self.selected_id()
        self._select_after = None
        self.enterprise_choices = list(result.enterprises)
        self.enterprise_names = {i: n for i, n, _c in result.enterprises}
        # the enterprise picker keeps its choice across reloads
        self.fields.set_enterprises(result.enterprises)
        if self._pending_enterprise:
            self._suggest_enterprise(self._pending_enterprise)
            self._pending_enterprise = None

        self.closed = dict(result.closed)
        self.facts = dict(result.facts)
        self.signoffs = tuple(result.signoffs)
        self.visits = {}
        rows, keys, overdue = [], [], set()
        today = date.today()
        for row in result.visits:
            vid, d, eid, kind, visitors, served, status, flags, due = row
            self.visits[vid] = row
            follow_up = self._follow_up_text(vid)
            if self.follow_up_open(vid) and due is not None and due < today:
                overdue.add(len(rows))
            keys.append(vid)
            rows.append((
                d.isoformat(), self.enterprise_names.get(eid, ""), label(VISIT_KIND, kind, lang),
                visitors, served, label(OPERATING_STATUS, status, lang),
                sep.join(label(VISIT_FLAG, f, lang) for f in (flags or "").split(",") if f),
                follow_up,
            ))
        self.model.overdue = overdue
        self.model.set_rows(rows, keys)
        if wanted is not None:
            self.select(wanted)
        self.show_compliance(result.compliance)
        self._show_signoff()
        self._update_buttons()
        self.loaded = True
        if self._edit_after is not None:
            visit_id, self._edit_after = self._edit_after, None
            if visit_id in self.visits:
                self.select(visit_id)
                self.edit_visit(visit_id)

    def follow_up_open(self, visit_id: str) -> bool:
        """A follow-up not closed yet: an abnormal finding or a follow-up day set."""
        row = self.visits.get(visit_id)
        if row is None or visit_id in self.closed:
            return False
        return row[6] == "abnormal" or row[8] is not None

    def _follow_up_text(self, visit_id: str) -> str:
        due = self.visits[visit_id][8]
        if visit_id in self.closed:
            return self.tr("closed %1").replace("%1", self.closed[visit_id].isoformat())
        if not self.follow_up_open(visit_id):
            return ""
        if due is None:
            return self.tr("open")
        if due < date.today():
            return self.tr("%1, overdue").replace("%1", due.isoformat())
        return self.tr("%1, open").replace("%1", due.isoformat())

    def show_compliance(self, c) -> None:
        self.compliance = c
        self.quota_label.setText(self.tr("Enterprise visits: %1 of %2 required")
                                 .replace("%1", str(c.visits)).replace("%2", str(c.required)))
        self.shortfall_label.setText(self.tr("Shortfall: %1").replace("%1", str(c.shortfall)))
        if c.met:
            self.met_label.setText(self.tr("Quota met for this week."))
            self.met_label.setStyleSheet(f"color: {GREEN};")
        else:
            self.met_label.setText(self.tr("Quota not met yet."))
            self.met_label.setStyleSheet(f"color: {RED};")
        self.overdue_list.clear()
        for eid, name in c.overdue_watch_listed:
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, eid)
            self.overdue_list.addItem(item)
        if not c.overdue_watch_listed:
            item = QListWidgetItem(self.tr("(none)"))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.overdue_list.addItem(item)

    def overdue_names(self) -> list[str]:
        c = self.compliance
        return [n for _i, n in c.overdue_watch_listed] if c else []

    def _open_enterprise(self, item: QListWidgetItem) -> None:
        eid = item.data(Qt.ItemDataRole.UserRole)
        if eid:
            self.ctx.signals.open_page.emit("enterprises", eid)

    def open_record(self, record_id: str) -> None:
        """Show a record from another page: a visit opens in the correction dialog, in
        its week (the dashboard's to-do list); an enterprise is chosen in the add-visit
        form."""
        from station_app.domain.services import visits as svc
        from station_app.domain.services.common import NotFound

        def found(day: date | None) -> None:
            if day is None:  # not a visit: an enterprise to visit
                if self.enterprise_combo.findData(record_id) >= 0:
                    self._suggest_enterprise(record_id)
                else:
                    self._pending_enterprise = record_id
                return
            self._edit_after = record_id
            self.go_to_date(day, select=record_id)

        def read(s) -> date | None:
            try:
                return svc.get_visit(s, record_id).visit_date
            except NotFound:
                return None

        self.query(read, key="open", success=found, failure=self._failed)

    def _suggest_enterprise(self, enterprise_id: str) -> None:
        """Choose an enterprise in the add-visit form for the clerk (another page asked):
        nothing typed yet stays so (leaving the page does not ask about it)."""
        untouched = not self.form.dirty
        self.fields.choose_enterprise(enterprise_id)
        if untouched:
            self.form.mark_clean()

    # -- the visits listed: select, offer, correct, delete, close ------------------------

    def selected_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.key_at(index.row()) if index.isValid() else None

    def select(self, visit_id: str) -> bool:
        try:
            row = self.model.keys.index(visit_id)
        except ValueError:
            return False
        self.table.selectRow(row)
        return True

    def row_of(self, visit_id: str) -> tuple:
        """The row of a visit as the list shows it."""
        return self.model.rows[self.model.keys.index(visit_id)]

    def _describe(self, visit_id: str) -> str:
        row = self.visits[visit_id]
        return self.tr("the visit of %1 to %2").replace("%1", row[1].isoformat()).replace(
            "%2", self.enterprise_names.get(row[2], "") or "?")

    def _offer_on(self, target, action: str, visit_id: str | None, *,
                  also: bool = True, tip: str = ""):
        """Offer ``action`` on a visit (its facts) through the permission table."""
        facts = self.facts.get(visit_id) if visit_id else None
        return offer(target, self.ctx, action, facts,
                     also=also and visit_id is not None,
                     tip=tip if visit_id is not None else self.tr("Select a visit first."))

    def _update_buttons(self) -> None:
        vid = self.selected_id()
        self._offer_on(self.edit_button, "visit.edit", vid)
        self._offer_on(self.delete_button, "visit.delete", vid)
        self._offer_follow_up(self.close_button, vid)

    def _offer_follow_up(self, target, vid: str | None) -> None:
        """Offer closing a follow-up: a visit with one still open."""
        is_open = vid is not None and self.follow_up_open(vid)
        if vid is None:
            tip = self.tr("Select a visit first.")
        elif vid in self.closed:
            tip = self.tr("The follow-up was closed on %1.").replace(
                "%1", self.closed[vid].isoformat())
        else:
            tip = "" if is_open else self.tr("This visit has no follow-up to close.")
        offer(target, self.ctx, "visit.close_follow_up", also=is_open, tip=tip)

    def context_menu(self, visit_id: str) -> QMenu:
        """The menu of a visit (right-click): edit, delete, close the follow-up, each
        offered as the buttons are."""
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        edit = menu.addAction(self.tr("Edit…"))
        edit.setObjectName("edit")
        edit.triggered.connect(lambda: self.edit_visit(visit_id))
        self._offer_on(edit, "visit.edit", visit_id)
        remove = menu.addAction(self.tr("Delete…"))
        remove.setObjectName("delete")
        remove.triggered.connect(lambda: self.delete_selected())
        self._offer_on(remove, "visit.delete", visit_id)
        close = menu.addAction(self.tr("Close follow-up…"))
        close.setObjectName("close-follow-up")
        close.triggered.connect(lambda: self.close_follow_up(visit_id))
        self._offer_follow_up(close, visit_id)
        return menu

    def _context_menu_requested(self, pos) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        self.table.selectRow(index.row())
        menu = self.context_menu(self.model.key_at(index.row()))
        menu.popup(self.table.viewport().mapToGlobal(pos))

    def _refused(self, decision) -> None:
        self.list_message.setStyleSheet(f"color: {RED};")
        self.list_message.setText(decision.text(self.ctx.lang))

    def _say(self, text: str) -> None:
        self.list_message.setStyleSheet("")
        self.list_message.setText(text)

    def _voids_text(self, visit_id: str) -> str:
        facts = self.facts.get(visit_id)
        if facts is None or not facts.signed:
            return ""
        return (self.tr("%1 signed this week off on %2: saving this change voids the "
                        "sign-off.")
                .replace("%1", facts.signed_by or "")
                .replace("%2", facts.signed_on.isoformat() if facts.signed_on else "?"))

    def edit_visit(self, visit_id: str | None) -> Op:
        """Open the visit in the correction dialog (its values read off the GUI thread);
        a visit the user may not correct says why instead. Returns the read's ``Op``."""
        from station_app.domain.services import visits as svc

        if visit_id is None:
            self._say(self.tr("Select a visit first."))
            return Op.refused()
        decision = self.ctx.may("visit.edit", self.facts.get(visit_id))
        if not decision.ok:
            self._refused(decision)
            return Op.refused()
        warning = self._voids_text(visit_id) if decision.voids else ""

        def show(values: dict[str, Any]) -> None:
            self.list_message.clear()
            self.dialog = VisitDialog(self, visit_id, values, warning)
            self.dialog.open()

        return self.query(lambda s: svc.visit_values(svc.get_visit(s, visit_id)),
                          key="edit", success=show, failure=self._failed_list)

    def _failed_list(self, exc: BaseException) -> None:
        self.list_message.setStyleSheet(f"color: {RED};")
        self.list_message.setText(self.ctx.explain(exc))

    def _corrected(self, visit_id: str, day: date, enterprise_id: str | None,
                   proposal: str | None) -> None:
        self._say(self.tr("The visit is corrected."))
        self.go_to_date(day, select=visit_id)
        if proposal and enterprise_id:
            self._propose_listing(enterprise_id, proposal)

    def delete_selected(self, *, confirm: bool = True) -> Op:
        """Delete the selected visit once asked (a tombstone: it counts for nothing any
        more, and sync carries it). Returns the ``Op``."""
        from station_app.domain.services import visits as svc

        visit_id = self.selected_id()
        if visit_id is None:
            self._say(self.tr("Select a visit first."))
            return Op.refused()
        decision = self.ctx.may("visit.delete", self.facts.get(visit_id))
        if not decision.ok:
            self._refused(decision)
            return Op.refused()
        named = self._describe(visit_id)
        question = self.tr("Delete %1? It no longer counts in the quota or in any figure."
                           ).replace("%1", named)
        if decision.voids:
            question += "\n\n" + self._voids_text(visit_id)
        if confirm and QMessageBox.question(
                self, self.tr("Delete a visit"), question,
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
            return Op.refused()

        def done(_visit) -> None:
            self._say(self.tr("Deleted %1.").replace("%1", named))
            self.refresh_now()

        self.deleting = self.write(lambda s: svc.delete_visit(s, visit_id), success=done,
                                   failure=self._failed_list,
                                   busy=(self.delete_button,))
        return self.deleting

    def close_follow_up(self, visit_id: str | None) -> QDialog | None:
        """Ask for the day the follow-up was settled (today by default) and close it."""
        if visit_id is None:
            self._say(self.tr("Select a visit first."))
            return None
        if not self.follow_up_open(visit_id):
            self._say(self.tr("This visit has no follow-up to close."))
            return None
        decision = self.ctx.may("visit.close_follow_up")
        if not decision.ok:
            self._refused(decision)
            return None
        self.dialog = CloseFollowUpDialog(self, visit_id, self._describe(visit_id))
        self.dialog.open()
        return self.dialog

    def _follow_up_closed(self, day: date) -> None:
        self._say(self.tr("The follow-up is closed (%1).").replace("%1", day.isoformat()))
        self.refresh_now()

    # -- the week's sign-off -------------------------------------------------------------

    def current_signoff(self):
        return self.signoffs[0] if self.signoffs else None

    def _show_signoff(self) -> None:
        zh = self.ctx.lang.startswith("zh")
        view = self.current_signoff()
        monday = date.fromisocalendar(self.iso_year, self.iso_week, 1)
        begun = monday <= date.today()
        if view is None:
            text, color = self.tr("This week's visits are not signed off."), GREY
        elif view.void:
            text = (self.tr("Changed after sign-off: %1 signed off on %2; the sign-off was "
                            "voided on %3 by %4 (%5).")
                    .replace("%1", view.signed_by_name)
                    .replace("%2", view.signed_date.isoformat())
                    .replace("%3", _local_time(view.void_at))
                    .replace("%4", view.void_by_name or view.void_by or "")
                    .replace("%5", view.why_void(self.ctx.lang)))
            color = RED
        elif view.changes:
            text = (self.tr("Changed after sign-off: %1 signed off on %2; since then: %3")
                    .replace("%1", view.signed_by_name)
                    .replace("%2", view.signed_date.isoformat())
                    .replace("%3", ("；" if zh else "; ").join(
                        c.zh if zh else c.en for c in view.changes)))
            color = RED
        else:
            text = (self.tr("Signed off: %1, %2").replace("%1", view.signed_by_name)
                    .replace("%2", view.signed_date.isoformat()))
            if view.note:
                text += ("（" if zh else " (") + view.note + ("）" if zh else ")")
            color = GREEN
        self.signoff_label.setText(text)
        self.signoff_label.setStyleSheet(f"color: {color};")
        signed = view is not None and view.in_force
        self.sign_button.setText(self.tr("Sign off again…") if view is not None and not signed
                                 else self.tr("Sign off the week…"))
        tip = (self.tr("Signed off, and nothing changed since.") if signed
               else self.tr("This week has not begun.") if not begun else "")
        offer(self.sign_button, self.ctx, "visit_week.sign", also=begun and not signed,
              tip=tip)

    def sign_week(self) -> QDialog | None:
        """Ask for a note, then sign off the shown week's visits (a station admin)."""
        decision = self.ctx.may("visit_week.sign")
        if not decision.ok:
            self._refused(decision)
            return None
        count = self.compliance.visits if self.compliance is not None else len(self.visits)
        self.dialog = SignWeekDialog(self, self.iso_year, self.iso_week, count)
        self.dialog.open()
        return self.dialog

    def _signed(self) -> None:
        self._say(self.tr("The week's visits are signed off."))
        self.refresh_now()

    # -- add visit -----------------------------------------------------------------------

    def _chosen_enterprise(self) -> str | None:
        return self.fields.chosen_enterprise()

    def choose_enterprise(self, enterprise_id: str) -> None:
        self.fields.choose_enterprise(enterprise_id)

    def form_data(self) -> dict[str, Any]:
        return self.fields.data()

    def save(self, *, same_day_ok: bool = False):
        """Record the visit in the form (off the GUI thread); the list then shows the
        week of the visit saved, and an abnormal finding offers the watch list. A visit
        to an enterprise that already has one that day asks first (most often the same
        visit saved twice; every visit counts for the weekly quota): yes saves it again
        with ``same_day_ok``. Returns the ``Op`` of the visit's save."""
        from station_app.domain.services import visits as svc

        data = self.form_data()
        self.message.clear()

        def work(s):
            result = svc.record_visit(s, data, check_same_day=not same_day_ok)
            v = result.visit
            return v.id, v.visit_date, v.enterprise_id, result.propose_listing

        def saved(answer) -> None:
            visit_id, day, enterprise_id, proposal = answer
            self.message.setText(self.tr("Visit saved."))
            # ready for the next visit: keep date, kind and visitors (often several
            # visits of one day by the same people); clear the enterprise and the rest,
            # so one more click on save cannot record the same visit twice
            self.form.set_values({"workers_served": "", "workers_involved": "",
                                  "findings": "", "actions": "", "follow_up_due": "",
                                  "operating_status": "normal"})
            self.fields.choose_enterprise(None)
            self.flags.clear()
            # the list shows the week of the visit saved (a back-dated one too)
            self.go_to_date(day, select=visit_id)
            if proposal and enterprise_id:
                self._propose_listing(enterprise_id, proposal)

        def failed(exc: BaseException) -> None:
            codes = {e.code for e in getattr(exc, "errors", ())}
            if codes != {"visit.same_day"}:
                return
            box = QMessageBox(QMessageBox.Icon.Question, self.tr("Another visit that day?"),
                              exc.errors[0].message(self.ctx.lang),
                              QMessageBox.StandardButton.NoButton, self)
            box.setObjectName("same-day-visit")
            again = box.addButton(self.tr("Record another visit"),
                                  QMessageBox.ButtonRole.AcceptRole)
            again.setObjectName("record-again")
            keep = box.addButton(self.tr("Do not record it"),
                                 QMessageBox.ButtonRole.RejectRole)
            keep.setObjectName("do-not-record")
            box.setDefaultButton(keep)
            box.setEscapeButton(keep)
            clicked = ask(self, box)
            if clicked is again:
                self.save(same_day_ok=True)

        return self.form.submit(self.ctx, work, saved=saved, failed=failed,
                                busy=(self.save_button,))

    def _propose_listing(self, enterprise_id: str, proposal: str) -> None:
        """Ask whether to put the enterprise on the watch list; list it when yes."""
        from station_app.domain.services import enterprises as ent_svc

        name = self.enterprise_names.get(enterprise_id, "")
        answer = QMessageBox.question(
            self, self.tr("Watch list"),
            self.tr("The visit to %1 found abnormal operations (%2). Put the enterprise "
                    "on the labour-risk watch list?").replace("%1", name)
            .replace("%2", proposal))
        if answer != QMessageBox.StandardButton.Yes:
            return

        def listed(_entry) -> None:
            self.message.setText(self.tr("Visit saved; the enterprise is now on the "
                                         "watch list."))
            self.refresh_now()

        def refused(exc: BaseException) -> None:
            QMessageBox.warning(self, self.tr("Watch list"), self.ctx.explain(exc))

        self.listing = self.write(lambda s: ent_svc.list_on_watch(s, enterprise_id, proposal),
                                  success=listed, failure=refused)
