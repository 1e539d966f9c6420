"""The district's HTTP API (FastAPI), all under ``/v1``; see docs/SYNC.md for the contract.

``create_app(db)`` builds the application around one open district database. The app keeps
no state between requests but the database handle: every request is one (or a few)
transactions of its own, so any number of workers can serve the same database.

Errors are JSON ``{"detail": "…"}`` with the HTTP status the problem deserves; a refused
push applies nothing.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import zlib
from typing import Any

import orjson
from fastapi import Depends, FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from station_app import __version__
from station_app.domain.ids import station_id_for
from station_app.domain.models import StationCredential
from station_app.storage.capture import utc_now_text
from station_app.storage.clock import MAX_REMOTE_AHEAD_MS, Stamp, wall_ms
from station_app.storage.database import Database, open_database
from sync import district
from sync.changeset import MAX_ROWS, VERSION, Changeset, ChangesetError, from_wire, to_wire
from sync.merge import ROW_REFUSALS, apply_changeset, reason_text, refusal

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024 * 1024  # bytes of changeset JSON, after decompression
MAX_COMPRESSED = 16 * 1024 * 1024  # bytes of a gzip-compressed request body
DB_ENV = "DISTRICT_SERVER_DB"  # the database of app_from_env (multi-worker serving)


class ApiError(Exception):
    """An answer other than 200: status and JSON body."""

    def __init__(self, status: int, detail: str, **extra: Any):
        super().__init__(detail)
        self.status, self.body = status, {"detail": detail, **extra}


# --------------------------------------------------------------------------- request bodies


async def _read_body(request: Request) -> bytes:
    """The request body, decompressed when sent gzip, within the size limits (413)."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("identity", "gzip"):
        raise ApiError(415, f"Content-Encoding {encoding!r} is not supported; send gzip "
                            "or plain JSON")
    limit = MAX_COMPRESSED if encoding == "gzip" else MAX_BODY
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"the request body is larger than {limit} bytes; send smaller "
                            "batches")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"the request body is larger than {limit} bytes; send "
                                "smaller batches")
        chunks.append(chunk)
    raw = b"".join(chunks)
    if encoding == "identity":
        return raw
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(raw, MAX_BODY + 1)
    except zlib.error as exc:
        raise ApiError(400, f"the body is not valid gzip: {exc}") from None
    if len(data) > MAX_BODY or inflater.unconsumed_tail:
        raise ApiError(413, f"the decompressed body is larger than {MAX_BODY} bytes; send "
                            "smaller batches")
    if not inflater.eof:
        raise ApiError(400, "the gzip body is truncated")
    return data


def _parse_json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, f"the body is not JSON: {exc}") from None


# --------------------------------------------------------------------------- the app


class SerialWrites:
    """On SQLite, the writes of this process one at a time, queued on a Python lock. SQLite
    serialises writers anyway, but its busy handler makes waiting threads poll and sleep,
    so under fifty stations at once one could wait past its timeout while others got in;
    a lock wakes the next writer as soon as the previous one committed. (Several worker
    processes still meet at SQLite's lock: prefer PostgreSQL for them.)"""

    def __init__(self, db: Database):
        self.lock = threading.Lock() if db.engine.dialect.name == "sqlite" else None

    def __enter__(self) -> None:
        if self.lock is not None:
            self.lock.acquire()

    def __exit__(self, *_exc) -> None:
        if self.lock is not None:
            self.lock.release()


def create_app(db: Database) -> FastAPI:
    """The district API over ``db`` (a district database)."""
    if not db.is_district:
        raise ValueError("not a district database (run `district-server init` first)")
    writes = SerialWrites(db)

    app = FastAPI(title="Station app district sync", version=__version__,
                  docs_url=None, redoc_url=None, openapi_url=None)
    # level 1: most of what level 9 saves, at a fraction of the time per answer
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=1)
    app.state.db = db

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(exc.body, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own answer is a list of dicts; a sentence says the same to a person
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg')}"
            for e in exc.errors())
        return JSONResponse({"detail": f"the request is not valid: {problems}",
                             "errors": jsonable_encoder(exc.errors())}, status_code=422)

    codes: dict[str, str] = {}  # station id → code, for the log

    def code_of(station: str) -> str:
        if station not in codes:
            from station_app.domain.models import Station

            with db.reader() as s:
                row = s.get(Station, station)
            codes[station] = row.code if row is not None else station
        return codes[station]

    @app.exception_handler(OperationalError)
    async def _busy(_request: Request, exc: OperationalError) -> JSONResponse:
        if "locked" not in str(exc.orig):
            raise exc
        # another process holds SQLite's write lock past the busy timeout: nothing was
        # applied; the station tries again in a moment
        return JSONResponse({"detail": "the district database is busy; nothing was applied, "
                                       "try again in a moment"},
                            status_code=503, headers={"Retry-After": "2"})

    def authenticated(request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            raise ApiError(401, "no station token: send the header "
                                "'Authorization: Bearer <token>' (enroll first)")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "the Authorization header must be 'Bearer <token>'")
        station = district.station_for_token(db, token.strip())
        if station is None:
            raise ApiError(401, "this station token is unknown or was revoked; ask the "
                                "district for a new enrollment code")
        return station

    @app.get("/v1/health")
    def health() -> dict[str, Any]:
        return {"ok": True, "version": __version__, "changeset_version": VERSION,
                "time_ms": wall_ms(), "max_rows": MAX_ROWS, "max_body": MAX_BODY}

    @app.post("/v1/enroll")
    async def enroll(request: Request) -> dict[str, Any]:
        data = _parse_json(await _read_body(request))
        if not isinstance(data, dict) or not isinstance(data.get("station_code"), str) \
                or not isinstance(data.get("code"), str):
            raise ApiError(422, 'the body must be {"station_code": "…", "code": "…"}')
        station = station_id_for(data["station_code"])
        def redeem():
            with writes:
                return district.redeem(db, station, data["code"])

        redeemed = await run_in_threadpool(redeem)
        if redeemed is None:
            raise ApiError(401, "this enrollment code is wrong, already used or revoked; "
                                "ask the district for a new one")
        token, secret = redeemed
        return {"station_id": station, "token": token, "bundle_secret": secret}

    @app.post("/v1/push")
    async def push(request: Request, station: str = Depends(authenticated)) -> Response:
        t0 = time.perf_counter()
        data = _parse_json(await _read_body(request))
        t1 = time.perf_counter()
        result = await run_in_threadpool(_push, db, station, data, writes)
        t2 = time.perf_counter()
        answer = _json(result)
        log.info("push %s from %s: %d new, %d updated, %d unchanged, %d conflicts; read "
                 "%.0f ms, applied %.0f ms, answered %.0f ms", result["batch_id"],
                 code_of(station),
                 result["inserted"], result["updated"], result["unchanged"],
                 result["conflicts"], (t1 - t0) * 1000, (t2 - t1) * 1000,
                 (time.perf_counter() - t2) * 1000)
        return answer

    @app.get("/v1/pull")
    def pull(after: int = Query(0, ge=0),
             limit: int = Query(district.PULL_ROWS, ge=1, le=district.PULL_ROWS),
             reseed: bool = Query(False),
             station: str = Depends(authenticated)) -> Response:
        # reseed: after the station restored a backup, its own rows come back too
        cs, cursor = district.pull(db, station, after, limit=limit, include_own=reseed)
        more = _has_more(db, station, cursor, include_own=reseed)
        with writes:
            _touch(db, station)
        return _json({"changeset": to_wire(cs), "cursor": cursor, "more": more})

    return app


def _json(data: Any) -> Response:
    """A JSON answer encoded by orjson: a push's acknowledgement or a pull's changeset has
    thousands of rows, which FastAPI's own encoder walks value by value."""
    return Response(orjson.dumps(data), media_type="application/json")


def _push(db: Database, station: str, data: Any,
          writes: SerialWrites | None = None) -> dict[str, Any]:
    try:
        cs = from_wire(data)
    except ChangesetError as exc:
        raise ApiError(exc.status, str(exc), where=exc.where) from None
    if cs.station_id != station:
        raise ApiError(403, "this changeset belongs to another station than the one this "
                            "token was issued to; nothing was applied")
    _check_clock(cs)
    with writes or SerialWrites(db):
        return _apply(db, station, cs)


def _apply(db: Database, station: str, cs: Changeset) -> dict[str, Any]:
    try:
        result = apply_changeset(db, cs, pushing_station=station)
    except ROW_REFUSALS as exc:
        status, reason = refusal(exc)
        raise ApiError(status, f"{reason_text(reason, 'en')}; nothing of this batch was "
                               "applied", reason=reason) from None
    _touch(db, station)
    return {"batch_id": result.batch_id, "duplicate": result.duplicate,
            "inserted": result.inserted, "updated": result.updated,
            "unchanged": result.unchanged, "lost": result.lost,
            "conflicts": result.conflicts, "acks": [list(a) for a in result.acks]}


def _check_clock(cs: Changeset) -> None:
    """Refuse a batch stamped too far in the future: the sending laptop's clock is wrong,
    and such stamps would win every later merge."""
    now = wall_ms()
    # stamps are fixed-width "wall-counter-node" text: only a batch whose newest wall
    # time is too far ahead needs looking into row by row
    newest = max((r["hlc"][:13] for rows in cs.rows.values() for r in rows), default="0")
    if int(newest) - now <= MAX_REMOTE_AHEAD_MS:
        return
    for table, row_id, hlc in cs.keys():
        ahead = Stamp.parse(hlc).wall_ms - now
        if ahead > MAX_REMOTE_AHEAD_MS:
            raise ApiError(
                409,
                f"{table} {row_id} is stamped {ahead / 60_000:.0f} minutes ahead of the "
                "district's clock: the laptop's clock is wrong. Set its date and time "
                "right, then sync again (nothing of this batch was applied).",
                server_time_ms=now)


def _has_more(db: Database, station: str, cursor: int, *, include_own: bool = False) -> bool:
    """Whether the station's pull scope holds changes after ``cursor`` (asked of
    ``district.pull`` itself, so the scope is defined in one place)."""
    return district.pull(db, station, cursor, limit=1, include_own=include_own)[0].count() > 0


def _touch(db: Database, station: str) -> None:
    with db.session() as s:
        cred = s.get(StationCredential, station)
        if cred is not None:
            cred.last_sync_at = utc_now_text()


def app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory`` / several workers: the database comes from the
    environment variable ``DISTRICT_SERVER_DB`` (a path or a database URL)."""
    target = os.environ.get(DB_ENV)
    if not target:
        raise RuntimeError(f"set {DB_ENV} to the district database")
    from sync.server.cli import SERVER_CACHE_MIB

    return create_app(open_database(target, cache_mib=SERVER_CACHE_MIB, durable=True))

