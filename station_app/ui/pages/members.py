"""The members page: a lazy list with search and a status filter, and a detail form.

Left: the search box, the status filter and the table (``MembersTableModel``). Right: the
member's form with live checking of the ID number (derived birth date and gender, or the
error under the field, wrapped in the form's width), Save, New, Change status and Delete (a
member registered in error, while nothing refers to them: the permission table's
``member.delete``). Searches, the member's form and every write run off the GUI thread
(``ui.operations``), each write one unit of work through the member services.

Nothing typed is lost: New member, another row, another page or closing the window with
the form changed asks 保存 / 放弃 / 留在此处 first (``Page.guard``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from station_app.domain.choices import GENDER, MEMBER_STATUS, label
from station_app.domain.services.members import (
    DuplicateMember,
    change_status,
    delete_member,
    has_scan_tier,
    register_member,
    search_members,
    update_member,
)
from station_app.domain.validation import ValidationError, parse_id_number
from station_app.ui.context import AppContext
from station_app.ui.forms import ERROR_STYLE, Form, ask, choice_combo
from station_app.ui.operations import Op, QueryOp, WriteOp, supersede
from station_app.ui.pages import Page
from station_app.ui.pages.members_model import (
    COL_EMPLOYER,
    COL_GENDER,
    COL_ID,
    COL_JOIN,
    COL_NAME,
    COL_PHONE,
    COL_STATUS,
    SEARCH_PAGE,
    SORT_COLUMNS,
    IdRole,
    MembersTableModel,
)
from station_app.ui.permissions import offer
from station_app.ui.qt import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QEvent,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QModelIndex,
    QObject,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from station_app.ui.tables import fit_columns, read_only_table

SEARCH_DELAY_MS = 150
ID_CHECK_DELAY_MS = 120

FORM_FIELDS = ("name", "id_number", "phone", "ethnicity", "employer_name", "card_no",
               "join_date", "migrant_worker", "notes")


class StatusDialog(QDialog):
    """Ask the new status and the date it took effect; errors stay in the dialog."""

    def __init__(self, ctx: AppContext, member_id: str, current: str | None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.member_id = member_id
        self.setWindowTitle(self.tr("Change status"))
        layout = QVBoxLayout(self)
        self.form = Form(ctx.lang, self)
        codes = [c for c in MEMBER_STATUS if c != current] or list(MEMBER_STATUS)
        self.status = self.form.add("status", self.tr("New status"),
                                    choice_combo(MEMBER_STATUS, ctx.lang, codes=codes))
        self.date = self.form.line("status_date", self.tr("Date"), "2024-01-31")
        self.date.setText(date.today().isoformat())
        layout.addWidget(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.apply)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def apply(self) -> Op:
        member_id, status, on = self.member_id, self.status.currentData(), self.date.text()
        return self.form.submit(self.ctx, lambda s: change_status(s, member_id, status, on),
                                saved=lambda _m: self.accept(), busy=(self.buttons,))


class _FitHeight(QObject):
    """Keeps a word-wrapped label as tall as its text needs at its width (its minimum
    height follows its width and text), so the layout around it makes room."""

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's name)
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self.fit(watched)
        return False

    @staticmethod
    def fit(label: QLabel) -> None:
        need = label.heightForWidth(label.width()) if label.text() else 0
        if need != label.minimumHeight():
            label.setMinimumHeight(max(need, 0))


class MembersPage(Page):
    key = "members"
    watches = frozenset({"members", "enterprises"})  # (the employer's name)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.current_id: str | None = None
        self.current_status: str | None = None
        self.loaded: dict[str, Any] | None = None  # the member as read (member_form)
        self.searching = False  # a search pass is under way
        self._loading_form = False
        self.status_dialog: StatusDialog | None = None
        self.delete_decision = None  # the permission table's answer for the member shown

        # -- left: search, filter, table ----------------------------------------------
        left = QWidget(self)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        self.search = QLineEdit(left)
        self.search.setObjectName("member-search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(
            self.tr("Search: name, pinyin initials, ID number digits or phone"))
        bar.addWidget(self.search, 1)
        self.status_filter = choice_combo(MEMBER_STATUS, ctx.lang, empty=self.tr("All statuses"))
        self.status_filter.setObjectName("member-status-filter")
        bar.addWidget(self.status_filter)
        self.new_button = QPushButton(self.tr("New member"), left)
        bar.addWidget(self.new_button)
        lv.addLayout(bar)
        self.model = MembersTableModel(ctx, self)
        self.table = read_only_table(left, self.model, fit_contents=False)
        self.table.setObjectName("member-table")
        self.table.verticalHeader().setDefaultSectionSize(24)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(self.model.sort_column, self.model.sort_order)
        # each column fits its header and the widest value it holds (a masked ID number,
        # a phone, a date, the longest status); the employer takes the rest, its full
        # name on hover where cut (the rows are read lazily: measured by samples)
        lang = ctx.lang
        widest = lambda choices: max((label(choices, c, lang) for c in choices), key=len)  # noqa: E731
        fit_columns(self.table, stretch=COL_EMPLOYER, contents=False, samples={
            COL_NAME: "欧阳某某某", COL_GENDER: widest(GENDER), COL_ID: "440305********123X",
            COL_PHONE: "13800000000", COL_JOIN: "2024-01-31", COL_STATUS: widest(MEMBER_STATUS)})
        header.sortIndicatorChanged.connect(self._sort_changed)
        lv.addWidget(self.table, 1)
        self.count_label = QLabel(left)
        lv.addWidget(self.count_label)

        # -- right: the detail form ------------------------------------------------------
        right = QWidget(self)
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(right)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        rv.addWidget(self.title)
        self.notice = QLabel(right)
        self.notice.setWordWrap(True)
        self.notice.setStyleSheet(ERROR_STYLE)
        self.notice.hide()
        rv.addWidget(self.notice)
        self.form = Form(ctx.lang, right)
        f = self.form
        self.name_edit = f.line("name", self.tr("Name"))
        self.id_edit = f.line("id_number", self.tr("ID number"), self.tr("18 characters"))
        self.derived = QLabel(right)
        self.derived.setObjectName("derived")
        self.derived.setWordWrap(True)  # (a long warning wraps; the form keeps its width)
        f.layout_.addRow("", self.derived)
        # the ID number's warning and what it reads, wrapped, shown whole: each asks the
        # height its width needs (a form layout places a field at its size hint, a
        # wrapped label's guess of a few lines, and cut a long warning top and bottom)
        self._fit_height = _FitHeight(self)
        for wrapped in (self.form.errors["id_number"], self.derived):
            wrapped.installEventFilter(self._fit_height)
        f.line("phone", self.tr("Phone"))
        f.line("ethnicity", self.tr("Ethnicity"))
        f.line("employer_name", self.tr("Employer"))
        f.line("card_no", self.tr("Card number"))
        f.line("join_date", self.tr("Join date"), "2024-01-31")
        f.add("migrant_worker", self.tr("Migrant worker"), QCheckBox(right))
        notes = QPlainTextEdit(right)
        notes.setMaximumHeight(80)
        f.add("notes", self.tr("Notes"), notes)
        rv.addWidget(f)
        self.status_label = QLabel(right)
        rv.addWidget(self.status_label)
        buttons = QHBoxLayout()
        self.save_button = QPushButton(self.tr("Save"), right)
        self.save_button.setDefault(True)
        self.status_button = QPushButton(self.tr("Change status…"), right)
        self.delete_button = QPushButton(self.tr("Delete…"), right)
        self.delete_button.setObjectName("delete-member")
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.status_button)
        buttons.addStretch(1)
        buttons.addWidget(self.delete_button)
        rv.addLayout(buttons)
        rv.addStretch(1)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(left)
        # the form scrolls when the window is too short for it: a long warning under a
        # field wraps and shows whole (the form grows downwards) instead of being cut
        scroll = QScrollArea(self)
        scroll.setObjectName("member-form-scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(right)
        self.form_scroll = scroll
        scroll.setMinimumWidth(right.minimumSizeHint().width()
                               + scroll.verticalScrollBar().sizeHint().width())
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        outer = QVBoxLayout(self)
        outer.addWidget(splitter)

        # -- timers and signals ----------------------------------------------------------
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._run_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self._id_timer = QTimer(self)
        self._id_timer.setSingleShot(True)
        self._id_timer.setInterval(ID_CHECK_DELAY_MS)
        self._id_timer.timeout.connect(self.check_id_number)
        self.id_edit.textChanged.connect(lambda _t: self._id_timer.start())
        self.status_filter.currentIndexChanged.connect(self._filter_changed)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.model.modelReset.connect(self._update_count)
        self.model.rowsInserted.connect(self._update_count)
        self.new_button.clicked.connect(self.new_member)
        self.save_button.clicked.connect(self.save)
        self.status_button.clicked.connect(self.change_status)
        self.delete_button.clicked.connect(self.delete)
        self._show_member(None)
        # typing kept: leaving the form changed asks save / discard / stay
        self.guard(self.form, save=self.save, may_save=self.save_button.isEnabled)

    # -- loading -----------------------------------------------------------------------

    def reload(self) -> None:
        """Re-read the list (or the current search), keeping the selected member."""
        keep = self.current_id
        if self.model.query is not None:
            self._run_search()  # (re-selects the member shown when the answer comes)
            return
        self.model.reload()
        if keep:
            self._select(keep)

    def _update_count(self, *_args: Any) -> None:
        if self.model.query is not None:
            more = "+" if self.model.canFetchMore() else ""
            self.count_label.setText(self.tr("%1 found").replace(
                "%1", f"{self.model.rowCount()}{more}"))
        else:
            self.count_label.setText(self.tr("%1 members").replace("%1", str(self.model.total)))

    def _sort_changed(self, column: int, order: Qt.SortOrder) -> None:
        if column not in SORT_COLUMNS:
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(self.model.sort_column, self.model.sort_order)
            header.blockSignals(False)
            return
        keep = self.current_id
        self.model.sort(column, order)
        if keep and self.model.query is None:
            self._select(keep)

    def _filter_changed(self, _index: int) -> None:
        self.model.set_status(self.status_filter.currentData())
        if self.model.query is not None:
            self._run_search(select=self.current_id)
        else:
            self.model.reload()
            if self.current_id:
                self._select(self.current_id, load=False)

    # -- search ------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _run_search(self, select: str | None = None) -> None:
        """Search off the UI thread; only the latest query's results are shown (an older
        search's answer is dropped by the operations layer)."""
        self._search_timer.stop()
        query = self.search.text().strip()
        if not query:
            supersede(self, "search")  # (an answer on its way is for a query no longer typed)
            if self.model.query is not None or not self.model.rowCount():
                self.model.reload()
                if select or self.current_id:
                    self._select(select or self.current_id)
            self.searching = False
            return
        status = self.model.status
        # Two passes when the query has a substring tier: the index-only hits show at
        # once, the full answer replaces them a moment later (if it differs).
        two_pass = has_scan_tier(query)
        self.searching = True

        def pass_(index_only: bool):
            return lambda s: search_members(s, query, limit=SEARCH_PAGE, status=status,
                                            index_only=index_only)

        def show(hits) -> None:
            if self.model.query == query and [h.id for h in hits] == self.model.ids():
                return  # the full pass found nothing more
            self.model.show_hits(query, hits)
            keep = select or self.current_id
            if keep:
                self._select(keep, load=False)

        def last(hits) -> None:
            show(hits)
            self.searching = False

        def first(hits) -> None:
            if two_pass and len(hits) < SEARCH_PAGE:
                show(hits)
                QueryOp(self.ctx, self, pass_(False), key="search").success(last) \
                    .failure(failed).run()
            else:
                last(hits)

        def failed(exc: BaseException) -> None:
            self.searching = False
            self._notice(self.ctx.explain(exc))

        QueryOp(self.ctx, self, pass_(two_pass), key="search").success(first) \
            .failure(failed).run()

    # -- selection ---------------------------------------------------------------------

    def _select(self, member_id: str, *, load: bool = True) -> bool:
        """Select a member's row; with ``load``, a member further down the list than the
        rows loaded is selected once the list is loaded up to it (off the GUI thread)."""
        row = self.model.row_of(member_id)
        if row < 0:
            if load:
                self.model.locate(member_id, lambda _row: self._select(member_id, load=False))
            return False
        index = self.model.index(row, 0)
        self._loading_form = True  # the form is already (or about to be) this member
        try:
            self.table.setCurrentIndex(index)
            self.table.selectRow(row)
        finally:
            self._loading_form = False
        self.table.scrollTo(index)
        return True

    def _row_changed(self, current, _previous) -> None:
        if self._loading_form or not current.isValid():
            return
        member_id = current.data(IdRole)
        if member_id and member_id != self.current_id:
            self._notice("")  # (what the last action said is done with)
            if self.form.dirty:
                # asked once the click is done (its own selection would follow the answer)
                QTimer.singleShot(0, lambda: self._leave_for(member_id))
            else:
                self._load_member(member_id)

    def _leave_for(self, member_id: str) -> None:
        """Another row was chosen with the form changed: ask, then show that member, or
        go back to the row of the member being typed (none for a new one)."""
        if member_id == self.current_id:
            return
        if self.may_leave():
            self._select(member_id, load=False)
            self._load_member(member_id)
            return
        self._back_to_current()

    def _back_to_current(self) -> None:
        """The table shows the member in the form again (no row for a new member)."""
        if self.current_id is not None and self._select(self.current_id, load=False):
            return
        self._loading_form = True
        try:
            self.table.clearSelection()
            self.table.setCurrentIndex(QModelIndex())
        finally:
            self._loading_form = False

    def selected_id(self) -> str | None:
        index = self.table.currentIndex()
        return index.data(IdRole) if index.isValid() else None

    def _load_member(self, member_id: str, then=None) -> Op:
        """Read a member into the form (off the GUI thread); ``then()`` once shown."""
        from station_app.domain.services.corrections import decide
        from station_app.domain.services.reads import member_form

        def read(s):
            return member_form(s, member_id), decide(s, "member.delete", "members", member_id)

        def show(answer) -> None:
            values, may_delete = answer
            if values is None:  # (deleted meanwhile)
                return
            self._show_member(member_id, values, may_delete)
            if then is not None:
                then()

        return QueryOp(self.ctx, self, read, key="member") \
            .success(show).failure(lambda exc: self._notice(self.ctx.explain(exc))).run()

    def _show_member(self, member_id: str | None, values: dict[str, Any] | None = None,
                     may_delete=None) -> None:
        self.current_id = member_id
        self.current_status = (values or {}).get("status")
        self.loaded = values  # (its employer link: kept when 工作单位 is saved unchanged)
        self.form.clear_errors()
        self._id_timer.stop()
        blank = {k: ("" if k != "migrant_worker" else False) for k in FORM_FIELDS}
        blank.update({k: v for k, v in (values or {}).items() if k in FORM_FIELDS})
        self.form.set_values(blank)
        self._id_timer.stop()
        self.check_id_number()
        if member_id is None:
            self.title.setText(self.tr("New member"))
            self.status_label.setText("")
        else:
            self.title.setText(self.tr("Member: %1").replace("%1", blank["name"] or ""))
            when = (values or {}).get("status_date")
            text = label(MEMBER_STATUS, self.current_status, self.ctx.lang)
            if when:
                text += f" ({when.isoformat()})"
            self.status_label.setText(self.tr("Status: %1").replace("%1", text))
        offer(self.status_button, self.ctx, "member.status", also=member_id is not None)
        offer(self.save_button, self.ctx,
              "member.create" if member_id is None else "member.edit")
        offer(self.new_button, self.ctx, "member.create")
        # delete: the table's answer for this member (who registered them, when, what
        # refers to them), its reason as the tooltip when not
        self.delete_decision = may_delete
        decision = offer(self.delete_button, self.ctx, "member.delete",
                         also=member_id is not None and may_delete is not None)
        if decision.ok and may_delete is not None and not may_delete.ok:
            self.delete_button.setEnabled(False)
            self.delete_button.setToolTip(may_delete.text(self.ctx.lang))

    def open_record(self, record_id: str) -> Op:
        """Show one member: in the table (leaving a search that hides it) and the form
        (asked first when the form holds unsaved typing)."""
        if record_id != self.current_id and not self.may_leave():
            return Op.refused()
        return self._open(record_id)

    def _open(self, record_id: str) -> Op:
        def shown() -> None:
            if self._select(record_id, load=self.model.query is None
                            and not self.model.status):
                return
            if self.model.query is not None or self.model.status:
                self.search.blockSignals(True)
                self.search.clear()
                self.search.blockSignals(False)
                supersede(self, "search")  # (an answer on its way: no longer asked)
                self.searching = False
                self.status_filter.blockSignals(True)
                self.status_filter.setCurrentIndex(0)
                self.status_filter.blockSignals(False)
                self.model.set_status(None)
                self.model.reload()
                self._select(record_id)

        return self._load_member(record_id, then=shown)

    # -- the form ----------------------------------------------------------------------

    def new_member(self) -> None:
        """A blank form for a new member (asked first when the form holds unsaved
        typing; staying keeps it)."""
        if not self.may_leave():
            return
        supersede(self, "member")  # (a member's form on its way, after a save: not asked)
        self._notice("")
        self.table.clearSelection()
        self._loading_form = True
        self.table.setCurrentIndex(self.model.index(-1, -1))
        self._loading_form = False
        self._show_member(None)
        self.name_edit.setFocus()

    def check_id_number(self) -> None:
        """Show the birth date and gender read from the ID number, or its error in place
        (wrapped, whole)."""
        self._check_id_number()
        for wrapped in (self.form.errors["id_number"], self.derived):
            _FitHeight.fit(wrapped)

    def _check_id_number(self) -> None:
        text = self.id_edit.text().strip()
        error = self.form.errors["id_number"]
        if not text:
            self.derived.setText("")
            error.hide()
            Form._mark(self.id_edit, False)
            return
        try:
            parsed = parse_id_number(text)
        except ValidationError as exc:
            self.derived.setText("")
            sep = "；" if self.ctx.zh else "; "
            error.setText(sep.join(e.message(self.ctx.lang) for e in exc.errors))
            error.show()
            Form._mark(self.id_edit, True)
            return
        error.hide()
        error.clear()
        Form._mark(self.id_edit, False)
        text = self.tr("Born %1, %2").replace("%1", parsed.birth_date.isoformat()).replace(
            "%2", label(GENDER, parsed.gender, self.ctx.lang))
        if parsed.warnings:
            text += " — " + "; ".join(w.message(self.ctx.lang) for w in parsed.warnings)
        self.derived.setText(text)

    def _notice(self, text: str, *, error: bool = True) -> None:
        """A sentence above the form: a refusal in red, a success (``error`` False) in
        the ordinary colour; cleared by the next action (another member, new, save …)."""
        self.notice.setText(text)
        self.notice.setStyleSheet(ERROR_STYLE if error else "")
        self.notice.setProperty("success", not error)
        self.notice.setVisible(bool(text))

    def save(self) -> Op:
        """Register or update the member in the form (off the GUI thread); errors stay
        next to their fields. Returns the ``Op``."""
        self._notice("")
        from station_app.domain.services.reads import member_employer

        values = self.form.values()
        current = self.current_id
        loaded = self.loaded if current is not None else None
        self.form.clear_errors()

        def work(s):
            # 工作单位: the link kept when unchanged, a registered enterprise's exact name
            # linked, else the text as typed
            values.update(member_employer(s, values.get("employer_name"), loaded))
            member = register_member(s, values) if current is None \
                else update_member(s, current, values)
            return member.id

        def saved(saved_id: str) -> None:
            self.form.mark_clean()  # (kept: nothing typed is unsaved now)
            in_view = self.model.row_of(saved_id) >= 0
            self.current_id = saved_id
            self.refresh_now()  # (a visible page reloaded when the change was published)
            self._load_member(saved_id)
            if self.model.query is None:
                self._select(saved_id)
            elif in_view:  # the re-run search re-selects it; show the new values meanwhile
                self.model.refresh_rows()
                self._select(saved_id, load=False)
            else:  # a new member the search does not show: back to the list, selected
                self._open(saved_id)
            self._update_count()

        def refused(exc: BaseException) -> None:
            if isinstance(exc, DuplicateMember):
                name = exc.errors[0].params.get("name", "") if exc.errors else ""
                self._open(exc.existing_id)
                self._notice(self.tr(
                    "This ID number is already registered to the active member %1, shown "
                    "here.").replace("%1", name))
            elif isinstance(exc, ValidationError):
                self.form.show_errors(exc)
            else:
                self.form.show_failure(self.ctx, exc)

        if self.form.saving is not None and not self.form.saving.done:
            return Op.refused()
        self.form.saving = WriteOp(self.ctx, self, work).success(saved).failure(refused) \
            .busy(self.save_button).run()
        return self.form.saving

    # -- delete ------------------------------------------------------------------------

    def delete(self) -> Op:
        """Delete the member shown, registered in error, after asking: a tombstone that
        sync carries, refused (the sentence shown) while anything refers to them."""
        member_id, name = self.current_id, self.name_edit.text()
        if member_id is None:
            return Op.refused()
        box = QMessageBox(QMessageBox.Icon.Warning, self.tr("Delete member"), self.tr(
            "Delete %1? Only a member registered in error is deleted; a member who left is "
            "recorded with Change status.").replace("%1", name),
            QMessageBox.StandardButton.NoButton, self)
        box.setObjectName("confirm-delete")
        yes = box.addButton(self.tr("Delete"), QMessageBox.ButtonRole.DestructiveRole)
        yes.setObjectName("delete")
        box.setDefaultButton(box.addButton(self.tr("Cancel"), QMessageBox.ButtonRole.RejectRole))
        box.defaultButton().setObjectName("cancel")
        clicked = ask(self, box)
        if clicked is not yes:
            return Op.refused()
        self._notice("")

        def deleted(_member) -> None:
            self._show_member(None)  # (a blank form: a new member)
            self.refresh_now()
            self._notice(self.tr("%1 was deleted.").replace("%1", name), error=False)

        return self.write(lambda s: delete_member(s, member_id), success=deleted,
                          failure=lambda exc: self._notice(self.ctx.explain(exc)),
                          busy=(self.delete_button,))

    # -- status ------------------------------------------------------------------------

    def change_status(self) -> StatusDialog | None:
        """Open the status dialog (window-modal, not blocking) for the current member."""
        if self.current_id is None:
            return None
        dialog = StatusDialog(self.ctx, self.current_id, self.current_status, self)
        member_id = self.current_id

        def accepted() -> None:
            self.refresh_now()
            self._load_member(member_id)
            self.model.refresh_rows()

        dialog.accepted.connect(accepted)
        dialog.finished.connect(dialog.deleteLater)
        self.status_dialog = dialog
        dialog.open()
        return dialog


__all__ = ["MembersPage", "StatusDialog"]
