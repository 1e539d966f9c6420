"""Passwords (issue 14, item 10): a user changes their own, and a form checks a password as
it is typed, with the same rules as creation and in both languages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station_app.domain.actor import Actor
from station_app.domain.models import User
from station_app.domain.services import users
from station_app.domain.validation import ValidationError
from station_app.storage.sqlfile import dbapi as sqlite3

ROOT = Path(__file__).resolve().parents[2]
CLERK_PASSWORD = "clerk-pass-1"  # (tests/conftest.py)


def codes(exc: pytest.ExceptionInfo) -> list[tuple[str, str]]:
    return [(e.field, e.code) for e in exc.value.errors]


def audit(path, action: str) -> list[dict]:
    con = sqlite3.connect(path)
    try:
        rows = con.execute("SELECT actor, detail FROM audit_log WHERE action = ? "
                           "ORDER BY id", (action,)).fetchall()
    finally:
        con.close()
    return [{"actor": a, **json.loads(d)} for a, d in rows]


def login(db, username: str, password: str) -> bool:
    """Whether ``password`` is the user's (what the login checks), read-only."""
    with db.reader() as s:
        user = s.query(User).filter_by(username=username).one()
        return users.verify_password(password, user.password_hash)


# --------------------------------------------------------------------------- as typed


@pytest.mark.parametrize(("password", "problem"), [
    ("", "user.password_short"),
    ("abc1234", "user.password_short"),
    ("Clerk", "user.password_short user.password_is_username"),
    ("CLERK-user", None),
    ("clerkuser", None),
    ("11111111", "user.password_repeated"),
    ("12345678", "user.password_sequence"),
    ("hgfedcba", "user.password_sequence"),
    ("Password1", "user.password_common"),
    ("woaini1314", "user.password_common"),
    (" spaced-pass", "user.password_space"),
    ("a good one 7", None),
    ("admin123x", None),
])
def test_problems_as_typed(password, problem):
    found = [e.code for e in users.password_problems(password, username="clerk")]
    assert found == (problem.split() if problem else [])


def test_the_user_name_is_no_password():
    assert [e.code for e in users.password_problems("Station01", username="station01")] == [
        "user.password_is_username"]


def test_the_second_entry_must_match():
    problems = users.password_problems("long-enough-1", again="long-enough-2")
    assert [(e.field, e.code) for e in problems] == [("password_again", "password.mismatch")]
    assert users.password_problems("long-enough-1", again="long-enough-1") == []


def test_messages_in_both_languages_and_a_strength_for_a_meter():
    check = users.check_password_strength("short", again="shirt")
    assert not check.ok and check.strength == 0
    assert check.messages("zh") == ["密码至少需要 8 个字符", "两次输入的密码不一致"]
    assert check.messages("en") == ["The password needs at least 8 characters",
                                    "The two passwords differ"]
    assert check.label("zh") == "不可用" and check.label("en") == "Not usable"
    assert users.check_password_strength("31415926").strength == 1  # digits only
    assert users.check_password_strength("pi-31415926").strength == 2
    strong = users.check_password_strength("Pi-31415926-e")
    assert strong.ok and strong.strength == 3 and strong.label("en") == "Strong"


@given(st.text(max_size=20), st.text(max_size=8))
def test_what_passes_as_typed_is_what_creation_accepts(password, username):
    """The check a form runs per keystroke and the rule the services apply are one."""
    from station_app.domain.validation import ErrorCollector

    c = ErrorCollector()
    users._check_password(c, password, username)
    assert [(e.field, e.code) for e in c.errors] == [
        (e.field, e.code) for e in users.password_problems(password, username=username)]


def test_the_check_is_cheap_enough_for_every_keystroke():
    import time

    t0 = time.perf_counter()
    for n in range(2000):
        users.check_password_strength(f"typed-{n}", username="clerk", again=f"typed-{n}")
    assert (time.perf_counter() - t0) / 2000 < 0.001  # well under a millisecond


def test_creation_and_reset_apply_the_same_rules(db, admin):
    with db.session(admin) as s, pytest.raises(ValidationError) as exc:
        users.create_user(s, "worker", "worker", "clerk")
    assert codes(exc) == [("password", "user.password_short"),
                          ("password", "user.password_is_username")]
    with db.session(admin) as s, pytest.raises(ValidationError) as exc:
        users.create_user(s, "longname1", "LongName1", "clerk")
    assert codes(exc) == [("password", "user.password_is_username")]
    with db.session(admin) as s, pytest.raises(ValidationError) as exc:
        users.reset_password(s, "clerk", "12345678")
    assert codes(exc) == [("password", "user.password_sequence")]
    with db.session(admin) as s:  # what passes as typed is accepted
        assert not users.password_problems("worker3x", username="worker3")
        users.create_user(s, "worker3", "worker3x", "clerk")


# --------------------------------------------------------------------------- one's own


def test_a_user_changes_their_own_password(db, clerk, db_path):
    with db.session(clerk) as s:
        users.change_own_password(s, clerk, CLERK_PASSWORD, "new-secret-9", "new-secret-9")
    assert login(db, "clerk", "new-secret-9")
    assert not login(db, "clerk", CLERK_PASSWORD)
    assert audit(db_path, "password-change") == [{"actor": "clerk", "username": "clerk"}]


def test_the_current_password_must_be_given_right(db, clerk, db_path):
    with pytest.raises(ValidationError) as exc, db.session(clerk) as s:
        users.change_own_password(s, clerk, "not-my-password", "new-secret-9")
    assert codes(exc) == [("old_password", "user.old_password_wrong")]
    assert exc.value.messages("zh") == ["当前密码：当前密码不正确"]
    assert login(db, "clerk", CLERK_PASSWORD)  # unchanged
    # the failed attempt is in the audit log though the unit of work rolled back
    assert audit(db_path, "password-change-failed") == [
        {"actor": "clerk", "username": "clerk"}]
    assert audit(db_path, "password-change") == []


def test_the_new_password_follows_the_rules_and_is_new(db, clerk):
    with pytest.raises(ValidationError) as exc, db.session(clerk) as s:
        users.change_own_password(s, clerk, CLERK_PASSWORD, CLERK_PASSWORD)
    assert codes(exc) == [("password", "user.password_same")]
    with pytest.raises(ValidationError) as exc, db.session(clerk) as s:
        users.change_own_password(s, clerk, CLERK_PASSWORD, "clerk", "clark")
    assert codes(exc) == [("password", "user.password_short"),
                          ("password", "user.password_is_username"),
                          ("password_again", "password.mismatch")]
    # a wrong current password and a bad new one: both said at once
    with pytest.raises(ValidationError) as exc, db.session(clerk) as s:
        users.change_own_password(s, clerk, "wrong-one-1", "88888888")
    assert codes(exc) == [("password", "user.password_repeated"),
                          ("old_password", "user.old_password_wrong")]
    assert login(db, "clerk", CLERK_PASSWORD)


def test_only_the_user_themselves_in_their_own_unit_of_work(db, admin, clerk):
    with db.session(admin) as s, pytest.raises(ValueError):
        users.change_own_password(s, clerk, CLERK_PASSWORD, "new-secret-9")
    tool = Actor("cli", "district_admin", None, "command line")
    with db.session(tool) as s, pytest.raises(ValidationError) as exc:
        users.change_own_password(s, tool, "x", "new-secret-9")
    assert codes(exc) == [("username", "user.not_a_person")]
    with db.session(admin) as s:
        users.set_active(s, "clerk", False)
    with db.session(clerk) as s, pytest.raises(ValidationError) as exc:
        users.change_own_password(s, clerk, CLERK_PASSWORD, "new-secret-9")
    assert codes(exc) == [("username", "user.inactive")]
    with db.reader() as s:
        stored = s.query(User).filter_by(username="clerk").one()
        assert users.verify_password(CLERK_PASSWORD, stored.password_hash)


def test_checking_as_typed_loads_no_database_code():
    """A form imports the check on the GUI thread: it brings no SQLAlchemy session work
    and hashes nothing (scrypt takes ~50 ms)."""
    code = ("import time, hashlib\n"
            "from station_app.domain.services.users import check_password_strength\n"
            "calls = []\n"
            "real = hashlib.scrypt\n"
            "hashlib.scrypt = lambda *a, **k: calls.append(1) or real(*a, **k)\n"
            "check_password_strength('Pi-31415926-e', username='x', again='Pi-31415926-e')\n"
            "assert not calls\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
