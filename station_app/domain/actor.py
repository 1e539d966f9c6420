"""Who is acting: passed explicitly to every service (no global current user)."""

from __future__ import annotations

from dataclasses import dataclass

ROLE_RANK = {"clerk": 1, "station_admin": 2, "district_admin": 3}


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    user_id: int | None = None
    display_name: str = ""

    def at_least(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK[role]


# Tools acting without a person (migrations, demo data, the admin CLI before login).
SYSTEM = Actor("system", "district_admin")
SYNC = Actor("sync", "district_admin")
