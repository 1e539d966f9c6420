"""The district service keeps a backup a day by itself: SQLite with the backup API beside
the file, PostgreSQL with pg_dump into the data folder; the last 7 kept."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from loopback import free_port

from station_app.paths import data_dir
from station_app.storage.backup import is_good, list_backups
from sync.server import upkeep
from sync.server.cli import main


def init(target: str, monkeypatch) -> str:
    monkeypatch.setattr("sys.stdin", io.StringIO("district-pass-1\n"))
    assert main(["init", "--db", target, "--admin", "boss", "--password-stdin"]) == 0
    return target


def test_a_sqlite_district_gets_one_sound_backup_a_day(tmp_path, monkeypatch):
    target = init(str(tmp_path / "district.sqlite3"), monkeypatch)
    made = upkeep.daily_backup(target)
    assert made is not None and made.parent == tmp_path / "backups" and is_good(made)
    assert upkeep.daily_backup(target) is None  # today's is there
    assert [b.reason for b in list_backups(Path(target))] == ["daily"]


def test_a_postgresql_district_is_dumped_once_a_day_and_seven_kept(pg_url, monkeypatch):
    from sqlalchemy.engine import make_url

    init(pg_url, monkeypatch)
    name = make_url(pg_url).database
    folder = data_dir() / "backups"
    folder.mkdir(parents=True, exist_ok=True)
    for day in range(1, 9):  # eight older days' dumps
        (folder / f"{name}.202610{day:02d}T010000.daily.dump").write_bytes(b"old")
    made = upkeep.daily_backup(pg_url)
    assert made is not None and made.stat().st_size > 1000
    assert upkeep.daily_backup(pg_url) is None
    kept = sorted(folder.glob(f"{name}.*.daily.dump"))
    assert len(kept) == upkeep.KEEP_DAILY_DUMPS and made in kept
    assert not (folder / f"{name}.20261001T010000.daily.dump").exists()  # oldest gone


def test_the_upkeep_thread_backs_up_and_survives_a_failure(tmp_path, monkeypatch):
    import threading

    def upkeeping() -> int:
        return sum(t.name == "district-upkeep" and t.is_alive() for t in threading.enumerate())

    before = upkeeping()
    missing = upkeep.start(str(tmp_path / "gone.sqlite3"), every_s=0.05)  # fails: logged
    target = init(str(tmp_path / "district.sqlite3"), monkeypatch)
    stop = upkeep.start(target, every_s=0.05)
    deadline = time.monotonic() + 10
    while not list_backups(Path(target)) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # several failed checks later, the failing thread still runs
    assert upkeeping() == before + 2
    stop.set()
    missing.set()
    assert [b.reason for b in list_backups(Path(target))] == ["daily"]
    deadline = time.monotonic() + 5
    while upkeeping() > before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert upkeeping() == before  # and both stop when told


def _serve_until_up(target: str, *extra: str, backup_expected: bool) -> None:
    import httpx

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "sync.server.cli", "serve", "--db",
                               target, "--port", str(port), "--log-level", "warning", *extra],
                              env=os.environ.copy(), stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                up = httpx.get(f"http://127.0.0.1:{port}/v1/health", timeout=1)
                if up.status_code == 200 and (list_backups(Path(target))
                                              or not backup_expected):
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None:
                pytest.fail("district-server serve exited")
            time.sleep(0.1)
        time.sleep(0.5)  # (time for a backup that should not come)
    finally:
        server.terminate()
        server.wait(30)


def test_serve_keeps_its_daily_backup_unless_told_not_to(tmp_path, monkeypatch):
    """``district-server serve`` (a real process) writes today's backup as it starts;
    with --no-daily-backup it leaves backups to the administrator."""
    quiet = init(str(tmp_path / "quiet" / "district.sqlite3"), monkeypatch)
    _serve_until_up(quiet, "--no-daily-backup", backup_expected=False)
    assert list_backups(Path(quiet)) == []
    target = init(str(tmp_path / "district.sqlite3"), monkeypatch)
    _serve_until_up(target, backup_expected=True)
    assert [b.reason for b in list_backups(Path(target))] == ["daily"]


def test_only_this_databases_sound_dumps_count(tmp_path):
    """Another database whose name starts alike, an empty (failed) dump and a name with
    dots: the day's check and the rotation read only this database's real dumps."""
    for name in ("union.district.20261120T010000.daily.dump",
                 "union.district.20261121T010000.daily.dump",
                 "union.district.old.20261122T010000.daily.dump",  # another database
                 "union.district.20261123T010000.daily.dump"):
        (tmp_path / name).write_bytes(b"dump")
    (tmp_path / "union.district.20261124T010000.daily.dump").write_bytes(b"")  # failed
    stamps = [stamp for stamp, _p in upkeep._daily_dumps(tmp_path, "union.district")]
    assert stamps == ["20261123T010000", "20261121T010000", "20261120T010000"]


def test_a_failed_dump_leaves_no_file_and_is_tried_again(tmp_path):
    from station_app.storage.backup import BackupError, find_pg_dump

    if find_pg_dump() is None and os.environ.get("CI") != "true":
        pytest.skip("pg_dump is not installed here")
    url = f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/district"  # nothing listens
    with pytest.raises(BackupError, match="pg_dump failed"):
        upkeep.daily_backup(url)
    folder = data_dir() / "backups"
    assert not list(folder.glob("district.*")) if folder.exists() else True
    with pytest.raises(BackupError):  # not taken for today's backup: tried again
        upkeep.daily_backup(url)
