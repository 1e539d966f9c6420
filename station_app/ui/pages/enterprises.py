"""Enterprises (企业): the list with a name/code filter, the detail form (register, or
correct the chosen one), deleting one registered in error (a tombstone, only while no
visit, member or watch-list entry refers to it — the permission table's rule, the
service's sentence otherwise), the watch list (劳资隐患重点监管) with its history, and the
visits of the selected enterprise. Names are never elided: the list's columns fit their
content, and every cell has its full text as a tooltip.

``RowsModel`` (a plain read-only table of tuples, one key per row) is shared with the
other work pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from station_app.domain.choices import OPERATING_STATUS, VISIT_KIND, WATCH_ACTION, label
from station_app.domain.pinyin import sort_key
from station_app.ui.forms import Form
from station_app.ui.pages import Page
from station_app.ui.permissions import offer
from station_app.ui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QModelIndex,
    QPersistentModelIndex,
    QPlainTextEdit,
    QPushButton,
    QSortFilterProxyModel,
    QSplitter,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTimer,
    QVBoxLayout,
    QWidget,
)
from station_app.ui.tables import fit_columns, read_only_table

KEY_ROLE = Qt.ItemDataRole.UserRole
SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # (the names column: its pinyin sort key)


class RowsModel(QAbstractTableModel):
    """Read-only rows of display values; ``keys[i]`` is the record id of row i.
    ``names``: the column of names, sorted in pinyin order (``pinyin.sort_key``)."""

    def __init__(self, headers: Sequence[str], parent=None, *, names: int | None = None):
        super().__init__(parent)
        self.headers = list(headers)
        self.names = names
        self.rows: list[tuple] = []
        self.keys: list[Any] = []

    def set_rows(self, rows: Sequence[tuple], keys: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = [tuple(r) for r in rows]
        self.keys = list(keys)
        self.endResetModel()

    def rowCount(self, parent=None) -> int:  # noqa: N802 (Qt name)
        return 0 if parent is not None and parent.isValid() else len(self.rows)

    def columnCount(self, parent=None) -> int:  # noqa: N802 (Qt name)
        return 0 if parent is not None and parent.isValid() else len(self.headers)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self.rows)):
            return None
        value = self.rows[index.row()][index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return "" if value is None else str(value)
        if role == KEY_ROLE:
            return self.keys[index.row()]
        if role == SORT_ROLE:  # (a name in pinyin order, as the members list)
            if index.column() == self.names:
                return sort_key(None if value is None else str(value))
            return value if isinstance(value, int | float) else ("" if value is None
                                                                 else str(value))
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int) \
                and not isinstance(value, bool):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.headers):
            return self.headers[section]
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def key_at(self, row: int) -> Any:
        return self.keys[row] if 0 <= row < len(self.keys) else None


def fill_table_widget(table: QTableWidget, headers: Sequence[str], rows: Sequence[tuple]) -> None:
    """Fill a small read-only QTableWidget (histories, sub-lists)."""
    table.clear()
    table.setColumnCount(len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem("" if value is None else str(value))
            item.setToolTip(item.text())
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()


def small_table(parent: QWidget | None = None) -> QTableWidget:
    table = QTableWidget(parent)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table


class NameCodeFilter(QSortFilterProxyModel):
    """Keeps rows whose name (column 0) or credit code (column 1) contains the text."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._text = ""
        self.setSortRole(SORT_ROLE)

    def set_text(self, text: str) -> None:
        if hasattr(self, "beginFilterChange"):  # Qt ≥ 6.9
            self.beginFilterChange()
            self._text = text.strip().lower()
            self.endFilterChange(QSortFilterProxyModel.Direction.Rows)
        else:
            self._text = text.strip().lower()
            self.invalidateRowsFilter()

    def filterAcceptsRow(self, row: int, parent) -> bool:  # noqa: N802 (Qt name)
        if not self._text:
            return True
        model = self.sourceModel()
        for col in (0, 1):
            value = model.data(model.index(row, col, parent)) or ""
            if self._text in value.lower():
                return True
        return False


def refusal(ctx, exc: BaseException) -> str:
    """Why a correction was not done, as a sentence: a refusal's own messages (the
    permission table's "不能删除企业：还有记录引用它（1 条走访记录）"), else
    ``AppContext.explain``."""
    from station_app.domain.validation import ValidationError

    if isinstance(exc, ValidationError):
        return ("；" if ctx.zh else "; ").join(e.message(ctx.lang) for e in exc.errors)
    return ctx.explain(exc)


# form field (named like the service's error field) → service data key
FIELD_TO_DATA = {
    "enterprise_name": "name",
    "credit_code": "credit_code",
    "address": "address",
    "industry": "industry",
    "employee_count": "headcount",
    "union_established": "union_established",
    "union_chair": "union_chair",
    "contact_phone": "contact_phone",
    "notes": "notes",
}


class EnterprisesPage(Page):
    key = "enterprises"
    watches = frozenset({"enterprises", "watch_list_entries", "visits"})

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.current_id: str | None = None
        self._shown_id: str | None = None  # the enterprise the form was last filled with
        self._pending_select: str | None = None
        self.loaded = False

        outer = QVBoxLayout(self)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(splitter)

        # -- list --------------------------------------------------------------------
        left = QWidget(splitter)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        self.filter_edit = QLineEdit(left)
        self.filter_edit.setPlaceholderText(self.tr("Filter by name or credit code"))
        self.filter_edit.setClearButtonEnabled(True)
        top.addWidget(self.filter_edit, 1)
        self.new_button = QPushButton(self.tr("New enterprise"), left)
        top.addWidget(self.new_button)
        lv.addLayout(top)
        self.model = RowsModel([
            self.tr("Name"), self.tr("Credit code"), self.tr("Industry"), self.tr("Headcount"),
            self.tr("Union established"), self.tr("On watch list"),
        ], self, names=0)
        self.proxy = NameCodeFilter(self)
        self.proxy.setSourceModel(self.model)
        self.table = read_only_table(left, fit_contents=False)
        self.table.setObjectName("enterprises-table")
        self.table.setModel(self.proxy)
        self.table.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.table.horizontalHeader().setResizeContentsPrecision(-1)  # (every row measured)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        lv.addWidget(self.table, 1)
        self.count_label = QLabel(left)
        lv.addWidget(self.count_label)

        # -- detail ------------------------------------------------------------------
        right = QTabWidget(splitter)
        self.tabs = right
        detail = QWidget()
        dv = QVBoxLayout(detail)
        self.title_label = QLabel(self.tr("New enterprise"), detail)
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)
        dv.addWidget(self.title_label)
        self.form = Form(ctx.lang, detail)
        f = self.form
        f.line("enterprise_name", self.tr("Name *"))
        f.line("credit_code", self.tr("Credit code"), self.tr("18 characters"))
        f.line("address", self.tr("Address"))
        f.line("industry", self.tr("Industry"))
        f.line("employee_count", self.tr("Headcount"))
        f.add("union_established", self.tr("Union established"), QCheckBox(detail))
        f.line("union_chair", self.tr("Union chair"))
        f.line("contact_phone", self.tr("Contact phone"))
        notes = QPlainTextEdit(detail)
        notes.setMaximumHeight(70)
        f.add("notes", self.tr("Notes"), notes)
        dv.addWidget(f)
        self.save_button = QPushButton(self.tr("Register"), detail)
        self.save_button.setObjectName("save-enterprise")
        self.save_button.setDefault(True)
        self.delete_button = QPushButton(self.tr("Delete…"), detail)
        self.delete_button.setObjectName("delete-enterprise")
        self.delete_button.clicked.connect(lambda: self.delete_current())
        form_buttons = QHBoxLayout()
        form_buttons.addWidget(self.delete_button)
        form_buttons.addStretch(1)
        form_buttons.addWidget(self.save_button)
        dv.addLayout(form_buttons)
        self.message = QLabel(detail)
        self.message.setWordWrap(True)
        dv.addWidget(self.message)

        watch = QGroupBox(self.tr("Labour-risk watch list"), detail)
        wv = QVBoxLayout(watch)
        self.watch_status = QLabel(watch)
        wv.addWidget(self.watch_status)
        self.watch_form = Form(ctx.lang, watch)
        self.watch_form.line("reason", self.tr("Reason *"))
        wv.addWidget(self.watch_form)
        wb = QHBoxLayout()
        self.list_button = QPushButton(self.tr("Put on watch list"), watch)
        self.unlist_button = QPushButton(self.tr("Remove from watch list"), watch)
        wb.addWidget(self.list_button)
        wb.addWidget(self.unlist_button)
        wb.addStretch(1)
        wv.addLayout(wb)
        dv.addWidget(watch)
        self.watch_box = watch
        dv.addStretch(1)
        right.addTab(detail, self.tr("Details"))

        self.history = small_table()
        right.addTab(self.history, self.tr("Watch history"))
        self.visits = small_table()
        right.addTab(self.visits, self.tr("Visits"))
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        self.filter_edit.textChanged.connect(self._filter)
        self.new_button.clicked.connect(self.new_enterprise)
        self.save_button.clicked.connect(self.save)
        self.list_button.clicked.connect(self.put_on_watch)
        self.unlist_button.clicked.connect(self.remove_from_watch)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.new_enterprise(ask=False)
        # leaving with the form changed asks save / discard / stay (``Form.ask_to_leave``)
        self.guard(self.form, save=self.save, may_save=self.save_button.isEnabled)

    # -- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        from station_app.domain.services.reads import enterprise_list

        self.query(enterprise_list, key="list", success=self._loaded, failure=self._failed)

    def _loaded(self, rows: list[tuple]) -> None:
        yes, no = self.tr("Yes"), self.tr("No")
        shown = [(n, c or "", ind or "", h if h is not None else "", yes if u else no,
                  yes if w else no) for _i, n, c, ind, h, u, w in rows]
        self.model.set_rows(shown, [r[0] for r in rows])
        self.fit_columns()
        self._update_count()
        self.loaded = True
        want = self._pending_select or self.current_id
        self._pending_select = None
        if want:
            self._select(want)
            self._show(want)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(self.ctx.explain(exc))

    def fit_columns(self) -> None:
        fit_columns(self.table, most=1000)  # a name is never cut

    def _update_count(self) -> None:
        self.count_label.setText(self.tr("%1 of %2 enterprises")
                                 .replace("%1", str(self.proxy.rowCount()))
                                 .replace("%2", str(self.model.rowCount())))

    def _filter(self, text: str) -> None:
        self.proxy.set_text(text)
        self._update_count()

    def _select(self, enterprise_id: str) -> None:
        try:
            row = self.model.keys.index(enterprise_id)
        except ValueError:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.table.selectionModel().blockSignals(True)
            self.table.setCurrentIndex(index)
            self.table.selectionModel().blockSignals(False)
            self.table.scrollTo(index)

    def _row_changed(self, current: QModelIndex, _previous=None) -> None:
        if not current.isValid():
            return
        key = self.proxy.data(current, KEY_ROLE)
        if not key or key == self.current_id:
            return
        if self.form.dirty:  # (asked once the selection change is over)
            QTimer.singleShot(0, lambda: self._leave_for(key))
        else:
            self._show(key)

    def _leave_for(self, enterprise_id: str) -> None:
        """Another row was chosen with the form changed: ask, then show that enterprise,
        or go back to the row of the one being typed (none for a new one)."""
        if self.may_leave():
            self._select(enterprise_id)
            self._show(enterprise_id)
        elif self.current_id:
            self._select(self.current_id)
        else:
            self.table.selectionModel().blockSignals(True)
            self.table.clearSelection()
            self.table.setCurrentIndex(QModelIndex())
            self.table.selectionModel().blockSignals(False)

    def open_record(self, record_id: str) -> None:
        if record_id != self.current_id and not self.may_leave():
            return
        if self.loaded and record_id in self.model.keys:
            self._select(record_id)
            self._show(record_id)
        else:
            self._pending_select = record_id
            self.current_id = record_id
            self._stale = True
            if self.isVisible():
                self.activate()

    # -- detail --------------------------------------------------------------------------

    def new_enterprise(self, *, ask: bool = True) -> None:
        """A blank form for a new enterprise (the form changed asks first: save /
        discard / stay)."""
        if ask and not self.may_leave():
            return
        self.current_id = None
        self._shown_id = None
        self.table.clearSelection()
        self.form.clear_errors()
        self.form.set_values({f: None for f in FIELD_TO_DATA})
        self.title_label.setText(self.tr("New enterprise"))
        self.save_button.setText(self.tr("Register"))
        offer(self.save_button, self.ctx, "enterprise.create")
        offer(self.new_button, self.ctx, "enterprise.create")
        offer(self.delete_button, self.ctx, "enterprise.delete", also=False,
              tip=self.tr("Choose an enterprise in the list first."))
        self.message.clear()
        self.watch_box.setEnabled(False)
        self.watch_status.clear()
        fill_table_widget(self.history, [], [])
        fill_table_widget(self.visits, [], [])
        self.form.widgets["enterprise_name"].setFocus()

    def _show(self, enterprise_id: str) -> None:
        """Load one enterprise into the form, with its history and visits."""
        from station_app.domain.services.reads import enterprise_detail

        self.query(lambda s: enterprise_detail(s, enterprise_id), key="detail",
                   success=self._shown, failure=self._failed)

    def _shown(self, detail) -> None:
        if detail is None:
            return
        lang = self.ctx.lang
        self.current_id = detail.id
        same = self._shown_id == detail.id  # (reloaded: after a save, a sync …)
        self._shown_id = detail.id
        if not (same and self.form.dirty):  # (typing under way is kept)
            self.form.clear_errors()
            self.form.set_values({f: detail.values[d] for f, d in FIELD_TO_DATA.items()})
        self.title_label.setText(detail.name)
        self.save_button.setText(self.tr("Save changes"))
        if not same:  # ("Saved." stays once the list shows what was saved)
            self.message.clear()
        self.watch_box.setEnabled(True)
        listed = self.watch_listed = detail.listed
        self.watch_status.setText(self.tr("On the watch list") if listed
                                  else self.tr("Not on the watch list"))
        offer(self.list_button, self.ctx, "watch.list", also=not listed)
        offer(self.unlist_button, self.ctx, "watch.unlist", also=listed,
              why_not=self.tr("Only the district office (区总工会) can remove an enterprise "
                              "from the watch list. Ask the district office if the risk is "
                              "resolved."))
        offer(self.save_button, self.ctx, "enterprise.edit")
        self._offer_delete(detail.id)
        self.watch_form.clear_errors()
        history = [(d.isoformat(), label(WATCH_ACTION, a, lang), reason, by)
                   for d, a, reason, by in detail.history]
        visits = [(d.isoformat(), label(VISIT_KIND, k, lang), who,
                   label(OPERATING_STATUS, status, lang), findings)
                  for d, k, who, status, findings in detail.visits]
        fill_table_widget(self.history, [self.tr("Date"), self.tr("Action"), self.tr("Reason"),
                                         self.tr("By")], history)
        fill_table_widget(self.visits, [self.tr("Date"), self.tr("Kind"), self.tr("Visitors"),
                                        self.tr("Operating status"), self.tr("Findings")],
                          visits)

    def form_data(self) -> dict[str, Any]:
        values = self.form.values()
        return {FIELD_TO_DATA[f]: v for f, v in values.items() if f in FIELD_TO_DATA}

    def save(self):
        """Register the enterprise in the form, or save its changes (off the GUI thread;
        errors in place); returns the ``Op``."""
        from station_app.domain.services import enterprises as svc

        data = self.form_data()
        current = self.current_id
        self.message.clear()

        def work(s):
            if current:
                return svc.update_enterprise(s, current, data).id
            return svc.register_enterprise(s, data).id

        def saved(new_id: str) -> None:
            self.current_id = new_id
            self._pending_select = new_id
            self.message.setText(self.tr("Saved."))
            self.refresh_now()  # (a visible page reloaded already)

        return self.form.submit(self.ctx, work, saved=saved, busy=(self.save_button,))

    # -- deleting --------------------------------------------------------------------------

    def _offer_delete(self, enterprise_id: str) -> None:
        """Delete offered as the permission table judges this enterprise (who registered
        it and when, what refers to it — read off the GUI thread): disabled, with the
        table's sentence, while visits or members refer to it."""
        from station_app.domain.services.reads import record_facts

        offer(self.delete_button, self.ctx, "enterprise.delete")

        def facts(record) -> None:
            if record is not None and self.current_id == enterprise_id:
                offer(self.delete_button, self.ctx, "enterprise.delete", record)

        self.query(lambda s: record_facts(s, "enterprises", enterprise_id), key="facts",
                   success=facts)

    def delete_current(self, *, confirm: bool = True):
        """Delete the enterprise shown (registered in error): asked first, then a
        tombstone (kept, audited, carried by sync). Refused, with the service's sentence
        (what refers to it), while visits, members or its watch-list history do. Returns
        the ``Op``."""
        from station_app.domain.services import enterprises as svc
        from station_app.ui.operations import Op

        current = self.current_id
        if not current:
            self.message.setText(self.tr("Choose an enterprise in the list first."))
            return Op.refused()
        name = self.title_label.text()
        if confirm and QMessageBox.question(
                self, self.tr("Delete an enterprise"),
                self.tr("Delete the enterprise %1? Do this only for an enterprise registered "
                        "in error.").replace("%1", name)
        ) != QMessageBox.StandardButton.Yes:
            return Op.refused()

        def done(_id) -> None:
            self.new_enterprise(ask=False)
            self.message.setText(self.tr("Deleted %1.").replace("%1", name))
            self.refresh_now()

        return self.write(lambda s: svc.delete_enterprise(s, current).id, success=done,
                          failure=lambda exc: self.message.setText(refusal(self.ctx, exc)),
                          busy=(self.delete_button,))

    # -- watch list ----------------------------------------------------------------------

    def put_on_watch(self):
        from station_app.domain.services import enterprises as svc

        return self._watch_change(svc.list_on_watch)

    def remove_from_watch(self):
        from station_app.domain.services import enterprises as svc
        from station_app.ui.operations import Op

        if self.current_id and not self.ctx.may("watch.unlist"):
            QMessageBox.information(self, self.tr("Remove from watch list"), self.tr(
                "Only the district office (区总工会) can remove an enterprise from the watch "
                "list. Ask the district office if the risk is resolved."))
            return Op.refused()
        return self._watch_change(svc.unlist_from_watch)

    def _watch_change(self, service):
        """List or unlist the current enterprise with the reason typed; errors in place.
        Returns the ``Op``."""
        from station_app.ui.operations import Op

        if not self.current_id:
            return Op.refused()
        reason, current = self.watch_form.values()["reason"], self.current_id

        def saved(_result) -> None:
            self.watch_form.set_values({"reason": ""})
            self.watch_form.clear_errors()
            self._pending_select = current
            if self.isVisible():
                self._show(current)
            self.refresh_now()

        return self.watch_form.submit(self.ctx, lambda s: service(s, current, reason),
                                      saved=saved,
                                      busy=(self.list_button, self.unlist_button))
