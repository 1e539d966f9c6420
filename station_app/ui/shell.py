"""A first, minimal shell: set up a station, log in, see the station at a glance.

The desktop client issue replaces this with the full main window; the flow (open the
database, first-run set-up, login) stays.
"""

from __future__ import annotations

from datetime import date

from station_app.domain.validation import ValidationError
from station_app.storage.database import Database
from station_app.ui.qt import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QVBoxLayout,
    QWidget,
)


class _Form(QDialog):
    def __init__(self, title: str, fields: list[tuple[str, str, bool]], parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.edits: dict[str, QLineEdit] = {}
        for key, text, secret in fields:
            edit = QLineEdit(self)
            if secret:
                edit.setEchoMode(QLineEdit.EchoMode.Password)
            form.addRow(text, edit)
            self.edits[key] = edit
        layout.addLayout(form)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._try_accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.on_accept = None

    def values(self) -> dict[str, str]:
        return {k: e.text() for k, e in self.edits.items()}

    def _try_accept(self) -> None:
        try:
            self.result_value = self.on_accept(self.values())
        except ValidationError as exc:  # keep what was typed, say what to fix
            self.error.setText("\n".join(exc.messages(self.lang)))
            return
        self.accept()

    lang = "zh"


def setup_dialog(db: Database, lang: str) -> bool:
    from station_app.domain.services.setup import init_station

    dlg = _Form(QWidget.tr("Set up this station"), [
        ("code", QWidget.tr("Station code"), False),
        ("name", QWidget.tr("Station name"), False),
        ("admin", QWidget.tr("Admin user name"), False),
        ("password", QWidget.tr("Password"), True),
    ])
    dlg.lang = lang
    dlg.on_accept = lambda v: init_station(db, v["code"], v["name"], v["admin"], v["password"])
    return dlg.exec() == QDialog.DialogCode.Accepted


def login_dialog(db: Database, lang: str):
    from station_app.domain.services.users import authenticate

    dlg = _Form(QWidget.tr("Log in"), [("user", QWidget.tr("User name"), False),
                                       ("password", QWidget.tr("Password"), True)])
    dlg.lang = lang

    def check(v):
        with db.session() as s:
            return authenticate(s, v["user"], v["password"])

    dlg.on_accept = check
    return dlg.result_value if dlg.exec() == QDialog.DialogCode.Accepted else None


class MainWindow(QMainWindow):
    def __init__(self, db: Database, actor, lang: str = "zh"):
        super().__init__()
        from station_app.domain.services.metrics import METRICS, compute_summary
        from station_app.domain.services.visits import this_week, weekly_compliance

        self.setWindowTitle(self.tr("Station app"))
        body = QLabel(self)
        body.setWordWrap(True)
        lines = []
        with db.reader() as s:
            state = db.state()
            lines.append(f"{state.get('station_code', '')} — {actor.display_name or actor.username}")
            if db.station_id:
                y, w = this_week()
                comp = weekly_compliance(s, db.station_id, y, w)
                lines.append(self.tr("Visits this week: %1 of %2").replace("%1", str(comp.visits))
                             .replace("%2", str(comp.required)))
                summary = compute_summary(s, date.today(), db.station_id)
                for code, value in summary.values.items():
                    if code in METRICS:
                        m = METRICS[code]
                        lines.append(f"{m.zh if lang == 'zh' else m.en}: {value}")
        body.setText("\n".join(lines))
        self.setCentralWidget(body)
        self.resize(640, 480)
