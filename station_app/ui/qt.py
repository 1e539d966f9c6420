"""The one place the client imports Qt from (easier to read, to swap, to stub)."""

from PySide6.QtCore import QSettings, Qt, QTimer  # noqa: F401
from PySide6.QtGui import QFont  # noqa: F401
from PySide6.QtWidgets import (  # noqa: F401
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)
