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

from sqlalchemy import select
from sqlalchemy.orm import Session

from station_app.domain.actor import Actor
from station_app.domain.choices import ROLE
from station_app.domain.models import AuditRecord, User
from station_app.domain.services.common import require
from station_app.domain.validation import (
    ErrorCollector,
    FieldError,
    Localized,
    ValidationError,
    normalize_text,
    parse_choice,
    parse_name,
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


def _check_password(c: ErrorCollector, password: str | None) -> None:
    if password is None or len(password) < MIN_PASSWORD:
        c.add("password", "user.password_short", min=MIN_PASSWORD)


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
        actor = require(session, "station_admin", "管理用户", "manage users")
    c = ErrorCollector()
    name = _username(c, username)
    code = c.check("role", parse_choice, role, field="role", choices=ROLE)
    # The display name defaults to the user name (which may hold digits a name may not).
    shown = (c.check("display_name", parse_name, display_name, field="display_name")
             if normalize_text(display_name) else name)
    _check_password(c, password)
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
        require(session, "station_admin", "重置密码", "reset passwords")
    user = _get(session, username)
    c = ErrorCollector()
    _check_password(c, password)
    c.raise_if_any()
    user.password_hash = hash_password(password)
    session.flush()
    _audit(session, "password", str(user.id), {"username": user.username})
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    require(session, "station_admin", "管理用户", "manage users")
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
