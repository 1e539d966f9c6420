"""Reading a current SQLite file with the sqlite3 driver alone, for the command lines.

``station-admin report`` and ``district-server status`` are scripted by the dozen; loading
SQLAlchemy and the models takes several times longer than their queries. On a SQLite file
whose schema is current they open a ``Snapshot`` instead: the same checks as
``open_database`` (a missing or empty file, another program's file, a newer schema, and
``PRAGMA quick_check`` when asked), then one read-only transaction. The queries are the
very selects the services define with SQLAlchemy (``services.metrics.QUERIES``,
``sync.district.STATUS_QUERIES``), compiled for SQLite into generated modules
(``…_sqlite.py``, by ``python -m station_app.storage.sqlgen``; a test keeps them
current), so a figure has one definition whichever path counts it. Anything else — a
server database, an older schema to migrate, a file not yet set up — returns None from
``Snapshot.open`` and the caller takes the full path.

No SQLAlchemy here: importing this module must stay cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from station_app.domain.ids import DISTRICT_OWNER_ID
from station_app.storage import sqlfile
from station_app.storage.errors import (
    STATION_INIT,
    DamagedDatabaseError,
    MissingDatabaseError,
    newer_error,
    read_revision,
    sqlite_path,
)
from station_app.storage.schema import KNOWN_REVISIONS, SCHEMA_HEAD

BUSY_TIMEOUT_MS = 10_000  # as ``storage.engine``

# (name, station-scoped?) -> (SQL for SQLite with :named parameters, the constants it
# binds, how to read each result column: "date", "bool" or None)
CompiledQueries = Mapping[tuple[str, bool], tuple[str, Mapping[str, Any], tuple[str | None, ...]]]
# run(name, station-scoped?, parameters) -> rows
Run = Callable[[str, bool, Mapping[str, Any]], Sequence[Sequence[Any]]]


def _to_db(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _reader(kind: str | None) -> Callable[[Any], Any] | None:
    if kind == "date":
        return lambda v: date.fromisoformat(v) if v is not None else None
    if kind == "bool":
        return lambda v: bool(v) if v is not None else None
    return None


class Snapshot:
    """A read-only transaction on a current station or district file (sqlite3 alone)."""

    def __init__(self, path: Path, con: sqlfile.Connection, state: dict[str, str]):
        self.path = path
        self._con = con
        self.state = state
        self.station_id = state.get("station_id")

    @property
    def is_district(self) -> bool:
        return self.station_id == DISTRICT_OWNER_ID

    @classmethod
    def open(cls, target: str | Path, *, check: bool = True,
             create_with: str = STATION_INIT) -> Snapshot | None:
        """The snapshot, or None when the full path must open this database (see the
        module doc). Raises the errors ``open_database`` raises for the same file."""
        path = sqlite_path(target)
        if path is None:
            return None
        if not (path.exists() and path.stat().st_size > 0):
            raise MissingDatabaseError(path, create_with)
        revision = read_revision(path)
        if revision is not None and revision not in KNOWN_REVISIONS:
            raise newer_error(str(path), revision)
        if revision != SCHEMA_HEAD:
            return None
        con = sqlfile.connect(path, isolation_level=None)
        try:
            con.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if check:
                try:
                    rows = [r[0] for r in con.execute("PRAGMA quick_check")]
                except sqlfile.OperationalError:  # locked or I/O trouble: no verdict
                    raise
                except sqlfile.DatabaseError as exc:  # a torn file
                    rows = [str(exc)]
                if rows != ["ok"]:
                    raise DamagedDatabaseError(path, "; ".join(rows[:3]))
            con.execute("PRAGMA query_only = ON")
            con.execute("BEGIN")
            try:
                state = dict(con.execute("SELECT key, value FROM local_state").fetchall())
            except sqlfile.OperationalError:
                raise
            except sqlfile.DatabaseError as exc:  # a torn page under local_state
                raise DamagedDatabaseError(path, str(exc)) from exc
        except BaseException:
            con.close()
            raise
        if not state.get("node_id") or "hlc" not in state:
            con.close()  # opening it writes its identity: the full path does that
            return None
        return cls(path, con, state)

    def run(self, compiled: CompiledQueries) -> Run:
        """``Run`` over these compiled selects."""
        def run(name: str, station: bool, params: Mapping[str, Any]) -> list[tuple]:
            sql, constants, kinds = compiled[(name, station)]
            bound = {**constants, **{k: _to_db(v) for k, v in params.items()}}
            rows = self._con.execute(sql, bound).fetchall()
            readers = [(i, r) for i, r in enumerate(map(_reader, kinds)) if r is not None]
            if not readers:
                return rows
            out = []
            for row in rows:
                row = list(row)
                for i, read in readers:
                    row[i] = read(row[i])
                out.append(tuple(row))
            return out
        return run

    def close(self) -> None:
        try:
            self._con.execute("ROLLBACK")  # nothing was written
        except sqlfile.Error:
            pass
        self._con.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def session_run(session, queries: Mapping[str, Callable[[bool], Any]]) -> Run:
    """``Run`` over a SQLAlchemy session: the named select built and executed."""
    def run(name: str, station: bool, params: Mapping[str, Any]) -> list[tuple]:
        return [tuple(r) for r in session.execute(queries[name](station), dict(params))]
    return run
