"""Both command lines where they are installed: a missing extra, a missing database and a
reader that goes away (`| head -1`) each end in one line (or none), never a traceback.

The commands run as real processes; "the extra is not installed" is made from the test's
side by a folder of stub packages first on PYTHONPATH that fail to import, as a missing
package does (the product has no switch for it)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from station_app.cliutil import EXIT_PIPE

STATION_CLI = [sys.executable, "-m", "station_app.cli"]
DISTRICT_CLI = [sys.executable, "-m", "sync.server.cli"]
EXTRA = 'pip install "station-app[server]"'
PG_URL = "postgresql+psycopg://sync:secret@127.0.0.1:9/district"


def run(cmd: list[str], *, env: dict | None = None, stdout=subprocess.PIPE,
        cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE, text=True, env=env,
                          cwd=cwd, timeout=120)


def in_process(main, capsys, monkeypatch, *argv: str, stdin: str | None = None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def without_server_extra(tmp_path) -> dict:
    """An environment in which fastapi, uvicorn and psycopg cannot be imported."""
    stubs = tmp_path / "no-server-extra"
    for name in ("fastapi", "uvicorn", "psycopg", "psycopg2"):
        (stubs / name).mkdir(parents=True)
        (stubs / name / "__init__.py").write_text(
            f"raise ModuleNotFoundError(\"No module named '{name}'\", name='{name}')\n")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(stubs), env.get("PYTHONPATH")]))
    return env


@pytest.fixture
def district(tmp_path, capsys, monkeypatch) -> Path:
    from sync.server.cli import main

    path = tmp_path / "district.sqlite3"
    code, _, err = in_process(main, capsys, monkeypatch, "init", "--db", str(path),
                              "--admin", "qu", "--password-stdin", stdin="district-pass-1\n")
    assert code == 0, err
    for code_ in ("KY01", "DP02", "LG03"):
        code, _, err = in_process(main, capsys, monkeypatch, "station", "set", code_,
                                  "--db", str(path), "--name", f"{code_} 社区工联会")
        assert code == 0, err
    return path


@pytest.fixture
def station(tmp_path, capsys, monkeypatch) -> Path:
    """A demo station, with station-admin's credentials in the environment (as scripts
    pass them; the commands' processes inherit them)."""
    from station_app.cli import main

    monkeypatch.setenv("STATION_USER", "admin")
    monkeypatch.setenv("STATION_PASSWORD", "demo-pass-1")
    path = tmp_path / "station.sqlite3"
    assert main(["demo", "--db", str(path), "--members", "30", "--seed", "2",
                 "--admin-password", "demo-pass-1"]) == 0
    capsys.readouterr()
    return path


def one_clear_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 1, result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


# --------------------------------------------------------------------------- extras


def test_serve_without_the_server_extra_names_it(district, without_server_extra):
    line = one_clear_line(run([*DISTRICT_CLI, "serve", "--db", str(district), "--port", "9"],
                              env=without_server_extra))
    assert "district-server serve needs the server extra" in line and EXTRA in line


@pytest.mark.parametrize("cli", [STATION_CLI + ["report"], DISTRICT_CLI + ["status"]],
                         ids=["station-admin report", "district-server status"])
def test_a_postgresql_address_without_psycopg_names_the_extra(cli, without_server_extra):
    line = one_clear_line(run([*cli, "--db", PG_URL], env=without_server_extra))
    assert "postgresql+psycopg://" in line and EXTRA in line and "psycopg" in line
    assert "secret" not in line


def test_the_commands_without_an_extra_still_work_without_it(station, without_server_extra):
    result = run([*STATION_CLI, "report", "--db", str(station), "--json"],
                 env=without_server_extra)
    assert result.returncode == 0, result.stderr
    assert '"values"' in result.stdout


# --------------------------------------------------------------------------- missing databases


@pytest.mark.parametrize("form", ["relative url", "absolute url", "empty file", "plain path"])
@pytest.mark.parametrize("cli", ["station-admin", "district-server"])
def test_a_missing_database_names_the_command_that_creates_it(cli, form, tmp_path, capsys,
                                                              monkeypatch):
    from station_app.cli import main as station_main
    from sync.server.cli import main as district_main

    monkeypatch.chdir(tmp_path)
    empty = tmp_path / "empty.sqlite3"
    empty.touch()
    target, shown = {
        "relative url": ("sqlite:///missing.sqlite3", "missing.sqlite3"),
        "absolute url": (f"sqlite:///{tmp_path}/abs.sqlite3", f"{tmp_path}/abs.sqlite3"),
        "empty file": (str(empty), str(empty)),
        "plain path": ("missing.sqlite3", "missing.sqlite3"),
    }[form]
    if cli == "station-admin":
        code, _, err = in_process(station_main, capsys, monkeypatch, "report", "--db", target)
        expected = f"station-admin init --db {shown}"
    else:
        code, _, err = in_process(district_main, capsys, monkeypatch, "status", "--db", target)
        expected = f"district-server init --db {shown} --admin USER"
    assert code == 1
    assert err.startswith(f"error: No database at {shown}.") and expected in err, err
    assert ("district-server" in err) == (cli == "district-server")
    assert not (tmp_path / "missing.sqlite3").exists()
    assert not (tmp_path / "abs.sqlite3").exists()
    assert empty.stat().st_size == 0


# --------------------------------------------------------------------------- a closed pipe


def closed_pipe_run(cmd: list[str], buffered: bool) -> subprocess.CompletedProcess:
    """Run with standard output a pipe whose reader has already gone: every write fails
    (EPIPE), as for `cmd | head -1` once head has its line. Buffered (as a terminal-less
    run is by default: the failure shows when the buffer is flushed) or not
    (PYTHONUNBUFFERED: at the first line)."""
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    r, w = os.pipe()
    os.close(r)
    try:
        return run(cmd, stdout=w, env=env)
    finally:
        os.close(w)


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("argv", [
    ["report"], ["report", "--json"], ["conflicts", "list", "--all"], ["user", "list"],
    ["summary"], ["export", "roster", "OUT"],
])
def test_station_admin_stops_quietly_when_its_reader_goes(station, argv, buffered, tmp_path):
    argv = [str(tmp_path / "roster.xlsx") if a == "OUT" else a for a in argv]
    result = closed_pipe_run([*STATION_CLI, *argv, "--db", str(station)], buffered)
    assert (result.returncode, result.stderr) == (EXIT_PIPE, "")


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("argv", [["status"], ["conflicts", "list", "--all"],
                                  ["duplicates"]])
def test_district_server_stops_quietly_when_its_reader_goes(district, argv, buffered,
                                                            monkeypatch):
    monkeypatch.setenv("DISTRICT_USER", "qu")  # (duplicates, conflicts list: a login)
    monkeypatch.setenv("DISTRICT_PASSWORD", "district-pass-1")
    result = closed_pipe_run([*DISTRICT_CLI, *argv, "--db", str(district)], buffered)
    assert (result.returncode, result.stderr) == (EXIT_PIPE, "")


@pytest.mark.parametrize("cli", [STATION_CLI, DISTRICT_CLI], ids=["station-admin",
                                                                  "district-server"])
@pytest.mark.parametrize("argv", [["--help"], ["--version"]])
def test_help_stops_quietly_when_its_reader_goes(cli, argv):
    result = closed_pipe_run([*cli, *argv], buffered=True)
    assert (result.returncode, result.stderr) == (EXIT_PIPE, "")


def test_head_takes_the_first_line_of_a_long_status(district, tmp_path):
    """`district-server status | head -1` with more lines than a pipe holds: the reader
    closes after its line while the command still writes."""
    from station_app.domain.actor import Actor
    from station_app.domain.services import stations
    from station_app.storage.database import open_database

    db = open_database(district)
    with db.session(Actor("qu", "district_admin", None, "区总工会")) as s:
        for n in range(1200):
            stations.upsert_station(s, f"S{n:04d}", f"第{n}社区工联会")
    db.close()
    proc = subprocess.Popen([*DISTRICT_CLI, "status", "--db", str(district)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert first.startswith("station")
    assert (proc.returncode, err) == (EXIT_PIPE, "")
