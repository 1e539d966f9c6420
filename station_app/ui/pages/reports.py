"""Reports: the work summary as of a date. Each figure opens the list of records behind
it (read when it is opened, off the GUI thread: a district's roll is hundreds of
thousands of people); the targets of the date's year sit under the figures, each against
the figure over its own scope; the whole report (figures, targets, lists) goes to an
Excel workbook. On the district database the figures are the district's.

Beside the figures: each station's last sync (the stations not synced since the date
flagged: their figures may be incomplete; a station's own last sync on its file). The
report prints, or goes to PDF, as the document an office signs (``exchange.report_print``:
HTML built off the GUI thread, painted by ``QPrinter`` on it). A district administrator
(the district's report) or a station administrator (the station's own) signs it: kept as
signed (``services.signoffs``); a date with a signed report says so above the figures,
with every figure that differs now ("signed N, now M"), and the signed reports open as
they were signed beside today's count."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from station_app.ui.operations import QueryOp, WriteOp
from station_app.ui.pages import Page
from station_app.ui.permissions import offer
from station_app.ui.qt import (
    QColor,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QMenu,
    QPlainTextEdit,
    QPrintDialog,
    QPrinter,
    QPushButton,
    QSplitter,
    Qt,
    QTextDocument,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from station_app.ui.save import ask_pdf_path
from station_app.ui.tables import RowsModel, as_of_bar, fit_columns, read_only_table


class ReportsPage(Page):
    key = "reports"
    watches = frozenset()  # every table feeds some figure

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.report = None
        layout = QVBoxLayout(self)
        self.sync = None  # domain.signoff.SyncNote of the report shown
        self.signed: list = []  # (SignedView, [Difference]) of its date, the newest first
        bar, self.as_of = as_of_bar(self, self.tr("As of"), self.reload)
        self.sign_button = QPushButton(self.tr("Sign…"), self)
        self.sign_button.setObjectName("report-sign")
        self.sign_button.clicked.connect(self.sign_dialog)
        offer(self.sign_button, ctx, self.sign_action,
              why_not=self.tr("A district administrator signs the district's report.")
              if ctx.district else
              self.tr("A station administrator signs the station's report."))
        bar.addWidget(self.sign_button)
        self.signed_button = QPushButton(self.tr("Signed reports…"), self)
        self.signed_button.clicked.connect(self.open_signed)
        bar.addWidget(self.signed_button)
        self.print_button = QPushButton(self.tr("Print / PDF…"), self)
        menu = QMenu(self.print_button)
        menu.addAction(self.tr("Save as PDF…"), self.ask_pdf)
        menu.addAction(self.tr("Print…"), self.print_report)
        self.print_button.setMenu(menu)
        bar.addWidget(self.print_button)
        self.export_button = QPushButton(self.tr("Export to Excel…"), self)
        self.export_button.clicked.connect(self.export_dialog)
        bar.addWidget(self.export_button)
        layout.addLayout(bar)
        # a signed date: who signed, when, and what differs now — above the figures
        self.signed_label = QLabel(self)
        self.signed_label.setObjectName("report-signed")
        self.signed_label.setWordWrap(True)
        self.signed_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.signed_label.hide()
        layout.addWidget(self.signed_label)
        # each station's last sync: the stations not synced since the date flagged
        self.sync_label = QLabel(self)
        self.sync_label.setObjectName("report-sync")
        self.sync_label.setWordWrap(True)
        self.sync_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.sync_label.hide()
        layout.addWidget(self.sync_label)
        self.figures = FiguresModel(self)
        self.figures.columns = [(self.tr("Figure"), lambda r: r[1]),
                                (self.tr("Value"), lambda r: r[2]),
                                (self.tr("As signed"), lambda r: r[4])]
        self.figures.numeric = {1, 2}
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
        split.setSizes([560, 560])
        self.split = split
        self._balanced = False  # (the tables given their room once, then the user's)
        layout.addWidget(split, 1)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.figures_view.selectionModel().currentRowChanged.connect(
            lambda *_a: self.show_records())

    @property
    def scope(self) -> str | None:
        return None if self.ctx.district else self.ctx.db.station_id

    @property
    def sign_action(self) -> str:
        return "report.sign_district" if self.ctx.district else "report.sign_station"

    @property
    def may_sign(self) -> bool:
        """The district's report: a district administrator; a station's: its admin
        (the permission table)."""
        return self.ctx.may(self.sign_action).ok

    def reload(self) -> None:
        as_of, scope, lang = self.as_of.date().toPython(), self.scope, self.ctx.lang
        district = self.ctx.district

        def read(s):
            from station_app.domain import signoff
            from station_app.domain.services.reports import build_report
            from station_app.domain.services.signoffs import session_run

            report = build_report(s, as_of, scope, with_lists=False, lang=lang)
            run = session_run(s)
            note = signoff.report_sync(run, as_of, scope, at_district=district)
            now = signoff.report_content(report, note)
            signed = [(v, signoff.differences(v.content, now))
                      for v in signoff.signed_for(run, as_of, scope)]
            return report, note, signed

        def done(result) -> None:
            from station_app.domain.services.reports import (
                figure_description,
                figure_text,
            )

            report, self.sync, self.signed = result
            self.report = report
            differs = ({d.metric: d for d in self.signed[0][1] if d.what == "figure"}
                       if self.signed else {})
            self.figures.set_rows([
                (code, text, figure_text(code, value),
                 figure_description(code, self.ctx.lang, report.summary.as_of),
                 self._signed_text(differs[code]) if code in differs else "")
                for code, text, value in report.figures(self.ctx.lang)])
            self._show_sync()
            self._show_signed()
            self.targets.set_rows(self._target_rows(report))
            self.targets_title.setText(self.tr("Targets of %1").replace(
                "%1", str(report.summary.as_of.year)) if report.summary.targets
                else self.tr("No targets set for %1.").replace(
                    "%1", str(report.summary.as_of.year)))
            self.records.columns = []
            self.records.set_rows([])
            self.records_title.setText(self.tr(
                "Select a figure to see the records behind it."))
            QTimer.singleShot(0, self.balance)  # (once the tables have laid out their rows)

        # (the date changed meanwhile: only the newest report is shown)
        self.query(read, key="report", success=done)

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

    def _signed_text(self, diff) -> str:
        from station_app.domain.figures import figure_text

        return self.tr("signed %1").replace(
            "%1", "—" if diff.signed is None else figure_text(diff.metric, diff.signed))

    @staticmethod
    def _table_width(view) -> int:
        """The width the view needs to show its columns without scrolling sideways."""
        return view.width() + view.horizontalScrollBar().maximum()

    def balance(self) -> None:
        """The figures and the targets whole (the walk saw them squeezed into the left
        third beside an empty right panel): the room their columns need, at most 60 %
        of the page, the rest for the records behind a figure."""
        total = sum(self.split.sizes())
        if self._balanced or not self.isVisible() or total <= 0 or not self.figures.rows:
            return
        self._balanced = True
        need = max(self._table_width(self.figures_view), self._table_width(self.targets_view))
        left = max(min(need, int(total * 0.6)), int(total * 0.4))
        self.split.setSizes([left, total - left])

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        QTimer.singleShot(0, self.balance)

    def _show_sync(self) -> None:
        """The stations not synced since the date (red), or a station's own last sync."""
        note, lang = self.sync, self.ctx.lang
        warning = note.warning(lang) if note is not None else None
        own = note.own_line(lang) if note is not None else None
        if warning:
            self.sync_label.setText(warning)
            self.sync_label.setStyleSheet(
                "QLabel { color: #b00020; font-weight: bold; border: 1px solid #b00020; "
                "padding: 4px; }")
        elif own:
            self.sync_label.setText(own)
            self.sync_label.setStyleSheet("")
        elif note is not None and note.stations:
            self.sync_label.setText(self.tr("Every station synced on %1 or later.").replace(
                "%1", note.as_of.isoformat()))
            self.sync_label.setStyleSheet("")
        else:
            self.sync_label.clear()
        # every station's last sync, on hovering (the printout and the workbook list them)
        from station_app.domain.signoff import local_text

        never = self.tr("never synced")
        self.sync_label.setToolTip("\n".join(
            f"{st.code} {st.name}: {local_text(st.last_sync) or never}"
            for st in (note.stations if note is not None else ())))
        self.sync_label.setVisible(bool(self.sync_label.text()))

    def _show_signed(self) -> None:
        """A signed date, prominently: who signed and when, and every figure that differs
        now (red), or that the figures are as signed (green)."""
        if not self.signed:
            self.signed_label.clear()
            self.signed_label.hide()
            return
        from station_app.domain.signoff import differences_heading

        view, diffs = self.signed[0]
        lang = self.ctx.lang
        lines = [self.tr("Signed: %1").replace("%1", view.who(lang))]
        if view.note:
            lines[0] += " — " + view.note
        if len(self.signed) > 1:
            lines.append(self.tr("(signed %1 times for this date; the newest is shown)")
                         .replace("%1", str(len(self.signed))))
        if not view.intact:
            lines.append(self.tr("The stored signature does not match its figures: the "
                                 "record was changed after signing."))
        lines.append(differences_heading(diffs, lang) + ("：" if self.ctx.zh and diffs
                                                         else ": " if diffs else ""))
        lines += [f"  • {d.text(lang)}" for d in diffs]
        self.signed_label.setText("\n".join(lines))
        bad = diffs or not view.intact
        colour, back = ("#b00020", "#fdecea") if bad else ("#1b5e20", "#e8f5e9")
        self.signed_label.setStyleSheet(
            f"QLabel {{ color: {colour}; background: {back}; border: 2px solid {colour}; "
            "padding: 6px; font-weight: bold; }")
        self.signed_label.show()

    def show_records(self) -> None:
        index = self.figures_view.currentIndex()
        row = self.figures.row_at(index.row()) if index.isValid() else None
        if row is None or self.report is None:
            return
        code, text, shown, about, _signed = row
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

        def read(s):
            from station_app.domain.services.reports import Scope, record_list

            return record_list(s, code, Scope(report.summary.as_of, report.summary.station_id),
                               lang)

        def done(listed) -> None:
            report.lists[code] = listed
            current = self.figures_view.currentIndex()
            now = self.figures.row_at(current.row()) if current.isValid() else None
            if report is self.report and now is not None and now[0] == code:
                self._show_list(text, shown, about, listed)

        self.query(read, key="records", success=done)

    def _show_list(self, text: str, shown: str, about: str, listed) -> None:
        zh = self.ctx.zh
        self.records.columns = [
            (c[0] if zh else c[1], lambda r, i=i: "" if r[i] is None else str(r[i]))
            for i, c in enumerate(listed.columns)]
        self.records.numeric = set(listed.money)
        self.records.set_rows(listed.rows)
        fit_columns(self.records_view)  # headers never cut; the rows on screen measured
        title = (self.tr("%1 = %2: %3 records").replace("%1", text)
                 .replace("%2", shown).replace("%3", f"{len(listed.rows):,}"))
        self.records_title.setText(f"{title}\n{about}" if about else title)

    def export_dialog(self) -> None:
        if self.report is None:
            return
        name = self.tr("work-summary")
        suggested = f"{name}-{self.report.summary.as_of.isoformat()}.xlsx"
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Export the report"), suggested, self.tr("Excel workbook (*.xlsx)"))
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        report, lang, sync, actor = self.report, self.ctx.lang, self.sync, self.ctx.actor

        def read(s, full: bool):
            from station_app.domain.services.metrics import METRICS
            from station_app.domain.services.reports import Scope, record_list
            from station_app.exchange.xlsx_export import export_report

            scope = Scope(report.summary.as_of, report.summary.station_id)
            known = dict(report.lists)  # the lists already read, in the catalogue's order
            lists = {code: known.get(code) or record_list(s, code, scope, lang)
                     for code in METRICS}
            # with the stations' last syncs, as the command line writes it; ID numbers
            # masked unless the user may have them
            return export_report(replace(report, lists=lists), path, lang=lang, sync=sync,
                                 full_ids=full)

        def work(task):
            from station_app.exchange.xlsx_export import export_recorded

            export_recorded(task.db, actor, "report", path, read)  # (recorded as an export)
            return path

        def done(written) -> None:
            self.message.setText(self.tr("Written: %1").replace("%1", str(written)))

        def failed(exc: BaseException) -> None:
            self.message.setText(self.tr("Could not write the workbook: %1")
                                 .replace("%1", str(exc)))

        self.exporting = WriteOp.work(self.ctx, self, work).success(done) \
            .failure(failed).with_progress(self.tr("Writing the workbook…"), self).run()

    # -- print / PDF ---------------------------------------------------------------------

    def _html_task(self, then) -> None:
        """The printable document of the report shown, built off the GUI thread; ``then``
        (on the GUI thread) paints it."""
        if self.report is None:
            return
        report, note, lang = self.report, self.sync, self.ctx.lang
        view, diffs = self.signed[0] if self.signed else (None, None)

        def build(_db):
            from station_app.exchange.report_print import report_html

            return report_html(report, note, lang=lang, signed=view, differences=diffs)

        def failed(exc: BaseException) -> None:
            self.message.setText(self.tr("Could not make the document: %1")
                                 .replace("%1", self.ctx.explain(exc)))

        self.printing = QueryOp.on_db(self.ctx, self, build, key="print").success(then) \
            .failure(failed).run()

    def ask_pdf(self) -> None:
        if self.report is None:
            return
        name = self.tr("work-summary")
        path = ask_pdf_path(self, f"{name}-{self.report.summary.as_of.isoformat()}.pdf")
        if path is not None:
            self.save_pdf(path)

    def save_pdf(self, path: Path) -> None:
        """Write the report shown as a PDF (no dialogs); the message says when done."""
        self._html_task(lambda text: self._write_pdf(text, Path(path)))

    def _write_pdf(self, text: str, path: Path) -> None:
        try:
            print_html(self, text, path, self.tr("Work summary report"))
        except OSError as exc:
            self.message.setText(self.tr("Could not write the PDF: %1").replace("%1", str(exc)))
            return
        self.message.setText(self.tr("Written: %1").replace("%1", str(path)))
        self._record_print(path)

    def _record_print(self, path: Path | None) -> None:
        """Every print (and PDF) is recorded, as every export is (exposure.record)."""
        from station_app.domain.services.exposure import record

        figures = len(list(self.report.figures(self.ctx.lang))) if self.report else 0
        self.write(lambda s: record(s, "print", "report", figures, path))

    def print_report(self) -> None:
        def paint(text: str) -> None:
            printer = QPrinter(QPrinter.PrinterMode.HighResolution)
            dialog = QPrintDialog(printer, self)
            dialog.setWindowTitle(self.tr("Print the report"))
            if dialog.exec() == QDialog.DialogCode.Accepted:
                doc = QTextDocument(self)
                doc.setHtml(text)
                doc.print_(printer)
                self._record_print(None)

        self._html_task(paint)

    # -- signing -------------------------------------------------------------------------

    def sign_dialog(self) -> QDialog | None:
        """Ask before signing: the figures shown are kept as signed, with the note."""
        if self.report is None or not self.may_sign:
            return None
        dialog = SignDialog(self, self.report.summary.as_of, self.sync, self.ctx)
        dialog.accepted.connect(lambda: self.sign(dialog.note.toPlainText()))
        dialog.open()
        self._dialog = dialog
        return dialog

    def sign(self, note: str = "") -> None:
        """Sign the report shown (off the GUI thread): the service counts it again and
        refuses when the figures changed since they were shown."""
        if self.report is None:
            return
        as_of = self.report.summary.as_of
        shown = dict(self.report.summary.values)

        def work(s):
            from station_app.domain.services.signoffs import sign_report

            return sign_report(s, as_of, note, expected=shown)

        def done(view) -> None:
            self.message.setText(self.tr("Signed: %1").replace(
                "%1", view.who(self.ctx.lang)))
            self.refresh_now()  # (shown at once while visible: the change was published)

        def failed(exc: BaseException) -> None:
            self.message.setText(self.tr("Not signed: %1").replace(
                "%1", self.ctx.explain(exc)))
            self.reload()

        self.signing = self.write(work, success=done, failure=failed,
                                  label=self.tr("Signing the report…"))

    def open_signed(self) -> QDialog:
        dialog = SignedReportsDialog(self.ctx, self)
        dialog.show()
        self._signed_dialog = dialog
        return dialog


class FiguresModel(RowsModel):
    """The figures; a figure that differs from what was signed shows in red."""

    def foreground(self, row):
        return QColor("#b00020") if row[4] else None


def print_html(parent: QWidget, text: str, path: Path, title: str) -> None:
    """Paint an HTML document into a PDF file (on the GUI thread: Qt's painting)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setDocName(title)
    doc = QTextDocument(parent)
    doc.setHtml(text)
    doc.print_(printer)
    if not path.exists():
        raise OSError(str(path))


class SignDialog(QDialog):
    """Signing the report as of D: what signing means, the stations not synced since D,
    a note."""

    def __init__(self, page: ReportsPage, as_of, sync, ctx):
        super().__init__(page)
        self.setWindowTitle(self.tr("Sign the report"))
        layout = QVBoxLayout(self)
        who = ctx.actor.display_name or ctx.actor.username
        text = QLabel(self.tr(
            "Sign the report as of %1 as %2? The figures as counted now are kept as "
            "signed, with your name and the time, and never change. A record entered "
            "later for a date up to %1 shows as a difference from what was signed.")
            .replace("%1", as_of.isoformat()).replace("%2", who), self)
        text.setWordWrap(True)
        layout.addWidget(text)
        warning = sync.warning(ctx.lang) if sync is not None else None
        if warning:
            late = QLabel(warning, self)
            late.setObjectName("sign-warning")
            late.setWordWrap(True)
            late.setStyleSheet("color: #b00020; font-weight: bold;")
            layout.addWidget(late)
        layout.addWidget(QLabel(self.tr("Note (optional):"), self))
        self.note = QPlainTextEdit(self)
        self.note.setObjectName("sign-note")
        self.note.setFixedHeight(70)
        layout.addWidget(self.note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.sign_button = buttons.addButton(self.tr("Sign"),
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class SignedReportsDialog(QDialog):
    """The signed reports (at the district its own and those the stations sent): one
    opens as it was signed, each figure beside today's count for the same date and
    scope, those that differ in red; it prints or goes to PDF as signed."""

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.views: list = []
        self.comparison = None
        self.setWindowTitle(self.tr("Signed reports"))
        self.resize(900, 640)
        layout = QVBoxLayout(self)
        self.list = RowsModel(self)
        self.list.columns = [
            (self.tr("As of"), lambda v: v.as_of.isoformat()),
            (self.tr("Report of"), lambda v: v.scope_name if v.scope == "station"
             else self.tr("District")),
            (self.tr("Signed by"), lambda v: f"{v.signed_by_name} ({v.signed_by})"),
            (self.tr("Signed at"), lambda v: _local(v.signed_at)),
            (self.tr("Note"), lambda v: v.note or ""),
        ]
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.list_view = read_only_table(split, self.list)
        self.list_view.setObjectName("signed-list")
        detail = QWidget(split)
        inner = QVBoxLayout(detail)
        inner.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(self.tr("Select a signed report to open it as it was signed."),
                            detail)
        self.title.setObjectName("signed-title")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        inner.addWidget(self.title)
        self.figures = FiguresModel(self)
        self.figures.columns = [(self.tr("Figure"), lambda r: r[1]),
                                (self.tr("As signed"), lambda r: r[2]),
                                (self.tr("Now"), lambda r: r[3])]
        self.figures.numeric = {1, 2}
        self.figures_view = read_only_table(detail, self.figures)
        self.figures_view.setObjectName("signed-figures")
        inner.addWidget(self.figures_view, 1)
        split.addWidget(self.list_view)
        split.addWidget(detail)
        split.setSizes([200, 440])
        layout.addWidget(split, 1)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.pdf_button = buttons.addButton(self.tr("Save as PDF…"),
                                            QDialogButtonBox.ButtonRole.ActionRole)
        self.pdf_button.setEnabled(False)
        self.pdf_button.clicked.connect(self.ask_pdf)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.list_view.selectionModel().currentRowChanged.connect(
            lambda *_a: self.open_selected())
        self.load()

    def load(self) -> None:
        own = None if self.ctx.district else self.ctx.db.station_id

        def read(s):
            from station_app.domain import signoff
            from station_app.domain.services.signoffs import session_run

            views = signoff.signed_list(session_run(s))
            return [v for v in views if own is None or v.owner_id == own]

        def done(views) -> None:
            self.views = views
            self.list.set_rows(views)
            if not views:
                self.title.setText(self.tr("No report has been signed yet."))

        QueryOp(self.ctx, self, read, key="list").success(done).run()

    def open_selected(self) -> None:
        index = self.list_view.currentIndex()
        view = self.list.row_at(index.row()) if index.isValid() else None
        if view is None:
            return
        district = self.ctx.district
        self.comparison = None
        self.pdf_button.setEnabled(False)
        self.title.setText(self.tr("Counting the same report now…"))

        def read(s):
            from station_app.domain import signoff
            from station_app.domain.services.signoffs import session_run

            return signoff.compare(session_run(s), view, at_district=district)

        def done(comparison) -> None:
            current = self.list_view.currentIndex()
            if self.list.row_at(current.row()) is not view:
                return  # another one was selected meanwhile
            self.show_comparison(comparison)

        QueryOp(self.ctx, self, read, key="compare").success(done).run()

    def show_comparison(self, comparison) -> None:
        from station_app.domain.figures import figure_text
        from station_app.domain.signoff import differences_heading

        self.comparison = comparison
        view, lang = comparison.signed, self.ctx.lang
        differs = {d.metric for d in comparison.differences if d.what == "figure"}
        now = comparison.now.summary.values
        rows = []
        for code, text, value in view.report.figures(lang):
            later = now.get(code)
            rows.append((code, text, figure_text(code, value),
                         "" if later is None else figure_text(code, later),
                         code in differs))
        self.figures.set_rows(rows)
        where = view.scope_name if view.scope == "station" else self.tr("District")
        lines = [self.tr("%1 as of %2, signed: %3").replace("%1", where)
                 .replace("%2", view.as_of.isoformat()).replace("%3", view.who(lang))]
        if view.note:
            lines.append(self.tr("Note: %1").replace("%1", view.note))
        if not view.intact:
            lines.append(self.tr("The stored signature does not match its figures: the "
                                 "record was changed after signing."))
        warning = view.sync_note().warning(lang)
        if warning:
            lines.append(self.tr("When signed: %1").replace("%1", warning))
        lines.append(differences_heading(comparison.differences, lang))
        lines += [f"  • {d.text(lang)}" for d in comparison.differences
                  if d.what != "figure"]
        self.title.setText("\n".join(lines))
        self.pdf_button.setEnabled(True)

    def ask_pdf(self) -> None:
        if self.comparison is None:
            return
        view = self.comparison.signed
        name, signed = self.tr("work-summary"), self.tr("signed")
        path = ask_pdf_path(self, f"{name}-{view.as_of.isoformat()}-{signed}.pdf")
        if path is not None:
            self.save_pdf(path)

    def save_pdf(self, path: Path) -> None:
        """The signed report as it was signed (and what differs now) as a PDF."""
        comparison, lang = self.comparison, self.ctx.lang
        if comparison is None:
            return

        def build(_db):
            from station_app.exchange.report_print import report_html

            view = comparison.signed
            return report_html(view.report, view.sync_note(), lang=lang, signed=view,
                               as_signed=True, differences=comparison.differences)

        def done(text: str) -> None:
            try:
                print_html(self, text, Path(path), self.tr("Signed report"))
            except OSError as exc:
                self.message.setText(self.tr("Could not write the PDF: %1")
                                     .replace("%1", str(exc)))
                return
            self.message.setText(self.tr("Written: %1").replace("%1", str(path)))
            self._record_print(Path(path))

        self.printing = QueryOp.on_db(self.ctx, self, build, key="print").success(done).run()

    def _record_print(self, path: Path) -> None:
        """The signed report's PDF is recorded, as every export and print is."""
        from station_app.domain.services.exposure import record

        figures = len(list(self.comparison.signed.report.figures(self.ctx.lang)))
        self.recording = WriteOp(self.ctx, self, lambda s: record(
            s, "print", "report", figures, path)).run()


def _local(text: str | None) -> str:
    from station_app.domain.signoff import local_text

    return local_text(text)
