"""The database problems a person must act on, and the first look at a file — with the
standard library alone, so a command line can say what is wrong (or read a current file,
``storage.fastread``) before SQLAlchemy is loaded."""

from __future__ import annotations

from pathlib import Path

# What a missing database is created with, by who asks: the station's command line (the
# default, also for the app) or the district's (``open_database(…, create_with=…)``).
STATION_INIT = "station-admin init --db {path} …"
DISTRICT_INIT = "district-server init --db {path} --admin USER"
SERVER_EXTRA = 'pip install "station-app[server]"'


class StorageError(Exception):
    """A database problem a person must act on; ``message(lang)`` says what to do."""

    def __init__(self, en: str, zh: str):
        super().__init__(en)
        self.en, self.zh = en, zh

    def message(self, lang: str = "zh") -> str:
        return self.zh if lang.startswith("zh") else self.en


class NewerDatabaseError(StorageError):
    pass


class NotStationDatabaseError(StorageError):
    pass


class MissingDatabaseError(StorageError):
    """No database there (a missing or empty file; with ``schema_only`` a server database
    without the schema); the message names the command that creates one."""

    def __init__(self, path: Path | str, create_with: str = STATION_INIT, *,
                 schema_only: bool = False):
        self.path = path
        command = create_with.format(path=path)
        if schema_only:
            super().__init__(f"{path} has no Station app schema. Create it with: {command}",
                             f"{path} 尚未初始化。请先运行 {command} 创建。")
        else:
            super().__init__(f"No database at {path}. Create one with: {command}",
                             f"{path} 没有数据库。请先运行 {command} 创建。")


class MissingExtraError(StorageError):
    """A database that needs a package of an optional extra that is not installed."""


class DamagedDatabaseError(StorageError):
    def __init__(self, path: Path, detail: str):
        self.path = path
        from station_app.storage import backup as backups  # (backup imports this module)

        self.backup = backups.newest_good_backup(path)
        where = str(self.backup.path) if self.backup else None
        en = f"The database file {path} is damaged ({detail})."
        zh = f"数据库文件 {path} 已损坏（{detail}）。"
        if where:
            en += f" Restore the newest good backup: {where} (station-admin restore)."
            zh += f"请恢复最近的完好备份：{where}（station-admin restore）。"
        else:
            en += " No good backup was found; contact the district office."
            zh += "未找到完好的备份，请联系区总工会。"
        super().__init__(en, zh)


class DatabaseBusyError(StorageError):
    """Another program (another window, an import, a sync) kept the database for writing
    longer than a write waits (the engine's busy timeout)."""


def busy_error(exc: BaseException) -> DatabaseBusyError | None:
    """SQLite's "database is locked" (or "busy") — raw, or wrapped by SQLAlchemy — as a
    sentence a person acts on; None for any other error."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).lower()
    from station_app.storage.sqlfile import OperationalError

    if isinstance(orig, OperationalError) and ("locked" in text or "busy" in text):
        return DatabaseBusyError(
            "The database is being written by another program (another window, an import "
            "or a sync) and was not free within 10 seconds. Nothing was written; try again "
            "when that work has finished.",
            "数据库正被另一个程序（另一个窗口、导入或同步）写入，10 秒内未能释放。本次没有写入任何内容，"
            "请等那项工作完成后再试。")
    return None


def newer_error(where: str, revision: str) -> NewerDatabaseError:
    return NewerDatabaseError(
        f"{where} was written by a newer version of Station app (schema {revision}). "
        "Install the newest version of the app to open it; the file was not changed.",
        f"{where} 由更新版本的软件写入（数据结构 {revision}），请安装最新版本后再打开；文件未被改动。",
    )


def sqlite_path(target: str | Path) -> Path | None:
    """The file a ``--db`` names — a path or a ``sqlite:///…`` URL — or None for a server
    URL (``postgresql+psycopg://…``)."""
    text = str(target)
    if "://" in text and not text.startswith("sqlite"):
        return None
    if text.startswith("sqlite"):
        text = text.split("///", 1)[1]
    return Path(text).expanduser()


def read_revision(path: Path) -> str | None:
    """The Alembic revision stamped in a SQLite file, or None for a file without one."""
    from station_app.storage import sqlfile

    try:
        con = sqlfile.connect(path, read_only=True)
    except sqlfile.Error as exc:
        raise DamagedDatabaseError(path, str(exc)) from exc
    try:
        tables = {
            r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if "alembic_version" not in tables:
            if tables - {"sqlite_sequence"}:
                raise NotStationDatabaseError(
                    f"{path} is not a Station app database.",
                    f"{path} 不是本软件的数据库文件。",
                )
            return None
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return row[0] if row else None
    except sqlfile.DatabaseError as exc:
        if sqlfile.wrong_key(exc):
            raise sqlfile.LockedDatabaseError(path) from exc
        raise DamagedDatabaseError(path, str(exc)) from exc
    finally:
        con.close()
