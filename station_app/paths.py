"""Where things live on disk: the platform data and log folders (no Qt).

``STATION_APP_HOME`` overrides both (tests, portable installs): data goes to
``$STATION_APP_HOME/data`` and logs to ``$STATION_APP_HOME/logs``.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "StationApp"
DB_FILENAME = "station.sqlite3"


def _home() -> Path | None:
    value = os.environ.get("STATION_APP_HOME")
    return Path(value) if value else None


def data_dir() -> Path:
    home = _home()
    path = home / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_dir() -> Path:
    home = _home()
    path = home / "logs" if home else Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    return data_dir() / DB_FILENAME
