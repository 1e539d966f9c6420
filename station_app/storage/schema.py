"""Schema revisions, readable without SQLAlchemy (the client peeks before loading it)."""

from __future__ import annotations

from pathlib import Path

# Every revision this app knows, oldest first. A test checks it against the scripts.
KNOWN_REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006", "0007", "0008",
                   "0009", "0010", "0011", "0012", "0013", "0014")
SCHEMA_HEAD = KNOWN_REVISIONS[-1]


def peek_station(path: Path) -> dict[str, str] | None:
    """The local state of a current, set-up station file, read with sqlite3 alone; None
    when the file is missing, new, older or newer than this app, or unreadable (the slow,
    careful open then deals with it)."""
    if not Path(path).is_file():
        return None
    from station_app.storage import sqlfile

    try:
        con = sqlfile.connect(path, read_only=True)
        try:
            row = con.execute("SELECT version_num FROM alembic_version").fetchone()
            if not row or row[0] != SCHEMA_HEAD:
                return None
            state = dict(con.execute("SELECT key, value FROM local_state").fetchall())
        finally:
            con.close()
    except (sqlfile.Error, sqlfile.LockedDatabaseError):
        return None
    return state if state.get("station_id") else None
