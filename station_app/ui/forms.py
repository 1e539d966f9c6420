"""Forms that show field errors in place and keep what the clerk typed.

A ``Form`` holds named input widgets in a ``QFormLayout``; under each widget sits an error
label. ``show_errors(ValidationError)`` puts each field's message under its widget (in
the user's language) and marks the widget; errors for fields the form does not show go to
a general label at the top. Nothing the clerk typed is ever cleared by a failed save.
Dates are typed as text ("2023-05-03", "2023/5/3", "2023年5月3日" …): the services parse
them with the same rules as imports.

A form knows whether it was changed since it was loaded or saved (``dirty``: its values
against those of the last ``set_values``/``mark_clean``/successful ``submit``), and
``ask_to_leave(save)`` asks before what was typed is discarded: 保存 / 放弃 / 留在此处 (save
runs the save and goes on only when it succeeded; discard puts the loaded values back;
stay goes nowhere). A page guards its form with ``Page.guard(form, save)`` (one line),
and the main window asks the page before another page, the language switch, a restore or
closing the window.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from station_app.domain.choices import Choices
from station_app.domain.validation import FieldError, ValidationError
from station_app.ui.qt import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QObject,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

ERROR_STYLE = "color: #b00020;"
INVALID_PROPERTY = "invalid"
# Marks an invalid input; applied through a dynamic property so themes can restyle it.
INVALID_SHEET = "*[invalid=\"true\"] { border: 1px solid #b00020; }"


def choice_combo(choices: Choices, lang: str, *, empty: str | None = None,
                 codes: Iterable[str] | None = None) -> QComboBox:
    """A combo box of coded values showing labels in the user's language; data = code."""
    box = QComboBox()
    if empty is not None:
        box.addItem(empty, None)
    for code in codes or choices:
        zh, en = choices[code]
        box.addItem(zh if lang.startswith("zh") else en, code)
    return box


def set_combo_code(box: QComboBox, code: Any) -> None:
    index = box.findData(code)
    box.setCurrentIndex(max(index, 0))



def ask(owner: QObject, box: QMessageBox) -> Any:
    """Show ``box`` modally and return the button clicked. While it is open it is
    ``owner.asking`` (a test answers it there, as a clerk would click), then it is
    deleted."""
    owner.asking = box
    try:
        box.exec()
        return box.clickedButton()
    finally:
        owner.asking = None
        box.deleteLater()

class Form(QWidget):
    """Named inputs with in-place error labels."""

    def __init__(self, lang: str = "zh", parent: QWidget | None = None):
        super().__init__(parent)
        self.lang = lang
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.saving = None  # the Op of the save under way (``submit``)
        self._clean: dict[str, Any] = {}  # the values as loaded or saved (``dirty``)
        self.asking: QMessageBox | None = None  # the save / discard / stay box, while open
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.general = QLabel(self)
        self.general.setStyleSheet(ERROR_STYLE)
        self.general.setWordWrap(True)
        self.general.hide()
        outer.addWidget(self.general)
        self.layout_ = QFormLayout()
        outer.addLayout(self.layout_)
        self.setStyleSheet(INVALID_SHEET)

    def add(self, field: str, label: str, widget: QWidget) -> QWidget:
        holder = QWidget(self)
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(1)
        box.addWidget(widget)
        error = QLabel(holder)
        error.setStyleSheet(ERROR_STYLE)
        error.setWordWrap(True)
        error.hide()
        box.addWidget(error)
        self.layout_.addRow(label, holder)
        widget.setObjectName(field)
        self.widgets[field] = widget
        self.errors[field] = error
        self._clean[field] = _value(widget)  # (a field added is as loaded until typed in)
        for changed in _change_signals(widget):
            changed.connect(lambda *_, field=field: self.clear_error(field))
        return widget

    def line(self, field: str, label: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(self)
        edit.setPlaceholderText(placeholder)
        return self.add(field, label, edit)  # type: ignore[return-value]

    # -- values ------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field, w in self.widgets.items():
            value = _value(w)
            if value is not _NONE:
                out[field] = value
        return out

    def set_values(self, values: dict[str, Any], *, clean: bool = True) -> None:
        """Show values (a record loaded, a blank form); with ``clean`` (the default)
        they are what the form holds unchanged (``dirty`` is False until typed in)."""
        for field, value in values.items():
            w = self.widgets.get(field)
            if w is None:
                continue
            if isinstance(w, QLineEdit):
                w.setText("" if value is None else
                          value.isoformat() if isinstance(value, date) else str(value))
            elif isinstance(w, QPlainTextEdit):
                w.setPlainText(value or "")
            elif isinstance(w, QComboBox):
                set_combo_code(w, value)
            elif isinstance(w, QCheckBox):
                w.setChecked(bool(value))
            elif isinstance(w, QSpinBox):
                w.setValue(int(value or 0))
        if clean:
            self.mark_clean()

    # -- unsaved changes ---------------------------------------------------------------

    @property
    def dirty(self) -> bool:
        """Changed since loaded or saved: something typed that a save has not kept."""
        return any(self._clean.get(field, _NONE) != value
                   for field, value in self.values().items())

    def mark_clean(self) -> None:
        """The values shown are loaded or saved (nothing typed would be lost)."""
        self._clean = {field: _value(w) for field, w in self.widgets.items()}

    def revert(self) -> None:
        """Discard what was typed: the values as loaded or saved come back."""
        self.set_values({k: v for k, v in self._clean.items() if v is not _NONE})
        self.clear_errors()

    def ask_to_leave(self, save: Callable[[], Any] | None = None, *,
                     may_save: bool = True) -> bool:
        """Whether what the form shows may be left now. Unchanged: yes. Changed: a box
        asks 保存 / 放弃 / 留在此处 — save runs ``save()`` (an ``Op``, or None when it did
        not start) and says yes only once it succeeded (a refusal shows under the fields
        and the clerk stays); discard puts the loaded values back and says yes; stay says
        no. Without ``save`` (or ``may_save`` False: the user may not save it) only
        discard and stay are offered."""
        if not self.dirty:
            return True
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Unsaved changes"),
                          self.tr("What you typed here has not been saved yet."),
                          QMessageBox.StandardButton.NoButton, self.window())
        box.setObjectName("unsaved-changes")
        box.setInformativeText(self.tr("Save it before going on, discard it, or stay here?"))
        save_button = None
        if save is not None and may_save:
            save_button = box.addButton(self.tr("Save"), QMessageBox.ButtonRole.AcceptRole)
            save_button.setObjectName("save")
        discard = box.addButton(self.tr("Discard"), QMessageBox.ButtonRole.DestructiveRole)
        discard.setObjectName("discard")
        stay = box.addButton(self.tr("Stay here"), QMessageBox.ButtonRole.RejectRole)
        stay.setObjectName("stay")
        box.setDefaultButton(save_button or stay)
        box.setEscapeButton(stay)
        clicked = ask(self, box)
        if save_button is not None and clicked is save_button:
            op = save()
            if op is None:
                return False
            op.wait()  # (the event loop turns meanwhile)
            return bool(op.ok)
        if clicked is discard:
            self.revert()
            return True
        return False

    # -- errors ------------------------------------------------------------------------

    def clear_errors(self) -> None:
        self.general.hide()
        for field, label in self.errors.items():
            label.hide()
            label.clear()
            label.setMinimumHeight(0)
            self._mark(self.widgets[field], False)

    def clear_error(self, field: str) -> None:
        """The field was edited: its message goes at once (it may no longer be true),
        the mark on the input too. The label keeps its height, empty, until the next
        save or load (``clear_errors``): the fields below stay where they are while the
        clerk corrects one after another, so a click aimed at the next field lands in
        it — an error showing up moves them only when the clerk pressed save, and the
        space goes at the next save, never under the pointer while typing."""
        label = self.errors.get(field)
        if label is None or label.isHidden() or not label.text():
            return
        label.setMinimumHeight(label.height())
        label.clear()
        self._mark(self.widgets[field], False)

    def show_errors(self, exc: ValidationError) -> None:
        """Each message under its field; the rest at the top. Keeps every input."""
        self.clear_errors()
        general = []
        for field, errors in exc.by_field().items():
            text = "；".join(e.message(self.lang) for e in errors) if self.lang.startswith("zh") \
                else "; ".join(e.message(self.lang) for e in errors)
            label = self.errors.get(field)
            if label is None:
                general.append(ValidationError(errors).messages(self.lang)[0] if len(errors) == 1
                               else "; ".join(ValidationError(errors).messages(self.lang)))
                continue
            label.setText(text)
            label.show()
            self._mark(self.widgets[field], True)
        if general:
            self.general.setText("\n".join(general))
            self.general.show()
        first = next((self.widgets[f] for f in exc.by_field() if f in self.widgets), None)
        if first is not None:
            first.setFocus()

    def show_error(self, field: str, text: str) -> None:
        """One message under one field (a check made outside the services)."""
        self.clear_errors()
        label = self.errors[field]
        label.setText(text)
        label.show()
        self._mark(self.widgets[field], True)
        self.widgets[field].setFocus()

    def submit(self, ctx, work: Callable[[Any], Any], *,
               rename: dict[str, str] | None = None,
               saved: Callable[[Any], None] | None = None,
               failed: Callable[[BaseException], None] | None = None,
               busy: tuple[QWidget, ...] = ()):
        """Run ``work(session)`` as one unit of work of the acting user, off the GUI
        thread (``ui.operations.WriteOp``); ``saved(result)`` after it committed (the
        pages showing what changed refresh first). A refusal shows in place, anything
        else (a busy database …) as a sentence at the top; everything typed is kept, and
        ``failed(exc)`` follows. ``rename`` maps a service's field names to this form's
        where they differ; ``busy``: widgets disabled meanwhile. Returns the ``Op``.
        While a save runs, another submit of the same form is not started."""
        from station_app.ui.operations import Op, WriteOp

        if self.saving is not None and not self.saving.done:
            return Op.refused()
        op = WriteOp(ctx, self, work).form(self, rename).busy(*busy)

        def succeeded(result: Any) -> None:
            if saved is not None:
                saved(result)
            self.mark_clean()  # (what the saved page shows now is what was kept)

        op.success(succeeded)
        if failed is not None:
            op.failure(failed)
        self.saving = op.run()
        return self.saving

    def show_failure(self, ctx, exc: BaseException, rename: dict[str, str] | None = None
                     ) -> None:
        """A failed save: a refusal under its fields, another error as a sentence at the
        top (``AppContext.explain``: "the database is busy …"). Keeps every input."""
        if isinstance(exc, ValidationError):
            self.show_errors(rename_fields(exc, rename) if rename else exc)
            return
        self.clear_errors()
        self.general.setText(ctx.explain(exc))
        self.general.show()

    def error_text(self, field: str) -> str:
        label = self.errors.get(field)
        return label.text() if label is not None and not label.isHidden() else ""

    @staticmethod
    def _mark(widget: QWidget, invalid: bool) -> None:
        widget.setProperty(INVALID_PROPERTY, "true" if invalid else "false")
        widget.style().unpolish(widget)
        widget.style().polish(widget)


_NONE = object()  # a widget without a value of its own


def _change_signals(w: QWidget) -> list:
    """The signals saying an input changed (the widget's own, or those of the inputs
    inside a composite such as a row of check boxes). A line edit's is ``textEdited``
    (the clerk's typing): it comes before ``textChanged``, and the form's connection is
    the first, so a page's own check as it is typed (a password's rules, an ID number)
    still shows its message after the stale one went."""
    if isinstance(w, QLineEdit):
        return [w.textEdited]
    if isinstance(w, QPlainTextEdit):
        return [w.textChanged]
    if isinstance(w, QComboBox):
        return [w.currentIndexChanged] + ([w.editTextChanged] if w.isEditable() else [])
    if isinstance(w, QCheckBox):
        return [w.toggled]
    if isinstance(w, QSpinBox):
        return [w.valueChanged]
    out: list = []
    for child in w.findChildren(QWidget):
        if isinstance(child, QLineEdit | QPlainTextEdit | QComboBox | QCheckBox | QSpinBox) \
                and child.parent() is w:
            out.extend(_change_signals(child))
    return out


def _value(w: QWidget) -> Any:
    if isinstance(w, QLineEdit):
        return w.text()
    if isinstance(w, QPlainTextEdit):
        return w.toPlainText()
    if isinstance(w, QComboBox):
        return w.currentData()
    if isinstance(w, QCheckBox):
        return w.isChecked()
    if isinstance(w, QSpinBox):
        return w.value()
    return _NONE


def rename_fields(exc: ValidationError, mapping: dict[str, str]) -> ValidationError:
    """The same errors with the services' field names mapped to the form's."""
    return ValidationError([FieldError(mapping.get(e.field, e.field), e.code, e.params)
                            for e in exc.errors])
