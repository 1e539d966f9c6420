"""Small read-only table models shared by the pages, and how their lists are laid out.

``read_only_table`` is the one list view; it shows a cell's full text on hover where the
cell is too narrow for it (``ElidedTips``), and nowhere else. ``fit_columns`` sizes a
list's columns to their header (sort indicator included) and content, never cutting a
header ("Gende"); one column may take the room left.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from station_app.ui.qt import (
    QAbstractItemModel,
    QAbstractItemView,
    QAbstractTableModel,
    QDate,
    QDateEdit,
    QEvent,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QModelIndex,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
    QTableView,
    QToolTip,
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


def elided(view: QAbstractItemView, index: QModelIndex) -> bool:
    """Whether a cell's text is cut (shown with "…") at the cell's present width."""
    text = index.data(Qt.ItemDataRole.DisplayRole)
    if text is None or text == "":
        return False
    option = QStyleOptionViewItem()
    option.initFrom(view)
    option.rect = view.visualRect(index)
    delegate = view.itemDelegateForIndex(index)
    if isinstance(delegate, QStyledItemDelegate):
        delegate.initStyleOption(option, index)
    style = view.style()
    room = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, option, view).width()
    # (the style keeps a text margin inside that rectangle on each side)
    margin = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, view) + 1
    return option.fontMetrics.horizontalAdvance(str(text)) > room - 2 * margin


def cell_tip(view: QAbstractItemView, index: QModelIndex) -> str:
    """The tooltip a cell shows: its own (``ToolTipRole``) when it says more than the
    text, else the full text where the cell cuts it, else none."""
    text = index.data(Qt.ItemDataRole.DisplayRole)
    tip = index.data(Qt.ItemDataRole.ToolTipRole)
    if tip not in (None, "") and str(tip) != str(text):
        return str(tip)
    return str(text) if elided(view, index) else ""


class ElidedTips(QStyledItemDelegate):
    """A cell's full text on hover where the cell cuts it; no tooltip where it fits."""

    def helpEvent(self, event, view, option, index) -> bool:  # noqa: N802 (Qt name)
        if event is None or event.type() != QEvent.Type.ToolTip or not index.isValid():
            return super().helpEvent(event, view, option, index)
        tip = cell_tip(view, index)
        if tip:
            QToolTip.showText(event.globalPos(), tip, view)
        else:
            QToolTip.hideText()
        return True


def fit_columns(view: QTableView, *, stretch: int | None = None,
                samples: dict[int, str] | None = None, contents: bool = True,
                most: int = 420) -> dict[int, int]:
    """Size every column to its header (the sort indicator's room included: a header is
    never cut) and to its content — the rows on screen (``contents``) and a ``samples``
    text per column (the widest value it holds: a masked ID number, a date …), at most
    ``most`` pixels for content (longer text is cut, its full text on hover). Columns stay
    resizable by hand. ``stretch``: the column that takes the room left (an enterprise's
    name); the view then never gets narrower than the columns' widths, so a narrow pane
    scrolls instead of cutting headers. Returns the widths given."""
    header = view.horizontalHeader()
    model = view.model()
    metrics = view.fontMetrics()
    pad = 2 * (view.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None,
                                        view) + 1) + 8
    widths: dict[int, int] = {}
    for column in range(model.columnCount() if model is not None else 0):
        need = header.sectionSizeHint(column)
        if contents:
            need = max(need, min(most, view.sizeHintForColumn(column)))
        if samples and column in samples:
            need = max(need, min(most, metrics.horizontalAdvance(samples[column]) + pad))
        widths[column] = need
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(column, need)
    if stretch is not None and stretch in widths:
        header.setStretchLastSection(False)
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
        view.setMinimumWidth(sum(widths.values()) + 2 * view.frameWidth()
                             + view.verticalScrollBar().sizeHint().width())
    return widths


def read_only_table(parent: QWidget | None, model: QAbstractItemModel | None = None, *,
                    fit_contents: bool = True) -> QTableView:
    """The pages' list view: whole rows selected one at a time, no editing, no row
    numbers, alternating row colours, a cut cell's full text on hover (``ElidedTips``).
    ``fit_contents``: columns sized to their contents (off for long lists, where Qt would
    measure every row: call ``fit_columns`` once the first rows are in)."""
    view = QTableView(parent)
    view.setItemDelegate(ElidedTips(view))
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
