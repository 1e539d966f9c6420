"""Station → district push by changeset (no HTTP yet), on SQLite and PostgreSQL districts."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from station_app.domain.actor import Actor
from station_app.domain.ids import station_id_for
from station_app.domain.models import LedgerEntry, Member, OutboxEntry, SyncConflict
from station_app.domain.services import hardship, members
from station_app.domain.validation import id_check_char
from sync.changeset import ChangesetError, UnsupportedVersion, from_wire, to_wire
from sync.merge import ImmutableConflict, OwnershipError, apply_changeset
from sync.outbound import acknowledge, gather

DISTRICT = Actor("district", "district_admin", None, "区总工会")





def wire(cs):
    """Through JSON and back, as over the network."""
    return from_wire(json.loads(json.dumps(to_wire(cs), ensure_ascii=False)))


def push_all(station, district) -> int:
    batches = 0
    while (cs := gather(station, limit=150)) is not None:
        result = apply_changeset(district, wire(cs), pushing_station=station.station_id)
        acknowledge(station, result.acks)
        batches += 1
    return batches


def count(db, model, *where) -> int:
    with db.reader() as s:
        return s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()


def idn(n: int) -> str:
    body = f"44030519800101{n:03d}"
    return body + id_check_char(body)


def register(db, actor, n: int, name: str = "张三"):
    with db.session(actor) as s:
        return members.register_member(s, {"name": name, "id_number": idn(n)})


def test_push_everything_once_and_idempotently(db, admin, district):
    for n in range(1, 21):
        register(db, admin, n, "会员" + "甲乙丙丁戊己庚辛壬癸"[n % 10])
    batches = push_all(db, district)
    assert batches >= 1
    assert count(db, OutboxEntry) == 0
    assert count(district, Member) == 20
    with db.reader() as a, district.reader() as b:
        mine = {m.id: (m.name, m.hlc) for m in a.execute(select(Member)).scalars()}
        theirs = {m.id: (m.name, m.hlc) for m in b.execute(select(Member)).scalars()}
    assert mine == theirs
    # the same batch again changes nothing
    register(db, admin, 30)
    cs = wire(gather(db))
    first = apply_changeset(district, cs, pushing_station=db.station_id)
    again = apply_changeset(district, cs, pushing_station=db.station_id)
    assert (first.inserted, again.duplicate, again.inserted) == (1, True, 0)
    assert again.acks == first.acks
    assert count(district, Member) == 21


def test_an_edit_made_during_a_push_stays_pending(db, admin, district):
    m = register(db, admin, 1)
    cs = gather(db)
    with db.session(admin) as s:  # the clerk edits while the batch is on its way
        members.update_member(s, m.id, {"phone": "13800138000"})
    result = apply_changeset(district, wire(cs), pushing_station=db.station_id)
    acknowledge(db, result.acks)
    assert count(db, OutboxEntry) == 1  # the edit waits for the next batch
    push_all(db, district)
    with district.reader() as s:
        assert s.get(Member, m.id).phone == "13800138000"


def test_a_station_writes_only_its_own_rows(db, admin, district):
    register(db, admin, 1)
    cs = wire(gather(db))
    row = dict(cs.rows["members"][0])
    row["station_id"] = station_id_for("OTHER")
    cs.rows["members"].append({**row, "id": "01a20a90-0000-7000-8000-000000000001"})
    with pytest.raises(OwnershipError):
        apply_changeset(district, cs, pushing_station=db.station_id)
    assert count(district, Member) == 0  # nothing of the batch
    with pytest.raises(OwnershipError):
        apply_changeset(district, wire(gather(db)), pushing_station=station_id_for("OTHER"))


def test_concurrent_edits_keep_the_losing_version(db, admin, district):
    m = register(db, admin, 1)
    push_all(db, district)
    with district.session(DISTRICT) as s:  # the district corrects the phone …
        s.get(Member, m.id).phone = "13900000000"
    with db.session(admin) as s:  # … while the station, offline, changes the notes
        members.update_member(s, m.id, {"notes": "站点修改"})
    push_all(db, district)
    with district.reader() as s:
        row = s.get(Member, m.id)
        conflicts = s.execute(select(SyncConflict)).scalars().all()
    assert len(conflicts) == 1
    c = conflicts[0]
    assert (c.table_name, c.row_id) == ("members", m.id)
    assert {json.loads(c.winner)["notes"], json.loads(c.loser)["notes"]} == {"站点修改", None}
    # the newer stamp stands; the other version is kept, not lost
    assert row.hlc == c.winner_hlc


def test_history_rows_are_insert_if_absent(db, admin, district):
    m = register(db, admin, 1)
    with db.session(admin) as s:
        case = hardship.open_case(s, m.id, {"category": "illness", "level": "deep",
                                            "household_size": 2,
                                            "registered_date": "2026-01-05"})
        entry = hardship.add_entry(s, case.id, {"kind": "condolence", "amount": "300",
                                                "entry_date": "2026-02-01"})
    push_all(db, district)
    cs = wire(gather(db) or _resend(db, entry.id))
    forged = [dict(r, amount_fen=1) for r in cs.rows["ledger_entries"]]
    cs.rows = {"ledger_entries": forged}
    cs.batch_id = "01a20a90-0000-7000-8000-0000000000ff"
    with pytest.raises(ImmutableConflict):
        apply_changeset(district, cs, pushing_station=db.station_id)
    with district.reader() as s:
        assert s.get(LedgerEntry, entry.id).amount_fen == 30000


def _resend(db, entry_id):
    from sync.changeset import Changeset, row_to_wire

    with db.reader() as s:
        row = row_to_wire(LedgerEntry, s.get(LedgerEntry, entry_id))
    return Changeset(station_id=db.station_id, node=db.node_id,
                     batch_id="01a20a90-0000-7000-8000-0000000000fe",
                     rows={"ledger_entries": [row]})


def test_tombstones_travel(db, admin, district):
    m = register(db, admin, 1)
    push_all(db, district)
    with db.session(admin) as s:
        s.delete(s.get(Member, m.id))
    push_all(db, district)
    with district.reader() as s:
        assert s.get(Member, m.id).deleted is True


@pytest.mark.parametrize("mutate, error", [
    (lambda d: d.update(version=2), UnsupportedVersion),
    (lambda d: d.update(batch_id="not-a-uuid"), ChangesetError),
    (lambda d: d["rows"].update(passwords=[]), ChangesetError),
    (lambda d: d["rows"]["members"][0].update(name=12), ChangesetError),
    (lambda d: d["rows"]["members"][0].update(surprise=1), ChangesetError),
    (lambda d: d["rows"]["members"][0].pop("name"), ChangesetError),
    (lambda d: d["rows"]["members"][0].update(birth_date="1990-02-30"), ChangesetError),
    (lambda d: d["rows"]["members"][0].update(hlc="yesterday"), ChangesetError),
    (lambda d: d["rows"]["members"].append(dict(d["rows"]["members"][0])), ChangesetError),
])
def test_bad_changesets_are_refused_whole(db, admin, mutate, error):
    register(db, admin, 1)
    data = json.loads(json.dumps(to_wire(gather(db)), ensure_ascii=False))
    mutate(data)
    with pytest.raises(error):
        from_wire(data)


def test_too_many_rows_are_refused(db, admin):
    register(db, admin, 1)
    data = json.loads(json.dumps(to_wire(gather(db)), ensure_ascii=False))
    with pytest.raises(ChangesetError, match="at most"):
        from_wire(data, max_rows=0)


def test_dates_survive_the_wire(db, admin):
    with db.session(admin) as s:
        m = members.register_member(s, {"name": "李四", "id_number": idn(2),
                                        "join_date": "2020-05-01"})
    cs = wire(gather(db))
    row = next(r for r in cs.rows["members"] if r["id"] == m.id)
    assert row["join_date"] == date(2020, 5, 1) and row["birth_date"] == date(1980, 1, 1)


def test_district_keys_pushed_members_for_pinyin_search_when_refreshed(db, admin, district):
    """The push path leaves pinyin keys out at the district; a refresh adds them from the
    change log, a member renamed by sync is no longer found by the old name's keys, and a
    refresh with nothing new does nothing."""
    from station_app.domain.services.members import search_members
    from sync.district import refresh_search_keys

    m = register(db, admin, 1, "张三")
    push_all(db, district)

    def found(query: str) -> list[str]:
        with district.reader() as s:
            return [h.id for h in search_members(s, query)]

    assert found("张三") == [m.id]  # the name tier needs no keys
    assert found("zs") == []  # not keyed yet
    assert refresh_search_keys(district) == 1
    assert found("zs") == [m.id]
    assert found("zhangsan") == [m.id]
    assert refresh_search_keys(district) == 0
    with db.session(admin) as s:
        members.update_member(s, m.id, {"name": "李四"})
    push_all(db, district)
    assert found("zs") == []  # the old name's keys find nobody by that name now
    assert refresh_search_keys(district) == 1
    assert found("ls") == [m.id]


def test_two_stations_pushing_the_same_new_enterprise_at_once(db, admin, district, tmp_path):
    """Two stations register the same enterprise (the same credit code, so the same id)
    and push at the same moment: both pushes are applied, one row results, and the other
    version is kept as a conflict or adopted — never a refused batch (which would hold
    the row at the station until it changed again)."""
    import threading

    from station_app.domain.models import Enterprise
    from station_app.domain.services import enterprises
    from station_app.domain.services.setup import init_station
    from station_app.storage.database import open_database

    other = open_database(tmp_path / "dp02.sqlite3", create=True)
    init_station(other, "DP02", "大鹏社区工联会", "boss", "boss-pass-1")
    boss = Actor("boss", "station_admin")
    for station, actor, contact in ((db, admin, "王经理"), (other, boss, "李经理")):
        with station.session(actor) as s:
            enterprises.register_enterprise(s, {"name": "葵涌制衣厂",
                                                "credit_code": "91440300618874393H",
                                                "contact_person": contact})
    batches = [(station, wire(gather(station))) for station in (db, other)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def push_one(station, cs) -> None:
        start.wait()
        try:
            result = apply_changeset(district, cs, pushing_station=station.station_id)
            acknowledge(station, result.acks)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=push_one, args=b) for b in batches]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert count(district, Enterprise) == 1
    assert count(db, OutboxEntry) == count(other, OutboxEntry) == 0
    other.close()


def test_a_big_batch_goes_in_whole_or_not_at_all(db, admin, district):
    """Batches big enough for the bulk paths (COPY on PostgreSQL): all rows arrive; a row
    breaking a rule of the district's database refuses the whole batch as an
    IntegrityError (HTTP 422 at the service), and nothing of it is applied."""
    from sqlalchemy.exc import IntegrityError

    with db.session(admin) as s:
        result = members.bulk_register_members(
            s, [{"name": "会员" + "甲乙丙丁戊己庚辛壬癸"[n % 10], "id_number": idn(n)}
                for n in range(1, 121)])
    assert len(result.inserted) == 120
    cs = wire(gather(db, limit=500))
    bad = wire(gather(db, limit=500))
    acknowledge(db, apply_changeset(district, cs, pushing_station=db.station_id).acks)
    assert count(district, Member) == 120
    assert count(db, OutboxEntry) == 0
    # the same rows as new ids, each employed by an enterprise the district never saw
    for row in bad.rows["members"]:
        row["id"] = row["id"][:-12] + "0000" + row["id"][-8:]
        row["employer_id"] = "01a20a90-0000-7000-8000-00000000abcd"
    with pytest.raises(IntegrityError):
        apply_changeset(district, bad, pushing_station=db.station_id)
    assert count(district, Member) == 120


def test_the_quick_row_check_agrees_with_the_exact_checks(db, admin):
    """For any JSON value put in any column of a real row, the changeset is accepted
    exactly when that column's exact checker accepts the value (the quick path never lets
    through what the exact rules refuse, nor refuses what they accept)."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from sync.changeset import _spec

    with db.session(admin) as s:
        members.register_member(s, {"name": "张三", "id_number": idn(1),
                                    "join_date": "2024-01-02"})
    base = json.loads(json.dumps(to_wire(gather(db)), ensure_ascii=False))
    row = base["rows"]["members"][0]
    checkers = dict(_spec("members").checkers)
    json_values = st.one_of(
        st.none(), st.booleans(), st.integers(min_value=-2**60, max_value=2**60),
        st.floats(allow_nan=False), st.text(max_size=60),
        st.sampled_from(["2024-02-30", "2024-02-29", "x" * 51, "", "13800138000"]))
    columns = sorted(k for k in row if k not in ("_base", "id", "station_id", "hlc"))

    @settings(max_examples=300, deadline=None)
    @given(st.sampled_from(columns), json_values)
    def check(column, value):
        data = json.loads(json.dumps(base))
        data["rows"]["members"][0][column] = value
        try:
            checkers[column](value, "w")
            exact = True
        except ChangesetError:
            exact = False
        try:
            from_wire(data)
            accepted = True
        except ChangesetError:
            accepted = False
        assert accepted == exact, (column, value)

    check()
