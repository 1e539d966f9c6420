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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, and_, false, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from station_app.domain.models import (
    Event,
    HardshipCase,
    LedgerEntry,
    Station,
    Target,
    Visit,
    WatchListEntry,
)
from station_app.domain.services.hardship import counting
from station_app.domain.services.visits import WEEKLY_QUOTA


@dataclass(frozen=True)
class Scope:
    as_of: date
    station_id: str | None  # None: the whole district

    @property
    def year_start(self) -> date:
        return date(self.as_of.year, 1, 1)


@dataclass(frozen=True)
class Metric:
    code: str
    zh: str
    en: str
    rows: Callable[[Scope], Select]  # the records behind the figure; "value" column for sums
    reduce: str = "count"  # "count" or "sum"


def _own(col, scope: Scope):
    return col == scope.station_id if scope.station_id else literal(True)


def _in_year(col, scope: Scope):
    return and_(col >= scope.year_start, col <= scope.as_of)


def _enterprise_visits(scope: Scope) -> Select:
    return select(Visit.id, Visit.visit_date, Visit.enterprise_id).where(
        Visit.deleted == false(), Visit.enterprise_id.is_not(None),
        _in_year(Visit.visit_date, scope), _own(Visit.station_id, scope))


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


def _watch_visits(scope: Scope) -> Select:
    return _enterprise_visits(scope).where(_listed_on_visit_date())


def _key_stations(scope: Scope) -> Select:
    q = select(Station.id, Station.code, Station.name).where(
        Station.deleted == false(), Station.is_key.is_(True))
    if scope.station_id:
        q = q.where(Station.id == scope.station_id)
    return q


def _key_stations_visited(scope: Scope) -> Select:
    visited = select(Visit.target_station_id).where(
        Visit.deleted == false(), Visit.kind == "station", _in_year(Visit.visit_date, scope))
    return _key_stations(scope).where(Station.id.in_(visited))


def _dispute_workers(scope: Scope) -> Select:
    return select(Visit.id, Visit.visit_date, Visit.workers_served.label("value")).where(
        Visit.deleted == false(), Visit.kind == "dispute", _in_year(Visit.visit_date, scope),
        _own(Visit.station_id, scope))


def _events(kind: str, value=None):
    def rows(scope: Scope) -> Select:
        cols = [Event.id, Event.event_date, Event.title]
        if value is not None:
            cols.append(value.label("value"))
        return select(*cols).where(Event.deleted == false(), Event.kind == kind,
                                   _in_year(Event.event_date, scope),
                                   _own(Event.station_id, scope))
    return rows


def _counting_entries(scope: Scope):
    return counting(scope.as_of)


def _cases_on_file(scope: Scope) -> Select:
    return select(HardshipCase.id, HardshipCase.member_id).where(
        HardshipCase.deleted == false(),
        HardshipCase.status != "cancelled",
        HardshipCase.registered_date <= scope.as_of,
        or_(HardshipCase.exit_date.is_(None), HardshipCase.exit_date >= scope.as_of),
        _own(HardshipCase.station_id, scope),
    )


def _cases_with(kind: str, *, cover_year: bool = False):
    def rows(scope: Scope) -> Select:
        cond = [_counting_entries(scope), LedgerEntry.kind == kind]
        if cover_year:
            cond.append(LedgerEntry.cover_year == scope.as_of.year)
        else:
            cond.append(LedgerEntry.entry_date >= scope.year_start)
        with_entry = select(LedgerEntry.case_id).where(*cond)
        return _cases_on_file(scope).where(HardshipCase.id.in_(with_entry))
    return rows


def _paid(kind: str | None):
    def rows(scope: Scope) -> Select:
        q = select(LedgerEntry.id, LedgerEntry.case_id, LedgerEntry.kind,
                   LedgerEntry.amount_fen.label("value")).where(
            _counting_entries(scope), LedgerEntry.entry_date >= scope.year_start,
            _own(LedgerEntry.station_id, scope))
        return q.where(LedgerEntry.kind == kind) if kind else q
    return rows


METRICS: dict[str, Metric] = {
    m.code: m
    for m in (
        Metric("key_stations_total", "重点推进社区工联会总数", "Key stations", _key_stations),
        Metric("key_stations_visited", "已走访重点推进社区工联会", "Key stations visited",
               _key_stations_visited),
        Metric("enterprise_visits", "累计走访企业（次）", "Enterprise visits", _enterprise_visits),
        Metric("enterprise_visits_watchlisted", "其中走访重点监管企业（次）",
               "Of them to watch-listed enterprises", _watch_visits),
        Metric("dispute_workers_served", "劳资纠纷累计服务职工（人）",
               "Workers served in labour disputes", _dispute_workers, "sum"),
        Metric("legal_events", "公益法律服务活动（场）", "Legal-service events",
               _events("legal")),
        Metric("legal_migrant_person_times", "服务农民工（人次）",
               "Migrant workers served (person-times)",
               _events("legal", Event.migrant_person_times), "sum"),
        Metric("hardship_cases_open", "在档困难职工（名）", "Hardship households on file",
               _cases_on_file),
        Metric("hardship_cases_visited", "已入户走访困难职工（名）",
               "Hardship households visited", _cases_with("home_visit")),
        Metric("hardship_cases_insured", "已购置医疗互助保障（名）",
               "Hardship households insured", _cases_with("medical_mutual_aid",
                                                          cover_year=True)),
        Metric("hardship_paid_fen", "帮扶金额合计（分）", "Assistance paid (fen)", _paid(None),
               "sum"),
        Metric("training_events", "提素活动（场）", "Training events", _events("training")),
        Metric("training_person_times", "提素活动受惠（人次）", "Training person-times",
               _events("training", Event.person_times), "sum"),
        Metric("inclusive_events", "普惠活动（场）", "Inclusive-service events",
               _events("inclusive")),
        Metric("inclusive_person_times", "普惠活动受惠（人次）", "Inclusive-service person-times",
               _events("inclusive", Event.person_times), "sum"),
    )
}
# Computed outside SQL's single select (weekly quota needs the watch-list history).
METRICS_EXTRA = {
    "quota_weeks_met": ("达到走访要求的周数", "Weeks meeting the visit quota"),
    "quota_weeks_total": ("已结束的周数", "Complete weeks so far"),
}
PAID_KINDS = ("home_visit", "condolence", "medical_mutual_aid", "education_aid", "winter",
              "summer", "legal_aid", "other")


def metric_value(session: Session, code: str, scope: Scope) -> int:
    m = METRICS[code]
    sub = m.rows(scope).subquery()
    if m.reduce == "sum":
        q = select(func.coalesce(func.sum(sub.c.value), 0))
    else:
        q = select(func.count()).select_from(sub)
    return int(session.execute(q).scalar_one())


def metric_rows(session: Session, code: str, scope: Scope) -> list:
    """The records behind a figure (for the list a figure opens)."""
    return list(session.execute(METRICS[code].rows(scope)).all())


@dataclass
class Summary:
    as_of: date
    station_id: str | None
    values: dict[str, int] = field(default_factory=dict)
    paid_by_kind: dict[str, int] = field(default_factory=dict)
    # (metric, scope station id or None, target value, progress)
    targets: list[tuple[str, str | None, int, int]] = field(default_factory=list)


def _complete_weeks(as_of: date) -> list[tuple[date, date]]:
    """The complete ISO weeks of the ISO year of D's calendar year, Sunday on or before D."""
    year = as_of.year
    monday = date.fromisocalendar(year, 1, 1)
    weeks = []
    while True:
        sunday = monday + timedelta(days=6)
        if sunday > as_of or monday.isocalendar()[0] != year:
            break
        weeks.append((monday, sunday))
        monday += timedelta(days=7)
    return weeks


def quota_weeks(session: Session, scope: Scope) -> tuple[int, int]:
    """(station-weeks meeting the quota, station-weeks counted) for the scope."""
    weeks = _complete_weeks(scope.as_of)
    if not weeks:
        return 0, 0
    first, last = weeks[0][0], weeks[-1][1]
    if scope.station_id:
        station_ids = [scope.station_id]
    else:
        station_ids = list(session.execute(
            select(Station.id).where(Station.deleted == false())).scalars())
    visits = session.execute(
        select(Visit.station_id, Visit.visit_date, Visit.enterprise_id).where(
            Visit.deleted == false(), Visit.enterprise_id.is_not(None),
            Visit.visit_date >= first, Visit.visit_date <= last,
            Visit.station_id.in_(station_ids))
    ).all()
    history = session.execute(
        select(WatchListEntry.enterprise_id, WatchListEntry.entry_date, WatchListEntry.action,
               WatchListEntry.hlc)
        .where(WatchListEntry.deleted == false(), WatchListEntry.entry_date <= last)
        .order_by(WatchListEntry.entry_date, WatchListEntry.hlc)
    ).all()
    from station_app.domain.models import Enterprise

    area = dict(session.execute(select(
        Enterprise.id, func.coalesce(Enterprise.area_station_id, Enterprise.station_id))).all())
    by_station_week: dict[tuple[str, date], list[str]] = {}
    for sid, d, eid in visits:
        monday = d - timedelta(days=d.weekday())
        by_station_week.setdefault((sid, monday), []).append(eid)
    met = 0
    hist_i = 0
    status: dict[str, str] = {}
    for monday, sunday in weeks:
        while hist_i < len(history) and history[hist_i][1] <= sunday:
            status[history[hist_i][0]] = history[hist_i][2]
            hist_i += 1
        listed = {e for e, a in status.items() if a == "listed"}
        for sid in station_ids:
            visited = by_station_week.get((sid, monday), [])
            own_listed = {e for e in listed if area.get(e) == sid}
            if len(visited) >= WEEKLY_QUOTA and own_listed <= set(visited):
                met += 1
    return met, len(weeks) * len(station_ids)


def compute_summary(session: Session, as_of: date, station_id: str | None = None) -> Summary:
    """Every figure of the catalogue for a station (or the district) as of a date."""
    scope = Scope(as_of, station_id)
    summary = Summary(as_of, station_id)
    for code in METRICS:
        summary.values[code] = metric_value(session, code, scope)
    summary.values["quota_weeks_met"], summary.values["quota_weeks_total"] = quota_weeks(
        session, scope)
    paid = _paid(None)(scope).subquery()
    summary.paid_by_kind = {
        kind: int(total)
        for kind, total in session.execute(
            select(paid.c.kind, func.sum(paid.c.value)).group_by(paid.c.kind))
    }
    tq = select(Target).where(Target.year == as_of.year, Target.deleted == false())
    if station_id:
        # the station's own targets and the district's (whose progress, counted over the
        # records at hand, is the station's share on a station's file)
        tq = tq.where(or_(Target.scope_station_id == station_id,
                          Target.scope_station_id.is_(None)))
    for t in session.execute(tq.order_by(Target.metric, Target.scope_station_id)).scalars():
        if t.scope_station_id == station_id:
            progress = summary.values.get(t.metric, 0)
        else:
            progress = (metric_value(session, t.metric, Scope(as_of, t.scope_station_id))
                        if t.metric in METRICS else 0)
        summary.targets.append((t.metric, t.scope_station_id, t.value, progress))
    return summary
