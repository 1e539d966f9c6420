"""The visit diary (走访日志): one ISO week at a time, the weekly quota panel
(走访日志制度: ≥ 2 enterprise visits, every watch-listed enterprise visited), and the
form to add a visit. An abnormal finding offers to put the enterprise on the watch list.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from station_app.domain.choices import OPERATING_STATUS, VISIT_FLAG, VISIT_KIND, label
from station_app.ui.forms import Form, choice_combo
from station_app.ui.pages import Page
from station_app.ui.pages.enterprises import RowsModel
from station_app.ui.permissions import offer
from station_app.ui.qt import (
    QCheckBox,
    QComboBox,
    QCoreApplication,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    Qt,
    QVBoxLayout,
    QWidget,
)
from station_app.ui.tables import read_only_table

# form field (named like the service's error field) → service data key
FIELD_TO_DATA = {
    "enterprise": "enterprise_id",
    "visit_date": "visit_date",
    "kind": "kind",
    "visitors": "visitors",
    "workers_served": "workers_served",
    "operating_status": "operating_status",
    "workers_involved": "workers_involved",
    "findings": "findings",
    "actions": "actions",
    "follow_up_due": "follow_up_due",
}


def week_label(widget: QWidget, iso_year: int, iso_week: int) -> str:
    monday = date.fromisocalendar(iso_year, iso_week, 1)
    sunday = monday + timedelta(days=6)
    text = QCoreApplication.translate("VisitsPage", "%1 week %2 (%3 – %4)")
    return (text.replace("%1", str(iso_year))
            .replace("%2", str(iso_week)).replace("%3", monday.strftime("%m-%d"))
            .replace("%4", sunday.strftime("%m-%d")))


class FlagBoxes(QWidget):
    """One check box per finding flag (欠薪, 停产减产 …); ``codes()`` are the ticked ones."""

    def __init__(self, lang: str, parent: QWidget | None = None):
        super().__init__(parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        for i, code in enumerate(VISIT_FLAG):
            box = QCheckBox(label(VISIT_FLAG, code, lang), self)
            box.setObjectName(f"flag-{code}")
            grid.addWidget(box, i // 3, i % 3)
            self.boxes[code] = box

    def codes(self) -> list[str]:
        return [c for c, b in self.boxes.items() if b.isChecked()]

    def clear(self) -> None:
        for b in self.boxes.values():
            b.setChecked(False)


class VisitsPage(Page):
    key = "visits"
    watches = frozenset({"visits", "enterprises", "watch_list_entries"})

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        from station_app.domain.services.visits import this_week

        self.iso_year, self.iso_week = this_week()
        self.compliance = None
        self.loaded = False
        self.listing = None  # the Op putting an enterprise on the watch list, when asked
        self.enterprise_names: dict[str, str] = {}

        outer = QVBoxLayout(self)
        nav = QHBoxLayout()
        self.prev_button = QPushButton(self.tr("◀ Previous week"), self)
        self.week_title = QLabel(self)
        font = self.week_title.font()
        font.setBold(True)
        self.week_title.setFont(font)
        self.next_button = QPushButton(self.tr("Next week ▶"), self)
        self.today_button = QPushButton(self.tr("This week"), self)
        nav.addWidget(self.prev_button)
        nav.addWidget(self.week_title)
        nav.addWidget(self.next_button)
        nav.addWidget(self.today_button)
        nav.addStretch(1)
        outer.addLayout(nav)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        outer.addWidget(splitter, 1)

        left = QWidget(splitter)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        panel = QGroupBox(self.tr("Weekly visit quota"), left)
        pv = QVBoxLayout(panel)
        self.quota_label = QLabel(panel)
        self.shortfall_label = QLabel(panel)
        self.met_label = QLabel(panel)
        self.met_label.setWordWrap(True)
        pv.addWidget(self.quota_label)
        pv.addWidget(self.shortfall_label)
        pv.addWidget(self.met_label)
        pv.addWidget(QLabel(self.tr("Watch-listed enterprises not visited in the week:"),
                            panel))
        self.overdue_list = QListWidget(panel)
        self.overdue_list.setMaximumHeight(120)
        pv.addWidget(self.overdue_list)
        lv.addWidget(panel)

        self.model = RowsModel([
            self.tr("Date"), self.tr("Enterprise"), self.tr("Kind"), self.tr("Visitors"),
            self.tr("Workers served"), self.tr("Operating status"), self.tr("Findings flags"),
            self.tr("Follow-up due"),
        ], self)
        self.table = read_only_table(left, fit_contents=False)
        self.table.setModel(self.model)
        lv.addWidget(self.table, 1)

        # -- add-visit form ----------------------------------------------------------
        scroll = QScrollArea(splitter)
        scroll.setWidgetResizable(True)
        box = QGroupBox(self.tr("Add visit"))
        bv = QVBoxLayout(box)
        self.form = Form(ctx.lang, box)
        f = self.form
        self.enterprise_combo = QComboBox(box)
        self.enterprise_combo.setEditable(True)
        self.enterprise_combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        completer = self.enterprise_combo.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(completer.CompletionMode.PopupCompletion)
        f.add("enterprise", self.tr("Enterprise *"), self.enterprise_combo)
        f.line("visit_date", self.tr("Visit date *"), self.tr("YYYY-MM-DD"))
        f.add("kind", self.tr("Kind"), choice_combo(
            VISIT_KIND, ctx.lang, codes=[c for c in VISIT_KIND if c != "station"]))
        f.line("visitors", self.tr("Visitors *"))
        f.line("workers_served", self.tr("Workers served"))
        f.add("operating_status", self.tr("Operating status"),
              choice_combo(OPERATING_STATUS, ctx.lang))
        self.flags = FlagBoxes(ctx.lang, box)
        f.add("flags", self.tr("Abnormal findings"), self.flags)
        f.line("workers_involved", self.tr("Workers involved"))
        for field, text in (("findings", self.tr("Findings")), ("actions", self.tr("Actions"))):
            edit = QPlainTextEdit(box)
            edit.setMaximumHeight(60)
            f.add(field, text, edit)
        f.line("follow_up_due", self.tr("Follow-up due"), self.tr("YYYY-MM-DD"))
        bv.addWidget(f)
        self.save_button = QPushButton(self.tr("Save visit"), box)
        bv.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignRight)
        self.message = QLabel(box)
        self.message.setWordWrap(True)
        bv.addWidget(self.message)
        bv.addStretch(1)
        scroll.setWidget(box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)

        self.form.set_values({"visit_date": date.today(), "visitors":
                              ctx.actor.display_name or ctx.actor.username})
        self._update_flags_enabled()
        offer(self.save_button, ctx, "visit.create")

        self.prev_button.clicked.connect(lambda: self.shift_week(-1))
        self.next_button.clicked.connect(lambda: self.shift_week(1))
        self.today_button.clicked.connect(self.go_this_week)
        self.save_button.clicked.connect(self.save)
        self.form.widgets["operating_status"].currentIndexChanged.connect(
            self._update_flags_enabled)
        self.overdue_list.itemActivated.connect(self._open_enterprise)
        self._show_week_title()

    # -- week ----------------------------------------------------------------------------

    def _show_week_title(self) -> None:
        self.week_title.setText(week_label(self, self.iso_year, self.iso_week))
        self.quota_label.setText("")

    def shift_week(self, weeks: int) -> None:
        monday = date.fromisocalendar(self.iso_year, self.iso_week, 1) + timedelta(weeks=weeks)
        self.set_week(*monday.isocalendar()[:2])

    def go_this_week(self) -> None:
        from station_app.domain.services.visits import this_week

        self.set_week(*this_week())

    def set_week(self, iso_year: int, iso_week: int) -> None:
        self.iso_year, self.iso_week = iso_year, iso_week
        self._show_week_title()
        self.reload()

    # -- loading -------------------------------------------------------------------------

    def reload(self) -> None:
        from station_app.domain.services.reads import visit_week

        self.loaded = False
        station_id, year, week = self.ctx.db.station_id, self.iso_year, self.iso_week
        self.query(lambda s: visit_week(s, station_id, year, week), key="week",
                   success=self._loaded, failure=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(self.ctx.explain(exc))

    def _loaded(self, result) -> None:
        lang = self.ctx.lang
        self.enterprise_names = {i: n for i, n, _c in result.enterprises}
        # the enterprise picker keeps its choice across reloads
        combo = self.enterprise_combo
        chosen = self._chosen_enterprise()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("", None)
        for i, n, c in result.enterprises:
            combo.addItem(f"{n}（{c}）" if c else n, i)
        index = combo.findData(chosen) if chosen else 0
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

        rows, keys = [], []
        for vid, d, eid, kind, visitors, served, status, flags, due in result.visits:
            keys.append(vid)
            rows.append((
                d.isoformat(), self.enterprise_names.get(eid, ""), label(VISIT_KIND, kind, lang),
                visitors, served, label(OPERATING_STATUS, status, lang),
                "、".join(label(VISIT_FLAG, f, lang) for f in (flags or "").split(",") if f)
                if lang.startswith("zh") else
                ", ".join(label(VISIT_FLAG, f, lang) for f in (flags or "").split(",") if f),
                due.isoformat() if due else "",
            ))
        self.model.set_rows(rows, keys)
        self.show_compliance(result.compliance)
        self.loaded = True

    def show_compliance(self, c) -> None:
        self.compliance = c
        self.quota_label.setText(self.tr("Enterprise visits: %1 of %2 required")
                                 .replace("%1", str(c.visits)).replace("%2", str(c.required)))
        self.shortfall_label.setText(self.tr("Shortfall: %1").replace("%1", str(c.shortfall)))
        if c.met:
            self.met_label.setText(self.tr("Quota met for this week."))
            self.met_label.setStyleSheet("color: #1b5e20;")
        else:
            self.met_label.setText(self.tr("Quota not met yet."))
            self.met_label.setStyleSheet("color: #b00020;")
        self.overdue_list.clear()
        for eid, name in c.overdue_watch_listed:
            item = QListWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, eid)
            self.overdue_list.addItem(item)
        if not c.overdue_watch_listed:
            item = QListWidgetItem(self.tr("(none)"))
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.overdue_list.addItem(item)

    def overdue_names(self) -> list[str]:
        c = self.compliance
        return [n for _i, n in c.overdue_watch_listed] if c else []

    def _open_enterprise(self, item: QListWidgetItem) -> None:
        eid = item.data(Qt.ItemDataRole.UserRole)
        if eid:
            self.ctx.signals.open_page.emit("enterprises", eid)

    def open_record(self, record_id: str) -> None:
        """Pre-select an enterprise in the add-visit form (from other pages)."""
        index = self.enterprise_combo.findData(record_id)
        if index >= 0:
            self.enterprise_combo.setCurrentIndex(index)

    # -- add visit -----------------------------------------------------------------------

    def _update_flags_enabled(self, *_args) -> None:
        abnormal = self.form.widgets["operating_status"].currentData() == "abnormal"
        self.flags.setEnabled(abnormal)
        if not abnormal:
            self.flags.clear()

    def _chosen_enterprise(self) -> str | None:
        combo = self.enterprise_combo
        index = combo.currentIndex()
        if index < 0 or combo.currentText().strip() != combo.itemText(index).strip():
            found = combo.findText(combo.currentText().strip())
            if found < 0:
                return None
            index = found
        return combo.itemData(index)

    def choose_enterprise(self, enterprise_id: str) -> None:
        index = self.enterprise_combo.findData(enterprise_id)
        self.enterprise_combo.setCurrentIndex(max(index, 0))

    def form_data(self) -> dict[str, Any]:
        values = self.form.values()
        data = {d: values.get(f) for f, d in FIELD_TO_DATA.items()}
        data["enterprise_id"] = self._chosen_enterprise()
        data["flags"] = self.flags.codes()
        return data

    def save(self):
        """Record the visit in the form (off the GUI thread); an abnormal finding then
        offers the watch list. Returns the ``Op`` of the visit's save."""
        from station_app.domain.services import visits as svc

        data = self.form_data()
        self.message.clear()

        def work(s):
            result = svc.record_visit(s, data)
            return result.visit.enterprise_id, result.propose_listing

        def saved(answer) -> None:
            enterprise_id, proposal = answer
            self.message.setText(self.tr("Visit saved."))
            # keep date, kind and visitors for the next entry; clear the rest
            self.form.set_values({"workers_served": "", "workers_involved": "",
                                  "findings": "", "actions": "", "follow_up_due": "",
                                  "operating_status": "normal"})
            self.flags.clear()
            self.refresh_now()
            if proposal and enterprise_id:
                self._propose_listing(enterprise_id, proposal)

        return self.form.submit(self.ctx, work, saved=saved, busy=(self.save_button,))

    def _propose_listing(self, enterprise_id: str, proposal: str) -> None:
        """Ask whether to put the enterprise on the watch list; list it when yes."""
        from station_app.domain.services import enterprises as ent_svc

        name = self.enterprise_names.get(enterprise_id, "")
        answer = QMessageBox.question(
            self, self.tr("Watch list"),
            self.tr("The visit to %1 found abnormal operations (%2). Put the enterprise "
                    "on the labour-risk watch list?").replace("%1", name)
            .replace("%2", proposal))
        if answer != QMessageBox.StandardButton.Yes:
            return

        def listed(_entry) -> None:
            self.message.setText(self.tr("Visit saved; the enterprise is now on the "
                                         "watch list."))
            self.refresh_now()

        def refused(exc: BaseException) -> None:
            QMessageBox.warning(self, self.tr("Watch list"), self.ctx.explain(exc))

        self.listing = self.write(lambda s: ent_svc.list_on_watch(s, enterprise_id, proposal),
                                  success=listed, failure=refused)
