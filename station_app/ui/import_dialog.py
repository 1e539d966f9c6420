"""The import wizard: a workbook the station already keeps → preview → import.

1. Choose the file (and the kind, or let the headers tell).
2. The preview reads, cleans and checks every row off the UI thread: how many are ready,
   how many have errors (with the reason per row), how many are already there. The
   column mapping found from the headers is shown and can be corrected; the preview is
   then run again.
3. Import writes the ready rows in one transaction; the rejected rows can be saved as a
   workbook to fix and import again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from station_app.ui.operations import QueryOp, WriteOp
from station_app.ui.qt import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

PREVIEW_ROWS = 500  # rows listed in the preview (all are checked)


class Digest:
    """What the wizard shows of a preview or an import, counted and worded on the worker
    thread: a result's lists are computed over every row (100,000 of them), too long for
    the GUI thread."""

    def __init__(self, result, lang: str) -> None:
        self.valid = len(result.valid)
        self.rejected = len(result.rejected)
        self.skipped = len(result.skipped)
        self.warned = len(result.warned)
        self.changed = len(getattr(result, "changed", None) or ())
        # (where, status, the errors, the differences, the warnings) of the rows listed
        self.rows = [(result.where(r), r.status, result.messages(r, lang),
                      result.change_messages(r, lang) if r.changes else [],
                      result.warning_messages(r, lang))
                     for r in [r for r in result.rows if r.status != "ok" or r.warnings]
                     [:PREVIEW_ROWS]]
IGNORE = "_ignore"


class ImportDialog(QDialog):
    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        from station_app.exchange.import_fields import DISTRICT_KINDS, KINDS

        self.ctx = ctx
        self.result = None  # the last preview (or the import's result)
        self.digest: Digest | None = None  # what is shown of it (counted off the GUI thread)
        self.imported = None
        self.saved: Any = None  # the error workbook written (or why not)
        self._by_hand = False  # the last preview offered the columns to set by hand
        self.applied: Any = None  # records updated by "apply the differences" (or why not)
        self.undone: Any = None  # the import undone (or why not)
        self.kinds = KINDS
        self.setWindowTitle(self.tr("Import from Excel"))
        self.resize(900, 640)
        layout = QVBoxLayout(self)

        row = QHBoxLayout()
        self.path = QLineEdit(self)
        self.path.setPlaceholderText(self.tr("The workbook (.xlsx, .xls, .ods)"))
        browse = QPushButton(self.tr("Choose…"), self)
        browse.clicked.connect(self.choose_file)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout.addLayout(row)

        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("What the sheet holds"), self))
        self.kind = QComboBox(self)
        self.kind.addItem(self.tr("Tell from the headers"), "")
        for code, spec in KINDS.items():
            if code in DISTRICT_KINDS and not ctx.district:
                continue  # the district's own sheets (district-server import)
            self.kind.addItem(spec.label[0] if ctx.zh else spec.label[1], code)
        row.addWidget(self.kind)
        row.addWidget(QLabel(self.tr("Headers on row"), self))
        self.header_row = QSpinBox(self)
        self.header_row.setObjectName("import-header-row")
        self.header_row.setRange(0, 1000)
        self.header_row.setSpecialValueText(self.tr("find them"))
        row.addWidget(self.header_row)
        self.preview_button = QPushButton(self.tr("Preview"), self)
        self.preview_button.clicked.connect(lambda: self.preview())
        row.addWidget(self.preview_button)
        row.addStretch(1)
        layout.addLayout(row)

        self.sheets_label = QLabel(self.tr("Sheets holding this data (tick the ones to "
                                           "import):"), self)
        self.sheets = QListWidget(self)
        self.sheets.setObjectName("import-sheets")
        self.sheets.setMaximumHeight(90)
        self.sheets.itemChanged.connect(lambda _item: self.preview())
        self.sheets_label.hide()
        self.sheets.hide()
        layout.addWidget(self.sheets_label)
        layout.addWidget(self.sheets)
        # another file, or another kind of data: its own sheets
        self.path.textChanged.connect(lambda _t: self._clear_sheets())
        self.kind.currentIndexChanged.connect(lambda _i: self._clear_sheets())

        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        layout.addWidget(QLabel(self.tr("Columns (correct the mapping if a column was "
                                        "read wrong):"), self))
        self.mapping = QTableWidget(0, 2, self)
        self.mapping.setObjectName("import-mapping")
        self.mapping.setHorizontalHeaderLabels([self.tr("Column in the sheet"),
                                                self.tr("Read as")])
        self.mapping.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Stretch)
        self.mapping.verticalHeader().setVisible(False)
        layout.addWidget(self.mapping, 1)

        self.rows = QTableWidget(0, 4, self)
        self.rows.setObjectName("import-rows")
        self.rows.setHorizontalHeaderLabels([self.tr("Row"), self.tr("Result"),
                                             self.tr("What to fix"),
                                             self.tr("Warnings (check before importing)")])
        for column in (2, 3):
            self.rows.horizontalHeader().setSectionResizeMode(
                column, QHeaderView.ResizeMode.Stretch)
        self.rows.verticalHeader().setVisible(False)
        self.rows.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        layout.addWidget(self.rows, 2)

        self.buttons = QDialogButtonBox(self)
        self.import_button = self.buttons.addButton(
            self.tr("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(lambda: self.run_import())
        self.errors_button = self.buttons.addButton(
            self.tr("Save the rejected rows and warnings…"),
            QDialogButtonBox.ButtonRole.ActionRole)
        self.errors_button.setEnabled(False)
        self.errors_button.clicked.connect(self.save_errors_dialog)
        self.changes_button = self.buttons.addButton(
            self.tr("Apply the differences…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.changes_button.setEnabled(False)
        self.changes_button.clicked.connect(self.apply_differences_dialog)
        self.undo_button = self.buttons.addButton(
            self.tr("Undo the last import…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.undo_button.clicked.connect(lambda: self.undo_import(confirm=True))
        close = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.reject)
        layout.addWidget(self.buttons)

    # -- steps ---------------------------------------------------------------------------

    def choose_file(self) -> None:
        path, _f = QFileDialog.getOpenFileName(
            self, self.tr("Choose the workbook"), "",
            self.tr("Spreadsheets (*.xlsx *.xlsm *.xls *.ods)"))
        if path:
            self.path.setText(path)
            self.preview()

    def _clear_sheets(self) -> None:
        self.sheets.blockSignals(True)
        self.sheets.clear()
        self.sheets.blockSignals(False)
        self.sheets_label.hide()
        self.sheets.hide()

    def chosen_sheets(self) -> list[str] | None:
        """The sheets ticked in the chooser (None before it is shown: the first that holds
        data)."""
        if self.sheets.count() == 0:
            return None
        return [self.sheets.item(i).text() for i in range(self.sheets.count())
                if self.sheets.item(i).checkState() == Qt.CheckState.Checked]

    def _fill_sheets(self, result) -> None:
        """The chooser: every sheet that looks like the same data, those read ticked;
        shown when there are several."""
        read = [sh.sheet for sh in result.sheets]
        if self.sheets.count():  # chosen from the list already shown: it stays
            return
        names = [n for n in result.sheet_names if n in read or n in result.others]
        self.sheets.blockSignals(True)
        self.sheets.clear()
        for name in names:
            item = QListWidgetItem(name, self.sheets)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in read
                               else Qt.CheckState.Unchecked)
        self.sheets.blockSignals(False)
        several = len(names) > 1
        self.sheets_label.setVisible(several)
        self.sheets.setVisible(several)

    def _mapping(self) -> dict[int, str] | None:
        """The mapping as the table shows it (None before a first preview)."""
        if self.result is None or self.mapping.rowCount() == 0:
            return None
        out = {}
        for r in range(self.mapping.rowCount()):
            box = self.mapping.cellWidget(r, 1)
            column = self.mapping.item(r, 0).data(256)  # Qt.UserRole
            if box is not None and box.currentData() and box.currentData() != IGNORE:
                out[column] = box.currentData()
        return out

    def preview(self, *, keep_mapping: bool = False, by_hand: bool = False) -> None:
        """Read and check the workbook off the GUI thread. ``keep_mapping``: with the
        columns as the table now reads them; ``by_hand``: no header was found, so the
        chosen row's cells are offered as the columns, to be set by hand."""
        from station_app.exchange.xlsx_import import preview_sheets

        path = self.path.text().strip()
        if not path:
            self.summary.setText(self.tr("Choose a workbook first."))
            return
        sheets = self.chosen_sheets()
        if sheets == []:
            self.summary.setText(self.tr("Tick at least one sheet to import."))
            self.import_button.setEnabled(False)
            return
        kind = self.kind.currentData() or None
        mapping = {} if by_hand else (self._mapping() if keep_mapping else None)
        if mapping is not None and sheets is not None and len(sheets) > 1:
            mapping = None  # several sheets: each is read by its own headers
        header_row = self.header_row.value() or None
        actor = self.ctx.actor
        self.import_button.setEnabled(False)
        self.summary.setText(self.tr("Reading and checking…"))
        self._by_hand = by_hand

        lang = self.ctx.lang

        def read(db):
            result = preview_sheets(path, kind=kind, sheets=sheets, mapping=mapping,
                                    header_row=header_row, db=db, actor=actor)
            return result, Digest(result, lang)

        self.previewing = QueryOp.on_db(self.ctx, self, read, key="preview") \
            .success(self._show_preview).failure(self._failed) \
            .with_progress(self.tr("Checking the workbook…"), self).run()

    def _failed(self, exc: BaseException) -> None:
        from station_app.domain.validation import ValidationError

        no_header = isinstance(exc, ValidationError) and exc.codes == ["import.no_header"]
        if no_header and self.kind.currentData() and not self._by_hand \
                and self.imported is None:
            self.preview(by_hand=True)  # the columns, to be set by hand
            return
        text = self.ctx.explain(exc)
        if no_header and not self.kind.currentData():
            text += " " + self.tr("To set the columns by hand, choose what the sheet holds "
                                  "above (and the row of its headers), then Preview.")
        self.summary.setText(text)
        self.import_button.setEnabled(self.result is not None and self.imported is None
                                      and bool(self.digest is not None and self.digest.valid))

    def _show_preview(self, answer) -> None:
        result, digest = answer
        self.result, self.digest = result, digest
        self._fill_sheets(result)
        self._fill_mapping(result)
        self._fill_rows(digest)
        kind = result.kind.label[0] if self.ctx.zh else result.kind.label[1]
        if len(result.sheets) > 1:
            text = self.tr("%1 — %2 sheets (%3): %4 rows ready, %5 with errors, %6 already "
                           "there.").replace("%1", kind).replace("%2", str(len(result.sheets)))\
                .replace("%3", result.sheet)
        else:
            text = self.tr(
                "%1 — sheet “%2”, headers on row %3: %4 rows ready, %5 with errors, %6 "
                "already there.").replace("%1", kind).replace("%2", result.sheet)\
                .replace("%3", str(result.sheets[0].header_row))
        text = text.replace("%4", str(digest.valid))\
            .replace("%5", str(digest.rejected)).replace("%6", str(digest.skipped))
        if self._by_hand and not result.sheets[0].mapping:
            text = self.tr("No headers were found: set what each column holds below (each "
                           "column is shown with its first value). If the sheet has a header "
                           "row after all, give its number above.")
        self.summary.setText(text + self._notes(result, digest))
        self.import_button.setEnabled(bool(digest.valid))
        self._show_changes(digest)
        index = self.kind.findData(result.kind.code)
        if index >= 0 and self.kind.currentData():
            self.kind.setCurrentIndex(index)

    def _show_changes(self, digest: Digest) -> None:
        self.changes_button.setEnabled(bool(digest.changed))

    def _notes(self, result, digest: Digest) -> str:
        """What else the clerk should know before importing: warnings, far cells."""
        notes = []
        if digest.warned:
            notes.append(self.tr("%1 of the ready rows have a warning: check them below "
                                 "(they are imported as they are).")
                         .replace("%1", str(digest.warned)))
        if digest.changed:
            notes.append(self.tr("%1 rows already there differ from the sheet: see below; "
                                 "nothing is changed unless you apply the differences.")
                         .replace("%1", str(digest.changed)))
        for sheet in result.sheets:
            if sheet.far is not None:
                notes.append(self.tr("%1 cells far to the right of the data (the farthest "
                                     "at %2) were not read.")
                             .replace("%1", str(sheet.far.count))
                             .replace("%2", sheet.far.farthest))
        return "".join(" " + n for n in notes)

    def _fill_mapping(self, result) -> None:
        from station_app.domain.validation import field_label
        from station_app.exchange import import_cells as cells
        from station_app.exchange.sheet_scan import column_name

        self.mapping.setRowCount(0)
        names = [f.name for f in result.kind.fields if not f.name.startswith("_")]
        several = len(result.sheets) > 1  # each sheet read by its own headers
        result = result.sheets[0]
        headers = list(result.headers)
        if self._by_hand or not any(headers):  # no header row: columns by their first value
            sample = result.sample
            headers += [""] * (len(sample) - len(headers))
            headers = [h or (f"{column_name(c)}: {cells.as_text(sample[c])}"
                             if c < len(sample) and not cells.is_blank(sample[c]) else "")
                       for c, h in enumerate(headers)]
        for column, header in enumerate(headers):
            if not header:
                continue
            r = self.mapping.rowCount()
            self.mapping.insertRow(r)
            item = QTableWidgetItem(str(header))
            item.setData(256, column)
            self.mapping.setItem(r, 0, item)
            box = QComboBox(self.mapping)
            box.addItem(self.tr("(leave out)"), IGNORE)
            for name in names:
                box.addItem(field_label(name, self.ctx.lang), name)
            current = result.mapping.get(column)
            box.setCurrentIndex(max(box.findData(current), 0) if current else 0)
            box.currentIndexChanged.connect(lambda _i: self.preview(keep_mapping=True))
            box.setEnabled(not several)
            self.mapping.setCellWidget(r, 1, box)

    def _fill_rows(self, digest: Digest) -> None:
        texts = {"ok": self.tr("ready"), "error": self.tr("error"),
                 "duplicate": self.tr("already there"), "ignored": self.tr("left out")}
        sep = "；" if self.ctx.zh else "; "
        self.rows.setRowCount(len(digest.rows))
        for i, (where, status, errors, changes, warnings) in enumerate(digest.rows):
            self.rows.setItem(i, 0, QTableWidgetItem(where))
            self.rows.setItem(i, 1, QTableWidgetItem(texts.get(status, status)))
            fix = list(errors)
            if changes:
                fix.append(self.tr("differs: %1").replace("%1", sep.join(changes)))
            self.rows.setItem(i, 2, QTableWidgetItem(sep.join(fix)))
            self.rows.setItem(i, 3, QTableWidgetItem(sep.join(warnings)))

    def run_import(self) -> None:
        from station_app.exchange.xlsx_import import import_sheets

        if self.result is None:
            return
        path, kind = self.result.path, self.result.kind.code
        sheets = [sh.sheet for sh in self.result.sheets]
        mapping = self._mapping() if len(sheets) == 1 else None
        header_row = self.result.sheets[0].header_row if len(sheets) == 1 else None
        actor, lang = self.ctx.actor, self.ctx.lang
        self.import_button.setEnabled(False)

        def work(task):
            result = import_sheets(task.db, actor, path, kind=kind, sheets=sheets,
                                   mapping=mapping, header_row=header_row, lang=lang)
            return result, Digest(result, lang)

        def done(answer) -> None:
            result, digest = answer
            self.result = self.imported = result
            self.digest = digest
            self._fill_rows(digest)
            self.summary.setText(self.tr(
                "Imported %1 rows; %2 rejected, %3 already there.")
                .replace("%1", str(result.imported)).replace("%2", str(digest.rejected))
                .replace("%3", str(digest.skipped)) + self._notes(result, digest))
            self.errors_button.setEnabled(bool(digest.rejected or digest.warned))
            self._show_changes(digest)
            # (the pages showing what the import changed — members an import of hardship
            # files registered too — refresh: the changed tables are published)

        self.importing = WriteOp.work(self.ctx, self, work).success(done) \
            .failure(self._failed).with_progress(self.tr("Importing…"), self).run()

    # -- rows already there that differ ------------------------------------------------

    def changes_chooser(self) -> tuple[QDialog, QListWidget]:
        """A list of every difference, each ticked to apply (a different name unticked: the
        same ID number under another name may be a wrong ID number)."""
        dialog = QDialog(self)
        dialog.setWindowTitle(self.tr("Apply the differences"))
        dialog.resize(640, 420)
        layout = QVBoxLayout(dialog)
        layout.addWidget(QLabel(self.tr("The sheet's values replace the registered ones for "
                                        "the ticked differences:"), dialog))
        choices = QListWidget(dialog)
        result = self.result
        for r in result.changed:
            sheet = result.sheet_of(r)
            for (f, _old, _new), text in zip(r.changes, sheet.change_messages(
                    r, self.ctx.lang), strict=True):
                item = QListWidgetItem(self.tr("Row %1: %2").replace("%1", result.where(r))
                                       .replace("%2", text), choices)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked if f == "name"
                                   else Qt.CheckState.Checked)
                item.setData(Qt.ItemDataRole.UserRole, (r, f))
        layout.addWidget(choices, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel, dialog)
        buttons.accepted.connect(dialog.accept)
        buttons.rejected.connect(dialog.reject)
        layout.addWidget(buttons)
        return dialog, choices

    @staticmethod
    def picked(choices: QListWidget) -> list[tuple[Any, str]]:
        return [choices.item(i).data(Qt.ItemDataRole.UserRole) for i in range(choices.count())
                if choices.item(i).checkState() == Qt.CheckState.Checked]

    def apply_differences_dialog(self) -> None:
        if self.result is None or not self.result.changed:
            return
        dialog, choices = self.changes_chooser()
        if dialog.exec():
            self.apply_differences(self.picked(choices))

    def apply_differences(self, picked: list[tuple[Any, str]]) -> None:
        """Write the sheet's values over the records already there (off the GUI thread,
        through the services: validated, audited)."""
        from station_app.exchange.xlsx_import import apply_changes

        result, actor = self.result, self.ctx.actor
        self.applied = None

        def done(count: int) -> None:
            self.applied = count
            self.summary.setText(self.tr("Updated %1 records with the sheet's values.")
                                 .replace("%1", str(count)))
            if self.imported is None:
                self.preview(keep_mapping=True)
            else:
                self.changes_button.setEnabled(False)

        def failed(exc: BaseException) -> None:
            self.applied = exc
            self.summary.setText(self.ctx.explain(exc))

        WriteOp.work(self.ctx, self, lambda task: apply_changes(task.db, actor, result, picked)
                     ).success(done).failure(failed) \
            .with_progress(self.tr("Saving…"), self).run()

    # -- undo -------------------------------------------------------------------------------

    def undo_import(self, *, confirm: bool = False) -> None:
        """Undo the last import (its rows removed, audited, carried by sync) while nothing
        has been done with them since."""
        from station_app.domain.services import imports
        from station_app.ui.qt import QMessageBox

        if confirm and QMessageBox.question(
                self, self.tr("Undo the last import"),
                self.tr("Remove every row the last import added? This is possible while "
                        "none of them has been changed or used since.")) \
                != QMessageBox.StandardButton.Yes:
            return
        self.undone = None

        def done(last) -> None:
            self.undone = last
            self.summary.setText(self.tr("The import of %1 was undone: %2 rows removed.")
                                 .replace("%1", last.source).replace("%2", str(last.rows)))

        def failed(exc: BaseException) -> None:
            self.undone = exc
            self.summary.setText(self.ctx.explain(exc))

        WriteOp(self.ctx, self, imports.undo_last_import).success(done).failure(failed) \
            .with_progress(self.tr("Undoing…"), self).run()

    def save_errors_dialog(self) -> None:
        if self.imported is None:
            return
        suggested = str(Path(self.imported.path).with_name(
            Path(self.imported.path).stem + "-errors.xlsx"))
        path, _f = QFileDialog.getSaveFileName(self, self.tr("Save the rejected rows"),
                                               suggested, self.tr("Excel workbook (*.xlsx)"))
        if path:
            self.save_errors(Path(path))

    def save_errors(self, path: Path) -> None:
        """Write the rejected rows to ``path`` (off the GUI thread; recorded as an
        export); ``saved`` is the file written."""
        from station_app.exchange.xlsx_import import save_error_workbook

        result, actor, lang = self.imported, self.ctx.actor, self.ctx.lang
        self.saved = None

        def done(written) -> None:
            self.saved = written
            self.summary.setText(self.summary.text() + " " + self.tr(
                "Rejected rows saved: %1").replace("%1", str(written)))

        def failed(exc: BaseException) -> None:
            self.saved = exc
            self.summary.setText(self.summary.text() + " " + self.ctx.explain(exc))

        WriteOp.work(self.ctx, self, lambda task: save_error_workbook(task.db, actor, result,
                                                                      path, lang=lang)
                     ).success(done).failure(failed).with_progress(self.tr("Saving…"), self) \
            .run()
