"""Users, passwords (scrypt from the standard library) and roles. Local: never synced.

Roles: clerk (members, visits, events, ledger entries); station admin (also reversals,
exits, users, sign-off); district admin (the district's decisions). The services check
the role of the acting user on every write.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

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
# scrypt cost: ~50 ms on these laptops; stored with the hash so it can be raised later.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                         dklen=32)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(key).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
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
    user = User(username=name, display_name=shown, role=code,
                password_hash=hash_password(password), active=True, created_at=utc_now_text())
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
    session.flush()
    _audit(session, "password", str(user.id), {"username": user.username})
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
    session.flush()
    _audit(session, "password-change", str(user.id), {"username": user.username})
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    permit(session, "user.manage")
    user = _get(session, username)
    user.active = active
    session.flush()
    _audit(session, "user-active", str(user.id), {"active": active})
    return user


def authenticate(session: Session, username: str, password: str) -> Actor:
    """The actor for a correct user name and password; a ValidationError otherwise."""
    name = normalize_text(username).lower()
    user = session.execute(select(User).where(User.username == name)).scalar_one_or_none()
    if user is None or not verify_password(password, user.password_hash):
        record = _audit(session, "login-failed", None, {"username": name})
        # The error below usually ends the unit of work with a rollback; the failed
        # attempt is recorded anyway (Database.session writes these after rolling back).
        session.info.setdefault(AUDIT_ON_ROLLBACK, []).append(
            {k: getattr(record, k) for k in ("at", "actor", "action", "table_name", "row_id",
                                             "detail")}
        )
        raise ValidationError([FieldError("password", "user.login_failed")])
    if not user.active:
        raise ValidationError([FieldError("username", "user.inactive")])
    _audit(session, "login", str(user.id), {"username": name})
    return Actor(user.username, user.role, user.id, user.display_name)


def list_users(session: Session) -> list[User]:
    return list(session.execute(select(User).order_by(User.username)).scalars())


def _get(session: Session, username: str) -> User:
    user = session.execute(
        select(User).where(User.username == normalize_text(username).lower())
    ).scalar_one_or_none()
    if user is None:
        raise ValidationError([FieldError("username", "not_found", {"what": username})])
    return user


def _audit(session: Session, action: str, row_id: str | None, detail: dict) -> AuditRecord:
    import json

    actor = session.info.get("actor")
    record = AuditRecord(at=utc_now_text(), actor=actor.username if actor else "system",
                         action=action, table_name="users", row_id=row_id,
                         detail=json.dumps(detail, ensure_ascii=False))
    session.add(record)
    return record
