"""``station-admin``: the Qt-free administration command line, thin over the services.

Every command takes ``--db PATH`` (default: the platform data folder). A station's file is
encrypted: a command that opens it logs in first (``--user``, the password from
``$STATION_PASSWORD`` or standard input, see "login" below) and acts as that user, with
that user's rights. Errors print one clear message and exit non-zero (3: the login was
refused); every command that writes does so in one transaction.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import os
import sys
import time
from datetime import date
from pathlib import Path

from station_app import __version__
from station_app.cliutil import (
    EXIT_ERROR,
    EXIT_LOGIN,
    import_status,
    parse_args,
    skip_final_collection,
    stdout_closed,
)
from station_app.logs import setup_logging
from station_app.paths import default_db_path

log = logging.getLogger("station_app.cli")


class CliError(Exception):
    """A failure to report as one line (already in the user's language)."""


def _is_validation_error(exc: BaseException) -> bool:
    """Whether ``exc`` is the domain's ``ValidationError`` — asked without importing the
    validation module for commands that never load it (none could have raised one)."""
    validation = sys.modules.get("station_app.domain.validation")
    return validation is not None and isinstance(exc, validation.ValidationError)


def _lang() -> str:
    value = os.environ.get("STATION_LANG") or os.environ.get("LANG", "")
    return "zh" if value.lower().startswith("zh") else "en"


def _db_arg(p: argparse.ArgumentParser, *, login: bool = True) -> None:
    p.add_argument("--db", type=Path, default=None,
                   help="database file (default: station.sqlite3 in the platform data folder)")
    if login:
        _user_arg(p)


TARGET_USER_HELP = (
    "log in as this user (default: $STATION_USER; the password from $STATION_PASSWORD, "
    "else standard input's first line, else asked): on a station's file any of its users; "
    "on the district's database a district admin, needed where personal data is printed "
    "(member find, ledger list, conflicts list, export, report --xlsx)")
USER_HELP = ("log in as this user of the file (default: $STATION_USER); the password is "
             "read from $STATION_PASSWORD, else the first line of standard input, else "
             "asked — never given as an argument")


def _user_arg(p: argparse.ArgumentParser, help: str = USER_HELP) -> None:
    p.add_argument("--user", metavar="NAME", default=None, help=help)


def _db_path(args) -> Path:
    return args.db if args.db is not None else default_db_path()


# the databases this command opened, closed (checkpointed) when it ends, whatever happens
_OPENED: list = []


def _close_opened() -> None:
    _LOGIN.clear()
    while _OPENED:
        db = _OPENED.pop()
        try:
            db.close()
        except Exception:  # closing must not hide what the command said
            log.debug("closing the database failed", exc_info=True)


# --------------------------------------------------------------------------- login
#
# Every command that opens a station's file logs in first, as the app does: --user NAME
# (default: $STATION_USER) and the password from $STATION_PASSWORD, else the first line
# of standard input when it is not a terminal, else a prompt — never an argument (it
# would show in the process list and the shell's history). The file's data key is
# unwrapped with that password (``services.login``) and the command acts as that user,
# with that user's rights. A command that reads a second password (a new user's, a
# signer's) reads it after the login's, from the next line of standard input.

USER_ENV = "STATION_USER"
PASSWORD_ENV = "STATION_PASSWORD"


class LoginRefused(CliError):
    """A login refused (no user named, a wrong password, a locked account): one line in
    the user's language, exit status ``EXIT_LOGIN``."""


def _login_name(args) -> str:
    """The user who logs in: --user, else --as where it is the same thing (the acting
    user of the commands that took --as before logins), else $STATION_USER."""
    name = getattr(args, "user", None)
    alias = getattr(args, "as_user", None) if getattr(args, "as_is_login", False) else None
    if name and alias and name.strip().lower() != alias.strip().lower():
        raise LoginRefused(_say(f"--user {name} 与 --as {alias} 不一致：命令以登录的用户身份执行",
                                f"--user {name} and --as {alias} differ: a command acts as "
                                "the user who logs in"))
    name = name or alias or os.environ.get(USER_ENV, "")
    if not name.strip():
        raise LoginRefused(_say(
            f"请用 --user 用户名（或环境变量 {USER_ENV}）指定登录的用户；密码从 {PASSWORD_ENV} "
            "环境变量或标准输入读取",
            f"log in with --user NAME (or ${USER_ENV}); the password is read from "
            f"${PASSWORD_ENV} or standard input"))
    return name.strip()


def _stdin_line(what_zh: str, what_en: str) -> str:
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line:
        raise LoginRefused(_say(f"标准输入中没有{what_zh}", f"no {what_en} on standard input"))
    return line.rstrip("\r\n")


def _login_password(name: str) -> str:
    """The login password: $STATION_PASSWORD, else standard input's next line when it is
    not a terminal, else asked."""
    env = os.environ.get(PASSWORD_ENV)
    if env is not None:
        return env
    if sys.stdin is None or not sys.stdin.isatty():
        return _stdin_line(f" {name} 的登录密码", f"login password for {name}")
    return getpass.getpass(_say(f"{name} 的密码：", f"Password for {name}: "))


def _refused(exc) -> LoginRefused:
    return LoginRefused("; ".join(exc.messages(_lang())))


def _print_recovery_key(key: str, file=None) -> None:
    """The recovery key, shown this once (a new station, a file converted at its first
    login), with what to do with it. ``file``: where (standard output by default)."""
    print(_say(f"恢复密钥（只显示这一次）：{key}", f"recovery key (shown this once): {key}"),
          file=file)
    print(_say("请把它抄在纸上，与电脑分开保管：忘记密码或密钥文件丢失时，用它打开数据库"
               "（station-admin recover）。没有密码、也没有恢复密钥，就无法打开这个文件。",
               "Write it on paper and keep the paper apart from the computer: it opens the "
               "database when a password is forgotten or the key file is lost "
               "(station-admin recover). Without a password or this key the file cannot "
               "be opened."), file=file, flush=True)


# the login of this command (a station file is logged in to once per command)
_LOGIN: dict = {}


def _login(args, *, check: bool = False, writes: bool = False, must_change_ok: bool = False):
    """Log in to the station file of ``--db`` (see above): the database, opened with its
    key, and the user acting. A refusal is a ``LoginRefused``."""
    from station_app.domain.services import login as logins
    from station_app.domain.validation import ValidationError

    if "db" in _LOGIN:  # logged in already
        return _LOGIN["db"], _LOGIN["actor"]
    path = _db_path(args)
    _must_exist(path)
    name, password = _credentials(args)
    try:
        done = logins.login(path, name, password, check=check)
    except ValidationError as exc:
        raise _refused(exc) from None
    except Exception as exc:  # the login's audit record waits for another program
        from station_app.storage.errors import busy_error

        busy = busy_error(exc)
        if busy is not None:
            raise busy from exc
        raise
    _OPENED.append(done.db)
    _LOGIN.update(name=done.actor.username, actor=done.actor, db=done.db)
    if done.recovery_key:  # a plain file from an older version, encrypted: to an admin
        # (on standard error: standard output stays the command's own, --json included)
        print(_say(f"{path} 已加密（旧版本的明文文件在首次登录时加密，明文副本已删除）。",
                   f"{path} is encrypted (a plain file from an older version is encrypted "
                   "at its first login; its plain copies are removed)."), file=sys.stderr)
        _print_recovery_key(done.recovery_key, sys.stderr)
    if done.must_change and not must_change_ok:
        raise _must_change_error(done.actor.username)
    if writes:
        done.db.daily_backup()  # the first write of the day keeps yesterday's state
    return done.db, done.actor


def _must_exist(path) -> None:
    """A missing or empty file is said before a password is asked."""
    if not (Path(path).exists() and Path(path).stat().st_size > 0):
        from station_app.storage.errors import STATION_INIT, MissingDatabaseError

        raise MissingDatabaseError(Path(path), STATION_INIT)


def _credentials(args) -> tuple[str, str]:
    """The login's user and password, read once per command (the report's quick look,
    then its full path, read the same line of standard input once)."""
    if "password" not in _LOGIN:
        name = _login_name(args)
        _LOGIN.update(name=name, password=_login_password(name))
    return _LOGIN["name"], _LOGIN["password"]


def _unlock_to_read(args, path: Path) -> bool:
    """The light login of a read-only look that prints figures only (``report`` without
    ``--xlsx``, ``--signed``, ``--compare``), before the sqlite3-only snapshot
    (``storage.fastread``): ``services.login.unlock_to_read`` — the lock checked, the
    data key unwrapped from the key file with one scrypt run and registered; the
    database neither opened by SQLAlchemy nor written. False when the file needs the
    full login (``_login``): a plain file from an older version (encrypted at its first
    login) or no file.

    Its common case — no wrong password kept in the key file for this user, and the
    right password — is taken here without importing the services (which load
    SQLAlchemy, several times the cost of the figures' queries); anything else (a key
    file missing, wrong passwords kept, a wrong password now) goes through
    ``unlock_to_read`` itself, which decides and says why."""
    from station_app.storage import keys as keyfiles
    from station_app.storage import sqlfile

    if sqlfile.is_plain(path) is not False:
        return False
    name, password = _credentials(args)
    user = " ".join(name.split()).lower()
    kf = keyfiles.KeyFile.load(keyfiles.key_file_path(path))
    key = (kf.unwrap(user, password)
           if kf is not None and user and not kf.failures.get(user) else None)
    if key is not None:
        sqlfile.remember(path, key)
        return True
    from station_app.domain.services import login as logins
    from station_app.domain.validation import ValidationError

    try:
        logins.unlock_to_read(path, name, password)
    except ValidationError as exc:
        raise _refused(exc) from None
    return True


# whether a user must choose a new password first (``users.needs_new_password``), for
# the light login's snapshot
_MUST_CHANGE = {("must_change", False): (
    "SELECT must_change_password FROM users WHERE username = :name", {}, ("bool",))}


def _must_change_refused(snap, name: str) -> None:
    """A user whose password someone else set (a new user, a reset) reads nothing before
    choosing their own, on the light login as on the full one (``_login``)."""
    rows = snap.run(_MUST_CHANGE)("must_change", False, {"name": " ".join(name.split()).lower()})
    if rows and rows[0][0]:
        snap.close()
        raise _must_change_error(name)


def _must_change_error(name: str) -> LoginRefused:
    return LoginRefused(_say(
        f"用户 {name} 须先设置新密码：station-admin user change-password --user {name}"
        "（或在本软件中登录）",
        f"user '{name}' must choose a new password first: station-admin user "
        f"change-password --user {name} (or log in to the app)"))


def _open(args, *, check: bool = True, writes: bool = False):
    """The station file of ``--db``, logged in to (``_login``); the user is
    ``_LOGIN["actor"]``."""
    return _login(args, check=check, writes=writes)[0]


def _actor():
    """The user this command logged in as."""
    return _LOGIN["actor"]


def _remember_district_key(path) -> None:
    """A district's SQLite file is encrypted with the raw key file ``district-server
    init`` wrote beside it: registered for this process (the fast read path opens the
    file by its path)."""
    from station_app.storage import keys as keyfiles
    from station_app.storage import sqlfile

    if sqlfile.key_for(path) is None and keyfiles.district_key_path(path).exists():
        sqlfile.remember(path, keyfiles.read_district_key(keyfiles.district_key_path(path)))


def _is_station_file(path: Path) -> bool:
    """Whether a SQLite file is a station's (logged in to), not the district's: an
    encrypted file without a district key file beside it, or a plain file whose state
    names a station."""
    from station_app.domain.ids import DISTRICT_OWNER_ID
    from station_app.storage import keys as keyfiles
    from station_app.storage import sqlfile

    plain = sqlfile.is_plain(path)
    if plain is None:
        return True  # no file: the login says so
    if plain is False:
        return not keyfiles.district_key_path(path).exists()
    from station_app.storage.schema import peek_station

    state = peek_station(path)
    if state is None:  # an older plain file: whether it is the district's, opened to see
        from station_app.storage.database import open_database

        db = open_database(path, check=False)
        try:
            return not db.is_district
        finally:
            db.close()
    return state.get("station_id") != DISTRICT_OWNER_ID


def _authenticate(db, name: str, password: str):
    """(actor, must change the password) of a user's password checked in an open database
    (audited as every login is); a refusal is a ``LoginRefused``."""
    from station_app.domain.actor import SYSTEM_LOGIN
    from station_app.domain.services import users
    from station_app.domain.validation import ValidationError

    try:
        with db.session(SYSTEM_LOGIN) as s:
            actor = users.authenticate(s, name, password)
            return actor, users.needs_new_password(s, actor)
    except ValidationError as exc:
        raise _refused(exc) from None


def _district_login(db, args):
    """The district admin a command that prints personal data needs on the district's
    database: --user and the password as for a station's file, checked in the database."""
    name = _login_name(args)
    password = _login_password(name)
    actor, must_change = _authenticate(db, name, password)
    if not actor.at_least("district_admin"):
        raise LoginRefused(_say(f"{actor.username} 不是区总工会管理员：区总工会数据库上的个人信息只对"
                                "区总工会管理员显示",
                                f"{actor.username} is not a district admin: the personal "
                                "data of the district's database is shown to district "
                                "admins only"))
    if must_change:
        raise LoginRefused(_say(f"用户 {actor.username} 须先设置新密码（在区总工会视图中登录）",
                                f"user '{actor.username}' must choose a new password first "
                                "(log in to the district view)"))
    _LOGIN.update(name=actor.username, password=password, actor=actor)
    return actor


def _read_password(args, prompt: str = "Password: ") -> str:
    """A password to set (a new station's admin, a new user, a reset): with
    --password-stdin the next line of standard input (after the login password, when it
    is read there), else asked twice."""
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline() if sys.stdin is not None else ""
        if not line:
            raise CliError(_say("标准输入中没有要设置的密码", "no password on standard input"))
        return line.rstrip("\r\n")
    if sys.stdin is None or not sys.stdin.isatty():
        raise CliError(_say("没有终端可询问密码：请用 --password-stdin",
                            "no terminal to ask for the password: use --password-stdin"))
    first = getpass.getpass(prompt)
    if getpass.getpass(_say("再输入一次：", "Repeat: ")) != first:
        raise CliError(_say("两次输入的密码不一致", "the passwords do not match"))
    return first


# --------------------------------------------------------------------------- commands


def cmd_init(args) -> int:
    from station_app.domain.services import login as logins
    from station_app.storage import keys as keyfiles

    path = _db_path(args)
    info = logins.key_file_info(path) if path.exists() and path.stat().st_size else None
    if info is not None:  # (what the login screen shows: no password needed to say it)
        who = f"{info.station_code} {info.station_name}".strip() or _say("另一个站点", "a station")
        raise CliError(_say(f"{path} 已存在：它是 {who} 的数据库，不会被覆盖",
                            f"{path} exists already: it is the database of {who}; it is "
                            "not overwritten"))
    password = _read_password(args, _say(f"{args.admin} 的密码：", f"Password for {args.admin}: "))
    done = logins.create_station(path, args.station_code, args.station_name, args.admin,
                                 password, display_name=args.display_name, street=args.street)
    _OPENED.append(done.db)
    print(f"station {args.station_code.upper()} ({args.station_name}) set up in {path}, "
          "encrypted")
    print(f"station id {done.db.station_id}; admin user '{done.actor.username}'")
    print(_say(f"密钥文件：{keyfiles.key_file_path(path)}（与数据库放在一起，随备份一起保存）",
               f"key file: {keyfiles.key_file_path(path)} (kept beside the database and "
               "backed up with it)"))
    _print_recovery_key(done.recovery_key)
    return 0


def cmd_user_add(args) -> int:
    from station_app.domain.services import users

    db, actor = _login(args, writes=True)
    password = _read_password(args, f"Password for {args.username}: ")
    with db.session(actor) as s:
        users.create_user(s, args.username, password, args.role, args.display_name)
    print(f"user '{args.username}' ({args.role}) added")
    return 0


def cmd_user_reset(args) -> int:
    from station_app.domain.services import users

    db, actor = _login(args, writes=True)
    password = _read_password(args, f"New password for {args.username}: ")
    with db.session(actor) as s:
        users.reset_password(s, args.username, password)
    print(f"password of '{args.username}' reset; the user chooses a new one at the next "
          "login")
    return 0


def cmd_user_change_password(args) -> int:
    """The user who logs in sets a new password (a reset one must be changed first)."""
    from station_app.domain.services import users

    db, actor = _login(args, writes=True, must_change_ok=True)
    new = _read_password(args, _say("新密码：", "New password: "))
    with db.session(actor) as s:
        users.change_own_password(s, actor, _LOGIN["password"], new)
    print(_say(f"{actor.username} 的密码已更改", f"password of '{actor.username}' changed"))
    return 0


def cmd_user_unlock(args) -> int:
    from station_app.domain.services import users
    from station_app.storage import keys as keyfiles

    db, actor = _login(args, writes=True)
    with db.session(actor) as s:
        user = users.unlock_user(s, args.username)
        name = user.username
    # the wrong passwords the key file kept (typed while the file could not be opened)
    kf = keyfiles.KeyFile.load(keyfiles.key_file_path(db.path))
    if kf is not None:
        kf.take_failures(name)
    print(f"user '{name}' unlocked")
    return 0


def cmd_user_list(args) -> int:
    from station_app.domain.services import users

    db, actor = _login(args)
    with db.reader(actor) as s:
        for u in users.accounts(s):
            notes = []
            if u.locked_until:
                notes.append(f"locked until {u.locked_until}")
            if u.must_change_password:
                notes.append("must change password")
            print(f"{u.username:20} {u.role:15} {'active' if u.active else 'disabled':9} "
                  f"{u.display_name}" + (f"  ({'; '.join(notes)})" if notes else ""))
    return 0


def cmd_recover(args) -> int:
    """A forgotten password, a locked-out admin, a lost key file: the recovery key (first
    line of standard input) opens the file and gives the admin a new password."""
    from station_app.domain.services import login as logins
    from station_app.domain.validation import ValidationError

    path = _db_path(args)
    if sys.stdin is not None and sys.stdin.isatty():
        recovery = getpass.getpass(_say("恢复密钥：", "Recovery key: "))
    else:
        recovery = _stdin_line("恢复密钥", "recovery key")
    args.password_stdin = sys.stdin is None or not sys.stdin.isatty()
    password = _read_password(args, _say(f"{args.user} 的新密码：",
                                         f"New password for {args.user}: "))
    try:
        done = logins.recover(path, recovery, args.user, password)
    except ValidationError as exc:
        raise _refused(exc) from None
    _OPENED.append(done.db)
    print(_say(f"已用恢复密钥为 {done.actor.username} 设置新密码，账号已解锁；密钥文件已重写",
               f"new password set for '{done.actor.username}' with the recovery key; the "
               "account is unlocked and the key file rewritten"))
    print(_say("恢复密钥不变：仍请妥善保管那张纸。", "The recovery key stays the same: keep the "
                                              "paper."))
    return 0


def _generated_password() -> str:
    """A demo password that passes the password rules and is easy to copy: 4 groups of 4."""
    import secrets

    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(4))


def cmd_demo(args) -> int:
    from station_app.demo import build_demo
    from station_app.domain.services import login as logins

    path = _db_path(args)
    if path.exists() and path.stat().st_size > 0:  # more demo data in a station's file
        db = _open(args, writes=True)
    else:  # a new station, encrypted, its admin's password generated unless given
        password = args.admin_password or _generated_password()
        done = logins.create_station(path, args.station_code, args.station_name, "admin",
                                     password, display_name="站长")
        db = done.db
        _OPENED.append(db)
        print(f"station {args.station_code} set up; admin user 'admin'")
        if not args.admin_password:
            print(f"admin password (generated, shown once): {password}")
        _print_recovery_key(done.recovery_key)
    t0 = time.perf_counter()
    result = build_demo(db, members_count=args.members, seed=args.seed,
                        progress=lambda m: print(f"  … {m}", flush=True))
    print(f"demo data written in {time.perf_counter() - t0:.1f} s: {result.members} members, "
          f"{result.enterprises} enterprises ({result.watch_listed} on the watch list), "
          f"{result.cases} hardship files with {result.ledger_entries} ledger entries, "
          f"{result.visits} visits, {result.events} events")
    return 0


def run_check(db) -> list[str]:
    """Integrity, append-only triggers, ledger reconciliation. Empty when all is well."""
    import sqlite_utils

    from station_app.domain.models import APPEND_ONLY_TABLES, Base
    from station_app.domain.services.hardship import reconcile
    from station_app.storage.triggers import existing_triggers, trigger_names

    problems = [f"integrity: {p}" for p in db.check_integrity()]
    with db.engine.connect() as conn:
        present = existing_triggers(conn)
    for table in APPEND_ONLY_TABLES:
        for name in trigger_names(table):
            if name not in present:
                problems.append(f"trigger {name} is missing: {table} is not protected")
    if db.path is not None:
        sdb = sqlite_utils.Database(_sqlfile_connect(db.path))
        try:
            for table in Base.metadata.sorted_tables:
                if not sdb[table.name].exists():
                    problems.append(f"table {table.name} is missing")
                    continue
                have = set(sdb[table.name].columns_dict)
                missing = {c.name for c in table.columns} - have
                if missing:
                    problems.append(f"table {table.name} lacks columns {sorted(missing)}")
            fk = sdb.execute("PRAGMA foreign_key_check").fetchall()
            problems += [f"broken reference: {row}" for row in fk[:20]]
        finally:
            sdb.close()
    with db.reader() as s:
        problems += [f"ledger: {p}" for p in reconcile(s)]
    return problems


def _sqlfile_connect(path):
    """A driver connection for sqlite-utils: SQLCipher's driver, keyed as the database
    (two SQLite libraries in one process must never share a file: each would drop the
    other's POSIX locks)."""
    from station_app.storage import sqlfile

    return sqlfile.connect(path)


def cmd_check(args) -> int:
    db = _open(args, check=False)
    problems = run_check(db)
    counts = {}
    import sqlite_utils

    if db.path is not None:
        sdb = sqlite_utils.Database(_sqlfile_connect(db.path))
        for name in ("members", "enterprises", "hardship_cases", "ledger_entries", "visits",
                     "events", "outbox", "audit_log"):
            counts[name] = sdb[name].count
        sdb.close()
    if args.json:
        print(json.dumps({"ok": not problems, "problems": problems, "counts": counts},
                         ensure_ascii=False, indent=2))
    else:
        for name, n in counts.items():
            print(f"{name:16} {n:>9}")
        if problems:
            print(f"{len(problems)} problem(s):")
            for p in problems:
                print(f"  - {p}")
        else:
            print("ok: integrity, triggers and ledger reconciliation all pass")
    return 0 if not problems else EXIT_ERROR


def cmd_backup(args) -> int:
    db = _open(args, check=False)
    target = db.backup("manual")
    print(target)
    return 0


def cmd_backups(args) -> int:
    from station_app.storage.backup import list_backups

    for b in list_backups(_db_path(args)):
        print(f"{b.taken_at:%Y-%m-%d %H:%M:%S}  {b.reason:10} {b.size:>12,}  {b.path}")
    return 0


def _unlock_for_restore(args, path: Path) -> None:
    """A restore replaces the file: a station admin logs in (which registers the key of
    the file and its backups), and the file is closed again. A file too damaged to log
    in to is unlocked with the key file alone (the password of one of its users)."""
    from station_app.storage import keys as keyfiles
    from station_app.storage import sqlfile
    from station_app.storage.errors import StorageError

    if sqlfile.is_plain(path) is not False:
        return  # a plain file (or none): nothing to unlock
    try:
        db, actor = _login(args, check=False)
    except StorageError:
        kf = keyfiles.KeyFile.load(keyfiles.key_file_path(path))
        if kf is None:
            raise
        key = kf.unwrap(_LOGIN["name"].lower(), _LOGIN["password"])
        if key is None:
            raise LoginRefused(_say("用户名或密码不正确", "wrong user name or password")) from None
        sqlfile.remember(path, key)
        return
    if not actor.at_least("station_admin"):
        raise LoginRefused(_say("只有站点管理员可以恢复备份", "only a station admin restores a "
                                                          "backup"))
    _OPENED.remove(db)
    db.close()


def cmd_restore(args) -> int:
    from station_app.storage.backup import BackupError, newest_good_backup, restore_backup

    path = _db_path(args)
    _unlock_for_restore(args, path)
    source = args.source
    if source is None:
        newest = newest_good_backup(path)
        if newest is None:
            raise CliError(f"no good backup of {path} was found")
        source = newest.path
    try:
        saved = restore_backup(path, source)
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    print(f"{path} restored from {source}")
    if saved:
        print(f"the replaced file was kept as {saved}")
    print("after a restore, run `station-admin sync --reseed` once the sync is set up")
    return 0


def cmd_clock(args) -> int:
    db = _open(args)
    ahead = db.clock_ahead_ms()
    print(f"node {db.node_id}; last stamp {db.clock.last()}; "
          f"ahead of this computer's clock by {ahead / 1000:.1f} s")
    print(f"{db.pending_count()} change(s) waiting to be sent")
    if args.correct:
        db.daily_backup()
        n = db.correct_clock(_actor())
        print(f"clock corrected: {n} pending row(s) re-stamped; last stamp {db.clock.last()}")
    return 0


def cmd_sync(args) -> int:
    """One sync round with the district (push, then pull)."""
    from sync.client import SyncClient, SyncError, set_transport

    db = _open(args, writes=True)
    try:
        ca = None
        if args.ca_file is not None:
            try:
                ca = Path(args.ca_file).read_text(encoding="ascii", errors="replace") \
                    if args.ca_file.strip() else ""
            except OSError as exc:
                raise CliError(f"{args.ca_file}: {exc.strerror}") from None
        set_transport(db, fingerprint=args.fingerprint, ca_pem=ca,
                      plain_lan=args.plain_http_lan)
        client = SyncClient(db, args.server)
    except SyncError as exc:
        raise CliError(exc.message(_lang())) from exc
    try:
        if args.reseed:
            if args.enrollment_code:
                client.enroll(args.enrollment_code)
            report = client.reseed()
        else:
            report = client.sync(args.enrollment_code)
    except SyncError as exc:
        raise CliError(exc.message(_lang())) from exc
    finally:
        client.close()
    print(f"sent {report.pushed} change(s) in {report.batches} batch(es); "
          f"received {report.pulled}; conflicts to review: {report.conflicts}")
    if report.restamped:
        print(f"{report.restamped} change(s) stamped by a wrong clock were re-stamped")
    for line in report.held:
        print(f"held for review (the district refused it): {line}")
    earlier = report.still_held - len(report.held)
    if earlier > 0:
        print(f"{earlier} change(s) held since an earlier round (refused by the district); "
              "they are tried again at each `sync`")
    return 0


def _bundle_secret(db, args) -> None:
    from sync.bundle import BundleError, set_station_key

    if getattr(args, "bundle_secret", None):
        try:
            set_station_key(db, args.bundle_secret)
        except BundleError as exc:
            raise CliError(exc.message(_lang())) from exc


def cmd_conflicts(args) -> int:
    """This station's sync conflicts: versions that lost a merge, kept for review."""
    from station_app.domain.services.conflicts import (
        conflict_lines,
        describe,
        differences,
        list_conflicts,
    )

    db = _open_target(args, personal=True)
    with db.reader() as s:
        views = list_conflicts(s, open_only=not args.all)
        labels = describe(s, views, _lang())
        shown = {v.id: differences(s, v, _lang()) for v in views}
    for line in conflict_lines(views, labels, shown=shown):
        print(line)
    if not views:
        print("no open conflicts" if not args.all else "no conflicts")
    return 0


def cmd_conflict_resolve(args) -> int:
    from station_app.domain.services.conflicts import resolve_conflict

    db, actor = _login(args, writes=True)
    with db.session(actor) as s:
        view = resolve_conflict(s, args.conflict_id, args.keep)
    print(f"conflict {view.id} settled: {view.resolution}"
          + ("; the next sync sends the version brought back" if args.keep == "loser" else ""))
    return 0


def _case_line(case, lang: str) -> str:
    from station_app.domain.choices import CASE_STATUS, label
    from station_app.domain.validation import mask_id_number

    head = f"{case.member.name} ({mask_id_number(case.member.id_number)})"
    if case.status == "open":
        return f"file {case.id} of {head}: open, registered {case.registered_date}"
    return (f"file {case.id} of {head}: {label(CASE_STATUS, case.status, lang)} on "
            f"{case.exit_date}, reason: {case.exit_reason}")


def cmd_case_close(args) -> int:
    """脱困 (exit) or 注销 (cancel) a hardship file, found by id or the head's ID number."""
    from station_app.domain.services import hardship

    db, actor = _login(args, writes=True)
    status = "exited" if args.case_command == "exit" else "cancelled"
    on = args.date if args.date else date.today()
    with db.session(actor) as s:
        case = hardship.find_case(s, args.case)
        hardship.close_case(s, case.id, status, on, args.reason)
        line = _case_line(case, _lang())
    print(line)
    return 0


def cmd_case_reopen(args) -> int:
    """Undo an exit or a cancellation recorded in error."""
    from station_app.domain.services import hardship

    db, actor = _login(args, writes=True)
    with db.session(actor) as s:
        case = hardship.find_case(s, args.case, closed=True)
        hardship.reopen_case(s, case.id)
        line = _case_line(case, _lang())
    print(line + " again")
    return 0


def cmd_case_show(args) -> int:
    """A hardship file as kept: its fields, its household and its sign-offs (who, when,
    in force or voided / changed since)."""
    from station_app.domain.choices import (
        CASE_CHOICES,
        HARDSHIP_CATEGORY,
        HARDSHIP_LEVEL,
        HOUSEHOLD_RELATION,
        label,
    )
    from station_app.domain.services import hardship
    from station_app.domain.validation import field_label

    lang = _lang()
    db = _open_target(args, personal=True)  # (the district's: a district admin's login)
    choices = {"category": HARDSHIP_CATEGORY, "level": HARDSHIP_LEVEL, **CASE_CHOICES}
    with db.reader() as s:
        case = hardship.find_case(s, args.case, closed=args.closed)
        values = hardship.case_values(case)
        household = hardship.household(s, case.id)
        signed = hardship.case_signoffs(s, case.id)
        lines = [_case_line(case, lang)]
    for key, value in values.items():
        if value is None or value == "":
            continue
        if key in choices:
            value = label(choices[key], value, lang)
        elif isinstance(value, bool):
            value = _say("是" if value else "否", "yes" if value else "no")
        lines.append(f"  {field_label(key, lang)}: {value}")
    lines.append(_say(f"家庭成员（{len(household)}）:", f"household members ({len(household)}):"))
    for h in household:
        lines.append(f"  {h.name}, {label(HOUSEHOLD_RELATION, h.relation, lang)}"
                     + (f", {h.age}" if h.age is not None else "")
                     + (f", {h.health}" if h.health else "")
                     + (f", {h.school_or_work}" if h.school_or_work else ""))
    for level, views in (("grassroots", signed.grassroots), ("upper", signed.upper)):
        name = {"grassroots": _say("基层工会审核", "grassroots union's sign-off"),
                "upper": _say("上级工会审核", "upper union's sign-off")}[level]
        if not views:
            lines.append(f"{name}: " + _say("未签署", "not signed"))
        for n, view in enumerate(views):
            lines.append(f"{name}{'' if n == 0 else _say('（此前）', ' (earlier)')}: "
                         f"{view.status(lang)}" + (f" — {view.note}" if view.note else ""))
    print("\n".join(lines))
    return 0


def cmd_case_sign(args) -> int:
    """Sign a hardship file off by the user named (``--as USER``, password asked): on a
    station's file the grassroots union's block (a station admin), on the district's
    database the upper union's (a district admin), as ``report --sign`` signs the
    database's own report."""
    from station_app.domain.services import hardship

    if not args.as_user:
        raise CliError(_say("case sign 需要 --as 用户名：签署人是本数据库的一个用户（会询问其密码）",
                            "case sign needs --as USER: the signer is a user of this "
                            "database (whose password is asked)"))
    lang = _lang()
    db = _open_signing(args)
    actor = _signer(args, db)
    sign = hardship.sign_case_upper if db.is_district else hardship.sign_case
    with db.session(actor) as s:
        case = hardship.find_case(s, args.case)
        view = sign(s, case.id, on=args.date, note=args.note)
        line = _case_line(case, lang)
    print(f"{line}: {view.status(lang)}")
    return 0


def cmd_sync_export(args) -> int:
    """Pending changes into a sync file for the district (no network needed), encrypted
    and signed with the bundle key (format /2, docs/SYNC.md)."""
    from sync.bundle import BundleError, export_station_bundle

    db = _open(args, writes=True)
    _bundle_secret(db, args)
    try:
        n = export_station_bundle(db, args.file)
    except BundleError as exc:
        raise CliError(exc.message(_lang())) from exc
    print(f"{n} change(s) written to {args.file}; they stay pending until the district's "
          "file acknowledges them")
    return 0


def cmd_sync_import(args) -> int:
    """The district's file: its changes (watch list, targets …) and acknowledgements."""
    from sync.bundle import BundleError, import_district_bundle

    db = _open(args, writes=True)
    try:  # the key given is kept once the file proves it right
        result = import_district_bundle(db, args.file, getattr(args, "bundle_secret", None))
    except BundleError as exc:
        raise CliError(exc.message(_lang())) from exc
    print(f"received {result.inserted + result.updated} change(s); "
          f"{db.pending_count()} change(s) still to send; conflicts: {result.conflicts}")
    for table, row_id, _hlc, reason in result.refused:
        print(f"held for review (the district refused it): {table} {row_id}: {reason}")
    return 0


def _snapshot(target, *, check: bool = False):
    """A read-only look at a current SQLite file with the sqlite3 driver alone
    (``storage.fastread``), or None when the full path must open it."""
    from station_app.storage.fastread import Snapshot

    return Snapshot.open(target, check=check)


def _open_target(args, *, personal: bool = False):
    """``--db PATH_OR_URL``: a station's file (logged in to, ``_login``), or the district's
    database — a file (opened with the key file beside it) or a PostgreSQL URL — where a
    district admin logs in when the command prints personal data (``personal``)."""
    from station_app.storage.database import open_database
    from station_app.storage.errors import sqlite_path

    target = args.db if args.db else str(default_db_path())
    path = sqlite_path(target)
    if path is not None and _is_station_file(path):
        return _open(args, check=False)
    if path is not None:
        _remember_district_key(path)
    db = open_database(target, check=False)
    _OPENED.append(db)
    if personal:
        _district_login(db, args)
    return db


def _say(zh: str, en: str) -> str:
    """A message in the user's language (``_lang``)."""
    return zh if _lang() == "zh" else en


def _scope(run, is_district: bool, own_station: str | None, code: str | None,
           whole_district: bool = False) -> str | None:
    """The station a report or export is about: ``--station CODE`` (a station the file
    knows; anything else is refused with the codes there are), else the file's own
    station — the whole district on a district database. ``--district`` (kept for
    scripts of the former ``summary``) asks for the district, which only a district
    database has."""
    from station_app.domain.figures import station_codes

    if whole_district:
        if code:
            raise CliError(_say("--district 与 --station 只能选一个",
                                "--district or --station, not both"))
        if not is_district:
            raise CliError(_say(
                "--district：这是一个站点的数据库，只有本站的记录；全区的数字请在区总工会数据库上统计",
                "--district: this is a station's database, with its own records only; "
                "the district's figures come from the district database"))
        return None
    if not code:
        return None if is_district else own_station
    wanted = code.strip().upper()
    codes = station_codes(run)
    if wanted in codes:
        return codes[wanted]
    known = ", ".join(sorted(codes)) or _say("（无）", "(none)")
    raise CliError(_say(f"--station：本数据库中没有站点 {wanted}；现有站点：{known}",
                        f"--station: no station {wanted} in this database; "
                        f"the stations are: {known}"))


def _date_arg(text: str | None, name: str) -> date:
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CliError(f"{name} must be a date YYYY-MM-DD, not {text!r}") from None


def _print_report(report, lang: str) -> None:
    from station_app.domain.figures import figure_text, target_lines

    where = report.station_name or ("全区" if lang == "zh" else "district")
    print(f"{where} — {report.summary.as_of.isoformat()}")
    for code, text, value in report.figures(lang):
        print(f"{text:<30} {figure_text(code, value):>14}")
    lines = target_lines(report.summary, lang)
    if lines:
        print("年度目标" if lang == "zh" else f"targets of {report.summary.as_of.year}:")
        for line in lines:
            print(f"  {line}")


class _ReportReader:
    """What ``report`` reads through: a snapshot of a current SQLite file (the sqlite3
    driver alone), or a read-only session (``full``: the workbook's lists; a server URL,
    an older file). ``run`` runs the figures' and the signed reports' selects."""

    def __init__(self, args, *, full: bool):
        self.args, self.full = args, full
        self.snap = self.session = self.db = None

    def __enter__(self):
        from station_app.storage.errors import sqlite_path

        args = self.args
        target = args.db if args.db else str(default_db_path())
        path = sqlite_path(target)
        quick = not self.full
        if path is not None and _is_station_file(path):
            # figures only: the light login (the key registered: the snapshot opens it)
            _must_exist(path)
            quick = quick and _unlock_to_read(args, path)
            if not quick:
                _login(args)
        elif path is not None:
            _remember_district_key(path)
        self.snap = _snapshot(target) if quick else None
        if self.snap is not None and "password" in _LOGIN:  # (the light login's user)
            _must_change_refused(self.snap, _LOGIN["name"])
        if self.snap is not None:
            from station_app.domain.services import metrics_sqlite, signoffs_sqlite

            self.run = self.snap.run({**metrics_sqlite.QUERIES, **signoffs_sqlite.QUERIES})
            self.is_district, self.own = self.snap.is_district, self.snap.station_id
            return self
        from station_app.domain.services.signoffs import session_run

        db = self.db = _open_target(args, personal=self.full)
        self._reader = db.reader()
        self.session = self._reader.__enter__()
        self.run = session_run(self.session)
        self.is_district, self.own = db.is_district, db.station_id
        return self

    def __exit__(self, *exc) -> None:
        if self.snap is not None:
            self.snap.close()
        elif self.session is not None:
            self._reader.__exit__(*exc)


def _report_options(args) -> None:
    """Options of ``report`` that do not go together, refused in one line."""
    signing = [o for o, on in (("--sign", args.sign), ("--signed", args.signed is not None),
                               ("--compare", args.compare is not None)) if on]
    if len(signing) > 1:
        raise CliError(_say(f"{' 与 '.join(signing)} 只能选一个",
                            f"{' or '.join(signing)}: one at a time"))
    if args.note is not None and not args.sign:
        raise CliError(_say("--note 只用于 --sign", "--note goes with --sign"))
    if args.password_stdin and not args.sign:
        raise CliError(_say("--password-stdin 只用于 --sign", "--password-stdin goes with --sign"))
    if args.as_user and not args.sign:
        raise CliError(_say("--as 只用于 --sign", "--as goes with --sign"))
    if args.xlsx and signing:
        raise CliError(_say(f"--xlsx 不能与 {signing[0]} 同用", f"--xlsx does not go with "
                                                             f"{signing[0]}"))


def _print_sync(note, report, lang: str) -> None:
    """Each station's last sync: the stations not synced since D, or a station's own."""
    warning = note.warning(lang)
    if warning:
        print(("注意：" if lang == "zh" else "warning: ") + warning)
    elif note.at_district and note.stations:
        d = report.summary.as_of.isoformat()
        print(f"各站点均已在 {d} 或之后同步" if lang == "zh"
              else f"every station synced on {d} or later")
    own = note.own_line(lang)
    if own:
        print(own)


def _print_signature(view, diffs, lang: str) -> None:
    from station_app.domain.signoff import differences_heading

    print(("已签署：" if lang == "zh" else "Signed: ") + view.who(lang) + f" [{view.id}]"
          + ("" if view.intact else (
              "；校验码与内容不符：签署后被改动过" if lang == "zh"
              else "; THE DIGEST DOES NOT MATCH: changed after signing")))
    if view.note:
        print(("  备注：" if lang == "zh" else "  note: ") + view.note)
    if diffs is not None:
        print("  " + differences_heading(diffs, lang))
        for d in diffs:
            print(f"    {d.text(lang)}")


def _write_html(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(_say(f"无法写入 {path}：{exc.strerror or exc}",
                            f"cannot write {path}: {exc.strerror or exc}")) from None
    print(f"written: {path}")


def _signed_json(view, diffs) -> dict:
    out = view.as_json()
    if diffs is not None:
        out["differences"] = [d.as_json() for d in diffs]
    return out


def cmd_report(args) -> int:
    """The work summary as of a date: printed, as JSON, as an Excel workbook or as a
    printable HTML document; each station's last sync beside it; signed (``--sign``), the
    signed reports listed or shown as signed (``--signed``) and compared with today
    (``--compare``). Also ``summary`` (an alias kept for scripts)."""
    _report_options(args)
    lang = _lang()
    if args.sign:
        return _sign_report(args, lang)
    from station_app.domain import signoff
    from station_app.domain.figures import summary_report

    with _ReportReader(args, full=bool(args.xlsx)) as rd:
        scope = _scope(rd.run, rd.is_district, rd.own, args.station, args.district)
        if args.signed is not None or args.compare is not None:
            return _report_signed(args, lang, rd, scope)
        as_of = _date_arg(args.as_of, "--as-of")
        if rd.session is not None:
            from station_app.domain.services.reports import build_report

            report = build_report(rd.session, as_of, scope, with_lists=bool(args.xlsx),
                                  lang=lang)
        else:
            report = summary_report(rd.run, as_of, scope)
        note = signoff.report_sync(rd.run, as_of, scope, at_district=rd.is_district)
        now = signoff.report_content(report, note)
        signed = [(v, signoff.differences(v.content, now))
                  for v in signoff.signed_for(rd.run, as_of, scope)]
    if args.xlsx:
        from station_app.exchange.xlsx_export import export_recorded, export_report

        # (the report is read already; the workbook is written and recorded as an export)
        export_recorded(rd.db, _actor(), "report", args.xlsx,
                        lambda _s, full: export_report(report, args.xlsx, lang=lang,
                                                       sync=note, full_ids=full))
    if args.json:
        s = report.summary
        print(json.dumps({"as_of": as_of.isoformat(), "station": report.station_code,
                          "values": s.values, "paid_by_kind": s.paid_by_kind,
                          "targets": [t.as_json() for t in s.targets],
                          "sync": note.as_json(),
                          "signed": [_signed_json(v, d) | {"content": None}
                                     for v, d in signed]},
                         ensure_ascii=False, indent=2))
    else:
        _print_report(report, lang)
        _print_sync(note, report, lang)
        for view, diffs in signed:
            _print_signature(view, diffs, lang)
    if args.xlsx:
        print(f"written: {args.xlsx}")
    if args.html:
        from station_app.exchange.report_print import report_html

        view, diffs = signed[0] if signed else (None, None)
        _write_html(args.html, report_html(report, note, lang=lang, signed=view,
                                           differences=diffs))
    return 0


def _report_signed(args, lang: str, rd, scope: str | None) -> int:
    """``--signed``: the signed reports listed (of the scope; of D with ``--as-of``), or
    one shown as it was signed; ``--compare``: a signed report (the newest of D, or the
    one named) beside the same report counted now."""
    from station_app.domain import signoff

    wanted = args.signed if args.signed is not None else args.compare
    if args.signed == "":  # the list
        views = signoff.signed_list(rd.run)
        if args.as_of:
            day = _date_arg(args.as_of, "--as-of")
            views = [v for v in views if v.as_of == day]
        if scope is not None or args.district or not rd.is_district:
            owner = signoff.owner_of(scope)
            views = [v for v in views if v.owner_id == owner]
        if args.json:
            print(json.dumps([v.as_json() for v in views], ensure_ascii=False, indent=2))
            return 0
        if not views:
            print("（没有已签署的报告）" if lang == "zh" else "(no signed reports)")
        for v in views:
            where = v.scope_code or ("全区" if lang == "zh" else "district")
            flag = "" if v.intact else ("  校验码不符！" if lang == "zh" else "  DIGEST MISMATCH")
            print(f"{v.id}  {v.as_of.isoformat()}  {where:<10} "
                  f"{v.signed_by_name} ({v.signed_by})  "
                  f"{signoff.local_text(v.signed_at)}  {v.note or ''}{flag}".rstrip())
        return 0
    if wanted:
        view = signoff.get_signed(rd.run, wanted)
    else:  # --compare: the newest signed report of D for the scope
        day = _date_arg(args.as_of, "--as-of")
        found = signoff.signed_for(rd.run, day, scope)
        if not found:
            where = _say("全区" if scope is None else "该站点",
                         "the district" if scope is None else "this station")
            raise CliError(_say(f"{where}截至 {day} 的报告尚未签署（签署：report --as-of {day} "
                                "--sign --as 用户名）",
                                f"the report of {where} as of {day} has not been signed "
                                f"(to sign it: report --as-of {day} --sign --as USER)"))
        view = found[0]
    comparison = signoff.compare(rd.run, view, at_district=rd.is_district)
    diffs = comparison.differences
    if args.signed is not None:  # shown as it was signed
        report, note = view.report, view.sync_note()
        if args.json:
            print(json.dumps(_signed_json(view, diffs), ensure_ascii=False, indent=2))
        else:
            _print_report(report, lang)
            _print_sync(note, report, lang)
            _print_signature(view, diffs, lang)
        if args.html:
            from station_app.exchange.report_print import report_html

            _write_html(args.html, report_html(report, note, lang=lang, signed=view,
                                               as_signed=True, differences=diffs))
        return 0
    # --compare
    if args.json:
        now = comparison.now.summary
        print(json.dumps({**_signed_json(view, diffs), "content": None,
                          "now": {"values": now.values, "paid_by_kind": now.paid_by_kind,
                                  "targets": [t.as_json() for t in now.targets],
                                  "sync": comparison.now_sync.as_json()}},
                         ensure_ascii=False, indent=2))
    else:
        where = view.scope_name if view.scope == "station" else _say("全区", "district")
        print(f"{where} — {view.as_of.isoformat()}")
        _print_signature(view, diffs, lang)
        warning = comparison.now_sync.warning(lang)
        if warning:
            print(("现在：" if lang == "zh" else "now: ") + warning)
    if args.html:
        from station_app.exchange.report_print import report_html

        _write_html(args.html, report_html(comparison.now, comparison.now_sync, lang=lang,
                                           signed=view, differences=diffs))
    return 0


def _read_one_password(args, username: str) -> str:
    """A signer's password: with --password-stdin the next line of standard input (after
    the login password, when that is read there too), else asked."""
    if args.password_stdin:
        line = sys.stdin.readline() if sys.stdin is not None else ""
        if not line:
            raise LoginRefused(_say(f"标准输入中没有 {username} 的密码",
                                    f"no password for {username} on standard input"))
        return line.rstrip("\r\n")
    if sys.stdin is None or not sys.stdin.isatty():
        raise LoginRefused(_say("没有终端可询问签署人的密码：请用 --password-stdin",
                                "no terminal to ask for the signer's password: use "
                                "--password-stdin"))
    return getpass.getpass(_say(f"{username} 的密码：", f"Password for {username}: "))


def _open_signing(args):
    """The database a signature goes in: a station's file, logged in to (``--user``), or
    the district's, opened with its key file (its signer's password is the login)."""
    from station_app.storage.database import open_database

    path = _db_path(args)
    if _is_station_file(path):
        return _login(args, writes=True)[0]
    _remember_district_key(path)
    db = open_database(path, check=True)
    _OPENED.append(db)
    db.daily_backup()
    return db


def _signer(args, db):
    """The user who signs (``--as USER``): a signature is a person's, so their password
    is checked — the login's when ``--as`` is the user logged in. A user who must choose
    a new password (a reset one) signs nothing before they have."""
    name = args.as_user.strip().lower()
    logged = _LOGIN.get("actor")
    if logged is not None and logged.username == name:
        return logged  # (the login refused a user who must change their password)
    password = _read_one_password(args, args.as_user)
    actor, must_change = _authenticate(db, name, password)
    if must_change:
        raise LoginRefused(_say(
            f"{actor.username} 须先设置新密码，才能签署（station-admin user change-password "
            f"--user {actor.username}，或在本软件中登录）",
            f"'{actor.username}' must choose a new password before signing (station-admin "
            f"user change-password --user {actor.username}, or log in to the app)"))
    return actor


def _sign_report(args, lang: str) -> int:
    """``--sign``: the report of this database's own scope as of D, signed by the user
    named (``--as USER``, whose password is asked: a signature is a person's), kept as
    it is now."""
    from station_app.domain.services.signoffs import sign_report

    if not args.as_user:
        raise CliError(_say("--sign 需要 --as 用户名：签署人是本数据库的一个用户（会询问其密码）",
                            "--sign needs --as USER: the signer is a user of this database "
                            "(whose password is asked)"))
    if args.station or args.district:
        raise CliError(_say(
            "--sign 签署本数据库自己的报告：区总工会数据库上是全区的报告，站点的报告由站点管理员在站点的数据库上签署",
            "--sign signs this database's own report: the district's on the district "
            "database; a station's report is signed by its station admin on the station's "
            "file"))
    as_of = _date_arg(args.as_of, "--as-of")
    db = _open_signing(args)
    actor = _signer(args, db)
    with db.session(actor) as s:
        view = sign_report(s, as_of, args.note)
    if args.json:
        print(json.dumps(view.as_json(), ensure_ascii=False, indent=2))
    else:
        report, note = view.report, view.sync_note()
        _print_report(report, lang)
        _print_sync(note, report, lang)
        _print_signature(view, None, lang)
    if args.html:
        from station_app.exchange.report_print import report_html

        _write_html(args.html, report_html(view.report, view.sync_note(), lang=lang,
                                           signed=view, as_signed=True, differences=[]))
    return 0


PERIOD_KINDS = ("ledger", "visits", "events")


def _export_period(args) -> tuple[date, date]:
    """The period of a ledger, visit diary or events export: ``--year Y`` or ``--from D1
    --to D2`` (one or the other; both ends of a range); neither: this year."""
    given = args.year is not None or args.date_from or args.date_to
    if args.kind not in PERIOD_KINDS:
        if given:
            raise CliError(_say("--year、--from、--to 只用于 ledger、visits、events",
                                "--year, --from and --to are for ledger, visits and events"))
        return date.today(), date.today()
    if args.year is not None and (args.date_from or args.date_to):
        raise CliError(_say("请给出 --year，或者 --from 与 --to，不要同时给出",
                            "give --year, or --from and --to, not both"))
    if args.date_from or args.date_to:
        if not (args.date_from and args.date_to):
            raise CliError(_say("日期范围需要同时给出 --from 和 --to（YYYY-MM-DD）",
                                "a range needs both --from and --to (YYYY-MM-DD)"))
        start, end = _date_arg(args.date_from, "--from"), _date_arg(args.date_to, "--to")
        if start > end:
            raise CliError(_say(f"--from {start} 晚于 --to {end}",
                                f"--from {start} is after --to {end}"))
        return start, end
    year = args.year if args.year is not None else date.today().year
    if not 1900 <= year <= 2100:
        raise CliError(_say(f"--year 应为 1900 到 2100 之间的年份，而不是 {year}",
                            f"--year must be a year from 1900 to 2100, not {year}"))
    return date(year, 1, 1), date(year, 12, 31)


def cmd_export(args) -> int:
    """Excel sheets: roster, ledger, case files, visit diary, events."""
    from station_app.domain.services.metrics import session_run
    from station_app.exchange import xlsx_export as xe

    lang = _lang()
    start, end = _export_period(args)
    db = _open_target(args, personal=True)
    with db.reader() as s:
        scope = _scope(session_run(s), db.is_district, db.station_id, args.station)
    period = xe.Period(start, end)
    as_of = _date_arg(args.as_of, "--as-of") if args.kind == "roster" else None

    def write(s, full: bool) -> int:
        # ID numbers in full for the console's administrator (the command line's actor);
        # every export is recorded (exposure.record) and reaches the district
        if args.kind == "roster":
            return xe.export_roster(s, args.file, scope, lang=lang, as_of=as_of,
                                    full_ids=full)
        if args.kind == "ledger":
            return xe.export_ledger(s, args.file, scope, period, lang=lang, full_ids=full)
        if args.kind == "casefiles":
            from sqlalchemy import false, select

            from station_app.domain.models import HardshipCase

            q = select(HardshipCase.id).where(HardshipCase.deleted == false(),
                                              HardshipCase.status != "cancelled")
            if scope:
                q = q.where(HardshipCase.station_id == scope)
            return xe.export_case_files(s, args.file, list(s.execute(q).scalars()),
                                        lang=lang, full_ids=full)
        if args.kind == "visits":
            return xe.export_visits(s, args.file, scope, start, end, lang=lang)
        return xe.export_events(s, args.file, scope, period, lang=lang)

    n = xe.export_recorded(db, _actor(), args.kind, args.file, write)
    print(f"{n} row(s) written to {args.file}")
    return 0


def cmd_import(args) -> int:
    """Import a spreadsheet (members, enterprises, hardship files, ledger, visits, events).
    Exit status (``cliutil.import_status``): 0 every row imported, 2 some rows rejected and
    the rest committed, 1 nothing committed."""
    from station_app.exchange.xlsx_import import import_sheets
    from station_app.storage.errors import busy_error

    lang = _lang()
    db, actor = _login(args, writes=True)
    errors = args.errors
    if errors is None:
        errors = args.file.with_name(f"{args.file.stem}-errors.xlsx")
    try:
        book = import_sheets(db, actor, args.file, kind=args.kind, sheets=args.sheet,
                             errors_path=errors, lang=lang)
    except Exception as exc:
        busy = busy_error(exc)  # another program writing: a sentence, nothing written
        if busy is not None:
            raise busy from exc
        raise
    # committed: from here on only what happened is told, and never as a failure
    kind = book.kind.label[0 if lang == "zh" else 1]
    for sheet in book.sheets:
        print(f"{args.file.name}: sheet '{sheet.sheet}', {kind} ({book.kind.code}), header "
              f"on row {sheet.header_row}")
    if book.others:
        print(_say(f"其他看起来也是{kind}的工作表未导入：{'、'.join(book.others)}"
                   "（--sheet all 导入全部，--sheet 名称 导入其中一个）",
                   f"other sheets that look like the same data, not imported: "
                   f"{', '.join(book.others)} (--sheet all imports every one, --sheet NAME "
                   "one)"))
    print(f"imported {book.imported}, rejected {len(book.rejected)}, skipped "
          f"{len(book.skipped)} already there, ignored {len(book.ignored)} "
          f"(totals, notes)")
    for name, n in book.extra_counts.items():
        print(f"  {name.replace('_', ' ')}: {n}")
    for sheet in book.sheets:
        if sheet.unmapped:
            print("columns not imported: " + ", ".join(h for _, h in sheet.unmapped))
        if sheet.far is not None:
            print(_say(f"数据右侧远处的 {sheet.far.count} 个单元格（最远在 {sheet.far.farthest}）"
                       "未读取", f"{sheet.far.count} cell(s) far right of the data (the "
                       f"farthest at {sheet.far.farthest}) were not read"))
    for r in book.rejected[:args.show]:
        for line in book.messages(r, lang):
            print(f"  row {book.where(r)}: {line}")
    if len(book.rejected) > args.show:
        print(f"  … and {len(book.rejected) - args.show} more rejected row(s)")
    warned = book.warned
    if warned:
        print(_say(f"{len(warned)} 个已导入的行带有提示，请核对：",
                   f"{len(warned)} imported row(s) with a warning, please check them:"))
        for r in warned[:args.show]:
            for line in book.warning_messages(r, lang):
                print(f"  row {book.where(r)}: {line}")
        if len(warned) > args.show:
            print(f"  … and {len(warned) - args.show} more row(s) with a warning")
    changed = book.changed
    if changed and args.update:
        from station_app.exchange.xlsx_import import apply_changes

        for r in changed[:args.show]:
            print(f"  row {book.where(r)}: " + ("；" if lang == "zh" else "; ").join(
                book.change_messages(r, lang)))
        n = apply_changes(db, actor, book)  # one more transaction, through the services
        print(_say(f"已按表中内容更新 {n} 个已登记的记录（--update）",
                   f"{n} record(s) already there updated from the sheet (--update)"))
    elif changed:
        print(_say(f"{len(changed)} 个已登记的行与表中不同（未改动；--update 或在导入向导中"
                   "应用）：",
                   f"{len(changed)} row(s) already there differ from the sheet (left as they "
                   "are; apply them with --update or in the import wizard):"))
        for r in changed[:args.show]:
            print(f"  row {book.where(r)}: " + ("；" if lang == "zh" else "; ").join(
                book.change_messages(r, lang)))
        if len(changed) > args.show:
            print(f"  … and {len(changed) - args.show} more row(s) that differ")
    if book.errors_path is not None:
        if book.errors_problem is not None:
            print(_say(f"错误工作簿未能改名为 {errors}（{book.errors_problem}），它在 "
                       f"{book.errors_path}",
                       f"the error workbook could not be named {errors} "
                       f"({book.errors_problem}); it is at {book.errors_path}"))
        if book.rejected:
            print(f"rejected rows written to {book.errors_path}: fix them there and import "
                  "that file again")
        if warned:
            print(_say(f"提示见 {book.errors_path} 的“提示”工作表",
                       f"the warnings are in {book.errors_path}, sheet 'Warnings'"))
    status = import_status(book.imported, len(book.rejected))
    if status == EXIT_ERROR:
        print("error: " + _say("所有行都被拒绝，没有导入任何内容",
                               "every row was rejected: nothing was imported"),
              file=sys.stderr)
    return status


# --------------------------------------------------------------------------- members,
# enterprises, the ledger: the ids other commands take, leavings, reversals


def _station_code_of(session) -> dict[str, str]:
    from sqlalchemy import select

    from station_app.domain.models import Station

    return dict(session.execute(select(Station.id, Station.code)).all())


def _find_scope(session, db, code: str | None) -> str | None:
    """``--station CODE`` of a find: one station of a district database (a station's
    file holds its own rows only)."""
    from station_app.domain.services.metrics import session_run

    scope = _scope(session_run(session), db.is_district, db.station_id, code)
    return scope if db.is_district else None


def _member_line(m, codes: dict[str, str], lang: str) -> str:
    from station_app.domain.choices import MEMBER_STATUS, label
    from station_app.domain.validation import mask_id_number

    status = label(MEMBER_STATUS, m.status, lang)
    if m.status != "active" and m.status_date:
        status += f" {m.status_date.isoformat()}"
    return (f"{m.id}  {mask_id_number(m.id_number)}  {_pad(m.name, 10)} "
            f"{codes.get(m.station_id, '?'):<8} {status}")


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def cmd_member_find(args) -> int:
    """Members by name, pinyin initials, ID-number digits or phone (the app's search),
    with their ids and masked ID numbers."""
    from sqlalchemy import select

    from station_app.domain.models import Member
    from station_app.domain.services import members

    lang = _lang()
    db = _open_target(args, personal=True)
    with db.reader() as s:
        scope = _find_scope(s, db, args.station)
        hits = members.search_members(s, args.query, limit=args.limit, station_id=scope)
        rows = {m.id: m for m in s.execute(select(Member).where(
            Member.id.in_([h.id for h in hits]))).scalars()}
        codes = _station_code_of(s)
        lines = [_member_line(rows[h.id], codes, lang) for h in hits]
    for line in lines:
        print(line)
    more = " (the first ones: --limit shows more)" if len(lines) == args.limit else ""
    print(f"{len(lines)} member(s){more}")
    return 0


def cmd_member_status(args) -> int:
    """退会 (left), 去世 (deceased), 转出 (moved away), or 在会 (active) again, with the
    date."""
    from station_app.domain.services import members

    lang = _lang()
    db, actor = _login(args, writes=True)
    with db.session(actor) as s:
        member = members.find_member(s, args.member, active=args.status != "active")
        members.change_status(s, member.id, args.status, args.date, args.reason)
        line = _member_line(member, _station_code_of(s), lang)
    print(f"member {line}")
    return 0


def cmd_enterprise_find(args) -> int:
    """Enterprises by name or credit code, with their ids."""
    from station_app.domain.services import enterprises

    db = _open_target(args)
    with db.reader() as s:
        found = enterprises.search_enterprises(s, args.query, limit=args.limit)
        listed = {e.id: d for e, d, _r in enterprises.watch_list(s)}
        codes = _station_code_of(s)
        lines = [f"{e.id}  {e.credit_code or '-' * 18}  {_pad(e.name, 30)} "
                 f"{codes.get(e.area_station_id or '', '-'):<8}"
                 + (f" watch-listed since {listed[e.id].isoformat()}" if e.id in listed
                    else "") for e in found]
    for line in lines:
        print(line)
    more = " (the first ones: --limit shows more)" if len(lines) == args.limit else ""
    print(f"{len(lines)} enterprise(s){more}")
    return 0


def cmd_ledger_list(args) -> int:
    """A household's files and their ledger entries with ids; reversals marked."""
    from station_app.domain.choices import LEDGER_KIND, label
    from station_app.domain.services import hardship
    from station_app.domain.validation import format_fen

    lang = _lang()
    db = _open_target(args, personal=True)
    out: list[str] = []
    with db.reader() as s:
        for case in hardship.files_of(s, args.case):
            out.append(_case_line(case, lang))
            entries = hardship.case_entries(s, case.id)
            if args.year is not None:
                entries = [e for e in entries if e.entry_date.year == args.year]
            reversals = hardship.reversals_of(s, [e.id for e in entries])
            counted, total = 0, 0
            for e in entries:
                line = (f"  {e.id}  {e.entry_date.isoformat()}  "
                        f"{_pad(label(LEDGER_KIND, e.kind, lang), 20)}"
                        f"{format_fen(e.amount_fen):>10}")
                if e.reverses_id:
                    line += f"  reversal of {e.reverses_id}: {e.note or ''}".rstrip()
                elif e.id in reversals:
                    r = reversals[e.id]
                    line += f"  reversed by {r.id} on {r.entry_date.isoformat()}"
                else:
                    counted, total = counted + 1, total + e.amount_fen
                out.append(line)
            out.append(f"  {len(entries)} entr{'y' if len(entries) == 1 else 'ies'}"
                       + (f" in {args.year}" if args.year is not None else "")
                       + f"; {counted} count (not reversed), {format_fen(total)} yuan")
    for line in out:
        print(line)
    return 0


def cmd_ledger_reverse(args) -> int:
    """冲正: a reversal entry that cancels an entry (the ledger is append-only)."""
    from station_app.domain.choices import LEDGER_KIND, label
    from station_app.domain.services import hardship
    from station_app.domain.validation import format_fen

    lang = _lang()
    db, actor = _login(args, writes=True)
    with db.session(actor) as s:
        original = hardship.find_entry(s, args.entry_id)
        reversal = hardship.reverse_entry(s, original.id, args.reason, args.date)
        line = (f"entry {original.id} ({original.entry_date.isoformat()} "
                f"{label(LEDGER_KIND, original.kind, lang)} {format_fen(original.amount_fen)})"
                f" reversed by {reversal.id} on {reversal.entry_date.isoformat()}")
    print(line)
    return 0


# --------------------------------------------------------------------------- parser

REPORT_DESCRIPTION = (
    "The figures of the work summary as of a date, for a station or the district, with "
    "the targets of that date's year. On a station's file: that station's figures; on the "
    "district's database: the district's (every station), or one station's with --station. "
    "A target is measured over its own scope: the district's target against the "
    "district's figure, a station's target against that station's figure; in one "
    "station's report a district target shows only that station's part.")
IMPORT_EPILOG = (
    "Exit status: 0 every row imported (or already there); 2 some rows rejected, the rest "
    "imported (the rejected rows are in the errors workbook); 1 nothing imported — an "
    "error, or every row rejected.")


def _report_arguments(rp: argparse.ArgumentParser) -> None:
    rp.add_argument("--db", default=None, help="a station or district database file, or a "
                                               "district's postgresql+psycopg:// URL")
    _user_arg(rp, TARGET_USER_HELP)
    rp.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
    rp.add_argument("--station", metavar="CODE",
                    help="one station (default: the file's own; the whole district on a "
                         "district database); a code the file does not know is refused")
    rp.add_argument("--district", action="store_true",
                    help="the whole district (the default on a district database; refused "
                         "on a station's file)")
    rp.add_argument("--xlsx", type=Path, metavar="FILE", help="also write an Excel workbook")
    rp.add_argument("--html", type=Path, metavar="FILE",
                    help="also write the printable summary (figures, targets, each "
                         "station's last sync, a sign-off block) as HTML, to print or save "
                         "as PDF from a browser (the app's Reports page prints the PDF)")
    rp.add_argument("--json", action="store_true", help="print JSON")
    rp.add_argument("--sign", action="store_true",
                    help="sign the report as of --as-of (default today) as it is counted "
                         "now: the district's on the district database (a district admin), "
                         "the station's own on its file (a station admin); kept as signed, "
                         "never changed")
    rp.add_argument("--as", dest="as_user", metavar="USER",
                    help="--sign: the user who signs (a user of this database; the "
                         "password is asked)")
    rp.add_argument("--password-stdin", action="store_true",
                    help="--sign: read the signer's password from standard input")
    rp.add_argument("--note", help="--sign: a note kept with the signature")
    rp.add_argument("--signed", nargs="?", const="", metavar="ID",
                    help="the signed reports (of --as-of when given; at the district every "
                         "one, or those of --station / --district); with ID, that one as it "
                         "was signed and what differs now")
    rp.add_argument("--compare", nargs="?", const="", metavar="ID",
                    help="the newest signed report as of --as-of (or the one ID names) beside "
                         "the same report counted now: every figure that differs, "
                         "'signed N, now M'")
    rp.set_defaults(func=cmd_report)



def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="station-admin",
        description="Administer a Station app database without the GUI.",
    )
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug detail to stderr")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("init", help="set up a new station database (encrypted) and its first "
                                    "admin; prints the recovery key once")
    _db_arg(s, login=False)
    s.add_argument("--station-code", required=True, help="the station's code, e.g. KY01")
    s.add_argument("--station-name", required=True, help="e.g. 葵涌社区工联会")
    s.add_argument("--street", help="street office (办事处)")
    s.add_argument("--admin", required=True, help="user name of the first station admin")
    s.add_argument("--display-name", help="the admin's name as shown")
    s.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input instead of prompting")
    s.set_defaults(func=cmd_init)

    rc = sub.add_parser(
        "recover", help="a forgotten password, a locked-out admin, a lost key file: the "
                        "recovery key sets a station admin's new password",
        description="Reads the recovery key (shown once by init, demo or the first login "
                    "of a file from an older version) and then the new password from "
                    "standard input, one a line (at a terminal: asked, the password "
                    "twice). The file is opened with the recovery key, the admin gets the "
                    "new password and is unlocked, and the key file is rewritten (also "
                    "when it was lost). Audited as a password reset by the recovery key.")
    _db_arg(rc, login=False)
    rc.add_argument("--user", metavar="NAME", required=True,
                    help="the station admin who gets the new password")
    rc.set_defaults(func=cmd_recover)

    u = sub.add_parser("user", help="manage users")
    usub = u.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    ua = usub.add_parser("add", help="add a user")
    _db_arg(ua)
    ua.add_argument("username")
    ua.add_argument("--role", choices=["clerk", "station_admin", "district_admin"],
                    default="clerk")
    ua.add_argument("--display-name")
    ua.add_argument("--password-stdin", action="store_true",
                    help="read the new user's password from standard input (the line after "
                         "the login password when that is read there too)")
    ua.set_defaults(func=cmd_user_add)
    ur = usub.add_parser("reset-password", help="set a new password for a user (who must "
                         "change it at the next login)")
    _db_arg(ur)
    ur.add_argument("username")
    ur.add_argument("--password-stdin", action="store_true",
                    help="read the new password from standard input (the line after the "
                         "login password when that is read there too)")
    ur.set_defaults(func=cmd_user_reset)
    uc = usub.add_parser("change-password",
                         help="the user logged in (--user) sets a new password (one reset by "
                              "an admin must be changed first)")
    _db_arg(uc)
    uc.add_argument("--password-stdin", action="store_true",
                    help="read the new password from standard input (the line after the "
                         "login password when that is read there too)")
    uc.set_defaults(func=cmd_user_change_password)
    uu = usub.add_parser("unlock", help="lift the lock after repeated wrong passwords "
                                        "(those kept in the key file too)")
    _db_arg(uu)
    uu.add_argument("username")
    uu.set_defaults(func=cmd_user_unlock)
    ul = usub.add_parser("list", help="list users")
    _db_arg(ul)
    ul.set_defaults(func=cmd_user_list)

    d = sub.add_parser("demo", help="fill a database with realistic demo data")
    _db_arg(d)
    d.add_argument("--members", type=int, default=1000)
    d.add_argument("--seed", type=int, default=1)
    d.add_argument("--station-code", default="KY01",
                   help="when the database is new: the demo station's code")
    d.add_argument("--station-name", default="葵涌社区工联会")
    d.add_argument("--admin-password", default=None,
                   help="when the database is new: password of user 'admin' "
                        "(by default one is generated and printed)")
    d.set_defaults(func=cmd_demo)

    c = sub.add_parser("check", help="integrity, append-only triggers, ledger reconciliation")
    _db_arg(c)
    c.add_argument("--json", action="store_true")
    c.set_defaults(func=cmd_check)

    b = sub.add_parser("backup", help="back the database up now (SQLite backup API)")
    _db_arg(b)
    b.set_defaults(func=cmd_backup)
    bl = sub.add_parser("backups", help="list the backups of the database, newest first")
    _db_arg(bl, login=False)
    bl.set_defaults(func=cmd_backups)
    r = sub.add_parser("restore", help="replace the database with a backup")
    _db_arg(r)
    r.add_argument("--from", dest="source", type=Path,
                   help="the backup file (default: the newest good backup)")
    r.set_defaults(func=cmd_restore)

    k = sub.add_parser("clock", help="show the sync clock; --correct after a wrong laptop clock")
    _db_arg(k)
    k.add_argument("--correct", action="store_true",
                   help="follow this computer's (fixed) clock again and re-stamp pending rows")
    k.set_defaults(func=cmd_clock)

    y = sub.add_parser("sync", help="send changes to the district and receive its changes")
    _db_arg(y)
    y.add_argument("--server", help="the district's address, e.g. https://district.example:8765"
                                    " (remembered after the first time)")
    y.add_argument("--enrollment-code", help="the one-time code from `district-server enroll`"
                                             " (the first time only)")
    y.add_argument("--reseed", action="store_true",
                   help="after restoring a backup: a new node id, and this station's rows "
                        "pulled back from the district")
    y.add_argument("--fingerprint", metavar="SHA256",
                   help="trust the district's certificate with this fingerprint, as "
                        "`district-server enroll` prints it (remembered; \"\" forgets it)")
    y.add_argument("--ca-file", metavar="PEM",
                   help="trust certificates of the district's own authority (remembered; "
                        "\"\" forgets it)")
    y.add_argument("--plain-http-lan", action=argparse.BooleanOptionalAction, default=None,
                   help="allow plain http:// to an address on the local network, not "
                        "encrypted (remembered; by default only https://, or http:// to this "
                        "computer)")
    y.set_defaults(func=cmd_sync)

    c = sub.add_parser("conflicts", help="sync conflicts: versions that lost a merge, kept "
                                         "for review")
    csub = c.add_subparsers(dest="conflicts_command", required=True, metavar="ACTION")
    cl = csub.add_parser("list", help="open conflicts, with both versions of what differs")
    _db_arg(cl)
    cl.add_argument("--all", action="store_true", help="settled ones too")
    cl.set_defaults(func=cmd_conflicts)
    cr = csub.add_parser("resolve", help="keep the standing version, or bring the lost one "
                                         "back")
    _db_arg(cr)
    cr.add_argument("conflict_id", type=int)
    cr.add_argument("--keep", required=True, choices=("winner", "loser"),
                    help="winner: the version that stands; loser: the one that lost (written "
                         "as a new change, which the next sync sends)")
    cr.set_defaults(func=cmd_conflict_resolve)

    cs = sub.add_parser("case", help="hardship files: exit (脱困), cancel (注销), re-open, "
                                     "show, sign off")
    cssub = cs.add_subparsers(dest="case_command", required=True, metavar="ACTION")
    for name, text in (
        ("exit", "脱困: the household no longer needs help; the file is closed"),
        ("cancel", "注销: the file was opened in error or withdrawn; the file is closed"),
    ):
        cc = cssub.add_parser(name, help=text, description=(
            f"{text}. From the date given on, that day included, the file no longer counts "
            "among the files on record in the work summary; it takes no more ledger "
            "entries and leaves the open lists. Needs a station admin, as in the app."))
        _db_arg(cc)
        cc.add_argument("case", metavar="ID_OR_ID_NUMBER",
                        help="the file's id, or the household head's 身份证号 (their open "
                             "file)")
        cc.add_argument("--date", help="the date, e.g. 2025-05-06 or 2025年5月6日 (default: "
                                       "today); not before the file was registered")
        cc.add_argument("--reason", help="why (required)")
        cc.add_argument("--as", dest="as_user", metavar="USER",
                        help="the same as --user (kept for scripts)")
        cc.set_defaults(func=cmd_case_close, as_is_login=True)
    co = cssub.add_parser("reopen", help="undo an exit or a cancellation recorded in error",
                          description="The file is open again, as if never closed; the "
                                      "audit log keeps the closing undone. Refused when the "
                                      "household head has another open file.")
    _db_arg(co)
    co.add_argument("case", metavar="ID_OR_ID_NUMBER",
                    help="the file's id, or the household head's 身份证号 (their most "
                         "recently closed file)")
    co.add_argument("--as", dest="as_user", metavar="USER",
                    help="the same as --user (kept for scripts)")
    co.set_defaults(func=cmd_case_reopen, as_is_login=True)
    cw = cssub.add_parser("show", help="a file's fields, household and sign-offs",
                          description="The 困难职工档案表 as kept: every field filled in, the "
                                      "household members, and each sign-off block — who "
                                      "signed and when, and whether it is still in force "
                                      "(voided by a later change, with who, when and why; "
                                      "or changed since signing, with what changed).")
    _db_arg(cw)
    cw.add_argument("case", metavar="ID_OR_ID_NUMBER",
                    help="the file's id, or the household head's 身份证号 (their open file)")
    cw.add_argument("--closed", action="store_true",
                    help="with a 身份证号: the head's most recently closed file")
    cw.set_defaults(func=cmd_case_show)
    cg = cssub.add_parser(
        "sign", help="sign a file off: the grassroots block at a station, the upper block "
                     "at the district",
        description="Signs the file off as it is now, by the user named (a person: the "
                    "password is asked). On a station's file: the grassroots union's block "
                    "(基层工会审核意见), by a station admin. On the district's database: the "
                    "upper union's block (上级工会审核意见), by a district admin — a record "
                    "of the district's own, which the station pulls. A later change to the "
                    "file, a station admin's, voids the station's sign-off (kept, marked "
                    "void) and shows as a change since signing on the upper one. A file "
                    "signed and unchanged since is refused.")
    _db_arg(cg)
    cg.add_argument("case", metavar="ID_OR_ID_NUMBER",
                    help="the file's id, or the household head's 身份证号 (their open file)")
    cg.add_argument("--as", dest="as_user", metavar="USER", help="the signer (required)")
    cg.add_argument("--date", help="the date the block shows (default: today); not in the "
                                   "future, not before the file was registered")
    cg.add_argument("--note", help="the sign-off's opinion (审核意见), optional")
    cg.add_argument("--password-stdin", action="store_true",
                    help="read the signer's password from standard input")
    cg.set_defaults(func=cmd_case_sign)

    mb = sub.add_parser("member", help="members: find (their ids), status (退会, 去世, "
                                       "在会 again)")
    mbsub = mb.add_subparsers(dest="member_command", required=True, metavar="ACTION")
    mf = mbsub.add_parser("find", help="members by name, pinyin initials, ID-number digits or "
                                       "phone, with their ids",
                          description="The app's search: every word must match; digits match "
                                      "ID-number digits (4 or more anywhere) and phone "
                                      "prefixes, Latin letters pinyin initials or syllables, "
                                      "anything else the name. Each line: the member's id "
                                      "(what other commands take), the masked ID number, "
                                      "the name, the station's code and the status.")
    mf.add_argument("--db", default=None, help="a station or district database file, or a "
                                               "district's postgresql+psycopg:// URL")
    _user_arg(mf, TARGET_USER_HELP)
    mf.add_argument("query", help="e.g. 张三, zs, 1234 (ID digits), 138 (a phone prefix)")
    mf.add_argument("--station", metavar="CODE",
                    help="on a district database: one station's members")
    mf.add_argument("--limit", type=int, default=50, metavar="N",
                    help="at most N members, best first (default 50)")
    mf.set_defaults(func=cmd_member_find)
    ms = mbsub.add_parser("status", help="a member left (退会), died (去世) or moved away "
                                         "(转出), or is active (在会) again",
                          description="Records the member's status with the date it took "
                                      "effect (not in the future, not before joining), as "
                                      "the app's status dialog does; the figures count the "
                                      "leaving from that date. A move to another station of "
                                      "the district is the district's `district-server "
                                      "transfer`, which also registers the member there.")
    _db_arg(ms)
    ms.add_argument("member", metavar="ID_OR_ID_NUMBER",
                    help="the member's id (member find prints it) or 身份证号 (the one "
                         "active row with it; for --status active, the one row that left)")
    ms.add_argument("--status", required=True,
                    choices=("left", "deceased", "transferred", "active"),
                    help="left: 退会; deceased: 去世; transferred: 转出 (moved away); active: "
                         "在会 again (a leaving recorded in error, or the member joined "
                         "again)")
    ms.add_argument("--date", required=True,
                    help="when it took effect, e.g. 2025-05-06 or 2025年5月6日")
    ms.add_argument("--reason", help="why (added to the member's notes)")
    ms.add_argument("--as", dest="as_user", metavar="USER",
                    help="the same as --user (kept for scripts)")
    ms.set_defaults(func=cmd_member_status, as_is_login=True)

    en = sub.add_parser("enterprise", help="enterprises: find (their ids)")
    ensub = en.add_subparsers(dest="enterprise_command", required=True, metavar="ACTION")
    ef = ensub.add_parser("find", help="enterprises by name or credit code, with their ids",
                          description="Enterprises whose name or 统一社会信用代码 contains "
                                      "the text (as the enterprises page filters), exact "
                                      "matches first. Each line: the id (what other commands "
                                      "take), the credit code, the name, the station of its "
                                      "area, and since when it is on the watch list.")
    ef.add_argument("--db", default=None, help="a station or district database file, or a "
                                               "district's postgresql+psycopg:// URL")
    _user_arg(ef, TARGET_USER_HELP)
    ef.add_argument("query", help="part of the name or of the credit code")
    ef.add_argument("--limit", type=int, default=50, metavar="N",
                    help="at most N enterprises (default 50)")
    ef.set_defaults(func=cmd_enterprise_find)

    lg = sub.add_parser("ledger", help="the assistance ledger: list a household's entries, "
                                       "reverse one (冲正)")
    lgsub = lg.add_subparsers(dest="ledger_command", required=True, metavar="ACTION")
    ll = lgsub.add_parser("list", help="a household's files and ledger entries, with ids",
                          description="Every file of the household head (open or closed) "
                                      "with its entries in date order: id, date, kind, "
                                      "amount in yuan; a reversal names the entry it "
                                      "reverses, a reversed entry its reversal; then what "
                                      "counts.")
    ll.add_argument("--db", default=None, help="a station or district database file, or a "
                                               "district's postgresql+psycopg:// URL")
    _user_arg(ll, TARGET_USER_HELP)
    ll.add_argument("case", metavar="ID_OR_ID_NUMBER",
                    help="a file's id, or the household head's 身份证号 (all their files)")
    ll.add_argument("--year", type=int, help="only the entries dated in this year")
    ll.set_defaults(func=cmd_ledger_list)
    lr = lgsub.add_parser("reverse", help="冲正: cancel an entry by a reversal entry",
                          description="The ledger is append-only: the entry stays, and a "
                                      "reversal with the negated amount, referencing it, "
                                      "cancels it (at most once; a reversal is final). Both "
                                      "count for nothing from the reversal's date on. Needs a "
                                      "station admin, as in the app.")
    _db_arg(lr)
    lr.add_argument("entry_id", metavar="ENTRY_ID", help="the entry's id (ledger list "
                                                         "prints it)")
    lr.add_argument("--reason", help="why (required)")
    lr.add_argument("--date", help="the reversal's date (default: today); not before the "
                                   "entry's")
    lr.add_argument("--as", dest="as_user", metavar="USER",
                    help="the same as --user (kept for scripts)")
    lr.set_defaults(func=cmd_ledger_reverse, as_is_login=True)

    for name, func, text, more in (
        ("sync-export", cmd_sync_export,
         "write pending changes to a sync file for the district, encrypted and signed",
         "Writes the changes not yet acknowledged by the district to FILE, encrypted and "
         "signed with the bundle key this station shares with the district (AES-256-GCM, "
         "format station-app-bundle/2, docs/SYNC.md; mode 0600): a lost file gives away "
         "nothing without that key. The changes stay pending until the district's file "
         "acknowledges them."),
        ("sync-import", cmd_sync_import,
         "read the district's sync file (changes, acknowledgements)",
         "Reads the district's file for this station: checks and decrypts it with the "
         "bundle key (refusing a changed file, another station's, or this station's own), "
         "then applies its changes and acknowledgements; reading it again applies nothing "
         "twice. Files of older releases (format /1: signed, not encrypted) are still "
         "read."),
    ):
        b = sub.add_parser(name, help=text, description=more)
        _db_arg(b)
        b.add_argument("file", type=Path)
        b.add_argument("--bundle-secret", help="the bundle key printed by `district-server "
                                               "enroll` (the first time only)")
        b.set_defaults(func=func)

    im = sub.add_parser("import", help="import a spreadsheet (.xlsx, .xls, .ods): members, "
                                       "enterprises, hardship files, ledger, visits, events",
                        epilog=IMPORT_EPILOG)
    _db_arg(im)
    im.add_argument("file", type=Path, help="the workbook")
    im.add_argument("--kind", choices=["members", "enterprises", "hardship", "ledger",
                                       "visits", "events"],
                    help="what the sheet holds (default: guessed from its headers)")
    im.add_argument("--sheet", metavar="NAME|all",
                    help="the sheet to import, or 'all': every sheet that holds the same "
                         "data (default: the first that holds data; the others are named)")
    im.add_argument("--errors", type=Path, metavar="OUT.xlsx",
                    help="where to write the rejected rows with their reasons, and the "
                         "warnings (default: FILE-errors.xlsx beside the file, only when "
                         "there are any); checked before anything is imported")
    im.add_argument("--as", dest="as_user", metavar="USER",
                    help="the same as --user (kept for scripts)")
    im.add_argument("--update", action="store_true",
                    help="members and enterprises already there: write the sheet's values "
                         "where they differ (a phone, an employer, a join date …), through "
                         "the services, audited (default: list the differences only)")
    im.add_argument("--show", type=int, default=20, metavar="N",
                    help="print the reasons of the first N rejected rows, and the first N "
                         "warnings (default 20)")
    im.set_defaults(func=cmd_import, as_is_login=True)

    rp = sub.add_parser("report", help="the work summary as of a date (figures, targets; "
                                       "--xlsx adds the records behind each figure)",
                        description=REPORT_DESCRIPTION)
    _report_arguments(rp)

    ex = sub.add_parser("export", help="write an Excel sheet: roster, ledger, casefiles, "
                                       "visits, events")
    ex.add_argument("kind", choices=["roster", "ledger", "casefiles", "visits", "events"])
    ex.add_argument("file", type=Path, help="the .xlsx to write")
    ex.add_argument("--db", default=None, help="a station or district database file, or a "
                                               "district's postgresql+psycopg:// URL")
    _user_arg(ex, TARGET_USER_HELP)
    ex.add_argument("--station", metavar="CODE",
                    help="one station (default: the file's own; on a district database: "
                         "every station — the roster then has a sheet per station)")
    ex.add_argument("--year", type=int, help="ledger, visits, events: one calendar year "
                                             "(default: this year)")
    ex.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD",
                    help="ledger, visits, events: the first day of a range (with --to; "
                         "instead of --year)")
    ex.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD",
                    help="ledger, visits, events: the last day of the range")
    ex.add_argument("--as-of", help="roster: the date named in its title (default: today)")
    ex.set_defaults(func=cmd_export)

    m = sub.add_parser("summary", help="the same as report (an alias kept for scripts)",
                       description="The same command as `report`, under its former name: "
                                   "the same scope rules, options and output. "
                                   + REPORT_DESCRIPTION)
    _report_arguments(m)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parse_args(build_parser(), argv)
    setup_logging("station-admin", verbose=args.verbose, stderr=True)
    lang = _lang()
    from station_app.storage.backup import BackupError
    from station_app.storage.errors import StorageError

    try:
        code = args.func(args)
        sys.stdout.flush()  # a reader gone away (`| head -1`) shows here, not at exit
        return code
    except BrokenPipeError:
        return stdout_closed()
    except LoginRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_LOGIN
    except StorageError as exc:
        print(f"error: {exc.message(lang)}", file=sys.stderr)
        return EXIT_ERROR
    except (CliError, BackupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted; nothing was half-written", file=sys.stderr)
        return 130
    except Exception as exc:
        if _is_validation_error(exc):
            for line in exc.messages(lang):
                print(f"error: {line}", file=sys.stderr)
            return EXIT_ERROR
        log.exception("station-admin %s failed", args.command)
        print("error: an unexpected problem; details are in the log file "
              "(station-admin.log in the log folder)", file=sys.stderr)
        return EXIT_ERROR
    finally:
        _close_opened()
        if argv is None:  # the program itself, about to exit
            skip_final_collection()


if __name__ == "__main__":
    sys.exit(main())
