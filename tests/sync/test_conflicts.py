"""Settling sync conflicts at the district, on SQLite and PostgreSQL: keep the standing
version, or bring the losing one back as a new change the owning station pulls."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from test_push import DISTRICT, push_all, register, wire

from station_app.domain.models import Member, SyncConflict
from station_app.domain.services import members
from station_app.domain.services.common import PermissionDenied
from station_app.domain.services.conflicts import list_conflicts, resolve_conflict
from station_app.domain.validation import ValidationError
from sync.district import pull
from sync.merge import apply_changeset


def make_conflict(db, admin, district) -> str:
    """The district corrects a member's phone while the station, offline, edits its notes
    later: the station's version wins; the district's is kept as the loser."""
    m = register(db, admin, 1)
    push_all(db, district)
    with district.session(DISTRICT) as s:
        s.get(Member, m.id).phone = "13900000000"
    with db.session(admin) as s:
        members.update_member(s, m.id, {"notes": "站点修改"})
    push_all(db, district)
    return m.id


def test_keep_the_standing_version_closes_the_conflict(db, admin, district):
    member_id = make_conflict(db, admin, district)
    with district.reader() as s:
        [view] = list_conflicts(s)
    assert (view.table, view.row_id, view.station_id) == ("members", member_id, db.station_id)
    assert view.differing == ["notes", "phone"]
    assert view.winner["notes"] == "站点修改" and view.loser["phone"] == "13900000000"
    with district.session(DISTRICT) as s:
        done = resolve_conflict(s, view.id, "winner")
    assert done.resolution == "kept winner" and done.resolved_at
    with district.reader() as s:
        assert list_conflicts(s) == []
        assert len(list_conflicts(s, open_only=False)) == 1
        assert s.get(Member, member_id).phone is None
    with district.session(DISTRICT) as s, pytest.raises(ValidationError) as err:
        resolve_conflict(s, view.id, "loser")  # settled once only
    assert "settled" in "; ".join(err.value.messages("en"))


def test_bringing_the_loser_back_is_a_new_change_the_station_pulls(db, admin, district):
    member_id = make_conflict(db, admin, district)
    with district.reader() as s:
        [view] = list_conflicts(s)
        before = s.get(Member, member_id).hlc
    with district.session(DISTRICT) as s:
        resolve_conflict(s, view.id, "loser")
    with district.reader() as s:
        row = s.get(Member, member_id)
        assert (row.phone, row.notes) == ("13900000000", None)
        assert row.hlc > before  # a new version, stamped by the district
    cs, _cursor = pull(district, db.station_id, 0)
    result = apply_changeset(db, wire(cs), pushing_station=None, from_district=True)
    assert result.conflicts == 0
    with db.reader() as s:
        mine = s.get(Member, member_id)
        assert (mine.phone, mine.notes) == ("13900000000", None)


def test_only_a_district_admin_settles_district_conflicts(db, admin, district):
    from station_app.domain.actor import Actor

    make_conflict(db, admin, district)
    with district.reader() as s:
        [view] = list_conflicts(s)
    with district.session(Actor("x", "station_admin")) as s, pytest.raises(PermissionDenied):
        resolve_conflict(s, view.id, "winner")
    with district.session(DISTRICT) as s, pytest.raises(ValidationError):
        resolve_conflict(s, view.id, "both")
    with district.reader() as s:
        assert s.execute(select(SyncConflict.resolved_at)).scalar_one() is None


def test_the_command_line_lists_and_settles_conflicts(db, admin, district, capsys,
                                                      monkeypatch):
    from station_app.domain.actor import SYSTEM_SETUP
    from station_app.domain.services import users
    from sync.server.cli import main

    if district.engine.dialect.name != "sqlite":
        target = district.engine.url.render_as_string(hide_password=False)
    else:
        target = str(district.path)
    make_conflict(db, admin, district)
    with district.session(SYSTEM_SETUP) as s:  # `conflicts list` shows values: a login
        users.create_user(s, "qu", "district-pass-1", "district_admin", bootstrap=True)
    monkeypatch.setenv("DISTRICT_USER", "qu")
    monkeypatch.setenv("DISTRICT_PASSWORD", "district-pass-1")
    assert main(["conflicts", "list", "--db", target]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0].split("\t")
    assert first[1:3] == ["KY01", "members"] and first[-1] == "open"
    assert "Phone: standing '' | lost '13900000000'" in out  # (labels, as read)
    assert main(["conflicts", "resolve", first[0], "--keep", "loser", "--db", target]) == 0
    assert "settled: kept loser" in capsys.readouterr().out
    assert main(["conflicts", "list", "--db", target]) == 0
    assert capsys.readouterr().out.strip() == "no open conflicts"
    assert main(["conflicts", "resolve", first[0], "--keep", "winner", "--db", target]) == 1
    assert "settled" in capsys.readouterr().err


def test_conflicts_are_described_by_what_a_person_recognises(db, admin):
    """A member or enterprise by its name, an event by its title, a hardship file by its
    member's name, a visit by its enterprise and date, a target by year and metric;
    anything else by the start of its id."""
    from station_app.domain.services import enterprises, members
    from station_app.domain.services.conflicts import ConflictView, describe

    with db.session(admin) as s:
        m = members.register_member(s, {"name": "张三", "id_number": "11010519491231002X"})
        e = enterprises.register_enterprise(s, {"name": "葵涌制衣厂"})
        member_id, enterprise_id = m.id, e.id

    def view(n: int, table: str, **row) -> ConflictView:
        return ConflictView(n, table, f"0196abcd-{n:04d}", None, "", row, row, "local", [],
                            None, None)

    views = [view(1, "members", name="李四"), view(2, "events", title="职工运动会"),
             view(3, "hardship_cases", member_id=member_id),
             view(4, "visits", enterprise_id=enterprise_id, visit_date="2026-11-02"),
             view(5, "targets", year=2026, metric="training_events"),
             view(6, "household_members", relation="配偶")]
    with db.reader() as s:
        assert describe(s, views) == {1: "李四", 2: "职工运动会", 3: "张三",
                                      4: "葵涌制衣厂 2026-11-02", 5: "2026 提素活动（场）",
                                      6: "0196abcd…"}


def test_a_conflict_is_counted_against_the_station_whose_push_met_it(db, admin, district,
                                                                     tmp_path):
    """KY01 registers an enterprise; DP02 receives it and corrects the address while
    KY01 edits its notes. DP02's push meets the conflict: it is DP02's to review, though
    the row stays KY01's."""
    from station_app.domain.actor import Actor
    from station_app.domain.ids import station_id_for
    from station_app.domain.services import enterprises
    from station_app.domain.services.setup import init_station
    from station_app.storage.database import open_database
    from sync.district import station_status

    other = open_database(tmp_path / "dp02.sqlite3", create=True)
    init_station(other, "DP02", "大鹏社区工联会", "boss", "boss-pass-1")
    with db.session(admin) as s:
        eid = enterprises.register_enterprise(s, {"name": "葵涌制衣厂",
                                                  "credit_code": "91440300618874393H"}).id
    push_all(db, district)
    cs, _cursor = pull(district, other.station_id, 0)
    apply_changeset(other, wire(cs), pushing_station=None, from_district=True)
    with other.session(Actor("boss", "station_admin")) as s:
        enterprises.update_enterprise(s, eid, {"address": "大鹏路 2 号"})
    with db.session(admin) as s:
        enterprises.update_enterprise(s, eid, {"notes": "葵涌的修改"})
    push_all(db, district)
    push_all(other, district)
    with district.reader() as s:
        assert [v.row_id for v in list_conflicts(s, station_id=station_id_for("DP02"))] == [eid]
        assert list_conflicts(s, station_id=station_id_for("KY01")) == []
        counted = {r.code: r.conflicts for r in station_status(s)}
    assert counted == {"KY01": 0, "DP02": 1}
    other.close()


def test_station_admin_lists_and_settles_the_stations_conflicts(db, db_path, admin, district,
                                                                capsys):
    """A station edit still pending loses to a later correction at the district when the
    station pulls: `station-admin conflicts list` shows it with both versions, `resolve
    --keep loser` writes the station's version back as a change for the next sync."""
    from station_app.cli import main
    from station_app.domain.models import OutboxEntry

    m = register(db, admin, 1)
    push_all(db, district)
    with db.session(admin) as s:
        members.update_member(s, m.id, {"notes": "站点修改"})
    with district.session(DISTRICT) as s:
        s.get(Member, m.id).phone = "13900000000"
    cs, _cursor = pull(district, db.station_id, 0)
    apply_changeset(db, wire(cs), pushing_station=None, from_district=True)
    assert main(["conflicts", "list", "--db", str(db_path)]) == 0
    out = capsys.readouterr().out
    first = out.splitlines()[0].split("\t")
    assert first[1:3] == ["members", "张三"] and first[-1] == "open"
    assert "Notes: standing '' | lost '站点修改'" in out  # (labels, as read)
    assert main(["conflicts", "resolve", first[0], "--keep", "loser", "--db", str(db_path)]) == 0
    assert "next sync sends" in capsys.readouterr().out
    with db.reader() as s:
        assert s.get(Member, m.id).notes == "站点修改"
        assert s.execute(select(OutboxEntry.row_id)).scalars().all() == [m.id]
    assert main(["conflicts", "list", "--db", str(db_path)]) == 0
    assert "no open conflicts" in capsys.readouterr().out


@pytest.fixture
def db_path(encrypted_db_path):
    """The station file of these tests: encrypted, with station-admin's credentials set
    (tests/conftest.py)."""
    return encrypted_db_path
