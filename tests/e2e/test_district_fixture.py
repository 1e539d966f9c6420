"""The committed district fixture is what its generator says: expected.json is current and
every workbook LibreOffice wrote holds exactly the generator's cells (read back with
python-calamine, as the import reads them). Regenerate with
``python tests/e2e/district_fixture/make.py`` (needs LibreOffice)."""

from __future__ import annotations

import importlib.util
import json
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

FIXTURE = Path(__file__).with_name("district_fixture")
_spec = importlib.util.spec_from_file_location("district_fixture_make", FIXTURE / "make.py")
make = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = make
_spec.loader.exec_module(make)
CutNumber, DateCell, Money, Title = make.CutNumber, make.DateCell, make.Money, make.Title


def _want(cell):
    if cell is None:
        return ""
    if isinstance(cell, Title):
        return cell.text
    if isinstance(cell, DateCell):
        return cell.value
    if isinstance(cell, Money):
        return float(cell.value)
    if isinstance(cell, CutNumber):  # a spreadsheet keeps 15 significant digits of it
        return f"{float(cell.digits):.15g}"
    if isinstance(cell, int | float):
        return float(cell)
    return cell


def _got(cell):
    if isinstance(cell, datetime):
        return cell.date()
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return f"{cell:.15g}" if abs(cell) >= 1e15 else float(cell)
    return cell


def _rows(sheet_rows: list[list]) -> list[list]:
    out = []
    for row in sheet_rows:
        cells = []
        for c in row:
            cells.append(_want(c))
            if isinstance(c, Title):
                cells += [""] * (c.span - 1)
        out.append(cells)
    return out


def _trim(rows: list[list]) -> list[list]:
    rows = [list(r) for r in rows]
    for r in rows:
        while r and r[-1] == "":
            r.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def test_expected_json_is_what_the_generator_counts():
    current = json.loads((FIXTURE / "expected.json").read_text(encoding="utf-8"))
    fresh = json.loads(json.dumps(make.expected(make.build()), ensure_ascii=False))
    assert current == fresh, "expected.json is stale: run tests/e2e/district_fixture/make.py"


BOOKS = make.workbooks(make.build())


@pytest.mark.parametrize("path", sorted(BOOKS), ids=lambda p: str(p.relative_to(FIXTURE)))
def test_the_workbook_holds_the_generator_cells(path: Path):
    assert path.exists(), f"{path} is missing: run tests/e2e/district_fixture/make.py"
    wb = CalamineWorkbook.from_path(str(path))
    sheets = BOOKS[path]
    assert wb.sheet_names == [name for name, _ in sheets]
    for name, rows in sheets:
        got = _trim([[_got(c) for c in r] for r in wb.get_sheet_by_name(name).to_python(
            skip_empty_area=False)])
        want = _trim(_rows(rows))
        assert got == want, f"{path.name} / {name} differs from the generator"


def test_the_fixture_mixes_the_formats_offices_exchange():
    kinds = {p.suffix for p in BOOKS}
    assert kinds == {".xlsx", ".xls", ".ods"}
    assert isinstance(make.D1, date)
