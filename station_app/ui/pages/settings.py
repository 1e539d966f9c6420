"""Settings: the language, the user's own password, the database file and its backups,
and (station admins) users."""

from __future__ import annotations

from station_app.domain.choices import ROLE, label
from station_app.ui.forms import Form, choice_combo
from station_app.ui.pages import Page
from station_app.ui.pages.enterprises import fill_table_widget, small_table
from station_app.ui.permissions import offer
from station_app.ui.qt import (
    QT_TRANSLATE_NOOP,
    QComboBox,
    QCoreApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)

LANGUAGES = (("zh", "中文"), ("en", "English"))

# why a backup was taken (``storage.backup``: the reason in its file name), as people say it
BACKUP_REASONS = {
    "daily": QT_TRANSLATE_NOOP("SettingsPage", "Daily"),
    "manual": QT_TRANSLATE_NOOP("SettingsPage", "By hand (File menu)"),
    "migration": QT_TRANSLATE_NOOP("SettingsPage", "Before an upgrade"),
    "restore": QT_TRANSLATE_NOOP("SettingsPage", "Before a restore"),
}


def backup_reason(reason: str) -> str:
    """Why a backup was taken, in the app's language (a reason this list does not know
    is shown as it is: it is a word someone chose on the command line)."""
    source = BACKUP_REASONS.get(reason)
    return QCoreApplication.translate("SettingsPage", source) if source else reason


def live_password_check(form: Form, lang: str, typed: set[str], username: str | None):
    """A new password's problems as it is typed (``users.check_password_strength``; the
    repeated entry checked once something was typed there), each under its field."""
    from station_app.domain.services.users import check_password_strength
    from station_app.ui.dialogs import show_password_check

    v = form.values()
    check = check_password_strength(
        v["password"], username=username or None,
        again=v.get("password_again") if "password_again" in typed else None)
    show_password_check(form, check, lang, typed=typed)
    return check


class UserDialog(QDialog):
    """Add a user: user name, display name, role, password (errors shown in place)."""

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Add user"))
        layout = QVBoxLayout(self)
        self.form = Form(ctx.lang, self)
        self.form.line("username", self.tr("User name *"))
        self.form.line("display_name", self.tr("Display name"))
        roles = [c for c in ROLE if ctx.actor.at_least(c)]
        self.form.add("role", self.tr("Role *"), choice_combo(ROLE, ctx.lang, codes=roles))
        password = self.form.line("password", self.tr("Password *"))
        password.setEchoMode(QLineEdit.EchoMode.Password)
        layout.addWidget(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        # the password's rules as it is typed, under the field
        password.textEdited.connect(lambda _t: live_password_check(
            self.form, ctx.lang, {"password"}, self.form.values()["username"]))

    def save(self):
        """Add the user (off the GUI thread); errors in place. Returns the ``Op``."""
        from station_app.domain.services import users

        v = self.form.values()
        return self.form.submit(self.ctx, lambda s: users.create_user(
            s, v["username"], v["password"], v["role"], v["display_name"]).id,
            saved=lambda _id: self.accept(), busy=(self.buttons,))


class PasswordDialog(QDialog):
    """Set a new password for one user (typed twice)."""

    def __init__(self, ctx, username: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.username = username
        self.setWindowTitle(self.tr("Reset password for %1").replace("%1", username))
        layout = QVBoxLayout(self)
        self.form = Form(ctx.lang, self)
        self.form.line("password", self.tr("New password *")).setEchoMode(
            QLineEdit.EchoMode.Password)
        self.form.line("password_again", self.tr("Repeat it *")).setEchoMode(
            QLineEdit.EchoMode.Password)
        layout.addWidget(self.form)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        # the rules as it is typed, under each field
        self.typed: set[str] = set()
        for field in ("password", "password_again"):
            self.form.widgets[field].textEdited.connect(
                lambda _t, f=field: self._check(f))

    def _check(self, field: str | None = None):
        if field is not None:
            self.typed.add(field)
        return live_password_check(self.form, self.ctx.lang, self.typed, self.username)

    def save(self):
        """Set the new password (off the GUI thread); returns the ``Op``."""
        from station_app.domain.services import users
        from station_app.ui.operations import Op

        v = self.form.values()
        self.typed |= {"password", "password_again"}
        if not self._check().ok:  # (the two entries differ, a rule broken: said in place)
            return Op.refused()
        username = self.username
        return self.form.submit(
            self.ctx, lambda s: users.reset_password(s, username, v["password"]).id,
            saved=lambda _id: self.accept(), busy=(self.buttons,))


class SettingsPage(Page):
    key = "settings"
    watches = frozenset({"users"})

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.dialog: QDialog | None = None
        outer = QVBoxLayout(self)

        lang_box = QGroupBox(self.tr("Language"), self)
        lf = QFormLayout(lang_box)
        self.lang_combo = QComboBox(lang_box)
        for code, name in LANGUAGES:
            self.lang_combo.addItem(name, code)
        index = self.lang_combo.findData("zh" if ctx.zh else "en")
        self.lang_combo.setCurrentIndex(max(index, 0))
        lf.addRow(self.tr("Language of the app"), self.lang_combo)
        outer.addWidget(lang_box)

        # -- the user's own password (a person who logged in; not a tool's session)
        self.password_box = QGroupBox(self.tr("Your password"), self)
        pv = QVBoxLayout(self.password_box)
        self.password_form = Form(ctx.lang, self.password_box)
        pf = self.password_form
        for field, text in (("old_password", self.tr("Current password *")),
                            ("password", self.tr("New password *")),
                            ("password_again", self.tr("New password again *"))):
            pf.line(field, text).setEchoMode(QLineEdit.EchoMode.Password)
        pv.addWidget(pf)
        self.password_strength = QLabel(self.password_box)
        self.password_strength.setObjectName("password-strength")
        pv.addWidget(self.password_strength)
        prow = QHBoxLayout()
        self.password_button = QPushButton(self.tr("Change my password"), self.password_box)
        self.password_button.setObjectName("change-password")
        prow.addWidget(self.password_button)
        prow.addStretch(1)
        pv.addLayout(prow)
        self.password_message = QLabel(self.password_box)
        self.password_message.setObjectName("password-message")
        self.password_message.setWordWrap(True)
        pv.addWidget(self.password_message)
        outer.addWidget(self.password_box)
        self.password_box.setVisible(ctx.actor.is_person)
        self._typed: set[str] = set()
        pf.widgets["password"].textEdited.connect(lambda _t: self.check_password("password"))
        pf.widgets["password_again"].textEdited.connect(
            lambda _t: self.check_password("password_again"))
        self.password_button.clicked.connect(lambda: self.change_password())

        db_box = QGroupBox(self.tr("Database"), self)
        dv = QVBoxLayout(db_box)
        path = ctx.db.path
        self.path_label = QLabel(str(path) if path else self.tr("Server database"), db_box)
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path_label.setWordWrap(True)
        dv.addWidget(self.path_label)
        dv.addWidget(QLabel(self.tr("Backups (newest first):"), db_box))
        self.backups = small_table(db_box)
        dv.addWidget(self.backups)
        outer.addWidget(db_box, 1)

        self.users_box = QGroupBox(self.tr("Users"), self)
        uv = QVBoxLayout(self.users_box)
        self.users = small_table(self.users_box)
        uv.addWidget(self.users)
        buttons = QHBoxLayout()
        self.add_user_button = QPushButton(self.tr("Add user…"), self.users_box)
        self.reset_button = QPushButton(self.tr("Reset password…"), self.users_box)
        self.active_button = QPushButton(self.tr("Activate / deactivate"), self.users_box)
        self.unlock_button = QPushButton(self.tr("Unlock"), self.users_box)
        self.unlock_button.setToolTip(self.tr("Lift the lock after repeated wrong passwords"))
        for b in (self.add_user_button, self.reset_button, self.active_button,
                  self.unlock_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        uv.addLayout(buttons)
        outer.addWidget(self.users_box, 1)
        self.users_box.setVisible(ctx.may("user.manage").ok)
        offer(self.reset_button, ctx, "user.reset_password")
        offer(self.unlock_button, ctx, "user.unlock")
        self.usernames: list[str] = []
        self.users_found: list[tuple[str, str, str, bool]] = []
        self.locked: set[str] = set()  # the users whose account is locked now

        self.lang_combo.currentIndexChanged.connect(self._language_chosen)
        self.add_user_button.clicked.connect(self.add_user)
        self.reset_button.clicked.connect(self.reset_password)
        self.active_button.clicked.connect(self.toggle_active)
        self.unlock_button.clicked.connect(self.unlock)

    # -- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        self.show_backups()
        if self.ctx.may("user.manage").ok:
            self._load_users()

    def show_backups(self) -> None:
        """The backups of the database, newest first (File → Back up now calls this)."""
        from station_app.storage.backup import list_backups

        path = self.ctx.db.path
        rows = []
        if path is not None:
            try:
                rows = [(b.taken_at.strftime("%Y-%m-%d %H:%M:%S"), backup_reason(b.reason),
                         f"{b.size / 1024 / 1024:.1f} MB") for b in list_backups(path)]
            except OSError:
                rows = []
        fill_table_widget(self.backups, [self.tr("Taken"), self.tr("Reason"), self.tr("Size")],
                          rows)
        if path is not None:  # where they are, on hover
            from station_app.storage.backup import backup_dir

            self.backups.setToolTip(self.tr("Backups are kept in %1").replace(
                "%1", str(backup_dir(path))))

    def _load_users(self) -> None:
        from station_app.domain.services import users

        def read(s) -> list[tuple[str, str, str, bool, str]]:
            return [(u.username, u.display_name, u.role, u.active, u.locked_until)
                    for u in users.accounts(s)]

        def show(found) -> None:
            lang = self.ctx.lang
            self.users_found = [f[:4] for f in found]
            self.locked = {f[0] for f in found if f[4]}
            rows = [(name, shown, label(ROLE, role, lang),
                     self.tr("Yes") if active else self.tr("No"), locked_until)
                    for name, shown, role, active, locked_until in found]
            self.usernames = [r[0] for r in rows]
            fill_table_widget(self.users, [self.tr("User name"), self.tr("Display name"),
                                           self.tr("Role"), self.tr("Active"),
                                           self.tr("Locked until")], rows)

        self.query(read, key="users", success=show)

    def _selected_username(self) -> str | None:
        row = self.users.currentRow()
        return self.usernames[row] if 0 <= row < len(self.usernames) else None

    # -- language ------------------------------------------------------------------------

    def _language_chosen(self, _index: int) -> None:
        lang = self.lang_combo.currentData()
        if not lang or lang == self.ctx.lang:
            return
        window = self.window()
        setter = getattr(window, "set_language", None)
        if callable(setter):
            setter(lang)  # rebuilds every page, this one included
        else:
            self.ctx.lang = lang
            self.ctx.settings.setValue("ui/lang", lang)

    # -- the user's own password ---------------------------------------------------------

    def check_password(self, field: str | None = None):
        """The new password as typed so far: each rule it breaks under its field, and its
        strength (``users.check_password_strength``). Returns the check."""
        from station_app.domain.services.users import check_password_strength
        from station_app.ui.dialogs import show_password_check

        if field is not None:
            self._typed.add(field)
        v = self.password_form.values()
        check = check_password_strength(
            v["password"], username=self.ctx.actor.username,
            again=v["password_again"] if "password_again" in self._typed else None)
        self.password_message.clear()
        show_password_check(self.password_form, check, self.ctx.lang, typed=self._typed,
                            strength=self.password_strength)
        return check

    def change_password(self):
        """Change the user's own password (off the GUI thread): the current one, the new
        one twice (``users.change_own_password``); a refusal under its field, everything
        typed kept. Returns the ``Op``."""
        from station_app.domain.services import users

        actor = self.ctx.actor
        v = self.password_form.values()
        self.password_message.clear()

        def changed(_user) -> None:
            self.password_form.set_values({"old_password": "", "password": "",
                                           "password_again": ""})
            self._typed.clear()
            self.password_strength.clear()
            self.password_message.setText(self.tr(
                "Your password is changed: use the new one at your next login."))

        return self.password_form.submit(
            self.ctx, lambda s: users.change_own_password(
                s, actor, v["old_password"], v["password"], v["password_again"]),
            saved=changed, busy=(self.password_button,))

    # -- users ---------------------------------------------------------------------------

    def add_user(self) -> UserDialog:
        dialog = UserDialog(self.ctx, self)
        dialog.accepted.connect(self._users_changed)
        self.dialog = dialog
        dialog.open()
        return dialog

    def reset_password(self) -> PasswordDialog | None:
        username = self._selected_username()
        if username is None:
            QMessageBox.information(self, self.tr("Reset password"),
                                    self.tr("Choose a user in the table first."))
            return None
        dialog = PasswordDialog(self.ctx, username, self)
        dialog.accepted.connect(self._users_changed)
        self.dialog = dialog
        dialog.open()
        return dialog

    def toggle_active(self):
        """Deactivate the selected user, or activate them again (off the GUI thread);
        returns the ``Op`` (None when nothing was asked)."""
        from station_app.domain.services import users

        username = self._selected_username()
        if username is None:
            QMessageBox.information(self, self.tr("Users"),
                                    self.tr("Choose a user in the table first."))
            return None
        if username == self.ctx.actor.username:
            QMessageBox.information(self, self.tr("Users"),
                                    self.tr("You cannot deactivate yourself."))
            return None

        def flip(s) -> bool:
            user = next(u for u in users.list_users(s) if u.username == username)
            return users.set_active(s, username, not user.active).active

        return self.write(flip, success=lambda _active: self._users_changed(),
                          failure=lambda exc: QMessageBox.warning(
                              self, self.tr("Users"), self.ctx.explain(exc)),
                          busy=(self.active_button,))

    def unlock(self):
        """Lift the lock of the selected user (off the GUI thread); returns the ``Op``
        (None when nothing was asked)."""
        from station_app.domain.services import users

        username = self._selected_username()
        if username is None:
            QMessageBox.information(self, self.tr("Users"),
                                    self.tr("Choose a user in the table first."))
            return None
        if username not in self.locked:
            QMessageBox.information(self, self.tr("Users"),
                                    self.tr("%1 is not locked.").replace("%1", username))
            return None
        # (an unlock writes the audit log only: the list is read again here)
        return self.write(lambda s: users.unlock_user(s, username).id,
                          success=lambda _id: self._load_users(),
                          failure=lambda exc: QMessageBox.warning(
                              self, self.tr("Users"), self.ctx.explain(exc)),
                          busy=(self.unlock_button,))

    def _users_changed(self) -> None:
        self.refresh_now()
