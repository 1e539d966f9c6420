"""What a sync conflict is about, read without SQLAlchemy (the conflicts service and the
district's status both ask)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def conflict_station(station_id: str | None, winner: Mapping[str, Any]) -> str | None:
    """The station whose change met the conflict (at the district the pushing station);
    for a conflict recorded before revision 0008, the row's owner."""
    return station_id or winner.get("station_id")
