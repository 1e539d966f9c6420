"""The district's hardship files (困难职工档案): every station's files, read-only.

The list (station, head of household, category, level, status, opened, last annual
review, the two sign-off blocks), filtered by station and status; the chosen file in a
pane beside it — its fields, its household (ID numbers masked) and every sign-off of both
blocks. Its one write is the upper union's (上级工会审核意见): sign the file off with a date
and a note (``hardship.sign_case_upper``), or withdraw a sign-off given in error, with a
reason (``hardship.withdraw_upper_signoff``) — a record of the district's own, which the
station pulls and never writes. Offered to the district roles the permission table names
(``case.sign_upper``). A change the station made after a sign-off shows as such
("签字后有修改") with what differs, field by field (``corrections.SignoffView.changes``).
"""

from __future__ import annotations

import html
from datetime import date
from typing import TYPE_CHECKING, Any

from station_app.domain.choices import (
    CASE_STATUS,
    HARDSHIP_CATEGORY,
    HARDSHIP_LEVEL,
    HOUSEHOLD_RELATION,
    label,
)
from station_app.ui.forms import Form
from station_app.ui.operations import Op
from station_app.ui.pages import Page
from station_app.ui.pages.enterprises import fill_table_widget, small_table
from station_app.ui.permissions import offer
from station_app.ui.qt import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    Qt,
    QTextBrowser,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from station_app.ui.tables import RowsModel, read_only_table

if TYPE_CHECKING:
    from station_app.domain.services.corrections import SignoffView
    from station_app.domain.services.reads import DistrictFileDetail, DistrictFileRow

CHANGED_STYLE = "color: #b00020;"
SIGNED_STYLE = "color: #1b5e20;"


class WithdrawDialog(QDialog):
    """Asks why an upper sign-off is withdrawn (required); the withdrawal runs from here
    so a refusal shows under the reason and nothing typed is lost."""

    def __init__(self, page: DistrictHardshipPage, view: SignoffView):
        super().__init__(page)
        self.page = page
        self.view = view
        self.setWindowTitle(self.tr("Withdraw the upper union's sign-off"))
        layout = QVBoxLayout(self)
        text = QLabel(self.tr("Withdraw the sign-off %1? It stays on the file, marked "
                              "withdrawn with your name, the time and the reason.")
                      .replace("%1", view.status(page.ctx.lang)), self)
        text.setWordWrap(True)
        layout.addWidget(text)
        self.form = Form(page.ctx.lang, self)
        edit = QPlainTextEdit(self)
        edit.setMaximumHeight(80)
        self.form.add("reason", self.tr("Reason *"), edit)
        layout.addWidget(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
            parent=self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(self.tr("Withdraw"))
        self.buttons.accepted.connect(self.withdraw)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def withdraw(self) -> Op:
        """Withdraw with the reason typed (off the GUI thread); the dialog closes once it
        is recorded. Returns the ``Op``."""
        from station_app.domain.services import hardship

        reason, signoff_id = self.form.values()["reason"], self.view.id

        def done(_view) -> None:
            self.accept()
            self.page.withdrawn()

        return self.form.submit(
            self.page.ctx, lambda s: hardship.withdraw_upper_signoff(s, signoff_id, reason),
            saved=done, busy=(self.ok_button,))


class DistrictHardshipPage(Page):
    key = "hardship"
    watches = frozenset({"hardship_cases", "household_members", "members", "signoffs",
                         "case_upper_signoffs", "stations"})

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.stations: list[tuple[str, str, str]] = []
        self.detail: DistrictFileDetail | None = None
        self.withdraw_dialog: WithdrawDialog | None = None
        self._select_after: str | None = None
        self.loaded = False

        outer = QVBoxLayout(self)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Station"), self))
        self.station_filter = QComboBox(self)
        self.station_filter.setObjectName("station-filter")
        self.station_filter.addItem(self.tr("All stations"), None)
        self.station_filter.currentIndexChanged.connect(lambda _i: self.reload())
        bar.addWidget(self.station_filter)
        bar.addWidget(QLabel(self.tr("Status"), self))
        self.status_filter = QComboBox(self)
        self.status_filter.setObjectName("status-filter")
        for code in CASE_STATUS:
            self.status_filter.addItem(label(CASE_STATUS, code, ctx.lang), code)
        self.status_filter.addItem(self.tr("All"), None)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.reload())
        bar.addWidget(self.status_filter)
        bar.addSpacing(24)
        self.count_label = QLabel(self)
        bar.addWidget(self.count_label)
        bar.addStretch(1)
        outer.addLayout(bar)

        split = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(split, 1)
        lang = ctx.lang
        self.model = RowsModel(self)
        self.model.columns = [
            (self.tr("Station"), lambda r: f"{r.file.station_code} {r.file.station_name}"),
            (self.tr("Name"), lambda r: r.file.head_name),
            (self.tr("Category"), lambda r: label(HARDSHIP_CATEGORY, r.file.category, lang)),
            (self.tr("Level"), lambda r: label(HARDSHIP_LEVEL, r.file.level, lang)),
            (self.tr("Status"), lambda r: label(CASE_STATUS, r.file.status, lang)),
            (self.tr("Opened"), lambda r: r.file.registered_date.isoformat()),
            (self.tr("Last review"),
             lambda r: r.last_review_date.isoformat() if r.last_review_date else ""),
            (self.tr("Grassroots sign-off"), lambda r: self.block_text(r.file.grassroots)),
            (self.tr("Upper union's sign-off"), lambda r: self.block_text(r.file.upper)),
        ]
        self.model.foreground = self._foreground
        self.table = read_only_table(split, self.model)
        self.table.setObjectName("files-table")
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._row_changed(current.row()))

        scroll = QScrollArea(split)
        scroll.setWidgetResizable(True)
        pane = QWidget(scroll)
        pv = QVBoxLayout(pane)
        self.title = QLabel(self.tr("Choose a file in the list."), pane)
        self.title.setObjectName("file-title")
        self.title.setWordWrap(True)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        pv.addWidget(self.title)
        self.file_view = QTextBrowser(pane)
        self.file_view.setObjectName("file-view")
        self.file_view.setMinimumHeight(180)
        pv.addWidget(self.file_view, 2)
        pv.addWidget(QLabel(self.tr("Household members"), pane))
        self.household = small_table(pane)
        self.household.setObjectName("household")
        self.household.setMaximumHeight(140)
        pv.addWidget(self.household)

        signs = QGroupBox(self.tr("Sign-offs"), pane)
        sv = QVBoxLayout(signs)
        self.grassroots_label = QLabel(signs)
        self.grassroots_label.setObjectName("grassroots-status")
        self.grassroots_label.setWordWrap(True)
        sv.addWidget(self.grassroots_label)
        self.upper_label = QLabel(signs)
        self.upper_label.setObjectName("upper-status")
        self.upper_label.setWordWrap(True)
        sv.addWidget(self.upper_label)
        self.changed_label = QLabel(signs)
        self.changed_label.setObjectName("changed-after-signoff")
        self.changed_label.setWordWrap(True)
        self.changed_label.setStyleSheet(CHANGED_STYLE)
        self.changed_label.hide()
        sv.addWidget(self.changed_label)
        self.history = small_table(signs)
        self.history.setObjectName("signoff-history")
        self.history.setMaximumHeight(140)
        sv.addWidget(self.history)
        pv.addWidget(signs)

        upper = QGroupBox(self.tr("The upper union's opinion"), pane)
        uv = QVBoxLayout(upper)
        self.form = Form(ctx.lang, upper)
        self.form.line("signed_date", self.tr("Date *"), self.tr("YYYY-MM-DD"))
        note = QPlainTextEdit(upper)
        note.setMaximumHeight(70)
        self.form.add("note", self.tr("Opinion"), note)
        uv.addWidget(self.form)
        row = QHBoxLayout()
        self.withdraw_button = QPushButton(self.tr("Withdraw the sign-off…"), upper)
        self.withdraw_button.setObjectName("withdraw-upper")
        self.withdraw_button.clicked.connect(lambda: self.ask_withdraw())
        self.sign_button = QPushButton(self.tr("Sign off"), upper)
        self.sign_button.setObjectName("sign-upper")
        self.sign_button.clicked.connect(lambda: self.sign())
        row.addWidget(self.withdraw_button)
        row.addStretch(1)
        row.addWidget(self.sign_button)
        uv.addLayout(row)
        pv.addWidget(upper)
        self.message = QLabel(pane)
        self.message.setObjectName("message")
        self.message.setWordWrap(True)
        pv.addWidget(self.message)
        pv.addStretch(1)
        scroll.setWidget(pane)
        split.addWidget(scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        self.form.set_values({"signed_date": date.today()})
        self._offer()
        # leaving with an opinion typed asks sign / discard / stay (``Form.ask_to_leave``)
        self.guard(self.form, save=self.sign, may_save=self.sign_button.isEnabled)

    # -- texts ------------------------------------------------------------------------------

    def block_text(self, view: SignoffView | None) -> str:
        """A block's newest sign-off in a few words: who and when, and whether it was
        withdrawn / voided, or the file changed after it."""
        if view is None:
            return self.tr("not signed")
        text = f"{view.signed_by_name} {view.signed_date.isoformat()}"
        if view.void:
            return text + " " + (self.tr("(withdrawn)") if view.level == "upper"
                                 else self.tr("(voided)"))
        if view.changes:
            return text + " " + self.tr("(changed after sign-off)")
        return text

    def _foreground(self, row: DistrictFileRow):
        from station_app.ui.qt import QColor

        views = (row.file.grassroots, row.file.upper)
        if any(v is not None and not v.void and v.changes for v in views):
            return QColor("#b00020")
        return None

    # -- loading ----------------------------------------------------------------------------

    def reload(self) -> None:
        from station_app.domain.services.reads import district_hardship_files

        station_id = self.station_filter.currentData()
        status = self.status_filter.currentData()
        self.query(lambda s: district_hardship_files(s, station_id, status), key="files",
                   success=self._loaded,
                   failure=lambda exc: self.message.setText(self.ctx.explain(exc)))

    def _loaded(self, result: dict[str, Any]) -> None:
        chosen = self.selected_id()
        wanted = self._select_after or chosen or (self.detail.id if self.detail else None)
        self._select_after = None
        self.stations = result["stations"]
        self._fill_stations()
        self.model.set_rows(result["files"])
        self.count_label.setText(self.tr("%1 files").replace("%1", str(len(self.model.rows))))
        self.loaded = True
        if wanted is not None and self.select(wanted):
            self._show(wanted)
        else:
            self._clear_detail()

    def _fill_stations(self) -> None:
        combo = self.station_filter
        current = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(self.tr("All stations"), None)
        for sid, code, name in self.stations:
            combo.addItem(f"{code} {name}", sid)
        combo.setCurrentIndex(max(combo.findData(current), 0))
        combo.blockSignals(False)

    def selected_id(self) -> str | None:
        index = self.table.currentIndex()
        row = self.model.row_at(index.row()) if index.isValid() else None
        return row.id if row is not None else None

    def select(self, case_id: str) -> bool:
        row = next((i for i, r in enumerate(self.model.rows) if r.id == case_id), None)
        if row is None:
            return False
        self.table.selectionModel().blockSignals(True)
        self.table.selectRow(row)
        self.table.selectionModel().blockSignals(False)
        return True

    def open_record(self, record_id: str) -> None:
        """Show one file (chosen in the list when the filters show it)."""
        self._select_after = record_id
        self._show(record_id)
        self._stale = True
        if self.isVisible():
            self.activate()

    def _row_changed(self, row: int) -> None:
        file = self.model.row_at(row)
        if file is None or (self.detail is not None and file.id == self.detail.id):
            return
        if self.form.dirty:  # (asked once the selection change is over)
            QTimer.singleShot(0, lambda: self._leave_for(file.id))
        else:
            self._show(file.id)

    def _leave_for(self, case_id: str) -> None:
        """Another file was chosen with an opinion typed: ask, then show that file, or go
        back to the one being signed."""
        if self.may_leave():
            self.select(case_id)
            self._show(case_id)
        elif self.detail is not None:
            self.select(self.detail.id)

    # -- the detail pane --------------------------------------------------------------------

    def _show(self, case_id: str) -> Op:
        from station_app.domain.services.reads import district_file_detail

        return self.query(lambda s: district_file_detail(s, case_id), key="detail",
                          success=self._shown,
                          failure=lambda exc: self.message.setText(self.ctx.explain(exc)))

    def _clear_detail(self) -> None:
        self.detail = None
        self.title.setText(self.tr("Choose a file in the list."))
        self.file_view.clear()
        fill_table_widget(self.household, [], [])
        fill_table_widget(self.history, [], [])
        for lbl in (self.grassroots_label, self.upper_label):
            lbl.clear()
        self.changed_label.hide()
        self._offer()

    def _shown(self, detail: DistrictFileDetail | None) -> None:
        if detail is None:
            self._clear_detail()
            return
        lang = self.ctx.lang
        zh = lang.startswith("zh")
        changed = self.detail is None or self.detail.id != detail.id
        self.detail = detail
        self.title.setText(f"{detail.head_name}（{detail.head_id_number}）— {detail.station}"
                           if zh else
                           f"{detail.head_name} ({detail.head_id_number}) — {detail.station}")
        head = [
            (self.tr("Station"), detail.station),
            (self.tr("Category"), label(HARDSHIP_CATEGORY, detail.category, lang)),
            (self.tr("Level"), label(HARDSHIP_LEVEL, detail.level, lang)),
            (self.tr("Status"), label(CASE_STATUS, detail.status, lang)),
            (self.tr("Opened"), detail.registered_date.isoformat()),
            (self.tr("Last review"),
             detail.last_review_date.isoformat() if detail.last_review_date else ""),
        ]
        if detail.closed_on is not None:
            head.append((self.tr("Closed"), f"{detail.closed_on.isoformat()} "
                                            f"{detail.closed_because or ''}".strip()))
        rows = head + [(name.zh if zh else name.en, value.zh if zh else value.en)
                       for name, value in detail.fields]
        self.file_view.setHtml(
            "<table cellspacing='0' cellpadding='3'>" + "".join(
                f"<tr><td style='color:#555'>{html.escape(k)}</td>"
                f"<td>{html.escape(str(v))}</td></tr>" for k, v in rows) + "</table>")
        fill_table_widget(self.household, [
            self.tr("Name"), self.tr("Relation"), self.tr("ID number"), self.tr("Age"),
            self.tr("Health"), self.tr("School or work")],
            [(n, label(HOUSEHOLD_RELATION, rel, lang), idn, "" if age is None else age, h, w)
             for n, rel, idn, age, h, w in detail.household])
        self._show_signoffs(detail)
        if changed:
            self.form.clear_errors()
            self.form.set_values({"signed_date": date.today(), "note": ""})
            self.message.clear()
        self._offer()

    def _show_signoffs(self, detail: DistrictFileDetail) -> None:
        lang = self.ctx.lang
        signed = detail.signoffs
        g, u = signed.grassroots_current, signed.upper_current
        self.grassroots_label.setText(
            self.tr("Grassroots union: %1").replace(
                "%1", g.status(lang) if g is not None else self.tr("not signed")))
        self.upper_label.setText(
            self.tr("Upper union: %1").replace(
                "%1", u.status(lang) if u is not None else self.tr("not signed")))
        for lbl, view in ((self.grassroots_label, g), (self.upper_label, u)):
            lbl.setStyleSheet(SIGNED_STYLE if view is not None and view.in_force
                              else CHANGED_STYLE if view is not None and view.changes
                              else "")
        changes = next((v.changes for v in (u, g) if v is not None and not v.void
                        and v.changes), ())
        if changes:
            sep = "；" if lang.startswith("zh") else "; "
            self.changed_label.setText(
                self.tr("Changed after sign-off: %1").replace(
                    "%1", sep.join(c.zh if lang.startswith("zh") else c.en for c in changes)))
            self.changed_label.show()
        else:
            self.changed_label.hide()
        blocks = {"grassroots": self.tr("Grassroots union"),
                  "upper": self.tr("Upper union")}

        def state(v: SignoffView) -> str:
            if v.void:  # (a withdrawal's reason says "withdrawn: …" itself)
                return v.why_void(lang) if v.level == "upper" else \
                    self.tr("voided: %1").replace("%1", v.why_void(lang))
            if v.changes:
                return self.tr("changed after sign-off")
            return self.tr("in force")

        views = sorted(signed.grassroots + signed.upper, key=lambda v: v.signed_at,
                       reverse=True)
        fill_table_widget(self.history, [
            self.tr("Block"), self.tr("Signed by"), self.tr("Date"), self.tr("Opinion"),
            self.tr("State")],
            [(blocks[v.level], v.signed_by_name, v.signed_date.isoformat(), v.note or "",
              state(v)) for v in views])

    def _offer(self) -> None:
        upper = self.detail.signoffs.upper_current if self.detail is not None else None
        chosen = self.detail is not None
        offer(self.sign_button, self.ctx, "case.sign_upper",
              also=chosen and (upper is None or not upper.in_force),
              tip="" if chosen else self.tr("Choose a file in the list first."))
        if chosen and upper is not None and upper.in_force:
            self.sign_button.setToolTip(self.tr("The upper union signed this file off and "
                                                "nothing changed since."))
        offer(self.withdraw_button, self.ctx, "case.sign_upper",
              also=upper is not None and not upper.void)
        self.form.setEnabled(self.sign_button.isEnabled())

    # -- the one write: the upper union's sign-off ----------------------------------------

    def sign(self) -> Op:
        """Sign the chosen file off as the upper union, with the date and opinion typed
        (off the GUI thread; a refusal under its field, nothing typed lost). Returns the
        ``Op``."""
        from station_app.domain.services import hardship

        if self.detail is None:
            self.message.setText(self.tr("Choose a file in the list first."))
            return Op.refused()
        case_id = self.detail.id
        values = self.form.values()
        self.message.clear()

        def done(_view) -> None:
            self.form.set_values({"note": ""})
            self.message.setText(self.tr("Signed off."))
            self._select_after = case_id
            self.refresh_now()
            self._show(case_id)

        return self.form.submit(
            self.ctx, lambda s: hardship.sign_case_upper(
                s, case_id, on=values["signed_date"], note=values["note"]),
            saved=done, busy=(self.sign_button,))

    def ask_withdraw(self) -> WithdrawDialog | None:
        """Open the dialog that asks why the upper sign-off is withdrawn (not modal: the
        withdrawal runs from it)."""
        upper = self.detail.signoffs.upper_current if self.detail is not None else None
        if upper is None or upper.void:
            self.message.setText(self.tr("The file has no upper union's sign-off to "
                                         "withdraw."))
            return None
        self.withdraw_dialog = WithdrawDialog(self, upper)
        self.withdraw_dialog.setModal(True)
        self.withdraw_dialog.show()
        return self.withdraw_dialog

    def withdrawn(self) -> None:
        self.message.setText(self.tr("The sign-off was withdrawn."))
        if self.detail is not None:
            self._select_after = self.detail.id
            self.refresh_now()
            self._show(self.detail.id)
