"""``district-server``: set up, run and administer the district sync service (Qt-free).

Every command takes ``--db PATH_OR_URL`` (default: ``district.sqlite3`` in the platform
data folder; a ``postgresql+psycopg://…`` URL for PostgreSQL) and ``--key-file PATH``: a
SQLite district is encrypted with the key file ``init`` writes beside it, found there by
default. The commands that print personal data (``duplicates``, ``conflicts list``) need a
district administrator's login (``--user``/``$DISTRICT_USER``, the password from
``$DISTRICT_PASSWORD`` or standard input). Errors print one line ``error: …`` and exit 1
(3: a login refused). See docs/SYNC.md.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import os
import sys
from pathlib import Path

from station_app import __version__
from station_app.cliutil import EXIT_LOGIN, parse_args, skip_final_collection, stdout_closed

log = logging.getLogger("sync.server.cli")

EXIT_ERROR = 1


class CliError(Exception):
    """A failure reported as one line."""


class LoginRefused(CliError):
    """A district login refused (no user, a wrong password, a locked account, not a
    district administrator): one line, exit status ``EXIT_LOGIN`` as station-admin's."""


def _lang() -> str:
    value = os.environ.get("STATION_LANG") or os.environ.get("LANG", "")
    return "zh" if value.lower().startswith("zh") else "en"


def _target(args) -> str:
    if args.db:
        return args.db
    from station_app.paths import data_dir

    return str(data_dir() / "district.sqlite3")


SERVER_CACHE_MIB = 64  # SQLite page cache per connection of the district service


def _open(args):
    """The district database named by ``--db`` (a SQLite file opened with its key file);
    refuses a station's database."""
    from station_app.storage.database import DISTRICT_INIT, open_database

    target = _target(args)
    key = _district_key(args)
    db = open_database(target, cache_mib=SERVER_CACHE_MIB, durable=True,
                       create_with=DISTRICT_INIT, key=key,
                       key_file=False if key is not None else None)
    if not db.is_district:
        db.close()
        raise CliError(f"{_target(args)} is not a district database "
                       "(create one with: district-server init --admin USER)")
    return db


def _key_path(args, path: Path) -> Path:
    """Where the key file of the SQLite district at ``path`` is: ``--key-file``, or
    ``<database>.key`` beside it."""
    from station_app.storage import keys

    given = getattr(args, "key_file", None)
    return Path(given).expanduser() if given else keys.district_key_path(path)


def _district_key(args) -> bytes | None:
    """The key of an encrypted SQLite district (``--key-file``, or the key file ``init``
    wrote beside it), checked against the file and registered for it and its backups
    (``sqlfile.remember``); None for PostgreSQL, a plain file (an older version's: see
    ``encrypt``) or no file yet. A missing or wrong key file is a one-line error naming
    ``--key-file``."""
    from station_app.storage import keys, sqlfile
    from station_app.storage.errors import sqlite_path

    path = sqlite_path(_target(args))
    if path is None:
        if getattr(args, "key_file", None):
            raise CliError("--key-file is for a SQLite district file; a PostgreSQL "
                           "district is protected by its disk's encryption and TLS "
                           "(docs/SYNC.md, Deployment)")
        return None
    if sqlfile.is_plain(path) is not False:  # no file yet, or a plain one
        return None
    key_path = _key_path(args, path)
    if not key_path.is_file():
        raise CliError(f"{path} is encrypted and its key file {key_path} is missing: give "
                       "the district's key file with --key-file PATH")
    try:
        key = keys.read_district_key(key_path)
    except keys.KeyFileError as exc:
        raise CliError(f"{exc.message('en')}; give the district's key file with "
                       "--key-file PATH") from None
    try:
        con = sqlfile.connect(path, key=key, read_only=True)
        try:  # (SQLCipher would write its own lines about a wrong key to stderr)
            level = con.execute("PRAGMA cipher_log_level").fetchone()[0]
            con.execute("PRAGMA cipher_log_level = NONE")
            try:
                con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            finally:
                con.execute(f"PRAGMA cipher_log_level = {level}")
        finally:
            con.close()
    except sqlfile.DatabaseError as exc:
        if not sqlfile.wrong_key(exc):
            raise
        raise CliError(f"the key file {key_path} does not open {path}: give the "
                       "district's own key file with --key-file PATH") from None
    sqlfile.remember(path, key)
    return key


def _snapshot(args):
    """A read-only look at a current SQLite district with the sqlite3 driver alone
    (``station_app.storage.fastread``; the same checks as ``_open``), or None when the
    full path must open it."""
    from station_app.storage.errors import DISTRICT_INIT
    from station_app.storage.fastread import Snapshot

    _district_key(args)  # (registered: the snapshot's connection takes it)
    snap = Snapshot.open(_target(args), check=True, create_with=DISTRICT_INIT)
    if snap is not None and not snap.is_district:
        snap.close()
        raise CliError(f"{_target(args)} is not a district database "
                       "(create one with: district-server init --admin USER)")
    return snap


def _actor():
    from station_app.domain.actor import cli_admin

    return cli_admin("district-server")


def _read_password(args, user: str) -> str:
    if args.password_stdin:
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise CliError("no password on standard input")
        return line
    if not sys.stdin.isatty():
        raise CliError("no terminal to ask for the password: use --password-stdin")
    first = getpass.getpass(f"Password for {user}: ")
    if getpass.getpass("Repeat: ") != first:
        raise CliError("the passwords do not match")
    return first


# --------------------------------------------------------------------------- commands


USER_ENV = "DISTRICT_USER"  # the district login of the commands that print personal data
PASSWORD_ENV = "DISTRICT_PASSWORD"


def _credentials(args, what: str) -> tuple[str, str]:
    """The user name (``--user`` or ``DISTRICT_USER``) and the password (``DISTRICT_PASSWORD``,
    else the first line of standard input, else asked at the terminal) of a district
    login; never an argument."""
    user = (args.user or os.environ.get(USER_ENV, "")).strip()
    if not user:
        raise LoginRefused(f"{what} shows members' names and ID numbers: log in as a district "
                       f"administrator with --user NAME (or {USER_ENV}) and the password in "
                       f"{PASSWORD_ENV} or on standard input")
    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        if sys.stdin is not None and sys.stdin.isatty():
            password = getpass.getpass(f"Password for {user}: ")
        else:
            password = (sys.stdin.readline() if sys.stdin is not None else "").rstrip("\r\n")
    if not password:
        raise LoginRefused(f"no password for {user}: set {PASSWORD_ENV} or give it as the first "
                       "line of standard input")
    return user, password


def _district_login(db, user: str, password: str, what: str):
    """The district administrator logged in with these credentials (``users.authenticate``:
    a wrong password or a locked account is refused, counted and audited); anyone else, or
    one whose password was set by someone else and must be changed first, is refused."""
    from station_app.domain.actor import SYSTEM_LOGIN
    from station_app.domain.services import users
    from station_app.domain.validation import ValidationError

    try:
        with db.session(SYSTEM_LOGIN) as s:
            actor = users.authenticate(s, user, password)
            must_change = users.needs_new_password(s, actor)
    except ValidationError as exc:
        raise LoginRefused("; ".join(exc.messages(_lang()))) from None
    if actor.role != "district_admin":
        raise LoginRefused(f"{actor.username} is not a district administrator: only a "
                           f"district administrator may see {what}")
    if must_change:
        raise LoginRefused(f"user '{actor.username}' must choose a new password first: log "
                           "in to the district view (station-app --db DATABASE), which asks "
                           "for one")
    return actor


def cmd_init(args) -> int:
    from station_app.domain.services.setup import init_district
    from station_app.storage import keys
    from station_app.storage.database import open_database
    from station_app.storage.errors import sqlite_path

    password = _read_password(args, args.admin)
    target = _target(args)
    path = sqlite_path(target)
    if path is None and args.key_file:
        raise CliError("--key-file is for a SQLite district file; a PostgreSQL district is "
                       "protected by its disk's encryption and TLS (docs/SYNC.md, Deployment)")
    new_file = path is not None and not (path.exists() and path.stat().st_size > 0)
    key_path = key = None
    if new_file:  # a new SQLite district is encrypted, its key in a file of its own
        key_path = _key_path(args, path)
        key = keys.create_district_key(key_path)
        db = None
        try:
            db = open_database(target, create=True, key=key, key_file=False)
        finally:
            if db is None:  # leave no key without its file behind
                key_path.unlink(missing_ok=True)
    else:
        key = _district_key(args)
        db = open_database(target, create=True, key=key,
                           key_file=False if key is not None else None)
    try:
        if db.station_id:
            raise CliError(f"{target} is already initialised "
                           f"({'a district' if db.is_district else 'a station'} database)")
        init_district(db, args.admin, password, display_name=args.display_name)
    except Exception:
        db.close()
        if new_file:  # leave no half-made file behind
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            key_path.unlink(missing_ok=True)
        raise
    db.close()
    print(f"district database ready at {_target(args)}; administrator '{args.admin}'")
    if new_file:
        shown = key_path.resolve()
        print(f"encrypted with the key file {shown} (mode 0600), "
              + (f"which serve and every command take with --key-file {shown}"
                 if args.key_file else "which serve and every command find beside it")
              + ": back it up apart from the database and its backups (without it neither "
              "opens) and keep it readable by the service's user only")
    return 0


def cmd_encrypt(args) -> int:
    """Encrypt a plain SQLite district (made by an older version) in place, once: a new
    key file (``--key-file``, or beside the database), the file replaced by its encrypted
    copy, every plain backup replaced by an encrypted one. A crash leaves the plain file
    with its new key file (run it again: the key file is used) or the encrypted file."""
    from station_app.storage import keys, sqlfile
    from station_app.storage.backup import list_backups
    from station_app.storage.errors import sqlite_path

    path = sqlite_path(_target(args))
    if path is None:
        raise CliError("encrypt is for a SQLite district file; a PostgreSQL district is "
                       "protected by its disk's encryption and TLS (docs/SYNC.md, Deployment)")
    key_path = _key_path(args, path)
    if sqlfile.is_plain(path) is False:
        key = _district_key(args)  # (checks the key file)
        done = "was encrypted already"
    else:
        db = _open(args)  # a district of the current schema, checked, its WAL checkpointed
        db.close()
        key = keys.read_district_key(key_path) if key_path.is_file() \
            else keys.create_district_key(key_path)
        sqlfile.encrypt_in_place(path, key)
        done = "is encrypted now"
    plain = [b.path for b in list_backups(path) if sqlfile.is_plain(b.path)]
    for backup in plain:
        sqlfile.encrypt_backup(backup, key)
    print(f"{path} {done}" + (f"; {len(plain)} plain backup(s) encrypted" if plain else ""))
    print(f"its key file: {key_path.resolve()} (mode 0600): back it up apart from the "
          "database and its backups")
    return 0


# An idle connection is kept this long (uvicorn's default is 5 s). Stations drop theirs
# sooner (sync.client.CLIENT_KEEP_ALIVE_S), so a station never reuses a connection at the
# moment the service closes it ("Server disconnected without sending a response").
KEEP_ALIVE_S = 30


def cmd_serve(args) -> int:
    from station_app.cliutil import missing_module
    from station_app.storage.errors import SERVER_EXTRA

    missing = missing_module("fastapi", "uvicorn")
    if missing:
        raise CliError(f"district-server serve needs the server extra ({missing} is not "
                       f"installed): {SERVER_EXTRA}")
    import uvicorn

    from sync.server import upkeep

    target = _target(args)
    if "://" not in target:  # the workers may not share this working directory
        target = str(Path(target).expanduser().resolve())
    db = _open(args)  # refuses a missing or wrong database before anything starts
    if db.path is not None and db.key is None:
        print(f"warning: {db.path} is not encrypted (made by an older version): stop the "
              f"service and run: district-server encrypt --db {db.path}", file=sys.stderr)
    tls = {}
    if args.tls_cert or args.tls_key:  # the service speaks https itself
        if not (args.tls_cert and args.tls_key):
            db.close()
            raise CliError("give both --tls-cert and --tls-key")
        tls = {"ssl_certfile": str(args.tls_cert), "ssl_keyfile": str(args.tls_key)}
        _remember_cert(db, args.tls_cert)
    if args.daily_backup:  # in this process only, whatever the number of workers
        upkeep.start(target)
    if args.workers > 1:  # each worker opens the database itself
        from sync.server.app import DB_ENV, KEY_ENV

        if db.key is not None:  # each worker reads the key file itself
            os.environ[KEY_ENV] = str(_key_path(args, db.path).resolve())
        db.close()
        os.environ[DB_ENV] = target
        uvicorn.run("sync.server.app:app_from_env", factory=True, host=args.host,
                    port=args.port, workers=args.workers, log_level=args.log_level,
                    timeout_keep_alive=KEEP_ALIVE_S, **tls)
        return 0
    from sync.server.app import create_app

    try:
        uvicorn.run(create_app(db, helper=True), host=args.host, port=args.port,
                    log_level=args.log_level, timeout_keep_alive=KEEP_ALIVE_S, **tls)
    finally:
        db.close()
    return 0


CERT_STATE = "tls_cert"  # local_state: the certificate stations see, for ``enroll``


def _remember_cert(db, path) -> str:
    """The fingerprint of the certificate at ``path`` (the one stations see at the
    district's https address), which ``enroll`` prints from now on."""
    from sync.tls import fingerprint_of_pem

    path = Path(path).expanduser().resolve()
    try:
        fingerprint = fingerprint_of_pem(path.read_text(encoding="ascii", errors="replace"))
    except (OSError, ValueError) as exc:
        raise CliError(f"{path}: not a certificate file ({exc})") from None
    db.set_state(CERT_STATE, str(path))
    return fingerprint


def cmd_enroll(args) -> int:
    from station_app.domain.ids import station_id_for
    from station_app.domain.models import Station
    from station_app.domain.services import stations
    from sync import district

    db = _open(args)
    try:
        code = stations.clean_station_code(args.station_code)
        with db.session(_actor()) as s:
            if s.get(Station, station_id_for(code)) is None and not args.name:
                raise CliError(f"station {code} does not exist yet: give its name with "
                               "--name")
            stations.upsert_station(s, code, args.name)
        cert = args.cert or db.state().get(CERT_STATE)
        fingerprint = _remember_cert(db, cert) if cert else None
        enrollment = district.enroll(db, code, _actor(), valid_days=args.valid_days)
    finally:
        db.close()
    print(f"station {code}: {enrollment.station_id}")
    print(f"bundle secret: {enrollment.bundle_secret}")
    if fingerprint:
        print(f"district certificate fingerprint (SHA-256): {fingerprint}")
    print(f"one-time enrollment code (give it to the station; it replaces earlier codes; "
          f"valid until {enrollment.expires_at[:16].replace('T', ' ')} UTC):")
    print(enrollment.code)
    return 0


def cmd_revoke(args) -> int:
    from station_app.domain.services import stations
    from sync import district

    db = _open(args)
    try:
        code = stations.clean_station_code(args.station_code)
        if not district.revoke(db, code, _actor()):
            raise CliError(f"station {code} was never enrolled")
    finally:
        db.close()
    print(f"station {code} revoked: its token and enrollment code no longer work")
    return 0


def cmd_station_set(args) -> int:
    from station_app.domain.services import stations

    db = _open(args)
    try:
        with db.session(_actor()) as s:
            st = stations.set_station(s, args.code, name=args.name, street=args.street,
                                      is_key=args.key)
            line = f"station {st.code}: {st.name}" + (f" ({st.street})" if st.street else "") \
                + (" [key station]" if st.is_key else "")
    finally:
        db.close()
    print(line)
    return 0


def cmd_station_add(args) -> int:
    from station_app.domain.services import stations

    db = _open(args)
    try:
        with db.session(_actor()) as s:
            st = stations.create_station(s, args.code, args.name, street=args.street,
                                         is_key=args.key)
            line = _station_line(st)
    finally:
        db.close()
    print(f"station created: {line}")
    return 0


def _station_line(st) -> str:
    return f"{st.code} {st.name}" + (f" ({st.street})" if st.street else "") \
        + (" [key station]" if st.is_key else "")


def cmd_station_list(args) -> int:
    from station_app.domain.services import stations

    db = _open(args)
    try:
        with db.reader() as s:
            rows = [(st.code, st.name, st.street or "", st.is_key)
                    for st in stations.stations(s, district=False)]
    finally:
        db.close()
    print(f"{'station':<10} {_pad('name', 24)} {_pad('street office', 16)} key")
    for code, name, street, key in rows:
        print(f"{code:<10} {_pad(name, 24)} {_pad(street, 16)} {'yes' if key else ''}")
    print(f"{len(rows)} station(s), {sum(1 for r in rows if r[3])} key station(s)")
    return 0


# --------------------------------------------------------------------------- station visits


def _station_id(session, code: str) -> str:
    """The id of the station with this code; an unknown code is a ValidationError."""
    from station_app.domain.ids import station_id_for
    from station_app.domain.models import Station
    from station_app.domain.services import stations
    from station_app.domain.validation import FieldError, ValidationError

    clean = stations.clean_station_code(code)
    station = session.get(Station, station_id_for(clean))
    if station is None or station.deleted:
        raise ValidationError([FieldError("station_code", "station.unknown",
                                          {"station": clean})])
    return station.id


def _visit_line(row) -> str:
    """One station visit (a ``visits.StationVisitRow``) on one line."""
    findings = " ".join((row.findings or "").split())
    return (f"{row.id}  {row.visit_date.isoformat()}  {row.station_code:<8} "
            f"{_pad(row.station_name, 20)} {'key' if row.is_key else '   '}  {row.visitors}"
            + (f"  | {findings}" if findings else ""))


def _visit_row(session, visit_id: str):
    from station_app.domain.services import visits

    return next(r for r in visits.station_visits(session) if r.id == visit_id)


def cmd_visit_add(args) -> int:
    from station_app.domain.services import visits

    db = _open(args)
    try:
        with db.session(_actor()) as s:
            visit = visits.record_visit(s, {
                "visit_date": args.date, "kind": "station",
                "target_station_id": _station_id(s, args.station), "visitors": args.visitors,
                "findings": args.findings, "actions": args.actions,
                "follow_up_due": args.follow_up})
            line = _visit_line(_visit_row(s, visit.visit.id))
    finally:
        db.close()
    print(f"visit recorded: {line}")
    return 0


def cmd_visit_list(args) -> int:
    from datetime import date

    from station_app.domain.services import visits
    from station_app.domain.services.metrics import Scope, metric_value

    year = args.year or date.today().year
    as_of = date.today() if year == date.today().year else date(year, 12, 31)
    db = _open(args)
    try:
        with db.reader() as s:
            rows = visits.station_visits(
                s, year=year, station_id=_station_id(s, args.station) if args.station else None)
            scope = Scope(as_of, None)
            visited = metric_value(s, "key_stations_visited", scope)
            total = metric_value(s, "key_stations_total", scope)
    finally:
        db.close()
    for row in rows:
        print(_visit_line(row))
    print(f"{len(rows)} station visit(s) in {year}; key stations visited in {year}: "
          f"{visited} of {total}")
    return 0


def cmd_visit_edit(args) -> int:
    from station_app.domain.services import visits

    changes = {key: value for key, value in (
        ("visit_date", args.date), ("visitors", args.visitors), ("findings", args.findings),
        ("actions", args.actions), ("follow_up_due", args.follow_up)) if value is not None}
    if not changes and not args.station:
        raise CliError("nothing to change: give --station, --date, --visitors, --findings, "
                       "--actions or --follow-up")
    db = _open(args)
    try:
        with db.session(_actor()) as s:
            if args.station:
                changes["target_station_id"] = _station_id(s, args.station)
            visits.update_visit(s, args.visit_id, changes)
            line = _visit_line(_visit_row(s, args.visit_id))
    finally:
        db.close()
    print(f"visit corrected: {line}")
    return 0


def cmd_visit_delete(args) -> int:
    from station_app.domain.services import visits

    db = _open(args)
    try:
        with db.session(_actor()) as s:
            visit = visits.get_visit(s, args.visit_id)
            line = _visit_line(_visit_row(s, visit.id)) if visit.kind == "station" \
                else visit.id
            visits.delete_visit(s, args.visit_id)
    finally:
        db.close()
    print(f"visit deleted: {line}")
    return 0


# --------------------------------------------------------------------------- import


def cmd_import(args) -> int:
    """Import one of the district's sheets: its station visits (站点调研) or its stations.
    The exit status is every import's (``cliutil.import_status``)."""
    from station_app.cliutil import import_status
    from station_app.exchange import xlsx_import
    from station_app.exchange.import_fields import DISTRICT_KINDS

    lang = _lang()
    kind = args.kind
    if kind is None:  # told by the headers; a station's sheet is not for the district
        found = xlsx_import.read_file(args.file, sheet=args.sheet).kind
        if found.code not in DISTRICT_KINDS:
            raise CliError(f"{args.file.name} looks like a station's sheet "
                           f"({found.label[0 if lang == 'zh' else 1]}, {found.code}): import it "
                           "at the station with station-admin import; the district imports "
                           f"{' and '.join(sorted(DISTRICT_KINDS))} (--kind)")
        kind = found.code
    errors = args.errors or args.file.with_name(f"{args.file.stem}-errors.xlsx")
    db = _open(args)
    try:
        result = xlsx_import.import_file(db, _actor(), args.file, kind=kind, sheet=args.sheet,
                                         errors_path=errors, lang=lang)
    finally:
        db.close()
    label = result.kind.label[0 if lang == "zh" else 1]
    print(f"{args.file.name}: sheet '{result.sheet}', {label} ({result.kind.code}), header on "
          f"row {result.header_row}")
    print(f"imported {result.imported}, rejected {len(result.rejected)}, skipped "
          f"{len(result.skipped)} already there, ignored {len(result.ignored)} "
          f"(totals, notes)")
    for name, n in result.extra_counts.items():
        print(f"  {name.replace('_', ' ')}: {n}")
    if result.unmapped:
        print("columns not imported: " + ", ".join(h for _, h in result.unmapped))
    for r in result.rejected[:args.show]:
        for line in result.messages(r, lang):
            print(f"  row {r.row}: {line}")
    if len(result.rejected) > args.show:
        print(f"  … and {len(result.rejected) - args.show} more rejected row(s)")
    if result.errors_path is not None:
        print(f"rejected rows written to {result.errors_path}: fix them there and import "
              "that file again")
    status = import_status(result.imported, len(result.rejected))
    if status == EXIT_ERROR:
        print("error: " + ("所有行都被拒绝，没有导入任何内容" if lang == "zh"
                           else "every row was rejected: nothing was imported"),
              file=sys.stderr)
    return status


def cmd_target_set(args) -> int:
    from station_app.domain.services import stations

    db = _open(args)
    try:
        with db.session(_actor()) as s:
            t = stations.set_target(s, args.year, args.metric, args.value, args.station)
            line = f"target {t.year} {t.metric} = {t.value} " \
                   f"({'station ' + args.station.upper() if args.station else 'district'})"
    finally:
        db.close()
    print(line)
    return 0


def cmd_watch(args) -> int:
    from station_app.domain.services import enterprises

    db = _open(args)
    try:
        with db.session(_actor()) as s:
            ent = enterprises.find_enterprise(s, args.enterprise_id)
            if args.watch_command == "list":
                entry = enterprises.list_on_watch(s, ent.id, args.reason, args.date)
            else:
                entry = enterprises.unlist_from_watch(s, ent.id, args.reason, args.date)
            line = (f"enterprise {ent.id} ({ent.name}) "
                    f"{'put on' if args.watch_command == 'list' else 'taken off'} the watch "
                    f"list on {entry.entry_date.isoformat()}")
    finally:
        db.close()
    print(line)
    return 0


def cmd_transfer(args) -> int:
    from datetime import date

    from station_app.domain.services import members

    db = _open(args)
    try:
        with db.session(_actor()) as s:
            source = members.find_member(s, args.member_id, active=True)
            moved = members.transfer_member(s, source.id, args.to,
                                            args.date or date.today())
            line = f"member {source.id} transferred to {args.to.upper()} as {moved.id}"
    finally:
        db.close()
    print(line)
    return 0


def cmd_conflicts(args) -> int:
    from sqlalchemy import select

    from station_app.domain.ids import station_id_for
    from station_app.domain.models import Station
    from station_app.domain.services.conflicts import (
        conflict_lines,
        describe,
        differences,
        list_conflicts,
    )

    user, password = _credentials(args, "conflicts list")
    db = _open(args)
    try:
        _district_login(db, user, password, "the conflicts' values")
        with db.reader() as s:
            codes = dict(s.execute(select(Station.id, Station.code)).all())
            views = list_conflicts(s, open_only=not args.all,
                                   station_id=station_id_for(args.station)
                                   if args.station else None)
            labels = describe(s, views, _lang())
            shown = {v.id: differences(s, v, _lang()) for v in views}
    finally:
        db.close()
    for line in conflict_lines(views, labels, codes, shown=shown):
        print(line)
    if not views:
        print("no open conflicts" if not args.all else "no conflicts")
    return 0


def cmd_conflict_resolve(args) -> int:
    from station_app.domain.services.conflicts import resolve_conflict

    db = _open(args)
    try:
        with db.session(_actor()) as s:
            view = resolve_conflict(s, args.conflict_id, args.keep)
    finally:
        db.close()
    print(f"conflict {view.id} settled: {view.resolution}")
    return 0


def cmd_search_keys(args) -> int:
    from sync.district import refresh_search_keys

    db = _open(args)
    try:
        n = refresh_search_keys(db)
    finally:
        db.close()
    print(f"pinyin search keys written for {n} member(s)")
    return 0


def cmd_duplicates(args) -> int:
    from station_app.domain.models import Station
    from station_app.domain.services import members

    user, password = _credentials(args, "duplicates")
    db = _open(args)
    try:
        _district_login(db, user, password, "the members active in two stations")
        with db.reader() as s:
            codes = dict((sid, code) for sid, code in s.execute(
                __import__("sqlalchemy").select(Station.id, Station.code)).all())
            dups = members.cross_station_duplicates(s)
            for id_number, rows in dups:
                where = ", ".join(f"{codes.get(m.station_id, m.station_id)}:{m.id}"
                                  for m in rows)
                print(f"{id_number[:4]}**********{id_number[-4:]}  {rows[0].name}  {where}")
    finally:
        db.close()
    if not dups:
        print("no member is active in two stations")
    return 0


def cmd_import_bundle(args) -> int:
    from sync.bundle import BundleError, import_station_bundle

    db = _open(args)
    try:
        results = import_station_bundle(db, args.file)
    except BundleError as exc:
        print(f"error: {exc.message(_lang())}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        db.close()
    applied = sum(r.inserted + r.updated for r in results)
    again = sum(1 for r in results if r.duplicate)
    refused = [r for result in results for r in result.refused]
    print(f"{len(results)} batch(es): {applied} row(s) applied, {again} batch(es) seen before")
    for table, row_id, _hlc, reason in refused:
        print(f"refused: {table} {row_id}: {reason}")
    if refused:
        print(f"{len(refused)} row(s) refused; the station's next file from `export-bundle` "
              "tells it which and why (the rest is applied)")
    return 0


def cmd_export_bundle(args) -> int:
    from station_app.domain.ids import station_id_for
    from sync.bundle import BundleError, export_district_bundle

    db = _open(args)
    try:
        n = export_district_bundle(db, station_id_for(args.station_code), args.file)
    except BundleError as exc:
        print(f"error: {exc.message(_lang())}", file=sys.stderr)
        return EXIT_ERROR
    finally:
        db.close()
    print(f"{n} change(s) and the acknowledgements written to {args.file}")
    return 0


def cmd_backup(args) -> int:
    """A backup of the district database: the SQLite backup API, or pg_dump."""
    from datetime import datetime

    from station_app.storage.backup import BackupError, make_backup, pg_dump

    db = _open(args)
    try:
        if db.path is not None:
            try:  # --out: that file; else the backups folder beside the database
                print(make_backup(db.path, "manual", target=Path(args.out) if args.out
                                  else None))
            except BackupError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return EXIT_ERROR
            return 0
        url = db.engine.url
    finally:
        db.close()

    target = Path(args.out or f"district-{datetime.now():%Y%m%dT%H%M%S}.dump")
    try:
        print(pg_dump(url, target))
    except BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    return 0


def cmd_status(args) -> int:
    snap = _snapshot(args)
    if snap is not None:  # a current SQLite district: sqlite3 alone, no SQLAlchemy
        from sync import district_sqlite
        from sync.status import station_status

        with snap:
            rows = station_status(snap.run(district_sqlite.QUERIES))
    else:
        from sync.district import station_status

        db = _open(args)
        try:
            with db.reader() as s:
                rows = station_status(s)
        finally:
            db.close()
    print(f"{'station':<10} {_pad('name', 24)} {'enrollment':<12} {'last sync':<28} "
          "conflicts")
    for st in rows:
        print(f"{st.code:<10} {_pad(st.name, 24)} {st.enrollment:<12} "
              f"{st.last_sync or 'never':<28} {st.conflicts}")
    return 0


def _pad(text: str, width: int) -> str:
    """``text`` padded to ``width`` terminal columns (a Chinese character takes two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


# --------------------------------------------------------------------------- parser


def _days(text: str) -> int:
    days = int(text) if text.strip().isdigit() else 0
    if not 1 <= days <= 366:
        raise argparse.ArgumentTypeError("a whole number of days from 1 to 366")
    return days


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="district-server", description="The district sync service of the Station app.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func, help_text: str, parent=sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_text)
        p.add_argument("--db", default=None,
                       help="district database: a file path or a postgresql+psycopg:// URL "
                            "(default: district.sqlite3 in the platform data folder)")
        p.add_argument("--key-file", type=Path, default=None, metavar="PATH",
                       help="the key file of an encrypted SQLite district (default: "
                            "DATABASE.key beside it, where init writes it)")
        p.set_defaults(func=func)
        return p

    def login(p: argparse.ArgumentParser) -> None:
        p.add_argument("--user", help=f"a district administrator's user name (default: "
                                      f"${USER_ENV}); the password from ${PASSWORD_ENV} or "
                                      "the first line of standard input")

    p = command("init", cmd_init, "create the district database and its administrator")
    p.add_argument("--admin", required=True, help="user name of the district administrator")
    p.add_argument("--display-name", help="the administrator's name as shown (default: the "
                                          "user name)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input instead of prompting")

    command("encrypt", cmd_encrypt, "encrypt a SQLite district made by an older version "
                                    "(and its backups) with a new key file")

    p = command("serve", cmd_serve, "run the HTTP sync service")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--log-level", default="info",
                   choices=["critical", "error", "warning", "info", "debug"])
    p.add_argument("--no-daily-backup", dest="daily_backup", action="store_false",
                   help="leave backups to you (by default the service keeps one a day, the "
                        "last 7: beside a SQLite file, pg_dump for PostgreSQL)")
    p.add_argument("--tls-cert", type=Path, metavar="PEM",
                   help="speak https with this certificate (with --tls-key); enroll prints "
                        "its fingerprint from now on")
    p.add_argument("--tls-key", type=Path, metavar="PEM", help="the certificate's key")

    p = command("enroll", cmd_enroll, "issue a one-time enrollment code for a station")
    p.add_argument("station_code")
    p.add_argument("--name", help="the station's name (required when it is new)")
    p.add_argument("--valid-days", type=_days, default=7, metavar="DAYS",
                   help="the code stops working after this many days (default 7)")
    p.add_argument("--cert", type=Path, metavar="PEM",
                   help="the certificate stations see at the district's https address (the "
                        "service's, or its proxy's): its fingerprint is printed for the "
                        "station to pin, now and at every later enroll")

    p = command("revoke", cmd_revoke, "revoke a station's token and enrollment code")
    p.add_argument("station_code")

    station = sub.add_parser("station", help="stations").add_subparsers(
        dest="station_command", required=True)
    p = command("set", cmd_station_set, "create or change a station", station)
    p.add_argument("code")
    p.add_argument("--name")
    p.add_argument("--street")
    p.add_argument("--key", action=argparse.BooleanOptionalAction, default=None,
                   help="mark (or with --no-key unmark) a key station")
    p = command("add", cmd_station_add,
                "create a station (refused when the code exists: use set)", station)
    p.add_argument("code")
    p.add_argument("--name", required=True)
    p.add_argument("--street", help="its street office (办事处)")
    p.add_argument("--key", action="store_true", help="a key station (重点推进)")
    command("list", cmd_station_list, "the stations: code, name, street office, key flag",
            station)

    visit = sub.add_parser("visit", help="the district's visits to stations (站点调研)"
                           ).add_subparsers(dest="visit_command", required=True)
    p = command("add", cmd_visit_add, "record a visit to a station", visit)
    p.add_argument("--station", required=True, help="the station's code")
    p.add_argument("--date", required=True, help="the visit's date (YYYY-MM-DD)")
    p.add_argument("--visitors", required=True, help="who visited")
    p.add_argument("--findings")
    p.add_argument("--actions")
    p.add_argument("--follow-up", help="follow-up due date (YYYY-MM-DD)")
    p = command("list", cmd_visit_list,
                "the visits of a year (and key stations visited of all key stations)", visit)
    p.add_argument("--year", type=int, help="default: this year")
    p.add_argument("--station", help="only this station's visits (code)")
    p = command("edit", cmd_visit_edit,
                "correct a visit: the options given replace what is stored", visit)
    p.add_argument("visit_id")
    p.add_argument("--station", help="the station's code")
    p.add_argument("--date", help="YYYY-MM-DD")
    p.add_argument("--visitors")
    p.add_argument("--findings", help="'' clears it")
    p.add_argument("--actions", help="'' clears it")
    p.add_argument("--follow-up", help="YYYY-MM-DD; '' clears it")
    p = command("delete", cmd_visit_delete,
                "delete a visit recorded by mistake (it no longer counts)", visit)
    p.add_argument("visit_id")

    target = sub.add_parser("target", help="annual targets").add_subparsers(
        dest="target_command", required=True)
    p = command("set", cmd_target_set, "set an annual target", target)
    p.add_argument("--year", required=True)
    p.add_argument("--metric", required=True)
    p.add_argument("--value", required=True)
    p.add_argument("--station", help="station code (default: the whole district)")

    watch = sub.add_parser("watch", help="the enterprise watch list").add_subparsers(
        dest="watch_command", required=True)
    for name, help_text in (("list", "put an enterprise on the watch list"),
                            ("unlist", "take an enterprise off the watch list")):
        p = command(name, cmd_watch, help_text, watch)
        p.add_argument("enterprise_id", metavar="ID_OR_CREDIT_CODE",
                       help="the enterprise's id (station-admin enterprise find prints it) "
                            "or its 统一社会信用代码")
        p.add_argument("--reason", required=True)
        p.add_argument("--date", help="the day it happened, YYYY-MM-DD (default: today); not "
                                      "in the future, not before the enterprise's latest "
                                      "listing or removal")

    p = command("transfer", cmd_transfer, "move a member to another station")
    p.add_argument("member_id", metavar="ID_OR_ID_NUMBER",
                   help="the member's id (station-admin member find prints it) or 身份证号 "
                        "(the one active row with it; a person active at two stations needs "
                        "the row's id)")
    p.add_argument("--to", required=True, help="the destination station's code")
    p.add_argument("--date", help="YYYY-MM-DD (default: today)")

    login(command("duplicates", cmd_duplicates, "ID numbers active in more than one "
                                                  "station (a district login)"))
    command("search-keys", cmd_search_keys,
            "write the pinyin search keys of members received since the last time")

    conflicts = sub.add_parser(
        "conflicts", help="versions that lost a merge, kept for review").add_subparsers(
        dest="conflicts_command", required=True)
    p = command("list", cmd_conflicts, "open conflicts with the differing values (a "
                                        "district login)", conflicts)
    login(p)
    p.add_argument("--all", action="store_true", help="settled ones too")
    p.add_argument("--station", help="only this station's rows (code)")
    p = command("resolve", cmd_conflict_resolve,
                "keep the standing version, or bring the losing one back", conflicts)
    p.add_argument("conflict_id", type=int)
    p.add_argument("--keep", required=True, choices=("winner", "loser"),
                   help="winner: the version that stands; loser: the one that lost "
                        "(written as a new change, which the stations pull)")

    p = command("import", cmd_import, "import a district sheet: station visits (站点调研) "
                                       "or the stations")
    p.epilog = ("Exit status: 0 every row imported (or already there); 2 some rows "
                "rejected, the rest imported (the rejected rows are in the errors "
                "workbook); 1 nothing imported — an error, or every row rejected.")
    p.add_argument("file", type=Path)
    p.add_argument("--kind", choices=("station_visits", "stations"),
                   help="what the sheet holds (default: told by its headers)")
    p.add_argument("--sheet", help="the sheet's name (default: the one whose headers fit)")
    p.add_argument("--errors", type=Path,
                   help="where to write the rejected rows (default: FILE-errors.xlsx)")
    p.add_argument("--show", type=int, default=20, help="rejected rows shown (default 20)")

    p = command("import-bundle", cmd_import_bundle, "apply a station's sync file")
    p.add_argument("file", type=Path)
    p = command("export-bundle", cmd_export_bundle,
                "write the sync file back to a station (changes and acknowledgements)")
    p.add_argument("station_code")
    p.add_argument("file", type=Path)

    p = command("backup", cmd_backup, "back up the district database (pg_dump on PostgreSQL)")
    p.add_argument("--out", help="the backup file (default: the backups folder beside a "
                                 "SQLite database; district-<time>.dump for PostgreSQL)")

    command("status", cmd_status, "stations with their last sync and open conflicts")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = parse_args(build_parser(), argv)
    from station_app.logs import setup_logging
    from station_app.storage.errors import StorageError

    setup_logging("district-server", verbose=args.verbose, stderr=True)
    lang = _lang()
    try:
        code = args.func(args)
        sys.stdout.flush()  # a reader gone away (`| head -1`) shows here, not at exit
        return code
    except BrokenPipeError:
        return stdout_closed()
    except StorageError as exc:
        print(f"error: {exc.message(lang)}", file=sys.stderr)
        return EXIT_ERROR
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_LOGIN if isinstance(exc, LoginRefused) else EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        validation = sys.modules.get("station_app.domain.validation")
        if validation is not None and isinstance(exc, validation.ValidationError):
            # (asked without importing validation: a command that never loaded it raised none)
            print(f"error: {'; '.join(exc.messages(lang))}", file=sys.stderr)
            return EXIT_ERROR
        log.exception("district-server %s failed", args.command)
        print(f"error: an unexpected problem ({type(exc).__name__}); details are in "
              "district-server.log in the log folder", file=sys.stderr)
        return EXIT_ERROR
    finally:
        if argv is None:  # the program itself, about to exit (every command closed its
            skip_final_collection()  # database)


if __name__ == "__main__":
    sys.exit(main())
