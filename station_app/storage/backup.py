"""Backups of a station's SQLite file with the SQLite online backup API, and restore.

Backups live in ``<folder of the database>/backups/`` named
``<stem>.<YYYYmmddTHHMMSS>.<reason>.sqlite3`` and are kept in rotation per reason:
``migration`` (before every schema upgrade), ``daily`` (the first open of each day),
``manual`` (the CLI and the menu) and ``restore`` (the file as it was before a restore).
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from station_app.storage import sqlfile

log = logging.getLogger(__name__)

KEEP = {"migration": 5, "daily": 7, "manual": 10, "restore": 3}
PG_DUMP_TIMEOUT_S = 6 * 3600  # a dump still running after this is stuck
STAMP = "%Y%m%dT%H%M%S"


class BackupError(Exception):
    """A backup could not be made or restored; the message says what to do."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    taken_at: datetime
    reason: str
    size: int


def backup_dir(db_path: Path) -> Path:
    return Path(db_path).resolve().parent / "backups"


def _scan(db_path: Path) -> list[tuple[BackupInfo, int]]:
    """(backup, sequence within its second), newest first. Backups taken within the same
    second carry a sequence number after the time stamp (``…T120000``, ``…T12000001``)."""
    db_path = Path(db_path)
    folder = backup_dir(db_path)
    if not folder.is_dir():
        return []
    out = []
    for p in folder.glob(f"{db_path.stem}.*.sqlite3"):
        parts = p.name[len(db_path.stem) + 1 : -len(".sqlite3")].split(".")
        if len(parts) != 2:
            continue
        try:
            taken = datetime.strptime(parts[0][:15], STAMP)
            seq = int(parts[0][15:] or 0)
        except ValueError:
            continue
        out.append((BackupInfo(p, taken, parts[1], p.stat().st_size), seq))
    out.sort(key=lambda b: (b[0].taken_at, b[1], b[0].path.name), reverse=True)
    return out


def list_backups(db_path: Path) -> list[BackupInfo]:
    """The backups of this database, newest first."""
    return [b for b, _ in _scan(db_path)]


def make_backup(db_path: Path, reason: str = "manual", *, keep: int | None = None,
                target: Path | None = None) -> Path:
    """Copy the database with the backup API (consistent even while in use): into the
    backups folder beside it (rotated), or to ``target`` (a file that must not exist)."""
    db_path = Path(db_path)
    if not db_path.exists():
        raise BackupError(f"no database at {db_path}")
    rotate = target is None
    if target is not None:
        target = Path(target)
        if target.exists():
            raise BackupError(f"{target} exists already; choose another file")
        target.parent.mkdir(parents=True, exist_ok=True)
    else:
        folder = backup_dir(db_path)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)  # (its owner's only)
        now = datetime.now().replace(microsecond=0)
        # Two backups in one second: number them after the newest of that second (any
        # reason), so names never repeat and sort in the order they were taken.
        same_second = [seq for b, seq in _scan(db_path) if b.taken_at == now]
        n = max(same_second) + 1 if same_second else 0
        suffix = f"{n:02d}" if n else ""
        target = folder / f"{db_path.stem}.{now.strftime(STAMP)}{suffix}.{reason}.sqlite3"
    tmp = target.with_name(target.name + ".partial")
    key = sqlfile.key_for(db_path)  # an encrypted file's backup is encrypted with its key
    src = sqlfile.connect(db_path, read_only=True)
    try:
        dst = sqlfile.connect(tmp, key=key)
        if hasattr(os, "chmod"):
            os.chmod(tmp, 0o600)
        try:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
        finally:
            dst.close()
    except sqlfile.DatabaseError as exc:
        tmp.unlink(missing_ok=True)
        raise BackupError(f"could not back up {db_path}: {exc}") from exc
    finally:
        src.close()
    os.replace(tmp, target)
    _copy_key_file(db_path, target.parent)
    if rotate:
        _rotate(db_path, reason, KEEP.get(reason, 10) if keep is None else keep)
    log.info("backup %s of %s written to %s", reason, db_path, target)
    return target


def _copy_key_file(db_path: Path, folder: Path) -> None:
    """The key file goes with the backups (it holds the data key only wrapped by the
    users' passwords): a lost key file is replaced from the backups folder."""
    from station_app.storage.keys import key_file_path, write_private

    source = key_file_path(db_path)
    if source.is_file():
        write_private(folder / source.name, source.read_bytes())


def _rotate(db_path: Path, reason: str, keep: int) -> None:
    same = [b for b in list_backups(db_path) if b.reason == reason]
    for old in same[keep:]:
        old.path.unlink(missing_ok=True)


def daily_backup(db_path: Path) -> Path | None:
    """Make today's backup unless one exists already. Returns the new file or None."""
    today = datetime.now().date()
    for b in list_backups(db_path):
        if b.reason == "daily" and b.taken_at.date() == today:
            return None
    return make_backup(db_path, "daily")


def is_good(path: Path, key: bytes | None = None) -> bool:
    """Whether a file is a readable SQLite database that passes ``quick_check`` (an
    encrypted one with ``key`` or the key registered for it)."""
    try:
        con = sqlfile.connect(path, read_only=True, key=key)
        try:
            row = con.execute("PRAGMA quick_check").fetchone()
            con.execute("SELECT count(*) FROM local_state").fetchone()
            return row is not None and row[0] == "ok"
        finally:
            con.close()
    except (sqlfile.DatabaseError, sqlfile.LockedDatabaseError):
        return False


def newest_good_backup(db_path: Path) -> BackupInfo | None:
    for b in list_backups(db_path):
        if is_good(b.path):
            return b
    return None


def restore_backup(db_path: Path, backup: Path) -> Path | None:
    """Replace the database with a backup. Returns the backup made of the current file.

    No other connection may be open on ``db_path``. The current file is kept as a
    ``restore`` backup first when it can still be read, so a restore can be undone.
    """
    db_path, backup = Path(db_path), Path(backup)
    key = sqlfile.key_for(db_path)  # (a backup picked from elsewhere: the file's own key)
    if not is_good(backup, sqlfile.key_for(backup) or key):
        raise BackupError(
            f"{backup} is not a usable Station app backup (it fails the integrity check)"
        )
    saved = None
    if db_path.exists() and is_good(db_path):
        saved = make_backup(db_path, "restore")
    elif db_path.exists():
        # A damaged file cannot be read by the backup API: keep it aside as it is.
        aside = backup_dir(db_path) / (
            f"{db_path.stem}.{datetime.now().strftime(STAMP)}.damaged.sqlite3"
        )
        aside.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(db_path, aside)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    src = sqlfile.connect(backup, read_only=True, key=sqlfile.key_for(backup) or key)
    try:
        dst = sqlfile.connect(db_path, key=key if sqlfile.is_plain(backup) is False
                              else None)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    # A restored station must not reuse its node id for new changes (see sync --reseed).
    con = sqlfile.connect(db_path)
    try:
        with con:
            con.execute(
                "INSERT OR REPLACE INTO local_state (key, value) VALUES ('needs_reseed', ?)",
                (backup.name,),
            )
    finally:
        con.close()
    log.warning("database %s restored from %s", db_path, backup)
    return saved


def unsynced_since(db_path: Path, backup: Path) -> int:
    """How many records hold changes that a restore of ``backup`` would lose: rows with
    an outbox entry (a change the district has not acknowledged) that the backup's own
    outbox does not hold — changes made since the backup and never synced. (Changes
    since the backup that were synced come back from the district after the restore.)
    Counted as the status bar counts changes not yet sent: one per record."""
    con = sqlfile.connect(db_path, read_only=True)
    try:
        if con.execute("SELECT 1 FROM sqlite_master WHERE name = 'outbox'").fetchone() is None:
            return 0  # (a district's file: it sends no changes to anyone)
        con.execute("ATTACH DATABASE ? AS b", (f"file:{Path(backup)}?mode=ro",))
        try:
            return int(con.execute(
                "SELECT count(*) FROM (SELECT DISTINCT o.table_name, o.row_id "
                "FROM main.outbox o WHERE NOT EXISTS (SELECT 1 FROM b.outbox x "
                "WHERE x.table_name = o.table_name AND x.row_id = o.row_id "
                "AND x.hlc = o.hlc))").fetchone()[0])
        except sqlfile.OperationalError:  # a backup from before the outbox: all of it
            return int(con.execute("SELECT count(*) FROM (SELECT DISTINCT table_name, "
                                   "row_id FROM main.outbox)").fetchone()[0])
    finally:
        con.close()


# --------------------------------------------------------------------------- PostgreSQL


def find_pg_dump() -> str | None:
    """``pg_dump`` on the PATH, in ``$PG_BIN``, or the newest ``/usr/lib/postgresql/*/bin``."""
    found = shutil.which("pg_dump")
    if found:
        return found
    candidates = [Path(os.environ["PG_BIN"])] if os.environ.get("PG_BIN") else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"),
                         key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
                         reverse=True)
    for folder in candidates:
        if (folder / "pg_dump").is_file():
            return str(folder / "pg_dump")
    return None


def pg_dump(url, target: Path) -> Path:
    """A custom-format ``pg_dump`` of the database at a SQLAlchemy URL into ``target``."""
    import subprocess

    exe = find_pg_dump()
    if exe is None:
        raise BackupError("pg_dump is not installed here: install the PostgreSQL client "
                          "tools (or set PG_BIN to their folder)")
    if target.exists():
        raise BackupError(f"{target} exists already; choose another file")
    target.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = url.password
    # into a partial file, named as the dump only once pg_dump succeeded: a failed or
    # hung dump never passes for a backup
    partial = target.with_name(target.name + ".partial")
    cmd = [exe, "-Fc", "-f", str(partial), "-h", url.host or "localhost",
           "-p", str(url.port or 5432), "-U", url.username or "postgres", url.database]
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True,
                              timeout=PG_DUMP_TIMEOUT_S)
    except subprocess.TimeoutExpired as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump did not finish within {PG_DUMP_TIMEOUT_S} s") from exc
    if done.returncode:
        partial.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    os.replace(partial, target)
    log.info("pg_dump of %s written to %s", url.render_as_string(hide_password=True), target)
    return target


def pg_backup_path(url, reason: str) -> Path:
    """Where an automatic dump of a server database goes: the data folder's backups."""
    from station_app.paths import data_dir

    return (data_dir() / "backups" /
            f"{url.database}.{datetime.now().strftime(STAMP)}.{reason}.dump")
