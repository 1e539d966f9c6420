"""Reading a spreadsheet's cells with python-calamine (.xlsx, .xlsm, .xls, .xlsb, .ods).

calamine reads 100,000 rows × 10 columns about 9× faster than openpyxl in read-only mode
(measured on these machines), and gives typed cells: numbers as float, date-formatted
cells as ``date``/``datetime``, booleans, text; an empty cell is ``""``. Rows keep their
place in the sheet (empty leading rows included), so ``rows[i]`` is sheet row ``i + 1``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from station_app.domain.validation import FieldError, ValidationError, register_messages

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")

register_messages({
    "import.file_type": (
        "无法读取“{name}”：请选择 Excel（.xlsx、.xls）或 WPS/LibreOffice（.ods）表格文件",
        "cannot read “{name}”: choose an Excel (.xlsx, .xls) or OpenDocument (.ods) "
        "spreadsheet",
    ),
    "import.file_unreadable": (
        "无法打开“{name}”（{detail}）：文件可能已损坏或有密码保护，请在表格软件中另存为 .xlsx 后再试",
        "cannot open “{name}” ({detail}): the file may be damaged or password-protected; "
        "save it again as .xlsx in your spreadsheet program and retry",
    ),
    "import.file_missing": (
        "找不到文件“{name}”", "the file “{name}” does not exist",
    ),
    "import.sheet_missing": (
        "工作簿中没有名为“{sheet}”的工作表，现有：{sheets}",
        "the workbook has no sheet named “{sheet}”; it has: {sheets}",
    ),
})


def _fail(code: str, **params: Any) -> ValidationError:
    return ValidationError([FieldError("file", code, params)])


class Workbook:
    """An open workbook (use as a context manager): sheet names, the first rows of a
    sheet (to find the header), all its rows."""

    def __init__(self, path: str | Path):
        from python_calamine import CalamineWorkbook

        self.path = Path(path)
        if not self.path.exists():
            raise _fail("import.file_missing", name=self.path.name)
        if self.path.suffix.lower() not in SUFFIXES:
            raise _fail("import.file_type", name=self.path.name)
        try:
            self._wb = CalamineWorkbook.from_path(str(self.path))
        except Exception as exc:  # calamine's errors: zip, xml, password, unknown format
            raise self._unreadable(exc) from exc
        self.sheet_names: list[str] = list(self._wb.sheet_names)
        self._rows: dict[str, list[list[Any]]] = {}

    def _unreadable(self, exc: Exception) -> ValidationError:
        return _fail("import.file_unreadable", name=self.path.name, detail=type(exc).__name__)

    @property
    def visible_sheets(self) -> list[str]:
        """Worksheets not hidden (chart and macro sheets left out), in workbook order."""
        from python_calamine import SheetTypeEnum, SheetVisibleEnum

        out = [m.name for m in self._wb.sheets_metadata
               if m.visible == SheetVisibleEnum.Visible and m.typ == SheetTypeEnum.WorkSheet]
        return out or self.sheet_names

    def sheet_name(self, sheet: str | int) -> str:
        if isinstance(sheet, int):
            if 0 <= sheet < len(self.sheet_names):
                return self.sheet_names[sheet]
        elif sheet in self.sheet_names:
            return sheet
        raise _fail("import.sheet_missing", sheet=str(sheet), sheets="、".join(self.sheet_names))

    def rows(self, sheet: str, nrows: int | None = None) -> list[list[Any]]:
        """The rows of a sheet from row 1 (``rows[i]`` is sheet row ``i + 1``); the first
        ``nrows`` only when given. calamine loads a whole sheet to give any of its rows,
        so a sheet is loaded once and kept."""
        if sheet not in self._rows:
            try:
                self._rows[sheet] = self._wb.get_sheet_by_name(sheet).to_python(
                    skip_empty_area=False)
            except Exception as exc:
                raise self._unreadable(exc) from exc
        rows = self._rows[sheet]
        return rows if nrows is None else rows[:nrows]

    def forget(self, sheet: str) -> None:
        self._rows.pop(sheet, None)

    def close(self) -> None:
        self._rows.clear()
        self._wb.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
