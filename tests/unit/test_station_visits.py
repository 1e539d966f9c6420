"""The district's visit diary (站点调研) and the correction and deletion of any visit.

Real files: a district database (``init_district``) for station visits, the station
database of the shared fixtures for enterprise visits, a real push between them for the
tombstone. The figure is the metric catalogue's own (``key_stations_visited``).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from station_app.domain.actor import Actor
from station_app.domain.ids import DISTRICT_OWNER_ID, station_id_for
from station_app.domain.models import AuditRecord, ChangeLog, OutboxEntry, Station, Visit
from station_app.domain.services import enterprises, metrics, stations, visits
from station_app.domain.services.common import NotFound, PermissionDenied
from station_app.domain.services.setup import init_district
from station_app.domain.validation import ValidationError, credit_code_check_char
from station_app.storage.database import open_database
from station_app.storage.sqlfile import dbapi as sqlite3

TODAY = date.today()
YEAR_START = date(TODAY.year, 1, 1)
DISTRICT = Actor("qu", "district_admin", None, "区总工会")
KY01, DP02 = station_id_for("KY01"), station_id_for("DP02")


def codes(exc: pytest.ExceptionInfo) -> list[str]:
    return [e.code for e in exc.value.errors]


def credit(n: int) -> str:
    body = f"914403000{n:08d}"
    return body + credit_code_check_char(body)


@pytest.fixture
def district(tmp_path):
    db = open_database(tmp_path / "district.sqlite3", create=True)
    init_district(db, "qu", "district-pass-1")
    with db.session(DISTRICT) as s:
        stations.create_station(s, "KY01", "葵涌社区工联会", street="葵涌办事处", is_key=True)
        stations.create_station(s, "DP02", "大鹏社区工联会", street="大鹏办事处", is_key=True)
        stations.create_station(s, "NA03", "南澳社区工联会", street="南澳办事处")
    yield db
    db.close()


def station_visit(db, actor=DISTRICT, **data):
    base = {"visit_date": TODAY, "kind": "station", "target_station_id": KY01,
            "visitors": "区总工会调研组", "findings": "台账齐全"}
    with db.session(actor) as s:
        return visits.record_visit(s, {**base, **data}).visit


def key_visited(db, as_of: date = TODAY) -> tuple[int, int]:
    with db.reader() as s:
        scope = metrics.Scope(as_of, None)
        return (metrics.metric_value(s, "key_stations_visited", scope),
                metrics.metric_value(s, "key_stations_total", scope))


def audit(db, row_id: str) -> list[tuple[str, dict | None]]:
    with db.reader() as s:
        return [(a, json.loads(d) if d else None) for a, d in s.execute(
            select(AuditRecord.action, AuditRecord.detail).where(
                AuditRecord.table_name == "visits", AuditRecord.row_id == row_id)
            .order_by(AuditRecord.id))]


# =========================================================================== record


def test_a_district_admin_records_a_station_visit_at_the_district(district):
    visit = station_visit(district, findings="会员台账规范")
    assert (visit.kind, visit.target_station_id, visit.enterprise_id) == ("station", KY01, None)
    assert visit.station_id == DISTRICT_OWNER_ID  # the district's own record
    assert key_visited(district) == (1, 2)
    # the Chinese label is taken for the kind, as the form and the sheets write it
    station_visit(district, kind="站点调研", target_station_id=DP02)
    assert key_visited(district) == (2, 2)
    station_visit(district, target_station_id=station_id_for("NA03"))  # not a key station
    assert key_visited(district) == (2, 2)


@pytest.mark.parametrize("role", ["clerk", "station_admin"])
def test_only_a_district_admin_records_station_visits(district, role):
    with pytest.raises(PermissionDenied) as err:
        station_visit(district, Actor("someone", role))
    assert codes(err) == ["perm.denied"]
    assert "区总工会管理员" in str(err.value)
    assert key_visited(district) == (0, 2)


def test_a_station_database_refuses_station_visits_whoever_asks(db, clerk, admin,
                                                                  district_admin):
    """A station's file never holds a 站点调研: not from its users, not from a tool
    acting as a district administrator (station-admin acts so by default)."""
    for actor in (clerk, admin, district_admin):
        with pytest.raises(ValidationError) as err:
            station_visit(db, actor)
        assert codes(err) == ["visit.station_at_district"]
        assert "区总工会数据库" in err.value.messages("zh")[0]
        assert "district database" in err.value.messages("en")[0]
    with db.reader() as s:
        assert s.execute(select(Visit)).first() is None


def test_a_station_visit_needs_a_known_station_and_no_enterprise(district):
    with pytest.raises(NotFound):
        station_visit(district, target_station_id=station_id_for("ZZ99"))
    with pytest.raises(ValidationError) as err:
        station_visit(district, target_station_id=None)
    assert codes(err) == ["visit.station_required"]
    with pytest.raises(ValidationError) as err:
        station_visit(district, visit_date=TODAY + timedelta(days=1), visitors=" ")
    assert sorted(codes(err)) == ["date.future", "text.required"]


# =========================================================================== list


def test_the_station_visits_of_a_year_and_of_a_station(district):
    last_year = date(TODAY.year - 1, 11, 3)
    a = station_visit(district, visit_date=YEAR_START)
    b = station_visit(district, visit_date=TODAY, target_station_id=DP02)
    c = station_visit(district, visit_date=last_year)
    gone = station_visit(district, visit_date=YEAR_START, target_station_id=DP02)
    with district.session(DISTRICT) as s:
        visits.delete_visit(s, gone.id)
    with district.reader() as s:
        this_year = visits.station_visits(s, year=TODAY.year)
        ky = visits.station_visits(s, station_id=KY01)
        every = visits.station_visits(s)
    assert [r.id for r in this_year] == ([b.id, a.id] if TODAY != YEAR_START
                                         else [a.id, b.id])
    assert {r.id for r in ky} == {a.id, c.id}
    assert {r.id for r in every} == {a.id, b.id, c.id}
    row = next(r for r in this_year if r.id == b.id)
    assert (row.station_code, row.station_name, row.is_key, row.visitors) == (
        "DP02", "大鹏社区工联会", True, "区总工会调研组")


# =========================================================================== correct


def test_correcting_a_station_visit_validates_like_recording_and_audits(district):
    visit = station_visit(district, visit_date=YEAR_START, target_station_id=DP02)
    with district.session(DISTRICT) as s:
        fixed = visits.update_visit(s, visit.id, {
            "target_station_id": KY01, "visitors": "王主席、李部长",
            "actions": "下月复查", "follow_up_due": TODAY + timedelta(days=30)}).visit
        assert fixed.target_station_id == KY01 and fixed.findings == "台账齐全"
    # the whole visit is checked again: nothing of a bad correction is written
    bad = [({"visit_date": TODAY + timedelta(days=2)}, ["date.future"]),
           ({"visitors": ""}, ["text.required"]),
           ({"follow_up_due": YEAR_START - timedelta(days=1)}, ["date.before"]),
           ({"target_station_id": station_id_for("ZZ99")}, ["not_found"]),
           ({"kind": "routine"}, ["visit.target_required"])]
    for change, expected in bad:
        with pytest.raises(ValidationError) as err:
            with district.session(DISTRICT) as s:
                visits.update_visit(s, visit.id, {**change, "findings": "不该保存"})
        assert codes(err) == expected, change
    with district.reader() as s:
        stored = s.get(Visit, visit.id)
        assert (stored.target_station_id, stored.visitors, stored.findings) == (
            KY01, "王主席、李部长", "台账齐全")
    trail = audit(district, visit.id)
    assert [a for a, _ in trail] == ["insert", "update"]
    assert trail[1][1]["target_station_id"] == [DP02, KY01]
    assert trail[1][1]["visitors"] == ["区总工会调研组", "王主席、李部长"]
    assert "findings" not in trail[1][1]  # only what changed
    # the district's change log numbers the correction (for a pull, like every change)
    with district.reader() as s:
        logged = s.execute(select(ChangeLog.row_id).where(ChangeLog.table_name == "visits")
                           ).scalars().all()
    assert logged.count(visit.id) == 2


def test_a_station_visit_stays_a_station_visit(district):
    visit = station_visit(district)
    ent = _enterprise(district, DISTRICT)
    with pytest.raises(ValidationError) as err:
        with district.session(DISTRICT) as s:
            visits.update_visit(s, visit.id, {"kind": "routine", "target_station_id": None,
                                              "enterprise_id": ent})
    assert codes(err) == ["visit.target_kind_change"]


@pytest.mark.parametrize("role", ["clerk", "station_admin"])
def test_only_a_district_admin_corrects_or_deletes_station_visits(district, role):
    visit = station_visit(district)
    actor = Actor("someone", role)
    for work in (lambda s: visits.update_visit(s, visit.id, {"visitors": "某人"}),
                 lambda s: visits.delete_visit(s, visit.id)):
        with pytest.raises(PermissionDenied):
            with district.session(actor) as s:
                work(s)
    assert key_visited(district) == (1, 2)


def _enterprise(db, actor, n: int = 1) -> str:
    with db.session(actor) as s:
        return enterprises.register_enterprise(s, {"name": f"企业{n}",
                                                   "credit_code": credit(n)}).id


def test_a_station_corrects_its_enterprise_visits(db, clerk):
    ent, other = _enterprise(db, clerk, 1), _enterprise(db, clerk, 2)
    with db.session(clerk) as s:
        visit = visits.record_visit(s, {"visit_date": TODAY, "enterprise_id": ent,
                                        "visitors": "王芳", "kind": "日常走访"}).visit
    with db.session(clerk) as s:
        result = visits.update_visit(s, visit.id, {
            "enterprise_id": other, "kind": "dispute", "workers_served": "12",
            "operating_status": "abnormal", "flags": ["wage_arrears", "layoffs"],
            "workers_involved": 40})
    assert result.visit.enterprise_id == other and result.visit.flags == "wage_arrears,layoffs"
    assert result.propose_listing == "欠薪、裁员"  # as when recorded abnormal
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            visits.update_visit(s, visit.id, {"flags": []})
    assert codes(err) == ["visit.flags_required"]
    with pytest.raises(ValidationError) as err:
        with db.session(clerk) as s:
            visits.update_visit(s, visit.id, {"kind": "station", "enterprise_id": None,
                                              "target_station_id": KY01})
    assert codes(err) == ["visit.target_kind_change"]
    with db.reader() as s:
        assert s.get(Visit, visit.id).workers_served == 12
    # the correction goes to the district at the next push
    with db.reader() as s:
        queued = s.execute(select(OutboxEntry.row_id).where(
            OutboxEntry.table_name == "visits")).scalars().all()
    assert queued.count(visit.id) == 2


def test_another_stations_visit_is_not_this_stations_to_correct(db, clerk, district_admin):
    """A visit owned by another station (as the district holds them) is corrected only
    there: not by this station's users, not by a district administrator."""
    ent = _enterprise(db, clerk)
    with db.session(district_admin) as s:  # reference data, as pulled from the district
        stations.upsert_station(s, "DP02", "大鹏社区工联会")
    with db.session(clerk) as s:
        foreign = Visit(station_id=DP02, visit_date=TODAY, kind="routine", enterprise_id=ent,
                        visitors="他站", workers_served=0, operating_status="normal")
        s.add(foreign)
    for actor in (clerk, district_admin):
        for work in (lambda s: visits.update_visit(s, foreign.id, {"visitors": "改"}),
                     lambda s: visits.delete_visit(s, foreign.id)):
            with pytest.raises(ValidationError) as err:
                with db.session(actor) as s:
                    work(s)
            assert codes(err) == ["perm.not_own"]  # (the permission table)
            assert "DP02" in err.value.messages("en")[0]


# =========================================================================== delete


def test_a_deleted_station_visit_is_a_tombstone_that_no_longer_counts(district):
    first = station_visit(district, visit_date=YEAR_START)
    second = station_visit(district, visit_date=TODAY, target_station_id=DP02)
    assert key_visited(district) == (2, 2)
    with district.session(DISTRICT) as s:
        visits.delete_visit(s, second.id)
    assert key_visited(district) == (1, 2)
    with district.reader() as s:
        row = s.get(Visit, second.id)
        assert row is not None and row.deleted  # kept, marked
    assert [a for a, _ in audit(district, second.id)] == ["insert", "delete"]
    with pytest.raises(NotFound):  # gone for the services
        with district.session(DISTRICT) as s:
            visits.delete_visit(s, second.id)
    with pytest.raises(NotFound):
        with district.session(DISTRICT) as s:
            visits.update_visit(s, second.id, {"visitors": "某人"})
    # a station visited twice still counts once; deleting one of the two keeps it
    third = station_visit(district, visit_date=TODAY)
    with district.session(DISTRICT) as s:
        visits.delete_visit(s, first.id)
    assert key_visited(district) == (1, 2)
    with district.session(DISTRICT) as s:
        visits.delete_visit(s, third.id)
    assert key_visited(district) == (0, 2)


def test_a_station_deletes_its_visit_and_sync_carries_the_tombstone(db, clerk, admin,
                                                                    tmp_path):
    from sync.changeset import from_wire, to_wire
    from sync.merge import apply_changeset
    from sync.outbound import acknowledge, gather, prune

    district = open_database(tmp_path / "district.sqlite3", create=True)
    init_district(district, "qu", "district-pass-1")
    with district.session(DISTRICT) as s:
        stations.upsert_station(s, "KY01", "葵涌社区工联会")

    def push() -> None:
        prune(db)
        while (cs := gather(db, limit=200)) is not None:
            wire = from_wire(json.loads(json.dumps(to_wire(cs), ensure_ascii=False)))
            acknowledge(db, apply_changeset(district, wire, pushing_station=db.station_id).acks)

    ent = _enterprise(db, clerk)
    with db.session(clerk) as s:
        visit = visits.record_visit(s, {"visit_date": TODAY, "enterprise_id": ent,
                                        "visitors": "王芳"}).visit
    push()
    with district.reader() as s:
        assert metrics.metric_value(s, "enterprise_visits", metrics.Scope(TODAY, None)) == 1
    with db.session(clerk) as s:
        visits.delete_visit(s, visit.id)
    push()
    with district.reader() as s:
        assert s.get(Visit, visit.id).deleted
        assert metrics.metric_value(s, "enterprise_visits", metrics.Scope(TODAY, None)) == 0
    district.close()


# =========================================================================== stations


def test_stations_are_created_and_changed_by_a_district_admin(district):
    with district.session(DISTRICT) as s:
        st = stations.create_station(s, " la04 ", "  澳头社区工联会 ", street="澳头办事处")
    assert (st.code, st.name, st.street, st.is_key) == ("LA04", "澳头社区工联会", "澳头办事处",
                                                         False)
    with pytest.raises(ValidationError) as err:
        with district.session(DISTRICT) as s:
            stations.create_station(s, "LA04", "重复")
    assert codes(err) == ["station.exists"] and "澳头社区工联会" in str(err.value)
    with district.session(DISTRICT) as s:
        stations.set_station(s, "LA04", name="澳头社区工联会（新）", street="", is_key=True)
    with district.reader() as s:
        st = s.get(Station, station_id_for("LA04"))
        assert (st.name, st.street, st.is_key) == ("澳头社区工联会(新)", None, True)
        detail = json.loads(s.execute(select(AuditRecord.detail).where(
            AuditRecord.table_name == "stations", AuditRecord.row_id == st.id,
            AuditRecord.action == "update")).scalar_one())
    assert detail["is_key"] == [False, True] and detail["street"] == ["澳头办事处", None]
    assert key_visited(district) == (0, 3)
    for bad, expected in ((dict(code="L", name="x"), "station.code_invalid"),
                          (dict(code="LB05", name=""), "text.required"),
                          (dict(code="LB05", name="名" * 101), "text.too_long")):
        with pytest.raises(ValidationError) as err:
            with district.session(DISTRICT) as s:
                stations.create_station(s, bad["code"], bad["name"])
        assert codes(err) == [expected]
    with district.reader() as s:
        assert s.get(Station, station_id_for("LB05")) is None


@pytest.mark.parametrize("role", ["clerk", "station_admin"])
def test_only_a_district_admin_writes_stations(district, role):
    actor = Actor("someone", role)
    for work in (lambda s: stations.create_station(s, "LA04", "澳头社区工联会"),
                 lambda s: stations.set_station(s, "KY01", is_key=False)):
        with pytest.raises(PermissionDenied):
            with district.session(actor) as s:
                work(s)
    con = sqlite3.connect(district.path)
    try:
        assert con.execute("SELECT count(*) FROM stations WHERE code = 'LA04'").fetchone() == (0,)
        assert con.execute("SELECT is_key FROM stations WHERE code = 'KY01'").fetchone() == (1,)
    finally:
        con.close()


def test_a_dispute_visit_serves_the_workers_it_involves():
    """SPEC: on a 劳资纠纷处置 visit the diary's 涉及职工人数 is the workers served — from
    the app's form as from the import (a clerk's walk found 0 served for a dispute visit
    entered in the app with 30 involved)."""
    from datetime import date

    from station_app.domain.services.visits import clean_visit

    base = {"visit_date": date(2023, 5, 3), "kind": "dispute", "enterprise_id": "e1",
            "visitors": "小王"}
    assert clean_visit({**base, "workers_involved": 30})["workers_served"] == 30
    assert clean_visit({**base, "workers_involved": 30, "workers_served": 0})[
        "workers_served"] == 30
    assert clean_visit({**base, "workers_involved": 30, "workers_served": 12})[
        "workers_served"] == 12  # a number typed as served wins
    routine = clean_visit({**base, "kind": "routine", "workers_involved": 30})
    assert routine["workers_served"] == 0 and routine["workers_involved"] == 30
