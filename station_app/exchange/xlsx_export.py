"""Excel out: the sheets offices exchange, written with openpyxl.

Every sheet opens with a title row naming the station and the period, then a frozen
header row, columns wide enough for their contents; ID numbers, credit codes and phone
numbers are written as text, so Excel never turns them into numbers. Big sheets (the
roster) use openpyxl's write-only mode and stream rows from one SQL query.

- ``export_roster``: the member roster of a station (or, at the district, one sheet per
  station and a summary sheet);
- ``export_ledger``: the hardship ledger (台账) of a year or any period, reversals shown,
  with per-case and per-kind totals that count as every other report does;
- ``export_case_files``: the 困难职工档案表, one printable sheet per household;
- ``export_visits`` / ``export_events``: the visit diary, the events of a year or period;
- ``export_report``: the work summary as of a date with the records behind each figure.

**Least exposure.** Each writer takes ``full_ids``: False masks the ID numbers
(``exposure.mask_for_export``: the first 6 and the last 4). The app and the command lines
call them through ``export_recorded``, which decides from the permission table
(``export.full_ids``: a station admin, the district's roles) and records the export
(who, what, how many rows, the file's name) as an ``ExportRecord`` that syncs to the
district.

Money is written in yuan as numbers (exact decimals of the integer fen) with the number
format ``0.00``, so Excel sums it; sheet names are short names made for their sheet
(unique, at most Excel's 31 characters), never cut.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import Date, false, func, select
from sqlalchemy.orm import Session

from station_app.domain.choices import (
    CASE_STATUS,
    EVENT_KIND,
    GENDER,
    HARDSHIP_CATEGORY,
    HARDSHIP_LEVEL,
    LEDGER_KIND,
    VISIT_KIND,
    label,
)
from station_app.domain.models import (
    Enterprise,
    Event,
    HardshipCase,
    LedgerEntry,
    Member,
    Station,
    Visit,
)
from station_app.domain.services.exposure import id_shown, mask_for_export
from station_app.domain.validation import FIELD_LABELS

TITLE_FONT = Font(bold=True, size=14)
HEADER_FONT = Font(bold=True)
MAX_WIDTH = 48  # characters
SAMPLE_ROWS = 200  # rows looked at to size the columns of a streamed sheet
MONEY_FORMAT = "0.00"  # yuan, two decimals; a number Excel sums
SHEET_NAME_MAX = 31  # Excel's limit
SHEET_NAME_BAD = frozenset("[]:*?/\\")


def yuan(fen: int | None) -> Decimal | None:
    """Integer fen as an exact decimal of yuan (written as a number)."""
    return None if fen is None else Decimal(int(fen)).scaleb(-2)


@dataclass(frozen=True)
class Period:
    """The days an export covers, both included: a calendar year or any range."""

    start: date
    end: date

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def is_year(self) -> bool:
        return (self.start.year == self.end.year and (self.start.month, self.start.day) ==
                (1, 1) and (self.end.month, self.end.day) == (12, 31))

    def text(self, lang: str = "zh") -> str:
        if self.is_year:
            return f"{self.start.year} 年" if lang.startswith("zh") else str(self.start.year)
        return f"{self.start.isoformat()} – {self.end.isoformat()}"


def _period(period: Period | int) -> Period:
    return Period.year(period) if isinstance(period, int) else period


def _what(period: Period, zh: str, en: str, lang: str) -> str:
    """A sheet's title words with its period: "2025 年活动", "Events 2025"."""
    text = period.text(lang)
    if not lang.startswith("zh"):
        return f"{en} {text}"
    return f"{text}{zh}" if period.is_year else f"{text} {zh}"


def _width(value: Any) -> int:
    """Display width in Excel's character units: CJK characters count double."""
    value = getattr(value, "value", value)  # a cell made for its number format
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _t(zh_en: tuple[str, str], lang: str) -> str:
    return zh_en[0] if lang.startswith("zh") else zh_en[1]


class SheetWriter:
    """One write-only sheet: title row, frozen header, widths from the first rows. The
    columns in ``money`` hold yuan (``yuan(fen)``) and get the number format ``0.00``."""

    def __init__(self, wb: Workbook, name: str, title: str, headers: Sequence[str], *,
                 money: Iterable[int] = ()):
        if len(name) > SHEET_NAME_MAX or SHEET_NAME_BAD & set(name) or not name:
            raise ValueError(f"not a sheet name Excel takes: {name!r}")
        self.ws = wb.create_sheet(title=name)
        self.title, self.headers = title, list(headers)
        self.money = frozenset(money)
        self._sample: list[Sequence[Any]] = []
        self._started = False
        self.rows = 0

    def money_cell(self, value: Decimal | None) -> Any:
        """One cell of yuan with the number format (for a row whose other cells are not
        money)."""
        cell = WriteOnlyCell(self.ws, value)
        cell.number_format = MONEY_FORMAT
        return cell

    def _cells(self, row: Sequence[Any]) -> Sequence[Any]:
        if not self.money:
            return row
        out = list(row)
        for i in self.money:
            if i < len(out) and out[i] is not None:
                cell = WriteOnlyCell(self.ws, out[i])
                cell.number_format = MONEY_FORMAT
                out[i] = cell
        return out

    def _start(self) -> None:
        widths = [_width(h) for h in self.headers]
        for row in self._sample:
            for i, v in enumerate(row[:len(widths)]):
                widths[i] = max(widths[i], _width(v))
        for i, w in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = min(MAX_WIDTH, w + 2)
        self.ws.freeze_panes = "A3"
        self.ws.print_title_rows = "2:2"
        title = WriteOnlyCell(self.ws, self.title)
        title.font = TITLE_FONT
        self.ws.append([title])
        header = []
        for h in self.headers:
            cell = WriteOnlyCell(self.ws, h)
            cell.font = HEADER_FONT
            header.append(cell)
        self.ws.append(header)
        self._started = True
        for row in self._sample:
            self.ws.append(self._cells(row))
        self._sample = []

    def append(self, row: Sequence[Any]) -> None:
        self.rows += 1
        if self._started:
            self.ws.append(self._cells(row))
            return
        self._sample.append(row)
        if len(self._sample) >= SAMPLE_ROWS:
            self._start()

    def extend(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.append(row)

    def close(self) -> None:
        if not self._started:
            self._start()


def _new_workbook() -> Workbook:
    return Workbook(write_only=True)


def sheet_name_for(candidates: Iterable[str], used: set[str]) -> str:
    """The first candidate Excel takes as a new sheet's name (at most 31 characters, none
    of []:*?/\\, not yet used — Excel compares names without case); ``used`` gets it."""
    last = ""
    for candidate in candidates:
        name = "".join(ch for ch in candidate if ch not in SHEET_NAME_BAD).strip()
        last = name or last
        if name and len(name) <= SHEET_NAME_MAX and name.casefold() not in used:
            used.add(name.casefold())
            return name
    # none fits: a number after the last readable one keeps it unique (rare: codes are short)
    base = (last or "Sheet")[:SHEET_NAME_MAX - 4]
    n = 2
    while f"{base} {n}".casefold() in used:
        n += 1
    used.add(f"{base} {n}".casefold())
    return f"{base} {n}"


def _station(session: Session, station_id: str | None) -> tuple[str, str]:
    if not station_id:
        return "", ""
    st = session.get(Station, station_id)
    return (st.code, st.name) if st is not None else ("", "")


def _title(session: Session, station_id: str | None, what: str, period: str) -> str:
    code, name = _station(session, station_id)
    return " ".join(p for p in (name or code, what, period) if p)


# --------------------------------------------------------------------------- roster

# The office's 会员花名册 (SPEC's layout, the one the import reads back)
ROSTER_HEADERS = (("序号", "No."), ("姓名", "Name"), ("性别", "Gender"), ("民族", "Ethnicity"),
                  ("公民身份号码", "ID number"), ("出生日期", "Birth date"),
                  ("联系电话", "Phone"), ("工作单位", "Employer"), ("入会时间", "Join date"),
                  ("会员证号", "Card no."), ("是否农民工", "Migrant worker"), ("备注", "Notes"))


def roster_rows(session: Session, station_id: str | None, lang: str = "zh",
                as_of: date | None = None, *, full_ids: bool = True) -> Iterator[tuple]:
    """The roster's rows, numbered, in pinyin order of the names, streamed (dates as
    dates, codes as text): with ``as_of``, the members on the roll that day (joined on or
    before it — an unknown join date counts — with no leaving status dated on or before
    it: the rule of the report's figure); without, every member."""
    from sqlalchemy import or_

    yes, no = ("是", "否") if lang.startswith("zh") else ("yes", "no")
    genders = {k: _t(v, lang) for k, v in GENDER.items()}
    q = (select(Member.name, Member.gender, Member.ethnicity, Member.id_number,
                Member.birth_date, Member.phone,
                # 工作单位: the registered enterprise's name, else what was typed (the
                # list's rule; the import links an enterprise's exact name back)
                func.coalesce(Enterprise.name, Member.employer_name), Member.join_date,
                Member.card_no, Member.migrant_worker, Member.notes)
         .outerjoin(Enterprise, Enterprise.id == Member.employer_id)
         .where(Member.deleted == false())
         .order_by(Member.name_sort, Member.name, Member.id)
         .execution_options(yield_per=5_000))
    if station_id:
        q = q.where(Member.station_id == station_id)
    if as_of is not None:
        q = q.where(or_(Member.join_date.is_(None), Member.join_date <= as_of),
                    or_(Member.status == "active", Member.status_date > as_of))
    shown = id_shown(full_ids)
    for n, (name, gender, eth, idn, birth, phone, employer, join, card, migrant,
            notes) in enumerate(_plain_rows(session, q), 1):
        yield (n, name, genders.get(gender, gender), eth, shown(idn), birth, phone, employer,
               join, card, yes if migrant else no, notes)


def _plain_rows(session: Session, q) -> Iterator[tuple]:
    """The rows of a Core select. On SQLite straight from the driver, dates read with
    ``date.fromisoformat``: SQLAlchemy's per-value processing (a regular expression per
    date) was a third of the SQL side of a 100,000-row roster."""
    conn = session.connection()
    if conn.dialect.name != "sqlite":
        yield from session.execute(q)
        return
    compiled = q.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    dates = [i for i, c in enumerate(q.selected_columns) if isinstance(c.type, Date)]
    params = compiled.params
    cursor = conn.connection.driver_connection.execute(
        str(compiled), [params[k] for k in compiled.positiontup])
    parse = date.fromisoformat
    while batch := cursor.fetchmany(5_000):
        for row in batch:
            if dates:
                row = list(row)
                for i in dates:
                    if row[i] is not None:
                        row[i] = parse(row[i])
            yield tuple(row)


def export_roster(session: Session, path: str | Path, station_id: str | None, *,
                  lang: str = "zh", as_of: date | None = None, full_ids: bool = True) -> int:
    """The member roster of a station as of a date (the members on the roll that day, in
    the office's 会员花名册 layout); with ``station_id=None`` (the district) one sheet per
    station and a summary sheet. Returns the number of members written. ``full_ids``
    False: ID numbers masked (``exposure.mask_for_export``; see ``export_recorded``)."""
    as_of = as_of or date.today()
    headers = [_t(h, lang) for h in ROSTER_HEADERS]
    what = "会员名册" if lang.startswith("zh") else "Member roster"
    period = (f"（截至 {as_of.isoformat()}）" if lang.startswith("zh")
              else f"(as of {as_of.isoformat()})")
    wb = _new_workbook()
    total = 0
    if station_id:
        sheet = SheetWriter(wb, what, _title(session, station_id, what, period), headers)
        sheet.extend(roster_rows(session, station_id, lang, as_of, full_ids=full_ids))
        sheet.close()
        total = sheet.rows
    else:
        from station_app.domain.services.stations import stations as all_stations

        stations = all_stations(session, district=False)
        summary = SheetWriter(wb, "汇总" if lang.startswith("zh") else "Summary",
                              " ".join((_t(("区总工会", "District"), lang), what, period)),
                              [_t(("编码", "Code"), lang), _t(("站点", "Station"), lang),
                               _t(("会员人数", "Members"), lang)])
        counts = []
        used = {summary.ws.title.casefold()}
        for st in stations:
            sheet = SheetWriter(wb, sheet_name_for((f"{st.code} {st.name}", st.code), used),
                                " ".join((st.name, what, period)), headers)
            sheet.extend(roster_rows(session, st.id, lang, as_of, full_ids=full_ids))
            sheet.close()
            counts.append((st.code, st.name, sheet.rows))
            total += sheet.rows
        summary.extend(counts)
        summary.append((_t(("合计", "Total"), lang), "", total))
        summary.close()
        # the summary sheet first
        wb._sheets.insert(0, wb._sheets.pop(wb._sheets.index(summary.ws)))
    wb.save(path)
    return total


# --------------------------------------------------------------------------- ledger


def _ledger_totals(session: Session, key, station_id: str | None, period: Period
                   ) -> list[tuple[Any, int, int]]:
    """(key, entries, fen) of the entries that count at the period's end
    (``hardship.counting``: a reversed entry and its reversal are left out, as in every
    other total; a reversal dated after the period does not yet reverse, as in the report
    as of that day) dated in the period."""
    from station_app.domain.services.hardship import counting

    q = (select(key, func.count(), func.sum(LedgerEntry.amount_fen))
         .where(counting(period.end), LedgerEntry.entry_date >= period.start,
                LedgerEntry.entry_date <= period.end)
         .group_by(key))
    if station_id:
        q = q.where(LedgerEntry.station_id == station_id)
    return [(k, int(n), int(total or 0)) for k, n, total in session.execute(q)]


def export_ledger(session: Session, path: str | Path, station_id: str | None,
                  period: Period | int, *, lang: str = "zh", full_ids: bool = True) -> int:
    """台账 of a year (an int) or any period: every entry (reversals shown and marked),
    then per-case and per-kind totals of the entries that count. Amounts are yuan as
    numbers. Returns the number of entries written."""
    zh = lang.startswith("zh")
    period = _period(period)
    kinds = {k: _t(v, lang) for k, v in LEDGER_KIND.items()}
    q = (select(LedgerEntry, Member.name, Member.id_number)
         .join(HardshipCase, HardshipCase.id == LedgerEntry.case_id)
         .join(Member, Member.id == HardshipCase.member_id)
         .where(LedgerEntry.entry_date >= period.start, LedgerEntry.entry_date <= period.end,
                LedgerEntry.deleted == false())
         .order_by(LedgerEntry.entry_date, Member.name, LedgerEntry.hlc))
    if station_id:
        q = q.where(LedgerEntry.station_id == station_id)
    rows = session.execute(q).all()
    reversed_ids = {e.reverses_id for e, _n, _i in rows if e.reverses_id}
    wb = _new_workbook()
    what = _what(period, "困难职工帮扶台账", "Hardship ledger", lang)
    entries = SheetWriter(wb, "台账" if zh else "Ledger", _title(session, station_id, what, ""),
                          [_t(h, lang) for h in (
                              ("日期", "Date"), ("姓名", "Name"), ("身份证号码", "ID number"),
                              ("类别", "Kind"), ("金额（元）", "Amount (yuan)"),
                              ("保障年度", "Cover year"), ("受益人", "Beneficiary"),
                              ("资金来源", "Funding"), ("经办人", "Handled by"),
                              ("冲正", "Reversal"), ("备注", "Note"))], money={4})
    shown = id_shown(full_ids)
    for e, name, idn in rows:
        mark = ""
        if e.reverses_id:
            mark = "冲正" if zh else "reversal"
        elif e.id in reversed_ids:
            mark = "已冲正" if zh else "reversed"
        entries.append((e.entry_date, name, shown(idn), kinds.get(e.kind, e.kind),
                        yuan(e.amount_fen), e.cover_year, e.beneficiary,
                        e.funding_source, e.handled_by, mark, e.note))
    by_kind = _ledger_totals(session, LedgerEntry.kind, station_id, period)
    entries.append((_t(("合计（不含已冲正和冲正）", "Total (reversed entries and reversals "
                        "left out)"), lang), None, None, None,
                    yuan(sum(total for _k, _n, total in by_kind)), None, None, None, None,
                    None, None))
    entries.close()
    names = dict(session.execute(select(HardshipCase.id, Member.name).join(
        Member, Member.id == HardshipCase.member_id)).all())
    cases = SheetWriter(wb, "按困难户" if zh else "By household",
                        _title(session, station_id, what, "按困难户合计" if zh else "by household"),
                        [_t(("姓名", "Name"), lang), _t(("笔数", "Entries"), lang),
                         _t(("金额（元）", "Amount (yuan)"), lang)], money={2})
    by_case = _ledger_totals(session, LedgerEntry.case_id, station_id, period)
    for case_id, n, total in sorted(by_case, key=lambda r: (names.get(r[0], ""), r[0])):
        cases.append((names.get(case_id, case_id), n, yuan(total)))
    cases.close()
    kinds_sheet = SheetWriter(wb, "按类别" if zh else "By kind",
                              _title(session, station_id, what, "按类别合计" if zh else "by kind"),
                              [_t(("类别", "Kind"), lang), _t(("笔数", "Entries"), lang),
                               _t(("金额（元）", "Amount (yuan)"), lang)], money={2})
    grand = count = 0
    for kind, n, total in sorted(by_kind):
        kinds_sheet.append((kinds.get(kind, kind), n, yuan(total)))
        grand += total
        count += n
    kinds_sheet.append((_t(("合计", "Total"), lang), count, yuan(grand)))
    kinds_sheet.close()
    wb.save(path)
    return len(rows)


# --------------------------------------------------------------------------- case files


def export_case_files(session: Session, path: str | Path, case_ids: Sequence[str], *,
                      lang: str = "zh", full_ids: bool = True) -> int:
    """困难职工档案表: one printable sheet per household (A4, fitted to one page wide).
    ``full_ids`` False: the member's and the household's ID numbers masked."""
    from station_app.exchange.casefile import load_case_file, masked_case_file

    zh = lang.startswith("zh")
    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for case_id in case_ids:
        cf = load_case_file(session, case_id)
        if not full_ids:
            cf = masked_case_file(cf)
        number = f"{len(wb.sheetnames) + 1:02d}"
        ws = wb.create_sheet(title=sheet_name_for(
            (f"{number} {cf.name}", number), used))
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth = 1
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.append(["困难职工档案表" if zh else "Hardship file"])
        ws["A1"].font = TITLE_FONT
        member = cf.member
        pairs = [(("姓名", "Name"), member.get("name")),
                 (("性别", "Gender"), _t(GENDER.get(member.get("gender"), ("", "")), lang)),
                 (("身份证号码", "ID number"), member.get("id_number")),
                 (("工作单位", "Employer"), member.get("employer_name")),
                 (("联系电话", "Phone"), member.get("phone"))]
        choices = {"category": HARDSHIP_CATEGORY, "level": HARDSHIP_LEVEL,
                   "status": CASE_STATUS}
        for key in ("category", "level", "household_size", "registered_date", "status"):
            value = cf.values.get(key)
            if key in choices:
                value = label(choices[key], value, lang)
            pairs.append((FIELD_LABELS.get(key, (key, key)), value))
        for (zh_label, en_label), value in pairs:
            ws.append([zh_label if zh else en_label, value])
        ws.append([])
        ws.append([_t(h, lang) for h in (("家庭成员", "Household"), ("关系", "Relation"),
                                          ("身份证号码", "ID number"), ("年龄", "Age"),
                                          ("健康状况", "Health"),
                                          ("就学/就业", "School or work"))])
        for h in cf.household:
            ws.append([h.name, h.relation, h.id_number, h.age, h.health, h.school_or_work])
        ws.append([])
        ws.append([_t(h, lang) for h in (("序号", "No."), ("日期", "Date"), ("类别", "Kind"),
                                          ("金额（元）", "Amount (yuan)"), ("冲正", "Reversal"),
                                          ("备注", "Note"))])
        for e in cf.entries:
            mark = ""
            if e.is_reversal:
                mark = (f"冲正第 {e.reverses_no} 笔" if zh else f"reverses no. {e.reverses_no}")
            elif e.is_reversed:
                mark = (f"已由第 {e.reversed_by_no} 笔冲正" if zh
                        else f"reversed by no. {e.reversed_by_no}")
            ws.append([e.no, e.entry_date, _t(LEDGER_KIND.get(e.kind, (e.kind, e.kind)), lang),
                       yuan(e.amount_fen), mark, e.note])
            ws.cell(ws.max_row, 4).number_format = MONEY_FORMAT
        ws.append([_t(("合计（元）", "Total (yuan)"), lang), None, None,
                   yuan(cf.total_fen)])
        ws.cell(ws.max_row, 4).number_format = MONEY_FORMAT
        for col, width in zip("ABCDEF", (14, 14, 22, 14, 22, 30), strict=True):
            ws.column_dimensions[col].width = width
        for row in ws.iter_rows():
            for cell in row:
                cell.alignment = Alignment(vertical="center", wrap_text=True)
    wb.save(path)
    return len(case_ids)


# --------------------------------------------------------------------------- visits, events


def export_visits(session: Session, path: str | Path, station_id: str | None, start: date,
                  end: date, *, lang: str = "zh") -> int:
    """The visit diary (走访日志) of a period."""
    zh = lang.startswith("zh")
    kinds = {k: _t(v, lang) for k, v in VISIT_KIND.items()}
    q = (select(Visit.visit_date, Visit.kind, Enterprise.name, Enterprise.credit_code,
                Visit.visitors, Visit.operating_status, Visit.workers_served, Visit.findings,
                Visit.actions)
         .outerjoin(Enterprise, Enterprise.id == Visit.enterprise_id)
         .where(Visit.deleted == false(), Visit.visit_date >= start, Visit.visit_date <= end)
         .order_by(Visit.visit_date, Visit.hlc))
    if station_id:
        q = q.where(Visit.station_id == station_id)
    wb = _new_workbook()
    period = f"{start.isoformat()} – {end.isoformat()}"
    sheet = SheetWriter(wb, "走访日志" if zh else "Visit diary",
                        _title(session, station_id, "走访日志" if zh else "Visit diary", period),
                        [_t(h, lang) for h in (
                            ("日期", "Date"), ("类别", "Kind"), ("企业", "Enterprise"),
                            ("统一社会信用代码", "Credit code"), ("走访人", "Visitors"),
                            ("经营状况", "Operating status"), ("服务职工", "Workers served"),
                            ("发现问题", "Findings"), ("处置措施", "Actions"))])
    abnormal = "异常" if zh else "abnormal"
    for d, kind, ent, code, who, status, workers, findings, actions in session.execute(q):
        sheet.append((d, kinds.get(kind, kind), ent, code, who,
                      abnormal if status == "abnormal" else "", workers, findings, actions))
    sheet.close()
    wb.save(path)
    return sheet.rows


def export_events(session: Session, path: str | Path, station_id: str | None,
                  period: Period | int, *, lang: str = "zh") -> int:
    """The events of a year (an int) or any period."""
    zh = lang.startswith("zh")
    period = _period(period)
    kinds = {k: _t(v, lang) for k, v in EVENT_KIND.items()}
    q = (select(Event.event_date, Event.kind, Event.title, Event.place, Event.person_times,
                Event.migrant_person_times)
         .where(Event.deleted == false(), Event.event_date >= period.start,
                Event.event_date <= period.end)
         .order_by(Event.event_date, Event.title))
    if station_id:
        q = q.where(Event.station_id == station_id)
    wb = _new_workbook()
    what = _what(period, "活动", "Events", lang)
    sheet = SheetWriter(wb, "活动" if zh else "Events", _title(session, station_id, what, ""),
                        [_t(h, lang) for h in (("日期", "Date"), ("类别", "Kind"),
                                               ("名称", "Title"), ("地点", "Place"),
                                               ("受惠人次", "Person-times"),
                                               ("其中农民工", "Of them migrant workers"))])
    for d, kind, title, place, people, migrants in session.execute(q):
        sheet.append((d, kinds.get(kind, kind), title, place, people, migrants))
    sheet.close()
    wb.save(path)
    return sheet.rows


# --------------------------------------------------------------------------- report


SYNC_SHEET = ("同步情况", "Sync")


def _sync_lines(sync, lang: str) -> list[str]:
    """The report's sync note as rows under the figures: the stations not synced since D
    (their figures may be incomplete), every station synced, or a station's last sync."""
    if sync is None:
        return []
    own = sync.own_line(lang)
    if own:
        return ["", own]
    warning = sync.warning(lang)
    if warning:
        return ["", warning]
    if sync.stations:
        d = sync.as_of.isoformat()
        return ["", _t((f"各站点均已在 {d} 或之后同步", f"Every station synced on {d} or later"),
                       lang)]
    return []


def export_report(report, path: str | Path, *, lang: str = "zh", sync=None,
                  full_ids: bool = True) -> int:
    """The work summary as of a date: a sheet of figures, a sheet of the targets (when
    there are any), then one sheet per figure with the records behind it, each named by
    the figure's short sheet name. Money in yuan, as numbers. ``sync``
    (``domain.signoff.SyncNote``): under the figures, the stations not synced since D
    (their figures may be incomplete) or a station's own last sync, and at the district
    a sheet of every station's last sync."""
    from station_app.domain.figures import (
        SUMMARY_SHEET,
        TARGETS_SHEET,
        figure_label,
        sheet_name,
    )

    zh = lang.startswith("zh")
    as_of = report.summary.as_of.isoformat()
    where = report.station_name or ("区总工会" if zh else "District")
    period = f"截至 {as_of}" if zh else f"as of {as_of}"
    wb = _new_workbook()
    used = {_t(SUMMARY_SHEET, lang).casefold()}
    figures = SheetWriter(wb, _t(SUMMARY_SHEET, lang),
                          " ".join((where, "工作汇总" if zh else "Work summary", period)),
                          [_t(("指标", "Figure"), lang), _t(("数值", "Value"), lang)])

    def value(code: str, v: int | None):
        return figures.money_cell(yuan(v)) if code.endswith("_fen") and v is not None else v

    for code, text, v in report.figures(lang):
        figures.append((text, value(code, v)))
    for line in _sync_lines(sync, lang):
        figures.append((line, None))
    figures.close()
    if report.summary.targets:
        name = sheet_name_for((_t(TARGETS_SHEET, lang),), used)
        year = report.summary.as_of.year
        targets = SheetWriter(
            wb, name, " ".join((where, f"{year} 年度目标" if zh else f"Targets {year}", period)),
            [_t(h, lang) for h in (("指标", "Figure"), ("范围", "Scope"), ("目标值", "Target"),
                                   ("完成数", "Progress"), ("完成率（%）", "Percent"),
                                   ("本站完成（全区目标）", "This station's part (district "
                                                          "target)"))])
        for t in report.summary.targets:
            scope = _t(("全区", "District"), lang) if t.station_id is None else t.scope
            targets.append((figure_label(t.metric, lang) if t.metric in report.summary.values
                            else t.metric, scope, value(t.metric, t.target),
                            value(t.metric, t.progress), t.percent, value(t.metric, t.part)))
        targets.close()
    if sync is not None and sync.at_district and sync.stations:
        from station_app.domain.signoff import local_text

        late = {st.station_id for st in sync.not_synced}
        name = sheet_name_for((_t(SYNC_SHEET, lang),), used)
        sheet = SheetWriter(
            wb, name, " ".join((where, _t(("数据同步情况", "Sync with the stations"), lang),
                                period)),
            [_t(h, lang) for h in (("编码", "Code"), ("站点", "Station"),
                                   ("最近同步", "Last sync"),
                                   ("截至日期后是否已同步", "Synced since the as-of date"))])
        for st in sync.stations:
            sheet.append((st.code, st.name, local_text(st.last_sync) if st.last_sync
                          else _t(("从未同步", "never"), lang),
                          _t(("否：数字可能不完整", "no: figures may be incomplete"), lang)
                          if st.station_id in late else _t(("是", "yes"), lang)))
        sheet.close()
    listed_rows = 0
    for code, listed in report.lists.items():
        name = sheet_name_for((sheet_name(code, lang), code), used)
        sheet = SheetWriter(wb, name, " ".join((where, figure_label(code, lang), period)),
                            [_t(c, lang) for c in listed.columns], money=listed.money)
        ids = [i for i, c in enumerate(listed.columns) if c[1] == "ID number"]
        if ids and not full_ids:
            sheet.extend(tuple(mask_for_export(v) if i in ids and isinstance(v, str) else v
                               for i, v in enumerate(row)) for row in listed.rows)
        else:
            sheet.extend(listed.rows)
        sheet.close()
        listed_rows += sheet.rows
    wb.save(path)
    return listed_rows


# --------------------------------------------------------------------------- recorded


def export_recorded(db, actor, what: str, path: str | Path, write, *,
                    action: str = "export") -> int:
    """Write one export as ``actor`` and record it: ``write(session, full_ids)`` writes
    the file in a read-only unit of work (so a long export never holds the write lock)
    and returns the rows written; ``full_ids`` is whether ``actor`` may have full ID
    numbers (the permission table's ``export.full_ids``). Then one short unit of work
    records it (``exposure.record``: who, ``what``, how many rows, the file's name, whether
    ID numbers went out in full), which syncs to the district. Returns the rows."""
    from station_app.domain.services import exposure

    with db.reader(actor) as s:
        full = exposure.full_ids_allowed(s)
        rows = write(s, full)
    with db.session(actor) as s:
        exposure.record(s, action, what, rows, path, full_ids=full)
    return rows
