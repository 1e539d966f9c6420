"""Hardship files (困难职工档案) and the assistance ledger (帮扶台账).

The ledger is append-only: an entry is never edited or deleted; a mistake is corrected
by a reversal (冲正), a new entry with the negated amount that references the original,
at most once per entry. A reversed entry and its reversal count for nothing in the
figures, and every total (per case, kind, year, station) is a plain sum, so the totals
always reconcile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, extract, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from station_app.domain.choices import (
    CASE_CHOICES,
    CASE_STATUS,
    CASE_SYNONYMS,
    HARDSHIP_CATEGORY,
    HARDSHIP_LEVEL,
    HOUSEHOLD_RELATION,
    LEDGER_KIND,
    label,
)
from station_app.domain.ids import DISTRICT_OWNER_ID
from station_app.domain.models import (
    CaseUpperSignOff,
    HardshipCase,
    HouseholdMember,
    LedgerEntry,
    Member,
    SignOff,
)
from station_app.domain.services import corrections
from station_app.domain.services.common import NotFound, get_or_404, today
from station_app.domain.services.corrections import (
    CASE_CONTENT,
    CaseSignoffs,
    SignoffView,
    facts_of,
    permit,
)
from station_app.domain.validation import (
    FIELD_LABELS,
    ErrorCollector,
    FieldError,
    Localized,
    ValidationError,
    format_fen,
    is_blank,
    normalize_text,
    parse_amount_fen,
    parse_bool,
    parse_choice,
    parse_date,
    parse_id_number,
    parse_int,
    parse_name,
    parse_text,
    register_messages,
)

# Medical mutual-aid (职工医疗互助) enrols from 20 October for next calendar year's cover.
MUTUAL_AID_WINDOW_START = (10, 20)
# Kinds that pay money: an amount above zero is required.
PAID_KINDS = {"condolence", "medical_mutual_aid", "education_aid", "winter", "summer"}

CASE_TEXT_FIELDS = {
    "political_status": 30, "health": 50, "disability_category": 50, "model_worker_type": 50,
    "housing_type": 50, "employer_name": 200, "employer_nature": 50, "enterprise_status": 50,
    "hukou_area": 100, "medical_insurance": 50, "primary_cause": 100, "secondary_cause": 100,
    "bank_name": 100, "bank_account": 40, "filed_by": 50, "reviewed_by": 50, "entered_by": 50,
    "notes": 2000,
}
CASE_MONEY_FIELDS = (
    "monthly_income_per_capita_fen", "own_monthly_income_fen", "household_annual_income_fen",
)
CASE_BOOL_FIELDS = ("single_parent", "zero_employment")

# The 困难职工档案表's fields as its headers name them (messages name the field so)
for _key, _labels in (
        ("political_status", ("政治面貌", "Political status")),
        ("health", ("健康状况", "Health")),
        ("disability_category", ("残疾类别", "Disability category")),
        ("model_worker_type", ("劳模类型", "Model-worker type")),
        ("housing_type", ("住房类型", "Housing")),
        ("employer_name", ("工作单位", "Employer")),
        ("employer_nature", ("单位性质", "Employer type")),
        ("enterprise_status", ("企业状况", "Enterprise status")),
        ("single_parent", ("是否单亲", "Single parent")),
        ("own_monthly_income_fen", ("本人月收入", "Own monthly income")),
        ("household_annual_income_fen", ("家庭年总收入", "Household annual income")),
        ("monthly_income_per_capita_fen", ("人均月收入", "Per-capita monthly income")),
        ("hukou_area", ("户口所在地区划", "Hukou area")),
        ("medical_insurance", ("医保状况", "Medical insurance")),
        ("zero_employment", ("是否零就业家庭", "Zero-employment household")),
        ("primary_cause", ("主要致困原因", "Main cause")),
        ("secondary_cause", ("次要致困原因", "Secondary cause")),
        ("bank_name", ("开户银行", "Bank")),
        ("filed_by", ("建档人", "Filed by")),
        ("reviewed_by", ("审核人", "Reviewed by")),
        ("entered_by", ("录入人", "Entered by")),
        ("registered_date", ("建档日期", "Registered")),
        ("last_review_date", ("最近年审日期", "Last annual review")),
        ("relation", ("与户主关系", "Relation")),
        ("school_or_work", ("就学/就业情况", "School or work")),
        ("household_member", ("家庭成员", "Household member"))):
    FIELD_LABELS.setdefault(_key, _labels)

register_messages({
    "household.id_twice": (
        "该身份证号已登记为本户的家庭成员：{name}",
        "This ID number is already on the household: {name}",
    ),
    "household.is_head": (
        "这是户主本人的身份证号：户主不必再登记为家庭成员",
        "This is the household head's own ID number: the head is not added as a member",
    ),
    "case.already_closed": (
        "档案已于 {date} {status}，不能再次办理；如办理有误，请先撤销（重新开档）",
        "The file was already closed ({status}) on {date}; if that was a mistake, re-open "
        "the file first",
    ),
    "case.closed_before_registered": (
        "日期不能早于建档日期 {registered}",
        "The date cannot be before the file was registered ({registered})",
    ),
    "case.not_closed": (
        "档案在档，未曾脱困或注销，无需撤销",
        "The file is open: it was not exited or cancelled, so there is nothing to undo",
    ),
    "case.registered_after_closing": (
        "建档日期不能晚于档案的{status}日期 {date}",
        "The registration date cannot be after the file was closed ({status}, {date})",
    ),
    "case.none_for_id": (
        "{id} 没有{which}的困难职工档案",
        "{id} has no {which} hardship file",
    ),
    "case.several_for_id": (
        "{id} 有 {count} 份{which}的档案（不同站点）：请改用档案编号，例如 {ids}",
        "{id} has {count} {which} files (at different stations): give the file's id "
        "instead, one of {ids}",
    ),
    "case.entry_after_closing": (
        "档案已于 {date} {status}：此后日期的帮扶不能登记在该档案上，请核对帮扶日期，或重新建档",
        "The file was closed ({status}) on {date}: an entry dated after that cannot go on "
        "it; check the date, or open a new file",
    ),
    "case.entry_before_registered": (
        "帮扶日期早于建档日期 {registered}：已关闭档案的历史记录只能登记在档期间的帮扶",
        "The entry is dated before the file was registered ({registered}): a closed file's "
        "history takes only entries dated while it was open",
    ),
    "ledger.entry_none": (
        "没有编号为 {id} 的帮扶记录：请用 station-admin ledger list 身份证号 查看记录编号",
        "There is no ledger entry {id}: station-admin ledger list ID_NUMBER shows the "
        "entries' ids",
    ),
})


def default_cover_year(entry_date: date) -> int:
    """A purchase from the enrolment window on covers next year; before it, this year."""
    return entry_date.year + (1 if (entry_date.month, entry_date.day) >= MUTUAL_AID_WINDOW_START
                              else 0)


def parse_case_choice(value: Any, *, field: str) -> str | None:
    """A value of one of the 档案表's fixed lists (``choices.CASE_CHOICES``): the listed
    wording, a wording offices use for it (``CASE_SYNONYMS``: 党员 is 中共党员, 租房 is
    租赁住房), or nothing (blank, 无, /). Anything else names the list."""
    text = normalize_text(value).replace(" ", "")
    if text in ("", "无", "/", "-", "—", "--"):
        return None
    text = CASE_SYNONYMS.get(field, {}).get(text, text)
    return parse_choice(text, field=field, choices=CASE_CHOICES[field], required=False)


def case_values(case: HardshipCase) -> dict[str, Any]:
    """A file as the data of its form: what ``open_case`` and ``update_case`` take (money
    in yuan as text, dates as dates)."""
    out: dict[str, Any] = {}
    for key in ("category", "level", "household_size", "registered_date",
                "last_review_date", *CASE_TEXT_FIELDS, *CASE_BOOL_FIELDS):
        out[key] = getattr(case, key)
    for key in CASE_MONEY_FIELDS:
        fen = getattr(case, key)
        out[key] = None if fen is None else format_fen(fen)
    return out


def clean_case(data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    c = ErrorCollector()
    v: dict[str, Any] = {}

    def want(key: str) -> bool:
        return not partial or key in data

    if want("category"):
        v["category"] = c.check("category", parse_choice, data.get("category"), field="category",
                                choices=HARDSHIP_CATEGORY)
    if want("level"):
        v["level"] = c.check("level", parse_choice, data.get("level"), field="level",
                             choices=HARDSHIP_LEVEL)
    if want("household_size"):
        v["household_size"] = c.check("household_size", parse_int, data.get("household_size"),
                                      field="household_size", min_value=1, max_value=30)
    if want("registered_date"):
        v["registered_date"] = c.check(
            "entry_date", parse_date,
            today() if is_blank(data.get("registered_date")) else data.get("registered_date"),
            field="entry_date", not_future=True,
        )
    if want("last_review_date") and not is_blank(data.get("last_review_date")):
        v["last_review_date"] = c.check("last_review_date", parse_date,
                                        data.get("last_review_date"), field="last_review_date",
                                        not_future=True)
    for key, max_len in CASE_TEXT_FIELDS.items():
        if not want(key):
            continue
        if key in CASE_CHOICES:
            v[key] = c.check(key, parse_case_choice, data.get(key), field=key)
        else:
            v[key] = c.check(key, parse_text, data.get(key), field=key, max_len=max_len)
    for key in CASE_MONEY_FIELDS:
        if want(key):
            v[key] = None if is_blank(data.get(key)) else c.check(
                key, parse_amount_fen, data.get(key), field=key, allow_zero=True)
    for key in CASE_BOOL_FIELDS:
        if want(key):
            v[key] = False if is_blank(data.get(key)) else c.check(key, parse_bool, data.get(key),
                                                               field=key)
    c.raise_if_any()
    return v


def open_case(session: Session, member_id: str, data: Mapping[str, Any]) -> HardshipCase:
    """Open the household's file for its head, with any field of the 困难职工档案表
    (``clean_case``); one open file per household head."""
    permit(session, "case.open")
    member = get_or_404(session, Member, member_id, "member")
    if member.status != "active":
        raise ValidationError([FieldError("member", "case.member_inactive")])
    v = clean_case(data)
    existing = session.execute(
        select(HardshipCase.id).where(
            HardshipCase.member_id == member.id, HardshipCase.status == "open",
            HardshipCase.deleted == false(),
        )
    ).first()
    if existing:
        raise ValidationError([FieldError("member", "case.exists")])
    case = HardshipCase(member_id=member.id, status="open", **v)
    if case.last_review_date is None:
        case.last_review_date = case.registered_date
    session.add(case)
    session.flush()
    return case


def update_case(session: Session, case_id: str, data: Mapping[str, Any]) -> HardshipCase:
    """Edit a file: the fields given in ``data`` (any of the 困难职工档案表's, see
    ``case_values``) replace the stored ones, each validated as when the file was opened;
    only what differs is written (and audited). A file signed off is a station admin's
    to change, and the change voids the sign-off (``corrections``); the annual review's
    date alone changes no signed content."""
    permit(session, "case.edit")
    case = get_or_404(session, HardshipCase, case_id, "case")
    v = clean_case(data, partial=True)
    registered = v.get("registered_date")
    if registered and case.exit_date and registered > case.exit_date:
        # a closed file stays registered on or before its closing
        raise ValidationError([FieldError("entry_date", "case.registered_after_closing", {
            "status": Localized(*CASE_STATUS[case.status]),
            "date": case.exit_date.isoformat()})])
    changed = [k for k, val in v.items() if getattr(case, k) != val]
    if not changed:
        return case
    content = [k for k in changed if k in CASE_CONTENT]
    facts = facts_of(session, "hardship_cases", case)
    if not content:  # (no signed content changes: the sign-off does not matter)
        facts = replace(facts, signed_by=None, signed_on=None)
    decision = permit(session, "case.edit", facts)
    signed = _signed_before(session, case, decision)
    for k in changed:
        setattr(case, k, v[k])
    session.flush()
    if signed:
        corrections.void_signoffs(session, signed, Localized(
            "修改档案：" + corrections.changed_fields(content).zh,
            "the file was edited: " + corrections.changed_fields(content).en))
    return case


def record_review(session: Session, case_id: str, on: Any = None) -> HardshipCase:
    """The annual review (年审) was done: clears the 12-month flag."""
    permit(session, "case.review")
    case = get_or_404(session, HardshipCase, case_id, "case")
    c = ErrorCollector()
    when = c.check("last_review_date", parse_date, today() if on is None else on,
                   field="last_review_date", not_future=True)
    c.raise_if_any()
    case.last_review_date = when
    session.flush()
    return case


# How a file is closed: status -> (the date field its errors name, the action's words).
# Both ways keep the closing date in ``exit_date`` and the reason in ``exit_reason``;
# ``status`` says which it was (no migration: the columns are the file's "closed on" and
# "closed because").
CLOSINGS = {
    "exited": ("exit_date", "办理脱困", "close hardship files (exit)"),
    "cancelled": ("cancel_date", "注销档案", "cancel hardship files"),
}
_CLOSING_ACTIONS = {"exited": "case.exit", "cancelled": "case.cancel"}


def check_closing(status: str, on: Any, reason: Any, registered: date | None, *,
                  date_field: str | None = None, reason_field: str = "reason",
                  collector: ErrorCollector | None = None) -> tuple[date | None, str | None]:
    """The date and reason of closing a file (脱困 or 注销), checked: a real date, not in
    the future, not before the file was registered; a reason. Errors go to
    ``collector`` when given (else raised)."""
    c = collector if collector is not None else ErrorCollector()
    field = date_field or CLOSINGS[status][0]
    when = c.check(field, parse_date, on, field=field, not_future=True)
    why = c.check(reason_field, parse_text, reason, field=reason_field, required=True,
                  max_len=500)
    if when and registered and when < registered:
        c.add(field, "case.closed_before_registered", registered=registered.isoformat())
    if collector is None:
        c.raise_if_any()
    return when, why


def close_case(session: Session, case_id: str, status: str, on: Any, reason: Any
               ) -> HardshipCase:
    """Close an open file: ``status`` "exited" (脱困) or "cancelled" (注销), with the
    date and the reason (station admins). A closed file takes no entries and leaves the
    files on record from its closing date on."""
    if status not in CLOSINGS:
        raise ValueError(status)
    permit(session, _CLOSING_ACTIONS[status])
    case = get_or_404(session, HardshipCase, case_id, "case")
    c = ErrorCollector()
    when, why = check_closing(status, on, reason, case.registered_date, collector=c)
    if case.status != "open":
        c.add("case", "case.already_closed", status=Localized(*CASE_STATUS[case.status]),
              date=case.exit_date.isoformat() if case.exit_date
              else Localized("（日期不详）", "(date unknown)"))
    c.raise_if_any()
    case.status, case.exit_date, case.exit_reason = status, when, why
    session.flush()
    return case


def exit_case(session: Session, case_id: str, on: Any, reason: Any) -> HardshipCase:
    """脱困: the household no longer needs help (station admins)."""
    return close_case(session, case_id, "exited", on, reason)


def cancel_case(session: Session, case_id: str, on: Any, reason: Any) -> HardshipCase:
    """注销: the file was opened in error or withdrawn (station admins)."""
    return close_case(session, case_id, "cancelled", on, reason)


def reopen_case(session: Session, case_id: str) -> HardshipCase:
    """Undo a closing (脱困 or 注销) recorded in error: the file is open again, as if it
    had never been closed (station admins). The audit log keeps the closing undone (the
    old status, date and reason). Refused when the household head has another open file
    (one open file per household)."""
    permit(session, "case.reopen")
    case = get_or_404(session, HardshipCase, case_id, "case")
    if case.status == "open":
        raise ValidationError([FieldError("case", "case.not_closed")])
    other = session.execute(
        select(HardshipCase.id).where(
            HardshipCase.member_id == case.member_id, HardshipCase.status == "open",
            HardshipCase.deleted == false(), HardshipCase.id != case.id,
        )
    ).first()
    if other:
        raise ValidationError([FieldError("case", "case.exists")])
    case.status, case.exit_date, case.exit_reason = "open", None, None
    session.flush()
    return case


def find_case(session: Session, key: Any, *, closed: bool = False) -> HardshipCase:
    """A file by its id, or by the household head's 身份证号: the head's open file (with
    ``closed``: the head's most recently closed one). A malformed ID number gets the
    ID number's own message; several open files of one person (at different stations,
    on a district database) ask for the file's id."""
    text = normalize_text(key)
    if len(text) == 36 and text.count("-") == 4:
        return get_or_404(session, HardshipCase, text, "case")
    idn = parse_id_number(text).number
    wanted = HardshipCase.status != "open" if closed else HardshipCase.status == "open"
    found = list(session.execute(
        select(HardshipCase).join(Member, Member.id == HardshipCase.member_id)
        .where(Member.id_number == idn, Member.deleted == false(),
               HardshipCase.deleted == false(), wanted)
        .order_by(HardshipCase.exit_date.desc().nulls_last(),
                  HardshipCase.registered_date.desc())
    ).scalars())
    which = Localized("已关闭（脱困或注销）", "closed (exited or cancelled)") if closed \
        else Localized("在档", "open")
    if not found:
        raise NotFound([FieldError("id_number", "case.none_for_id",
                                   {"id": idn, "which": which})])
    if len({c.station_id for c in found}) > 1:
        raise ValidationError([FieldError("id_number", "case.several_for_id", {
            "id": idn, "count": len(found), "which": which,
            "ids": ", ".join(c.id for c in found[:3])})])
    return found[0]


def clean_signature(by: Any, on: Any) -> tuple[str, date]:
    """A sign-off's signer (a name) and date (not in the future). Raises one
    ValidationError."""
    c = ErrorCollector()
    who = c.check("reviewed_by", parse_name, by, field="reviewed_by")
    when = c.check("date", parse_date, on, field="date", not_future=True)
    c.raise_if_any()
    return who, when


# --------------------------------------------------------------------------- sign-offs


def case_signoffs(session: Session, case_id: str) -> CaseSignoffs:
    """A file's sign-offs, newest first: the grassroots union's (the station head's) and
    the upper union's (the district's), each with who, when, and whether it is still in
    force (voided, or changed since: ``SignoffView``)."""
    case = get_or_404(session, HardshipCase, case_id, "case")
    return corrections.case_signoffs(session, case)


@dataclass(frozen=True)
class SignoffRow:
    """One file as a list of files with their sign-offs shows it (the district's
    hardship-files page: read-only, signing the upper block its one write)."""

    case_id: str
    station_id: str
    station_code: str
    station_name: str
    head_name: str
    head_id_number: str  # (the list masks it: validation.mask_id_number)
    category: str
    level: str
    registered_date: date
    status: str
    grassroots: SignoffView | None  # the newest of each block, if any
    upper: SignoffView | None


def signoff_rows(session: Session, *, station_id: str | None = None,
                 status: str | None = "open") -> list[SignoffRow]:
    """Files (open ones by default; ``status`` None: all) with the newest sign-off of each
    block — who, when, in force or voided / changed since —, of one station or every
    station the database holds, by station and the head's name."""
    from station_app.domain.models import Station

    q = (select(HardshipCase, Member.name, Member.id_number, Station.code, Station.name)
         .join(Member, Member.id == HardshipCase.member_id)
         .outerjoin(Station, Station.id == HardshipCase.station_id)
         .where(HardshipCase.deleted == false()))
    if station_id is not None:
        q = q.where(HardshipCase.station_id == station_id)
    if status is not None:
        q = q.where(HardshipCase.status == status)
    rows = session.execute(q.order_by(Station.code, Member.name, HardshipCase.id)).all()
    signed = corrections.case_signoffs_of(session, [r[0] for r in rows])
    out = []
    for case, name, idn, code, station_name in rows:
        views = signed[case.id]
        out.append(SignoffRow(case.id, case.station_id, code or "", station_name or "",
                              name, idn, case.category, case.level, case.registered_date,
                              case.status, views.grassroots_current, views.upper_current))
    return out


def _signing(session: Session, case: HardshipCase, on: Any, note: Any, block: str
             ) -> tuple[str, str, date, str | None]:
    """Who signs a block of ``case`` (``block``: ``grassroots_current`` or
    ``upper_current`` of its sign-offs), on which day, with what note — refused when the
    day is before the file was registered, or the block is signed and unchanged since."""
    who, name = corrections.signer(session)
    day = corrections.clean_sign_date(on)
    text = corrections.clean_note(note)
    if day < case.registered_date:
        raise ValidationError([FieldError("signed_date", "signoff.before_registered", {
            "registered": case.registered_date.isoformat()})])
    current = getattr(corrections.case_signoffs(session, case), block)
    if current is not None and current.in_force:
        raise ValidationError([FieldError("signoff", "signoff.already", {
            "signed_by": current.signed_by_name,
            "signed_on": current.signed_date.isoformat()})])
    return who, name, day, text


def sign_case(session: Session, case_id: str, *, on: Any = None, note: Any = None
              ) -> SignoffView:
    """The station head signs the file off (the grassroots union's block, 基层工会审核意见):
    a sign-off of the file as it is now, by the acting user (a station admin of this
    station, logged in), dated ``on`` (default today; not in the future, not before the
    file was registered). A file already signed off and unchanged since is refused; a
    file changed since its sign-off is signed again (the former stays, as history)."""
    permit(session, "case.sign")
    case = get_or_404(session, HardshipCase, case_id, "case")
    permit(session, "case.sign", facts_of(session, "hardship_cases", case))
    who, name, day, text = _signing(session, case, on, note, "grassroots_current")
    session.add(SignOff(kind="case", case_id=case.id, signed_by=who, signed_by_name=name,
                        signed_date=day, signed_at=corrections.utc_now(), note=text,
                        content=corrections.canonical(
                            corrections.case_content(session, case))))
    session.flush()
    return corrections.case_signoffs(session, case).grassroots_current


def sign_case_upper(session: Session, case_id: str, *, on: Any = None, note: Any = None
                    ) -> SignoffView:
    """The upper union signs a station's file off (上级工会审核意见), at the district: a
    record of the district's own (``case_upper_signoffs``), which the station pulls and
    never writes — a station's later edit shows as a change since signing, and never
    overwrites it. By the acting district admin (logged in), dated ``on`` (default today)."""
    permit(session, "case.sign_upper")
    case = get_or_404(session, HardshipCase, case_id, "case")
    who, name, day, text = _signing(session, case, on, note, "upper_current")
    session.add(CaseUpperSignOff(
        station_id=DISTRICT_OWNER_ID, case_id=case.id, signed_by=who, signed_by_name=name,
        signed_date=day, signed_at=corrections.utc_now(), note=text,
        content=corrections.canonical(corrections.case_content(session, case))))
    session.flush()
    return corrections.case_signoffs(session, case).upper_current


def withdraw_upper_signoff(session: Session, signoff_id: str, reason: Any) -> SignoffView:
    """The district withdraws an upper sign-off given in error: it stays, marked void
    with who, when and why (the station pulls the change)."""
    permit(session, "case.sign_upper")
    row = session.get(CaseUpperSignOff, normalize_text(signoff_id))
    if row is None or row.deleted:
        raise NotFound([FieldError("signoff", "signoff.none", {"id": signoff_id})])
    c = ErrorCollector()
    why = c.check("reason", parse_text, reason, field="reason", required=True, max_len=500)
    if row.void_at is not None:
        c.add("signoff", "signoff.already_void", at=row.void_at[:16].replace("T", " "))
    c.raise_if_any()
    actor = corrections.actor_of(session)
    row.void_at, row.void_by = corrections.utc_now(), actor.username
    row.void_by_name = actor.display_name or actor.username
    row.void_reason = f"withdrawn: {why}\t撤回：{why}"
    session.flush()
    return next(v for v in case_signoffs(session, row.case_id).upper if v.id == row.id)


def _signed_before(session: Session, case: HardshipCase, decision) -> list[SignoffView]:
    """The file's grassroots sign-off in force before a change that voids it."""
    if not decision.voids:
        return []
    current = corrections.case_signoffs(session, case).grassroots_current
    return [current] if current is not None and current.in_force else []


# --------------------------------------------------------------------------- household


def household(session: Session, case_id: str) -> list[HouseholdMember]:
    """The household members of a file, in the order they were added."""
    return list(session.execute(
        select(HouseholdMember).where(HouseholdMember.case_id == case_id,
                                      HouseholdMember.deleted == false())
        .order_by(HouseholdMember.id)).scalars())


def _check_household(session: Session, case: HardshipCase, v: Mapping[str, Any],
                     exclude: str | None = None) -> None:
    """One ID number once per household, and never the head's own."""
    idn = v.get("id_number")
    if not idn:
        return
    if case.member is not None and case.member.id_number == idn:
        raise ValidationError([FieldError("id_number", "household.is_head")])
    for other in household(session, case.id):
        if other.id != exclude and other.id_number == idn:
            raise ValidationError([FieldError("id_number", "household.id_twice",
                                              {"name": other.name})])


def add_household_member(session: Session, case_id: str, data: Mapping[str, Any]
                         ) -> HouseholdMember:
    """Add a row to the household (name, relation, ID number, age — from the ID number
    when not given —, health, school or work), validated as the import does. On a file
    signed off: a station admin's, and it voids the sign-off."""
    permit(session, "household.add")
    case = get_or_404(session, HardshipCase, case_id, "case")
    decision = permit(session, "household.add", facts_of(session, "hardship_cases", case))
    v = clean_household_member(data)
    _check_household(session, case, v)
    signed = _signed_before(session, case, decision)
    hm = HouseholdMember(case_id=case.id, **v)
    session.add(hm)
    session.flush()
    corrections.void_signoffs(session, signed, Localized(
        f"添加家庭成员 {hm.name}", f"household member {hm.name} added"))
    return hm


def household_values(hm: HouseholdMember) -> dict[str, Any]:
    """A household member as the data of its form (what ``update_household_member``
    takes)."""
    return {k: getattr(hm, k) for k in HOUSEHOLD_FIELDS}


HOUSEHOLD_FIELDS = ("name", "relation", "id_number", "age", "health", "school_or_work")


def update_household_member(session: Session, member_id: str, data: Mapping[str, Any]
                            ) -> HouseholdMember:
    """Correct a household member: the fields given replace the stored ones, the whole
    row validated again (an age left out is derived from a new ID number); only what
    differs is written. On a file signed off: a station admin's, voiding the sign-off."""
    permit(session, "household.edit")
    hm = get_or_404(session, HouseholdMember, member_id, "household_member")
    case = get_or_404(session, HardshipCase, hm.case_id, "case")
    merged = household_values(hm)
    given = {k: v for k, v in data.items() if k in HOUSEHOLD_FIELDS}
    if "id_number" in given and "age" not in given:
        merged["age"] = None  # (derived again from the new number)
    merged.update(given)
    v = clean_household_member(merged)
    _check_household(session, case, v, exclude=hm.id)
    changed = [k for k, val in v.items() if getattr(hm, k) != val]
    if not changed:
        return hm
    decision = permit(session, "household.edit", facts_of(session, "household_members", hm))
    signed = _signed_before(session, case, decision)
    for k in changed:
        setattr(hm, k, v[k])
    session.flush()
    fields = corrections.changed_fields(changed)
    corrections.void_signoffs(session, signed, Localized(
        f"修改家庭成员 {hm.name}：{fields.zh}", f"household member {hm.name} edited: "
        f"{fields.en}"))
    return hm


def delete_household_member(session: Session, member_id: str) -> HouseholdMember:
    """Remove a household member entered in error: a tombstone (kept, audited, carried by
    sync). On a file signed off: a station admin's, voiding the sign-off."""
    permit(session, "household.delete")
    hm = get_or_404(session, HouseholdMember, member_id, "household_member")
    case = get_or_404(session, HardshipCase, hm.case_id, "case")
    decision = permit(session, "household.delete",
                      facts_of(session, "household_members", hm))
    signed = _signed_before(session, case, decision)
    session.delete(hm)
    session.flush()
    corrections.void_signoffs(session, signed, Localized(
        f"删除家庭成员 {hm.name}", f"household member {hm.name} removed"))
    return hm


def clean_household_member(data: Mapping[str, Any]) -> dict[str, Any]:
    """A household member's fields, validated (the age from the ID number when not
    given). Raises one ValidationError."""
    c = ErrorCollector()
    v: dict[str, Any] = {}
    v["name"] = c.check("name", parse_name, data.get("name"))
    v["relation"] = c.check("relation", parse_choice, data.get("relation"), field="relation",
                            choices=HOUSEHOLD_RELATION)
    idn = None if is_blank(data.get("id_number")) else c.check(
        "id_number", parse_id_number, data.get("id_number"))
    v["id_number"] = idn.number if idn else None
    age = None if is_blank(data.get("age")) else c.check(
        "age", parse_int, data.get("age"), field="age", min_value=0, max_value=130)
    if age is None and idn is not None:
        t = today()
        b = idn.birth_date
        age = t.year - b.year - ((t.month, t.day) < (b.month, b.day))
    v["age"] = age
    v["health"] = c.check("health", parse_text, data.get("health"), field="health", max_len=50)
    v["school_or_work"] = c.check("school_or_work", parse_text, data.get("school_or_work"),
                                  field="school_or_work", max_len=100)
    c.raise_if_any()
    return v


# --------------------------------------------------------------------------- ledger


def counting(as_of: date | None = None):
    """The condition for ledger entries that count (SPEC: "a reversed entry and its
    reversal count for nothing"; tombstones count for nothing). With ``as_of``: entries
    dated on or before it, and a reversal dated after it does not yet reverse."""
    r = aliased(LedgerEntry)
    reversed_ids = select(r.reverses_id).where(r.reverses_id.is_not(None), r.deleted == false())
    cond = [LedgerEntry.deleted == false(), LedgerEntry.reverses_id.is_(None)]
    if as_of is not None:
        reversed_ids = reversed_ids.where(r.entry_date <= as_of)
        cond.append(LedgerEntry.entry_date <= as_of)
    cond.append(LedgerEntry.id.not_in(reversed_ids))
    return and_(*cond)


def effective_entries(as_of: date | None = None):
    """A select of the ledger entries that count (see ``counting``)."""
    return select(LedgerEntry).where(counting(as_of))


def _check_entry(c: ErrorCollector, data: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of an assistance entry, checked into ``c`` (values None when bad)."""
    kind = c.check("kind", parse_choice, data.get("kind"), field="kind", choices=LEDGER_KIND)
    when = c.check("entry_date", parse_date,
                   today() if is_blank(data.get("entry_date")) else data.get("entry_date"),
                   field="entry_date", not_future=True)
    amount = 0
    if not is_blank(data.get("amount")):
        amount = c.check("amount", parse_amount_fen, data.get("amount"), allow_zero=True)
    if kind in PAID_KINDS and amount == 0:
        c.add("amount", "ledger.amount_required", kind=label(LEDGER_KIND, kind))
    cover_year = None
    if kind == "medical_mutual_aid" and when:
        cover_year = (default_cover_year(when) if is_blank(data.get("cover_year"))
                      else c.check("cover_year", parse_int, data.get("cover_year"),
                                   field="year", min_value=when.year, max_value=when.year + 1))
    beneficiary = c.check("beneficiary", parse_text, data.get("beneficiary"),
                          field="beneficiary", max_len=50)
    if kind == "education_aid" and not beneficiary:
        c.add("beneficiary", "ledger.beneficiary_required")
    funding = c.check("funding_source", parse_text, data.get("funding_source"),
                      field="funding_source", max_len=100)
    handled = c.check("handler", parse_text, data.get("handled_by"), field="handler",
                      max_len=50)
    note = c.check("note", parse_text, data.get("note"), field="note", max_len=1000)
    return {"entry_date": when, "kind": kind, "amount_fen": amount, "cover_year": cover_year,
            "beneficiary": beneficiary, "funding_source": funding, "handled_by": handled,
            "note": note}


def clean_entry(data: Mapping[str, Any]) -> dict[str, Any]:
    """An assistance entry's own fields, validated (the checks that need the file and the
    ledger — an open file, one education aid per student and year — are ``add_entry``'s).
    Raises one ValidationError."""
    c = ErrorCollector()
    v = _check_entry(c, data)
    c.raise_if_any()
    return v


def add_entry(session: Session, case_id: str, data: Mapping[str, Any], *,
              history: bool = False) -> LedgerEntry:
    """Append an assistance entry (帮扶记录) to an open file.

    A closed file (脱困 or 注销) takes no new entries. With ``history`` (the ledger
    import: a year's ledger read after the hardship sheet that closed the file) a closed
    file takes an entry dated while it was open — on or after its registration, on or
    before its closing — as the record of what was done then; one dated after the
    closing is refused naming the closing's date."""
    permit(session, "ledger.add")
    case = get_or_404(session, HardshipCase, case_id, "case")
    c = ErrorCollector()
    closed = case.status != "open"
    if closed and (not history or case.exit_date is None):
        c.add("case", "case.not_open", status=label(CASE_STATUS, case.status))
        closed = False  # said
    v = _check_entry(c, data)
    kind, when, beneficiary = v["kind"], v["entry_date"], v["beneficiary"]
    if closed:
        if when and when > case.exit_date:
            c.add("entry_date", "case.entry_after_closing",
                  status=Localized(*CASE_STATUS[case.status]),
                  date=case.exit_date.isoformat())
        elif when and when < case.registered_date:
            c.add("entry_date", "case.entry_before_registered",
                  registered=case.registered_date.isoformat())
    if kind == "education_aid" and beneficiary and when:
        twice = session.execute(
            effective_entries()
            .with_only_columns(LedgerEntry.id)
            .join(HardshipCase, HardshipCase.id == LedgerEntry.case_id)
            .where(
                HardshipCase.member_id == case.member_id,
                LedgerEntry.kind == "education_aid",
                LedgerEntry.beneficiary == beneficiary,
                LedgerEntry.entry_date >= date(when.year, 1, 1),
                LedgerEntry.entry_date <= date(when.year, 12, 31),
            )
            .limit(1)
        ).first()
        if twice:
            c.add("beneficiary", "ledger.education_twice", student=beneficiary,
                  year=when.year)
    c.raise_if_any()
    actor = session.info["actor"]
    entry = LedgerEntry(
        case_id=case.id, entry_date=when, kind=kind, amount_fen=v["amount_fen"],
        cover_year=v["cover_year"], beneficiary=beneficiary,
        funding_source=v["funding_source"],
        handled_by=v["handled_by"] or actor.display_name or actor.username,
        note=v["note"],
    )
    session.add(entry)
    session.flush()
    return entry


def reverse_entry(session: Session, entry_id: str, reason: Any, on: Any = None) -> LedgerEntry:
    """冲正: a new entry with the negated amount referencing the original (station admins).

    The original is untouched; an entry is reversed at most once; a reversal is final.
    """
    permit(session, "ledger.reverse")
    original = get_or_404(session, LedgerEntry, entry_id, "entry")
    c = ErrorCollector()
    why = c.check("reason", parse_text, reason, field="reason", required=True, max_len=500)
    when = c.check("entry_date", parse_date, today() if on is None else on, field="entry_date",
                   not_future=True)
    if original.reverses_id is not None:
        c.add("entry", "ledger.reversal_of_reversal")
    already = session.execute(
        select(LedgerEntry.id).where(LedgerEntry.reverses_id == original.id)
    ).first()
    if already:
        c.add("entry", "ledger.already_reversed")
    if when and when < original.entry_date:
        c.add("entry_date", "date.before", other=original.entry_date.isoformat())
    c.raise_if_any()
    actor = session.info["actor"]
    reversal = LedgerEntry(
        station_id=original.station_id,  # the correction belongs to the ledger it corrects
        case_id=original.case_id, entry_date=when, kind=original.kind,
        amount_fen=-original.amount_fen, cover_year=original.cover_year,
        beneficiary=original.beneficiary, funding_source=original.funding_source,
        handled_by=actor.display_name or actor.username, note=why, reverses_id=original.id,
    )
    session.add(reversal)
    session.flush()
    return reversal


def files_of(session: Session, key: Any) -> list[HardshipCase]:
    """The files a command names: one file by its id, or every file (open or closed) of
    the household head with this 身份证号 in the database, the newest first."""
    text = normalize_text(key)
    if len(text) == 36 and text.count("-") == 4:
        return [get_or_404(session, HardshipCase, text, "case")]
    idn = parse_id_number(text).number
    found = list(session.execute(
        select(HardshipCase).join(Member, Member.id == HardshipCase.member_id)
        .where(Member.id_number == idn, Member.deleted == false(),
               HardshipCase.deleted == false())
        .order_by(HardshipCase.registered_date.desc(), HardshipCase.id)
    ).scalars())
    if not found:
        raise NotFound([FieldError("id_number", "case.none_for_id", {
            "id": idn, "which": Localized("（在档或已关闭）", "open or closed")})])
    return found


def find_entry(session: Session, entry_id: Any) -> LedgerEntry:
    """A ledger entry by its id (``station-admin ledger list`` prints them)."""
    text = normalize_text(entry_id)
    entry = session.get(LedgerEntry, text) if text else None
    if entry is None or entry.deleted:
        raise NotFound([FieldError("entry", "ledger.entry_none", {"id": text})])
    return entry


def reversals_of(session: Session, entry_ids: list[str]) -> dict[str, LedgerEntry]:
    """{original's id: its reversal} for those of ``entry_ids`` that were reversed."""
    out: dict[str, LedgerEntry] = {}
    for i in range(0, len(entry_ids), 900):
        for r in session.execute(select(LedgerEntry).where(
                LedgerEntry.reverses_id.in_(entry_ids[i:i + 900]),
                LedgerEntry.deleted == false())).scalars():
            out[r.reverses_id] = r
    return out


def reversal_candidates(session: Session, member_ids: list[str], kind: str | None,
                        amount_fen: int, on: date) -> list[LedgerEntry]:
    """The entries a reversal (冲正) of ``amount_fen`` dated ``on`` may correct, newest
    first: on the files of these member rows (one household head), of ``kind`` (any
    when None), of that amount, dated on or before ``on``, neither a reversal nor
    reversed already."""
    r = aliased(LedgerEntry)
    q = (select(LedgerEntry).join(HardshipCase, HardshipCase.id == LedgerEntry.case_id)
         .where(HardshipCase.member_id.in_(member_ids), HardshipCase.deleted == false(),
                LedgerEntry.deleted == false(), LedgerEntry.reverses_id.is_(None),
                LedgerEntry.amount_fen == amount_fen, LedgerEntry.entry_date <= on,
                ~exists().where(r.reverses_id == LedgerEntry.id, r.deleted == false()))
         .order_by(LedgerEntry.entry_date.desc(), LedgerEntry.hlc))
    if kind is not None:
        q = q.where(LedgerEntry.kind == kind)
    return list(session.execute(q).scalars())


def case_entries(session: Session, case_id: str) -> list[LedgerEntry]:
    return list(session.execute(
        select(LedgerEntry).where(LedgerEntry.case_id == case_id, LedgerEntry.deleted == false())
        .order_by(LedgerEntry.entry_date, LedgerEntry.hlc)
    ).scalars())


@dataclass(frozen=True)
class Totals:
    """Ledger sums in fen and entry counts, per group key, over the entries that count."""

    by_key: dict[tuple, int]
    count_by_key: dict[tuple, int]

    @property
    def total(self) -> int:
        return sum(self.by_key.values())


def ledger_totals(
    session: Session, *, group_by: tuple[str, ...] = ("kind",), case_id: str | None = None,
    station_id: str | None = None, year: int | None = None, as_of: date | None = None,
) -> Totals:
    """Sums of the ledger grouped by any of: case, kind, year, station.

    Only entries that count are summed: a reversed entry and its reversal are both left
    out, so a correction in a later year does not move money between years, and every
    grouping adds up to the same grand total.
    """
    cols = {
        "case": LedgerEntry.case_id,
        "kind": LedgerEntry.kind,
        "year": extract("year", LedgerEntry.entry_date),
        "station": LedgerEntry.station_id,
    }
    keys = [cols[g].label(g) for g in group_by]
    q = select(*keys, func.sum(LedgerEntry.amount_fen), func.count()).where(counting(as_of))
    if case_id:
        q = q.where(LedgerEntry.case_id == case_id)
    if station_id:
        q = q.where(LedgerEntry.station_id == station_id)
    if year:
        q = q.where(LedgerEntry.entry_date >= date(year, 1, 1),
                    LedgerEntry.entry_date <= date(year, 12, 31))
    if keys:
        q = q.group_by(*keys)
    by_key, counts = {}, {}
    for row in session.execute(q):
        key = tuple(int(x) if g == "year" else x for g, x in zip(group_by, row[:-2], strict=True))
        by_key[key] = int(row[-2] or 0)
        counts[key] = int(row[-1])
    return Totals(by_key, counts)


def reconcile(session: Session) -> list[str]:
    """Problems with the ledger: broken reversals, totals that disagree. Empty when sound."""
    problems: list[str] = []
    orig = aliased(LedgerEntry)
    bad = session.execute(
        select(LedgerEntry.id, orig.id, LedgerEntry.amount_fen, orig.amount_fen)
        .join(orig, orig.id == LedgerEntry.reverses_id)
        .where(or_(
            LedgerEntry.amount_fen != -orig.amount_fen,
            LedgerEntry.case_id != orig.case_id,
            LedgerEntry.kind != orig.kind,
            orig.reverses_id.is_not(None),
        ))
    ).all()
    for rid, oid, a, b in bad:
        problems.append(f"reversal {rid} does not mirror entry {oid} ({a} vs {b})")
    dangling = session.execute(
        select(LedgerEntry.id).where(
            LedgerEntry.reverses_id.is_not(None),
            ~exists().where(orig.id == LedgerEntry.reverses_id),
        )
    ).scalars().all()
    problems += [f"reversal {r} references a missing entry" for r in dangling]
    grand = ledger_totals(session, group_by=()).total
    for grouping in (("case",), ("kind",), ("year",), ("station",), ("station", "year", "kind")):
        t = ledger_totals(session, group_by=grouping).total
        if t != grand:
            problems.append(f"totals by {'/'.join(grouping)} = {t} fen, grand total {grand}")
    everything = session.execute(
        select(func.coalesce(func.sum(LedgerEntry.amount_fen), 0))
        .where(LedgerEntry.deleted == false())
    ).scalar_one()
    if int(everything) != grand:  # only when a reversal does not cancel its original
        problems.append(f"all entries sum to {everything} fen, the entries that count to "
                        f"{grand}")
    orphans = session.execute(
        select(func.count()).select_from(LedgerEntry).where(
            ~exists().where(HardshipCase.id == LedgerEntry.case_id))
    ).scalar_one()
    if orphans:
        problems.append(f"{orphans} ledger entries reference a missing file")
    return problems


# --------------------------------------------------------------------------- queries


def _open_cases(station_id: str | None):
    q = select(HardshipCase).where(HardshipCase.deleted == false(),
                                   HardshipCase.status == "open")
    if station_id:
        q = q.where(HardshipCase.station_id == station_id)
    return q


def _year_before(d: date) -> date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d - timedelta(days=365)


def due_for_review(session: Session, as_of: date | None = None, station_id: str | None = None
                   ) -> list[HardshipCase]:
    """Open files whose last annual review is 12 months old or older."""
    cutoff = _year_before(as_of or today())
    last = func.coalesce(HardshipCase.last_review_date, HardshipCase.registered_date)
    return list(session.execute(
        _open_cases(station_id).where(last <= cutoff).order_by(last)).scalars())


def never_helped(session: Session, station_id: str | None = None) -> list[HardshipCase]:
    """未帮扶过: open files without a single effective ledger entry."""
    eff = effective_entries().with_only_columns(LedgerEntry.case_id).subquery()
    return list(session.execute(
        _open_cases(station_id).where(HardshipCase.id.not_in(select(eff.c.case_id)))
        .order_by(HardshipCase.registered_date)).scalars())


def not_updated_for_year(session: Session, as_of: date | None = None,
                         station_id: str | None = None) -> list[HardshipCase]:
    """一年未改: open files with no change to the file and no ledger entry for a year."""
    as_of = as_of or today()
    cutoff = _year_before(as_of)
    from datetime import UTC, datetime
    cutoff_ms = int(datetime(cutoff.year, cutoff.month, cutoff.day, tzinfo=UTC).timestamp() * 1000)
    recent_entry = exists().where(
        LedgerEntry.case_id == HardshipCase.id, LedgerEntry.entry_date > cutoff
    )
    return list(session.execute(
        _open_cases(station_id).where(
            HardshipCase.hlc < f"{cutoff_ms:013d}",
            ~recent_entry,
            func.coalesce(HardshipCase.last_review_date, HardshipCase.registered_date) <= cutoff,
        ).order_by(HardshipCase.registered_date)).scalars())


def _closed_cases(session: Session, status: str, station_id: str | None
                  ) -> list[HardshipCase]:
    q = select(HardshipCase).where(HardshipCase.deleted == false(),
                                   HardshipCase.status == status)
    if station_id:
        q = q.where(HardshipCase.station_id == station_id)
    # newest closing first; a legacy closed file without a date last
    return list(session.execute(q.order_by(HardshipCase.exit_date.desc().nulls_last(),
                                           HardshipCase.registered_date.desc())).scalars())


def exited_cases(session: Session, station_id: str | None = None) -> list[HardshipCase]:
    """脱困: files closed because the household no longer needs help."""
    return _closed_cases(session, "exited", station_id)


def cancelled_cases(session: Session, station_id: str | None = None) -> list[HardshipCase]:
    """注销: files closed because they were opened in error or withdrawn."""
    return _closed_cases(session, "cancelled", station_id)


__all__ = ["and_"]
