"""Logging: a rotating file in the platform log folder, plus stderr for the CLI."""

from __future__ import annotations

import logging
import logging.handlers

from station_app.paths import log_dir

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def setup_logging(name: str = "station-app", *, verbose: bool = False,
                  stderr: bool = False) -> logging.Logger:
    """Log to ``<log dir>/<name>.log`` (1 MiB × 5 files). Idempotent."""
    root = logging.getLogger()
    if getattr(root, "_station_configured", False):
        return root
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    try:
        handler = logging.handlers.RotatingFileHandler(
            log_dir() / f"{name}.log", maxBytes=1_048_576, backupCount=5, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    except OSError:  # a read-only home must not stop the app
        pass
    if stderr:
        err = logging.StreamHandler()
        err.setLevel(logging.DEBUG if verbose else logging.WARNING)
        err.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        root.addHandler(err)
    root._station_configured = True  # type: ignore[attr-defined]
    return root
