"""The audit log (审计日志), read-only, newest first, in words: who, when, what.

At a station, for a station admin: the station's own records — logins and failed logins,
locks and unlocks, password changes, users added, changes to records, every export and
print. In the district view: every station's exports and prints (they come by sync) and
the district's own records, with a station filter. Anyone else sees who may look
(the permission table's ``audit.view``). The lines come from ``exposure.audit_lines``.
"""

from __future__ import annotations

from station_app.domain.permissions import allowed
from station_app.ui.pages import Page
from station_app.ui.qt import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget
from station_app.ui.tables import RowsModel, read_only_table


class AuditPage(Page):
    key = "audit"
    watches = frozenset({"audit_log", "export_records"})

    def __init__(self, ctx, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.district = bool(ctx.db.is_district)
        layout = QVBoxLayout(self)
        title = QLabel(self.tr("Audit log"), self)
        title.setStyleSheet("font-size: 16px; font-weight: bold;")
        layout.addWidget(title)
        about = QLabel(self.tr(
            "Every station's exports and prints, and the district's own records: newest "
            "first, read-only.") if self.district else self.tr(
            "This station's records — logins, locks, passwords, changes, every export and "
            "print: newest first, read-only."), self)
        about.setWordWrap(True)
        layout.addWidget(about)
        bar = QHBoxLayout()
        bar.addWidget(QLabel(self.tr("Show"), self))
        self.kind = QComboBox(self)
        self.kind.setObjectName("audit-kind")
        for code, text in (("all", self.tr("Everything")),
                           ("exports", self.tr("Exports and prints")),
                           ("accounts", self.tr("Logins and accounts")),
                           ("changes", self.tr("Changes to records"))):
            self.kind.addItem(text, code)
        self.kind.currentIndexChanged.connect(lambda _i: self.reload())
        bar.addWidget(self.kind)
        self.station = QComboBox(self)
        self.station.setObjectName("audit-station")
        self.station.addItem(self.tr("All stations"), None)
        self.station.currentIndexChanged.connect(lambda _i: self.reload())
        self.station.setVisible(self.district)
        if self.district:
            bar.addWidget(QLabel(self.tr("Station"), self))
            bar.addWidget(self.station)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.summary = QLabel(self)
        self.summary.setObjectName("audit-summary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.model = RowsModel(self)
        columns = [(self.tr("When"), lambda r: r.when), (self.tr("Who"), lambda r: r.who)]
        if self.district:
            columns.append((self.tr("Station"), lambda r: r.station))
        columns += [(self.tr("What"), lambda r: r.what), (self.tr("Details"),
                                                          lambda r: r.detail)]
        self.model.columns = columns
        self.table = read_only_table(self, self.model, fit_contents=False)
        self.table.setObjectName("audit-table")
        layout.addWidget(self.table, 1)
        self._stations_loaded = False

    def may_view(self) -> bool:
        return allowed(self.ctx.actor, "audit.view", at_district=self.district).ok

    def reload(self) -> None:
        if not self.may_view():
            decision = allowed(self.ctx.actor, "audit.view", at_district=self.district)
            self.summary.setText(decision.text(self.ctx.lang))
            self.model.set_rows([])
            self.kind.setEnabled(False)
            self.station.setEnabled(False)
            return
        from station_app.domain.services.exposure import LIMIT, audit_lines, audit_stations

        if self.district and not self._stations_loaded:
            def listed(stations) -> None:
                self._stations_loaded = True
                self.station.blockSignals(True)
                from station_app.domain.ids import DISTRICT_OWNER_ID

                self.station.addItem(self.tr("District (its own records)"), DISTRICT_OWNER_ID)
                for sid, text in stations:
                    self.station.addItem(text, sid)
                self.station.blockSignals(False)

            self.query(audit_stations, key="stations", success=listed)
        kind, station, lang = self.kind.currentData(), self.station.currentData(), \
            self.ctx.lang

        def done(lines) -> None:
            self.model.set_rows(lines)
            self.table.resizeColumnsToContents()
            text = self.tr("%1 records, newest first").replace("%1", f"{len(lines):,}")
            if len(lines) >= LIMIT:
                text = self.tr("The newest %1 records").replace("%1", f"{LIMIT:,}")
            self.summary.setText(text)

        self.query(lambda s: audit_lines(s, kind=kind, station_id=station, lang=lang),
                   key="lines", success=done,
                   failure=lambda exc: self.summary.setText(self.ctx.explain(exc)))
