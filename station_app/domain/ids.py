"""Identifiers: UUIDv7 for rows born anywhere, UUIDv5 for ids two places must agree on.

A station and the district derive the same station id from the station code, and two
stations that register the same enterprise offline derive the same enterprise id from its
credit code, so those rows meet instead of duplicating.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

# Project namespace for derived ids. Never change it: every derived id depends on it.
NAMESPACE = uuid.UUID("6f1c2a52-3f0e-5b7a-9c41-2d9e8b7a1c00")

_lock = threading.Lock()
_last_ms = 0
_seq = 0


_pool = memoryview(b"")  # random bytes from the OS, drawn 4 KiB at a time (under _lock)
_POOL_BYTES = 4096


def _random64() -> int:
    """64 random bits from the OS's generator: one system call per 512 ids, not per id."""
    global _pool
    if len(_pool) < 8:
        _pool = memoryview(os.urandom(_POOL_BYTES))
    chunk, _pool = _pool[:8], _pool[8:]
    return int.from_bytes(chunk, "big")


def uuid7() -> str:
    """A time-ordered UUID (RFC 9562 version 7) as text; monotonic within this process."""
    global _last_ms, _seq
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last_ms:
            ms = _last_ms
            _seq += 1
            if _seq > 0xFFF:  # 12-bit counter exhausted: borrow the next millisecond
                ms += 1
                _seq = 0
        else:
            _seq = int.from_bytes(os.urandom(2), "big") & 0x3FF
        _last_ms = ms
        seq = _seq
        rand = _random64() & 0x3FFF_FFFF_FFFF_FFFF
    value = (ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76
    value |= seq << 64
    value |= 0b10 << 62
    value |= rand
    # formatted by hand: str(uuid.UUID(int=…)) costs three times as much, and a 100,000-row
    # import makes 100,000 of these
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def station_id_for(code: str) -> str:
    """The id of the station with this code, the same at the station and the district."""
    return str(uuid.uuid5(NAMESPACE, "station:" + code.strip().upper()))


def enterprise_id_for(credit_code: str) -> str:
    """The id of the enterprise with this 统一社会信用代码 (credit codes are unique)."""
    return str(uuid.uuid5(NAMESPACE, "enterprise:" + credit_code.strip().upper()))


def target_id_for(year: int, metric: str, station_id: str | None) -> str:
    """One target row per (year, metric, station or whole district)."""
    return str(uuid.uuid5(NAMESPACE, f"target:{year}:{metric}:{station_id or '*'}"))


# Rows decided by the district (stations, targets, removals from the watch list) are owned
# by this pseudo-station.
DISTRICT_OWNER_ID = str(uuid.uuid5(NAMESPACE, "district"))
DISTRICT_CODE = "DISTRICT"  # the district database's own code (never a station's)
