"""Correcting records and signing them off: the facts the permission table needs, and the
sign-offs (审核签署) of hardship files and of a week's visits.

**Permissions.** ``permit(session, action, record)`` judges an action by the one table
(``domain.permissions``) for the acting user, today, in this database, and raises
``PermissionDenied`` with the reason when it may not be done. The facts about a record —
who entered it and on which day (the local audit log's ``insert``), what still refers
to it, the sign-off in force over it, whether it is this station's own — are gathered by
``facts_of`` (the client asks the same to enable its buttons: ``may``).

**Sign-offs.** A station head signs off a hardship file (the grassroots union's block)
or a week's visit diary: a row of ``signoffs`` (the station's own, synced to the
district) with who, the day the block shows, when (UTC), a note and ``content`` — what
was signed, as canonical JSON (``case_content``, ``week_content``). The upper union signs
a file at the district: a row of ``case_upper_signoffs``, the district's own (the station
whose file it is pulls it, and never writes it).

A change to a signed record after the sign-off is a station administrator's (the table's
``admin_voids``) and *voids* the sign-off: the station's sign-off row stays, marked void
with who, when and why (``void_signoffs``, in the same transaction as the change). The
upper union's sign-off cannot be written by a station: it shows as changed since signing
— its ``content`` differs from the file now, field by field (``SignoffView.changes``) —
at the station and, once synced, at the district. Signing again adds a new row; the
history stays.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from station_app.domain.choices import (
    HARDSHIP_CATEGORY,
    HARDSHIP_LEVEL,
    HOUSEHOLD_RELATION,
    OPERATING_STATUS,
    VISIT_FLAG,
    VISIT_KIND,
    label,
)
from station_app.domain.models import (
    AuditRecord,
    CaseUpperSignOff,
    Enterprise,
    EventMember,
    HardshipCase,
    HouseholdMember,
    LedgerEntry,
    Member,
    SignOff,
    User,
    Visit,
    WatchListEntry,
)
from station_app.domain.permissions import Decision, Record, allowed
from station_app.domain.services.activity import who as named
from station_app.domain.services.common import PermissionDenied, actor_of, today
from station_app.domain.validation import (
    FIELD_LABELS,
    ErrorCollector,
    FieldError,
    Localized,
    format_fen,
    parse_date,
    parse_int,
    parse_text,
    register_messages,
)

register_messages({
    "signoff.needs_user": (
        "签署需要以本数据库的用户身份进行（请登录；命令行请用 --as 用户名）",
        "signing off takes a user of this database (log in; on the command line, "
        "--as USER)",
    ),
    "signoff.already": (
        "已由{signed_by}于 {signed_on} 签署，且签署后没有改动：无需再次签署",
        "{signed_by} signed it off on {signed_on} and nothing changed since: there is "
        "nothing to sign again",
    ),
    "signoff.before_registered": (
        "签署日期不能早于建档日期 {registered}",
        "The sign-off cannot be dated before the file was registered ({registered})",
    ),
    "signoff.week_future": (
        "{year} 年第 {week} 周还没有开始，不能签署",
        "Week {week} of {year} has not begun yet: it cannot be signed off",
    ),
    "signoff.before_week": (
        "签署日期不能早于该周的第一天 {monday}",
        "The sign-off cannot be dated before the week's first day ({monday})",
    ),
    "signoff.week_invalid": (
        "{year} 年没有第 {week} 周", "{year} has no week {week}",
    ),
    "signoff.kind": (
        "签署类型只能是档案（case）或一周走访（visit_week）",
        "A sign-off is of a file (case) or a week's visits (visit_week)",
    ),
    "signoff.case_required": (
        "档案的签署须注明档案", "A file's sign-off names its file",
    ),
    "signoff.void_incomplete": (
        "作废的签署须注明作废时间、作废人和原因",
        "A voided sign-off carries when, who and why",
    ),
    "signoff.none": ("没有这条签署记录（{id}）", "There is no sign-off {id}"),
    "signoff.already_void": (
        "该签署已于 {at} 作废", "The sign-off was already voided at {at}",
    ),
})

for _key, _labels in (("signoff", ("签署", "Sign-off")),
                      ("signed_at", ("签署时间", "Signed at")),
                      ("signed_date", ("签署日期", "Sign-off date")),
                      ("signed_by", ("签署人", "Signed by")),
                      ("signed_by_name", ("签署人姓名", "Signer's name")),
                      ("iso_week", ("周次", "Week")),
                      ("iso_year", ("年度", "Year")),
                      ("void_at", ("作废时间", "Voided at")),
                      ("void_reason", ("作废原因", "Why voided"))):
    FIELD_LABELS.setdefault(_key, _labels)


# --------------------------------------------------------------------------- permissions


def at_district(session: Session) -> bool:
    ctx = session.info.get("ctx")
    return bool(ctx is not None and ctx.district)


def own_station(session: Session) -> str | None:
    """This database's station (the district's pseudo-owner at the district), in a unit
    of work or a reader."""
    ctx = session.info.get("ctx")
    if ctx is not None:
        return ctx.station_id
    from station_app.domain.models import LocalState

    return session.execute(select(LocalState.value).where(
        LocalState.key == "station_id")).scalar_one_or_none()


def may(session: Session, action: str, record: Record | None = None,
        on: date | None = None) -> Decision:
    """The table's answer for the acting user, here, today (never raises)."""
    return allowed(actor_of(session), action, record, on or today(),
                   at_district=at_district(session))


def permit(session: Session, action: str, record: Record | None = None) -> Decision:
    """``may``, raising ``PermissionDenied`` (with the reason in zh/en) when not."""
    decision = may(session, action, record)
    if not decision.ok:
        raise PermissionDenied([decision.reason])
    return decision


def decide(session: Session, action: str, table: str | None = None,
           row_id: str | None = None) -> Decision:
    """The table's answer for a button: ``action`` on the row ``row_id`` of ``table``
    (its facts gathered: who entered it and when, what refers to it, the sign-off in
    force, its owner), or — without a row — whether the acting user may do it at all. A
    row that is gone answers as without a row (the service then says it is gone)."""
    if table is None or row_id is None:
        return may(session, action)
    from station_app.domain.models import MODEL_BY_TABLE

    row = session.get(MODEL_BY_TABLE[table], row_id)
    if row is None or row.deleted:
        return may(session, action)
    return may(session, action, facts_of(session, table, row))


def _local_day(utc_text: str) -> date:
    return datetime.fromisoformat(utc_text.replace("Z", "+00:00")).astimezone().date()


def entered(session: Session, table: str, row_id: str
            ) -> tuple[str | None, Localized | None, date | None]:
    """Who entered a row (user name, the name people know them by) and on which local
    day, from this database's audit log; (None, None, None) when it was not entered here
    (it came by sync) or before the log. The name is the user's display name (李文员), or
    a tool's as recent activity names it (演示数据), never the internal user name."""
    row = session.execute(
        select(AuditRecord.actor, AuditRecord.at)
        .where(AuditRecord.table_name == table, AuditRecord.row_id == row_id,
               AuditRecord.action == "insert")
        .order_by(AuditRecord.id).limit(1)).first()
    if row is None:
        return None, None, None
    who, at = row
    shown = session.execute(select(User.display_name).where(User.username == who)
                            ).scalar_one_or_none()
    return who, named(who, {who: shown} if shown else {}), _local_day(at)


def _owner(session: Session, station_id: str) -> str | None:
    """None for this database's own station; else the owner as people name it."""
    if station_id == own_station(session):
        return None
    from station_app.domain.services.stations import station_names

    code, name = station_names(session).get(station_id, (None, None))
    if code is None:
        return Localized("区总工会", "the district") if station_id else None
    return f"{code} {name}"


def _count(session: Session, q) -> int:
    return int(session.execute(q).scalar_one() or 0)


def member_references(session: Session, member_id: str) -> tuple[Localized, ...]:
    """What still refers to a member: hardship files (and their ledger), event
    attendance, a transfer's row."""
    out = []
    cases = _count(session, select(func.count()).select_from(HardshipCase).where(
        HardshipCase.member_id == member_id, HardshipCase.deleted == false()))
    if cases:
        out.append(Localized(f"{cases} 份困难职工档案", f"{cases} hardship file(s)"))
    entries = _count(session, select(func.count()).select_from(LedgerEntry)
                     .join(HardshipCase, HardshipCase.id == LedgerEntry.case_id)
                     .where(HardshipCase.member_id == member_id,
                            LedgerEntry.deleted == false()))
    if entries:
        out.append(Localized(f"{entries} 条帮扶记录", f"{entries} ledger entr(y/ies)"))
    attended = _count(session, select(func.count()).select_from(EventMember).where(
        EventMember.member_id == member_id, EventMember.deleted == false()))
    if attended:
        out.append(Localized(f"{attended} 次活动参与", f"{attended} event attendance(s)"))
    moved = _count(session, select(func.count()).select_from(Member).where(
        Member.transferred_from_id == member_id, Member.deleted == false()))
    if moved:
        out.append(Localized("转移后的会员记录", "the member's row after a transfer"))
    return tuple(out)


def enterprise_references(session: Session, enterprise_id: str) -> tuple[Localized, ...]:
    """What still refers to an enterprise: visits, members working there, its
    watch-list history."""
    out = []
    visits = _count(session, select(func.count()).select_from(Visit).where(
        Visit.enterprise_id == enterprise_id, Visit.deleted == false()))
    if visits:
        out.append(Localized(f"{visits} 条走访记录", f"{visits} visit(s)"))
    staff = _count(session, select(func.count()).select_from(Member).where(
        Member.employer_id == enterprise_id, Member.deleted == false()))
    if staff:
        out.append(Localized(f"{staff} 名会员的工作单位", f"{staff} member(s) working there"))
    listed = _count(session, select(func.count()).select_from(WatchListEntry).where(
        WatchListEntry.enterprise_id == enterprise_id, WatchListEntry.deleted == false()))
    if listed:
        out.append(Localized("重点监管名单记录", "its watch-list history"))
    return tuple(out)


def facts_of(session: Session, table: str, row: Any) -> Record:
    """The facts the permission table needs about one row (an ORM object of ``table``)."""
    who, shown, day = entered(session, table, row.id)
    signed = None
    refs: tuple[Localized, ...] = ()
    if table == "visits":
        if row.visit_date is not None and row.enterprise_id is not None:
            y, w, _ = row.visit_date.isocalendar()
            signed = week_signoff_in_force(session, row.station_id, y, w)
    elif table == "hardship_cases":
        signed = case_signoff_in_force(session, row)
    elif table == "household_members":
        case = session.get(HardshipCase, row.case_id)
        signed = case_signoff_in_force(session, case) if case is not None else None
    elif table == "members":
        refs = member_references(session, row.id)
    elif table == "enterprises":
        refs = enterprise_references(session, row.id)
    return Record(entered_by=who, entered_on=day, entered_by_name=shown,
                  signed_by=signed.signed_by_name if signed else None,
                  signed_on=signed.signed_date if signed else None,
                  referenced_by=refs, owner=_owner(session, row.station_id))


# --------------------------------------------------------------------------- content

# What a file's sign-off covers: the 困难职工档案表's fields (not its status, closing or
# annual review, which are acts of their own) and its household members.
CASE_CONTENT = (
    "category", "level", "household_size", "monthly_income_per_capita_fen",
    "registered_date", "political_status", "health", "disability_category",
    "model_worker_type", "housing_type", "employer_name", "employer_nature",
    "enterprise_status", "single_parent", "own_monthly_income_fen",
    "household_annual_income_fen", "hukou_area", "medical_insurance", "zero_employment",
    "primary_cause", "secondary_cause", "bank_name", "bank_account", "filed_by",
    "reviewed_by", "entered_by", "notes",
)
HOUSEHOLD_CONTENT = ("name", "relation", "id_number", "age", "health", "school_or_work")
# What a week's sign-off covers: each enterprise visit's form (not the closing of its
# follow-up, done later)
VISIT_CONTENT = ("visit_date", "kind", "enterprise_id", "visitors", "workers_served",
                 "operating_status", "flags", "workers_involved", "findings", "actions",
                 "follow_up_due")
CONTENT_VERSION = 1


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def canonical(content: Mapping[str, Any]) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def case_content(session: Session, case: HardshipCase,
                 household: Iterable[HouseholdMember] | None = None) -> dict[str, Any]:
    """A file as its sign-off covers it: its fields and its household (by row id;
    ``household``: its members already read, not deleted)."""
    if household is None:
        household = session.execute(
            select(HouseholdMember).where(HouseholdMember.case_id == case.id,
                                          HouseholdMember.deleted == false())
            .order_by(HouseholdMember.id)).scalars()
    return {"version": CONTENT_VERSION, "kind": "case",
            "fields": {k: _plain(getattr(case, k)) for k in CASE_CONTENT},
            "household": {h.id: {k: _plain(getattr(h, k)) for k in HOUSEHOLD_CONTENT}
                          for h in household}}


def week_content(session: Session, station_id: str, iso_year: int, iso_week: int
                 ) -> dict[str, Any]:
    """A station's enterprise visits of one ISO week as its sign-off covers them."""
    monday = date.fromisocalendar(iso_year, iso_week, 1)
    sunday = date.fromisocalendar(iso_year, iso_week, 7)
    visits = session.execute(
        select(Visit).where(Visit.station_id == station_id, Visit.deleted == false(),
                            Visit.enterprise_id.is_not(None), Visit.visit_date >= monday,
                            Visit.visit_date <= sunday)
        .order_by(Visit.id)).scalars()
    return {"version": CONTENT_VERSION, "kind": "visit_week",
            "visits": {v.id: {k: _plain(getattr(v, k)) for k in VISIT_CONTENT}
                       for v in visits}}


def _shown(key: str, value: Any, lang: int) -> str:
    if value is None or value == "":
        return "（空）" if lang == 0 else "(empty)"
    code = "zh" if lang == 0 else "en"
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == 0 else ("yes" if value else "no")
    if key.endswith("_fen") and isinstance(value, int):
        return format_fen(value)
    choices = {"category": HARDSHIP_CATEGORY, "level": HARDSHIP_LEVEL,
               "relation": HOUSEHOLD_RELATION, "kind": VISIT_KIND,
               "operating_status": OPERATING_STATUS}.get(key)
    if choices is not None:
        return label(choices, value, code)
    if key == "flags":
        return "、".join(label(VISIT_FLAG, f, code) for f in str(value).split(",") if f)
    return str(value)


def _label(key: str) -> Localized:
    zh, en = FIELD_LABELS.get(key, (key, key))
    return Localized(zh, en)


def _field_changes(signed: Mapping[str, Any], now: Mapping[str, Any],
                   keys: Iterable[str]) -> list[Localized]:
    out = []
    for key in keys:
        a, b = signed.get(key), now.get(key)
        if a != b:
            name = _label(key)
            out.append(Localized(
                f"{name.zh}：签署时为 {_shown(key, a, 0)}，现为 {_shown(key, b, 0)}",
                f"{name.en}: signed {_shown(key, a, 1)}, now {_shown(key, b, 1)}"))
    return out


def differences(signed: Mapping[str, Any] | None, now: Mapping[str, Any],
                names: Mapping[str, str] | None = None) -> tuple[Localized, ...]:
    """What differs between what was signed and the record now, one sentence each (zh,
    en); empty when it is as signed, or when what was signed was not recorded (a
    sign-off from before revision 0012) or recorded otherwise (another version)."""
    if not signed or signed.get("version") != now.get("version") \
            or signed.get("kind") != now.get("kind"):
        return ()
    out: list[Localized] = []
    if now["kind"] == "case":
        out += _field_changes(signed.get("fields", {}), now["fields"], CASE_CONTENT)
        before, after = signed.get("household", {}), now["household"]
        for hid in sorted(set(before) | set(after)):
            a, b = before.get(hid), after.get(hid)
            who = (b or a).get("name") or "?"
            if a is None:
                out.append(Localized(f"家庭成员 {who}：签署后添加", f"Household member {who}: "
                                     "added after signing"))
            elif b is None:
                out.append(Localized(f"家庭成员 {who}：签署后删除", f"Household member {who}: "
                                     "removed after signing"))
            else:
                for change in _field_changes(a, b, HOUSEHOLD_CONTENT):
                    out.append(Localized(f"家庭成员 {who} 的{change.zh}",
                                         f"Household member {who}, {change.en}"))
    else:
        before, after = signed.get("visits", {}), now["visits"]
        for vid in sorted(set(before) | set(after)):
            a, b = before.get(vid), after.get(vid)
            v = b or a
            name = (names or {}).get(v.get("enterprise_id"), "")
            what_zh = f"{v.get('visit_date')} {name}的走访".replace("  ", " ")
            what_en = f"the visit of {v.get('visit_date')}" + (f" to {name}" if name else "")
            if a is None:
                out.append(Localized(f"{what_zh}：签署后添加", f"{what_en}: added after "
                                     "signing"))
            elif b is None:
                out.append(Localized(f"{what_zh}：签署后删除", f"{what_en}: deleted after "
                                     "signing"))
            else:
                for change in _field_changes(a, b, VISIT_CONTENT):
                    out.append(Localized(f"{what_zh}，{change.zh}", f"{what_en}, {change.en}"))
    return tuple(out)


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class SignoffView:
    """One sign-off as the client shows it: who and when, a note, and whether it is in
    force — not voided, and the record as signed (``changes`` lists what differs)."""

    id: str
    level: str  # "grassroots" (a file, the station's), "upper" (a file, the district's),
    #             "week" (a week's visits, the station's)
    owner_id: str
    case_id: str | None
    iso_year: int | None
    iso_week: int | None
    signed_by: str
    signed_by_name: str
    signed_date: date
    signed_at: str
    note: str | None
    recorded: bool  # what was signed was recorded (not a sign-off from before 0012)
    void_at: str | None = None
    void_by: str | None = None
    void_by_name: str | None = None
    void_reason: str | None = None  # English, a tab, Chinese
    changes: tuple[Localized, ...] = ()

    @property
    def void(self) -> bool:
        return self.void_at is not None

    @property
    def in_force(self) -> bool:
        return not self.void and not self.changes

    def why_void(self, lang: str = "zh") -> str:
        """Why it was voided, in the clerk's language."""
        if not self.void_reason:
            return ""
        en, _tab, zh = self.void_reason.partition("\t")
        return zh if lang.startswith("zh") and zh else en

    def status(self, lang: str = "zh") -> str:
        """One line: signed by whom and when, and voided or changed since if so."""
        zh = lang.startswith("zh")
        line = (f"{self.signed_by_name} 于 {self.signed_date.isoformat()} 签署" if zh
                else f"signed off by {self.signed_by_name} on {self.signed_date.isoformat()}")
        if self.void:
            when = self.void_at[:16].replace("T", " ")
            line += (f"；已于 {when} 作废（{self.void_by_name or self.void_by}：{self.why_void(lang)}）"
                     if zh else
                     f"; voided at {when} UTC by {self.void_by_name or self.void_by} "
                     f"({self.why_void(lang)})")
        elif self.changes:
            line += ("；签署后已有改动：" + "；".join(c.zh for c in self.changes) if zh
                     else "; changed since: " + "; ".join(c.en for c in self.changes))
        return line


def _view(row: SignOff | CaseUpperSignOff, level: str,
          now: Mapping[str, Any] | None, names: Mapping[str, str] | None = None
          ) -> SignoffView:
    signed = json.loads(row.content) if row.content else None
    return SignoffView(
        id=row.id, level=level, owner_id=row.station_id, case_id=row.case_id,
        iso_year=getattr(row, "iso_year", None), iso_week=getattr(row, "iso_week", None),
        signed_by=row.signed_by, signed_by_name=row.signed_by_name,
        signed_date=row.signed_date, signed_at=row.signed_at, note=row.note,
        recorded=signed is not None, void_at=row.void_at, void_by=row.void_by,
        void_by_name=row.void_by_name, void_reason=row.void_reason,
        changes=differences(signed, now, names) if now is not None and row.void_at is None
        else ())


@dataclass(frozen=True)
class CaseSignoffs:
    """A file's sign-offs, newest first, each level: the grassroots union's (the
    station head's) and the upper union's (the district's)."""

    grassroots: tuple[SignoffView, ...]
    upper: tuple[SignoffView, ...]

    @property
    def grassroots_current(self) -> SignoffView | None:
        return self.grassroots[0] if self.grassroots else None

    @property
    def upper_current(self) -> SignoffView | None:
        return self.upper[0] if self.upper else None

    def in_force(self) -> SignoffView | None:
        """A sign-off in force over the file (the grassroots one first), or None."""
        for view in (self.grassroots_current, self.upper_current):
            if view is not None and view.in_force:
                return view
        return None


def case_signoffs(session: Session, case: HardshipCase) -> CaseSignoffs:
    now = case_content(session, case)
    grassroots = session.execute(
        select(SignOff).where(SignOff.kind == "case", SignOff.case_id == case.id,
                              SignOff.deleted == false())
        .order_by(SignOff.signed_at.desc(), SignOff.id.desc())).scalars()
    upper = session.execute(
        select(CaseUpperSignOff).where(CaseUpperSignOff.case_id == case.id,
                                       CaseUpperSignOff.deleted == false())
        .order_by(CaseUpperSignOff.signed_at.desc(), CaseUpperSignOff.id.desc())
    ).scalars()
    return CaseSignoffs(tuple(_view(r, "grassroots", now) for r in grassroots),
                        tuple(_view(r, "upper", now) for r in upper))


def case_signoffs_of(session: Session, cases: list[HardshipCase]
                     ) -> dict[str, CaseSignoffs]:
    """``case_signoffs`` of many files at once (a list of files with their sign-off
    status): a few queries, whatever their number."""
    ids = [c.id for c in cases]
    household: dict[str, list[HouseholdMember]] = {i: [] for i in ids}
    grassroots: dict[str, list] = {i: [] for i in ids}
    upper: dict[str, list] = {i: [] for i in ids}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for h in session.execute(select(HouseholdMember).where(
                HouseholdMember.case_id.in_(chunk), HouseholdMember.deleted == false())
                .order_by(HouseholdMember.id)).scalars():
            household[h.case_id].append(h)
        for r in session.execute(select(SignOff).where(
                SignOff.kind == "case", SignOff.case_id.in_(chunk),
                SignOff.deleted == false())
                .order_by(SignOff.signed_at.desc(), SignOff.id.desc())).scalars():
            grassroots[r.case_id].append(r)
        for r in session.execute(select(CaseUpperSignOff).where(
                CaseUpperSignOff.case_id.in_(chunk), CaseUpperSignOff.deleted == false())
                .order_by(CaseUpperSignOff.signed_at.desc(),
                          CaseUpperSignOff.id.desc())).scalars():
            upper[r.case_id].append(r)
    out = {}
    for case in cases:
        now = case_content(session, case, household[case.id])
        out[case.id] = CaseSignoffs(
            tuple(_view(r, "grassroots", now) for r in grassroots[case.id]),
            tuple(_view(r, "upper", now) for r in upper[case.id]))
    return out


def case_signoff_in_force(session: Session, case: HardshipCase) -> SignoffView | None:
    return case_signoffs(session, case).in_force()


def _enterprise_names(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return {}
    return dict(session.execute(select(Enterprise.id, Enterprise.name)
                                .where(Enterprise.id.in_(wanted))).all())


def week_signoffs(session: Session, station_id: str, iso_year: int, iso_week: int
                  ) -> tuple[SignoffView, ...]:
    """A station's sign-offs of one ISO week's visits, newest first."""
    rows = list(session.execute(
        select(SignOff).where(SignOff.kind == "visit_week", SignOff.station_id == station_id,
                              SignOff.iso_year == iso_year, SignOff.iso_week == iso_week,
                              SignOff.deleted == false())
        .order_by(SignOff.signed_at.desc(), SignOff.id.desc())).scalars())
    if not rows:
        return ()
    now = week_content(session, station_id, iso_year, iso_week)
    ids = [v.get("enterprise_id") for v in now["visits"].values()]
    for r in rows:
        if r.content:
            ids += [v.get("enterprise_id") for v in json.loads(r.content)["visits"].values()]
    names = _enterprise_names(session, ids)
    return tuple(_view(r, "week", now, names) for r in rows)


def week_signoff_in_force(session: Session, station_id: str, iso_year: int, iso_week: int
                          ) -> SignoffView | None:
    views = week_signoffs(session, station_id, iso_year, iso_week)
    return views[0] if views and views[0].in_force else None


# --------------------------------------------------------------------------- writing


def signer(session: Session) -> tuple[str, str]:
    """The signing user (user name, display name): a user of this database, logged in
    (a tool acting without a person signs nothing)."""
    actor = actor_of(session)
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or not user.active or user.username != actor.username:
        raise PermissionDenied([FieldError("role", "signoff.needs_user")])
    return user.username, (user.display_name or "").strip() or user.username


def clean_sign_date(on: Any, *, field: str = "signed_date") -> date:
    c = ErrorCollector()
    day = c.check(field, parse_date, today() if on is None else on, field=field,
                  not_future=True)
    c.raise_if_any()
    return day


def clean_note(note: Any) -> str | None:
    c = ErrorCollector()
    text = c.check("note", parse_text, note, field="note", max_len=1000, multiline=True)
    c.raise_if_any()
    return text


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def void_signoffs(session: Session, views: Iterable[SignoffView | None],
                  reason: Localized) -> list[SignOff]:
    """Mark these sign-offs void — views taken before the change, those then in force
    and of the station's own (an upper union's is the district's: it shows the change
    instead) — by the acting user, now, for ``reason``; the rows stay (audited as an
    update, synced)."""
    actor = actor_of(session)
    out = []
    for view in views:
        if view is None or not view.in_force or view.level == "upper":
            continue
        row = session.get(SignOff, view.id)
        if row is None or row.void_at is not None:
            continue
        row.void_at = utc_now()
        row.void_by = actor.username
        row.void_by_name = actor.display_name or actor.username
        row.void_reason = f"{reason.en}\t{reason.zh}"
        out.append(row)
    if out:
        session.flush()
    return out


def changed_fields(keys: Iterable[str]) -> Localized:
    names = [_label(k) for k in keys]
    return Localized("、".join(n.zh for n in names), ", ".join(n.en for n in names))


def clean_signoff_row(row: Mapping[str, Any]) -> None:
    """What a sign-off row as stored keeps to (the district checks every one a station
    sends, ``sync.validate``): a kind, a file or a real ISO week, a signer, a date not
    in the future, a UTC time, a whole void or none. Raises one ValidationError."""
    c = ErrorCollector()
    kind = row.get("kind", "case")
    if kind not in ("case", "visit_week"):
        c.add("kind", "signoff.kind")
    if kind == "case" and not row.get("case_id"):
        c.add("case", "signoff.case_required")
    if kind == "visit_week":
        year = c.check("iso_year", parse_int, row.get("iso_year"), field="iso_year",
                       min_value=2000, max_value=2100)
        week = c.check("iso_week", parse_int, row.get("iso_week"), field="iso_week",
                       min_value=1, max_value=53)
        if year and week:
            try:
                date.fromisocalendar(year, week, 1)
            except ValueError:
                c.add("iso_week", "signoff.week_invalid", year=year, week=week)
    c.check("signed_by", parse_text, row.get("signed_by"), field="signed_by",
            required=True, max_len=50)
    c.check("signed_by_name", parse_text, row.get("signed_by_name"),
            field="signed_by_name", required=True, max_len=100)
    c.check("signed_date", parse_date, row.get("signed_date"), field="signed_date",
            not_future=True)
    for key in ("signed_at", "void_at"):
        value = row.get(key)
        if value is None and key == "void_at":
            continue
        try:
            datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            c.add(key, "date.invalid", value=str(value))
    void = [row.get(k) for k in ("void_at", "void_by", "void_reason")]
    if any(v is not None for v in void) and not all(v is not None for v in void):
        c.add("void_at", "signoff.void_incomplete")
    c.raise_if_any()
