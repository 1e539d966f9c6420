"""A station's later edit of its own version is no conflict, even when the district's
acknowledgement has not reached the station yet (by file: a second file sent before the
first one's answer was read). A clerk's walk found five of seven conflicts at the district
to be of this kind; an edit the district made meanwhile still is one."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from station_app.domain.actor import Actor
from station_app.domain.ids import DISTRICT_OWNER_ID
from station_app.domain.models import Member, SyncConflict
from station_app.domain.services import members, stations
from station_app.domain.validation import id_check_char
from station_app.storage.database import open_database
from sync.bundle import export_station_bundle, import_station_bundle
from sync.district import enroll

DISTRICT = Actor("district", "district_admin", None, "区总工会")


@pytest.fixture
def district(tmp_path):
    db = open_database(tmp_path / "district.sqlite3", create=True)
    db.set_state("station_id", DISTRICT_OWNER_ID)
    with db.session(DISTRICT) as s:
        stations.upsert_station(s, "KY01", "葵涌社区工联会")
    yield db
    db.close()


def conflicts(db) -> int:
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(SyncConflict)).scalar_one()


def test_a_second_file_before_the_first_answer_is_no_conflict(db, admin, district,
                                                              tmp_path):
    db.set_state("bundle_secret", enroll(district, "KY01", DISTRICT).bundle_secret)
    body = "44030519800101001"
    with db.session(admin) as s:
        mid = members.register_member(s, {"name": "张三",
                                          "id_number": body + id_check_char(body)}).id
    export_station_bundle(db, tmp_path / "1.bundle")
    import_station_bundle(district, tmp_path / "1.bundle")
    # the district's answer is not read back; the clerk corrects the member twice
    with db.session(admin) as s:
        members.update_member(s, mid, {"phone": "13800138000"})
    export_station_bundle(db, tmp_path / "2.bundle")
    import_station_bundle(district, tmp_path / "2.bundle")
    with db.session(admin) as s:
        members.change_status(s, mid, "left", date(2026, 3, 1))
    export_station_bundle(db, tmp_path / "3.bundle")
    import_station_bundle(district, tmp_path / "3.bundle")
    assert conflicts(district) == 0
    with district.reader() as s:
        m = s.get(Member, mid)
        assert (m.phone, m.status) == ("13800138000", "left")
