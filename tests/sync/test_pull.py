"""District → station pull: scope, cursor, no echo, concurrent edits, on both back-ends."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from station_app.domain.actor import CLI_ADMIN, Actor
from station_app.domain.ids import station_id_for
from station_app.domain.models import Member, OutboxEntry, Station, SyncConflict, Target
from station_app.domain.services import members, stations
from station_app.domain.validation import id_check_char
from station_app.storage.database import open_database
from sync.changeset import from_wire, to_wire
from sync.district import enroll, pull, redeem, revoke, station_for_token
from sync.merge import apply_changeset
from sync.outbound import acknowledge, gather

DISTRICT = Actor("district", "district_admin", None, "区总工会")





def wire(cs):
    return from_wire(json.loads(json.dumps(to_wire(cs), ensure_ascii=False)))


def idn(n: int) -> str:
    body = f"44030519800101{n:03d}"
    return body + id_check_char(body)


def push(station, district):
    while (cs := gather(station)) is not None:
        r = apply_changeset(district, wire(cs), pushing_station=station.station_id)
        acknowledge(station, r.acks)


def pull_all(station, district, cursor=0):
    while True:
        cs, new = pull(district, station.station_id, cursor, limit=50)
        if new == cursor:
            return cursor
        apply_changeset(station, wire(cs), pushing_station=None, from_district=True)
        cursor = new


def count(db, model, *where):
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def test_reference_data_and_own_rows_come_back_without_echo(db, admin, district):
    with db.session(admin) as s:
        mine = members.register_member(s, {"name": "张三", "id_number": idn(1)})
    push(db, district)
    with district.session(DISTRICT) as s:
        stations.set_target(s, 2026, "training_events", 40)
        stations.set_target(s, 2026, "training_events", 5, station_code="KY01")
        other = members.Member  # a member of another station, written at the district
        s.add(other(station_id=station_id_for("DP02"), name="李四", id_number=idn(2),
                    gender="M", birth_date=__import__("datetime").date(1980, 1, 1),
                    status="active"))
        s.get(Member, mine.id).notes = "区总工会更正"
    cursor = pull_all(db, district)
    assert cursor > 0
    assert count(db, Target) == 2
    assert count(db, Station) == 2
    # its own row changed centrally came back; another station's member did not
    with db.reader() as s:
        assert s.get(Member, mine.id).notes == "区总工会更正"
    assert count(db, Member) == 1
    # rows received are not pushed back, and a second pull brings nothing new
    assert count(db, OutboxEntry) == 0
    assert pull(district, db.station_id, cursor)[1] == cursor
    # what the station sent is never pulled back to it
    with db.session(admin) as s:
        members.register_member(s, {"name": "王五", "id_number": idn(3)})
    push(db, district)
    cs, _ = pull(district, db.station_id, cursor)
    assert cs.count() == 0


def test_a_pending_local_change_is_not_overwritten_silently(db, admin, district):
    with db.session(admin) as s:
        m = members.register_member(s, {"name": "张三", "id_number": idn(1)})
    push(db, district)
    cursor = pull_all(db, district)
    with district.session(DISTRICT) as s:  # the district edits first …
        s.get(Member, m.id).phone = "13900000000"
    with db.session(admin) as s:  # … then the station, which has not pulled yet
        members.update_member(s, m.id, {"notes": "站点修改"})
    pull_all(db, district, cursor)
    with db.reader() as s:
        row = s.get(Member, m.id)
        conflicts = s.execute(select(SyncConflict)).scalars().all()
    # the station's change is newer and stands; the district's version is kept for review
    assert row.notes == "站点修改" and row.phone is None
    assert len(conflicts) == 1 and json.loads(conflicts[0].loser)["phone"] == "13900000000"
    assert count(db, OutboxEntry) == 1  # still to be sent
    push(db, district)
    with district.reader() as s:
        assert s.get(Member, m.id).notes == "站点修改"


def test_enrollment_tokens(district):
    e = enroll(district, "KY01", CLI_ADMIN)
    assert e.station_id == station_id_for("KY01")
    assert redeem(district, e.station_id, "WRONG-CODE") is None
    # as a clerk may type it: lower case, spaces instead of dashes, around it blanks
    token, secret = redeem(district, e.station_id,
                           "  " + e.code.lower().replace("-", " ") + " ")
    assert secret == e.bundle_secret
    assert station_for_token(district, token) == e.station_id
    assert redeem(district, e.station_id, e.code) is None  # one time only
    assert station_for_token(district, "nonsense") is None
    assert revoke(district, "KY01", CLI_ADMIN)
    assert station_for_token(district, token) is None


def test_a_transfer_moves_a_member_without_moving_a_row(db, admin, district, tmp_path):
    from datetime import date

    from station_app.domain.services.setup import init_station

    other = open_database(tmp_path / "dp02.sqlite3", create=True)
    init_station(other, "DP02", "大鹏社区工联会", "boss", "boss-pass-1")
    with db.session(admin) as s:
        m = members.register_member(s, {"name": "张三", "id_number": idn(1)})
    push(db, district)
    cursors = {db.station_id: pull_all(db, district), other.station_id: 0}
    from station_app.domain.validation import ValidationError

    for unknown in ("ZZ88", "DISTRICT"):  # no such station: refused, nothing changes
        with pytest.raises(ValidationError) as refused, district.session(DISTRICT) as s:
            members.transfer_member(s, m.id, unknown, date.today())
        assert f"no station {unknown}" in refused.value.messages("en")[0]
    with pytest.raises(ValidationError) as refused, district.session(DISTRICT) as s:
        stations.set_target(s, 2026, "training_events", 7, "ZZ99")
    assert "no station ZZ99" in refused.value.messages("en")[0]
    with district.reader() as s:
        assert s.get(Member, m.id).status == "active"
    with district.session(DISTRICT) as s:
        moved = members.transfer_member(s, m.id, "DP02", date.today())
        assert moved.station_id == station_id_for("DP02")
        assert moved.transferred_from_id == m.id
    pull_all(db, district, cursors[db.station_id])
    pull_all(other, district)
    with db.reader() as s:
        assert s.get(Member, m.id).status == "transferred"  # the source keeps its row
    with other.reader() as s:
        row = s.get(Member, moved.id)
        assert row.status == "active" and row.id_number == idn(1)
    with district.reader() as s:
        assert members.cross_station_duplicates(s) == []
    other.close()


def test_the_district_sees_cross_station_duplicates(db, admin, district, tmp_path):
    from station_app.domain.services.setup import init_station

    other = open_database(tmp_path / "dp02.sqlite3", create=True)
    init_station(other, "DP02", "大鹏社区工联会", "boss", "boss-pass-1")
    with db.session(admin) as s:
        members.register_member(s, {"name": "张三", "id_number": idn(5)})
    with other.session(Actor("boss", "station_admin")) as s:
        members.register_member(s, {"name": "张三", "id_number": idn(5)})
    push(db, district)
    push(other, district)
    with district.reader() as s:
        dups = members.cross_station_duplicates(s)
    assert [(n, sorted(m.station_id for m in rows)) for n, rows in dups] == [
        (idn(5), sorted([db.station_id, other.station_id]))]
    other.close()
