"""Who is acting: passed explicitly to every service (no global current user).

There is no implicit actor. A person acts as the user who logged in; a tool acting
without a person names one of the system actors below, each with only the role its work
needs. A unit of work opened without any actor may read but not write
(``Database.session()``).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, replace

ROLE_RANK = {"clerk": 1, "station_admin": 2, "district_admin": 3}
# The role of the system actors that need no person's rights: it passes no role check
# (a service that asks for a clerk refuses it), yet its writes are stamped and audited.
SYSTEM_ROLE = "system"


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    user_id: int | None = None
    display_name: str = ""

    def at_least(self, role: str) -> bool:
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK[role]

    @property
    def is_person(self) -> bool:
        """A user of the file (logged in), rather than a tool acting on its own."""
        return self.user_id is not None


# -- the system actors ---------------------------------------------------------------------

# Applying changesets (a station's pull, the district's pushes and files), keeping the
# outbox, the enrollment credentials and the derived search keys: writes rows as sync
# brings them (the rules are sync's own, ``sync.rules``), no service rights.
SYSTEM_SYNC = Actor("sync", SYSTEM_ROLE, None, "同步")
# Setting up a new file: the station row and the first administrator (``bootstrap``).
SYSTEM_SETUP = Actor("setup", SYSTEM_ROLE, None, "初始设置")
# The login dialog and ``authenticate``: records the login (or the failed attempt).
SYSTEM_LOGIN = Actor("login", SYSTEM_ROLE, None, "登录")
# The demo data: a station's records and, as a pull would bring them, the district's
# reference data (other stations, targets, removals from the watch list).
SYSTEM_DEMO = Actor("demo", "district_admin", None, "演示数据")
# The command lines (``station-admin``, ``district-server``) act as the administrator at
# the console until they have a login of their own; audited as ``cli:<login name>``.
CLI_ADMIN = Actor("cli", "district_admin", None, "command line")


def cli_admin(program: str) -> Actor:
    """``CLI_ADMIN`` for one command line, named after the person logged in to the
    computer (``cli:<login>``) in the audit log."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no user name known to the system
        login = "unknown"
    return replace(CLI_ADMIN, username=f"cli:{login}", display_name=program)
