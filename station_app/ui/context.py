"""What every page is given: the database, the user, the language, the task runner.

Passed in explicitly (no global main window); pages tell each other about writes through
``AppContext.changed`` with the names of the tables they changed.
"""

from __future__ import annotations

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

    def notify(self, *tables: str) -> None:
        self.signals.changed.emit(set(tables))
