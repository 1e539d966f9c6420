"""Engine factory: one engine per database, pragmas on every SQLite connection."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from station_app.storage import sqlfile
from station_app.storage.errors import SERVER_EXTRA, MissingExtraError

BUSY_TIMEOUT_MS = 10_000

# Dates go to SQLite as ISO text (what SQLAlchemy's Date type stores), also when the bulk
# paths hand rows straight to the driver: the driver module registers that adapter
# (``sqlfile``), once, for the process.

DEFAULT_CACHE_MIB = 16  # per connection: a laptop keeps a few connections open


def _sqlite_pragmas(dbapi_conn: sqlfile.Connection, _record,
                    cache_mib: int = DEFAULT_CACHE_MIB, durable: bool = False) -> None:
    # Let SQLAlchemy control transactions; pysqlite's implicit BEGIN is turned off below.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # WAL with NORMAL: a commit is atomic and survives the app crashing, but a power cut
    # may undo the last ones; FULL syncs the log at every commit (the district service)
    cur.execute(f"PRAGMA synchronous={'FULL' if durable else 'NORMAL'}")
    cur.execute(f"PRAGMA cache_size=-{cache_mib * 1024}")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.close()


BEGIN_OPTION = "sqlite_begin"  # execution option: "IMMEDIATE" for units of work that write


def _sqlite_begin(conn) -> None:
    # pysqlite defers BEGIN to the first write; an explicit BEGIN gives SQLite real
    # transactions around reads too (a consistent snapshot per unit of work). A unit of
    # work that writes begins IMMEDIATE: it takes the write lock first (waiting up to the
    # busy timeout), because a deferred transaction that read before another writer
    # committed can never upgrade to a write ("database is locked" at once, whatever
    # the busy timeout): a clerk's save during a sync, or two pushes at the district.
    mode = conn.get_execution_options().get(BEGIN_OPTION, "")
    conn.exec_driver_sql(f"BEGIN {mode}" if mode else "BEGIN")


def sqlite_url(path: str | Path) -> str:
    return f"sqlite+pysqlite:///{Path(path)}"


def make_engine(url_or_path: str | Path, *, cache_mib: int = DEFAULT_CACHE_MIB,
                durable: bool = False, key: bytes | None = None, **kwargs) -> Engine:
    """An engine for a SQLAlchemy URL or a SQLite file path (``cache_mib``: SQLite's page
    cache per connection, the district service asks for more than a laptop; ``durable``:
    SQLite syncs every commit to disk, for the district service; ``key``: the data key
    of an encrypted file, by default the one registered for it, ``sqlfile.remember``).
    SQLite files are opened through SQLCipher's driver (``sqlfile``), encrypted or not."""
    text = str(url_or_path)
    url = make_url(text) if "://" in text else make_url(sqlite_url(text))
    # a database error's message leaves out the statement's values (names, ID numbers):
    # such messages go to the log files (tests/unit/test_logs_no_personal_data.py)
    kwargs.setdefault("hide_parameters", True)
    if url.get_backend_name() == "sqlite":
        kwargs.setdefault("module", sqlfile.dbapi)
        engine = create_engine(url, **kwargs)
        database = url.database

        @event.listens_for(engine, "do_connect")
        def _keyed_connect(dialect, record, cargs, cparams):
            # the key must be the connection's first statement: SQLCipher's driver,
            # keyed here before SQLAlchemy or the pragmas below run anything
            if not database or database == ":memory:":
                return sqlfile.dbapi.connect(*cargs, **cparams)
            return sqlfile.connect(database, key=key, **cparams)

        @event.listens_for(engine, "connect")
        def _connect(dbapi_conn, record):
            dbapi_conn.isolation_level = None  # autocommit at the driver; we BEGIN ourselves
            _sqlite_pragmas(dbapi_conn, record, cache_mib, durable)

        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    if url.get_backend_name() == "postgresql":
        from station_app.domain.models import use_dialect

        use_dialect("postgresql")  # the models' PostgreSQL-only options
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg":
        # No server-side prepared statements: psycopg prepares a query after a few runs,
        # and PostgreSQL may then keep a plan made while a table was nearly empty (a push
        # into a new district slowed from 0.3 s to 14 s a batch looking up ids that way).
        kwargs.setdefault("connect_args", {}).setdefault("prepare_threshold", None)
    try:
        return create_engine(url, **kwargs)
    except ImportError as exc:  # the driver is not installed: say which extra brings it
        scheme = f"{url.get_backend_name()}+{url.get_driver_name()}://"
        missing = getattr(exc, "name", None) or url.get_driver_name()
        raise MissingExtraError(
            f"A {scheme} database needs the server extra ({missing} is not installed): "
            f"{SERVER_EXTRA}",
            f"{scheme} 数据库需要 server 扩展（未安装 {missing}）：{SERVER_EXTRA}",
        ) from exc
