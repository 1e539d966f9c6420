"""Import → error workbook → import again: no path stores an ID number the clerk did not
type. ID numbers Excel had already cut (a General cell keeps 15 digits) go back to the
clerk in the form Excel shows them, which the import refuses again with the explanation,
never as the digits of the float (which pass the check character one time in eleven)."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from xlsx_helpers import make_id, write_xlsx

from station_app.domain.validation import ValidationError, id_check_char, parse_id_number
from station_app.exchange import import_cells
from station_app.exchange.xlsx_import import import_file, preview_file
from station_app.storage.database import open_database
from station_app.storage.sqlfile import dbapi as sqlite3


def _stored(db_path) -> set[str]:
    con = sqlite3.connect(db_path)
    try:
        return {i for (i,) in con.execute("SELECT id_number FROM members")}
    finally:
        con.close()


def _cut_passing() -> tuple[str, float]:
    """A real-shaped ID number whose float's digits pass the check character: the case
    that was stored wrong through the error workbook."""
    for n in range(12 * 28):
        real = make_id(f"4403071988{n // 28 + 1:02d}{n % 28 + 1:02d}601")
        cut = float(real[:15] + "000")  # what Excel keeps of it: 15 digits
        digits = str(int(cut))
        try:
            parse_id_number(digits)
        except ValidationError:
            continue
        return real, cut
    raise AssertionError("no such number")


def test_a_cut_id_goes_back_in_the_form_excel_shows_and_is_refused_again(db, db_path, admin,
                                                                          tmp_path):
    real, cut = _cut_passing()
    assert len(str(int(cut))) == 18  # the float's digits: believable, and they pass
    ok = make_id("44030519900101123")
    path = write_xlsx(tmp_path / "花名册.xlsx", [
        ["序号", "姓名", "公民身份号码", "联系电话"],
        [1, "张三", ok, "13800138000"],
        [2, "王五", cut, 13700137000],
        [3, "赵六", 4.40305198501e17, None],
    ])
    out = tmp_path / "花名册-错误.xlsx"
    result = import_file(db, admin, path, errors_path=out)
    assert (result.imported, len(result.rejected)) == (1, 2)
    ws = load_workbook(out).active
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    assert rows[0][:4] == ["序号", "姓名", "公民身份号码", "联系电话"]
    shown = f"{cut:.14E}"
    assert shown.startswith("4.40307198") and shown.endswith("E+17")
    assert [r[2] for r in rows[1:]] == [shown, "4.40305198501000E+17"]
    assert str(int(cut)) not in str(rows) and real not in str(rows)
    assert ws["C2"].data_type == "s" and ws["D2"].value == "13700137000"
    assert all("Excel" in r[5] and "文本" in r[5] for r in rows[1:])
    # imported again as it is ("fix them there and import that file again"): refused,
    # with the same explanation, and nothing stored
    again = import_file(db, admin, out, errors_path=tmp_path / "again.xlsx")
    assert (again.imported, len(again.rejected)) == (0, 2)
    assert {e.code for r in again.rejected for e in r.errors} == {"import.id_excel_number"}
    assert _stored(db_path) == {ok}
    # and the second error workbook carries the same text back again
    rows2 = list(load_workbook(tmp_path / "again.xlsx").active.iter_rows(values_only=True))
    assert [r[2] for r in rows2[1:]] == [shown, "4.40305198501000E+17"]


def with_control_characters(path: Path) -> Path:
    """Excel writes a control character of a cell as _xHHHH_ (openpyxl refuses to):
    "^G" and "^K" in the cells become U+0007 and U+000B."""
    import zipfile

    patched = path.with_name("ctl-" + path.name)
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(patched, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, data.replace(b"^G", b"_x0007_").replace(b"^K", b"_x000B_"))
    return patched


def test_the_clerks_input_comes_back_in_full(db, admin, tmp_path):
    """Unmasked, never a formula, control characters shown, old numbers exact."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in (["姓名", "身份证号", "备注"],
                ["=SUM(A1)", make_id("44030519900101123"), "=1+1"],
                ["王^G五", 440305650101123.0, "两个^K空格"]):
        ws.append(row)
    for ref in ("A2", "C2"):  # text typed with a leading "=" (not a formula)
        ws[ref].data_type = "s"
    wb.save(tmp_path / "m.xlsx")
    path = with_control_characters(tmp_path / "m.xlsx")
    result = import_file(db, admin, path, errors_path=tmp_path / "e.xlsx")
    assert len(result.rejected) == 2
    ws = load_workbook(tmp_path / "e.xlsx").active
    assert ws["A2"].value == "=SUM(A1)" and ws["A2"].data_type == "s"
    assert ws["C2"].value == "=1+1" and ws["C2"].data_type == "s"
    assert ws["B2"].value == make_id("44030519900101123")  # in full, not masked
    assert ws["A3"].value == "王\ufffd五" and ws["C3"].value == "两个\ufffd空格"
    assert ws["B3"].value == "440305650101123"


def test_carried_back_cells():
    assert import_cells.carried_back(4.40307198810206e17) == "4.40307198810206E+17"
    assert import_cells.carried_back(440305650101123.0) == "440305650101123"
    assert import_cells.carried_back(13800138000.0) == "13800138000"
    assert import_cells.carried_back(1.5) == "1.5"
    assert import_cells.carried_back(440305199001011234) == "440305199001011234"
    assert import_cells.carried_back("x") == "x" and import_cells.carried_back(True) is True
    for value in (4.40307198810206e17, 1.2345678901234567e20, 9.99999999999999e17):
        text = import_cells.carried_back(value)
        try:
            import_cells.as_id_number(text)
        except ValidationError as exc:
            assert exc.codes == ["import.id_excel_number"]
        else:
            raise AssertionError(f"{text} was taken")


# --------------------------------------------------------------------------- the property

_AREAS = ("440303", "440307", "310115", "510104", "110103", "440300", "130000")


@st.composite
def _ids(draw) -> str:
    area = draw(st.sampled_from(_AREAS))
    year = draw(st.integers(1930, 2015))
    body = (f"{area}{year}{draw(st.integers(1, 12)):02d}{draw(st.integers(1, 28)):02d}"
            f"{draw(st.integers(0, 999)):03d}")
    return body + id_check_char(body)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@st.composite
def _cells(draw):
    """An ID number cell as clerks' sheets hold them."""
    idn = draw(_ids())
    form = draw(st.sampled_from(["text", "lower", "fullwidth", "spaced", "typo", "float",
                                 "old15", "scientific", "zeros", "bad_date", "blank"]))
    if form == "text":
        return idn
    if form == "lower":
        return idn.lower()
    if form == "fullwidth":
        return _fullwidth(idn)
    if form == "spaced":
        return f" {idn[:6]} {idn[6:14]} {idn[14:]} "
    if form == "typo":
        i = draw(st.integers(0, 16))
        d = str((int(idn[i]) + draw(st.integers(1, 9))) % 10)
        return idn[:i] + d + idn[i + 1:]
    if form == "float":
        return float(idn[:17] + ("0" if idn[17] == "X" else idn[17]))
    if form == "old15":
        return float(idn[:6] + idn[8:17]) if idn[6:8] == "19" else idn
    if form == "scientific":
        return f"{float(idn[:17]):.5E}"
    if form == "zeros":
        return idn[:15] + "000"
    if form == "bad_date":
        return idn[:10] + "1340" + idn[14:]
    return None


def _typed(cell) -> str | None:
    """The ID number the clerk typed, if the cell says it exactly: text that is an ID
    number, or a number cell of at most 15 digits (which Excel keeps whole)."""
    if isinstance(cell, float):
        if not cell.is_integer() or len(str(int(cell))) > import_cells.EXCEL_DIGITS:
            return None
        cell = str(int(cell))
    if not isinstance(cell, str) or "E" in cell.upper():
        return None
    try:
        return parse_id_number(cell).number
    except ValidationError:
        return None


@settings(max_examples=int(__import__('os').environ.get('ROUNDTRIP_EXAMPLES', 25)), deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(st.lists(_cells(), min_size=1, max_size=12))
def test_no_path_through_the_error_workbook_stores_an_id_not_typed(template_db, tmp_path_factory,
                                                                    cells):
    from station_app.domain.actor import Actor

    work = tmp_path_factory.mktemp("round")
    db_path = work / "station.sqlite3"
    shutil.copy(template_db, db_path)
    sheet = write_xlsx(work / "花名册.xlsx", [["姓名", "公民身份号码"]] + [
        [f"会员{chr(0x4e00 + i)}", c] for i, c in enumerate(cells)])
    typed = [_typed(c) for c in cells]
    valid = {t for t in typed if t is not None}
    actor = Actor("admin", "station_admin", 1, "站长")
    db = open_database(db_path)
    try:
        first = import_file(db, actor, sheet, errors_path=work / "e1.xlsx")
        stored = _stored(db_path)
        assert stored <= valid
        if first.rejected:
            again = import_file(db, actor, first.errors_path, errors_path=work / "e2.xlsx")
            assert again.imported == 0, [again.messages(r) for r in again.rows]
            if again.rejected:  # and once more: still nothing new
                third = import_file(db, actor, again.errors_path)
                assert third.imported == 0
        assert _stored(db_path) == valid  # the union of the imports: the valid rows
    finally:
        db.close()


def test_the_preview_agrees_with_the_oracle_on_each_form(tmp_path):
    idn = make_id("44030719881020601")
    forms = [idn, idn.lower(), _fullwidth(idn), float(idn[:15] + "000"), idn[:15] + "000",
             f"{float(idn):.5E}", idn[:10] + "1340" + idn[14:]]
    path = write_xlsx(tmp_path / "f.xlsx", [["姓名", "身份证号"]] + [
        [f"会员{chr(0x4e00 + i)}", f] for i, f in enumerate(forms)])
    got = [(r.cleaned or {}).get("id_number") for r in preview_file(path).rows]
    assert got == [_typed(f) for f in forms]
    assert got[:3] == [idn] * 3 and got[3] is None and got[5:] == [None, None]
