"""Shared fixtures: a station database built once per session and copied per test."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from station_app.domain.actor import SYSTEM_LOGIN, SYSTEM_SETUP

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

STATION_CODE = "KY01"
STATION_NAME = "葵涌社区工联会"
ADMIN_PASSWORD = "admin-pass-1"
CLERK_PASSWORD = "clerk-pass-1"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Keep logs and default data folders of every test out of the real home."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("STATION_APP_HOME", str(home))


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> Path:
    """An initialised station database (station, admin and clerk users), built once."""
    from station_app.domain.services.setup import init_station
    from station_app.storage.database import open_database

    path = tmp_path_factory.mktemp("template") / "station.sqlite3"
    db = open_database(path, create=True)
    init_station(db, STATION_CODE, STATION_NAME, "admin", ADMIN_PASSWORD, display_name="站长")
    from station_app.domain.services import users

    with db.session(SYSTEM_SETUP) as s:
        users.create_user(s, "clerk", CLERK_PASSWORD, "clerk", "专职工作者", bootstrap=True)
    db.close()
    return path


@pytest.fixture
def db_path(template_db, tmp_path) -> Path:
    target = tmp_path / "station.sqlite3"
    shutil.copy(template_db, target)
    return target


@pytest.fixture(scope="session")
def encrypted_template(template_db, tmp_path_factory) -> tuple[Path, bytes]:
    """The template encrypted as the first login of a file from an older version does it
    (its key file beside it): (path, data key)."""
    from station_app.domain.services.login import login

    path = tmp_path_factory.mktemp("encrypted") / "station.sqlite3"
    shutil.copy(template_db, path)
    done = login(path, "admin", ADMIN_PASSWORD)
    key = done.db.key
    done.db.close()
    return path, key


@pytest.fixture
def station_login(monkeypatch):
    """station-admin's credentials, as scripts pass them: the station admin of the
    template in STATION_USER and STATION_PASSWORD."""
    monkeypatch.setenv("STATION_USER", "admin")
    monkeypatch.setenv("STATION_PASSWORD", ADMIN_PASSWORD)


def encrypt_station_file(path: Path, username: str = "admin",
                         password: str = ADMIN_PASSWORD) -> bytes:
    """A plain station file a test built with the services, encrypted as the first login
    of a file from an older version does it (its key file beside it, its key known to
    this process): what station-admin then logs in to. Returns the data key."""
    from station_app.domain.services.login import login

    done = login(path, username, password)
    key = done.db.key
    done.db.close()
    return key


@pytest.fixture
def encrypted_db_path(encrypted_template, tmp_path, station_login) -> Path:
    """A copy of the encrypted template with its key file, its key known to this process
    (as after a login), and station-admin's credentials set: a CLI test module's
    ``db_path`` (a fixture ``db_path`` of the module returning it)."""
    from station_app.storage import sqlfile

    path, key = encrypted_template
    target = tmp_path / "station.sqlite3"
    shutil.copy(path, target)
    shutil.copy(f"{path}.keys", f"{target}.keys")
    sqlfile.remember(target, key)
    return target


@pytest.fixture
def db(db_path):
    from station_app.storage.database import open_database

    database = open_database(db_path)
    yield database
    database.close()


@pytest.fixture
def admin(db):
    from station_app.domain.services import users

    with db.session(SYSTEM_LOGIN) as s:
        return users.authenticate(s, "admin", ADMIN_PASSWORD)


@pytest.fixture
def clerk(db):
    from station_app.domain.services import users

    with db.session(SYSTEM_LOGIN) as s:
        return users.authenticate(s, "clerk", CLERK_PASSWORD)


@pytest.fixture
def district_admin():
    from station_app.domain.actor import Actor

    return Actor("district", "district_admin", None, "区总工会")


@pytest.fixture(scope="session")
def pg_cluster():
    """A real PostgreSQL 15 cluster for this test session (fails in CI when unavailable)."""
    from pgserver import PostgresCluster, PostgresUnavailable

    try:
        cluster = PostgresCluster().start()
    except (PostgresUnavailable, OSError, subprocess.SubprocessError) as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required in CI: {exc}")
        pytest.skip(f"PostgreSQL not available here: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    return pg_cluster.new_database()


@pytest.fixture
def settings(tmp_path):
    """QSettings in a file of the test's own (never the user's registry or config)."""
    from station_app.ui.qt import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
