"""Excel import (SPEC workflow 6): the spreadsheets stations already keep, read with
python-calamine, mapped by header name, checked by the services, written in one
transaction; rejected rows go to an error workbook the clerk fixes and imports again.

    result = preview_file("花名册.xlsx")                  # parse, clean, validate; no writes
    result = import_file(db, actor, "花名册.xlsx", errors_path="花名册-错误.xlsx")

Both return a :class:`SheetImport`: the sheet, the kind (guessed from the headers unless
given), the header row found (below title rows and merged title cells), the column
mapping, and one :class:`RowResult` per data row (its row number in the sheet, the values
read, the cleaned values in a preview, errors by field in Chinese and English). A caller
(the import wizard) may pass ``mapping={column index: field}`` to override the headers.

No Qt here.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from station_app.domain.actor import Actor
from station_app.domain.services import imports
from station_app.domain.validation import (
    FieldError,
    Localized,
    ValidationError,
    field_label,
    normalize_text,
    parse_id_number,
    parse_phone,
    register_messages,
)
from station_app.exchange import import_cells as cells
from station_app.exchange import import_fields as fields
from station_app.exchange.import_kinds import HANDLERS, Handler
from station_app.exchange.sheet_scan import FarCells
from station_app.exchange.xlsx_reading import Workbook

__all__ = ["RowResult", "SheetImport", "WorkbookImport", "read_file", "read_sheets",
           "preview_file", "preview_sheets", "import_file", "import_sheets",
           "check_errors_path", "write_error_workbook", "save_error_workbook", "apply_changes",
           "KINDS"]

KINDS = fields.KINDS

register_messages({
    "import.no_header": (
        "在“{sheet}”的前 {rows} 行中找不到表头：需要有 {needed} 等列。请检查列名；或在导入向导中选择表格内容"
        "（和表头所在行），再手动指定各列",
        "no header row in the first {rows} rows of “{sheet}”: it needs columns such as "
        "{needed}. Check the column names, or in the import wizard choose what the sheet "
        "holds (and its header row) and set the columns by hand",
    ),
    "import.kind_unknown": (
        "不认识的导入类型“{kind}”，可选：{choices}", "unknown import kind “{kind}”; use one of: "
        "{choices}",
    ),
    "import.mapping_field": (
        "第 {column} 列指定的字段“{field}”不属于{kind}，可选：{choices}",
        "column {column} is mapped to “{field}”, which is not a field of {kind}; use one of: "
        "{choices}",
    ),
    "import.errors_path_folder": (
        "“{path}”是一个文件夹：请给出错误工作簿的文件名，例如 {example}",
        "“{path}” is a folder: give the error workbook a file name, e.g. {example}",
    ),
    "import.errors_path_suffix": (
        "错误工作簿保存为 Excel 文件，文件名应以 .xlsx 结尾：“{path}”",
        "the error workbook is an Excel file; its name should end in .xlsx: “{path}”",
    ),
    "import.errors_path_source": (
        "错误工作簿不能覆盖正在导入的文件“{path}”：请换一个文件名",
        "the error workbook cannot replace the workbook being imported (“{path}”); "
        "choose another name",
    ),
    "import.errors_path_unwritable": (
        "无法写入错误工作簿“{path}”（{reason}）：请换一个可以写入的位置；未导入任何内容",
        "cannot write the error workbook “{path}” ({reason}): choose a place that can be "
        "written to; nothing was imported",
    ),
    "import.kept_in_notes": (
        "“{value}”无法识别（{reason}）：这一栏留空导入，原文已记入备注，请核对",
        "“{value}” cannot be read ({reason}): imported without it, the text kept in the "
        "notes; please check",
    ),
    "import.phone_first": (
        "“{value}”不止一个号码或带有附注：已导入 {phone}，原文已记入备注",
        "“{value}” holds more than one number or a remark: {phone} imported, the text kept "
        "in the notes",
    ),
    "import.phone_zero": (
        "{value} 存成了数字，开头的 0 被 Excel 去掉了：已按 {phone} 导入，请核对",
        "{value} was stored as a number and Excel dropped its leading 0: imported as "
        "{phone}; please check",
    ),
    "import.duplicate_other_sheet": (
        "与工作表“{sheet}”第 {row} 行是同一条记录，只导入一次",
        "the same as row {row} of the sheet “{sheet}”; imported once",
    ),
    "import.ignored_total": ("合计行，未导入", "a totals row; not imported"),
    "import.ignored_note": ("说明或签字行，未导入", "a note or signature row; not imported"),
    "import.ignored_header": ("重复的表头行，未导入", "a repeated header row; not imported"),
})

_PREP = {
    fields.TEXT: cells.as_text, fields.PHONE: cells.as_text, fields.CHOICE: cells.as_text,
    fields.DATE: cells.as_date, fields.MONTH: cells.as_month, fields.AMOUNT: cells.as_amount,
    fields.INT: cells.as_count,
}
_TOTAL_WORDS = ("合计", "总计", "小计", "共计", "总数", "total")
_NOTE_WORDS = ("填表人", "制表人", "审核人", "负责人", "经办人", "单位盖章", "盖章", "签字",
               "签名", "签章", "注:", "注：", "说明:", "说明：", "备注:", "备注：", "填表说明",
               "制表日期", "填报日期", "填表日期", "报送日期",
               # the sign-off blocks at the foot of a 困难职工档案表
               "基层工会意见", "上级工会意见", "工会意见", "单位意见", "审核意见", "审批意见")
# a cell of a sign-off block anywhere in the row: （盖章） (签字)
_SIGN_WORDS = ("盖章", "签字", "签名", "签章")
_OPENING = "(（[【〔 "


@dataclass
class RowResult:
    """One data row: where it is in the sheet, what was read, what became of it.

    ``status``: ``ok`` (imported; in a preview: would be), ``error`` (see ``errors``),
    ``duplicate`` (already there, or already earlier in the file: skipped), ``ignored``
    (a totals, note or repeated header row; ``note`` says which).
    """

    row: int  # 1-based row number in the sheet
    cells: list[Any]
    values: dict[str, Any]
    status: str = "ok"
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[FieldError] = field(default_factory=list)
    cleaned: dict[str, Any] | None = None
    note: FieldError | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # a row already there: the record it is (its id), and where the sheet says otherwise
    # (field, the record's value, the sheet's value)
    record_id: str | None = None
    changes: list[tuple[str, Any, Any]] = field(default_factory=list)


@dataclass
class SheetImport:
    path: Path
    sheet: str
    sheet_names: list[str]
    kind: fields.KindSpec
    header_row: int  # 1-based
    headers: list[str]
    mapping: dict[int, str]
    rows: list[RowResult]
    ignored: list[RowResult] = field(default_factory=list)
    written: bool = False
    errors_path: Path | None = None
    errors_problem: str | None = None  # the error workbook could not take its name
    # cells far right of the data (beyond column AMJ) a row-by-row read left out
    far: FarCells | None = None
    # other sheets of the workbook that look like the same data, not read
    others: list[str] = field(default_factory=list)
    # the first data row's cells (what each column holds, for setting columns by hand)
    sample: list[Any] = field(default_factory=list)

    # -- what became of the rows

    def with_status(self, status: str) -> list[RowResult]:
        return [r for r in self.rows if r.status == status]

    @property
    def imported(self) -> int:
        return len(self.with_status("ok")) if self.written else 0

    @property
    def valid(self) -> list[RowResult]:
        return self.with_status("ok")

    @property
    def rejected(self) -> list[RowResult]:
        return self.with_status("error")

    @property
    def skipped(self) -> list[RowResult]:
        return self.with_status("duplicate")

    @property
    def warned(self) -> list[RowResult]:
        """Rows imported (or ready) with a warning: a sign to check them (an area code
        that never existed, the sheet's 性别 or 出生日期 against the ID number …)."""
        return [r for r in self.rows if r.warnings and r.status == "ok"]

    @property
    def extra_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for r in self.rows:
            for k, v in r.extra.items():
                if v and r.status == "ok":
                    out[k] = out.get(k, 0) + 1
        return out

    # -- columns and messages

    @property
    def columns(self) -> dict[str, int]:
        """field -> column index."""
        return {f: c for c, f in self.mapping.items()}

    @property
    def unmapped(self) -> list[tuple[int, str]]:
        """(column index, header) of the columns the import leaves out."""
        return [(c, h) for c, h in enumerate(self.headers)
                if h and self.mapping.get(c, "_") != "_seq"
                and (c not in self.mapping or self.mapping[c].startswith("_"))]

    def field_of(self, error_field: str) -> str:
        return self.kind.error_fields.get(error_field, error_field)

    def label(self, error_field: str, lang: str = "zh") -> str:
        """The column header as the sheet writes it, else the field's label."""
        col = self.columns.get(self.field_of(error_field))
        if col is not None and col < len(self.headers):
            shown = self.headers[col].strip("*＊ ")
            if shown:
                return shown
        return field_label(error_field, lang)

    def messages(self, row: RowResult, lang: str = "zh") -> list[str]:
        sep = ": " if lang.lower().startswith("en") else "："
        out = [f"{self.label(e.field, lang)}{sep}{e.message(lang)}" for e in row.errors]
        if row.note is not None and row.status in ("duplicate", "ignored"):
            out.append(row.note.message(lang))
        return out

    def warning_messages(self, row: RowResult, lang: str = "zh") -> list[str]:
        sep = ": " if lang.lower().startswith("en") else "："
        return [f"{self.label(w.field, lang)}{sep}{w.message(lang)}" for w in row.warnings]

    @property
    def changed(self) -> list[RowResult]:
        """Rows already there where the sheet says otherwise (a new phone, employer …)."""
        return [r for r in self.rows if r.changes]

    def change_messages(self, row: RowResult, lang: str = "zh") -> list[str]:
        """"联系电话：13800138000 → 13900139000": the record's value, then the sheet's."""
        sep = ": " if lang.lower().startswith("en") else "："
        return [f"{self.label(f, lang)}{sep}{shown(old, lang)} → {shown(new, lang)}"
                for f, old, new in row.changes]

    def errors_by_field(self, row: RowResult, lang: str = "zh") -> dict[str, list[str]]:
        """{data field: [messages]} (the field a column maps to)."""
        out: dict[str, list[str]] = {}
        for e in row.errors:
            out.setdefault(self.field_of(e.field), []).append(e.message(lang))
        return out


@dataclass
class WorkbookImport:
    """The sheets of one workbook read (or imported) together: one, several or all of
    those that look like the same data (``others``: the ones not read). Its rows, counts
    and messages are the sheets' together; ``sheet_of(row)`` says whose a row is."""

    path: Path
    sheet_names: list[str]
    sheets: list[SheetImport]
    others: list[str] = field(default_factory=list)
    written: bool = False
    errors_path: Path | None = None
    errors_problem: str | None = None

    def __post_init__(self) -> None:
        self._owner = {id(r): sh for sh in self.sheets for r in (*sh.rows, *sh.ignored)}

    @property
    def kind(self) -> fields.KindSpec:
        return self.sheets[0].kind

    @property
    def sheet(self) -> str:
        return "、".join(sh.sheet for sh in self.sheets)

    # the first sheet's, for a caller that reads one
    @property
    def header_row(self) -> int:
        return self.sheets[0].header_row

    @property
    def headers(self) -> list[str]:
        return self.sheets[0].headers

    @property
    def mapping(self) -> dict[int, str]:
        return self.sheets[0].mapping

    def sheet_of(self, row: RowResult) -> SheetImport:
        return self._owner[id(row)]

    def _all(self, name: str) -> list[RowResult]:
        return [r for sh in self.sheets for r in getattr(sh, name)]

    @property
    def rows(self) -> list[RowResult]:
        return self._all("rows")

    @property
    def valid(self) -> list[RowResult]:
        return self._all("valid")

    @property
    def rejected(self) -> list[RowResult]:
        return self._all("rejected")

    @property
    def skipped(self) -> list[RowResult]:
        return self._all("skipped")

    @property
    def warned(self) -> list[RowResult]:
        return self._all("warned")

    @property
    def ignored(self) -> list[RowResult]:
        return self._all("ignored")

    @property
    def imported(self) -> int:
        return len(self.valid) if self.written else 0

    @property
    def extra_counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for sh in self.sheets:
            for k, n in sh.extra_counts.items():
                out[k] = out.get(k, 0) + n
        return out

    def where(self, row: RowResult) -> str:
        """The row's place: its number, with its sheet's name when there are several."""
        return f"{self.sheet_of(row).sheet}!{row.row}" if len(self.sheets) > 1 \
            else str(row.row)

    def messages(self, row: RowResult, lang: str = "zh") -> list[str]:
        return self.sheet_of(row).messages(row, lang)

    def warning_messages(self, row: RowResult, lang: str = "zh") -> list[str]:
        return self.sheet_of(row).warning_messages(row, lang)

    @property
    def changed(self) -> list[RowResult]:
        return self._all("changed")

    def change_messages(self, row: RowResult, lang: str = "zh") -> list[str]:
        return self.sheet_of(row).change_messages(row, lang)

    def label(self, row: RowResult, field_name: str, lang: str = "zh") -> str:
        return self.sheet_of(row).label(field_name, lang)


def shown(value: Any, lang: str = "zh") -> str:
    """A stored or sheet value as a person reads it."""
    en = lang.lower().startswith("en")
    if value is None or value == "":
        return "(empty)" if en else "（空）"
    if isinstance(value, bool):
        return ("yes" if value else "no") if en else ("是" if value else "否")
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _book(result: SheetImport | WorkbookImport) -> WorkbookImport:
    if isinstance(result, WorkbookImport):
        return result
    book = WorkbookImport(result.path, result.sheet_names, [result], result.others,
                          result.written, result.errors_path, result.errors_problem)
    return book


# --------------------------------------------------------------------------- reading


def _fail(code: str, **params: Any) -> ValidationError:
    return ValidationError([FieldError("file", code, params)])


def _kind(kind: str | None) -> str | None:
    if kind is None or kind in KINDS:
        return kind
    raise _fail("import.kind_unknown", kind=kind, choices=", ".join(KINDS))


def _needed(kind: str | None) -> Localized:
    specs = [KINDS[kind]] if kind else [fields.MEMBERS, fields.ENTERPRISES]
    zh, en = [], []
    for k in specs:
        for f in k.required:
            spec = k.spec(f)
            zh.append(spec.synonyms[0])
            en.append(next((s for s in spec.synonyms if s.isascii()), f))
    return Localized("、".join(dict.fromkeys(zh)), ", ".join(dict.fromkeys(en)))


def _header_text(value: Any) -> str:
    return normalize_text(cells.as_text(value)) if not cells.is_blank(value) else ""


Sheets = str | int | Sequence[str] | None  # a sheet, several, "all", or None: the first


def read_sheets(path: str | Path, *, kind: str | None = None, sheets: Sheets = None,
                mapping: Mapping[int, str] | None = None, header_row: int | None = None
                ) -> WorkbookImport:
    """Read sheets of a workbook and prepare their rows (nothing validated yet).

    The visible sheets whose headers map to the same kind (``kind``, or the first such
    sheet's) are the workbook's data; ``sheets`` chooses among them: None the first
    (``others`` names the rest), "all" every one, a name (or index) or a list of names
    those. ``header_row`` (1-based) and ``mapping`` ({column index: field}) override what
    is found, for one sheet.
    """
    kind = _kind(kind)
    path = Path(path)
    with Workbook(path) as wb:
        every = sheets is None or sheets == "all"
        if every:
            names = wb.visible_sheets
        elif isinstance(sheets, str | int):
            names = [wb.sheet_name(sheets)]
        else:
            names = list(dict.fromkeys(wb.sheet_name(n) for n in sheets))
        heads: dict[str, list[list[Any]]] = {}
        guesses: dict[str, fields.HeaderGuess] = {}
        for name in names:
            head = wb.rows(name, nrows=fields.HEADER_SCAN_ROWS if header_row is None
                           else header_row)
            if header_row is not None:
                head = head[header_row - 1:header_row]
            heads[name] = head
            guess = fields.find_header(head, kind)
            if guess is not None:
                if header_row is not None:
                    guess = fields.HeaderGuess(guess.kind, header_row - 1, guess.mapping,
                                               guess.score)
                guesses[name] = guess
            else:
                wb.forget(name)
        # columns set by hand: for a sheet without headers found, the first one
        manual = mapping is not None and kind is not None
        if not guesses and not manual:
            raise _fail("import.no_header", sheet=names[0] if names else path.name,
                        rows=fields.HEADER_SCAN_ROWS, needed=_needed(kind))
        spec = KINDS[kind] if kind else next(guesses[n] for n in names if n in guesses).kind
        same: dict[str, fields.HeaderGuess] = {}
        for name in names:
            guess = guesses.get(name)
            if guess is not None and guess.kind is not spec:
                guess = fields.find_header(heads[name], spec.code)
                if guess is not None and header_row is not None:
                    guess = fields.HeaderGuess(guess.kind, header_row - 1, guess.mapping,
                                               guess.score)
            if guess is not None:
                same[name] = guess
            elif manual and not guesses:
                if not same:  # no header row given: the data starts on row 1
                    same[name] = fields.HeaderGuess(spec, (header_row or 0) - 1, {}, 0)
            elif not every:  # a sheet named that does not hold this kind
                raise _fail("import.no_header", sheet=name, rows=fields.HEADER_SCAN_ROWS,
                            needed=_needed(spec.code))
        chosen = list(same)[:1] if sheets is None else list(same)
        others = [n for n in same if n not in chosen]
        results = []
        for name in chosen:
            rows = wb.rows(name)
            far = wb.far.get(name)
            wb.forget(name)
            results.append(_sheet(path, name, wb.sheet_names, spec, same[name], rows,
                                  mapping if len(chosen) == 1 else None,
                                  far if far is not None and far.count else None))
        for sh in results:
            sh.others = others
        return WorkbookImport(path, list(wb.sheet_names), results, others)


def _sheet(path: Path, name: str, sheet_names: list[str], spec: fields.KindSpec,
           guess: fields.HeaderGuess, rows: list[list[Any]],
           mapping: Mapping[int, str] | None, far: FarCells | None) -> SheetImport:
    if mapping is not None:
        allowed = set(spec.field_names)
        for col, f in mapping.items():
            if f not in allowed:
                raise _fail("import.mapping_field", column=col + 1, field=f,
                            kind=Localized(*spec.label), choices=", ".join(spec.field_names))
        used = dict(mapping)
    else:
        used = dict(guess.mapping)
    header_cells = rows[guess.row] if 0 <= guess.row < len(rows) else []
    headers = [_header_text(c) for c in header_cells]
    sample = next((list(r) for r in rows[guess.row + 1:guess.row + 1 + fields.HEADER_SCAN_ROWS]
                   if any(not cells.is_blank(c) for c in r)), [])
    data_rows, ignored = _prepare(rows, guess.row, used, spec, HANDLERS[spec.code])
    return SheetImport(path, name, list(sheet_names), spec, guess.row + 1, headers, used,
                       data_rows, ignored, far=far, sample=sample)


def read_file(path: str | Path, *, kind: str | None = None, sheet: str | int | None = None,
              mapping: Mapping[int, str] | None = None, header_row: int | None = None
              ) -> SheetImport:
    """One sheet (``read_sheets``): the named one, or the first that holds data; its
    ``others`` name the sheets that look like the same data."""
    return read_sheets(path, kind=kind, sheets=sheet, mapping=mapping,
                       header_row=header_row).sheets[0]


def _prep_fn(type_: str, name: str):
    if type_ == fields.ID:
        return lambda v: cells.as_id_number(v, name)
    if type_ == fields.CODE:
        return lambda v: cells.as_code(v, name)
    return _PREP.get(type_)


def _starts(text: str, words: tuple[str, ...]) -> bool:
    t = text.replace(" ", "").lower().lstrip(_OPENING)
    return any(t.startswith(w) for w in words)


def _prepare(rows: list[list[Any]], header: int, mapping: Mapping[int, str],
             kind: fields.KindSpec, handler: Handler
             ) -> tuple[list[RowResult], list[RowResult]]:
    plan = []
    for col, name in sorted(mapping.items()):
        spec = kind.spec(name)
        if spec is None or spec.type == fields.IGNORE:
            continue
        # text cells of plain types go straight through unless they hold invisible
        # characters (the common case, kept out of a function call)
        plain = spec.type not in (fields.ID, fields.CODE, fields.MONTH)
        plan.append((col, name, _prep_fn(spec.type, name), plain))
    invisible = cells.HAS_INVISIBLE.search
    blank = cells.BLANK
    blank_set = frozenset(blank)
    header_norm = [fields.normalize_header(c) for c in rows[header]] \
        if 0 <= header < len(rows) else []
    required = kind.required
    # a repeated header row (a sheet printed page by page) has its header text in the
    # first required column: only then are the other cells compared
    probe_col = next((c for c, f in mapping.items() if f == required[0]), None)
    if probe_col is not None and probe_col >= len(header_norm):
        probe_col = None
    has_checks = type(handler).warnings is not Handler.warnings  # row warnings to look for
    out: list[RowResult] = []
    ignored: list[RowResult] = []
    for i in range(header + 1, len(rows)):
        line = rows[i]
        n = len(line)
        values: dict[str, Any] = {}
        errors: list[FieldError] = []
        for col, name, prep, plain in plan:
            if col >= n:
                continue
            raw = line[col]
            if raw.__class__ is str:
                if not raw or ((raw[0] in blank_set or raw[-1] in blank_set)
                               and not raw.strip(blank)):
                    continue
                if plain and (raw.isascii() or invisible(raw) is None):
                    values[name] = raw
                    continue
            elif raw is None:
                continue
            if prep is None:
                values[name] = raw
                continue
            try:
                values[name] = prep(raw)
            except ValidationError as exc:
                errors.extend(exc.errors)
        if not values and not errors:
            continue  # a blank row (or only its 序号)
        if not errors and not all(r in values for r in required):
            why = _not_data(line, header_norm)
            if why is not None:
                ignored.append(RowResult(i + 1, line, values, "ignored",
                                         note=FieldError("row", why)))
                continue
        elif (probe_col is not None and probe_col < n and isinstance(line[probe_col], str)
              and fields.normalize_header(line[probe_col]) == header_norm[probe_col]
              and _same_header(line, header_norm)):
            ignored.append(RowResult(i + 1, line, values, "ignored",
                                     note=FieldError("row", "import.ignored_header")))
            continue
        r = RowResult(i + 1, line, values)
        if errors:
            r.status, r.errors = "error", errors
        if has_checks:
            r.warnings = handler.warnings(values)
        out.append(r)
    return out, ignored


def _same_header(line: list[Any], header_norm: list[str]) -> bool:
    norm = [fields.normalize_header(c) for c in line]
    width = max(len(norm), len(header_norm))
    norm += [""] * (width - len(norm))
    return norm == header_norm + [""] * (width - len(header_norm))


def _not_data(line: list[Any], header_norm: list[str]) -> str | None:
    texts = [normalize_text(c) for c in line if isinstance(c, str) and c.strip()]
    if any(_starts(t, _TOTAL_WORDS) for t in texts):
        return "import.ignored_total"
    if texts and (_starts(texts[0], _NOTE_WORDS) or any(_starts(t, _SIGN_WORDS)
                                                          for t in texts)):
        return "import.ignored_note"
    if header_norm and _same_header(line, header_norm):
        return "import.ignored_header"
    return None


# --------------------------------------------------------------------------- checking


#: optional fields that, when they cannot be read, are imported empty with what the
#: sheet says kept in the notes (and a warning): the one exception to "invalid input is
#: never saved" — the invalid value is never saved in its field, and nothing typed is lost
KEEP_IN_NOTES: dict[str, frozenset[str]] = {
    "members": frozenset(("phone", "ethnicity", "employer_name", "card_no", "join_date",
                          "migrant_worker")),
    "enterprises": frozenset(("address", "industry", "headcount", "union_established",
                              "union_chair", "contact_phone")),
    # the 档案表's fields with a fixed list (政治面貌, 住房类型 …): a wording the list does
    # not know is kept in the notes
    "hardship": frozenset(("political_status", "disability_category", "model_worker_type",
                           "housing_type", "employer_nature", "enterprise_status",
                           "medical_insurance")),
}
_PHONE_FIELDS = ("phone", "contact_phone")
# what clerks write in an optional cell for "nothing"
_NOTHING = frozenset(("无", "暂无", "没有", "空", "/", "-", "—", "--", "none", "n/a", "na"))
_PHONE_IN_TEXT = re.compile(r"(?<![0-9])(?:1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})(?![0-9])")


def _keep_in_notes(sheet: SheetImport, row: RowResult, errors: list[FieldError]) -> bool:
    """A row refused only for optional fields it cannot read: those fields are left out
    of ``row.values`` (a phone among other words is taken; a landline whose leading 0
    Excel dropped gets it back), what the sheet says is added to the notes, a warning
    says so. False (nothing changed) when any error is about something else."""
    optional = KEEP_IN_NOTES.get(sheet.kind.code)
    if not optional or not errors:
        return False
    failed: dict[str, FieldError] = {}
    for e in errors:
        f = sheet.field_of(e.field)
        if f not in optional or f not in row.values:
            return False
        failed.setdefault(f, e)
    notes: list[str] = []
    for f, e in failed.items():
        raw = row.values.pop(f)
        col = sheet.columns.get(f)
        cell = row.cells[col] if col is not None and col < len(row.cells) else raw
        text = normalize_text(cells.as_text(cell))
        if text.lower() in _NOTHING:
            continue  # "无", "/": nothing to keep
        label = sheet.label(f, "zh")
        if f in _PHONE_FIELDS:
            if isinstance(cell, float | int) and not isinstance(cell, bool):
                try:  # 75512345678: a landline in a number cell, its 0 gone
                    row.values[f] = parse_phone("0" + text)
                except ValidationError:
                    pass
                else:
                    row.warnings.append(FieldError(f, "import.phone_zero", {
                        "value": text, "phone": row.values[f]}))
                    continue
            found = []
            for candidate in _PHONE_IN_TEXT.findall(text):
                try:
                    found.append(parse_phone(candidate))
                except ValidationError:
                    continue
            if found:
                row.values[f] = found[0]
                notes.append(f"{label}: {text}")
                row.warnings.append(FieldError(f, "import.phone_first", {
                    "value": text, "phone": found[0]}))
                continue
        notes.append(f"{label}: {text}")
        row.warnings.append(FieldError(f, "import.kept_in_notes", {
            "value": text, "reason": Localized(e.message("zh"), e.message("en"))}))
    if notes:
        before = normalize_text(row.values.get("notes"))
        row.values["notes"] = "; ".join(([before] if before else []) + notes)
    return True


def _complete(sheet: SheetImport, handler: Handler, row: RowResult) -> None:
    """A row rejected while reading (an ID number Excel cut): add the errors of its other
    fields, so the clerk sees them all at once."""
    have = {sheet.field_of(e.field) for e in row.errors}
    try:
        handler.clean(row.values)
    except ValidationError as exc:
        row.errors.extend(e for e in exc.errors if sheet.field_of(e.field) not in have)


def _explain(sheet: SheetImport) -> None:
    """A check character that fails on text of 16-18 digits ending in 000, in a sheet
    where Excel is seen cutting ID numbers (a number cell of more than 15 digits, or two
    such texts): the number went through a number cell, so say that. A single such row
    where nothing else was cut is more likely a typo in a number that really ends in 000:
    it keeps the check character's message (check it against the card)."""
    def failing(r: RowResult) -> int | None:
        for i, e in enumerate(r.errors):
            if e.field == "id_number" and e.code == "id.checksum" \
                    and cells.looks_cut_id(r.values.get("id_number")):
                return i
        return None

    zeros = [(r, i) for r in sheet.rows if (i := failing(r)) is not None]
    if not zeros:
        return
    cut = any(e.code == "import.id_excel_number" for r in sheet.rows for e in r.errors)
    if not cut and len(zeros) < 2:
        return
    for r, i in zeros:
        r.errors[i] = FieldError("id_number", "import.id_excel_number",
                                 {"shown": normalize_text(r.values["id_number"])})


def _in_file_duplicates(sheet: SheetImport) -> None:
    """Preview: the same member (ID number) or enterprise (credit code, else name) twice
    in the sheet; the later rows are errors, as the import's services report them."""
    code = sheet.kind.code
    if code not in ("members", "enterprises"):
        return
    first: dict[Any, int] = {}
    for r in sheet.rows:
        if r.status != "ok" or r.cleaned is None:
            continue
        if code == "members":
            key, f, msg = r.cleaned["id_number"], "id_number", "member.duplicate_in_file"
        else:
            cc = r.cleaned.get("credit_code")
            key = ("code", cc) if cc else ("name", r.cleaned["name"])
            f = "credit_code" if cc else "enterprise_name"
            msg = "enterprise.duplicate_in_file"
        if key in first:
            r.status = "error"
            r.errors.append(FieldError(f, msg, {"row": first[key]}))
        else:
            first[key] = r.row


def _key(kind: str, values: dict[str, Any]) -> Any:
    """Who a member or enterprise row is (for duplicates across sheets): the ID number;
    the credit code, else the name. None when it cannot be read."""
    try:
        if kind == "members":
            return parse_id_number(values.get("id_number")).number
        code = normalize_text(values.get("credit_code")).replace(" ", "").upper()
        return ("code", code) if code else ("name", normalize_text(values.get("name")))
    except ValidationError:
        return None


def _across_sheets(book: WorkbookImport, statuses: tuple[str, ...]) -> None:
    """A member (enterprise) in two sheets read together is imported once: a later
    sheet's row of one already in an earlier sheet is "already there", saying where."""
    code = book.kind.code
    if len(book.sheets) < 2 or code not in ("members", "enterprises"):
        return
    first: dict[Any, tuple[str, int]] = {}
    for sheet in book.sheets:
        here: dict[Any, tuple[str, int]] = {}
        for r in sheet.rows:
            if r.status not in statuses:
                continue
            key = _key(code, r.values)
            if key is None:
                continue
            if key in first and first[key][0] != sheet.sheet:
                r.status = "duplicate"
                r.note = FieldError("row", "import.duplicate_other_sheet",
                                    {"sheet": first[key][0], "row": first[key][1]})
            elif r.status == "ok":
                here.setdefault(key, (sheet.sheet, r.row))
        for key, where in here.items():
            first.setdefault(key, where)


def _add_warning(row: RowResult, warning: FieldError) -> None:
    if all((w.field, w.code, w.params) != (warning.field, warning.code, warning.params)
           for w in row.warnings):
        row.warnings.append(warning)


def _id_warnings(sheet: SheetImport, rows: list[RowResult] | None = None) -> None:
    """The ID number's own warnings (an area code that never existed, or was retired
    before the holder was born) on the rows of the kinds that register people."""
    if sheet.kind.code not in ("members", "hardship"):
        return
    for r in sheet.rows if rows is None else rows:
        if r.status != "ok":
            continue
        raw = (r.cleaned or {}).get("id_number") or r.values.get("id_number")
        try:
            found = parse_id_number(raw).warnings
        except ValidationError:
            continue
        for w in found:
            _add_warning(r, w)


# the fields compared with the record already there (those the sheet fills in)
_COMPARED = {
    "members": ("name", "phone", "ethnicity", "employer_name", "card_no", "join_date",
                "migrant_worker", "notes"),
    "enterprises": ("name", "address", "industry", "headcount", "union_established",
                    "union_chair", "contact_phone", "notes"),
}


def _differences(session, sheet: SheetImport, handler: Handler) -> None:
    """Rows already there (skipped): the record they are, and the fields where the sheet
    says otherwise — a cell left empty is no change (it never erases)."""
    from sqlalchemy import false, or_, select

    from station_app.domain.models import Enterprise, Member

    compared = _COMPARED.get(sheet.kind.code)
    if compared is None:
        return
    rows = []
    for r in sheet.rows:
        if r.status != "duplicate" or r.note is not None and r.note.code != "member.duplicate":
            continue
        if r.cleaned is None:
            try:
                r.cleaned = handler.clean(r.values)
            except ValidationError:
                continue
        rows.append(r)
    if not rows:
        return
    kind = sheet.kind.code
    found: dict[Any, Any] = {}
    linked: dict[str, str] = {}  # a linked employer's id: its name
    if kind == "members":
        station = session.info["ctx"].station_id if "ctx" in session.info else None
        ids = sorted({r.cleaned["id_number"] for r in rows})
        for i in range(0, len(ids), 900):
            q = select(Member).where(Member.id_number.in_(ids[i:i + 900]),
                                     Member.status == "active", Member.deleted == false())
            if station:
                q = q.where(Member.station_id == station)
            found.update((m.id_number, m) for m in session.execute(q).scalars())
        # 工作单位 of a member linked to a registered enterprise: its name (as exported)
        eids = sorted({m.employer_id for m in found.values() if m.employer_id})
        for i in range(0, len(eids), 900):
            linked.update(session.execute(select(Enterprise.id, Enterprise.name).where(
                Enterprise.id.in_(eids[i:i + 900]))).all())
    else:
        codes = sorted({r.cleaned["credit_code"] for r in rows if r.cleaned["credit_code"]})
        names = sorted({r.cleaned["name"] for r in rows})
        for i in range(0, max(len(codes), len(names)), 900):
            q = select(Enterprise).where(Enterprise.deleted == false(), or_(
                Enterprise.credit_code.in_(codes[i:i + 900]),
                Enterprise.name.in_(names[i:i + 900])))
            for e in session.execute(q).scalars():
                if e.credit_code:
                    found.setdefault(("code", e.credit_code), e)
                found.setdefault(("name", e.name), e)
    for r in rows:
        if kind == "members":
            record = found.get(r.cleaned["id_number"])
        else:
            cc = r.cleaned["credit_code"]
            record = found.get(("code", cc)) if cc else found.get(("name", r.cleaned["name"]))
        if record is None:
            continue
        r.record_id = record.id
        now = {f: getattr(record, f) for f in compared}
        if kind == "members" and getattr(record, "employer_id", None) in linked:
            now["employer_name"] = linked[record.employer_id]
        r.changes = [(f, now[f], r.cleaned[f]) for f in compared
                     if f in r.values and r.cleaned.get(f) is not None
                     and r.cleaned[f] != now[f]]


def apply_changes(db, actor: Actor, result: SheetImport | WorkbookImport,
                  picked: Sequence[tuple[RowResult, str]] | None = None) -> int:
    """Write the sheet's values over the records already there (``picked``: (row, field)
    pairs; None: every difference found), in one transaction through the services
    (validated, audited, carried by sync). Returns how many records changed."""
    from station_app.domain.services import enterprises as enterprise_service
    from station_app.domain.services import members as member_service

    book = _book(result)
    wanted: dict[int, set[str]] | None = None
    if picked is not None:
        wanted = {}
        for row, f in picked:
            wanted.setdefault(id(row), set()).add(f)
    update = (member_service.update_member if book.kind.code == "members"
              else enterprise_service.update_enterprise)
    count = 0
    with db.session(actor) as s:
        for r in book.changed:
            data = {f: new for f, _old, new in r.changes
                    if wanted is None or f in wanted.get(id(r), ())}
            if data and r.record_id:
                update(s, r.record_id, data)
                count += 1
    return count


class _DryRun(Exception):
    pass


def _clean_rows(sheet: SheetImport, handler: Handler) -> None:
    """Preview: every row cleaned by the service's rules, or its errors (all of them);
    optional fields it cannot read go to the notes."""
    for r in sheet.rows:
        if r.status == "error":
            _complete(sheet, handler, r)
            continue
        try:
            r.cleaned = handler.clean(r.values)
        except ValidationError as exc:
            if _keep_in_notes(sheet, r, exc.errors):
                try:
                    r.cleaned = handler.clean(r.values)
                except ValidationError as again:
                    r.status, r.errors = "error", list(again.errors)
            else:
                r.status, r.errors = "error", list(exc.errors)


def preview_sheets(path: str | Path, *, kind: str | None = None, sheets: Sheets = None,
                   mapping: Mapping[int, str] | None = None, header_row: int | None = None,
                   db=None, actor: Actor | None = None) -> WorkbookImport:
    """Parse, clean and validate without writing: every row of the sheets
    (``read_sheets``) with its cleaned values or its errors, and its warnings. With ``db``
    the rows are also checked against the database: for members a look-up of the ID
    numbers already registered; for the other kinds the import is run in a transaction
    that is rolled back (so references and duplicates are exact), which needs the acting
    ``actor``."""
    book = read_sheets(path, kind=kind, sheets=sheets, mapping=mapping,
                       header_row=header_row)
    handler = HANDLERS[book.kind.code]
    for sheet in book.sheets:
        _clean_rows(sheet, handler)
        _explain(sheet)
        _in_file_duplicates(sheet)
    _across_sheets(book, ("ok",))
    if db is not None:
        valid = book.valid
        if book.kind.code == "members":
            with db.reader() as s:
                handler.existing(s, valid, db.station_id)
                for sheet in book.sheets:
                    _differences(s, sheet, handler)
        elif valid:
            # the rows are checked again by the services, as the import would
            probes = [(sheet, [(r, RowResult(r.row, r.cells, r.values)) for r in sheet.valid])
                      for sheet in book.sheets]
            try:
                with db.session(actor) as s:
                    for _, pairs in probes:
                        handler.write(s, [p for _r, p in pairs])
                    raise _DryRun
            except _DryRun:
                pass
            for sheet, pairs in probes:
                for r, p in pairs:
                    r.status, r.note, r.extra = p.status, p.note, p.extra
                    r.errors.extend(p.errors)
                    for w in p.warnings:
                        _add_warning(r, w)
                _explain(sheet)
            if book.kind.code == "enterprises":
                with db.reader() as s:
                    for sheet in book.sheets:
                        _differences(s, sheet, handler)
    for sheet in book.sheets:
        _id_warnings(sheet)
    return book


def preview_file(path: str | Path, *, kind: str | None = None, sheet: str | int | None = None,
                 mapping: Mapping[int, str] | None = None, header_row: int | None = None,
                 db=None, actor: Actor | None = None) -> SheetImport:
    """``preview_sheets`` of one sheet: the named one, or the first that holds data."""
    return preview_sheets(path, kind=kind, sheets=sheet, mapping=mapping,
                          header_row=header_row, db=db, actor=actor).sheets[0]


def check_errors_path(path: str | Path, source: str | Path | None = None) -> Path:
    """Where an error workbook is to be written, checked before anything is imported: a
    file name (not a folder) ending in .xlsx, not the workbook being imported, in a folder
    that exists (or can be made) and takes a new file. Raises a ValidationError saying
    what to change."""
    import tempfile

    path = Path(path)
    if path.is_dir():
        raise _fail("import.errors_path_folder", path=str(path),
                    example=str(path / "errors.xlsx"))
    if path.suffix.lower() != ".xlsx":
        raise _fail("import.errors_path_suffix", path=str(path))
    if source is not None and (path.resolve() == Path(source).resolve()
                               or (path.exists() and Path(source).exists()
                                   and os.path.samefile(path, source))):
        raise _fail("import.errors_path_source", path=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".", suffix=".probe"):
            pass
        if path.exists() and not os.access(path, os.W_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
    except OSError as exc:
        raise _fail("import.errors_path_unwritable", path=str(path),
                    reason=exc.strerror or type(exc).__name__) from None
    return path


def _record_export(session, result: SheetImport | WorkbookImport, path: Path,
                   rows: int) -> None:
    """An error workbook carries the clerk's own input in full (ID numbers unmasked): it
    is recorded like an export (who, which file, how many rows), in the audit log."""
    import json

    from station_app.domain.models import AuditRecord
    from station_app.storage.capture import utc_now_text

    actor = session.info.get("actor")
    session.add(AuditRecord(
        at=utc_now_text(), actor=actor.username if actor else "system", action="export",
        table_name=None, row_id=None,
        detail=json.dumps({"what": "import-errors", "kind": result.kind.code,
                           "source": result.path.name, "file": str(path), "rows": rows},
                          ensure_ascii=False)))
    # and as every export is (the record that goes to the district): in full, since it
    # carries the clerk's own input back
    from station_app.domain.services.exposure import record

    record(session, "export", "errors", rows, path, full_ids=True)


def _error_rows(result: SheetImport | WorkbookImport) -> int:
    """The rows an error workbook carries: the rejected, and those imported with a
    warning (on a sheet of their own)."""
    return len(result.rejected) + len(result.warned)


def import_sheets(db, actor: Actor, path: str | Path, *, kind: str | None = None,
                  sheets: Sheets = None, mapping: Mapping[int, str] | None = None,
                  header_row: int | None = None, errors_path: str | Path | None = None,
                  lang: str = "zh") -> WorkbookImport:
    """Import the valid rows of the sheets (``read_sheets``) in one transaction through
    the services; rows already there are skipped (importing the same workbook twice adds
    nothing twice; a member in two sheets is imported once). With ``errors_path``
    (checked before anything is imported), the rejected rows are written there as a
    workbook to fix and import again, with the warnings of the rows imported on a sheet of
    their own (only when there are any): in the same transaction, to a temporary file
    beside it that takes its name once the rows are committed, so the import and its
    error workbook are there together or not at all. Once committed, nothing raises: a
    problem with the file's last step is told in ``errors_problem``, with the workbook
    left where it was written."""
    book = read_sheets(path, kind=kind, sheets=sheets, mapping=mapping,
                       header_row=header_row)
    target = check_errors_path(errors_path, path) if errors_path is not None else None
    handler = HANDLERS[book.kind.code]
    for sheet in book.sheets:
        for r in sheet.rows:
            if r.status == "error":
                _complete(sheet, handler, r)
    temporary: Path | None = None
    try:
        with db.session(actor) as s:
            since = imports.audit_mark(s)
            for sheet in book.sheets:
                handler.write(s, sheet.valid)
                again = [r for r in sheet.rejected if _keep_in_notes(sheet, r, r.errors)]
                for r in again:  # refused only for optional fields: again, without them
                    r.status, r.errors = "ok", []
                if again:
                    handler.write(s, again)
                _explain(sheet)
                if book.kind.code != "members":  # members: the bulk path gave them
                    _id_warnings(sheet)
            _across_sheets(book, ("duplicate", "ok"))
            for sheet in book.sheets:
                _differences(s, sheet, handler)
            if book.valid:  # what it added, to be undone (services.imports)
                imports.record_import(s, source=book.path.name, kind=book.kind.code,
                                      since=since)
            if target is not None and _error_rows(book):
                temporary = target.with_name(f".{target.stem}.{os.getpid()}.tmp.xlsx")
                write_error_workbook(book, temporary, lang=lang)
                _record_export(s, book, target, _error_rows(book))
    except BaseException:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        raise
    book.written = True
    if temporary is not None:
        try:
            os.replace(temporary, target)
            book.errors_path = target
        except OSError as exc:  # committed: say where the workbook is instead
            book.errors_path = temporary
            book.errors_problem = exc.strerror or str(exc)
    for sheet in book.sheets:
        sheet.written = True
        sheet.errors_path, sheet.errors_problem = book.errors_path, book.errors_problem
    return book


def import_file(db, actor: Actor, path: str | Path, *, kind: str | None = None,
                sheet: str | int | None = None, mapping: Mapping[int, str] | None = None,
                header_row: int | None = None, errors_path: str | Path | None = None,
                lang: str = "zh") -> SheetImport:
    """``import_sheets`` of one sheet: the named one, or the first that holds data."""
    return import_sheets(db, actor, path, kind=kind, sheets=sheet, mapping=mapping,
                         header_row=header_row, errors_path=errors_path, lang=lang).sheets[0]


def save_error_workbook(db, actor: Actor, result: SheetImport | WorkbookImport,
                        path: str | Path, *, lang: str = "zh") -> Path:
    """The import wizard's "save the rejected rows": the path checked, the workbook
    written beside it, recorded as an export, then given its name."""
    target = check_errors_path(path, result.path)
    temporary = target.with_name(f".{target.stem}.{os.getpid()}.tmp.xlsx")
    try:
        write_error_workbook(result, temporary, lang=lang)
        with db.session(actor) as s:
            _record_export(s, result, target, _error_rows(result))
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


# --------------------------------------------------------------------------- errors


_TEXT_TYPES = (fields.ID, fields.CODE, fields.PHONE)


def _text_columns(sheet: SheetImport) -> set[int]:
    """The columns written as text cells: ID numbers, codes, phones, card numbers."""
    return {c for c, f in sheet.mapping.items()
            if (s := sheet.kind.spec(f)) is not None and (s.type in _TEXT_TYPES
                                                           or f == "card_no")}


def _reimport_headers(sheet: SheetImport, width: int) -> list[str]:
    """The sheet's own headers, except where one would not be read as the field it was
    imported as (a column mapped by hand, a blank header): that column gets the field's
    usual header, so the error workbook imports again without mapping anything."""
    headers = list(sheet.headers[:width]) + [""] * (width - len(sheet.headers))
    wanted = {c: f for c, f in sheet.mapping.items()
              if c < width and not f.startswith("_")}
    for _ in range(3):  # a renamed header can change which column another one wins
        got = fields.map_headers(headers, sheet.kind)
        wrong = [c for c, f in wanted.items() if got.get(c) != f]
        if not wrong:
            break
        for c in wrong:
            headers[c] = sheet.kind.spec(wanted[c]).synonyms[0]
    return headers


def _writable(value: Any) -> Any:
    """A cell value openpyxl writes as it is: text without the control characters XML
    cannot hold (shown as U+FFFD, so the clerk sees where they were)."""
    if isinstance(value, str):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value) if ILLEGAL_CHARACTERS_RE.search(
            value) else value
    if value is None or isinstance(value, bool | int | float | date | time | timedelta):
        return value
    return str(value)


def write_error_workbook(result: SheetImport | WorkbookImport, path: str | Path, *,
                         lang: str = "zh") -> Path:
    """The rejected rows with their sheet's own columns, plus the row they came from and
    the reason, ready to fix and import again: one sheet per sheet read (named as it
    was), and the warnings of the rows imported on a sheet of their own. The cells are
    what the clerk typed, in full (ID numbers unmasked): ID numbers, codes and phones as
    text cells (so Excel cannot cut them again), a number Excel had already cut in the
    form it shows, which the import refuses again (``import_cells.carried_back``); text
    is never turned into a formula; dates as dates. Written in openpyxl's write-only
    mode."""
    from openpyxl import Workbook as XlsxWorkbook

    book = _book(result)
    en = lang.lower().startswith("en")
    path = Path(path)
    wb = XlsxWorkbook(write_only=True)
    with_errors = [sh for sh in book.sheets if sh.rejected]
    if not with_errors and not book.warned:  # nothing to carry: the header, to fill in
        with_errors = book.sheets[:1]
    for sheet in with_errors:
        _rejected_sheet(wb, sheet, en)
    _warnings_sheet(wb, book, en)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _rejected_sheet(wb, result: SheetImport, en: bool) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet((result.sheet or "errors")[:31])
    rejected = result.rejected
    width = max([len(result.headers)] + [len(r.cells) for r in rejected])
    text_cols = {c for c in _text_columns(result) if c < width}
    for c in text_cols:  # empty cells of those columns are text too, for the fix
        dim = ws.column_dimensions[get_column_letter(c + 1)]
        dim.number_format, dim.width = "@", 22
    ws.column_dimensions[get_column_letter(width + 2)].width = 60
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    red = PatternFill("solid", fgColor="FFF2CC")

    def cell(value: Any, *, text: bool = False, fill: bool = False, font=None,
             alignment=None) -> Any:
        value = _writable(value)
        c = WriteOnlyCell(ws, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # "=…" stays the text typed, never a formula
        if text:
            c.number_format = "@"
        elif isinstance(value, datetime | date):
            c.number_format = "yyyy-mm-dd"
        if fill:
            c.fill = red
        if font is not None:
            c.font = font
        if alignment is not None:
            c.alignment = alignment
        return c

    headers = _reimport_headers(result, width)
    ws.append([cell(h or None, font=bold) for h in headers]
              + [cell(h, font=bold) for h in (["Row", "Reason"] if en else ["原行号", "错误原因"])])
    lang = "en" if en else "zh"
    for r in rejected:
        bad = {result.columns.get(result.field_of(e.field)) for e in r.errors}
        values = list(r.cells[:width]) + [None] * (width - len(r.cells))
        out = []
        for c, v in enumerate(values):
            if c in text_cols:
                v = cells.carried_back(v)
            if v == "":
                v = None
            if c in text_cols or c in bad or isinstance(v, str | date):
                out.append(cell(v, text=c in text_cols, fill=c in bad))
            else:
                out.append(_writable(v))
        reason = "\n".join(result.messages(r, lang) + [
            ("Warning: " if en else "提示：") + m for m in result.warning_messages(r, lang)])
        ws.append(out + [r.row, cell(reason, alignment=wrap)])


def _warnings_sheet(wb, book: WorkbookImport, en: bool) -> None:
    """The rows imported with a warning: (the sheet,) the row, the column, what the sheet
    holds there, the warning. Its own headers, which no import mistakes for data."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    warned = book.warned
    if not warned:
        return
    lang = "en" if en else "zh"
    several = len(book.sheets) > 1
    ws = wb.create_sheet("Warnings" if en else "提示")
    widths = ([24] if several else []) + [10, 16, 24, 80]
    for i, width in enumerate(widths):
        ws.column_dimensions[chr(65 + i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    heads = (["Row", "Column", "In the sheet", "Warning (imported; please check)"] if en
             else ["原行号", "列", "表中内容", "提示（已导入，请核对）"])
    if several:
        heads = ["Sheet" if en else "工作表"] + heads
    cells_ = []
    for h in heads:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        cells_.append(c)
    ws.append(cells_)
    for r in warned:
        sheet = book.sheet_of(r)
        for w in r.warnings:
            col = sheet.columns.get(sheet.field_of(w.field))
            shown = r.cells[col] if col is not None and col < len(r.cells) else None
            if isinstance(shown, float | int) and not isinstance(shown, bool):
                shown = cells.carried_back(shown)
            value = _writable(shown if shown != "" else None)
            if isinstance(value, str) and value.startswith("="):  # text, never a formula
                value = WriteOnlyCell(ws, value=value)
                value.data_type = "s"
            ws.append(([sheet.sheet] if several else [])
                      + [r.row, sheet.label(w.field, lang), value, _writable(w.message(lang))])
