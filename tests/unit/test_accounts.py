"""Accounts (issue 15, item 9): a lock after repeated wrong passwords, with the lock and
the unlock audited; the right password refused while locked, with the sentence; the
common-password rule on every password someone sets; a password someone else set is
changed at the first login."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from station_app.domain.actor import SYSTEM_LOGIN
from station_app.domain.models import AuditRecord, User
from station_app.domain.services import users
from station_app.domain.validation import ValidationError

ADMIN_PASSWORD, CLERK_PASSWORD = "admin-pass-1", "clerk-pass-1"  # (tests/conftest.py)


def login(db, username, password, now=None):
    with db.session(SYSTEM_LOGIN) as s:
        return users.authenticate(s, username, password, now=now)


def refused(db, username, password, now=None) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        login(db, username, password, now)
    return info.value


def audit(db, action):
    with db.reader() as s:
        return [json.loads(a.detail) for a in s.query(AuditRecord)
                .filter(AuditRecord.action == action).order_by(AuditRecord.id)]


def test_five_wrong_passwords_lock_the_account_and_the_right_one_is_refused(db):
    t0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    for i in range(4):
        exc = refused(db, "clerk", "wrong-pass-1", t0 + timedelta(minutes=i))
        assert exc.errors[0].code == "user.login_failed"
    exc = refused(db, "clerk", "wrong-pass-1", t0 + timedelta(minutes=4))
    assert exc.errors[0].code == "user.locked"
    text = exc.messages("zh")[0]
    assert "账号已锁定至" in text and "连续输错 5 次" in text and "站点管理员解锁" in text
    until = (t0 + timedelta(minutes=19)).astimezone()
    assert until.strftime("%H:%M") in text
    # the lock is audited (it survived the login's rollback), with its end
    locks = audit(db, "user-locked")
    assert locks == [{"username": "clerk", "failures": 5,
                      "until": "2026-03-02T06:19:00.000000Z"}]
    assert len(audit(db, "login-failed")) == 5
    # the right password, while locked: refused with the same sentence, and recorded
    exc = refused(db, "clerk", CLERK_PASSWORD, t0 + timedelta(minutes=10))
    assert exc.errors[0].code == "user.locked" and until.strftime("%H:%M") in \
        exc.messages("zh")[0]
    assert "locked until" in exc.messages("en")[0]
    assert audit(db, "login-locked") == [{"username": "clerk"}]
    # once the lock has run out the right password works, and the count starts again
    actor = login(db, "clerk", CLERK_PASSWORD, t0 + timedelta(minutes=20))
    assert actor.username == "clerk"
    exc = refused(db, "clerk", "wrong-pass-1", t0 + timedelta(minutes=21))
    assert exc.errors[0].code == "user.login_failed"


def test_failures_spread_over_more_than_the_window_do_not_lock(db):
    t0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    for i in range(8):  # one every 4 minutes: never 5 within 15 minutes
        exc = refused(db, "clerk", "wrong-pass-1", t0 + timedelta(minutes=4 * i))
        assert exc.errors[0].code == "user.login_failed", i
    assert login(db, "clerk", CLERK_PASSWORD, t0 + timedelta(minutes=33)).username == "clerk"


def test_a_login_between_failures_starts_the_count_again(db):
    t0 = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
    for i in range(4):
        refused(db, "clerk", "wrong-pass-1", t0 + timedelta(seconds=i))
    login(db, "clerk", CLERK_PASSWORD, t0 + timedelta(seconds=10))
    for i in range(4):
        exc = refused(db, "clerk", "wrong-pass-1", t0 + timedelta(seconds=20 + i))
        assert exc.errors[0].code == "user.login_failed"


def test_a_station_admin_unlocks_and_the_unlock_is_audited(db, admin, clerk):
    for _ in range(5):
        refused(db, "clerk", "wrong-pass-1")
    with db.reader() as s:
        assert users.lock_state(s, "clerk").locked
    # a clerk may not unlock (the permission table), an admin may
    with pytest.raises(ValidationError) as info, db.session(clerk) as s:
        users.unlock_user(s, "clerk")
    assert "解锁账号" in info.value.messages("zh")[0]
    with db.session(admin) as s:
        users.unlock_user(s, "clerk")
    assert audit(db, "user-unlocked") == [{"username": "clerk", "by": "admin"}]
    assert login(db, "clerk", CLERK_PASSWORD).username == "clerk"
    with db.session(admin) as s:
        listed = {a.username: a for a in users.accounts(s)}
    assert listed["clerk"].locked_until == ""


def test_an_unknown_user_locks_nothing_and_reads_as_a_wrong_password(db):
    for _ in range(7):
        exc = refused(db, "nobody", "wrong-pass-1")
        assert exc.errors[0].code == "user.login_failed"
    assert login(db, "admin", ADMIN_PASSWORD).username == "admin"


def test_the_admin_list_shows_the_lock_until_when(db, admin):
    for _ in range(5):
        refused(db, "clerk", "wrong-pass-1")
    with db.session(admin) as s:
        listed = {a.username: a for a in users.accounts(s)}
    assert listed["clerk"].locked_until and listed["admin"].locked_until == ""


@pytest.mark.parametrize("password", ["admin123", "Password1", "woaini1314", "QQ123456",
                                      "qwer1234", "gonghui123"])
def test_common_passwords_are_refused_for_a_new_user_and_a_reset(db, admin, password):
    with pytest.raises(ValidationError) as info, db.session(admin) as s:
        users.create_user(s, "worker", password, "clerk")
    assert info.value.errors[0].field == "password"
    with pytest.raises(ValidationError) as info, db.session(admin) as s:
        users.reset_password(s, "clerk", password)
    assert info.value.errors[0].field == "password"
    assert "常见密码" in info.value.messages("zh")[0]


def test_a_password_someone_else_set_must_be_changed_at_the_first_login(db, admin):
    with db.session(admin) as s:
        users.create_user(s, "worker", "temp-pass-77", "clerk", "小王")
    with db.session(SYSTEM_LOGIN) as s:
        actor = users.authenticate(s, "worker", "temp-pass-77")
        assert users.needs_new_password(s, actor)
    with db.session(actor) as s:
        users.change_own_password(s, actor, "temp-pass-77", "my-own-pass-9", "my-own-pass-9")
    with db.session(SYSTEM_LOGIN) as s:
        actor = users.authenticate(s, "worker", "my-own-pass-9")
        assert not users.needs_new_password(s, actor)
    # a reset sets it again, and lifts a lock
    for _ in range(5):
        refused(db, "worker", "wrong-pass-1")
    with db.session(admin) as s:
        users.reset_password(s, "worker", "reset-pass-55")
    with db.session(SYSTEM_LOGIN) as s:
        actor = users.authenticate(s, "worker", "reset-pass-55")
        assert users.needs_new_password(s, actor)
    # the first administrator typed their own password at set-up: nothing to change
    with db.session(SYSTEM_LOGIN) as s:
        assert not users.needs_new_password(s, users.authenticate(s, "admin",
                                                                  ADMIN_PASSWORD))
    with db.reader() as s:
        assert s.query(User).filter_by(username="worker").one().must_change_password


def test_the_command_line_reset_sets_the_flag(db_path, monkeypatch, capsys):
    import io
    import sys

    from station_app.cli import main
    from station_app.storage.database import open_database

    monkeypatch.setattr(sys, "stdin", io.StringIO("cli-reset-77\n"))
    assert main(["user", "reset-password", "clerk", "--password-stdin", "--db", str(db_path)]) == 0
    db = open_database(db_path)
    try:
        with db.reader() as s:
            assert s.query(User).filter_by(username="clerk").one().must_change_password
    finally:
        db.close()


def test_the_command_line_unlocks(db, db_path, capsys):
    from station_app.cli import main

    for _ in range(5):
        refused(db, "clerk", "wrong-pass-1")
    assert main(["user", "unlock", "clerk", "--db", str(db_path)]) == 0
    assert "clerk" in capsys.readouterr().out
    assert login(db, "clerk", CLERK_PASSWORD).username == "clerk"


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path
