"""The district's HTTP API (FastAPI), all under ``/v1``; see docs/SYNC.md for the contract.

``create_app(db)`` builds the application around one open district database. The app keeps
no state between requests but the database handle (and, per process, the count of recent
failed attempts and the helper process of the checks): every request is one (or a few)
transactions of its own, so any number of workers can serve the same database.

Errors are JSON ``{"detail": "…"}`` with the HTTP status the problem deserves; a refused
push applies nothing. Nothing a client sends gets a 5xx: what the service cannot read or
store is a 4xx naming the field (the OpenAPI document, ``/v1/openapi.json``, holds the
changeset's JSON Schema), a busy database a 503 with ``Retry-After``, and anything else —
a fault of the service — is logged with its traceback in ``district-server.log``.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from fastapi import Depends, FastAPI, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool

from station_app import __version__
from station_app.domain.ids import station_id_for
from station_app.domain.models import StationCredential
from station_app.storage.capture import utc_now_text
from station_app.storage.clock import MAX_REMOTE_AHEAD_MS, Stamp, wall_ms
from station_app.storage.database import Database, open_database
from sync import district, validate
from sync.changeset import (
    MAX_INT,
    MAX_ROWS,
    VERSION,
    Changeset,
    ChangesetError,
    from_wire,
    json_schema,
    to_wire,
)
from sync.merge import (
    ROW_REFUSALS,
    OwnershipError,
    Refusals,
    apply_changeset,
    reason_text,
    refusal,
)
from sync.transient import is_busy, is_transient

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024 * 1024  # bytes of changeset JSON, after decompression
MAX_COMPRESSED = 16 * 1024 * 1024  # bytes of a gzip-compressed request body
DB_ENV = "DISTRICT_SERVER_DB"  # the database of app_from_env (multi-worker serving)
KEY_ENV = "DISTRICT_SERVER_KEY_FILE"  # its key file, when not beside it (``--key-file``)
APPLY_TRIES = 4  # a push that met a deadlock (or a serialisation failure) is tried again
# Failed attempts (a wrong token, a wrong enrollment code) from one address, or for one
# station's code, within the window: beyond them every attempt is refused (429) until the
# window has passed.
MAX_FAILURES = 10
FAILURE_WINDOW_S = 600
# The checks of a batch this large run in a helper process while its rows apply (see
# ``Checks``); smaller batches are checked here, at once.
HELPER_ROWS = 1_000
WARM_HELPER_ROWS = 200  # a push this large starts the helper, for the larger ones to come


class ApiError(Exception):
    """An answer other than 200: status and JSON body."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None,
                 **extra: Any):
        super().__init__(detail)
        self.status, self.body, self.headers = status, {"detail": detail, **extra}, headers


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
    if inflater.unused_data:
        # a second gzip member, or bytes after the first: one member, nothing after it
        raise ApiError(400, "the gzip body has data after its end (a second member or "
                            "trailing bytes); send one gzip member")
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


class FailureLimit:
    """Failed attempts by key (a client address, a station's code) in a sliding window;
    a key with ``MAX_FAILURES`` of them is refused until the oldest leaves the window.
    Per process (each worker counts its own)."""

    def __init__(self, limit: int = MAX_FAILURES, window_s: float = FAILURE_WINDOW_S):
        self.limit, self.window_s = limit, window_s
        self.failures: dict[str, list[float]] = {}
        self.lock = threading.Lock()

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self.failures.get(key, ()) if now - t < self.window_s]
        if times:
            self.failures[key] = times
        else:
            self.failures.pop(key, None)
        return times

    def refuse_if_blocked(self, *keys: str) -> None:
        now = time.monotonic()
        with self.lock:
            for key in keys:
                times = self._recent(key, now)
                if len(times) >= self.limit:
                    wait = int(self.window_s - (now - times[0])) + 1
                    raise ApiError(429, f"too many failed attempts; try again in {wait} s",
                                   headers={"Retry-After": str(wait)})

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self.lock:
            if len(self.failures) > 100_000:  # (never grows without bound)
                for key in list(self.failures):
                    self._recent(key, now)
            for key in keys:
                self.failures.setdefault(key, []).append(now)


class Checks:
    """The district's checks of a push (``sync.validate``). A large batch is checked in a
    helper process while its rows apply here (``merge.apply_changeset`` applies them under
    a savepoint, and again without the refused rows when some are refused): the checks
    then cost the push hardly any time on a machine with a second core. The helper starts
    with the first sizeable push; until it is ready, and whenever it fails, the checks run
    here. Small batches are checked here at once."""

    def __init__(self) -> None:
        self.pool: ProcessPoolExecutor | None = None
        self.warm: Future | None = None
        self.lock = threading.Lock()

    def start_helper(self) -> None:
        """Start the helper now (the service does as it starts), not at the first
        sizeable push."""
        self._helper(WARM_HELPER_ROWS)

    def _helper(self, rows: int) -> ProcessPoolExecutor | None:
        with self.lock:
            if self.pool is None and rows >= WARM_HELPER_ROWS:
                import multiprocessing

                self.pool = ProcessPoolExecutor(
                    1, mp_context=multiprocessing.get_context("spawn"),
                    initializer=validate.helper_started, initargs=(os.getpid(),))
                self.warm = self.pool.submit(validate.ready)
            if self.pool is None or rows < HELPER_ROWS or not self.warm.done():
                return None
            return self.pool

    def start(self, cs: Changeset, body: bytes, controls: bool
              ) -> Refusals | Callable[[], Refusals]:
        """The refused rows of ``cs`` (whose JSON is ``body``), or a function that waits
        for them."""
        pool = self._helper(cs.count())
        if pool is None:
            return validate.refusals(cs, controls=controls)
        try:
            future = pool.submit(validate.refusals_of_body, body, controls)
        except RuntimeError:  # the helper is gone (broken, or shutting down)
            self._lost()
            return validate.refusals(cs, controls=controls)

        def wait() -> Refusals:
            try:
                t0 = time.perf_counter()
                found = future.result()
                log.debug("checks of %d rows: waited %.0f ms for the helper", cs.count(),
                          (time.perf_counter() - t0) * 1000)
                return found
            except Exception:  # the helper died: the checks are done here
                log.exception("the helper process of the checks failed; checking here")
                self._lost()
                return validate.refusals(cs, controls=controls)

        return wait

    def _lost(self) -> None:
        with self.lock:
            pool, self.pool, self.warm = self.pool, None, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self._lost()


def create_app(db: Database, *, helper: bool = False) -> FastAPI:
    """The district API over ``db`` (a district database). ``helper``: start the helper
    process of the checks as the service starts (``district-server serve``); else it
    starts with the first sizeable push."""
    if not db.is_district:
        raise ValueError("not a district database (run `district-server init` first)")
    writes = SerialWrites(db)
    failures = FailureLimit()
    checks = Checks()

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if helper:
            checks.start_helper()
        try:
            yield
        finally:
            checks.close()

    app = FastAPI(title="Station app district sync", version=__version__,
                  description="The district's sync service: stations enroll, push their "
                              "changes and pull the district's (docs/SYNC.md).",
                  docs_url=None, redoc_url=None, openapi_url="/v1/openapi.json",
                  lifespan=lifespan)
    # level 1: most of what level 9 saves, at a fraction of the time per answer
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=1)
    app.state.db = db
    app.state.failures = failures
    app.state.checks = checks

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        headers = dict(exc.headers or {})
        if exc.status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(exc.body, status_code=exc.status, headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's own answer is a list of dicts; a sentence says the same to a person
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg')}"
            for e in exc.errors())
        return JSONResponse({"detail": f"the request is not valid: {problems}",
                             "errors": jsonable_encoder(exc.errors())}, status_code=422)

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, exc: DBAPIError) -> JSONResponse:
        if is_busy(exc) or is_transient(exc):
            # another writer held the database past the wait, or a deadlock outlived the
            # tries: nothing was applied; the station tries again in a moment
            log.warning("%s %s: database busy (%s)", request.method, request.url.path,
                        type(exc.orig).__name__)
            return JSONResponse({"detail": "the district database is busy; nothing was "
                                           "applied, try again in a moment"},
                                status_code=503, headers={"Retry-After": "2"})
        return _fault(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _fault(request, exc)

    def _fault(request: Request, exc: BaseException) -> JSONResponse:
        # a fault of the service, never of what was sent: the traceback goes to the log
        # (district-server.log), the answer says where to look
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        return JSONResponse({"detail": "an unexpected problem in the district service "
                                       f"({type(exc).__name__}); nothing was applied. The "
                                       "details are in district-server.log"},
                            status_code=500)

    codes: dict[str, str] = {}  # station id → code, for the log

    def code_of(station: str) -> str:
        if station not in codes:
            from station_app.domain.models import Station

            with db.reader() as s:
                row = s.get(Station, station)
            codes[station] = row.code if row is not None else station
        return codes[station]

    def client_key(request: Request) -> str:
        return "address:" + (request.client.host if request.client else "?")

    def authenticated(request: Request) -> str:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if not header:
            raise ApiError(401, "no station token: send the header "
                                "'Authorization: Bearer <token>' (enroll first)")
        if scheme.lower() != "bearer" or not token.strip():
            raise ApiError(401, "the Authorization header must be 'Bearer <token>'")
        key = client_key(request)
        failures.refuse_if_blocked(key)
        station = district.station_for_token(db, token.strip())
        if station is None:
            failures.failed(key)
            raise ApiError(401, "this station token is unknown or was revoked; ask the "
                                "district for a new enrollment code")
        return station

    @app.get("/v1/health", summary="The service's version, clock and limits")
    def health() -> dict[str, Any]:
        return {"ok": True, "version": __version__, "changeset_version": VERSION,
                "time_ms": wall_ms(), "max_rows": MAX_ROWS, "max_body": MAX_BODY}

    @app.post("/v1/enroll", summary="Exchange a one-time enrollment code for a token",
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": ENROLL_SCHEMA}}}},
              responses={401: {"description": "wrong, used, expired or revoked code"},
                         429: {"description": "too many failed attempts"}})
    async def enroll(request: Request) -> dict[str, Any]:
        data = _parse_json(await _read_body(request))
        if not isinstance(data, dict) or not isinstance(data.get("station_code"), str) \
                or not isinstance(data.get("code"), str):
            raise ApiError(422, 'the body must be {"station_code": "…", "code": "…"}')
        station = station_id_for(data["station_code"])
        keys = (client_key(request), "station:" + station)
        failures.refuse_if_blocked(*keys)

        def redeem():
            with writes:
                return district.redeem(db, station, data["code"])

        redeemed = await run_in_threadpool(redeem)
        if redeemed is None:
            failures.failed(*keys)
            raise ApiError(401, "this enrollment code is wrong, already used, expired or "
                                "revoked; ask the district for a new one")
        token, secret = redeemed
        return {"station_id": station, "token": token, "bundle_secret": secret}

    @app.post("/v1/push", summary="Apply one changeset of the station's changes",
              openapi_extra={"requestBody": {"required": True, "content": {
                  "application/json": {"schema": json_schema()}}}},
              responses=PUSH_RESPONSES)
    async def push(request: Request, station: str = Depends(authenticated)) -> Response:
        t0 = time.perf_counter()
        body = await _read_body(request)
        data = _parse_json(body)
        t1 = time.perf_counter()
        # a body as sent without any control character needs no look at its texts
        controls = validate.may_hold_controls(body)
        result = await run_in_threadpool(_push, db, station, data, body, controls, writes,
                                         checks)
        t2 = time.perf_counter()
        answer = _json(result)
        log.info("push %s from %s: %d new, %d updated, %d unchanged, %d conflicts, "
                 "%d for review, %d refused; read %.0f ms, applied %.0f ms, answered "
                 "%.0f ms", result["batch_id"], code_of(station), result["inserted"],
                 result["updated"], result["unchanged"], result["conflicts"],
                 result["review"], len(result["refused"]), (t1 - t0) * 1000,
                 (t2 - t1) * 1000, (time.perf_counter() - t2) * 1000)
        return answer

    @app.get("/v1/pull", summary="The district's changes after the station's cursor")
    def pull(after: int = Query(0, ge=0, le=MAX_INT,
                                description="the last change number the station applied"),
             limit: int = Query(district.PULL_ROWS, ge=1, le=district.PULL_ROWS),
             reseed: bool = Query(False),
             reads: str = Query("", pattern=TABLE_LIST, description=(
                 "the later tables the station reads, comma-separated "
                 f"({', '.join(district.LATER_TABLES)}); an older station sends none")),
             only: str | None = Query(None, pattern=TABLE_LIST, description=(
                 "just these later tables (a station catching up on one it begins to "
                 "read, from after=0)")),
             station: str = Depends(authenticated)) -> Response:
        # reseed: after the station restored a backup, its own rows come back too
        scope = {"include_own": reseed, "reads": _tables(reads),
                 "only": None if only is None else _tables(only)}
        cs, cursor = district.pull(db, station, after, limit=limit, **scope)
        more = _has_more(db, station, cursor, **scope)
        with writes:
            _touch(db, station)
        return _json({"changeset": to_wire(cs), "cursor": cursor, "more": more})

    return app


ENROLL_SCHEMA = {
    "type": "object", "required": ["station_code", "code"], "additionalProperties": True,
    "properties": {"station_code": {"type": "string"}, "code": {"type": "string"}},
}
PUSH_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "applied (or applied before): the acknowledged rows (`acks`), "
                         "the refused ones with their reasons (`refused`)"},
    400: {"description": "not JSON, not UTF-8, broken gzip, data after the gzip member"},
    401: {"description": "no token, or an unknown or revoked one"},
    403: {"description": "the changeset writes what this station may not (docs/SYNC.md, "
                         "*Who writes what*); nothing applied"},
    409: {"description": "a stamp ahead of the district's clock (`server_time_ms`), a "
                         "history row changed, or a batch id reused with other rows"},
    413: {"description": "too large"},
    415: {"description": "a Content-Encoding other than gzip"},
    422: {"description": "a malformed changeset (`where` names the place)"},
    426: {"description": "a changeset version this service does not speak"},
    429: {"description": "too many failed attempts from this address"},
    503: {"description": "the database is busy; nothing applied (`Retry-After`)"},
}


def _json(data: Any) -> Response:
    """A JSON answer encoded by orjson: a push's acknowledgement or a pull's changeset has
    thousands of rows, which FastAPI's own encoder walks value by value."""
    return Response(orjson.dumps(data), media_type="application/json")


def _push(db: Database, station: str, data: Any, body: bytes = b"", controls: bool = True,
          writes: SerialWrites | None = None, checks: Checks | None = None
          ) -> dict[str, Any]:
    try:
        cs = from_wire(data)
    except ChangesetError as exc:
        raise ApiError(exc.status, f"{exc}; nothing of this batch was applied",
                       where=exc.where) from None
    if cs.station_id != station:
        raise ApiError(403, "this changeset belongs to another station than the one this "
                            "token was issued to; nothing was applied")
    _check_clock(cs)
    refused = (checks.start(cs, body, controls) if checks is not None
               else validate.refusals(cs, controls=controls))
    with writes or SerialWrites(db):
        return _apply(db, station, cs, refused)


def _apply(db: Database, station: str, cs: Changeset,
           refused: Refusals | Callable[[], Refusals] | None = None) -> dict[str, Any]:
    for attempt in range(APPLY_TRIES):
        try:
            result = apply_changeset(db, cs, pushing_station=station, refusals=refused)
            break
        except ROW_REFUSALS as exc:
            status, reason = refusal(exc)
            said = str(exc) if isinstance(exc, OwnershipError) else reason_text(reason, "en")
            raise ApiError(status, f"{said}; nothing of this batch was applied",
                           reason=reason) from None
        except DBAPIError as exc:
            # a deadlock or a serialisation failure (by SQLSTATE, never by the message,
            # which a server in another language words otherwise): rolled back whole,
            # tried again
            if not is_transient(exc) or attempt == APPLY_TRIES - 1:
                raise
            log.info("push %s met %s; trying again", cs.batch_id, exc.orig.sqlstate)
            time.sleep(0.05 * (attempt + 1))
    _touch(db, station)
    return {"batch_id": result.batch_id, "duplicate": result.duplicate,
            "inserted": result.inserted, "updated": result.updated,
            "unchanged": result.unchanged, "lost": result.lost,
            "conflicts": result.conflicts, "review": result.review,
            "acks": [list(a) for a in result.acks],
            "refused": [list(r) for r in result.refused]}


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


def _has_more(db: Database, station: str, cursor: int, **scope: Any) -> bool:
    """Whether the station's pull scope holds changes after ``cursor`` (asked of
    ``district.pull`` itself, so the scope is defined in one place)."""
    return district.pull(db, station, cursor, limit=1, **scope)[0].count() > 0


# a pull's ``reads`` / ``only``: names of later tables, comma-separated
TABLE_LIST = "^(" + "|".join(district.LATER_TABLES) + ")?(,(" + "|".join(
    district.LATER_TABLES) + "))*$"


def _tables(text: str) -> frozenset[str]:
    return frozenset(t for t in text.split(",") if t)


def _touch(db: Database, station: str) -> None:
    from station_app.domain.actor import SYSTEM_SYNC

    with db.session(SYSTEM_SYNC) as s:
        cred = s.get(StationCredential, station)
        if cred is not None:
            cred.last_sync_at = utc_now_text()


_SAFE_DB = re.compile(r"//[^@/]*@")  # the password of a database URL, left out of logs


def app_from_env() -> FastAPI:
    """App factory for ``uvicorn --factory`` / several workers: the database comes from the
    environment variable ``DISTRICT_SERVER_DB`` (a path or a database URL). Each worker
    logs to ``district-server.log`` as ``serve`` does."""
    target = os.environ.get(DB_ENV)
    if not target:
        raise RuntimeError(f"set {DB_ENV} to the district database")
    from station_app.logs import setup_logging
    from station_app.storage.keys import read_district_key
    from sync.server.cli import SERVER_CACHE_MIB

    setup_logging("district-server")
    log.info("worker %d serving %s", os.getpid(), _SAFE_DB.sub("//…@", target))
    key_file = os.environ.get(KEY_ENV)  # (else a SQLite file's key file beside it)
    key = read_district_key(Path(key_file)) if key_file else None
    return create_app(open_database(target, cache_mib=SERVER_CACHE_MIB, durable=True,
                                    key=key, key_file=False if key else None),
                      helper=True)
