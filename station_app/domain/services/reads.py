"""Named reads of the client's pages: what each list, panel and form shows.

The pages run no SQL of their own; they call these (off the GUI thread, through
``ui.operations.QueryOp``), each named for what it reads. The services' own reads (the
weekly quota, files due for review, the work summary …) are used as they are; what is
here are the reads that only a page needed so far. The district view's are here too.
Plain data comes back (tuples, dataclasses), never ORM objects a page could lazy-load
from on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import false, func, select
from sqlalchemy.orm import Session

from station_app.domain.models import (
    AuditRecord,
    Enterprise,
    Event,
    HardshipCase,
    Member,
    SyncConflict,
    Visit,
)

# --------------------------------------------------------------------------- events


def events_of_year(session: Session, year: int, station_id: str | None = None
                   ) -> list[tuple]:
    """The events of a year, newest first: (id, date, kind, title, place, person-times,
    migrant person-times); one station's, or every station's (``station_id`` None)."""
    q = (select(Event.id, Event.event_date, Event.kind, Event.title, Event.place,
                Event.person_times, Event.migrant_person_times)
         .where(Event.deleted == false(), Event.event_date >= date(year, 1, 1),
                Event.event_date <= date(year, 12, 31))
         .order_by(Event.event_date.desc(), Event.title))
    if station_id:
        q = q.where(Event.station_id == station_id)
    return [tuple(r) for r in session.execute(q).all()]


# --------------------------------------------------------------------------- enterprises

# an enterprise's form fields (the service's data keys)
ENTERPRISE_FIELDS = ("name", "credit_code", "address", "industry", "headcount",
                     "union_established", "union_chair", "contact_phone", "notes")


def enterprise_list(session: Session) -> list[tuple]:
    """Every enterprise by name: (id, name, credit code, industry, headcount, union
    established, on the watch list now)."""
    from station_app.domain.services.enterprises import by_name, watch_listed_ids

    listed = set(session.execute(watch_listed_ids()).scalars())
    rows = session.execute(
        select(Enterprise.id, Enterprise.name, Enterprise.credit_code, Enterprise.industry,
               Enterprise.headcount, Enterprise.union_established)
        .where(Enterprise.deleted == false())).all()
    return by_name((i, n, c, ind, h, bool(u), i in listed) for i, n, c, ind, h, u in rows)


def enterprise_choices(session: Session) -> list[tuple[str, str, str | None]]:
    """(id, name, credit code) of every enterprise by name: the visit form's picker."""
    from station_app.domain.services.enterprises import by_name

    return by_name(tuple(r) for r in session.execute(
        select(Enterprise.id, Enterprise.name, Enterprise.credit_code)
        .where(Enterprise.deleted == false())).all())


@dataclass
class EnterpriseDetail:
    id: str
    name: str
    values: dict[str, Any]  # ENTERPRISE_FIELDS
    listed: bool
    # (date, action code, reason, recorded by)
    history: list[tuple] = field(default_factory=list)
    # (date, kind code, visitors, operating status code, findings)
    visits: list[tuple] = field(default_factory=list)


def enterprise_detail(session: Session, enterprise_id: str) -> EnterpriseDetail | None:
    """One enterprise with its watch-list history and its visits (newest first); None
    when it is not there (deleted meanwhile)."""
    from station_app.domain.services.enterprises import is_watch_listed, watch_history

    ent = session.get(Enterprise, enterprise_id)
    if ent is None or ent.deleted:
        return None
    return EnterpriseDetail(
        ent.id, ent.name, {k: getattr(ent, k) for k in ENTERPRISE_FIELDS},
        is_watch_listed(session, enterprise_id),
        [(h.entry_date, h.action, h.reason, h.recorded_by or "")
         for h in watch_history(session, enterprise_id)],
        [(v.visit_date, v.kind, v.visitors, v.operating_status, v.findings or "")
         for v in session.execute(
            select(Visit).where(Visit.enterprise_id == enterprise_id, Visit.deleted == false())
            .order_by(Visit.visit_date.desc())).scalars()])


# --------------------------------------------------------------------------- visit diary


@dataclass
class VisitWeek:
    compliance: Any  # visits.Compliance
    # (id, date, enterprise id, kind, visitors, workers served, operating status, flags,
    # follow-up due)
    visits: list[tuple]
    enterprises: list[tuple[str, str, str | None]]  # enterprise_choices
    # visit id → the day its follow-up was closed (closed ones only)
    closed: dict[str, date] = field(default_factory=dict)
    # visit id → what the permission table needs to offer its edit/delete
    # (``permissions.Record``: who entered it and when, the sign-off in force)
    facts: dict[str, Any] = field(default_factory=dict)
    # the week's sign-offs, newest first (``corrections.SignoffView``)
    signoffs: tuple = ()


def visit_week(session: Session, station_id: str, iso_year: int, iso_week: int) -> VisitWeek:
    """One ISO week of a station's visit diary: the quota, the visits (with their
    follow-ups' closing and the facts their edit and delete are offered by), the week's
    sign-offs, and the enterprises the form may pick."""
    from station_app.domain.services import corrections
    from station_app.domain.services import visits as svc

    compliance = svc.weekly_compliance(session, station_id, iso_year, iso_week)
    visits = svc.visits_in_week(session, station_id, iso_year, iso_week)
    rows = [(v.id, v.visit_date, v.enterprise_id, v.kind, v.visitors, v.workers_served,
             v.operating_status, v.flags, v.follow_up_due) for v in visits]
    return VisitWeek(compliance, rows, enterprise_choices(session),
                     closed={v.id: v.closed_date for v in visits if v.closed_date},
                     facts={v.id: corrections.facts_of(session, "visits", v) for v in visits},
                     signoffs=corrections.week_signoffs(session, station_id, iso_year,
                                                        iso_week))


# --------------------------------------------------------------------------- dashboard


@dataclass
class Dashboard:
    iso_year: int
    iso_week: int
    compliance: Any  # visits.Compliance, or None at the district
    due_count: int
    due_first: list[tuple[str, str]]  # (case id, member name)
    targets: list  # figures.TargetProgress
    activity: list[tuple[str, str, str, str]]  # (UTC time stamp, actor, action, table)


def dashboard(session: Session, station_id: str | None, *, due_shown: int = 5,
              activity_shown: int = 10, today: date | None = None) -> Dashboard:
    """The dashboard of a station (``station_id``) or of the district (None): this week's
    visit quota, the files due for the annual review (the first few by name), the
    targets' progress this year, the latest entries of the audit log."""
    from station_app.domain.services import hardship, metrics, visits

    iso_year, iso_week = visits.this_week()
    compliance = (visits.weekly_compliance(session, station_id, iso_year, iso_week)
                  if station_id else None)
    due = hardship.due_for_review(session, station_id=station_id)
    first = due[:due_shown]
    names = dict(session.execute(select(Member.id, Member.name).where(
        Member.id.in_([c.member_id for c in first]))).all()) if first else {}
    _check(session)
    summary = metrics.compute_summary(session, today or date.today(), station_id)
    _check(session)
    activity = [(a.at, a.actor, a.action, a.table_name or "")
                for a in session.execute(select(AuditRecord).order_by(AuditRecord.id.desc())
                                         .limit(activity_shown)).scalars()]
    return Dashboard(iso_year, iso_week, compliance, len(due),
                     [(c.id, names.get(c.member_id, "")) for c in first],
                     list(summary.targets), activity)


def _check(session: Session) -> None:
    """Between the parts of a long read: stop when the client cancelled it (a newer read
    of the same page was asked for). The client puts its task in ``session.info``."""
    task = session.info.get("task")
    if task is not None:
        task.check()


# --------------------------------------------------------------------------- hardship

HARDSHIP_LISTS = ("open", "due", "never_helped", "not_updated", "exited", "cancelled")


@dataclass(frozen=True)
class CaseRow:
    """A hardship file as its list shows it."""

    id: str
    name: str
    category: str
    level: str
    household_size: int
    registered_date: date
    last_review_date: date | None
    status: str
    total_fen: int
    closed_on: date | None = None  # 脱困 or 注销: the date and the reason
    closed_because: str | None = None


def hardship_case_list(session: Session, which: str = "open") -> list[CaseRow]:
    """The files of one of the lists (``HARDSHIP_LISTS``: open, due for the annual
    review, never helped, not updated for a year, exited, cancelled), each with the total
    it received."""
    from station_app.domain.services import hardship

    if which == "due":
        cases = hardship.due_for_review(session)
    elif which == "never_helped":
        cases = hardship.never_helped(session)
    elif which == "not_updated":
        cases = hardship.not_updated_for_year(session)
    elif which == "exited":
        cases = hardship.exited_cases(session)
    elif which == "cancelled":
        cases = hardship.cancelled_cases(session)
    else:
        cases = list(session.execute(
            hardship._open_cases(None).order_by(HardshipCase.registered_date.desc())
        ).scalars())
    _check(session)
    totals = hardship.ledger_totals(session, group_by=("case",)).by_key
    return [CaseRow(c.id, c.member.name, c.category, c.level, c.household_size,
                    c.registered_date, c.last_review_date, c.status,
                    totals.get((c.id,), 0), c.exit_date, c.exit_reason)
            for c in cases]



# --------------------------------------------------------------------------- members

# the columns the members list sorts by (NULLs first)
# "name" is pinyin order (安 before 丁): the stored sort key, which holds the name's own
# code points too, so one key is one name (ix_members_name_sort)
MEMBER_ORDERS = {"name": Member.name_sort, "id_number": Member.id_number, "phone": Member.phone,
                 "join_date": Member.join_date, "status": Member.status}


def _member_filters(status: str | None) -> list:
    out = [Member.deleted == false()]
    if status:
        out.append(Member.status == status)
    return out


def _member_after(col, key: Any, last_id: str, descending: bool):
    """Rows after (key, last_id) in the order ``col`` (NULL smallest), ``id``."""
    from sqlalchemy import and_, or_

    if not descending:
        if key is None:
            return or_(and_(col.is_(None), Member.id > last_id), col.is_not(None))
        return or_(col > key, and_(col == key, Member.id > last_id))
    if key is None:
        return and_(col.is_(None), Member.id < last_id)
    return or_(col < key, and_(col == key, Member.id < last_id), col.is_(None))


def member_id_page(session: Session, *, order: str = "name", descending: bool = False,
                   status: str | None = None, after: tuple[Any, str] | None = None,
                   limit: int | None = 500, until: tuple[Any, str] | None = None
                   ) -> list[tuple[Any, str]]:
    """One keyset page of the members list's ids: the next ``limit`` (sort key, id)
    pairs after ``after`` in the order of ``order`` (a key of ``MEMBER_ORDERS``), ties by
    id — or those up to and including ``until``. From the covering indexes, never OFFSET:
    bounded by ``limit``, it stays fast at any depth (the members page reads one on the
    GUI thread as the list is scrolled)."""
    col = MEMBER_ORDERS[order]
    q = select(col, Member.id).where(*_member_filters(status))
    if after is not None:
        q = q.where(_member_after(col, after[0], after[1], descending))
    if until is not None:
        q = q.where(~_member_after(col, until[0], until[1], descending))
    # by name: the sort key decides the name, so (name_sort, name, id) is the same order as
    # (name_sort, id) and reads ix_members_name_sort as it is, with no sort of ties
    middle = [Member.name] if col is Member.name_sort else []
    q = q.order_by(col.desc().nulls_last(), *(c.desc() for c in middle), Member.id.desc()) \
        if descending else q.order_by(col.asc().nulls_first(), *middle, Member.id.asc())
    if limit is not None:
        q = q.limit(limit)
    return [(k, i) for k, i in session.execute(q)]


def member_count(session: Session, status: str | None = None) -> int:
    """How many members the list holds (of one status, or all)."""
    return session.execute(select(func.count()).select_from(Member)
                           .where(*_member_filters(status))).scalar_one()


def member_sort_key(session: Session, member_id: str, *, order: str = "name",
                    status: str | None = None) -> tuple[bool, Any]:
    """(found, its sort key) of one member in the list of that status."""
    col = MEMBER_ORDERS[order]
    found = session.execute(select(col).where(Member.id == member_id,
                                              *_member_filters(status))).first()
    return (False, None) if found is None else (True, found[0])


def member_rows(session: Session, ids: list[str]) -> list[tuple]:
    """The members list's columns of these members (any order): (id, name, gender, ID
    number, phone, employer — the registered enterprise's name, else what was typed —,
    join date, status)."""
    if not ids:
        return []
    q = (select(Member.id, Member.name, Member.gender, Member.id_number, Member.phone,
                func.coalesce(Enterprise.name, Member.employer_name).label("employer"),
                Member.join_date, Member.status)
         .outerjoin(Enterprise, Enterprise.id == Member.employer_id)
         .where(Member.id.in_(ids)))
    return [tuple(r) for r in session.execute(q)]


def member_form(session: Session, member_id: str) -> dict[str, Any] | None:
    """A member as the members form shows it (``members.EDITABLE``, status and its
    date); None when not there (deleted meanwhile)."""
    from station_app.domain.services.members import EDITABLE

    member = session.get(Member, member_id)
    if member is None or member.deleted:
        return None
    values = {k: getattr(member, k) for k in EDITABLE}
    values["status"] = member.status
    values["status_date"] = member.status_date
    # 工作单位 as the list shows it: the registered enterprise's name, else what was typed
    # (``employer_id`` and the typed text kept: ``member_employer`` keeps the link when the
    # name shown is saved unchanged)
    values["employer_text"] = member.employer_name
    if member.employer_id:
        name = session.execute(select(Enterprise.name).where(
            Enterprise.id == member.employer_id)).scalar_one_or_none()
        values["employer_name"] = name or member.employer_name
    return values


def member_employer(session: Session, typed: str | None, loaded: dict[str, Any] | None = None
                    ) -> dict[str, Any]:
    """``employer_id`` and ``employer_name`` for what was typed as 工作单位 in the members
    form (``loaded``: the member's ``member_form``, None for a new member): the name
    shown saved unchanged keeps the link (and the typed text); the exact name of a
    registered enterprise links it; anything else is kept as typed, unlinked."""
    text = (typed or "").strip()
    if not text:
        return {"employer_id": None, "employer_name": None}
    if loaded and loaded.get("employer_id") and text == (loaded.get("employer_name") or ""):
        return {"employer_id": loaded["employer_id"],
                "employer_name": loaded.get("employer_text")}
    found = session.execute(select(Enterprise.id).where(
        Enterprise.name == text, Enterprise.deleted == false())
        .order_by(Enterprise.id).limit(1)).scalar_one_or_none()
    if found is not None:
        return {"employer_id": found, "employer_name": None}
    return {"employer_id": None, "employer_name": text}


# --------------------------------------------------------------------------- sync


@dataclass
class SyncOverview:
    state: dict[str, str]  # local_state: the district's address, last sync, keys kept …
    pending: int  # changes not yet sent (rows with an outbox entry)
    open_conflicts: int


def sync_overview(db) -> SyncOverview:
    """What the Sync page and the status bar show of a station's sync (``db``: the
    ``Database``; its local state is read apart from the session)."""
    with db.reader() as s:
        conflicts = open_conflict_count(s)
    return SyncOverview(db.state(), db.pending_count(), conflicts)


def open_conflict_count(session: Session) -> int:
    """Sync conflicts not yet settled."""
    return session.execute(select(func.count()).select_from(SyncConflict).where(
        SyncConflict.resolved_at.is_(None))).scalar_one()


# --------------------------------------------------------------------------- the district


def district_overview(session: Session, as_of: date, share_columns: tuple[str, ...]
                      ) -> tuple[Any, list[tuple[str, list[Any]]]]:
    """The district's figures as of a date, and each station's share of some of them:
    (the summary, [("CODE name", [value per column])])."""
    from station_app.domain.services.metrics import Scope, compute_summary, metric_value
    from station_app.domain.services.stations import stations

    summary = compute_summary(session, as_of, None)
    shares = []
    for st in stations(session, district=False):
        _check(session)
        scope = Scope(as_of, st.id)
        shares.append((f"{st.code} {st.name}",
                       [metric_value(session, c, scope) for c in share_columns]))
    return summary, shares


@dataclass(frozen=True)
class DuplicateRow:
    """A member active at more than one station, one row per station."""

    id: str
    id_number: str
    name: str
    station: str
    station_id: str
    join_date: date | None


def duplicate_members(session: Session) -> list[DuplicateRow]:
    """The members active at two stations or more (by ID number), each station's row."""
    from station_app.domain.services.members import cross_station_duplicates
    from station_app.domain.services.stations import station_names

    names = station_names(session)
    return [DuplicateRow(m.id, m.id_number, m.name,
                         names.get(m.station_id, ("", m.station_id))[1], m.station_id,
                         m.join_date)
            for _idn, rows in cross_station_duplicates(session) for m in rows]


def targets_of_year(session: Session, year: int, as_of: date
                    ) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str]], list]:
    """The targets page: the stations' names by id, (code, name) of each station, and the
    targets of ``year`` with their progress as of ``as_of``."""
    from station_app.domain.services.metrics import compute_summary
    from station_app.domain.services.stations import station_names, stations

    summary = compute_summary(session, as_of, None)
    codes = [(st.code, st.name) for st in stations(session, district=False)]
    return station_names(session), codes, [t for t in summary.targets if as_of.year == year]


def station_visit_year(session: Session, year: int, station_id: str | None, as_of: date
                       ) -> dict[str, Any]:
    """The district's visits to the stations in a year (one station's, or all), the
    stations to choose from, and "key stations visited: N of M" as of ``as_of``."""
    from station_app.domain.services.metrics import Scope, metric_value
    from station_app.domain.services.stations import stations
    from station_app.domain.services.visits import station_visits

    scope = Scope(as_of, None)
    return {
        "stations": [(st.id, st.code, st.name, st.is_key)
                     for st in stations(session, district=False)],
        "visits": station_visits(session, year=year, station_id=station_id),
        "counts": (metric_value(session, "key_stations_visited", scope),
                   metric_value(session, "key_stations_total", scope)),
    }


# --------------------------------------------------------------------------- corrections


def record_facts(session: Session, table: str, row_id: str) -> Any:
    """What the permission table needs about one row of ``table`` (who entered it and
    when, what refers to it, the sign-off in force, its owner: a ``permissions.Record``),
    so a page offers its Edit and Delete buttons as the service will judge them; None
    when the row is gone."""
    from station_app.domain.models import MODEL_BY_TABLE
    from station_app.domain.services.corrections import facts_of

    row = session.get(MODEL_BY_TABLE[table], row_id)
    if row is None or row.deleted:
        return None
    return facts_of(session, table, row)


def event_form(session: Session, event_id: str) -> dict[str, Any] | None:
    """An event as the data of its form (``events.event_values``); None when it is gone."""
    from station_app.domain.services.events import event_values

    event = session.get(Event, event_id)
    if event is None or event.deleted:
        return None
    return event_values(event)


# --------------------------------------------------------------------------- the district's files


@dataclass(frozen=True)
class DistrictFileRow:
    """A station's hardship file as the district's list shows it: the file with the
    newest sign-off of each block (``hardship.SignoffRow``) and its last annual review."""

    file: Any  # hardship.SignoffRow
    last_review_date: date | None

    @property
    def id(self) -> str:
        return self.file.case_id


def district_hardship_files(session: Session, station_id: str | None = None,
                            status: str | None = "open") -> dict[str, Any]:
    """The district's hardship-files page: the stations to choose from ((id, code,
    name)) and the files of one station or all, of one status or all (``status`` None),
    by station and the head's name."""
    from station_app.domain.services.hardship import signoff_rows
    from station_app.domain.services.stations import stations

    rows = signoff_rows(session, station_id=station_id, status=status)
    reviews: dict[str, date | None] = {}
    ids = [r.case_id for r in rows]
    for i in range(0, len(ids), 500):
        reviews.update(session.execute(
            select(HardshipCase.id, HardshipCase.last_review_date)
            .where(HardshipCase.id.in_(ids[i:i + 500]))).all())
    return {"stations": [(st.id, st.code, st.name)
                         for st in stations(session, district=False)],
            "files": [DistrictFileRow(r, reviews.get(r.case_id)) for r in rows]}


@dataclass(frozen=True)
class DistrictFileDetail:
    """One file as the district's detail pane shows it: the head, its fields (label,
    value: each a ``Localized``), the household (ID numbers masked) and every sign-off of
    both blocks, newest first (``corrections.CaseSignoffs``)."""

    id: str
    station: str  # "CODE name"
    head_name: str
    head_id_number: str  # masked
    category: str
    level: str
    status: str
    registered_date: date
    last_review_date: date | None
    closed_on: date | None
    closed_because: str | None
    fields: list[tuple[Any, Any]]
    # (name, relation code, masked ID number, age, health, school or work)
    household: list[tuple]
    signoffs: Any


def district_file_detail(session: Session, case_id: str) -> DistrictFileDetail | None:
    """One station's file for the district's detail pane; None when it is gone."""
    from station_app.domain.services import corrections
    from station_app.domain.services.hardship import household
    from station_app.domain.services.stations import station_names
    from station_app.domain.validation import Localized, mask_id_number

    case = session.get(HardshipCase, case_id)
    if case is None or case.deleted:
        return None
    code, name = station_names(session).get(case.station_id, ("", ""))
    fields = []
    for key in corrections.CASE_CONTENT:
        if key in ("category", "level", "registered_date"):
            continue
        value = getattr(case, key)
        fields.append((corrections._label(key), Localized("", "") if value in (None, "")
                       else Localized(corrections._shown(key, value, 0),
                                      corrections._shown(key, value, 1))))
    return DistrictFileDetail(
        case.id, f"{code} {name}".strip(), case.member.name,
        mask_id_number(case.member.id_number or ""), case.category, case.level,
        case.status, case.registered_date, case.last_review_date, case.exit_date,
        case.exit_reason, fields,
        [(h.name, h.relation, mask_id_number(h.id_number) if h.id_number else "", h.age,
          h.health or "", h.school_or_work or "") for h in household(session, case.id)],
        corrections.case_signoffs(session, case))
