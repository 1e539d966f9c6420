"""scripts/ensure-system-deps.sh installs every Debian package the app's Qt needs.

The proof does not depend on what this machine happens to have: ldd lists every shared
library the Qt plugins and PySide6 modules the app loads link to (directly or through the
bundled libQt6*.so), dpkg -S names the Debian package of each one found outside the wheel,
and each such package must be named by the script's `run` list or be pulled in by apt as a
Depends/Pre-Depends (recursively) of a package the list names. A library ldd cannot find at
all means the script did not install it. The names come from the script's own list.

Needs dpkg, apt-cache and ldd (Debian/Ubuntu): elsewhere it skips, except in CI (CI set),
where a missing part fails instead of skipping silently.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "ensure-system-deps.sh"

# The PySide6 modules the app imports whatever the scan of its sources below finds.
APP_MODULES = {"QtCore", "QtGui", "QtWidgets", "QtPrintSupport"}
# The Qt plugins the app may load, relative to PySide6/Qt/plugins. libqpdf.so is left out:
# it needs libQt6Pdf, which PySide6-Essentials does not ship, so Qt never loads it.
PLUGINS = [
    "platforms/libqxcb.so",
    "platforms/libqoffscreen.so",
    "xcbglintegrations/*.so",
    "platformthemes/*.so",
    "printsupport/libcupsprintersupport.so",
    "imageformats/*.so",
]
LEFT_OUT = {"imageformats/libqpdf.so"}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def _strip_t64(package: str) -> str:
    """Ubuntu 24.04's renamed libraries (libglib2.0-0t64) count as their Debian name."""
    return package[:-3] if package.startswith("lib") and package.endswith("t64") else package


# --- the script's list ------------------------------------------------------------------------

def script_lists() -> dict[str, list[str]]:
    """The entries (a name, or "a|b" alternatives) of each mode, read from the script's PACKAGES."""
    text = SCRIPT.read_text(encoding="utf-8")
    block = re.search(r"^PACKAGES='\n(.*?)^'", text, re.MULTILINE | re.DOTALL)
    assert block, "no PACKAGES='...' list at the top of scripts/ensure-system-deps.sh"
    lists: dict[str, list[str]] = {"run": [], "test": [], "dist": []}
    for line in block.group(1).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        modes, *entries = line.split()
        assert entries, f"a line of the list names no package: {line!r}"
        for mode in modes.split(","):
            assert mode in lists, f"unknown command {mode!r} in the list: {line!r}"
        for mode in lists:
            if mode in modes.split(",") or "run" in modes.split(","):
                lists[mode].extend(entries)
    return lists


def cjk_fonts() -> list[str]:
    found = re.search(r"^CJK_FONTS='([^']*)'", SCRIPT.read_text(encoding="utf-8"), re.MULTILINE)
    assert found, "no CJK_FONTS='...' in scripts/ensure-system-deps.sh"
    return found.group(1).split()


def test_the_test_and_dist_lists_add_postgresql_and_xvfb():
    lists = script_lists()
    assert set(lists["run"]) <= set(lists["test"]) and set(lists["run"]) <= set(lists["dist"])
    test_only = [name for entry in lists["test"] for name in entry.split("|")]
    assert "postgresql-15" in test_only, "make test needs the PostgreSQL 15 server binaries"
    assert "postgresql-15|postgresql" in lists["test"], \
        "where postgresql-15 is not in the index, the distribution's postgresql is the fallback"
    for mode in ("test", "dist"):
        assert {"xvfb", "xauth"} <= set(lists[mode]), f"make {mode} runs xvfb-run"
    for mode in ("run", "dist"):
        assert not any(name.startswith("postgresql") for name in lists[mode])
    assert cjk_fonts() == ["fonts-noto-cjk"]


def test_the_dist_list_adds_what_pyinstaller_needs():
    """PyInstaller stops at once on Linux without objdump ("On Linux, objdump is required"),
    which Debian ships in binutils, and without the shared library of the Python it freezes
    ("Python shared library ('libpython3.11.so.1.0') was not found!"), which Debian ships apart
    from python3 (libpython3.11): make dist installs both; make run and make test need neither."""
    lists = script_lists()
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    libpython = [e for e in lists["dist"] if e.startswith("libpython3")]
    assert "binutils" in lists["dist"], "make dist runs PyInstaller, which needs objdump"
    assert len(libpython) == 1 and f"libpython{version}" in libpython[0].split("|"), \
        f"make dist freezes Python {version}: PyInstaller needs libpython{version}.so"
    for mode in ("run", "test"):
        assert "binutils" not in lists[mode] and libpython[0] not in lists[mode]


def test_the_readme_names_every_package_of_the_list():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Requirements", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"[\w.+-]+", section))
    lists = script_lists()
    every = {n for entries in lists.values() for e in entries for n in e.split("|")}
    missing = sorted(every - named) + [f for f in cjk_fonts() if f not in named]
    assert not missing, f"README's Requirements section does not name: {missing}"


def test_the_script_works_from_the_list_the_test_reads(tmp_path):
    """Without dpkg the script prints the names it would check: the same as parsed here."""
    awk = shutil.which("awk")
    if awk is None:
        _unavailable("no awk")
    (tmp_path / "awk").symlink_to(awk)
    for mode, entries in script_lists().items():
        out = subprocess.run(["/bin/sh", str(SCRIPT), mode], capture_output=True, text=True,
                             env={"PATH": str(tmp_path)}, timeout=30)
        assert out.returncode == 0, out.stderr
        assert out.stdout.count("\n") == 1, out.stdout
        named = out.stdout.split("(Debian names):", 1)[1].split()
        assert named == entries + cjk_fonts(), mode


# --- what the app loads -----------------------------------------------------------------------

def app_modules() -> set[str]:
    """The PySide6 modules named anywhere in the app's sources (PySide6.QtX, from PySide6 import)."""
    found = set(APP_MODULES)
    for source in (ROOT / "station_app").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        found |= set(re.findall(r"\bPySide6\.(Qt\w+)", text))
        for group, line in re.findall(
                r"^\s*from\s+PySide6\s+import\s+(?:\(([^)]*)\)|([\w \t,]+))", text, re.M):
            found |= {n for n in re.split(r"[\s,]+", group + line) if n.startswith("Qt")}
    return found


def loaded_files(pyside: Path) -> list[Path]:
    plugins = pyside / "Qt" / "plugins"
    files: list[Path] = []
    for pattern in PLUGINS:
        matched = sorted(p for p in plugins.glob(pattern)
                         if str(p.relative_to(plugins)) not in LEFT_OUT)
        assert matched, f"the PySide6 wheel has no plugin {pattern}"
        files += matched
    for module in sorted(app_modules()):
        module_file = pyside / f"{module}.abi3.so"
        assert module_file.exists(), f"no {module_file.name} in the PySide6 wheel"
        files.append(module_file)
    return files


_LDD_LINE = re.compile(r"^\s*(\S+)\s+=>\s+(.*?)\s*(?:\(0x[0-9a-f]+\))?$")
_LDD_LOADER = re.compile(r"^\s*(/\S+)\s+\(0x[0-9a-f]+\)$")


def ldd(files: list[Path]) -> dict[Path, list[tuple[str, str | None]]]:
    """file -> [(library, resolved path or None when not found)], all in one ldd call."""
    out = subprocess.run(["ldd", *map(str, files)], capture_output=True, text=True, timeout=120)
    assert out.stdout, out.stderr
    result: dict[Path, list[tuple[str, str | None]]] = {}
    current: list[tuple[str, str | None]] = []
    for line in out.stdout.splitlines():
        if not line.startswith(("\t", " ")) and line.endswith(":"):
            current = result.setdefault(Path(line[:-1]), [])
        elif m := _LDD_LINE.match(line):
            name, where = m.groups()
            current.append((name, None if where == "not found" else where))
        elif m := _LDD_LOADER.match(line):
            current.append((Path(m.group(1)).name, m.group(1)))
        # linux-vdso.so.1 (no file) and "statically linked" need nothing
    assert set(result) == set(files), f"ldd did not report every file: {out.stderr}"
    return result


# --- which package gives each library ---------------------------------------------------------

def _path_variants(path: str) -> set[str]:
    """The path ldd found and its real file, each with and without /usr (usrmerge)."""
    variants = set()
    for p in {path, os.path.realpath(path)}:
        variants.add(p)
        variants.add(p[4:] if p.startswith("/usr/") else "/usr" + p)
    return variants


def packages_of(paths: set[str]) -> dict[str, set[str]]:
    """path -> the packages (arch and t64 suffixes dropped) that ship it, one dpkg -S call."""
    asked = sorted({v for p in paths for v in _path_variants(p)})
    # files dpkg knows nothing of go to stderr (and exit 1): only the answers matter
    out = subprocess.run(["dpkg", "-S", *asked], capture_output=True, text=True, timeout=120)
    owners: dict[str, set[str]] = {}
    for line in out.stdout.splitlines():
        if line.startswith("diversion ") or ": " not in line:
            continue
        pkgs, owned = line.split(": ", 1)
        owners.setdefault(owned.strip(), set()).update(
            _strip_t64(p.strip().split(":")[0]) for p in pkgs.split(","))
    return {p: set().union(*(owners.get(v, set()) for v in _path_variants(p))) for p in paths}


def apt_closure(names: list[str]) -> set[str]:
    """The packages apt installs for `names`: themselves and, recursively, their Depends and
    Pre-Depends (apt-cache depends, which knows the package index and the installed
    packages; Recommends are not followed, as the script installs --no-install-recommends)."""
    asked = sorted({v for n in names for v in (n, n + "t64")})
    out = subprocess.run(
        ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests",
         "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", *asked],
        capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    # each package apt reaches heads its own block, unindented; <name> is a virtual package
    return {_strip_t64(line.strip("<>").split(":")[0])
            for line in out.stdout.splitlines() if line and not line[0].isspace()}


def test_run_list_has_every_library_the_qt_plugins_and_modules_need():
    for tool in ("ldd", "dpkg", "apt-cache"):
        if shutil.which(tool) is None:
            _unavailable(f"no {tool}: not a Debian-family system")
    pyside_spec = importlib.util.find_spec("PySide6")
    if pyside_spec is None or pyside_spec.origin is None:
        _unavailable("PySide6 is not installed (pip install -e '.[gui]')")
    pyside = Path(pyside_spec.origin).parent
    wheel_dirs = [pyside.resolve()]
    shiboken = importlib.util.find_spec("shiboken6")
    if shiboken is not None and shiboken.origin is not None:
        wheel_dirs.append(Path(shiboken.origin).parent.resolve())

    run = [_strip_t64(name) for entry in script_lists()["run"] for name in entry.split("|")]
    closure = apt_closure(run)
    unknown = [name for name in run if name not in closure]
    assert not unknown, f"the script's run list names packages apt does not know: {unknown}"

    problems: list[str] = []
    needed: dict[str, list[tuple[str, str]]] = {}  # system path -> [(library, loaded by)]
    for loaded, libraries in ldd(loaded_files(pyside)).items():
        for library, where in libraries:
            if where is None:
                problems.append(f"{loaded.name} needs {library}, which ldd cannot find: "
                                "the script did not install the package that has it")
            elif not any(Path(where).resolve().is_relative_to(d) for d in wheel_dirs):
                needed.setdefault(where, []).append((library, loaded.name))

    assert needed, "ldd found no system library at all"
    owners = packages_of(set(needed))
    for where, users in sorted(needed.items()):
        library, loaded = users[0]
        packages = owners[where]
        if not packages:
            problems.append(f"{library} ({where}, needed by {loaded}) belongs to no Debian "
                            "package: dpkg -S does not know it")
        elif not packages & closure:
            problems.append(f"{library} (needed by {loaded}) is in package "
                            f"{' or '.join(sorted(packages))}, which the run list of "
                            "scripts/ensure-system-deps.sh neither names nor pulls in")
    assert not problems, "\n".join(problems)

