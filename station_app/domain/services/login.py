"""Opening a station's encrypted file with a login: the key file, the lock, the
conversion of a plain file from an older version, the recovery key, a new station.

The login screen shows what the key file says (``key_file_info``: the station's code and
name) before a password is typed; ``login`` then unwraps the data key with the user's
password (``storage.keys``), opens the database with it and authenticates the user there
(``users.authenticate``: an inactive account, the lock, the audit). The app and
``station-admin`` open station files only this way.

Wrong passwords typed while the file cannot be opened are kept in the key file; the
next login copies them into the audit log (``login-failed``, and ``user-locked`` where
they locked the account), where the lock and the audit viewer read them.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

from station_app.domain.actor import SYSTEM_LOGIN, Actor
from station_app.domain.models import AuditRecord
from station_app.domain.services import users
from station_app.domain.validation import (
    FIELD_LABELS,
    FieldError,
    ValidationError,
    normalize_text,
    register_messages,
)
from station_app.storage import keys as keyfiles
from station_app.storage import sqlfile
from station_app.storage.backup import backup_dir, list_backups, make_backup
from station_app.storage.database import Database, open_database
from station_app.storage.errors import MissingDatabaseError, StorageError

log = logging.getLogger(__name__)

RECOVERY_ACTOR = Actor("recovery", "system", None, "恢复密钥")

FIELD_LABELS.setdefault("recovery_key", ("恢复密钥", "Recovery key"))
register_messages({
    "recovery.not_a_key": (
        "这不是本软件的恢复密钥（有字符输错或遗漏）：恢复密钥共 14 组，每组 4 个字符（字母 A–Z 和数字 2–7）",
        "This is not a recovery key of this app (a character is wrong or missing): it has "
        "14 groups of 4 letters A–Z and digits 2–7",
    ),
    "recovery.wrong_file": (
        "这个恢复密钥打不开这个文件（它属于另一个站点的文件）",
        "This recovery key does not open this file (it belongs to another station's file)",
    ),
    "user.not_station_file": (
        "这是区总工会的数据库，请用区总工会视图打开",
        "This is the district's database: open it in the district view",
    ),
    "user.recover_admin_only": (
        "恢复密钥只能为站点管理员设置新密码；其他用户的密码由站点管理员重置",
        "The recovery key sets a new password for a station admin only; a station admin "
        "resets other users' passwords",
    ),
})


@dataclass
class Login:
    """A station file opened by a user: the database, who, whether they must choose a
    new password first, and — when this login encrypted a plain file (or set up a new
    station) — the recovery key to show once."""

    db: Database
    actor: Actor
    must_change: bool = False
    recovery_key: str | None = None


@dataclass(frozen=True)
class KeyFileInfo:
    """What the login screen may show before a password: from the key file (an encrypted
    station), or from the plain file itself (a file from an older version)."""

    station_code: str
    station_name: str
    encrypted: bool


def key_file_info(path: Path) -> KeyFileInfo | None:
    """The station a file belongs to, read without its key; None for no file yet."""
    path = Path(path)
    plain = sqlfile.is_plain(path)
    if plain is None:
        return None
    if plain:
        from station_app.storage.schema import peek_station

        state = peek_station(path) or {}
        return KeyFileInfo(state.get("station_code", ""), "", False)
    kf = keyfiles.KeyFile.load(keyfiles.key_file_path(path))
    if kf is None:
        return KeyFileInfo("", "", True)
    return KeyFileInfo(kf.station_code, kf.station_name, True)


class MissingKeyFileError(StorageError):
    def __init__(self, path: Path):
        keys = keyfiles.key_file_path(path)
        copy = backup_dir(path) / keys.name
        where = (f" A copy is in the backups folder: {copy}." if copy.exists() else "")
        where_zh = f"备份文件夹中有一份副本：{copy}。" if copy.exists() else ""
        super().__init__(
            f"{path} is encrypted and its key file {keys} is missing.{where} Copy it back, "
            "or open the file with its recovery key (station-admin recover, or 用恢复密钥 on "
            "the login screen).",
            f"{path} 已加密，但其密钥文件 {keys} 不见了。{where_zh}请将其复制回原处，或用恢复密钥打开"
            "（登录窗口的“用恢复密钥”，或 station-admin recover）。")


def _failed(field: str = "password") -> ValidationError:
    return ValidationError([FieldError(field, "user.login_failed")])


def _lock_until(failures: list[datetime]) -> datetime | None:
    """The end of the lock these wrong passwords (within the window) set, if any."""
    if len(failures) < users.LOCK_AFTER:
        return None
    return sorted(failures)[users.LOCK_AFTER - 1] + users.LOCK_FOR


def login(path: Path, username: str, password: str, *, now: datetime | None = None,
          check: bool = False) -> Login:
    """Open the station file at ``path`` as this user (see the module doc). A wrong user
    name or password, or a locked account, is a ``ValidationError`` naming the field; a
    plain file from an older version is encrypted at this first login (``Login``'s
    ``recovery_key`` is then set)."""
    path = Path(path)
    now = now or datetime.now(UTC)
    name = normalize_text(username).lower()
    plain = sqlfile.is_plain(path)
    if plain is None:
        raise MissingDatabaseError(path, "station-admin init --db {path} …")
    if plain:
        return _login_plain(path, name, password, now=now, check=check)
    kf, key, proof = _unwrap(path, name, password, now)
    db = open_database(path, key=key, check=check)
    try:
        for failed in sorted(kf.failures):  # everyone's: the admin sees who is locked
            _audit_key_file_failures(db, kf, failed)
        try:
            with db.session(SYSTEM_LOGIN) as s:  # (the unwrap's derivation proves it)
                actor = users.authenticate(s, name, password, now=now, proof=proof)
        except ValidationError as exc:
            if [e.code for e in exc.errors] != ["user.login_failed"]:
                raise
            # the key file knows this password, the file an older one (a backup restored
            # from before a change): the password that opened the key holds
            with db.session(SYSTEM_LOGIN) as s:
                users.adopt_password(s, name, password)
            with db.session(SYSTEM_LOGIN) as s:
                actor = users.authenticate(s, name, password, now=now)
        with db.reader() as s:
            must_change = users.needs_new_password(s, actor)
        db.write_key_file()  # one wrap per active user: a change a crash left half-done
        recovery = _recovery_for(actor, path, key)
    except BaseException:
        db.close()
        raise
    return Login(db, actor, must_change, recovery)


def _recovery_for(actor: Actor, path: Path, key: bytes) -> str | None:
    """The recovery key, when one is still to be shown and this is a station admin."""
    if actor.role != "station_admin":
        return None
    kf = keyfiles.KeyFile.load(keyfiles.key_file_path(path))
    if kf is None or not kf.recovery_pending:
        return None
    kf.recovery_pending = False
    kf.save()
    return keyfiles.recovery_text(key)


def unlock_to_read(path: Path, username: str, password: str, *,
                   now: datetime | None = None) -> None:
    """The light login of a read-only look that prints no personal data (a command
    line's figures: ``report --json``, ``status``): the lock checked and the data key
    unwrapped from the key file, and registered for the file, without opening the
    database (no SQLAlchemy, no audit record: nothing is written). Only an active user's
    password unwraps the key. Refusals as ``login``'s; a plain file needs nothing."""
    path = Path(path)
    if sqlfile.is_plain(path) is not False:
        return
    _kf, key, _proof = _unwrap(path, normalize_text(username).lower(), password,
                               now or datetime.now(UTC))
    sqlfile.remember(path, key)


def _unwrap(path: Path, name: str, password: str, now: datetime
            ) -> tuple[keyfiles.KeyFile, bytes, keyfiles.Proof]:
    """The key file, the data key and the derivation that proved the password; a
    locked account or a wrong password refused (and kept in the key file, where the
    wrong password that locks says so at once)."""
    kf = keyfiles.KeyFile.load(keyfiles.key_file_path(path))
    if kf is None:
        raise MissingKeyFileError(path)
    _refuse_if_locked(kf, name, max(users.LOCK_WINDOW, users.LOCK_FOR), now)
    key, proof = kf.open(name, password) if name else (None, None)
    if key is None:
        kf.record_failure(name, now)
        _refuse_if_locked(kf, name, users.LOCK_WINDOW, now)
        raise _failed()
    return kf, key, proof


def _refuse_if_locked(kf: keyfiles.KeyFile, name: str, window, now: datetime) -> None:
    until = _lock_until(kf.recent_failures(name, window, now))
    if until is not None and until > now:
        raise ValidationError([users._locked_error(users.LockState(True, until,
                                                                   users.LOCK_AFTER))])


def _audit_key_file_failures(db: Database, kf: keyfiles.KeyFile, name: str) -> None:
    """The wrong passwords the key file kept (the database could not be opened to record
    them) into the audit log, with the locks they set; then out of the key file."""
    stamps = sorted(kf.failures.get(name, ()))
    if not stamps:
        return
    with db.engine.connect() as conn:
        row = conn.exec_driver_sql("SELECT id FROM users WHERE username = ?",
                                   (name,)).first()
    row_id = str(row[0]) if row else None
    records, recent = [], []
    for stamp in stamps:
        try:
            at = datetime.strptime(stamp, keyfiles.STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue
        detail = json.dumps({"username": name, "key_file": True}, ensure_ascii=False)
        records.append({"at": stamp, "actor": "login", "action": "login-failed",
                        "table_name": "users", "row_id": row_id, "detail": detail})
        recent = [t for t in recent if t > at - users.LOCK_WINDOW] + [at]
        if len(recent) == users.LOCK_AFTER:
            until = (at + users.LOCK_FOR).strftime(users.STAMP)
            records.append({"at": stamp, "actor": "login", "action": "user-locked",
                            "table_name": "users", "row_id": row_id,
                            "detail": json.dumps({"username": name,
                                                  "failures": users.LOCK_AFTER,
                                                  "until": until}, ensure_ascii=False)})
            recent = []
    with db.engine.begin() as conn:
        conn.execute(insert(AuditRecord), records)
    kf.take_failures(name)


def _login_plain(path: Path, name: str, password: str, *, now: datetime,
                 check: bool) -> Login:
    """A plain file (written by an older version): authenticate as that version did,
    then encrypt it, once, for good."""
    db = open_database(path, check=check)
    try:
        with db.session(SYSTEM_LOGIN) as s:
            actor = users.authenticate(s, name, password, now=now)
            must_change = users.needs_new_password(s, actor)
    except BaseException:
        db.close()
        raise
    if db.is_district:
        db.close()
        raise ValidationError([FieldError("username", "user.not_station_file")])
    db, recovery = encrypt_plain_file(db)
    if actor.role != "station_admin":
        # the recovery key opens the file for good: it is a station admin's to keep, shown
        # at their next login (a clerk sees only that the file is now encrypted)
        kf = keyfiles.KeyFile.load(keyfiles.key_file_path(db.path))
        kf.recovery_pending = True
        kf.save()
        recovery = None
    return Login(db, actor, must_change, recovery)


def encrypt_plain_file(db: Database) -> tuple[Database, str]:
    """Encrypt a plain station file in place, once: a new data key, the key file written
    from its users, the file replaced by its encrypted copy, every plain backup replaced
    by an encrypted one, an encrypted ``encrypt`` backup taken. Returns the database
    opened with its key and the recovery key (to show once). A crash at any point leaves
    the plain file (converted again at the next login) or the encrypted one with its key
    file, never a file nobody can open."""
    path = db.path
    assert path is not None
    key = keyfiles.new_data_key()
    db.close()  # (checkpoints the WAL into the file)

    def keep_the_key(con) -> None:  # the key file, from the copy's users, comes first
        state = dict(con.execute("SELECT key, value FROM local_state").fetchall())
        rows = con.execute("SELECT username, password_hash, active FROM users").fetchall()
        name = con.execute("SELECT name FROM stations WHERE id = ?",
                           (state.get("station_id", ""),)).fetchone()
        keyfiles.build_key_file(keyfiles.key_file_path(path), key,
                                [(u, h, bool(a)) for u, h, a in rows],
                                station_code=state.get("station_code", ""),
                                station_name=name[0] if name else "").save()

    sqlfile.encrypt_in_place(path, key, keep_the_key)
    for backup in list_backups(path):
        if sqlfile.is_plain(backup.path):
            sqlfile.encrypt_backup(backup.path, key)
    db = open_database(path, key=key)
    saved = make_backup(path, "encrypt")
    log.info("station file %s encrypted; backup %s", path, saved)
    return db, keyfiles.recovery_text(key)


def recover(path: Path, recovery_key: str, username: str, new_password: str) -> Login:
    """Open the file with its recovery key and give ``username`` (a station admin) the
    new password, which unlocks the account; the key file is rebuilt (also when it was
    lost). Audited as a password reset by ``recovery``."""
    path = Path(path)
    try:
        key = keyfiles.parse_recovery(recovery_key)
    except keyfiles.RecoveryKeyError as exc:
        raise ValidationError([FieldError("recovery_key", "recovery.not_a_key")]) from exc
    if sqlfile.is_plain(path) is not False:
        raise MissingDatabaseError(path, "station-admin init --db {path} …")
    con = sqlfile.connect(path, key=key)
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlfile.DatabaseError as exc:
        raise ValidationError([FieldError("recovery_key", "recovery.wrong_file")]) from exc
    finally:
        con.close()
    db = open_database(path, key=key, key_file=True)
    try:
        name = normalize_text(username).lower()
        with db.session(RECOVERY_ACTOR) as s:
            user = users.reset_password(s, name, new_password, bootstrap=True)
            if user.role not in ("station_admin", "district_admin"):
                raise ValidationError([FieldError("username", "user.recover_admin_only")])
            if not user.active:
                user.active = True
            users._audit(s, "user-unlocked", str(user.id), {"username": name,
                                                             "by": "recovery key"})
        db.write_key_file()
        kf = keyfiles.KeyFile.load(keyfiles.key_file_path(path))
        if kf is not None:
            kf.take_failures(name)
        with db.session(SYSTEM_LOGIN) as s:
            actor = users.authenticate(s, name, new_password)
    except BaseException:
        db.close()
        raise
    return Login(db, actor, False)


def create_station(path: Path, code: str, name: str, admin: str, password: str, *,
                   display_name: str | None = None, street: str | None = None) -> Login:
    """A new encrypted station file with its first administrator, logged in; the
    recovery key is in the ``Login`` (to show once). Nothing is left behind on error."""
    from station_app.domain.services.setup import init_station

    path = Path(path)
    if path.exists() and path.stat().st_size > 0:
        raise StorageError(f"{path} exists already", f"{path} 已存在")
    key = keyfiles.new_data_key()
    db = open_database(path, create=True, key=key, key_file=True)
    try:
        init_station(db, code, name, admin, password, display_name=display_name,
                     street=street)
        db.write_key_file()
        with db.session(SYSTEM_LOGIN) as s:
            actor = users.authenticate(s, admin, password)
    except BaseException:
        db.close()
        remove_station_files(path)
        raise
    return Login(db, actor, False, keyfiles.recovery_text(key))


def remove_station_files(path: Path) -> None:
    """A station file that was never set up, with its WAL and key file."""
    sqlfile.forget(path)
    for suffix in ("", "-wal", "-shm", "-journal", ".keys"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
