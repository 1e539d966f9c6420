"""Where a PDF is saved: the name offered, .pdf added, nothing on cancel."""

from __future__ import annotations

from pathlib import Path

from station_app.ui.qt import QFileDialog, QWidget
from station_app.ui.save import ask_pdf_path


def test_ask_pdf_path(qtbot, monkeypatch, tmp_path):
    parent = QWidget()
    qtbot.addWidget(parent)
    asked = []

    def answer(value):
        def fake(widget, title, suggested, filters):
            asked.append((title, suggested, filters))
            return value, filters
        return fake

    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer(str(tmp_path / "报表")))
    assert ask_pdf_path(parent, "工作报表-2026-05-31.pdf") == tmp_path / "报表.pdf"
    assert asked[-1][1] == "工作报表-2026-05-31.pdf" and "*.pdf" in asked[-1][2]
    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer(str(tmp_path / "a.PDF")))
    assert ask_pdf_path(parent, "x.pdf") == Path(tmp_path / "a.PDF")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", answer(""))
    assert ask_pdf_path(parent, "x.pdf") is None
