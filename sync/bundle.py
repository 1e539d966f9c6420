"""Sync by file, for a station without a network: the same changesets, in a signed file.

A bundle is gzip-compressed JSON ``{"format", "payload", "mac"}``; ``mac`` is an
HMAC-SHA256 of the canonical payload keyed by the station's bundle secret (given at
enrollment; ``district-server enroll`` prints it for stations that are never online).
A file that was altered, truncated, or signed with another key is refused whole.

- station → district (``export_station_bundle`` / ``import_station_bundle``): every pending
  change in batches, and the station's pull cursor;
- district → station (``export_district_bundle`` / ``import_district_bundle``): what the
  station would pull from its cursor, and acknowledgements: for each of the station's rows
  the stamp the district holds, which clears every outbox entry at or below it.

Importing a bundle twice changes nothing: batches are idempotent, acknowledgements and the
cursor are the same the second time.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from station_app.domain.ids import uuid7
from station_app.domain.models import MODEL_BY_TABLE, StationCredential
from station_app.storage import outbox
from station_app.storage.capture import utc_now_text
from station_app.storage.database import Database
from sync.changeset import APPLY_ORDER, Changeset, from_wire, row_to_wire, to_wire
from sync.merge import MergeResult, apply_changeset

FORMAT = "station-app-bundle/1"
BATCH = 1_000


class BundleError(ValueError):
    pass


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def _mac(secret: str, payload: dict[str, Any]) -> str:
    return hmac.new(secret.encode(), _canonical(payload), hashlib.sha256).hexdigest()


def write_bundle(path: Path, payload: dict[str, Any], secret: str) -> None:
    data = {"format": FORMAT, "payload": payload, "mac": _mac(secret, payload)}
    tmp = Path(f"{path}.partial")
    tmp.write_bytes(gzip.compress(json.dumps(data, ensure_ascii=False).encode()))
    tmp.replace(path)


def read_bundle(path: Path, secret_for: Callable[[dict[str, Any]], str | None]
                ) -> dict[str, Any]:
    try:
        data = json.loads(gzip.decompress(Path(path).read_bytes()))
    except (OSError, EOFError, ValueError) as exc:
        raise BundleError(f"{path} is not a sync file (or it is damaged): {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BundleError(f"{path} is not a sync file of this app version")
    payload = data.get("payload")
    if not isinstance(payload, dict):
        raise BundleError(f"{path} has no payload")
    secret = secret_for(payload)
    if not secret:
        raise BundleError("no bundle key for this station: enroll it (the key is printed by "
                          "`district-server enroll`)")
    if not hmac.compare_digest(str(data.get("mac")), _mac(secret, payload)):
        raise BundleError(f"{path} fails its integrity check: it was changed, or it was "
                          "made for another station; nothing was imported")
    return payload


# --------------------------------------------------------------------------- station side


def export_station_bundle(db: Database, path: Path) -> int:
    """Every pending change into a signed file for the district. Returns the row count."""
    secret = db.state().get("bundle_secret")
    if not secret:
        raise BundleError("this station has no bundle key yet: enter the key the district "
                          "gave at enrollment (--bundle-secret)")
    changesets = []
    with db.reader() as s:
        pending = outbox.pending(s)
        for i in range(0, len(pending), BATCH):
            rows: dict[str, list[dict]] = {}
            chunk = pending[i:i + BATCH]
            by_table: dict[str, list[str]] = {}
            for table, row_id, _h in chunk:
                by_table.setdefault(table, []).append(row_id)
            for table in APPLY_ORDER:
                model = MODEL_BY_TABLE[table]
                ids = by_table.get(table, [])
                for j in range(0, len(ids), 500):
                    for obj in s.execute(select(model).where(model.id.in_(ids[j:j + 500]))
                                         ).scalars():
                        rows.setdefault(table, []).append(row_to_wire(model, obj))
            changesets.append(to_wire(Changeset(db.station_id, db.node_id, uuid7(), rows)))
    payload = {"direction": "up", "station_id": db.station_id, "created_at": utc_now_text(),
               "pull_cursor": int(db.state().get("pull_cursor") or 0),
               "changesets": changesets}
    write_bundle(path, payload, secret)
    return len(pending)


def import_district_bundle(db: Database, path: Path) -> MergeResult:
    """Apply the district's file: its changes, then its acknowledgements."""
    secret = db.state().get("bundle_secret")
    payload = read_bundle(path, lambda _p: secret)
    if payload.get("direction") != "down" or payload.get("station_id") != db.station_id:
        raise BundleError(f"{path} is not a district file for this station")
    cs = from_wire(payload["changeset"])
    result = apply_changeset(db, cs, pushing_station=None, from_district=True)
    with db.session() as s:
        outbox.acknowledge(s, [tuple(a) for a in payload["acks"]])
    db.set_state("pull_cursor", str(int(payload["cursor"])))
    db.set_state("last_sync", utc_now_text())
    return result


# --------------------------------------------------------------------------- district side


def _station_secret(db: Database, payload: dict[str, Any]) -> str | None:
    with db.reader() as s:
        cred = s.get(StationCredential, payload.get("station_id"))
        return None if cred is None or cred.revoked_at else cred.bundle_secret


def import_station_bundle(db: Database, path: Path) -> list[MergeResult]:
    """Apply a station's file at the district (each batch once, however often imported)."""
    payload = read_bundle(path, lambda p: _station_secret(db, p))
    if payload.get("direction") != "up":
        raise BundleError(f"{path} is not a station's file")
    station = payload["station_id"]
    results = [apply_changeset(db, from_wire(c), pushing_station=station)
               for c in payload["changesets"]]
    with db.session() as s:
        cred = s.get(StationCredential, station)
        cred.last_sync_at = utc_now_text()
    # where the station's pulls stand: the district's file back starts there
    db.set_state(f"bundle_cursor:{station}", str(int(payload.get("pull_cursor") or 0)))
    return results


def export_district_bundle(db: Database, station_id: str, path: Path,
                           after: int | None = None) -> int:
    """What a station would pull from ``after`` (default: the cursor its last file
    reported), and acknowledgements of all its rows."""
    from sync.district import pull

    if after is None:
        after = int(db.state().get(f"bundle_cursor:{station_id}") or 0)
    secret = _station_secret(db, {"station_id": station_id})
    if not secret:
        raise BundleError("this station is not enrolled")
    cs, cursor = pull(db, station_id, after, limit=10**9)
    acks = []
    with db.reader() as s:
        for table in APPLY_ORDER:
            model = MODEL_BY_TABLE[table]
            acks += [[table, i, h] for i, h in s.execute(
                select(model.id, model.hlc).where(model.station_id == station_id))]
    payload = {"direction": "down", "station_id": station_id, "created_at": utc_now_text(),
               "cursor": cursor, "changeset": to_wire(cs), "acks": acks}
    write_bundle(path, payload, secret)
    return cs.count()
