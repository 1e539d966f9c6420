"""Database errors that are no one's fault: a deadlock, a serialisation failure, a busy
database. Told apart by their codes — PostgreSQL's SQLSTATE, SQLite's result code — never
by their messages, which a server set to another language words otherwise."""

from __future__ import annotations

# PostgreSQL: deadlock_detected, serialization_failure — the transaction was rolled back
# whole and may simply be tried again
RETRY_SQLSTATES = frozenset({"40P01", "40001"})
# PostgreSQL: lock_not_available, too_many_connections, cannot_connect_now — busy now
BUSY_SQLSTATES = frozenset({"55P03", "53300", "57P03"})
# SQLite: SQLITE_BUSY, SQLITE_LOCKED (the primary code, in the low byte)
BUSY_SQLITE_CODES = frozenset({5, 6})


def _orig(exc: BaseException) -> BaseException:
    return getattr(exc, "orig", None) or exc


def is_transient(exc: BaseException) -> bool:
    """A deadlock or a serialisation failure: try the transaction again."""
    return getattr(_orig(exc), "sqlstate", None) in RETRY_SQLSTATES


def is_busy(exc: BaseException) -> bool:
    """The database is busy (a writer held it past the wait, no connection free):
    nothing was done; ask again in a moment."""
    orig = _orig(exc)
    if getattr(orig, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    code = getattr(orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in BUSY_SQLITE_CODES
