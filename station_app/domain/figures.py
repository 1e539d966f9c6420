"""The work summary's figures without SQLAlchemy: the catalogue (codes, names, count or
sum), and how a summary is put together from the rows of named queries.

The queries themselves — the select behind each figure — are defined once, with
SQLAlchemy, in ``services.metrics`` (``QUERIES``). ``compute_summary(run, …)`` asks for
them by name through ``run(name, station, params)``: on a session the select is executed
(``services.metrics.compute_summary``); on a current SQLite file the command lines run the
same select as compiled for SQLite (``metrics_sqlite``, generated from ``QUERIES``) with
the sqlite3 driver alone (``storage.fastread``), without loading SQLAlchemy. Either way
the figure is counted by one select and summed up by the code below.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

# code -> (zh, en, reduce: "count" or "sum"), in the order of the report
FIGURES: dict[str, tuple[str, str, str]] = {
    "key_stations_total": ("重点推进社区工联会总数", "Key stations", "count"),
    "key_stations_visited": ("已走访重点推进社区工联会", "Key stations visited", "count"),
    "enterprise_visits": ("累计走访企业（次）", "Enterprise visits", "count"),
    "enterprise_visits_watchlisted": ("其中走访重点监管企业（次）",
                                      "Of them to watch-listed enterprises", "count"),
    "dispute_workers_served": ("劳资纠纷累计服务职工（人）", "Workers served in labour disputes",
                               "sum"),
    "legal_events": ("公益法律服务活动（场）", "Legal-service events", "count"),
    "legal_migrant_person_times": ("服务农民工（人次）", "Migrant workers served (person-times)",
                                   "sum"),
    "hardship_cases_open": ("在档困难职工（名）", "Hardship households on file", "count"),
    "hardship_cases_visited": ("已入户走访困难职工（名）", "Hardship households visited", "count"),
    "hardship_cases_insured": ("已购置医疗互助保障（名）", "Hardship households insured", "count"),
    "hardship_paid_fen": ("帮扶金额合计（分）", "Assistance paid (fen)", "sum"),
    "training_events": ("提素活动（场）", "Training events", "count"),
    "training_person_times": ("提素活动受惠（人次）", "Training person-times", "sum"),
    "inclusive_events": ("普惠活动（场）", "Inclusive-service events", "count"),
    "inclusive_person_times": ("普惠活动受惠（人次）", "Inclusive-service person-times", "sum"),
}
# Computed outside SQL's single select (weekly quota needs the watch-list history).
METRICS_EXTRA = {
    "quota_weeks_met": ("达到走访要求的周数", "Weeks meeting the visit quota"),
    "quota_weeks_total": ("已结束的周数", "Complete weeks so far"),
}
PAID_KINDS = ("home_visit", "condolence", "medical_mutual_aid", "education_aid", "winter",
              "summer", "legal_aid", "other")
WEEKLY_QUOTA = 2  # enterprise visits per ISO week (and every watch-listed one of the area)

# run(query name, station-scoped?, parameters) -> the rows (tuples); see the module doc
Run = Callable[[str, bool, Mapping[str, Any]], Sequence[Sequence[Any]]]


@dataclass(frozen=True)
class Scope:
    as_of: date
    station_id: str | None  # None: the whole district

    @property
    def year_start(self) -> date:
        return date(self.as_of.year, 1, 1)

    def params(self) -> dict[str, Any]:
        """The values of the named parameters of the figures' selects."""
        return {"as_of": self.as_of, "year_start": self.year_start, "year": self.as_of.year,
                "station_id": self.station_id}


@dataclass
class Summary:
    as_of: date
    station_id: str | None
    values: dict[str, int] = field(default_factory=dict)
    paid_by_kind: dict[str, int] = field(default_factory=dict)
    # (metric, scope station id or None, target value, progress)
    targets: list[tuple[str, str | None, int, int]] = field(default_factory=list)


def complete_weeks(as_of: date) -> list[tuple[date, date]]:
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


def figure_value(run: Run, code: str, scope: Scope) -> int:
    """One figure: the count (or the sum of ``value``) of the records behind it."""
    rows = run(f"metric:{code}", scope.station_id is not None, scope.params())
    return int(rows[0][0] or 0)


def quota_weeks(run: Run, scope: Scope) -> tuple[int, int]:
    """(station-weeks meeting the quota, station-weeks counted) for the scope."""
    weeks = complete_weeks(scope.as_of)
    if not weeks:
        return 0, 0
    station = scope.station_id is not None
    params = {**scope.params(), "week_first": weeks[0][0], "week_last": weeks[-1][1]}
    if station:
        station_ids = [scope.station_id]
    else:
        station_ids = [sid for (sid,) in run("quota_stations", False, params)]
    visits = run("quota_visits", station, params)
    history = run("quota_history", station, params)
    area = dict(run("quota_areas", station, params))
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


def compute_summary(run: Run, as_of: date, station_id: str | None = None) -> Summary:
    """Every figure of the catalogue for a station (or the district) as of a date."""
    scope = Scope(as_of, station_id)
    station = station_id is not None
    summary = Summary(as_of, station_id)
    for code in FIGURES:
        summary.values[code] = figure_value(run, code, scope)
    summary.values["quota_weeks_met"], summary.values["quota_weeks_total"] = quota_weeks(
        run, scope)
    summary.paid_by_kind = {kind: int(total)
                            for kind, total in run("paid_by_kind", station, scope.params())}
    for metric, scope_station_id, value in run("targets", station, scope.params()):
        if scope_station_id == station_id:
            progress = summary.values.get(metric, 0)
        else:
            # a district target on a station's file: its progress over the records at hand
            progress = (figure_value(run, metric, Scope(as_of, scope_station_id))
                        if metric in FIGURES else 0)
        summary.targets.append((metric, scope_station_id, value, progress))
    return summary


def station_name(run: Run, station_id: str) -> tuple[str | None, str | None]:
    """(code, name) of a station, (None, None) when the file does not hold it."""
    rows = run("station_name", True, {"station_id": station_id})
    return (rows[0][0], rows[0][1]) if rows else (None, None)


@dataclass
class RecordList:
    code: str
    columns: list[tuple[str, str]]
    rows: list[tuple[Any, ...]]


@dataclass
class Report:
    """A summary (one station or the district) with the lists behind its figures."""

    summary: Summary
    station_code: str | None
    station_name: str | None
    lists: dict[str, RecordList] = field(default_factory=dict)

    def figures(self, lang: str = "zh") -> list[tuple[str, str, int]]:
        """(code, label, value) of every figure (money: the value in fen, the label in
        yuan, as ``figure_text`` shows it)."""
        return [(code, figure_label(code, lang), value)
                for code, value in self.summary.values.items()]


def summary_report(run: Run, as_of: date, station_id: str | None = None) -> Report:
    """The summary as of a date for a station (or the district), without the lists
    (``services.reports.build_report`` adds them)."""
    summary = compute_summary(run, as_of, station_id)
    code, name = station_name(run, station_id) if station_id else (None, None)
    return Report(summary, code, name)


def figure_label(code: str, lang: str = "zh") -> str:
    """A figure's name as people read it; a sum of money is named in yuan."""
    zh = lang.startswith("zh")
    entry = FIGURES.get(code)
    text = (entry[0] if zh else entry[1]) if entry else METRICS_EXTRA[code][0 if zh else 1]
    return text.replace("（分）", "（元）").replace("(fen)", "(yuan)")


def figure_text(code: str, value: int) -> str:
    """A figure's value as shown: money in yuan with two decimals, counts grouped."""
    if code.endswith("_fen"):
        from station_app.domain.validation import format_fen

        return format_fen(value, grouping=True)
    return f"{value:,}"
