"""Setting up a new station database: the station row, its identity, the first admin."""

from __future__ import annotations

from station_app.domain.actor import SYSTEM_SETUP
from station_app.domain.ids import station_id_for
from station_app.domain.services import stations, users
from station_app.domain.services.stations import clean_station_code
from station_app.domain.validation import ErrorCollector, FieldError, ValidationError
from station_app.storage.database import Database


def init_station(db: Database, code: str, name: str, admin_username: str, admin_password: str,
                 *, display_name: str | None = None, street: str | None = None) -> str:
    """Make this database the station ``code``'s: one transaction, or nothing at all.

    Returns the station id. Refuses a database that already belongs to a station.
    """
    c = ErrorCollector()
    code = c.check("station_code", clean_station_code, code)
    c.raise_if_any()
    if db.station_id:
        raise ValidationError([FieldError("station_code", "station.already_initialised",
                                          {"code": db.state().get("station_code", "?")})])
    sid = station_id_for(code)
    with db.session(SYSTEM_SETUP) as s:
        db.set_state("station_id", sid, session=s)
        db.set_state("station_code", code, session=s)
        s.info["ctx"].station_id = sid
        stations.upsert_station(s, code, name, street=street)
        # no display name: the user name is shown (not checked as a person's name —
        # "admin1" is a fine user name)
        users.create_user(s, admin_username, admin_password, "station_admin",
                          display_name, bootstrap=True)
    db.refresh_identity()
    return sid


def init_district(db: Database, admin_username: str, admin_password: str,
                  *, display_name: str | None = None) -> None:
    """Make this (empty) database the district's, with its first district administrator:
    one transaction, or nothing at all. Refuses a database that is already set up."""
    from station_app.domain.ids import DISTRICT_CODE, DISTRICT_OWNER_ID

    if db.station_id:
        raise ValidationError([FieldError("station_code", "station.already_initialised",
                                          {"code": db.state().get("station_code", "?")})])
    with db.session(SYSTEM_SETUP) as s:
        db.set_state("station_id", DISTRICT_OWNER_ID, session=s)
        db.set_state("station_code", DISTRICT_CODE, session=s)
        s.info["ctx"].station_id = DISTRICT_OWNER_ID
        s.info["ctx"].district = True
        users.create_user(s, admin_username, admin_password, "district_admin", display_name,
                          bootstrap=True)
    db.refresh_identity()
