"""Station side of a push: gather pending changes into a changeset, clear what was acked.

``gather`` reads the outbox oldest first (one row per changed record, in its current
state, with the base stamp of its first pending change) up to a size cap; the batch id is
new each time a batch is gathered. ``acknowledge`` removes only the outbox entries the
district's acknowledgement covers: an edit made while the push was under way has a newer
stamp and stays queued for the next batch.
"""

from __future__ import annotations

from sqlalchemy import select

from station_app.domain.ids import uuid7
from station_app.domain.models import MODEL_BY_TABLE, OutboxEntry
from station_app.storage import outbox
from station_app.storage.database import Database
from sync.changeset import APPLY_ORDER, Changeset, row_to_wire

BATCH_ROWS = 1_000


def gather(db: Database, *, limit: int = BATCH_ROWS,
           exclude: dict[str, str] | None = None) -> Changeset | None:
    """The next batch of pending changes, or None when nothing waits.

    ``exclude`` holds rows the district refused ("table:id" → "hlc reason"): they stay out
    of the batches until they change again (a new stamp).
    """
    with db.reader() as s:
        if exclude:
            pending = [(t, r, h) for t, r, h in outbox.pending(s)
                       if exclude.get(f"{t}:{r}", " ").split(" ", 1)[0] != h][:limit]
        else:
            pending = outbox.pending(s, limit)
        if not pending:
            return None
        by_table_ids: dict[str, list[str]] = {}
        for table, row_id, _hlc in pending:
            by_table_ids.setdefault(table, []).append(row_id)
        # the base of a row is the one recorded with its first pending change
        bases: dict[tuple[str, str], str | None] = {}
        for table, ids in by_table_ids.items():
            for i in range(0, len(ids), 500):
                for row_id, base in s.execute(
                        select(OutboxEntry.row_id, OutboxEntry.base_hlc)
                        .where(OutboxEntry.table_name == table,
                               OutboxEntry.row_id.in_(ids[i:i + 500]))
                        .order_by(OutboxEntry.seq)):
                    bases.setdefault((table, row_id), base)
        by_table: dict[str, list[str]] = {}
        for table, row_id, _hlc in pending:
            by_table.setdefault(table, []).append(row_id)
        rows: dict[str, list[dict]] = {}
        for table in APPLY_ORDER:
            ids = by_table.get(table)
            if not ids:
                continue
            model = MODEL_BY_TABLE[table]
            for i in range(0, len(ids), 500):
                for obj in s.execute(select(model).where(model.id.in_(ids[i:i + 500]))
                                     ).scalars():
                    rows.setdefault(table, []).append(
                        row_to_wire(model, obj, bases.get((table, obj.id))))
    return Changeset(station_id=db.station_id, node=db.node_id, batch_id=uuid7(), rows=rows)


def prune(db: Database) -> int:
    """Drop outbox entries this station must never send: local copies of rows another
    owner decides (its own station row, targets …), queued by an older app version."""
    from sqlalchemy import delete, exists

    removed = 0
    with db.session() as s:
        for table, model in MODEL_BY_TABLE.items():
            if model.__shared__:
                continue
            result = s.execute(delete(OutboxEntry).where(
                OutboxEntry.table_name == table,
                exists().where(model.id == OutboxEntry.row_id,
                               model.station_id != db.station_id)))
            removed += result.rowcount or 0
    return removed


def acknowledge(db: Database, acks: list[tuple[str, str, str]]) -> int:
    """Clear the outbox entries an acknowledgement covers; returns how many."""
    with db.session() as s:
        return outbox.acknowledge(s, acks)
