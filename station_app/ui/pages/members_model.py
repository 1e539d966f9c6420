"""The members table model: ids first, row data later, never every ORM object.

The list mode reads the ordered ids in pages with a keyset (``(sort key, id) > last``)
from the covering indexes and grows the visible row count through ``fetchMore``. Row data
(name, gender, employer …) is read by id in chunks of ``CHUNK`` only when a row is asked
for (painted). The search mode shows the ids of ``search_members`` hits (paged with the
hits' cursor) and reads their rows the same way.

This model is the one exception to "no reads on the GUI thread": a bounded keyset page
(at most ``MAX_PAGE`` ids, ``CHUNK`` rows or ``SEARCH_PAGE`` hits) is read where Qt asks
for it — ``fetchMore``, a painted row — through the named service reads
(``services.reads.member_id_page`` …), each well under a frame (16 ms) at 100,000
members (``bench/members_page.py`` measures it). Anything unbounded — loading the list up
to a member far down it — runs off the GUI thread (``locate``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from station_app.domain.choices import GENDER, MEMBER_STATUS, label
from station_app.domain.services import reads
from station_app.domain.services.members import MemberHit, search_members
from station_app.domain.validation import mask_id_number
from station_app.ui.context import AppContext
from station_app.ui.qt import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

PAGE = 500  # ids per fetchMore, at first
MAX_PAGE = 5_000  # ids per fetchMore at most (pages grow with the list up to this)
CHUNK = 200  # rows of data per read
SEARCH_PAGE = 50  # hits per search page (more come with fetchMore)
CACHE_LIMIT = 20_000  # row data kept before the cache is emptied

# column index → the sort order of the list (``services.reads.MEMBER_ORDERS``)
COL_NAME, COL_GENDER, COL_ID, COL_PHONE, COL_EMPLOYER, COL_JOIN, COL_STATUS = range(7)
SORT_COLUMNS = {
    COL_NAME: "name",
    COL_ID: "id_number",
    COL_PHONE: "phone",
    COL_JOIN: "join_date",
    COL_STATUS: "status",
}

# the record's id, on every cell
IdRole = Qt.ItemDataRole.UserRole + 1
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole


class MembersTableModel(QAbstractTableModel):
    """Lazy members table; see the module docstring."""

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.status: str | None = None
        self.sort_column = COL_NAME
        self.sort_order = Qt.SortOrder.AscendingOrder
        self._ids: list[str] = []
        self._rows: dict[str, tuple] = {}
        self._shown: dict[str, tuple] = {}  # formatted texts per member id
        # list mode: keyset cursor (sort key, id) of the last loaded id; None = start
        self._cursor: tuple[Any, str] | None = None
        self._more = False
        self.total = 0
        # search mode
        self.query: str | None = None
        self._hit_cursor: tuple[int, str, str] | None = None
        self._resets = 0  # a located page belongs to the list it was asked for

    # -- reading -----------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        """True while the list is being loaded up to a member (``locate``)."""
        from station_app.ui.operations import running

        return running(self) > 0

    @property
    def station_id(self) -> str | None:
        """No station filter: a station's file holds only its own members (transfers make
        a new row at the destination), and the filter would cost a table read per row."""
        return None

    @property
    def _descending(self) -> bool:
        return self.sort_order == Qt.SortOrder.DescendingOrder

    def _read_ids(self, limit: int) -> list[tuple[Any, str]]:
        """The next ``limit`` (sort key, id) pairs after the cursor (a bounded keyset
        page, read here on the GUI thread)."""
        with self.ctx.db.reader() as s:
            return reads.member_id_page(s, order=SORT_COLUMNS[self.sort_column],
                                        descending=self._descending, status=self.status,
                                        after=self._cursor, limit=limit)

    def _append_ids(self, pairs: Sequence[tuple[Any, str]], more: bool) -> None:
        if pairs:
            first = len(self._ids)
            self.beginInsertRows(QModelIndex(), first, first + len(pairs) - 1)
            self._ids.extend(i for _k, i in pairs)
            self._cursor = pairs[-1]
            self._more = more
            self.endInsertRows()
        else:
            self._more = False

    def reload(self) -> None:
        """Back to the list (or the current search re-read is the page's job): first page."""
        self.beginResetModel()
        self._resets += 1
        self.query = None
        self._hit_cursor = None
        self._ids = []
        self._rows = {}
        self._shown = {}
        self._cursor = None
        self._more = False
        pairs = self._read_ids(PAGE + 1)
        more = len(pairs) > PAGE
        pairs = pairs[:PAGE]
        self._ids = [i for _k, i in pairs]
        self._cursor = pairs[-1] if pairs else None
        self._more = more
        with self.ctx.db.reader() as s:
            self.total = reads.member_count(s, self.status)
        self.endResetModel()

    def set_status(self, status: str | None) -> None:
        self.status = status or None

    def show_hits(self, query: str, hits: list[MemberHit]) -> None:
        """Switch to search results (the first page of hits)."""
        self.beginResetModel()
        self._resets += 1
        self.query = query
        self._ids = [h.id for h in hits]
        self._rows = {}
        self._shown = {}
        self._more = len(hits) >= SEARCH_PAGE
        self._hit_cursor = hits[-1].cursor if hits else None
        self.total = len(hits)
        self.endResetModel()

    def search_page(self, after: tuple[int, str, str] | None = None) -> list[MemberHit]:
        """One page of hits for the current query (used by fetchMore)."""
        with self.ctx.db.reader() as s:
            return search_members(s, self.query or "", limit=SEARCH_PAGE, after=after,
                                  station_id=self.station_id, status=self.status)

    def refresh_rows(self) -> None:
        """Forget the cached row data (after an edit) and repaint."""
        self._rows = {}
        self._shown = {}
        if self._ids:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._ids) - 1, self.columnCount() - 1))

    def _load_chunk(self, row: int) -> None:
        if len(self._rows) > CACHE_LIMIT:
            self._rows = {}
            self._shown = {}
        wanted = [i for i in self._ids[row: row + CHUNK] if i not in self._rows]
        if not wanted:
            return
        with self.ctx.db.reader() as s:
            for row in reads.member_rows(s, wanted):
                self._rows[row[0]] = row
        for i in wanted:  # deleted meanwhile: show an empty row rather than ask again
            self._rows.setdefault(i, (i, "", None, "", None, None, None, None))

    def row_data(self, row: int) -> tuple:
        member_id = self._ids[row]
        if member_id not in self._rows:
            self._load_chunk(row)
        return self._rows[member_id]

    # -- ids and rows ------------------------------------------------------------------

    def ids(self) -> list[str]:
        """The ids shown, in order (a copy)."""
        return list(self._ids)

    def member_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, member_id: str) -> int:
        """The row of a member among those loaded; -1 if not (yet) shown."""
        try:
            return self._ids.index(member_id)
        except ValueError:
            return -1

    def locate(self, member_id: str, then: Callable[[int], None]):
        """Load the list up to a member further down than the rows loaded, off the GUI
        thread (it may be tens of thousands of ids), then ``then(row)`` (-1: the list
        does not hold it). Returns the ``Op``, or None when there is nothing to load."""
        from station_app.ui.operations import QueryOp

        if self.query is not None or not self._more:
            return None
        order, descending, status = SORT_COLUMNS[self.sort_column], self._descending, \
            self.status
        cursor, resets = self._cursor, self._resets

        def read(s):
            found, key = reads.member_sort_key(s, member_id, order=order, status=status)
            if not found:
                return [], []
            upto = reads.member_id_page(s, order=order, descending=descending,
                                        status=status, after=cursor, limit=None,
                                        until=(key, member_id))
            if not upto or upto[-1][1] != member_id:
                return [], []
            # one more page after it, so the list keeps growing normally
            return upto, reads.member_id_page(s, order=order, descending=descending,
                                              status=status, after=upto[-1],
                                              limit=PAGE + 1)

        def located(answer) -> None:
            upto, after = answer
            if resets != self._resets or cursor != self._cursor:
                then(self.row_of(member_id))  # the list changed meanwhile
                return
            if upto:
                self._append_ids(upto, True)
                self._append_ids(after[:PAGE], len(after) > PAGE)
            then(self.row_of(member_id))

        return QueryOp(self.ctx, self, read, key="locate").success(located).run()

    # -- Qt model API ------------------------------------------------------------------

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else 7

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        headers = (self.tr("Name"), self.tr("Gender"), self.tr("ID number"), self.tr("Phone"),
                   self.tr("Employer"), self.tr("Join date"), self.tr("Status"))
        return headers[section] if 0 <= section < len(headers) else None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # The view asks for a dozen roles per cell on every paint: answer the ones we do
        # not serve before touching anything else.
        if role != _DISPLAY and role != _TOOLTIP and role != IdRole:
            return None
        row = index.row()
        if not 0 <= row < len(self._ids):
            return None
        if role == IdRole:
            return self._ids[row]
        return self._display(row)[index.column()]

    def _display(self, row: int) -> tuple:
        """The row's texts, formatted once and cached with the row."""
        member_id = self._ids[row]
        shown = self._shown.get(member_id)
        if shown is None:
            _id, name, gender, id_number, phone, employer, join, status = self.row_data(row)
            lang = self.ctx.lang
            shown = (name, label(GENDER, gender, lang), mask_id_number(id_number or ""),
                     phone or "", employer or "", join.isoformat() if join else "",
                     label(MEMBER_STATUS, status, lang))
            if len(self._shown) > CACHE_LIMIT:
                self._shown = {}
            self._shown[member_id] = shown
        return shown

    _FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        return self._FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def canFetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> bool:  # noqa: B008, N802
        return not parent.isValid() and self._more

    def fetchMore(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> None:  # noqa: B008, N802
        if parent.isValid() or not self._more:
            return
        if self.query is not None:
            hits = [h for h in self.search_page(self._hit_cursor) if h.id not in self._ids]
            self._hit_cursor = hits[-1].cursor if hits else self._hit_cursor
            self._more = len(hits) >= SEARCH_PAGE
            if hits:
                first = len(self._ids)
                self.beginInsertRows(QModelIndex(), first, first + len(hits) - 1)
                self._ids.extend(h.id for h in hits)
                self.total = len(self._ids)
                self.endInsertRows()
            return
        # Pages grow with the list (500, 500, 1,000, 2,000 … 5,000): scrolling to the end
        # of 100,000 members takes a few dozen keyset reads, each well under a frame.
        size = min(MAX_PAGE, max(PAGE, len(self._ids)))
        pairs = self._read_ids(size + 1)
        self._append_ids(pairs[:size], len(pairs) > size)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is done by the database; columns without a sort key are ignored."""
        if column not in SORT_COLUMNS:
            return
        if (column, order) == (self.sort_column, self.sort_order) and self.query is None \
                and self._ids:
            return
        self.sort_column, self.sort_order = column, order
        if self.query is None:
            self.reload()
