"""The visit diary (走访日志), the weekly quota (走访日志制度) and the district's station
visits (站点调研).

Each station records at least ``WEEKLY_QUOTA`` enterprise visits per ISO week, and every
watch-listed enterprise is visited at least once per ISO week. An abnormal finding
raises an early warning (预警) and proposes listing the enterprise.

A station visit (kind ``station``, ``target_station_id``) is the district's work: only a
district administrator records one, and only in the district database (a station's
file refuses the kind whoever asks, so such a row is never born at a station).

Every visit can be corrected (``update_visit``: any field of the visit form, validated
as on creation) and deleted (``delete_visit``: a tombstone, which sync carries and which
counts for nothing). Who may: for an enterprise visit, the users (clerk and up) of the
station that owns it, in its own file; for a station visit, a district administrator
at the district. Both are audited by the capture hook like every write.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, false, func, select
from sqlalchemy.orm import Session

from station_app.domain.choices import OPERATING_STATUS, VISIT_FLAG, VISIT_KIND
from station_app.domain.figures import WEEKLY_QUOTA
from station_app.domain.models import AuditRecord, Enterprise, SignOff, Station, Visit
from station_app.domain.services import corrections
from station_app.domain.services.common import get_or_404, today
from station_app.domain.services.corrections import SignoffView, facts_of, permit
from station_app.domain.services.enterprises import is_watch_listed, watch_listed_ids
from station_app.domain.validation import (
    FIELD_LABELS,
    ErrorCollector,
    FieldError,
    Localized,
    ValidationError,
    is_blank,
    normalize_text,
    parse_choice,
    parse_date,
    parse_int,
    parse_text,
    register_messages,
)
from station_app.storage.capture import utc_now_text

FOLLOW_UP_NOTE_MAX = 500  # what came of a follow-up, as the to-do list's outcome

register_messages({
    "visit.closed_before_visit": (
        "关闭日期不能早于走访日期 {visit_date}",
        "The follow-up cannot be closed before the visit ({visit_date})",
    ),
    "visit.same_day": (
        "{enterprise}在 {date} 已有 {count} 条走访记录：是同一次走访就不必再记；确实又走访了"
        "一次，请确认后再保存",
        "{enterprise} already has {count} visit(s) recorded on {date}: the same visit "
        "needs no second record; if it was visited again, confirm and save",
    ),
    "visit.station_at_district": (
        "站点调研是区总工会的工作，只能在区总工会数据库中登记（区级视图的“站点调研”页面，或 "
        "district-server visit add）；社区工联会的数据库不能登记",
        "A station visit (站点调研) is the district office's work: record it in the "
        "district database (the district view's Station visits page, or district-server "
        "visit add); a station's database cannot hold one",
    ),
    "visit.station_required": (
        "请选择调研的社区工联会", "Choose the station visited",
    ),
    "visit.not_owner": (
        "这条走访记录属于站点 {station}，只能由该站点的工作人员在本站修改或删除",
        "This visit belongs to station {station}: only that station's users may correct or "
        "delete it, in its own file",
    ),
    "visit.target_kind_change": (
        "不能把站点调研改成企业走访（或反过来）：请删除这条记录后重新登记",
        "A station visit cannot become an enterprise visit (or the other way round): delete "
        "this one and record the visit anew",
    ),
})

for _field, _labels in (("visit", ("走访记录", "Visit")),
                        ("findings", ("走访情况", "Findings")),
                        ("actions", ("处理措施", "Actions")),
                        ("follow_up_due", ("跟进期限", "Follow-up due"))):
    FIELD_LABELS.setdefault(_field, _labels)  # (the import's labels are the same)

# The fields of the visit form: what ``update_visit`` may change.
FORM_FIELDS = ("visit_date", "kind", "enterprise_id", "target_station_id", "visitors",
               "workers_served", "operating_status", "flags", "workers_involved",
               "findings", "actions", "follow_up_due")


def week_bounds(iso_year: int, iso_week: int) -> tuple[date, date]:
    monday = date.fromisocalendar(iso_year, iso_week, 1)
    return monday, monday + timedelta(days=6)


@dataclass
class VisitResult:
    visit: Visit
    # When the finding is abnormal and the enterprise is not yet on the watch list: a
    # proposal the UI offers (list it, with this reason). None otherwise.
    propose_listing: str | None = None
    warnings: list[str] = field(default_factory=list)


def clean_visit(data: Mapping[str, Any]) -> dict[str, Any]:
    c = ErrorCollector()
    v: dict[str, Any] = {}
    v["visit_date"] = c.check("visit_date", parse_date, data.get("visit_date"),
                              field="visit_date", not_future=True)
    v["kind"] = c.check("kind", parse_choice, data.get("kind") or "routine", field="kind",
                        choices=VISIT_KIND)
    v["enterprise_id"] = data.get("enterprise_id") or None
    v["target_station_id"] = data.get("target_station_id") or None
    if v["kind"] == "station":
        if v["enterprise_id"]:
            c.add("target", "visit.station_kind")
        elif not v["target_station_id"]:
            c.add("target", "visit.station_required")
    elif v["kind"] and (not v["enterprise_id"] or v["target_station_id"]):
        c.add("enterprise", "visit.target_required")
    v["visitors"] = c.check("visitors", parse_text, data.get("visitors"), field="visitors",
                            required=True, max_len=200)
    v["workers_served"] = 0 if is_blank(data.get("workers_served")) else c.check(
        "workers_served", parse_int, data.get("workers_served"), field="workers_served",
        min_value=0, max_value=100_000)
    v["operating_status"] = c.check(
        "operating_status", parse_choice, data.get("operating_status") or "normal",
        field="operating_status", choices=OPERATING_STATUS)
    flags_raw = data.get("flags") or []
    if isinstance(flags_raw, str):
        flags_raw = [f for f in normalize_text(flags_raw).replace("，", ",").replace("、", ",")
                     .split(",") if f.strip()]
    flags = []
    for f in flags_raw:
        code = c.check("flags", parse_choice, f.strip(), field="flags", choices=VISIT_FLAG)
        if code and code not in flags:
            flags.append(code)
    if v["operating_status"] == "abnormal" and not flags:
        c.add("flags", "visit.flags_required")
    v["flags"] = ",".join(flags) or None
    v["workers_involved"] = None if is_blank(data.get("workers_involved")) else c.check(
        "workers_involved", parse_int, data.get("workers_involved"), field="workers_involved",
        min_value=0, max_value=1_000_000)
    if v["kind"] == "dispute" and not v["workers_served"] and v["workers_involved"]:
        # SPEC: on a 劳资纠纷处置 visit the diary's 涉及职工人数 is the workers served
        # (the form, the import and the figure agree; a number typed as served wins)
        v["workers_served"] = v["workers_involved"]
    for key in ("findings", "actions"):
        v[key] = c.check(key, parse_text, data.get(key), field=key, max_len=4000)
    v["follow_up_due"] = None if is_blank(data.get("follow_up_due")) else c.check(
        "follow_up_due", parse_date, data.get("follow_up_due"), field="follow_up_due")
    if v["follow_up_due"] and v["visit_date"] and v["follow_up_due"] < v["visit_date"]:
        c.add("follow_up_due", "date.before", other=v["visit_date"].isoformat())
    c.raise_if_any()
    return v


def at_district(session: Session) -> bool:
    """Whether this unit of work writes the district database."""
    ctx = session.info.get("ctx")
    return bool(ctx is not None and ctx.district)


def _require_district(session: Session, action: str) -> None:
    """Station visits: the district database, and a district administrator."""
    if not at_district(session):
        raise ValidationError([FieldError("kind", "visit.station_at_district")])
    permit(session, action)


def _check_target(session: Session, v: Mapping[str, Any]) -> None:
    if v["kind"] == "station":
        get_or_404(session, Station, v["target_station_id"], "target")
    else:
        get_or_404(session, Enterprise, v["enterprise_id"], "enterprise")


def _proposal(session: Session, visit: Visit) -> str | None:
    """An abnormal finding at an enterprise not on the watch list: the flags, to list it."""
    if visit.operating_status == "abnormal" and visit.enterprise_id:
        if not is_watch_listed(session, visit.enterprise_id):
            from station_app.domain.choices import label

            return "、".join(label(VISIT_FLAG, f) for f in (visit.flags or "").split(","))
    return None


def same_day_visits(session: Session, enterprise_id: str, day: date) -> int:
    """How many visits (not deleted) this station has recorded to the enterprise on
    that day."""
    return int(session.execute(
        select(func.count()).select_from(Visit).where(
            Visit.enterprise_id == enterprise_id, Visit.visit_date == day,
            Visit.station_id == session.info["ctx"].station_id,
            Visit.deleted == false())).scalar_one() or 0)


def record_visit(session: Session, data: Mapping[str, Any], *,
                 check_same_day: bool = False) -> VisitResult:
    """Record a visit. Station visits (站点调研) are district work, at the district.

    ``check_same_day`` (the diary's form): a visit to an enterprise that already has one
    recorded that day is refused with ``visit.same_day`` on the enterprise — most often
    the same visit saved twice, and every visit counts for the weekly quota (SPEC: at
    least 2 enterprise visits per ISO week, visits not distinct enterprises). The form
    asks, and a deliberate second visit is saved again without the check."""
    v = clean_visit(data)
    if v["kind"] == "station":
        _require_district(session, "station_visit.record")
    else:
        permit(session, "visit.create")
    _check_target(session, v)
    if check_same_day and v["kind"] != "station" and v.get("enterprise_id"):
        n = same_day_visits(session, v["enterprise_id"], v["visit_date"])
        if n:
            name = session.get(Enterprise, v["enterprise_id"]).name
            raise ValidationError(FieldError("enterprise", "visit.same_day", {
                "enterprise": name, "date": v["visit_date"].isoformat(), "count": n}))
    signed = [] if v["kind"] == "station" or at_district(session) else _signed_weeks(
        session, session.info["ctx"].station_id, [v["visit_date"]])
    visit = Visit(**v)
    session.add(visit)
    session.flush()
    # a visit added to a week signed off: the week is no longer as signed
    corrections.void_signoffs(session, signed, Localized(
        f"签署后补录了 {visit.visit_date.isoformat()} 的走访",
        f"a visit of {visit.visit_date.isoformat()} was added after signing"))
    return VisitResult(visit, _proposal(session, visit))


def _signed_weeks(session: Session, station_id: str, days: list[date | None]
                  ) -> list[SignoffView]:
    """The sign-offs in force over the ISO weeks of these days (a station's), before a
    change: the change then voids them (``corrections.void_signoffs``)."""
    weeks = sorted({d.isocalendar()[:2] for d in days if d is not None})
    views = [corrections.week_signoff_in_force(session, station_id, y, w) for y, w in weeks]
    return [v for v in views if v is not None]


def _editable(session: Session, visit_id: str, action: str) -> tuple[Visit, bool]:
    """The visit, once the acting user may correct or delete it (the permission table:
    ``visit.edit`` / ``visit.delete`` — the station's own, by the clerk who entered it
    the same week or a station admin, after the week's sign-off a station admin only —
    or, for a station visit, ``station_visit.*``); and whether the change voids the
    week's sign-off."""
    visit = get_or_404(session, Visit, visit_id, "visit")
    if visit.kind == "station":
        _require_district(session, f"station_{action}")
        return visit, False
    permit(session, action)
    decision = permit(session, action, facts_of(session, "visits", visit))
    return visit, decision.voids


def visit_values(visit: Visit) -> dict[str, Any]:
    """A visit as the data of the visit form (what ``update_visit`` takes)."""
    values = {k: getattr(visit, k) for k in FORM_FIELDS}
    values["flags"] = [f for f in (visit.flags or "").split(",") if f]
    return values


def update_visit(session: Session, visit_id: str, data: Mapping[str, Any]) -> VisitResult:
    """Correct a visit: the fields given in ``data`` (any of ``FORM_FIELDS``) replace the
    stored ones, and the whole visit is validated as on creation; only what differs is
    written (and audited). Station visits stay station visits, enterprise visits stay
    enterprise visits."""
    visit, voids = _editable(session, visit_id, "visit.edit")
    merged = visit_values(visit)
    merged.update({k: v for k, v in data.items() if k in FORM_FIELDS})
    v = clean_visit(merged)
    if (v["kind"] == "station") != (visit.kind == "station"):
        raise ValidationError([FieldError("kind", "visit.target_kind_change")])
    _check_target(session, v)
    changed = [key for key, value in v.items() if getattr(visit, key) != value]
    before = visit.visit_date
    # a signed week changed (an admin's correction, ``voids``): its sign-off is void —
    # both weeks when the visit moved from one to another
    signed = _signed_weeks(session, visit.station_id, [before, v["visit_date"]]) \
        if changed and visit.kind != "station" else []
    for key in changed:
        setattr(visit, key, v[key])
    session.flush()
    fields = corrections.changed_fields(changed)
    corrections.void_signoffs(session, signed, Localized(
        f"修改了 {before.isoformat()} 的走访：{fields.zh}",
        f"the visit of {before.isoformat()} was corrected: {fields.en}"))
    return VisitResult(visit, _proposal(session, visit))


def delete_visit(session: Session, visit_id: str) -> Visit:
    """Delete a visit recorded by mistake: a tombstone (``deleted``), which sync carries;
    it then counts for nothing (quota, figures, warnings)."""
    visit, _voids = _editable(session, visit_id, "visit.delete")
    signed = [] if visit.kind == "station" else _signed_weeks(
        session, visit.station_id, [visit.visit_date])
    session.delete(visit)
    session.flush()
    corrections.void_signoffs(session, signed, Localized(
        f"删除了 {visit.visit_date.isoformat()} 的走访",
        f"the visit of {visit.visit_date.isoformat()} was deleted"))
    return visit


# --------------------------------------------------------------------------- week sign-off


def sign_week(session: Session, iso_year: Any, iso_week: Any, *, on: Any = None,
              note: Any = None) -> SignoffView:
    """The station head signs off a week's visit diary (ISO year and week): a sign-off of
    the station's enterprise visits of that week as they are now, by the acting user (a
    station admin, logged in), dated ``on`` (default today; not in the future, not before
    the week began). A later change to one of those visits (a station admin's), or a
    visit added to that week, voids it; a week signed and unchanged is refused."""
    permit(session, "visit_week.sign")
    who, name = corrections.signer(session)
    year, week, monday = clean_week(iso_year, iso_week)
    day = corrections.clean_sign_date(on)
    text = corrections.clean_note(note)
    if day < monday:
        raise ValidationError([FieldError("signed_date", "signoff.before_week",
                                          {"monday": monday.isoformat()})])
    station_id = session.info["ctx"].station_id
    current = corrections.week_signoffs(session, station_id, year, week)
    if current and current[0].in_force:
        raise ValidationError([FieldError("signoff", "signoff.already", {
            "signed_by": current[0].signed_by_name,
            "signed_on": current[0].signed_date.isoformat()})])
    session.add(SignOff(kind="visit_week", iso_year=year, iso_week=week, signed_by=who,
                        signed_by_name=name, signed_date=day,
                        signed_at=corrections.utc_now(), note=text,
                        content=corrections.canonical(
                            corrections.week_content(session, station_id, year, week))))
    session.flush()
    return corrections.week_signoffs(session, station_id, year, week)[0]


def clean_week(iso_year: Any, iso_week: Any) -> tuple[int, int, date]:
    """An ISO year and week that exist and have begun: (year, week, its Monday)."""
    c = ErrorCollector()
    year = c.check("iso_year", parse_int, iso_year, field="iso_year", min_value=2000,
                   max_value=2100)
    week = c.check("iso_week", parse_int, iso_week, field="iso_week", min_value=1,
                   max_value=53)
    c.raise_if_any()
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError:
        raise ValidationError([FieldError("iso_week", "signoff.week_invalid",
                                          {"year": year, "week": week})]) from None
    if monday > today():
        raise ValidationError([FieldError("iso_week", "signoff.week_future",
                                          {"year": year, "week": week})])
    return year, week, monday


def week_signoffs(session: Session, iso_year: int, iso_week: int,
                  station_id: str | None = None) -> tuple[SignoffView, ...]:
    """The sign-offs of a week's visits (this station's, or ``station_id``'s), newest
    first, each with who, when and whether it is in force (voided with who, when and
    why; or changed since: what changed)."""
    station = station_id or corrections.own_station(session)
    return corrections.week_signoffs(session, station, iso_year, iso_week)


def signed_weeks(session: Session, *, year: int | None = None,
                 station_id: str | None = None) -> list[SignoffView]:
    """The newest sign-off of every week signed (of an ISO year, or all), newest week
    first: what a list of the weeks shows."""
    station = station_id or corrections.own_station(session)
    q = (select(SignOff.iso_year, SignOff.iso_week).distinct()
         .where(SignOff.kind == "visit_week", SignOff.station_id == station,
                SignOff.deleted == false()))
    if year is not None:
        q = q.where(SignOff.iso_year == year)
    weeks = sorted(session.execute(q).all(), reverse=True)
    return [corrections.week_signoffs(session, station, y, w)[0] for y, w in weeks]


# --------------------------------------------------------------------------- station visits


@dataclass(frozen=True)
class StationVisitRow:
    """One 站点调研 as the district lists it."""

    id: str
    visit_date: date
    station_id: str
    station_code: str
    station_name: str
    is_key: bool
    visitors: str
    findings: str | None
    actions: str | None
    follow_up_due: date | None


def station_visits(session: Session, *, year: int | None = None,
                   station_id: str | None = None) -> list[StationVisitRow]:
    """The district's station visits (newest first), of a calendar year and/or one
    station; tombstoned ones left out."""
    q = (select(Visit.id, Visit.visit_date, Station.id, Station.code, Station.name,
                Station.is_key, Visit.visitors, Visit.findings, Visit.actions,
                Visit.follow_up_due)
         .join(Station, Station.id == Visit.target_station_id)
         .where(Visit.kind == "station", Visit.deleted == false()))
    if year is not None:
        q = q.where(Visit.visit_date >= date(year, 1, 1), Visit.visit_date <= date(year, 12, 31))
    if station_id is not None:
        q = q.where(Visit.target_station_id == station_id)
    q = q.order_by(Visit.visit_date.desc(), Station.code, Visit.id)
    return [StationVisitRow(*row) for row in session.execute(q)]


def get_visit(session: Session, visit_id: str) -> Visit:
    return get_or_404(session, Visit, visit_id, "visit")


def close_follow_up(session: Session, visit_id: str, on: Any = None, *,
                    note: Any = None, revisit_id: str | None = None) -> Visit:
    """Close a visit's follow-up on the day it was settled (``on``; today when left
    out; not before the visit, not in the future), with what came of it (``note``,
    optional) or the return visit that settled it (``revisit_id``). The one way both the
    visit diary and the to-do list close one: the outcome is optional in both (SPEC asks
    a follow-up's due date and closure, not a report), and the audit log has one entry
    for it, ``follow-up-closed`` with the outcome, beside the row's change."""
    permit(session, "visit.close_follow_up")
    visit = get_or_404(session, Visit, visit_id, "visit")
    c = ErrorCollector()
    when = c.check("closed_date", parse_date, today() if on is None else on,
                   field="closed_date", not_future=True)
    text = c.check("outcome", parse_text, note, field="outcome",
                   max_len=FOLLOW_UP_NOTE_MAX)
    if when is not None and visit.visit_date is not None and when < visit.visit_date:
        c.add("closed_date", "visit.closed_before_visit",
              visit_date=visit.visit_date.isoformat())
    c.raise_if_any()
    visit.closed_date = when
    session.flush()
    actor = session.info.get("actor")
    session.add(AuditRecord(
        at=utc_now_text(), actor=actor.username if actor else "",
        action="follow-up-closed", table_name="visits", row_id=visit.id,
        detail=json.dumps({"revisit": revisit_id} if revisit_id else {"outcome": text},
                          ensure_ascii=False)))
    return visit


@dataclass(frozen=True)
class Compliance:
    iso_year: int
    iso_week: int
    visits: int
    required: int
    # watch-listed enterprises (id, name) not visited in the week
    overdue_watch_listed: tuple[tuple[str, str], ...]

    @property
    def shortfall(self) -> int:
        return max(0, self.required - self.visits)

    @property
    def met(self) -> bool:
        return self.shortfall == 0 and not self.overdue_watch_listed


def weekly_compliance(session: Session, station_id: str, iso_year: int, iso_week: int
                      ) -> Compliance:
    """The quota for one station and ISO week: visits vs 2, watch-listed not visited."""
    start, end = week_bounds(iso_year, iso_week)
    in_week = and_(
        Visit.station_id == station_id, Visit.deleted == false(),
        Visit.enterprise_id.is_not(None), Visit.visit_date >= start, Visit.visit_date <= end,
    )
    count = session.execute(select(func.count()).select_from(Visit).where(in_week)).scalar_one()
    visited = select(Visit.enterprise_id).where(in_week)
    listed = watch_listed_ids(end).subquery()
    overdue = session.execute(
        select(Enterprise.id, Enterprise.name)
        .join(listed, listed.c.enterprise_id == Enterprise.id)
        .where(
            Enterprise.deleted == false(),
            func.coalesce(Enterprise.area_station_id, Enterprise.station_id) == station_id,
            Enterprise.id.not_in(visited),
        )
        .order_by(Enterprise.name)
    ).all()
    return Compliance(iso_year, iso_week, count, WEEKLY_QUOTA, tuple((i, n) for i, n in overdue))


def this_week(on: date | None = None) -> tuple[int, int]:
    y, w, _ = (on or today()).isocalendar()
    return y, w


@dataclass(frozen=True)
class EarlyWarning:
    enterprise_id: str
    enterprise_name: str
    reason: str  # "abnormal" or "watch_unvisited"
    since: date | None
    flags: str | None


def early_warnings(session: Session, *, station_id: str | None = None,
                   as_of: date | None = None, days: int = 90) -> list[EarlyWarning]:
    """预警: enterprises with an abnormal finding in the last ``days`` whose follow-up is
    not closed, and watch-listed enterprises not visited in the ISO week of ``as_of``."""
    as_of = as_of or today()
    out: list[EarlyWarning] = []
    q = (
        select(Enterprise.id, Enterprise.name, func.max(Visit.visit_date), func.max(Visit.flags))
        .join(Visit, Visit.enterprise_id == Enterprise.id)
        .where(
            Visit.deleted == false(), Visit.operating_status == "abnormal",
            Visit.closed_date.is_(None), Visit.visit_date > as_of - timedelta(days=days),
            Visit.visit_date <= as_of,
        )
        .group_by(Enterprise.id, Enterprise.name)
    )
    if station_id:
        q = q.where(Visit.station_id == station_id)
    out += [EarlyWarning(i, n, "abnormal", d, f) for i, n, d, f in session.execute(q)]
    monday = as_of - timedelta(days=as_of.weekday())
    listed = watch_listed_ids(as_of).subquery()
    visited = select(Visit.enterprise_id).where(
        Visit.deleted == false(), Visit.visit_date >= monday, Visit.visit_date <= as_of,
        Visit.enterprise_id.is_not(None))
    q2 = (
        select(Enterprise.id, Enterprise.name)
        .join(listed, listed.c.enterprise_id == Enterprise.id)
        .where(Enterprise.deleted == false(), Enterprise.id.not_in(visited))
    )
    if station_id:
        q2 = q2.where(func.coalesce(Enterprise.area_station_id, Enterprise.station_id)
                      == station_id)
    out += [EarlyWarning(i, n, "watch_unvisited", monday, None) for i, n in session.execute(q2)]
    return out


def visits_in_week(session: Session, station_id: str, iso_year: int, iso_week: int
                   ) -> list[Visit]:
    start, end = week_bounds(iso_year, iso_week)
    return list(session.execute(
        select(Visit).where(Visit.station_id == station_id, Visit.deleted == false(),
                            Visit.visit_date >= start, Visit.visit_date <= end)
        .order_by(Visit.visit_date, Visit.hlc)).scalars())
