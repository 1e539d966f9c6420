"""Station side of a push: gather pending changes into a changeset, clear what was acked.

``gather`` reads the outbox oldest first (one row per changed record, in its current
state, with the base stamp of its first pending change) up to a size cap; the batch id is
new each time a batch is gathered. ``acknowledge`` removes only the outbox entries the
district's acknowledgement covers: an edit made while the push was under way has a newer
stamp and stays queued for the next batch.

Rows the district refused (a visit to a station it does not know, a row the station does
not own …) are *held*: ``local_state`` ``sync_held`` maps "table:id" to "stamp reason".
They stay out of the ordinary batches, so they never block the queue; a sync gives them
another try first (``gather(only=…)``), and an edit of the row (a new stamp) or an
acknowledgement releases them.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Boolean, func, select

from station_app.domain.actor import SYSTEM_SYNC
from station_app.domain.ids import uuid7
from station_app.domain.models import MODEL_BY_TABLE, OutboxEntry
from station_app.storage import outbox
from station_app.storage.database import Database
from sync.changeset import APPLY_ORDER, Changeset, row_to_wire, wire_columns

BATCH_ROWS = 1_000
CHUNK = 500  # ids per IN (…) query


def gather(db: Database, *, limit: int = BATCH_ROWS,
           exclude: dict[str, str] | None = None,
           skip: set[tuple[str, str]] | frozenset = frozenset(),
           only: dict[str, str] | None = None) -> Changeset | None:
    """The next batch of pending changes, or None when nothing waits.

    ``exclude`` holds rows the district refused ("table:id" → "hlc reason"): they stay out
    of the batches until they change again (a new stamp). ``only``, in the same form: just
    those rows, as long as they are still pending with that stamp (held rows tried
    again). ``skip`` holds the (table, id) of a batch still on its way, so the next one can
    be gathered meanwhile.
    """
    with db.reader() as s:
        if only is not None:
            pending = [(t, r, h) for t, r, h in outbox.pending(s, skip=skip)
                       if only.get(f"{t}:{r}", " ").split(" ", 1)[0] == h][:limit]
        elif exclude:
            pending = [(t, r, h) for t, r, h in outbox.pending(s, skip=skip)
                       if exclude.get(f"{t}:{r}", " ").split(" ", 1)[0] != h][:limit]
        else:
            pending = outbox.pending(s, limit, skip)
        if not pending:
            return None
        by_table: dict[str, list[str]] = {}
        for table, row_id, _hlc in pending:
            by_table.setdefault(table, []).append(row_id)
        conn = s.connection()
        rows: dict[str, list[dict]] = {}
        for table in APPLY_ORDER:
            ids = by_table.get(table)
            if ids:
                rows[table] = wire_rows(conn, table, ids)
    return Changeset(station_id=db.station_id, node=db.node_id, batch_id=uuid7(), rows=rows)


def wire_rows(conn, table: str, ids: list[str]) -> list[dict[str, Any]]:
    """The current state of these rows as wire rows, each with the base stamp recorded
    with its first pending change. Read with plain SQL: a push reads every pending row,
    and ORM objects (or SQLAlchemy's per-value processing) would cost more than the rest
    of the batch."""
    model = MODEL_BY_TABLE[table]
    cols = wire_columns(model)
    if conn.dialect.name != "sqlite":  # stations are SQLite; this serves other callers
        out = []
        bases = {}
        t = OutboxEntry.__table__
        for i in range(0, len(ids), CHUNK):
            for row_id, base in conn.execute(
                    select(t.c.row_id, t.c.base_hlc).where(
                        t.c.table_name == table, t.c.row_id.in_(ids[i:i + CHUNK]))
                    .order_by(t.c.seq)):
                bases.setdefault(row_id, base)
        for i in range(0, len(ids), CHUNK):
            for r in conn.execute(select(model.__table__).where(
                    model.__table__.c.id.in_(ids[i:i + CHUNK]))).mappings():
                out.append(row_to_wire(model, dict(r), bases.get(r["id"])))
        return out
    names = [c.key for c in cols]
    booleans = [c.key for c in cols if isinstance(c.type, Boolean)]
    select_list = ", ".join(f'"{c.name}"' for c in cols)
    raw = conn.connection.driver_connection  # the sqlite3 connection of this session
    bases = _bases(raw, table, ids)
    out = []
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        found = raw.execute(
            f"SELECT {select_list} FROM {table} WHERE id IN ({', '.join('?' * len(chunk))})",
            chunk).fetchall()
        for values in found:
            row = dict(zip(names, values, strict=True))
            for b in booleans:
                if row[b] is not None:
                    row[b] = bool(row[b])
            row["_base"] = bases.get(row["id"])
            out.append(row)
    return out


def _bases(raw, table: str, ids: list[str]) -> dict[str, str | None]:
    """Row id → the base stamp of its first pending change (oldest outbox entry)."""
    bases: dict[str, str | None] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i:i + CHUNK]
        for row_id, base in raw.execute(
                "SELECT row_id, base_hlc FROM outbox WHERE table_name = ? AND row_id IN "
                f"({', '.join('?' * len(chunk))}) ORDER BY seq", [table, *chunk]):
            bases.setdefault(row_id, base)
    return bases


def prune(db: Database) -> int:
    """Drop outbox entries this station must never send: local copies of rows another
    owner decides (its own station row, targets, the district's removals from the watch
    list …), queued by an older app version or made by the demo. Only a change to an
    enterprise of another owner goes (a proposal, see ``sync.rules``)."""
    from sqlalchemy import delete, exists

    from sync.rules import PROPOSAL_TABLES

    removed = 0
    with db.session(SYSTEM_SYNC) as s:
        for table, model in MODEL_BY_TABLE.items():
            if table in PROPOSAL_TABLES:
                continue
            result = s.execute(delete(OutboxEntry).where(
                OutboxEntry.table_name == table,
                exists().where(model.id == OutboxEntry.row_id,
                               model.station_id != db.station_id)))
            removed += result.rowcount or 0
    return removed


def acknowledge(db: Database, acks: list[tuple[str, str, str]]) -> int:
    """Clear the outbox entries an acknowledgement covers; returns how many."""
    with db.session(SYSTEM_SYNC) as s:
        return outbox.acknowledge(s, acks)


HELD_KEY = "sync_held"


def held(db: Database, *, tidy: bool = True) -> dict[str, str]:
    """The rows held after a refusal ("table:id" → "stamp reason") that still wait with
    that stamp; entries an edit or an acknowledgement has released are dropped (and, with
    ``tidy``, the stored list is rewritten without them). Reads only the held rows'
    outbox entries, so a page can ask often."""
    try:
        stored = json.loads(db.state().get(HELD_KEY) or "{}")
    except ValueError:
        stored = {}
    if not stored:
        return {}
    newest = _newest_stamps(db, list(stored))
    current = {k: v for k, v in stored.items() if newest.get(k) == v.split(" ", 1)[0]}
    if tidy and current != stored:
        keep_held(db, current)
    return current


def held_records(db: Database, lang: str = "zh", shown: int = 10
                 ) -> tuple[int, list[tuple[str, str, str]]]:
    """The rows the district refused and the station holds, as a clerk knows them: how
    many, and of the first ``shown`` (table, the record's name, the district's reason in
    ``lang``). For the Sync page; a few indexed reads."""
    from station_app.domain.services.conflicts import record_labels
    from sync.merge import reason_text

    waiting = list(held(db, tidy=False).items())
    if not waiting:
        return 0, []
    first = waiting[:shown]
    keys = [key.split(":", 1) for key, _value in first]
    with db.reader() as s:
        labels = record_labels(s, [(t, r, None) for t, r in keys], lang)
    return len(waiting), [(t, label, reason_text(value.split(" ", 1)[1], lang))
                          for (t, _r), label, (_k, value) in zip(keys, labels, first,
                                                                 strict=True)]


def _newest_stamps(db: Database, keys: list[str]) -> dict[str, str]:
    """"table:id" → the newest stamp queued for it, for the rows still in the outbox."""
    by_table: dict[str, list[str]] = {}
    for key in keys:
        table, _sep, row_id = key.partition(":")
        by_table.setdefault(table, []).append(row_id)
    out: dict[str, str] = {}
    with db.reader() as s:
        for table, ids in by_table.items():
            for i in range(0, len(ids), CHUNK):
                out.update((f"{table}:{r}", h) for r, h in s.execute(
                    select(OutboxEntry.row_id, func.max(OutboxEntry.hlc))
                    .where(OutboxEntry.table_name == table,
                           OutboxEntry.row_id.in_(ids[i:i + CHUNK]))
                    .group_by(OutboxEntry.row_id)))
    return out


def keep_held(db: Database, rows: dict[str, str]) -> None:
    db.set_state(HELD_KEY, json.dumps(rows, ensure_ascii=False))


def hold(db: Database, refused: list[tuple[str, str, str, str]]) -> dict[str, str]:
    """Add rows the district refused, (table, id, stamp, reason), to the held ones — those
    still pending with that stamp (a row edited since goes with the next batch)."""
    rows = held(db)
    waiting = _newest_stamps(db, [f"{t}:{r}" for t, r, _h, _why in refused])
    for table, row_id, hlc, reason in refused:
        if waiting.get(f"{table}:{row_id}") == hlc:
            rows[f"{table}:{row_id}"] = f"{hlc} {reason}"
    keep_held(db, rows)
    return rows
