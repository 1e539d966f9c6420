"""Property: whatever a station pushes — any table, any owner, any ids, any values — it
never changes a row it does not own, nor the district's reference data. Its own rows may
change (when they pass the district's checks); anything else is refused, whole (403, 409,
422), row by row (the checks), or kept for review (another station's enterprise).

The district (SQLite, and PostgreSQL with fewer examples) holds stations KY01 and DP02,
targets, an enterprise of the district's, DP02's enterprise, member, hardship file, ledger
entry and watch-list listing, and KY01's own member, file and enterprise; KY01 pushes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from forge import DP02, KY01, changeset, enterprise, idn, row
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from station_app.domain.actor import Actor
from station_app.domain.ids import DISTRICT_OWNER_ID, uuid7
from station_app.domain.models import MODEL_BY_TABLE
from station_app.domain.services import enterprises, stations
from station_app.storage.database import open_database
from sync.changeset import APPLY_ORDER, ChangesetError, from_wire, wire_columns
from sync.merge import ROW_REFUSALS, apply_changeset

DISTRICT = Actor("district", "district_admin", None, "区总工会")
OWNERS = (KY01, DP02, DISTRICT_OWNER_ID)


def _seed(db) -> dict[str, list[str]]:
    """The district's world; the ids of every table's rows (the pool a push draws on)."""
    db.set_state("station_id", DISTRICT_OWNER_ID)
    with db.session(DISTRICT) as s:
        stations.upsert_station(s, "KY01", "葵涌社区工联会", is_key=True)
        stations.upsert_station(s, "DP02", "大鹏社区工联会")
        stations.set_target(s, 2026, "training_events", 40)
        stations.set_target(s, 2026, "training_events", 8, "DP02")
        enterprises.register_enterprise(s, {"name": "区里的企业"})
    for station, n in ((DP02, 1), (KY01, 2)):
        ent = enterprise(station, n, area_station_id=station)
        member = row("members", station, id_number=idn(n))
        case = row("hardship_cases", station, member_id=member["id"])
        entry = row("ledger_entries", station, case_id=case["id"], kind="condolence",
                    amount_fen=50_000)
        listing = row("watch_list_entries", station, enterprise_id=ent["id"])
        event = row("events", station)
        cs = changeset(station, ("enterprises", ent), ("members", member),
                       ("hardship_cases", case), ("ledger_entries", entry),
                       ("watch_list_entries", listing), ("events", event),
                       ("event_members", row("event_members", station, event_id=event["id"],
                                             member_id=member["id"])),
                       ("signed_reports", row("signed_reports", station)))
        result = apply_changeset(db, from_wire(cs), pushing_station=station)
        assert not result.refused, result.refused
    pool = {}
    with db.reader() as s:
        for table, model in MODEL_BY_TABLE.items():
            pool[table] = sorted(s.execute(select(model.id)).scalars())
    return pool


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> tuple[Path, dict[str, list[str]]]:
    path = tmp_path_factory.mktemp("trust") / "district.sqlite3"
    db = open_database(path, create=True)
    pool = _seed(db)
    db.close()
    return path, pool


def snapshot(db) -> dict[str, dict]:
    """Every row KY01 does not own, and all the district's reference data."""
    out = {}
    with db.reader() as s:
        for table, model in MODEL_BY_TABLE.items():
            q = select(model)
            if table not in ("stations", "targets"):
                q = q.where(model.station_id != KY01)
            out[table] = {o.id: {c.key: getattr(o, c.key) for c in model.__table__.columns}
                          for o in s.execute(q).scalars()}
    return out


# --------------------------------------------------------------------------- strategies


TEXTS = ("", "x", "张三", "改过的名字", "active", "listed", "unlisted", "station", "routine",
         "illness", "deep", "open", "exited", "condolence", "M", "Q", "a\u0000b",
         "91440300MA5000001", idn(3), "ABCDEFGHIJKLMNOPQR")
INTS = (0, 1, -5, 3, 2**31 - 1)
DATES = ("2026-01-05", "1800-01-01", "2999-12-31")


def _value(col, pool: dict[str, list[str]]):
    """Values of the column's type (mostly well formed: the point is what the district
    does with rows it can read)."""
    from sqlalchemy import Boolean, Date, Integer

    if col.key.endswith("_id"):
        ids = [i for table in APPLY_ORDER for i in pool[table]]
        values = st.one_of(st.sampled_from(OWNERS + tuple(ids)), st.builds(uuid7))
    elif isinstance(col.type, Boolean):
        values = st.booleans()
    elif isinstance(col.type, Integer):
        values = st.sampled_from(INTS)
    elif isinstance(col.type, Date):
        values = st.sampled_from(DATES)
    else:
        limit = col.type.length or 20_000
        values = st.sampled_from([t for t in TEXTS if len(t) <= limit])
    return st.one_of(values, st.just(None)) if col.nullable else values


@st.composite
def pushed_row(draw, pool: dict[str, list[str]]):
    table = draw(st.sampled_from(APPLY_ORDER))
    owner = draw(st.sampled_from((KY01, *OWNERS)))  # (its own rows half the time)
    r = row(table, owner)
    if pool[table] and draw(st.booleans()):
        r["id"] = draw(st.sampled_from(pool[table]))  # a row the district holds
    if draw(st.booleans()):
        r["hlc"] = "1000000000000-00000-old"  # older than anything there
    for col in wire_columns(MODEL_BY_TABLE[table]):
        if col.foreign_keys and r[col.key] is None and not col.nullable:
            parent = next(iter(col.foreign_keys)).column.table.name
            r[col.key] = draw(st.sampled_from(pool[parent]))  # any owner's
    columns = [c for c in wire_columns(MODEL_BY_TABLE[table])
               if c.key not in ("id", "hlc")]
    for col in draw(st.lists(st.sampled_from(columns), max_size=3, unique_by=lambda c: c.key)):
        r[col.key] = draw(_value(col, pool))
    return table, r


def pushes(pool):
    return st.lists(st.lists(pushed_row(pool), min_size=1, max_size=3), min_size=1,
                    max_size=4)


def _check(district, batches) -> None:
    before = snapshot(district)
    for rows in batches:
        data = changeset(KY01, *rows)
        try:
            cs = from_wire(json.loads(json.dumps(data)))
        except ChangesetError:
            event("malformed")
            continue
        try:
            result = apply_changeset(district, cs, pushing_station=KY01)
        except ROW_REFUSALS as exc:
            event(f"refused whole: {type(exc).__name__}")
            continue
        for name in ("inserted", "updated", "review", "refused"):
            value = getattr(result, name)
            if value:
                event(f"some {name}")
    assert snapshot(district) == before


def _property(template, tmp_path_factory):
    path, pool = template

    @settings(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                    HealthCheck.function_scoped_fixture])
    @given(batches=pushes(pool))
    def run(batches):
        folder = tmp_path_factory.mktemp("push")
        copy = folder / "district.sqlite3"
        shutil.copy(path, copy)
        district = open_database(copy, check=False)
        try:
            _check(district, batches)
        finally:
            district.close()

    return run


def test_a_station_never_changes_what_it_does_not_own(template, tmp_path_factory):
    _property(template, tmp_path_factory)()


def test_the_same_on_postgresql(pg_url):
    """Fewer examples against a real PostgreSQL district (one database: the pushes of
    every example one after another)."""
    db = open_database(pg_url, create=True)
    try:
        pool = _seed(db)

        @settings(max_examples=15, deadline=None,
                  suppress_health_check=[HealthCheck.too_slow])
        @given(batches=pushes(pool))
        def run(batches):
            _check(db, batches)

        run()
    finally:
        db.close()
