"""The dashboard: the clerk's to-do list (待办事项), this week's visit quota, hardship files
due for review, target progress, recent activity. Everything is loaded off the UI thread.

The to-do list (``domain.services.todo``) holds the follow-ups due, the files due for the
annual review, the watch-listed enterprises not visited this week and the rows the
district refused. Each item opens its record (double-click, or *Open*) and is closed with
an outcome (*Settle…*: ``TodoDialog``, the outcomes ``close_item`` takes for it). Recent
activity reads as sentences (``domain.services.activity``), never the audit log's codes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from station_app.ui.forms import Form, choice_combo
from station_app.ui.pages import Page
from station_app.ui.pages.enterprises import fill_table_widget, small_table
from station_app.ui.pages.visits import FlagBoxes, week_label
from station_app.ui.permissions import offer
from station_app.ui.qt import (
    QBrush,
    QColor,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)
from station_app.ui.tables import RowsModel, read_only_table

REVIEW_SHOWN = 5
ACTIVITY_SHOWN = 10
OVERDUE_COLOUR = "#b00020"

# the permission (``domain.permissions``) each way of closing an item needs
ACTION_PERMISSIONS = {"close": "visit.close_follow_up", "revisit": "visit.create",
                      "review": "case.review", "exit": "case.exit", "visit": "visit.create"}
# a refused record discarded: its table's own delete rule
DISCARD_PERMISSIONS = {"members": "member.delete", "enterprises": "enterprise.delete",
                       "visits": "visit.delete", "events": "event.delete",
                       "household_members": "household.delete"}
# which of the dialog's fields each way of closing asks for
ACTION_FIELDS = {
    "close": ("on", "note"), "review": ("on", "note"), "exit": ("on", "reason"),
    "revisit": ("visit_date", "visitors", "operating_status", "flags", "findings",
                "follow_up_due"),
    "visit": ("visit_date", "visitors", "operating_status", "flags", "findings",
              "follow_up_due"),
    "retry": (), "discard": (),
}
# the services' field names mapped to the dialog's
RENAME = {"closed_date": "on", "last_review_date": "on", "exit_date": "on",
          "outcome": "note"}


def local_time(text: str | None) -> str:
    """A stored UTC time stamp ("…Z") shown in local time."""
    if not text:
        return ""
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.astimezone().strftime("%Y-%m-%d %H:%M")


class TodoModel(RowsModel):
    """The to-do items (``todo.TodoItem``): due, kind, what, detail; overdue in red."""

    def __init__(self, parent: QWidget, zh: bool, headers: list[str]):
        super().__init__(parent)
        getters = [lambda i: i.due.isoformat() if i.due else "",
                   lambda i: i.kind_label("zh" if zh else "en"),
                   lambda i: i.title.zh if zh else i.title.en,
                   lambda i: i.detail.zh if zh else i.detail.en]
        self.columns = list(zip(headers, getters, strict=True))

    def foreground(self, row):
        return QBrush(QColor(OVERDUE_COLOUR)) if row.overdue else None


class TodoDialog(QDialog):
    """Settle one to-do item with an outcome: the ways ``close_item`` takes for it (each
    offered by the permission table), with what each asks for — the day and what came
    of it, a reason, or the visit made. A refusal shows under its field, keeping
    everything typed; ``accepted`` once the item is closed."""

    def __init__(self, ctx, item, parent: QWidget | None = None):
        from station_app.domain.choices import OPERATING_STATUS
        from station_app.domain.services.todo import ACTION_LABELS

        super().__init__(parent)
        self.ctx, self.item = ctx, item
        zh = ctx.zh
        self.setWindowTitle(self.tr("Settle a to-do item"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        title = QLabel(f"<b>{item.title.zh if zh else item.title.en}</b>", self)
        title.setWordWrap(True)
        layout.addWidget(title)
        detail = item.detail.zh if zh else item.detail.en
        if detail:
            note = QLabel(detail, self)
            note.setWordWrap(True)
            layout.addWidget(note)
        self.form = Form(ctx.lang, self)
        f = self.form
        self.action = QComboBox(self)
        for action in item.actions:
            self.action.addItem(ACTION_LABELS[action][0 if zh else 1], action)
        f.add("action", self.tr("Outcome"), self.action)
        f.line("on", self.tr("Date"), self.tr("YYYY-MM-DD"))
        note_edit = QPlainTextEdit(self)
        note_edit.setMaximumHeight(70)
        f.add("note", self.tr("What came of it"), note_edit)
        f.line("reason", self.tr("Reason"))
        f.line("visit_date", self.tr("Visit date *"), self.tr("YYYY-MM-DD"))
        f.line("visitors", self.tr("Visitors *"))
        f.add("operating_status", self.tr("Operating status"),
              choice_combo(OPERATING_STATUS, ctx.lang))
        self.flags = FlagBoxes(ctx.lang, self)
        f.add("flags", self.tr("Abnormal findings"), self.flags)
        findings = QPlainTextEdit(self)
        findings.setMaximumHeight(70)
        f.add("findings", self.tr("Findings"), findings)
        f.line("follow_up_due", self.tr("Follow-up due"), self.tr("YYYY-MM-DD"))
        today = date.today()
        f.set_values({"on": today, "visit_date": today,
                      "visitors": ctx.actor.display_name or ctx.actor.username})
        layout.addWidget(f)
        self.explain = QLabel(self)
        self.explain.setWordWrap(True)
        layout.addWidget(self.explain)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setObjectName("todo-settle")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.action.currentIndexChanged.connect(self._action_chosen)
        f.widgets["operating_status"].currentIndexChanged.connect(self._status_chosen)
        self._action_chosen()
        self._status_chosen()

    def chosen(self) -> str:
        return self.action.currentData()

    def choose(self, action: str) -> None:
        self.action.setCurrentIndex(max(self.action.findData(action), 0))

    def _action_chosen(self, *_args) -> None:
        action = self.chosen()
        shown = set(ACTION_FIELDS.get(action, ()))
        for field, widget in self.form.widgets.items():
            if field != "action":
                self.form.layout_.setRowVisible(widget.parentWidget(), field in shown)
        self.form.clear_errors()
        # the note is optional (closing a follow-up as in the visit diary, a review)
        self.form.layout_.labelForField(self.form.widgets["note"].parentWidget()).setText(
            self.tr("What came of it"))
        self.form.layout_.labelForField(self.form.widgets["reason"].parentWidget()).setText(
            self.tr("Why the household no longer needs help *"))
        self.form.layout_.labelForField(self.form.widgets["on"].parentWidget()).setText(
            {"close": self.tr("Settled on"), "review": self.tr("Reviewed on"),
             "exit": self.tr("Closed on")}.get(action, self.tr("Date")))
        self.explain.setText({
            "revisit": self.tr("The return visit goes into the visit diary and closes the "
                               "follow-up on its date."),
            "visit": self.tr("The visit goes into the visit diary and counts for this "
                             "week's quota."),
            "retry": self.tr("The record is sent again at the next sync (the district "
                             "fixed what refused it)."),
            "discard": self.tr("The district never accepted this record: it is deleted "
                               "here and never sent."),
            "exit": self.tr("The file is closed: the household no longer needs help."),
        }.get(action, ""))
        self.explain.setVisible(bool(self.explain.text()))
        self.ok_button.setText(self.action.currentText())  # what pressing it does
        self._offer()

    def _status_chosen(self, *_args) -> None:
        abnormal = self.form.widgets["operating_status"].currentData() == "abnormal"
        self.flags.setEnabled(abnormal)
        if not abnormal:
            self.flags.clear()

    def _offer(self) -> None:
        action = self.chosen()
        needed = (DISCARD_PERMISSIONS.get(self.item.table) if action == "discard"
                  else ACTION_PERMISSIONS.get(action))
        if needed is None:
            self.ok_button.setEnabled(True)
            self.ok_button.setToolTip("")
        else:
            offer(self.ok_button, self.ctx, needed)

    def outcome(self) -> dict:
        """What the dialog holds, as ``close_item`` takes it."""
        action = self.chosen()
        v = self.form.values()
        if action in ("close", "review"):
            return {"action": action, "on": v["on"], "note": v["note"]}
        if action == "exit":
            return {"action": action, "on": v["on"], "reason": v["reason"]}
        if action in ("revisit", "visit"):
            visit = {k: v[k] for k in ("visit_date", "visitors", "operating_status",
                                       "findings", "follow_up_due")}
            visit["flags"] = self.flags.codes()
            return {"action": action, "visit": visit}
        return {"action": action}

    def save(self):
        """Close the item (off the GUI thread); returns the ``Op``."""
        from station_app.domain.services.todo import close_item

        actor, item, outcome = self.ctx.actor, self.item, self.outcome()
        return self.form.submit(self.ctx, lambda s: close_item(s, actor, item, outcome),
                                rename=RENAME, saved=lambda _r: self.accept(),
                                busy=(self.buttons,))


class DashboardPage(Page):
    key = "dashboard"
    watches = frozenset()  # every change can move a figure

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.data = None  # services.reads.Dashboard
        self.loaded = False
        self.bars: list[QProgressBar] = []

        outer = QVBoxLayout(self)
        top = QHBoxLayout()
        self.refresh_button = QPushButton(self.tr("Refresh"), self)
        top.addStretch(1)
        top.addWidget(self.refresh_button)
        outer.addLayout(top)

        grid = QGridLayout()
        outer.addLayout(grid, 1)

        # -- the to-do list (a station's: the district has its own pages)
        self.todo_box = QGroupBox(self.tr("To do"), self)
        tv = QVBoxLayout(self.todo_box)
        self.todo_label = QLabel(self.todo_box)
        self.todo_label.setWordWrap(True)
        tv.addWidget(self.todo_label)
        self.todo_model = TodoModel(self, ctx.zh, [self.tr("Due"), self.tr("Kind"),
                                                   self.tr("To do"), self.tr("Detail")])
        self.todo_table = read_only_table(self.todo_box, self.todo_model)
        self.todo_table.setObjectName("todo-list")
        tv.addWidget(self.todo_table, 1)
        tb = QHBoxLayout()
        self.open_button = QPushButton(self.tr("Open"), self.todo_box)
        self.settle_button = QPushButton(self.tr("Settle…"), self.todo_box)
        tb.addWidget(self.open_button)
        tb.addWidget(self.settle_button)
        tb.addStretch(1)
        tv.addLayout(tb)
        grid.addWidget(self.todo_box, 0, 0, 1, 2)
        self.todo_box.setVisible(not ctx.db.is_district if ctx.db is not None else True)
        self.todo: list = []  # the items shown (todo.TodoItem)
        self.dialog: TodoDialog | None = None

        quota = QGroupBox(self.tr("This week's visits"), self)
        qv = QVBoxLayout(quota)
        self.week_title = QLabel(quota)
        self.quota_label = QLabel(quota)
        self.shortfall_label = QLabel(quota)
        self.met_label = QLabel(quota)
        self.overdue_label = QLabel(quota)
        self.overdue_label.setWordWrap(True)
        for w in (self.week_title, self.quota_label, self.shortfall_label, self.met_label,
                  self.overdue_label):
            qv.addWidget(w)
        self.visits_button = QPushButton(self.tr("Open the visit diary"), quota)
        qv.addWidget(self.visits_button, 0, Qt.AlignmentFlag.AlignLeft)
        qv.addStretch(1)
        grid.addWidget(quota, 1, 0)

        review = QGroupBox(self.tr("Hardship files due for annual review"), self)
        rv = QVBoxLayout(review)
        self.due_label = QLabel(review)
        rv.addWidget(self.due_label)
        self.due_list = QListWidget(review)
        rv.addWidget(self.due_list)
        grid.addWidget(review, 1, 1)

        targets = QGroupBox(self.tr("Targets this year"), self)
        self.targets_layout = QGridLayout(targets)
        self.no_targets = QLabel(self.tr("No targets set for this year."), targets)
        self.targets_layout.addWidget(self.no_targets, 0, 0)
        grid.addWidget(targets, 2, 0)

        activity = QGroupBox(self.tr("Recent activity"), self)
        av = QVBoxLayout(activity)
        self.activity = small_table(activity)
        self.activity.setObjectName("recent-activity")
        av.addWidget(self.activity)
        grid.addWidget(activity, 2, 1)
        # the to-do list takes the room (the walk saw 3 of 20 items): at least 8 rows seen,
        # and most of the height left; the panels below keep what they need
        rows = self.todo_table.verticalHeader().defaultSectionSize()
        self.todo_table.setMinimumHeight(
            self.todo_table.horizontalHeader().sizeHint().height() + 8 * rows
            + 2 * self.todo_table.frameWidth())
        self.due_list.setMaximumHeight(6 * rows)
        self.activity.setMaximumHeight(8 * rows)
        grid.setRowStretch(0, 5)
        grid.setRowStretch(1, 1)
        grid.setRowStretch(2, 1)

        self.status = QLabel(self)
        self.status.setWordWrap(True)
        outer.addWidget(self.status)

        self.refresh_button.clicked.connect(self.reload)
        self.visits_button.clicked.connect(
            lambda: self.ctx.signals.open_page.emit("visits", None))
        self.due_list.itemClicked.connect(self._open_case)
        self.due_list.itemActivated.connect(self._open_case)
        self.todo_table.doubleClicked.connect(lambda _index: self.open_item())
        self.todo_table.activated.connect(lambda _index: self.open_item())
        self.open_button.clicked.connect(lambda: self.open_item())
        self.settle_button.clicked.connect(lambda: self.settle_item())
        self.todo_table.selectionModel().selectionChanged.connect(self._todo_selected)
        self._todo_selected()

    def reload(self) -> None:
        from station_app.domain.services.activity import recent_activity
        from station_app.domain.services.reads import dashboard
        from station_app.domain.services.todo import todo_items

        self.loaded = False
        db = self.ctx.db
        station_id = None if db.is_district else db.station_id

        def read(s):
            data = dashboard(s, station_id, due_shown=REVIEW_SHOWN,
                             activity_shown=ACTIVITY_SHOWN)
            todo = todo_items(s, station_id, date.today()) if station_id else []
            return data, todo, recent_activity(s, ACTIVITY_SHOWN)

        self.status.setText(self.tr("Loading…"))
        self.query(read, key="dashboard", success=self._loaded, failure=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(self.tr("Could not load the dashboard: %1").replace(
            "%1", self.ctx.explain(exc)))

    def _loaded(self, answer) -> None:
        from station_app.domain.figures import figure_text
        from station_app.domain.services.metrics import METRICS, METRICS_EXTRA

        data, todo, activity = answer
        self.data = data
        self.status.clear()
        zh = self.ctx.zh
        self._show_todo(todo)
        # -- quota
        self.week_title.setText(week_label(self, data.iso_year, data.iso_week))
        c = data.compliance
        if c is None:
            self.quota_label.setText(self.tr("The weekly quota is kept per station."))
            self.shortfall_label.clear()
            self.met_label.clear()
            self.overdue_label.clear()
        else:
            self.quota_label.setText(self.tr("Enterprise visits: %1 of %2 required")
                                     .replace("%1", str(c.visits))
                                     .replace("%2", str(c.required)))
            self.shortfall_label.setText(self.tr("Shortfall: %1")
                                         .replace("%1", str(c.shortfall)))
            if c.met:
                self.met_label.setText(self.tr("Quota met for this week."))
                self.met_label.setStyleSheet("color: #1b5e20;")
            else:
                self.met_label.setText(self.tr("Quota not met yet."))
                self.met_label.setStyleSheet("color: #b00020;")
            names = [n for _i, n in c.overdue_watch_listed]
            self.overdue_label.setText(
                self.tr("Watch-listed, not visited yet: %1").replace(
                    "%1", ("、" if zh else ", ").join(names)) if names else "")
        # -- hardship reviews
        self.due_label.setText(self.tr("%1 files due for review").replace(
            "%1", str(data.due_count)))
        self.due_list.clear()
        for case_id, name in data.due_first:
            item = QListWidgetItem(name or case_id)
            item.setData(Qt.ItemDataRole.UserRole, case_id)
            self.due_list.addItem(item)
        if data.due_count > len(data.due_first):
            more = QListWidgetItem(self.tr("… and %1 more").replace(
                "%1", str(data.due_count - len(data.due_first))))
            more.setFlags(Qt.ItemFlag.NoItemFlags)
            self.due_list.addItem(more)
        # -- targets
        layout = self.targets_layout
        while layout.count():
            w = layout.takeAt(0).widget()
            if w is not None and w is not self.no_targets:
                w.deleteLater()
        self.bars = []
        if not data.targets:
            layout.addWidget(self.no_targets, 0, 0)
            self.no_targets.show()
        else:
            self.no_targets.hide()
        for row, t in enumerate(data.targets):
            metric, target, progress = t.metric, t.target, t.progress
            m = METRICS.get(metric)
            if m is not None:
                name = m.zh if zh else m.en
            else:
                pair = METRICS_EXTRA.get(metric, (metric, metric))
                name = pair[0] if zh else pair[1]
            if progress is None:
                # the district's target on a station: the station's part, never passed
                # off as the district's progress (figures.TargetProgress)
                layout.addWidget(QLabel(self.tr("%1 (district target)").replace("%1", name)),
                                 row, 0)
                part = QLabel(self.tr("District target: %1; this station's part: %2")
                              .replace("%1", figure_text(metric, target))
                              .replace("%2", figure_text(metric, t.part or 0)))
                part.setObjectName(f"target-part-{metric}")
                layout.addWidget(part, row, 1)
                continue
            text = QLabel(name)
            bar = QProgressBar()
            bar.setObjectName(f"target-{metric}")
            bar.setRange(0, max(target, 1))
            bar.setValue(min(progress, max(target, 1)) if target else (1 if progress else 0))
            # (money in yuan, as the reports show it: the figures count fen)
            bar.setFormat(f"{figure_text(metric, progress)} / {figure_text(metric, target)}")
            bar.setTextVisible(True)
            layout.addWidget(text, row, 0)
            layout.addWidget(bar, row, 1)
            self.bars.append(bar)
        # -- activity: sentences, by a person's name (never the audit log's codes)
        lang = self.ctx.lang
        fill_table_widget(self.activity, [self.tr("Time"), self.tr("Who"), self.tr("What")],
                          [(local_time(a.at), *a.text(lang)) for a in activity])
        self.loaded = True

    # -- the to-do list ------------------------------------------------------------------

    def _show_todo(self, items: list) -> None:
        keep = self.selected_item()
        self.todo = list(items)
        self.todo_model.set_rows(self.todo)
        overdue = sum(1 for i in self.todo if i.overdue)
        if not self.todo:
            self.todo_label.setText(self.tr("Nothing to do: no follow-up, review, watch-list "
                                            "visit or refused record is waiting."))
        elif overdue:
            self.todo_label.setText(self.tr("%1 items to do, %2 of them overdue (in red).")
                                    .replace("%1", str(len(self.todo)))
                                    .replace("%2", str(overdue)))
        else:
            self.todo_label.setText(self.tr("%1 items to do.").replace("%1", str(len(self.todo))))
        if keep is not None:
            for row, item in enumerate(self.todo):
                if item.key == keep.key:
                    self.todo_table.selectRow(row)
                    break
        self._todo_selected()

    def selected_item(self):
        """The to-do item selected (``todo.TodoItem``), or None."""
        rows = self.todo_table.selectionModel().selectedRows() \
            if self.todo_table.selectionModel() is not None else []
        return self.todo_model.row_at(rows[0].row()) if rows else None

    def _todo_selected(self, *_args) -> None:
        item = self.selected_item()
        self.open_button.setEnabled(item is not None and item.page is not None)
        self.open_button.setToolTip(
            "" if item is None or item.page is not None
            else self.tr("The record is no longer there: settle the item instead."))
        self.settle_button.setEnabled(item is not None)

    def open_item(self, item=None) -> None:
        """Open the record of the item (the selected one): its page shows it."""
        item = item or self.selected_item()
        if item is None or item.page is None:
            return
        self.ctx.signals.open_page.emit(item.page, item.record_id)

    def settle_item(self, item=None) -> TodoDialog | None:
        """Settle the item (the selected one) with an outcome: the dialog."""
        item = item or self.selected_item()
        if item is None:
            return None
        dialog = TodoDialog(self.ctx, item, self)
        # (the tables the close changed are published; a retry changes only the sync
        # state, so the list is read again in any case)
        dialog.accepted.connect(self.reload)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _open_case(self, item: QListWidgetItem) -> None:
        case_id = item.data(Qt.ItemDataRole.UserRole)
        if case_id:
            self.ctx.signals.open_page.emit("hardship", case_id)
