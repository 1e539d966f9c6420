"""Sync by file: station → district and back, signed, idempotent, tamper-evident."""

from __future__ import annotations

import gzip
import json

import pytest
from sqlalchemy import func, select

from station_app.domain.actor import Actor
from station_app.domain.ids import DISTRICT_OWNER_ID
from station_app.domain.models import Member, OutboxEntry, Target
from station_app.domain.services import members, stations
from station_app.domain.validation import id_check_char
from station_app.storage.database import open_database
from sync.bundle import (
    BundleError,
    export_district_bundle,
    export_station_bundle,
    import_district_bundle,
    import_station_bundle,
)
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


def count(db, model):
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(model)).scalar_one()


def test_round_trip_by_file(db, admin, district, tmp_path):
    secret = enroll(district, "KY01").bundle_secret
    with db.session(admin) as s:
        for n in range(1, 4):
            body = f"44030519800101{n:03d}"
            members.register_member(s, {"name": "会员" + "甲乙丙"[n - 1],
                                        "id_number": body + id_check_char(body)})
    up = tmp_path / "ky01-up.bundle"
    with pytest.raises(BundleError, match="bundle key"):
        export_station_bundle(db, up)
    db.set_state("bundle_secret", secret)
    assert export_station_bundle(db, up) == 3
    import_station_bundle(district, up)
    import_station_bundle(district, up)  # twice: nothing more
    assert count(district, Member) == 3
    with district.session(DISTRICT) as s:
        stations.set_target(s, 2026, "training_events", 40)
    down = tmp_path / "ky01-down.bundle"
    export_district_bundle(district, db.station_id, down)
    import_district_bundle(db, down)
    import_district_bundle(db, down)  # twice: nothing more
    assert count(db, Target) == 1
    assert count(db, OutboxEntry) == 0  # acknowledged by file
    assert count(db, Member) == 3


def test_a_changed_or_foreign_file_is_refused(db, admin, district, tmp_path):
    secret = enroll(district, "KY01").bundle_secret
    db.set_state("bundle_secret", secret)
    with db.session(admin) as s:
        body = "44030519800101001"
        members.register_member(s, {"name": "张三", "id_number": body + id_check_char(body)})
    up = tmp_path / "up.bundle"
    export_station_bundle(db, up)
    data = json.loads(gzip.decompress(up.read_bytes()))
    data["payload"]["changesets"][0]["rows"]["members"][0]["name"] = "李四"
    forged = tmp_path / "forged.bundle"
    forged.write_bytes(gzip.compress(json.dumps(data, ensure_ascii=False).encode()))
    with pytest.raises(BundleError, match="integrity"):
        import_station_bundle(district, forged)
    (tmp_path / "junk.bundle").write_bytes(b"not a bundle")
    with pytest.raises(BundleError, match="not a sync file"):
        import_station_bundle(district, tmp_path / "junk.bundle")
    assert count(district, Member) == 0
    enroll(district, "KY01")  # a new enrollment keeps the key; a revoked station has none
    from sync.district import revoke

    revoke(district, "KY01")
    with pytest.raises(BundleError, match="no bundle key"):
        import_station_bundle(district, up)
