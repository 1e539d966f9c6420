"""SQLite files, encrypted or plain, through one driver: SQLCipher (``sqlcipher3``).

Every SQLite connection of the product goes through ``connect`` here (and the engine's
``do_connect`` hook, which calls it): the driver is ``sqlcipher3.dbapi2``, a drop-in
DB-API module for ``sqlite3`` built on SQLCipher 4. A connection to an encrypted file
runs ``PRAGMA key`` with the raw 256-bit data key before anything else (a raw key skips
SQLCipher's own passphrase derivation, which would otherwise cost every connection a
PBKDF2 run); a plain file (tests, a file from an older version before its conversion)
is opened as it is.

Which key a file takes is looked up in this process's key registry (``remember``): the
login unwraps the data key (``storage.keys``) and registers it for the database and its
backups folder, so the backup, fast-read and check paths that take a path keep working
without carrying the key through every call. Nothing is written to disk here.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

import sqlcipher3.dbapi2 as dbapi

from station_app.storage.errors import StorageError

# the first 16 bytes of every plain SQLite file; an encrypted file's first page is
# random-looking from its first byte (SQLCipher 4 keeps its salt there)
PLAIN_HEADER = b"SQLite format 3\x00"
KEY_BYTES = 32

# SQLCipher's build turns recursive triggers on by default; SQLite's is off, and the
# capture triggers were written for that
DRIVER_PRAGMAS = ("PRAGMA recursive_triggers=OFF",)

log = logging.getLogger(__name__)

dbapi.register_adapter(date, date.isoformat)

# the exceptions callers catch, as the driver raises them
Error = dbapi.Error
DatabaseError = dbapi.DatabaseError
OperationalError = dbapi.OperationalError
Connection = dbapi.Connection


class LockedDatabaseError(StorageError):
    """An encrypted file opened before its key is known (no login yet, or a key file
    that does not belong to it)."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(
            f"{path} is encrypted: log in first (station-admin commands take --user and "
            "the password on standard input or in STATION_PASSWORD)",
            f"{path} 已加密，请先登录（station-admin 命令用 --user 指定用户，密码从标准输入或 "
            "STATION_PASSWORD 环境变量读取）",
        )


_lock = threading.Lock()
_keys: dict[Path, bytes] = {}


def _norm(path: str | Path) -> Path:
    return Path(path).expanduser().resolve()


def remember(db_path: str | Path, key: bytes) -> None:
    """Register the data key of a database (for it, its WAL and its backups folder)."""
    if len(key) != KEY_BYTES:
        raise ValueError("a data key is 32 bytes")
    with _lock:
        _keys[_norm(db_path)] = key


def forget(db_path: str | Path) -> None:
    with _lock:
        _keys.pop(_norm(db_path), None)


def key_for(path: str | Path) -> bytes | None:
    """The registered key of a database file, or of a file in its backups folder."""
    p = _norm(path)
    with _lock:
        key = _keys.get(p)
        if key is not None:
            return key
        for db, k in _keys.items():
            if p.parent == db.parent / "backups" or p.parent == db.parent:
                if p.name.startswith(db.stem + "."):
                    return k
    return None


def is_plain(path: str | Path) -> bool | None:
    """True for a plain SQLite file, False for an encrypted one, None when there is no
    file yet (or an empty one)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(PLAIN_HEADER))
    except FileNotFoundError:
        return None
    if not head:
        return None
    return head == PLAIN_HEADER


def key_pragma(key: bytes) -> str:
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect(path: str | Path, *, key: bytes | None = None, read_only: bool = False,
            **kwargs) -> dbapi.Connection:
    """A connection to a SQLite file, keyed when the file is (or will be) encrypted.

    ``key``: the data key; by default the registered one (``key_for``). A plain file is
    opened without a key; a new file is created encrypted when a key is known.
    ``read_only``: opened with ``mode=ro`` (the file must exist)."""
    plain = is_plain(path)
    if key is None and plain is not True:
        key = key_for(path)
    if plain is False and key is None:
        raise LockedDatabaseError(Path(path))
    if read_only:
        con = dbapi.connect(f"file:{Path(path)}?mode=ro", uri=True, **kwargs)
    else:
        con = dbapi.connect(str(path), **kwargs)
    try:
        if key is not None and plain is not True:
            con.execute(key_pragma(key))
        for pragma in DRIVER_PRAGMAS:
            con.execute(pragma)
    except BaseException:
        con.close()
        raise
    return con


def wrong_key(exc: BaseException) -> bool:
    """Whether a driver error means the key does not open the file (SQLCipher reports
    a wrong key as "file is not a database" on the first read)."""
    return isinstance(exc, DatabaseError) and "file is not a database" in str(exc)


def encrypt_copy(plain_path: Path, target: Path, key: bytes) -> None:
    """Write an encrypted copy of a plain SQLite file (``sqlcipher_export``): ``target``
    must not exist. Used once per file, when a file from an older version is converted."""
    con = dbapi.connect(str(plain_path), isolation_level=None)
    try:
        con.execute("ATTACH DATABASE ? AS enc KEY \"x'" + key.hex() + "'\"", (str(target),))
        con.execute("SELECT sqlcipher_export('enc')")
        version = con.execute("PRAGMA main.user_version").fetchone()[0]
        con.execute(f"PRAGMA enc.user_version = {int(version)}")
        con.execute("DETACH DATABASE enc")
    finally:
        con.close()


def encrypt_in_place(path: Path, key: bytes,
                     prepare: Callable[[dbapi.Connection], None] | None = None) -> None:
    """Replace a plain SQLite file (closed, its WAL checkpointed) by its encrypted copy,
    once: the copy is written beside it and checked (``quick_check``), ``prepare(con)``
    runs on the keyed copy before it replaces the file (a station writes its key file
    from the copy's users there: the key must be kept before the plain file goes), then
    the copy replaces the file (0600), its WAL and journal files are removed and the key
    registered. A crash leaves the plain file or the encrypted one, never half of one."""
    path = Path(path)
    tmp = Path(f"{path}.encrypting")
    tmp.unlink(missing_ok=True)
    encrypt_copy(path, tmp, key)
    try:
        con = connect(tmp, key=key)
        try:
            if con.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise StorageError(f"the encrypted copy of {path} failed its check; the "
                                   "file was left as it was",
                                   f"{path} 的加密副本未通过检查，原文件未改动")
            if prepare is not None:
                prepare(con)
        finally:
            con.close()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if hasattr(os, "chmod"):
        os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    remember(path, key)


def encrypt_backup(backup: Path, key: bytes) -> None:
    """A plain backup replaced by its encrypted copy; one that cannot be read (damaged,
    so of no use, and plain) is removed."""
    try:
        encrypt_in_place(backup, key)
    except (DatabaseError, StorageError):
        Path(backup).unlink(missing_ok=True)
        log.warning("plain backup %s could not be encrypted; removed", backup)
    finally:
        forget(backup)  # (a backup's key comes from its database's)
