"""One handler per kind of sheet: the service data of a row, its pure validation (for the
preview), and writing valid rows through the services in the caller's transaction.

A handler marks each row it is given: ``ok`` (imported, or importable in a preview),
``error`` (with field errors), ``duplicate`` (already there: skipped, so importing the same
workbook twice adds nothing twice). Keys for "already there":

* members — ID number (active in this station; a person whose row here left is there too,
  unless the row's join date is after that leaving);
* enterprises — credit code, or else name;
* hardship files — the member's open file (one per household head); a row that closes
  the file (脱困日期 or 注销日期) closes that open file; a file already closed is there
  unless the row's 建档日期 is after its closing (a new file);
* ledger entries — ID number + date + kind + amount (a 冲正 row: a reversal of these);
* visits — enterprise + date + kind;
* events — date + kind + title.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from station_app.domain.choices import (
    CASE_STATUS,
    EVENT_KIND,
    HARDSHIP_CATEGORY,
    HARDSHIP_LEVEL,
    LEDGER_KIND,
    MEMBER_STATUS,
    OPERATING_STATUS,
    VISIT_FLAG,
    VISIT_KIND,
)
from station_app.domain.models import (
    Enterprise,
    Event,
    HardshipCase,
    LedgerEntry,
    Member,
    Visit,
)
from station_app.domain.services import enterprises as enterprise_service
from station_app.domain.services import events as event_service
from station_app.domain.services import hardship as hardship_service
from station_app.domain.services import members as member_service
from station_app.domain.services import visits as visit_service
from station_app.domain.services.corrections import permit
from station_app.domain.validation import (
    FIELD_LABELS,
    ErrorCollector,
    FieldError,
    Localized,
    ValidationError,
    normalize_text,
    parse_amount_fen,
    parse_choice,
    parse_date,
    parse_id_number,
    parse_text,
    register_messages,
)
from station_app.exchange import import_fields as fields
from station_app.exchange.import_cells import loose_choice

if TYPE_CHECKING:
    from station_app.exchange.xlsx_import import RowResult

register_messages({
    "import.duplicate_in_file": (
        "与第 {row} 行重复（{what}），只导入一次",
        "the same as row {row} ({what}); imported once",
    ),
    "import.enterprise_unknown": (
        "企业“{name}”尚未登记：请先导入企业名单，或在企业页面登记后再导入",
        "the enterprise “{name}” is not registered: import the enterprise list first, or "
        "register it on the enterprises page, then import again",
    ),
    "import.member_unknown": (
        "身份证号 {id} 不是本站的在会会员：请先导入会员花名册或困难职工档案",
        "the ID number {id} is not an active member of this station: import the member "
        "roster or the hardship files first",
    ),
    "import.no_open_case": (
        "{name} 没有在档的困难职工档案：请先建档（导入困难职工档案表）",
        "{name} has no open hardship file: open one first (import the hardship files)",
    ),
    "import.name_mismatch": (
        "表中姓名“{sheet}”与该身份证号登记的会员“{member}”不一致，请核对姓名或身份证号",
        "the name “{sheet}” differs from the member registered with this ID number "
        "(“{member}”); check the name or the ID number",
    ),
    "import.gender_mismatch": (
        "表中性别为“{sheet}”，身份证号码表明为“{derived}”；以身份证号码为准",
        "the sheet says “{sheet}” but the ID number says “{derived}”; the ID number's is kept",
    ),
    "import.closed_both_ways": (
        "同一行既有脱困日期又有注销日期：档案只能以一种方式关闭，请只保留其中一项",
        "the row has both an exit date (脱困) and a cancellation date (注销): a file is "
        "closed one way only; keep one of them",
    ),
    "import.closing_reason_without_date": (
        "填写了原因但没有日期：请补填{date}",
        "a reason without a date: fill in the {date}",
    ),
    "import.closing_needs_registered": (
        "新建并关闭的档案需要填写建档日期（不晚于{date}）",
        "a file opened and closed by this import needs its registration date (on or "
        "before the {date})",
    ),
    "import.case_already_closed": (
        "{name} 的档案已于 {date} {status}，未重复导入；如为新一次建档，请填写晚于该日期的建档日期",
        "{name}'s file was already closed ({status}) on {date}; not imported again. For a "
        "new file, give a registration date after that day",
    ),
    "import.flags_other": (
        "经营状况为异常，但未写异常情况：已按“{other}”导入，请在走访日志中补充具体情况",
        "the operating status is abnormal but no finding is given: imported as “{other}”; "
        "add the details in the visit diary",
    ),
    "import.birth_mismatch": (
        "表中出生日期为 {sheet}，身份证号码表明为 {derived}；以身份证号码为准",
        "the sheet's date of birth is {sheet} but the ID number says {derived}; the ID "
        "number's is kept",
    ),
    "import.status_both_dates": (
        "同一行有两种离会日期（退会、去世、转出）：请只保留其中一项",
        "the row has the dates of two ways of leaving (退会, 去世, 转出): keep one of them",
    ),
    "import.status_needs_date": (
        "“{status}”需要日期：请填写{date}",
        "“{status}” needs its date: fill in the {date}",
    ),
    "import.status_date_without_status": (
        "有日期但没有会员状态：请在{status}一栏填写“退会”“去世”或“转出”",
        "a date without a status: write “退会” (left), “去世” (deceased) or “转出” "
        "(transferred) in the {status}",
    ),
    "import.status_conflict": (
        "会员状态为“{status}”，与{date}不符：请只保留一种",
        "the status says “{status}”, which does not go with the {date}: keep one of them",
    ),
    "import.member_not_active": (
        "{name} 已于 {date} {status}，未重新登记。如已重新入会，请填写晚于该日期的入会时间；"
        "如状态有误，请用 station-admin member status 更正",
        "{name} is {status} since {date}; not registered again. If they joined again, give "
        "a join date after that day; if the status is wrong, correct it with "
        "station-admin member status",
    ),
})

_SAME = {
    "ledger": Localized("身份证号、日期、类型和金额都相同", "same ID number, date, kind and amount"),
    "visit": Localized("企业、日期和走访类型都相同", "same enterprise, date and kind"),
    "event": Localized("日期、类型和名称都相同", "same date, kind and title"),
}
_GENDER_WORDS = {"男": "M", "女": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
_GENDER_LABEL = {"M": "男", "F": "女"}


def _fail(field: str, code: str, **params: Any) -> ValidationError:
    return ValidationError([FieldError(field, code, params)])


def _chunks(items: Sequence[Any], n: int = 900) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _station(session: Session) -> str:
    return session.info["ctx"].station_id


class Handler:
    kind: fields.KindSpec

    def data(self, values: dict[str, Any]) -> dict[str, Any]:
        """The service's data dict of a row's prepared values."""
        return {k: v for k, v in values.items() if not k.startswith("_")}

    def warnings(self, values: dict[str, Any]) -> list[FieldError]:
        return []

    def clean(self, values: dict[str, Any]) -> dict[str, Any]:
        """Pure validation of one row (the preview); raises ValidationError."""
        raise NotImplementedError

    def write(self, session: Session, rows: list[RowResult]) -> None:
        """Write the rows (all marked ``ok`` before) and mark each one."""
        raise NotImplementedError


def _reject(row: RowResult, exc: ValidationError) -> None:
    row.status = "error"
    row.errors.extend(exc.errors)


# --------------------------------------------------------------------------- members


def _id_digits(raw: Any) -> str | None:
    """An 18-character ID number's text as typed, if it looks like one (a cheap check
    for the warnings below; the full check is the service's)."""
    if not isinstance(raw, str):
        return None
    s = raw if len(raw) == 18 else normalize_text(raw).replace(" ", "")
    return s if len(s) == 18 and s[:17].isdigit() and s.isascii() else None


def person_warnings(values: dict[str, Any]) -> list[FieldError]:
    """The sheet's 性别 and 出生日期 against the ID number (the ID number's are stored)."""
    g_sheet, b_sheet = values.get("gender"), values.get("birth_date")
    if g_sheet is None and b_sheet is None:
        return []
    s = _id_digits(values.get("id_number"))
    if s is None:
        return []
    out: list[FieldError] = []
    if g_sheet is not None:
        code = _GENDER_WORDS.get(g_sheet) or _GENDER_WORDS.get(normalize_text(g_sheet).lower())
        gender = "M" if (ord(s[16]) - 48) % 2 else "F"
        if code is not None and code != gender:
            out.append(FieldError("gender", "import.gender_mismatch",
                                  {"sheet": normalize_text(g_sheet),
                                   "derived": _GENDER_LABEL[gender]}))
    if b_sheet is not None:
        if isinstance(b_sheet, datetime):
            d = b_sheet.date()
        elif isinstance(b_sheet, date):
            d = b_sheet
        else:
            try:
                d = parse_date(b_sheet)
            except ValidationError:
                d = None
        if d is not None and (d.year, d.month, d.day) != (int(s[6:10]), int(s[10:12]),
                                                          int(s[12:14])):
            out.append(FieldError("birth_date", "import.birth_mismatch",
                                  {"sheet": d.isoformat(),
                                   "derived": f"{s[6:10]}-{s[10:12]}-{s[12:14]}"}))
    return out


_PERSON_CHECKS = ("gender", "birth_date")


# A roster's status columns (all optional): 会员状态 (在会/退会/去世/转出) with 状态日期,
# or a date column of the leaving's own (退会日期, 去世日期, 转出日期), which alone says
# the status. 转出 is recorded as the app's status dialog records it (the member moved
# away); a move to another station of the district is the district's transfer, which
# also registers the member there.
_STATUS_DATE_COLUMNS = {"left": "left_date", "deceased": "deceased_date",
                        "transferred": "transferred_date"}
_STATUS_FIELDS = ("status", "status_date", *_STATUS_DATE_COLUMNS.values())
_STATUS_WORDS = {"正常": "在会", "在册": "在会", "在籍": "在会", "离会": "退会",
                 "已离会": "退会", "死亡": "去世", "已死亡": "去世", "已故": "去世",
                 "病故": "去世", "身故": "去世", "调出": "转出", "转会": "转出"}


def member_status(values: dict[str, Any], join: Any = None) -> tuple[str, date] | None:
    """The leaving a roster row records — (left, deceased or transferred, its date) —
    checked: a status, its date (not in the future, not before the row's 入会时间), one
    way only. None when the row says nothing or 在会."""
    if all(values.get(k) is None for k in _STATUS_FIELDS):
        return None
    c = ErrorCollector()
    raw = values.get("status")
    status = None
    if raw is not None and normalize_text(raw):
        text = normalize_text(raw)
        status = c.check("status", parse_choice,
                         loose_choice(_STATUS_WORDS.get(text, text), MEMBER_STATUS),
                         field="status", choices=MEMBER_STATUS)
    dates = {}
    for st, col in _STATUS_DATE_COLUMNS.items():
        if values.get(col) is not None:
            dates[st] = c.check(col, parse_date, values[col], field=col, not_future=True)
    given = None if values.get("status_date") is None else c.check(
        "status_date", parse_date, values["status_date"], field="status_date",
        not_future=True)
    c.raise_if_any()
    if len(dates) > 1:
        for st in dates:
            c.add(_STATUS_DATE_COLUMNS[st], "import.status_both_dates")
        c.raise_if_any()
    if status is None:
        if not dates:
            if given is not None:
                c.add("status", "import.status_date_without_status",
                      status=Localized(*FIELD_LABELS["status"]))
                c.raise_if_any()
            return None
        status = next(iter(dates))
    for st in dates:
        if st != status:
            c.add(_STATUS_DATE_COLUMNS[st], "import.status_conflict",
                  status=Localized(*MEMBER_STATUS[status]),
                  date=Localized(*FIELD_LABELS[_STATUS_DATE_COLUMNS[st]]))
    c.raise_if_any()
    if status == "active":
        return None
    when = dates.get(status) or given
    where = _STATUS_DATE_COLUMNS[status] if status in dates else "status_date"
    if when is None:
        c.add("status_date", "import.status_needs_date",
              status=Localized(*MEMBER_STATUS[status]),
              date=Localized(*FIELD_LABELS["status_date"]))
        c.raise_if_any()
    if join is not None and when < join:
        c.add(where, "member.status_date_before_join", join=join.isoformat())
        c.raise_if_any()
    return status, when


class Members(Handler):
    """Members of the roster, registered through the bulk path (already there: an
    active member with the ID number). A row with a leaving status (退会, 去世 or 转出
    and its date) registers the member with it, or records it on the active member already
    there; a person whose row here left is not registered again unless the row's 入会时间
    is after that leaving (they joined again)."""

    kind = fields.MEMBERS

    def data(self, values):
        return {k: v for k, v in values.items()
                if not k.startswith("_") and k not in _PERSON_CHECKS
                and k not in _STATUS_FIELDS}

    def warnings(self, values):
        return person_warnings(values)

    def clean(self, values):
        errors: list[FieldError] = []
        out: dict[str, Any] = {}
        try:
            out.update(member_service.clean_member(self.data(values)).values)
        except ValidationError as exc:
            errors += exc.errors
        try:
            leaving = member_status(values, out.get("join_date"))
        except ValidationError as exc:
            errors += exc.errors
        else:
            if leaving is not None:
                out["status"], out["status_date"] = leaving
        if errors:
            raise ValidationError(errors)
        return out

    def _sort(self, session: Session, rows: list[RowResult], station: str | None
              ) -> tuple[list[RowResult], list[tuple[RowResult, Member, tuple[str, date]]]]:
        """Which rows go to the bulk registration, which record a leaving on the member
        already there (with that member and the leaving); the rest are marked here (an
        error, already there)."""
        parsed: list[tuple[RowResult, str | None, tuple[str, date] | None]] = []
        for r in rows:
            try:
                join = None if r.values.get("join_date") is None else parse_date(
                    r.values["join_date"], field="join_date")
            except ValidationError:
                join = None  # the registration says why
            try:
                leaving = member_status(r.values, join)
            except ValidationError as exc:
                _reject(r, exc)
                continue
            try:
                idn = parse_id_number(r.values.get("id_number")).number
            except ValidationError:
                idn = None  # the registration says why
            parsed.append((r, idn, leaving))
        ids = sorted({idn for _, idn, _ in parsed if idn})
        here: dict[str, list[Member]] = {}
        for chunk in _chunks(ids):
            q = select(Member).where(Member.id_number.in_(chunk), Member.deleted == false())
            if station:
                q = q.where(Member.station_id == station)
            for m in session.execute(q).scalars():
                here.setdefault(m.id_number, []).append(m)
        bulk: list[RowResult] = []
        leave: list[tuple[RowResult, Member, tuple[str, date]]] = []
        for r, idn, leaving in parsed:
            rows_here = here.get(idn, []) if idn else []
            active = next((m for m in rows_here if m.status == "active"), None)
            if active is not None:
                if leaving is None:
                    bulk.append(r)  # already there: the bulk path skips it
                    continue
                sheet_name = normalize_text(r.values.get("name")).replace(" ", "")
                if sheet_name and sheet_name != active.name.replace(" ", ""):
                    _reject(r, _fail("name", "import.name_mismatch", sheet=sheet_name,
                                     member=active.name))
                    continue
                leave.append((r, active, leaving))
                continue
            if rows_here:  # only rows that left: already there, unless joined again
                last = max(rows_here, key=lambda m: (m.status_date or date.min, m.id))
                join = None
                try:
                    if r.values.get("join_date") is not None:
                        join = parse_date(r.values["join_date"], field="join_date")
                except ValidationError:
                    pass
                if leaving is None and join is not None and last.status_date is not None \
                        and join > last.status_date:
                    bulk.append(r)  # joined again
                    continue
                r.status = "duplicate"
                r.note = FieldError("row", "import.member_not_active", {
                    "name": last.name, "status": Localized(*MEMBER_STATUS[last.status]),
                    "date": last.status_date.isoformat() if last.status_date
                    else Localized("（日期不详）", "(date unknown)")})
                continue
            bulk.append(r)
        return bulk, leave

    def _link_employers(self, session: Session, data: list[dict[str, Any]]) -> None:
        """A 工作单位 that is exactly a registered enterprise's name links to it."""
        names = sorted({normalize_text(d.get("employer_name")) for d in data} - {""})
        if not names:
            return
        ids: dict[str, str] = {}
        for chunk in _chunks(names):
            ids.update(session.execute(select(Enterprise.name, Enterprise.id).where(
                Enterprise.name.in_(chunk), Enterprise.deleted == false())).all())
        if ids:
            for d in data:
                eid = ids.get(normalize_text(d.get("employer_name")))
                if eid:
                    d["employer_id"] = eid

    def existing(self, session: Session, rows: list[RowResult], station: str | None
                 ) -> None:
        """Preview: mark rows whose ID number is already an active member here (a row
        recording a leaving on such a member is not: it would be recorded), and rows of
        a person whose row here left."""
        bulk, _leave = self._sort(session, rows, station)
        rows = bulk
        ids = sorted({r.cleaned["id_number"] for r in rows if r.cleaned})
        found: dict[str, str] = {}
        for chunk in _chunks(ids):
            q = select(Member.id_number, Member.name).where(
                Member.id_number.in_(chunk), Member.status == "active",
                Member.deleted == false())
            if station:
                q = q.where(Member.station_id == station)
            found.update(session.execute(q).all())
        for r in rows:
            if r.cleaned and r.cleaned["id_number"] in found:
                r.status = "duplicate"
                r.note = FieldError("id_number", "member.duplicate",
                                    {"name": found[r.cleaned["id_number"]]})

    def write(self, session, rows):
        station = _station(session)
        rows, leave = self._sort(session, rows, station)
        # clean_member reads only the fields it knows, so the values go as they are
        data = [r.values for r in rows]
        self._link_employers(session, data)
        result = member_service.bulk_register_members(session, data, skip_existing=True)
        _apply_bulk(rows, result, "member.duplicate_in_file")
        for idx, w in result.warnings:
            rows[idx].warnings.append(w)
        # the leavings of members registered just now, then of those already there
        fresh = [r for r in rows if r.status == "ok" and member_status(r.values)]
        registered: dict[str, Member] = {}
        for chunk in _chunks(sorted({parse_id_number(r.values["id_number"]).number
                                     for r in fresh})):
            registered.update((m.id_number, m) for m in session.execute(select(Member).where(
                Member.station_id == station, Member.id_number.in_(chunk),
                Member.status == "active", Member.deleted == false())).scalars())
        for r in fresh:
            m = registered[parse_id_number(r.values["id_number"]).number]
            leave.append((r, m, member_status(r.values, m.join_date)))
        for r, m, (status, when) in leave:
            try:
                with session.begin_nested():
                    member_service.change_status(session, m.id, status, when)
            except ValidationError as exc:
                _reject(r, exc)
                continue
            r.extra[f"members_{status}"] = True


def _apply_bulk(rows: list[RowResult], result: member_service.BulkResult,
                in_file_code: str) -> None:
    for idx, exc in result.rejected:
        errors = []
        for e in exc.errors:
            if e.code == in_file_code:  # the service counts rows from 1 in its input
                e = FieldError(e.field, e.code, {**e.params, "row": rows[e.params["row"] - 1].row})
            errors.append(e)
        _reject(rows[idx], ValidationError(errors))
    for idx in result.skipped:
        rows[idx].status = "duplicate"


# --------------------------------------------------------------------------- enterprises


class Enterprises(Handler):
    kind = fields.ENTERPRISES

    def data(self, values):
        d = {k: v for k, v in values.items() if not k.startswith("_") and k != "contact_person"}
        person = normalize_text(values.get("contact_person"))
        if person:  # no column of its own: kept at the head of the notes
            notes = normalize_text(values.get("notes"))
            d["notes"] = f"联系人: {person}" + (f"; {notes}" if notes else "")
        return d

    def clean(self, values):
        return enterprise_service.clean_enterprise(self.data(values))

    def write(self, session, rows):
        result = enterprise_service.bulk_register_enterprises(
            session, [self.data(r.values) for r in rows], skip_existing=True)
        _apply_bulk(rows, result, "enterprise.duplicate_in_file")


# --------------------------------------------------------------------------- hardship


def _hardship_choices(values: dict[str, Any]) -> dict[str, Any]:
    """Sheets from the union's system put the level in 困难类别 ("深度困难职工") and the
    cause in 主要致困原因 ("因病"): sort them into level and category."""
    v = dict(values)

    def as_code(raw: Any, choices) -> str | None:
        text = loose_choice(raw, choices)
        key = normalize_text(text).casefold()
        for code, (zh, en) in choices.items():
            if key in (code.casefold(), normalize_text(zh).casefold(), en.casefold()):
                return code
        return None

    cat = v.get("category")
    if cat is not None and as_code(cat, HARDSHIP_CATEGORY) is None:
        level = as_code(cat, HARDSHIP_LEVEL)
        if level is not None and v.get("level") is None:
            v["level"], v["category"] = level, None
    if v.get("category") is None and v.get("primary_cause") is not None:
        code = as_code(v["primary_cause"], HARDSHIP_CATEGORY)
        if code is not None:
            v["category"] = code
    for key, choices in (("category", HARDSHIP_CATEGORY), ("level", HARDSHIP_LEVEL)):
        if v.get(key) is not None:
            v[key] = loose_choice(v[key], choices)
    return v


_CASE_FIELDS = frozenset(
    ("category", "level", "household_size", "registered_date", "last_review_date",
     *hardship_service.CASE_TEXT_FIELDS, *hardship_service.CASE_MONEY_FIELDS,
     *hardship_service.CASE_BOOL_FIELDS))
_MEMBER_FIELDS = ("name", "id_number", "phone", "ethnicity", "employer_name")


# a closed file's columns: status -> (its date column, its reason column)
CLOSING_COLUMNS = {"exited": ("exit_date", "exit_reason"),
                   "cancelled": ("cancel_date", "cancel_reason")}


def _registered_given(values: dict[str, Any]) -> date | None:
    """The row's 建档日期 when it has one (unchecked rows raise in ``clean`` first)."""
    raw = values.get("registered_date")
    return None if raw is None else parse_date(raw, field="registered_date")


def check_closing(values: dict[str, Any], registered: date | None
                  ) -> tuple[str, date, str] | None:
    """The row's closing — (status, date, reason) — from 脱困日期/脱困原因 or
    注销日期/注销原因, checked like the service's (a real date, not in the future, not
    before ``registered``; a reason). None when the row closes nothing. A row with both
    dates, or a reason without its date, is refused naming those columns."""
    given = [st for st, (d, _r) in CLOSING_COLUMNS.items() if values.get(d) is not None]
    c = ErrorCollector()
    if len(given) > 1:
        for st in given:
            c.add(CLOSING_COLUMNS[st][0], "import.closed_both_ways")
        c.raise_if_any()
    for st, (d, r) in CLOSING_COLUMNS.items():
        if st not in given and values.get(r) is not None:
            c.add(d, "import.closing_reason_without_date", date=Localized(*FIELD_LABELS[d]))
    c.raise_if_any()
    if not given:
        return None
    status = given[0]
    d, r = CLOSING_COLUMNS[status]
    when, why = hardship_service.check_closing(status, values.get(d), values.get(r), registered,
                                               date_field=d, reason_field=r)
    return status, when, why


class Hardship(Handler):
    """One file per row; the household head is found by ID number among this station's
    active members, or registered from the row (name, ID number, phone, ethnicity,
    employer) when absent. Household-member rows are not imported.

    A row with 脱困日期 (and 脱困原因) or 注销日期 (and 注销原因) closes the file: the
    household head's open file, or else the file the row opens, in the same savepoint
    (a new file closed at once needs its 建档日期). Closing takes a station admin, as in
    the app. A head whose file is already closed is "already there" unless the row's
    建档日期 is after that closing (a new file)."""

    kind = fields.HARDSHIP

    def prepared(self, values):
        return _hardship_choices(values)

    def case_data(self, values):
        return {k: v for k, v in self.prepared(values).items() if k in _CASE_FIELDS}

    def member_data(self, values):
        return {k: values.get(k) for k in _MEMBER_FIELDS}

    def warnings(self, values):
        return person_warnings(values)

    def clean(self, values):
        errors: list[FieldError] = []
        out: dict[str, Any] = {}
        try:
            out.update(member_service.clean_member(self.member_data(values)).values)
        except ValidationError as exc:
            errors += exc.errors
        try:
            out.update(hardship_service.clean_case(self.case_data(values)))
        except ValidationError as exc:
            errors += [e for e in exc.errors if e not in errors]
        try:
            registered = out.get("registered_date") if values.get("registered_date") \
                is not None else None
            closing = check_closing(values, registered)
            if closing is not None:
                out["status"], out["exit_date"], out["exit_reason"] = closing
        except ValidationError as exc:
            errors += [e for e in exc.errors if e not in errors]
        if errors:
            raise ValidationError(errors)
        return out

    def _errors(self, values: dict[str, Any]) -> list[FieldError]:
        try:
            self.clean(values)
        except ValidationError as exc:
            return list(exc.errors)
        return []

    def _close(self, session: Session, r: RowResult, case_id: str, registered: date,
               closing: tuple[str, date, str]) -> None:
        status, when, why = closing
        d, reason = CLOSING_COLUMNS[status]
        # checked against the file's own 建档日期, the errors naming the sheet's columns
        hardship_service.check_closing(status, when, why, registered, date_field=d,
                                       reason_field=reason)
        hardship_service.close_case(session, case_id, status, when, why)
        r.extra["file_closed"] = True

    def write(self, session, rows):
        permit(session, "case.open")
        station = _station(session)
        for r in rows:
            # everything the row can be checked for alone; a row that only closes the
            # open file already there needs no more of the file's fields than that
            try:
                idn = parse_id_number(r.values.get("id_number")).number
            except ValidationError as exc:
                _reject(r, ValidationError(self._errors(r.values) or exc.errors))
                continue
            try:
                cleaned: dict[str, Any] | None = self.clean(r.values)
                registered = _registered_given(r.values)
                bad = None
            except ValidationError as exc:
                cleaned, registered, bad = None, None, exc
            closing = ((cleaned["status"], cleaned["exit_date"], cleaned["exit_reason"])
                       if cleaned and "status" in cleaned else None)
            member = session.execute(select(Member).where(
                Member.station_id == station, Member.id_number == idn,
                Member.status == "active", Member.deleted == false()).limit(1)
            ).scalar_one_or_none()
            if member is not None:
                sheet_name = normalize_text(r.values.get("name")).replace(" ", "")
                if sheet_name and sheet_name != member.name.replace(" ", ""):
                    _reject(r, _fail("name", "import.name_mismatch", sheet=sheet_name,
                                     member=member.name))
                    continue
                files = list(session.execute(select(HardshipCase).where(
                    HardshipCase.member_id == member.id,
                    HardshipCase.deleted == false())).scalars())
                open_file = next((f for f in files if f.status == "open"), None)
                if open_file is not None and bad is not None:
                    try:  # the row's closing alone, checked against the file's 建档日期
                        closing = check_closing(r.values, open_file.registered_date)
                    except ValidationError as exc:
                        _reject(r, exc)
                        continue
                    if closing is None:
                        _reject(r, bad)
                        continue
                elif bad is not None:
                    _reject(r, bad)
                    continue
                if open_file is not None:
                    if closing is None:
                        r.status = "duplicate"
                        continue
                    try:
                        with session.begin_nested():
                            self._close(session, r, open_file.id, open_file.registered_date,
                                        closing)
                    except ValidationError as exc:
                        _reject(r, exc)
                    continue
                if files and not (registered is not None and all(
                        f.exit_date is not None and registered > f.exit_date for f in files)):
                    last = max(files, key=lambda f: (f.exit_date or date.min,
                                                     f.registered_date))
                    r.status = "duplicate"
                    r.note = FieldError("row", "import.case_already_closed", {
                        "name": member.name, "status": Localized(*CASE_STATUS[last.status]),
                        "date": last.exit_date.isoformat() if last.exit_date
                        else Localized("（日期不详）", "(date unknown)")})
                    continue
            if bad is not None:
                _reject(r, bad)
                continue
            if closing is not None and registered is None:
                d = CLOSING_COLUMNS[closing[0]][0]
                _reject(r, _fail("registered_date", "import.closing_needs_registered",
                                 date=Localized(*FIELD_LABELS[d])))
                continue
            try:
                with session.begin_nested():  # the member and the file, or neither
                    if member is None:
                        member = member_service.register_member(session, self.member_data(
                            r.values))
                        r.extra["member_registered"] = True
                    case = hardship_service.open_case(session, member.id,
                                                      self.case_data(r.values))
                    if closing is not None:
                        self._close(session, r, case.id, case.registered_date, closing)
            except ValidationError as exc:
                r.extra.pop("member_registered", None)
                _reject(r, exc)


# --------------------------------------------------------------------------- ledger


# A 冲正 (reversal) row of a ledger sheet: a negative amount, or 冲正 / 红冲 in 帮扶类型
# ("慰问金（冲正）", "冲正") or at the head of 备注 ("冲正：1月18日误录") or bracketed in it.
_MARK = r"(?:冲正|红冲)"
_MARK_IN_KIND = re.compile(r"[（(【\[]?\s*" + _MARK + r"\s*[)）】\]]?")
_MARK_NOTE_HEAD = re.compile(r"^\s*[（(【\[]?\s*" + _MARK
                             + r"(?:\s*[)）】\]]|[\s:：,，.。;；、\-—]|$)")
_MARK_NOTE_BRACKETED = re.compile(r"[（(【\[]\s*" + _MARK + r"\s*[)）】\]]")
_SEPARATORS = re.compile(r"^[\s:：,，.。;；、\-—/]+|[\s:：,，.。;；、\-—/]+$")
# dates a 冲正 row's 备注 may name (the entry it corrects): 2023-01-18, 2023年1月18日,
# 2023.1.18, 2023/1/18, or 1月18日
_NOTE_FULL_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_NOTE_DAY = re.compile(r"(?<![\d年./-])(\d{1,2})\s*月\s*(\d{1,2})\s*日")

register_messages({
    "import.reversal_no_original": (
        "{name} 没有可冲正的记录（{kind}，{amount} 元，{date} 或之前，尚未冲正）：请核对类型、金额和日期；"
        "或在程序的困难职工页面冲正，或用 station-admin ledger reverse 记录编号 --reason 原因",
        "{name} has no entry this reversal (冲正) can correct ({kind}, {amount} yuan, on or "
        "before {date}, not reversed yet): check the kind, amount and date; or reverse the "
        "entry on the app's hardship page, or with station-admin ledger reverse ENTRY_ID "
        "--reason …",
    ),
    "import.reversal_ambiguous": (
        "{name} 有 {count} 条记录都可能是这条冲正所更正的（{dates}），导入不代为选择：请在备注中写明原记录的"
        "日期（如“冲正：{example}误录”），或在程序中冲正，或用 station-admin ledger list {id} "
        "查看记录编号后用 station-admin ledger reverse 记录编号 --reason 原因",
        "{count} entries of {name} could be the one this reversal (冲正) corrects "
        "({dates}); the import does not choose: name the original's date in 备注 (e.g. "
        "“冲正：{example}误录”), or reverse it in the app, or find its id with "
        "station-admin ledger list {id} and use station-admin ledger reverse ENTRY_ID "
        "--reason …",
    ),
})
_ANY_KIND = Localized("任何类型", "any kind")
_SAME_REVERSAL = Localized("同一冲正：身份证号、日期、类型和金额都相同",
                           "the same reversal: ID number, date, kind and amount")


def _marked(text: Any) -> bool:
    return isinstance(text, str) and bool(re.search(_MARK, text))


def is_reversal_row(values: dict[str, Any]) -> bool:
    """Whether a ledger row is a 冲正 (reversal): a negative amount, 冲正/红冲 in
    帮扶类型, or at the head of 备注 (or bracketed in it)."""
    raw = values.get("amount")
    if raw is not None:
        try:
            if parse_amount_fen(raw, allow_negative=True, allow_zero=True) < 0:
                return True
        except ValidationError:
            pass
    if _marked(values.get("kind")):
        return True
    note = values.get("note")
    return isinstance(note, str) and bool(_MARK_NOTE_HEAD.search(note)
                                          or _MARK_NOTE_BRACKETED.search(note))


def _kind_of_reversal(raw: Any) -> Any:
    """帮扶类型 of a 冲正 row without the mark ("慰问金（冲正）" → "慰问金"); None when it
    names no kind ("冲正")."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        return raw
    text = _SEPARATORS.sub("", _MARK_IN_KIND.sub("", normalize_text(raw)))
    return text or None


def _dates_named(note: Any, candidates: list[date]) -> set[date]:
    """The candidates' dates a 冲正 row's 备注 names (2023年1月18日, 1月18日 …)."""
    if not isinstance(note, str):
        return set()
    named: set[date] = set()
    for y, m, d in _NOTE_FULL_DATE.findall(note):
        try:
            named.add(date(int(y), int(m), int(d)))
        except ValueError:
            pass
    days = {(int(m), int(d)) for m, d in _NOTE_DAY.findall(note)}
    return {c for c in candidates if c in named or (c.month, c.day) in days}


class Ledger(Handler):
    """Entries of the assistance ledger, each on the file of the member with the row's
    ID number (the name, when given, must be that member's): the open file, or — for an
    entry dated while it was open — a file closed since (the hardship sheet read before
    the ledger may have closed it: that entry is the file's history).

    A 冲正 row (``is_reversal_row``) is recorded as the reversal of the one entry it
    corrects: the household's entry of the same kind (any, when 帮扶类型 says only
    冲正) and amount (the absolute value), dated on or before the row, not reversed yet.
    Never a guess: with several such entries, the one whose date 备注 names; else the
    row is refused naming the candidates' dates (reverse it in the app or with
    ``station-admin ledger reverse``), as is a row with none."""

    kind = fields.LEDGER

    def data(self, values):
        d = {k: v for k, v in values.items()
             if not k.startswith("_") and k not in ("name", "id_number")}
        if is_reversal_row(values):
            d["kind"] = _kind_of_reversal(d.get("kind"))
        if d.get("kind") is not None:
            d["kind"] = loose_choice(d["kind"], LEDGER_KIND)
        return d

    def clean(self, values):
        errors: list[FieldError] = []
        out: dict[str, Any] = {}
        try:
            out["id_number"] = parse_id_number(values.get("id_number")).number
        except ValidationError as exc:
            errors += exc.errors
        try:
            if is_reversal_row(values):
                out.update(self._clean_reversal(self.data(values)))
            else:
                out.update(hardship_service.clean_entry(self.data(values)))
        except ValidationError as exc:
            errors += exc.errors
        if errors:
            raise ValidationError(errors)
        return out

    @staticmethod
    def _clean_reversal(data: dict[str, Any]) -> dict[str, Any]:
        """A 冲正 row's own fields: the kind (optional), the date, the amount reversed
        (its absolute value), the note (the reversal's reason)."""
        c = ErrorCollector()
        kind = None if data.get("kind") is None else c.check(
            "kind", parse_choice, data["kind"], field="kind", choices=LEDGER_KIND)
        when = c.check("entry_date", parse_date, data.get("entry_date"), field="entry_date",
                       not_future=True)
        amount = 0 if data.get("amount") is None else c.check(
            "amount", parse_amount_fen, data["amount"], allow_negative=True, allow_zero=True)
        note = c.check("note", parse_text, data.get("note"), field="note", max_len=500)
        c.raise_if_any()
        return {"reversal": True, "kind": kind, "entry_date": when,
                "amount_fen": abs(amount), "note": note}

    def write(self, session, rows):
        permit(session, "ledger.add")
        station = _station(session)
        cleaned: list[tuple[RowResult, dict[str, Any]]] = []
        for r in rows:
            try:
                cleaned.append((r, self.clean(r.values)))
            except ValidationError as exc:
                _reject(r, exc)
        ids = sorted({v["id_number"] for _, v in cleaned})
        members: dict[str, tuple[str, str]] = {}
        rows_of: dict[str, list[str]] = {}  # every member row of the ID number here
        files: dict[str, list[HardshipCase]] = {}
        existing: set[tuple[str, date, str, int]] = set()
        reversed_: set[tuple[str, date, str | None, int]] = set()
        for chunk in _chunks(ids):
            for idn, mid, name, status in session.execute(select(
                    Member.id_number, Member.id, Member.name, Member.status).where(
                    Member.station_id == station, Member.id_number.in_(chunk),
                    Member.deleted == false())):
                rows_of.setdefault(idn, []).append(mid)
                if status == "active":
                    members[idn] = (mid, name)
            for idn, case in session.execute(
                    select(Member.id_number, HardshipCase)
                    .join(HardshipCase, HardshipCase.member_id == Member.id)
                    .where(Member.station_id == station, Member.id_number.in_(chunk),
                           Member.status == "active", Member.deleted == false(),
                           HardshipCase.deleted == false())):
                files.setdefault(idn, []).append(case)
            for idn, day, kind, fen, rev in session.execute(
                    select(Member.id_number, LedgerEntry.entry_date, LedgerEntry.kind,
                           LedgerEntry.amount_fen, LedgerEntry.reverses_id)
                    .join(HardshipCase, HardshipCase.id == LedgerEntry.case_id)
                    .join(Member, Member.id == HardshipCase.member_id)
                    .where(Member.id_number.in_(chunk), LedgerEntry.deleted == false())):
                if rev is None:
                    existing.add((idn, day, kind, fen))
                else:
                    reversed_.update({(idn, day, kind, -fen), (idn, day, None, -fen)})
        first_row: dict[tuple, int] = {}
        for r, v in cleaned:
            idn = v["id_number"]
            if idn not in members:
                _reject(r, _fail("id_number", "import.member_unknown", id=idn))
                continue
            mid, member_name = members[idn]
            sheet_name = normalize_text(r.values.get("name"))
            if sheet_name and sheet_name.replace(" ", "") != member_name.replace(" ", ""):
                _reject(r, _fail("name", "import.name_mismatch", sheet=sheet_name,
                                 member=member_name))
                continue
            if v.get("reversal"):
                key = (idn, v["entry_date"], v["kind"], v["amount_fen"])
                if key in reversed_:
                    r.status = "duplicate"
                    if key in first_row:
                        r.note = FieldError("row", "import.duplicate_in_file",
                                            {"row": first_row[key], "what": _SAME_REVERSAL})
                    continue
                if self._reverse(session, r, v, member_name, rows_of[idn]):
                    reversed_.update({key, (idn, v["entry_date"], None, v["amount_fen"])})
                    first_row[key] = r.row
                continue
            case = self._file_for(files.get(idn, []), v["entry_date"])
            if case is None:
                _reject(r, _fail("id_number", "import.no_open_case", name=member_name))
                continue
            key = (idn, v["entry_date"], v["kind"], v["amount_fen"])
            if key in existing:
                r.status = "duplicate"
                if key in first_row:
                    r.note = FieldError("row", "import.duplicate_in_file",
                                        {"row": first_row[key], "what": _SAME["ledger"]})
                continue
            try:
                hardship_service.add_entry(session, case.id, self.data(r.values),
                                           history=case.status != "open")
            except ValidationError as exc:
                _reject(r, exc)
                continue
            if case.status != "open":
                r.extra["entries_of_closed_files"] = True
            existing.add(key)
            first_row[key] = r.row

    @staticmethod
    def _file_for(files: list[HardshipCase], day: date) -> HardshipCase | None:
        """The file an entry dated ``day`` goes on: the open file (from its registration
        on; also, as always, when no closed file was open that day); else the closed file
        open that day; else the most recently closed (whose closing the service names)."""
        open_file = next((f for f in files if f.status == "open"), None)
        closed = sorted((f for f in files if f.status != "open" and f.exit_date),
                        key=lambda f: (f.exit_date, f.registered_date), reverse=True)
        if open_file is not None and day >= open_file.registered_date:
            return open_file
        during = next((f for f in closed if f.registered_date <= day <= f.exit_date), None)
        if during is not None:
            return during
        return open_file or (closed[0] if closed else None)

    @staticmethod
    def _reverse(session: Session, r: RowResult, v: dict[str, Any], name: str,
                 member_ids: list[str]) -> bool:
        """Record a 冲正 row as the reversal of the one entry it corrects (see the
        class); False when the row is refused."""
        from station_app.domain.validation import format_fen

        found = hardship_service.reversal_candidates(session, member_ids, v["kind"],
                                                     v["amount_fen"], v["entry_date"])
        days = sorted({e.entry_date for e in found})
        if len(days) > 1:
            named = _dates_named(r.values.get("note"), days)
            if len(named) == 1:
                found = [e for e in found if e.entry_date in named]
                days = sorted(named)
        kind = Localized(*LEDGER_KIND[v["kind"]]) if v["kind"] else _ANY_KIND
        if not found:
            _reject(r, _fail("amount", "import.reversal_no_original", name=name, kind=kind,
                             amount=format_fen(v["amount_fen"]),
                             date=v["entry_date"].isoformat()))
            return False
        if len(days) > 1:
            _reject(r, _fail("amount", "import.reversal_ambiguous", name=name,
                             count=len(found), dates="、".join(d.isoformat() for d in days),
                             example=f"{days[-1].month}月{days[-1].day}日",
                             id=v["id_number"]))
            return False
        original = min(found, key=lambda e: e.hlc)  # the same day's twins are alike
        reason = v["note"] or f"冲正（台账导入第 {r.row} 行）"
        try:
            hardship_service.reverse_entry(session, original.id, reason, v["entry_date"])
        except ValidationError as exc:
            _reject(r, exc)
            return False
        r.extra["entries_reversed"] = True
        return True


# --------------------------------------------------------------------------- visits


def _code(raw: Any, choices) -> str | None:
    """The choice's code when the sheet's text is one (else None: the service explains)."""
    if raw is None:
        return None
    try:
        return parse_choice(raw, field="kind", choices=choices)
    except ValidationError:
        return None


class Visits(Handler):
    """Visits to enterprises already registered (found by credit code, else by name).

    The diary's 涉及职工人数 is the workers involved; on a 劳资纠纷处置 (dispute) row it is
    also the workers served (what the report's 累计服务职工 sums), unless the row fills an
    explicit 服务职工人数, which wins. An abnormal 经营状况 without 异常情况 (no column, or
    an empty cell) is imported with the flag 其他 (other) and a warning on the row."""

    kind = fields.VISITS
    PLACEHOLDER = "(enterprise)"

    def data(self, values):
        d = {k: v for k, v in values.items()
             if not k.startswith("_") and k not in ("enterprise_name", "credit_code")}
        for key, choices in (("kind", VISIT_KIND), ("operating_status", OPERATING_STATUS)):
            if d.get(key) is not None:
                d[key] = loose_choice(d[key], choices)
        if (_code(d.get("kind"), VISIT_KIND) == "dispute" and d.get("workers_served") is None
                and d.get("workers_involved") is not None):
            d["workers_served"] = d["workers_involved"]
        if self._unflagged_abnormal(d):
            d["flags"] = VISIT_FLAG["other"][0]
        return d

    @staticmethod
    def _unflagged_abnormal(d: dict[str, Any]) -> bool:
        return (_code(d.get("operating_status"), OPERATING_STATUS) == "abnormal"
                and not normalize_text(d.get("flags")))

    def warnings(self, values):
        d = {k: values.get(k) for k in ("operating_status", "flags")}
        if d["operating_status"] is not None:
            d["operating_status"] = loose_choice(d["operating_status"], OPERATING_STATUS)
        if self._unflagged_abnormal(d):
            return [FieldError("flags", "import.flags_other",
                               {"other": Localized(*VISIT_FLAG["other"])})]
        return []

    def clean(self, values):
        data = self.data(values)
        # the enterprise is looked up at import; here only that one is named
        has_target = bool(normalize_text(values.get("enterprise_name"))
                          or normalize_text(values.get("credit_code")))
        data["enterprise_id"] = self.PLACEHOLDER if has_target else None
        v = visit_service.clean_visit(data)
        if v.get("enterprise_id") == self.PLACEHOLDER:
            v["enterprise_id"] = None
        return v

    def write(self, session, rows):
        permit(session, "visit.create")
        by_code: dict[str, str] = {}
        by_name: dict[str, str] = {}
        for eid, name, code in session.execute(select(
                Enterprise.id, Enterprise.name, Enterprise.credit_code).where(
                Enterprise.deleted == false())):
            if code:
                by_code[code] = eid
            by_name.setdefault(name, eid)
        station = _station(session)
        existing = set(session.execute(select(
            Visit.enterprise_id, Visit.visit_date, Visit.kind).where(
            Visit.station_id == station, Visit.deleted == false(),
            Visit.enterprise_id.is_not(None))).all())
        first_row: dict[tuple, int] = {}
        for r in rows:
            code = normalize_text(r.values.get("credit_code")).replace(" ", "").upper()
            name = normalize_text(r.values.get("enterprise_name"))
            eid = by_code.get(code) if code else None
            if eid is None and name:
                eid = by_name.get(name)
            if eid is None:
                _reject(r, _fail("enterprise_name", "import.enterprise_unknown",
                                 name=name or code))
                continue
            data = self.data(r.values)
            data["enterprise_id"] = eid
            try:
                v = visit_service.clean_visit(data)
            except ValidationError as exc:
                _reject(r, exc)
                continue
            key = (eid, v["visit_date"], v["kind"])
            if key in existing:
                r.status = "duplicate"
                if key in first_row:
                    r.note = FieldError("row", "import.duplicate_in_file",
                                        {"row": first_row[key], "what": _SAME["visit"]})
                continue
            try:
                visit_service.record_visit(session, data)
            except ValidationError as exc:
                _reject(r, exc)
                continue
            existing.add(key)
            first_row[key] = r.row


# --------------------------------------------------------------------------- events


class Events(Handler):
    kind = fields.EVENTS

    def data(self, values):
        d = super().data(values)
        if d.get("kind") is not None:
            d["kind"] = loose_choice(d["kind"], EVENT_KIND)
        return d

    def clean(self, values):
        return event_service.clean_event(self.data(values))

    def write(self, session, rows):
        permit(session, "event.create")
        station = _station(session)
        existing = set(session.execute(select(Event.event_date, Event.kind, Event.title).where(
            Event.station_id == station, Event.deleted == false())).all())
        first_row: dict[tuple, int] = {}
        for r in rows:
            data = self.data(r.values)
            try:
                v = event_service.clean_event(data)
            except ValidationError as exc:
                _reject(r, exc)
                continue
            key = (v["event_date"], v["kind"], v["title"])
            if key in existing:
                r.status = "duplicate"
                if key in first_row:
                    r.note = FieldError("row", "import.duplicate_in_file",
                                        {"row": first_row[key], "what": _SAME["event"]})
                continue
            try:
                event_service.record_event(session, data)
            except ValidationError as exc:
                _reject(r, exc)
                continue
            existing.add(key)
            first_row[key] = r.row


HANDLERS: dict[str, Handler] = {h.kind.code: h for h in
                                (Members(), Enterprises(), Hardship(), Ledger(), Visits(),
                                 Events())}


# --------------------------------------------------------------------------- the district's
# station visits (站点调研) and stations: sheets of the district office, imported into the
# district database only. Already there: a station visit by station + date; a station by
# its code (a row that changes the name, street office or key flag changes the station;
# a blank street or key cell leaves it as it is).

register_messages({
    "import.district_only": (
        "“{kind}”是区总工会的表，只能导入区总工会数据库（district-server import 文件 --db "
        "区总工会数据库）；社区工联会的数据库不收这类记录",
        "“{kind}” is a district sheet: import it into the district database "
        "(district-server import FILE --db DISTRICT_DB); a station's database does not take it",
    ),
    "import.station_missing": (
        "请填写社区工联会编码或名称（社区工联会编码、社区工联会 两列之一）",
        "name the station: its code or its name (a 社区工联会编码 or 社区工联会 column)",
    ),
    "import.station_unknown": (
        "没有“{station}”这个社区工联会：请先建立该站点（区级视图“站点”页面，或 "
        "district-server station add），或核对编码和名称",
        "there is no station “{station}”: create it first (the district view's Stations "
        "page, or district-server station add), or check the code and the name",
    ),
    "import.station_ambiguous": (
        "有 {count} 个社区工联会叫“{station}”（{codes}）：请在社区工联会编码列写明编码",
        "{count} stations are called “{station}” ({codes}): give the station's code in a "
        "社区工联会编码 column",
    ),
    "import.station_mismatch": (
        "编码 {station_code} 是“{station}”，与表中的名称“{sheet}”不一致：请核对编码或名称",
        "the code {station_code} is “{station}”, not “{sheet}” as the sheet says: check the "
        "code or the name",
    ),
    "import.station_visit_kind": (
        "这张表只登记站点调研，不能登记“{kind}”：企业走访请在社区工联会导入企业走访日志",
        "this sheet holds station visits (站点调研) only, not “{kind}”: import enterprise "
        "visits as a visit diary at the station",
    ),
})

_SAME_STATION_VISIT = Localized("社区工联会和日期都相同", "same station and date")
_SAME_STATION = Localized("编码相同", "same code")
_STATION_SUFFIXES = ("社区工联会", "工联会", "社区")


def _district_only(session: Session, kind: fields.KindSpec) -> None:
    """The district's sheets go into the district database only, whoever imports them."""
    ctx = session.info.get("ctx")
    if ctx is None or not ctx.district:
        raise _fail("file", "import.district_only", kind=Localized(*kind.label))


def _name_key(name: Any) -> str:
    return normalize_text(name).replace(" ", "").casefold()


def _name_base(key: str) -> str:
    """A station's name without its usual ending ("葵涌社区工联会" → "葵涌")."""
    for suffix in _STATION_SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix):
            return key[: -len(suffix)]
    return key


class _StationFinder:
    """The district's stations by code and by name (as sheets write them)."""

    def __init__(self, session: Session):
        from station_app.domain.ids import DISTRICT_CODE
        from station_app.domain.models import Station

        self.by_code: dict[str, tuple[str, str]] = {}
        self.by_name: dict[str, list[tuple[str, str]]] = {}
        self.by_base: dict[str, list[tuple[str, str]]] = {}
        for sid, code, name in session.execute(select(Station.id, Station.code, Station.name)
                                               .where(Station.deleted == false(),
                                                      Station.code != DISTRICT_CODE)
                                               .order_by(Station.code)):
            self.by_code[code] = (sid, name)
            key = _name_key(name)
            self.by_name.setdefault(key, []).append((sid, code))
            self.by_base.setdefault(_name_base(key), []).append((sid, code))

    @staticmethod
    def same_name(a: Any, b: Any) -> bool:
        ka, kb = _name_key(a), _name_key(b)
        return ka == kb or _name_base(ka) == _name_base(kb)

    def find(self, values: dict[str, Any]) -> str:
        """The station id a row names (by code, else by name — a known station's code
        in the name column is that station); ValidationError if none."""
        from station_app.domain.services.stations import clean_station_code

        raw_code = values.get("station_code")
        sheet_name = normalize_text(values.get("station_name"))
        if normalize_text(raw_code):
            try:
                code = clean_station_code(raw_code)
            except ValidationError as exc:
                raise ValidationError([FieldError("station_code", e.code, e.params)
                                       for e in exc.errors]) from None
            if code not in self.by_code:
                raise _fail("station_code", "import.station_unknown", station=code)
            sid, name = self.by_code[code]
            if sheet_name and not self.same_name(sheet_name, name):
                raise _fail("station_name", "import.station_mismatch", station_code=code,
                            station=name, sheet=sheet_name)
            return sid
        if not sheet_name:
            raise _fail("station_name", "import.station_missing")
        as_code = sheet_name.replace(" ", "").upper()
        if as_code in self.by_code:  # a station's code written in the name column
            return self.by_code[as_code][0]
        key = _name_key(sheet_name)
        hits = self.by_name.get(key) or self.by_base.get(_name_base(key)) or []
        if not hits:
            raise _fail("station_name", "import.station_unknown", station=sheet_name)
        if len(hits) > 1:
            raise _fail("station_name", "import.station_ambiguous", station=sheet_name,
                        count=len(hits), codes="、".join(code for _sid, code in hits))
        return hits[0][0]


class StationVisits(Handler):
    """The district's visits to stations (站点调研): each row's station named by its code
    or its name; the kind, when a column gives it, must be 站点调研."""

    kind = fields.STATION_VISITS
    PLACEHOLDER = "(station)"

    def data(self, values):
        d = {k: values.get(k) for k in ("visit_date", "visitors", "findings", "actions",
                                        "follow_up_due")}
        d["kind"] = "station"
        return d

    def clean(self, values):
        errors: list[FieldError] = []
        named = bool(normalize_text(values.get("station_code"))
                     or normalize_text(values.get("station_name")))
        if not named:
            errors.append(FieldError("station_name", "import.station_missing"))
        raw_kind = values.get("kind")
        if raw_kind is not None:
            from station_app.domain.validation import parse_choice

            try:
                code = parse_choice(loose_choice(raw_kind, VISIT_KIND), field="kind",
                                    choices=VISIT_KIND)
            except ValidationError as exc:
                errors += exc.errors
            else:
                if code != "station":
                    errors.append(FieldError("kind", "import.station_visit_kind",
                                             {"kind": Localized(*VISIT_KIND[code])}))
        data = self.data(values)
        data["target_station_id"] = self.PLACEHOLDER if named else None
        v: dict[str, Any] = {}
        try:
            v = visit_service.clean_visit(data)
        except ValidationError as exc:
            errors += [e for e in exc.errors if e.code != "visit.station_required"]
        if errors:
            raise ValidationError(errors)
        v["target_station_id"] = None  # found at import
        return v

    def write(self, session, rows):
        _district_only(session, self.kind)
        permit(session, "import.station_visits")
        finder = _StationFinder(session)
        existing = set(session.execute(select(Visit.target_station_id, Visit.visit_date).where(
            Visit.kind == "station", Visit.deleted == false())).all())
        first_row: dict[tuple, int] = {}
        for r in rows:
            try:
                v = self.clean(r.values)
                station_id = finder.find(r.values)
            except ValidationError as exc:
                _reject(r, exc)
                continue
            key = (station_id, v["visit_date"])
            if key in existing:
                r.status = "duplicate"
                if key in first_row:
                    r.note = FieldError("row", "import.duplicate_in_file",
                                        {"row": first_row[key], "what": _SAME_STATION_VISIT})
                continue
            data = self.data(r.values)
            data["target_station_id"] = station_id
            try:
                visit_service.record_visit(session, data)
            except ValidationError as exc:
                _reject(r, exc)
                continue
            existing.add(key)
            first_row[key] = r.row


class Stations(Handler):
    """The district's stations (社区工联会名单): new codes are created; a known code whose
    row says otherwise (name; street office or key flag when the cell is not blank) is
    changed; the same station as stored is already there."""

    kind = fields.STATIONS

    def clean(self, values):
        from station_app.domain.services.stations import clean_station_code
        from station_app.domain.validation import ErrorCollector, is_blank, parse_bool, parse_text

        c = ErrorCollector()
        v = {
            "station_code": c.check("station_code", clean_station_code,
                                    values.get("station_code")),
            "station_name": c.check("station_name", parse_text, values.get("station_name"),
                                    field="station_name", required=True, max_len=100),
            "street": c.check("street", parse_text, values.get("street"), field="street",
                              max_len=100),
            "is_key": None if is_blank(values.get("is_key")) else c.check(
                "is_key", parse_bool, values.get("is_key"), field="is_key"),
        }
        c.raise_if_any()
        return v

    def write(self, session, rows):
        from station_app.domain.ids import station_id_for
        from station_app.domain.models import Station
        from station_app.domain.services import stations as station_service

        _district_only(session, self.kind)
        permit(session, "import.stations")
        first_row: dict[str, int] = {}
        for r in rows:
            try:
                v = self.clean(r.values)
            except ValidationError as exc:
                _reject(r, exc)
                continue
            code = v["station_code"]
            if code in first_row:
                r.status = "duplicate"
                r.note = FieldError("row", "import.duplicate_in_file",
                                    {"row": first_row[code], "what": _SAME_STATION})
                continue
            first_row[code] = r.row
            station = session.get(Station, station_id_for(code))
            try:
                if station is None or station.deleted:
                    station_service.create_station(session, code, v["station_name"],
                                                   street=v["street"],
                                                   is_key=bool(v["is_key"]))
                    continue
                changes: dict[str, Any] = {}
                if station.name != v["station_name"]:
                    changes["name"] = v["station_name"]
                if v["street"] is not None and station.street != v["street"]:
                    changes["street"] = v["street"]
                if v["is_key"] is not None and station.is_key != v["is_key"]:
                    changes["is_key"] = v["is_key"]
                if not changes:
                    r.status = "duplicate"
                    continue
                station_service.set_station(session, code, **changes)
                r.extra["stations_changed"] = True
            except ValidationError as exc:
                _reject(r, exc)


HANDLERS.update({h.kind.code: h for h in (StationVisits(), Stations())})
