"""Who may write what: the district decides (docs/SYNC.md, *Who writes what*).

A station sends its own rows; the district writes everything else. Per table:

- **stations, targets, the upper union's sign-offs of hardship files** (and any table of
  the district's decisions: ``DISTRICT_TABLES``): the district's alone. A station never
  sends them (the upper sign-off of a station's file is pulled by that station,
  ``sync.district.pull``).
- **members, hardship files, household members, ledger entries, visits, events, event
  participants, sign-offs** (a station head's, of a file or a week's visits): the owning
  station's. A row names its station (``station_id``), which
  is the pushing station, and never changes; a row refers only to rows of the same
  station (``OWN_PARENTS``: a ledger entry to a file of the station's own, a reversal to
  an entry of its own …).
- **district-only rows** of those tables (``district_row``): a station visit (站点调研)
  is the district's work; a removal from the watch list is the district's decision.
- **signed reports** (history, like the ledger): a station sends the reports its station
  admin signed — its own, ``scope`` "station", never deleted; the same id with other
  content is refused by the merge (409). The district's own signed reports (``scope``
  "district") are the district's alone and never leave it.
- **export records** (``export_records``, history): a station sends the records of its
  own exports and prints, never deleted; the district's own stay at the district.
- **sign-offs** (``signoffs``): a station's own, of its own files (``OWN_PARENTS``);
  voided when the record changes, never deleted.
- **district-only columns** (``DISTRICT_COLUMNS``): a member's ``transferred_from_id``
  (set by a transfer), the upper union's sign-off as older releases kept it on a hardship
  file (``upper_signed_*``, no longer written since revision 0012). A station's new row
  leaves them empty; on a row the district holds, the district's values stand (a station's
  version is applied with them, and the row goes back to the station).
- **enterprises** (shared): a station registers an enterprise as its own (``station_id``
  the station, its area the station's or none). The owner edits and deletes it (its area
  only to itself or none). Another station's change — an edit, a deletion, the same
  enterprise registered twice — is a *proposal*: not applied, kept at the district for
  review (``sync_conflicts``, ``loser_source`` "review"), and the district's version goes
  back to that station. The district settles it (``conflicts resolve``: ``loser`` applies
  the proposal as the district's own change).
- **watch-list entries** (shared, history): a station lists an enterprise of its area
  (``area_station_id``, or the registering station when none) or one it visits (a visit
  of its own, at the district or in the same batch); the listing is its own row.

A changeset that breaks a rule is refused whole (``OwnershipError``, HTTP 403): nothing
of it is applied. The app never makes such a changeset; a broken or hostile client does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

DISTRICT_TABLES = frozenset({"stations", "targets", "case_upper_signoffs"})
# the tables where a station's change to another owner's row is a proposal (all others:
# a station sends its own rows only)
PROPOSAL_TABLES = frozenset({"enterprises"})
DISTRICT_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "members": ("transferred_from_id",),
    "hardship_cases": ("upper_signed_by", "upper_signed_date"),
}
# column -> table of rows that must be the pushing station's own
OWN_PARENTS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "hardship_cases": (("member_id", "members"),),
    "household_members": (("case_id", "hardship_cases"),),
    "ledger_entries": (("case_id", "hardship_cases"), ("reverses_id", "ledger_entries")),
    "event_members": (("event_id", "events"), ("member_id", "members")),
    "signoffs": (("case_id", "hardship_cases"),),
}
CHUNK = 900  # ids per look-up (below SQLite's parameter limit)


class OwnershipError(PermissionError):
    """A changeset that writes what its station may not: refused whole (HTTP 403)."""

    status = 403

    def __init__(self, table: str, row_id: str, problem: str):
        self.table, self.row_id, self.problem = table, row_id, problem
        super().__init__(f"{table} {row_id}: {problem}")


def district_row(table: str, row: Mapping[str, Any]) -> str | None:
    """Why a row of a station's table is the district's to write, or None."""
    if table == "visits" and (row["kind"] == "station" or row["target_station_id"]):
        return "station visits (站点调研) are the district's to record"
    if table == "watch_list_entries" and row["action"] != "listed":
        return "the district decides removals from the watch list"
    if table == "signed_reports" and row.get("scope") != "station":
        return "the district's own report is the district's to sign"
    return None


def _owners(s: Session, table: str, ids: set[str], column: str = "station_id"
            ) -> dict[str, Any]:
    """id -> ``column`` of the rows of ``table`` with these ids that the district holds
    (rows of this batch already applied included)."""
    conn = s.connection()
    out: dict[str, Any] = {}
    wanted = sorted(ids)
    for i in range(0, len(wanted), CHUNK):
        chunk = wanted[i:i + CHUNK]
        if conn.dialect.name == "postgresql":
            rows = conn.exec_driver_sql(
                f"SELECT id, {column} FROM {table} WHERE id = ANY(%(ids)s)", {"ids": chunk})
        else:
            rows = conn.exec_driver_sql(
                f"SELECT id, {column} FROM {table} WHERE id IN "
                f"({', '.join('?' * len(chunk))})", tuple(chunk))
        out.update(rows.all())
    return out


def check(s: Session, table: str, rows: Sequence[Mapping[str, Any]],
          existing: Mapping[str, Any], station: str,
          batch: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Refuse (``OwnershipError``) rows of ``table`` that ``station`` may not write.
    ``existing``: id -> the row the district holds (ORM object); ``batch``: the whole
    changeset's rows, by table (for a visit in the same batch)."""
    if table in DISTRICT_TABLES:
        raise OwnershipError(table, rows[0]["id"], f"only the district writes {table}")
    district_columns = DISTRICT_COLUMNS.get(table, ())
    for row in rows:
        row_id = row["id"]
        why = district_row(table, row)
        if why:
            raise OwnershipError(table, row_id, why)
        current = existing.get(row_id)
        if table == "signed_reports" and row["deleted"]:
            raise OwnershipError(table, row_id, "a signed report is never deleted")
        if table == "signoffs" and row["deleted"]:
            raise OwnershipError(table, row_id, "a sign-off is voided, never deleted")
        if table == "export_records" and row["deleted"]:
            raise OwnershipError(table, row_id, "the record of an export is never deleted")
        if table == "enterprises":
            _check_enterprise(row, current, station)
        elif row["station_id"] != station:
            raise OwnershipError(table, row_id, "a station writes only its own rows")
        elif current is not None and current.station_id != station:
            raise OwnershipError(table, row_id, "a row's owner never changes")
        if current is None:
            for column in district_columns:
                if row[column] is not None:
                    raise OwnershipError(table, row_id,
                                         f"only the district sets {column}")
    for column, parent in OWN_PARENTS.get(table, ()):
        refs = {row[column] for row in rows if row[column] is not None}
        if not refs:
            continue
        for ref, owner in _owners(s, parent, refs).items():
            if owner != station:
                offender = next(r["id"] for r in rows if r[column] == ref)
                raise OwnershipError(table, offender,
                                     f"refers to {parent} {ref} of another station")
    if table == "watch_list_entries":
        _check_listings(s, rows, station, batch)


def _check_enterprise(row: Mapping[str, Any], current: Any, station: str) -> None:
    row_id, area = row["id"], row["area_station_id"]
    if current is None:
        if row["station_id"] != station:
            raise OwnershipError("enterprises", row_id,
                                 "an enterprise a station registers is its own")
        if area not in (None, station):
            raise OwnershipError("enterprises", row_id,
                                 "a station registers enterprises of its own area only")
    elif current.station_id == station:
        if row["station_id"] != station:
            raise OwnershipError("enterprises", row_id, "a row's owner never changes")
        if area != current.area_station_id and area not in (None, station):
            raise OwnershipError("enterprises", row_id,
                                 "an enterprise's area goes to another station only by "
                                 "the district")
    elif row["station_id"] not in (current.station_id, station):
        raise OwnershipError("enterprises", row_id, "a row's owner never changes")
    # (another station's enterprise, changed here: a proposal, see sync.merge)


def _check_listings(s: Session, rows: Sequence[Mapping[str, Any]], station: str,
                    batch: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """A station lists enterprises of its area, or ones it visits."""
    wanted = {r["enterprise_id"] for r in rows}
    areas = _owners(s, "enterprises", wanted,
                    "coalesce(area_station_id, station_id)")
    outside = {e for e in wanted if areas.get(e, station) != station}
    if not outside:
        return
    visited = {v["enterprise_id"] for v in batch.get("visits", ())
               if v["station_id"] == station and not v["deleted"]}
    outside -= visited
    if outside:
        conn = s.connection()
        ids = sorted(outside)
        for i in range(0, len(ids), CHUNK):
            chunk = ids[i:i + CHUNK]
            if conn.dialect.name == "postgresql":
                found = conn.exec_driver_sql(
                    "SELECT DISTINCT enterprise_id FROM visits WHERE station_id = %(st)s "
                    "AND deleted = false AND enterprise_id = ANY(%(ids)s)",
                    {"st": station, "ids": chunk})
            else:
                found = conn.exec_driver_sql(
                    "SELECT DISTINCT enterprise_id FROM visits WHERE station_id = ? AND "
                    f"deleted = 0 AND enterprise_id IN ({', '.join('?' * len(chunk))})",
                    (station, *chunk))
            outside -= {r[0] for r in found}
    if outside:
        offender = next(r["id"] for r in rows if r["enterprise_id"] in outside)
        raise OwnershipError("watch_list_entries", offender,
                             "a station lists enterprises of its own area, or ones it "
                             "visits")
