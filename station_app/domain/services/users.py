"""Users, passwords (scrypt from the standard library) and roles. Local: never synced.

Roles: clerk (members, visits, events, ledger entries); station admin (also reversals,
exits, users, sign-off); district admin (the district's decisions). The services check
the role of the acting user on every write.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from station_app.domain.actor import Actor
from station_app.domain.choices import ROLE
from station_app.domain.models import AuditRecord, User
from station_app.domain.services.common import actor_of
from station_app.domain.services.corrections import permit
from station_app.domain.validation import (
    FIELD_LABELS,
    ErrorCollector,
    FieldError,
    Localized,
    ValidationError,
    normalize_text,
    parse_choice,
    parse_name,
    register_messages,
)
from station_app.storage.capture import AUDIT_ON_ROLLBACK, utc_now_text

MIN_PASSWORD = 8
# Lockout: LOCK_AFTER wrong passwords within LOCK_WINDOW lock the account for LOCK_FOR
# (or until a station admin unlocks it). The state is read from the audit log, where the
# failed logins, the locks and the unlocks are recorded anyway (they survive the rollback
# of the login's unit of work: ``AUDIT_ON_ROLLBACK``).
LOCK_AFTER = 5
LOCK_WINDOW = timedelta(minutes=15)
LOCK_FOR = timedelta(minutes=15)
STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"
# scrypt cost: ~50 ms on these laptops; stored with the hash so it can be raised later.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                         dklen=32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(key).decode()}"


def verify_password(password: str, stored: str, proof=None) -> bool:
    """Whether ``password`` is the one ``stored`` was made from. ``proof``: the same
    derivation made already (``keys.Proof``, from unwrapping the file's key at the
    login): compared when its salt and cost are the hash's, instead of a second run."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        if proof is not None and (proof.n, proof.r, proof.p, proof.salt) == (
                int(n), int(r), int(p), base64.b64decode(salt)):
            return hmac.compare_digest(proof.derived[:len(expected)], expected)
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n),
                             r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


register_messages({
    "user.password_is_username": (
        "密码不能与用户名相同", "The password cannot be the user name",
    ),
    "user.password_repeated": (
        "密码不能只由同一个字符重复组成（如 11111111）",
        "The password cannot be one character repeated (like 11111111)",
    ),
    "user.password_sequence": (
        "密码不能是连续的字符（如 12345678、abcdefgh）",
        "The password cannot be a run of consecutive characters (like 12345678 or abcdefgh)",
    ),
    "user.password_common": (
        "这是一个常见密码，很容易被猜到，请换一个",
        "This is a common password, easy to guess: choose another",
    ),
    "user.password_space": (
        "密码的开头和结尾不能是空格", "The password cannot start or end with a space",
    ),
    "user.password_same": (
        "新密码不能与当前密码相同", "The new password must differ from the current one",
    ),
    "user.old_password_wrong": (
        "当前密码不正确", "The current password is wrong",
    ),
    "user.not_a_person": (
        "只有登录的用户可以修改自己的密码", "Only a user who logged in can change their password",
    ),
    "password.mismatch": ("两次输入的密码不一致", "The two passwords differ"),
    "user.locked": (
        "密码连续输错 {count} 次，账号已锁定至 {until}。请到时再试，或请站点管理员解锁",
        "After {count} wrong passwords in a row this account is locked until {until}. Try "
        "again then, or ask a station admin to unlock it",
    ),
    "user.must_change": (
        "您的密码由管理员设置，请先设置一个只有您自己知道的新密码",
        "An administrator set your password: first choose a new one only you know",
    ),
})
FIELD_LABELS.setdefault("old_password", ("当前密码", "Current password"))
FIELD_LABELS.setdefault("password_again", ("再次输入密码", "Password again"))

# Passwords people pick first (lower case, as typed): refused outright.
COMMON_PASSWORDS = frozenset({
    "password", "password1", "password123", "passw0rd", "iloveyou", "qwertyui",
    "qwertyuiop", "1qaz2wsx", "1q2w3e4r", "1q2w3e4r5t", "abc12345", "abcd1234",
    "a1234567", "a12345678", "a123456789", "admin123", "admin888", "administrator",
    "woaini1314", "5201314520", "88888888", "66666666", "147258369", "12341234",
    "11223344", "00000000", "1234qwer", "qwer1234", "asdfghjk", "zxcvbnm1",
    # more of the most common in published lists (Chinese sites' leaks among them)
    "aa123456", "qq123456", "123456aa", "123456qq", "a123456a", "1234abcd", "abc123456",
    "123456abc", "123456789a", "a1b2c3d4", "q1w2e3r4", "qazwsxedc", "1qazxsw2",
    "zxcvbnm123", "asd123456", "woaini520", "woaini123", "iloveyou1", "iloveyou520",
    "5201314a", "52013140", "1314520a", "123123123", "123321123", "12344321", "147852369",
    "159357456", "123654789", "987654321a", "password12", "p@ssw0rd", "p@ssword",
    "admin1234", "admin12345", "root1234", "test1234", "guest123", "welcome1",
    "letmein1", "football", "baseball", "sunshine", "superman", "princess", "trustno1",
    "dragon123", "monkey123", "shadow123", "master123", "qwerty123", "qwerty12",
    "1q2w3e4r5t6y", "1qaz2wsx3edc", "zhang123", "wang1234", "li123456", "gonghui123",
})


def password_problems(password: str | None, *, username: str | None = None,
                      again: str | None = None) -> list[FieldError]:
    """What is wrong with a new password, as it is typed: cheap (no hashing, no database),
    so a form calls it at every keystroke. The same rules as ``create_user``,
    ``reset_password`` and ``change_own_password`` apply: at least ``MIN_PASSWORD``
    characters, not the user name, not one character repeated, not a run of consecutive
    characters, not a common password, no space at either end. ``again``, when given: the
    repeated entry, which must be the same (``password_again``). Empty: the password will
    do."""
    out: list[FieldError] = []
    pw = password or ""
    if len(pw) < MIN_PASSWORD:
        out.append(FieldError("password", "user.password_short", {"min": MIN_PASSWORD}))
    if pw and pw != pw.strip():
        out.append(FieldError("password", "user.password_space"))
    folded = pw.casefold()
    if pw and username and folded == normalize_text(username).casefold():
        out.append(FieldError("password", "user.password_is_username"))
    elif len(pw) > 1 and len(set(pw)) == 1:
        out.append(FieldError("password", "user.password_repeated"))
    elif len(pw) > 2 and _consecutive(folded):
        out.append(FieldError("password", "user.password_sequence"))
    elif folded in COMMON_PASSWORDS:
        out.append(FieldError("password", "user.password_common"))
    if again is not None and again != pw:
        out.append(FieldError("password_again", "password.mismatch"))
    return out


def _consecutive(text: str) -> bool:
    """All characters one step apart, up or down (12345678, abcdefgh, 87654321)."""
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    return steps in ({1}, {-1})


STRENGTH = {0: ("不可用", "Not usable"), 1: ("弱", "Weak"), 2: ("中", "Fair"),
            3: ("强", "Strong")}


@dataclass(frozen=True)
class PasswordCheck:
    """A password as it is typed: its problems (none: it will be accepted) and a strength
    from 0 (not usable) to 3 (strong) for a meter, with its label in zh/en."""

    problems: tuple[FieldError, ...]
    strength: int

    @property
    def ok(self) -> bool:
        return not self.problems

    def label(self, lang: str = "zh") -> str:
        return STRENGTH[self.strength][0 if lang.startswith("zh") else 1]

    def messages(self, lang: str = "zh") -> list[str]:
        return [e.message(lang) for e in self.problems]


def check_password_strength(password: str | None, *, username: str | None = None,
                            again: str | None = None) -> PasswordCheck:
    """``password_problems`` and a strength: 0 with any problem (``password_again``'s
    included), else 1 for one kind of character (only digits, only letters …), 2 for two
    or more kinds, 3 for three or more kinds and at least 12 characters."""
    problems = tuple(password_problems(password, username=username, again=again))
    if problems:
        return PasswordCheck(problems, 0)
    pw = password or ""
    kinds = sum((any(c.isdigit() for c in pw), any(c.islower() for c in pw),
                 any(c.isupper() for c in pw), any(not c.isalnum() for c in pw)))
    strength = 3 if kinds >= 3 and len(pw) >= 12 else 2 if kinds >= 2 else 1
    return PasswordCheck(problems, strength)


def _check_password(c: ErrorCollector, password: str | None, username: str | None = None
                    ) -> None:
    for problem in password_problems(password, username=username):
        c.add(problem.field, problem.code, **problem.params)


def _username(c: ErrorCollector, value) -> str | None:
    name = normalize_text(value).lower()
    if not name or len(name) > 50 or not all(ch.isalnum() or ch in "._-" for ch in name):
        c.add("username", "text.required" if not name else "name.chars")
        return None
    return name


def create_user(session: Session, username: str, password: str, role: str,
                display_name: str | None = None, *, bootstrap: bool = False) -> User:
    """Create a user. Station admins create users; ``bootstrap`` is the first admin."""
    if not bootstrap:
        permit(session, "user.manage")
        actor = actor_of(session)
    c = ErrorCollector()
    name = _username(c, username)
    code = c.check("role", parse_choice, role, field="role", choices=ROLE)
    # The display name defaults to the user name (which may hold digits a name may not).
    shown = (c.check("display_name", parse_name, display_name, field="display_name")
             if normalize_text(display_name) else name)
    _check_password(c, password, name)
    if not bootstrap and code and not actor.at_least(code):
        # "当前用户（站点管理员）无权创建区总工会管理员，需要区总工会管理员权限"
        c.add("role", "perm.denied", role=Localized(*ROLE[actor.role]),
              action=Localized("创建" + ROLE[code][0], "create a " + ROLE[code][1].lower()),
              needed=Localized(*ROLE[code]))
    if name and session.execute(select(User.id).where(User.username == name)).first():
        c.add("username", "user.exists", username=name)
    c.raise_if_any()
    # a password someone else chose is changed at the first login (not the first
    # administrator's, which they typed themselves at set-up)
    user = User(username=name, display_name=shown, role=code,
                password_hash=hash_password(password), active=True, created_at=utc_now_text(),
                must_change_password=not bootstrap)
    _key_change(session, name, user.password_hash)
    session.add(user)
    session.flush()
    _audit(session, "user-add", str(user.id), {"username": name, "role": code})
    return user


def reset_password(session: Session, username: str, password: str, *,
                   bootstrap: bool = False) -> User:
    if not bootstrap:
        permit(session, "user.reset_password")
    user = _get(session, username)
    c = ErrorCollector()
    _check_password(c, password, user.username)
    c.raise_if_any()
    user.password_hash = hash_password(password)
    _key_change(session, user.username, user.password_hash)
    # set by someone else: the user chooses their own at the next login (a reset also
    # lifts a lock, as the audit record below marks)
    user.must_change_password = not bootstrap
    session.flush()
    _audit(session, "password", str(user.id), {"username": user.username,
                                              "must_change": not bootstrap})
    return user


def change_own_password(session: Session, actor: Actor, old: str, new: str,
                        again: str | None = None) -> User:
    """A user changes their own password: ``old`` must be their current one (a wrong one
    is refused and the attempt recorded in the audit log, as a failed login is), ``new``
    passes the rules of ``password_problems`` (and equals ``again`` when given) and differs
    from the current one. Audited as ``password-change``. ``actor`` is the user who logged
    in, and the unit of work is theirs (``Database.session(actor)``)."""
    if session.info.get("actor") != actor:
        raise ValueError("change_own_password runs in the unit of work of the actor it names")
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None or user.username != actor.username:
        raise ValidationError([FieldError("username", "user.not_a_person")])
    if not user.active:
        raise ValidationError([FieldError("username", "user.inactive")])
    c = ErrorCollector()
    for problem in password_problems(new, username=user.username, again=again):
        c.add(problem.field, problem.code, **problem.params)
    if not verify_password(old or "", user.password_hash):
        record = _audit(session, "password-change-failed", str(user.id),
                        {"username": user.username})
        session.info.setdefault(AUDIT_ON_ROLLBACK, []).append(
            {k: getattr(record, k) for k in ("at", "actor", "action", "table_name", "row_id",
                                             "detail")})
        c.add("old_password", "user.old_password_wrong")
    elif not c.errors and verify_password(new, user.password_hash):
        c.add("password", "user.password_same")
    c.raise_if_any()
    user.password_hash = hash_password(new)
    _key_change(session, user.username, user.password_hash)
    user.must_change_password = False
    session.flush()
    _audit(session, "password-change", str(user.id), {"username": user.username})
    return user


def adopt_password(session: Session, username: str, password: str) -> User:
    """The password that opened an encrypted file's key (``login.login``) becomes the
    user's password in the file too, where the file held another: a backup restored from
    before a password change, or a change a crash left half-done. Audited as
    ``password`` (``kept_from``: the key file). Only the login calls this, after the key
    file proved the password."""
    user = _get(session, username)
    user.password_hash = hash_password(password)
    _key_change(session, user.username, user.password_hash)
    session.flush()
    _audit(session, "password", str(user.id), {"username": user.username,
                                              "kept_from": "key file"})
    return user


def _key_change(session: Session, username: str, new_hash: str | None) -> None:
    """Tell the database a password was set (or an account enabled or disabled) in this
    unit of work: an encrypted station file keeps its key wrapped per user's password
    (``Database.write_key_file``)."""
    from station_app.storage.database import KEYS_STAGE

    stage = session.info.get(KEYS_STAGE)
    if stage is not None:
        stage(username, new_hash)


def set_active(session: Session, username: str, active: bool) -> User:
    permit(session, "user.manage")
    user = _get(session, username)
    user.active = active
    _key_change(session, user.username, None)
    session.flush()
    _audit(session, "user-active", str(user.id), {"active": active})
    return user


def authenticate(session: Session, username: str, password: str, *,
                 now: datetime | None = None, proof=None) -> Actor:
    """The actor for a correct user name and password; a ValidationError otherwise.

    A locked account (``LOCK_AFTER`` wrong passwords within ``LOCK_WINDOW``) is refused
    until the lock ends or a station admin unlocks it, even with the right password, with
    the time it ends; the wrong password that locks it says so at once. Failed attempts,
    the lock and the refusals while locked are audited, and the records survive the
    rollback of the login's unit of work. ``now``: the time (UTC) to judge by (tests)."""
    now = now or datetime.now(UTC)
    name = normalize_text(username).lower()
    user = session.execute(select(User).where(User.username == name)).scalar_one_or_none()
    if user is not None:
        state = lock_state(session, user, now=now)
        if state.locked:
            _audit_kept(session, "login-locked", str(user.id), {"username": name},
                        at=now)
            raise ValidationError([_locked_error(state)])
    if user is None or not verify_password(password, user.password_hash, proof):
        row_id = str(user.id) if user is not None else None
        _audit_kept(session, "login-failed", row_id, {"username": name}, at=now)
        if user is not None:
            state = lock_state(session, user, now=now)
            if state.failures >= LOCK_AFTER:
                until = now + LOCK_FOR
                _audit_kept(session, "user-locked", row_id,
                            {"username": name, "failures": state.failures,
                             "until": until.strftime(STAMP)}, at=now)
                raise ValidationError([_locked_error(
                    LockState(True, until, state.failures))])
        raise ValidationError([FieldError("password", "user.login_failed")])
    if not user.active:
        raise ValidationError([FieldError("username", "user.inactive")])
    _audit(session, "login", str(user.id), {"username": name})
    return Actor(user.username, user.role, user.id, user.display_name)


@dataclass(frozen=True)
class LockState:
    """An account's lock: whether locked, until when (UTC), and the wrong passwords
    counted towards a lock (since the window began, the last login, unlock or lock)."""

    locked: bool
    until: datetime | None
    failures: int

    def until_text(self) -> str:
        """The end of the lock in local time: "15:42" today, else "2026-03-01 15:42"."""
        if self.until is None:
            return ""
        local = self.until.astimezone()
        if local.date() == datetime.now().astimezone().date():
            return local.strftime("%H:%M")
        return local.strftime("%Y-%m-%d %H:%M")


def _locked_error(state: LockState) -> FieldError:
    return FieldError("username", "user.locked",
                      {"count": max(state.failures, LOCK_AFTER), "until": state.until_text()})


# the records that end a run of wrong passwords
_RESETS = ("login", "user-unlocked", "password", "password-change")


def lock_state(session: Session, user: User | str, *, now: datetime | None = None
               ) -> LockState:
    """The lock of one account (a ``User`` or a user name), read from the audit log: the
    newest lock still running and not lifted (an unlock, a password reset), and the wrong
    passwords since the window began or the last login, unlock or lock (this unit of
    work's included)."""
    now = now or datetime.now(UTC)
    if isinstance(user, str):
        user = _get(session, user)
    since = (now - max(LOCK_WINDOW, LOCK_FOR)).strftime(STAMP)
    window = (now - LOCK_WINDOW).strftime(STAMP)
    session.flush()
    rows = session.execute(
        select(AuditRecord.at, AuditRecord.action, AuditRecord.detail)
        .where(AuditRecord.table_name == "users", AuditRecord.row_id == str(user.id),
               AuditRecord.at >= since,
               AuditRecord.action.in_((*_RESETS, "login-failed", "user-locked")))
        .order_by(AuditRecord.id)).all()
    failures, until = 0, None
    for at, action, detail in rows:
        if action in _RESETS:
            failures, until = 0, None
        elif action == "user-locked":
            failures = 0
            try:
                until = datetime.strptime(json.loads(detail)["until"], STAMP
                                          ).replace(tzinfo=UTC)
            except (ValueError, KeyError, TypeError):
                until = None
        elif at >= window:
            failures += 1
    locked = until is not None and until > now
    return LockState(locked, until if locked else None, failures)


def unlock_user(session: Session, username: str) -> User:
    """A station admin lifts the lock of an account (and the count of wrong passwords),
    audited as ``user-unlocked``."""
    permit(session, "user.unlock")
    user = _get(session, username)
    actor = actor_of(session)
    from station_app.storage.database import KEYS_UNLOCKED

    session.info.get(KEYS_UNLOCKED, []).append(user.username)  # (its key file's count too)
    _audit(session, "user-unlocked", str(user.id),
           {"username": user.username, "by": actor.username})
    session.flush()
    return user


def needs_new_password(session: Session, actor: Actor) -> bool:
    """Whether the user who just logged in must choose a new password first (someone
    else set theirs: a new user, a reset)."""
    user = session.get(User, actor.user_id) if actor.user_id is not None else None
    return bool(user is not None and user.must_change_password)


@dataclass(frozen=True)
class Account:
    """A user as the settings page lists them, with the lock and the pending change."""

    username: str
    display_name: str
    role: str
    active: bool
    must_change_password: bool
    locked_until: str  # local time, "" when not locked


def accounts(session: Session, *, now: datetime | None = None) -> list[Account]:
    """Every user with their lock and whether their password is still one someone else
    set (a station admin's view: ``user.manage``)."""
    permit(session, "user.manage")
    out = []
    for u in list_users(session):
        state = lock_state(session, u, now=now)
        out.append(Account(u.username, u.display_name, u.role, u.active,
                           u.must_change_password, state.until_text() if state.locked
                           else ""))
    return out


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


def _get(session: Session, username: str) -> User:
    user = session.execute(
        select(User).where(User.username == normalize_text(username).lower())
    ).scalar_one_or_none()
    if user is None:
        raise ValidationError([FieldError("username", "not_found", {"what": username})])
    return user


def _audit(session: Session, action: str, row_id: str | None, detail: dict, *,
           at: datetime | None = None) -> AuditRecord:
    actor = session.info.get("actor")
    record = AuditRecord(at=at.strftime(STAMP) if at else utc_now_text(),
                         actor=actor.username if actor else "system",
                         action=action, table_name="users", row_id=row_id,
                         detail=json.dumps(detail, ensure_ascii=False))
    session.add(record)
    return record


def _audit_kept(session: Session, action: str, row_id: str | None, detail: dict, *,
                at: datetime | None = None) -> None:
    """An audit record that stays when the unit of work rolls back (a refused login): in
    the unit of work, and kept aside for ``Database.session`` to write after a rollback
    (one or the other is written)."""
    record = _audit(session, action, row_id, detail, at=at)
    session.info.setdefault(AUDIT_ON_ROLLBACK, []).append(
        {k: getattr(record, k) for k in ("at", "actor", "action", "table_name", "row_id",
                                         "detail")})
