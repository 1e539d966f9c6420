"""Change capture: the one place where writes are stamped, queued for sync and audited.

Every ORM session made by ``Database.session()`` carries a ``WriteContext``. Before each
flush, the hook below

- stamps new syncable rows with an id (UUIDv7, unless derived), an owner and a clock stamp;
- re-stamps changed rows, refusing changes to append-only rows (the ledger, the watch-list
  history) before the database triggers would;
- turns deletes of syncable rows into tombstones (``deleted = true``);
- queues an outbox entry (table, row id, hlc) for each local change, in the same
  transaction as the change;
- writes an audit record (who, what, which row, when, which fields);
- keeps the pinyin search keys of members current.

Rows applied by sync (``source="sync"``) keep their remote stamp and owner, advance the
local clock past the remote stamp, are not queued, and are audited as applied by sync.

The bulk path (``bulk_insert``) writes many new rows with Core ``executemany`` but goes
through the same ``stamp_new`` step, so imports and demo data look exactly like rows made
one by one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from station_app.domain.ids import uuid7
from station_app.domain.models import (
    AuditRecord,
    ChangeLog,
    LocalState,
    Member,
    MemberNameKey,
    OutboxEntry,
    Syncable,
)
from station_app.storage.clock import MAX_REMOTE_AHEAD_MS, HybridClock

SYNC_COLUMNS = frozenset({"id", "station_id", "hlc", "deleted"})
CHANGE_LOG_LOCK = 0x5354_4E31  # the PostgreSQL advisory lock that orders the change log
# session.info key: audit rows (dicts of AuditRecord columns) that must be written even
# when the unit of work fails and rolls back, e.g. a failed login ("login-failed").
AUDIT_ON_ROLLBACK = "audit_on_rollback"
# session.info key: the names of the tables this unit of work wrote, from every write path
# (the flush hook, the bulk path, DML through ``session.execute``, the sync merge's own
# inserts). ``Database.session`` hands them on when the unit of work commits; the client
# refreshes the pages that show those tables (never a list made by hand).
CHANGED_TABLES = "changed_tables"
# session.info key: set by ``Database.session()`` opened without an actor — such a unit of
# work may read but never write (no implicit actor: see ``domain.actor``)
NO_ACTOR = "no_actor"


class NoActorError(PermissionError):
    """A write in a unit of work that names no actor."""

    def __init__(self, what: str = "this unit of work"):
        super().__init__(f"{what} writes without an actor: open the session with the acting "
                         "user or a named system actor (station_app.domain.actor)")


def mark_changed(session: Session, *tables: str) -> None:
    """Record that this unit of work wrote these tables (``CHANGED_TABLES``)."""
    session.info.setdefault(CHANGED_TABLES, set()).update(tables)


def changed_tables(session: Session) -> frozenset[str]:
    """The tables this unit of work wrote so far."""
    return frozenset(session.info.get(CHANGED_TABLES, ()))


class AppendOnlyError(PermissionError):
    """An attempt to change or delete a row of an append-only table."""


@dataclass
class WriteContext:
    """Who writes, for which station, with which clock, and from where."""

    actor: str
    station_id: str
    clock: HybridClock
    source: str = "local"  # "local" or "sync"
    role: str | None = None
    user_id: int | None = None
    district: bool = False  # the district's database keeps the change log
    origin: str | None = None  # the station whose changeset this unit of work applies
    # (table, row id) of every syncable row this unit of work changed
    changed: set[tuple[str, str]] = field(default_factory=set)


def utc_now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _json_default(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _ctx(session: Session) -> WriteContext | None:
    return session.info.get("ctx")


def _sync_stored_clock(session: Session, ctx: WriteContext) -> None:
    stored = session.execute(
        select(LocalState.value).where(LocalState.key == "hlc")
    ).scalar_one_or_none()
    if stored:
        ctx.clock.observe(stored)


def _persist_clock(session: Session, ctx: WriteContext) -> None:
    session.execute(
        update(LocalState).where(LocalState.key == "hlc").values(value=ctx.clock.last())
    )  # (marked changed by the execute hook)


def stamp_new(values: dict[str, Any], ctx: WriteContext) -> dict[str, Any]:
    """Fill the sync shape of a new row given as a dict (the bulk path)."""
    if not values.get("id"):
        values["id"] = uuid7()
    if not values.get("station_id"):
        values["station_id"] = ctx.station_id
    if ctx.source == "sync":
        if not values.get("hlc"):
            raise ValueError("a row applied by sync must carry its stamp")
        ctx.clock.observe(values["hlc"], max_ahead_ms=MAX_REMOTE_AHEAD_MS)
    else:
        values["hlc"] = ctx.clock.tick()
    values.setdefault("deleted", False)
    return values


def _changes(obj: Syncable) -> dict[str, list[Any]]:
    state = inspect(obj)
    out: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        if attr.key in ("hlc",):
            continue
        hist = state.attrs[attr.key].history
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new = hist.added[0] if hist.added else None
            if old != new:
                out[attr.key] = [old, new]
    return out


def _audit(session: Session, ctx: WriteContext, action: str, table: str, row_id: str,
           detail: dict | None) -> None:
    """Queue an audit record; ``_after_flush`` writes the queue with one executemany."""
    session.info.setdefault("_audit", []).append({
        "at": utc_now_text(),
        "actor": ctx.actor,
        "action": action,
        "table_name": table,
        "row_id": row_id,
        "detail": json.dumps(detail, ensure_ascii=False, default=_json_default)
        if detail else None,
    })


def _log_change(session: Session, ctx: WriteContext, table: str, row_id: str, owner: str,
                hlc: str) -> None:
    """At the district, every change (local or applied by sync) joins the change log."""
    if ctx.district:
        echo = (table, row_id) in session.info.get("_echo", ())
        session.info.setdefault("_changes", []).append(
            {"table_name": table, "row_id": row_id, "owner_id": owner,
             "origin_id": ctx.station_id if echo else (ctx.origin or ctx.station_id),
             "hlc": hlc})


def lock_change_log(session: Session) -> None:
    """Take the lock that orders the district's writers, for the rest of the transaction
    (PostgreSQL; SQLite writers are serial already). Taken at the first change-log write
    at the latest; a push takes it first of all, so that what it reads to merge (does this
    shared enterprise exist? which version is stored?) cannot change before it commits."""
    conn = session.connection()
    if conn.dialect.name == "postgresql" and not session.info.get("_change_lock"):
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({CHANGE_LOG_LOCK})")
        session.info["_change_lock"] = True


def _append_change_log(session: Session, rows: list[dict[str, Any]]) -> None:
    """Number the changes in commit order: writers to the change log hold one lock until
    they commit, so a number becomes visible only after every lower one."""
    lock_change_log(session)
    insert_many(session.connection(), ChangeLog.__table__, rows)
    mark_changed(session, ChangeLog.__tablename__)


def _sends(obj: Syncable, ctx: WriteContext) -> bool:
    """Whether a local change goes to the outbox: rows this database owns, and shared
    rows. A station's local copy of reference data the district owns (its own station
    row, targets, removals from the watch list) is the district's to send, never its."""
    if ctx.district:
        return False  # the district's changes reach stations through its change log
    return obj.station_id == ctx.station_id or obj.__shared__


def _queue(session: Session, table: str, row_id: str, hlc: str, base: str | None) -> None:
    session.info.setdefault("_outbox", []).append(
        {"table_name": table, "row_id": row_id, "hlc": hlc, "base_hlc": base})


def _before_flush(session: Session, _flush_context, _instances) -> None:
    # Queues still here were left by a flush that failed (and was rolled back, e.g. to a
    # savepoint): their rows were never written, so neither may their outbox, audit or keys.
    for stale in ("_outbox", "_audit", "_rekey", "_changes"):
        session.info.pop(stale, None)
    ctx = _ctx(session)
    touched = [*session.new, *session.deleted,
               *(o for o in session.dirty if session.is_modified(o, include_collections=False))]
    if touched:
        if session.info.get(NO_ACTOR):
            raise NoActorError()
        mark_changed(session, *{o.__tablename__ for o in touched})
    new = [o for o in session.new if isinstance(o, Syncable)]
    dirty = [o for o in session.dirty if isinstance(o, Syncable)]
    gone = [o for o in session.deleted if isinstance(o, Syncable)]
    if not (new or dirty or gone):
        return
    if ctx is None:
        raise RuntimeError("syncable rows are written only through Database.session()")
    if ctx.district:
        # one lock order at the district: the change log's lock before the stored clock's
        # row (a push takes it first of all; a writer taking them the other way round
        # would deadlock with it)
        lock_change_log(session)
    _sync_stored_clock(session, ctx)
    from_sync = ctx.source == "sync"
    # The district defers the pinyin keys of members it receives by sync (see
    # ``refresh_search_keys``): they are a third of the cost of applying a push.
    district_sync = from_sync and ctx.district
    # names of members written here, whose pinyin keys must exist after the flush
    rekey: set[str] = session.info.setdefault("_rekey", set())

    # Deletes become tombstones: take the object back from the delete list.
    for obj in gone:
        if obj.__append_only__:
            raise AppendOnlyError(f"{obj.__tablename__} rows are never deleted")
        session.expunge(obj)
        session.add(obj)
        obj.deleted = True
        dirty.append(obj)

    for obj in new:
        values = {"id": obj.id, "station_id": obj.station_id, "hlc": obj.hlc}
        stamp_new(values, ctx)
        obj.id, obj.station_id, obj.hlc = values["id"], values["station_id"], values["hlc"]
        if obj.deleted is None:
            obj.deleted = False
        table = obj.__tablename__
        ctx.changed.add((table, obj.id))
        _log_change(session, ctx, table, obj.id, obj.station_id, obj.hlc)
        if from_sync:
            _audit(session, ctx, "sync", table, obj.id, {"hlc": obj.hlc})
        else:
            if _sends(obj, ctx):
                _queue(session, table, obj.id, obj.hlc, None)
            _audit(session, ctx, "insert", table, obj.id, None)
        if isinstance(obj, Member):
            _derive_member(obj)  # everywhere, rows received by sync included
            if not district_sync:
                rekey.add(obj.name)

    for obj in dirty:
        if not session.is_modified(obj, include_collections=False):
            continue
        changes = _changes(obj)
        content = {k for k in changes if k not in SYNC_COLUMNS}
        if obj.__append_only__ and (content or "deleted" in changes):
            raise AppendOnlyError(f"{obj.__tablename__} rows are never changed")
        if "station_id" in changes and not (from_sync and obj.__shared__):
            # (a shared row registered alike at two stations adopts the district's owner)
            raise PermissionError("a row's owner never changes")
        table = obj.__tablename__
        ctx.changed.add((table, obj.id))
        if from_sync:
            ctx.clock.observe(obj.hlc, max_ahead_ms=MAX_REMOTE_AHEAD_MS)
            _audit(session, ctx, "sync", table, obj.id, changes or None)
        else:
            base = obj.hlc  # the version this change was made on
            obj.hlc = ctx.clock.tick()
            if _sends(obj, ctx):
                _queue(session, table, obj.id, obj.hlc, base)
            action = "delete" if changes.get("deleted") == [False, True] else "update"
            _audit(session, ctx, action, table, obj.id, changes or None)
        _log_change(session, ctx, table, obj.id, obj.station_id, obj.hlc)
        if isinstance(obj, Member):
            if "name" in changes or "phone" in changes or obj.name_sort is None:
                _derive_member(obj)  # (after the audit's changes: derived, not recorded)
            if "name" in changes and not district_sync:
                rekey.add(obj.name)  # the old name's keys stay: they find nobody by it now

    _persist_clock(session, ctx)


def _derive_member(obj: Member) -> None:
    """Set a member's derived columns (``domain.derived``) from its name and phone."""
    from station_app.domain.derived import member_derived

    for key, value in member_derived(obj.name, obj.phone).items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)


def _after_flush(session: Session, _flush_context) -> None:
    """Write what the hook queued: outbox entries, audit records, search keys."""
    conn = None
    outbox = session.info.pop("_outbox", None)
    if outbox:
        conn = session.connection()
        insert_many(conn, OutboxEntry.__table__, outbox)
        mark_changed(session, OutboxEntry.__tablename__)
    audit = session.info.pop("_audit", None)
    if audit:
        conn = conn or session.connection()
        insert_many(conn, AuditRecord.__table__, audit)
        mark_changed(session, AuditRecord.__tablename__)
    changes = session.info.pop("_changes", None)
    if changes:
        _append_change_log(session, changes)
    names = session.info.pop("_rekey", None)
    if names:
        write_search_keys(session, names)


KEYED_NAMES = "_keyed_names"  # session.info: names keyed so far by a bulk load


@contextmanager
def bulk_keying(session: Session) -> Iterator[None]:
    """Within this block, a name's keys are computed and written once, however many
    batches of rows carry it (a 100,000-row roster has some 40,000 distinct names, and the
    keys of a name in batch 1 are still there in batch 20). For one bulk load without
    savepoints: what a rolled-back savepoint wrote would be remembered wrongly."""
    session.info[KEYED_NAMES] = set()
    try:
        yield
    finally:
        session.info.pop(KEYED_NAMES, None)


def write_search_keys(session: Session, names: Iterable[str | None]) -> None:
    """Store the pinyin keys of these member names; keys already stored are left alone.

    Keys belong to names, not members (``member_name_keys``): a roster of 100,000 has some
    75,000 distinct names, and a name keyed once serves every member who carries it."""
    from station_app.domain.pinyin import ranked_keys

    fresh = {name for name in names if name}
    keyed: set[str] | None = session.info.get(KEYED_NAMES)
    if keyed is not None:
        fresh -= keyed
        keyed |= fresh
    # in key order, so the B-tree is filled front to back rather than at random places
    pairs = sorted({(key, name, rank) for name in fresh for key, rank in ranked_keys(name)})
    if not pairs:
        return
    conn = session.connection()
    table = MemberNameKey.__table__
    mark_changed(session, table.name)
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            f"INSERT OR IGNORE INTO {table.name} (key, name, rank) VALUES (?, ?, ?)", pairs)
    else:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        conn.execute(pg_insert(table).on_conflict_do_nothing(),
                     [{"key": k, "name": n, "rank": r} for k, n, r in pairs])


def bulk_insert(session: Session, model: type[Syncable], rows: list[dict[str, Any]]) -> list[str]:
    """Insert many new rows of one syncable model, stamped, queued and audited like any.

    The rows must already be validated (the services do that). Returns the new ids.
    """
    if session.info.get(NO_ACTOR):
        raise NoActorError("a bulk insert")
    ctx = _ctx(session)
    if ctx is None:
        raise RuntimeError("bulk_insert needs a session from Database.session()")
    if not rows:
        return []
    if ctx.district:
        lock_change_log(session)  # before the stored clock's row (see _before_flush)
    _sync_stored_clock(session, ctx)
    table = model.__tablename__
    if ctx.source == "sync":
        # rows applied by sync keep their stamps; the clock observes the newest once (a
        # stamp's fixed-width "wall-counter" text sorts as the stamp does)
        for values in rows:
            if not values.get("hlc") or not values.get("id"):
                raise ValueError("a row applied by sync must carry its id and stamp")
            if not values.get("station_id"):
                values["station_id"] = ctx.station_id
            values.setdefault("deleted", False)
        newest = max((r["hlc"] for r in rows), key=lambda h: h[:19])
        ctx.clock.observe(newest, max_ahead_ms=MAX_REMOTE_AHEAD_MS)
    else:
        for values in rows:
            stamp_new(values, ctx)
    if model is Member:  # its derived columns, at a station and at the district alike
        from station_app.domain.derived import member_derived

        for values in rows:
            values.update(member_derived(values["name"], values.get("phone")))
    conn = session.connection()
    insert_many(conn, model.__table__, rows)
    mark_changed(session, table, AuditRecord.__tablename__)
    at = utc_now_text()
    if ctx.source != "sync":
        mark_changed(session, OutboxEntry.__tablename__)
        insert_many(conn, OutboxEntry.__table__,
                    [{"table_name": table, "row_id": r["id"], "hlc": r["hlc"], "base_hlc": None}
                     for r in rows
                     if not ctx.district and (r["station_id"] == ctx.station_id
                                              or model.__shared__)])
    if ctx.district:
        _append_change_log(session, [{"table_name": table, "row_id": r["id"],
                                      "owner_id": r["station_id"],
                                      "origin_id": ctx.origin or ctx.station_id,
                                      "hlc": r["hlc"]} for r in rows])
    if ctx.district and ctx.source == "sync":
        # At the district the change log already names every row a push brought (with its
        # station and stamp, next to the batch in sync_batches): one audit record says
        # which batch it was, instead of one per row.
        insert_many(conn, AuditRecord.__table__, [{
            "at": at, "actor": ctx.actor, "action": "sync", "table_name": table,
            "row_id": rows[0]["id"],
            "detail": json.dumps({"bulk": True, "rows": len(rows), "origin": ctx.origin,
                                  "batch": session.info.get("batch_id")})}])
    else:
        action = "sync" if ctx.source == "sync" else "insert"
        insert_many(conn, AuditRecord.__table__, [
            {"at": at, "actor": ctx.actor, "action": action, "table_name": table,
             "row_id": r["id"], "detail": '{"bulk": true}'} for r in rows])
    if model is Member and not (ctx.district and ctx.source == "sync"):
        write_search_keys(session, {r["name"] for r in rows})
    ctx.changed.update((table, r["id"]) for r in rows)
    _persist_clock(session, ctx)
    return [r["id"] for r in rows]


def insert_many(conn, table, rows: list[dict[str, Any]]) -> None:
    """``executemany`` of rows that all have the same keys.

    On SQLite the statement goes straight to the driver (SQLAlchemy's per-row parameter
    processing costs more than SQLite's insert): values are taken out of the dicts in C
    (``itemgetter``), booleans are integers to sqlite3 already and dates are adapted by
    the adapter ``engine`` registers. Elsewhere through Core.
    """
    if not rows:
        return
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_ROWS:
        _copy_rows(conn, table, rows)
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), rows)
        return
    cols = list(rows[0])
    values = itemgetter(*cols)
    params = [values(r) for r in rows] if len(cols) > 1 else [(values(r),) for r in rows]
    sql = (f"INSERT INTO {table.name} ({', '.join(cols)}) "
           f"VALUES ({', '.join('?' * len(cols))})")
    conn.exec_driver_sql(sql, params)


COPY_ROWS = 50  # from this many rows, PostgreSQL gets them by COPY


def _copy_rows(conn, table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: many rows by ``COPY … FROM STDIN`` on the session's own connection (so
    inside its transaction), several times faster than a multi-row INSERT. A broken rule
    comes back as SQLAlchemy's IntegrityError, as an INSERT's would."""
    import psycopg
    from sqlalchemy.exc import IntegrityError

    cols = list(rows[0])
    values = itemgetter(*cols)
    sql = f"COPY {table.name} ({', '.join(cols)}) FROM STDIN"
    raw = conn.connection.driver_connection
    try:
        with raw.cursor() as cur, cur.copy(sql) as copy:
            for r in rows:
                copy.write_row(values(r) if len(cols) > 1 else (values(r),))
    except psycopg.errors.IntegrityError as exc:
        raise IntegrityError(sql, None, exc) from exc


def _guard_bulk_dml(orm_execute_state) -> None:
    """DML through ``session.execute``: the table is marked changed; a unit of work
    without an actor is refused; ``update(Model)…`` / ``delete`` of syncable rows is
    refused, as such statements skip stamping, the outbox and the audit. Storage code that
    must (clock correction) sets ``session.info["raw_sync_dml"]``."""
    state = orm_execute_state
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    session = state.session
    if session.info.get(NO_ACTOR):
        raise NoActorError()
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None):
        mark_changed(session, table.name)
    if not (orm_execute_state.is_update or orm_execute_state.is_delete):
        return
    mapper = orm_execute_state.bind_mapper
    if mapper is None or not issubclass(mapper.class_, Syncable):
        return
    if orm_execute_state.session.info.get("raw_sync_dml"):
        return
    raise RuntimeError(
        f"bulk UPDATE/DELETE of {mapper.class_.__tablename__} bypasses change capture; "
        "change rows through the ORM (or the services) instead")


def install(session_class: type[Session]) -> None:
    """Attach the hook to a Session class (done once for ``Database`` sessions)."""
    if not event.contains(session_class, "before_flush", _before_flush):
        event.listen(session_class, "before_flush", _before_flush)
        event.listen(session_class, "after_flush", _after_flush)
        event.listen(session_class, "do_orm_execute", _guard_bulk_dml)


SEARCH_KEYS_CURSOR = "search_keys_seq"  # local_state: the change log read so far


def refresh_search_keys(session: Session, *, chunk: int = 5_000) -> int:
    """District: write the pinyin keys of members that arrived (or were renamed) by sync
    since the last refresh, reading the change log from the cursor kept in local_state.
    Returns how many members were keyed. Cheap when there is nothing new (one indexed
    read), so a pinyin search of members at the district can call it first."""
    lock_change_log(session)  # no change below the cursor still uncommitted
    cursor = int(session.execute(select(LocalState.value).where(
        LocalState.key == SEARCH_KEYS_CURSOR)).scalar_one_or_none() or 0)
    log = session.execute(
        select(ChangeLog.seq, ChangeLog.row_id)
        .where(ChangeLog.table_name == "members", ChangeLog.seq > cursor)
        .order_by(ChangeLog.seq)).all()
    if not log:
        return 0
    ids = list(dict.fromkeys(row_id for _seq, row_id in log))
    for i in range(0, len(ids), chunk):
        write_search_keys(session, set(session.execute(select(Member.name).where(
            Member.id.in_(ids[i:i + chunk]))).scalars()))
    stored = session.get(LocalState, SEARCH_KEYS_CURSOR)
    if stored is None:
        session.add(LocalState(key=SEARCH_KEYS_CURSOR, value=str(log[-1][0])))
    else:
        stored.value = str(log[-1][0])
    return len(ids)
