"""The key file beside an encrypted database: its data key, wrapped once per user.

A station's data is encrypted with one random 256-bit **data key** (SQLCipher,
``storage.sqlfile``). The key itself is never stored in clear: the key file
``<database>.keys`` (JSON, mode 0600, replaced atomically) holds it wrapped (AES key
wrap, RFC 3394) once per active user, under a key-encryption key derived from that
user's password:

    kek = HKDF-SHA256(scrypt(password, salt, n, r, p), info="station-app key wrap")

``salt, n, r, p`` are those of the user's password hash in the database, so the key file
can be rewritten from the ``users`` table alone whenever a password changes (a new user,
a reset, a change, an account disabled), and a login costs one scrypt run: the same
derivation unwraps the data key and then proves the password against the database.

The key file also carries what the login screen shows before a password is typed (the
station's code and name) and the wrong passwords typed since the last login, which lock
an account (``users.LOCK_AFTER`` within ``users.LOCK_WINDOW``) while the database cannot
be opened to record them; the next login copies them into the audit log.

The **recovery key** is the data key itself, written for paper (base32 with a checksum,
in groups of four): it opens the database and every backup even without the key file.

A district's SQLite database, which its service opens unattended, is encrypted with a
raw key file instead (``<database>.key``, 0600), made by ``district-server init``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from station_app.storage.errors import StorageError
from station_app.storage.sqlfile import KEY_BYTES

FORMAT = 1
WRAP_INFO = b"station-app key wrap"
STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"
MAX_FAILURES_KEPT = 20  # per user name, newest kept
MAX_NAMES_KEPT = 50  # user names with failures (unknown names included)


class KeyFileError(StorageError):
    """A key file that cannot be read or written; the message says what to do."""


def key_file_path(db_path: str | Path) -> Path:
    return Path(f"{Path(db_path)}.keys")


def district_key_path(db_path: str | Path) -> Path:
    return Path(f"{Path(db_path)}.key")


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


# --------------------------------------------------------------------------- wrapping


def parse_hash(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    """(n, r, p, salt, derived) of a ``users.hash_password`` value, or None."""
    try:
        scheme, n, r, p, salt, derived = stored.split("$")
        if scheme != "scrypt":
            return None
        return int(n), int(r), int(p), base64.b64decode(salt), base64.b64decode(derived)
    except (ValueError, TypeError):
        return None


def _kek(derived: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=WRAP_INFO
                ).derive(derived)


def derive(password: str, n: int, r: int, p: int, salt: bytes, length: int = 32) -> bytes:
    """The scrypt derivation a password hash and a wrap share."""
    return hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=length,
                          maxmem=256 * 1024 * 1024)


@dataclass(frozen=True)
class Proof:
    """A password's scrypt derivation with its parameters: a hash made with the same
    salt and cost is checked by comparing, not derived again."""

    n: int
    r: int
    p: int
    salt: bytes
    derived: bytes


@dataclass(frozen=True)
class Wrap:
    """The data key wrapped for one password: scrypt's parameters and salt (those of the
    user's password hash) and the wrapped key."""

    n: int
    r: int
    p: int
    salt: bytes
    wrapped: bytes

    @classmethod
    def for_hash(cls, password_hash: str, data_key: bytes) -> Wrap | None:
        parsed = parse_hash(password_hash)
        if parsed is None:
            return None
        n, r, p, salt, derived = parsed
        return cls(n, r, p, salt, aes_key_wrap(_kek(derived), data_key))

    def unwrap(self, password: str) -> bytes | None:
        return self.open(password)[0]

    def open(self, password: str) -> tuple[bytes | None, Proof]:
        """The data key (None: a wrong password) and the derivation made on the way,
        which proves the password against the user's hash without a second scrypt run
        (``users.verify_password(…, proof=…)``)."""
        derived = derive(password, self.n, self.r, self.p, self.salt, 32)
        proof = Proof(self.n, self.r, self.p, self.salt, derived)
        try:
            return aes_key_unwrap(_kek(derived), self.wrapped), proof
        except InvalidUnwrap:
            return None, proof

    def as_json(self) -> dict:
        b64 = base64.b64encode
        return {"n": self.n, "r": self.r, "p": self.p, "salt": b64(self.salt).decode(),
                "wrapped": b64(self.wrapped).decode()}

    @classmethod
    def from_json(cls, d: dict) -> Wrap:
        return cls(int(d["n"]), int(d["r"]), int(d["p"]), base64.b64decode(d["salt"]),
                   base64.b64decode(d["wrapped"]))


# --------------------------------------------------------------------------- key file


@dataclass
class KeyFile:
    """The parsed key file (see the module doc)."""

    path: Path
    station_code: str = ""
    station_name: str = ""
    wraps: dict[str, list[Wrap]] = field(default_factory=dict)
    failures: dict[str, list[str]] = field(default_factory=dict)
    # the recovery key has not been shown to a station admin yet (a plain file converted
    # at a clerk's login: the key is shown at the next station admin's login instead)
    recovery_pending: bool = False

    @classmethod
    def load(cls, path: Path) -> KeyFile | None:
        """The key file at ``path``, None when there is none."""
        try:
            raw = Path(path).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise KeyFileError(f"cannot read the key file {path}: {exc}",
                               f"无法读取密钥文件 {path}：{exc}") from exc
        try:
            doc = json.loads(raw)
            if doc.get("format") != FORMAT:
                raise ValueError(f"format {doc.get('format')!r}")
            wraps = {name: [Wrap.from_json(w) for w in ws]
                     for name, ws in doc.get("users", {}).items()}
            failures = {name: [str(t) for t in ts]
                        for name, ts in doc.get("failures", {}).items()}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyFileError(
                f"the key file {path} is damaged ({exc}); copy the one in the backups "
                "folder beside it, or open the database with its recovery key",
                f"密钥文件 {path} 已损坏（{exc}）：请用备份文件夹中的密钥文件替换，或用恢复密钥打开数据库",
            ) from exc
        return cls(Path(path), str(doc.get("station_code", "")),
                   str(doc.get("station_name", "")), wraps, failures,
                   bool(doc.get("recovery_pending", False)))

    def save(self) -> None:
        doc = {"format": FORMAT, "station_code": self.station_code,
               "station_name": self.station_name,
               "users": {n: [w.as_json() for w in ws] for n, ws in sorted(self.wraps.items())},
               "failures": self.failures, "recovery_pending": self.recovery_pending}
        data = json.dumps(doc, ensure_ascii=False, indent=1).encode()
        try:
            if Path(self.path).read_bytes() == data:
                return  # (as it is: a login that changed nothing writes nothing)
        except OSError:
            pass
        write_private(self.path, data)

    # -- unlocking --------------------------------------------------------------------

    def unwrap(self, username: str, password: str) -> bytes | None:
        """The data key for this user and password, or None (unknown user, wrong
        password)."""
        return self.open(username, password)[0]

    def open(self, username: str, password: str) -> tuple[bytes | None, Proof | None]:
        """``unwrap`` with the derivation that proved the password (``Wrap.open``)."""
        for wrap in self.wraps.get(username, ()):
            key, proof = wrap.open(password)
            if key is not None:
                return key, proof
        return None, None

    def recent_failures(self, username: str, window: timedelta, now: datetime
                        ) -> list[datetime]:
        since = now - window
        out = []
        for text in self.failures.get(username, ()):
            try:
                at = datetime.strptime(text, STAMP).replace(tzinfo=UTC)
            except ValueError:
                continue
            if at >= since:
                out.append(at)
        return out

    def record_failure(self, username: str, now: datetime) -> None:
        kept = self.failures.setdefault(username, [])
        kept.append(now.strftime(STAMP))
        del kept[:-MAX_FAILURES_KEPT]
        if len(self.failures) > MAX_NAMES_KEPT:  # keep the names failed most recently
            newest = sorted(self.failures, key=lambda n: max(self.failures[n]))
            for name in newest[:-MAX_NAMES_KEPT]:
                del self.failures[name]
        self.save()

    def take_failures(self, username: str) -> list[str]:
        """The wrong passwords recorded for this user (removed from the file)."""
        taken = self.failures.pop(username, [])
        if taken:
            self.save()
        return taken


def write_private(path: Path, data: bytes) -> None:
    """Write a file readable by its owner only (0600), atomically: a crash leaves the old
    file or the new one, never half of one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".partial", dir=path.parent)
    try:
        if hasattr(os, "fchmod"):  # (Windows: the folder's own permissions apply)
            os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_key_file(path: Path, data_key: bytes, users: list[tuple[str, str, bool]], *,
                   station_code: str, station_name: str, keep: KeyFile | None = None,
                   extra: dict[str, list[str]] | None = None) -> KeyFile:
    """The key file for these ``(username, password_hash, active)`` rows: one wrap per
    active user. ``keep``: the file it replaces (its failures stay). ``extra``: further
    password hashes to wrap for a user (a change not yet committed: both the old and the
    new password open the file until the database says which one holds)."""
    wraps: dict[str, list[Wrap]] = {}
    for username, password_hash, active in users:
        if not active:
            continue
        hashes_ = [password_hash, *((extra or {}).get(username, ()))]
        for h in hashes_:
            wrap = Wrap.for_hash(h, data_key)
            if wrap is not None:
                wraps.setdefault(username, []).append(wrap)
    for username, extra_hashes in (extra or {}).items():
        if username not in wraps:  # a user not committed yet
            for h in extra_hashes:
                wrap = Wrap.for_hash(h, data_key)
                if wrap is not None:
                    wraps.setdefault(username, []).append(wrap)
    return KeyFile(Path(path), station_code, station_name, wraps,
                   dict(keep.failures) if keep is not None else {},
                   keep.recovery_pending if keep is not None else False)


# --------------------------------------------------------------------------- recovery

_RECOVERY_CHECK = 3  # checksum bytes: a mistyped group is caught before any attempt


def recovery_text(data_key: bytes) -> str:
    """The recovery key for paper: the data key and a checksum in base32, 14 groups of
    four characters (letters A–Z and digits 2–7)."""
    check = hashlib.sha256(b"station-app recovery" + data_key).digest()[:_RECOVERY_CHECK]
    text = base64.b32encode(data_key + check).decode().rstrip("=")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


class RecoveryKeyError(StorageError):
    def __init__(self):
        super().__init__(
            "This is not a recovery key of this app (a character is wrong or missing): "
            "it has 14 groups of 4 letters A–Z and digits 2–7",
            "这不是本软件的恢复密钥（有字符输错或遗漏）：恢复密钥共 14 组，每组 4 个字符（字母 A–Z 和数字 2–7）",
        )


def parse_recovery(text: str) -> bytes:
    """The data key of a typed recovery key (spaces, dashes and case ignored; the letter
    O read as zero's look-alike is not in the alphabet, so it is refused)."""
    cleaned = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if len(cleaned) != 56:
        raise RecoveryKeyError()
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (ValueError, TypeError) as exc:
        raise RecoveryKeyError() from exc
    key, check = raw[:KEY_BYTES], raw[KEY_BYTES:]
    if len(key) != KEY_BYTES or hashlib.sha256(b"station-app recovery" + key).digest()[
            :_RECOVERY_CHECK] != check:
        raise RecoveryKeyError()
    return key


# --------------------------------------------------------------------------- district


def create_district_key(path: Path) -> bytes:
    """A new raw key file for a district database (refuses to overwrite one)."""
    path = Path(path)
    if path.exists():
        raise KeyFileError(f"{path} exists already: the district's key is not replaced",
                           f"{path} 已存在：不会替换区总工会数据库的密钥")
    key = new_data_key()
    write_private(path, key.hex().encode() + b"\n")
    return key


def read_district_key(path: Path) -> bytes:
    try:
        text = Path(path).read_text().strip()
    except FileNotFoundError as exc:
        raise KeyFileError(
            f"no key file at {path}: the district database is encrypted with the key file "
            "that district-server init wrote beside it (or give --key-file)",
            f"找不到密钥文件 {path}：区总工会数据库用 district-server init 在其旁边生成的密钥文件加密"
            "（或用 --key-file 指定）") from exc
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"{path} is not a district key file (64 hexadecimal digits)",
                           f"{path} 不是区总工会数据库的密钥文件（应为 64 位十六进制数字）")
    return key
