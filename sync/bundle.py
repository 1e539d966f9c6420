"""Sync by file, for a station without a network: the same changesets, in a sealed file.

A sync file (format ``station-app-bundle/2``) is, byte for byte::

    station-app-bundle/2\n                       the format line
    {"created_at":…,"direction":…,"format":…,"size":…,"station_id":…}\n
    nonce (12 random bytes)
    AES-256-GCM(zlib(payload JSON)) with its 16-byte tag  (``size`` bytes)

The header line says nothing personal: only what a reader needs to find the key (the
station's id) and to tell the file at a glance. The payload is compressed, then encrypted
and authenticated with AES-256-GCM under a key derived (HKDF-SHA256) from the bundle
secret the station and the district share (given at enrollment; ``district-server
enroll`` prints it for stations that are never online), with an ``info`` naming the
purpose and the direction — a station's file can never be read as the district's, nor the
reverse. The two clear lines are the associated data: a changed header fails like a
changed payload. A file that was altered, cut short, has bytes after its end, or was
sealed with another key is refused whole; nothing of it is applied.

Files of format ``station-app-bundle/1`` (gzip JSON ``{"format", "payload", "mac"}``,
signed with HMAC-SHA256 but in clear), written by an older release, are still read in
both directions, their signature checked; they are logged as such. Files are always
written in format /2, readable by their owner only (0600).

- station → district (``export_station_bundle`` / ``import_station_bundle``): every pending
  change in batches, and the station's pull cursor;
- district → station (``export_district_bundle`` / ``import_district_bundle``): what the
  station would pull from its cursor, and acknowledgements: for each of the station's rows
  (and each shared row another station owns that this one changed) the stamp the district
  holds, which clears every outbox entry at or below it; and the rows of the station's
  last file the district refused, with the reason, which the station holds for the clerk
  (and sends again with its next file).

Importing a bundle twice changes nothing: batches are idempotent, acknowledgements and the
cursor are the same the second time.
"""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import logging
import os
import secrets
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select

from station_app.domain.actor import SYSTEM_SYNC
from station_app.domain.ids import uuid7
from station_app.domain.models import MODEL_BY_TABLE, ChangeLog, StationCredential
from station_app.storage import outbox
from station_app.storage.capture import utc_now_text
from station_app.storage.database import Database
from station_app.storage.keys import write_private
from sync.changeset import (
    APPLY_ORDER,
    Changeset,
    ChangesetError,
    from_wire,
    to_wire,
)
from sync.merge import ImmutableConflict, MergeResult, apply_changeset, apply_isolating
from sync.outbound import hold, prune, wire_rows

log = logging.getLogger(__name__)

FAMILY = b"station-app-bundle/"
FORMAT = "station-app-bundle/2"  # what this release writes
FORMAT_1 = "station-app-bundle/1"  # an older release's, still read
BATCH = 1_000


class BundleError(ValueError):
    """A sync file that cannot be written or read; the message says what to do, in the
    clerk's language (``message(lang)``) — ``str()`` is the English one, for logs."""

    def __init__(self, en: str, zh: str | None = None):
        super().__init__(en)
        self.en, self.zh = en, zh or en

    def message(self, lang: str = "zh") -> str:
        return self.zh if lang.startswith("zh") else self.en


KEY_CHARS = 64  # hex digits of a bundle key (32 random bytes)


CHECK_CHARS = 8  # the key's last hex digits: a check of the rest against the station


def new_bundle_key(station_id: str) -> str:
    """A new bundle key for a station: 56 random hex digits, then 8 that check them
    against the station's id — so a station can tell a mistyped key, or another
    station's, the moment it is typed, though nothing it signs can be checked there."""
    body = secrets.token_hex((KEY_CHARS - CHECK_CHARS) // 2)
    return body + _key_check(body, station_id)


def key_fits(key: str, station_id: str) -> bool:
    """Whether a (clean) key carries the check of this station."""
    body, check = key[:-CHECK_CHARS], key[-CHECK_CHARS:]
    return hmac.compare_digest(check, _key_check(body, station_id))


def _key_check(body: str, station_id: str) -> str:
    return hmac.new(body.encode(), station_id.encode(), hashlib.sha256).hexdigest()[
        :CHECK_CHARS]


def clean_bundle_key(text: str, station: tuple[str, str] | None = None) -> str:
    """The bundle key as typed or pasted (spaces, dashes, line breaks and case do not
    matter), or ``BundleError`` naming what is wrong with it. ``station`` (id, code): the
    key must also be that station's."""
    key = "".join(ch for ch in text if not ch.isspace() and ch != "-").lower()
    if len(key) != KEY_CHARS or any(ch not in "0123456789abcdef" for ch in key):
        raise BundleError(
            f"the bundle key has {KEY_CHARS} characters 0-9 and a-f (printed by "
            f"`district-server enroll` as 'bundle secret'); what was given has {len(key)}"
            + ("" if len(key) != KEY_CHARS else " but other characters"),
            f"文件同步密钥应为 {KEY_CHARS} 位，由 0-9 和 a-f 组成（区总工会注册站点时打印的"
            f"“bundle secret”）；输入的是 {len(key)} 位"
            + ("" if len(key) != KEY_CHARS else "，但含有其他字符"))
    if station is not None:
        station_id, code = station
        if not key_fits(key, station_id):
            raise BundleError(
                f"this key is not station {code}'s, or it is mistyped: check it against the "
                f"one the district printed for {code}",
                f"该密钥不是站点 {code} 的，或者输错了：请与区总工会为 {code} 打印的密钥核对")
    return key


def set_station_key(db: Database, text: str) -> None:
    """Keep the bundle key the district gave this station (checked first)."""
    db.set_state("bundle_secret", clean_bundle_key(text, _station(db)))


def _station(db: Database) -> tuple[str, str]:
    return db.station_id, db.state().get("station_code", "")


def _canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def _mac(secret: str, payload: dict[str, Any]) -> str:
    return hmac.new(secret.encode(), _canonical(payload), hashlib.sha256).hexdigest()


# the purpose and the direction of a file, bound into its key: a station's file never
# opens as the district's, nor the district's as a station's
_INFO = {"up": b"station-app sync file v2: station to district",
         "down": b"station-app sync file v2: district to station"}
NONCE = 12  # bytes: random for every file
_MAX_HEADER = 1024  # bytes of the header line, at most
MAX_INFLATED = 1 << 30  # bytes of a payload once unpacked, at most (no app file comes near)


def file_key(secret: str, direction: str) -> bytes:
    """The AES-256 key of a /2 file in one direction, derived from the bundle secret."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=_INFO[direction]).derive(secret.encode())


def write_bundle(path: Path, payload: dict[str, Any], secret: str) -> None:
    """``payload`` (its ``direction``, ``station_id`` and ``created_at`` go into the clear
    header) sealed into ``path``: written whole or not at all, readable by its owner."""
    header = {"format": FORMAT, "station_id": payload["station_id"],
              "direction": payload["direction"], "created_at": payload["created_at"]}
    packed = zlib.compress(json.dumps(payload, ensure_ascii=False,
                                      separators=(",", ":")).encode(), 6)
    header["size"] = len(packed) + 16  # (the GCM tag)
    clear = (FORMAT.encode() + b"\n"
             + json.dumps(header, sort_keys=True, separators=(",", ":")).encode() + b"\n")
    nonce = os.urandom(NONCE)
    sealed = AESGCM(file_key(secret, header["direction"])).encrypt(nonce, packed, clear)
    write_private(Path(path), clear + nonce + sealed)


def _damaged(path: Path, why: object) -> BundleError:
    return BundleError(f"{path} is not a sync file (or it is damaged): {why}",
                       f"{Path(path).name} 不是同步文件，或文件已损坏（可能没有复制完整）")


def _foreign(path: Path) -> BundleError:
    return BundleError(f"{path} fails its integrity check: it was changed, or it was "
                       "made for another station; nothing was imported",
                       f"{path} 未通过完整性校验：文件被改动过，或是为其他站点生成的；"
                       "未导入任何内容")


def _other_version(path: Path) -> BundleError:
    return BundleError(f"{path} is not a sync file of this app version",
                       f"{path} 不是本软件这一版本的同步文件")


def _not_for(path: Path, direction: str) -> BundleError:
    if direction == "down":  # (this station's own file, or another station's)
        return BundleError(f"{path} is not a district file for this station",
                           f"{path} 不是区总工会发给本站点的同步文件")
    return BundleError(f"{path} is not a station's file", f"{path} 不是站点的同步文件")


_NO_KEY = ("no bundle key for this station: enroll it (the key is printed by "
           "`district-server enroll`)",
           "没有该站点的文件同步密钥：请先注册站点（密钥在区总工会注册站点时打印）")


def read_bundle(path: Path, secret_for: Callable[[dict[str, Any]], str | None], *,
                direction: str | None = None, station_id: str | None = None
                ) -> dict[str, Any]:
    """The payload of a sync file, opened and checked whole, or ``BundleError``.

    ``secret_for`` is given the file's clear header (``station_id``, ``direction``) and
    returns the bundle secret to open it with. ``direction`` (``up``/``down``) and
    ``station_id``: what the reader expects; a file that says otherwise is refused before
    any key is looked for. A file of an older release (format /1) is read too."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _damaged(path, exc) from exc
    if data[:2] == b"\x1f\x8b":  # gzip: an older release's file
        payload = _read_v1(path, data, secret_for)
    else:
        payload = _read_v2(path, data, secret_for, direction, station_id)
    if direction is not None and payload.get("direction") != direction:
        raise _not_for(path, direction)
    if station_id is not None and payload.get("station_id") != station_id:
        raise _not_for(path, direction or "down")
    return payload


def _read_v2(path: Path, data: bytes, secret_for: Callable[[dict[str, Any]], str | None],
             direction: str | None, station_id: str | None) -> dict[str, Any]:
    first = data.find(b"\n", 0, 64)
    if not data.startswith(FAMILY) or first < 0:
        raise _damaged(path, "it does not begin as a sync file does")
    if data[:first] != FORMAT.encode():  # a newer (or unknown) release's
        raise _other_version(path)
    second = data.find(b"\n", first + 1, first + 1 + _MAX_HEADER)
    try:
        if second < 0:
            raise ValueError("its header is not whole")
        header = json.loads(data[first + 1:second])
        if not (isinstance(header, dict) and header.get("format") == FORMAT
                and header.get("direction") in _INFO
                and isinstance(header.get("station_id"), str)
                and type(header.get("size")) is int):
            raise ValueError("its header is not a sync file's")
    except ValueError as exc:
        raise _damaged(path, exc) from exc
    body = data[second + 1:]
    if len(body) != NONCE + header["size"]:  # cut short, or bytes after its end
        raise _damaged(path, f"{len(body) - NONCE} bytes of sealed data where its header "
                             f"says {header['size']}")
    if direction is not None and header["direction"] != direction:
        raise _not_for(path, direction)
    if station_id is not None and header["station_id"] != station_id:
        raise _not_for(path, direction or "down")
    secret = secret_for(header)
    if not secret:
        raise BundleError(*_NO_KEY)
    try:
        packed = AESGCM(file_key(secret, header["direction"])).decrypt(
            body[:NONCE], body[NONCE:], data[:second + 1])
    except InvalidTag:
        raise _foreign(path) from None
    unpack = zlib.decompressobj()
    try:
        text = unpack.decompress(packed, MAX_INFLATED)
        if unpack.unconsumed_tail:
            raise ValueError(f"more than {MAX_INFLATED >> 20} MiB once unpacked")
        if not unpack.eof or unpack.unused_data:
            raise ValueError("its content is not whole")
        payload = json.loads(text)
    except (zlib.error, ValueError) as exc:
        raise _damaged(path, exc) from exc
    if not (isinstance(payload, dict)
            and all(payload.get(k) == header.get(k)
                    for k in ("direction", "station_id", "created_at"))):
        raise _foreign(path)  # (sealed with the key, yet not what its header says)
    return payload


def _read_v1(path: Path, data: bytes, secret_for: Callable[[dict[str, Any]], str | None]
             ) -> dict[str, Any]:
    """An older release's file: gzip JSON, signed (HMAC-SHA256), in clear."""
    try:
        data = json.loads(gzip.decompress(data))
    except (OSError, EOFError, ValueError) as exc:
        raise _damaged(path, exc) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT_1:
        raise _other_version(path)
    payload = data.get("payload")
    if not isinstance(payload, dict):
        raise BundleError(f"{path} has no payload", f"{path} 中没有同步内容")
    secret = secret_for(payload)
    if not secret:
        raise BundleError(*_NO_KEY)
    if not hmac.compare_digest(str(data.get("mac")), _mac(secret, payload)):
        raise _foreign(path)
    log.info("%s: a sync file of format /1 (an older release's: signed, not encrypted), "
             "%s, station %s: read", path.name,
             "station to district" if payload.get("direction") == "up"
             else "district to station", payload.get("station_id"))
    return payload


# --------------------------------------------------------------------------- station side


def export_station_bundle(db: Database, path: Path) -> int:
    """Every pending change into a sealed file for the district. Returns the row count."""
    secret = db.state().get("bundle_secret")
    if not secret:
        raise BundleError("this station has no bundle key yet: enter the key the district "
                          "gave at enrollment (--bundle-secret)",
                          "本站点还没有文件同步密钥：请输入区总工会注册站点时给出的密钥")
    prune(db)
    changesets = []
    with db.reader() as s:
        pending = outbox.pending(s)
        conn = s.connection()
        for i in range(0, len(pending), BATCH):
            by_table: dict[str, list[str]] = {}
            for table, row_id, _h in pending[i:i + BATCH]:
                by_table.setdefault(table, []).append(row_id)
            # the rows as a push sends them: each with the stamp its change was made on,
            # so that the district tells a concurrent edit from a plain update
            rows = {table: wire_rows(conn, table, by_table[table])
                    for table in APPLY_ORDER if by_table.get(table)}
            changesets.append(to_wire(Changeset(db.station_id, db.node_id, uuid7(), rows)))
    from sync.district import LATER_TABLES, PULL_READS

    state = db.state()
    pulled = (state.get(PULL_READS) or "").split(",")
    cursor = int(state.get("pull_cursor") or 0)
    payload = {"direction": "up", "station_id": db.station_id, "created_at": utc_now_text(),
               "pull_cursor": cursor, "changesets": changesets,
               # the later tables this station reads, and those it never had from the
               # start (the district's file back catches up on them)
               "reads": list(LATER_TABLES),
               "catch_up": [t for t in LATER_TABLES if t not in pulled] if cursor else []}
    write_bundle(path, payload, secret)
    return len(pending)


def import_district_bundle(db: Database, path: Path, key: str | None = None) -> MergeResult:
    """Apply the district's file: its changes, then its acknowledgements. ``key``: the
    bundle key typed for this file (the first time); kept only once the file proves it
    right, so a mistyped key never replaces a good one."""
    secret = clean_bundle_key(key, _station(db)) if key else db.state().get("bundle_secret")
    # (this station's own file, or another station's, is refused saying so)
    payload = read_bundle(path, lambda _p: secret, direction="down",
                          station_id=db.station_id)
    cursor = max(int(payload["cursor"]), int(db.state().get("pull_cursor") or 0))
    reads = payload.get("reads")
    # (an older file of the district's read again brings nothing newer than what is here:
    # its changes merge by stamp, its acknowledgements change nothing; the cursor stays)
    with db.session(SYSTEM_SYNC) as s:
        # this station's changes to other stations' enterprises, kept at the district for
        # review, are done with first: the district's version, in the changes, then stands
        outbox.acknowledge(s, [tuple(a) for a in payload.get("proposed", [])])
    try:
        cs = from_wire(payload["changeset"])
        result = apply_changeset(db, cs, pushing_station=None, from_district=True)
    except (ChangesetError, ImmutableConflict) as exc:
        raise BundleError(f"{path} was refused: {exc}; nothing of it was imported",
                          f"{path} 被拒绝：{exc}；未导入任何内容") from exc
    with db.session(SYSTEM_SYNC) as s:
        outbox.acknowledge(s, [tuple(a) for a in payload["acks"]])
    if key:  # the file proved the key typed right: it is this station's from now on
        db.set_state("bundle_secret", secret)
    # rows of this station's last file the district refused: held, with its reason
    result.refused = [tuple(r) for r in payload.get("refused", [])]
    hold(db, result.refused)
    db.set_state("pull_cursor", str(cursor))
    if reads is not None:  # (the later tables the file was made for, caught up on)
        from sync.district import PULL_READS

        db.set_state(PULL_READS, ",".join(reads))
    db.set_state("last_sync", utc_now_text())
    return result


# --------------------------------------------------------------------------- district side


def _station_secret(db: Database, payload: dict[str, Any]) -> str | None:
    with db.reader() as s:
        cred = s.get(StationCredential, payload.get("station_id"))
        if cred is not None and cred.revoked_at:
            raise BundleError(
                f"this station's access was revoked on {cred.revoked_at[:10]}: its files "
                "are refused until it is enrolled again (`district-server enroll`)",
                f"该站点的访问权限已于 {cred.revoked_at[:10]} 撤销：重新注册之前不接受其同步文件")
        return None if cred is None else cred.bundle_secret


def import_station_bundle(db: Database, path: Path) -> list[MergeResult]:
    """Apply a station's file at the district (each batch once, however often imported).

    No one is there to resend part of a batch, so a row the district refuses (a visit to
    a station it does not know …) is set apart here (``merge.apply_isolating``) and the
    rest applied; the refused rows travel back in the district's next file for this
    station, which holds them for the clerk. A file carries all the station's pending
    rows, so the refusals of its latest file are all there are: they replace earlier
    ones, and a row the district accepts now (what was missing exists) is no longer
    refused."""
    payload = read_bundle(path, lambda p: _station_secret(db, p), direction="up")
    station = payload["station_id"]
    results = []
    for n, wire in enumerate(payload["changesets"], 1):
        try:
            cs = from_wire(wire)
        except ChangesetError as exc:
            raise BundleError(
                f"batch {n} of {len(payload['changesets'])} in {path} cannot be read: {exc}; "
                f"the {n - 1} batch(es) before it were applied (importing the file again "
                "applies nothing twice)",
                f"{path} 中第 {n} 批（共 {len(payload['changesets'])} 批）无法读取：{exc}；"
                f"此前的 {n - 1} 批已导入（再次导入不会重复）") from exc
        results.append(apply_isolating(db, cs, pushing_station=station))
    with db.session(SYSTEM_SYNC) as s:
        cred = s.get(StationCredential, station)
        cred.last_sync_at = utc_now_text()
    state = db.state()
    made = str(payload.get("created_at") or "")
    if made >= state.get(f"bundle_made:{station}", ""):  # not an older file read again
        db.set_state(f"bundle_made:{station}", made)
        # where the station's pulls stand: the district's file back starts there
        db.set_state(f"bundle_cursor:{station}", str(int(payload.get("pull_cursor") or 0)))
        # the later tables it reads (an older release's file says none) and those to
        # catch up on from the start
        db.set_state(f"bundle_reads:{station}", json.dumps(
            {"reads": payload.get("reads") or [], "catch_up": payload.get("catch_up") or []}))
        db.set_state(f"bundle_refused:{station}", json.dumps(
            [list(r) for result in results for r in result.refused], ensure_ascii=False))
        # its changes to other stations' enterprises, kept for review: acknowledged too
        db.set_state(f"bundle_proposed:{station}", json.dumps(
            [list(k) for result in results for k in result.proposed]))
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
        raise BundleError("this station is not enrolled (or it was revoked): "
                          "`district-server enroll` it first",
                          "该站点尚未注册（或已被撤销）：请先用 district-server enroll 注册该站点")
    tables = json.loads(db.state().get(f"bundle_reads:{station_id}") or "{}")
    reads = tuple(tables.get("reads") or ())
    cs, cursor = pull(db, station_id, after, limit=10**9, reads=reads)
    catch_up = tuple(tables.get("catch_up") or ())
    if catch_up and after:
        earlier, _cursor = pull(db, station_id, 0, limit=10**9, reads=reads, only=catch_up)
        for table, rows in earlier.rows.items():
            have = {r["id"] for r in cs.rows.get(table, ())}
            cs.rows.setdefault(table, []).extend(r for r in rows if r["id"] not in have)
    acks = []
    with db.reader() as s:
        for table in APPLY_ORDER:
            model = MODEL_BY_TABLE[table]
            acks += [[table, i, h] for i, h in s.execute(
                select(model.id, model.hlc).where(model.station_id == station_id))]
            if model.__shared__:
                # shared rows another station owns that this one changed (an enterprise
                # it corrected): the district holds them too, so they are acknowledged
                changed = (select(ChangeLog.row_id)
                           .where(ChangeLog.table_name == table,
                                  ChangeLog.origin_id == station_id))
                acks += [[table, i, h] for i, h in s.execute(
                    select(model.id, model.hlc).where(model.id.in_(changed),
                                                      model.station_id != station_id))]
    state = db.state()
    proposed = json.loads(state.get(f"bundle_proposed:{station_id}") or "[]")
    refused = json.loads(state.get(f"bundle_refused:{station_id}") or "[]")
    payload = {"direction": "down", "station_id": station_id, "created_at": utc_now_text(),
               "cursor": cursor, "changeset": to_wire(cs), "acks": acks,
               "proposed": proposed, "refused": refused}
    if reads:  # (a file for an older release says nothing of tables it does not read)
        payload["reads"] = list(reads)
    write_bundle(path, payload, secret)
    return cs.count()
