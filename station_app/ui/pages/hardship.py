"""Hardship ledger page (困难职工档案 / 帮扶台账).

Left: the list of files with a filter (open, due for the annual review, never helped, not
updated for a year, exited, cancelled). Right: the selected file — its status (and for a
closed file the date and reason), its fields, the household, the ledger with totals per
kind and overall, and the actions: add an entry, reverse an entry (冲正, station admins),
record the annual review, close the file as 脱困 (exited) or 注销 (cancelled) with a date
and a reason, re-open a file closed in error (station admins), print or save as PDF.

The file tab shows the 困难职工档案表 as printed, its sign-offs (the grassroots union's,
signed here by the station head; the upper union's, the district's, read-only here) with
who and when and what changed after signing, and the actions 修改档案 (every field, in
``hardship_forms.CaseEditDialog``) and 签署. The household tab lists the members (ID
numbers masked) with add, edit and delete (after asking). Every button is offered by the
permission table for the file as it is (a clerk cannot change a signed file).

Reads and writes run off the UI thread through ``ui.operations`` (named service reads;
each write one unit of work through the services), with field errors shown in place and
nothing typed cleared on failure. The ledger is append-only: there is no edit and no
delete, only reversal.
"""

from __future__ import annotations

from datetime import date

from station_app.domain.choices import (
    CASE_STATUS,
    HARDSHIP_CATEGORY,
    HARDSHIP_LEVEL,
    HOUSEHOLD_RELATION,
    LEDGER_KIND,
    MEMBER_STATUS,
    label,
)
from station_app.domain.services import hardship, members
from station_app.domain.services.exposure import mask_for_export
from station_app.domain.services.reads import HARDSHIP_LISTS as FILTERS
from station_app.domain.services.reads import CaseRow
from station_app.domain.validation import ValidationError, format_fen
from station_app.exchange.casefile import (
    CaseFile,
    EntryRow,
    HouseholdRow,
    case_file_for_print,
    render_case_file,
)
from station_app.ui.context import AppContext
from station_app.ui.forms import ERROR_STYLE, Form, choice_combo
from station_app.ui.operations import Op, QueryOp, WriteOp
from station_app.ui.pages import Page
from station_app.ui.pages.hardship_forms import (
    CaseEditDialog,
    HouseholdDialog,
    SignDialog,
    case_detail,
)
from station_app.ui.permissions import offer
from station_app.ui.qt import (
    QBrush,
    QColor,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QModelIndex,
    QPlainTextEdit,
    QPrintDialog,
    QPrinter,
    QPushButton,
    QSplitter,
    Qt,
    QTabWidget,
    QTextBrowser,
    QTextDocument,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from station_app.ui.save import ask_pdf_path
from station_app.ui.tables import RowsModel, read_only_table

# --------------------------------------------------------------------------- models


def _d(value: date | None) -> str:
    return value.isoformat() if value else ""


class CaseListModel(RowsModel):
    CLOSED_COLUMNS = (8, 9)  # shown for the lists of closed files

    def __init__(self, lang: str, parent=None):
        super().__init__(parent)
        self.columns = [
            (self.tr("Name"), lambda r: r.name),
            (self.tr("Category"), lambda r: label(HARDSHIP_CATEGORY, r.category, lang)),
            (self.tr("Level"), lambda r: label(HARDSHIP_LEVEL, r.level, lang)),
            (self.tr("Household size"), lambda r: str(r.household_size)),
            (self.tr("Registered"), lambda r: _d(r.registered_date)),
            (self.tr("Last review"), lambda r: _d(r.last_review_date)),
            (self.tr("Status"), lambda r: label(CASE_STATUS, r.status, lang)),
            (self.tr("Total received (yuan)"), lambda r: format_fen(r.total_fen, grouping=True)),
            (self.tr("Closed on"), lambda r: _d(r.closed_on)),
            (self.tr("Reason closed"), lambda r: r.closed_because or ""),
        ]
        self.numeric = {3, 7}


class LedgerModel(RowsModel):
    def __init__(self, lang: str, parent=None):
        super().__init__(parent)
        self.columns = [
            (self.tr("No."), lambda e: str(e.no)),
            (self.tr("Date"), lambda e: _d(e.entry_date)),
            (self.tr("Kind"), lambda e: label(LEDGER_KIND, e.kind, lang)),
            (self.tr("Amount (yuan)"), lambda e: format_fen(e.amount_fen, grouping=True)),
            (self.tr("Funding source"), lambda e: e.funding_source or ""),
            (self.tr("Handled by"), lambda e: e.handled_by or ""),
            (self.tr("Reversal"), self._mark),
            (self.tr("Note"), self._note),
        ]
        self.numeric = {0, 3}

    def _mark(self, e: EntryRow) -> str:
        if e.is_reversal:
            return self.tr("Reversal (冲正) of no. %1").replace("%1", str(e.reverses_no or "?"))
        if e.is_reversed:
            return self.tr("Reversed by no. %1").replace("%1", str(e.reversed_by_no))
        return ""

    def _note(self, e: EntryRow) -> str:
        parts = []
        if e.cover_year:
            parts.append(self.tr("cover year %1").replace("%1", str(e.cover_year)))
        if e.beneficiary:
            parts.append(self.tr("student: %1").replace("%1", e.beneficiary))
        if e.note:
            parts.append(e.note)
        return "; ".join(parts)

    def foreground(self, row: EntryRow):
        return None if row.counts else QBrush(QColor("#777777"))


class HouseholdModel(RowsModel):
    def __init__(self, lang: str, parent=None):
        super().__init__(parent)
        self.columns = [
            (self.tr("Name"), lambda h: h.name),
            (self.tr("Relation"), lambda h: label(HOUSEHOLD_RELATION, h.relation, lang)),
            # (masked as a clerk's printed file shows it: the first 6 and the last 4)
            (self.tr("ID number"), lambda h: mask_for_export(h.id_number) or ""),
            (self.tr("Age"), lambda h: "" if h.age is None else str(h.age)),
            (self.tr("Health"), lambda h: h.health or ""),
            (self.tr("School / work"), lambda h: h.school_or_work or ""),
        ]
        self.numeric = {3}


# --------------------------------------------------------------------------- dialogs


class OpenCaseDialog(QDialog):
    """Open a hardship file for a member: search, pick, fill the file's first fields."""

    def __init__(self, page: HardshipPage):
        super().__init__(page)
        self.page = page
        self.ctx = page.ctx
        self.case_id: str | None = None
        self.setWindowTitle(self.tr("Open a hardship file"))
        layout = QVBoxLayout(self)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Name, pinyin initials or ID number digits"))
        self.search.textChanged.connect(self.run_search)
        layout.addWidget(self.search)
        self.form = Form(self.ctx.lang, self)
        self.hits = QListWidget(self)
        self.hits.setMinimumHeight(120)
        self.form.add("member", self.tr("Member"), self.hits)
        lang = self.ctx.lang
        self.form.add("category", self.tr("Category *"),
                      choice_combo(HARDSHIP_CATEGORY, lang, empty=""))
        self.form.add("level", self.tr("Level *"), choice_combo(HARDSHIP_LEVEL, lang, empty=""))
        # (a hint reads as a hint, never as a value: the date that is filled in is the date)
        self.form.line("household_size", self.tr("Household size *"),
                       self.tr("number of people, 1 to 30"))
        self.form.line("monthly_income_per_capita_fen",
                       self.tr("Per-capita monthly income (yuan)"), self.tr("e.g. 850.00"))
        self.form.line("registered_date", self.tr("Registered on"), self.tr("YYYY-MM-DD"))
        self.form.widgets["registered_date"].setText(date.today().isoformat())
        layout.addWidget(self.form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Open file"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.buttons = buttons

    def run_search(self, text: str) -> Op | None:
        """Search the members off the GUI thread (the newest search's hits shown)."""
        self.hits.clear()
        if not text.strip():
            return None
        return QueryOp(self.ctx, self, lambda s: members.search_members(s, text, limit=30),
                       key="search").success(self._show_hits).run()

    def _show_hits(self, found) -> None:
        self.hits.clear()
        for hit in found:
            extra = "" if hit.status == "active" else \
                f" ({label(MEMBER_STATUS, hit.status, self.ctx.lang)})"
            item = QListWidgetItem(f"{hit.name}  {hit.id_number_masked}{extra}")
            item.setData(Qt.ItemDataRole.UserRole, hit.id)
            self.hits.addItem(item)
        if self.hits.count() == 1:
            self.hits.setCurrentRow(0)

    def member_id(self) -> str | None:
        item = self.hits.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def save(self) -> Op:
        member_id = self.member_id()
        if member_id is None:
            self.form.clear_errors()
            self.form.errors["member"].setText(self.tr("Search for the member and select them."))
            self.form.errors["member"].show()
            return Op.refused()
        data = self.form.values()
        data.pop("member", None)

        def opened(case_id: str) -> None:
            self.case_id = case_id
            self.accept()

        return self.form.submit(
            self.ctx, lambda s: hardship.open_case(s, member_id, data).id,
            rename={"entry_date": "registered_date"}, saved=opened,
            busy=(self.buttons,))


class CloseDialog(QDialog):
    """Close the file — 脱困 (``status`` "exited") or 注销 ("cancelled") — with the date
    and the reason; errors in place, nothing typed cleared."""

    def __init__(self, page: HardshipPage, case_id: str, status: str = "exited"):
        super().__init__(page)
        self.page, self.case_id, self.status = page, case_id, status
        self.date_field = hardship.CLOSINGS[status][0]
        exiting = status == "exited"
        self.setWindowTitle(self.tr("Exit the file (脱困)") if exiting
                            else self.tr("Cancel the file (注销)"))
        layout = QVBoxLayout(self)
        self.explain = QLabel(
            self.tr("The household no longer needs help. From this date on the file no "
                    "longer counts among the files on record, and takes no more entries.")
            if exiting else
            self.tr("The file was opened in error or withdrawn. From this date on it no "
                    "longer counts among the files on record, and takes no more entries."),
            self)
        self.explain.setWordWrap(True)
        layout.addWidget(self.explain)
        self.form = Form(page.ctx.lang, self)
        self.form.line(self.date_field, self.tr("Exit date") if exiting
                       else self.tr("Cancellation date"), date.today().isoformat())
        self.form.widgets[self.date_field].setText(date.today().isoformat())
        self.form.add("reason", self.tr("Reason *"), QPlainTextEdit(self))
        layout.addWidget(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            self.tr("Exit the file") if exiting else self.tr("Cancel the file"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Back"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def save(self) -> Op:
        v = self.form.values()
        return self.page.close_case(self.status, v[self.date_field], v["reason"],
                                    form=self.form, then=self.accept)


class ReverseDialog(QDialog):
    """冲正 one ledger entry: the reason (required) in a form; a refusal shows under its
    field (or at the form's top) and the dialog stays open with the typing kept."""

    def __init__(self, page: HardshipPage, entry: EntryRow):
        super().__init__(page)
        self.page, self.entry = page, entry
        self.setWindowTitle(self.tr("Reverse entry"))
        layout = QVBoxLayout(self)
        self.explain = QLabel(
            self.tr("Reverse entry no. %1 (%2 yuan): a reversal (冲正) of the opposite "
                    "amount is added; the entry itself stays on record.")
            .replace("%1", str(entry.no)).replace("%2", format_fen(entry.amount_fen)), self)
        self.explain.setWordWrap(True)
        layout.addWidget(self.explain)
        self.form = Form(page.ctx.lang, self)
        self.form.add("reason", self.tr("Reason *"), QPlainTextEdit(self))
        layout.addWidget(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Reverse"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Back"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def save(self) -> Op:
        return self.page.reverse_selected(self.form.values()["reason"], form=self.form,
                                          then=self.accept, entry=self.entry)


# --------------------------------------------------------------------------- page


class HardshipPage(Page):
    key = "hardship"
    watches = frozenset({"hardship_cases", "ledger_entries", "household_members", "members",
                         "signoffs", "case_upper_signoffs"})

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.case_id: str | None = None
        self.file: CaseFile | None = None
        self.facts = None  # the file's facts for the permission table (sign-off, owner)
        self._reveal = False  # open_record: select the file in the list once loaded
        self.last_message = ""
        self._dialog: QDialog | None = None
        self._build()
        self._update_actions()

    # -- layout ------------------------------------------------------------------------

    def _build(self) -> None:
        lang = self.ctx.lang
        outer = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(splitter)

        # the list
        left = QWidget(splitter)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.filter = QComboBox(left)
        names = {
            "open": self.tr("Open files"),
            "due": self.tr("Due for annual review"),
            "never_helped": self.tr("Never helped"),
            "not_updated": self.tr("Not updated for a year"),
            "exited": self.tr("Exited (脱困)"),
            "cancelled": self.tr("Cancelled (注销)"),
        }
        for key in FILTERS:
            self.filter.addItem(names[key], key)
        self.filter.currentIndexChanged.connect(lambda _i: self.load_list())
        top.addWidget(self.filter, 1)
        self.open_button = QPushButton(self.tr("Open file…"), left)
        self.open_button.clicked.connect(self.new_case)
        top.addWidget(self.open_button)
        lv.addLayout(top)
        self.list_model = CaseListModel(lang, self)
        self.list_view = read_only_table(left, self.list_model)
        self.list_view.selectionModel().currentRowChanged.connect(self._list_row_changed)
        lv.addWidget(self.list_view)
        self.list_status = QLabel(left)
        lv.addWidget(self.list_status)

        # the detail
        right = QWidget(splitter)
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(self.tr("No file selected"), right)
        self.title.setStyleSheet("font-size: 14pt; font-weight: bold;")
        rv.addWidget(self.title)
        self.closed_label = QLabel(right)  # a closed file: how, when and why
        self.closed_label.setObjectName("closed-label")
        self.closed_label.setWordWrap(True)
        self.closed_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.closed_label.setStyleSheet("color: #8a4b00; font-weight: bold;")
        self.closed_label.hide()
        rv.addWidget(self.closed_label)
        actions = QHBoxLayout()
        self.review_button = QPushButton(self.tr("Record review"), right)
        self.review_button.clicked.connect(lambda: self.record_review())
        self.exit_button = QPushButton(self.tr("Exit (脱困)…"), right)
        self.exit_button.clicked.connect(self.ask_exit)
        self.cancel_button = QPushButton(self.tr("Cancel file (注销)…"), right)
        self.cancel_button.clicked.connect(self.ask_cancel)
        self.reopen_button = QPushButton(self.tr("Re-open…"), right)
        self.reopen_button.clicked.connect(lambda: self.reopen())
        self.print_button = QPushButton(self.tr("Print…"), right)
        self.print_button.clicked.connect(self.print_file)
        self.pdf_button = QPushButton(self.tr("Save as PDF…"), right)
        self.pdf_button.clicked.connect(self.ask_pdf)
        for b in (self.review_button, self.exit_button, self.cancel_button, self.reopen_button,
                  self.print_button, self.pdf_button):
            actions.addWidget(b)
        actions.addStretch(1)
        rv.addLayout(actions)
        self.message = QLabel(right)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.hide()
        rv.addWidget(self.message)

        self.tabs = QTabWidget(right)
        rv.addWidget(self.tabs, 1)

        # tab: the file — its actions, its sign-offs, and the file as printed
        ft = QWidget(self.tabs)
        fv = QVBoxLayout(ft)
        file_actions = QHBoxLayout()
        self.edit_button = QPushButton(self.tr("Edit the file…"), ft)
        self.edit_button.clicked.connect(lambda: self.edit_case())
        self.sign_button = QPushButton(self.tr("Sign off (grassroots union)…"), ft)
        self.sign_button.clicked.connect(lambda: self.sign_case())
        file_actions.addWidget(self.edit_button)
        file_actions.addWidget(self.sign_button)
        file_actions.addStretch(1)
        fv.addLayout(file_actions)
        signoffs = QGroupBox(self.tr("Sign-offs"), ft)
        sv = QVBoxLayout(signoffs)
        self.grassroots_label = QLabel(signoffs)
        self.upper_label = QLabel(signoffs)
        for lab in (self.grassroots_label, self.upper_label):
            lab.setWordWrap(True)
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            sv.addWidget(lab)
        fv.addWidget(signoffs)
        self.fields_view = QTextBrowser(ft)
        fv.addWidget(self.fields_view, 1)
        self.file_tab = ft
        self.tabs.addTab(ft, self.tr("File"))

        # tab: household
        hh = QWidget(self.tabs)
        hv = QVBoxLayout(hh)
        self.household_model = HouseholdModel(lang, self)
        self.household_view = read_only_table(hh, self.household_model)
        self.household_view.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_actions())
        self.household_view.doubleClicked.connect(lambda _i: self.edit_household())
        hv.addWidget(self.household_view, 1)
        hh_actions = QHBoxLayout()
        self.edit_household_button = QPushButton(self.tr("Edit household member…"), hh)
        self.edit_household_button.clicked.connect(lambda: self.edit_household())
        self.delete_household_button = QPushButton(self.tr("Delete household member…"), hh)
        self.delete_household_button.clicked.connect(lambda: self.delete_household())
        hh_actions.addWidget(self.edit_household_button)
        hh_actions.addWidget(self.delete_household_button)
        hh_actions.addStretch(1)
        hv.addLayout(hh_actions)
        self.household_form = Form(lang, hh)
        self.household_form.line("name", self.tr("Name"))
        self.household_form.add("relation", self.tr("Relation"),
                                choice_combo(HOUSEHOLD_RELATION, lang, empty=""))
        self.household_form.line("id_number", self.tr("ID number"))
        self.household_form.line("age", self.tr("Age"))
        self.household_form.line("health", self.tr("Health"))
        self.household_form.line("school_or_work", self.tr("School / work"))
        hv.addWidget(self.household_form)
        self.add_household_button = QPushButton(self.tr("Add household member"), hh)
        self.add_household_button.clicked.connect(lambda: self.add_household_member())
        hv.addWidget(self.add_household_button)
        self.tabs.addTab(hh, self.tr("Household"))

        # tab: ledger
        lg = QWidget(self.tabs)
        gv = QVBoxLayout(lg)
        self.ledger_model = LedgerModel(lang, self)
        self.ledger_view = read_only_table(lg, self.ledger_model)
        self.ledger_view.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_actions())
        gv.addWidget(self.ledger_view, 1)
        self.totals_label = QLabel(lg)
        self.totals_label.setWordWrap(True)
        self.totals_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        gv.addWidget(self.totals_label)
        row = QHBoxLayout()
        self.reverse_button = QPushButton(self.tr("Reverse…"), lg)
        self.reverse_button.clicked.connect(lambda: self.ask_reverse())
        row.addWidget(self.reverse_button)
        row.addStretch(1)
        gv.addLayout(row)
        self.entry_form = Form(lang, lg)
        kind = self.entry_form.add("kind", self.tr("Kind"), choice_combo(LEDGER_KIND, lang))
        kind.currentIndexChanged.connect(lambda _i: self._kind_changed())
        self.entry_form.line("entry_date", self.tr("Date"), date.today().isoformat())
        self.entry_form.line("amount", self.tr("Amount (yuan)"), "0.00")
        self.entry_form.line("cover_year", self.tr("Cover year"))
        self.entry_form.line("beneficiary", self.tr("Student"))
        self.entry_form.line("funding_source", self.tr("Funding source"))
        self.entry_form.line("handled_by", self.tr("Handled by"),
                             self.ctx.actor.display_name or self.ctx.actor.username)
        self.entry_form.line("note", self.tr("Note"))
        gv.addWidget(self.entry_form)
        self.add_entry_button = QPushButton(self.tr("Add entry"), lg)
        self.add_entry_button.clicked.connect(lambda: self.add_entry())
        gv.addWidget(self.add_entry_button)
        self.tabs.addTab(lg, self.tr("Ledger"))
        self.tabs.setCurrentWidget(lg)
        self._kind_changed()
        # typing in the inline forms is asked about before another file or page
        self.guard(self.entry_form, lambda: self.add_entry(),
                   may_save=lambda: self.add_entry_button.isEnabled())
        self.guard(self.household_form, lambda: self.add_household_member(),
                   may_save=lambda: self.add_household_button.isEnabled())

        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        self.splitter = splitter
        self._balanced = False  # (the list given its room once, then the user's to drag)

    def _set_row_visible(self, form: Form, field: str, visible: bool) -> None:
        form.layout_.setRowVisible(form.widgets[field].parentWidget(), visible)

    def _kind_changed(self) -> None:
        kind = self.entry_form.widgets["kind"].currentData()
        self._set_row_visible(self.entry_form, "cover_year", kind == "medical_mutual_aid")
        self._set_row_visible(self.entry_form, "beneficiary", kind == "education_aid")

    # -- state -------------------------------------------------------------------------

    @property
    def can_reverse(self) -> bool:
        return self.ctx.may("ledger.reverse").ok

    def selected_entry(self) -> EntryRow | None:
        index = self.ledger_view.selectionModel().currentIndex()
        return self.ledger_model.row_at(index.row()) if index.isValid() else None

    def selected_household(self) -> HouseholdRow | None:
        index = self.household_view.selectionModel().currentIndex()
        return self.household_model.row_at(index.row()) if index.isValid() else None

    def grassroots_signed(self) -> bool:
        """Whether the file's grassroots sign-off is in force (signed, unchanged since)."""
        view = self.file.signoffs.get("grassroots") if self.file is not None else None
        return view is not None and view.in_force

    def _update_actions(self) -> None:
        """The actions the file's state allows, offered to those the permission table
        lets do them (the others see the button disabled, and who may on hovering)."""
        has = self.file is not None
        is_open = bool(has and self.file.status == "open")
        for b in (self.print_button, self.pdf_button):
            b.setEnabled(has)
        offer(self.open_button, self.ctx, "case.open")
        offer(self.review_button, self.ctx, "case.review", also=is_open)
        offer(self.exit_button, self.ctx, "case.exit", also=is_open)
        offer(self.cancel_button, self.ctx, "case.cancel", also=is_open,
              tip=self.tr("For a file opened in error or withdrawn."))
        self.reopen_button.setVisible(has and not is_open)
        if has and self.file.status == "cancelled":
            self.reopen_button.setText(self.tr("Undo the cancellation…"))
        elif has and not is_open:
            self.reopen_button.setText(self.tr("Undo the exit…"))
        offer(self.reopen_button, self.ctx, "case.reopen", also=has and not is_open,
              tip=self.tr("Undo an exit or a cancellation recorded in error."))
        offer(self.add_entry_button, self.ctx, "ledger.add", also=is_open)
        facts = self.facts if has else None
        offer(self.edit_button, self.ctx, "case.edit", facts, also=has)
        signed = self.grassroots_signed()
        may_sign = offer(self.sign_button, self.ctx, "case.sign", facts,
                         also=has and not signed,
                         tip=self.tr("The station head signs the file as it is now."))
        if may_sign.ok and signed:
            self.sign_button.setToolTip(self.tr("Signed off, and unchanged since."))
        offer(self.add_household_button, self.ctx, "household.add", facts, also=has)
        member = self.selected_household() if has else None
        offer(self.edit_household_button, self.ctx, "household.edit", facts,
              also=member is not None)
        offer(self.delete_household_button, self.ctx, "household.delete", facts,
              also=member is not None)
        entry = self.selected_entry()
        offer(self.reverse_button, self.ctx, "ledger.reverse",
              also=entry is not None and not entry.is_reversal and not entry.is_reversed,
              tip=self.tr("Entries are never edited: a mistake is corrected by a reversal "
                          "(冲正)."))

    def show_message(self, text: str) -> None:
        """A message above the detail (refusals, errors that belong to no field)."""
        self.last_message = text
        self.message.setText(text)
        self.message.setVisible(bool(text))

    # -- loading -----------------------------------------------------------------------

    def reload(self) -> None:
        self.load_list()
        if self.case_id:
            self.load_detail()

    def _failed(self, exc: BaseException) -> None:
        self.show_message(self.ctx.explain(exc) if isinstance(exc, ValidationError)
                          else self.tr("Could not load: %1").replace("%1",
                                                                     self.ctx.explain(exc)))

    def current_filter(self) -> str:
        return self.filter.currentData()

    def load_list(self) -> None:
        from station_app.domain.services.reads import hardship_case_list

        which = self.current_filter()
        self.query(lambda s: hardship_case_list(s, which), key="list",
                   success=self._list_loaded, failure=self._failed)

    def _list_loaded(self, rows: list[CaseRow]) -> None:
        keep = self.case_id
        self.list_model.set_rows(rows)
        closed = self.current_filter() in ("exited", "cancelled")
        for column in CaseListModel.CLOSED_COLUMNS:  # the date and reason of a closing
            self.list_view.setColumnHidden(column, not closed)
        self.list_status.setText(self.tr("%n file(s)", "", len(rows)))
        self.balance()
        for i, r in enumerate(rows):
            if r.id == keep:
                self.list_view.selectRow(i)
                break

    # the list's columns up to the registration date are seen whole (the walk saw a
    # 245 px list with 建档日期 cut to "2026"): as much room as they need, at most 55 %
    LIST_SEEN = 5

    def list_width_needed(self) -> int:
        view = self.list_view
        header = view.horizontalHeader()
        width = sum(max(header.sectionSizeHint(c), view.sizeHintForColumn(c))
                    for c in range(self.LIST_SEEN))
        return (width + 2 * view.frameWidth() + view.verticalScrollBar().sizeHint().width()
                + 4)

    def balance(self) -> None:
        """Give the list the room of its first columns, once the page has its width."""
        total = sum(self.splitter.sizes())
        if self._balanced or not self.isVisible() or total <= 0 or \
                not self.list_model.rows:
            return
        self._balanced = True
        left = min(self.list_width_needed(), int(total * 0.55))
        left = max(left, self.splitter.sizes()[0])
        self.splitter.setSizes([left, total - left])

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        QTimer.singleShot(0, self.balance)

    def _list_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        row = self.list_model.row_at(current.row()) if current.isValid() else None
        if row is not None and row.id != self.case_id:
            if not self.may_leave():  # (stay: the file shown is selected again)
                QTimer.singleShot(0, self._select_shown)
                return
            self.show_case(row.id)

    def _select_shown(self) -> None:
        for i, r in enumerate(self.list_model.rows):
            if r.id == self.case_id:
                self.list_view.selectRow(i)
                return

    def show_case(self, case_id: str) -> None:
        if case_id != self.case_id:
            self.show_message("")
        self.case_id = case_id
        self.load_detail()

    def open_record(self, record_id: str) -> None:
        """Show one file (the dashboard's to-do list, another page): selected in the list
        — the list of its status when the one shown does not hold it — and its file tab,
        where its annual review, edit and sign-off are."""
        self._reveal = True
        self.tabs.setCurrentWidget(self.file_tab)
        self.show_case(record_id)

    def load_detail(self) -> None:
        case_id = self.case_id
        self.query(lambda s: case_detail(s, case_id), key="detail",
                   success=self._detail_loaded, failure=self._failed)

    def _reveal_in_list(self, cf: CaseFile) -> None:
        """Select the file in the list, switching to the list of its status when the one
        shown does not hold it (the list then selects it when loaded)."""
        for i, r in enumerate(self.list_model.rows):
            if r.id == cf.id:
                if self.list_view.selectionModel().currentIndex().row() != i:
                    self.list_view.selectRow(i)
                return
        wanted = {"open": "open", "exited": "exited", "cancelled": "cancelled"}.get(
            cf.status, "open")
        if self.current_filter() != wanted:
            self.filter.setCurrentIndex(FILTERS.index(wanted))  # (reloads the list)
        else:
            self.load_list()

    def _detail_loaded(self, answer: tuple[CaseFile, object]) -> None:
        cf, self.facts = answer
        keep = self.selected_entry()
        keep_member = self.selected_household()
        self.file = cf
        if self._reveal:
            self._reveal = False
            self._reveal_in_list(cf)
        lang = self.ctx.lang
        status = label(CASE_STATUS, cf.status, lang)
        self.title.setText(f"{cf.name} — {label(HARDSHIP_CATEGORY, cf.values['category'], lang)}"
                           f" · {label(HARDSHIP_LEVEL, cf.values['level'], lang)} · {status}")
        closed = self.closed_text(cf)
        self.closed_label.setText(closed)
        self.closed_label.setVisible(bool(closed))
        html = render_case_file(cf, lang)
        self.fields_view.setHtml(html)
        self.household_model.set_rows(cf.household)
        if keep_member is not None:
            for i, h in enumerate(cf.household):
                if h.id == keep_member.id:
                    self.household_view.selectRow(i)
        for level, lab in (("grassroots", self.grassroots_label), ("upper", self.upper_label)):
            lab.setText(self.signoff_text(level, cf))
            view = cf.signoffs.get(level)  # (a change after signing stands out)
            lab.setStyleSheet("color: #8a4b00;" if view is not None and not view.in_force
                              else "")
        self.ledger_model.set_rows(cf.entries)
        if keep is not None:
            for i, e in enumerate(cf.entries):
                if e.id == keep.id:
                    self.ledger_view.selectRow(i)
        self.totals_label.setText(self.totals_text(cf))
        self._update_actions()

    def signoff_text(self, level: str, cf: CaseFile) -> str:
        """One block's sign-off as the file tab shows it: who signed and when, and what
        changed after signing (the grassroots sign-off is then void; the upper union's
        shows the change, the district's record left as it signed it)."""
        view = cf.signoffs.get(level)
        lang = self.ctx.lang
        zh = lang.startswith("zh")
        if level == "grassroots":
            head = self.tr("Grassroots union (基层工会意见): ")
            if view is None:
                return head + self.tr("not signed off yet")
        else:
            head = self.tr("Upper union (上级工会意见, the district's): ")
            if view is None:
                return head + self.tr("not signed off by the district yet")
        text = head + self.tr("signed off by %1 on %2").replace(
            "%1", view.signed_by_name).replace("%2", view.signed_date.isoformat())
        if view.note:
            text += self.tr(" — opinion: %1").replace("%1", view.note)
        if view.void and level == "grassroots":
            # (a station's sign-off is voided by a change made after it)
            text += "\n" + self.tr("Changed after signing (签字后有修改) — the sign-off is "
                                   "void: %1 (%2, %3)").replace(
                "%1", view.why_void(lang)).replace(
                "%2", view.void_by_name or view.void_by or "").replace(
                "%3", (view.void_at or "")[:10])
        elif view.void:
            text += "\n" + self.tr("Withdrawn by the district: %1").replace(
                "%1", view.why_void(lang))
        elif view.changes:
            text += "\n" + self.tr("Changed after signing (签字后有修改): %1").replace(
                "%1", ("；" if zh else "; ").join(c.zh if zh else c.en for c in view.changes))
        else:
            text += self.tr(" — unchanged since")
        return text

    def closed_text(self, cf: CaseFile) -> str:
        """How, when and why a closed file was closed ("" for an open file)."""
        if cf.status == "open":
            return ""
        when = cf.values.get("exit_date")
        text = (self.tr("Exited (脱困) on %1") if cf.status == "exited"
                else self.tr("Cancelled (注销) on %1")).replace(
            "%1", when.isoformat() if when else self.tr("an unknown date"))
        reason = cf.values.get("exit_reason")
        if reason:
            text += self.tr(" — reason: %1").replace("%1", reason)
        return text

    def totals_text(self, cf: CaseFile) -> str:
        lang = self.ctx.lang
        parts = [f"{label(LEDGER_KIND, k, lang)} {format_fen(cf.totals_by_kind[k], grouping=True)}"
                 f" ({cf.counts_by_kind.get(k, 0)})"
                 for k in LEDGER_KIND if k in cf.totals_by_kind]
        total = self.tr("Total: %1 yuan").replace("%1", format_fen(cf.total_fen, grouping=True))
        note = self.tr("Reversed entries and their reversals count for nothing.")
        return ("; ".join(parts) + ("\n" if parts else "")) + total + " — " + note

    # -- writes ------------------------------------------------------------------------

    def _write(self, fn, form: Form | None = None, rename: dict[str, str] | None = None,
               then=None) -> Op:
        """Run ``fn(session)`` in one unit of work off the GUI thread; refusals in place
        (under the form's fields, or above the detail). ``then(result)`` after it is
        saved and the list and the detail are read again. Returns the ``Op``."""
        def saved(result) -> None:
            self.show_message("")
            self.refresh_now()  # (the pages that show what changed reload)
            if then is not None:
                then(result)

        def refused(exc: BaseException) -> None:
            if form is not None:
                self.show_message("")  # (the form shows it, the rest at its top)
            else:
                self.show_message(self.ctx.explain(exc))

        if form is not None and form.saving is not None and not form.saving.done:
            return Op.refused()  # (that form's save is still under way)
        op = WriteOp(self.ctx, self, fn).success(saved).failure(refused)
        if form is not None:
            op.form(form, rename)
        run = op.run()
        if form is not None:
            form.saving = run
        return run

    def new_case(self) -> OpenCaseDialog:
        """Show the "open a file" dialog (non-blocking); the new file is shown after."""
        dialog = OpenCaseDialog(self)
        self._dialog = dialog

        def opened() -> None:
            if dialog.case_id:
                self.case_id = dialog.case_id
                if self.current_filter() not in ("open", "never_helped"):
                    self.filter.setCurrentIndex(FILTERS.index("open"))
                self.refresh_now()
                self.load_detail()

        dialog.accepted.connect(opened)
        dialog.open()
        return dialog

    def add_entry(self) -> Op:
        if not self.case_id:
            return Op.refused()
        data = self.entry_form.values()
        kind = data.get("kind")
        if kind != "medical_mutual_aid":
            data["cover_year"] = None
        if kind != "education_aid":
            data["beneficiary"] = None
        case_id = self.case_id

        def added(_entry) -> None:
            # a saved entry clears the per-entry inputs; kind, date, source and handler stay
            for field in ("amount", "cover_year", "beneficiary", "note"):
                self.entry_form.widgets[field].clear()
            self.entry_form.mark_clean()  # (what stays for the next entry is no typing lost)

        return self._write(lambda s: hardship.add_entry(s, case_id, data), self.entry_form,
                           {"handler": "handled_by"}, then=added)

    def ask_reverse(self) -> ReverseDialog | None:
        """冲正 the selected entry: show the dialog that asks the reason (non-blocking)."""
        entry = self.selected_entry()
        if entry is None:
            self.show_message(self.tr("Select the entry to reverse first."))
            return None
        dialog = ReverseDialog(self, entry)
        self._dialog = dialog
        dialog.open()
        return dialog

    def reverse_selected(self, reason: str, form: Form | None = None, then=None,
                         entry: EntryRow | None = None) -> Op:
        """冲正 the selected entry (or ``entry``) with ``reason``; clerks are refused
        plainly. With ``form`` the refusal shows in it; ``then()`` after it is saved."""
        entry = entry or self.selected_entry()
        if entry is None:
            self.show_message(self.tr("Select the entry to reverse first."))
            return Op.refused()
        # a clerk's button is disabled; if it is reached anyway, the service refuses
        # with a message that names the role needed, and nothing is written
        return self._write(lambda s: hardship.reverse_entry(s, entry.id, reason), form,
                           then=(lambda _r: then()) if then is not None else None)

    def record_review(self, on: str | None = None) -> Op:
        if not self.case_id:
            return Op.refused()
        case_id = self.case_id
        return self._write(lambda s: hardship.record_review(s, case_id, on))

    def ask_exit(self) -> CloseDialog | None:
        return self.ask_close("exited")

    def ask_cancel(self) -> CloseDialog | None:
        return self.ask_close("cancelled")

    def ask_close(self, status: str) -> CloseDialog | None:
        """Show the dialog that closes the file as 脱困 or 注销 (non-blocking)."""
        if not self.case_id:
            return None
        dialog = CloseDialog(self, self.case_id, status)
        self._dialog = dialog
        dialog.open()
        return dialog

    def close_case(self, status: str, on: str, reason: str, form: Form | None = None,
                   then=None) -> Op:
        """脱困 or 注销 the selected file; the service checks the role and the input."""
        if not self.case_id:
            return Op.refused()
        case_id = self.case_id
        return self._write(lambda s: hardship.close_case(s, case_id, status, on, reason), form,
                           then=(lambda _r: then()) if then is not None else None)

    def exit_case(self, on: str, reason: str, form: Form | None = None) -> Op:
        return self.close_case("exited", on, reason, form)

    def cancel_case(self, on: str, reason: str, form: Form | None = None) -> Op:
        return self.close_case("cancelled", on, reason, form)

    def reopen(self, confirmed: bool | None = None) -> Op:
        """Undo the selected file's exit or cancellation, after asking."""
        if not self.case_id or self.file is None:
            return Op.refused()
        if confirmed is None:
            answer = QMessageBox.question(
                self, self.tr("Re-open the file"),
                self.tr("Re-open %1's file? Do this only when the exit or cancellation was "
                        "recorded in error: the file counts as on file again from its "
                        "registration, as if never closed. The audit log keeps the closing "
                        "undone.").replace("%1", self.file.name))
            confirmed = answer == QMessageBox.StandardButton.Yes
        if not confirmed:
            return Op.refused()
        case_id = self.case_id

        def reopened(_result) -> None:
            if self.current_filter() in ("exited", "cancelled"):
                self.filter.setCurrentIndex(FILTERS.index("open"))

        return self._write(lambda s: hardship.reopen_case(s, case_id), then=reopened)

    def add_household_member(self) -> Op:
        if not self.case_id:
            return Op.refused()
        data = self.household_form.values()
        case_id = self.case_id

        def added(_member) -> None:
            for w in self.household_form.widgets.values():
                if isinstance(w, QLineEdit):
                    w.clear()
            self.household_form.mark_clean()

        return self._write(lambda s: hardship.add_household_member(s, case_id, data),
                           self.household_form, then=added)

    def edit_case(self) -> CaseEditDialog | None:
        """修改档案: every field of the file in one dialog (non-blocking)."""
        if self.file is None:
            return None
        voids = bool(self.facts is not None and self.ctx.may("case.edit", self.facts).voids)
        dialog = CaseEditDialog(self, self.file, voids)
        self._dialog = dialog
        dialog.open()
        return dialog

    def edit_household(self) -> HouseholdDialog | None:
        """Correct the selected household member (non-blocking dialog)."""
        row = self.selected_household()
        if row is None or self.file is None \
                or not self.ctx.may("household.edit", self.facts).ok:
            return None
        voids = bool(self.facts is not None
                     and self.ctx.may("household.edit", self.facts).voids)
        dialog = HouseholdDialog(self, row, voids)
        self._dialog = dialog
        dialog.open()
        return dialog

    def delete_household(self, confirmed: bool | None = None) -> Op:
        """Remove the selected household member (entered in error), after asking."""
        row = self.selected_household()
        if row is None:
            self.show_message(self.tr("Select the household member first."))
            return Op.refused()
        if confirmed is None:
            text = self.tr("Remove %1 from the household? The row is kept as deleted in "
                           "the audit log, and the deletion reaches the district at the "
                           "next sync.").replace("%1", row.name)
            if self.facts is not None and self.ctx.may("household.delete", self.facts).voids:
                text += "\n\n" + self.tr("The file is signed off: this voids the sign-off.")
            answer = QMessageBox.question(
                self, self.tr("Delete household member"), text,
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No)
            confirmed = answer == QMessageBox.StandardButton.Yes
        if not confirmed:
            return Op.refused()
        member_id = row.id
        return self._write(lambda s: hardship.delete_household_member(s, member_id))

    def sign_case(self) -> SignDialog | None:
        """签署 the grassroots union's block (the station head; non-blocking dialog)."""
        if self.file is None:
            return None
        dialog = SignDialog(self, self.file)
        self._dialog = dialog
        dialog.open()
        return dialog

    # -- print / PDF -------------------------------------------------------------------

    def with_document(self, then) -> Op:
        """Read the selected file off the GUI thread, then ``then(document)`` on it (Qt
        paints on the GUI thread)."""
        case_id, lang = self.case_id, self.ctx.lang

        def paint(cf: CaseFile) -> None:
            doc = QTextDocument(self)
            doc.setHtml(render_case_file(cf, lang))
            then(doc)

        # ID numbers masked unless the user may have them in full (exposure)
        return self.query(lambda s: case_file_for_print(s, case_id), key="print",
                          success=paint,
                          failure=lambda exc: self.show_message(self.ctx.explain(exc)))

    def _record_print(self, path: str | None) -> None:
        """Every print (and PDF) of a file is recorded, as every export is."""
        from station_app.domain.services.exposure import record

        self.write(lambda s: record(s, "print", "case_file", 1, path))

    def save_pdf(self, path: str) -> Op:
        """Write the selected file as a PDF (no dialogs); returns the ``Op``."""
        def write(doc: QTextDocument) -> None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            printer.setOutputFileName(str(path))
            printer.setDocName(self.tr("Hardship file"))
            doc.print_(printer)
            self._record_print(path)

        return self.with_document(write)

    def ask_pdf(self) -> None:
        if not self.case_id:
            return
        title = self.tr("Hardship file")  # (outside the f-string: lupdate finds it there)
        path = ask_pdf_path(self, f"{title} {self.file.name if self.file else ''}".strip()
                            + ".pdf")
        if path is not None:
            self.save_pdf(str(path))

    def print_file(self) -> None:
        if not self.case_id:
            return
        def show(doc: QTextDocument) -> None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            dialog = QPrintDialog(printer, self)
            dialog.setWindowTitle(self.tr("Print the hardship file"))
            if dialog.exec() == QDialog.DialogCode.Accepted:
                doc.print_(printer)
                self._record_print(None)

        self.with_document(show)


__all__ = ["HardshipPage", "CaseListModel", "LedgerModel", "HouseholdModel", "OpenCaseDialog",
           "CloseDialog", "HouseholdRow", "CaseEditDialog", "HouseholdDialog", "SignDialog"]
