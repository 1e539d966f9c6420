"""Station side of sync over HTTP: enroll once, compare clocks, push, pull.

``SyncClient(db).sync()`` does a whole round:

1. compare clocks with the district (``/v1/health``): a laptop clock more than five
   minutes off stops the round with a message naming the laptop's clock; stamps left in
   the future by an earlier wrong clock are re-stamped once the clock is right again;
2. push the outbox in batches (gzip JSON); each acknowledgement clears only what it
   covers, so an interrupted push resumes where it stopped and never duplicates. A batch
   the district refuses is split until the refused rows are isolated; those are held
   (``local_state`` ``sync_held``) with the district's reason for the clerk, and the rest of
   the queue goes on. Held rows are tried again first at the next round (the district may
   have fixed what refused them) — not by the page's automatic tries, which would split
   the same refusals every few minutes;
3. pull what changed at the district since the station's cursor, applied without echo,
   a pending local change never overwritten silently.

Network errors are retried with back-off; answers from the district are not.
"""

from __future__ import annotations

import gzip
import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from station_app.domain.actor import SYSTEM_SYNC
from station_app.storage.capture import utc_now_text
from station_app.storage.clock import MAX_REMOTE_AHEAD_MS, wall_ms
from station_app.storage.database import Database
from sync import tls
from sync.changeset import Changeset, from_wire, to_wire
from sync.merge import apply_changeset, reason_text
from sync.outbound import acknowledge, gather, held, keep_held, prune

log = logging.getLogger(__name__)

RETRIES = (0.5, 1.0, 2.0)  # seconds between attempts after a network error
# Batch size: a push starts at ``batch_rows`` and doubles the next batch while the
# district applies a full one in under GROW_BELOW_S, up to the district's limits; it halves
# when one takes longer than SHRINK_ABOVE_S. A first push of a large station so needs
# fewer, larger transactions at the district (each commit rewrites the index pages the
# batch touched), while progress and cancel stay a few seconds apart.
GROW_BELOW_S = 1.5
SHRINK_ABOVE_S = 6.0
OLD_DISTRICT_LIMITS = (5_000, 16 * 1024 * 1024)  # a district that does not say its own
RETRY_HELD_ROWS = 200  # held rows sent again per batch (they are few, and may be long)
BUSY_FACTOR = 2  # a busy district (503) is given longer between attempts
# Idle connections are dropped after this long: shorter than the district's keep-alive
# (sync.server.cli.KEEP_ALIVE_S), so a request never goes out on a connection the district
# is closing at that moment.
CLIENT_KEEP_ALIVE_S = 10


def encode(cs: Changeset) -> bytes:
    """A changeset as the body of a push: JSON, gzip (level 1: on a LAN or loopback the
    time to compress more would cost more than the bytes it saves)."""
    return compress(orjson.dumps(to_wire(cs)))


def compress(raw: bytes) -> bytes:
    return gzip.compress(raw, compresslevel=1)


class SyncError(Exception):
    """A sync round could not go on; the message says what to do."""

    def __init__(self, en: str, zh: str | None = None):
        super().__init__(en)
        self.en, self.zh = en, zh or en

    def message(self, lang: str = "zh") -> str:
        return self.zh if lang.startswith("zh") else self.en


class ClockError(SyncError):
    pass


class Cancelled(SyncError):
    def __init__(self):
        super().__init__("sync cancelled", "同步已取消")


@dataclass
class SyncReport:
    pushed: int = 0
    batches: int = 0
    pulled: int = 0
    conflicts: int = 0
    held: list[str] = field(default_factory=list)  # refused (again) in this round
    # changes to enterprises of other stations: the district keeps them for review
    review: int = 0
    still_held: int = 0  # rows held after this round, from this round or before
    restamped: int = 0


def _is_json(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").split(";")[0].strip() == \
        "application/json"


def clean_server_url(text: str) -> str:
    """The district's address as typed: without a scheme (``district:8765``) it is
    ``https://`` — ``http://`` only for this computer (``localhost:8765``); anything that
    is not a web address is refused, saying so. (Whether the station may use it is
    ``sync.tls.check_address``.)"""
    raw = text.strip()
    if "://" not in raw:
        try:
            local = tls.is_loopback_host(httpx.URL("http://" + raw).host)
        except (httpx.InvalidURL, ValueError):
            local = False
        raw = ("http://" if local else "https://") + raw
    try:
        url = httpx.URL(raw)
        ok = url.scheme in ("http", "https") and bool(url.host) and " " not in raw
    except (httpx.InvalidURL, ValueError):
        ok = False
    if not ok:
        raise SyncError(f"“{text.strip()}” is not a web address; the district's looks like "
                        "https://district:8765 (ask the district for it).",
                        f"“{text.strip()}”不是有效的网址；区总工会服务器地址形如 "
                        "https://district:8765（请向区总工会索取）。")
    return raw.rstrip("/")


def set_transport(db: Database, *, fingerprint: str | None = None, ca_pem: str | None = None,
                  plain_lan: bool | None = None) -> None:
    """Keep the station's transport settings (each checked first; ``""`` clears the
    fingerprint or the CA): the district certificate's pinned fingerprint, the district's
    CA (PEM text), whether plain HTTP may go to the local network."""
    try:
        if fingerprint is not None:
            db.set_state("district_fingerprint",
                         tls.clean_fingerprint(fingerprint) if fingerprint.strip() else "")
        if ca_pem is not None:
            db.set_state("district_ca", tls.clean_ca(ca_pem) if ca_pem.strip() else "")
    except tls.TransportRefused as exc:
        raise SyncError(exc.en, exc.zh) from None
    if plain_lan is not None:
        db.set_state("sync_plain_http", "1" if plain_lan else "")


class SyncClient:
    def __init__(self, db: Database, server: str | None = None, *,
                 transport: httpx.BaseTransport | None = None, timeout: float = 30.0,
                 batch_rows: int = 1_000, max_batch_rows: int | None = None,
                 progress: Callable[[str, int, int], None] | None = None,
                 cancelled: Callable[[], bool] | None = None):
        self.db = db
        state = db.state()
        given = bool(server and server.strip())
        # checked before it replaces the address kept (a typo, an address the token must
        # not go to, must not lose it); kept even when the district does not answer now —
        # it may just be down
        self.server = clean_server_url(server) if given else \
            (state.get("district_server") or "").rstrip("/")
        if not self.server:
            raise SyncError("No district address yet: give --server URL once.",
                            "尚未设置区总工会服务器地址：请先用 --server 指定一次。")
        try:
            tls.check_address(self.server, bool(state.get("sync_plain_http")))
        except tls.TransportRefused as exc:
            raise SyncError(exc.en, exc.zh) from None
        if given:
            db.set_state("district_server", self.server)
        self.token = state.get("sync_token")
        self.batch_rows = batch_rows  # the first batch of a push
        self.max_batch_rows = max_batch_rows  # None: grow up to what the district accepts
        self.limits = OLD_DISTRICT_LIMITS  # (rows, JSON bytes) per push; from /v1/health
        self.progress = progress or (lambda _stage, _done, _total: None)
        self.cancelled = cancelled or (lambda: False)
        self.http = httpx.Client(base_url=self.server, timeout=timeout, transport=transport,
                                 headers={"Accept-Encoding": "gzip"},
                                 verify=tls.verify_for(state),
                                 limits=httpx.Limits(keepalive_expiry=CLIENT_KEEP_ALIVE_S))

    def close(self) -> None:
        self.http.close()

    # -- transport ---------------------------------------------------------------------

    def _request(self, method: str, path: str, **kwargs) -> httpx.Response:
        if self.token:
            kwargs.setdefault("headers", {})["Authorization"] = f"Bearer {self.token}"
        for attempt, pause in enumerate((*RETRIES, None)):
            if self.cancelled():
                raise Cancelled()
            try:
                response = self.http.request(method, path, **kwargs)
                if response.status_code == 503 and pause is not None:
                    # the district is busy (nothing was applied): the same request again
                    log.info("district busy on %s (attempt %d)", path, attempt + 1)
                    time.sleep(pause * BUSY_FACTOR)
                    continue
                return response
            except httpx.TransportError as exc:
                problem = tls.certificate_problem(exc)
                if problem is not None:  # not the network: never tried again
                    raise SyncError(
                        f"The district at {self.server} did not prove it is the district "
                        f"({problem}). Check the address, and the certificate fingerprint "
                        "or CA file the district gave you.",
                        f"区总工会服务器 {self.server} 的证书未通过验证（与区总工会提供的证书"
                        "指纹或证书文件不符）。请核对服务器地址和证书设置，必要时联系区总工会。"
                    ) from exc
                if pause is None:
                    raise SyncError(
                        f"The district at {self.server} cannot be reached ({exc}). Check "
                        "the network and the address; without a network, sync by file.",
                        f"无法连接区总工会服务器 {self.server}。请检查网络连接和"
                        "服务器地址；没有网络时可以用文件同步。") from exc
                log.info("network error on %s (attempt %d): %s", path, attempt + 1, exc)
                time.sleep(pause)
        raise AssertionError("unreachable")

    @staticmethod
    def _detail(response: httpx.Response, *, reason: bool = False) -> str:
        """What the district said: its JSON ``detail`` (or, with ``reason``, the reason a
        row was refused, when it gave one)."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            return str(body.get("reason") if reason and body.get("reason") else
                       body.get("detail", ""))
        return response.reason_phrase or f"HTTP {response.status_code}"  # not a page of HTML

    def _check(self, response: httpx.Response) -> dict[str, Any]:
        if not _is_json(response) and response.status_code in (200, 404, 405):
            # a web server, but not the district's sync service (a wrong port or path);
            # other answers (a proxy's 413 or 502 …) are reported as they are, below
            raise SyncError(
                f"{self.server} answers, but not as a district sync service (HTTP "
                f"{response.status_code}): check the address with the district.",
                f"{self.server} 有响应，但不是区总工会的同步服务（HTTP "
                f"{response.status_code}）：请向区总工会核对服务器地址。")
        if response.status_code == 401:
            log.warning("district refused the station's token: %s", self._detail(response))
            raise SyncError("The district no longer accepts this station (its access was "
                            "revoked or replaced). Ask the district for a new enrollment "
                            "code.",
                            "区总工会已不再接受本站点（访问权限已被撤销或更换）。"
                            "请向区总工会索取新的注册码。")
        if response.status_code == 429:
            wait = response.headers.get("retry-after", "")
            raise SyncError(f"The district refuses this computer for a while after too many "
                            f"failed attempts; try again in {wait or 'a few'} seconds.",
                            f"失败次数过多，区总工会暂时拒绝本机的请求；请 {wait or '稍等'} 秒后"
                            "再试。")
        if response.status_code == 426:
            raise SyncError(f"Update the app: {self._detail(response)}",
                            "请升级本软件后再同步。")
        if response.status_code >= 400:
            detail = self._detail(response)
            raise SyncError(f"The district refused ({response.status_code}): {detail}",
                            f"区总工会拒绝了请求（{response.status_code}）：{detail}")
        return response.json()

    # -- steps -------------------------------------------------------------------------

    def enroll(self, code: str) -> None:
        station_code = self.db.state().get("station_code", "")
        from sync.district import clean_code

        response = self._request("POST", "/v1/enroll",
                                 json={"station_code": station_code, "code": clean_code(code)})
        if response.status_code == 401 and _is_json(response):
            raise SyncError("The district did not accept the enrollment code: it is "
                            "mistyped, used already, or replaced by a newer one. Check it, "
                            "or ask the district for a new one.",
                            "区总工会未接受该注册码：可能输错了、已经用过，或已被新的注册码取代。"
                            "请核对，或向区总工会索取新的注册码。")
        data = self._check(response)
        self.token = data["token"]
        self.db.set_state("sync_token", data["token"])
        self.db.set_state("bundle_secret", data["bundle_secret"])

    def check_clock(self, report: SyncReport) -> None:
        health = self._check(self._request("GET", "/v1/health"))
        self.limits = (int(health.get("max_rows", OLD_DISTRICT_LIMITS[0])),
                       int(health.get("max_body", OLD_DISTRICT_LIMITS[1])))
        skew = wall_ms() - int(health["time_ms"])
        if abs(skew) > MAX_REMOTE_AHEAD_MS:
            minutes = skew / 60_000
            raise ClockError(
                f"This computer's clock is {abs(minutes):.0f} minutes "
                f"{'ahead of' if skew > 0 else 'behind'} the district's. Set the date and "
                "time right, then sync again.",
                f"本机时钟比区总工会{'快' if skew > 0 else '慢'}了约 {abs(minutes):.0f} 分钟，"
                "请先校正电脑的日期和时间，再同步。")
        if self.db.clock_ahead_ms() > MAX_REMOTE_AHEAD_MS // 2:
            # the clock is right now, but stamps from a wrong clock are still ahead
            report.restamped = self.db.correct_clock(SYSTEM_SYNC)

    def push(self, report: SyncReport, *, retry_held: bool = True) -> None:
        """Send the outbox batch by batch, in order, each acknowledged before the next is
        sent. A helper thread keeps the station's side off the critical path: while the
        district applies one batch, it clears the outbox of the batch before and reads and
        encodes the next (which skips the rows still on their way)."""
        prune(self.db)
        waiting = held(self.db)
        if waiting and retry_held:
            self._retry_held(waiting, report)
        try:
            self._push_queue(report, waiting)
        finally:
            report.still_held = len(held(self.db))

    def _retry_held(self, waiting: dict[str, str], report: SyncReport) -> None:
        """Held rows first, on their own, in batches within the district's limits: what
        it accepts now is acknowledged (and so no longer held), what it refuses again is
        held again with the new reason (split among these rows only). The list stays as
        it was for any row a failure or a cancel leaves unsent."""
        retry = dict(waiting)
        limit = max(1, min(self.limits[0], RETRY_HELD_ROWS))
        sent: set[tuple[str, str]] = set()
        while (cs := gather(self.db, limit=limit, only=retry, skip=sent)) is not None:
            sent |= {(t, r["id"]) for t, rows in cs.rows.items() for r in rows}
            self._send(cs, report, waiting)

    def _push_queue(self, report: SyncReport, held: dict[str, str]) -> None:
        queued = self.db.pending_count()  # for the progress shown: done of all there is
        max_rows, max_body = self.limits
        if self.max_batch_rows:
            max_rows = min(max_rows, self.max_batch_rows)
        body_budget = max_body * 3 // 4  # JSON bytes: room for the district's own limit
        size = [max(1, min(self.batch_rows, max_rows))]  # rows of the next batch
        smallest = min(size[0], 100)

        def prepare(skip: frozenset) -> tuple[Changeset, bytes, int] | None:
            limit = size[0]
            while True:
                cs = gather(self.db, limit=limit, exclude=held, skip=skip)
                if cs is None:
                    return None
                raw = orjson.dumps(to_wire(cs))
                if len(raw) <= body_budget or cs.count() == 1:
                    return cs, compress(raw), limit
                # long texts: the oldest half again, until it fits (the rest follows)
                limit = max(1, cs.count() // 2)
                size[0] = min(size[0], limit)

        with ThreadPoolExecutor(1, thread_name_prefix="sync-push") as helper:
            acks: list[Future] = []

            def ack_later(keys: list[tuple[str, str, str]]) -> None:
                # queued before the next prepare(), so that one sees the outbox cleared
                acks.append(helper.submit(acknowledge, self.db, keys))

            upcoming = helper.submit(prepare, frozenset())
            try:
                while (prepared := upcoming.result()) is not None:
                    cs, body, gathered_at = prepared
                    self.progress("push", report.pushed,
                                  max(queued, report.pushed + cs.count()))
                    on_its_way = frozenset((t, r["id"]) for t, rows in cs.rows.items()
                                           for r in rows)
                    upcoming = helper.submit(prepare, on_its_way)
                    t0 = time.perf_counter()
                    self._send(cs, report, held, body, ack=ack_later)
                    took = time.perf_counter() - t0
                    if took < GROW_BELOW_S and cs.count() >= gathered_at:
                        # (the batch after this one was gathered before this answer came)
                        size[0] = min(max(size[0], gathered_at) * 2, max_rows)
                    elif took > SHRINK_ABOVE_S:  # a busy district: shorter turns at its lock
                        size[0] = max(smallest, min(size[0], cs.count()) // 2)
            finally:
                upcoming.cancel()
                for done in acks:  # an acknowledgement that failed to clear is an error
                    done.result()

    def _send(self, cs: Changeset, report: SyncReport, held: dict[str, str],
              body: bytes | None = None,
              ack: Callable[[list[tuple[str, str, str]]], Any] | None = None) -> None:
        body = body if body is not None else encode(cs)
        response = self._request("POST", "/v1/push", content=body, headers={
            "Content-Type": "application/json", "Content-Encoding": "gzip"})
        if response.status_code in (403, 409, 422) and not self._clock_refusal(response):
            self._isolate(cs, response, report, held)
            return
        data = self._check(response)
        keys = [tuple(a) for a in data["acks"]]
        if ack is None:
            acknowledge(self.db, keys)
        else:
            ack(keys)
        refused = data.get("refused") or []
        for table, row_id, hlc, reason in refused:
            # the rows the district's checks refused, the rest applied: held, with why
            held[f"{table}:{row_id}"] = f"{hlc} {reason}"
            report.held.append(f"{table} {row_id}: {reason_text(reason, 'en')}")
        if refused:
            keep_held(self.db, held)
        report.pushed += cs.count() - len(refused)
        report.batches += 1
        report.conflicts += int(data.get("conflicts", 0))
        report.review += int(data.get("review", 0))

    @staticmethod
    def _clock_refusal(response: httpx.Response) -> bool:
        try:
            return "server_time_ms" in response.json()
        except ValueError:
            return False

    def _isolate(self, cs: Changeset, response: httpx.Response, report: SyncReport,
                 held: dict[str, str]) -> None:
        """Split a refused batch until the refused rows stand alone; hold those."""
        keys = cs.keys()
        if len(keys) == 1:
            table, row_id, hlc = keys[0]
            reason = self._detail(response, reason=True)  # English, tab, Chinese
            held[f"{table}:{row_id}"] = f"{hlc} {reason}"
            report.held.append(f"{table} {row_id}: {reason_text(reason, 'en')}")
            keep_held(self.db, held)
            return
        from station_app.domain.ids import uuid7

        for rows in cs.halves():
            self._send(Changeset(cs.station_id, cs.node, uuid7(), rows), report, held)

    def pull(self, report: SyncReport, *, reseed: bool = False) -> None:
        from sync.district import LATER_TABLES, PULL_READS

        state = self.db.state()
        cursor = 0 if reseed else int(state.get("pull_cursor") or 0)
        reads = ",".join(LATER_TABLES)
        # tables this station reads now and never pulled from the start (an older release
        # did not read them, and the district left them out): caught up on first
        new = [t for t in LATER_TABLES if t not in (state.get(PULL_READS) or "").split(",")]
        if new and cursor and not reseed:
            self._pull_pages(report, 0, {"reads": reads, "only": ",".join(new)},
                             keep_cursor=False)
        self._pull_pages(report, cursor, {"reads": reads, **({"reseed": "true"} if reseed
                                                             else {})})
        if new:
            self.db.set_state(PULL_READS, reads)

    def _pull_pages(self, report: SyncReport, cursor: int, params: dict[str, Any], *,
                    keep_cursor: bool = True) -> None:
        while True:
            data = self._check(self._request("GET", "/v1/pull",
                                             params={"after": cursor, **params}))
            cs = from_wire(data["changeset"])
            if cs.count():
                result = apply_changeset(self.db, cs, pushing_station=None, from_district=True)
                report.pulled += cs.count()
                report.conflicts += result.conflicts
            cursor = int(data["cursor"])
            if keep_cursor:
                self.db.set_state("pull_cursor", str(cursor))
            self.progress("pull", report.pulled, report.pulled)
            if not data.get("more"):
                return

    def reseed(self) -> SyncReport:
        """After restoring a backup: a new node id (so no stamp is ever issued twice), then
        everything of this station the district holds pulled back, so nothing is lost."""
        import secrets

        report = SyncReport()
        if not self.token:
            raise SyncError("This station is not enrolled yet.", "本站点尚未注册。")
        self.check_clock(report)
        node = secrets.token_hex(8)
        self.db.set_state("node_id", node)
        self.db.node_id = node
        self.db.clock.node = node
        self.pull(report, reseed=True)
        self.push(report)
        with self.db.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM local_state WHERE key = 'needs_reseed'")
        self.db.set_state("last_sync", utc_now_text())
        return report

    def sync(self, enrollment_code: str | None = None, *,
             retry_held: bool = True) -> SyncReport:
        report = SyncReport()
        if enrollment_code:
            self.enroll(enrollment_code)
        if not self.token:
            raise SyncError("This station is not enrolled yet: give the enrollment code "
                            "from the district once (--enrollment-code).",
                            "本站点尚未注册：请输入区总工会提供的注册码（只需一次）。")
        if self.db.state().get("needs_reseed"):
            raise SyncError(
                "This file was restored from a backup: run `station-admin sync --reseed` "
                "once, so the district's copy of this station comes back first.",
                "本数据库刚从备份恢复：请先运行一次 station-admin sync --reseed，"
                "取回区总工会保存的本站点数据。")
        self.check_clock(report)
        self.push(report, retry_held=retry_held)
        self.pull(report)
        self.db.set_state("last_sync", utc_now_text())
        return report
