"""Helpers for the import tests: valid ID numbers and credit codes, workbooks written
with openpyxl in the odd layouts stations keep."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from station_app.domain.validation import credit_code_check_char, id_check_char


def make_id(body17: str) -> str:
    return body17 + id_check_char(body17)


def make_credit(body17: str) -> str:
    return body17 + credit_code_check_char(body17)


def write_xlsx(path: Path, rows: Iterable[Sequence[Any]], *, title: str | None = None,
               merge_title: int = 0, blank_after_title: bool = False,
               formats: dict[str, str] | None = None, sheet: str = "Sheet1",
               extra_sheets: Sequence[str] = ()) -> Path:
    """A workbook with an optional merged title row (and blank row) above ``rows``.

    ``formats`` maps a cell ("D5") to a number format (e.g. "yyyy-mm-dd", "@").
    """
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for name in extra_sheets:  # e.g. an instructions sheet before or after
        wb.create_sheet(name).append(["填表说明：带*为必填项"])
    if title is not None:
        ws.append([title])
        if merge_title:
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=merge_title)
        if blank_after_title:
            ws.append([])
    for row in rows:
        ws.append(list(row))
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    wb.save(path)
    return path
