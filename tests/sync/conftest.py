"""The district every sync test runs against: SQLite and a real PostgreSQL 15."""

from __future__ import annotations

import pytest

from station_app.domain.actor import Actor
from station_app.domain.ids import DISTRICT_OWNER_ID
from station_app.domain.services import stations
from station_app.storage.database import open_database

DISTRICT = Actor("district", "district_admin", None, "区总工会")


@pytest.fixture(params=["sqlite", "postgresql"])
def district(request, tmp_path):
    """A district database holding stations KY01 (key) and DP02, on both back-ends."""
    target = (tmp_path / "district.sqlite3" if request.param == "sqlite"
              else request.getfixturevalue("pg_url"))
    db = open_database(target, create=True)
    db.set_state("station_id", DISTRICT_OWNER_ID)
    with db.session(DISTRICT) as s:
        stations.upsert_station(s, "KY01", "葵涌社区工联会", is_key=True)
        stations.upsert_station(s, "DP02", "大鹏社区工联会")
    yield db
    db.close()
