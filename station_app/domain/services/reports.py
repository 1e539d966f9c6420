"""The work summary as a report: every figure of the metric catalogue with the records
behind it, readable (names and dates, not ids), for the Reports page and the Excel file.

``record_list(session, code, scope)`` reads the same select the figure counts
(``METRICS[code].rows``) joined to what a person needs to recognise each record, so the
list a figure opens always has exactly as many rows as the figure counts (or, for sums,
rows whose ``value`` adds up to it).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from station_app.domain.choices import EVENT_KIND, HARDSHIP_CATEGORY, LEDGER_KIND, label
from station_app.domain.figures import (  # noqa: F401  (part of this module's API)
    RecordList,
    Report,
    figure_description,
    figure_label,
    figure_text,
    summary_report,
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
from station_app.domain.services.metrics import (
    MEMBER_FIGURES,
    METRICS,
    Scope,
    member_rows,
    session_run,
)

# column titles (zh, en)
_DATE = ("日期", "Date")
_STATION = ("站点", "Station")


def _stations(session: Session) -> dict[str, str]:
    return dict(session.execute(select(Station.id, Station.name)).all())


def record_list(session: Session, code: str, scope: Scope, lang: str = "zh") -> RecordList:
    """The records behind one figure, readable (choice labels in ``lang``)."""
    sub = METRICS[code].rows(scope).subquery()
    names = _stations(session)
    if code in ("key_stations_total", "key_stations_visited"):
        rows = [(c, n) for _i, c, n in session.execute(
            select(sub.c.id, sub.c.code, sub.c.name).order_by(sub.c.code))]
        return RecordList(code, [("编码", "Code"), ("站点", "Station")], rows)
    if code in ("enterprise_visits", "enterprise_visits_watchlisted"):
        q = (select(Visit.visit_date, Enterprise.name, Visit.visitors, Visit.station_id)
             .join(sub, sub.c.id == Visit.id)
             .join(Enterprise, Enterprise.id == Visit.enterprise_id)
             .order_by(Visit.visit_date, Enterprise.name))
        rows = [(d, e, v, names.get(s, "")) for d, e, v, s in session.execute(q)]
        return RecordList(code, [_DATE, ("企业", "Enterprise"), ("走访人", "Visitors"),
                                 _STATION], rows)
    if code == "dispute_workers_served":
        q = (select(Visit.visit_date, Enterprise.name, Visit.findings, sub.c.value,
                    Visit.station_id)
             .join(sub, sub.c.id == Visit.id)
             .outerjoin(Enterprise, Enterprise.id == Visit.enterprise_id)
             .order_by(Visit.visit_date))
        rows = [(d, e or "", f or "", v, names.get(s, ""))
                for d, e, f, v, s in session.execute(q)]
        return RecordList(code, [_DATE, ("企业", "Enterprise"), ("情况", "Findings"),
                                 ("服务职工", "Workers served"), _STATION], rows)
    if code.endswith("_events") or code.endswith("_person_times"):
        value = sub.c.value if "value" in sub.c else None
        cols = [Event.event_date, Event.title, Event.kind, Event.station_id]
        q = select(*cols, *([value] if value is not None else [])).join(
            sub, sub.c.id == Event.id).order_by(Event.event_date, Event.title)
        rows = []
        for r in session.execute(q):
            row = (r[0], r[1], label(EVENT_KIND, r[2], lang), names.get(r[3], ""))
            rows.append(row + ((r[4],) if value is not None else ()))
        columns = [_DATE, ("活动", "Event"), ("类别", "Kind"), _STATION]
        if value is not None:
            columns.append(("人次", "Person-times"))
        return RecordList(code, columns, rows)
    if code.startswith("hardship_cases"):
        q = (select(Member.name, HardshipCase.category, HardshipCase.registered_date,
                    HardshipCase.station_id)
             .join(sub, sub.c.id == HardshipCase.id)
             .join(Member, Member.id == HardshipCase.member_id)
             .order_by(Member.name))
        rows = [(n, label(HARDSHIP_CATEGORY, c, lang), d, names.get(s, ""))
                for n, c, d, s in session.execute(q)]
        return RecordList(code, [("姓名", "Name"), ("困难类别", "Category"),
                                 ("建档日期", "Registered"), _STATION], rows)
    if code == "hardship_paid_fen":
        q = (select(LedgerEntry.entry_date, Member.name, LedgerEntry.kind, sub.c.value,
                    LedgerEntry.station_id)
             .join(sub, sub.c.id == LedgerEntry.id)
             .join(HardshipCase, HardshipCase.id == LedgerEntry.case_id)
             .join(Member, Member.id == HardshipCase.member_id)
             .order_by(LedgerEntry.entry_date, Member.name))
        rows = [(d, n, label(LEDGER_KIND, k, lang), fen_to_yuan(v), names.get(s, ""))
                for d, n, k, v, s in session.execute(q)]
        return RecordList(code, [_DATE, ("姓名", "Name"), ("类别", "Kind"),
                                 ("金额（元）", "Amount (yuan)"), _STATION], rows, money=(3,))
    if code in MEMBER_FIGURES:
        return _member_list(session, code, scope, names, lang)
    raise KeyError(code)  # pragma: no cover - every catalogue figure is listed above


def fen_to_yuan(fen: int) -> Decimal:
    """Integer fen as an exact decimal of yuan ("60.00" when shown)."""
    return Decimal(int(fen)).scaleb(-2)


# the date a membership list shows: when the person joined, or when the status took effect
_MEMBER_DATE = {"members_on_roll": ("入会日期", "Joined"), "members_joined": ("入会日期", "Joined"),
                "members_migrant": ("入会日期", "Joined"), "members_left": ("退会日期", "Left"),
                "members_deceased": ("去世日期", "Deceased"),
                "members_transferred_out": ("转出日期", "Transferred")}


def _member_list(session: Session, code: str, scope: Scope, names: dict[str, str],
                 lang: str) -> RecordList:
    """One row per person (the figure counts distinct ID numbers): name, ID number, the
    date, migrant worker, and every station where one of the person's rows qualifies."""
    on_date = Member.join_date if _MEMBER_DATE[code][1] == "Joined" else Member.status_date
    q = (member_rows(code, scope.station_id is not None, Member.id_number, Member.name,
                     on_date, Member.migrant_worker, Member.station_id)
         .order_by(Member.name, Member.id_number, Member.station_id)
         .params(**scope.params()))
    yes = "是" if lang.startswith("zh") else "yes"
    people: dict[str, list] = {}
    for idn, name, day, migrant, station_id in session.execute(q):
        row = people.get(idn)
        station = names.get(station_id, "")
        if row is None:
            people[idn] = [name, idn, day, yes if migrant else "", [station]]
        else:  # the same person at another station: one row, every station named
            if day is not None and (row[2] is None or day < row[2]):
                row[2] = day
            if migrant:
                row[3] = yes
            if station not in row[4]:
                row[4].append(station)
    rows = [(n, i, d, m, "、".join(sorted(s for s in st if s)))
            for n, i, d, m, st in people.values()]
    return RecordList(code, [("姓名", "Name"), ("公民身份号码", "ID number"), _MEMBER_DATE[code],
                             ("农民工", "Migrant worker"), _STATION], rows)


def build_report(session: Session, as_of: date, station_id: str | None = None, *,
                 with_lists: bool = True, lang: str = "zh") -> Report:
    """The summary as of a date for a station (or the district), with its lists."""
    report = summary_report(session_run(session), as_of, station_id)
    if with_lists:
        scope = Scope(as_of, station_id)
        for metric in METRICS:
            report.lists[metric] = record_list(session, metric, scope, lang)
    return report
