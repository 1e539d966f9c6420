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
from typing import Any, NamedTuple

# code -> (zh, en, reduce), in the order of the report. reduce: "count" (the records),
# "sum" (of their ``value``) or "persons" (their distinct ID numbers)
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
    # money: the figure is yuan; its code keeps the unit the JSON gives (fen)
    "hardship_paid_fen": ("帮扶金额合计（元）", "Assistance paid (yuan)", "sum"),
    "training_events": ("提素活动（场）", "Training events", "count"),
    "training_person_times": ("提素活动受惠（人次）", "Training person-times", "sum"),
    "inclusive_events": ("普惠活动（场）", "Inclusive-service events", "count"),
    "inclusive_person_times": ("普惠活动受惠（人次）", "Inclusive-service person-times", "sum"),
    "members_on_roll": ("在册会员（人）", "Members on the roll", "persons"),
    "members_joined": ("本年入会（人）", "Members joined this year", "persons"),
    "members_left": ("本年退会（人）", "Members left this year", "persons"),
    "members_deceased": ("本年去世（人）", "Members deceased this year", "persons"),
    "members_transferred_out": ("本年转出（人）", "Members transferred out this year", "persons"),
    "members_migrant": ("在册农民工会员（人）", "Migrant-worker members on the roll", "persons"),
}
# How each figure counts (zh, en): the rule of SPEC.md "How the work summary counts" for
# the calendar year of D, in a sentence; the Reports page shows it beside the figure.
DESCRIPTIONS: dict[str, tuple[str, str]] = {
    "key_stations_total": ("标记为重点推进的社区工联会", "Stations flagged as key stations"),
    "key_stations_visited": ("本年截至 D 有站点调研记录的重点推进社区工联会（按站点计）",
                             "Key stations with a station visit dated in the year up to D "
                             "(each station once)"),
    "enterprise_visits": ("本年截至 D 的企业走访（各类走访，次）",
                          "Enterprise visits dated in the year up to D (every kind)"),
    "enterprise_visits_watchlisted": ("其中走访当日在劳资隐患重点监管名单上的企业",
                                      "Of them, to an enterprise on the watch list that day"),
    "dispute_workers_served": ("本年截至 D 劳资纠纷处置走访的服务职工人数之和",
                               "Sum of workers served on dispute visits in the year up to D"),
    "legal_events": ("本年截至 D 的法律服务活动", "Legal-service events in the year up to D"),
    "legal_migrant_person_times": ("这些活动中农民工人次之和",
                                   "Sum of their migrant-worker person-times"),
    "hardship_cases_open": ("D 日在档：D 日或之前建档，且未在 D 日或之前脱困或注销",
                            "On file on D: registered on or before D, not exited or "
                            "cancelled on or before D"),
    "hardship_cases_visited": ("在档困难职工中本年截至 D 有入户走访记录的",
                               "Of those on file, with a household visit in the year up to D"),
    "hardship_cases_insured": ("在档困难职工中有覆盖 D 所在年度的医疗互助保障记录的",
                               "Of those on file, with mutual-aid medical insurance covering "
                               "D's year"),
    "hardship_paid_fen": ("本年截至 D 的帮扶金额（已冲正的记录及其冲正不计）",
                          "Assistance paid in the year up to D (a reversed entry and its "
                          "reversal count for nothing)"),
    "training_events": ("本年截至 D 的提素活动", "Training events in the year up to D"),
    "training_person_times": ("这些活动受惠人次之和", "Sum of their person-times"),
    "inclusive_events": ("本年截至 D 的普惠活动", "Inclusive-service events in the year up to D"),
    "inclusive_person_times": ("这些活动受惠人次之和", "Sum of their person-times"),
    "members_on_roll": ("按公民身份号码计人（全区同一号码只计一次）：D 日或之前入会（入会日期不详"
                        "也算），且无 D 日或之前的退会、去世、转出",
                        "Persons (distinct ID numbers, once across the district) who joined "
                        "on or before D (an unknown join date counts) with no leaving status "
                        "(left, deceased, transferred) dated on or before D"),
    "members_joined": ("本年截至 D 入会的人（按公民身份号码计）",
                       "Persons with a join date in the year up to D"),
    "members_left": ("本年截至 D 退会的人（按公民身份号码计）",
                     "Persons whose status is left (退会), dated in the year up to D"),
    "members_deceased": ("本年截至 D 去世的人（按公民身份号码计）",
                         "Persons whose status is deceased (去世), dated in the year up to D"),
    "members_transferred_out": ("本年截至 D 转出的人；站点计本站的转出，全区不计转往区内其他站点的"
                                "（该人在另一站点有 D 日或之前入会、转出时尚未离会的记录）",
                                "Persons transferred out (转出) in the year up to D; a station "
                                "counts its own transfers, the district leaves out moves to "
                                "another of its stations (the person has a row there joined "
                                "by D and not left by the transfer's date)"),
    "members_migrant": ("在册会员中的农民工（按公民身份号码计）",
                        "Migrant workers among the members on the roll (persons)"),
}
# A short, unique name per figure for a workbook's sheet (Excel: at most 31 characters,
# none of []:*?/\); written as they are, never cut.
SHEET_NAMES: dict[str, tuple[str, str]] = {
    "key_stations_total": ("重点推进站点", "Key stations"),
    "key_stations_visited": ("已走访重点站点", "Key stations visited"),
    "enterprise_visits": ("走访企业", "Enterprise visits"),
    "enterprise_visits_watchlisted": ("走访重点监管企业", "Watch-list visits"),
    "dispute_workers_served": ("劳资纠纷服务职工", "Dispute workers served"),
    "legal_events": ("法律服务活动", "Legal events"),
    "legal_migrant_person_times": ("法律服务农民工人次", "Legal migrant person-times"),
    "hardship_cases_open": ("在档困难职工", "Hardship files open"),
    "hardship_cases_visited": ("已入户走访困难职工", "Hardship files visited"),
    "hardship_cases_insured": ("已参保困难职工", "Hardship files insured"),
    "hardship_paid_fen": ("帮扶金额（元）", "Assistance paid (yuan)"),
    "training_events": ("提素活动", "Training events"),
    "training_person_times": ("提素活动人次", "Training person-times"),
    "inclusive_events": ("普惠活动", "Inclusive events"),
    "inclusive_person_times": ("普惠活动人次", "Inclusive person-times"),
    "members_on_roll": ("在册会员", "Members on the roll"),
    "members_joined": ("本年入会", "Members joined"),
    "members_left": ("本年退会", "Members left"),
    "members_deceased": ("本年去世", "Members deceased"),
    "members_transferred_out": ("本年转出", "Members transferred out"),
    "members_migrant": ("在册农民工会员", "Migrant-worker members"),
}
SUMMARY_SHEET = ("工作汇总", "Summary")
TARGETS_SHEET = ("年度目标", "Targets")
# The leaving statuses of a member (退会, 去世, 转出): off the roll from their date.
LEAVING_STATUSES = ("left", "deceased", "transferred")
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


class TargetProgress(NamedTuple):
    """A target of D's year beside the figure it is measured by.

    A target is set for the district (``station_id`` None) or for one station; its
    ``progress`` is the figure counted over the same scope as the target. In one
    station's report a district target has no progress (the district's figure is not
    that station's): ``part`` is the station's own figure, shown as its part."""

    metric: str
    station_id: str | None  # the target's scope: None for the district
    target: int
    progress: int | None  # the figure over the target's scope; None: see ``part``
    station_code: str | None = None  # the code of the target's station
    part: int | None = None  # a district target in a station's report: the station's figure

    @property
    def scope(self) -> str:
        """"district", or the code of the target's station."""
        return "district" if self.station_id is None else (self.station_code or
                                                            self.station_id)

    @property
    def percent(self) -> int | None:
        """Progress in percent of the target (whole percent, rounded down)."""
        if self.progress is None or not self.target:
            return None
        return self.progress * 100 // self.target

    def as_json(self) -> dict[str, Any]:
        return {"metric": self.metric, "scope": self.scope, "target": self.target,
                "progress": self.progress, "percent": self.percent,
                "station_part": self.part}


@dataclass
class Summary:
    as_of: date
    station_id: str | None
    values: dict[str, int] = field(default_factory=dict)
    paid_by_kind: dict[str, int] = field(default_factory=dict)
    # the targets of D's year: the district's and, in the district's report, every
    # station's; in a station's report its own and the district's (see TargetProgress)
    targets: list[TargetProgress] = field(default_factory=list)


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
    for metric, target_station, value, code in run("targets", station, scope.params()):
        if target_station == station_id:  # the same scope as the report's
            progress, part = summary.values.get(metric), None
        elif station_id is None:  # a station's target in the district's report
            progress = (figure_value(run, metric, Scope(as_of, target_station))
                        if metric in FIGURES else None)
            part = None
        else:  # the district's target in a station's report: only the station's part
            progress, part = None, summary.values.get(metric)
        summary.targets.append(TargetProgress(metric, target_station, int(value), progress,
                                              code, part))
    return summary


def station_codes(run: Run) -> dict[str, str]:
    """Code → id of the stations the file knows (not the district's own row)."""
    return {code: sid for sid, code, _name in run("stations", False, {})}


def station_name(run: Run, station_id: str) -> tuple[str | None, str | None]:
    """(code, name) of a station, (None, None) when the file does not hold it."""
    rows = run("station_name", True, {"station_id": station_id})
    return (rows[0][0], rows[0][1]) if rows else (None, None)


@dataclass
class RecordList:
    code: str
    columns: list[tuple[str, str]]
    rows: list[tuple[Any, ...]]
    money: tuple[int, ...] = ()  # the columns holding yuan (exact decimals)


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
    """A figure's name as people read it (a sum of money is named in yuan)."""
    zh = lang.startswith("zh")
    entry = FIGURES.get(code)
    return (entry[0] if zh else entry[1]) if entry else METRICS_EXTRA[code][0 if zh else 1]


def figure_description(code: str, lang: str = "zh", as_of: date | None = None) -> str:
    """How a figure counts, in a sentence ("" for the quota's weeks); with ``as_of`` the
    date stands where the rule says D."""
    import re

    entry = DESCRIPTIONS.get(code)
    text = (entry[0] if lang.startswith("zh") else entry[1]) if entry else ""
    if as_of is not None:
        day = as_of.isoformat()
        text = re.sub(r"(?<![A-Za-z])D(?![A-Za-z])", day, text.replace("D 日", day))
    return text


def sheet_name(code: str, lang: str = "zh") -> str:
    """A figure's sheet in a workbook: short, unique, within Excel's 31 characters."""
    return SHEET_NAMES[code][0 if lang.startswith("zh") else 1]


def target_lines(summary: Summary, lang: str = "zh") -> list[str]:
    """The targets as lines of text: figure, scope, target, progress and percent; a
    district target in a station's report says it is the district's and gives the
    station's part."""
    zh = lang.startswith("zh")
    lines = []
    for t in summary.targets:
        name = figure_label(t.metric, lang) if (t.metric in FIGURES or
                                                t.metric in METRICS_EXTRA) else t.metric
        if t.station_id is None:
            scope = "全区目标" if zh else "district target"
        else:
            scope = (f"{t.scope} 站点目标" if zh else f"{t.scope} target")
        target = figure_text(t.metric, t.target)
        if t.progress is not None:
            done = figure_text(t.metric, t.progress)
            pct = f" ({t.percent}%)" if t.percent is not None else ""
            tail = (f"完成 {done}{pct}" if zh else f"progress {done}{pct}")
        else:
            part = figure_text(t.metric, t.part or 0)
            tail = f"本站完成 {part}" if zh else f"this station's part: {part}"
        lines.append(f"{name} — {scope} {target}; {tail}" if not zh
                     else f"{name} — {scope} {target}；{tail}")
    return lines


def figure_text(code: str, value: int) -> str:
    """A figure's value as shown: money in yuan with two decimals, counts grouped."""
    if code.endswith("_fen"):
        from station_app.domain.validation import format_fen

        return format_fen(value, grouping=True)
    return f"{value:,}"
