"""Sync by file: station → district and back, signed, idempotent, tamper-evident."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from station_app.domain.actor import CLI_ADMIN, SYSTEM_SYNC, Actor
from station_app.domain.ids import DISTRICT_OWNER_ID, station_id_for
from station_app.domain.models import Member, OutboxEntry, SyncConflict, Target
from station_app.domain.services import members, stations
from station_app.domain.services.conflicts import resolve_conflict
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
    secret = enroll(district, "KY01", CLI_ADMIN).bundle_secret
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
    secret = enroll(district, "KY01", CLI_ADMIN).bundle_secret
    db.set_state("bundle_secret", secret)
    with db.session(admin) as s:
        body = "44030519800101001"
        members.register_member(s, {"name": "张三", "id_number": body + id_check_char(body)})
    up = tmp_path / "up.bundle"
    export_station_bundle(db, up)
    from sync.bundle import new_bundle_key, read_bundle, write_bundle

    payload = read_bundle(up, lambda _header: secret)
    payload["changesets"][0]["rows"]["members"][0]["name"] = "李四"
    forged = tmp_path / "forged.bundle"  # sealed again by someone without the key
    write_bundle(forged, payload, new_bundle_key(db.station_id))
    with pytest.raises(BundleError, match="integrity"):
        import_station_bundle(district, forged)
    (tmp_path / "junk.bundle").write_bytes(b"not a bundle")
    with pytest.raises(BundleError, match="not a sync file"):
        import_station_bundle(district, tmp_path / "junk.bundle")
    assert count(district, Member) == 0
    from sync.district import revoke, station_status

    import_station_bundle(district, up)
    with district.reader() as s:  # never online: it syncs by file
        assert [r.enrollment for r in station_status(s)] == ["by file"]
    enroll(district, "KY01", CLI_ADMIN)  # a new enrollment keeps the key; a revoked station has none
    revoke(district, "KY01", CLI_ADMIN)
    with pytest.raises(BundleError, match="revoked") as refused:
        import_station_bundle(district, up)
    assert "撤销" in refused.value.message("zh")
    with pytest.raises(BundleError, match="revoked"):
        export_district_bundle(district, db.station_id, tmp_path / "down.bundle")


def test_a_shared_row_another_station_owns_is_acknowledged_by_file(district, tmp_path):
    """DP02 registers an enterprise; KY01 receives it and corrects its address, both by
    file. KY01's correction is a proposal the district keeps for review (the row stays
    DP02's, as DP02 made it); the district's file back acknowledges it, so nothing is left
    pending to be sent in every later file, and KY01's copy is the district's again. The
    district accepts the proposal: every station receives it."""
    from station_app.domain.models import Enterprise
    from station_app.domain.services import enterprises
    from station_app.domain.services.setup import init_station

    with district.session(DISTRICT) as s:
        stations.upsert_station(s, "DP02", "大鹏社区工联会")
    boss = Actor("boss", "station_admin")
    dbs = {}
    for code in ("KY01", "DP02"):
        dbs[code] = open_database(tmp_path / f"{code}.sqlite3", create=True)
        init_station(dbs[code], code, code, "boss", "boss-pass-1")
        dbs[code].set_state("bundle_secret", enroll(district, code, CLI_ADMIN).bundle_secret)

    def by_file(code: str) -> None:
        db, up, down = dbs[code], tmp_path / f"{code}.up", tmp_path / f"{code}.down"
        export_station_bundle(db, up)
        import_station_bundle(district, up)
        export_district_bundle(district, db.station_id, down)
        import_district_bundle(db, down)

    with dbs["DP02"].session(boss) as s:
        eid = enterprises.register_enterprise(
            s, {"name": "大鹏制衣厂", "credit_code": "91440300618874393H"}).id
    by_file("DP02")
    by_file("KY01")
    with dbs["KY01"].session(boss) as s:
        enterprises.update_enterprise(s, eid, {"address": "葵涌路 1 号"})
    assert count(dbs["KY01"], OutboxEntry) == 1
    by_file("KY01")
    assert count(dbs["KY01"], OutboxEntry) == 0
    with district.reader() as s:
        row = s.get(Enterprise, eid)
        assert (row.address, row.station_id) == (None, dbs["DP02"].station_id)
        proposal = s.execute(select(SyncConflict)).scalar_one()
    assert (proposal.loser_source, proposal.station_id) == ("review",
                                                             dbs["KY01"].station_id)
    assert json.loads(proposal.loser)["address"] == "葵涌路 1 号"
    with dbs["KY01"].reader() as s:  # KY01's copy is the district's again
        assert s.get(Enterprise, eid).address is None
    with district.session(DISTRICT) as s:
        resolve_conflict(s, proposal.id, "loser")
    by_file("KY01")
    by_file("DP02")
    for db in (district, *dbs.values()):
        with db.reader() as s:
            row = s.get(Enterprise, eid)
            assert (row.address, row.station_id) == ("葵涌路 1 号", dbs["DP02"].station_id)
    for db in dbs.values():
        assert count(db, OutboxEntry) == 0
        db.close()


@pytest.mark.parametrize("typed", [
    "  {key}\n", "{key_upper}", "{key_dashed}",
])
def test_the_bundle_key_may_be_pasted_with_spaces_dashes_or_capitals(db, district, typed):
    from sync.bundle import set_station_key

    key = enroll(district, "KY01", CLI_ADMIN).bundle_secret
    text = typed.format(key=key, key_upper=key.upper(),
                        key_dashed="-".join(key[i:i + 8] for i in range(0, 64, 8)))
    set_station_key(db, text)
    assert db.state()["bundle_secret"] == key


def test_a_mistyped_bundle_key_is_refused_with_what_is_wrong(db, district):
    from sync.bundle import set_station_key

    key = enroll(district, "KY01", CLI_ADMIN).bundle_secret
    with pytest.raises(BundleError, match="not station KY01's"):  # one digit wrong
        set_station_key(db, key[:10] + ("0" if key[10] != "0" else "1") + key[11:])
    with pytest.raises(BundleError) as short:
        set_station_key(db, key[:-1])
    assert "63" in short.value.message("en") and "63 位" in short.value.message("zh")
    with pytest.raises(BundleError) as wrong:
        set_station_key(db, key[:-1] + "g")
    assert "other characters" in wrong.value.message("en")
    assert "bundle_secret" not in db.state()


def test_an_edit_sent_by_file_is_no_conflict(db, admin, district, tmp_path):
    """A row the district already holds, edited at the station and sent by file, is a
    plain update there: the file carries the stamp the edit was made on, as a push does,
    so the district does not mistake it for a concurrent edit."""
    from station_app.domain.models import SyncConflict

    db.set_state("bundle_secret", enroll(district, "KY01", CLI_ADMIN).bundle_secret)
    with db.session(admin) as s:
        m = members.register_member(s, {"name": "张三", "id_number": "11010519491231002X"})
    up, down = tmp_path / "up.bundle", tmp_path / "down.bundle"
    export_station_bundle(db, up)
    import_station_bundle(district, up)
    export_district_bundle(district, db.station_id, down)
    import_district_bundle(db, down)
    with db.session(admin) as s:
        members.update_member(s, m.id, {"notes": "文件同步的修改"})
    export_station_bundle(db, up)
    import_station_bundle(district, up)
    assert count(district, SyncConflict) == 0
    with district.reader() as s:
        assert s.get(Member, m.id).notes == "文件同步的修改"


def test_a_refused_row_in_a_file_is_set_apart_and_held_at_the_station(db, admin, district,
                                                                       tmp_path):
    """A station's file with a visit to an enterprise the district does not know (the
    station has it from elsewhere): the rest of the file is applied, the visit is refused
    on its own; the district's file back holds it at the station with the reason. Once the
    district knows the enterprise, the next file (which carries every pending row) brings
    the visit in."""
    from datetime import date

    from station_app.domain.actor import SYSTEM_SYNC
    from station_app.domain.ids import enterprise_id_for
    from station_app.domain.models import Enterprise, Visit
    from station_app.domain.services import enterprises, visits
    from station_app.domain.validation import credit_code_check_char
    from sync.outbound import held

    db.set_state("bundle_secret", enroll(district, "KY01", CLI_ADMIN).bundle_secret)
    with db.session(admin) as s:
        for n in (1, 2):
            body = f"44030519800101{n:03d}"
            members.register_member(s, {"name": "会员" + "甲乙"[n - 1],
                                        "id_number": body + id_check_char(body)})
    code = "91440300MA5000001"
    code += credit_code_check_char(code)
    with db.session(SYSTEM_SYNC, source="sync") as s:  # as if the district had sent it
        s.add(Enterprise(id=enterprise_id_for(code), station_id=DISTRICT_OWNER_ID,
                         hlc=db.clock.tick(), name="外区企业", credit_code=code))
    with db.session(admin) as s:
        visit_id = visits.record_visit(s, {"visit_date": date(2026, 11, 20),
                                           "enterprise_id": enterprise_id_for(code),
                                           "visitors": "王芳"}).visit.id
    up, down = tmp_path / "up.bundle", tmp_path / "down.bundle"

    def round_trip() -> list:
        export_station_bundle(db, up)
        results = import_station_bundle(district, up)
        export_district_bundle(district, db.station_id, down)
        import_district_bundle(db, down)
        return [r for result in results for r in result.refused]

    refused = round_trip()
    assert [(t, i) for t, i, _h, _r in refused] == [("visits", visit_id)]
    assert "does not have" in refused[0][3]
    assert count(district, Member) == 2 and count(district, Visit) == 0
    assert count(db, OutboxEntry) == 1  # the visit: kept, not lost
    assert list(held(db)) == [f"visits:{visit_id}"]
    assert len(import_station_bundle(district, up)[0].refused) == 1  # again: the same
    assert count(district, Member) == 2
    with district.session(DISTRICT) as s:
        enterprises.register_enterprise(s, {"name": "外区企业", "credit_code": code})
    assert round_trip() == []
    assert count(district, Visit) == 1
    assert count(db, OutboxEntry) == 0 and held(db) == {}


def test_a_wrong_key_given_with_the_districts_file_never_replaces_the_good_one(
        db, admin, district, tmp_path):
    key = enroll(district, "KY01", CLI_ADMIN).bundle_secret
    db.set_state("bundle_secret", key)
    down = tmp_path / "down.bundle"
    export_district_bundle(district, db.station_id, down)
    from sync.bundle import new_bundle_key

    with pytest.raises(BundleError, match="not station KY01's") as refused:
        import_district_bundle(db, down, "0" * 64)  # well formed, but no station's
    assert "不是站点 KY01 的" in refused.value.message("zh")
    with pytest.raises(BundleError, match="not station KY01's"):
        import_district_bundle(db, down, new_bundle_key(station_id_for("DP02")))
    with pytest.raises(BundleError, match="integrity"):  # KY01's form, not the district's
        import_district_bundle(db, down, new_bundle_key(db.station_id))
    assert db.state()["bundle_secret"] == key
    own = tmp_path / "own.bundle"  # the station's own file, picked by mistake: refused,
    export_station_bundle(db, own)  # said so (signed with the same key, but not for it)
    db.set_state("bundle_secret", "1" * 64)  # (a wrong key kept earlier)
    with pytest.raises(BundleError, match="not a district file"):
        import_district_bundle(db, own, key)
    assert db.state()["bundle_secret"] == "1" * 64  # a refused file proves no key
    import_district_bundle(db, down, key.upper())  # right: it is kept now
    assert db.state()["bundle_secret"] == key


def test_an_older_district_file_read_again_does_not_move_the_cursor_back(db, district,
                                                                           tmp_path):
    db.set_state("bundle_secret", enroll(district, "KY01", CLI_ADMIN).bundle_secret)
    older, newer = tmp_path / "older.bundle", tmp_path / "newer.bundle"
    export_district_bundle(district, db.station_id, older)
    with district.session(DISTRICT) as s:
        stations.set_target(s, 2026, "training_events", 40)
    export_district_bundle(district, db.station_id, newer)
    import_district_bundle(db, newer)
    cursor = int(db.state()["pull_cursor"])
    assert cursor > 0
    import_district_bundle(db, older)
    assert int(db.state()["pull_cursor"]) == cursor
    assert count(db, Target) == 1


def test_enrolling_again_gives_a_new_key_after_a_revocation_or_an_old_style_key(district):
    """A revoked station's laptop keeps the old key: enrolled again, the station gets a
    new one. A key from before keys carried their check is replaced too (a station could
    not type it in); otherwise the key stays what it was."""
    from station_app.domain.models import StationCredential
    from sync.bundle import clean_bundle_key
    from sync.district import revoke

    first = enroll(district, "KY01", CLI_ADMIN).bundle_secret
    assert enroll(district, "KY01", CLI_ADMIN).bundle_secret == first  # a new code, the same key
    revoke(district, "KY01", CLI_ADMIN)
    after_revoke = enroll(district, "KY01", CLI_ADMIN).bundle_secret
    assert after_revoke != first
    with district.session(SYSTEM_SYNC) as s:
        s.get(StationCredential, station_id_for("KY01")).bundle_secret = "ab" * 32
    renewed = enroll(district, "KY01", CLI_ADMIN).bundle_secret
    assert renewed != "ab" * 32
    assert clean_bundle_key(renewed, (station_id_for("KY01"), "KY01")) == renewed
