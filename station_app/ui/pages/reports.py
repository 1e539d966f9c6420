"""Reports: the work summary as of a date. Each figure opens the list of records behind
it; the whole report (figures, targets, lists) goes to an Excel workbook. On the district
database the figures are the district's."""

from __future__ import annotations

from pathlib import Path

from station_app.ui.pages import Page
from station_app.ui.qt import (
    QFileDialog,
    QLabel,
    QPushButton,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
)
from station_app.ui.tables import RowsModel, as_of_bar, read_only_table


class ReportsPage(Page):
    key = "reports"
    watches = frozenset()  # every table feeds some figure

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.report = None
        layout = QVBoxLayout(self)
        bar, self.as_of = as_of_bar(self, self.tr("As of"), self.reload)
        self.export_button = QPushButton(self.tr("Export to Excel…"), self)
        self.export_button.clicked.connect(self.export_dialog)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        self.figures = RowsModel(self)
        self.figures.columns = [(self.tr("Figure"), lambda r: r[1]),
                                (self.tr("Value"), lambda r: r[2])]
        self.figures.numeric = {1}
        self.records = RowsModel(self)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.figures_view = read_only_table(split, self.figures)
        self.figures_view.setObjectName("report-figures")
        right = QWidget(split)
        inner = QVBoxLayout(right)
        inner.setContentsMargins(0, 0, 0, 0)
        self.records_title = QLabel(self.tr("Select a figure to see the records behind it."),
                                    right)
        self.records_title.setWordWrap(True)
        inner.addWidget(self.records_title)
        self.records_view = read_only_table(right, self.records)
        self.records_view.setObjectName("report-records")
        inner.addWidget(self.records_view, 1)
        split.addWidget(self.figures_view)
        split.addWidget(right)
        split.setSizes([420, 700])
        layout.addWidget(split, 1)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.figures_view.selectionModel().currentRowChanged.connect(
            lambda *_a: self.show_records())

    @property
    def scope(self) -> str | None:
        return None if self.ctx.district else self.ctx.db.station_id

    def reload(self) -> None:
        as_of, scope, lang = self.as_of.date().toPython(), self.scope, self.ctx.lang
        self._seq = seq = getattr(self, "_seq", 0) + 1  # only the newest answer is shown

        def work(task):
            from station_app.domain.services.reports import build_report

            with task.db.reader() as s:
                return build_report(s, as_of, scope, lang=lang)

        def done(report) -> None:
            from station_app.domain.services.reports import figure_text

            if seq != self._seq:
                return  # the date changed meanwhile: a newer report is on its way
            self.report = report
            self.figures.set_rows([(code, text, figure_text(code, value))
                                   for code, text, value in report.figures(self.ctx.lang)])
            self.records.columns = []
            self.records.set_rows([])
            self.records_title.setText(self.tr(
                "Select a figure to see the records behind it."))

        self.ctx.tasks.run(work, on_done=done, owner=self)

    def show_records(self) -> None:
        index = self.figures_view.currentIndex()
        row = self.figures.row_at(index.row()) if index.isValid() else None
        if row is None or self.report is None:
            return
        code, text, shown = row
        listed = self.report.lists.get(code)
        if listed is None:
            self.records.columns = []
            self.records.set_rows([])
            self.records_title.setText(self.tr("%1: counted from the weekly visit quota, "
                                               "no list of its own.").replace("%1", text))
            return
        zh = self.ctx.zh
        self.records.columns = [
            (c[0] if zh else c[1], lambda r, i=i: "" if r[i] is None else str(r[i]))
            for i, c in enumerate(listed.columns)]
        self.records.set_rows(listed.rows)
        self.records_title.setText(self.tr("%1 = %2: %3 records").replace("%1", text)
                                   .replace("%2", shown).replace("%3", str(len(listed.rows))))

    def export_dialog(self) -> None:
        if self.report is None:
            return
        suggested = f"work-summary-{self.report.summary.as_of.isoformat()}.xlsx"
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export the report"), suggested, self.tr("Excel workbook (*.xlsx)"))
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        report, lang = self.report, self.ctx.lang

        def work(task):
            from station_app.exchange.xlsx_export import export_report

            export_report(report, path, lang=lang)
            return path

        def done(written) -> None:
            self.message.setText(self.tr("Written: %1").replace("%1", str(written)))

        def failed(exc: BaseException) -> None:
            self.message.setText(self.tr("Could not write the workbook: %1")
                                 .replace("%1", str(exc)))

        self.ctx.tasks.run(work, on_done=done, on_error=failed,
                           label=self.tr("Writing the workbook…"), parent=self, owner=self)
