"""The hardship page's dialogs that correct a file: the whole 困难职工档案表 (修改档案), a
household member (修改家庭成员), and the grassroots union's sign-off (基层工会意见).

Each saves through one service call (``hardship.update_case``,
``update_household_member``, ``sign_case``) as one unit of work off the GUI thread
(``Form.submit``); a refusal shows under its field and keeps everything typed; closing a
dialog with changes typed asks before they are dropped.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from station_app.domain.choices import (
    CASE_CHOICES,
    HARDSHIP_CATEGORY,
    HARDSHIP_LEVEL,
    HOUSEHOLD_RELATION,
)
from station_app.domain.services import hardship
from station_app.domain.services.common import get_or_404
from station_app.domain.services.corrections import facts_of
from station_app.domain.validation import format_fen
from station_app.exchange.casefile import CaseFile, HouseholdRow, load_case_file
from station_app.ui.forms import Form, choice_combo
from station_app.ui.operations import Op
from station_app.ui.qt import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from station_app.domain.permissions import Record
    from station_app.ui.pages.hardship import HardshipPage


def case_detail(session, case_id: str) -> tuple[CaseFile, Record]:
    """The file as the page shows it, and the facts the permission table judges its
    buttons by (the sign-off in force, the owner): named service reads only."""
    from station_app.domain.models import HardshipCase

    cf = load_case_file(session, case_id)
    case = get_or_404(session, HardshipCase, case_id, "case")
    return cf, facts_of(session, "hardship_cases", case)


# The file's fields as the form groups them: (section, [(field, kind)]); kinds: "choice"
# (a closed list of the 档案表), "line", "money" (yuan), "bool", "text" (several lines)
BASIC = ("category", "level", "political_status", "health", "disability_category",
         "model_worker_type", "employer_name", "employer_nature", "enterprise_status",
         "hukou_area", "medical_insurance")
INCOME = ("household_size", "housing_type", "single_parent", "zero_employment",
          "own_monthly_income_fen", "household_annual_income_fen",
          "monthly_income_per_capita_fen")
CAUSES = ("primary_cause", "secondary_cause")
BANK = ("bank_name", "bank_account")
HANDLING = ("registered_date", "last_review_date", "filed_by", "reviewed_by", "entered_by")
EDITED = (*BASIC, *INCOME, *CAUSES, *BANK, *HANDLING, "notes")
MONEY = set(hardship.CASE_MONEY_FIELDS)
BOOLS = set(hardship.CASE_BOOL_FIELDS)


def form_values(cf: CaseFile) -> dict[str, Any]:
    """A loaded file as the edit form's values (money in yuan)."""
    out: dict[str, Any] = {}
    for key in EDITED:
        value = cf.values.get(key)
        if key in MONEY:
            value = None if value is None else format_fen(value)
        out[key] = value
    return out


class SectionedForm(Form):
    """A ``Form`` whose fields sit in titled boxes on a grid (not one endless column);
    values, errors in place and saving are the ``Form``'s own."""

    def __init__(self, lang: str, parent: QWidget | None = None):
        super().__init__(lang, parent)
        self.grid = QGridLayout()
        self.grid.setHorizontalSpacing(16)
        self.layout().addLayout(self.grid)
        self.boxes: dict[str, QGroupBox] = {}

    def section(self, key: str, title: str, row: int, column: int, span: int = 1
                ) -> QGroupBox:
        """Start a box; the fields added next go into it."""
        box = QGroupBox(title, self)
        box.setObjectName(key)
        layout = QFormLayout(box)
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.grid.addWidget(box, row, column, 1, span)
        self.layout_ = layout  # (Form.add puts its rows into ``layout_``)
        self.boxes[key] = box
        return box


def _combo_with(box: QComboBox, value: Any) -> None:
    """Keep a stored value the list does not hold (an old import) selectable, so that
    saving never blanks it silently; the service then names it if it is not allowed."""
    if value is not None and box.findData(value) < 0:
        box.addItem(str(value), value)


class _AsksBeforeDiscarding(QDialog):
    """A dialog whose form asks before what was typed is dropped (Cancel, Esc, close):
    保存 / 放弃 / 留在此处, as every form does (``Form.ask_to_leave``)."""

    form: Form
    initial: dict[str, Any]
    saved = False

    def changed(self) -> bool:
        return self.form.dirty

    def reject(self) -> None:
        if self.saved:
            return
        if not self.form.ask_to_leave(self.save):
            return  # (stay, or a save refused: the typing is kept)
        if not self.saved:  # (a save from the box closed the dialog already)
            super().reject()

    def _buttons(self, layout: QVBoxLayout, ok_text: str) -> QDialogButtonBox:
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(ok_text)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        return buttons

    def save(self) -> Op:  # pragma: no cover - each dialog has its own
        raise NotImplementedError


class CaseEditDialog(_AsksBeforeDiscarding):
    """修改档案: every field of the 困难职工档案表 the service takes, grouped (基本情况 /
    家庭与收入 / 致困原因 / 银行 / 经办 / 备注), saved by ``hardship.update_case``."""

    def __init__(self, page: HardshipPage, cf: CaseFile, voids: bool = False):
        super().__init__(page)
        self.page, self.ctx, self.case_id = page, page.ctx, cf.id
        self.saved = False
        lang = self.ctx.lang
        self.setWindowTitle(self.tr("Edit the hardship file of %1").replace("%1", cf.name))
        outer = QVBoxLayout(self)
        self.warning = QLabel(self)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #8a4b00; font-weight: bold;")
        self.warning.setText(self.tr(
            "This file is signed off: saving a change voids the sign-off, and the station "
            "head signs the file again.") if voids else "")
        self.warning.setVisible(voids)
        outer.addWidget(self.warning)

        form = self.form = SectionedForm(lang, self)
        lines = {
            "political_status": self.tr("Political status"),
            "health": self.tr("Health"),
            "disability_category": self.tr("Disability category"),
            "model_worker_type": self.tr("Model-worker type"),
            "employer_name": self.tr("Employer"),
            "employer_nature": self.tr("Employer type"),
            "enterprise_status": self.tr("Enterprise status"),
            "hukou_area": self.tr("Hukou area"),
            "medical_insurance": self.tr("Medical insurance"),
            "household_size": self.tr("Household size"),
            "housing_type": self.tr("Housing"),
            "single_parent": self.tr("Single parent"),
            "zero_employment": self.tr("Zero-employment household"),
            "own_monthly_income_fen": self.tr("Own monthly income (yuan)"),
            "household_annual_income_fen": self.tr("Household annual income (yuan)"),
            "monthly_income_per_capita_fen": self.tr("Per-capita monthly income (yuan)"),
            "primary_cause": self.tr("Main cause"),
            "secondary_cause": self.tr("Secondary cause"),
            "bank_name": self.tr("Bank"),
            "bank_account": self.tr("Account no."),
            "registered_date": self.tr("Registered on"),
            "last_review_date": self.tr("Last annual review"),
            "filed_by": self.tr("Filed by"),
            "reviewed_by": self.tr("Reviewed by"),
            "entered_by": self.tr("Entered by"),
        }
        values = form_values(cf)

        def add(key: str) -> None:
            if key == "category":
                form.add(key, self.tr("Category"), choice_combo(HARDSHIP_CATEGORY, lang))
            elif key == "level":
                form.add(key, self.tr("Level"), choice_combo(HARDSHIP_LEVEL, lang))
            elif key in CASE_CHOICES:
                box = choice_combo(CASE_CHOICES[key], lang, empty="")
                _combo_with(box, values.get(key))
                form.add(key, lines[key], box)
            elif key in BOOLS:
                form.add(key, lines[key], QCheckBox(self.tr("Yes"), self))
            else:
                edit = form.line(key, lines[key])
                if key in MONEY:
                    edit.setPlaceholderText("0.00")
                elif key in ("registered_date", "last_review_date"):
                    edit.setPlaceholderText("2025-01-31")

        form.section("basic", self.tr("Basic facts"), 0, 0)
        for key in BASIC:
            add(key)
        form.section("bank", self.tr("Bank account"), 1, 0)
        for key in BANK:
            add(key)
        form.section("income", self.tr("Household and income"), 0, 1)
        for key in INCOME:
            add(key)
        form.section("causes", self.tr("Causes of hardship"), 1, 1)
        for key in CAUSES:
            add(key)
        form.section("handling", self.tr("Handling"), 2, 1)
        for key in HANDLING:
            add(key)
        form.section("notes", self.tr("Notes"), 2, 0)
        form.layout_.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        notes = QPlainTextEdit(self)
        notes.setMaximumHeight(140)
        form.add("notes", "", notes)  # (the box says what it is)
        form.grid.setColumnStretch(0, 1)
        form.grid.setColumnStretch(1, 1)
        form.set_values(values)
        form.mark_clean()  # (as loaded: nothing typed yet)
        self.initial = form.values()

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(form)
        outer.addWidget(scroll, 1)
        self.buttons = self._buttons(outer, self.tr("Save the file"))
        self.resize(960, 720)

    def save(self) -> Op:
        data = self.form.values()
        if not str(data.get("registered_date") or "").strip():
            # (the service reads a blank as today, right when a file is opened, not here)
            self.form.show_error("registered_date", self.tr(
                "Give the date the file was registered (建档日期)."))
            return Op.refused()
        case_id = self.case_id

        def done(_case) -> None:
            self.saved = True
            self.page.refresh_now()
            self.accept()

        return self.form.submit(self.ctx, lambda s: hardship.update_case(s, case_id, data),
                                rename={"entry_date": "registered_date"}, saved=done,
                                busy=(self.buttons,))


class HouseholdDialog(_AsksBeforeDiscarding):
    """修改家庭成员: one row of the household, corrected through
    ``hardship.update_household_member`` (a new ID number gives a new age unless the age
    was changed too)."""

    def __init__(self, page: HardshipPage, row: HouseholdRow, voids: bool = False):
        super().__init__(page)
        self.page, self.ctx, self.row = page, page.ctx, row
        self.saved = False
        lang = self.ctx.lang
        self.setWindowTitle(self.tr("Edit household member %1").replace("%1", row.name))
        layout = QVBoxLayout(self)
        if voids:
            warning = QLabel(self.tr(
                "This file is signed off: saving a change voids the sign-off."), self)
            warning.setWordWrap(True)
            warning.setStyleSheet("color: #8a4b00; font-weight: bold;")
            layout.addWidget(warning)
        form = self.form = Form(lang, self)
        form.line("name", self.tr("Name"))
        box = choice_combo(HOUSEHOLD_RELATION, lang, empty="")
        _combo_with(box, row.relation)
        form.add("relation", self.tr("Relation"), box)
        form.line("id_number", self.tr("ID number"))
        form.line("age", self.tr("Age"))
        form.line("health", self.tr("Health"))
        form.line("school_or_work", self.tr("School / work"))
        form.set_values({"name": row.name, "relation": row.relation,
                         "id_number": row.id_number, "age": row.age, "health": row.health,
                         "school_or_work": row.school_or_work})
        form.mark_clean()  # (as loaded: nothing typed yet)
        self.initial = form.values()
        layout.addWidget(form)
        self.buttons = self._buttons(layout, self.tr("Save"))
        self.resize(460, self.sizeHint().height())

    def save(self) -> Op:
        data = self.form.values()
        if data["id_number"] != self.initial["id_number"] and data["age"] == self.initial["age"]:
            data.pop("age")  # (the age follows the new ID number)
        member_id = self.row.id

        def done(_member) -> None:
            self.saved = True
            self.page.refresh_now()
            self.accept()

        return self.form.submit(
            self.ctx, lambda s: hardship.update_household_member(s, member_id, data),
            saved=done, busy=(self.buttons,))


class SignDialog(_AsksBeforeDiscarding):
    """基层工会意见: the station head signs the file as it is now (``hardship.sign_case``),
    dated (today by default) with a note."""

    def __init__(self, page: HardshipPage, cf: CaseFile):
        super().__init__(page)
        self.page, self.ctx, self.case_id = page, page.ctx, cf.id
        self.saved = False
        self.setWindowTitle(self.tr("Sign the file off (grassroots union)"))
        layout = QVBoxLayout(self)
        who = self.ctx.actor.display_name or self.ctx.actor.username
        explain = QLabel(self.tr(
            "%1 signs the grassroots union's block (基层工会意见) of %2's file as it is now. "
            "A later change to the file or its household voids this sign-off, and shows "
            "what changed.").replace("%1", who).replace("%2", cf.name), self)
        explain.setWordWrap(True)
        layout.addWidget(explain)
        form = self.form = Form(self.ctx.lang, self)
        form.line("signed_date", self.tr("Date"), date.today().isoformat())
        form.widgets["signed_date"].setText(date.today().isoformat())
        note = QPlainTextEdit(self)
        note.setPlaceholderText(self.tr("Opinion (optional), e.g. 情况属实，同意建档"))
        note.setMaximumHeight(100)
        form.add("note", self.tr("Opinion"), note)
        form.mark_clean()  # (as loaded: nothing typed yet)
        self.initial = form.values()
        layout.addWidget(form)
        self.buttons = self._buttons(layout, self.tr("Sign"))
        self.resize(480, self.sizeHint().height())

    def save(self) -> Op:
        data = self.form.values()
        case_id = self.case_id

        def done(_view) -> None:
            self.saved = True
            self.page.refresh_now()
            self.accept()

        return self.form.submit(
            self.ctx, lambda s: hardship.sign_case(s, case_id, on=data["signed_date"],
                                                   note=data["note"]),
            saved=done, busy=(self.buttons,))


__all__ = ["CaseEditDialog", "HouseholdDialog", "SignDialog", "SectionedForm",
           "case_detail", "form_values"]
