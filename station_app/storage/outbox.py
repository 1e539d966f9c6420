"""The outbox: changes waiting for the district's acknowledgement.

Entries are (table, row id, hlc), written in the same transaction as the change. A push
sends the current state of each pending row; the acknowledgement names the (table, row id,
hlc) it applied, and only entries with that row and an hlc at or below the acknowledged one
are removed. An edit made while a push was under way has a newer hlc and stays queued.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session

from station_app.domain.models import OutboxEntry


def pending(session: Session, limit: int | None = None) -> list[tuple[str, str, str]]:
    """Pending rows, oldest first, one per row with the newest hlc queued for it."""
    q = (
        select(OutboxEntry.table_name, OutboxEntry.row_id, func.max(OutboxEntry.hlc))
        .group_by(OutboxEntry.table_name, OutboxEntry.row_id)
        .order_by(func.min(OutboxEntry.seq))
    )
    if limit:
        q = q.limit(limit)
    return [(t, r, h) for t, r, h in session.execute(q)]


def acknowledge(session: Session, acked: Iterable[tuple[str, str, str]]) -> int:
    """Remove the entries an acknowledgement covers. Returns how many were removed."""
    removed = 0
    for table, row_id, hlc in acked:
        result = session.execute(
            delete(OutboxEntry).where(
                and_(OutboxEntry.table_name == table, OutboxEntry.row_id == row_id,
                     OutboxEntry.hlc <= hlc)
            )
        )
        removed += result.rowcount or 0
    return removed
