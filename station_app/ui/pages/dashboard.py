"""The dashboard: this week's visit quota, hardship files due for review, target progress,
recent activity. Everything is loaded off the UI thread."""

from __future__ import annotations

from datetime import UTC, datetime

from station_app.ui.pages import Page
from station_app.ui.pages.enterprises import fill_table_widget, small_table
from station_app.ui.pages.visits import week_label
from station_app.ui.qt import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
)

REVIEW_SHOWN = 5
ACTIVITY_SHOWN = 10


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
        grid.addWidget(quota, 0, 0)

        review = QGroupBox(self.tr("Hardship files due for annual review"), self)
        rv = QVBoxLayout(review)
        self.due_label = QLabel(review)
        rv.addWidget(self.due_label)
        self.due_list = QListWidget(review)
        rv.addWidget(self.due_list)
        grid.addWidget(review, 0, 1)

        targets = QGroupBox(self.tr("Targets this year"), self)
        self.targets_layout = QGridLayout(targets)
        self.no_targets = QLabel(self.tr("No targets set for this year."), targets)
        self.targets_layout.addWidget(self.no_targets, 0, 0)
        grid.addWidget(targets, 1, 0)

        activity = QGroupBox(self.tr("Recent activity"), self)
        av = QVBoxLayout(activity)
        self.activity = small_table(activity)
        av.addWidget(self.activity)
        grid.addWidget(activity, 1, 1)

        self.status = QLabel(self)
        self.status.setWordWrap(True)
        outer.addWidget(self.status)

        self.refresh_button.clicked.connect(self.reload)
        self.visits_button.clicked.connect(
            lambda: self.ctx.signals.open_page.emit("visits", None))
        self.due_list.itemClicked.connect(self._open_case)
        self.due_list.itemActivated.connect(self._open_case)

    def reload(self) -> None:
        from station_app.domain.services.reads import dashboard

        self.loaded = False
        db = self.ctx.db
        station_id = None if db.is_district else db.station_id
        self.status.setText(self.tr("Loading…"))
        self.query(lambda s: dashboard(s, station_id, due_shown=REVIEW_SHOWN,
                                       activity_shown=ACTIVITY_SHOWN),
                   key="dashboard", success=self._loaded, failure=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(self.tr("Could not load the dashboard: %1").replace(
            "%1", self.ctx.explain(exc)))

    def _loaded(self, data) -> None:
        from station_app.domain.services.metrics import METRICS, METRICS_EXTRA

        self.data = data
        self.status.clear()
        zh = self.ctx.zh
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
                              .replace("%1", f"{target:,}").replace("%2", f"{t.part or 0:,}"))
                part.setObjectName(f"target-part-{metric}")
                layout.addWidget(part, row, 1)
                continue
            text = QLabel(name)
            bar = QProgressBar()
            bar.setObjectName(f"target-{metric}")
            bar.setRange(0, max(target, 1))
            bar.setValue(min(progress, max(target, 1)) if target else (1 if progress else 0))
            bar.setFormat(f"{progress} / {target}")
            bar.setTextVisible(True)
            layout.addWidget(text, row, 0)
            layout.addWidget(bar, row, 1)
            self.bars.append(bar)
        # -- activity
        fill_table_widget(self.activity, [self.tr("Time"), self.tr("User"), self.tr("Action"),
                                          self.tr("Table")],
                          [(local_time(at), *rest) for at, *rest in data.activity])
        self.loaded = True

    def _open_case(self, item: QListWidgetItem) -> None:
        case_id = item.data(Qt.ItemDataRole.UserRole)
        if case_id:
            self.ctx.signals.open_page.emit("hardship", case_id)
