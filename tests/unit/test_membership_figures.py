"""The membership figures (members on the roll, joined, left, deceased, transferred out,
migrant workers): for any members across stations and any date, each figure equals a
plain-Python count of its definition (docs/ARCHITECTURE.md, Reports), on both figure
paths (the services' session and the compiled selects the command lines read), and the
list behind each figure has one row per person it counts. Then the definition's cases
one by one through the real services (a transfer, a duplicate settled, a move and then a
departure), and the index the district's count reads."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert
from test_services import make_id

from station_app.domain import figures
from station_app.domain.actor import Actor
from station_app.domain.ids import DISTRICT_OWNER_ID, station_id_for, uuid7
from station_app.domain.models import Member
from station_app.domain.services import members, metrics, metrics_sqlite, stations
from station_app.domain.services.reports import record_list
from station_app.storage.database import open_database
from station_app.storage.fastread import Snapshot
from station_app.storage.sqlfile import dbapi as sqlite3

DISTRICT = Actor("district", "district_admin", None, "区总工会")
CODES = ("S1", "S2", "S3")
SIDS = tuple(station_id_for(c) for c in CODES)
MEMBER_FIGURES = metrics.MEMBER_FIGURES
LEAVING = {"members_left": "left", "members_deceased": "deceased",
           "members_transferred_out": "transferred"}


@pytest.fixture(scope="module")
def district_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("membership") / "district.sqlite3"
    db = open_database(path, create=True)
    db.set_state("station_id", DISTRICT_OWNER_ID)
    with db.session(DISTRICT) as s:
        for code in CODES:
            stations.upsert_station(s, code, f"{code}社区工联会")
    db.close()
    return path


@dataclass(frozen=True)
class Row:
    station: str
    person: str
    join: date | None
    status: str
    status_date: date | None
    migrant: bool
    deleted: bool


# ---------------------------------------------------------------- the definition, by hand


def _joined_by(r: Row, d: date) -> bool:
    return r.join is None or r.join <= d


def _not_left_by(r: Row, d: date | None) -> bool:
    return r.status == "active" or (r.status_date is not None and d is not None
                                    and r.status_date > d)


def _in_year(day: date | None, as_of: date) -> bool:
    return day is not None and date(as_of.year, 1, 1) <= day <= as_of


def by_hand(rows: list[Row], code: str, as_of: date, station: str | None) -> int:
    """The figure, counted in plain Python from the definition."""
    live = [r for r in rows if not r.deleted]
    scope = [r for r in live if station is None or r.station == station]
    if code in ("members_on_roll", "members_migrant"):
        people = {r.person for r in scope if _joined_by(r, as_of) and _not_left_by(r, as_of)
                  and (code == "members_on_roll" or r.migrant)}
    elif code == "members_joined":
        people = {r.person for r in scope if _in_year(r.join, as_of) and not (
            station is None and any(  # on the roll at another station the day before
                o.person == r.person and o.station != r.station
                and _joined_by(o, r.join - timedelta(days=1))
                and _not_left_by(o, r.join - timedelta(days=1)) for o in live))}
    else:
        people = set()
        for r in scope:
            if r.status != LEAVING[code] or not _in_year(r.status_date, as_of):
                continue
            if code == "members_transferred_out" and station is None and any(
                    o.person == r.person and o.station != r.station
                    and _joined_by(o, as_of) and _not_left_by(o, r.status_date)
                    for o in live):
                continue  # a move to another station of the district
            people.add(r.person)
    return len(people)


# ---------------------------------------------------------------- random members

DAYS = st.dates(date(2022, 1, 1), date(2024, 12, 31))
PEOPLE = tuple(make_id(n) for n in range(1, 7))


@st.composite
def member_rows(draw) -> Row:
    status = draw(st.sampled_from(("active", "active", "left", "deceased", "transferred")))
    join = draw(st.none() | DAYS)
    if status == "active":
        status_date = draw(st.none() | DAYS)
    else:  # a leaving status has its date; a legacy row may lack it
        status_date = draw(DAYS if draw(st.integers(0, 9)) else st.none())
    return Row(draw(st.sampled_from(SIDS)), draw(st.sampled_from(PEOPLE)), join, status,
               status_date, draw(st.booleans()), draw(st.integers(0, 7)) == 0)


def _possible(rows: list[Row]) -> list[Row]:
    """The rows a database can hold: one active (live) row per person and station."""
    seen, kept = set(), []
    for r in rows:
        key = (r.station, r.person)
        if r.status == "active" and not r.deleted:
            if key in seen:
                continue
            seen.add(key)
        kept.append(r)
    return kept


def _write(path: Path, rows: list[Row]) -> None:
    db = open_database(path, check=False)
    try:
        with db.engine.begin() as conn:
            conn.execute(delete(Member))
            if rows:
                conn.execute(insert(Member), [{
                    "id": uuid7(), "station_id": r.station, "hlc": "0", "deleted": r.deleted,
                    "name": f"会员{PEOPLE.index(r.person)}", "id_number": r.person,
                    "gender": "1", "birth_date": date(1980, 1, 1), "join_date": r.join,
                    "status": r.status, "status_date": r.status_date,
                    "migrant_worker": r.migrant} for r in rows])
    finally:
        db.close()


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(member_rows(), max_size=14), as_of=DAYS)
def test_each_membership_figure_is_its_definition(district_path, rows, as_of):
    rows = _possible(rows)
    _write(district_path, rows)
    scopes = (None, *SIDS)
    db = open_database(district_path, check=False)
    try:
        with db.reader() as s:
            run = metrics.session_run(s)
            for sid in scopes:
                scope = figures.Scope(as_of, sid)
                for code in MEMBER_FIGURES:
                    expected = by_hand(rows, code, as_of, sid)
                    assert figures.figure_value(run, code, scope) == expected, (code, sid)
                    listed = record_list(s, code, scope)
                    assert len(listed.rows) == expected, (code, sid)
                    assert len({r[1] for r in listed.rows}) == expected  # one row a person
    finally:
        db.close()
    snap = Snapshot.open(district_path)
    assert snap is not None and snap.is_district
    with snap:
        run = snap.run(metrics_sqlite.QUERIES)
        for sid in scopes:
            for code in MEMBER_FIGURES:
                assert figures.figure_value(run, code, figures.Scope(as_of, sid)) == \
                    by_hand(rows, code, as_of, sid), ("compiled", code, sid)


# ---------------------------------------------------------------- the services' records


@contextmanager
def as_station(db, code: str | None) -> Iterator[None]:
    saved = db._station_id
    db._station_id = station_id_for(code) if code else DISTRICT_OWNER_ID
    try:
        yield
    finally:
        db._station_id = saved


@pytest.fixture
def district(tmp_path):
    db = open_database(tmp_path / "district.sqlite3", create=True)
    db.set_state("station_id", DISTRICT_OWNER_ID)
    with db.session(DISTRICT) as s:
        for code in CODES:
            stations.upsert_station(s, code, f"{code}社区工联会")
    yield db
    db.close()


CLERK = Actor("clerk", "clerk", None, "专职工作者")


def register(db, code: str, n: int, joined: date, **extra) -> str:
    with as_station(db, code), db.session(CLERK) as s:
        return members.register_member(s, {"name": "会员" + "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳"[n], "id_number": make_id(n),
                                           "join_date": joined, **extra}).id


def values(db, as_of: date, code: str | None = None) -> dict[str, int]:
    with db.reader() as s:
        summary = metrics.compute_summary(s, as_of, station_id_for(code) if code else None)
    return {k: summary.values[k] for k in MEMBER_FIGURES}


def test_a_transfer_inside_the_district_is_no_transfer_out_for_the_district(district):
    moving = register(district, "S1", 1, date(2015, 3, 1), migrant_worker=True)
    register(district, "S1", 2, date(2023, 2, 1))
    with district.session(DISTRICT) as s:
        members.transfer_member(s, moving, "S2", date(2023, 4, 10))
    d = date(2023, 5, 31)
    assert values(district, d) == {
        "members_on_roll": 2, "members_joined": 1, "members_left": 0, "members_deceased": 0,
        "members_transferred_out": 0, "members_migrant": 1}
    s1, s2 = values(district, d, "S1"), values(district, d, "S2")
    assert (s1["members_on_roll"], s1["members_transferred_out"], s1["members_migrant"]) == \
        (1, 1, 0)  # S1 counts its own 转出
    assert (s2["members_on_roll"], s2["members_joined"], s2["members_migrant"]) == (1, 0, 1)
    # before the move: on S1's roll, and once at the district
    before = values(district, date(2023, 3, 31))
    assert before["members_on_roll"] == 2 and before["members_transferred_out"] == 0
    assert values(district, date(2023, 3, 31), "S1")["members_on_roll"] == 2


def test_a_move_and_then_a_departure_is_one_transfer_out(district):
    person = register(district, "S1", 3, date(2010, 1, 1))
    with district.session(DISTRICT) as s:
        moved = members.transfer_member(s, person, "S2", date(2023, 3, 1)).id
    with as_station(district, "S2"), district.session(CLERK) as s:
        members.change_status(s, moved, "transferred", date(2023, 5, 2))  # out of the district
    d = date(2023, 6, 30)
    assert values(district, d)["members_transferred_out"] == 1
    assert values(district, d)["members_on_roll"] == 0
    assert values(district, d, "S1")["members_transferred_out"] == 1
    assert values(district, d, "S2")["members_transferred_out"] == 1
    # on D between the two, the person is on the district's roll (at S2)
    between = values(district, date(2023, 4, 1))
    assert (between["members_on_roll"], between["members_transferred_out"]) == (1, 0)


def test_a_duplicate_settled_by_the_district_counts_once(district):
    old = register(district, "S1", 4, date(2018, 6, 1))
    new = register(district, "S3", 4, date(2023, 1, 9))
    d = date(2023, 2, 28)
    assert values(district, d)["members_on_roll"] == 1  # two rows, one person
    with district.session(DISTRICT) as s:
        members.retire_duplicate(s, old, new, date(2023, 3, 15))
    later = values(district, date(2023, 12, 31))
    # one person, on the roll since 2018: no transfer out, and no new member either
    assert (later["members_on_roll"], later["members_transferred_out"],
            later["members_joined"]) == (1, 0, 0)
    assert values(district, date(2023, 12, 31), "S3")["members_joined"] == 1
    assert values(district, date(2023, 12, 31), "S1")["members_transferred_out"] == 1


def test_leaving_tombstones_and_unknown_dates(district):
    register(district, "S1", 5, None)  # an unknown join date counts as joined
    gone = register(district, "S1", 6, date(2020, 1, 1))
    dead = register(district, "S2", 7, date(2021, 1, 1), migrant_worker=True)
    deleted = register(district, "S2", 8, date(2023, 1, 5))
    with as_station(district, "S1"), district.session(CLERK) as s:
        members.change_status(s, gone, "left", date(2023, 7, 1))
    with as_station(district, "S2"), district.session(CLERK) as s:
        members.change_status(s, dead, "deceased", date(2022, 12, 30))
        s.delete(s.get(Member, deleted))
    assert values(district, date(2023, 6, 30)) == {
        "members_on_roll": 2, "members_joined": 0, "members_left": 0, "members_deceased": 0,
        "members_transferred_out": 0, "members_migrant": 0}
    assert values(district, date(2023, 7, 1)) == {
        "members_on_roll": 1, "members_joined": 0, "members_left": 1, "members_deceased": 0,
        "members_transferred_out": 0, "members_migrant": 0}
    # the year before: the deceased migrant worker is counted in 2022's figures
    last_year = values(district, date(2022, 12, 31))
    assert (last_year["members_deceased"], last_year["members_on_roll"],
            last_year["members_migrant"]) == (1, 2, 0)
    assert values(district, date(2022, 12, 29))["members_migrant"] == 1


def test_the_lists_name_each_person_once_with_their_stations(district):
    register(district, "S1", 9, date(2023, 1, 3))
    register(district, "S2", 9, date(2023, 2, 3))  # the same person at two stations
    register(district, "S3", 10, date(2022, 5, 5), migrant_worker=True)
    with district.reader() as s:
        listed = record_list(s, "members_on_roll", figures.Scope(date(2023, 3, 1), None),
                             "en")
    assert [c[1] for c in listed.columns] == ["Name", "ID number", "Joined",
                                              "Migrant worker", "Station"]
    by_id = {r[1]: r for r in listed.rows}
    assert by_id[make_id(9)][2] == date(2023, 1, 3)  # the earliest join date
    assert by_id[make_id(9)][4] == "S1社区工联会、S2社区工联会"
    assert by_id[make_id(10)][3] == "yes"


def test_the_district_count_of_persons_reads_the_indexes(district):
    """Over 500,000 rows a count of distinct ID numbers through the table took ~900 ms,
    through ``ix_members_person`` ~70 ms: the roll is counted from that covering index
    alone, in ID-number order; a year's leavers come from the partial
    ``ix_members_leaving`` (the rows that left), never from a scan."""
    from station_app.domain.services.metrics_sqlite import QUERIES

    con = sqlite3.connect(district.path)
    try:
        for code in MEMBER_FIGURES:
            sql, constants, _kinds = QUERIES[(f"metric:{code}", False)]
            params = {**constants, "as_of": "2023-05-31", "year_start": "2023-01-01",
                      "year": 2023, "station_id": None}
            plan = [r[3] for r in con.execute(f"EXPLAIN QUERY PLAN {sql}", params)]
            text = " | ".join(plan)
            if code in LEAVING:
                assert any(p.startswith("SEARCH") and "COVERING INDEX ix_members_leaving" in p
                           for p in plan), (code, text)
            else:
                assert "SCAN members USING COVERING INDEX ix_members_person" in text, \
                    (code, text)
                assert "TEMP B-TREE" not in text, (code, text)  # counted in index order
            assert "SCAN members" not in plan, (code, text)  # never the table itself
            if "SCAN anon_1" in plan:  # only the distinct numbers streamed from the index
                assert "CO-ROUTINE anon_1" in plan, (code, text)
    finally:
        con.close()


def test_membership_figures_over_any_past_year(district):
    register(district, "S1", 11, date(2022, 3, 1))
    register(district, "S1", 12, date(2023, 3, 1))
    late = register(district, "S2", 13, date(2024, 3, 1))
    with as_station(district, "S2"), district.session(CLERK) as s:
        members.change_status(s, late, "left", date(2024, 6, 1))
    expected = {date(2022, 12, 31): (1, 1, 0), date(2023, 5, 31): (2, 1, 0),
                date(2024, 5, 31): (3, 1, 0), date(2024, 12, 31): (2, 1, 1)}
    for d, (roll, joined, left) in expected.items():
        v = values(district, d)
        assert (v["members_on_roll"], v["members_joined"], v["members_left"]) == \
            (roll, joined, left), d
    assert date.today() - timedelta(days=1) > date(2024, 12, 31)  # all in the past


def _scenario(db) -> None:
    """A transfer inside the district, a move then a departure, a duplicate settled, a
    leaver, a death, a tombstone: every rule once."""
    a = register(db, "S1", 1, date(2015, 3, 1), migrant_worker=True)
    b = register(db, "S1", 2, date(2010, 1, 1))
    c = register(db, "S2", 3, date(2018, 6, 1))
    c2 = register(db, "S3", 3, date(2023, 1, 9))
    d = register(db, "S3", 4, date(2023, 2, 2), migrant_worker=True)
    e = register(db, "S2", 5, None)
    with db.session(DISTRICT) as s:
        members.transfer_member(s, a, "S2", date(2023, 4, 10))
        moved = members.transfer_member(s, b, "S3", date(2023, 3, 1)).id
        members.retire_duplicate(s, c, c2, date(2023, 3, 15))
    with as_station(db, "S3"), db.session(CLERK) as s:
        members.change_status(s, moved, "transferred", date(2023, 5, 2))
        members.change_status(s, d, "left", date(2023, 5, 20))
    with as_station(db, "S2"), db.session(CLERK) as s:
        members.change_status(s, e, "deceased", date(2023, 1, 30))
    gone = register(db, "S3", 6, date(2023, 1, 1))
    with as_station(db, "S3"), db.session(CLERK) as s:
        s.delete(s.get(Member, gone))


def test_postgresql_counts_the_same_and_reads_the_leaving_index(district, pg_url):
    """The district on PostgreSQL (the same selects, SQLAlchemy's PostgreSQL dialect):
    the same figures as SQLite for every scope and date, and the partial index serves a
    year's leavers (the selects' ``status != 'active'`` term proves its predicate)."""
    from sqlalchemy import text

    pg = open_database(pg_url, create=True)
    try:
        pg.set_state("station_id", DISTRICT_OWNER_ID)
        with pg.session(DISTRICT) as s:
            for code in CODES:
                stations.upsert_station(s, code, f"{code}社区工联会")
        for db in (district, pg):
            _scenario(db)
        for d in (date(2023, 1, 31), date(2023, 3, 31), date(2023, 4, 30), date(2023, 12, 31),
                  date(2024, 6, 30)):
            for code in (None, *CODES):
                assert values(pg, d, code) == values(district, d, code), (d, code)
        assert values(pg, date(2023, 12, 31)) == {
            "members_on_roll": 2, "members_joined": 1, "members_left": 1,
            "members_deceased": 1, "members_transferred_out": 1, "members_migrant": 1}
        with pg.engine.connect() as conn:
            definition = conn.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_members_leaving'")
            ).scalar_one()
            assert "WHERE" in definition and "'active'" in definition
            conn.execute(text("SET enable_seqscan = off"))
            select = metrics.QUERIES["metric:members_left"](False).params(
                as_of=date(2023, 12, 31), year_start=date(2023, 1, 1))
            sql = str(select.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = "\n".join(r[0] for r in conn.exec_driver_sql("EXPLAIN " + sql))
            assert "ix_members_leaving" in plan, plan
    finally:
        pg.close()
