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
        message = getattr(exc, "message", None)
        return message(self.lang) if callable(message) else str(exc)

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
