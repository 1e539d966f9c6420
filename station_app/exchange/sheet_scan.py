"""How far a sheet's cells reach, found before python-calamine loads it, and a reader for
the .xlsx sheets it should not load.

calamine gives a sheet as one rectangle from A1 to its last cell, every cell of it in
memory (about 32 bytes each, plus a Python object per cell when converted). A stray value
far from the data — XFD1, or XFD1048576, the last cell of a sheet — makes that rectangle
16,384 columns wide and a million rows high: 0.65 MB per data row, or a request for
512 GiB that ends the process. So before a sheet is loaded its extent is found from the
file itself, cheaply:

* .xlsx/.xlsm: the sheet's XML, decompressed in pieces and scanned for the rows' numbers
  and for cells holding a value right of the widest seen so far (a handful of regular
  expression searches, about 0.2 s for 100,000 rows); a sheet whose rectangle is too big
  is read instead by :func:`xlsx_rows`, row by row from the XML, only the cells there
  are (the cells right of ``MAX_COLUMNS`` are counted, not kept);
* .xls: the cell records of the sheet's BIFF stream (the file's OLE2 container read
  here); .xlsb: the sheet's binary records; .ods: the table's rows and cells with their
  repeat counts. A sheet of these formats too big to load is refused with a message.

No Qt, no third-party packages: ``zipfile``, ``re``, ``struct`` and ElementTree.
"""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, Any
from xml.etree import ElementTree

#: the largest rectangle (rows × columns from A1) calamine is given to load whole:
#: 100,000 rows of 40 columns, about 130 MB in calamine and as much again as Python lists
MAX_CELLS = 4_000_000
#: cells right of this column (AMJ, the old LibreOffice limit) are not read
MAX_COLUMNS = 1024
_CHUNK = 1 << 22


@dataclass(frozen=True)
class Extent:
    """The last row and column (1-based) holding a value; 0 for an empty sheet."""

    rows: int
    cols: int

    @property
    def cells(self) -> int:
        return self.rows * self.cols


def column_name(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA, 16383 -> XFD."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def column_index(letters: str | bytes) -> int:
    """A -> 0, XFD -> 16383."""
    if isinstance(letters, bytes):
        letters = letters.decode("ascii")
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# --------------------------------------------------------------------------- xlsx


def xlsx_parts(zf: zipfile.ZipFile, book: str = "xl/workbook.xml") -> dict[str, str]:
    """Sheet name -> the zip member holding it, from the workbook and its relationships."""
    folder = book.rsplit("/", 1)[0]
    rels_name = f"{folder}/_rels/{book.rsplit('/', 1)[1]}.rels"
    targets: dict[str, str] = {}
    try:
        rels = ElementTree.fromstring(zf.read(rels_name))
    except (KeyError, ElementTree.ParseError):
        return {}
    for rel in rels:
        target = rel.get("Target") or ""
        target = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
        targets[rel.get("Id") or ""] = _normalise(target)
    if book.endswith(".bin"):
        return {name: targets[rid] for name, rid in _xlsb_sheets(zf.read(book))
                if rid in targets}
    root = ElementTree.fromstring(zf.read(book))
    out: dict[str, str] = {}
    for el in root.iter():
        if _local(el.tag) == "sheet":
            rid = next((v for k, v in el.attrib.items() if _local(k) == "id"), None)
            if rid in targets:
                out[el.get("name") or ""] = targets[rid]
    return out


def _normalise(path: str) -> str:
    parts: list[str] = []
    for p in path.split("/"):
        if p == "..":
            if parts:
                parts.pop()
        elif p and p != ".":
            parts.append(p)
    return "/".join(parts)


def _pieces(stream: IO[bytes]) -> Iterator[bytes]:
    """The decompressed XML in pieces that end just before a "<", so every tag that
    starts in a piece ends in it."""
    carry = b""
    while True:
        data = stream.read(_CHUNK)
        if not data:
            if carry:
                yield carry
            return
        buf = carry + data
        cut = buf.rfind(b"<")
        if cut <= 0:
            carry = buf
            continue
        yield buf[:cut]
        carry = buf[cut:]


_CELL_R = re.compile(rb'<c r="([A-Z]{1,3})([0-9]+)"')


def _columns_after(index: int) -> re.Pattern[bytes]:
    """A cell (its start tag) whose column is right of ``index`` (0-based; -1: any)."""
    if index < 0:
        body = b"[A-Z]{1,3}"
    else:
        name = column_name(index)
        alts = [f"[A-Z]{{{len(name) + 1},3}}"] if len(name) < 3 else []
        for i, ch in enumerate(name):
            if ch < "Z":
                alts.append(name[:i] + f"[{chr(ord(ch) + 1)}-Z]" + "[A-Z]" * (len(name) - i - 1))
        if not alts:
            return re.compile(rb"(?!)")
        body = ("(?:" + "|".join(alts) + ")").encode("ascii")
    return re.compile(rb'<c r="(' + body + rb')([0-9]+)"[^>]*>')


_NO_REF = re.compile(rb'<(?:c|row)(?:>|/>|\s(?!r="))')


def xlsx_extent(zf: zipfile.ZipFile, part: str) -> Extent | None:
    """The extent of the values of a sheet's XML, or None when it cannot be told this way
    (cells or rows written without their reference, a namespace prefix): the sheet is then
    read row by row (:func:`xlsx_rows`). One pass: a search for a value right of the
    widest so far (it finds the few cells that widen the sheet, then nothing), and the
    last value of each piece (rows come in order, as the format asks; a widening cell's
    row counts too, wherever it is). Cells with a style and no value
    (``<c r="X1" s="1"/>``) are not values; calamine does not keep them either."""
    rows = 0
    max_col = -1
    wider = _columns_after(-1)
    first = True
    with zf.open(part) as stream:
        for piece in _pieces(stream):
            if first:
                if b":sheetData" in piece and b"<sheetData" not in piece:
                    return None  # a prefixed namespace (x:c)
                data_at = piece.find(b"<sheetData")
                if data_at >= 0:
                    first = False
                    if _NO_REF.search(piece, data_at) is not None:
                        return None  # positions implied by order: read row by row
            at = 0
            while True:  # a value right of the widest so far
                m = wider.search(piece, at)
                if m is None:
                    break
                at = m.end()
                if m.group(0).endswith(b"/>"):
                    continue  # a style without a value
                max_col = column_index(m.group(1))
                rows = max(rows, int(m.group(2)))
                wider = _columns_after(max_col)
            end = len(piece)
            while True:  # the last cell with a value in this piece
                at = piece.rfind(b'<c r="', 0, end)
                if at < 0:
                    break
                close = piece.find(b">", at)
                m = _CELL_R.match(piece, at)
                if close > 0 and piece[close - 1:close] != b"/" and m is not None:
                    rows = max(rows, int(m.group(2)))
                    break
                end = at
    if max_col < 0:
        return Extent(0, 0)
    return Extent(rows, max_col + 1)


# the built-in number formats that are dates or times
_DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59),
                              *range(71, 82)])
_FORMAT_NOISE = re.compile(r'"[^"]*"|\\.|_.|\*.|\[(?![hms]+\])[^\]]*\]', re.IGNORECASE)
_DATE_LETTERS = re.compile(r"[ymdhse]", re.IGNORECASE)


def is_date_format(code: str) -> bool:
    """A custom number format that shows a date or a time ("yyyy-mm-dd", "yyyy年m月d日",
    "[h]:mm"), not a number ("0.00", "#,##0", "[Red]0")."""
    text = _FORMAT_NOISE.sub("", code)
    return text.lower() != "general" and _DATE_LETTERS.search(text.replace("General", ""))\
        is not None


@dataclass
class XlsxBook:
    """What reading a sheet's XML needs from the rest of the package."""

    zf: zipfile.ZipFile
    shared: list[str]
    date_styles: frozenset[int]
    date1904: bool

    @classmethod
    def open(cls, zf: zipfile.ZipFile) -> XlsxBook:
        shared: list[str] = []
        if "xl/sharedStrings.xml" in zf.namelist():
            with zf.open("xl/sharedStrings.xml") as f:
                for _ev, el in ElementTree.iterparse(f):
                    if _local(el.tag) == "si":
                        shared.append(_text_of(el))
                        el.clear()
        styles: set[int] = set()
        if "xl/styles.xml" in zf.namelist():
            root = ElementTree.fromstring(zf.read("xl/styles.xml"))
            codes = {}
            for el in root.iter():
                if _local(el.tag) == "numFmt":
                    codes[int(el.get("numFmtId") or 0)] = el.get("formatCode") or ""
            for el in root:
                if _local(el.tag) == "cellXfs":
                    for i, xf in enumerate(x for x in el if _local(x.tag) == "xf"):
                        fid = int(xf.get("numFmtId") or 0)
                        if fid in _DATE_FORMAT_IDS or (fid in codes and is_date_format(
                                codes[fid])):
                            styles.add(i)
        date1904 = False
        try:
            root = ElementTree.fromstring(zf.read("xl/workbook.xml"))
            for el in root.iter():
                if _local(el.tag) == "workbookPr":
                    date1904 = (el.get("date1904") or "").lower() in ("1", "true")
        except KeyError:
            pass
        return cls(zf, shared, frozenset(styles), date1904)


def _text_of(el) -> str:
    """A shared or inline string: its <t>, or its runs' <t>, without phonetic runs."""
    parts = []
    for child in el:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _serial(value: float, date1904: bool) -> Any:
    """A date-formatted number as calamine gives it: a date for a whole day, a datetime
    with a time of day (to the millisecond), a time below one day."""
    if date1904:
        base = datetime(1904, 1, 1)
    elif value < 61:
        if 60 <= value < 61:  # Excel's 1900-02-29, a day that never was
            return value
        base = datetime(1899, 12, 31)
    else:
        base = datetime(1899, 12, 30)
    moment = base + timedelta(milliseconds=round(value * 86_400_000))
    if 0 <= value < 1:
        return moment.time()
    if moment.time() == datetime.min.time():
        return moment.date()
    return moment


@dataclass
class FarCells:
    """Cells right of ``MAX_COLUMNS`` a row-by-row read left out: how many, and the
    farthest (its reference, e.g. XFD1048576)."""

    count: int = 0
    farthest: str = ""
    _key: tuple[int, int] = (0, 0)

    def add(self, row: int, col: int) -> None:
        self.count += 1
        if (col, row) > self._key:
            self._key = (col, row)
            self.farthest = f"{column_name(col)}{row}"


def xlsx_rows(book: XlsxBook, part: str, far: FarCells | None = None,
              max_columns: int = MAX_COLUMNS) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells from column A) of each row with a value, in order, read from
    the XML piece by piece: only the cells there are take memory. Cells right of
    ``max_columns`` are counted in ``far``, not kept. Values as calamine gives them:
    text, float, bool, a datetime for a date-formatted number, an error as its text."""
    parser = ElementTree.XMLPullParser(events=("start", "end"))
    row_no = 0
    col_no = -1
    cells: dict[int, Any] = {}
    sheet_data = None
    shared, dates, date1904 = book.shared, book.date_styles, book.date1904
    with book.zf.open(part) as stream:
        for piece in _pieces(stream):
            parser.feed(piece)
            for event, el in parser.read_events():
                name = _local(el.tag)
                if event == "start":
                    if name == "row":
                        r = el.get("r")
                        row_no = int(r) if r else row_no + 1
                        col_no = -1
                        cells = {}
                    elif name == "sheetData":
                        sheet_data = el
                    continue
                if name == "c":
                    ref = el.get("r")
                    if ref:
                        letters = ref.rstrip("0123456789")
                        col_no = column_index(letters) if letters else col_no + 1
                    else:
                        col_no += 1
                    value = _cell_value(el, shared, dates, date1904)
                    if value is not None:
                        if col_no >= max_columns:
                            if far is not None:
                                far.add(row_no, col_no)
                        else:
                            cells[col_no] = value
                    el.clear()
                elif name == "row":
                    if cells:
                        width = max(cells) + 1
                        yield row_no, [cells.get(i, "") for i in range(width)]
                    el.clear()
                    if sheet_data is not None:
                        sheet_data.clear()
        parser.close()


def _cell_value(el, shared: list[str], dates: frozenset[int], date1904: bool) -> Any:
    kind = el.get("t") or "n"
    if kind == "inlineStr":
        for child in el:
            if _local(child.tag) == "is":
                return _text_of(child)
        return None
    v = None
    for child in el:
        if _local(child.tag) == "v":
            v = child.text
    if v is None:
        return None
    if kind == "s":
        try:
            return shared[int(v)]
        except (ValueError, IndexError):
            return ""
    if kind == "b":
        return v.strip() == "1"
    if kind in ("str", "e"):
        return v
    if kind == "d":
        try:
            return datetime.fromisoformat(v)
        except ValueError:
            return v
    try:
        number = float(v)
    except ValueError:
        return v
    style = el.get("s")
    if style is not None and int(style) in dates:
        try:
            return _serial(number, date1904)
        except (OverflowError, ValueError):
            return number
    return number


# --------------------------------------------------------------------------- xls (BIFF8)


def _cfb_streams(data: bytes, wanted: frozenset[str] | None = None) -> dict[str, bytes]:
    """The streams of an OLE2 compound file (the container of .xls, and of password-
    protected .xlsx), by lower-case name; their contents only for the names ``wanted``
    (else empty). Malformed input raises ValueError."""
    if data[:8] != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" or len(data) < 512:
        raise ValueError("not a compound file")
    ss = 1 << struct.unpack_from("<H", data, 0x1E)[0]
    mss = 1 << struct.unpack_from("<H", data, 0x20)[0]
    (first_dir,) = struct.unpack_from("<I", data, 0x30)
    (cutoff, first_mini, n_mini, first_difat, n_difat) = struct.unpack_from("<IIIII", data,
                                                                            0x38)
    n_sectors = max(0, (len(data) - ss) // ss)

    def sector(i: int) -> bytes:
        if i >= n_sectors:
            raise ValueError("sector out of range")
        return data[ss + i * ss: ss + (i + 1) * ss]

    fat_ids = [i for i in struct.unpack_from("<109I", data, 0x4C) if i < 0xFFFFFFFA]
    nxt, hops = first_difat, 0
    while nxt < 0xFFFFFFFA and hops < n_difat + 1:
        block = struct.unpack(f"<{ss // 4}I", sector(nxt))
        fat_ids += [i for i in block[:-1] if i < 0xFFFFFFFA]
        nxt, hops = block[-1], hops + 1
    fat: list[int] = []
    for i in fat_ids:
        fat.extend(struct.unpack(f"<{ss // 4}I", sector(i)))

    def chain(start: int, table: list[int]) -> list[int]:
        out = []
        while start < 0xFFFFFFFA:
            if len(out) > len(table) or start >= len(table):
                raise ValueError("broken chain")
            out.append(start)
            start = table[start]
        return out

    directory = b"".join(sector(i) for i in chain(first_dir, fat))
    entries = []
    for at in range(0, len(directory) - 127, 128):
        size_name = struct.unpack_from("<H", directory, at + 0x40)[0]
        name = directory[at:at + max(0, size_name - 2)].decode("utf-16-le", "replace")
        kind = directory[at + 0x42]
        start, size = struct.unpack_from("<II", directory, at + 0x74)
        entries.append((name, kind, start, size))
    root = next((e for e in entries if e[1] == 5), None)
    mini_fat: list[int] = []
    mini_stream = b""
    if root is not None and n_mini:
        for i in chain(first_mini, fat):
            mini_fat.extend(struct.unpack(f"<{ss // 4}I", sector(i)))
        mini_stream = b"".join(sector(i) for i in chain(root[2], fat))
    out: dict[str, bytes] = {}
    for name, kind, start, size in entries:
        if kind != 2:
            continue
        if size == 0 or (wanted is not None and name.lower() not in wanted):
            out[name.lower()] = b""
            continue
        if size < cutoff:
            blob = b"".join(mini_stream[i * mss:(i + 1) * mss] for i in chain(start, mini_fat))
        else:
            blob = b"".join(sector(i) for i in chain(start, fat))
        out[name.lower()] = blob[:size]
    return out


def compound_kind(data: bytes) -> str | None:
    """What an OLE2 file is: "xls", "encrypted" (a password-protected Office Open XML
    workbook), or None (not a compound file, or another document)."""
    try:
        streams = _cfb_streams(data, frozenset())
    except (ValueError, struct.error):
        return None
    if "encryptedpackage" in streams:
        return "encrypted"
    if "workbook" in streams or "book" in streams:
        return "xls"
    return None


_BIFF_CELLS = {0x0203, 0x027E, 0x00FD, 0x0204, 0x00D6, 0x0205, 0x0006}


def xls_extents(data: bytes) -> dict[str, Extent]:
    """Sheet name -> the extent of its values, from the cell records of the workbook's
    BIFF stream. Raises ValueError on a malformed file."""
    streams = _cfb_streams(data, frozenset(("workbook", "book")))
    wb = streams.get("workbook") or streams.get("book")
    if wb is None:
        raise ValueError("no workbook stream")
    sheets: list[tuple[str, int]] = []
    pos = 0
    while pos + 4 <= len(wb):
        rt, size = struct.unpack_from("<HH", wb, pos)
        body = wb[pos + 4:pos + 4 + size]
        pos += 4 + size
        if rt == 0x0085 and len(body) >= 8:  # BOUNDSHEET
            offset, _state, kind, cch, high = struct.unpack_from("<IBBBB", body, 0)
            raw = body[8:8 + cch * (2 if high & 1 else 1)]
            name = raw.decode("utf-16-le" if high & 1 else "latin-1", "replace")
            if kind == 0:
                sheets.append((name, offset))
        elif rt == 0x000A:  # the globals end
            break
    out: dict[str, Extent] = {}
    for name, offset in sheets:
        rows = cols = 0
        depth = 0
        pos = offset
        while pos + 4 <= len(wb):
            rt, size = struct.unpack_from("<HH", wb, pos)
            body = wb[pos + 4:pos + 4 + size]
            pos += 4 + size
            if rt == 0x0809:
                depth += 1
            elif rt == 0x000A:
                depth -= 1
                if depth <= 0:
                    break
            elif rt == 0x0200 and depth == 1 and len(body) >= 12:  # DIMENSIONS, declared
                first_row, last_row, first_col, last_col = struct.unpack_from("<IIHH", body, 0)
                # calamine sizes the sheet from it: an inverted or impossible one made it
                # ask for terabytes and abort
                if not (first_row <= last_row <= 65536 and first_col <= last_col <= 256):
                    raise ValueError(f"impossible DIMENSIONS {first_row, last_row, first_col, last_col}")
            elif depth == 1 and len(body) >= 6:
                if rt in _BIFF_CELLS:
                    r, c = struct.unpack_from("<HH", body, 0)
                    rows, cols = max(rows, r + 1), max(cols, c + 1)
                elif rt == 0x00BD:  # MULRK: row, first column, …, last column
                    r, _c = struct.unpack_from("<HH", body, 0)
                    (last,) = struct.unpack_from("<H", body, len(body) - 2)
                    rows, cols = max(rows, r + 1), max(cols, last + 1)
        out[name] = Extent(rows, cols)
    return out


# --------------------------------------------------------------------------- xlsb


def _xlsb_records(data: bytes) -> Iterator[tuple[int, bytes]]:
    pos, n = 0, len(data)
    while pos < n:
        rt = data[pos]
        pos += 1
        if rt & 0x80:
            rt = (rt & 0x7F) | ((data[pos] & 0x7F) << 7)
            pos += 1
        size = shift = 0
        for _ in range(4):
            b = data[pos]
            pos += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        yield rt, data[pos:pos + size]
        pos += size


def _xlsb_sheets(data: bytes) -> list[tuple[str, str]]:
    """(sheet name, relationship id) of each BrtBundleSh of workbook.bin."""
    out = []
    for rt, body in _xlsb_records(data):
        if rt == 156 and len(body) >= 12:
            at = 8
            (n,) = struct.unpack_from("<I", body, at)
            rid = "" if n == 0xFFFFFFFF else body[at + 4:at + 4 + 2 * n].decode("utf-16-le")
            at += 4 + (0 if n == 0xFFFFFFFF else 2 * n)
            (m,) = struct.unpack_from("<I", body, at)
            name = body[at + 4:at + 4 + 2 * m].decode("utf-16-le")
            out.append((name, rid))
    return out


def xlsb_extent(zf: zipfile.ZipFile, part: str) -> Extent:
    """The extent of the values of a binary sheet (BrtRowHdr and the cell records)."""
    data = zf.read(part)
    row = rows = cols = 0
    for rt, body in _xlsb_records(data):
        if rt == 0 and len(body) >= 4:
            (row,) = struct.unpack_from("<I", body, 0)
        elif 2 <= rt <= 11 and len(body) >= 4:
            (col,) = struct.unpack_from("<I", body, 0)
            rows, cols = max(rows, row + 1), max(cols, col + 1)
    return Extent(rows, cols)


# --------------------------------------------------------------------------- ods

_ODS_REPEAT = re.compile(rb'table:number-(?:rows|columns)-repeated="([0-9]+)"')
_ODS_TOKEN = re.compile(
    rb"<table:table(?=[\s>])([^>]*)>|(</table:table>)"
    rb"|<table:table-row(?=[\s>/])([^>]*?)(/?)>|(</table:table-row>)"
    rb"|<table:(?:covered-)?table-cell(?=[\s>/])([^>]*?)(/?)>")
_ODS_NAME = re.compile(rb'table:name="([^"]*)"')
_ODS_ROWS = re.compile(rb'table:number-rows-repeated="([0-9]+)"')
_ODS_COLS = re.compile(rb'table:number-columns-repeated="([0-9]+)"')


def ods_extents(zf: zipfile.ZipFile, threshold: int = 1000) -> dict[str, Extent] | None:
    """Table name -> the extent of its values, walked only when some row or cell is
    repeated ``threshold`` times or more (how a far-away cell is written); None when none
    is (the cells are all written out, so the file's size bounds the sheet)."""
    data = zf.read("content.xml")
    if not any(int(n) >= threshold for n in _ODS_REPEAT.findall(data)):
        return None
    out: dict[str, Extent] = {}
    name = ""
    row = col = last_col = rows = cols = 0
    repeat = 1
    content = False
    for m in _ODS_TOKEN.finditer(data):
        table, end_table, row_attrs, row_empty, end_row, cell_attrs, cell_empty = m.groups()
        if table is not None:
            found = _ODS_NAME.search(table)
            name = found.group(1).decode("utf-8", "replace") if found else ""
            row = rows = cols = 0
        elif end_table is not None:
            out[name] = Extent(rows, cols)
        elif row_attrs is not None:
            found = _ODS_ROWS.search(row_attrs)
            repeat = int(found.group(1)) if found else 1
            col = last_col = 0
            content = False
            if row_empty:
                row += repeat
        elif end_row is not None:
            if content:
                rows, cols = max(rows, row + repeat), max(cols, last_col)
            row += repeat
        else:
            found = _ODS_COLS.search(cell_attrs)
            n = int(found.group(1)) if found else 1
            if not cell_empty or b"value-type" in cell_attrs:
                content = True
                last_col = col + n
            col += n
    return out


def extent_text(extent: Extent) -> str:
    """The last cell's reference, e.g. XFD1048576."""
    return f"{column_name(max(extent.cols, 1) - 1)}{max(extent.rows, 1)}"


__all__ = ["MAX_CELLS", "MAX_COLUMNS", "Extent", "FarCells", "XlsxBook", "column_index",
           "column_name", "compound_kind", "extent_text", "is_date_format", "ods_extents",
           "xls_extents", "xlsb_extent", "xlsx_extent", "xlsx_parts", "xlsx_rows"]

