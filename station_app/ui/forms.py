"""Forms that show field errors in place and keep what the clerk typed.

A ``Form`` holds named input widgets in a ``QFormLayout``; under each widget sits an error
label. ``show_errors(ValidationError)`` puts each field's message under its widget (in
the user's language) and marks the widget; errors for fields the form does not show go to
a general label at the top. Nothing the clerk typed is ever cleared by a failed save.
Dates are typed as text ("2023-05-03", "2023/5/3", "2023年5月3日" …): the services parse
them with the same rules as imports.
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


class Form(QWidget):
    """Named inputs with in-place error labels."""

    def __init__(self, lang: str = "zh", parent: QWidget | None = None):
        super().__init__(parent)
        self.lang = lang
        self.widgets: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        self.saving = None  # the Op of the save under way (``submit``)
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
        return widget

    def line(self, field: str, label: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit(self)
        edit.setPlaceholderText(placeholder)
        return self.add(field, label, edit)  # type: ignore[return-value]

    # -- values ------------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field, w in self.widgets.items():
            if isinstance(w, QLineEdit):
                out[field] = w.text()
            elif isinstance(w, QPlainTextEdit):
                out[field] = w.toPlainText()
            elif isinstance(w, QComboBox):
                out[field] = w.currentData()
            elif isinstance(w, QCheckBox):
                out[field] = w.isChecked()
            elif isinstance(w, QSpinBox):
                out[field] = w.value()
        return out

    def set_values(self, values: dict[str, Any]) -> None:
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

    # -- errors ------------------------------------------------------------------------

    def clear_errors(self) -> None:
        self.general.hide()
        for field, label in self.errors.items():
            label.hide()
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
        if saved is not None:
            op.success(saved)
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


def rename_fields(exc: ValidationError, mapping: dict[str, str]) -> ValidationError:
    """The same errors with the services' field names mapped to the form's."""
    return ValidationError([FieldError(mapping.get(e.field, e.field), e.code, e.params)
                            for e in exc.errors])
