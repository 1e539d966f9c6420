"""Enterprises (企业) and the labour-risk watch list (劳资隐患重点监管), kept as a history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from station_app.domain.choices import WATCH_ACTION
from station_app.domain.ids import DISTRICT_OWNER_ID, enterprise_id_for
from station_app.domain.models import Enterprise, WatchListEntry
from station_app.domain.services.common import NotFound, get_or_404, today
from station_app.domain.services.corrections import permit
from station_app.domain.services.members import BulkResult
from station_app.domain.validation import (
    ErrorCollector,
    FieldError,
    Localized,
    ValidationError,
    is_blank,
    normalize_text,
    parse_bool,
    parse_credit_code,
    parse_date,
    parse_int,
    parse_phone,
    parse_text,
    register_messages,
)
from station_app.storage.capture import bulk_insert

register_messages({
    "enterprise.none_for_code": (
        "本数据库中没有统一社会信用代码为 {code} 的企业：请核对代码，或用 station-admin "
        "enterprise find 查找",
        "no enterprise with the credit code {code} in this database: check the code, or "
        "look for it with station-admin enterprise find",
    ),
    "enterprise.several_for_code": (
        "统一社会信用代码 {code} 有 {count} 家企业：{rows}。请改用其中一家的编号",
        "the credit code {code} has {count} enterprises: {rows}. Give the id of one of "
        "them instead",
    ),
    "watch.before_latest": (
        "日期不能早于该企业在名单上的最近一次变动（{date} {action}）：名单按日期记录先后",
        "The date cannot be before the enterprise's latest watch-list change ({date}, "
        "{action}): the list is a history in date order",
    ),
})

EDITABLE = (
    "name", "credit_code", "address", "industry", "headcount", "union_established",
    "union_chair", "contact_phone", "area_station_id", "notes",
)



def clean_enterprise(data: Mapping[str, Any]) -> dict[str, Any]:
    c = ErrorCollector()
    v: dict[str, Any] = {}
    v["name"] = c.check(
        "enterprise_name", parse_text, data.get("name"), field="enterprise_name",
        required=True, max_len=200, half_width=True,
    )
    v["credit_code"] = None if is_blank(data.get("credit_code")) else c.check(
        "credit_code", parse_credit_code, data.get("credit_code")
    )
    v["address"] = c.check("address", parse_text, data.get("address"), field="address", max_len=300)
    v["industry"] = c.check("industry", parse_text, data.get("industry"), field="industry", max_len=100)
    v["headcount"] = c.check(
        "employee_count", parse_int, data.get("headcount"), field="employee_count",
        min_value=0, max_value=1_000_000, required=False,
    )
    ue = data.get("union_established")
    v["union_established"] = False if is_blank(ue) else c.check(
        "union_established", parse_bool, ue, field="union_established"
    )
    v["union_chair"] = c.check(
        "union_chair", parse_text, data.get("union_chair"), field="union_chair", max_len=50
    )
    v["contact_phone"] = None if is_blank(data.get("contact_phone")) else c.check(
        "contact_phone", parse_phone, data.get("contact_phone")
    )
    v["area_station_id"] = data.get("area_station_id") or None
    v["notes"] = c.check("notes", parse_text, data.get("notes"), field="notes", max_len=2000)
    c.raise_if_any()
    return v


def register_enterprise(session: Session, data: Mapping[str, Any]) -> Enterprise:
    """Register an enterprise. With a credit code its id is derived from the code, so two
    stations registering it offline make one row; a code already here is an error."""
    permit(session, "enterprise.create")
    v = clean_enterprise(data)
    if v["credit_code"]:
        existing = session.get(Enterprise, enterprise_id_for(v["credit_code"]))
        if existing is None:
            existing = session.execute(
                select(Enterprise).where(Enterprise.credit_code == v["credit_code"])
            ).scalar_one_or_none()
        if existing is not None:
            raise ValidationError(
                [FieldError("credit_code", "enterprise.duplicate_code", {"name": existing.name})]
            )
        v["id"] = enterprise_id_for(v["credit_code"])
    v["area_station_id"] = v["area_station_id"] or session.info["ctx"].station_id
    ent = Enterprise(**v)
    session.add(ent)
    session.flush()
    return ent


def bulk_register_enterprises(
    session: Session, rows: Iterable[Mapping[str, Any]], *, skip_existing: bool = False,
) -> BulkResult:
    """Register many enterprises with the same validation as ``register_enterprise``.

    An enterprise is the same as one already registered when its credit code is, or —
    without a code — when its name is (a code-less row is also the same as a registered
    one of that name, whatever its code). Those are rejected as duplicates, or with
    ``skip_existing`` left out silently and listed in ``skipped`` (a re-import of the
    same sheet adds nothing twice). Twice in ``rows`` is always an error.
    """
    permit(session, "enterprise.create")
    station_id = session.info["ctx"].station_id
    result = BulkResult()
    cleaned: list[tuple[int, dict[str, Any]]] = []
    for idx, data in enumerate(rows):
        try:
            cleaned.append((idx, clean_enterprise(data)))
        except ValidationError as exc:
            result.rejected.append((idx, exc))
    codes = sorted({v["credit_code"] for _, v in cleaned if v["credit_code"]})
    names = sorted({v["name"] for _, v in cleaned})
    by_code: dict[str, str] = {}
    by_name: dict[str, str | None] = {}  # name -> its credit code (None: none)
    for i in range(0, len(codes), 900):
        by_code.update(session.execute(
            select(Enterprise.credit_code, Enterprise.name)
            .where(Enterprise.credit_code.in_(codes[i:i + 900]))).all())
    for i in range(0, len(names), 900):
        for name, code in session.execute(
                select(Enterprise.name, Enterprise.credit_code)
                .where(Enterprise.name.in_(names[i:i + 900]), Enterprise.deleted == false())):
            if name not in by_name or code is None:
                by_name[name] = code
    seen_code: dict[str, int] = {}
    seen_name: dict[str, int] = {}
    fresh: list[dict[str, Any]] = []
    for idx, v in cleaned:
        code, name = v["credit_code"], v["name"]
        first = seen_code.get(code) if code else seen_name.get(name)
        if first is not None:
            result.rejected.append((idx, ValidationError([FieldError(
                "credit_code" if code else "enterprise_name", "enterprise.duplicate_in_file",
                {"row": first + 1})])))
            continue
        if code:
            seen_code[code] = idx
        seen_name.setdefault(name, idx)
        if code and code in by_code:
            existing = by_code[code]
        elif name in by_name and (not code or by_name[name] is None):
            existing = name
        else:
            existing = None
        if existing is not None:
            if skip_existing:
                result.skipped.append(idx)
            else:
                result.rejected.append((idx, ValidationError([FieldError(
                    "credit_code" if code else "enterprise_name", "enterprise.duplicate_code"
                    if code else "enterprise.duplicate_name", {"name": existing})])))
            continue
        if code:
            v["id"] = enterprise_id_for(code)
        v["area_station_id"] = v["area_station_id"] or station_id
        fresh.append(v)
    result.inserted.extend(bulk_insert(session, Enterprise, fresh))
    return result


def find_enterprise(session: Session, key: Any) -> Enterprise:
    """An enterprise a command names: by its id, or by its 统一社会信用代码 (a malformed
    code gets the code's own message; one no enterprise here has, a sentence saying how
    to look)."""
    text = normalize_text(key)
    if len(text) == 36 and text.count("-") == 4:
        return get_or_404(session, Enterprise, text, "enterprise")
    code = parse_credit_code(text)
    rows = list(session.execute(select(Enterprise).where(
        Enterprise.credit_code == code, Enterprise.deleted == false())
        .order_by(Enterprise.id)).scalars())
    if not rows:
        raise NotFound([FieldError("credit_code", "enterprise.none_for_code", {"code": code})])
    if len(rows) > 1:  # (one row per code is the rule; a list, never a guess)
        raise ValidationError([FieldError("credit_code", "enterprise.several_for_code", {
            "code": code, "count": len(rows),
            "rows": "; ".join(f"{e.name} {e.id}" for e in rows)})])
    return rows[0]


def search_enterprises(session: Session, query: str, *, limit: int = 50
                       ) -> list[Enterprise]:
    """Enterprises whose name or credit code contains the typed text (the enterprises
    page's filter: letters of a code in any case), best first: an exact name or code,
    then those that start with it, then the rest; ties by name."""
    text = normalize_text(query)
    if not text:
        return []
    code = text.replace(" ", "").upper()
    if session.bind.dialect.name == "postgresql":
        def contains(col, t):
            return func.strpos(col, t) > 0
    else:
        def contains(col, t):
            return func.instr(col, t) > 0
    name_rank = case((Enterprise.name == text, 0),
                     (contains(Enterprise.name, text) & (func.substr(
                         Enterprise.name, 1, len(text)) == text), 1), else_=2)
    code_rank = case((Enterprise.credit_code == code, 0),
                     (func.substr(Enterprise.credit_code, 1, len(code)) == code, 1), else_=2)
    rank = case((name_rank < code_rank, name_rank), else_=code_rank)
    q = (select(Enterprise).where(
        Enterprise.deleted == false(),
        or_(contains(Enterprise.name, text),
            contains(func.coalesce(Enterprise.credit_code, ""), code)))
        .order_by(rank, Enterprise.name, Enterprise.id).limit(limit))
    return list(session.execute(q).scalars())


def update_enterprise(session: Session, enterprise_id: str, data: Mapping[str, Any]) -> Enterprise:
    permit(session, "enterprise.edit")
    ent = get_or_404(session, Enterprise, enterprise_id, "enterprise")
    merged = {k: getattr(ent, k) for k in EDITABLE}
    merged.update({k: v for k, v in data.items() if k in EDITABLE})
    v = clean_enterprise(merged)
    if v["credit_code"] and v["credit_code"] != ent.credit_code:
        other = session.execute(
            select(Enterprise).where(
                Enterprise.credit_code == v["credit_code"], Enterprise.id != ent.id
            )
        ).scalar_one_or_none()
        if other is not None:
            raise ValidationError(
                [FieldError("credit_code", "enterprise.duplicate_code", {"name": other.name})]
            )
    for k, val in v.items():
        if getattr(ent, k) != val:
            setattr(ent, k, val)
    session.flush()
    return ent


# --------------------------------------------------------------------------- watch list


def latest_watch_entries(as_of: date | None = None) -> Select:
    """One row per enterprise: its latest watch-list entry dated on or before ``as_of``."""
    w = aliased(WatchListEntry)
    ranked = select(
        w.enterprise_id,
        w.action,
        w.entry_date,
        w.reason,
        func.row_number()
        .over(partition_by=w.enterprise_id, order_by=(w.entry_date.desc(), w.hlc.desc()))
        .label("rn"),
    ).where(w.deleted == false())
    if as_of is not None:
        ranked = ranked.where(w.entry_date <= as_of)
    sub = ranked.subquery()
    return select(sub.c.enterprise_id, sub.c.action, sub.c.entry_date, sub.c.reason).where(
        sub.c.rn == 1
    )


def by_name(rows: Iterable, name=lambda r: r[1]) -> list:
    """Rows of enterprises in pinyin order of their names (as the members list:
    ``pinyin.sort_key``; 华南 before 南山 before 同创 before 信达), sorted as read: at a
    station's size (2,000 enterprises) it takes some 20 ms."""
    from station_app.domain.pinyin import sort_key

    return sorted(rows, key=lambda r: sort_key(name(r)))


def watch_listed_ids(as_of: date | None = None) -> Select:
    """A select of the ids of enterprises on the watch list as of a date."""
    latest = latest_watch_entries(as_of).subquery()
    return select(latest.c.enterprise_id).where(latest.c.action == "listed")


def is_watch_listed(session: Session, enterprise_id: str, as_of: date | None = None) -> bool:
    latest = latest_watch_entries(as_of).subquery()
    action = session.execute(
        select(latest.c.action).where(latest.c.enterprise_id == enterprise_id)
    ).scalar_one_or_none()
    return action == "listed"


def clean_watch_entry(reason: Any, on: Any) -> tuple[str, date]:
    """A watch-list listing's or removal's reason (required) and date (not in the
    future). Raises one ValidationError."""
    c = ErrorCollector()
    why = c.check("reason", parse_text, reason, field="reason", required=True, max_len=500)
    when = c.check("entry_date", parse_date, on, field="entry_date", not_future=True)
    c.raise_if_any()
    return why, when


def _watch_entry(session: Session, enterprise_id: str, action: str, reason: Any, on: Any
                 ) -> WatchListEntry:
    ent = get_or_404(session, Enterprise, enterprise_id, "enterprise")
    why, when = clean_watch_entry(reason, today() if on is None else on)
    listed = is_watch_listed(session, ent.id)
    if action == "listed" and listed:
        raise ValidationError([FieldError("enterprise", "watch.already_listed")])
    if action == "unlisted" and not listed:
        raise ValidationError([FieldError("enterprise", "watch.not_listed")])
    history = watch_history(session, ent.id)
    if history and when < history[-1].entry_date:  # a change dated before the last one
        # would not be the enterprise's status on any day from then on
        last = history[-1]
        raise ValidationError([FieldError("entry_date", "watch.before_latest", {
            "date": last.entry_date.isoformat(),
            "action": Localized(*WATCH_ACTION[last.action])})])
    entry = WatchListEntry(
        # Removals are the district's decision and its rows; listings belong to the
        # station (or district) that made them.
        station_id=DISTRICT_OWNER_ID if action == "unlisted" else None,
        enterprise_id=ent.id, action=action, reason=why, entry_date=when,
        recorded_by=session.info["actor"].username if "actor" in session.info else None,
    )
    session.add(entry)
    session.flush()
    return entry


def list_on_watch(session: Session, enterprise_id: str, reason: Any, on: Any = None
                  ) -> WatchListEntry:
    """Put an enterprise on the watch list (stations may list)."""
    permit(session, "watch.list")
    return _watch_entry(session, enterprise_id, "listed", reason, on)


def unlist_from_watch(session: Session, enterprise_id: str, reason: Any, on: Any = None
                      ) -> WatchListEntry:
    """Take an enterprise off the watch list: the district decides removals."""
    permit(session, "watch.unlist")
    return _watch_entry(session, enterprise_id, "unlisted", reason, on)


def watch_history(session: Session, enterprise_id: str) -> list[WatchListEntry]:
    return list(
        session.execute(
            select(WatchListEntry)
            .where(WatchListEntry.enterprise_id == enterprise_id,
                   WatchListEntry.deleted == false())
            .order_by(WatchListEntry.entry_date, WatchListEntry.hlc)
        ).scalars()
    )


def watch_list(session: Session, as_of: date | None = None) -> list[tuple[Enterprise, date, str]]:
    """Enterprises currently on the watch list with the date and reason of listing."""
    latest = latest_watch_entries(as_of).subquery()
    rows = session.execute(
        select(Enterprise, latest.c.entry_date, latest.c.reason)
        .join(latest, and_(latest.c.enterprise_id == Enterprise.id, latest.c.action == "listed"))
        .where(Enterprise.deleted == false())
        .order_by(Enterprise.name)
    ).all()
    return [(e, d, r) for e, d, r in rows]


# --------------------------------------------------------------------------- corrections


def delete_enterprise(session: Session, enterprise_id: str) -> Enterprise:
    """Delete an enterprise registered in error: a tombstone (kept, audited, carried by
    sync), only while nothing refers to it — no visit, no member working there, no
    watch-list history; otherwise refused naming what does. The station that registered
    it only (another station's enterprise is the district's to settle); the permission
    table's ``enterprise.delete``: the clerk who registered it, the same ISO week, or a
    station admin."""
    from station_app.domain.services.corrections import facts_of, permit

    permit(session, "enterprise.delete")
    ent = get_or_404(session, Enterprise, enterprise_id, "enterprise")
    permit(session, "enterprise.delete", facts_of(session, "enterprises", ent))
    session.delete(ent)
    session.flush()
    return ent
