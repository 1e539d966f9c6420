"""What every page is given: the database, the user, the language, the task runner.

Passed in explicitly (no global main window). After every write the operations layer
(``ui.operations``) publishes the names of the tables the unit of work changed —
collected by the storage layer, never listed by hand — and the pages that show one of
them refresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from station_app.domain.actor import Actor
from station_app.ui.qt import QObject, QSettings, Signal

if TYPE_CHECKING:  # the database layer (SQLAlchemy) loads after the first paint
    from station_app.storage.database import Database
    from station_app.ui.tasks import TaskRunner


class AppSignals(QObject):
    # table names that a unit of work changed ("members", "ledger_entries", …)
    changed = Signal(object)
    # ask the main window to show a page: (page key, optional record id)
    open_page = Signal(str, object)


@dataclass
class AppContext:
    db: Database  # None only while a deferred main window opens its database
    actor: Actor
    lang: str  # "zh" or "en"
    tasks: TaskRunner
    settings: QSettings
    signals: AppSignals = field(default_factory=AppSignals)
    district: bool = False  # opened on the district database: the district view

    @property
    def zh(self) -> bool:
        return self.lang.startswith("zh")

    def explain(self, exc: BaseException) -> str:
        """What went wrong, for a person, in the app's language: a service's refusal (each
        message), an error that speaks both languages (``message(lang)``: sync, files,
        storage; SQLite's "database is locked" too), else its text."""
        from station_app.domain.validation import ValidationError
        from station_app.storage.errors import busy_error

        if isinstance(exc, ValidationError):
            return ("；" if self.zh else "; ").join(exc.messages(self.lang))
        busy = busy_error(exc)  # "database is locked": a sentence, not SQLAlchemy's text
        if busy is not None:
            return busy.message(self.lang)
        # the network: what could not be reached and what to check, never "[Errno 111]"
        unreachable = _unreachable(exc, self.zh)
        if unreachable is not None:
            return unreachable
        message = getattr(exc, "message", None)
        if callable(message):
            return message(self.lang)
        if isinstance(exc, OSError):  # a file: what happened to which, in words
            return _file_error(exc, self.zh)
        return str(exc)

    def publish(self, changed: Iterable[str]) -> None:
        """Tell the pages which tables a unit of work changed (the operations layer does
        this with the set the storage layer collected; a page never names them)."""
        tables = set(changed)
        if tables:
            self.signals.changed.emit(tables)

    def may(self, action: str, record=None):
        """Whether the acting user may do ``action`` (``domain.permissions``), in this
        database, to ``record`` (its facts) or at all: a ``Decision`` (``ok``, and the
        reason as a sentence, ``text(lang)``)."""
        from station_app.domain.permissions import allowed

        return allowed(self.actor, action, record, at_district=self.district)



def _unreachable(exc: BaseException, zh: bool) -> str | None:
    """A sentence for a server that could not be reached (refused, no route, a name not
    found, no answer in time) — what to check, in the user's language; None when the
    error is something else (a certificate that did not match says so itself)."""
    import socket

    try:
        import httpx
    except ImportError:  # (a build without the sync client)
        httpx = None
    seen: set[int] = set()
    cause: BaseException | None = exc
    address = ""
    found = False
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if httpx is not None and isinstance(cause, httpx.TransportError):
            from sync.tls import certificate_problem

            if certificate_problem(cause) is not None:
                return None
            try:
                url = cause.request.url
                address = f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"
            except (RuntimeError, AttributeError):
                pass
            found = True
        elif isinstance(cause, ConnectionError | socket.gaierror | TimeoutError):
            found = True
        cause = cause.__cause__ or cause.__context__
    if not found:
        return None
    if zh:
        return (f"无法连接区总工会服务器{f'（{address}）' if address else ''}。请检查：本机是否已"
                "连上网络；“同步”页上的区总工会地址是否正确；区总工会的服务器是否已开启（可询问"
                "区总工会）。没有网络时，可以在“同步”页用文件同步。")
    return (f"The district's server{f' ({address})' if address else ''} could not be "
            "reached. Check that this computer is connected to the network, that the "
            "district address on the Sync page is right, and that the district's server is "
            "running (ask the district office). Without a network, sync by file on the Sync "
            "page.")


def _file_error(exc: OSError, zh: bool) -> str:
    """A file that could not be read or written, in words (not "[Errno 13] …")."""
    import errno

    name = str(exc.filename or "")
    if isinstance(exc, FileNotFoundError):
        return (f"找不到文件 {name}：它可能已被移动或删除。" if zh else
                f"The file {name} was not found: it may have been moved or deleted.")
    if isinstance(exc, PermissionError):
        return (f"本程序无权读写 {name}：请换一个文件夹，或关闭正在使用该文件的程序。" if zh else
                f"This program may not read or write {name}: choose another folder, or "
                "close the program that has the file open.")
    if exc.errno == errno.ENOSPC:
        return (f"磁盘已满，无法写入 {name}：请清理磁盘空间，或换一个磁盘。" if zh else
                f"The disk is full: {name} could not be written. Free some space, or choose "
                "another disk.")
    reason = exc.strerror or type(exc).__name__
    return (f"无法读写文件 {name}（{reason}）。" if zh else
            f"The file {name} could not be read or written ({reason}).")
