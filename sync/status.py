"""The stations as the district administers them (``district-server status``, the
district view's Stations page), put together from three named selects
(``sync.district.STATUS_QUERIES``) — on a session, or by ``district-server status`` on a
current SQLite file with the sqlite3 driver alone (``station_app.storage.fastread``,
``sync/district_sqlite.py``). No SQLAlchemy here."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass

from station_app.domain.conflict_rules import conflict_station
from station_app.storage.fastread import Run


@dataclass(frozen=True)
class StationStatus:
    """A station as the district administers it."""

    id: str
    code: str
    name: str
    street: str
    key: bool
    # not enrolled | code issued | code expired | enrolled | new code issued | by file |
    # revoked
    enrollment: str
    last_sync: str | None
    conflicts: int  # open sync conflicts of its rows


def enrollment_state(revoked_at: str | None, token_hash: str | None,
                     enrollment_hash: str | None, last_sync_at: str | None,
                     code_expires_at: str | None = None, now: str | None = None) -> str:
    """A station's enrollment as one word, from its credential (``now``: UTC text, to tell
    an expired code)."""
    if revoked_at:
        return "revoked"
    if enrollment_hash and code_expires_at and now and code_expires_at < now:
        enrollment_hash = None  # (an expired code is no code)
        if not token_hash and not last_sync_at:
            return "code expired"
    if token_hash and enrollment_hash:
        return "new code issued"  # enrolled; a new code waits (a replaced laptop)
    if token_hash:
        return "enrolled"
    if last_sync_at:
        return "by file"  # never online: its files come and go with the key
    return "code issued"


def station_status(run: Run) -> list[StationStatus]:
    """Every station but the district itself, by code: enrollment, last sync and open
    conflicts."""
    from datetime import UTC, datetime

    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    creds = {row[0]: row for row in run("status_credentials", False, {})}
    open_conflicts = Counter(conflict_station(station_id, json.loads(winner))
                             for station_id, winner in run("status_conflicts", False, {}))
    rows = []
    for sid, code, name, street, is_key in run("status_stations", False, {}):
        cred = creds.get(sid)
        if cred is None:
            state, last_sync = "not enrolled", None
        else:
            _sid, revoked_at, token_hash, enrollment_hash, last_sync, expires = cred
            state = enrollment_state(revoked_at, token_hash, enrollment_hash, last_sync,
                                     expires, now)
        rows.append(StationStatus(sid, code, name, street or "", bool(is_key), state,
                                  last_sync, open_conflicts.get(sid, 0)))
    return rows
