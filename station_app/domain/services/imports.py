"""Imports as records: what an import added (so it can be undone), and the undo of the
last one.

An import writes its rows through the other services, each audited as an ``insert``;
``record_import`` then writes one audit record (action ``import``) naming the workbook, the
kind and every row the import added. ``undo_last_import`` removes them again — as
tombstones, audited, which sync carries to the district — while nothing has been done with
them since: not changed, not deleted, not used by another record (a hardship file opened
for an imported member, a visit to an imported enterprise …). A ledger entry is never
deleted (it is reversed), and an import that also changed records already there (a
hardship file closed) is not undone by removing rows: both are refused with what to do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, select, text
from sqlalchemy.orm import Session

from station_app.domain.models import (
    AuditRecord,
    Enterprise,
    Event,
    EventMember,
    HardshipCase,
    HouseholdMember,
    LedgerEntry,
    Member,
    Visit,
    WatchListEntry,
)
from station_app.domain.services.common import actor_of
from station_app.domain.services.corrections import permit
from station_app.domain.validation import FieldError, Localized, ValidationError, register_messages
from station_app.storage.capture import utc_now_text

register_messages({
    "import.undo_none": ("还没有可以撤销的导入", "there is no import to undo"),
    "import.undo_done": (
        "最近一次导入（{source}，{at}）已经撤销过了", "the last import ({source}, {at}) was "
        "undone already",
    ),
    "import.undo_other_user": (
        "最近一次导入是 {user} 做的：只有本人或站点管理员可以撤销",
        "the last import was made by {user}: only they or a station administrator may undo it",
    ),
    "import.undo_ledger": (
        "帮扶记录一经保存不能删除：请在困难职工页面对这次导入的记录逐条冲正",
        "ledger entries are never deleted once saved: reverse this import's entries on the "
        "hardship page",
    ),
    "import.undo_updates": (
        "这次导入还改动了已有的记录（{what}），不能整体撤销：请逐条更正",
        "this import also changed records already there ({what}), so it cannot be undone as a "
        "whole: correct them one by one",
    ),
    "import.undo_changed": (
        "这次导入的记录之后已被修改或删除（{what}），不能撤销：请逐条更正",
        "records of this import have been changed or deleted since ({what}), so it cannot be "
        "undone: correct them one by one",
    ),
    "import.undo_used": (
        "这次导入的记录之后已被使用（{what}），不能撤销：请逐条更正",
        "records of this import have been used since ({what}), so it cannot be undone: "
        "correct them one by one",
    ),
})

IMPORT, UNDO = "import", "import-undo"
# removed children first
_ORDER = ("household_members", "event_members", "hardship_cases", "visits", "events",
          "members", "enterprises")
_MODELS = {m.__tablename__: m for m in (Enterprise, Event, EventMember, HardshipCase,
                                        HouseholdMember, LedgerEntry, Member, Visit)}
# what may come to use an imported row: (table of the row, the model and column using it)
_USED_BY = {
    "members": ((HardshipCase, HardshipCase.member_id), (EventMember, EventMember.member_id)),
    "enterprises": ((Member, Member.employer_id), (Visit, Visit.enterprise_id),
                    (WatchListEntry, WatchListEntry.enterprise_id)),
    "hardship_cases": ((LedgerEntry, LedgerEntry.case_id),
                       (HouseholdMember, HouseholdMember.case_id)),
    "events": ((EventMember, EventMember.event_id),),
}
_WHAT = {
    "members": ("会员", "members"), "enterprises": ("企业", "enterprises"),
    "hardship_cases": ("困难职工档案", "hardship files"), "visits": ("走访", "visits"),
    "events": ("活动", "events"), "ledger_entries": ("帮扶记录", "ledger entries"),
    "household_members": ("家庭成员", "household members"),
    "event_members": ("活动参加人", "event participants"),
    "watch_list_entries": ("重点监管记录", "watch-list entries"),
}


def _what(tables) -> Localized:
    names = [_WHAT.get(t, (t, t)) for t in dict.fromkeys(tables)]
    return Localized("、".join(zh for zh, _ in names), ", ".join(en for _, en in names))


def _fail(code: str, **params: Any) -> ValidationError:
    return ValidationError([FieldError("import", code, params)])


def audit_mark(session: Session) -> int:
    """The newest audit record's id: what an import wrote comes after it. (Plain SQL: a
    10-row import's command pays for every select it compiles.)"""
    return session.execute(text("SELECT coalesce(max(id), 0) FROM audit_log")).scalar_one()


def record_import(session: Session, *, source: str, kind: str, since: int) -> dict[str, int]:
    """One audit record for the import that wrote the audit records after ``since``: the
    workbook, the kind, the rows it added (by table), how many records it changed.
    Returns {table: rows added}."""
    added: dict[str, list[str]] = {}
    updated: dict[str, int] = {}
    changed: dict[str, set[str]] = {}
    for table, row_id, action in session.execute(text(
            "SELECT table_name, row_id, action FROM audit_log WHERE id > :since "
            "AND action IN ('insert', 'update') ORDER BY id"), {"since": since}):
        if not table or not row_id:
            continue
        if action == "insert":
            added.setdefault(table, []).append(row_id)
        else:
            changed.setdefault(table, set()).add(row_id)
    for table, ids in changed.items():  # an update of a row the import added is its own
        others = ids - set(added.get(table, ()))
        if others:
            updated[table] = len(others)
    actor = actor_of(session)
    session.add(AuditRecord(
        at=utc_now_text(), actor=actor.username, action=IMPORT, table_name=None, row_id=None,
        detail=json.dumps({"source": source, "kind": kind, "added": added,
                           "updated": updated}, ensure_ascii=False)))
    session.flush()
    return {t: len(ids) for t, ids in added.items()}


@dataclass(frozen=True)
class LastImport:
    id: int
    at: str
    actor: str
    source: str
    kind: str
    added: dict[str, list[str]]
    updated: dict[str, int]
    undone: bool

    @property
    def rows(self) -> int:
        return sum(len(ids) for ids in self.added.values())


def last_import(session: Session) -> LastImport | None:
    """The newest import of this database, and whether it was undone."""
    rec = session.execute(select(AuditRecord).where(AuditRecord.action == IMPORT)
                          .order_by(AuditRecord.id.desc()).limit(1)).scalar_one_or_none()
    if rec is None:
        return None
    detail = json.loads(rec.detail or "{}")
    undone = session.execute(select(AuditRecord.id).where(
        AuditRecord.action == UNDO, AuditRecord.row_id == str(rec.id)).limit(1)).first()
    return LastImport(rec.id, rec.at, rec.actor, detail.get("source", ""),
                      detail.get("kind", ""), detail.get("added", {}),
                      detail.get("updated", {}), undone is not None)


def _chunks(ids: list[str], n: int = 900):
    for i in range(0, len(ids), n):
        yield ids[i:i + n]


def undo_last_import(session: Session) -> LastImport:
    """Remove the rows the last import added (tombstones, audited, carried by sync), if
    nothing has been done with them since; refused with the reason otherwise."""
    permit(session, "import.undo")
    actor = actor_of(session)
    last = last_import(session)
    if last is None:
        raise _fail("import.undo_none")
    if last.undone:
        raise _fail("import.undo_done", source=last.source, at=last.at[:16].replace("T", " "))
    if last.actor != actor.username and not actor.at_least("station_admin"):
        raise _fail("import.undo_other_user", user=last.actor)
    if last.added.get("ledger_entries"):
        raise _fail("import.undo_ledger")
    if last.updated:
        raise _fail("import.undo_updates", what=_what(last.updated))
    every = {rid for ids in last.added.values() for rid in ids}
    changed = []
    for table, ids in last.added.items():
        for chunk in _chunks(ids):
            if session.execute(select(AuditRecord.id).where(
                    AuditRecord.id > last.id, AuditRecord.table_name == table,
                    AuditRecord.action.in_(("update", "delete")),
                    AuditRecord.row_id.in_(chunk)).limit(1)).first():
                changed.append(table)
                break
    if changed:
        raise _fail("import.undo_changed", what=_what(changed))
    used = []
    for table, ids in last.added.items():
        for model, column in _USED_BY.get(table, ()):
            for chunk in _chunks(ids):
                users = session.execute(select(model.id).where(
                    column.in_(chunk), model.deleted == false())).scalars().all()
                if any(u not in every for u in users):
                    used.append(model.__tablename__)
                    break
    if used:
        raise _fail("import.undo_used", what=_what(used))
    for table in _ORDER:
        model = _MODELS[table]
        for chunk in _chunks(last.added.get(table, [])):
            for obj in session.execute(select(model).where(
                    model.id.in_(chunk), model.deleted == false())).scalars():
                session.delete(obj)  # a tombstone (storage.capture), audited, queued
        session.flush()
    session.add(AuditRecord(at=utc_now_text(), actor=actor.username, action=UNDO,
                            table_name=None, row_id=str(last.id),
                            detail=json.dumps({"source": last.source, "rows": last.rows},
                                              ensure_ascii=False)))
    session.flush()
    return last
