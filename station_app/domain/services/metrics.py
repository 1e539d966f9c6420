"""The metric catalogue of the work summary, counted in SQL as of a date.

Each figure of a report like the district's half-year summary is a count or sum over
records, never a typed-in number. A metric is a select of the records behind the figure
(so a screen can open the list) plus how to reduce it (count or sum of ``value``). The
rules are those of SPEC.md, "How the work summary counts", for the calendar year of the
as-of date D:

- a reversed ledger entry and its reversal count for nothing (a reversal dated after D
  does not yet reverse);
- tombstoned rows count for nothing;
- quota weeks are the complete ISO weeks of D's year (Sunday on or before D).

Every select of the summary is defined here once, with named parameters (``:as_of``,
``:year_start``, ``:year``, ``:station_id``, the quota's ``:week_first`` and
``:week_last``), and registered by name in ``QUERIES``; ``domain.figures`` puts the
summary together from their rows. A session executes these selects; the command lines
run them on a current SQLite file as compiled for SQLite (``metrics_sqlite``, generated
from ``QUERIES`` by ``python -m station_app.storage.sqlgen``; a test keeps it current).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import (
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    false,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy import true as sql_true
from sqlalchemy.orm import Session, aliased

from station_app.domain import figures
from station_app.domain.figures import (  # noqa: F401  (part of this module's API)
    METRICS_EXTRA,
    PAID_KINDS,
    Scope,
    Summary,
    complete_weeks,
)
from station_app.domain.ids import DISTRICT_CODE
from station_app.domain.models import (
    Enterprise,
    Event,
    HardshipCase,
    LedgerEntry,
    Member,
    Station,
    Target,
    Visit,
    WatchListEntry,
)
from station_app.domain.services.hardship import counting

# the named parameters (values: ``Scope.params()``; the quota adds its weeks)
AS_OF = bindparam("as_of", type_=Date)
YEAR_START = bindparam("year_start", type_=Date)
YEAR = bindparam("year", type_=Integer)
STATION = bindparam("station_id", type_=String)
WEEK_FIRST = bindparam("week_first", type_=Date)
WEEK_LAST = bindparam("week_last", type_=Date)


@dataclass(frozen=True)
class Metric:
    code: str
    zh: str
    en: str
    # the records behind the figure ("value" column for sums), station-scoped or not,
    # with the named parameters unbound
    build: Callable[[bool], Select]
    reduce: str = "count"  # "count", "sum" or "persons" (distinct ``id_number``)

    def rows(self, scope: Scope) -> Select:
        """The records behind the figure for a scope (the parameters bound)."""
        return self.build(scope.station_id is not None).params(**scope.params())


def _own(col, station: bool):
    return col == STATION if station else sql_true()


def _in_year(col):
    return and_(col >= YEAR_START, col <= AS_OF)


def _enterprise_visits(station: bool) -> Select:
    return select(Visit.id, Visit.visit_date, Visit.enterprise_id).where(
        Visit.deleted == false(), Visit.enterprise_id.is_not(None),
        _in_year(Visit.visit_date), _own(Visit.station_id, station))


def _listed_on_visit_date():
    w = aliased(WatchListEntry)
    latest = (
        select(w.action)
        .where(w.enterprise_id == Visit.enterprise_id, w.entry_date <= Visit.visit_date,
               w.deleted == false())
        .order_by(w.entry_date.desc(), w.hlc.desc())
        .limit(1)
        .correlate(Visit)
        .scalar_subquery()
    )
    return latest == "listed"


def _watch_visits(station: bool) -> Select:
    return _enterprise_visits(station).where(_listed_on_visit_date())


def _key_stations(station: bool) -> Select:
    q = select(Station.id, Station.code, Station.name).where(
        Station.deleted == false(), Station.is_key.is_(True))
    if station:
        q = q.where(Station.id == STATION)
    return q


def _key_stations_visited(station: bool) -> Select:
    visited = select(Visit.target_station_id).where(
        Visit.deleted == false(), Visit.kind == "station", _in_year(Visit.visit_date))
    return _key_stations(station).where(Station.id.in_(visited))


def _dispute_workers(station: bool) -> Select:
    return select(Visit.id, Visit.visit_date, Visit.workers_served.label("value")).where(
        Visit.deleted == false(), Visit.kind == "dispute", _in_year(Visit.visit_date),
        _own(Visit.station_id, station))


def _events(kind: str, value=None):
    def rows(station: bool) -> Select:
        cols = [Event.id, Event.event_date, Event.title]
        if value is not None:
            cols.append(value.label("value"))
        return select(*cols).where(Event.deleted == false(), Event.kind == kind,
                                   _in_year(Event.event_date),
                                   _own(Event.station_id, station))
    return rows


def _cases_on_file(station: bool) -> Select:
    """Files on record on D: registered on or before D and not closed (脱困 exited or
    注销 cancelled) on or before D. The closing date of either is ``exit_date``; a file
    closed on D is no longer on file on D, one closed the day after still is. A closed
    file without a date (legacy) is on file on no date."""
    return select(HardshipCase.id, HardshipCase.member_id).where(
        HardshipCase.deleted == false(),
        HardshipCase.registered_date <= AS_OF,
        or_(HardshipCase.status == "open", HardshipCase.exit_date > AS_OF),
        _own(HardshipCase.station_id, station),
    )


def _cases_with(kind: str, *, cover_year: bool = False):
    def rows(station: bool) -> Select:
        cond = [counting(AS_OF), LedgerEntry.kind == kind]
        if cover_year:
            cond.append(LedgerEntry.cover_year == YEAR)
        else:
            cond.append(LedgerEntry.entry_date >= YEAR_START)
        with_entry = select(LedgerEntry.case_id).where(*cond)
        return _cases_on_file(station).where(HardshipCase.id.in_(with_entry))
    return rows


# ----------------------------------------------------------------- membership (persons)
#
# A person is a distinct ID number. Each membership figure counts the distinct ID numbers
# of the rows of its scope that qualify (``member_rows``: the rows; the figure's select
# groups them by ID number), so a person with rows at two stations counts once at the
# district. A row is on the roll on D when it joined on or before D (an unknown join date
# counts) and has no leaving status (退会, 去世, 转出) dated on or before D (a leaving
# status without a date: left before any date). Tombstoned rows count for nothing. The
# selects read the covering index ``ix_members_person`` (ID number first), so counting
# persons over a district is one index scan in ID-number order; a year's leavers are found
# in the partial ``ix_members_leaving`` (the rows with a leaving status only).


def _joined_by(m, day):
    return or_(m.join_date.is_(None), m.join_date <= day)


def _not_left_by(m, day):
    return or_(m.status == "active", m.status_date > day)


def _moved_inside(m):
    """A 转出 row whose person has a row at another station of the district that joined
    by D and had not left by the transfer's date: a move inside the district (the row at
    the destination), not a transfer out for the district."""
    other = aliased(Member)
    return (select(other.id_number).where(
        other.id_number == m.id_number, other.station_id != m.station_id,
        other.deleted == false(), _joined_by(other, AS_OF), _not_left_by(other, m.status_date))
        .exists())


def _on_roll_elsewhere_before(m):
    """A join at one station while the person was on the roll at another station of the
    district the day before (joined earlier, not left before this join): the same person
    registered again (a duplicate, a move), not a join for the district."""
    other = aliased(Member)
    return (select(other.id_number).where(
        other.id_number == m.id_number, other.station_id != m.station_id,
        other.deleted == false(), or_(other.join_date.is_(None), other.join_date < m.join_date),
        or_(other.status == "active", other.status_date >= m.join_date))
        .exists())


def _member_conditions(code: str, station: bool) -> list:
    m = Member
    cond = [m.deleted == false()]
    if code in ("members_on_roll", "members_migrant"):
        cond += [_joined_by(m, AS_OF), _not_left_by(m, AS_OF)]
        if code == "members_migrant":
            cond.append(m.migrant_worker.is_(True))
    elif code == "members_joined":
        cond += [m.join_date >= YEAR_START, m.join_date <= AS_OF]
        if not station:
            cond.append(~_on_roll_elsewhere_before(m))
    else:
        status = {"members_left": "left", "members_deceased": "deceased",
                  "members_transferred_out": "transferred"}[code]
        # the literal term lets both databases read the partial ix_members_leaving
        cond += [m.status != literal_column("'active'"), m.status == status,
                 _in_year(m.status_date)]
        if status == "transferred" and not station:
            cond.append(~_moved_inside(m))
    if station:
        cond.append(m.station_id == STATION)
    return cond


MEMBER_FIGURES = ("members_on_roll", "members_joined", "members_left", "members_deceased",
                  "members_transferred_out", "members_migrant")


def member_rows(code: str, station: bool, *columns) -> Select:
    """The member rows behind a membership figure (these columns, default the ID
    number); the figure counts their distinct ID numbers (reduce "persons")."""
    return select(*(columns or (Member.id_number,))).where(*_member_conditions(code, station))


def _members(code: str):
    def rows(station: bool) -> Select:
        return member_rows(code, station)
    return rows


def _paid(kind: str | None):
    def rows(station: bool) -> Select:
        q = select(LedgerEntry.id, LedgerEntry.case_id, LedgerEntry.kind,
                   LedgerEntry.amount_fen.label("value")).where(
            counting(AS_OF), LedgerEntry.entry_date >= YEAR_START,
            _own(LedgerEntry.station_id, station))
        return q.where(LedgerEntry.kind == kind) if kind else q
    return rows


_BUILDERS: dict[str, Callable[[bool], Select]] = {
    "key_stations_total": _key_stations,
    "key_stations_visited": _key_stations_visited,
    "enterprise_visits": _enterprise_visits,
    "enterprise_visits_watchlisted": _watch_visits,
    "dispute_workers_served": _dispute_workers,
    "legal_events": _events("legal"),
    "legal_migrant_person_times": _events("legal", Event.migrant_person_times),
    "hardship_cases_open": _cases_on_file,
    "hardship_cases_visited": _cases_with("home_visit"),
    "hardship_cases_insured": _cases_with("medical_mutual_aid", cover_year=True),
    "hardship_paid_fen": _paid(None),
    "training_events": _events("training"),
    "training_person_times": _events("training", Event.person_times),
    "inclusive_events": _events("inclusive"),
    "inclusive_person_times": _events("inclusive", Event.person_times),
    **{code: _members(code) for code in MEMBER_FIGURES},
}
METRICS: dict[str, Metric] = {
    code: Metric(code, zh, en, _BUILDERS[code], reduce)
    for code, (zh, en, reduce) in figures.FIGURES.items()
}


# --------------------------------------------------------------------------- the named selects


def _figure(code: str):
    def build(station: bool) -> Select:
        m = METRICS[code]
        sub = m.build(station).subquery()
        if m.reduce == "sum":
            return select(func.coalesce(func.sum(sub.c.value), 0))
        if m.reduce == "persons":
            # the distinct ID numbers as a subquery, counted: PostgreSQL plans a hash
            # aggregate (or a walk of ix_members_person) for it, where count(DISTINCT …)
            # always sorts — 2.3 million numbers spilled to disk in the 100-station bench
            persons = select(sub.c.id_number).distinct().subquery()
            return select(func.count()).select_from(persons)
        return select(func.count()).select_from(sub)
    return build


def _quota_stations(station: bool) -> Select:
    return select(Station.id).where(Station.deleted == false())


def _quota_visits(station: bool) -> Select:
    q = select(Visit.station_id, Visit.visit_date, Visit.enterprise_id).where(
        Visit.deleted == false(), Visit.enterprise_id.is_not(None),
        Visit.visit_date >= WEEK_FIRST, Visit.visit_date <= WEEK_LAST)
    if station:
        return q.where(Visit.station_id == STATION)
    return q.where(Visit.station_id.in_(_quota_stations(False)))


def _quota_history(station: bool) -> Select:
    return (select(WatchListEntry.enterprise_id, WatchListEntry.entry_date,
                   WatchListEntry.action, WatchListEntry.hlc)
            .where(WatchListEntry.deleted == false(), WatchListEntry.entry_date <= WEEK_LAST)
            .order_by(WatchListEntry.entry_date, WatchListEntry.hlc))


def _quota_areas(station: bool) -> Select:
    return select(Enterprise.id, func.coalesce(Enterprise.area_station_id, Enterprise.station_id))


def _paid_by_kind(station: bool) -> Select:
    paid = _paid(None)(station).subquery()
    return select(paid.c.kind, func.sum(paid.c.value)).group_by(paid.c.kind)


def _targets(station: bool) -> Select:
    """The targets of D's year with the code of their station: the district's first.
    A station's report: its own and the district's (the district's with the station's
    part only, ``figures.TargetProgress``)."""
    q = (select(Target.metric, Target.scope_station_id, Target.value, Station.code)
         .outerjoin(Station, Station.id == Target.scope_station_id)
         .where(Target.year == YEAR, Target.deleted == false()))
    if station:
        q = q.where(or_(Target.scope_station_id == STATION, Target.scope_station_id.is_(None)))
    return q.order_by(Target.scope_station_id.is_not(None), Station.code, Target.metric)


def _station_name(station: bool) -> Select:
    return select(Station.code, Station.name).where(Station.id == STATION)


def _stations(station: bool) -> Select:
    """The stations a report may be asked for (not the district's own row), by code."""
    return (select(Station.id, Station.code, Station.name)
            .where(Station.deleted == false(), Station.code != DISTRICT_CODE)
            .order_by(Station.code))


# Every select of the summary by name; each is built station-scoped (True) or not.
QUERIES: dict[str, Callable[[bool], Select]] = {
    **{f"metric:{code}": _figure(code) for code in METRICS},
    "quota_stations": _quota_stations,
    "quota_visits": _quota_visits,
    "quota_history": _quota_history,
    "quota_areas": _quota_areas,
    "paid_by_kind": _paid_by_kind,
    "targets": _targets,
    "station_name": _station_name,
    "stations": _stations,
}


def session_run(session: Session) -> figures.Run:
    """``figures.Run`` over a session: the named select, executed."""
    def run(name: str, station: bool, params) -> list:
        return list(session.execute(QUERIES[name](station), dict(params)).all())
    return run


def metric_value(session: Session, code: str, scope: Scope) -> int:
    return figures.figure_value(session_run(session), code, scope)


def metric_rows(session: Session, code: str, scope: Scope) -> list:
    """The records behind a figure (for the list a figure opens)."""
    return list(session.execute(METRICS[code].rows(scope)).all())


def quota_weeks(session: Session, scope: Scope) -> tuple[int, int]:
    """(station-weeks meeting the quota, station-weeks counted) for the scope."""
    return figures.quota_weeks(session_run(session), scope)


def compute_summary(session: Session, as_of: date, station_id: str | None = None) -> Summary:
    """Every figure of the catalogue for a station (or the district) as of a date."""
    return figures.compute_summary(session_run(session), as_of, station_id)
