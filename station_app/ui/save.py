"""Asking where to save a file the app writes."""

from __future__ import annotations

from pathlib import Path

from station_app.ui.qt import QCoreApplication, QFileDialog, QWidget


def ask_pdf_path(parent: QWidget, suggested: str) -> Path | None:
    """Where to save a PDF (``suggested``: the file name offered); ``.pdf`` added when the
    name typed has none. None when the user cancelled."""
    path, _ = QFileDialog.getSaveFileName(
        parent, QCoreApplication.translate("SaveDialog", "Save as PDF"), suggested,
        QCoreApplication.translate("SaveDialog", "PDF files (*.pdf)"))
    if not path:
        return None
    return Path(path if path.lower().endswith(".pdf") else path + ".pdf")
