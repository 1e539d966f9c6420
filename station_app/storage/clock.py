"""The hybrid logical clock (HLC) that orders changes between stations and the district.

A stamp is fixed-width sortable text ``{wall_ms:013d}-{counter:05d}-{node}``: comparing two
stamps as strings compares (wall ms, counter, node). The clock

- never goes backwards, even when the laptop's wall clock does (the counter advances);
- advances past any remote stamp it observes, so a change made after receiving a row
  always sorts after it;
- is persisted in ``local_state`` (key ``hlc``) in the same transaction as the rows it
  stamped (see ``capture``), and re-read at the start of each write so two processes on one
  file stay ordered.

When the laptop clock ran fast, stamps from that time lie in the future and the clock
keeps issuing them. ``Database.correct_clock(actor)`` resets the clock to the (now fixed) wall
time and re-stamps the rows still waiting in the outbox; see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

COUNTER_MAX = 99_999


@dataclass(frozen=True, order=True)
class Stamp:
    wall_ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.wall_ms:013d}-{self.counter:05d}-{self.node}"

    @classmethod
    def parse(cls, text: str) -> Stamp:
        try:
            wall, counter, node = text.split("-", 2)
            return cls(int(wall), int(counter), node)
        except (ValueError, AttributeError):
            raise ValueError(f"not a clock stamp: {text!r}") from None


class ClockDriftError(ValueError):
    """A stamp lies too far in the future of this machine's clock."""

    def __init__(self, stamp: str, ahead_ms: int):
        self.stamp, self.ahead_ms = stamp, ahead_ms
        super().__init__(
            f"clock stamp {stamp} is {ahead_ms / 60000:.1f} minutes ahead of this computer's "
            "clock: the clock of the computer that wrote it is wrong")


# Sync refuses remote stamps further ahead than this (the district does the same).
MAX_REMOTE_AHEAD_MS = 5 * 60 * 1000


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class HybridClock:
    """A thread-safe HLC for one node. ``now_fn`` is injectable for tests of clock jumps."""

    def __init__(self, node: str, last: str | None = None, now_fn=wall_ms):
        self.node = node
        self._now = now_fn
        self._lock = threading.Lock()
        self._ms = 0
        self._counter = 0
        if last:
            self.observe(last)

    def tick(self) -> str:
        """A new stamp, greater than every stamp issued or observed before."""
        with self._lock:
            now = self._now()
            if now > self._ms:
                self._ms, self._counter = now, 0
            else:
                self._bump()
            return str(Stamp(self._ms, self._counter, self.node))

    def observe(self, stamp: str, *, max_ahead_ms: int | None = None) -> None:
        """Advance past a stamp seen elsewhere (a remote row, or the stored clock).

        With ``max_ahead_ms``, a stamp further than that ahead of this machine's wall
        clock is refused (``ClockDriftError``): one laptop with a wrong date must not drag
        every other clock into the future through sync.
        """
        remote = Stamp.parse(stamp)
        if max_ahead_ms is not None and remote.wall_ms - self._now() > max_ahead_ms:
            raise ClockDriftError(stamp, remote.wall_ms - self._now())
        with self._lock:
            if (remote.wall_ms, remote.counter) > (self._ms, self._counter):
                self._ms, self._counter = remote.wall_ms, remote.counter

    def last(self) -> str:
        with self._lock:
            return str(Stamp(self._ms, self._counter, self.node))

    def reset(self) -> None:
        """Forget the past: the next stamp follows the wall clock again (clock correction)."""
        with self._lock:
            self._ms, self._counter = 0, 0

    def ahead_ms(self) -> int:
        """How far the clock runs ahead of the wall clock (0 when it does not)."""
        with self._lock:
            return max(0, self._ms - self._now())

    def _bump(self) -> None:
        if self._counter >= COUNTER_MAX:
            self._ms += 1
            self._counter = 0
        else:
            self._counter += 1
