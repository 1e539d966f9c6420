"""Every visible string is translated, and the shipped .qm is built from the shipped .ts."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "resources" / "translations" / "station_app_zh_CN.ts"
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else shutil.which(name) or name


def test_every_source_string_has_a_chinese_translation(tmp_path):
    ts = tmp_path / "check.ts"
    shutil.copy(TS, ts)
    sources = sorted(str(p) for p in (ROOT / "station_app" / "ui").rglob("*.py"))
    subprocess.run([_tool("pyside6-lupdate"), "-no-obsolete", "-locations", "none", *sources,
                    "-ts", str(ts)], check=True, capture_output=True, timeout=120)
    missing = []
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name")
        for message in context.iter("message"):
            translation = message.find("translation")
            # plural messages keep their text in <numerusform> children
            text = "".join(translation.itertext()) if translation is not None else ""
            if (translation is None or translation.get("type") == "unfinished"
                    or not text.strip()):
                missing.append(f"{name}: {message.findtext('source')}")
    assert missing == [], "untranslated (run `make translations`, then translate):\n" + \
        "\n".join(missing)


def test_shipped_qm_is_built_from_the_ts(tmp_path):
    qm = tmp_path / "out.qm"
    subprocess.run([_tool("pyside6-lrelease"), str(TS), "-qm", str(qm)], check=True,
                   capture_output=True, timeout=120)
    assert qm.read_bytes() == TS.with_suffix(".qm").read_bytes(), "run `make translations`"
