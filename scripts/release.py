"""The release files of ``make dist``, after the one-folder build passed its self-test:

- ``dist/station-app-<version>-<os>-<machine>.tar.gz`` (``.zip`` on Windows): the folder
  ``dist/station-app`` under a versioned top folder, with ``….sha256`` beside it;
- ``dist/station_app-<version>-py3-none-any.whl``: the package, for a district that runs
  the server (``pip install station_app-<version>-py3-none-any.whl[server]``), with its
  ``.sha256``.

The checksum files use ``sha256sum`` format: ``sha256sum -c FILE.sha256`` checks them.
"""

from __future__ import annotations

import hashlib
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "dist"


def version() -> str:
    text = (ROOT / "station_app" / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'__version__ = "([^"]+)"', text).group(1)


def write_checksum(path: Path) -> Path:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    out = path.with_name(path.name + ".sha256")
    out.write_text(f"{digest.hexdigest()}  {path.name}\n", encoding="ascii")
    return out


def archive(ver: str) -> Path:
    folder = DIST / "station-app"
    if not (folder / ("station-app.exe" if sys.platform == "win32" else "station-app")).exists():
        raise SystemExit(f"no one-folder build in {folder}: run pyinstaller build.spec first")
    system = {"win32": "windows", "darwin": "macos"}.get(sys.platform, sys.platform)
    top = f"station-app-{ver}"
    stem = DIST / f"{top}-{system}-{platform.machine().lower()}"
    if sys.platform == "win32":
        path = stem.with_name(stem.name + ".zip")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for f in sorted(folder.rglob("*")):
                z.write(f, f"{top}/{f.relative_to(folder)}")
    else:
        path = stem.with_name(stem.name + ".tar.gz")
        with tarfile.open(path, "w:gz", compresslevel=6) as t:
            t.add(folder, arcname=top)  # keeps the executable bits
    return path


def wheel(ver: str) -> Path:
    for old in DIST.glob("station_app-*.whl"):
        old.unlink()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(DIST), str(ROOT)], check=True)
    built = DIST / f"station_app-{ver}-py3-none-any.whl"
    if not built.exists():
        raise SystemExit(f"pip wheel did not write {built.name}")
    shutil.rmtree(ROOT / "build" / "lib", ignore_errors=True)  # setuptools' staging
    return built


def main() -> int:
    ver = version()
    for made in (archive(ver), wheel(ver)):
        check = write_checksum(made)
        size = made.stat().st_size / 1_048_576
        print(f"{made.relative_to(ROOT)} ({size:.1f} MiB), {check.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
