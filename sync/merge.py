"""Applying a changeset to a database: ownership, validation, last-writer-wins, conflicts,
history.

One changeset applies in one transaction, or not at all:

- **The district decides.** What a station may write is ``sync.rules``: its own rows, the
  district's tables and columns never, shared enterprises under stated rules (another
  station's change is a proposal the district reviews). A changeset that breaks them is
  refused whole (``OwnershipError``, HTTP 403).
- **Validation.** At the district every row a station sends passes the app's own rules
  (``sync.validate``); a row that fails is refused with its reason and set apart, the rest
  of the batch applies (``MergeResult.refused``), and the station holds the refused rows.
- **Idempotence.** A batch id applied before is acknowledged again without any change —
  as it was acknowledged the first time (the rows refused then are refused again) — when
  its rows are the same (a digest of them is kept with the id); the same id with other
  rows is refused (``BatchReused``, HTTP 409).
- **Last writer wins** by the clock stamp (``hlc``, whose last part is the node, so ties
  cannot happen between nodes). When the incoming version was made on a different version
  than the one stored here (its ``_base`` differs from the stored stamp) both sides changed
  the row since they last agreed: the losing version is kept in ``sync_conflicts`` with the
  winner, for a person to review — nothing disappears silently.
- **History is immutable.** Ledger entries and watch-list entries are insert-if-absent; the
  same id with other content is refused (``ImmutableConflict``, HTTP 409). Tombstones are
  just rows with ``deleted = true`` and travel like any change.

Rows are written through ``Database.session(source="sync")``, so they keep their stamp and
owner, advance the local clock, are audited as applied by sync and are not queued again.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from station_app.domain.actor import SYSTEM_SYNC
from station_app.domain.models import (
    MODEL_BY_TABLE,
    ChangeLog,
    OutboxEntry,
    SyncBatch,
    SyncConflict,
)
from station_app.storage.capture import (
    bulk_insert,
    insert_many,
    lock_change_log,
    mark_changed,
    utc_now_text,
)
from station_app.storage.database import Database
from sync import rules
from sync.changeset import APPLY_ORDER, Changeset, wire_columns
from sync.rules import OwnershipError

__all__ = ["OwnershipError", "ImmutableConflict", "BatchReused", "MergeResult",
           "apply_changeset", "apply_isolating", "refusal", "reason_text", "batch_digest"]

CONTENT_SKIP = {"hlc"}  # what may differ between two copies of an immutable row
LOOKUP_CHUNK = 2_000  # ids looked up at once
SQLITE_PARAMS = 900  # per statement: below the 999 of older SQLite builds
REVIEW = "review"  # sync_conflicts.loser_source of a station's proposal for a shared row

# (table, row id) -> the reason a row is refused (``sync.validate.refusals``)
Refusals = dict[tuple[str, str], str]


class ImmutableConflict(ValueError):
    status = 409

    def __init__(self, table: str, row_id: str):
        self.table, self.row_id = table, row_id
        super().__init__(f"{table} {row_id} already exists with other content; history rows "
                         "are never changed")


class BatchReused(ValueError):
    """A batch id applied before, sent again with other rows (HTTP 409)."""

    status = 409

    def __init__(self, batch_id: str):
        self.table, self.row_id = "changeset", batch_id
        super().__init__(f"batch {batch_id} was applied before with other rows; a batch id "
                         "names one batch only")


# What refuses a batch because of a row in it (rather than the batch as a whole): a push
# answers it with a 4xx and applies nothing; the sender isolates the row and holds it.
ROW_REFUSALS = (OwnershipError, ImmutableConflict, BatchReused, IntegrityError)


def refusal(exc: Exception) -> tuple[int, str]:
    """HTTP status and reason of a row refusal (one of ``ROW_REFUSALS``). The reason is
    English, then a tab and Chinese: it is shown to the station's clerk (``reason_text``)."""
    if isinstance(exc, IntegrityError):
        # e.g. a visit to a station the district does not know
        return 422, ("a row refers to a record the district does not have, or breaks a "
                     f"rule of its database ({exc.orig})\t"
                     "该记录引用了区总工会没有的数据（例如区总工会还不知道的站点），"
                     "或不符合区总工会数据库的规则；请联系区总工会")
    if isinstance(exc, ImmutableConflict):
        return exc.status, (f"{exc}\t区总工会已有同一条内容不同的历史记录（台账、监管记录不能修改）")
    if isinstance(exc, BatchReused):
        return exc.status, f"{exc}\t该批次编号已用于另一批内容不同的记录，区总工会不接受"
    # (an ownership refusal: the row is named where the reason is shown)
    return exc.status, (f"{getattr(exc, 'problem', exc)}\t区总工会不接受本站点写入该记录"
                        "（只有记录所属站点或区总工会可以修改；详见同步说明“谁可以写什么”）")


def reason_text(reason: str, lang: str = "zh") -> str:
    """A refusal's reason in the clerk's language (older reasons are English only)."""
    en, _tab, zh = reason.partition("\t")
    return zh if lang.startswith("zh") and zh else en


@dataclass
class MergeResult:
    batch_id: str
    station_id: str = ""  # the changeset's station
    duplicate: bool = False
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    lost: int = 0  # incoming versions older than what is here
    conflicts: int = 0
    review: int = 0  # changes to another station's shared rows, kept for the district
    # (table, id, stamp) of every such proposal (acknowledged like any row)
    proposed: list[tuple[str, str, str]] = field(default_factory=list)
    acks: list[tuple[str, str, str]] = field(default_factory=list)
    # rows refused one by one (``apply_isolating``, ``sync.validate``):
    # (table, id, stamp, reason)
    refused: list[tuple[str, str, str, str]] = field(default_factory=list)


def batch_digest(cs: Changeset) -> str:
    """What binds a batch id to its rows: a digest of each row's table, id, stamp and
    base, in order — exactly what an acknowledgement of the batch lists."""
    h = hashlib.sha256()
    for table in APPLY_ORDER:
        for row in cs.rows.get(table, ()):
            h.update(f"{table} {row['id']} {row['hlc']} {row.get('_base')}\n".encode())
    return h.hexdigest()


def _jsonable(values: dict[str, Any]) -> str:
    return json.dumps({k: (v.isoformat() if isinstance(v, date) else v)
                       for k, v in values.items() if k != "_base"},
                      ensure_ascii=False, sort_keys=True)


def _row_values(obj) -> dict[str, Any]:
    return {c.key: getattr(obj, c.key) for c in wire_columns(type(obj))}


def _node(stamp: str | None) -> str | None:
    """The node (the database that made it) of a stamp ``{wall}-{counter}-{node}``."""
    return stamp.split("-", 2)[2] if stamp and stamp.count("-") >= 2 else None


def _record_conflict(s: Session, table: str, row_id: str, winner: dict, loser: dict,
                     loser_source: str) -> None:
    s.add(SyncConflict(
        table_name=table, row_id=row_id, winner_hlc=winner["hlc"], loser_hlc=loser["hlc"],
        winner=_jsonable(winner), loser=_jsonable(loser), loser_source=loser_source,
        detected_at=utc_now_text(), station_id=s.info["ctx"].origin))


def apply_changeset(db: Database, cs: Changeset, *, pushing_station: str | None,
                    from_district: bool = False,
                    refusals: Refusals | Callable[[], Refusals] | None = None
                    ) -> MergeResult:
    """Apply a validated changeset. ``pushing_station`` is the authenticated sender (the
    district passes its enrolled station; a station applying the district's changes passes
    None: the district may write any row).

    ``from_district``: a station applying a pull. A row with a change still waiting in the
    outbox is a concurrent edit: the newer stamp wins, the loser is kept in the conflicts,
    and when the district's version wins the local change leaves the outbox (it lost, and
    is kept for review rather than sent).

    ``refusals`` (the district, a station's changeset): the rows that break the app's
    rules (``sync.validate.refusals``); None: found here first. A callable: they are being
    found elsewhere meanwhile (the service checks in a helper process while the rows
    apply): the rows apply under a savepoint, and again without the refused ones if any."""
    from sync import validate

    checking = pushing_station is not None and db.is_district
    if checking and refusals is None:
        refusals = validate.refusals(cs)
    result = MergeResult(batch_id=cs.batch_id, station_id=cs.station_id, acks=cs.keys())
    digest = batch_digest(cs)
    with db.session(SYSTEM_SYNC, source="sync") as s:
        s.info["ctx"].origin = cs.station_id
        s.info["batch_id"] = cs.batch_id
        if db.is_district:
            lock_change_log(s)  # pushes apply one after another (on SQLite: BEGIN IMMEDIATE)
        seen = s.get(SyncBatch, cs.batch_id)
        if seen is not None:
            return _seen_before(cs, seen, digest, result)
        if pushing_station is not None and cs.station_id != pushing_station:
            raise OwnershipError("changeset", cs.batch_id,
                                 "sent for another station than the one enrolled")
        refused: Refusals = {}
        if callable(refusals):
            savepoint = s.begin_nested()
            _apply_all(s, cs, {}, pushing_station, result, from_district, db)
            refused = refusals()
            if refused:  # (rare) again, without the refused rows
                savepoint.rollback()
                s.info.pop("_echo", None)
                result = MergeResult(batch_id=cs.batch_id, station_id=cs.station_id,
                                     acks=cs.keys())
                _apply_all(s, cs, refused, pushing_station, result, from_district, db)
            else:
                savepoint.commit()
        else:
            refused = refusals or {}
            _apply_all(s, cs, refused, pushing_station, result, from_district, db)
        if refused:
            result.refused = [(t, i, h, refused[(t, i)]) for t, i, h in result.acks
                              if (t, i) in refused]
            result.acks = [k for k in result.acks if (k[0], k[1]) not in refused]
        s.add(SyncBatch(batch_id=cs.batch_id, station_id=cs.station_id, node=cs.node,
                        applied_at=utc_now_text(), rows=cs.count(), digest=digest,
                        refused=json.dumps([list(r) for r in result.refused],
                                           ensure_ascii=False) if result.refused else None))
    return result


def _seen_before(cs: Changeset, seen: SyncBatch, digest: str,
                 result: MergeResult) -> MergeResult:
    """A batch applied before: acknowledged as it was then, when its rows are the same."""
    if seen.digest is not None and seen.digest != digest:
        raise BatchReused(cs.batch_id)
    result.duplicate = True
    if seen.refused:
        result.refused = [tuple(r) for r in json.loads(seen.refused)]
        gone = {(t, i) for t, i, _h, _why in result.refused}
        result.acks = [k for k in result.acks if (k[0], k[1]) not in gone]
    return result


def _apply_all(s: Session, cs: Changeset, refused: Refusals, pushing_station: str | None,
               result: MergeResult, from_district: bool, db: Database) -> None:
    batch = cs.rows
    if refused:
        batch = {t: [r for r in rows if (t, r["id"]) not in refused]
                 for t, rows in cs.rows.items()}
    for table in APPLY_ORDER:
        rows = batch.get(table)
        if rows:
            _apply_table(s, table, rows, pushing_station, result, from_district,
                         db.station_id, batch)


def apply_isolating(db: Database, cs: Changeset, *, pushing_station: str) -> MergeResult:
    """Apply a station's changeset that no one can resend in parts (a file): when a row
    refuses it, the batch is split in halves until the refusing rows stand alone; every
    other row is applied, those are listed in ``refused`` with the reason (with the rows
    the district's checks refused). The parts get batch ids derived from the batch's, so
    reading the same file again applies nothing twice."""
    total = MergeResult(batch_id=cs.batch_id, station_id=cs.station_id, acks=[])

    def attempt(part: Changeset) -> None:
        try:
            result = apply_changeset(db, part, pushing_station=pushing_station)
        except ROW_REFUSALS as exc:
            keys = part.keys()
            if len(keys) == 1:
                total.refused.append((*keys[0], refusal(exc)[1]))
                return
            for n, rows in enumerate(part.halves()):
                attempt(Changeset(part.station_id, part.node,
                                  str(uuid.uuid5(uuid.UUID(part.batch_id), str(n))), rows))
            return
        total.duplicate = total.duplicate or result.duplicate
        for name in ("inserted", "updated", "unchanged", "lost", "conflicts", "review"):
            setattr(total, name, getattr(total, name) + getattr(result, name))
        total.acks += result.acks
        total.refused += result.refused
        total.proposed += result.proposed

    attempt(cs)
    return total


def _stored_ids(s: Session, table: str, ids: list[str]) -> list[str]:
    """Which of these ids the table holds. Plain SQL: SQLAlchemy would render (and psycopg
    parse) one bind parameter per id, thousands per batch; PostgreSQL takes them as one
    array, SQLite in slices within its parameter limit."""
    conn = s.connection()
    if conn.dialect.name == "postgresql":
        return [r[0] for r in conn.exec_driver_sql(
            f"SELECT id FROM {table} WHERE id = ANY(%(ids)s)", {"ids": ids})]
    found: list[str] = []
    for i in range(0, len(ids), SQLITE_PARAMS):
        chunk = ids[i:i + SQLITE_PARAMS]
        found += [r[0] for r in conn.exec_driver_sql(
            f"SELECT id FROM {table} WHERE id IN ({', '.join('?' * len(chunk))})",
            tuple(chunk))]
    return found


def _propose(s: Session, table: str, values: dict[str, Any], here: dict[str, Any],
             result: MergeResult) -> None:
    """A station's change to a shared row another station (or the district) owns: not
    applied; kept for the district's review when it changes anything, and the district's
    version goes back to the station (a change-log entry from the district, which the
    station's next pull brings: its copy becomes the district's again)."""
    def content(d: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in d.items() if k not in ("hlc", "station_id")}

    if content(values) != content(here):
        known = s.execute(select(SyncConflict.id).where(
            SyncConflict.table_name == table, SyncConflict.row_id == values["id"],
            SyncConflict.loser_hlc == values["hlc"], SyncConflict.loser_source == REVIEW)
        ).first()
        if known is None:  # (the same proposal sent again is kept once)
            _record_conflict(s, table, values["id"], here, values, REVIEW)
        result.review += 1
    else:
        result.unchanged += 1
    result.proposed.append((table, values["id"], values["hlc"]))
    ctx = s.info["ctx"]
    s.info.setdefault("_sent_back", []).append(
        {"table_name": table, "row_id": values["id"], "owner_id": here["station_id"],
         "origin_id": ctx.station_id, "hlc": here["hlc"]})


def _apply_table(s: Session, table: str, rows: list[dict[str, Any]],
                 pushing_station: str | None, result: MergeResult,
                 from_district: bool = False, local_station: str | None = None,
                 batch: dict[str, list[dict[str, Any]]] | None = None) -> None:
    model = MODEL_BY_TABLE[table]
    ids = [r["id"] for r in rows]
    existing = {}
    pending: set[str] = set()
    for i in range(0, len(ids), LOOKUP_CHUNK):
        chunk = ids[i:i + LOOKUP_CHUNK]
        # ids first (an index read): most rows of a first push are new, and loading ORM
        # objects only for the rows that are here keeps that case cheap
        here = _stored_ids(s, table, chunk)
        if here:
            for obj in s.execute(select(model).where(model.id.in_(here))).scalars():
                existing[obj.id] = obj
        if from_district:
            pending.update(s.execute(select(OutboxEntry.row_id).where(
                OutboxEntry.table_name == table, OutboxEntry.row_id.in_(chunk))).scalars())
    if pushing_station is not None:
        rules.check(s, table, rows, existing, pushing_station, batch or {table: rows})
    district_columns = rules.DISTRICT_COLUMNS.get(table, ()) if pushing_station else ()
    proposals = (pushing_station is not None and model.__shared__
                 and not model.__append_only__)
    fresh: list[dict[str, Any]] = []
    for row in rows:
        values = dict(row)
        values.pop("_base", None)
        current = existing.get(row["id"])
        if current is None:
            fresh.append(values)  # new rows go in with one executemany below
            continue
        here = _row_values(current)
        if proposals and here["station_id"] != pushing_station:
            _propose(s, table, values, here, result)
            continue
        if current.station_id != row["station_id"]:
            if not model.__shared__:
                raise OwnershipError(table, row["id"], "a row's owner never changes")
            if not from_district:
                # a shared row two stations registered alike (the same credit code): the
                # district keeps the first owner; the station adopts it when it pulls —
                # so this version goes back to the sender too (it differs from what it sent)
                values["station_id"] = current.station_id
                s.info.setdefault("_echo", set()).add((table, row["id"]))
        for column in district_columns:
            if values[column] != here[column]:
                # the district's values stand; the row goes back to the station with them
                values[column] = here[column]
                s.info.setdefault("_echo", set()).add((table, row["id"]))
        if model.__append_only__:
            same = all(here[k] == values[k] for k in values if k not in CONTENT_SKIP)
            if not same:
                raise ImmutableConflict(table, row["id"])
            result.unchanged += 1
            continue
        if values["hlc"] == here["hlc"]:
            if from_district and any(here[k] != v for k, v in values.items()):
                # the district's copy of this very version (with its own columns, the
                # enterprise's owner …): it stands
                for k, v in values.items():
                    if k != "id" and getattr(current, k) != v:
                        setattr(current, k, v)
                result.updated += 1
            else:
                result.unchanged += 1
            continue
        if from_district and (
                here["station_id"] != local_station if not model.__shared__
                else values["station_id"] != local_station and row["id"] not in pending):
            # a row the district owns (this station's own station row, a target), or a
            # shared row another station owns that this one has no change of pending (a
            # proposal the district keeps for review): the district's version is the
            # truth, whatever the local copy's stamp
            for k, v in values.items():
                if k != "id" and getattr(current, k) != v:
                    setattr(current, k, v)
            result.updated += 1
            continue
        if from_district:
            concurrent = row["id"] in pending
        else:
            # a station's later edit of a version it wrote itself is no conflict, even when
            # it edited again before the acknowledgement reached it (a file not yet read
            # back): both stamps carry its node, and the later one saw the earlier
            concurrent = (row.get("_base") != here["hlc"]
                          and _node(here["hlc"]) != _node(values["hlc"]))
        if values["hlc"] > here["hlc"]:
            if concurrent:
                _record_conflict(s, table, row["id"], values, here, "local")
                result.conflicts += 1
                if from_district:  # the local change lost: kept above, no longer sent
                    s.execute(delete(OutboxEntry).where(OutboxEntry.table_name == table,
                                                        OutboxEntry.row_id == row["id"]))
            for k, v in values.items():
                if k != "id" and getattr(current, k) != v:
                    setattr(current, k, v)
            result.updated += 1
        else:
            # the incoming version is older: it lost; keep it when it was a real edit
            if concurrent:
                _record_conflict(s, table, row["id"], here, values, "remote")
                result.conflicts += 1
            result.lost += 1
    s.flush()
    sent_back = s.info.pop("_sent_back", None)
    if sent_back:
        insert_many(s.connection(), ChangeLog.__table__, sent_back)
        mark_changed(s, ChangeLog.__tablename__)
    if fresh:
        # the capture bulk path: stamps kept (sync), clock advanced, audited, change-logged
        bulk_insert(s, model, fresh)
        result.inserted += len(fresh)
