"""The period of an export (File → Export to Excel): a calendar year — this year by
default, last year one click away — or a range from one day to another."""

from __future__ import annotations

from datetime import date

from station_app.ui.qt import (
    QButtonGroup,
    QDate,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
)


class PeriodDialog(QDialog):
    """Asks for the year or the range an export covers; ``period()`` is (first, last day),
    both included."""

    def __init__(self, title: str, parent=None, *, today: date | None = None):
        super().__init__(parent)
        today = self._today = today or date.today()
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        grid = QGridLayout()
        self.by_year = QRadioButton(self.tr("Year"), self)
        self.by_year.setObjectName("period-year")
        self.by_range = QRadioButton(self.tr("From"), self)
        self.by_range.setObjectName("period-range")
        group = QButtonGroup(self)
        group.addButton(self.by_year)
        group.addButton(self.by_range)
        self.year = QSpinBox(self)
        self.year.setRange(1900, 2100)
        self.year.setValue(today.year)
        self.last_year = QPushButton(self.tr("Last year (%1)").replace("%1",
                                                                       str(today.year - 1)),
                                     self)
        self.last_year.clicked.connect(self._last_year)
        self.start = QDateEdit(QDate(today.year, 1, 1), self)
        self.end = QDateEdit(QDate(today.year, today.month, today.day), self)
        for edit in (self.start, self.end):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        grid.addWidget(self.by_year, 0, 0)
        grid.addWidget(self.year, 0, 1)
        grid.addWidget(self.last_year, 0, 2)
        grid.addWidget(self.by_range, 1, 0)
        grid.addWidget(self.start, 1, 1)
        grid.addWidget(QLabel(self.tr("to"), self), 1, 2)
        grid.addWidget(self.end, 1, 3)
        layout.addLayout(grid)
        self.message = QLabel(self)
        self.message.setStyleSheet("color: #b00020;")
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self._ok)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.by_year.setChecked(True)
        self.year.valueChanged.connect(lambda _v: self.by_year.setChecked(True))
        for edit in (self.start, self.end):
            edit.dateChanged.connect(lambda _d: self.by_range.setChecked(True))

    def _last_year(self) -> None:
        self.year.setValue(self._today.year - 1)
        self.by_year.setChecked(True)

    def period(self) -> tuple[date, date]:
        if self.by_year.isChecked():
            year = self.year.value()
            return date(year, 1, 1), date(year, 12, 31)
        return self.start.date().toPython(), self.end.date().toPython()

    def _ok(self) -> None:
        start, end = self.period()
        if start > end:
            self.message.setText(self.tr("The first day is after the last: choose a first "
                                         "day on or before %1.").replace("%1", end.isoformat()))
            return
        self.accept()
