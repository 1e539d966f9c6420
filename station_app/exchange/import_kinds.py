"""One handler per kind of sheet: the service data of a row, its pure validation (for the
preview), and writing valid rows through the services in the caller's transaction.

A handler marks each row it is given: ``ok`` (imported, or importable in a preview),
``error`` (with field errors), ``duplicate`` (already there: skipped, so importing the same
workbook twice adds nothing twice). Keys for "already there":

* members — ID number (active in this station);
* enterprises — credit code, or else name;
* hardship files — the member's open file (one per household head);
* ledger entries — ID number + date + kind + amount;
* visits — enterprise + date + kind;
* events — date + kind + title.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import false, select
from sqlalchemy.orm import Session

from station_app.domain.choices import (
    EVENT_KIND,
    HARDSHIP_CATEGORY,
    HARDSHIP_LEVEL,
    LEDGER_KIND,
    OPERATING_STATUS,
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
from station_app.domain.services.common import require
from station_app.domain.validation import (
    FieldError,
    Localized,
    ValidationError,
    normalize_text,
    parse_date,
    parse_id_number,
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
    "import.birth_mismatch": (
        "表中出生日期为 {sheet}，身份证号码表明为 {derived}；以身份证号码为准",
        "the sheet's date of birth is {sheet} but the ID number says {derived}; the ID "
        "number's is kept",
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


class Members(Handler):
    kind = fields.MEMBERS

    def data(self, values):
        return {k: v for k, v in values.items()
                if not k.startswith("_") and k not in _PERSON_CHECKS}

    def warnings(self, values):
        return person_warnings(values)

    def clean(self, values):
        return member_service.clean_member(self.data(values)).values

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
        """Preview: mark rows whose ID number is already an active member here."""
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
        # clean_member reads only the fields it knows, so the values go as they are
        data = [r.values for r in rows]
        self._link_employers(session, data)
        result = member_service.bulk_register_members(session, data, skip_existing=True)
        _apply_bulk(rows, result, "member.duplicate_in_file")
        for idx, w in result.warnings:
            rows[idx].warnings.append(w)


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


class Hardship(Handler):
    """One file per row; the household head is found by ID number among this station's
    active members, or registered from the row (name, ID number, phone, ethnicity,
    employer) when absent. Household-member rows are not imported."""

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
        if errors:
            raise ValidationError(errors)
        return out

    def write(self, session, rows):
        require(session, "clerk", "建立困难职工档案", "open hardship files")
        station = _station(session)
        for r in rows:
            try:
                self.clean(r.values)  # everything the row can be checked for alone, first
                idn = parse_id_number(r.values.get("id_number")).number
            except ValidationError as exc:
                _reject(r, exc)
                continue
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
                open_case = session.execute(select(HardshipCase.id).where(
                    HardshipCase.member_id == member.id, HardshipCase.status == "open",
                    HardshipCase.deleted == false())).first()
                if open_case:
                    r.status = "duplicate"
                    continue
            try:
                with session.begin_nested():  # the member and the file, or neither
                    if member is None:
                        member = member_service.register_member(session, self.member_data(
                            r.values))
                        r.extra["member_registered"] = True
                    hardship_service.open_case(session, member.id, self.case_data(r.values))
            except ValidationError as exc:
                _reject(r, exc)


# --------------------------------------------------------------------------- ledger


class Ledger(Handler):
    """Entries of the assistance ledger, each on the open file of the member with the
    row's ID number (the name, when given, must be that member's)."""

    kind = fields.LEDGER

    def data(self, values):
        d = {k: v for k, v in values.items()
             if not k.startswith("_") and k not in ("name", "id_number")}
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
            out.update(hardship_service.clean_entry(self.data(values)))
        except ValidationError as exc:
            errors += exc.errors
        if errors:
            raise ValidationError(errors)
        return out

    def write(self, session, rows):
        require(session, "clerk", "登记帮扶记录", "add ledger entries")
        station = _station(session)
        cleaned: list[tuple[RowResult, dict[str, Any]]] = []
        for r in rows:
            try:
                cleaned.append((r, self.clean(r.values)))
            except ValidationError as exc:
                _reject(r, exc)
        ids = sorted({v["id_number"] for _, v in cleaned})
        members: dict[str, tuple[str, str]] = {}
        cases: dict[str, str] = {}
        existing: set[tuple[str, date, str, int]] = set()
        for chunk in _chunks(ids):
            for idn, mid, name in session.execute(select(
                    Member.id_number, Member.id, Member.name).where(
                    Member.station_id == station, Member.id_number.in_(chunk),
                    Member.status == "active", Member.deleted == false())):
                members[idn] = (mid, name)
            for idn, cid in session.execute(
                    select(Member.id_number, HardshipCase.id)
                    .join(HardshipCase, HardshipCase.member_id == Member.id)
                    .where(Member.station_id == station, Member.id_number.in_(chunk),
                           HardshipCase.status == "open", HardshipCase.deleted == false())):
                cases[idn] = cid
            existing.update(session.execute(
                select(Member.id_number, LedgerEntry.entry_date, LedgerEntry.kind,
                       LedgerEntry.amount_fen)
                .join(HardshipCase, HardshipCase.id == LedgerEntry.case_id)
                .join(Member, Member.id == HardshipCase.member_id)
                .where(Member.id_number.in_(chunk), LedgerEntry.deleted == false(),
                       LedgerEntry.reverses_id.is_(None))).all())
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
            if idn not in cases:
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
                hardship_service.add_entry(session, cases[idn], self.data(r.values))
            except ValidationError as exc:
                _reject(r, exc)
                continue
            existing.add(key)
            first_row[key] = r.row


# --------------------------------------------------------------------------- visits


class Visits(Handler):
    """Visits to enterprises already registered (found by credit code, else by name)."""

    kind = fields.VISITS
    PLACEHOLDER = "(enterprise)"

    def data(self, values):
        d = {k: v for k, v in values.items()
             if not k.startswith("_") and k not in ("enterprise_name", "credit_code")}
        for key, choices in (("kind", VISIT_KIND), ("operating_status", OPERATING_STATUS)):
            if d.get(key) is not None:
                d[key] = loose_choice(d[key], choices)
        return d

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
        require(session, "clerk", "登记走访", "record visits")
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
        require(session, "clerk", "登记活动", "record events")
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
