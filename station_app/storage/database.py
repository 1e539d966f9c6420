"""Opening a database: version check, backup, migrations, integrity; sessions; the clock.

The open lifecycle (``open_database``), in order:

1. read the schema revision with plain ``sqlite3`` (no Alembic import);
2. refuse a revision this app does not know (a file written by a newer app);
3. when the revision is older, back the file up (reason ``migration``) and run the Alembic
   migrations programmatically; when it is current, Alembic is never imported;
4. ``PRAGMA quick_check`` (skippable for a fast first paint; the UI runs it later), with an
   error that names the newest good backup to restore.

One engine per file; one ``Session`` per unit of work, made by ``Database.session()``,
which carries the ``WriteContext`` that the capture hook stamps and audits with.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select, text, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from station_app.domain.actor import Actor
from station_app.domain.ids import DISTRICT_OWNER_ID
from station_app.domain.models import MODEL_BY_TABLE, AuditRecord, LocalState, OutboxEntry
from station_app.storage import backup as backups
from station_app.storage import capture, sqlfile
from station_app.storage import keys as keyfiles
from station_app.storage.capture import WriteContext, utc_now_text
from station_app.storage.clock import HybridClock
from station_app.storage.engine import BEGIN_OPTION, DEFAULT_CACHE_MIB, make_engine
from station_app.storage.errors import (  # noqa: F401  (the errors are part of this API)
    DISTRICT_INIT,
    STATION_INIT,
    DamagedDatabaseError,
    MissingDatabaseError,
    MissingExtraError,
    NewerDatabaseError,
    NotStationDatabaseError,
    StorageError,
    newer_error,
    read_revision,
    sqlite_path,
)
from station_app.storage.schema import KNOWN_REVISIONS, SCHEMA_HEAD

log = logging.getLogger(__name__)

# session.info key: ``(username, new_password_hash | None)`` → None, called by the users
# service when a password is set or an account enabled or disabled (``_stage_key``)
KEYS_STAGE = "keys.stage"
ENCRYPTED_CACHE_MIB = 32  # per connection (a plain file's: DEFAULT_CACHE_MIB)
# session.info key: a list the users service appends the accounts unlocked to; their
# wrong passwords kept in the key file are dropped once the unlock commits
KEYS_UNLOCKED = "keys.unlocked"

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class StationSession(Session):
    """Sessions whose flushes go through the capture hook."""


capture.install(StationSession)

# Per thread, the sets collecting the tables changed by every unit of work committed on
# it (``Database.collect_changes``): the client's operations run a piece of work on a
# worker thread — one service call, or a whole import or sync round — and learn which
# tables it changed, whichever sessions it opened.
_collecting = threading.local()


def _publish(tables) -> None:
    for collector in getattr(_collecting, "stack", ()):
        collector.update(tables)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Run the Alembic migrations up to ``revision`` (imports Alembic only here)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # Batch migrations copy tables; foreign keys must not fire mid-copy. The pragma
            # is a no-op inside a transaction, so it is set on the driver connection before
            # BEGIN, and set back before the connection returns to the pool.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                if sqlite:  # checked before COMMIT: a broken upgrade leaves no trace
                    problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if problems:
                        raise StorageError(
                            f"migration left broken references: {problems[:5]}",
                            f"升级后存在无效引用：{problems[:5]}",
                        )
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")


def open_database(
    target: str | Path, *, create: bool = False, check: bool = True, upgrade: bool = True,
    cache_mib: int = DEFAULT_CACHE_MIB, durable: bool = False, create_with: str = STATION_INIT,
    key: bytes | None = None, key_file: bool | None = None,
) -> Database:
    """Open (or with ``create`` make) a station or district database; see module doc.
    ``cache_mib``: SQLite's page cache per connection. ``durable``: every commit reaches
    the disk before it returns (``synchronous=FULL``), for the district service, whose
    acknowledgements let stations forget what they sent; a station keeps ``NORMAL``
    (a power cut may undo its last saves, never half of one). ``create_with``: the
    command a missing database is created with, named in the error (``DISTRICT_INIT``
    when the district's command line asks). ``key``: the data key of an encrypted file
    (registered for it and its backups: ``sqlfile.remember``); a new file is created
    encrypted with it. ``key_file``: whether this file keeps its key wrapped per user in
    ``<file>.keys`` (a station's: rewritten whenever a password changes); by default,
    when the key is given and no district raw key file lies beside the file."""
    path = sqlite_path(target)
    if path is None:
        return _open_server(str(target), create=create)
    if key is None and sqlfile.is_plain(path) is False and sqlfile.key_for(path) is None \
            and keyfiles.district_key_path(path).exists():
        # a district's file: its service opens it unattended, with the raw key file that
        # ``district-server init`` wrote beside it
        key, key_file = keyfiles.read_district_key(keyfiles.district_key_path(path)), False
    if key is not None:
        sqlfile.remember(path, key)
        if key_file is None:
            key_file = not keyfiles.district_key_path(path).exists()
    exists = path.exists() and path.stat().st_size > 0
    if not exists and not create:
        raise MissingDatabaseError(path, create_with)
    revision = read_revision(path) if exists else None
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise newer_error(str(path), revision)
    path.parent.mkdir(parents=True, exist_ok=True)
    if (key is not None or sqlfile.key_for(path) is not None) \
            and cache_mib == DEFAULT_CACHE_MIB:
        # a page read from the disk of an encrypted file is decrypted and checked first:
        # a larger page cache keeps the pages a search walks decrypted once
        cache_mib = ENCRYPTED_CACHE_MIB
    engine = make_engine(path, cache_mib=cache_mib, durable=durable, key=key)
    if key is not None or sqlfile.key_for(path) is not None:
        _owner_only(path)
    if revision != SCHEMA_HEAD:
        if not upgrade:
            raise StorageError(
                f"{path} needs a schema upgrade ({revision} → {SCHEMA_HEAD}).",
                f"{path} 需要升级数据结构（{revision} → {SCHEMA_HEAD}）。",
            )
        if revision is not None:
            saved = backups.make_backup(path, "migration")
            log.info("upgrading %s from %s to %s (backup %s)", path, revision, SCHEMA_HEAD, saved)
        migrate(engine)
    try:
        db = Database(engine, path, key=key, key_file=bool(key_file and key is not None))
    except OperationalError:  # locked, I/O trouble: not a damaged file
        engine.dispose()
        raise
    except DBAPIError as exc:  # a torn page under local_state: not a crash, a damaged file
        engine.dispose()
        raise DamagedDatabaseError(path, str(exc.orig or exc)) from exc
    if check:
        db.check_integrity(raise_on_error=True)
    return db


def _owner_only(path: Path) -> None:
    """An encrypted file and its WAL readable by their owner only (0600); SQLite gives
    the WAL and shared-memory files the main file's mode."""
    if not hasattr(os, "chmod"):
        return
    if not path.exists():  # a new file: made now, empty, so its mode is set first
        path.touch(mode=0o600)
    for suffix in ("", "-wal", "-shm"):
        try:
            os.chmod(f"{path}{suffix}", 0o600)
        except FileNotFoundError:
            pass


def _open_server(url: str, *, create: bool) -> Database:
    engine = make_engine(url)
    with engine.connect() as conn:
        has_version = engine.dialect.has_table(conn, "alembic_version")
        revision = (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if has_version
            else None
        )
    if revision is not None and revision not in KNOWN_REVISIONS:
        raise newer_error(engine.url.render_as_string(hide_password=True), revision)
    if revision is None and not create:
        shown = engine.url.render_as_string(hide_password=True)
        engine.dispose()
        # only a district lives on PostgreSQL
        raise MissingDatabaseError(shown, DISTRICT_INIT, schema_only=True)
    if revision != SCHEMA_HEAD:
        if revision is not None:
            # an existing district is dumped before its schema changes, as files are
            saved = backups.pg_dump(engine.url, backups.pg_backup_path(engine.url, "migration"))
            log.info("upgrading %s from %s to %s (backup %s)",
                     engine.url.render_as_string(hide_password=True), revision, SCHEMA_HEAD,
                     saved)
        migrate(engine)
    return Database(engine, None)


class Database:
    """An open station or district database: engine, node id, clock, sessions."""

    def __init__(self, engine: Engine, path: Path | None, *, key: bytes | None = None,
                 key_file: bool = False):
        self.engine = engine
        self.path = path
        self.key = key  # the data key of an encrypted file (None: plain, or a server)
        # where the key is kept wrapped per user (a station's file); None: not kept here
        self.key_file = (keyfiles.key_file_path(path)
                         if key_file and key is not None and path is not None else None)
        self._sessions = sessionmaker(bind=engine, class_=StationSession, expire_on_commit=False)
        state = self.state()
        node = state.get("node_id")
        if not node:
            node = secrets.token_hex(8)
            self.set_state("node_id", node)
        if "hlc" not in state:
            self.set_state("hlc", "")
        self.node_id = node
        self.clock = HybridClock(node, state.get("hlc") or None)
        self._station_id = state.get("station_id")

    # -- local state -------------------------------------------------------------------

    def state(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return dict(conn.execute(select(LocalState.key, LocalState.value)).all())

    def set_state(self, key: str, value: str, session: Session | None = None) -> None:
        def write(conn):
            conn.execute(delete(LocalState).where(LocalState.key == key))
            conn.execute(insert(LocalState).values(key=key, value=value))

        if session is not None:
            # Part of the caller's transaction: the cached identity is refreshed only once
            # it commits (``refresh_identity``), so a rollback leaves nothing behind.
            write(session)
            return
        with self.engine.begin() as conn:
            write(conn)
        _publish({LocalState.__tablename__})
        if key == "station_id":
            self._station_id = value

    def refresh_identity(self) -> None:
        """Re-read the station id after a transaction that set it has committed."""
        self._station_id = self.state().get("station_id")

    @property
    def station_id(self) -> str | None:
        """The owning station of this file; the district pseudo-owner at the district."""
        return self._station_id

    @property
    def is_district(self) -> bool:
        return self._station_id == DISTRICT_OWNER_ID

    # -- sessions ----------------------------------------------------------------------

    @contextmanager
    def session(self, actor: Actor | None = None, *, source: str = "local") -> Iterator[Session]:
        """One unit of work in one transaction: commits at the end, rolls back on error.

        ``actor``: who acts — a person (the logged-in user) or a named system actor
        (``domain.actor``: the sync apply, the demo, the command lines …). There is no
        implicit actor: a session opened without one may read but not write (a write is
        refused with ``capture.NoActorError``). When the unit of work commits, the tables
        it wrote are in ``session.info[capture.CHANGED_TABLES]`` (and reach every
        ``collect_changes`` block of this thread)."""
        if actor is None:
            with self._read_session(no_actor=True) as session:
                yield session
            return
        ctx = WriteContext(
            actor=actor.username,
            station_id=self._station_id or DISTRICT_OWNER_ID,
            clock=self.clock,
            source=source,
            role=actor.role,
            user_id=actor.user_id,
            district=self.is_district,
        )
        with self._sessions() as session:
            session.info["ctx"] = ctx
            session.info["actor"] = actor
            staged: dict[str, list[str]] = {}
            unlocked: list[str] = []
            if self.key_file is not None:
                session.info[KEYS_STAGE] = lambda username, new_hash: self._stage_key(
                    staged, username, new_hash)
                session.info[KEYS_UNLOCKED] = unlocked
            try:
                with session.begin():
                    if self.engine.dialect.name == "sqlite":
                        session.connection(execution_options={BEGIN_OPTION: "IMMEDIATE"})
                    yield session
            except Exception:
                if staged:  # the passwords that would have opened the file: no longer
                    self.write_key_file()
                # The work is rolled back, but some audit rows must survive it.
                kept = session.info.pop(capture.AUDIT_ON_ROLLBACK, None)
                if kept:
                    with self.engine.begin() as conn:
                        conn.execute(insert(AuditRecord), kept)
                    _publish({AuditRecord.__tablename__})
                raise
            if staged:  # one wrap per user again, from what the database now says
                self.write_key_file()
            if unlocked:
                self._clear_key_file_failures(unlocked)
            _publish(session.info.get(capture.CHANGED_TABLES, ()))

    # -- the key file ------------------------------------------------------------------

    def _stage_key(self, staged: dict[str, list[str]], username: str,
                   new_hash: str | None) -> None:
        """A password (or an account's state) changes in the unit of work under way:
        before it commits, the key file opens with the old password and the new one
        (``new_hash``), so a crash between the two writes locks nobody out."""
        staged.setdefault(username, [])
        if new_hash:
            staged[username].append(new_hash)
        self.write_key_file(extra={u: h for u, h in staged.items() if h})

    def _clear_key_file_failures(self, usernames: list[str]) -> None:
        kf = keyfiles.KeyFile.load(self.key_file) if self.key_file is not None else None
        if kf is not None:
            for username in usernames:
                kf.take_failures(username)

    def write_key_file(self, extra: dict[str, list[str]] | None = None) -> Path | None:
        """Rewrite the key file from the users table: the data key wrapped once per
        active user (and for the ``extra`` password hashes of a change under way)."""
        if self.key_file is None or self.key is None:
            return None
        with self.engine.connect() as conn:
            users = [tuple(r) for r in conn.exec_driver_sql(
                "SELECT username, password_hash, active FROM users").all()]
            state = dict(conn.execute(select(LocalState.key, LocalState.value)).all())
            name = conn.exec_driver_sql("SELECT name FROM stations WHERE id = ?", (
                state.get("station_id", ""),)).scalar() or ""
        current = keyfiles.KeyFile.load(self.key_file)
        built = keyfiles.build_key_file(
            self.key_file, self.key, [(u, h, bool(a)) for u, h, a in users],
            station_code=state.get("station_code", ""), station_name=name, keep=current,
            extra=extra)
        built.save()
        return self.key_file

    @contextmanager
    def collect_changes(self) -> Iterator[set[str]]:
        """The names of the tables changed by every unit of work this thread commits
        within the block (sessions, the bulk path, sync merges, local state)."""
        changed: set[str] = set()
        stack = getattr(_collecting, "stack", None)
        if stack is None:
            stack = _collecting.stack = []
        stack.append(changed)
        try:
            yield changed
        finally:
            stack.remove(changed)

    @contextmanager
    def reader(self, actor: Actor | None = None) -> Iterator[Session]:
        """A read-only unit of work (a snapshot); a write through it is refused.
        ``actor``: who reads (what services that answer by role see); none is needed."""
        with self._read_session(actor=actor) as session:
            yield session

    @contextmanager
    def _read_session(self, *, actor: Actor | None = None,
                      no_actor: bool = False) -> Iterator[Session]:
        with self._sessions() as session:
            session.info["read_only"] = True
            if actor is not None:
                session.info["actor"] = actor
            if no_actor:
                session.info[capture.NO_ACTOR] = True
            with session.begin():
                # Refuse raw SQL and non-syncable ORM writes too, at the database level.
                driver = None
                if self.engine.dialect.name == "sqlite":
                    driver = session.connection().connection.driver_connection
                    driver.execute("PRAGMA query_only = ON")
                elif self.engine.dialect.name == "postgresql":
                    session.execute(text("SET TRANSACTION READ ONLY"))
                try:
                    yield session
                    if session.new or session.dirty or session.deleted:
                        if no_actor:
                            raise capture.NoActorError()
                        raise RuntimeError(
                            "reader sessions do not write; use Database.session()"
                        )
                finally:
                    if driver is not None:  # the pooled connection is shared: undo it
                        driver.execute("PRAGMA query_only = OFF")

    # -- checks, backups, clock --------------------------------------------------------

    def check_integrity(self, *, raise_on_error: bool = False) -> list[str]:
        """``PRAGMA quick_check`` on SQLite; an empty list means the file is sound."""
        if self.engine.dialect.name != "sqlite":
            return []
        try:
            with self.engine.connect() as conn:
                rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check")]
        except OperationalError:  # locked or I/O trouble: not a verdict on the file
            raise
        except DBAPIError as exc:  # the driver raises DatabaseError on a torn file
            rows = [str(exc.orig)]
        problems = [] if rows == ["ok"] else rows
        if problems and raise_on_error:
            assert self.path is not None
            self.engine.dispose()
            raise DamagedDatabaseError(self.path, "; ".join(problems[:3]))
        return problems

    def backup(self, reason: str = "manual") -> Path:
        if self.path is None:
            raise StorageError(
                "Back up a server database with pg_dump (district-server backup).",
                "服务器数据库请用 pg_dump 备份。",
            )
        return backups.make_backup(self.path, reason)

    def daily_backup(self) -> Path | None:
        return backups.daily_backup(self.path) if self.path is not None else None

    def pending_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                text("SELECT count(*) FROM (SELECT DISTINCT table_name, row_id FROM outbox) t")
            ).scalar_one()

    def clock_ahead_ms(self) -> int:
        """How far the stored clock runs ahead of this machine's wall clock."""
        stored = self.state().get("hlc")
        if stored:
            self.clock.observe(stored)
        return self.clock.ahead_ms()

    def correct_clock(self, actor: Actor) -> int:
        """After the laptop clock ran fast and was fixed: follow the wall clock again and
        re-stamp every row waiting in the outbox. Returns how many rows were re-stamped."""
        with self.session(actor) as s:
            s.info["raw_sync_dml"] = True  # re-stamping is the one raw update allowed
            before = self.clock.last()
            self.clock.reset()
            pending = s.execute(
                select(OutboxEntry.table_name, OutboxEntry.row_id)
                .group_by(OutboxEntry.table_name, OutboxEntry.row_id)
                .order_by(text("min(seq)"))
            ).all()
            for table, row_id in pending:
                stamp = self.clock.tick()
                model = MODEL_BY_TABLE[table]
                s.execute(update(model).where(model.id == row_id).values(hlc=stamp))
                s.execute(
                    update(OutboxEntry)
                    .where(OutboxEntry.table_name == table, OutboxEntry.row_id == row_id)
                    .values(hlc=stamp)
                )
            s.execute(
                update(LocalState).where(LocalState.key == "hlc").values(value=self.clock.last())
            )
            s.add(
                AuditRecord(
                    at=utc_now_text(),
                    actor=actor.username,
                    action="clock",
                    detail=f'{{"before": "{before}", "after": "{self.clock.last()}", '
                    f'"restamped": {len(pending)}}}',
                )
            )
        return len(pending)

    def close(self) -> None:
        if self.engine.dialect.name == "sqlite":
            try:
                with self.engine.connect() as conn:
                    conn.exec_driver_sql("PRAGMA optimize")
            except Exception:  # closing must not fail on a read-only or damaged file
                log.debug("PRAGMA optimize failed", exc_info=True)
        self.engine.dispose()
