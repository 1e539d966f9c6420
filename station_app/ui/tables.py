"""Small read-only table models shared by the pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from station_app.ui.qt import (
    QAbstractItemModel,
    QAbstractItemView,
    QAbstractTableModel,
    QDate,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QModelIndex,
    Qt,
    QTableView,
    QWidget,
)


class RowsModel(QAbstractTableModel):
    """A read-only table over a list of rows; columns are (header, text getter)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.columns: list[tuple[str, Callable[[Any], str]]] = []
        self.numeric: set[int] = set()
        self.rows: list[Any] = []

    def set_rows(self, rows: list[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self.columns):
                return self.columns[section][0]
            return None
        return str(section + 1)

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not (0 <= index.row() < len(self.rows)) \
                or not (0 <= index.column() < len(self.columns)):
            return None
        row = self.rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.columns[index.column()][1](row)
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.foreground(row)
        if role == Qt.ItemDataRole.UserRole:
            return getattr(row, "id", None)
        return None

    def foreground(self, row: Any):
        return None


def read_only_table(parent: QWidget | None, model: QAbstractItemModel | None = None, *,
                    fit_contents: bool = True) -> QTableView:
    """The pages' list view: whole rows selected one at a time, no editing, no row
    numbers, alternating row colours. ``fit_contents``: columns sized to their contents
    (off for long lists, where Qt would measure every row)."""
    view = QTableView(parent)
    if model is not None:
        view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    if fit_contents:
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    view.horizontalHeader().setStretchLastSection(True)
    view.verticalHeader().setVisible(False)
    view.setAlternatingRowColors(True)
    return view


def as_of_bar(parent: QWidget, label: str, reload) -> tuple[QHBoxLayout, QDateEdit]:
    """The "as of <date>" row of the report pages: today by default, a calendar, and
    ``reload()`` when the date changes. Returns the row (more widgets may follow) and the
    date field."""
    bar = QHBoxLayout()
    bar.addWidget(QLabel(label, parent))
    edit = QDateEdit(QDate.currentDate(), parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.dateChanged.connect(lambda _d: reload())
    bar.addWidget(edit)
    bar.addStretch(1)
    return bar, edit
