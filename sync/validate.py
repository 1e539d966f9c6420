"""What the district checks in every row a station sends: the station's own validation.

A row a station pushes (or carries in its file) passes the same hard rules the app applied
when the row was saved — the services' ``clean_*`` functions, called here on the row as
stored (check characters, dates not in the future, enumerations, required fields, money
in whole fen, lengths) — and the values the app derives (a member's birth date and gender
from the ID number) must be the derived ones. Warnings (an area code the app does not
know …) never refuse a row. "Not in the future" is judged by the latest date anywhere
(``validation.any_timezone_today``): a station's today is never after it.

A row that fails is *refused*: set apart, with its reason (English, a tab, Chinese: the
form ``merge.refusal`` gives every reason), while the rest of its batch applies; the
station holds it and shows the reason (``sync.outbound.hold``). A row that refers to a row
refused in the same batch (a hardship file of a refused member) is refused with it.

Rules that change between releases: the district accepts what any supported release of
the app accepted (docs/SYNC.md, *What the district checks*). A release that tightens a rule
keeps the older form acceptable here — ``LEGACY`` lists such acceptances — for as long as
the releases that stored it are supported; a release that loosens one needs nothing (the
district is updated first).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from station_app.domain.choices import CASE_CHOICES, CASE_STATUS, MEMBER_STATUS
from station_app.domain.models import MODEL_BY_TABLE
from station_app.domain.services.corrections import clean_signoff_row
from station_app.domain.services.enterprises import clean_enterprise, clean_watch_entry
from station_app.domain.services.events import clean_event
from station_app.domain.services.exposure import clean_export_record
from station_app.domain.services.hardship import (
    CASE_MONEY_FIELDS,
    check_closing,
    clean_case,
    clean_entry,
    clean_household_member,
    clean_signature,
)
from station_app.domain.services.members import clean_member
from station_app.domain.services.signoffs import clean_signed_report
from station_app.domain.services.visits import clean_visit
from station_app.domain.validation import (
    ErrorCollector,
    FieldError,
    Localized,
    ValidationError,
    any_timezone_today,
    current_date,
    parse_choice,
    parse_date,
    register_messages,
)
from sync.changeset import APPLY_ORDER, Changeset

register_messages({
    "sync.derived": (
        "为 {value}，与身份证号码不符（按身份证号码应为 {expected}）",
        "is {value}, which does not match the ID number (it gives {expected})",
    ),
    "sync.stored_form": (
        "保存为“{value}”，本软件保存的形式应为“{expected}”",
        "is stored as “{value}”; the app stores “{expected}”",
    ),
    "sync.refers_refused": (
        "引用的{what}（{row}）在同一批中被拒收：请先更正该记录",
        "refers to {what} {row}, which was refused in the same batch: correct that first",
    ),
    "sync.control_char": (
        "含有控制字符 {char}（不可见，可能随复制粘贴带入）：请重新输入该项",
        "contains the control character {char} (invisible, perhaps pasted along): type "
        "the field again",
    ),
})

# What a refusal names the table's rows as (zh, en), in the reason shown to the clerk.
ROW_WORDS: dict[str, tuple[str, str]] = {
    "enterprises": ("企业", "the enterprise"),
    "watch_list_entries": ("重点监管记录", "the watch-list entry"),
    "members": ("会员", "the member"),
    "hardship_cases": ("困难职工档案", "the hardship file"),
    "household_members": ("家庭成员", "the household member"),
    "ledger_entries": ("帮扶记录", "the ledger entry"),
    "visits": ("走访记录", "the visit"),
    "events": ("活动", "the event"),
    "event_members": ("活动参与人", "the event participant"),
    "stations": ("站点", "the station"),
    "targets": ("年度目标", "the target"),
    "signed_reports": ("签署的工作报告", "the signed report"),
    "signoffs": ("审核签署", "the sign-off"),
    "case_upper_signoffs": ("上级工会审核签署", "the upper union's sign-off"),
    "export_records": ("导出或打印记录", "the record of an export or print"),
}


def _yuan(fen: int | None) -> Decimal | None:
    """Fen as the yuan amount a person typed (the clean functions take yuan)."""
    return None if fen is None else Decimal(fen).scaleb(-2)


def _stored(c: ErrorCollector, field: str, stored: Any, cleaned: Any) -> None:
    """A value the app stores only in its clean form (a code, a normalised number)."""
    if cleaned is not None and stored != cleaned:
        c.add(field, "sync.stored_form", value=stored, expected=cleaned)


def _run(c: ErrorCollector, clean: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A clean function's result, its errors gathered into ``c`` (None when it refused)."""
    try:
        return clean(*args, **kwargs)
    except ValidationError as exc:
        c.extend(exc.errors)
        return None


def _members(row: dict[str, Any], c: ErrorCollector) -> None:
    cleaned = _run(c, clean_member, row, on=current_date())
    if cleaned is not None:
        v = cleaned.values
        _stored(c, "id_number", row["id_number"], v["id_number"])
        for key in ("birth_date", "gender"):  # derived from the ID number
            if row[key] != v[key]:
                c.add(key, "sync.derived", value=row[key], expected=v[key])
    _stored(c, "status", row["status"],
            c.check("status", parse_choice, row["status"], field="status",
                    choices=MEMBER_STATUS))
    if row["status_date"] is not None and row["status_date"] != row["join_date"]:
        # (the date of the status as registered is the join date, checked above)
        c.check("status_date", parse_date, row["status_date"], field="status_date",
                not_future=True)


def _hardship_cases(row: dict[str, Any], c: ErrorCollector) -> None:
    data = dict(row)
    for key in CASE_MONEY_FIELDS:
        data[key] = _yuan(row[key])
    v = _run(c, clean_case, data)
    if v is not None:
        for key in ("category", "level"):
            _stored(c, key, row[key], v[key])
    status = c.check("status", parse_choice, row["status"], field="status",
                     choices=CASE_STATUS)
    _stored(c, "status", row["status"], status)
    if status in ("exited", "cancelled"):  # (closed: on a date, for a reason)
        _run(c, check_closing, status, row["exit_date"], row["exit_reason"],
             row["registered_date"])
    if row["grassroots_signed_by"] is not None or row["grassroots_signed_date"] is not None:
        _run(c, clean_signature, row["grassroots_signed_by"], row["grassroots_signed_date"])


def _household_members(row: dict[str, Any], c: ErrorCollector) -> None:
    v = _run(c, clean_household_member, row)
    if v is not None:
        _stored(c, "relation", row["relation"], v["relation"])
        _stored(c, "id_number", row["id_number"], v["id_number"])


def _ledger_entries(row: dict[str, Any], c: ErrorCollector) -> None:
    # a reversal (冲正) carries the negated amount of the entry it reverses
    fen = row["amount_fen"] if row["reverses_id"] is None else -row["amount_fen"]
    data = dict(row, amount=_yuan(fen))
    v = _run(c, clean_entry, data)
    if v is not None:
        _stored(c, "kind", row["kind"], v["kind"])
        if row["kind"] == "medical_mutual_aid" and row["cover_year"] is not None:
            _stored(c, "cover_year", row["cover_year"], v["cover_year"])


def _visits(row: dict[str, Any], c: ErrorCollector) -> None:
    v = _run(c, clean_visit, row)
    if v is not None:
        for key in ("kind", "operating_status", "flags"):
            _stored(c, key, row[key], v[key])
    if row["closed_date"] is not None:
        c.check("closed_date", parse_date, row["closed_date"], field="closed_date",
                not_future=True)


def _events(row: dict[str, Any], c: ErrorCollector) -> None:
    v = _run(c, clean_event, row)
    if v is not None:
        _stored(c, "kind", row["kind"], v["kind"])


def _enterprises(row: dict[str, Any], c: ErrorCollector) -> None:
    v = _run(c, clean_enterprise, row)
    if v is not None:
        _stored(c, "credit_code", row["credit_code"], v["credit_code"])


def _watch_list_entries(row: dict[str, Any], c: ErrorCollector) -> None:
    _run(c, clean_watch_entry, row["reason"], row["entry_date"])


def _signed_reports(row: dict[str, Any], c: ErrorCollector) -> None:
    _run(c, clean_signed_report, row)


def _signoffs(row: dict[str, Any], c: ErrorCollector) -> None:
    _run(c, clean_signoff_row, row)


def _export_records(row: dict[str, Any], c: ErrorCollector) -> None:
    _run(c, clean_export_record, row)


def _nothing(_row: dict[str, Any], _c: ErrorCollector) -> None:
    """Rows with nothing of their own to check (an event participant: two references)."""


CHECKS: dict[str, Callable[[dict[str, Any], ErrorCollector], None]] = {
    "enterprises": _enterprises,
    "watch_list_entries": _watch_list_entries,
    "members": _members,
    "hardship_cases": _hardship_cases,
    "household_members": _household_members,
    "ledger_entries": _ledger_entries,
    "visits": _visits,
    "events": _events,
    "event_members": _nothing,
    # stations and targets: the district's alone (sync.rules); a station's never get here
    "stations": _nothing,
    "targets": _nothing,
    # a station's signed work report (history): its scope is the rules' (sync.rules)
    "signed_reports": _signed_reports,
    # a station head's sign-off of a file or a week's visits (revision 0012)
    "signoffs": _signoffs,
    # the upper union's sign-offs: the district's alone (sync.rules); never a station's
    "case_upper_signoffs": _nothing,
    # the record of an export or print of personal data (revision 0014)
    "export_records": _export_records,
}
# (a syncable table must have its entry here: tests/sync/test_trust.py checks that every
# one has; ``refusals`` checks a table without one for control characters only)

# What older supported releases stored that the current rules would refuse, accepted here
# so that no row an older release accepted is stranded (docs/SYNC.md): table -> functions
# ``(row, errors) -> errors`` that drop the errors of a form such a release stored, each
# named with that release; an entry goes when its release is no longer supported.
def _case_lists_were_free_text(_row: dict[str, Any], errors: list[FieldError]
                               ) -> list[FieldError]:
    """Releases before revision 0012 kept the 档案表's fields that now have a fixed list
    (政治面貌, 残疾类别, 劳模类型, 住房类型, 单位性质, 企业状况, 医保状况) as free text: a
    wording the list does not know is not refused (the app asks for a listed one when the
    file is next edited)."""
    return [e for e in errors if e.field not in CASE_CHOICES]


LEGACY: dict[str, tuple[Callable[[dict[str, Any], list[FieldError]], list[FieldError]],
                        ...]] = {"hardship_cases": (_case_lists_were_free_text,)}

# A control character in a text (NUL above all: PostgreSQL cannot store it). Tab and line
# breaks are white space, kept in multi-line notes.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# The same in a JSON body as sent: JSON writes a C0 control character as \u00XX (or \b,
# \f), a C1 one as its UTF-8 bytes. A body without any needs no look at its texts. (Two
# searches, each for a literal start: one pattern of alternatives scans 15 times slower.)
_ESCAPED_IN_JSON = re.compile(rb"\\(?:u00[0189]|u007[fF]|[bf])")
_C1_IN_JSON = re.compile(rb"\xc2[\x80-\x9f]")


def may_hold_controls(body: bytes) -> bool:
    """Whether a JSON body as sent may hold a control character in a text (a false
    alarm — an escaped backslash before a ``b`` — only costs a look at the texts)."""
    return (b"\x7f" in body or _ESCAPED_IN_JSON.search(body) is not None
            or _C1_IN_JSON.search(body) is not None)


def _controls(table: str, row: dict[str, Any], c: ErrorCollector) -> None:
    for key, value in row.items():
        if value.__class__ is str and not value.isprintable() and CONTROL.search(value):
            ch = CONTROL.search(value).group()
            c.add(key, "sync.control_char", char=f"U+{ord(ch):04X}")


def row_errors(table: str, row: dict[str, Any], *, controls: bool = True) -> list[FieldError]:
    """What is wrong with one row as a station sent it (``[]``: nothing). ``controls``:
    look for control characters in its texts too."""
    c = ErrorCollector()
    if controls:
        _controls(table, row, c)
    with any_timezone_today():
        CHECKS.get(table, _nothing)(row, c)
    errors = c.errors
    for accept in LEGACY.get(table, ()):
        errors = accept(row, errors)
    return errors


def reason(table: str, errors: list[FieldError]) -> str:
    """A refusal's reason: English, a tab, Chinese (see ``merge.refusal``)."""
    exc = ValidationError(errors)
    zh_word, en_word = ROW_WORDS.get(table, (table, f"the {table} row"))
    # (the row is named where the reason is shown: the answer, the Sync page)
    return (f"{en_word[0].upper()}{en_word[1:]} breaks the app's rules: "
            f"{'; '.join(exc.messages('en'))}"
            f"\t{zh_word}不符合本软件的规则：{'；'.join(exc.messages('zh'))}")


# foreign keys of each table: column -> referenced table (from the models)
_REFERENCES = {
    table: tuple((col.key, next(iter(col.foreign_keys)).column.table.name)
                 for col in MODEL_BY_TABLE[table].__table__.columns if col.foreign_keys)
    for table in APPLY_ORDER
}


def refusals(cs: Changeset, *, controls: bool = True) -> dict[tuple[str, str], str]:
    """(table, row id) → reason, for every row of the changeset the district refuses:
    those that break the rules, and those that refer to a row refused in the same batch.
    ``controls``: look for control characters in the texts (the HTTP service skips it when
    the body as sent holds none)."""
    refused: dict[tuple[str, str], str] = {}
    with any_timezone_today():
        for table in APPLY_ORDER:
            rows = cs.rows.get(table)
            if not rows:
                continue
            check = CHECKS.get(table, _nothing)
            refs = _REFERENCES[table]
            legacy = LEGACY.get(table, ())
            c = ErrorCollector()  # (one for the table: emptied after a refused row)
            for row in rows:
                if controls:
                    _controls(table, row, c)
                check(row, c)
                if refused and refs:
                    for col, parent in refs:
                        ref = row[col]
                        if ref is not None and (parent, ref) in refused:
                            zh_word, en_word = ROW_WORDS.get(parent, (parent, parent))
                            c.add(col, "sync.refers_refused", what=Localized(zh_word, en_word),
                                  row=ref)
                errors = c.errors
                if not errors:
                    continue
                c.errors, c.warnings = [], []
                for accept in legacy:
                    errors = accept(row, errors)
                if errors:
                    refused[(table, row["id"])] = reason(table, errors)
    return refused


def refusals_of_body(body: bytes, controls: bool) -> dict[tuple[str, str], str]:
    """``refusals`` of a push body as sent (JSON): the service's helper process runs this
    while the rows apply (``sync.server.app.Checks``). The service read the same body
    with ``from_wire`` already (a body it refused never comes here), so the rows only get
    their dates as dates here."""
    from datetime import date

    import orjson

    from sync.changeset import date_columns

    data = orjson.loads(body)
    fromiso = date.fromisoformat
    for table, rows in data["rows"].items():
        dates = date_columns(table)
        if dates:
            for row in rows:
                for key in dates:
                    value = row[key]
                    if value is not None:
                        row[key] = fromiso(value)
    return refusals(Changeset(data["station_id"], data["node"], data["batch_id"],
                              data["rows"]), controls=controls)


def ready() -> bool:
    """The helper process has imported what the checks need."""
    return True


def helper_started(parent: int) -> None:
    """In the helper process, first: it ends when the service that started it (process
    ``parent``) is gone — a service killed with kill -9 leaves no process behind, even one
    killed while its helper was still starting."""
    import os
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
