"""Odd files: a stray value far from the data (XFD1, XFD1048576), a sheet too large to
read, files that are not what their name says. None crashes the program or floods its
memory; each is read, or refused with a sentence saying what to do."""

from __future__ import annotations

import resource
import struct
import subprocess
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook as XlsxWorkbook
from openpyxl.styles import Font
from xlsx_helpers import make_id, write_xlsx

from station_app.domain.validation import ValidationError
from station_app.exchange import sheet_scan
from station_app.exchange.xlsx_import import import_file, preview_file, read_file
from station_app.exchange.xlsx_reading import Workbook

DATA = Path(__file__).with_name("data")
ZHANG = make_id("44030519900101123")
LI = make_id("44030519910202224")


def roster(path: Path, *, stray: str | None = None, styled: str | None = None,
           rows: int = 2) -> Path:
    wb = XlsxWorkbook()
    ws = wb.active
    ws.title = "名册"
    ws.append(["葵涌社区工联会会员花名册"])
    ws.append(["序号", "姓名", "公民身份号码", "入会时间"])
    people = [("张三", ZHANG), ("李四", LI)]
    for i in range(rows):
        name, idn = people[i] if i < 2 else (f"会员{chr(0x4e00 + i)}", make_id(f"4403051990{1 + i // 900:02d}"
                                                               f"{1 + i % 28:02d}{i % 900:03d}"))
        ws.append([i + 1, name, idn, date(2023, 5, 3)])
    if stray:
        ws[stray] = "x"
    if styled:
        ws[styled].font = Font(bold=True)  # formatted, empty
    wb.save(path)
    return path


@pytest.mark.parametrize("stray, rows, far", [
    ("XFD1", 300, True),  # 301 × 16,384 cells: read row by row, the far cell left out
    ("XFD1048576", 2, True),
    ("AMK5", 2, False),  # a small rectangle: calamine reads it whole, far cell and all
    ("ZZZ2", 2, False),
])
def test_a_stray_value_far_right_is_left_out_and_told(db, admin, tmp_path, stray, rows, far):
    path = roster(tmp_path / "r.xlsx", stray=stray, rows=rows)
    result = import_file(db, admin, path)
    assert result.imported == rows and not result.rejected
    assert [r.values["name"] for r in result.rows][:2] == ["张三", "李四"]
    if far:
        assert result.far is not None and result.far.count == 1
        assert result.far.farthest == stray
    else:
        assert result.far is None


def test_a_stray_value_at_the_bottom_is_a_row_of_the_sheet(tmp_path):
    path = roster(tmp_path / "r.xlsx", stray="B1048576")  # in the 姓名 column
    result = preview_file(path)
    assert [r.row for r in result.rows] == [3, 4, 1048576]
    assert [r.status for r in result.rows] == ["ok", "ok", "error"]
    assert result.far is None


def test_a_formatted_empty_cell_far_away_costs_nothing(tmp_path):
    path = roster(tmp_path / "r.xlsx", styled="XFD1048576")
    with zipfile.ZipFile(path) as zf:
        assert sheet_scan.xlsx_extent(zf, "xl/worksheets/sheet1.xml") == \
            sheet_scan.Extent(4, 4)
    with Workbook(path) as wb:
        wb.rows("名册")
        assert wb._sheets["名册"] != "rows"  # calamine, whole: the rectangle is small
    assert len(preview_file(path).valid) == 2


def test_reading_row_by_row_gives_what_calamine_gives(tmp_path, monkeypatch):
    """The XML reader (for sheets calamine should not load) against calamine itself on the
    same sheet: text (shared and inline), numbers, dates in several formats, booleans,
    blanks in between, a sheet starting off A1."""
    wb = XlsxWorkbook()
    ws = wb.active
    ws.title = "S"
    ws["C2"] = "标题"
    ws.append([None, "姓名", "身份证号", 13800138000, 1.5, True, False])
    ws.append([None, "王五", ZHANG, date(2023, 5, 3), datetime(2023, 5, 3, 9, 30), None, 7])
    ws.append([])
    ws.append([None, "  空格  ", "=不是公式", 0.1 + 0.2, -3, "", "√"])
    ws["D4"].number_format = "yyyy年m月d日"
    ws["E4"].number_format = "yyyy-mm-dd hh:mm"
    ws["G4"].number_format = "0.00"
    ws["C6"].data_type = "s"
    wb.save(tmp_path / "types.xlsx")
    with Workbook(tmp_path / "types.xlsx") as book:
        expected = book.rows("S")
    monkeypatch.setattr(sheet_scan, "MAX_CELLS", 1)  # every sheet is "too large" now
    with Workbook(tmp_path / "types.xlsx") as book:
        got = book.rows("S")
        assert book._sheets["S"] == "rows"
    trim = [[c for c in r] for r in expected]
    for r in trim:  # calamine pads every row to the widest; the XML reader does not
        while r and r[-1] == "":
            r.pop()
    assert got == trim
    assert got[3][3] == date(2023, 5, 3) and got[3][4] == datetime(2023, 5, 3, 9, 30)
    assert got[5][2] == "=不是公式"


def test_calamine_rows_keep_their_columns_when_the_sheet_starts_off_a1(tmp_path):
    wb = XlsxWorkbook()
    ws = wb.active
    ws["C3"], ws["D5"] = "x", 1
    wb.save(tmp_path / "off.xlsx")
    from python_calamine import CalamineWorkbook

    whole = CalamineWorkbook.from_path(str(tmp_path / "off.xlsx")).get_sheet_by_index(0) \
        .to_python(skip_empty_area=False)
    with Workbook(tmp_path / "off.xlsx") as book:
        assert book.rows("Sheet") == whole


def test_xls_and_ods_too_large_to_read_are_refused_with_the_way_out():
    # written by LibreOffice: 名册 with two members and a value at IV65536 (the last cell
    # of an .xls sheet), and one at XFD1048576 in an .ods
    for name, cell in (("stray-IV65536.xls", "IV65536"), ("stray-XFD1048576.ods",
                                                         "XFD1048576")):
        with pytest.raises(ValidationError) as exc:
            read_file(DATA / name)
        assert exc.value.codes == ["import.sheet_too_large"]
        zh, en = exc.value.messages("zh")[0], exc.value.messages("en")[0]
        assert cell in zh and "Ctrl+End" in zh and "名册" in zh
        assert "stray cell" in en and cell in en


def test_xlsb_extent_from_its_records():
    def record(rt: int, body: bytes) -> bytes:
        head = bytes([rt]) if rt < 128 else bytes([(rt & 0x7F) | 0x80, rt >> 7])
        return head + bytes([len(body)]) + body

    data = (record(0, struct.pack("<I", 0) + b"\0" * 8)
            + record(5, struct.pack("<I", 2) + b"\0" * 12)
            + record(0, struct.pack("<I", 1048575) + b"\0" * 8)
            + record(7, struct.pack("<I", 16383) + b"\0" * 8)
            + record(148, b"\0" * 16))
    import io

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w") as zf:
        zf.writestr("xl/worksheets/sheet1.bin", data)
    with zipfile.ZipFile(raw) as zf:
        assert sheet_scan.xlsb_extent(zf, "xl/worksheets/sheet1.bin") == \
            sheet_scan.Extent(1048576, 16384)


_READ = """
import sys
from station_app.exchange.xlsx_import import preview_file
r = preview_file(sys.argv[1])
print(len(r.valid), r.far.farthest if r.far else "-")
# this process's own peak (getrusage's maxrss keeps the parent's from before exec)
print(next(int(line.split()[1]) for line in open("/proc/self/status")
           if line.startswith("VmHWM")) // 1024)
"""


def test_a_stray_cell_is_read_within_500_mib_in_a_real_process(tmp_path):
    """In a process limited to 1.5 GiB of address space (calamine alone asked for
    512 GiB and aborted with a Rust backtrace)."""
    path = roster(tmp_path / "r.xlsx", stray="XFD1048576", rows=2000)

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (3 << 29, 3 << 29))

    proc = subprocess.run([sys.executable, "-c", _READ, str(path)], capture_output=True,
                          text=True, timeout=120, preexec_fn=limit)
    assert proc.returncode == 0, proc.stderr[-2000:]
    valid, farthest, peak = proc.stdout.split()
    assert (int(valid), farthest) == (2000, "XFD1048576")
    assert int(peak) < 500


# --------------------------------------------------------------------------- not what they say


def _compound(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (512-byte sectors, streams of 4096 bytes or more)."""
    names = list(streams)
    body = b""
    starts = []
    for name in names:
        blob = streams[name].ljust(4096, b"\0")
        starts.append(2 + len(body) // 512)
        body += blob
    n = 2 + len(body) // 512
    fat = [0xFFFFFFFD, 0xFFFFFFFE] + [0xFFFFFFFF] * 126
    for name, start in zip(names, starts, strict=True):
        length = len(streams[name].ljust(4096, b"\0")) // 512
        for i in range(start, start + length - 1):
            fat[i] = i + 1
        fat[start + length - 1] = 0xFFFFFFFE
    assert n <= 128

    def entry(name: str, kind: int, start: int, size: int, child: int = 0xFFFFFFFF) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", 0xFFFFFFFF, 0xFFFFFFFF, child) + b"\0" * 36
                + struct.pack("<III", start, size, 0))

    dirs = entry("Root Entry", 5, 0xFFFFFFFE, 0, 1)
    for name, start in zip(names, starts, strict=True):
        dirs += entry(name, 2, start, len(streams[name].ljust(4096, b"\0")))
    dirs = dirs.ljust(512, b"\0")
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
              + struct.pack("<109I", 0, *([0xFFFFFFFF] * 108)))
    assert len(header) == 512
    return header + struct.pack("<128I", *fat) + dirs + body


def test_files_that_are_not_what_their_name_says(tmp_path):
    locked = tmp_path / "加密.xlsx"  # Excel's "Encrypt with Password": an OLE2 container
    locked.write_bytes(_compound({"EncryptionInfo": b"\x04\x00\x04\x00",
                                  "EncryptedPackage": b"\x10" * 5000}))
    page = tmp_path / "导出.xls"  # many systems export an HTML table as .xls
    page.write_text("<html><body><table><tr><td>姓名</td></tr></table></body></html>")
    junk = tmp_path / "坏.xlsx"
    junk.write_bytes(b"\x00\x01garbage" * 50)
    word = tmp_path / "文档.xls"  # an OLE2 file that is no workbook
    word.write_bytes(_compound({"WordDocument": b"x"}))
    cases = ((locked, "import.file_password", "密码"), (page, "import.file_webpage", "网页"),
             (junk, "import.file_damaged", "损坏"), (word, "import.file_damaged", "损坏"))
    for path, code, words in cases:
        with pytest.raises(ValidationError) as exc:
            read_file(path)
        assert exc.value.codes == [code], path
        for lang in ("zh", "en"):
            text = exc.value.messages(lang)[0]
            assert "Error" not in text and path.name in text  # no class names
        assert words in exc.value.messages("zh")[0]


def test_a_workbook_with_the_wrong_extension_is_read_as_what_it_is(tmp_path):
    real = write_xlsx(tmp_path / "m.xlsx", [["姓名", "身份证号"], ["张三", ZHANG]])
    renamed = tmp_path / "名册.xls"
    renamed.write_bytes(real.read_bytes())
    (row,) = preview_file(renamed).rows
    assert row.status == "ok" and row.cleaned["id_number"] == ZHANG


# --------------------------------------------------------------------------- damaged files


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i.filename) for i in zf.infolist()}


@pytest.fixture(scope="module")
def sound(tmp_path_factory) -> Path:
    return roster(tmp_path_factory.mktemp("sound") / "r.xlsx", rows=30)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_workbook_is_refused_with_a_sentence_never_a_crash(sound, tmp_path, data):
    """Bytes flipped, the file cut short, its XML broken, a part missing — in an .xlsx and
    an .xls (calamine's Rust panics included): read, or refused with file_damaged (or
    another ValidationError), never any other error."""
    import io

    kind = data.draw(st.sampled_from(["bytes", "cut", "xml", "drop", "xls"]))
    # an .xls of 20 rows written by LibreOffice: small enough for calamine to open
    raw = (DATA / "roster-20.xls" if kind == "xls" else sound).read_bytes()
    if kind in ("bytes", "xls"):
        spots = data.draw(st.lists(st.tuples(st.integers(0, len(raw) - 1),
                                             st.integers(0, 255)), min_size=1, max_size=30))
        b = bytearray(raw)
        for at, value in spots:
            b[at] = value
        blob = bytes(b)
    elif kind == "cut":
        blob = raw[:data.draw(st.integers(0, len(raw) - 1))]
    else:
        parts = _parts(sound)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as zf:
            for name, content in parts.items():
                if kind == "drop" and data.draw(st.booleans()):
                    continue
                if kind == "xml" and name.endswith(".xml") and data.draw(st.booleans()):
                    c = bytearray(content)
                    for at in data.draw(st.lists(st.integers(0, len(c) - 1), min_size=1,
                                                 max_size=10)):
                        c[at] = data.draw(st.sampled_from(b'<>"/=&x0'))
                    content = bytes(c)
                zf.writestr(name, content)
        blob = out.getvalue()
    path = tmp_path / ("damaged.xls" if kind == "xls" else "damaged.xlsx")
    path.write_bytes(blob)
    try:
        read_file(path)
    except ValidationError as exc:
        text = exc.messages("en")[0]
        assert "Error" not in text and "Exception" not in text


def test_a_folder_named_like_a_workbook(tmp_path):
    (tmp_path / "名册.xlsx").mkdir()
    with pytest.raises(ValidationError) as exc:
        read_file(tmp_path / "名册.xlsx")
    assert exc.value.codes == ["import.file_unopenable"]


def test_an_xls_calamine_would_abort_on_is_refused_first(tmp_path):
    """calamine sizes an .xls sheet from its DIMENSIONS record and reads every sheet when
    it opens the file: an inverted one (first row after the last) made it ask for 1.7 TB
    and abort the process; one whose container cannot be walked, 14 GB. Both are refused
    as damaged before calamine sees them."""
    raw = bytearray((DATA / "roster-20.xls").read_bytes())
    at = raw.find(struct.pack("<HHIIHH", 0x0200, 14, 0, 21, 0, 2))
    assert at > 0
    struct.pack_into("<I", raw, at + 4, 4063232)  # the first row after the last
    (tmp_path / "inverted.xls").write_bytes(bytes(raw))
    broken = bytearray((DATA / "roster-20.xls").read_bytes())
    struct.pack_into("<I", broken, 0x30, 0xFFFFFF)  # the directory's sector: nowhere
    (tmp_path / "broken.xls").write_bytes(bytes(broken))
    for name in ("inverted.xls", "broken.xls"):
        with pytest.raises(ValidationError) as exc:
            read_file(tmp_path / name)
        assert exc.value.codes == ["import.file_damaged"], name
    assert len(read_file(DATA / "roster-20.xls").rows) == 20
