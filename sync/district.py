"""District side: what a station pulls, and how stations are enrolled and recognised.

Pull scope: reference data every station needs (stations, targets, enterprises, the
watch list) and the station's own rows changed at the district (a transfer marking a
member 转出, a correction). The change log numbers every change in commit order; a
station remembers the last number it saw (its cursor), so no concurrent push can make it
skip a row.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import Select, func, or_, select

from station_app.domain.actor import Actor
from station_app.domain.ids import DISTRICT_OWNER_ID, station_id_for, uuid7
from station_app.domain.models import (
    MODEL_BY_TABLE,
    ChangeLog,
    Station,
    StationCredential,
    SyncConflict,
)
from station_app.domain.services.common import require
from station_app.domain.services.stations import stations_select
from station_app.storage.capture import utc_now_text
from station_app.storage.database import Database
from station_app.storage.fastread import session_run
from sync import status
from sync.bundle import key_fits, new_bundle_key
from sync.changeset import APPLY_ORDER, Changeset, row_to_wire
from sync.status import StationStatus  # noqa: F401  (part of this module's API)

REFERENCE_TABLES = ("stations", "targets", "enterprises", "watch_list_entries")
PULL_ROWS = 1_000
# Tables added to the sync format after its first release: a pull sends their rows only
# to a station that says it reads them (``reads``) — an older release refuses a whole
# changeset with a table it does not know. A station that starts reading one catches up
# on it from the start (``only``): ``sync.client``, ``sync.bundle``.
LATER_TABLES = ("case_upper_signoffs", "export_records")
# a station's local_state: the later tables it has pulled from the start
PULL_READS = "pull_reads"


def _concerning(station_id: str) -> list:
    """The district's own rows that concern one station and go to it alone: the upper
    union's sign-offs of its hardship files (revision 0012)."""
    from sqlalchemy import and_

    from station_app.domain.models import CaseUpperSignOff, HardshipCase

    upper = (select(CaseUpperSignOff.id)
             .join(HardshipCase, HardshipCase.id == CaseUpperSignOff.case_id)
             .where(HardshipCase.station_id == station_id))
    return [and_(ChangeLog.table_name == "case_upper_signoffs", ChangeLog.row_id.in_(upper))]


def pull(db: Database, station_id: str, after: int, *, limit: int = PULL_ROWS,
         include_own: bool = False, reads: tuple[str, ...] | frozenset[str] = (),
         only: tuple[str, ...] | frozenset[str] | None = None) -> tuple[Changeset, int]:
    """Rows a station needs that changed after its cursor; and the new cursor.

    What the station sent itself is never sent back — except with ``include_own`` (a
    re-seed after the station restored a backup: then its own rows come back too).
    ``reads``: the ``LATER_TABLES`` the station reads (the others are left out, and the
    cursor moves past them); ``only``: just these tables (a station catching up on a table
    it has begun to read, from ``after`` 0)."""
    scope = [ChangeLog.seq > after,
             or_(ChangeLog.table_name.in_(REFERENCE_TABLES), ChangeLog.owner_id == station_id,
                 *_concerning(station_id))]
    if not include_own:
        scope.append(ChangeLog.origin_id != station_id)
    hidden = [t for t in LATER_TABLES if t not in reads]
    if hidden:
        scope.append(ChangeLog.table_name.not_in(hidden))
    if only is not None:
        scope.append(ChangeLog.table_name.in_(sorted(only)))
    with db.reader() as s:
        # The newest number first: every change up to it has committed (writers number
        # their changes under one lock held to their commit), so when the scope holds
        # fewer than ``limit`` changes up to it, the cursor moves there — a station's next
        # pull does not walk again over what it was not sent (its own push, above all).
        newest = s.execute(select(func.max(ChangeLog.seq))).scalar_one() or 0
        entries = s.execute(
            select(ChangeLog.seq, ChangeLog.table_name, ChangeLog.row_id)
            .where(*scope, ChangeLog.seq <= newest).order_by(ChangeLog.seq).limit(limit)
        ).all()
        cursor = entries[-1][0] if len(entries) >= limit else max(newest, after)
        wanted: dict[str, set[str]] = {}
        for _seq, table, row_id in entries:
            wanted.setdefault(table, set()).add(row_id)
        rows: dict[str, list[dict]] = {}
        for table in APPLY_ORDER:
            ids = sorted(wanted.get(table, ()))
            model = MODEL_BY_TABLE[table]
            for i in range(0, len(ids), 500):
                for obj in s.execute(select(model).where(model.id.in_(ids[i:i + 500]))
                                     ).scalars():
                    rows.setdefault(table, []).append(row_to_wire(model, obj))
    cs = Changeset(station_id=DISTRICT_OWNER_ID, node=db.node_id, batch_id=uuid7(), rows=rows)
    return cs, cursor


def refresh_search_keys(db: Database) -> int:
    """The pinyin search keys of members received by sync since the last refresh (the
    push path leaves them out: see ``capture.refresh_search_keys``). The district's member
    searches call this first; it returns how many members it keyed."""
    from station_app.domain.actor import SYSTEM_SYNC
    from station_app.storage.capture import refresh_search_keys as refresh

    with db.session(SYSTEM_SYNC) as s:
        return refresh(s)


# --------------------------------------------------------------------------- credentials


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Enrollment:
    station_id: str
    code: str  # shown once; the station exchanges it for its token
    bundle_secret: str  # keys the integrity check of sync files
    expires_at: str = ""  # UTC: the code stops working then


CODE_DAYS = 7  # an enrollment code works this long (``enroll``'s default)


def enroll(db: Database, station_code: str, actor: Actor, *,
           valid_days: float = CODE_DAYS) -> Enrollment:
    """A new one-time enrollment code (and bundle key) for a station; replaces old ones,
    and stops working after ``valid_days``. ``actor``: who asks (the district view's
    user, the command line's ``CLI_ADMIN``), a district admin."""
    from datetime import UTC, datetime, timedelta

    if not 0 < valid_days <= 366:
        raise ValueError("an enrollment code is valid for 1 day to a year")
    expires = (datetime.now(UTC) + timedelta(days=valid_days)).strftime(
        "%Y-%m-%dT%H:%M:%S.%fZ")
    sid = station_id_for(station_code)
    code = "-".join(secrets.token_hex(2).upper() for _ in range(4))
    with db.session(actor) as s:
        require(s, "district_admin", "发放注册码", "issue enrollment codes")
        cred = s.get(StationCredential, sid)
        if cred is None:
            cred = StationCredential(station_id=sid, bundle_secret=new_bundle_key(sid),
                                     enrolled_at=utc_now_text())
            s.add(cred)
        elif cred.revoked_at or not key_fits(cred.bundle_secret, sid):
            # revoked (a lost laptop keeps the old key: its files must not count again),
            # or a key from before keys carried their check (a station could not type it)
            cred.bundle_secret = new_bundle_key(sid)
        cred.enrollment_hash = _hash(code)
        cred.code_expires_at = expires
        cred.revoked_at = None
        secret = cred.bundle_secret
    return Enrollment(sid, code, secret, expires)


def clean_code(text: str) -> str:
    """An enrollment code as typed — any case, with spaces or without its dashes, full
    width or not — in the form ``enroll`` prints (XXXX-XXXX-XXXX-XXXX)."""
    import unicodedata

    digits = "".join(ch for ch in unicodedata.normalize("NFKC", text).upper()
                     if ch.isascii() and ch.isalnum())
    return "-".join(digits[i:i + 4] for i in range(0, len(digits), 4))


def redeem(db: Database, station_id: str, code: str) -> tuple[str, str] | None:
    """Exchange a valid enrollment code for a new token; (token, bundle secret) or None
    (a wrong, used, replaced or expired code, a revoked station)."""
    from station_app.domain.actor import SYSTEM_SYNC

    with db.session(SYSTEM_SYNC) as s:
        cred = s.get(StationCredential, station_id)
        if cred is None or cred.revoked_at or not cred.enrollment_hash or \
                not hmac.compare_digest(cred.enrollment_hash, _hash(clean_code(code))):
            return None
        if cred.code_expires_at and cred.code_expires_at < utc_now_text():
            return None
        token = secrets.token_urlsafe(32)
        cred.token_hash = _hash(token)
        cred.enrollment_hash = None  # one time only
        return token, cred.bundle_secret


def station_for_token(db: Database, token: str) -> str | None:
    """The station a bearer token belongs to, or None (unknown, wrong or revoked)."""
    if not token:
        return None
    with db.reader() as s:
        cred = s.execute(select(StationCredential).where(
            StationCredential.token_hash == _hash(token))).scalar_one_or_none()
        if cred is None or cred.revoked_at:
            return None
        return cred.station_id


def revoke(db: Database, station_code: str, actor: Actor) -> bool:
    """The station's token and pending code stop working at once (``actor`` as for
    ``enroll``); False when it was never enrolled."""
    with db.session(actor) as s:
        require(s, "district_admin", "撤销站点", "revoke stations")
        cred = s.get(StationCredential, station_id_for(station_code))
        if cred is None:
            return False
        cred.revoked_at = utc_now_text()
        cred.token_hash = None
        cred.enrollment_hash = None
        return True


def _status_stations(_station: bool) -> Select:
    return stations_select(Station.id, Station.code, Station.name, Station.street,
                           Station.is_key, district=False)


def _status_credentials(_station: bool) -> Select:
    return select(StationCredential.station_id, StationCredential.revoked_at,
                  StationCredential.token_hash, StationCredential.enrollment_hash,
                  StationCredential.last_sync_at, StationCredential.code_expires_at)


def _status_conflicts(_station: bool) -> Select:
    return (select(SyncConflict.station_id, SyncConflict.winner)
            .where(SyncConflict.resolved_at.is_(None)))


# The selects of the stations' status (``sync.status``), by name; compiled for SQLite in
# sync/district_sqlite.py (``python -m station_app.storage.sqlgen sync.district:STATUS_QUERIES``).
STATUS_QUERIES = {
    "status_stations": _status_stations,
    "status_credentials": _status_credentials,
    "status_conflicts": _status_conflicts,
}


def station_status(session) -> list[StationStatus]:
    """Every station but the district itself, by code: enrollment, last sync and open
    conflicts (``sync.status``)."""
    return status.station_status(session_run(session, STATUS_QUERIES))

