"""Reports: the work summary as of a date. Each figure opens the list of records behind
it (read when it is opened, off the GUI thread: a district's roll is hundreds of
thousands of people); the targets of the date's year sit under the figures, each against
the figure over its own scope; the whole report (figures, targets, lists) goes to an
Excel workbook. On the district database the figures are the district's."""

from __future__ import annotations

from dataclasses import replace
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
        left = QSplitter(Qt.Orientation.Vertical, split)
        self.figures_view = read_only_table(left, self.figures)
        self.figures_view.setObjectName("report-figures")
        targets_box = QWidget(left)
        targets_layout = QVBoxLayout(targets_box)
        targets_layout.setContentsMargins(0, 0, 0, 0)
        self.targets_title = QLabel(self.tr("Targets"), targets_box)
        targets_layout.addWidget(self.targets_title)
        self.targets = RowsModel(self)
        self.targets.columns = [
            (self.tr("Figure"), lambda t: t[0]),
            (self.tr("Scope"), lambda t: t[1]),
            (self.tr("Target"), lambda t: t[2]),
            (self.tr("Progress"), lambda t: t[3]),
            (self.tr("Done"), lambda t: t[4]),
        ]
        self.targets.numeric = {2, 3, 4}
        self.targets_view = read_only_table(targets_box, self.targets)
        self.targets_view.setObjectName("report-targets")
        targets_layout.addWidget(self.targets_view, 1)
        left.addWidget(self.figures_view)
        left.addWidget(targets_box)
        left.setSizes([500, 160])
        right = QWidget(split)
        inner = QVBoxLayout(right)
        inner.setContentsMargins(0, 0, 0, 0)
        self.records_title = QLabel(self.tr("Select a figure to see the records behind it."),
                                    right)
        self.records_title.setWordWrap(True)
        inner.addWidget(self.records_title)
        self.records_view = read_only_table(right, self.records, fit_contents=False)
        self.records_view.setObjectName("report-records")
        inner.addWidget(self.records_view, 1)
        split.addWidget(left)
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
                return build_report(s, as_of, scope, with_lists=False, lang=lang)

        def done(report) -> None:
            from station_app.domain.services.reports import (
                figure_description,
                figure_text,
            )

            if seq != self._seq:
                return  # the date changed meanwhile: a newer report is on its way
            self.report = report
            self.figures.set_rows([(code, text, figure_text(code, value),
                                    figure_description(code, self.ctx.lang))
                                   for code, text, value in report.figures(self.ctx.lang)])
            self.targets.set_rows(self._target_rows(report))
            self.targets_title.setText(self.tr("Targets of %1").replace(
                "%1", str(report.summary.as_of.year)) if report.summary.targets
                else self.tr("No targets set for %1.").replace(
                    "%1", str(report.summary.as_of.year)))
            self.records.columns = []
            self.records.set_rows([])
            self.records_title.setText(self.tr(
                "Select a figure to see the records behind it."))

        self.ctx.tasks.run(work, on_done=done, owner=self)

    def _target_rows(self, report) -> list[tuple[str, str, str, str, str]]:
        """(figure, scope, target, progress, done) of each target. A district target in a
        station's report is labelled the district's and shows the station's part, never
        as the district's progress (figures.TargetProgress)."""
        from station_app.domain.services.reports import figure_label, figure_text

        rows = []
        for t in report.summary.targets:
            name = (figure_label(t.metric, self.ctx.lang) if t.metric in
                    report.summary.values else t.metric)
            if t.station_id is None:
                scope = self.tr("District")
            else:
                scope = t.scope
            if t.progress is not None:
                progress = figure_text(t.metric, t.progress)
                done = f"{t.percent}%" if t.percent is not None else ""
            else:
                progress = self.tr("this station's part: %1").replace(
                    "%1", figure_text(t.metric, t.part or 0))
                done = ""
            rows.append((name, scope, figure_text(t.metric, t.target), progress, done))
        return rows

    def show_records(self) -> None:
        index = self.figures_view.currentIndex()
        row = self.figures.row_at(index.row()) if index.isValid() else None
        if row is None or self.report is None:
            return
        code, text, shown, about = row
        from station_app.domain.services.metrics import METRICS

        if code not in METRICS:
            self.records.columns = []
            self.records.set_rows([])
            self.records_title.setText(self.tr("%1: counted from the weekly visit quota, "
                                               "no list of its own.").replace("%1", text))
            return
        listed = self.report.lists.get(code)
        if listed is not None:
            self._show_list(text, shown, about, listed)
            return
        report, lang = self.report, self.ctx.lang
        self.records.columns = []
        self.records.set_rows([])
        self.records_title.setText(self.tr("%1: reading the records…").replace("%1", text))

        def work(task):
            from station_app.domain.services.reports import Scope, record_list

            scope = Scope(report.summary.as_of, report.summary.station_id)
            with task.db.reader() as s:
                return record_list(s, code, scope, lang)

        def done(listed) -> None:
            report.lists[code] = listed
            current = self.figures_view.currentIndex()
            now = self.figures.row_at(current.row()) if current.isValid() else None
            if report is self.report and now is not None and now[0] == code:
                self._show_list(text, shown, about, listed)

        self.ctx.tasks.run(work, on_done=done, owner=self)

    def _show_list(self, text: str, shown: str, about: str, listed) -> None:
        zh = self.ctx.zh
        self.records.columns = [
            (c[0] if zh else c[1], lambda r, i=i: "" if r[i] is None else str(r[i]))
            for i, c in enumerate(listed.columns)]
        self.records.numeric = set(listed.money)
        self.records.set_rows(listed.rows)
        title = (self.tr("%1 = %2: %3 records").replace("%1", text)
                 .replace("%2", shown).replace("%3", f"{len(listed.rows):,}"))
        self.records_title.setText(f"{title}\n{about}" if about else title)

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
            from station_app.domain.services.metrics import METRICS
            from station_app.domain.services.reports import Scope, record_list
            from station_app.exchange.xlsx_export import export_report

            scope = Scope(report.summary.as_of, report.summary.station_id)
            known = dict(report.lists)  # the lists already read, in the catalogue's order
            with task.db.reader() as s:
                lists = {code: known.get(code) or record_list(s, code, scope, lang)
                         for code in METRICS}
            export_report(replace(report, lists=lists), path, lang=lang)
            return path

        def done(written) -> None:
            self.message.setText(self.tr("Written: %1").replace("%1", str(written)))

        def failed(exc: BaseException) -> None:
            self.message.setText(self.tr("Could not write the workbook: %1")
                                 .replace("%1", str(exc)))

        self.ctx.tasks.run(work, on_done=done, on_error=failed,
                           label=self.tr("Writing the workbook…"), parent=self, owner=self)
