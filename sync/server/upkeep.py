"""What the district service does by itself while it runs: a backup every day.

A district must never lose a record a station has forgotten sending (a station clears its
outbox once the district acknowledged), so the service keeps daily backups without anyone
remembering to: a SQLite district with the backup API into ``backups/`` beside the file
(the last 7 kept, as at a station), a PostgreSQL district with ``pg_dump -Fc`` into the
data folder's ``backups/`` (the last 7 daily dumps kept). The check runs when the service
starts and then every hour; a day that has its backup is left alone. A failure is logged
and tried again at the next check; it never stops the service.
"""

from __future__ import annotations

import glob
import logging
import threading
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from station_app.storage import backup as backups

log = logging.getLogger(__name__)

CHECK_EVERY_S = 3600
KEEP_DAILY_DUMPS = 7


def daily_backup(target: str) -> Path | None:
    """Today's backup of the district at ``target`` (a file path or a database URL), unless
    it has one already; the new file, or None."""
    if "://" not in target:
        return backups.daily_backup(Path(target).expanduser())
    url = make_url(target)
    folder = backups.pg_backup_path(url, "daily").parent
    today = datetime.now().strftime("%Y%m%d")
    if any(stamp.startswith(today) for stamp, _path in _daily_dumps(folder, url.database)):
        return None
    made = backups.pg_dump(url, backups.pg_backup_path(url, "daily"))
    for _stamp, old in _daily_dumps(folder, url.database)[KEEP_DAILY_DUMPS:]:
        old.unlink(missing_ok=True)
    return made


def _daily_dumps(folder: Path, database: str) -> list[tuple[str, Path]]:
    """This database's daily dumps (``<database>.<stamp>.daily.dump``, not empty), newest
    first, with their stamps — another database's whose name starts alike left out."""
    found = []
    for path in folder.glob(glob.escape(database) + ".*.daily.dump"):
        stamp = path.name[len(database) + 1:-len(".daily.dump")]
        if stamp.replace("T", "").isdigit() and path.stat().st_size > 0:
            found.append((stamp, path))
    return sorted(found, reverse=True)


def start(target: str, *, every_s: float = CHECK_EVERY_S) -> threading.Event:
    """Check for today's backup now and then every ``every_s`` seconds, on a daemon
    thread; set the returned event to stop."""
    stop = threading.Event()

    def run() -> None:
        while True:
            try:
                made = daily_backup(target)
                if made is not None:
                    log.info("daily backup written to %s", made)
            except Exception:  # logged; tried again at the next check
                log.exception("the daily backup of the district failed")
            if stop.wait(every_s):
                return

    threading.Thread(target=run, name="district-upkeep", daemon=True).start()
    return stop
