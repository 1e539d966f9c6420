"""The clerk's to-do list (待办事项): what the work asks of a station today, in one list,
each item opening its record and each closed with an outcome.

Four kinds:

- ``follow_up`` — a visit whose follow-up is not closed: every abnormal finding of the
  last ``WARNING_DAYS`` days (each raises an early warning, 预警, until it is closed) and
  every follow-up due within ``HORIZON_DAYS``. Closed by ``close``: the day it was settled
  and what came of it (the follow-up's ``closed_date``; the outcome goes to the audit log
  — a week's sign-off covers the visit's form, not its closing, so the form is left as
  signed), or by ``revisit``: a return visit recorded in the diary (its findings are the
  outcome; it counts for the quota), which closes the follow-up on its date. Closing ends
  the early warning at the station and, once synced, at the district (both read
  ``closed_date``).
- ``review`` — an open hardship file whose annual review (年审) is due (12 months since
  the last). Closed by ``review`` (the day it was done) or, when the review finds the
  household no longer needs help, ``exit`` (脱困, a station administrator's).
- ``watch_visit`` — a watch-listed enterprise of the station's area not yet visited this
  ISO week (the quota asks one visit a week). Closed only by ``visit``: the visit is
  recorded in the diary (the client opens the visit form with the enterprise filled in).
  There is no "visited elsewhere": a visit that happened is recorded with its date, or
  the quota's figures and this list would disagree; removing an enterprise from the
  watch list is the district's decision.
- ``refused`` — a change the district refused, held at the station with its reason
  (``sync.outbound``: ``local_state`` ``sync_held``). Opened to be corrected (an edit
  sends it again by itself). Closed by ``retry`` (no longer held: the next sync, the
  automatic ones included, sends it — after the district fixed what refused it, say a
  station it did not know) or ``discard``: a record the district never accepted (its
  first version is still pending) is deleted here and never sent — by the table's own
  delete rule of the permission table (``member.delete``, ``visit.delete`` …, with its
  conditions), and only while nothing refers to it.

``todo_items`` reads; ``close_item`` writes one unit of work through the services that
own each record (``visits``, ``hardship``), which check the acting user's rights.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import delete, false, func, or_, select
from sqlalchemy.orm import Session

from station_app.domain.actor import Actor
from station_app.domain.choices import VISIT_FLAG, label
from station_app.domain.models import (
    MODEL_BY_TABLE,
    AuditRecord,
    Enterprise,
    HardshipCase,
    LocalState,
    Member,
    OutboxEntry,
    Visit,
)
from station_app.domain.services import hardship, visits
from station_app.domain.services.common import NotFound, get_or_404
from station_app.domain.validation import (
    FIELD_LABELS,
    TABLE_NOUNS,
    ErrorCollector,
    FieldError,
    Localized,
    ValidationError,
    parse_text,
    register_messages,
)
from station_app.storage.capture import utc_now_text

FOLLOW_UP, REVIEW, WATCH_VISIT, REFUSED = "follow_up", "review", "watch_visit", "refused"
KINDS = (REFUSED, FOLLOW_UP, REVIEW, WATCH_VISIT)  # the order of items due the same day
KIND_LABELS = {
    FOLLOW_UP: ("跟进", "Follow-up"),
    REVIEW: ("年审", "Annual review"),
    WATCH_VISIT: ("重点监管走访", "Watch-list visit"),
    REFUSED: ("同步被拒", "Refused by the district"),
}
# what each kind may be closed with (``close_item``'s ``outcome["action"]``)
ACTIONS = {
    FOLLOW_UP: ("close", "revisit"),
    REVIEW: ("review", "exit"),
    WATCH_VISIT: ("visit",),
    REFUSED: ("retry", "discard"),
}
ACTION_LABELS = {
    "close": ("关闭跟进", "Close the follow-up"),
    "revisit": ("登记回访", "Record a return visit"),
    "review": ("登记年审", "Record the review"),
    "exit": ("办理脱困", "Close the file (no longer in need)"),
    "visit": ("登记走访", "Record the visit"),
    "retry": ("重新发送", "Send again"),
    "discard": ("放弃这条记录", "Discard the record"),
}
HORIZON_DAYS = 7  # follow-ups due within this many days are listed
WARNING_DAYS = 90  # as visits.early_warnings: an abnormal finding warns this long
HELD_KEY = "sync_held"  # sync.outbound.HELD_KEY (a test keeps the two equal)
NOTE_MAX = 500

register_messages({
    "todo.action": (
        "“{kind}”只能这样处理：{actions}", "A “{kind}” item is closed by: {actions}",
    ),
    "todo.gone": (
        "这一项已经处理过了（或记录已不存在），请刷新待办事项",
        "This item was settled already (or its record is gone): refresh the to-do list",
    ),
    "todo.discard_accepted": (
        "区总工会已经接收过这条记录，不能在本站放弃：请改正后重新发送，或按常规删除",
        "The district accepted this record before: it cannot be discarded here — correct "
        "it and send it again, or delete it the usual way",
    ),
    "todo.discard_not_allowed": (
        "这类记录不能放弃：{what}只能更正后重新发送",
        "Records of this kind cannot be discarded: correct the {what} and send it again",
    ),
})
for _key, _labels in (("outcome", ("处理结果", "Outcome")),
                      ("closed_date", ("关闭日期", "Closed on")),
                      ("todo", ("待办事项", "To-do item"))):
    FIELD_LABELS.setdefault(_key, _labels)

# The page that shows a record of each table, and (for rows shown within another
# record) the column naming that record: the client opens it.
PAGES = {
    "members": ("members", None), "enterprises": ("enterprises", None),
    "watch_list_entries": ("enterprises", "enterprise_id"),
    "hardship_cases": ("hardship", None), "household_members": ("hardship", "case_id"),
    "ledger_entries": ("hardship", "case_id"), "visits": ("visits", None),
    "events": ("events", None), "event_members": ("events", "event_id"),
    "signoffs": ("hardship", "case_id"), "signed_reports": ("reports", None),
}
# a refused record that may be discarded: the service (module, function) that deletes a
# record of its table (with the permission table's rule for it: ``member.delete`` …)
DISCARD_WITH = {"members": ("members", "delete_member"),
                "enterprises": ("enterprises", "delete_enterprise"),
                "visits": ("visits", "delete_visit"), "events": ("events", "delete_event"),
                "household_members": ("hardship", "delete_household_member")}
TABLE_WORDS = TABLE_NOUNS


@dataclass(frozen=True)
class TodoItem:
    """One thing to do. ``page`` and ``record_id`` name what the client opens (a page's
    key and the record it shows; None when there is none to open); ``table`` and
    ``row_id`` the row the item is about; ``actions`` the outcomes ``close_item`` takes
    for it (``ACTION_LABELS`` words them)."""

    kind: str
    table: str
    row_id: str
    title: Localized
    detail: Localized
    due: date | None
    overdue: bool
    page: str | None
    record_id: str | None
    actions: tuple[str, ...]

    @property
    def key(self) -> str:
        """What identifies the item across reloads: kind, table and row."""
        return f"{self.kind}:{self.table}:{self.row_id}"

    def text(self, lang: str = "zh") -> str:
        return self.title[0 if lang.startswith("zh") else 1]

    def kind_label(self, lang: str = "zh") -> str:
        return KIND_LABELS[self.kind][0 if lang.startswith("zh") else 1]


def _flags(flags: str | None) -> Localized:
    codes = [f for f in (flags or "").split(",") if f]
    return Localized("、".join(label(VISIT_FLAG, f, "zh") for f in codes),
                     ", ".join(label(VISIT_FLAG, f, "en") for f in codes))


def todo_items(session: Session, station_id: str, today: date) -> list[TodoItem]:
    """The station's to-do list on ``today``: due first (overdue ones first of all), then
    by kind (``KINDS``) and title."""
    items = (_follow_ups(session, station_id, today) + _reviews(session, station_id, today)
             + _watch_visits(session, station_id, today) + _refused(session))
    return sorted(items, key=lambda i: (i.due or today, KINDS.index(i.kind), i.title.zh,
                                        i.row_id))


def _open_follow_ups(station_id: str, today: date):
    return (Visit.station_id == station_id, Visit.deleted == false(),
            Visit.enterprise_id.is_not(None), Visit.closed_date.is_(None),
            Visit.visit_date <= today,
            or_(Visit.follow_up_due <= today + timedelta(days=HORIZON_DAYS),
                (Visit.operating_status == "abnormal")
                & (Visit.visit_date > today - timedelta(days=WARNING_DAYS))))


def _follow_ups(session: Session, station_id: str, today: date) -> list[TodoItem]:
    rows = session.execute(
        select(Visit.id, Visit.visit_date, Visit.follow_up_due, Visit.operating_status,
               Visit.flags, Enterprise.name)
        .join(Enterprise, Enterprise.id == Visit.enterprise_id)
        .where(*_open_follow_ups(station_id, today))).all()
    out = []
    for vid, day, due, status, flags, name in rows:
        found = _flags(flags) if status == "abnormal" else Localized("", "")
        when = (Localized(f"跟进期限 {due.isoformat()}", f"due {due.isoformat()}") if due
                else Localized("未定跟进期限", "no due date set"))
        warning = Localized("（预警中）", " (early warning)") if status == "abnormal" \
            else Localized("", "")
        out.append(TodoItem(
            FOLLOW_UP, "visits", vid,
            Localized(f"跟进：{name}（{day.isoformat()} 走访）",
                      f"Follow up {name} (visited {day.isoformat()})"),
            Localized("；".join(t for t in (found.zh, when.zh + warning.zh) if t),
                      "; ".join(t for t in (found.en, when.en + warning.en) if t)),
            due, due is not None and due < today, "visits", vid, ACTIONS[FOLLOW_UP]))
    return out


def _reviews(session: Session, station_id: str, today: date) -> list[TodoItem]:
    cases = hardship.due_for_review(session, as_of=today, station_id=station_id)
    names = dict(session.execute(select(Member.id, Member.name).where(
        Member.id.in_([c.member_id for c in cases]))).all()) if cases else {}
    out = []
    for case in cases:
        last = case.last_review_date or case.registered_date
        due = _a_year_after(last) if last else None
        name = names.get(case.member_id, "")
        out.append(TodoItem(
            REVIEW, "hardship_cases", case.id,
            Localized(f"年审：{name} 的困难职工档案", f"Annual review: {name}'s hardship file"),
            Localized(f"上次年审 {last.isoformat()}" if last else "从未年审",
                      f"last reviewed {last.isoformat()}" if last else "never reviewed"),
            due, due is not None and due < today, "hardship", case.id, ACTIONS[REVIEW]))
    return out


def _a_year_after(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return d + timedelta(days=365)


def _watch_visits(session: Session, station_id: str, today: date) -> list[TodoItem]:
    iso_year, iso_week, _ = today.isocalendar()
    week = visits.weekly_compliance(session, station_id, iso_year, iso_week)
    _monday, sunday = visits.week_bounds(iso_year, iso_week)
    return [TodoItem(
        WATCH_VISIT, "enterprises", eid,
        Localized(f"本周走访重点监管企业：{name}", f"Visit {name} this week (watch list)"),
        Localized(f"第 {iso_week} 周还没有走访（每周至少一次）",
                  f"not visited yet in week {iso_week} (once a week)"),
        sunday, False, "enterprises", eid, ACTIONS[WATCH_VISIT])
        for eid, name in week.overdue_watch_listed]


def held_rows(session: Session) -> dict[str, str]:
    """The rows the district refused that are still held: "table:id" → "stamp reason"
    (``sync.outbound.held``, read in this unit of work: a held row whose change was
    edited since, or acknowledged, is no longer held)."""
    raw = session.execute(select(LocalState.value).where(LocalState.key == HELD_KEY)
                          ).scalar_one_or_none()
    try:
        stored = json.loads(raw or "{}")
    except ValueError:
        return {}
    out = {}
    for key, value in stored.items():
        table, _sep, row_id = key.partition(":")
        newest = session.execute(select(func.max(OutboxEntry.hlc)).where(
            OutboxEntry.table_name == table, OutboxEntry.row_id == row_id)).scalar_one()
        if newest is not None and newest == value.split(" ", 1)[0]:
            out[key] = value
    return out


def _write_held(session: Session, rows: dict[str, str]) -> None:
    state = session.get(LocalState, HELD_KEY)
    text = json.dumps(rows, ensure_ascii=False)
    if state is None:
        session.add(LocalState(key=HELD_KEY, value=text))
    else:
        state.value = text
    session.flush()


def _refused(session: Session) -> list[TodoItem]:
    out = []
    for key, value in held_rows(session).items():
        table, _sep, row_id = key.partition(":")
        reason = value.split(" ", 1)[1] if " " in value else ""
        en, _tab, zh = reason.partition("\t")
        model = MODEL_BY_TABLE.get(table)
        row = session.get(model, row_id) if model is not None else None
        what = Localized(*TABLE_WORDS.get(table, (table, table)))
        page, parent = PAGES.get(table, (None, None))
        record = getattr(row, parent) if row is not None and parent else row_id
        if row is None:
            page = record = None
        shown = _row_name(session, table, row)
        out.append(TodoItem(
            REFUSED, table, row_id,
            Localized(f"区总工会拒收了{what.zh}{('：' + shown) if shown else ''}",
                      f"The district refused a {what.en}{(': ' + shown) if shown else ''}"),
            Localized(zh or en, en), None, False, page, record,
            ACTIONS[REFUSED] if table in DISCARD_WITH else ("retry",)))
    return out


def _row_name(session: Session, table: str, row: Any) -> str:
    """What people recognise a row by (a name, an enterprise and a date …), or ""."""
    if row is None:
        return ""
    for attr in ("name", "title"):
        if isinstance(getattr(row, attr, None), str):
            return getattr(row, attr)
    if table == "visits" and row.enterprise_id:
        ent = session.get(Enterprise, row.enterprise_id)
        return f"{ent.name if ent else ''} {row.visit_date.isoformat()}".strip()
    member_id = getattr(row, "member_id", None)
    if member_id is None and getattr(row, "case_id", None):
        case = session.get(HardshipCase, row.case_id)
        member_id = case.member_id if case else None
    if member_id:
        member = session.get(Member, member_id)
        return member.name if member else ""
    return ""


# --------------------------------------------------------------------------- closing


def close_item(session: Session, actor: Actor, item: TodoItem, outcome: Mapping[str, Any]
               ) -> Any:
    """Close one item with an outcome — ``outcome["action"]``, one of the item's
    ``actions``, and its data:

    - ``close`` (follow-up): ``note`` (what came of it, optional as in the visit
      diary), ``on`` (the day it was settled; today when left out) → the visit;
    - ``revisit`` (follow-up): ``visit``, the return visit's form (the enterprise is the
      item's) → the ``VisitResult`` of the return visit; the follow-up closes on its date;
    - ``review``: ``on`` (today when left out), ``note`` (optional) → the file;
    - ``exit``: ``on``, ``reason`` → the file, closed as 脱困 (a station admin's);
    - ``visit`` (watch-list): ``visit``, the visit's form (the enterprise is the item's)
      → the ``VisitResult``;
    - ``retry`` (refused): no data → None; ``discard``: no data → the tombstoned record.

    One unit of work, that of ``actor`` (``Database.session(actor)``); the services of
    each record check the actor's rights. An item settled meanwhile is refused
    (``todo.gone``)."""
    if session.info.get("actor") != actor:
        raise ValueError("close_item runs in the unit of work of the actor it names")
    action = outcome.get("action")
    if action not in item.actions:
        raise ValidationError([FieldError("outcome", "todo.action", {
            "kind": Localized(*KIND_LABELS[item.kind]),
            "actions": Localized("、".join(ACTION_LABELS[a][0] for a in item.actions),
                                 ", ".join(ACTION_LABELS[a][1] for a in item.actions))})])
    if item.kind == FOLLOW_UP:
        return _close_follow_up(session, item, action, outcome)
    if item.kind == REVIEW:
        return _close_review(session, item, action, outcome)
    if item.kind == WATCH_VISIT:
        return _record_watch_visit(session, item, outcome)
    return _settle_refused(session, item, action)


def _gone() -> ValidationError:
    return ValidationError([FieldError("todo", "todo.gone")])


def _note(outcome: Mapping[str, Any]) -> str | None:
    c = ErrorCollector()
    note = c.check("outcome", parse_text, outcome.get("note"), field="outcome",
                   max_len=NOTE_MAX)
    c.raise_if_any()
    return note


def _audit_outcome(session: Session, action: str, table: str, row_id: str,
                   detail: Mapping[str, Any]) -> None:
    """The outcome in the audit log, beside the change the service made."""
    actor = session.info.get("actor")
    session.add(AuditRecord(at=utc_now_text(), actor=actor.username if actor else "",
                            action=action, table_name=table, row_id=row_id,
                            detail=json.dumps(dict(detail), ensure_ascii=False,
                                              default=str)))


def _open_visit(session: Session, item: TodoItem) -> Visit:
    try:
        visit = get_or_404(session, Visit, item.row_id, "visit")
    except NotFound:
        raise _gone() from None
    if visit.closed_date is not None:
        raise _gone()
    return visit


def _close_follow_up(session: Session, item: TodoItem, action: str,
                     outcome: Mapping[str, Any]) -> Any:
    visit = _open_visit(session, item)
    if action == "revisit":
        data = dict(outcome.get("visit") or {})
        data["enterprise_id"] = visit.enterprise_id
        result = visits.record_visit(session, data)
        visits.close_follow_up(session, visit.id, result.visit.visit_date,
                               revisit_id=result.visit.id)
        return result
    # the same as the visit diary's 关闭跟进: the day (today unless told), the outcome
    # optional; one audit entry with the outcome (``visits.close_follow_up``)
    return visits.close_follow_up(session, visit.id, outcome.get("on") or None,
                                  note=outcome.get("note"))


def _close_review(session: Session, item: TodoItem, action: str,
                  outcome: Mapping[str, Any]) -> HardshipCase:
    try:
        case = get_or_404(session, HardshipCase, item.row_id, "case")
    except NotFound:
        raise _gone() from None
    if case.status != "open":
        raise _gone()
    if action == "exit":
        return hardship.exit_case(session, case.id, outcome.get("on") or date.today(),
                                  outcome.get("reason"))
    note = _note(outcome)
    case = hardship.record_review(session, case.id, outcome.get("on"))
    if note:
        _audit_outcome(session, "review-note", "hardship_cases", case.id, {"outcome": note})
    return case


def _record_watch_visit(session: Session, item: TodoItem, outcome: Mapping[str, Any]):
    data = dict(outcome.get("visit") or {})
    data["enterprise_id"] = item.row_id
    data.setdefault("kind", "watch")
    return visits.record_visit(session, data)


def _settle_refused(session: Session, item: TodoItem, action: str) -> Any:
    held = held_rows(session)
    key = f"{item.table}:{item.row_id}"
    if key not in held:
        raise _gone()
    if action == "retry":
        reason = held.pop(key)
        _write_held(session, held)
        _audit_outcome(session, "sync-retry", item.table, item.row_id,
                       {"reason": reason.split(" ", 1)[-1]})
        return None
    return _discard(session, item, held)


def _discard(session: Session, item: TodoItem, held: dict[str, str]) -> Any:
    import importlib

    what = Localized(*TABLE_WORDS.get(item.table, (item.table, item.table)))
    deleter = DISCARD_WITH.get(item.table)
    if deleter is None:
        raise ValidationError([FieldError("todo", "todo.discard_not_allowed", {"what": what})])
    row = session.get(MODEL_BY_TABLE[item.table], item.row_id)
    if row is None or row.deleted:
        raise _gone()
    first = session.execute(
        select(OutboxEntry.base_hlc).where(OutboxEntry.table_name == item.table,
                                           OutboxEntry.row_id == item.row_id)
        .order_by(OutboxEntry.seq).limit(1)).first()
    if first is None or first[0] is not None:
        # the district holds an earlier version: deleting it there is an ordinary delete
        raise ValidationError([FieldError("todo", "todo.discard_accepted")])
    module, function = deleter
    service = importlib.import_module(f"station_app.domain.services.{module}")
    # the record's own delete: its rights (the permission table's rule for the table,
    # with its conditions), what refers to it, a sign-off it voids — a tombstone
    gone = getattr(service, function)(session, item.row_id)
    session.flush()
    # never sent: the district never had the record, so its tombstone stays here too
    session.execute(delete(OutboxEntry).where(OutboxEntry.table_name == item.table,
                                              OutboxEntry.row_id == item.row_id))
    del held[f"{item.table}:{item.row_id}"]
    _write_held(session, held)
    _audit_outcome(session, "sync-discard", item.table, item.row_id, {})
    return gone


__all__ = ["ACTIONS", "ACTION_LABELS", "KINDS", "KIND_LABELS", "TodoItem", "close_item",
           "held_rows", "todo_items"]
