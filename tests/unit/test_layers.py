"""The layers that must run without a screen never import Qt (see docs/ARCHITECTURE.md)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QT_FREE = ["station_app/domain", "station_app/storage", "station_app/exchange", "sync",
           "station_app/cli.py", "station_app/demo.py", "station_app/paths.py",
           "station_app/logs.py"]
IMPORT_QT = re.compile(r"^\s*(from|import)\s+(PySide6|PyQt\d|shiboken6)\b", re.M)


def test_no_qt_imports_outside_ui():
    offenders = []
    for entry in QT_FREE:
        path = ROOT / entry
        files = [path] if path.is_file() else sorted(path.rglob("*.py"))
        offenders += [str(f.relative_to(ROOT)) for f in files
                      if IMPORT_QT.search(f.read_text(encoding="utf-8"))]
    assert offenders == []


def test_ui_imports_qt_only_through_its_layer():
    direct = [str(f.relative_to(ROOT)) for f in sorted((ROOT / "station_app/ui").rglob("*.py"))
              if f.name != "qt.py" and IMPORT_QT.search(f.read_text(encoding="utf-8"))]
    assert direct == []
