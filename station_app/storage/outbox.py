"""The outbox: changes waiting for the district's acknowledgement.

Entries are (table, row id, hlc), written in the same transaction as the change. A push
sends the current state of each pending row; the acknowledgement names the (table, row id,
hlc) it applied, and only entries with that row and an hlc at or below the acknowledged one
are removed. An edit made while a push was under way has a newer hlc and stays queued.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, bindparam, delete, func, select
from sqlalchemy.orm import Session

from station_app.domain.models import OutboxEntry


def pending(session: Session, limit: int | None = None,
            skip: set[tuple[str, str]] | frozenset = frozenset()) -> list[tuple[str, str, str]]:
    """Pending rows, oldest first, one per row with the newest hlc queued for it.

    With a ``limit`` the outbox is read in order only until that many rows are found, so
    taking the next batch costs the batch, not the whole queue. Rows in ``skip`` (table,
    id) are passed over: a batch still on its way to the district.
    """
    if limit is None and not skip:
        q = (
            select(OutboxEntry.table_name, OutboxEntry.row_id, func.max(OutboxEntry.hlc))
            .group_by(OutboxEntry.table_name, OutboxEntry.row_id)
            .order_by(func.min(OutboxEntry.seq))
        )
        return [(t, r, h) for t, r, h in session.execute(q)]
    found: dict[tuple[str, str], str] = {}
    result = session.execute(
        select(OutboxEntry.table_name, OutboxEntry.row_id, OutboxEntry.hlc)
        .order_by(OutboxEntry.seq).execution_options(yield_per=2_000))
    for table, row_id, hlc in result:
        key = (table, row_id)
        if key in skip:
            continue
        if key in found:
            found[key] = max(found[key], hlc)
        elif limit is None or len(found) < limit:
            found[key] = hlc
        else:
            break
    result.close()
    return [(t, r, h) for (t, r), h in found.items()]


def acknowledge(session: Session, acked: Iterable[tuple[str, str, str]]) -> int:
    """Remove the entries an acknowledgement covers. Returns how many were removed."""
    params = [{"t": t, "r": r, "h": h} for t, r, h in acked]
    if not params:
        return 0
    stmt = delete(OutboxEntry.__table__).where(
        and_(OutboxEntry.__table__.c.table_name == bindparam("t"),
             OutboxEntry.__table__.c.row_id == bindparam("r"),
             OutboxEntry.__table__.c.hlc <= bindparam("h")))
    result = session.connection().execute(stmt, params)  # one executemany
    return max(result.rowcount or 0, 0)
