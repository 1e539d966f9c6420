"""First-run set-up wizard, login, restore from a backup."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from station_app.domain.actor import Actor
from station_app.domain.validation import ValidationError
from station_app.storage.backup import list_backups
from station_app.ui.forms import Form

if TYPE_CHECKING:
    from station_app.domain.services.login import Login
    from station_app.storage.database import Database
from station_app.ui.qt import (
    QApplication,
    QCheckBox,
    QCoreApplication,
    QDialog,
    QDialogButtonBox,
    QFont,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    Qt,
    QVBoxLayout,
    QWizard,
    QWizardPage,
)


class _StationPage(QWizardPage):
    def __init__(self, lang: str):
        super().__init__()
        self.setTitle(self.tr("Your station"))
        self.setSubTitle(self.tr("The station code is given by the district office."))
        layout = QVBoxLayout(self)
        self.form = Form(lang, self)
        self.form.line("station_code", self.tr("Station code"), "KY01")
        self.form.line("station_name", self.tr("Station name"), "葵涌社区工联会")
        self.form.line("street", self.tr("Street office"), "葵涌办事处")
        layout.addWidget(self.form)


def show_password_check(form: Form, check, lang: str, *, typed: set[str],
                        strength: QLabel | None = None) -> None:
    """A password's problems as it is typed (``users.check_password_strength``), each
    under its field (``password``, ``password_again``) once something was typed there
    (``typed``), without moving the focus; the strength beside, when a label is given."""
    problems: dict[str, list[str]] = {}
    for problem in check.problems:
        problems.setdefault(problem.field, []).append(problem.message(lang))
    sep = "；" if lang.startswith("zh") else "; "
    for field in ("password", "password_again"):
        label = form.errors.get(field)
        if label is None:
            continue
        text = sep.join(problems.get(field, [])) if field in typed else ""
        label.setText(text)
        label.setVisible(bool(text))
        Form._mark(form.widgets[field], bool(text))
    if strength is not None:
        if "password" in typed:
            strength.setText(QCoreApplication.translate("SetupWizard", "Password strength: %1")
                             .replace("%1", check.label(lang)))
            strength.setStyleSheet("color: #b00020;" if not check.ok else
                                   "color: #1b5e20;" if check.strength >= 2 else "")
        else:
            strength.clear()


class _AdminPage(QWizardPage):
    def __init__(self, lang: str):
        super().__init__()
        self.lang = lang
        self.setTitle(self.tr("The first administrator"))
        self.setSubTitle(self.tr("This person can add the other users later."))
        layout = QVBoxLayout(self)
        self.form = Form(lang, self)
        self.form.line("username", self.tr("User name"), "admin")
        self.form.line("display_name", self.tr("Name"))
        pw = self.form.line("password", self.tr("Password"))
        pw.setEchoMode(QLineEdit.EchoMode.Password)
        again = self.form.line("password_again", self.tr("Password again"))
        again.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.form)
        self.rules = QLabel(self.tr(
            "At least 8 characters; not the user name, not one character repeated, not a "
            "run like 12345678, not a common password. Letters, digits and signs mixed make "
            "it strong."), self)
        self.rules.setWordWrap(True)
        layout.addWidget(self.rules)
        self.strength = QLabel(self)
        self.strength.setObjectName("password-strength")
        layout.addWidget(self.strength)
        self.typed: set[str] = set()
        pw.textEdited.connect(lambda _t: self.check("password"))
        again.textEdited.connect(lambda _t: self.check("password_again"))
        self.form.widgets["username"].textEdited.connect(lambda _t: self.check())

    def check(self, field: str | None = None):
        """The password as typed so far: its problems under the fields, its strength
        (``users.check_password_strength``). Returns the check."""
        from station_app.domain.services.users import check_password_strength

        if field is not None:
            self.typed.add(field)
        v = self.form.values()
        check = check_password_strength(
            v["password"], username=v["username"] or None,
            again=v["password_again"] if "password_again" in self.typed else None)
        show_password_check(self.form, check, self.lang, typed=self.typed,
                            strength=self.strength)
        return check


class _DistrictPage(QWizardPage):
    def __init__(self, lang: str):
        super().__init__()
        self.setTitle(self.tr("The district (optional)"))
        self.setSubTitle(self.tr(
            "If the district office gave you an address and an enrollment code, enter them; "
            "otherwise leave this empty and set it up later."))
        layout = QVBoxLayout(self)
        self.form = Form(lang, self)
        self.form.line("server", self.tr("District address"), "https://…")
        self.form.line("enrollment_code", self.tr("Enrollment code"))
        layout.addWidget(self.form)


class SetupWizard(QWizard):
    """Creates the station's encrypted file and its first admin (``login.create_station``),
    or nothing; ``self.login`` is then the admin's login, with the recovery key to show
    once (``RecoveryKeyDialog``)."""

    def __init__(self, path: Path, lang: str, parent=None):
        super().__init__(parent)
        self.path = Path(path)
        self.login: Login | None = None
        self.lang = lang
        self.setWindowTitle(self.tr("Set up this station"))
        self.station = _StationPage(lang)
        self.admin = _AdminPage(lang)
        self.district = _DistrictPage(lang)
        for page in (self.station, self.admin, self.district):
            self.addPage(page)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)

    def validateCurrentPage(self) -> bool:  # noqa: N802 (Qt name)
        page = self.currentPage()
        if page is self.admin:
            # every rule, the repeated entry too, said under its field before going on
            self.admin.typed |= {"password", "password_again"}
            if not self.admin.check().ok:
                return False
        if page is self.district:
            return self._create()
        return True

    @property
    def db(self) -> Database | None:
        return self.login.db if self.login is not None else None

    def _create(self) -> bool:
        from station_app.domain.services.login import create_station
        from station_app.storage.errors import StorageError

        s, a, d = (self.station.form.values(), self.admin.form.values(),
                   self.district.form.values())
        if self.login is not None:  # (made already: Finish pressed twice)
            return True
        try:
            self.login = create_station(
                self.path, s["station_code"], s["station_name"], a["username"],
                a["password"], display_name=a["display_name"] or None,
                street=s["street"] or None)
        except StorageError as exc:
            from station_app.ui.qt import QMessageBox

            QMessageBox.critical(self, self.tr("Set up this station"),
                                 exc.message(self.lang))
            return False
        except ValidationError as exc:
            station_fields = {"station_code", "station_name", "street"}
            target = self.station if set(exc.by_field()) & station_fields else self.admin
            target.form.show_errors(exc)
            # go back to the page with the problem, keeping everything typed
            while self.currentPage() is not target:
                self.back()
            return False
        if d["server"].strip():
            self.db.set_state("district_server", d["server"].strip())
        if d["enrollment_code"].strip():
            self.db.set_state("enrollment_code", d["enrollment_code"].strip())
        return True


class LoginDialog(QDialog):
    """Asks for the user name and password. ``db``: an open database (the district's, or
    a station's after a restore), or the path of an encrypted station file, which the
    login opens (``login.login``: the password unwraps its key); ``self.login`` is then
    the result (the recovery key set when this login encrypted a plain file)."""

    def __init__(self, db: Database | Path, lang: str, parent=None, *,
                 station_code: str | None = None):
        super().__init__(parent)
        self._db = db
        self.actor: Actor | None = None
        self.login: Login | None = None
        station = station_code if station_code is not None else \
            self.database.state().get("station_code", "")
        self.setWindowTitle(self.tr("Log in — station %1").replace("%1", station))
        self.lang = lang
        self.new_password: NewPasswordDialog | None = None
        layout = QVBoxLayout(self)
        if station:  # which station's file this is (from its key file), said in the dialog
            self.station_label = QLabel(station, self)
            self.station_label.setObjectName("login-station")
            bold = self.station_label.font()
            bold.setBold(True)
            self.station_label.setFont(bold)
            layout.addWidget(self.station_label)
        self.form = Form(lang, self)
        self.form.line("username", self.tr("User name"))
        pw = self.form.line("password", self.tr("Password"))
        pw.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.try_login)
        buttons.rejected.connect(self.reject)
        if isinstance(db, Path):
            self.recover_button = buttons.addButton(
                self.tr("Forgot the password? Use the recovery key"),
                QDialogButtonBox.ButtonRole.ResetRole)
            self.recover_button.clicked.connect(self.open_recovery)
        layout.addWidget(buttons)
        self.recovery: RecoveryDialog | None = None
        # wide enough that a long refusal (a locked account: until when, who unlocks)
        # wraps onto a few lines, never clipped
        self.setMinimumWidth(380)

    def try_login(self) -> None:
        from station_app.domain.actor import SYSTEM_LOGIN
        from station_app.domain.services.users import authenticate, needs_new_password

        v = self.form.values()
        try:
            if isinstance(self._db, Path):
                self.login = self._open(v["username"] or "", v["password"] or "")
                if self.login is None:
                    return
                self._db = self.login.db
                actor, must_change = self.login.actor, self.login.must_change
            else:
                with self.database.session(SYSTEM_LOGIN) as s:
                    actor = authenticate(s, v["username"], v["password"])
                    must_change = needs_new_password(s, actor)
        except ValidationError as exc:
            self.form.show_errors(exc)
            self.form.widgets["password"].selectAll()
            self.adjustSize()  # (the wrapped message gets its lines)
            return
        if must_change:
            # a password someone else set: the user chooses their own before the window
            self.new_password = NewPasswordDialog(self.database, actor, v["password"],
                                                  self.lang, self)
            self.new_password.accepted.connect(lambda: self._logged_in(actor))
            self.new_password.open()
            return
        self._logged_in(actor)

    def _open(self, username: str, password: str) -> Login | None:
        """``login.login`` on the file; a file problem (damaged: its newest good backup
        offered; newer; a missing key file) is said in a message box."""
        from station_app.domain.services.login import login
        from station_app.storage.backup import restore_backup
        from station_app.storage.errors import DamagedDatabaseError, StorageError
        from station_app.ui.qt import QMessageBox

        path = self._db
        try:
            return login(path, username, password)
        except DamagedDatabaseError as exc:
            if exc.backup is None:
                QMessageBox.critical(self, self.windowTitle(), exc.message(self.lang))
                return None
            answer = QMessageBox.question(self, self.windowTitle(), exc.message(self.lang)
                                          + "\n\n" + self.tr("Restore this backup now?"))
            if answer != QMessageBox.StandardButton.Yes:
                return None
            restore_backup(path, exc.backup.path)
            return login(path, username, password)
        except StorageError as exc:
            QMessageBox.critical(self, self.windowTitle(), exc.message(self.lang))
            return None

    def open_recovery(self) -> None:
        """The station admin who forgot the password (or is locked out) opens the file
        with the recovery key and chooses a new password."""
        self.recovery = RecoveryDialog(self._db, self.lang, self)
        self.recovery.accepted.connect(self._recovered)
        self.recovery.open()

    def _recovered(self) -> None:
        assert self.recovery is not None and self.recovery.login is not None
        self.login = self.recovery.login
        self._db = self.login.db
        self._logged_in(self.login.actor)

    def _logged_in(self, actor: Actor) -> None:
        self.actor = actor
        self.accept()

    @property
    def database(self) -> Database:
        return self._db


class NewPasswordDialog(QDialog):
    """At the first login after someone else set the password (a new user, a reset): the
    user chooses a new one (twice), checked as typed by the rules every password follows
    (``users.check_password_strength``), saved with ``users.change_own_password`` in the
    user's own unit of work; the login goes on only once it is saved."""

    def __init__(self, db: Database, actor: Actor, current: str, lang: str, parent=None):
        super().__init__(parent)
        self.db, self.actor, self._current, self.lang = db, actor, current, lang
        self.setWindowTitle(self.tr("Choose your own password"))
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        why = QLabel(self.tr("An administrator set your password. Before you go on, choose "
                             "a new one that only you know."), self)
        why.setObjectName("must-change")
        why.setWordWrap(True)
        layout.addWidget(why)
        self.form = Form(lang, self)
        for field, text in (("password", self.tr("New password")),
                            ("password_again", self.tr("New password again"))):
            edit = self.form.line(field, text)
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.textChanged.connect(self._check)
        layout.addWidget(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _check(self) -> None:
        """The rules' problems under their fields as the password is typed."""
        from station_app.domain.services.users import check_password_strength

        v = self.form.values()
        again = v.get("password_again") or None
        check = check_password_strength(v.get("password"), username=self.actor.username,
                                        again=again)
        self.form.clear_errors()
        if v.get("password") and check.problems:
            self.form.show_errors(ValidationError(list(check.problems)))
            self.form.widgets[self.sender().objectName()].setFocus()

    def save(self) -> None:
        from station_app.domain.services.users import change_own_password

        v = self.form.values()
        try:
            with self.db.session(self.actor) as s:
                change_own_password(s, self.actor, self._current, v.get("password") or "",
                                    v.get("password_again") or "")
        except ValidationError as exc:
            self.form.show_errors(exc)
            self.adjustSize()
            return
        self.accept()


class RecoveryDialog(QDialog):
    """A station admin who forgot the password, or is locked out, types the recovery key
    (kept on paper since the set-up), their user name and a new password
    (``login.recover``): the file opens, the account is unlocked, the new password holds
    from now on. ``self.login``: the result."""

    def __init__(self, path: Path, lang: str, parent=None):
        super().__init__(parent)
        self.path, self.lang = Path(path), lang
        self.login: Login | None = None
        self.setWindowTitle(self.tr("Open with the recovery key"))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        why = QLabel(self.tr("The recovery key was shown once when this station was set up "
                             "(14 groups of 4 letters and digits). It opens the file and "
                             "sets a new password for a station administrator."), self)
        why.setWordWrap(True)
        layout.addWidget(why)
        self.form = Form(lang, self)
        self.form.line("recovery_key", self.tr("Recovery key"), "XXXX-XXXX-…")
        self.form.line("username", self.tr("Station administrator's user name"))
        for field, text in (("password", self.tr("New password")),
                            ("password_again", self.tr("New password again"))):
            self.form.line(field, text).setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.form)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def save(self) -> None:
        from station_app.domain.services.login import recover
        from station_app.domain.services.users import password_problems
        from station_app.storage.errors import StorageError

        v = self.form.values()
        self.form.clear_errors()
        problems = password_problems(v.get("password"), username=v.get("username"),
                                     again=v.get("password_again") or "")
        if problems:
            self.form.show_errors(ValidationError(problems))
            return
        try:
            self.login = recover(self.path, v.get("recovery_key") or "",
                                 v.get("username") or "", v.get("password") or "")
        except ValidationError as exc:
            self.form.show_errors(exc)
            return
        except StorageError as exc:  # the file itself (missing, damaged)
            from station_app.ui.qt import QMessageBox

            QMessageBox.critical(self, self.windowTitle(), exc.message(self.lang))
            return
        self.accept()


class RecoveryKeyDialog(QDialog):
    """The recovery key, shown once (at the set-up, or when a plain file from an older
    version was encrypted): to write down or print and keep apart from the laptop. The
    dialog closes only once the clerk confirms they kept it."""

    def __init__(self, recovery_key: str, lang: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Recovery key: keep it on paper"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        why = QLabel(self.tr(
            "This station's data is now encrypted on this computer. If every administrator "
            "forgets their password, this recovery key is the only way to open it (or the "
            "district sends the data back, without what was never synced). Write it down or "
            "print it, keep it locked away from this laptop, and do not save it on it."),
            self)
        why.setWordWrap(True)
        layout.addWidget(why)
        groups = recovery_key.split("-")  # two lines of seven groups, never broken inside one
        self.key_label = QLabel("-".join(groups[:7]) + "-\n" + "-".join(groups[7:]), self)
        self.key_label.setObjectName("recovery-key")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(font.pointSize() + 3)
        self.key_label.setFont(font)
        self.key_label.setWordWrap(True)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.key_label)
        self.kept = QCheckBox(self.tr("I have written down or printed the recovery key"), self)
        layout.addWidget(self.kept)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok, self)
        copy = self.buttons.addButton(self.tr("Copy"), QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QApplication.clipboard().setText(recovery_key))
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setEnabled(False)
        self.kept.toggled.connect(self.ok.setEnabled)
        self.buttons.accepted.connect(self.accept)
        layout.addWidget(self.buttons)

    def reject(self) -> None:  # Esc or the close box: only once it is kept
        if self.kept.isChecked():
            super().reject()


class RestoreDialog(QDialog):
    """Pick a backup to return to. Before anything is replaced it says how many changes
    made since that backup were never synced (``backup.unsynced_since``: they are lost
    unless synced first), counted off the GUI thread for the backup chosen; Cancel leaves
    everything as it is. On OK ``chosen`` is the backup (the main window restores it and
    restarts on it)."""

    def __init__(self, ctx, db_path: Path, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.db_path = Path(db_path)
        self.chosen: Path | None = None
        self.unsynced: int | None = None  # for the backup selected, once counted
        self.setWindowTitle(self.tr("Restore from a backup"))
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr(
            "Choose the backup to return to. The current file is kept as a backup too."), self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        reasons = {"daily": self.tr("daily"), "manual": self.tr("made by hand"),
                   "migration": self.tr("before an upgrade"),
                   "restore": self.tr("before a restore")}
        self.list = QListWidget(self)
        for b in list_backups(db_path):
            item = QListWidgetItem(f"{b.taken_at:%Y-%m-%d %H:%M}  ({reasons.get(b.reason, b.reason)}"
                                   f", {b.size / 1_048_576:.1f} MB)")
            item.setData(Qt.ItemDataRole.UserRole, str(b.path))
            self.list.addItem(item)
        layout.addWidget(self.list)
        self.warning = QLabel(self)
        self.warning.setObjectName("unsynced")
        self.warning.setWordWrap(True)
        layout.addWidget(self.warning)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(self.tr("Restore"))
        self.buttons.accepted.connect(self._ok)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.list.currentRowChanged.connect(lambda _row: self._count())
        self.list.setCurrentRow(0)

    def selected(self) -> Path | None:
        item = self.list.currentItem()
        return Path(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None

    @property
    def counting(self) -> bool:
        from station_app.ui.operations import running

        return running(self) > 0

    def _count(self) -> None:
        """Count the changes the chosen backup would lose (off the GUI thread); Restore
        is offered once the count is shown."""
        from station_app.storage.backup import unsynced_since
        from station_app.ui.operations import QueryOp

        backup, db_path = self.selected(), self.db_path
        self.unsynced = None
        self.ok.setEnabled(False)
        if backup is None:
            self.warning.setText("")
            return
        self.warning.setStyleSheet("")
        self.warning.setText(self.tr("Counting the changes not yet synced…"))
        QueryOp.on_db(self.ctx, self, lambda _db: unsynced_since(db_path, backup),
                      key="unsynced").success(self._counted) \
            .failure(self._not_counted).run()

    def _counted(self, n: int) -> None:
        self.unsynced = n
        self.ok.setEnabled(True)
        if n:
            self.warning.setStyleSheet("color: #b00020;")
            self.warning.setText(self.tr(
                "%1 changes made since this backup have never been synced to the district: "
                "restoring it loses them. To keep them, cancel and sync first.")
                .replace("%1", str(n)))
        else:
            self.warning.setStyleSheet("")
            self.warning.setText(self.tr(
                "Every change made since this backup has been synced: the district's copy "
                "brings them back at the next sync."))

    def _not_counted(self, exc: BaseException) -> None:
        self.ok.setEnabled(True)
        self.warning.setStyleSheet("color: #b00020;")
        self.warning.setText(self.tr(
            "The changes not yet synced could not be counted (%1): changes made since this "
            "backup may be lost.").replace("%1", self.ctx.explain(exc)))

    def _ok(self) -> None:
        self.chosen = self.selected()
        if self.chosen is not None:
            self.accept()
